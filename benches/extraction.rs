//! Main-text extraction against pages of many publishers.
//! `cargo bench --bench extraction` reads the corpus committed under
//! `tests/fixtures/extraction` (a licensed subset of Mozilla Readability's
//! test pages, and pages of our own in shapes real sites use); set
//! `EXTRACTION_CORPUS` to a checkout's `test/test-pages` to run all of
//! Readability's pages. Prints precision, recall and F1 of token-4-gram
//! shingles between our body text and the expected text (the mean over
//! pages; a refused page scores zero), pages refused, dates found, and
//! milliseconds a page. `-- --pages` prints each page's figures.

#[path = "../tests/support/shingles.rs"]
mod shingles;

use std::path::{Path, PathBuf};
use std::time::Instant;

use briefbot::domain::html::{article_page, page_text, Hints};
use briefbot::domain::model::Briefing;

struct Page {
    name: String,
    html: String,
    expected: String,
    /// The expected metadata names a publication date.
    dated: bool,
}

/// Everything a member reads of a briefing, as plain text.
fn text_of(briefing: &Briefing) -> String {
    let mut parts: Vec<String> = briefing.highlights.clone();
    for block in &briefing.body {
        parts.extend(block.heading.clone());
        parts.push(block.text.clone());
    }
    if let Some(table) = &briefing.implications {
        for row in &table.rows {
            parts.push(format!("{} {}", row.heading, row.summary));
        }
    }
    parts.extend(briefing.key_questions.clone());
    parts.extend(briefing.closing.clone());
    parts.join("\n")
}

fn html_text(html: &str) -> String {
    let fragment = scraper::Html::parse_fragment(html);
    fragment.root_element().text().collect::<Vec<_>>().join(" ")
}

/// A folder of pages, each a folder with `source.html` and either
/// `expected.html` (Readability's layout) or `expected.txt`.
fn pages_in(root: &Path) -> Vec<Page> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|dir| {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
            let expected = read("expected.txt")
                .or_else(|| read("expected.html").map(|h| html_text(&h)))
                .unwrap_or_else(|| panic!("{}: no expected text", dir.display()));
            let dated = read("expected-metadata.json").is_some_and(|m| {
                serde_json::from_str::<serde_json::Value>(&m)
                    .ok()
                    .and_then(|v| v.get("publishedTime").cloned())
                    .is_some_and(|t| t.is_string())
            });
            Page {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                html: read("source.html").unwrap(),
                expected,
                dated,
            }
        })
        .collect()
}

/// Pages built to make the reader work: each is timed once.
fn hostile() {
    let paragraph = "<p>Text of a paragraph, with a comma, and a <a href=\"/x\">link</a>.</p>";
    let pages = [
        ("40,000 nested divs", format!("<title>T</title>{}", "<div>".repeat(40_000))),
        (
            "50,000 paragraphs (3.6 MB)",
            format!("<title>T</title><article>{}</article>", paragraph.repeat(50_000)),
        ),
        (
            "20,000 widget boxes inside each other's links",
            format!("<title>T</title>{}", "<div class=\"widget\"><a href=\"/\">w</a>".repeat(20_000)),
        ),
        (
            "2,000 JSON-LD scripts",
            format!(
                "<title>T</title>{}<p>Body.</p>",
                "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"datePublished\":\"2024-01-01\"}</script>"
                    .repeat(2_000)
            ),
        ),
        (
            "14,000 divs of linked, comma-rich paragraphs",
            format!(
                "<title>T</title><body>{}</body>",
                "<div class=\"c\"><p>One, two, three, <a href=\"/x\">four</a>, five.</p></div>".repeat(14_000)
            ),
        ),
        (
            "10,000 br-separated lines",
            format!("<title>T</title><div>{}</div>", "A line of text<br>".repeat(10_000)),
        ),
    ];
    for (name, page) in pages {
        let started = Instant::now();
        let got = article_page(&page, &Hints::default());
        println!(
            "hostile: {name:<46} {:>8.2} ms  {}",
            started.elapsed().as_secs_f64() * 1e3,
            if got.is_ok() { "read" } else { "refused" }
        );
    }
}

#[derive(Default)]
struct Totals {
    precision: f64,
    recall: f64,
    f1: f64,
}

impl Totals {
    fn add(&mut self, score: shingles::Overlap) {
        self.precision += score.precision;
        self.recall += score.recall;
        self.f1 += score.f1;
    }

    fn line(&self, n: f64) -> String {
        format!(
            "precision {:.3}  recall {:.3}  F1 {:.3}",
            self.precision / n,
            self.recall / n,
            self.f1 / n
        )
    }
}

fn main() {
    let per_page = std::env::args().any(|a| a == "--pages");
    let roots: Vec<PathBuf> = match std::env::var_os("EXTRACTION_CORPUS") {
        Some(path) => vec![PathBuf::from(path)],
        None => {
            let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extraction");
            vec![here.join("readability"), here.join("shapes")]
        }
    };
    let pages: Vec<Page> = roots.iter().flat_map(|r| pages_in(r)).collect();
    let (mut main_text, mut briefing) = (Totals::default(), Totals::default());
    let (mut refused, mut dated, mut dates_found, mut cut) = (0, 0, 0, 0);
    let mut times = Vec::new();
    for page in &pages {
        let started = Instant::now();
        let got = article_page(&page.html, &Hints::default());
        times.push(started.elapsed().as_secs_f64() * 1e3);
        let whole = shingles::overlap(&page_text(&page.html), &page.expected);
        let posted = match &got {
            Ok(extracted) => shingles::overlap(&text_of(&extracted.briefing), &page.expected),
            Err(_) => shingles::Overlap::default(),
        };
        main_text.add(whole);
        briefing.add(posted);
        refused += usize::from(got.is_err());
        cut += usize::from(
            got.as_ref()
                .is_ok_and(|e| e.notes.iter().any(|n| n.contains("was cut to"))),
        );
        dated += usize::from(page.dated);
        let found = got.as_ref().is_ok_and(|e| e.briefing.published.is_some());
        dates_found += usize::from(page.dated && found);
        if per_page {
            let why = got
                .as_ref()
                .err()
                .map(|e| format!(" refused: {e}"))
                .unwrap_or_default();
            println!(
                "{:<36} P {:.3} R {:.3} F1 {:.3} | posted F1 {:.3} {:>7.2} ms{why}",
                page.name,
                whole.precision,
                whole.recall,
                whole.f1,
                posted.f1,
                times.last().unwrap()
            );
        }
    }
    let n = pages.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    println!("pages {}", pages.len());
    println!("main text       {}", main_text.line(n));
    println!(
        "briefing body   {}  (bodies cut to the briefing bound: {cut})",
        briefing.line(n)
    );
    hostile();
    println!(
        "refused {refused}  dates found {dates_found} of {dated} pages whose expected metadata has one  median {median:.2} ms  max {max:.2} ms a page"
    );
}
