//! Reads a briefing as it is captured from its site: a title (and maybe a
//! date) line, "Highlights" bullets, body paragraphs, an implications table
//! whose cells were glued together when the page was flattened to text,
//! "Key Questions" bullets, a closing line, the source name and tagline, and
//! the site's boilerplate, which is dropped.
//!
//! Hand-written on purpose: this is not a format any crate reads. Splitting
//! a glued table cell ("…and IPFor Western…") needs rules about Title Case
//! headings that only make sense for these captures.

use chrono::NaiveDate;

use super::model::{
    slugify, BodyBlock, Briefing, ImplicationRow, Implications, Source, BODY_BULLET,
};
use super::ParseError;

/// Lines at which the site's boilerplate starts; nothing after them is part
/// of the article (apart from the category list, which is read first).
const BOILERPLATE_MARKERS: &[&str] = &[
    "spread the word",
    "categories:",
    "leave a reply",
    "your email address will not be published",
    "share this:",
    "like this:",
    "post navigation",
];

/// Lines that start an inline related-post widget.
const RELATED_LINES: &[&str] = &[
    "see also",
    "related",
    "related post",
    "related article",
    "read more",
    "read also",
    "also read",
    "recommended",
    "you may also like",
    "you might also like",
];

/// Link decorations that survive when a page is flattened to text.
pub(crate) const LINK_RESIDUE: &[&str] = &[" (opens in a new tab)", "(opens in a new tab)"];

/// Words a Title Case heading may leave in lower case.
const SMALL_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or",
    "over", "per", "the", "to", "vs", "vs.", "via", "with", "without", "versus", "under", "amid",
    "nor", "than", "up", "out",
];

/// Default header of the table's second column when the capture lost it.
const DEFAULT_SUMMARY_COLUMN: &str = "Summary";

#[derive(Debug, Default, Clone)]
pub struct CapturedOptions {
    /// Used when the capture has no title line (and only then).
    pub title: Option<String>,
}

#[derive(Debug)]
pub struct CapturedParse {
    pub briefing: Briefing,
    pub warnings: Vec<String>,
}

pub fn parse(text: &str, options: &CapturedOptions) -> Result<CapturedParse, ParseError> {
    let mut cleaned = text.replace("\r\n", "\n").replace('\r', "\n");
    for residue in LINK_RESIDUE {
        cleaned = cleaned.replace(residue, "");
    }
    let all_lines: Vec<&str> = cleaned.lines().map(str::trim_end).collect();
    let mut warnings = Vec::new();

    let (lines, categories) = strip_boilerplate(&all_lines);
    let mut cursor = Cursor::new(lines);

    let (title, published) = title_and_date(&mut cursor, options, &mut warnings)?;

    let highlights_at = find_section(lines, cursor.pos, "Highlights");
    let questions_at = find_section(lines, highlights_at.unwrap_or(cursor.pos), "Key Questions");
    if highlights_at.is_none() && questions_at.is_none() {
        return Err(ParseError::NotABriefing(
            "found neither a 'Highlights' nor a 'Key Questions' section".into(),
        ));
    }

    let mut highlights = Vec::new();
    if let Some(at) = highlights_at {
        let (items, end) = read_bullets(lines, at + 1);
        highlights = items;
        cursor.pos = end;
        if highlights.is_empty() {
            warnings.push("the Highlights section has no bullets".into());
        }
    }

    let body_end = questions_at.unwrap_or(lines.len());
    let blocks = split_blocks(&lines[cursor.pos..body_end]);
    let (body, implications) = read_body_and_table(&blocks)?;

    let mut key_questions = Vec::new();
    let mut tail: Vec<Vec<&str>> = Vec::new();
    match questions_at {
        Some(at) => {
            let (items, end) = read_bullets(lines, at + 1);
            key_questions = items;
            if key_questions.is_empty() {
                warnings.push("the Key Questions section has no questions".into());
            }
            tail = split_blocks(&lines[end..]);
        }
        None => {
            warnings.push("no Key Questions section: members will have nothing to answer".into())
        }
    }
    let (closing, source) = read_tail(&tail);

    if body.is_empty() {
        warnings.push("the briefing has no body paragraphs".into());
    }

    Ok(CapturedParse {
        briefing: Briefing {
            slug: slugify(&title),
            title,
            published,
            source,
            categories,
            highlights,
            body,
            implications,
            key_questions,
            closing,
            author: None,
            image: None,
        },
        warnings,
    })
}

/// The title line (or the one given when the capture lost it) and the
/// optional date line after it; the cursor ends after them.
fn title_and_date(
    cursor: &mut Cursor<'_>,
    options: &CapturedOptions,
    warnings: &mut Vec<String>,
) -> Result<(String, Option<NaiveDate>), ParseError> {
    let lines = cursor.lines;
    let first = cursor
        .next_nonblank()
        .ok_or(ParseError::NotABriefing("the file has no text".into()))?;
    let title_from_file = if is_section(lines[first], "Highlights") {
        cursor.pos = first;
        None
    } else {
        cursor.pos = first + 1;
        Some(lines[first].trim().to_string())
    };
    let given_title = options
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let title = match (title_from_file, given_title) {
        (Some(found), _) => found,
        (None, Some(given)) => {
            warnings
                .push("the capture has no title line; used the title given with --title".into());
            given.to_string()
        }
        (None, None) => return Err(ParseError::MissingTitle),
    };
    let mut published = None;
    if let Some(next) = cursor.peek_nonblank() {
        if let Some(date) = parse_date(lines[next]) {
            published = Some(date);
            cursor.pos = next + 1;
        }
    }
    Ok((title, published))
}

struct Cursor<'a> {
    lines: &'a [&'a str],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(lines: &'a [&'a str]) -> Self {
        Self { lines, pos: 0 }
    }

    fn peek_nonblank(&self) -> Option<usize> {
        (self.pos..self.lines.len()).find(|&i| !self.lines[i].trim().is_empty())
    }

    fn next_nonblank(&mut self) -> Option<usize> {
        let found = self.peek_nonblank();
        if let Some(i) = found {
            self.pos = i + 1;
        }
        found
    }
}

/// Cuts the site's trailer off and reads its category list.
fn strip_boilerplate<'a>(lines: &'a [&'a str]) -> (&'a [&'a str], Vec<String>) {
    let is_marker = |line: &str| {
        let lower = line.trim().to_lowercase();
        BOILERPLATE_MARKERS.iter().any(|m| lower.starts_with(m))
    };
    // Only look for the trailer after the last section heading, so a body
    // paragraph that happens to begin with "Related" or similar stays.
    let last_section = lines
        .iter()
        .rposition(|l| is_section(l, "Key Questions") || is_section(l, "Highlights"))
        .unwrap_or(0);
    let cut = (last_section..lines.len())
        .find(|&i| is_marker(lines[i]))
        .unwrap_or(lines.len());
    let categories = lines[cut..]
        .iter()
        .find_map(|l| {
            let trimmed = l.trim();
            let lower = trimmed.to_lowercase();
            lower
                .strip_prefix("categories:")
                .map(|_| trimmed["categories:".len()..].to_string())
        })
        .map(|list| {
            let mut seen = Vec::new();
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if !seen.iter().any(|s: &String| s.eq_ignore_ascii_case(name)) {
                    seen.push(name.to_string());
                }
            }
            seen
        })
        .unwrap_or_default();
    (&lines[..cut], categories)
}

fn is_section(line: &str, name: &str) -> bool {
    let trimmed = line.trim().trim_end_matches(':').trim();
    trimmed.eq_ignore_ascii_case(name)
}

fn find_section(lines: &[&str], from: usize, name: &str) -> Option<usize> {
    (from..lines.len()).find(|&i| is_section(lines[i], name))
}

/// A list item: a bullet ("•", "-", "*", "–", "·") or a number ("1.",
/// "2)", "(3)") before it, as sites write highlights and questions both ways.
fn bullet_item(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    ["•", "- ", "* ", "– ", "· "]
        .iter()
        .find_map(|marker| trimmed.strip_prefix(marker))
        .or_else(|| numbered_item(trimmed))
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// "1. Can …", "2) Will …", "(3) Who …": at most two digits, then a space.
fn numbered_item(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('(').unwrap_or(line);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let rest = &rest[digits..];
    let rest = if line.starts_with('(') {
        rest.strip_prefix(')')?
    } else {
        rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?
    };
    rest.starts_with(' ').then_some(rest)
}

/// An inline widget pointing to another post ("See also: …", "Related: …",
/// "Read more: …"), which a flattened page leaves in the body.
fn is_related_link(block: &[&str]) -> bool {
    let [line] = block else {
        return false;
    };
    let lower = line.trim().to_lowercase();
    RELATED_LINES.iter().any(|start| {
        lower.strip_prefix(start).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with([':', ' ', '\u{a0}', '»', '→', '-', '–'])
        })
    })
}

/// Bullets from `from` on, skipping blank lines, until the first other line.
fn read_bullets(lines: &[&str], from: usize) -> (Vec<String>, usize) {
    let mut items: Vec<String> = Vec::new();
    let mut i = from;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
            continue;
        }
        match bullet_item(line) {
            Some(item) => items.push(item.to_string()),
            None => break,
        }
        i += 1;
    }
    (items, i)
}

fn split_blocks<'a>(lines: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut blocks = Vec::new();
    let mut current = Vec::new();
    for line in lines {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(*line);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn is_table_block(block: &[&str]) -> bool {
    block.len() >= 2 && block[0].to_lowercase().contains("implications") && block[0].len() <= 160
}

fn read_body_and_table(
    blocks: &[Vec<&str>],
) -> Result<(Vec<BodyBlock>, Option<Implications>), ParseError> {
    let mut body: Vec<BodyBlock> = Vec::new();
    let mut implications = None;
    let mut pending_heading: Option<String> = None;
    let mut caption_of_next: Option<&str> = None;
    for (index, block) in blocks.iter().enumerate() {
        if let Some(caption) = caption_of_next.take() {
            if let Some(table) = captioned_table(caption, block) {
                implications = Some(table);
                continue;
            }
            body.push(BodyBlock::paragraph(caption.trim()));
        }
        if implications.is_none() && is_table_block(block) {
            implications = Some(read_table(block)?);
            continue;
        }
        if is_related_link(block) {
            continue;
        }
        // "Implications" alone above the table: the heading is its caption.
        if implications.is_none()
            && is_heading_line(block)
            && block[0].to_lowercase().contains("implications")
            && blocks.get(index + 1).is_some()
        {
            caption_of_next = Some(block[0]);
            continue;
        }
        let has_following_text = blocks[index + 1..].iter().any(|b| !is_table_block(b));
        if is_heading_line(block) && has_following_text {
            if let Some(previous) = pending_heading.take() {
                body.push(BodyBlock::paragraph(previous));
            }
            pending_heading = Some(block[0].trim().to_string());
            continue;
        }
        let text = if block.iter().all(|l| bullet_item(l).is_some()) {
            block
                .iter()
                .filter_map(|l| bullet_item(l))
                .map(|item| format!("{BODY_BULLET}{item}"))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            block.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
        };
        body.push(BodyBlock {
            heading: pending_heading.take(),
            text,
        });
    }
    if let Some(heading) = pending_heading {
        body.push(BodyBlock::paragraph(heading));
    }
    Ok((body, implications))
}

/// The table under an "Implications" heading: every line a row, or a
/// row of column names first. Not a table (no line splits): `None`.
fn captioned_table(caption: &str, block: &[&str]) -> Option<Implications> {
    let mut lines = vec![caption];
    lines.extend_from_slice(block);
    if let Ok(table) = read_table(&lines) {
        return Some(table);
    }
    let (names, rows) = block.split_first()?;
    if rows.is_empty() {
        return None;
    }
    let mut lines = vec![caption];
    lines.extend_from_slice(rows);
    let mut table = read_table(&lines).ok()?;
    let (_, column) = split_header(names.trim());
    table.columns = vec![table.caption.clone(), column];
    Some(table)
}

/// A plain mid-body heading: one short line with no closing punctuation.
fn is_heading_line(block: &[&str]) -> bool {
    if block.len() != 1 || bullet_item(block[0]).is_some() {
        return false;
    }
    let line = block[0].trim();
    let ends_like_sentence = line
        .chars()
        .last()
        .is_some_and(|c| ".!?;,:…\"”’".contains(c));
    line.chars().count() <= 90 && !ends_like_sentence
}

fn read_table(block: &[&str]) -> Result<Implications, ParseError> {
    let (caption, column) = split_header(block[0].trim());
    let mut rows = Vec::new();
    for (index, line) in block[1..].iter().enumerate() {
        let line = line.trim();
        let split = match line.split_once('\t') {
            Some((h, s)) if !h.trim().is_empty() && !s.trim().is_empty() => {
                Some((h.trim().to_string(), s.trim().to_string()))
            }
            _ => split_glued_cells(line),
        };
        let (heading, summary) = split.ok_or_else(|| ParseError::UnsplittableRow {
            row: index + 1,
            line: excerpt(line, 80),
        })?;
        rows.push(ImplicationRow { heading, summary });
    }
    Ok(Implications {
        columns: vec![caption.clone(), column],
        caption,
        rows,
    })
}

/// "REEx: ImplicationsSummary" -> ("REEx: Implications", "Summary").
fn split_header(line: &str) -> (String, String) {
    let glued = glue_points(line)
        .into_iter()
        .rev()
        .find(|&at| !line[at..].contains(char::is_whitespace) && line[at..].len() > 1);
    if let Some(at) = glued {
        return (line[..at].trim().to_string(), line[at..].to_string());
    }
    if let Some((caption, last)) = line.rsplit_once(' ') {
        if last.eq_ignore_ascii_case(DEFAULT_SUMMARY_COLUMN) {
            return (caption.trim().to_string(), last.to_string());
        }
    }
    (line.to_string(), DEFAULT_SUMMARY_COLUMN.to_string())
}

/// Splits "Risk to JV Partners and IPFor Western firms…" into its Title Case
/// heading and the sentence glued to it. Of all places where a capital starts
/// a word with no space before it, the last one whose left side still reads
/// as a heading wins, so "McKinsey ReportFor…" splits after "Report".
pub fn split_glued_cells(line: &str) -> Option<(String, String)> {
    glue_points(line)
        .into_iter()
        .rev()
        .find(|&at| is_heading_like(&line[..at]) && line[at..].chars().count() > 1)
        .map(|at| (line[..at].trim().to_string(), line[at..].trim().to_string()))
}

/// Byte offsets where a new word starts without a space: a capital after a
/// lower-case letter ("IdeologyWhile"), a digit or closing mark, a capital
/// after capitals when it begins a capitalised word ("IPFor"), or a number
/// after a lower-case letter ("Risk2030").
fn glue_points(line: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut points = Vec::new();
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        if prev.is_whitespace() {
            continue;
        }
        // "Risk2030 targets…": a number opening the summary.
        if c.is_ascii_digit() && prev.is_lowercase() {
            points.push(at);
            continue;
        }
        if !c.is_uppercase() {
            continue;
        }
        let next_is_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        let glued = prev.is_lowercase()
            || prev.is_ascii_digit()
            || ")]”’\"'.%".contains(prev)
            || (prev.is_uppercase() && next_is_lower);
        if glued {
            points.push(at);
        }
    }
    points
}

fn is_heading_like(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 150 {
        return false;
    }
    text.split_whitespace().all(|word| {
        let first = word.chars().next().unwrap_or(' ');
        first.is_uppercase()
            || first.is_ascii_digit()
            || "(&-–'\"“‘$€£".contains(first)
            || SMALL_WORDS.contains(&word.to_lowercase().as_str())
    })
}

/// After the questions: closing paragraph(s), then the source name (a short
/// line without closing punctuation) and its tagline.
fn read_tail(blocks: &[Vec<&str>]) -> (Option<String>, Source) {
    let joined: Vec<String> = blocks
        .iter()
        .map(|b| b.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "))
        .collect();
    let source_at = joined
        .iter()
        .position(|text| is_heading_line(&[text.as_str()]) && text.chars().count() <= 80);
    let (closing_parts, source) = match source_at {
        Some(at) => {
            let tagline = joined[at + 1..].join("\n\n");
            (
                &joined[..at],
                Source {
                    name: Some(joined[at].clone()),
                    tagline: (!tagline.is_empty()).then_some(tagline),
                    url: None,
                },
            )
        }
        None => (&joined[..], Source::default()),
    };
    let closing = closing_parts.join("\n\n");
    ((!closing.is_empty()).then_some(closing), source)
}

fn parse_date(line: &str) -> Option<NaiveDate> {
    let line = line.trim();
    [
        "%b %d, %Y",
        "%B %d, %Y",
        "%Y-%m-%d",
        "%d %B %Y",
        "%d %b %Y",
        "%B %d %Y",
    ]
    .iter()
    .find_map(|format| NaiveDate::parse_from_str(line, format).ok())
}

fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_glued_cells_after_lower_case_and_after_capitals() {
        assert_eq!(
            split_glued_cells(
                "Strategic Alignment Through IdeologyWhile Western companies debate ESG"
            ),
            Some((
                "Strategic Alignment Through Ideology".into(),
                "While Western companies debate ESG".into()
            ))
        );
        assert_eq!(
            split_glued_cells("Risk to JV Partners and IPFor Western firms with exposure"),
            Some((
                "Risk to JV Partners and IP".into(),
                "For Western firms with exposure".into()
            ))
        );
        assert_eq!(
            split_glued_cells("McKinsey ReportFor the record, iPhone sales fell"),
            Some((
                "McKinsey Report".into(),
                "For the record, iPhone sales fell".into()
            ))
        );
        assert_eq!(
            split_glued_cells("Outlook for Q3Q3 sales fell"),
            Some(("Outlook for Q3".into(), "Q3 sales fell".into()))
        );
        assert_eq!(
            split_glued_cells("Emission Risk2030 targets slip"),
            Some(("Emission Risk".into(), "2030 targets slip".into()))
        );
        assert_eq!(split_glued_cells("no glue here at all"), None);
        assert_eq!(split_glued_cells("lowercase headingThen text"), None);
    }

    #[test]
    fn splits_the_table_header() {
        assert_eq!(
            split_header("REEx: ImplicationsSummary"),
            ("REEx: Implications".into(), "Summary".into())
        );
        assert_eq!(
            split_header("Market Implications Summary"),
            ("Market Implications".into(), "Summary".into())
        );
        assert_eq!(
            split_header("Implications"),
            ("Implications".into(), "Summary".into())
        );
    }

    #[test]
    fn reads_dates_in_the_sites_formats() {
        assert_eq!(
            parse_date("Jul 10, 2025"),
            NaiveDate::from_ymd_opt(2025, 7, 10)
        );
        assert_eq!(
            parse_date("July 10, 2025"),
            NaiveDate::from_ymd_opt(2025, 7, 10)
        );
        assert_eq!(
            parse_date("2025-07-10"),
            NaiveDate::from_ymd_opt(2025, 7, 10)
        );
        assert_eq!(parse_date("Highlights"), None);
    }
}
