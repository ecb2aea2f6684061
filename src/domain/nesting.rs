//! A bound on how deep a page's elements nest. html5ever's tree builder
//! checks its stack of open elements on many tags, so its work grows with
//! the square of the depth: a page of 100,000 nested `<div>`s took 42 s of
//! CPU. No real article nests hundreds of elements deep, so pages are parsed
//! here, by [`parse_document`] and [`parse_fragment`], under a watch:
//!
//! 1. The page is parsed as it is, fed in pieces, while the depth of every
//!    element the parser inserts is measured. A page that stays within
//!    [`MAX_DEPTH`] is the parser's own tree, unchanged.
//! 2. A page that goes deeper is parsed again from [`cap_nesting`]: a light
//!    scan that leaves out tags past [`MAX_NESTING`] open elements, keeping
//!    their text where it is.
//! 3. Should the scan's count still let the parser go too deep (it is a
//!    scan, not a parser), the page is kept as parsed up to the piece where
//!    it did, and its remaining text is added as plain text.
//!
//! Measuring is what makes the bound exact: the parser never works past
//! [`MAX_DEPTH`] plus one piece of tags, whatever the page.

use std::borrow::Cow;
use std::cell::{Cell, Ref};
use std::rc::Rc;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{driver, local_name, ns, Attribute, QualName};
use scraper::{Html, HtmlTreeSink, Node};

/// Open elements the scan keeps; tags deeper than this are dropped.
pub const MAX_NESTING: usize = 256;

/// Depth of element (counting its ancestors) a parsed page may reach. Above
/// [`MAX_NESTING`] because HTML adds elements of its own, such as the
/// `<tbody>` around a table's rows.
pub const MAX_DEPTH: usize = MAX_NESTING + MAX_NESTING / 4;

/// Bytes fed to the parser at a time (then to the next `<`): the depth is
/// checked between pieces.
const PIECE: usize = 1024;

/// A whole page, parsed with its depth bounded (see the module).
pub fn parse_document(html: &str) -> Html {
    parse_bounded(html, Mode::Document)
}

/// A fragment (a feed item's content), parsed with its depth bounded.
pub fn parse_fragment(html: &str) -> Html {
    parse_bounded(html, Mode::Fragment)
}

#[derive(Clone, Copy)]
enum Mode {
    Document,
    Fragment,
}

fn parse_bounded(html: &str, mode: Mode) -> Html {
    if let Ok(parsed) = watched(html, mode) {
        return parsed;
    }
    let capped = cap_nesting(html);
    match watched(&capped, mode) {
        Ok(parsed) => parsed,
        Err(too_deep_from) => {
            let (kept, rest) = capped.split_at(too_deep_from);
            let mut parsed = watched(kept, mode).unwrap_or_else(|_| empty(mode));
            append_text(&mut parsed, &text_of(rest));
            parsed
        }
    }
}

fn empty(mode: Mode) -> Html {
    match mode {
        Mode::Document => Html::parse_document(""),
        Mode::Fragment => Html::parse_fragment(""),
    }
}

/// The page parsed in pieces, or where the piece begins in which an element
/// went deeper than [`MAX_DEPTH`].
fn watched(html: &str, mode: Mode) -> Result<Html, usize> {
    watched_in(html, mode, PIECE)
}

fn watched_in(html: &str, mode: Mode, piece: usize) -> Result<Html, usize> {
    let too_deep = Rc::new(Cell::new(false));
    let sink = Watch {
        inner: HtmlTreeSink::new(match mode {
            Mode::Document => Html::new_document(),
            Mode::Fragment => Html::new_fragment(),
        }),
        too_deep: too_deep.clone(),
    };
    let mut parser = match mode {
        Mode::Document => driver::parse_document(sink, Default::default()),
        Mode::Fragment => driver::parse_fragment(
            sink,
            Default::default(),
            QualName::new(None, ns!(html), local_name!("body")),
            Vec::new(),
            false,
        ),
    };
    let (mut from, mut last_from) = (0, 0);
    while from < html.len() {
        let to = piece_end(html, from, piece);
        parser.process(StrTendril::from_slice(&html[from..to]));
        if too_deep.get() {
            return Err(from);
        }
        (last_from, from) = (from, to);
    }
    let parsed = parser.finish();
    // Moving children (misnested formatting) can deepen what was inserted
    // shallow; the finished tree is measured once more.
    if too_deep.get() || deeper_than(&parsed, MAX_DEPTH) {
        return Err(last_from);
    }
    Ok(parsed)
}

/// The end of the piece that starts at `from`: the first `<` at least
/// [`PIECE`] bytes on (a char boundary), or the end of the page.
fn piece_end(html: &str, from: usize, piece: usize) -> usize {
    let at = from + piece;
    if at >= html.len() {
        return html.len();
    }
    memchr_lt(&html.as_bytes()[at..]).map_or(html.len(), |i| at + i)
}

fn deeper_than(parsed: &Html, max: usize) -> bool {
    parsed
        .tree
        .nodes()
        .any(|node| node.ancestors().take(max + 1).count() > max)
}

/// The text of markup, its tags, comments and raw-text contents left out.
fn text_of(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut text = String::new();
    let mut at = 0;
    while let Some(offset) = memchr_lt(&bytes[at..]) {
        let start = at + offset;
        let (end, tag) = read_markup(html, start);
        if end == start + 1 && tag.is_none() {
            // A `<` that starts nothing is text.
            text.push_str(&html[at..end]);
            at = end;
            continue;
        }
        text.push_str(&html[at..start]);
        at = match tag {
            Some(tag) if tag.kind == TagKind::Start && RAW_TEXT.contains(&tag.name.as_str()) => {
                raw_text_end(html, end, &tag.name)
            }
            _ => end,
        };
    }
    text.push_str(&html[at..]);
    text
}

/// Adds text at the end of the page's body (or of the fragment).
fn append_text(parsed: &mut Html, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    let body = scraper::Selector::parse("body").expect("a valid selector");
    let at = parsed
        .select(&body)
        .next()
        .map_or_else(|| parsed.root_element().id(), |body| body.id());
    if let Some(mut node) = parsed.tree.get_mut(at) {
        node.append(Node::Text(scraper::node::Text {
            text: scraper::StrTendril::from(text),
        }));
    }
}

/// scraper's tree sink, measuring the depth of each element inserted.
struct Watch {
    inner: HtmlTreeSink,
    too_deep: Rc<Cell<bool>>,
}

impl Watch {
    /// Notes an element inserted under `parent`.
    fn inserted_under(&self, parent: &ego_tree::NodeId, child: &NodeOrText<ego_tree::NodeId>) {
        if self.too_deep.get() || !matches!(child, NodeOrText::AppendNode(_)) {
            return;
        }
        let html = self.inner.0.borrow();
        let depth = html
            .tree
            .get(*parent)
            .map_or(0, |node| node.ancestors().take(MAX_DEPTH).count() + 1);
        if depth >= MAX_DEPTH {
            self.too_deep.set(true);
        }
    }
}

impl TreeSink for Watch {
    type Handle = ego_tree::NodeId;
    type Output = Html;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg)
    }
    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.inner.create_element(name, attrs, flags)
    }
    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.inserted_under(parent, &child);
        self.inner.append(parent, child)
    }
    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        // Either beside `element` or in `prev_element`: the deeper is noted.
        self.inserted_under(prev_element, &child);
        self.inner
            .append_based_on_parent_node(element, prev_element, child)
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id)
    }
    fn mark_script_already_started(&self, node: &Self::Handle) {
        self.inner.mark_script_already_started(node)
    }
    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode)
    }
    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        self.inner.append_before_sibling(sibling, new_node)
    }
    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs)
    }
    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target)
    }
    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent)
    }
}

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
        // The outermost `<svg>` or `<math>` since the last element whose
        // content is HTML: a tag that breaks out leaves all of them.
        let html_from = self
            .stack
            .iter()
            .rposition(|s| INTEGRATION_POINTS.contains(&s.as_str()))
            .map_or(0, |i| i + 1);
        self.stack[html_from..]
            .iter()
            .position(|s| s == "svg" || s == "math")
            .map(|i| html_from + i)
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
                // `<svg/>` and `<math/>` close themselves in HTML too.
                let foreign_root = name == "svg" || name == "math";
                if VOID.contains(&name) || (foreign_root && tag.kind == TagKind::SelfClosing) {
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
        // A heading directly inside a heading closes it.
        let heading = |s: &str| matches!(s, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
        if heading(name) && self.stack.last().is_some_and(|s| heading(s)) {
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
    // Attributes: up to the `>` outside quotes. As in the HTML tokenizer,
    // a quote opens a value only right after `=` (spaces allowed between);
    // elsewhere (`<x a"b>`) it is part of a name.
    let mut quote: Option<u8> = None;
    let mut value_next = false;
    let mut last = 0u8;
    while i < bytes.len() {
        let b = bytes[i];
        let was_value_next = std::mem::replace(&mut value_next, false);
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if was_value_next && (b == b'"' || b == b'\'') => quote = Some(b),
            None if b == b'=' => value_next = true,
            None if was_value_next && b.is_ascii_whitespace() => value_next = true,
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

    fn depth(parsed: &Html) -> usize {
        parsed
            .tree
            .nodes()
            .map(|node| node.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_page_the_scan_counts_too_shallow_is_still_parsed_bounded() {
        // In a cell, `</div>` cannot close the div outside the table, so the
        // parser nests five deeper each time while the scan counts none.
        let page = format!(
            "<p>before</p>{}<p>tail text</p>",
            "<div><table><tr><td></div>".repeat(2_000)
        );
        assert!(watched(&cap_nesting(&page), Mode::Document).is_err());
        let parsed = parse_document(&page);
        assert!(depth(&parsed) <= MAX_DEPTH, "depth {}", depth(&parsed));
        let text: String = parsed.root_element().text().collect();
        assert!(text.starts_with("before") && text.ends_with("tail text"));
    }

    #[test]
    fn an_ordinary_page_is_the_parsers_own_tree() {
        let page = format!(
            "<ul>{}</ul><table><tr><td>a<td>b</table>",
            "<li><p>item <b>bold</b>".repeat(500)
        );
        assert_eq!(
            parse_document(&page).html(),
            Html::parse_document(&page).html()
        );
        assert_eq!(
            parse_fragment(&page).html(),
            Html::parse_fragment(&page).html()
        );
    }

    #[test]
    fn svg_inside_svg_is_left_whole_by_a_tag_that_breaks_out() {
        // `<img>` leaves both `<svg>`s; the `<section>` stays open in HTML.
        let page = "<svg><g><svg><img><section/>".repeat(600);
        let capped = cap_nesting_at(&page, 40);
        let parsed = Html::parse_document(&capped);
        assert!(depth(&parsed) <= 40 + 8, "depth {}", depth(&parsed));
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
