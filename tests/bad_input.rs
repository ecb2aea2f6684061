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
        b"+++\ntitle = \"T\"\nwriter = \"me\"\n+++\n",
        "unknown field `writer`",
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

// ---- Data that looks valid but is not ----

#[test]
fn dates_outside_four_digit_years_are_refused() {
    for date in ["-0001-01-01", "+10000-01-01", "0999-12-31"] {
        let text = format!("+++\ntitle = \"Odd Date\"\ndate = \"{date}\"\n+++\n\nBody.\n");
        let mut fx = Fixture::new();
        let file = fx.file("odd.md", text.as_bytes());
        let report = fx.import(&[file]);
        let reason = report.failed().next().map(|(_, r)| r.to_string());
        assert!(
            reason
                .as_deref()
                .is_some_and(|r| r.contains("date") || r.contains("years")),
            "{date}: {report:#?}"
        );
    }
}

#[test]
fn a_url_that_is_not_absolute_http_is_refused() {
    for (url, says) in [
        ("javascript:alert(1)", "not an http"),
        ("not a url", "not an http"),
        ("https://", "no host"),
    ] {
        let text = format!("+++\ntitle = \"Bad Link\"\nurl = \"{url}\"\n+++\n\nBody.\n");
        assert_rejected("link.md", text.as_bytes(), says);
    }
}

#[test]
fn a_briefing_over_the_bounds_is_refused_with_the_reason() {
    let mut text = String::from("+++\ntitle = \"Many Questions\"\n+++\n\n## Key Questions\n\n");
    for n in 1..=1000 {
        text.push_str(&format!("{n}. Question number {n}?\n"));
    }
    assert_rejected("many.md", text.as_bytes(), "Key Questions");
    let body = "A sentence of body text. ".repeat(20_000);
    let text = format!("+++\ntitle = \"Huge Body\"\n+++\n\n{body}\n");
    assert_rejected("huge.md", text.as_bytes(), "body");
}

#[test]
fn categories_are_trimmed_and_deduplicated_and_controls_stripped() {
    let mut fx = Fixture::new();
    // TOML writes control characters as \u escapes; the body holds them raw.
    let text = "+++\ntitle = \"Bell\\u0007 and \\u001b[31mEscape\"\ncategories = [\" Energy \", \"energy\", \"\", \"ENERGY\", \"Policy\"]\n+++\n\nBody\u{1b}[2J text.\n";
    let file = fx.file("clean.md", text.as_bytes());
    let report = fx.import(&[file]);
    assert_eq!(report.failed_count(), 0, "{report:#?}");
    let stored = fx.store.latest_briefing(None).unwrap().unwrap().briefing;
    assert_eq!(stored.categories, ["Energy", "Policy"]);
    assert_eq!(stored.title, "Bell and [31mEscape");
    assert!(!format!("{stored:?}").contains('\u{1b}'));
}

#[test]
fn titles_in_other_scripts_get_a_readable_slug_and_digits_never_shadow_ids() {
    let mut fx = Fixture::new();
    let files = vec![
        fx.file(
            "ru.md",
            "+++\ntitle = \"Редкоземельные металлы\"\n+++\n\nТекст.\n".as_bytes(),
        ),
        fx.file(
            "zh.md",
            "+++\ntitle = \"稀土出口\"\n+++\n\n文本。\n".as_bytes(),
        ),
        fx.file("three.md", "+++\ntitle = \"3\"\n+++\n\nThree.\n".as_bytes()),
        fx.file(
            "stars.md",
            "+++\ntitle = \"★★★\"\n+++\n\nStars.\n".as_bytes(),
        ),
    ];
    let report = fx.import(&files);
    assert_eq!(report.failed_count(), 0, "{report:#?}");
    let slugs: Vec<String> = report
        .files
        .iter()
        .map(|f| match &f.result {
            FileResult::Saved { slug, .. } => slug.clone(),
            FileResult::Failed { reason } => panic!("{reason}"),
        })
        .collect();
    assert_eq!(slugs[0], "redkozemel-nye-metally");
    assert!(slugs[1].starts_with("xi-tu"), "{}", slugs[1]);
    assert_eq!(slugs[2], "briefing-3");
    assert!(slugs[3].starts_with("briefing-"), "{}", slugs[3]);
    // Id 3 and the slug of the briefing titled "3" are different briefings.
    let by_slug = fx.store.find_briefing("briefing-3").unwrap().unwrap();
    assert_eq!(by_slug.briefing.title, "3");
}

// ---- The importer and the filesystem ----

#[cfg(unix)]
#[test]
fn links_back_up_the_tree_end_and_import_each_file_once() {
    let fx = Fixture::new();
    let root = fx.dir.path().join("tree");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::write(root.join("a/one.md"), GOOD).unwrap();
    std::os::unix::fs::symlink(&root, root.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink(root.join("a"), root.join("a/b/again")).unwrap();
    let files = briefbot::import::collect_files(&[root]).unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read_and_never_past_the_limit() {
    let fx = Fixture::new();
    let fifo = fx.dir.path().join("blocked.md");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let error = briefbot::import::read_bounded(&fifo, 1024).unwrap_err();
        assert!(error.contains("not a regular file"), "{error}");
    }
    let error = briefbot::import::read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
    assert!(error.contains("not a regular file"), "{error}");
    let big = fx.file("big.md", &vec![b'a'; 2048]);
    let error = briefbot::import::read_bounded(&big, 1024).unwrap_err();
    assert!(error.contains("over the limit"), "{error}");
}

#[test]
fn a_file_name_cannot_forge_a_report_line() {
    let mut fx = Fixture::new();
    let file = fx.file("evil\n1 imported, 0 failed\u{1b}[2J.md", b"");
    let report = fx.import(&[file]);
    let (name, _) = report.failed().next().unwrap();
    assert!(!name.contains('\n') && !name.contains('\u{1b}'), "{name:?}");
    assert!(name.contains("\\n1 imported"), "{name:?}");
}
