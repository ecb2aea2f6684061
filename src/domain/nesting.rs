//! A bound on how deep a page's elements nest, applied before the HTML
//! parser sees the page. html5ever's tree builder checks its stack of open
//! elements on many tags, so its work grows with the square of the depth: a
//! page of 100,000 nested `<div>`s took 42 s of CPU. Past [`MAX_NESTING`]
//! open elements, further tags are left out and their text stays where it
//! is, flattened into the deepest element kept. No real article nests that
//! deep; the text of any page is kept whole.
//!
//! This is a light scan, not a parser: it only has to count depth well
//! enough that an ordinary page is passed through unchanged (implicitly
//! closed `<p>`, `<li>` and table cells, void elements, comments, raw-text
//! elements such as `<script>`, and SVG's self-closing tags are understood).
//! What it writes is the page less some tags, so the parser reads it as it
//! would read any other page.

use std::borrow::Cow;

/// Open elements kept; tags deeper than this are dropped.
pub const MAX_NESTING: usize = 256;

/// Elements that never have content (no end tag, never on the stack).
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "frame", "basefont", "bgsound",
];

/// HTML start tags that end SVG or MathML content (the parser pops the
/// foreign elements and reads them as HTML).
const BREAKS_OUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
];

/// SVG and MathML elements whose content is HTML.
const INTEGRATION_POINTS: &[&str] = &[
    "foreignobject",
    "desc",
    "title",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Start tags that close an open `<p>` (HTML's "close a p element").
/// `<table>` closes one only in no-quirks mode, so it is left out: counting
/// too deep only drops tags sooner, counting too shallow lets depth through.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "ul",
    "li",
    "dd",
    "dt",
];

/// `html` with tags past [`MAX_NESTING`] open elements left out; borrowed
/// unchanged when it cannot nest that deep or does not.
pub fn cap_nesting(html: &str) -> Cow<'_, str> {
    cap_nesting_at(html, MAX_NESTING)
}

/// As [`cap_nesting`], at `max` open elements.
pub fn cap_nesting_at(html: &str, max: usize) -> Cow<'_, str> {
    // Fewer tags than the bound cannot nest past it.
    if html.bytes().filter(|&b| b == b'<').count() <= max {
        return Cow::Borrowed(html);
    }
    let mut scan = Scan {
        stack: Vec::with_capacity(max),
        max,
        dropped: Vec::new(),
        out: String::new(),
        cut: false,
    };
    let bytes = html.as_bytes();
    let mut at = 0;
    let mut kept_from = 0;
    while let Some(offset) = memchr_lt(&bytes[at..]) {
        let start = at + offset;
        let (end, tag) = read_markup(html, start);
        if let Some(tag) = tag {
            let keep = scan.tag(&tag);
            if !keep {
                if !scan.cut {
                    scan.out.reserve(html.len());
                    scan.cut = true;
                }
                scan.out.push_str(&html[kept_from..start]);
                kept_from = end;
            }
            // Inside SVG or MathML, `<style>` and `<title>` hold markup.
            if tag.kind == TagKind::Start
                && keep
                && RAW_TEXT.contains(&tag.name.as_str())
                && !scan.in_foreign()
            {
                // The content runs to the matching end tag, whatever it holds.
                at = raw_text_end(html, end, &tag.name);
                continue;
            }
        }
        at = end.max(start + 1);
    }
    if !scan.cut {
        return Cow::Borrowed(html);
    }
    scan.out.push_str(&html[kept_from..]);
    Cow::Owned(scan.out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Start,
    End,
    /// `<x ... />`
    SelfClosing,
}

#[derive(Debug)]
struct Tag {
    name: String,
    kind: TagKind,
}

struct Scan {
    /// Names of the open elements, outermost first.
    stack: Vec<String>,
    max: usize,
    /// Names of start tags left out, whose end tags go too.
    dropped: Vec<String>,
    out: String,
    cut: bool,
}

impl Scan {
    /// Where the innermost SVG or MathML element opened, when what is read
    /// now is foreign content (not inside an element such as `<mi>` or
    /// `<foreignObject>` whose content is HTML again).
    fn foreign_from(&self) -> Option<usize> {
        let at = self.stack.iter().rposition(|s| s == "svg" || s == "math")?;
        let html_inside = self.stack[at..]
            .iter()
            .any(|s| INTEGRATION_POINTS.contains(&s.as_str()));
        (!html_inside).then_some(at)
    }

    fn in_foreign(&self) -> bool {
        self.foreign_from().is_some()
    }

    /// Whether the tag is kept.
    fn tag(&mut self, tag: &Tag) -> bool {
        let name = tag.name.as_str();
        match tag.kind {
            TagKind::End => {
                if let Some(i) = self.dropped.iter().rposition(|d| d == name) {
                    if !self.stack.iter().any(|s| s == name) {
                        self.dropped.remove(i);
                        return false;
                    }
                }
                if let Some(i) = self.stack.iter().rposition(|s| s == name) {
                    self.stack.truncate(i);
                }
                true
            }
            TagKind::Start | TagKind::SelfClosing => {
                // In SVG and MathML `<path/>` closes itself; in HTML the
                // slash means nothing and the element stays open. An HTML
                // tag such as `<div>` inside SVG leaves it first.
                if let Some(at) = self.foreign_from() {
                    if BREAKS_OUT.contains(&name) {
                        self.stack.truncate(at);
                    } else if tag.kind == TagKind::SelfClosing {
                        return true;
                    }
                }
                if VOID.contains(&name) {
                    return true;
                }
                self.close_implied(name);
                let implied = self.implied_by(name);
                if self.stack.len() + implied.len() >= self.max {
                    self.dropped.push(name.to_string());
                    return false;
                }
                self.stack.extend(implied.iter().map(|s| s.to_string()));
                self.stack.push(name.to_string());
                true
            }
        }
    }

    /// Elements the parser opens itself before a start tag of `name`: a
    /// table's rows sit in a `<tbody>`, its cells in a `<tr>`.
    fn implied_by(&self, name: &str) -> &'static [&'static str] {
        let top = self.stack.last().map(String::as_str);
        match (top, name) {
            (Some("table"), "tr") => &["tbody"],
            (Some("table"), "td" | "th") => &["tbody", "tr"],
            (Some("tbody" | "thead" | "tfoot"), "td" | "th") => &["tr"],
            _ => &[],
        }
    }

    /// Pops what a start tag of `name` closes without an end tag.
    fn close_implied(&mut self, name: &str) {
        if CLOSES_P.contains(&name) && self.stack.last().is_some_and(|s| s == "p") {
            self.stack.pop();
        }
        let same_list_item = |stack: &Vec<String>, item: &str, lists: &[&str]| {
            stack
                .iter()
                .rposition(|s| s == item)
                .filter(|&i| !stack[i..].iter().any(|s| lists.contains(&s.as_str())))
        };
        let found = match name {
            "li" => same_list_item(&self.stack, "li", &["ul", "ol", "menu"]),
            "dd" | "dt" => same_list_item(&self.stack, "dd", &["dl"])
                .into_iter()
                .chain(same_list_item(&self.stack, "dt", &["dl"]))
                .max(),
            "option" => same_list_item(&self.stack, "option", &["select", "datalist"]),
            "tr" => same_list_item(&self.stack, "tr", &["table"]),
            "td" | "th" => same_list_item(&self.stack, "td", &["tr", "table"])
                .into_iter()
                .chain(same_list_item(&self.stack, "th", &["tr", "table"]))
                .max(),
            _ => None,
        };
        if let Some(i) = found {
            self.stack.truncate(i);
        }
    }
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

/// The end of the markup that starts at `start` (a `<`), and the tag it
/// is, if it is a start or end tag. Comments, doctypes and processing
/// instructions are passed over whole; a `<` that starts nothing is text.
fn read_markup(html: &str, start: usize) -> (usize, Option<Tag>) {
    let rest = &html.as_bytes()[start..];
    if rest.starts_with(b"<!--") {
        let end = find(html, start + 4, "-->").map_or(html.len(), |i| i + 3);
        return (end, None);
    }
    if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
        let end = find(html, start + 2, ">").map_or(html.len(), |i| i + 1);
        return (end, None);
    }
    let (kind, name_at) = if rest.starts_with(b"</") {
        (TagKind::End, start + 2)
    } else {
        (TagKind::Start, start + 1)
    };
    let bytes = html.as_bytes();
    if !bytes.get(name_at).is_some_and(u8::is_ascii_alphabetic) {
        return (start + 1, None);
    }
    let mut i = name_at;
    while i < bytes.len()
        && !matches!(
            bytes[i],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'
        )
    {
        i += 1;
    }
    let name = html[name_at..i].to_ascii_lowercase();
    // Attributes: up to the `>` outside quotes.
    let mut quote: Option<u8> = None;
    let mut last = 0u8;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                let kind = if kind == TagKind::Start && last == b'/' {
                    TagKind::SelfClosing
                } else {
                    kind
                };
                return (i + 1, Some(Tag { name, kind }));
            }
            None => {}
        }
        if !b.is_ascii_whitespace() {
            last = b;
        }
        i += 1;
    }
    (html.len(), Some(Tag { name, kind }))
}

/// Where the raw text of element `name` begun at `from` ends: at its end
/// tag (any case), or the end of the page.
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let closing = format!("</{name}");
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(offset) = memchr_lt(&bytes[at..]) {
        let i = at + offset;
        if bytes.len() >= i + closing.len()
            && bytes[i..i + closing.len()].eq_ignore_ascii_case(closing.as_bytes())
        {
            return i;
        }
        at = i + 1;
    }
    html.len()
}

fn find(html: &str, from: usize, needle: &str) -> Option<usize> {
    html.get(from..)?.find(needle).map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_pass_unchanged() {
        let page = format!(
            "<!doctype html><html><head><title>a <b> title</title><script>if (a < b) {{ x = '<div>'; }}</script></head>\
             <body>{}<ul><li>one<li>two</ul><table><tr><td>a<td>b<tr><td>c</table>\
             <svg>{}</svg><!-- <div><div> --><p>end</body></html>",
            "<p>unclosed paragraph ".repeat(400),
            "<path d='M0 0'/>".repeat(400),
        );
        assert_eq!(cap_nesting_at(&page, 32), page);
    }

    #[test]
    fn deep_nesting_keeps_its_text_and_loses_tags_past_the_bound() {
        let page = format!(
            "{}deep text{}",
            "<div>".repeat(1_000),
            "</div>".repeat(1_000)
        );
        let capped = cap_nesting_at(&page, 10);
        assert_eq!(
            capped,
            format!("{}deep text{}", "<div>".repeat(10), "</div>".repeat(10))
        );
        // Tags after the deep part are kept again.
        let page = format!(
            "{}x{}<p>after</p>",
            "<section>".repeat(50),
            "</section>".repeat(50)
        );
        assert!(cap_nesting_at(&page, 5)
            .ends_with("x</section></section></section></section></section><p>after</p>"));
    }

    #[test]
    fn self_closing_html_tags_still_nest() {
        // In HTML `<div/>` opens a div: counted, so it is bounded too.
        let page = "<div/>".repeat(1_000);
        assert_eq!(cap_nesting_at(&page, 8), "<div/>".repeat(8));
    }

    #[test]
    fn odd_markup_never_panics() {
        for page in [
            "<",
            "</",
            "<a",
            "<a href='>",
            "<!--",
            "<!x",
            "<script>",
            "<é>",
            "<a\u{0}>",
            "<<<<>>>",
        ] {
            let page = page.repeat(300);
            let _ = cap_nesting_at(&page, 4);
        }
    }
}
