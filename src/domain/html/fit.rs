//! Fitting what a page gave into a briefing's bounds. A page is not a file
//! its author can fix, so what is over a bound is cut to it, with a note
//! for the import report, rather than refused; a cut body says so in the
//! body itself.

use crate::domain::bounds::{self, MAX_BODY, MAX_BODY_BLOCKS};
use crate::domain::model::{BodyBlock, Briefing};
use crate::domain::text::truncate;

/// Room kept at the end of a cut body for the line that says where the
/// rest is (an address may be 2,048 characters).
const CONTINUES_ROOM: usize = 2_100;

/// Keeps the body within what a briefing may hold; a cut body ends with a
/// line saying where the rest is, never silently. Returns the note.
pub(super) fn bound_body(briefing: &mut Briefing) -> Option<String> {
    let size = |b: &BodyBlock| {
        b.heading.as_deref().map_or(0, |h| h.chars().count()) + b.text.chars().count()
    };
    let total: usize = briefing.body.iter().map(size).sum();
    if total <= MAX_BODY && briefing.body.len() <= MAX_BODY_BLOCKS {
        return None;
    }
    let room = MAX_BODY - CONTINUES_ROOM;
    let mut kept = 0;
    let mut used = 0;
    for block in &briefing.body {
        if used + size(block) > room || kept + 1 >= MAX_BODY_BLOCKS {
            break;
        }
        used += size(block);
        kept += 1;
    }
    briefing.body.truncate(kept);
    briefing
        .body
        .push(BodyBlock::paragraph(match &briefing.source.url {
            Some(url) => format!("… The article continues at {url}"),
            None => "… The article continues at its source.".to_string(),
        }));
    Some(format!(
        "the article's text ({total} characters) was cut to {used} characters, ending with a line that points to the rest"
    ))
}

/// A page is not a file its author can fix: what is over a bound is cut to
/// it, with a note, rather than refused.
pub(super) fn fit_to_bounds(briefing: &mut Briefing) -> Vec<String> {
    let mut notes = Vec::new();
    let mut cut = |what: &str, text: &mut String, max: usize| {
        if text.chars().count() > max {
            *text = truncate(text, max);
            notes.push(format!("{what} was cut to {max} characters"));
        }
    };
    cut("the title", &mut briefing.title, bounds::MAX_TITLE);
    for item in briefing.highlights.iter_mut() {
        cut("a highlight", item, bounds::MAX_HIGHLIGHT);
    }
    for question in briefing.key_questions.iter_mut() {
        cut("a key question", question, bounds::MAX_QUESTION);
    }
    if let Some(closing) = briefing.closing.as_mut() {
        cut("the closing line", closing, bounds::MAX_CLOSING);
    }
    for category in briefing.categories.iter_mut() {
        cut("a category", category, bounds::MAX_CATEGORY);
    }
    for text in [
        &mut briefing.source.name,
        &mut briefing.source.tagline,
        &mut briefing.author,
    ]
    .into_iter()
    .flatten()
    {
        cut(
            "the source's name, tagline or author",
            text,
            bounds::MAX_SOURCE_TEXT,
        );
    }
    if let Some(table) = briefing.implications.as_mut() {
        cut(
            "the table caption",
            &mut table.caption,
            bounds::MAX_SOURCE_TEXT,
        );
        for row in table.rows.iter_mut() {
            let room = bounds::MAX_ROW
                .saturating_sub(row.heading.chars().count())
                .max(1);
            cut("an implications row", &mut row.summary, room);
        }
    }
    for (what, len, max) in [
        (
            "Highlights",
            briefing.highlights.len(),
            bounds::MAX_HIGHLIGHTS,
        ),
        (
            "Key Questions",
            briefing.key_questions.len(),
            bounds::MAX_QUESTIONS,
        ),
        (
            "categories",
            briefing.categories.len(),
            bounds::MAX_CATEGORIES,
        ),
        (
            "implications rows",
            briefing.implications.as_ref().map_or(0, |t| t.rows.len()),
            bounds::MAX_ROWS,
        ),
    ] {
        if len > max {
            notes.push(format!(
                "the page has {len} {what}; the first {max} are kept"
            ));
        }
    }
    briefing.highlights.truncate(bounds::MAX_HIGHLIGHTS);
    briefing.key_questions.truncate(bounds::MAX_QUESTIONS);
    briefing.categories.truncate(bounds::MAX_CATEGORIES);
    if let Some(table) = briefing.implications.as_mut() {
        table.rows.truncate(bounds::MAX_ROWS);
    }
    notes
}
