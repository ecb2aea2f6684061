//! Article pages (and feeds' full-content items) to briefings, with a real
//! HTML parser. WordPress articles carry the captured format's sections as
//! markup: "Highlights" and "Key Questions" as a heading or a bold
//! paragraph followed by a list, the implications as a `<table>`, body
//! sub-headings as `h3` or bold paragraphs; those are read exactly from the
//! article's container. Any other page is read for its main text
//! ([`main_text`]), whatever its publisher's markup, and imports with that
//! text as its body and a note saying what was missing.

mod blocks;
mod fit;
mod main_text;
mod meta;
mod tables;

use chrono::NaiveDate;
use scraper::{Html, Selector};

use self::blocks::{blocks_of, Block};
use self::main_text::CONTENT_SELECTORS;
use self::meta::PageMeta;
use super::bounds;
use super::model::{
    fallback_slug, slugify, BodyBlock, Briefing, ImplicationRow, Implications, Source, BODY_BULLET,
};
use super::text::truncate;
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
    pub author: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Extracted {
    pub briefing: Briefing,
    /// For the import report.
    pub notes: Vec<String>,
    /// Highlights, implications or key questions were found.
    pub structured: bool,
}

/// Containers looked at for a structured article, per selector.
const MAX_CONTAINERS: usize = 16;

/// Characters of a page's first line taken as its title.
const FALLBACK_TITLE: usize = 100;

/// Rows and characters a cell of a table in the body keeps.
const MAX_BODY_TABLE_ROWS: usize = 20;
const MAX_BODY_TABLE_CELL: usize = 200;

/// Reads a whole article page.
pub fn article_page(html: &str, hints: &Hints) -> Result<Extracted, ParseError> {
    // The parser's tree building is quadratic in nesting depth, so a hostile
    // page is flattened (see `nesting`).
    let document = super::nesting::parse_document(html);
    let meta = PageMeta::read(&document);
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
        author: meta.author.clone().or_else(|| hints.author.clone()),
        image: meta.image.clone().or_else(|| hints.image.clone()),
    };
    let blocks = page_blocks(&document);
    let fallback_title = || first_line(&blocks);
    if hints.title.is_none() {
        if let Some(title) = fallback_title() {
            let mut hints = hints;
            hints.title = Some(title);
            let mut extracted = build(blocks, &hints)?;
            extracted.notes.push(
                "the page names no title (no h1, og:title or <title>): its first line is the title"
                    .into(),
            );
            return Ok(extracted);
        }
    }
    build(blocks, &hints)
}

/// The page's text as a reader would take it, every paragraph of it and
/// not bounded to what a briefing holds: what the extraction found, for
/// measuring it against other readings of the same page.
pub fn page_text(html: &str) -> String {
    let document = super::nesting::parse_document(html);
    page_blocks(&document)
        .iter()
        .map(|block| match block {
            Block::Heading(text) | Block::Paragraph { text, .. } => text.clone(),
            Block::List(items) => items.join("\n"),
            Block::Table(rows) => table_text(rows),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A structured article's container, else the page's main text.
fn page_blocks(document: &Html) -> Vec<Block> {
    structured_container(document).unwrap_or_else(|| main_text::main_text(document))
}

/// A title for a page that gives none: its first heading or line of text,
/// cut to a title's length.
fn first_line(blocks: &[Block]) -> Option<String> {
    let text = blocks.iter().find_map(|block| match block {
        Block::Heading(text) | Block::Paragraph { text, .. } => Some(text.as_str()),
        Block::List(items) => items.first().map(String::as_str),
        Block::Table(_) => None,
    })?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| truncate(line, FALLBACK_TITLE))
}

/// The blocks of the first article container that holds our sections.
fn structured_container(document: &Html) -> Option<Vec<Block>> {
    CONTENT_SELECTORS
        .iter()
        .filter_map(|s| Selector::parse(s).ok())
        .flat_map(|s| {
            document
                .select(&s)
                .take(MAX_CONTAINERS)
                .map(blocks_of)
                .collect::<Vec<_>>()
        })
        .find(|blocks| is_structured(blocks))
}

fn is_structured(blocks: &[Block]) -> bool {
    section_at(blocks, "highlights").is_some() || section_at(blocks, "key questions").is_some()
}

/// Reads a feed item's full content (a fragment of the article's HTML),
/// with everything else from the feed.
pub fn article_fragment(html: &str, hints: &Hints) -> Result<Extracted, ParseError> {
    let fragment = super::nesting::parse_fragment(html);
    let blocks = blocks_of(fragment.root_element());
    let blocks = if blocks.iter().any(is_text_block) {
        blocks
    } else {
        main_text::best_container(&fragment)
    };
    build(blocks, hints)
}

/// Whether a feed item's content holds the structured article (so the page
/// need not be fetched).
pub fn fragment_is_structured(html: &str) -> bool {
    let fragment = super::nesting::parse_fragment(html);
    is_structured(&blocks_of(fragment.root_element()))
}

fn build(blocks: Vec<Block>, hints: &Hints) -> Result<Extracted, ParseError> {
    let title = hints
        .title
        .clone()
        .map(|t| blocks::collapse(&t))
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
        author: hints.author.clone(),
        image: hints.image.clone().filter(|i| bounds::check_url(i).is_ok()),
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
        briefing.body = plain_body(&blocks);
        if briefing.body.is_empty() {
            return Err(ParseError::NotABriefing(
                "the page has no article text: no paragraphs, lists or tables outside its navigation, sidebars and comments"
                    .into(),
            ));
        }
        notes.push(
            "no Highlights, implications table or Key Questions were found: imported the article's main text as its body"
                .into(),
        );
    }
    bounds::clean(&mut briefing);
    if let Some(note) = fit::bound_body(&mut briefing) {
        notes.push(note);
    }
    notes.extend(fit::fit_to_bounds(&mut briefing));
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
/// captured format does) and the first table as the implications; a
/// heading naming the implications just above it is its caption.
fn body_and_table(blocks: &[Block]) -> (Vec<BodyBlock>, Option<Implications>) {
    let mut body = Vec::new();
    let mut implications = None;
    let mut heading: Option<String> = None;
    for (index, block) in blocks.iter().enumerate() {
        let text = match block {
            Block::Table(rows) if implications.is_none() => {
                let caption = heading.take_if(|h| h.to_lowercase().contains("implications"));
                implications = table(rows, caption);
                continue;
            }
            Block::Table(rows) => table_text(rows),
            Block::Heading(text) | Block::Paragraph { text, bold: true }
                if blocks[index + 1..].iter().any(is_text_block)
                    || matches!(blocks.get(index + 1), Some(Block::Table(_))) =>
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

/// Every block as plain body text: each heading over the block after it,
/// tables as rows of cells.
fn plain_body(blocks: &[Block]) -> Vec<BodyBlock> {
    let mut body = Vec::new();
    let mut heading: Option<String> = None;
    for block in blocks {
        let text = match block {
            Block::Heading(text) => {
                if let Some(previous) = heading.replace(text.clone()) {
                    body.push(BodyBlock::paragraph(previous));
                }
                continue;
            }
            Block::Paragraph { text, .. } => text.clone(),
            Block::List(items) => bullets(items),
            Block::Table(rows) => table_text(rows),
        };
        body.push(BodyBlock {
            heading: heading.take(),
            text,
        });
    }
    if let Some(heading) = heading {
        body.push(BodyBlock::paragraph(heading));
    }
    body
}

/// A table in the body, one row a line, cells apart: Discord has no
/// tables, and a row a line reads on a phone too.
fn table_text(rows: &[Vec<String>]) -> String {
    rows.iter()
        .take(MAX_BODY_TABLE_ROWS)
        .map(|cells| {
            cells
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| truncate(c, MAX_BODY_TABLE_CELL))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn bullets(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("{BODY_BULLET}{item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The implications table: the header row (`thead`, a row of `th`, or just
/// the first row) gives the columns, and the caption unless a heading above
/// the table gave it; each other row a heading and its summary.
fn table(rows: &[Vec<String>], caption: Option<String>) -> Option<Implications> {
    let (header, rows) = rows.split_first()?;
    let first = header.first()?.clone();
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
        caption: caption.unwrap_or_else(|| first.clone()),
        columns: vec![first, column],
        rows,
    })
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
        let t = table(&rows, None).unwrap();
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
