//! Each kind of bad input gets a message naming the file and the problem, and
//! leaves the database as it was.

use std::path::{Path, PathBuf};

use briefbot::import::{import_files, FileResult, ImportOptions, ImportReport};
use briefbot::store::Store;

const GOOD: &str = "+++\ntitle = \"Good One\"\n+++\n\n## Key Questions\n\n1. Why?\n";

struct Fixture {
    dir: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("test.db")).unwrap();
        Self { dir, store }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn import(&mut self, files: &[PathBuf]) -> ImportReport {
        import_files(&mut self.store, files, &ImportOptions::default(), |_| {})
    }

    fn snapshot(&self) -> Vec<(i64, String)> {
        let page = self.store.list_briefings(None, 0, 1000).unwrap();
        page.items
            .iter()
            .map(|s| {
                let full = self.store.briefing_by_id(s.id).unwrap().unwrap();
                (s.id, full.briefing.content_hash())
            })
            .collect()
    }
}

/// Imports one good file and the bad one; the bad one fails with a reason
/// containing `expected` and the database holds only the good one.
fn assert_rejected(name: &str, bytes: &[u8], expected: &str) {
    let mut fx = Fixture::new();
    let good = fx.file("good.md", GOOD.as_bytes());
    fx.import(std::slice::from_ref(&good));
    let before = fx.snapshot();
    let bad = fx.file(name, bytes);
    let report = fx.import(&[bad, good]);
    let failures: Vec<(&str, &str)> = report.failed().collect();
    assert_eq!(failures.len(), 1, "{report:#?}");
    let (file, reason) = failures[0];
    assert!(
        Path::new(file).ends_with(name),
        "the report names the file: {file}"
    );
    assert!(
        reason.contains(expected),
        "reason {reason:?} should mention {expected:?}"
    );
    assert_eq!(
        fx.snapshot(),
        before,
        "the database changed for a rejected file"
    );
}

#[test]
fn an_empty_file_is_rejected() {
    assert_rejected("empty.txt", b"", "empty");
    assert_rejected("blank.txt", b"  \n\n\t\n", "empty");
}

#[test]
fn a_binary_file_is_rejected() {
    assert_rejected(
        "image.txt",
        &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 1, 2, 3],
        "binary",
    );
}

#[test]
fn invalid_utf8_is_rejected_with_its_offset() {
    assert_rejected(
        "latin1.txt",
        b"Title\n\nHighlights\n\n- caf\xe9\n",
        "not valid UTF-8 (first bad byte at offset 24)",
    );
}

#[test]
fn a_file_over_the_size_limit_is_rejected() {
    let big = format!("Title\n\nHighlights\n\n- x\n\n{}", "word ".repeat(250_000));
    assert_rejected("big.txt", big.as_bytes(), "over the limit of 1048576 bytes");
}

#[test]
fn front_matter_that_does_not_parse_is_rejected() {
    assert_rejected(
        "broken.md",
        b"+++\ntitle = \"unclosed\n+++\n",
        "front matter is not valid",
    );
    assert_rejected(
        "unknown.md",
        b"+++\ntitle = \"T\"\nauthor = \"me\"\n+++\n",
        "unknown field `author`",
    );
    assert_rejected(
        "baddate.md",
        b"+++\ntitle = \"T\"\ndate = \"July\"\n+++\n",
        "date 'July'",
    );
    assert_rejected(
        "badslug.md",
        b"+++\ntitle = \"T\"\nslug = \"Not A Slug\"\n+++\n",
        "slug 'Not A Slug'",
    );
    assert_rejected("unclosed.md", b"+++\ntitle = \"T\"\n", "no closing +++");
}

#[test]
fn a_table_row_that_cannot_be_split_is_rejected() {
    let text = "Title Here\n\nHighlights\n\n- point\n\nBody.\n\nDesk: ImplicationsSummary\nGood RowSummary text.\nbad row without heading\n\nKey Questions\n\n- Why?\n";
    assert_rejected("table.txt", text.as_bytes(), "row 2 cannot be split");
    let md = "+++\ntitle = \"T\"\n+++\n\n## Implications\n\n| Cap | Summary |\n| --- | --- |\n| only one cell |\n";
    assert_rejected("table.md", md.as_bytes(), "row 2 has 1 cells, expected 2");
}

#[test]
fn a_capture_without_a_title_is_rejected_without_one_given() {
    assert_rejected(
        "untitled.txt",
        b"Highlights\n\n- point\n\nKey Questions\n\n- Why?\n",
        "--title",
    );
}

#[test]
fn missing_key_questions_import_with_a_note() {
    let mut fx = Fixture::new();
    let file = fx.file(
        "noquestions.md",
        b"+++\ntitle = \"No Questions\"\n+++\n\nJust a body.\n",
    );
    let report = fx.import(&[file]);
    assert_eq!(
        report.summary_line(),
        "1 imported, 0 updated, 0 unchanged, 0 failed"
    );
    assert!(report.files[0]
        .notes
        .iter()
        .any(|n| n.contains("no Key Questions")));
}

#[test]
fn a_duplicate_slug_with_different_content_in_one_batch_fails_the_second() {
    let mut fx = Fixture::new();
    let first = fx.file(
        "a.md",
        b"+++\ntitle = \"One\"\nslug = \"same\"\n+++\n\nFirst text.\n",
    );
    let second = fx.file(
        "b.md",
        b"+++\ntitle = \"Two\"\nslug = \"same\"\n+++\n\nSecond text.\n",
    );
    let identical = fx.file(
        "c.md",
        b"+++\ntitle = \"One\"\nslug = \"same\"\n+++\n\nFirst text.\n",
    );
    let report = fx.import(&[first.clone(), second, identical]);
    assert_eq!(
        report.summary_line(),
        "1 imported, 0 updated, 1 unchanged, 1 failed"
    );
    let (file, reason) = report.failed().next().unwrap();
    assert!(file.ends_with("b.md"));
    assert!(
        reason.contains("slug 'same'") && reason.contains("a.md"),
        "{reason}"
    );
    let stored = fx.store.find_briefing("same").unwrap().unwrap();
    assert_eq!(stored.briefing.title, "One");
    assert!(matches!(report.files[2].result, FileResult::Saved { .. }));
}
