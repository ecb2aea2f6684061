//! What a briefing may hold, and the clean-up every imported briefing gets.
//!
//! The bounds are generous for real briefings (the captured seed uses a
//! fraction of each) and small enough that posting or reading one is a
//! handful of messages, whoever sent the file. Checked at import; the
//! renderer also stops at [`MAX_MESSAGES`] for anything stored before.

use chrono::{Datelike, NaiveDate};

use super::model::Briefing;
use super::ParseError;

/// Characters in a title.
pub const MAX_TITLE: usize = 300;
/// Highlights, and characters in each.
pub const MAX_HIGHLIGHTS: usize = 8;
pub const MAX_HIGHLIGHT: usize = 400;
/// Characters across all body blocks (headings included), and blocks.
pub const MAX_BODY: usize = 12_000;
pub const MAX_BODY_BLOCKS: usize = 120;
/// Rows of the implications table, and characters in a row.
pub const MAX_ROWS: usize = 10;
pub const MAX_ROW: usize = 700;
/// Key questions (each becomes a message in the discussion thread), and
/// characters in each.
pub const MAX_QUESTIONS: usize = 8;
pub const MAX_QUESTION: usize = 400;
pub const MAX_CLOSING: usize = 800;
/// Categories, and characters in each.
pub const MAX_CATEGORIES: usize = 10;
pub const MAX_CATEGORY: usize = 60;
/// Source name and tagline.
pub const MAX_SOURCE_TEXT: usize = 300;
/// A source URL (browsers and Discord cope with this much).
pub const MAX_URL: usize = 2_048;
/// Published dates outside these years are refused.
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;
/// The most messages one briefing is ever posted or read as.
pub const MAX_MESSAGES: usize = 8;

/// Strips control characters (a terminal would act on ESC or BEL), turns
/// line breaks inside one-line fields into spaces, and tidies categories:
/// trimmed, empty ones dropped, case-insensitive duplicates kept once.
pub fn clean(briefing: &mut Briefing) {
    one_line(&mut briefing.title);
    for text in briefing.highlights.iter_mut() {
        one_line(text);
    }
    for block in briefing.body.iter_mut() {
        if let Some(heading) = block.heading.as_mut() {
            one_line(heading);
        }
        multi_line(&mut block.text);
    }
    if let Some(table) = briefing.implications.as_mut() {
        one_line(&mut table.caption);
        table.columns.iter_mut().for_each(one_line);
        for row in table.rows.iter_mut() {
            one_line(&mut row.heading);
            one_line(&mut row.summary);
        }
    }
    briefing.key_questions.iter_mut().for_each(one_line);
    if let Some(closing) = briefing.closing.as_mut() {
        multi_line(closing);
    }
    let source = &mut briefing.source;
    for text in [&mut source.name, &mut source.tagline, &mut source.url]
        .into_iter()
        .flatten()
    {
        one_line(text);
    }
    for text in [&mut briefing.author, &mut briefing.image]
        .into_iter()
        .flatten()
    {
        one_line(text);
    }
    briefing.author = briefing.author.take().filter(|t| !t.is_empty());
    briefing.image = briefing.image.take().filter(|t| !t.is_empty());
    source.name = source.name.take().filter(|t| !t.is_empty());
    source.tagline = source.tagline.take().filter(|t| !t.is_empty());
    source.url = source.url.take().filter(|t| !t.is_empty());

    let mut seen: Vec<String> = Vec::new();
    briefing.categories = std::mem::take(&mut briefing.categories)
        .into_iter()
        .filter_map(|mut category| {
            one_line(&mut category);
            let key = category.to_lowercase();
            if category.is_empty() || seen.contains(&key) {
                return None;
            }
            seen.push(key);
            Some(category)
        })
        .collect();
}

/// Text without control characters, on one line, trimmed.
pub fn strip_controls(text: &str) -> String {
    let mut out = text.to_string();
    one_line(&mut out);
    out
}

fn one_line(text: &mut String) {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    *text = cleaned
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
}

fn multi_line(text: &mut String) {
    let cleaned: String = text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    *text = cleaned.trim().to_string();
}

/// Refuses a briefing over any bound, with the reason.
pub fn check(briefing: &Briefing) -> Result<(), ParseError> {
    check_sizes(briefing)?;
    if let Some(date) = briefing.published {
        check_date(date)?;
    }
    if let Some(url) = &briefing.source.url {
        check_url(url).map_err(ParseError::Invalid)?;
    }
    if let Some(image) = &briefing.image {
        check_url(image).map_err(|e| ParseError::Invalid(format!("the image: {e}")))?;
    }
    Ok(())
}

/// `has` within `max`, or the reason it is not.
fn within(what: &str, has: usize, max: usize) -> Result<(), ParseError> {
    if has > max {
        Err(ParseError::TooLarge(format!(
            "{what} has {has}, more than the {max} a briefing may have"
        )))
    } else {
        Ok(())
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Every count and length bound.
fn check_sizes(briefing: &Briefing) -> Result<(), ParseError> {
    within("the title (characters)", chars(&briefing.title), MAX_TITLE)?;
    within(
        "Highlights (items)",
        briefing.highlights.len(),
        MAX_HIGHLIGHTS,
    )?;
    for (n, item) in briefing.highlights.iter().enumerate() {
        within(
            &format!("highlight {} (characters)", n + 1),
            chars(item),
            MAX_HIGHLIGHT,
        )?;
    }
    within("the body (blocks)", briefing.body.len(), MAX_BODY_BLOCKS)?;
    let body: usize = briefing
        .body
        .iter()
        .map(|b| b.heading.as_deref().map_or(0, chars) + chars(&b.text))
        .sum();
    within("the body (characters)", body, MAX_BODY)?;
    if let Some(table) = &briefing.implications {
        within("the implications table (rows)", table.rows.len(), MAX_ROWS)?;
        for (n, row) in table.rows.iter().enumerate() {
            let size = chars(&row.heading) + chars(&row.summary);
            within(
                &format!("implications row {} (characters)", n + 1),
                size,
                MAX_ROW,
            )?;
        }
        within(
            "the table caption (characters)",
            chars(&table.caption),
            MAX_SOURCE_TEXT,
        )?;
    }
    within(
        "Key Questions (questions)",
        briefing.key_questions.len(),
        MAX_QUESTIONS,
    )?;
    for (n, question) in briefing.key_questions.iter().enumerate() {
        within(
            &format!("key question {} (characters)", n + 1),
            chars(question),
            MAX_QUESTION,
        )?;
    }
    within(
        "the closing line (characters)",
        briefing.closing.as_deref().map_or(0, chars),
        MAX_CLOSING,
    )?;
    within(
        "the category list (categories)",
        briefing.categories.len(),
        MAX_CATEGORIES,
    )?;
    for category in &briefing.categories {
        let what = format!(
            "category '{}' (characters)",
            crate::domain::text::truncate(category, 40)
        );
        within(&what, chars(category), MAX_CATEGORY)?;
    }
    for text in [
        &briefing.source.name,
        &briefing.source.tagline,
        &briefing.author,
    ]
    .into_iter()
    .flatten()
    {
        within(
            "the source name, tagline or author (characters)",
            chars(text),
            MAX_SOURCE_TEXT,
        )?;
    }
    Ok(())
}

fn check_date(date: NaiveDate) -> Result<(), ParseError> {
    if YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(ParseError::Invalid(format!(
            "the date {date} is outside the years {} to {}",
            YEARS.start(),
            YEARS.end()
        )))
    }
}

/// An absolute http(s) URL with a host, at most [`MAX_URL`] characters,
/// without spaces: what Discord accepts as an embed link.
pub fn check_url(url: &str) -> Result<(), String> {
    let shown = crate::domain::text::truncate(url, 60);
    if url.chars().count() > MAX_URL {
        return Err(format!("the url is longer than {MAX_URL} characters"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("the url '{shown}' is not an http:// or https:// address"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("the url '{shown}' has no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "the url '{shown}' contains spaces or control characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{BodyBlock, Source};

    fn briefing() -> Briefing {
        Briefing {
            slug: "a".into(),
            title: "A".into(),
            published: None,
            source: Source::default(),
            categories: Vec::new(),
            highlights: Vec::new(),
            body: vec![BodyBlock::paragraph("Text.")],
            implications: None,
            key_questions: Vec::new(),
            closing: None,
            author: None,
            image: None,
        }
    }

    #[test]
    fn urls_must_be_absolute_http() {
        for good in [
            "https://example.org/a?b=c",
            "http://example.org",
            "https://x.y:8080/p",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            ("javascript:alert(1)", "not an http"),
            ("example.org/a", "not an http"),
            ("https:///path", "no host"),
            ("https://exa mple.org", "spaces"),
            ("ftp://example.org", "not an http"),
        ] {
            let error = check_url(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert!(check_url(&format!("https://e.org/{}", "a".repeat(MAX_URL))).is_err());
    }

    #[test]
    fn dates_outside_four_digit_years_are_refused() {
        for (y, ok) in [
            (999, false),
            (1000, true),
            (2025, true),
            (9999, true),
            (-1, false),
        ] {
            let mut b = briefing();
            b.published = NaiveDate::from_ymd_opt(y, 1, 1);
            assert_eq!(check(&b).is_ok(), ok, "{y}");
        }
        let mut b = briefing();
        b.published = NaiveDate::from_ymd_opt(10_000, 1, 1);
        assert!(check(&b).is_err());
    }

    #[test]
    fn cleaning_strips_controls_and_tidies_categories() {
        let mut b = briefing();
        b.title = "Bad\u{1b}[31m title\u{7}\nhere".into();
        b.categories = vec![
            " Energy ".into(),
            "energy".into(),
            "".into(),
            "  ".into(),
            "Policy".into(),
        ];
        b.body = vec![BodyBlock::paragraph("line one\u{1b}\nline\ttwo")];
        clean(&mut b);
        assert_eq!(b.title, "Bad[31m title here");
        assert_eq!(b.categories, ["Energy", "Policy"]);
        assert_eq!(b.body[0].text, "line one\nline two");
    }

    /// A briefing at every bound, in ordinary words.
    fn largest(word: &str) -> Briefing {
        let text = |chars: usize| {
            let mut t = String::new();
            while t.chars().count() + word.chars().count() + 1 < chars {
                t.push_str(word);
                t.push(' ');
            }
            t.trim_end().to_string()
        };
        Briefing {
            title: text(MAX_TITLE),
            highlights: vec![text(MAX_HIGHLIGHT); MAX_HIGHLIGHTS],
            body: (0..12)
                .map(|_| BodyBlock::paragraph(text(MAX_BODY / 12 - 1)))
                .collect(),
            implications: Some(crate::domain::Implications {
                caption: "Desk: Implications".into(),
                columns: vec!["Desk: Implications".into(), "Summary".into()],
                rows: vec![
                    crate::domain::ImplicationRow {
                        heading: text(100),
                        summary: text(MAX_ROW - 100),
                    };
                    MAX_ROWS
                ],
            }),
            key_questions: vec![text(MAX_QUESTION); MAX_QUESTIONS],
            closing: Some(text(MAX_CLOSING)),
            author: None,
            image: None,
            categories: vec!["Energy".into(); 1],
            ..briefing()
        }
    }

    #[test]
    fn the_largest_briefing_allowed_is_read_in_full_within_the_message_bound() {
        let b = largest("Words");
        assert_eq!(check(&b), Ok(()));
        let reply = crate::domain::render::briefing(&b);
        assert!(
            reply.messages.len() <= MAX_MESSAGES,
            "{}",
            reply.messages.len()
        );
        let all = format!("{:?}", reply.messages);
        assert!(
            !all.contains("left out"),
            "a briefing within bounds is shown whole"
        );
        // Text that doubles when escaped still never exceeds the bound.
        let hostile = largest("__**__");
        let reply = crate::domain::render::briefing(&hostile);
        assert!(
            reply.messages.len() <= MAX_MESSAGES,
            "{}",
            reply.messages.len()
        );
        assert!(crate::domain::view::limit_violations(&reply).is_empty());
    }

    #[test]
    fn every_bound_is_enforced_with_its_reason() {
        let mut b = briefing();
        b.key_questions = vec!["Why?".into(); MAX_QUESTIONS + 1];
        assert!(check(&b).unwrap_err().to_string().contains("Key Questions"));
        let mut b = briefing();
        b.body = vec![BodyBlock::paragraph("word ".repeat(MAX_BODY / 4))];
        assert!(check(&b).unwrap_err().to_string().contains("body"));
        let mut b = briefing();
        b.title = "t".repeat(MAX_TITLE + 1);
        assert!(check(&b).unwrap_err().to_string().contains("title"));
    }
}
