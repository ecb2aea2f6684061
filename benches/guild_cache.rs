//! The bot's memory with many servers in its cache: `briefbot run` as its
//! own process against the Discord double, which sends GUILD_CREATEs for
//! `GUILDS` made-up servers (20 channels, 10 roles each) over as many shards
//! as Discord would recommend (one per 1,000 servers). The same bot with
//! only the test server, on the same number of shards, is the baseline; the
//! difference divided by the servers is the cost of one server.
//! `cargo bench --bench guild_cache` (option: GUILDS=10000).

#[path = "support/memory.rs"]
mod memory;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use discord_double::{Double, GENERATED_CHANNELS, GENERATED_ROLES};

/// Booting a shard takes five seconds (serenity waits that long between
/// IDENTIFYs, as Discord asks); the bound leaves room for that.
const BOOT_LIMIT: Duration = Duration::from_secs(180);

struct Run {
    shards: u64,
    servers: u64,
    memory: memory::Resident,
    /// The largest the bot was while the servers arrived.
    peak_kb: u64,
}

/// Runs the bot with `generated` servers besides the test one, on `shards`
/// shards, until every server is in its cache; returns its memory then.
async fn run(generated: u64, shards: u64, db: &Path) -> Run {
    let double = Double::start(None, 0).await.unwrap();
    double.set_shards(shards);
    double.add_generated_guilds(generated);
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_briefbot"));
    let mut bot = Command::new(&binary)
        .arg("--db")
        .arg(db)
        .arg("run")
        .env("DISCORD_TOKEN", "MTEwMDAw.load.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_LOG", "briefbot=info,warn")
        .env("BRIEFBOT_LOAD_SAMPLES", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("briefbot runs");
    // The bot logs how many servers it has each time none is still on its
    // way; wait for the line that counts them all.
    let expected = generated + 1;
    let (lines, arrived) = mpsc::channel();
    let stderr = bot.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("every server announced so far has arrived")
                && line.contains(&format!("servers={expected}"))
            {
                let _ = lines.send(());
            }
            if line.contains("ERROR") {
                eprintln!("bot: {line}");
            }
        }
    });
    let ready = tokio::task::spawn_blocking(move || arrived.recv_timeout(BOOT_LIMIT))
        .await
        .unwrap();
    let pid = bot.id();
    let memory = memory::resident(pid, &binary);
    let peak_kb = memory::status_kb(pid, "VmHWM:");
    let _ = bot.kill();
    let _ = bot.wait();
    assert!(
        ready.is_ok(),
        "the bot did not have all {expected} servers within {BOOT_LIMIT:?}"
    );
    Run {
        shards,
        servers: expected,
        memory,
        peak_kb,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let guilds: u64 = std::env::var("GUILDS")
        .ok()
        .and_then(|g| g.parse().ok())
        .unwrap_or(10_000);
    let shards = guilds.div_ceil(1_000).max(1);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let baseline = run(0, shards, &db).await;
    let loaded = run(guilds, shards, &db).await;
    for run in [&baseline, &loaded] {
        println!(
            "{:>6} servers on {} shards: {}; peak {:.1} MB",
            run.servers,
            run.shards,
            run.memory,
            run.peak_kb as f64 / 1024.0
        );
    }
    let added = loaded.memory.total_kb() as f64 - baseline.memory.total_kb() as f64;
    let anonymous = loaded.memory.anonymous_kb as f64 - baseline.memory.anonymous_kb as f64;
    println!(
        "{guilds} servers of {GENERATED_CHANNELS} channels and {GENERATED_ROLES} roles add {:.1} MB: {:.0} bytes per server ({:.0} of them anonymous)",
        added / 1024.0,
        added * 1024.0 / guilds as f64,
        anonymous * 1024.0 / guilds as f64,
    );
}
