//! A container's text as blocks in reading order: headings, paragraphs,
//! lists and tables. Paragraphs are whatever a reader sees as one: a `<p>`,
//! a `div` or `section` holding only inline content, or a run of bare text
//! between `<br><br>`s (Blogger and many news sites write text that way).
//! What is not the article (navigation, share boxes, comments) is left out
//! by tag, by a class that names it, or, for names that layouts also use
//! (`sidebar`, `widget`), only with the evidence of mostly-link text.

use ego_tree::NodeRef;
use scraper::{node::Node, ElementRef};

use super::tables::{is_layout_table, table_rows};
use crate::domain::captured::LINK_RESIDUE;

/// Deepest element nesting walked; deeper markup is ignored (a hostile
/// page cannot make the walk recurse without end).
const MAX_DEPTH: usize = 64;

/// Blocks read from one container: far more than any article has (a
/// briefing keeps 120), few enough that a page of endless paragraphs costs
/// no more than a long article.
const MAX_BLOCKS: usize = 3_000;

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
    "math",
];

/// Elements that flow inside a paragraph. Anything else breaks one.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "time", "tt", "u", "var", "wbr",
];

/// Class or id names of boxes that are never the article: contents boxes,
/// share buttons, category footers, comments, related posts,
/// screen-reader-only text. Matched as a whole class word or as its first
/// or last `-`/`_` part ("share-buttons", "post-share"), never inside one.
const FURNITURE_CLASSES: &[&str] = &[
    "toc",
    "table-of-contents",
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "related",
    "relatedposts",
    "comment",
    "comments",
    "respond",
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
    "see-also",
];

/// Classes of text only screen readers get.
const HIDDEN_TEXT_CLASSES: &[&str] = &["screen-reader-text", "sr-only", "visually-hidden"];

/// Names layouts use for wrappers of the article too (`one-sidebar`,
/// `content-with-sidebar-wrp`, Elementor's `elementor-widget-text-editor`,
/// Blogger's `widget Blog`): a box so named is left out only when most of
/// its text is links, as a sidebar's lists of posts and archives are.
const LAYOUT_CLASSES: &[&str] = &["sidebar", "widget"];

/// A box whose text is mostly links: menus, lists of other posts.
const LINK_HEAVY: f64 = 0.5;

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
pub(super) enum Block {
    Heading(String),
    /// A paragraph; `bold` when it is only bold text (a sub-heading).
    Paragraph {
        text: String,
        bold: bool,
    },
    List(Vec<String>),
    Table(Vec<Vec<String>>),
}

impl Block {
    /// Characters a reader sees.
    pub(super) fn chars(&self) -> usize {
        match self {
            Block::Heading(text) | Block::Paragraph { text, .. } => text.chars().count(),
            Block::List(items) => items.iter().map(|i| i.chars().count()).sum(),
            Block::Table(rows) => rows.iter().flatten().map(|c| c.chars().count()).sum(),
        }
    }
}

/// The article's blocks in reading order; wrappers (`div`, `section`,
/// `figure` ...) are looked through.
pub(super) fn blocks_of(root: ElementRef<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    collect_blocks(root, 0, &mut blocks);
    blocks
}

/// Bare text and inline elements gathered into one paragraph; a single
/// `<br>` is a line break inside it, two end it.
#[derive(Default)]
struct Run {
    lines: Vec<String>,
    line: String,
    /// Every visible piece so far was bold.
    bold: bool,
    breaks: usize,
}

impl Run {
    fn push(&mut self, text: &str, bold: bool) {
        if text.trim().is_empty() {
            self.line.push_str(text);
            return;
        }
        if self.lines.is_empty() && self.line.trim().is_empty() {
            self.bold = bold;
        } else {
            self.bold &= bold;
        }
        self.line.push_str(text);
        self.breaks = 0;
    }

    fn line_break(&mut self, blocks: &mut Vec<Block>) {
        self.breaks += 1;
        if self.breaks >= 2 {
            self.flush(blocks);
        } else {
            self.lines.push(std::mem::take(&mut self.line));
        }
    }

    fn flush(&mut self, blocks: &mut Vec<Block>) {
        self.lines.push(std::mem::take(&mut self.line));
        let text = std::mem::take(&mut self.lines)
            .iter()
            .map(|l| collapse(l))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let text = strip_residue(text);
        if !text.is_empty() && !is_furniture(&text) {
            blocks.push(Block::Paragraph {
                text,
                bold: self.bold,
            });
        }
        self.bold = false;
        self.breaks = 0;
    }
}

fn collect_blocks(element: ElementRef<'_>, depth: usize, blocks: &mut Vec<Block>) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut run = Run::default();
    for node in element.children() {
        if blocks.len() >= MAX_BLOCKS {
            return;
        }
        let child = match node.value() {
            Node::Text(text) => {
                run.push(text, false);
                continue;
            }
            Node::Element(_) => match ElementRef::wrap(node) {
                Some(child) => child,
                None => continue,
            },
            _ => continue,
        };
        let name = child.value().name();
        if name == "br" {
            run.line_break(blocks);
            continue;
        }
        if is_skipped(&child) {
            continue;
        }
        if is_inline(child) {
            let bold = matches!(name, "b" | "strong") || is_bold_only(child);
            run.push(&text_of(child), bold);
            continue;
        }
        run.flush(blocks);
        match name {
            "h1" => {}
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                let text = collapse(&text_of(child));
                if !text.is_empty() && !is_furniture(&text) {
                    blocks.push(Block::Heading(text));
                }
            }
            "p" | "blockquote" | "pre" if !has_block_child(child) => {
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
            "table" if is_layout_table(child) => collect_blocks(child, depth + 1, blocks),
            "table" => {
                let rows = table_rows(child);
                if !rows.is_empty() {
                    blocks.push(Block::Table(rows));
                }
            }
            _ => collect_blocks(child, depth + 1, blocks),
        }
    }
    run.flush(blocks);
}

/// An inline element with no block inside it (an `<a>` may wrap a `<div>`).
fn is_inline(element: ElementRef<'_>) -> bool {
    INLINE_TAGS.contains(&element.value().name()) && !has_block_child(element)
}

fn has_block_child(element: ElementRef<'_>) -> bool {
    element.child_elements().any(|c| {
        let name = c.value().name();
        name != "br" && !INLINE_TAGS.contains(&name) && !SKIPPED_TAGS.contains(&name)
    })
}

/// An element whose whole text is bold (`<p><strong>Why</strong></p>`).
fn is_bold_only(element: ElementRef<'_>) -> bool {
    let (mut all, mut bold) = (0usize, 0usize);
    count_bold(*element, false, 0, &mut all, &mut bold);
    all > 0 && all == bold
}

/// Visible characters under `node`, and how many of them are inside bold.
fn count_bold(
    node: NodeRef<'_, Node>,
    in_bold: bool,
    depth: usize,
    all: &mut usize,
    bold: &mut usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(text) => {
                let n = text.chars().filter(|c| !c.is_whitespace()).count();
                *all += n;
                if in_bold {
                    *bold += n;
                }
            }
            Node::Element(element) => {
                if ElementRef::wrap(child).is_some_and(|e| is_skipped(&e)) {
                    continue;
                }
                let inside = in_bold || matches!(element.name(), "strong" | "b");
                count_bold(child, inside, depth + 1, all, bold);
            }
            _ => {}
        }
    }
}

/// Whether an element is left out of the article's text.
pub(super) fn is_skipped(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    if SKIPPED_TAGS.contains(&value.name()) {
        return true;
    }
    if value.attr("hidden").is_some() || value.attr("aria-hidden") == Some("true") {
        return true;
    }
    if value.attr("style").is_some_and(hides) {
        return true;
    }
    // Ids are often made from a heading ("sharing-with-a-single-developer"),
    // so only a whole id names furniture; classes name it by their parts.
    let id = value.attr("id").map(str::to_ascii_lowercase);
    let classes = || {
        value
            .attr("class")
            .into_iter()
            .flat_map(|mark| mark.split(char::is_whitespace))
            // WordPress marks posts with their tags and categories
            // ("tag-market-share"): those name topics, not page furniture.
            .filter(|word| !word.starts_with("tag-") && !word.starts_with("category-"))
            .map(str::to_ascii_lowercase)
    };
    // A link or span inside a paragraph is the paragraph's text whatever
    // its class ("toc-backref"), unless it is text only screen readers get.
    let furniture = if INLINE_TAGS.contains(&value.name()) {
        HIDDEN_TEXT_CLASSES
    } else {
        FURNITURE_CLASSES
    };
    if id.as_deref().is_some_and(|id| furniture.contains(&id))
        || classes().any(|word| names_one_of(&word, furniture))
    {
        return true;
    }
    classes().any(|word| names_one_of(&word, LAYOUT_CLASSES)) && link_density(*element) > LINK_HEAVY
}

/// `display: none` or `visibility: hidden` in an inline style.
fn hides(style: &str) -> bool {
    let style: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.contains("display:none") || style.contains("visibility:hidden")
}

/// A class word is one of the names, or starts or ends with one as a part.
fn names_one_of(word: &str, names: &[&str]) -> bool {
    names.iter().any(|name| {
        word == *name
            || [format!("{name}-"), format!("{name}_")]
                .iter()
                .any(|p| word.starts_with(p.as_str()))
            || [format!("-{name}"), format!("_{name}")]
                .iter()
                .any(|s| word.ends_with(s.as_str()))
    })
}

/// The share of an element's visible text that sits inside links.
pub(super) fn link_density(element: ElementRef<'_>) -> f64 {
    let (mut all, mut linked) = (0usize, 0usize);
    count_text(*element, false, 0, &mut all, &mut linked);
    if all == 0 {
        return 0.0;
    }
    linked as f64 / all as f64
}

fn count_text(
    node: NodeRef<'_, Node>,
    in_link: bool,
    depth: usize,
    all: &mut usize,
    linked: &mut usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in node.children() {
        match child.value() {
            Node::Text(text) => {
                let n = text.chars().filter(|c| !c.is_whitespace()).count();
                *all += n;
                if in_link {
                    *linked += n;
                }
            }
            Node::Element(element) => {
                if SKIPPED_TAGS.contains(&element.name()) && element.name() != "nav" {
                    continue;
                }
                let link = in_link || element.name() == "a";
                count_text(child, link, depth + 1, all, linked);
            }
            _ => {}
        }
    }
}

fn is_furniture(text: &str) -> bool {
    let lower = text.to_lowercase();
    FURNITURE_TEXT.iter().any(|f| lower.starts_with(f))
}

/// The visible text of an element: skipped parts left out, `<br>` as a
/// space, link residue ("(opens in a new tab)") dropped.
pub(super) fn text_of(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(*element, 0, &mut out);
    strip_residue(out)
}

fn strip_residue(mut text: String) -> String {
    for residue in LINK_RESIDUE {
        if text.contains(residue) {
            text = text.replace(residue, "");
        }
    }
    text
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
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn blocks(html: &str) -> Vec<Block> {
        let fragment = Html::parse_fragment(html);
        blocks_of(fragment.root_element())
    }

    fn paragraph(text: &str) -> Block {
        Block::Paragraph {
            text: text.into(),
            bold: false,
        }
    }

    #[test]
    fn bare_text_between_double_breaks_is_paragraphs() {
        let got = blocks("<div>First line<br>same paragraph<br><br>Second <a href=\"x\">one</a>.<br/><br/><b>Bold</b></div>");
        assert_eq!(
            got,
            vec![
                paragraph("First line\nsame paragraph"),
                paragraph("Second one."),
                Block::Paragraph {
                    text: "Bold".into(),
                    bold: true
                },
            ]
        );
    }

    #[test]
    fn div_and_section_paragraphs_count() {
        let got = blocks(
            "<section>Intro text.</section><div class=\"zn-body__paragraph\">A <em>div</em> paragraph.</div>\
             <div><p>Real p.</p>tail text</div>",
        );
        assert_eq!(
            got,
            vec![
                paragraph("Intro text."),
                paragraph("A div paragraph."),
                paragraph("Real p."),
                paragraph("tail text"),
            ]
        );
    }

    #[test]
    fn layout_names_need_link_evidence_furniture_names_do_not() {
        let got = blocks(
            "<div class=\"elementor-widget elementor-widget-text-editor\"><p>Kept story text.</p></div>\
             <div class=\"widget\"><ul><li><a href=\"/a\">Other post</a></li><li><a href=\"/b\">Another</a></li></ul></div>\
             <div class=\"content-with-sidebar-wrp\"><p>Also kept.</p></div>\
             <div class=\"share-buttons\"><p>Share on X</p></div><div class=\"post-share\">Share</div>\
             <p style=\"display: none\">hidden</p>",
        );
        assert_eq!(
            got,
            vec![paragraph("Kept story text."), paragraph("Also kept.")]
        );
    }
}
