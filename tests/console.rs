//! `briefbot console` run as a script: lines on standard input, replies out.

use std::io::Write;
use std::process::{Command, Stdio};

fn console(dir: &std::path::Path, input: &str) -> (String, String) {
    let (out, err, _) = console_run(dir, input);
    (out, err)
}

/// The console's output, its log and whether it exited successfully.
fn console_run(dir: &std::path::Path, input: &str) -> (String, String, bool) {
    console_logging(dir, input, "warn")
}

/// [`console_run`] with the log at `log`.
fn console_logging(dir: &std::path::Path, input: &str, log: &str) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir)
        .env_remove("BRIEFBOT_CONFIG")
        .env_remove("BRIEFBOT_DB")
        .env_remove("BRIEFBOT_LOAD_SAMPLES")
        .env("BRIEFBOT_LOG", log)
        .args(["--db", "library.db", "console"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("briefbot runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.success(),
    )
}

#[test]
fn a_piped_console_exits_non_zero_when_a_command_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, ok) = console_run(dir.path(), "/briefing latest\n/help\n");
    assert!(ok, "{err}");
    let (_, _, ok) = console_run(
        dir.path(),
        "/briefing latest\n/briefing read no-such-thing-at-all\n",
    );
    assert!(!ok, "a refused command makes the script fail");
}

/// Channel names as Discord allows them (up to 100 characters, beyond
/// a-z) read back as typed after a restart; a script run after another
/// takes over nothing (the first released its delivery lease).
#[test]
fn long_channel_names_survive_a_restart_and_runs_follow_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("announcements-{}", "x".repeat(86));
    assert_eq!(long.chars().count(), 100);
    let (out, err, ok) = console_logging(
        dir.path(),
        &format!("/subscribe add #{long}\n/subscribe add #Équipe\n"),
        "info",
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("#{long} will get")), "{out}");
    let (out, err, ok) = console_logging(dir.path(), "/subscribe list\n", "info");
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("#{long} ·")) && out.contains("#équipe ·"),
        "{out}"
    );
    assert!(!err.contains("taking over"), "{err}");
    let (out, _, ok) = console_run(
        dir.path(),
        &format!("/subscribe add #{long}y\n/subscribe add #no!\n"),
    );
    assert!(!ok);
    assert!(
        out.contains("1 to 100 characters") && out.contains("'!'"),
        "{out}"
    );
}

#[test]
fn a_mistyped_option_is_refused_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, ok) = console_run(
        dir.path(),
        "/schedule add channel:#news when:\"in 2h\" timzone:Asia/Tokyo\n/schedule list\n",
    );
    assert!(!ok);
    assert!(
        out.contains("Unknown option 'timzone'; nothing was done"),
        "{out}"
    );
    assert!(out.contains("No schedules"), "nothing was stored:\n{out}");
}

#[test]
fn latest_prints_the_newest_sample_in_full_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = console(dir.path(), "/briefing latest\n");
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("briefings/004-municipal-fiber.md"),
    )
    .unwrap();
    let parsed = briefbot::domain::parse_text(&sample, &Default::default())
        .unwrap()
        .briefing;
    assert!(out.starts_with(&parsed.title), "{out}");
    for text in parsed
        .highlights
        .iter()
        .chain(parsed.body.iter().map(|b| &b.text))
        .chain(parsed.key_questions.iter())
        .chain(
            parsed
                .implications
                .iter()
                .flat_map(|t| t.rows.iter().flat_map(|r| [&r.heading, &r.summary])),
        )
        .chain(parsed.closing.iter())
    {
        assert!(out.contains(text.as_str()), "missing {text:?} in:\n{out}");
    }
    assert!(
        out.contains("Nov 18, 2025") && out.contains("Civic Tech Notes · Infrastructure, Telecoms")
    );
    assert!(
        !out.contains("**") && !out.contains('\\'),
        "Markdown leaked into the console:\n{out}"
    );
}

#[test]
fn buttons_are_numbered_choices_and_errors_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = (0..12)
        .map(|n| {
            let path = dir.path().join(format!("{n}.md"));
            std::fs::write(
                &path,
                format!(
                    "+++\ntitle = \"Extra Briefing {n}\"\ndate = 2020-01-{:02}\n+++\n\nText {n}.\n",
                    n + 1
                ),
            )
            .unwrap();
            path.display().to_string()
        })
        .collect();
    let status = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir.path())
        .env("BRIEFBOT_LOG", "warn")
        .args(["--db", "library.db", "--samples", "import"])
        .args(&files)
        .output()
        .unwrap();
    assert!(status.status.success());

    let (out, _) = console(
        dir.path(),
        "/briefing list\n2\n7\n/briefing read\n/nonsense\nquit\n/briefing latest\n",
    );
    assert!(out.contains("Page 1 of 2 · 16 briefings"), "{out}");
    // Only pressable buttons are listed, each with the number it has on
    // every page.
    assert!(out.contains("\n[2] Next   (type a number"), "{out}");
    assert!(!out.contains("[-]"), "{out}");
    assert!(out.contains("Page 2 of 2"), "pressing 2 pages on:\n{out}");
    assert!(out.contains("\n[1] Previous   (type a number"), "{out}");
    assert!(out.contains("(only you can see this) There is no choice 7 on screen."));
    assert!(out.contains("(only you can see this) That command needs a briefing"));
    assert!(out.contains("(only you can see this) Unknown command /nonsense"));
    // Nothing after quit runs.
    assert_eq!(out.matches("Open Access Fibre").count(), 1, "{out}");
}

#[test]
fn a_schedule_made_in_the_console_posts_into_its_simulated_channel() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = console(
        dir.path(),
        "/settings timezone europe/berlin\n\
         /schedule add channel:#news when:\"in 30m\" post:digest count:2\n\
         /schedule add channel:#news when:\"2020-01-01 09:00\"\n\
         /schedule list\n\
         /schedule preview 1\n\
         /schedule run-now 1\n\
         /wait 10\n\
         /schedule log\n\
         /schedule cancel 1\n\
         1\n\
         /schedule list\n",
    );
    assert!(
        out.contains("The server's time zone is now Europe/Berlin."),
        "{out}"
    );
    assert!(out.contains("Schedule #1 added: once"), "{out}");
    assert!(
        out.contains(
            "(Europe/Berlin, the server's zone) in #news, posting a digest of the newest 2"
        ),
        "{out}"
    );
    assert!(out.contains("which has passed in Europe/Berlin"), "{out}");
    assert!(
        out.contains("Preview of schedule #1; nothing has been posted."),
        "{out}"
    );
    let post = out
        .find("── new post in #news ──")
        .unwrap_or_else(|| panic!("no post arrived:\n{out}"));
    assert!(
        out[post..].contains("Briefing digest: the newest 2"),
        "{out}"
    );
    assert!(out[post..].contains("Open Access Fibre"), "{out}");
    assert!(
        out.contains("#news digest of 2 (run-now of #1) · sent"),
        "{out}"
    );
    assert!(out.contains("[1] Cancel schedule #1  [2] Keep it"), "{out}");
    assert!(out.contains("Schedule #1 is cancelled."), "{out}");
    assert!(
        out.trim_end()
            .ends_with("No schedules. /schedule add creates one: once, daily, weekly or by cron."),
        "{out}"
    );
    assert!(
        !out.contains("<t:") && !out.contains("<#"),
        "Discord markup leaked:\n{out}"
    );
}

#[test]
fn the_console_discusses_a_posted_briefing_with_the_form_as_a_prompt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("q.md"),
        "+++\ntitle = \"Water Rights Reform\"\nslug = \"water-rights\"\ndate = 2026-11-20\ncategories = [\"Policy\"]\n+++\n\nSome text.\n\n## Key Questions\n\n- Will farmers accept it?\n- Who pays for the meters?\n",
    )
    .unwrap();
    let (out, _) = console(
        dir.path(),
        "/subscribe add #news\n\
         /briefing import q.md\n\
         /wait 10\n\
         2\n\
         They all pay, @everyone **really**.\n\
         /answer to briefing:water-rights question:1 text:\"Most will.\"\n\
         /answer to briefing:water-rights question:1 text:\"   \"\n\
         /discussion water-rights\n\
         /answer edit answer:2 text:\"Most will, slowly.\"\n\
         /moderate export water-rights\n\
         /forget-me\n\
         1\n\
         /discussion water-rights\n",
    );
    assert!(out.contains("── new post in #thread-1 ──"), "{out}");
    assert!(
        out.contains("Key question 2\nWho pays for the meters?\n\n[2] Answer"),
        "{out}"
    );
    assert!(
        out.contains("Your answer: Answer (up to 4000 characters). Type it on the next line."),
        "{out}"
    );
    assert!(
        out.contains("Saved your answer #1 to “Who pays for the meters?”"),
        "{out}"
    );
    assert!(out.contains("── posted in the discussion ──\nyou answered “Who pays for the meters?”\nThey all pay, @everyone **really**."), "{out}");
    assert!(
        out.contains("Saved your answer #2 to “Will farmers accept it?”"),
        "{out}"
    );
    assert!(out.contains("An answer needs some text."), "{out}");
    assert!(
        out.contains("1. Will farmers accept it? · 1 answer"),
        "{out}"
    );
    assert!(out.contains("Updated answer #2"), "{out}");
    assert!(out.contains("2 answers:\nanswer_id,briefing_id"), "{out}");
    assert!(out.contains("\"Most will, slowly.\""), "{out}");
    assert!(
        out.contains("your 2 answers and everything stored with them are deleted"),
        "{out}"
    );
    let after = &out[out.find("are deleted").unwrap()..];
    assert!(
        after.contains("Page 1 of 1 · 0 answers from 0 members · newest first"),
        "{out}"
    );
}

/// The console commands the README's quick start names, as written there.
fn quick_start_examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("In the console type")
        .expect("the quick start names console commands");
    let rest = &readme[start..];
    // The paragraph's `/…` commands in backticks.
    let paragraph = &rest[..rest.find("\n\n").unwrap()];
    let mut commands: Vec<String> = paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with('/'))
        .map(str::to_string)
        .collect();
    // Then the block of commands after it. `/wait 150` waits for the
    // schedule made two minutes ahead: left out to keep the suite quick.
    let block = &rest[rest.find("```text\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    commands.extend(
        block
            .lines()
            .filter(|l| l.starts_with('/') && !l.starts_with("/wait"))
            .map(str::to_string),
    );
    commands
}

#[test]
fn the_readmes_console_examples_work_as_written() {
    let commands = quick_start_examples();
    assert!(commands.len() >= 6, "{commands:?}");
    let dir = tempfile::tempdir().unwrap();
    for command in &commands {
        let (out, err, ok) = console_run(dir.path(), &format!("{command}\n"));
        assert!(ok, "{command} was refused or failed:\n{out}\n{err}");
        assert!(!out.contains("No briefing matches"), "{command}:\n{out}");
    }
}

/// Every declared example runs (against the samples) without a handler
/// reading an option its command does not declare: in a debug build such
/// a read panics, so this walks every handler's option accessors. Examples
/// that would reach the network (`/source …` with an address) are left out.
#[test]
fn every_declared_example_runs_without_reading_an_undeclared_option() {
    let dir = tempfile::tempdir().unwrap();
    let examples: Vec<&str> = briefbot::handlers::commands::COMMANDS
        .iter()
        .flat_map(|spec| spec.examples.iter().copied())
        .filter(|example| !example.contains("http"))
        .collect();
    assert!(examples.len() > 20, "{examples:?}");
    let script = examples.join("\n") + "\n";
    let (out, err, _) = console_run(dir.path(), &script);
    assert!(
        !err.contains("panicked") && !err.contains("does not declare"),
        "{err}\n{out}"
    );
    // Each example got an answer (a reply or a refusal), none was cut off.
    assert!(
        out.matches("(only you can see this)").count() + out.matches("──").count()
            >= examples.len(),
        "{out}"
    );
}
