//! The captured article in ../shared/seed imports exactly, field by field.

mod support;

use briefbot::domain::{parse_text, Format, ParseOptions};
use briefbot::import::{import_files, ImportOptions};
use briefbot::store::Store;

#[test]
fn the_seed_imports_field_by_field() {
    let Some(path) = support::shared_file(support::SEED) else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = parse_text(&text, &ParseOptions::default()).expect("the seed parses");
    assert_eq!(parsed.format, Format::Captured);
    let b = parsed.briefing;

    assert_eq!(
        b.title,
        "Party Discipline Meets Industrial Strategy: Northern Rare Earths Tightens Ideological Controls in Rare Earth Sector"
    );
    assert_eq!(b.published, None);

    assert_eq!(b.highlights.len(), 3);
    assert!(b.highlights[0].starts_with("Liu Peixun leads top-down ideological inspection"));
    assert!(b.highlights[2].ends_with("in Chinese enterprises."));

    assert_eq!(b.body.len(), 4, "{:#?}", b.body);
    assert!(b.body[0].text.starts_with("In a rare publicized move"));
    assert!(b.body[3]
        .text
        .ends_with("several key implications emerge from monitoring Rare Earth Exchanges (REEx)."));
    assert!(b.body.iter().all(|p| p.heading.is_none()));
    assert!(b.body[0]
        .text
        .contains("Eight-Point Regulation, a campaign"));
    for block in &b.body {
        assert!(!block.text.contains("opens in a new tab"));
    }

    let table = b.implications.expect("the implications table");
    assert_eq!(table.caption, "REEx: Implications");
    assert_eq!(
        table.columns,
        vec!["REEx: Implications".to_string(), "Summary".to_string()]
    );
    let headings: Vec<&str> = table.rows.iter().map(|r| r.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Strategic Alignment Through Ideology",
            "Risk to JV Partners and IP",
            "Authoritarian Resilience in Critical Materials"
        ]
    );
    assert!(table.rows[0]
        .summary
        .starts_with("While Western companies debate ESG"));
    assert!(table.rows[1]
        .summary
        .starts_with("For Western firms with exposure"));
    assert!(table.rows[2]
        .summary
        .starts_with("For Western firms with exposure"));

    assert_eq!(b.key_questions.len(), 3);
    assert!(b.key_questions[0].starts_with("Can Western firms remain competitive"));
    assert!(b.key_questions[2].ends_with("throws that into serious doubt."));

    let closing = b.closing.expect("closing line");
    assert!(closing.starts_with("When it comes to the rare earth supply chain,"));
    assert!(closing.ends_with("it’s the operating system."));

    assert_eq!(b.source.name.as_deref(), Some("Rare Earth Exchanges"));
    assert_eq!(
        b.source.tagline.as_deref(),
        Some("Exposing the global strategies behind the dominance of critical minerals and rare earth element supply chains.")
    );
    assert!(b.categories.is_empty());

    let everything = serde_json::to_string(&serde_json::json!({
        "body": b.body, "closing": closing, "source": b.source, "questions": b.key_questions
    }))
    .unwrap();
    for boilerplate in [
        "Spread the word",
        "CATEGORIES",
        "Leave a Reply",
        "Your email address will not be published",
    ] {
        assert!(!everything.contains(boilerplate), "{boilerplate} leaked in");
    }
}

#[test]
fn the_seed_stores_and_reimports_as_unchanged() {
    let Some(path) = support::shared_file(support::SEED) else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let files = vec![path];
    let first = import_files(&mut store, &files, &ImportOptions::default(), |_| {});
    assert_eq!(
        first.summary_line(),
        "1 imported, 0 updated, 0 unchanged, 0 failed"
    );
    let again = import_files(&mut store, &files, &ImportOptions::default(), |_| {});
    assert_eq!(
        again.summary_line(),
        "0 imported, 0 updated, 1 unchanged, 0 failed"
    );
    let stored = store.latest_briefing(None).unwrap().unwrap();
    assert_eq!(stored.questions.len(), 3);
    let hits = store.search("ideological inspection", 5).unwrap();
    assert_eq!(hits.first().map(|h| h.id), Some(stored.id));
}
