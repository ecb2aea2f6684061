//! The captured-article format in the variants real captures of the site show.

mod support;

use briefbot::domain::{parse_text, ParseError, ParseOptions, Parsed};
use chrono::NaiveDate;

fn parse(text: &str) -> Result<Parsed, ParseError> {
    parse_text(text, &ParseOptions::default())
}

/// A capture assembled from parts, so each test changes only what it is about.
fn capture(title: &str, highlights: &str, body: &str, questions: &str) -> String {
    format!(
        "{title}\n\nHighlights\n\n{highlights}\n\n{body}\n\nDesk: ImplicationsSummary\n\
         Cost of WaitingEvery month of delay adds to the bill.\n\n\
         Key Questions\n\n{questions}\n\nThat is the closing thought.\n\nThe Desk\n\n\
         Short tagline of the desk.\n\nSpread the word:\n\nCATEGORIES: Energy, Policy, energy\n\n\
         Leave a Reply\n"
    )
}

const BULLETS: &str = "  • First point.\n  • Second point.";
const QUESTIONS: &str = "  • Will it work?\n  • Who pays?";

#[test]
fn a_date_line_under_the_title_is_the_published_date() {
    let text = capture(
        "A Title\n\nJul 10, 2025",
        BULLETS,
        "Body text here.",
        QUESTIONS,
    );
    let b = parse(&text).unwrap().briefing;
    assert_eq!(b.title, "A Title");
    assert_eq!(b.published, NaiveDate::from_ymd_opt(2025, 7, 10));
    assert_eq!(b.body.len(), 1);
}

#[test]
fn dash_bullets_work_like_round_ones() {
    let text = capture(
        "A Title",
        "- First point.\n- Second point.",
        "Body.",
        "- Will it work?\n- Who pays?",
    );
    let b = parse(&text).unwrap().briefing;
    assert_eq!(b.highlights, ["First point.", "Second point."]);
    assert_eq!(b.key_questions, ["Will it work?", "Who pays?"]);
}

#[test]
fn categories_come_from_the_trailer_without_duplicates() {
    let b = parse(&capture("A Title", BULLETS, "Body.", QUESTIONS))
        .unwrap()
        .briefing;
    assert_eq!(b.categories, ["Energy", "Policy"]);
    assert_eq!(b.closing.as_deref(), Some("That is the closing thought."));
    assert_eq!(b.source.name.as_deref(), Some("The Desk"));
    assert_eq!(
        b.source.tagline.as_deref(),
        Some("Short tagline of the desk.")
    );
}

#[test]
fn plain_mid_body_headings_and_body_bullets_are_kept() {
    let body = "Opening paragraph ends here.\n\nWhat Changed\n\nThe next paragraph explains it:\n\n  • one thing\n  • another thing\n\nFinal words.";
    let b = parse(&capture("A Title", BULLETS, body, QUESTIONS))
        .unwrap()
        .briefing;
    let blocks: Vec<(Option<&str>, &str)> = b
        .body
        .iter()
        .map(|p| (p.heading.as_deref(), p.text.as_str()))
        .collect();
    assert_eq!(
        blocks,
        [
            (None, "Opening paragraph ends here."),
            (Some("What Changed"), "The next paragraph explains it:"),
            (None, "• one thing\n• another thing"),
            (None, "Final words."),
        ]
    );
    assert_eq!(
        b.body[2].bullets(),
        Some(vec!["one thing", "another thing"])
    );
}

#[test]
fn a_capture_without_a_title_needs_one_given() {
    let text = capture("", BULLETS, "Body.", QUESTIONS);
    let text = text.trim_start();
    assert!(text.starts_with("Highlights"));
    assert_eq!(parse(text).unwrap_err(), ParseError::MissingTitle);
    assert!(ParseError::MissingTitle.to_string().contains("--title"));

    let given = parse_text(
        text,
        &ParseOptions {
            title: Some("Given Title".into()),
        },
    )
    .unwrap();
    assert_eq!(given.briefing.title, "Given Title");
    assert_eq!(given.briefing.slug, "given-title");
    assert!(given.warnings.iter().any(|w| w.contains("--title")));
}

#[test]
fn a_title_in_the_file_wins_over_a_given_one() {
    let parsed = parse_text(
        &capture("File Title", BULLETS, "Body.", QUESTIONS),
        &ParseOptions {
            title: Some("Given".into()),
        },
    )
    .unwrap();
    assert_eq!(parsed.briefing.title, "File Title");
}

#[test]
fn cp1252_mojibake_is_repaired_and_reported() {
    let body =
        "China\u{e2}\u{20ac}\u{2122}s \u{e2}\u{20ac}\u{153}two bases\u{e2}\u{20ac}\u{9d} matter.";
    let parsed = parse(&capture("A Title", BULLETS, body, QUESTIONS)).unwrap();
    assert_eq!(parsed.briefing.body[0].text, "China’s “two bases” matter.");
    assert!(
        parsed.warnings[0].contains("cp1252"),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn windows_874_mojibake_is_repaired_and_reported() {
    let body = "It\u{e42}\u{20ac}\u{2122}s the operating system.";
    let parsed = parse(&capture("A Title", BULLETS, body, QUESTIONS)).unwrap();
    assert_eq!(parsed.briefing.body[0].text, "It’s the operating system.");
    assert!(
        parsed.warnings[0].contains("windows-874"),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn clean_text_reports_no_repair() {
    let parsed = parse(&capture("A Title", BULLETS, "Café — déjà “vu”.", QUESTIONS)).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.briefing.body[0].text, "Café — déjà “vu”.");
}

#[test]
fn a_row_that_cannot_be_split_names_the_row() {
    let text = capture("A Title", BULLETS, "Body.", QUESTIONS).replace(
        "Cost of WaitingEvery month of delay adds to the bill.",
        "Cost of WaitingEvery month of delay adds to the bill.\nthis row has no heading at all",
    );
    let error = parse(&text).unwrap_err();
    assert_eq!(
        error,
        ParseError::UnsplittableRow {
            row: 2,
            line: "this row has no heading at all".into()
        }
    );
    assert!(error.to_string().contains("row 2"));
}

#[test]
fn missing_key_questions_are_allowed_but_reported() {
    let text = "A Title\n\nHighlights\n\n  • Point.\n\nJust a body.\n";
    let parsed = parse(text).unwrap();
    assert!(parsed.briefing.key_questions.is_empty());
    assert!(parsed
        .warnings
        .iter()
        .any(|w| w.contains("no Key Questions")));
}

#[test]
fn prose_without_sections_is_not_a_briefing() {
    let error = parse("Just some notes.\n\nNothing structured here.\n").unwrap_err();
    assert!(matches!(error, ParseError::NotABriefing(_)), "{error}");
}

#[test]
fn our_captured_samples_parse_with_every_section() {
    let grid = parse(&support::sample("001-grid-storage-offshore-wind.txt")).unwrap();
    assert!(grid.warnings.is_empty(), "{:?}", grid.warnings);
    let b = grid.briefing;
    assert_eq!(b.published, NaiveDate::from_ymd_opt(2025, 10, 14));
    assert_eq!(b.highlights.len(), 3);
    assert_eq!(b.key_questions.len(), 3);
    assert_eq!(b.categories, ["Energy", "Infrastructure", "Europe"]);
    assert!(b
        .body
        .iter()
        .any(|p| p.heading.as_deref() == Some("Why the Harbour")));
    assert!(b
        .body
        .iter()
        .any(|p| p.bullets().is_some_and(|items| items.len() == 3)));
    let table = b.implications.unwrap();
    assert_eq!(table.caption, "Grid Desk: Implications");
    assert_eq!(
        table
            .rows
            .iter()
            .map(|r| r.heading.as_str())
            .collect::<Vec<_>>(),
        [
            "Land Becomes the Bottleneck",
            "Curtailment Costs Fund Storage",
            "Ports as Energy Hubs"
        ]
    );
    assert_eq!(b.source.name.as_deref(), Some("Grid Desk"));

    let cobalt = parse(&support::sample("002-cobalt-traceability.txt"))
        .unwrap()
        .briefing;
    assert_eq!(cobalt.highlights.len(), 3);
    assert_eq!(cobalt.key_questions.len(), 2);
    assert_eq!(
        cobalt.implications.unwrap().rows[1].heading,
        "Data as a Trade Barrier"
    );
}

#[test]
fn numbered_key_questions_are_questions_not_the_closing_line() {
    for questions in [
        "1. Will it work?\n2. Who pays?",
        "  1) Will it work?\n  2) Who pays?",
        "(1) Will it work?\n(2) Who pays?",
    ] {
        let got = parse(&capture("A Title", BULLETS, "Body paragraph.", questions)).unwrap();
        let b = &got.briefing;
        assert_eq!(
            b.key_questions,
            vec!["Will it work?", "Who pays?"],
            "{questions}"
        );
        assert_eq!(b.closing.as_deref(), Some("That is the closing thought."));
    }
    // Numbered highlights too.
    let got = parse(&capture(
        "A Title",
        "1. First point.\n2. Second point.",
        "Body.",
        QUESTIONS,
    ))
    .unwrap();
    assert_eq!(
        got.briefing.highlights,
        vec!["First point.", "Second point."]
    );
}

#[test]
fn an_inline_see_also_widget_is_not_body_text() {
    let body = "First paragraph.\n\nSee also: Why Harbour Land Is the New Bottleneck\n\nSecond paragraph.\n\n\
                Related: Five Questions About Curtailment\n\nRead more » Storage at the Shoreline";
    let got = parse(&capture("A Title", BULLETS, body, QUESTIONS)).unwrap();
    let texts: Vec<&str> = got.briefing.body.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(texts, vec!["First paragraph.", "Second paragraph."]);
    // A paragraph that merely starts with the words stays.
    let got = parse(&capture(
        "A Title",
        BULLETS,
        "Relatedly, costs rose.",
        QUESTIONS,
    ))
    .unwrap();
    assert_eq!(got.briefing.body[0].text, "Relatedly, costs rose.");
}

#[test]
fn an_implications_heading_above_the_table_is_its_caption() {
    let text = "A Title\n\nHighlights\n\n  • Point.\n\nBody paragraph.\n\nImplications\n\n\
                Cost of WaitingEvery month of delay adds to the bill.\nLand Becomes ScarceEarly leases set the price.\n\n\
                Key Questions\n\n  • Who pays?\n\nClosing.\n";
    let got = parse(text).unwrap();
    let b = &got.briefing;
    let table = b.implications.as_ref().expect("the table is read");
    assert_eq!(table.caption, "Implications");
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[1].heading, "Land Becomes Scarce");
    let texts: Vec<&str> = b.body.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["Body paragraph."],
        "no stray 'Implications' paragraph"
    );
}
