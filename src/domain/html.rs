//! Article pages (and feeds' full-content items) to briefings, with a real
//! HTML parser. WordPress articles carry the captured format's sections as
//! markup: "Highlights" and "Key Questions" as a heading or a bold
//! paragraph followed by a list, the implications as a `<table>`, body
//! sub-headings as `h3` or bold paragraphs. Everything that is not the
//! article (navigation, contents boxes, share buttons, comments, sidebars)
//! is dropped. A page without these sections still imports, with its main
//! text as the body and a note saying what was missing.

use chrono::NaiveDate;
use ego_tree::NodeRef;
use scraper::{node::Node, ElementRef, Html, Selector};

use super::bounds::{self, MAX_BODY, MAX_BODY_BLOCKS};
use super::captured::LINK_RESIDUE;
use super::model::{
    fallback_slug, slugify, BodyBlock, Briefing, ImplicationRow, Implications, Source, BODY_BULLET,
};
use super::ParseError;

/// What a feed already says about an article; the page's own markup wins
/// where it has the same thing, except categories (a feed's are complete).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    pub title: Option<String>,
    pub url: Option<String>,
    pub published: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub site_name: Option<String>,
    pub tagline: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Extracted {
    pub briefing: Briefing,
    /// For the import report.
    pub notes: Vec<String>,
    /// Highlights, implications or key questions were found.
    pub structured: bool,
}

/// Deepest element nesting walked; deeper markup is ignored (a hostile
/// page cannot make the walk recurse without end).
const MAX_DEPTH: usize = 64;

/// Containers of the article text, most specific first.
const CONTENT_SELECTORS: &[&str] = &[
    ".entry-content",
    ".post-content",
    "[itemprop=\"articleBody\"]",
    ".article-content",
    "article",
    "main",
];

/// Elements never part of the article text.
const SKIPPED_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "form",
    "footer",
    "header",
    "iframe",
    "svg",
    "button",
    "select",
    "textarea",
    "input",
    "label",
    "figcaption",
    "img",
    "video",
    "audio",
    "object",
    "embed",
    "canvas",
    "head",
    "title",
    "meta",
    "link",
];

/// Class or id fragments of boxes around the article: contents boxes,
/// share buttons, category footers, comments, sidebars, related posts,
/// screen-reader-only text.
const SKIPPED_CLASSES: &[&str] = &[
    "toc",
    "table-of-contents",
    "share",
    "sharing",
    "social",
    "related",
    "comment",
    "respond",
    "sidebar",
    "widget",
    "cat-links",
    "tags-links",
    "post-categories",
    "entry-footer",
    "entry-meta",
    "post-meta",
    "author-bio",
    "newsletter",
    "advert",
    "screen-reader-text",
    "sr-only",
    "visually-hidden",
];

/// Paragraphs that are the site's furniture even when they sit inside the
/// article's container (as the captured seed shows them).
const FURNITURE_TEXT: &[&str] = &[
    "spread the word",
    "share this",
    "leave a reply",
    "categories:",
    "related posts",
    "like this:",
];

/// One piece of the article in reading order.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Heading(String),
    /// A paragraph; `bold` when it is only bold text (a sub-heading).
    Paragraph {
        text: String,
        bold: bool,
    },
    List(Vec<String>),
    Table(Vec<Vec<String>>),
}

/// Reads a whole article page.
pub fn article_page(html: &str, hints: &Hints) -> Result<Extracted, ParseError> {
    // The parser's tree building is quadratic in nesting depth, so a hostile
    // page is flattened (see `nesting`).
    let document = super::nesting::parse_document(html);
    let root = document.root_element();
    let meta = PageMeta::read(&document);
    let content = CONTENT_SELECTORS
        .iter()
        .find_map(|s| first(&document, s))
        .filter(|element| has_text(*element));
    let title = meta
        .heading_title
        .clone()
        .or_else(|| meta.og_title.clone())
        .or_else(|| hints.title.clone())
        .or_else(|| meta.html_title.clone());
    let hints = Hints {
        title,
        url: meta.canonical.clone().or_else(|| hints.url.clone()),
        published: meta.published.or(hints.published),
        categories: if hints.categories.is_empty() {
            meta.categories.clone()
        } else {
            hints.categories.clone()
        },
        site_name: meta.site_name.clone().or_else(|| hints.site_name.clone()),
        tagline: meta.tagline.clone().or_else(|| hints.tagline.clone()),
    };
    match content {
        Some(content) => build(blocks_of(content), &hints, || main_text(root)),
        None => build(Vec::new(), &hints, || main_text(root)),
    }
}

/// Reads a feed item's full content (a fragment of the article's HTML),
/// with everything else from the feed.
pub fn article_fragment(html: &str, hints: &Hints) -> Result<Extracted, ParseError> {
    let fragment = super::nesting::parse_fragment(html);
    let root = fragment.root_element();
    build(blocks_of(root), hints, || main_text(root))
}

/// Whether a feed item's content holds the structured article (so the page
/// need not be fetched).
pub fn fragment_is_structured(html: &str) -> bool {
    let fragment = super::nesting::parse_fragment(html);
    let blocks = blocks_of(fragment.root_element());
    section_at(&blocks, "highlights").is_some() || section_at(&blocks, "key questions").is_some()
}

fn build(
    blocks: Vec<Block>,
    hints: &Hints,
    fallback: impl FnOnce() -> Vec<Block>,
) -> Result<Extracted, ParseError> {
    let title = hints
        .title
        .clone()
        .map(|t| collapse(&t))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ParseError::NotABriefing("the page has no title (no h1, og:title or <title>)".into())
        })?;
    let mut notes = Vec::new();
    let url = hints.url.clone().filter(|url| {
        let usable = bounds::check_url(url).is_ok();
        if !usable {
            notes.push("the page's address is not a usable http(s) address; it is left out".into());
        }
        usable
    });
    let highlights_at = section_at(&blocks, "highlights");
    let questions_at = section_at(&blocks, "key questions");
    let structured = highlights_at.is_some() || questions_at.is_some();
    let mut briefing = Briefing {
        slug: slugify(&title),
        title,
        published: hints.published,
        source: Source {
            name: hints.site_name.clone(),
            tagline: hints.tagline.clone(),
            url,
        },
        categories: hints.categories.clone(),
        highlights: Vec::new(),
        body: Vec::new(),
        implications: None,
        key_questions: Vec::new(),
        closing: None,
    };
    if structured {
        let mut body_from = 0;
        if let Some(at) = highlights_at {
            if let Some(Block::List(items)) = blocks.get(at + 1) {
                briefing.highlights = items.clone();
                body_from = at + 2;
            } else {
                notes.push("the Highlights heading has no list after it".into());
                body_from = at + 1;
            }
        }
        let body_end = questions_at.unwrap_or(blocks.len()).max(body_from);
        let (body, implications) = body_and_table(&blocks[body_from..body_end]);
        briefing.body = body;
        briefing.implications = implications;
        if let Some(at) = questions_at {
            let mut tail_from = at + 1;
            if let Some(Block::List(items)) = blocks.get(at + 1) {
                briefing.key_questions = items.clone();
                tail_from = at + 2;
            } else {
                notes.push("the Key Questions heading has no list after it".into());
            }
            let closing: Vec<String> = blocks[tail_from.min(blocks.len())..]
                .iter()
                .filter_map(|b| match b {
                    Block::Paragraph { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect();
            briefing.closing = (!closing.is_empty()).then(|| closing.join("\n\n"));
        } else {
            notes.push("no Key Questions section: members will have nothing to answer".into());
        }
        if briefing.implications.is_none() {
            notes.push("no implications table was found".into());
        }
    } else {
        let main = if blocks.iter().any(is_text_block) {
            blocks
        } else {
            fallback()
        };
        let (body, cut) = plain_body(&main);
        if body.is_empty() {
            return Err(ParseError::NotABriefing(
                "the page has no article text".into(),
            ));
        }
        briefing.body = body;
        notes.push(
            "no Highlights, implications table or Key Questions were found: imported the article's main text as its body"
                .into(),
        );
        if cut {
            notes.push(format!(
                "the article's text was cut to {MAX_BODY} characters ({MAX_BODY_BLOCKS} paragraphs at most)"
            ));
        }
    }
    bounds::clean(&mut briefing);
    bounds::check(&briefing)?;
    if briefing.slug.is_empty() {
        briefing.slug = fallback_slug(&briefing.title);
    }
    Ok(Extracted {
        briefing,
        notes,
        structured,
    })
}

fn is_text_block(block: &Block) -> bool {
    matches!(block, Block::Paragraph { .. } | Block::List(_))
}

/// Where a section starts: a heading or a bold paragraph with its name.
fn section_at(blocks: &[Block], name: &str) -> Option<usize> {
    blocks.iter().position(|block| {
        let text = match block {
            Block::Heading(text) => text,
            Block::Paragraph { text, bold: true } => text,
            _ => return false,
        };
        text.trim()
            .trim_end_matches(':')
            .trim()
            .eq_ignore_ascii_case(name)
    })
}

/// Body blocks (each sub-heading joined to the block after it, as the
/// captured format does) and the first table.
fn body_and_table(blocks: &[Block]) -> (Vec<BodyBlock>, Option<Implications>) {
    let mut body = Vec::new();
    let mut implications = None;
    let mut heading: Option<String> = None;
    for (index, block) in blocks.iter().enumerate() {
        let text = match block {
            Block::Table(rows) => {
                if implications.is_none() {
                    implications = table(rows);
                }
                continue;
            }
            Block::Heading(text) | Block::Paragraph { text, bold: true }
                if blocks[index + 1..].iter().any(is_text_block) =>
            {
                if let Some(previous) = heading.replace(text.clone()) {
                    body.push(BodyBlock::paragraph(previous));
                }
                continue;
            }
            Block::Heading(text) | Block::Paragraph { text, .. } => text.clone(),
            Block::List(items) => bullets(items),
        };
        body.push(BodyBlock {
            heading: heading.take(),
            text,
        });
    }
    if let Some(heading) = heading {
        body.push(BodyBlock::paragraph(heading));
    }
    (body, implications)
}

/// Every block as plain body text, within the body bounds.
fn plain_body(blocks: &[Block]) -> (Vec<BodyBlock>, bool) {
    let mut body = Vec::new();
    let mut total = 0;
    for block in blocks {
        let (heading, text) = match block {
            Block::Heading(text) => (Some(text.clone()), None),
            Block::Paragraph { text, .. } => (None, Some(text.clone())),
            Block::List(items) => (None, Some(bullets(items))),
            Block::Table(_) => continue,
        };
        let size = heading.as_deref().unwrap_or("").chars().count()
            + text.as_deref().unwrap_or("").chars().count();
        if total + size > MAX_BODY || body.len() >= MAX_BODY_BLOCKS {
            return (body, true);
        }
        total += size;
        match (heading, text) {
            (Some(heading), _) => body.push(BodyBlock::paragraph(heading)),
            (None, Some(text)) => body.push(BodyBlock::paragraph(text)),
            (None, None) => {}
        }
    }
    (body, false)
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("{BODY_BULLET}{item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The implications table: the header row (`thead`, a row of `th`, or just
/// the first row) gives the caption and columns; each other row a heading
/// and its summary.
fn table(rows: &[Vec<String>]) -> Option<Implications> {
    let (header, rows) = rows.split_first()?;
    let caption = header.first()?.clone();
    let column = header.get(1).cloned().unwrap_or_else(|| "Summary".into());
    let rows: Vec<ImplicationRow> = rows
        .iter()
        .filter(|cells| cells.len() >= 2 && !cells[0].is_empty())
        .map(|cells| ImplicationRow {
            heading: cells[0].clone(),
            summary: cells[1..].join(" "),
        })
        .collect();
    (!rows.is_empty()).then(|| Implications {
        columns: vec![caption.clone(), column],
        caption,
        rows,
    })
}

/// The page's metadata.
#[derive(Default)]
struct PageMeta {
    heading_title: Option<String>,
    og_title: Option<String>,
    html_title: Option<String>,
    canonical: Option<String>,
    published: Option<NaiveDate>,
    site_name: Option<String>,
    tagline: Option<String>,
    categories: Vec<String>,
}

impl PageMeta {
    fn read(document: &Html) -> Self {
        let meta = |property: &str| {
            first(
                document,
                &format!("meta[property=\"{property}\"], meta[name=\"{property}\"]"),
            )
            .and_then(|m| m.attr("content"))
            .map(collapse)
            .filter(|c| !c.is_empty())
        };
        let heading_title = ["h1.entry-title", "article h1", "main h1", "h1"]
            .iter()
            .find_map(|s| first(document, s))
            .map(|h| collapse(&text_of(h)))
            .filter(|t| !t.is_empty());
        let published = meta("article:published_time")
            .and_then(|t| date_of(&t))
            .or_else(|| {
                first(document, "article time[datetime], time[datetime]")
                    .and_then(|t| t.attr("datetime"))
                    .and_then(date_of)
            });
        // An address that is not absolute http(s) is ignored, not fatal.
        let canonical = first(document, "link[rel=\"canonical\"]")
            .and_then(|l| l.attr("href"))
            .map(str::trim)
            .map(str::to_string)
            .into_iter()
            .chain(meta("og:url"))
            .find(|url| bounds::check_url(url).is_ok());
        let mut categories: Vec<String> = Vec::new();
        if let Ok(selector) = Selector::parse("a[rel~=\"category\"]") {
            for link in document.select(&selector) {
                let name = collapse(&text_of(link));
                if !name.is_empty() && !categories.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    categories.push(name);
                }
            }
        }
        Self {
            heading_title,
            og_title: meta("og:title"),
            html_title: first(document, "title")
                .map(|t| collapse(&text_of(t)))
                .filter(|t| !t.is_empty()),
            canonical,
            published,
            site_name: meta("og:site_name"),
            tagline: first(document, ".site-description")
                .map(|t| collapse(&text_of(t)))
                .filter(|t| !t.is_empty()),
            categories,
        }
    }
}

/// "2025-10-14T08:00:00+00:00" or "2025-10-14" -> the date.
fn date_of(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.date_naive())
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok())
}

fn first<'a>(document: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).next()
}

fn has_text(element: ElementRef<'_>) -> bool {
    element.text().any(|t| !t.trim().is_empty())
}

fn is_skipped(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    if SKIPPED_TAGS.contains(&value.name()) {
        return true;
    }
    if value.attr("hidden").is_some() || value.attr("aria-hidden") == Some("true") {
        return true;
    }
    let marks = [value.attr("class"), value.attr("id")];
    marks.iter().flatten().any(|mark| {
        mark.split(|c: char| c.is_whitespace())
            // WordPress marks posts with their tags and categories
            // ("tag-market-share"): those name topics, not page furniture.
            .filter(|word| !word.starts_with("tag-") && !word.starts_with("category-"))
            .any(|word| {
                let word = word.to_ascii_lowercase();
                SKIPPED_CLASSES.iter().any(|skip| {
                    word == *skip
                        || word.starts_with(&format!("{skip}-"))
                        || word.ends_with(&format!("-{skip}"))
                        || word.contains(&format!("-{skip}-"))
                        || word.starts_with(&format!("{skip}_"))
                        || (skip.len() > 4 && word.contains(skip))
                })
            })
    })
}

fn is_furniture(text: &str) -> bool {
    let lower = text.to_lowercase();
    FURNITURE_TEXT.iter().any(|f| lower.starts_with(f))
}

/// The article's blocks in reading order; wrappers (`div`, `section`,
/// `figure` ...) are looked through.
fn blocks_of(root: ElementRef<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    collect_blocks(root, 0, &mut blocks);
    blocks
}

fn collect_blocks(element: ElementRef<'_>, depth: usize, blocks: &mut Vec<Block>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in element.child_elements() {
        if is_skipped(&child) {
            continue;
        }
        match child.value().name() {
            "h1" => {}
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                let text = collapse(&text_of(child));
                if !text.is_empty() && !is_furniture(&text) {
                    blocks.push(Block::Heading(text));
                }
            }
            "p" | "blockquote" | "pre" => {
                let text = collapse(&text_of(child));
                if !text.is_empty() && !is_furniture(&text) {
                    blocks.push(Block::Paragraph {
                        bold: is_bold_only(child),
                        text,
                    });
                }
            }
            "ul" | "ol" => {
                let items: Vec<String> = child
                    .child_elements()
                    .filter(|li| li.value().name() == "li" && !is_skipped(li))
                    .map(|li| collapse(&text_of(li)))
                    .filter(|t| !t.is_empty())
                    .collect();
                if !items.is_empty() {
                    blocks.push(Block::List(items));
                }
            }
            "table" => {
                let rows = table_rows(child);
                if !rows.is_empty() {
                    blocks.push(Block::Table(rows));
                }
            }
            _ => collect_blocks(child, depth + 1, blocks),
        }
    }
}

/// Rows of cells, the header first: `thead`'s row when there is one, else
/// the first row.
fn table_rows(table: ElementRef<'_>) -> Vec<Vec<String>> {
    let Ok(rows) = Selector::parse("tr") else {
        return Vec::new();
    };
    let mut head = Vec::new();
    let mut body = Vec::new();
    for row in table.select(&rows).take(64) {
        let cells: Vec<String> = row
            .child_elements()
            .filter(|c| matches!(c.value().name(), "td" | "th"))
            .map(|c| collapse(&text_of(c)))
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let in_head = row
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|p| p.value().name() == "thead");
        if in_head && head.is_empty() {
            head.push(cells);
        } else {
            body.push(cells);
        }
    }
    head.extend(body);
    head
}

/// A paragraph whose whole text is bold (`<p><strong>Why</strong></p>`).
fn is_bold_only(paragraph: ElementRef<'_>) -> bool {
    let whole = collapse(&text_of(paragraph));
    let Ok(bold) = Selector::parse("strong, b") else {
        return false;
    };
    let bold_text: String = paragraph
        .select(&bold)
        .filter(|b| {
            // Outermost bold elements only, so nested ones count once.
            !b.ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| a.id() != paragraph.id())
                .any(|a| matches!(a.value().name(), "strong" | "b"))
        })
        .map(text_of)
        .collect::<Vec<_>>()
        .join(" ");
    !whole.is_empty() && collapse(&bold_text) == whole
}

/// The visible text of an element: skipped parts left out, `<br>` as a
/// space, link residue ("(opens in a new tab)") dropped.
fn text_of(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(*element, 0, &mut out);
    for residue in LINK_RESIDUE {
        if out.contains(residue) {
            out = out.replace(residue, "");
        }
    }
    out
}

fn push_text(node: NodeRef<'_, Node>, depth: usize, out: &mut String) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) => {
                if element.name() == "br" {
                    out.push(' ');
                    continue;
                }
                if let Some(child_element) = ElementRef::wrap(child) {
                    if is_skipped(&child_element) {
                        continue;
                    }
                }
                push_text(child, depth + 1, out);
            }
            _ => {}
        }
    }
}

/// Whitespace runs (HTML's line breaks and indentation) as single spaces.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A readability-style pick for pages with no article container: the
/// element whose own paragraphs hold the most text.
fn main_text(root: ElementRef<'_>) -> Vec<Block> {
    let Ok(paragraphs) = Selector::parse("p") else {
        return Vec::new();
    };
    let mut best: Option<(usize, ElementRef<'_>)> = None;
    for paragraph in root.select(&paragraphs).take(5_000) {
        let Some(parent) = paragraph.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        if parent
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| is_skipped(&a))
            || is_skipped(&parent)
        {
            continue;
        }
        let score: usize = parent
            .child_elements()
            .filter(|c| c.value().name() == "p")
            .map(|p| text_of(p).trim().chars().count())
            .sum();
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, parent));
        }
    }
    best.map(|(_, element)| blocks_of(element))
        .unwrap_or_default()
}

/// Decodes a page's bytes: the charset of the `Content-Type` header, else a
/// `<meta charset>` near the top, else UTF-8 (with bad bytes replaced).
pub fn decode_page(bytes: &[u8], content_type: Option<&str>) -> String {
    let from_header = content_type.and_then(charset_of);
    let from_meta = || {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
        let at = head.find("charset=")?;
        let rest = head[at + 8..].trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        Some(rest[..end].to_string())
    };
    let label = from_header.or_else(from_meta);
    let encoding = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(content: &str) -> String {
        format!(
            "<html><head><title>T - Site</title><meta property=\"og:site_name\" content=\"Site &amp; Co\"></head>\
             <body><nav><ul><li>Home</li></ul></nav><article><h1 class=\"entry-title\">A &ldquo;Title&rdquo;</h1>\
             <div class=\"entry-content\">{content}</div></article><aside class=\"sidebar\"><p>Widget</p></aside></body></html>"
        )
    }

    #[test]
    fn sections_as_headings_or_bold_paragraphs() {
        let html = page(
            "<h2>Highlights</h2><ul><li>One</li><li>Two</li></ul>\
             <p>Body <a href=\"x\">link<span class=\"screen-reader-text\"> (opens in a new tab)</span></a>.</p>\
             <p><strong>Sub heading</strong></p><p>Under it.</p>\
             <figure class=\"wp-block-table\"><table><thead><tr><th>Desk: Implications</th><th>Summary</th></tr></thead>\
             <tbody><tr><td>Row A</td><td>Text A.</td></tr></tbody></table></figure>\
             <p><b>Key Questions:</b></p><ol><li>Why?</li></ol><p>Closing words.</p>\
             <div class=\"sharedaddy\"><p>Spread the word:</p></div>",
        );
        let got = article_page(&html, &Hints::default()).unwrap();
        let b = got.briefing;
        assert_eq!(b.title, "A “Title”");
        assert_eq!(b.source.name.as_deref(), Some("Site & Co"));
        assert_eq!(b.highlights, vec!["One", "Two"]);
        assert_eq!(b.body[0], BodyBlock::paragraph("Body link."));
        assert_eq!(b.body[1].heading.as_deref(), Some("Sub heading"));
        assert_eq!(b.body[1].text, "Under it.");
        let table = b.implications.unwrap();
        assert_eq!(table.caption, "Desk: Implications");
        assert_eq!(table.rows[0].summary, "Text A.");
        assert_eq!(b.key_questions, vec!["Why?"]);
        assert_eq!(b.closing.as_deref(), Some("Closing words."));
        assert!(got.structured);
    }

    #[test]
    fn a_page_without_sections_keeps_its_main_text() {
        let html = "<html><body><div class=\"menu\"><p>Menu</p></div><div id=\"x\"><h1>Plain</h1>\
                    <p>First paragraph of the story.</p><p>Second paragraph.</p></div></body></html>";
        let got = article_page(html, &Hints::default()).unwrap();
        assert!(!got.structured);
        assert_eq!(got.briefing.body.len(), 2, "{:?}", got.briefing.body);
        assert!(got.notes[0].contains("no Highlights"));
    }

    #[test]
    fn a_table_header_may_be_the_first_row() {
        let rows = vec![
            vec!["Cap: Implications".to_string(), "Summary".to_string()],
            vec!["H".to_string(), "S".to_string()],
        ];
        let t = table(&rows).unwrap();
        assert_eq!((t.caption.as_str(), t.rows.len()), ("Cap: Implications", 1));
    }

    #[test]
    fn charset_from_header_or_meta() {
        let bytes = b"<meta charset=\"windows-1252\"><p>caf\xe9 \x93q\x94</p>";
        assert!(decode_page(bytes, None).contains("café “q”"));
        assert!(decode_page(b"caf\xe9", Some("text/html; charset=ISO-8859-1")).contains("café"));
        assert_eq!(decode_page("é".as_bytes(), Some("text/html")), "é");
    }

    #[test]
    fn a_bad_canonical_address_is_left_out_not_fatal() {
        let html = page("<h2>Key Questions</h2><ul><li>Why?</li></ul>").replace(
            "<head>",
            "<head><link rel=\"canonical\" href=\"/relative/\"><meta property=\"og:url\" content=\"javascript:alert(1)\">",
        );
        let got = article_page(&html, &Hints::default()).unwrap();
        assert_eq!(got.briefing.source.url, None);
        let hinted = Hints {
            url: Some("ftp://example.org/x".into()),
            ..Hints::default()
        };
        let got = article_page(&html, &hinted).unwrap();
        assert_eq!(got.briefing.source.url, None);
        assert!(got.notes.iter().any(|n| n.contains("not a usable")));
    }

    #[test]
    fn deep_nesting_does_not_recurse_without_end() {
        let html = format!("{}<p>x</p>", "<div>".repeat(10_000));
        let _ = article_page(&html, &Hints::default());
    }
}
