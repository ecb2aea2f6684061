//! `briefbot run` as a process: it logs one line per command and stops
//! cleanly on SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use discord_double::{Double, APPLICATION_ID};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(20);

/// Sends SIGTERM and waits (bounded) for a clean exit; returns the log.
fn terminate(mut bot: std::process::Child, expect: &str) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stderr = bot.stderr.take().unwrap();
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(bot.wait());
    });
    let exit = exited.recv_timeout(LIMIT).expect(expect).unwrap();
    assert!(exit.success(), "{exit:?}");
    std::io::read_to_string(stderr).unwrap()
}

/// `briefbot run` against the double, once it has registered its commands.
async fn start(double: &Double, dir: &std::path::Path) -> std::process::Child {
    let bot = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir)
        .args(["--db", "library.db", "--samples", "run"])
        .env("DISCORD_TOKEN", "MTEwMDAw.process.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_LOG", "info")
        .env_remove("BRIEFBOT_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    double
        .wait_for_request(
            "PUT",
            &format!("applications/{APPLICATION_ID}/commands"),
            LIMIT,
        )
        .await
        .unwrap();
    bot
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_each_command_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let double = Double::start(None, 0).await.unwrap();
    let bot = start(&double, dir.path()).await;
    let latest = double
        .send_command(
            "briefing",
            json!([{ "name": "latest", "type": 1, "options": [] }]),
        )
        .unwrap();
    double.callback(&latest, LIMIT).await.unwrap();

    let log = terminate(bot, "the bot stops within the limit after SIGTERM");
    let line = log
        .lines()
        .find(|l| l.contains(" command=briefing latest "))
        .unwrap_or_else(|| panic!("no command line in the log:\n{log}"));
    assert!(
        line.contains("outcome=\"ok\"")
            && line.contains("ms=")
            && line.contains("user=440000000000000004"),
        "{line}"
    );
    // The first lines say what was opened and what runs.
    let starting = log
        .lines()
        .find(|l| l.contains(" starting "))
        .unwrap_or_else(|| panic!("no start-up summary:\n{log}"));
    assert!(
        starting.contains("database=library.db")
            && starting.contains("briefings=4")
            && starting.contains("subscriptions=0")
            && starting.contains("schedules=0")
            && starting.contains("sources=0")
            && starting.contains("shards=all"),
        "{starting}"
    );
    assert!(
        !log.contains('\u{1b}'),
        "no terminal colour codes in a piped log"
    );
    assert!(log.contains("shutting down"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stops_on_sigterm_while_discord_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let double = Double::start(None, 0).await.unwrap();
    let bot = start(&double, dir.path()).await;
    // The connection drops and every reconnection fails from now on.
    double.make_gateway_unreachable();
    double
        .wait_for(LIMIT, "a failed reconnection", |d| {
            (d.refused_gateway_connections() >= 1).then_some(())
        })
        .await
        .unwrap();
    let log = terminate(
        bot,
        "the bot stops after SIGTERM even while it cannot reach Discord",
    );
    assert!(log.contains("shutting down"), "{log}");
}
