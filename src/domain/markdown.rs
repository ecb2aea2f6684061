//! Briefbot's own exchange format: Markdown with TOML front matter.
//! `write` and `parse` are exact inverses for every briefing the importers
//! produce (see the round-trip property test in `tests/`).

use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::{
    is_valid_slug, slugify, BodyBlock, Briefing, ImplicationRow, Implications, Source, BODY_BULLET,
};
use super::ParseError;

const FENCE: &str = "+++";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<toml::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_tagline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    /// The lead image, an absolute http(s) address.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
}

#[derive(Debug)]
pub struct MarkdownParse {
    pub briefing: Briefing,
    pub warnings: Vec<String>,
}

pub fn looks_like_markdown(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(FENCE)
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Body,
    Highlights,
    Implications,
    KeyQuestions,
}

/// The front matter read and checked, and the Markdown after it.
struct Head<'a> {
    front: FrontMatter,
    slug: String,
    published: Option<NaiveDate>,
    content: &'a str,
}

fn head(text: &str) -> Result<Head<'_>, ParseError> {
    let rest = text
        .strip_prefix(FENCE)
        .ok_or_else(|| ParseError::FrontMatter("the file must start with a +++ line".into()))?;
    let (front, content) = rest
        .split_once(&format!("\n{FENCE}"))
        .ok_or_else(|| ParseError::FrontMatter("no closing +++ line".into()))?;
    let front: FrontMatter =
        toml::from_str(front).map_err(|e| ParseError::FrontMatter(e.message().to_string()))?;
    let published = front.date.as_ref().map(parse_front_date).transpose()?;
    if front.title.trim().is_empty() {
        return Err(ParseError::FrontMatter("title is empty".into()));
    }
    let slug = match &front.slug {
        Some(slug) if !is_valid_slug(slug) => {
            return Err(ParseError::FrontMatter(format!(
                "slug '{slug}' is not valid: use lowercase letters, digits and single hyphens"
            )))
        }
        Some(slug) => slug.clone(),
        // An empty slug (a title of symbols only) gets a fallback after parsing.
        None => slugify(&front.title),
    };
    Ok(Head {
        front,
        slug,
        published,
        content,
    })
}

pub fn parse(text: &str) -> Result<MarkdownParse, ParseError> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let Head {
        front,
        slug,
        published,
        content,
    } = head(text)?;

    let mut warnings = Vec::new();
    let mut highlights = Vec::new();
    let mut body = Vec::new();
    let mut table: Option<Implications> = None;
    let mut questions = Vec::new();
    let mut closing_parts: Vec<String> = Vec::new();
    let mut section = Section::Body;
    let mut pending_heading: Option<String> = None;
    let mut saw_questions = false;

    let lines: Vec<&str> = content.lines().map(str::trim_end).collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
            continue;
        }
        if let Some(name) = line.strip_prefix("## ") {
            section = section_named(name)?;
            saw_questions |= section == Section::KeyQuestions;
            i += 1;
            continue;
        }
        // A paragraph or list: consecutive non-blank lines.
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() && !lines[i].starts_with("## ") {
            i += 1;
        }
        let block = &lines[start..i];
        match section {
            Section::Highlights if highlights.is_empty() && list_items(block).is_some() => {
                highlights = list_items(block).unwrap_or_default();
            }
            Section::Implications if table.is_none() && block[0].trim_start().starts_with('|') => {
                table = Some(parse_table(block)?);
            }
            Section::KeyQuestions if questions.is_empty() && list_items(block).is_some() => {
                questions = list_items(block).unwrap_or_default();
            }
            Section::KeyQuestions => closing_parts.push(join_paragraph(block)),
            _ => body_block(block, &mut pending_heading, &mut body),
        }
    }
    if let Some(heading) = pending_heading {
        body.push(BodyBlock::paragraph(heading));
    }
    if !saw_questions || questions.is_empty() {
        warnings.push("no Key Questions section: members will have nothing to answer".into());
    }
    let closing = closing_parts.join("\n\n");

    Ok(MarkdownParse {
        briefing: Briefing {
            slug,
            title: front.title.trim().to_string(),
            published,
            source: Source {
                name: front.source,
                tagline: front.source_tagline,
                url: front.url,
            },
            categories: front.categories,
            highlights,
            body,
            implications: table,
            key_questions: questions,
            closing: (!closing.is_empty()).then_some(closing),
            author: front.author,
            image: front.image,
        },
        warnings,
    })
}

/// The section a `## ` heading opens.
fn section_named(name: &str) -> Result<Section, ParseError> {
    match name.trim().to_lowercase().as_str() {
        "highlights" => Ok(Section::Highlights),
        "implications" => Ok(Section::Implications),
        "key questions" => Ok(Section::KeyQuestions),
        other => Err(ParseError::Markdown(format!(
            "unknown section '## {other}' (expected Highlights, Implications or Key Questions)"
        ))),
    }
}

/// A body paragraph or list; a `### ` line is a sub-heading for what
/// follows (a heading with nothing under it stands as its own paragraph).
fn body_block(block: &[&str], pending_heading: &mut Option<String>, body: &mut Vec<BodyBlock>) {
    if let Some(heading) = block[0].strip_prefix("### ") {
        if let Some(previous) = pending_heading.replace(heading.trim().to_string()) {
            body.push(BodyBlock::paragraph(previous));
        }
        if block.len() == 1 {
            return;
        }
        body.push(BodyBlock {
            heading: pending_heading.take(),
            text: block_text(&block[1..]),
        });
    } else {
        body.push(BodyBlock {
            heading: pending_heading.take(),
            text: block_text(block),
        });
    }
}

fn parse_front_date(value: &toml::Value) -> Result<NaiveDate, ParseError> {
    let text = match value {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(ParseError::FrontMatter(format!(
                "date must be a date like 2025-07-10, not {other}"
            )))
        }
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        ParseError::FrontMatter(format!("date '{text}' is not a date like 2025-07-10"))
    })
}

/// Items of a `-`, `*` or numbered list when every line is one.
fn list_items(block: &[&str]) -> Option<Vec<String>> {
    block.iter().map(|line| list_item(line)).collect()
}

fn list_item(line: &str) -> Option<String> {
    let line = line.trim_start();
    if let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some(item.trim().to_string());
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        if let Some(item) = line[digits..].strip_prefix(". ") {
            return Some(item.trim().to_string());
        }
    }
    None
}

fn join_paragraph(block: &[&str]) -> String {
    block.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
}

/// A body block: a bulleted list keeps one item a line, a paragraph is joined.
fn block_text(block: &[&str]) -> String {
    match list_items(block) {
        Some(items) => items
            .iter()
            .map(|item| format!("{BODY_BULLET}{item}"))
            .collect::<Vec<_>>()
            .join("\n"),
        None => join_paragraph(block),
    }
}

fn parse_table(block: &[&str]) -> Result<Implications, ParseError> {
    let header = split_row(block[0]);
    if header.len() != 2 {
        return Err(ParseError::Markdown(format!(
            "the implications table header has {} columns, expected 2 (caption | Summary)",
            header.len()
        )));
    }
    let mut rows = Vec::new();
    for (index, line) in block.iter().enumerate().skip(1) {
        let cells = split_row(line);
        if cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| "-: ".contains(ch)))
        {
            continue; // the |---|---| separator
        }
        match <[String; 2]>::try_from(cells) {
            Ok([heading, summary]) => rows.push(ImplicationRow { heading, summary }),
            Err(cells) => {
                return Err(ParseError::Markdown(format!(
                    "implications table row {index} has {} cells, expected 2 (heading | summary)",
                    cells.len()
                )))
            }
        }
    }
    Ok(Implications {
        caption: header[0].clone(),
        columns: header,
        rows,
    })
}

/// Cells of a `| a | b |` row; `\|` is a literal bar.
fn split_row(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line
        .strip_suffix('|')
        .filter(|l| !l.ends_with('\\'))
        .unwrap_or(line);
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Writes a briefing in the exchange format.
pub fn write(briefing: &Briefing) -> String {
    let front = FrontMatter {
        title: briefing.title.clone(),
        slug: Some(briefing.slug.clone()),
        // A date TOML cannot hold (a year outside 0-9999, refused at import
        // but possible in an old database) is written as a string.
        date: briefing.published.map(|d| {
            let text = d.format("%Y-%m-%d").to_string();
            toml::value::Datetime::from_str(&text)
                .map(toml::Value::Datetime)
                .unwrap_or(toml::Value::String(text))
        }),
        source: briefing.source.name.clone(),
        source_tagline: briefing.source.tagline.clone(),
        url: briefing.source.url.clone(),
        author: briefing.author.clone(),
        image: briefing.image.clone(),
        categories: briefing.categories.clone(),
    };
    let mut out = String::new();
    out.push_str(FENCE);
    out.push('\n');
    out.push_str(&toml::to_string(&front).expect("front matter always serialises"));
    out.push_str(FENCE);
    out.push_str("\n\n");

    if !briefing.highlights.is_empty() {
        out.push_str("## Highlights\n\n");
        for item in &briefing.highlights {
            out.push_str(&format!("- {item}\n"));
        }
        out.push('\n');
    }
    for block in &briefing.body {
        if let Some(heading) = &block.heading {
            out.push_str(&format!("### {heading}\n\n"));
        }
        match block.bullets() {
            Some(items) => {
                for item in items {
                    out.push_str(&format!("- {item}\n"));
                }
            }
            None => {
                out.push_str(&block.text);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    if let Some(table) = &briefing.implications {
        out.push_str("## Implications\n\n");
        let second = table
            .columns
            .get(1)
            .map(String::as_str)
            .unwrap_or("Summary");
        out.push_str(&format!(
            "| {} | {} |\n| --- | --- |\n",
            escape_cell(&table.caption),
            escape_cell(second)
        ));
        for row in &table.rows {
            out.push_str(&format!(
                "| {} | {} |\n",
                escape_cell(&row.heading),
                escape_cell(&row.summary)
            ));
        }
        out.push('\n');
    }
    if !briefing.key_questions.is_empty() || briefing.closing.is_some() {
        out.push_str("## Key Questions\n\n");
        for (n, question) in briefing.key_questions.iter().enumerate() {
            out.push_str(&format!("{}. {question}\n", n + 1));
        }
        out.push('\n');
    }
    if let Some(closing) = &briefing.closing {
        out.push_str(closing);
        out.push('\n');
    }
    out
}
