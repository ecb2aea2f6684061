//! Scheduled delivery under Discord's limits: `briefbot run` as its own
//! process, 10,000 schedules due in the same minute across 500 channels,
//! the double enforcing 50 requests/s overall and 5 messages per 5 s per
//! channel. Reports how late the first and last posts were, how many 429s
//! the double had to send, and the bot's CPU use while idle.
//! `cargo bench --bench schedule_load` (options: SCHEDULES=10000 CHANNELS=500).

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use briefbot::domain::schedule::Rule;
use briefbot::samples::load_samples;
use briefbot::store::{Content, ScheduleSpec, Store};
use discord_double::{Double, RateLimits, APPLICATION_ID, GUILD_ID, MEMBER_ID};

/// utime + stime of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| {
        fields
            .get(n)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    field(11) + field(12)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let schedules = env_number("SCHEDULES", 10_000);
    let channels = env_number("CHANNELS", 500);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("schedules.db");
    // Due 20 s from now, time enough to start and settle.
    let due_wall = SystemTime::now() + Duration::from_secs(20);
    let due_ms = due_wall.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let due = Instant::now() + Duration::from_secs(20);
    {
        let mut store = Store::open(&db).unwrap();
        load_samples(&mut store).unwrap();
        let now = due_ms - 20_000;
        let at = chrono::DateTime::from_timestamp_millis(due_ms)
            .unwrap()
            .naive_utc();
        store
            .in_transaction(|s| {
                for n in 0..schedules {
                    let spec = ScheduleSpec {
                        channel_id: 900_000 + n % channels,
                        rule: Rule::Once(at),
                        timezone: None,
                        content: Content::Digest(3),
                    };
                    s.add_schedule(GUILD_ID, &spec, due_ms, MEMBER_ID, now)?;
                }
                Ok(())
            })
            .unwrap();
    }
    let double = Double::start(None, 0).await.unwrap();
    double.enforce_rate_limits(RateLimits::discord());
    let mut bot = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .args(["--db"])
        .arg(&db)
        .arg("run")
        .env("DISCORD_TOKEN", "MTEwMDAw.schedule.load")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("briefbot runs");
    double
        .wait_for(Duration::from_secs(30), "command registration", |d| {
            d.with_requests(|log| {
                log.iter()
                    .any(|r| r.path == format!("applications/{APPLICATION_ID}/commands"))
            })
            .then_some(())
        })
        .await
        .unwrap();

    // Idle: everything is scheduled, nothing is due yet.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_from = cpu_ticks(bot.id());
    let idle_started = Instant::now();
    tokio::time::sleep_until((due - Duration::from_secs(2)).into()).await;
    let idle_ticks = cpu_ticks(bot.id()) - idle_from;
    let idle_secs = idle_started.elapsed().as_secs_f64();

    let busy_from = cpu_ticks(bot.id());
    let limit = Duration::from_secs(schedules / 40 + 120);
    let done = double
        .wait_for(limit, "every scheduled post", |d| {
            (d.with_messages(|m| m.len()) as u64 >= schedules).then_some(())
        })
        .await;
    let busy_ticks = cpu_ticks(bot.id()) - busy_from;
    let _ = bot.kill();
    let _ = bot.wait();

    let messages = double.messages();
    let unique: HashSet<_> = messages
        .iter()
        .map(|m| (m.channel_id, m.nonce.clone()))
        .collect();
    let first = messages.iter().map(|m| m.at).min().unwrap();
    let last = messages.iter().map(|m| m.at).max().unwrap();
    let late = |at: Instant| at.saturating_duration_since(due).as_secs_f64();
    let creates =
        double.with_requests(|r| r.iter().filter(|r| r.path.ends_with("/messages")).count());
    println!(
        "{schedules} schedules due at once over {channels} channels: {} posted ({} distinct){}",
        messages.len(),
        unique.len(),
        if done.is_ok() { "" } else { " (timed out)" }
    );
    println!(
        "first post {:.3} s after its due time, last {:.1} s after; {:.1} posts/s",
        late(first),
        late(last),
        messages.len() as f64 / last.duration_since(first).as_secs_f64().max(0.001)
    );
    println!(
        "{creates} message creates, {} answered 429 by the double's rate limits",
        double.rate_limited()
    );
    println!(
        "bot CPU: idle {:.2}% of one core over {idle_secs:.0} s ({idle_ticks} ticks); delivering {:.1}% ({busy_ticks} ticks)",
        idle_ticks as f64 / idle_secs,
        busy_ticks as f64 / late(last).max(0.001),
    );
}
