//! Plain-text output for people at a terminal.

use std::io::{self, Write};

use crate::import::{FileResult, ImportReport};
use crate::store::{highlight_snippet, ListPage, SearchHit, StoredBriefing};

pub fn write_import_report(out: &mut impl Write, report: &ImportReport) -> io::Result<()> {
    for file in &report.files {
        match &file.result {
            FileResult::Saved {
                outcome, id, slug, ..
            } => {
                let verb = serde_json::to_value(outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                writeln!(out, "{verb:<10} {}  -> #{id} {slug}", file.file)?;
            }
            FileResult::Failed { reason } => {
                writeln!(out, "{:<10} {}: {reason}", "failed", file.file)?
            }
        }
        for note in &file.notes {
            writeln!(out, "{:<10}   note: {note}", "")?;
        }
    }
    writeln!(out, "{}", report.summary_line())
}

pub fn write_list(
    out: &mut impl Write,
    listing: &ListPage,
    page: u64,
    per_page: u64,
    category: Option<&str>,
) -> io::Result<()> {
    if listing.items.is_empty() {
        return match (category, listing.total) {
            (Some(c), 0) => writeln!(
                out,
                "No briefings in category '{c}'; see `briefbot categories`."
            ),
            (None, 0) => writeln!(
                out,
                "The library is empty; add briefings with `briefbot import`."
            ),
            _ => writeln!(
                out,
                "Page {page} is past the end ({} briefings in all).",
                listing.total
            ),
        };
    }
    for item in &listing.items {
        let date = item
            .published
            .map(|d| d.to_string())
            .unwrap_or_else(|| "undated".into());
        writeln!(out, "#{:<5} {date:<10}  {}", item.id, item.title)?;
        if !item.categories.is_empty() {
            writeln!(out, "{:<18}{}", "", item.categories.join(", "))?;
        }
    }
    let pages = listing.total.div_ceil(per_page);
    writeln!(out, "page {page} of {pages} ({} briefings)", listing.total)
}

pub fn write_search(out: &mut impl Write, query: &str, hits: &[SearchHit]) -> io::Result<()> {
    if hits.is_empty() {
        return writeln!(
            out,
            "No briefing matches '{query}'. Try fewer or different words."
        );
    }
    for (n, hit) in hits.iter().enumerate() {
        writeln!(out, "{}. #{} {}", n + 1, hit.id, hit.title)?;
        writeln!(out, "   {}", highlight_snippet(&hit.snippet, "[", "]"))?;
    }
    Ok(())
}

pub fn write_categories(out: &mut impl Write, categories: &[(String, u64)]) -> io::Result<()> {
    if categories.is_empty() {
        return writeln!(out, "No categories yet.");
    }
    for (name, count) in categories {
        writeln!(out, "{count:>5}  {name}")?;
    }
    Ok(())
}

/// Every section of a briefing, in reading order.
pub fn write_briefing(out: &mut impl Write, stored: &StoredBriefing) -> io::Result<()> {
    let ids: Vec<i64> = stored.questions.iter().map(|q| q.id).collect();
    write_any_briefing(out, &stored.briefing, Held::Stored(stored.id), &ids)
}

/// A briefing stored (with its id) or not yet (a dry run).
/// Where a briefing shown stands in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Shown from the library.
    Stored(i64),
    /// Read by a dry run, not in the library.
    NotStored,
    /// Read by a dry run; the library has the article under this id
    /// (`differs`: its stored text is not this reading's).
    InLibrary { id: i64, differs: bool },
}

pub fn write_any_briefing(
    out: &mut impl Write,
    b: &crate::domain::Briefing,
    held: Held,
    question_ids: &[i64],
) -> io::Result<()> {
    writeln!(out, "{}", b.title)?;
    writeln!(out, "{}", "=".repeat(b.title.chars().count().min(78)))?;
    let mut meta = vec![match held {
        Held::Stored(id) => format!("#{id} {}", b.slug),
        Held::NotStored => format!("(not stored) {}", b.slug),
        Held::InLibrary { id, differs: false } => {
            format!("(already in the library as #{id}) {}", b.slug)
        }
        Held::InLibrary { id, differs: true } => format!(
            "(already in the library as #{id}; its stored copy differs from this reading) {}",
            b.slug
        ),
    }];
    if let Some(date) = b.published {
        meta.push(date.format("%B %-d, %Y").to_string());
    }
    writeln!(out, "{}", meta.join("  ·  "))?;

    if !b.highlights.is_empty() {
        writeln!(out, "\nHighlights")?;
        for item in &b.highlights {
            writeln!(out, "  • {item}")?;
        }
    }
    for block in &b.body {
        writeln!(out)?;
        if let Some(heading) = &block.heading {
            writeln!(out, "{heading}\n")?;
        }
        writeln!(out, "{}", block.text)?;
    }
    if let Some(table) = &b.implications {
        writeln!(out, "\n{}", table.caption)?;
        for row in &table.rows {
            writeln!(out, "  ▸ {}\n    {}", row.heading, row.summary)?;
        }
    }
    if !b.key_questions.is_empty() {
        writeln!(out, "\nKey Questions")?;
        for (n, question) in b.key_questions.iter().enumerate() {
            match question_ids.get(n) {
                Some(id) => writeln!(out, "  {}. {question}  [q{id}]", n + 1)?,
                None => writeln!(out, "  {}. {question}", n + 1)?,
            }
        }
    }
    if let Some(closing) = &b.closing {
        writeln!(out, "\n{closing}")?;
    }
    let mut source = Vec::new();
    if let Some(name) = &b.source.name {
        source.push(name.clone());
    }
    if let Some(tagline) = &b.source.tagline {
        source.push(tagline.clone());
    }
    if let Some(url) = &b.source.url {
        source.push(url.clone());
    }
    if !source.is_empty() {
        writeln!(out, "\nSource: {}", source.join(" — "))?;
    }
    if !b.categories.is_empty() {
        writeln!(out, "Categories: {}", b.categories.join(", "))?;
    }
    Ok(())
}
