//! Article pages of many publishers read into briefings: our own pages in
//! the shapes that used to defeat the reader (each named for its cause in
//! its `about.txt`), and Readability's test pages as a floor for the whole.

#[path = "support/shingles.rs"]
mod shingles;

use std::path::{Path, PathBuf};

use briefbot::domain::html::{article_page, page_text, Extracted, Hints};
use briefbot::domain::Briefing;

fn corpus(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/extraction")
        .join(part)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Everything a member reads of a briefing's article, as plain text.
fn text_of(briefing: &Briefing) -> String {
    let mut parts = briefing.highlights.clone();
    for block in &briefing.body {
        parts.extend(block.heading.clone());
        parts.push(block.text.clone());
    }
    parts.join("\n")
}

/// A shape page, read; it must not be refused.
fn shape(name: &str) -> (Extracted, String) {
    let dir = corpus("shapes").join(name);
    let html = read(&dir.join("source.html"));
    let got = article_page(&html, &Hints::default())
        .unwrap_or_else(|e| panic!("{name} was refused: {e}"));
    (got, read(&dir.join("expected.txt")))
}

/// Site furniture every shape page carries around its article.
const FURNITURE: &[&str] = &[
    "Recent posts",
    "Archives",
    "Share on",
    "Email this",
    "comments",
    "Copyright",
    "Blog Archive",
    "About Me",
    "googletag",
    "window.ads",
    "About us",
    "Related:",
];

fn assert_faithful(name: &str) -> Extracted {
    let (got, expected) = shape(name);
    let text = text_of(&got.briefing);
    let score = shingles::overlap(&text, &expected);
    assert!(
        score.precision >= 0.97 && score.recall >= 0.97,
        "{name}: {score:?}\n--- got\n{text}\n--- expected\n{expected}"
    );
    for furniture in FURNITURE {
        assert!(
            !text.contains(furniture),
            "{name} kept the site's '{furniture}':\n{text}"
        );
    }
    got
}

#[test]
fn sidebar_in_the_classes_of_the_body_and_wrappers_does_not_hide_the_article() {
    assert_faithful("sidebar-classes-on-wrappers");
}

#[test]
fn elementor_widgets_holding_the_paragraphs_are_read() {
    assert_faithful("elementor-widgets");
}

#[test]
fn blogger_posts_in_a_widget_with_br_text_are_read_as_paragraphs() {
    let got = assert_faithful("blogger-br-text");
    assert_eq!(got.briefing.body.len(), 5, "{:#?}", got.briefing.body);
}

#[test]
fn div_and_section_paragraphs_are_paragraphs() {
    for name in ["div-paragraphs", "section-paragraphs"] {
        let got = assert_faithful(name);
        assert_eq!(
            got.briefing.body.len(),
            5,
            "{name}: {:#?}",
            got.briefing.body
        );
    }
}

#[test]
fn text_written_with_br_in_another_script_is_read() {
    let got = assert_faithful("korean-br-text");
    assert_eq!(
        got.briefing.title,
        "섬 여객선, 2027년까지 배터리 전기선으로 교체"
    );
    assert!(!text_of(&got.briefing).contains("많이 본 뉴스"));
}

#[test]
fn an_ad_only_main_does_not_win_over_the_story() {
    let got = assert_faithful("ad-only-main");
    assert!(!text_of(&got.briefing).contains("div-gpt-ad"));
}

#[test]
fn a_reader_comment_in_the_first_article_does_not_win_over_the_story() {
    let got = assert_faithful("comment-article-first");
    assert!(!text_of(&got.briefing).contains("Reader reply"));
}

#[test]
fn a_table_in_a_plain_article_is_kept_a_row_a_line() {
    let got = assert_faithful("table-in-article");
    assert!(
        got.briefing
            .body
            .iter()
            .any(|b| b.text.contains("Battery ferry | €0.9 million | 5")),
        "{:#?}",
        got.briefing.body
    );
}

#[test]
fn date_author_and_image_come_from_json_ld_in_a_graph() {
    let got = assert_faithful("jsonld-itemprop-body");
    let b = &got.briefing;
    assert_eq!(
        b.published.map(|d| d.to_string()).as_deref(),
        Some("2025-11-04")
    );
    assert_eq!(b.author.as_deref(), Some("Marina Souza"));
    assert_eq!(
        b.image.as_deref(),
        Some("https://jornal.example/img/barca.jpg")
    );
}

#[test]
fn a_long_article_is_cut_with_a_line_that_points_to_the_rest() {
    let paragraph =
        "The harbour board set out its plans for the ferries in a long report. ".repeat(8);
    let body: String = (0..60)
        .map(|n| format!("<p>{n}. {paragraph}</p>"))
        .collect();
    let html = format!(
        "<html><head><title>Long</title><link rel=\"canonical\" href=\"https://courier.example/long\"></head>\
         <body><article><h1>Long</h1>{body}</article></body></html>"
    );
    let got = article_page(&html, &Hints::default()).unwrap();
    let last = got.briefing.body.last().unwrap();
    assert_eq!(
        last.text,
        "… The article continues at https://courier.example/long"
    );
    assert!(
        got.notes.iter().any(|n| n.contains("was cut to")),
        "{:?}",
        got.notes
    );
    let total: usize = got
        .briefing
        .body
        .iter()
        .map(|b| b.text.chars().count())
        .sum();
    assert!(total <= briefbot::domain::bounds::MAX_BODY, "{total}");
    // Nothing is cut from a page that fits.
    let (short, _) = shape("section-paragraphs");
    assert!(!short.notes.iter().any(|n| n.contains("was cut to")));
}

#[test]
fn a_page_over_a_bound_is_cut_to_it_not_refused() {
    let title = "A very long headline ".repeat(30);
    let items: String = (0..12).map(|n| format!("<li>Point {n}</li>")).collect();
    let html = format!(
        "<html><head><title>{title}</title></head><body><div class=\"entry-content\">\
         <h2>Highlights</h2><ul>{items}</ul><p>Body.</p><h2>Key Questions</h2><ul><li>Why?</li></ul></div></body></html>"
    );
    let got = article_page(&html, &Hints::default()).unwrap();
    assert_eq!(got.briefing.highlights.len(), 8);
    assert!(got.briefing.title.chars().count() <= 300);
    assert!(
        got.notes.iter().any(|n| n.contains("the first 8 are kept")),
        "{:?}",
        got.notes
    );
}

#[test]
fn a_page_with_text_but_no_title_takes_its_first_line() {
    let got = article_page(
        "<html><body><p>Ferries go electric in 2027, the board said.</p><p>More text follows here.</p></body></html>",
        &Hints::default(),
    )
    .unwrap();
    assert_eq!(
        got.briefing.title,
        "Ferries go electric in 2027, the board said."
    );
    assert!(got.notes.iter().any(|n| n.contains("names no title")));
}

#[test]
fn a_page_without_text_is_refused_with_the_reason() {
    let err = article_page(
        "<html><head><title>Gallery</title></head><body><nav><a href=\"/\">Home</a></nav><img src=\"a.jpg\"></body></html>",
        &Hints::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no article text"), "{err}");
}

/// Readability's pages as a floor: none refused, and the main text as
/// close to Readability's own reading as BENCHMARKS.md records (the bench
/// prints the figures; this holds them from falling back).
#[test]
fn readabilitys_pages_are_all_read_and_closely() {
    let root = corpus("readability");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").is_file())
        .collect();
    pages.sort();
    assert!(pages.len() >= 100, "{} pages", pages.len());
    let mut f1 = 0.0;
    for dir in &pages {
        let html = read(&dir.join("source.html"));
        let expected = {
            let fragment = scraper::Html::parse_fragment(&read(&dir.join("expected.html")));
            fragment.root_element().text().collect::<Vec<_>>().join(" ")
        };
        if let Err(e) = article_page(&html, &Hints::default()) {
            panic!("{} was refused: {e}", dir.display());
        }
        f1 += shingles::overlap(&page_text(&html), &expected).f1;
    }
    let mean = f1 / pages.len() as f64;
    assert!(mean >= 0.95, "mean F1 {mean:.3}");
}
