//! The `briefbot` binary, run as a person or a script would.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("library.db")
    }

    /// Runs briefbot in the temp folder with an empty new database.
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_samples(args, false)
    }

    fn run_with_samples(&self, args: &[&str], samples: bool) -> Output {
        self.run_with_env(args, samples, &[])
    }

    fn run_with_env(&self, args: &[&str], samples: bool, env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_briefbot"))
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .env_remove("BRIEFBOT_CONFIG")
            .env_remove("BRIEFBOT_DB")
            .env(
                "BRIEFBOT_LOAD_SAMPLES",
                if samples { "true" } else { "false" },
            )
            .env("BRIEFBOT_LOG", "warn")
            .arg("--db")
            .arg(self.db())
            .args(args)
            .output()
            .expect("briefbot runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "briefbot {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("valid JSON")
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("briefings")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn import_then_show_prints_every_section_of_the_seed() {
    let Some(seed) = support::shared_file(support::SEED) else {
        return;
    };
    let cli = Cli::new();
    let report = cli.ok(&["import", s(&seed)]);
    assert!(
        report.contains("1 imported, 0 updated, 0 unchanged, 0 failed"),
        "{report}"
    );

    let shown = cli.ok(&["show"]);
    for expected in [
        "Party Discipline Meets Industrial Strategy: Northern Rare Earths Tightens Ideological Controls in Rare Earth Sector",
        "Highlights",
        "Liu Peixun leads top-down ideological inspection",
        "In a rare publicized move",
        "REEx: Implications",
        "Risk to JV Partners and IP",
        "Key Questions",
        "3. Should U.S. and EU policymakers",
        "it’s the operating system.",
        "Source: Rare Earth Exchanges",
    ] {
        assert!(shown.contains(expected), "show lacks {expected:?}:\n{shown}");
    }
    assert!(!shown.contains("Leave a Reply") && !shown.contains("opens in a new tab"));
}

#[test]
fn show_json_has_the_documented_shape() {
    let cli = Cli::new();
    cli.ok(&[
        "import",
        s(&samples_dir().join("003-river-freight-drought.md")),
    ]);
    let b = cli.json(&["show", "rhine-freight-drought", "--json"]);
    assert!(b["id"].is_i64());
    assert_eq!(b["slug"], "rhine-freight-drought");
    assert_eq!(
        b["title"],
        "Low Water, High Stakes: Rhine Freight Adapts to Drier Summers"
    );
    assert_eq!(b["published"], "2025-09-02");
    assert_eq!(b["source"]["name"], "Inland Routes");
    assert!(b["source"]["tagline"]
        .as_str()
        .unwrap()
        .starts_with("Reporting on the rivers"));
    assert_eq!(
        b["source"]["url"],
        "https://example.org/inland-routes/rhine-freight-drought"
    );
    assert_eq!(
        b["categories"],
        serde_json::json!(["Logistics", "Europe", "Climate"])
    );
    assert_eq!(b["highlights"].as_array().unwrap().len(), 3);
    let body = b["body"].as_array().unwrap();
    assert!(body[0].get("heading").is_none());
    assert!(body[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("The gauge at Kaub"));
    assert_eq!(body[2]["heading"], "What Changed Since 2018");
    assert_eq!(b["implications"]["caption"], "Inland Routes: Implications");
    assert_eq!(
        b["implications"]["columns"],
        serde_json::json!(["Inland Routes: Implications", "Summary"])
    );
    assert_eq!(
        b["implications"]["rows"][0]["heading"],
        "Forecasts Become Contracts"
    );
    assert!(b["implications"]["rows"][0]["summary"]
        .as_str()
        .unwrap()
        .starts_with("Freight contracts"));
    let questions = b["key_questions"].as_array().unwrap();
    assert_eq!(questions.len(), 3);
    assert!(questions
        .iter()
        .all(|q| q["id"].is_i64() && q["text"].is_string()));
    assert!(b["closing"]
        .as_str()
        .unwrap()
        .starts_with("The river will keep running low"));
}

#[test]
fn export_then_reimport_is_identical() {
    let cli = Cli::new();
    cli.ok(&["import", s(&samples_dir())]);
    let listing = cli.json(&["list", "--json"]);
    let items = listing["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        let id = item["id"].to_string();
        let exported = cli.ok(&["export", &id]);
        let file = cli.write(&format!("export-{id}.md"), &exported);
        // Same database: nothing changes.
        let again = cli.ok(&["import", s(&file)]);
        assert!(
            again.contains("0 imported, 0 updated, 1 unchanged"),
            "{again}"
        );
        // A fresh database: the same briefing, field for field.
        let other = Cli::new();
        other.ok(&["import", s(&file)]);
        let mut original = cli.json(&["show", &id, "--json"]);
        let mut copy = other.json(&["show", "--json"]);
        for b in [&mut original, &mut copy] {
            let map = b.as_object_mut().unwrap();
            for volatile in ["id", "imported_at", "updated_at", "key_questions"] {
                map.remove(volatile);
            }
        }
        assert_eq!(original, copy);
    }
}

#[test]
fn a_failed_file_is_reported_and_makes_the_exit_code_non_zero() {
    let cli = Cli::new();
    let good = samples_dir().join("004-municipal-fiber.md");
    let bad = cli.write("empty.txt", "");
    let output = cli.run(&["import", s(&good), s(&bad)]);
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("empty.txt: the file is empty"), "{stdout}");
    assert!(
        stdout.contains("1 imported, 0 updated, 0 unchanged, 1 failed"),
        "{stdout}"
    );
    let report = cli.run(&["import", s(&good), s(&bad), "--json"]);
    let json: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(json["files"][0]["status"], "saved");
    assert_eq!(json["files"][0]["outcome"], "unchanged");
    assert_eq!(json["files"][1]["status"], "failed");
}

#[test]
fn a_missing_path_is_an_error_before_anything_is_imported() {
    let cli = Cli::new();
    let output = cli.run(&["import", "does-not-exist.txt"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("does-not-exist.txt: no such file or folder"));
}

#[test]
fn search_list_and_categories_for_scripts() {
    let cli = Cli::new();
    cli.ok(&["import", s(&samples_dir())]);
    let hits = cli.json(&["search", "barge", "rail", "--json"]);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["slug"], "rhine-freight-drought");
    assert!(hits[0]["snippet"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("barge"));

    let text = cli.ok(&["search", "zzzz"]);
    assert!(text.contains("No briefing matches 'zzzz'"));

    let europe = cli.json(&["list", "--category", "Europe", "--json"]);
    assert_eq!(europe["total"], 2);
    let page2 = cli.json(&["list", "--per-page", "3", "--page", "2", "--json"]);
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);

    let categories = cli.json(&["categories", "--json"]);
    assert_eq!(
        categories[0],
        serde_json::json!({"name": "Europe", "count": 2})
    );
}

#[test]
fn samples_go_only_into_a_library_that_asks_for_them() {
    let total = |cli: &Cli| cli.json(&["list", "--json"])["total"].clone();
    // Reading or importing into a new file adds nothing beside what was imported.
    let reader = Cli::new();
    let listing = reader.run_with_samples(&["list", "--json"], true);
    let listing: Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert_eq!(listing["total"], 0);
    let importer = Cli::new();
    let one = importer.write("one.md", "+++\ntitle = \"Mine\"\n+++\n\nBody.\n");
    let output = importer.run_with_samples(&["import", one.to_str().unwrap()], true);
    assert!(output.status.success());
    assert_eq!(total(&importer), 1);

    // `--samples` adds them to a library without briefings, and says so.
    let asked = Cli::new();
    let output = asked.run(&["--samples", "list", "--json"]);
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listing["total"], 4);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("Added 4 sample briefings"), "{said}");
    // ...but never beside real briefings.
    let output = importer.run(&["--samples", "list", "--json"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("already holds 1 briefing"), "{said}");
    assert_eq!(total(&importer), 1);

    // The console on a new database adds them and says so; on an existing
    // one (even an empty one) it adds nothing.
    let console = |cli: &Cli| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_briefbot"))
            .current_dir(cli.dir.path())
            .env_remove("BRIEFBOT_CONFIG")
            .env_remove("BRIEFBOT_DB")
            .env_remove("BRIEFBOT_LOAD_SAMPLES")
            .env("BRIEFBOT_LOG", "warn")
            .arg("--db")
            .arg(cli.db())
            .arg("console")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"/briefing list\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let fresh = Cli::new();
    let output = console(&fresh);
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("Added 4 sample briefings to the new library"),
        "{said}"
    );
    assert_eq!(total(&fresh), 4);
    let output = console(&reader);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!said.contains("sample"), "{said}");
    assert_eq!(total(&reader), 0);
}

#[test]
fn backup_copies_the_library() {
    let cli = Cli::new();
    cli.ok(&["import", s(&samples_dir())]);
    let restored = Cli::new();
    let said = cli.ok(&["backup", s(&restored.db())]);
    assert!(said.contains("Backed up"));
    assert_eq!(restored.json(&["list", "--json"])["total"], 4);
    assert_eq!(
        restored.json(&["search", "fibre", "--json"]),
        cli.json(&["search", "fibre", "--json"])
    );
}

#[test]
fn mistakes_get_messages_that_say_what_to_do() {
    let cli = Cli::new();
    let missing = cli.run(&["show", "nope"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("no briefing with id or slug 'nope'") && stderr.contains("briefbot search"),
        "{stderr}"
    );

    let empty = cli.run(&["show"]);
    assert!(String::from_utf8_lossy(&empty.stderr).contains("briefbot import"));

    let config = cli.write("bad.toml", "[import]\nmax_bytes = 3\n");
    let bad = cli.run(&["--config", s(&config), "list"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("max_bytes") && stderr.contains("line 2"),
        "{stderr}"
    );

    let help = cli.ok(&["--help"]);
    for command in [
        "import",
        "list",
        "show",
        "search",
        "export",
        "categories",
        "backup",
        "--db",
        "--config",
    ] {
        assert!(help.contains(command), "--help lacks {command}");
    }
    let import_help = cli.ok(&["import", "--help"]);
    assert!(import_help.contains("all or nothing") || import_help.contains("whole or not at all"));
}

#[test]
fn run_without_a_token_says_how_to_get_one_and_touches_nothing() {
    let cli = Cli::new();
    let output = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(cli.dir.path())
        .env_remove("DISCORD_TOKEN")
        .env_remove("BRIEFBOT_CONFIG")
        .args(["--db", "library.db", "run"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("No Discord bot token") && stderr.contains("developers/applications"),
        "{stderr}"
    );
    assert!(stderr.contains("briefbot console"), "{stderr}");
    assert!(
        !cli.dir.path().join("library.db").exists(),
        "no database is created for a run that cannot start"
    );

    let malformed = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(cli.dir.path())
        .env("DISCORD_TOKEN", "not-a-token")
        .args(["--db", "library.db", "run"])
        .output()
        .unwrap();
    assert!(!malformed.status.success());
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("malformed"));
}

#[test]
fn export_answers_writes_the_discussion_as_csv_or_json() {
    let cli = Cli::new();
    let answered_at = chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    {
        let mut store = briefbot::store::Store::open(&cli.db()).unwrap();
        let mut briefing = support::numbered(4);
        briefing.key_questions = vec!["Why, \"really\"?".into()];
        let (_, id) = store.save_briefing(&briefing).unwrap();
        let question = store
            .find_briefing(&id.to_string())
            .unwrap()
            .unwrap()
            .questions[0]
            .id;
        let answer = briefbot::store::NewAnswer {
            question_id: question,
            guild_id: Some(1),
            user_id: 7,
            user_name: "Ada".into(),
            text: "Line one,\nline two".into(),
        };
        store.add_answer(&answer, answered_at).unwrap();
    }
    let csv = cli.ok(&["export-answers", "--briefing", "numbered-4"]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("answer_id,"), "{csv}");
    assert!(
        lines[1].contains("\"Why, \"\"really\"\"?\"")
            && lines[1].contains("\"Line one,\nline two\""),
        "quoted per RFC 4180: {csv}"
    );
    let json = cli.json(&[
        "export-answers",
        "--format",
        "json",
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-24",
    ]);
    assert_eq!(json[0]["user_name"], "Ada");
    assert_eq!(json[0]["question_current"], true);
    // Times in ISO 8601 with their offset, in both formats.
    assert_eq!(json[0]["created_at"], "2026-11-24T12:00:00.000+00:00");
    assert_eq!(json[0]["edited_at"], serde_json::Value::Null);
    assert!(
        lines[1].contains("\"2026-11-24T12:00:00.000+00:00\""),
        "{csv}"
    );
    let bad = cli.run(&["export-answers", "--from", "24/11/2026"]);
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && said.contains("expected a day as YYYY-MM-DD"),
        "{said}"
    );
    let empty = cli.json(&["export-answers", "--format", "json", "--from", "2026-11-25"]);
    assert_eq!(empty, serde_json::json!([]));
    cli.ok(&["export-answers", "--output", "out.csv"]);
    assert!(std::fs::read_to_string(cli.dir.path().join("out.csv"))
        .unwrap()
        .contains("Ada"));
    // The same server's figures; another server has none.
    let figures = cli.ok(&["stats", "--server", "1"]);
    assert!(
        figures.contains("Numbered Briefing 4: 1 answer from 1 member"),
        "{figures}"
    );
    let one = cli.json(&[
        "stats",
        "--server",
        "1",
        "--briefing",
        "numbered-4",
        "--json",
    ]);
    assert_eq!(one["answers"], 1);
    assert_eq!(one["per_question"][0][1], 1);
    let other = cli.ok(&["stats", "--server", "2"]);
    assert!(other.contains("No answers in server 2"), "{other}");
}

#[test]
fn a_refused_import_leaves_no_new_database_behind() {
    let cli = Cli::new();
    let bad = cli.write("bad.md", "");
    let output = cli.run(&["--samples", "import", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(!cli.db().exists(), "a refused import created a database");
    let good = cli.write("good.md", "+++\ntitle = \"Kept\"\n+++\n\nBody.\n");
    let output = cli.run_with_samples(&["import", good.to_str().unwrap()], true);
    assert!(output.status.success());
    assert!(cli.db().exists());
}

#[test]
fn huge_page_numbers_do_not_overflow() {
    let cli = Cli::new();
    let output = cli.run(&["list", "--page", "18446744073709551615"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn backup_finishes_and_refuses_the_database_itself() {
    let cli = Cli::new();
    let good = cli.write("good.md", "+++\ntitle = \"Kept\"\n+++\n\nBody.\n");
    cli.ok(&["import", good.to_str().unwrap()]);
    let copy = cli.dir.path().join("copy.db");
    cli.ok(&["backup", copy.to_str().unwrap()]);
    let copied = briefbot::store::Store::open(&copy).unwrap();
    assert_eq!(copied.briefing_count().unwrap(), 1);
    // Overwriting an existing backup works too.
    cli.ok(&["backup", copy.to_str().unwrap()]);
    let output = cli.run(&["backup", cli.db().to_str().unwrap()]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("database itself"), "{error}");
    assert_eq!(
        briefbot::store::Store::open(&cli.db())
            .unwrap()
            .briefing_count()
            .unwrap(),
        1,
        "the database is intact"
    );
}

#[test]
fn invite_url_grants_exactly_the_permissions_the_bot_uses() {
    let cli = Cli::new();
    let url = cli.ok(&["invite-url", "--client-id", "123"]);
    let expected = briefbot::discord::invite_permissions(Default::default());
    assert_eq!(
        url.trim(),
        format!("https://discord.com/oauth2/authorize?client_id=123&scope=bot%20applications.commands&permissions={expected}")
    );
    let url = cli.ok(&["invite-url", "--client-id", "123", "--ping-any-role"]);
    let mention_everyone = 1 << 17;
    assert!(url
        .trim()
        .ends_with(&format!("permissions={}", expected | mention_everyone)));
    let url = cli.ok(&["invite-url", "--client-id", "123", "--webhooks"]);
    let manage_webhooks = 1 << 29;
    assert!(url
        .trim()
        .ends_with(&format!("permissions={}", expected | manage_webhooks)));
    let output = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(cli.dir.path())
        .env(
            "DISCORD_TOKEN",
            "MTEwMDAwMDAwMDAwMDAwMDAx.Gabcde.fghijklmnop",
        )
        .args(["invite-url"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("client_id=110000000000000001"));
    let output = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(cli.dir.path())
        .env_remove("DISCORD_TOKEN")
        .args(["invite-url"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--client-id"));
}

/// The README's command table is the one the declarations make: adding or
/// changing an option changes both, or this fails with the table to paste.
#[test]
fn the_readme_command_table_matches_the_declarations() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = "<!-- commands: made from src/handlers/commands -->\n";
    let end = "<!-- /commands -->";
    let from = readme
        .find(start)
        .expect("the README has the command table markers")
        + start.len();
    let to = readme[from..].find(end).expect("the table's end marker") + from;
    let expected = briefbot::handlers::commands::markdown_table();
    assert!(
        readme[from..to] == expected,
        "the README's command table is out of date; replace it with:\n{expected}"
    );
}

/// `source add`, `fetch` and `source list` against a publisher on loopback
/// (reachable because the test allows private addresses, as an operator
/// with a LAN feed server would).
#[test]
fn following_a_feed_from_the_command_line() {
    use support::site::{Resource, Site};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let feed = site.fixture("feed-excerpt.xml");
    site.serve(
        "/feed/",
        Resource::ok(
            support::site::without_first_item(&feed),
            "application/rss+xml",
        ),
    );
    for (path, page) in [
        ("/2025/10/14/harbour-batteries/", "harbour-batteries.html"),
        ("/ledger-to-mine/", "cobalt-ledger.html"),
        ("/rivers-and-freight/", "plain-article.html"),
    ] {
        site.serve(path, Resource::ok(site.fixture(page), "text/html"));
    }
    let cli = Cli::new();
    let private = [("BRIEFBOT_SOURCES_ALLOW_PRIVATE", "true")];
    let url = site.url("/feed/");

    // Without the setting, the bot's own machine is out of bounds.
    let refused = cli.run(&["source", "add", &url]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("loopback") && stderr.contains("allow_private"),
        "{stderr}"
    );

    // Refused before anything is stored, and the message says so.
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("Nothing was stored"), "{stderr}");
    assert_eq!(
        cli.json(&["source", "list", "--json"]),
        serde_json::json!([])
    );

    // Stored but failing at once: non-zero, and it says how to remove it.
    site.serve("/gone/", Resource::status(404));
    let failing = cli.run_with_env(&["source", "add", &site.url("/gone/")], false, &private);
    assert!(!failing.status.success());
    let stderr = String::from_utf8_lossy(&failing.stderr);
    assert!(
        stderr.contains("stored as #1") && stderr.contains("briefbot source remove 1"),
        "{stderr}"
    );
    cli.ok(&["source", "remove", "1"]);

    let added = cli.run_with_env(
        &[
            "source",
            "add",
            &url,
            "--name",
            "Grid Desk",
            "--every",
            "15m",
            "--category",
            "Watched",
        ],
        false,
        &private,
    );
    let stdout = String::from_utf8_lossy(&added.stdout);
    assert!(
        added.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(
        stdout.contains(": Grid Desk (every 15 minutes)"),
        "{stdout}"
    );
    let grid = cli.json(&["source", "list", "--json"])[0]["id"].to_string();
    assert!(
        stdout.contains(&format!("Following source {grid}:")),
        "{stdout}"
    );
    assert_eq!(stdout.matches("not posted").count(), 2, "{stdout}");
    // Progress is for terminals: piped, nothing redraws a line.
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );

    // A dry run stores nothing and shows the article as `show` would.
    let before = cli.json(&["list", "--json"])["total"].clone();
    assert_eq!(before, 2, "the feed's two articles");
    let check = cli.run_with_env(
        &[
            "source",
            "check",
            &site.url("/2025/10/14/harbour-batteries/"),
        ],
        false,
        &private,
    );
    let shown = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{shown}");
    assert!(
        shown.contains("(not stored) harbour-batteries") && shown.contains("Key Questions"),
        "{shown}"
    );
    assert_eq!(
        cli.json(&["list", "--json"])["total"],
        before,
        "the dry run stored nothing"
    );

    // The publisher adds an article: `fetch` imports it (and only it).
    site.serve("/feed/", Resource::ok(feed.clone(), "application/rss+xml"));
    let fetched = cli.run_with_env(&["fetch", "--all"], false, &private);
    let lines = String::from_utf8_lossy(&fetched.stdout).to_string();
    assert!(fetched.status.success(), "{lines}");
    assert!(
        lines
            .lines()
            .any(|l| l.starts_with("imported") && l.contains("Harbour Batteries")),
        "{lines}"
    );
    assert_eq!(
        lines.lines().filter(|l| l.starts_with("unchanged")).count(),
        2,
        "{lines}"
    );
    let harbour = cli.json(&[
        "show",
        "harbour-batteries-coastal-grid-operators-race-to-store-offshore-wind-surplus",
        "--json",
    ]);
    assert!(
        harbour["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "Watched"),
        "{harbour}"
    );

    // A dry run of an article already imported says so.
    let check = cli.run_with_env(
        &["source", "check", &site.url("/ledger-to-mine/")],
        false,
        &private,
    );
    let shown = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{shown}");
    let stored = cli.json(&[
        "show",
        "ledger-to-mine-cobalt-buyers-test-shipment-level-traceability",
        "--json",
    ]);
    assert!(
        shown.contains(&format!("(already in the library as #{}", stored["id"])),
        "{shown}"
    );

    // Importing by hand a page the feed already gave keeps the feed's
    // categories, which the page does not give.
    let rivers = site.url("/rivers-and-freight/");
    let imported = cli.run_with_env(&["import-url", &rivers], false, &private);
    let said = String::from_utf8_lossy(&imported.stdout);
    assert!(imported.status.success(), "{said}");
    assert!(said.contains("kept the categories"), "{said}");
    let kept = cli.json(&["show", "why-rivers-matter-to-freight", "--json"]);
    assert_eq!(
        kept["categories"],
        serde_json::json!(["Logistics", "Watched"]),
        "{kept}"
    );

    // The list says when, in words: a fetch just now is not "in 0 seconds".
    let listed = cli.ok(&["source", "list"]);
    assert!(
        listed.contains("last fetch")
            && (listed.contains(" ago)") || listed.contains("(just now)")),
        "{listed}"
    );
    assert!(!listed.contains("in 0 seconds"), "{listed}");

    // `source enable` does what its --help says.
    let help = cli.ok(&["source", "enable", "--help"]);
    let enabled = cli.ok(&["source", "enable", &grid]);
    for words in ["due at once", "within a minute", "briefbot fetch"] {
        assert!(
            help.replace('\n', " ").replace("  ", " ").contains(words),
            "{help}"
        );
        assert!(enabled.contains(words), "{enabled}");
    }

    // A failing source makes `fetch` exit non-zero, and `list` says why.
    site.serve("/feed/", Resource::status(500));
    let failed = cli.run_with_env(&["fetch", "--all"], false, &private);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stdout).contains("the server answered 500"));
    let list = cli.json(&["source", "list", "--json"]);
    assert_eq!(list[0]["failures"], 1, "{list}");
    assert_eq!(list[0]["interval_seconds"], 900);
    cli.ok(&["source", "disable", &grid]);
    assert_eq!(cli.json(&["source", "list", "--json"])[0]["enabled"], false);
    cli.ok(&["source", "remove", &grid]);
    assert_eq!(
        cli.json(&["source", "list", "--json"]),
        serde_json::json!([])
    );
    drop(runtime);
}

/// `briefbot list | head -1`: a reader that stops early is not an error
/// (no "Broken pipe"), for text and JSON alike.
#[test]
fn a_closed_output_ends_quietly() {
    let cli = Cli::new();
    cli.ok(&["import", s(&samples_dir())]);
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show"],
        &["categories"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        // Closed before briefbot writes a byte, so its first write fails.
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_briefbot"))
            .current_dir(cli.dir.path())
            .env_remove("BRIEFBOT_CONFIG")
            .env("BRIEFBOT_LOG", "warn")
            .arg("--db")
            .arg(cli.db())
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Every argument and option of every command says what it is for.
#[test]
fn every_option_in_help_has_a_description() {
    let cli = Cli::new();
    let top = cli.ok(&["--help"]);
    let mut commands: Vec<Vec<String>> = vec![vec![]];
    let listed = |help: &str| -> Vec<String> {
        help.split("Commands:\n")
            .nth(1)
            .map(|list| {
                list.lines()
                    .take_while(|l| l.starts_with("  "))
                    // Wrapped descriptions are indented further.
                    .filter(|l| !l.starts_with("   "))
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|name| *name != "help")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    for name in listed(&top) {
        let help = cli.ok(&[&name, "--help"]);
        for sub in listed(&help) {
            commands.push(vec![name.clone(), sub]);
        }
        commands.push(vec![name]);
    }
    assert!(commands.len() > 15, "{commands:?}");
    for command in commands {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let help = cli.ok(&args);
        let lines: Vec<&str> = help.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let entry = line.trim_start();
            let is_entry = line.starts_with("  ")
                && !line.starts_with("          ")
                && (entry.starts_with('-') || entry.starts_with('<') || entry.starts_with('['));
            if is_entry {
                let next = lines.get(i + 1).copied().unwrap_or("");
                // On the same line (short help) or on the next (long help).
                let inline = entry
                    .split_once("  ")
                    .is_some_and(|(_, d)| !d.trim().is_empty());
                assert!(
                    inline || (next.starts_with("          ") && !next.trim().is_empty()),
                    "briefbot {}: '{}' has no description",
                    command.join(" "),
                    entry
                );
            }
        }
    }
}

#[test]
fn operator_mistakes_name_the_cause() {
    let cli = Cli::new();
    let token = cli.run_with_env(&["invite-url"], false, &[("DISCORD_TOKEN", "foo")]);
    let said = String::from_utf8_lossy(&token.stderr);
    assert!(!token.status.success());
    assert!(said.contains("token is malformed"), "{said}");
    cli.ok(&["import", s(&samples_dir())]);
    let backup = cli.run(&["backup", "no-such-folder/copy.db"]);
    let said = String::from_utf8_lossy(&backup.stderr);
    assert!(!backup.status.success());
    assert!(
        said.contains("the folder no-such-folder does not exist") && !said.contains(".partial"),
        "{said}"
    );
    let typo = cli.run_with_env(
        &["list"],
        false,
        &[
            ("BRIEFBOT_POSTNG_MAX_ATTEMPTS", "3"),
            ("BRIEFBOT_LOG", "warn"),
        ],
    );
    let said = String::from_utf8_lossy(&typo.stderr);
    assert!(
        said.contains("BRIEFBOT_POSTNG_MAX_ATTEMPTS is not a setting")
            && said.contains("did you mean BRIEFBOT_POSTING_MAX_ATTEMPTS?"),
        "{said}"
    );
}

/// `briefbot questions …` runs the declared `/questions` commands as a
/// moderator of the server it names: one server's questions stay its own,
/// bad input changes nothing, and `--help` comes from the declarations.
#[test]
fn a_servers_questions_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&["import", s(&samples_dir())]);
    let first = cli.json(&["list", "--json"])["items"][0]["id"]
        .as_i64()
        .unwrap();
    let briefing = first.to_string();
    let b = briefing.as_str();

    let added = cli.ok(&[
        "questions",
        "add",
        "--server",
        "7",
        "--briefing",
        b,
        "--text",
        "What would change your mind?",
    ]);
    assert!(added.contains("Added question q"), "{added}");
    let id = added
        .split("question q")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let q = format!("q{id}");

    let listed = cli.ok(&["questions", "list", "--server", "7", "--briefing", b]);
    assert!(
        listed.contains("What would change your mind?") && listed.contains("asked here"),
        "{listed}"
    );
    let elsewhere = cli.ok(&["questions", "list", "--server", "8", "--briefing", b]);
    assert!(
        !elsewhere.contains("What would change your mind?"),
        "{elsewhere}"
    );

    // Another server's moderator cannot edit it, nor learn that it exists.
    let refused = cli.run(&[
        "questions",
        "edit",
        "--server",
        "8",
        "--briefing",
        b,
        "--question",
        &q,
        "--text",
        "Hijacked?",
    ]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains(&format!("has no question '{q}'")), "{said}");

    // Too long: refused with the bound, nothing stored.
    let long = "why ".repeat(100);
    let refused = cli.run(&[
        "questions",
        "add",
        "--server",
        "7",
        "--briefing",
        b,
        "--text",
        &long,
    ]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("at most"), "{said}");

    cli.ok(&[
        "questions",
        "edit",
        "--server",
        "7",
        "--briefing",
        b,
        "--question",
        &q,
        "--text",
        "What would change it?",
    ]);
    let retired = cli.ok(&[
        "questions",
        "retire",
        "--server",
        "7",
        "--briefing",
        b,
        "--question",
        &q,
    ]);
    assert!(
        retired.contains(&format!("Retired question {q}")),
        "{retired}"
    );
    let listed = cli.ok(&["questions", "list", "--server", "7", "--briefing", b]);
    assert!(
        listed.contains("retired: What would change it?"),
        "{listed}"
    );
    assert!(!listed.contains("why why"), "{listed}");
    assert!(!cli
        .ok(&["questions", "list", "--server", "8", "--briefing", b])
        .contains("change it"));

    // The flags and their help are the declaration's.
    let help = cli.ok(&["questions", "add", "--help"]);
    assert!(
        help.contains("--server <ID>") && help.contains("--briefing") && help.contains("--text"),
        "{help}"
    );
    let help = cli.ok(&["questions", "--help"]);
    for leaf in ["add", "edit", "retire", "list"] {
        assert!(help.contains(leaf), "{help}");
    }
    let missing = cli.run(&["questions", "add", "--briefing", b, "--text", "x"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--server"));
}
