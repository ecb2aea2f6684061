//! Load on the whole bot: `briefbot run` as its own process against the
//! Discord double, slash commands dispatched at a set rate over the gateway,
//! latency measured from dispatch to the bot's interaction callback.
//! `cargo bench --bench discord_load` (options: RATE=200 SECONDS=10).

#[path = "support/generate.rs"]
mod generate;
#[path = "support/memory.rs"]
mod memory;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use briefbot::store::Store;
use discord_double::{Double, APPLICATION_ID};
use serde_json::json;

const BRIEFINGS: usize = 10_000;

fn database() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("load-{BRIEFINGS}-v1.db"));
    let mut store = Store::open(&path).unwrap();
    if (store.briefing_count().unwrap() as usize) < BRIEFINGS {
        let vocabulary = generate::Vocabulary::new(50_000);
        let mut rng = generate::Rng::new(42);
        store
            .in_transaction(|s| {
                for n in 0..BRIEFINGS {
                    s.save_briefing(&vocabulary.briefing(n, &mut rng))?;
                }
                Ok(())
            })
            .unwrap();
    }
    path
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rate: u64 = std::env::var("RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let db = database();
    let double = Double::start(None, 0).await.unwrap();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .args(["--db"])
        .arg(&db)
        .arg("run")
        .env("DISCORD_TOKEN", "MTEwMDAw.load.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_LOG", "warn")
        .env("BRIEFBOT_LOAD_SAMPLES", "false")
        .stdout(Stdio::null())
        .spawn()
        .expect("briefbot runs");
    let limit = Duration::from_secs(30);
    double
        .wait_for(limit, "command registration", |d| {
            d.with_requests(|log| {
                log.iter()
                    .any(|r| r.path == format!("applications/{APPLICATION_ID}/commands"))
            })
            .then_some(())
        })
        .await
        .unwrap();
    // Let start-up allocations settle before reading the idle size.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_briefbot"));
    let pid = bot.id();
    let idle = memory::resident(pid, &binary);
    // The largest size seen during the load, sampled, with where it went.
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (sampling, binary) = (Arc::clone(&sampling), binary.clone());
        tokio::spawn(async move {
            let mut largest = memory::Resident::default();
            while sampling.load(Ordering::Relaxed) {
                let now = memory::resident(pid, &binary);
                if now.total_kb() > largest.total_kb() {
                    largest = now;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            largest
        })
    };

    let vocabulary = generate::Vocabulary::new(50_000);
    let mut rng = generate::Rng::new(5);
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut dispatched: HashMap<u64, (Instant, &'static str)> = HashMap::new();
    let started = tokio::time::Instant::now();
    for i in 0..total {
        tokio::time::sleep_until(started + interval * i as u32).await;
        let (kind, options) = match rng.below(10) {
            0..=3 => ("latest", json!([])),
            4..=6 => (
                "search",
                json!([{ "name": "query", "type": 3, "value": vocabulary.topic_word(&mut rng) }]),
            ),
            7..=8 => (
                "read",
                json!([{ "name": "briefing", "type": 3, "value": (1 + rng.below(BRIEFINGS)).to_string() }]),
            ),
            _ => ("list", json!([])),
        };
        let sent = Instant::now();
        let invocation = double
            .send_command(
                "briefing",
                json!([{ "name": kind, "type": 1, "options": options }]),
            )
            .unwrap();
        dispatched.insert(invocation.id, (sent, kind));
    }
    let send_time = started.elapsed();
    let done = double
        .wait_for(limit, "every callback", |d| {
            let answered = d.with_requests(|log| {
                log.iter()
                    .filter(|r| r.path.starts_with("interactions/"))
                    .count()
            });
            (answered as u64 >= total).then_some(())
        })
        .await;
    sampling.store(false, Ordering::Relaxed);
    let largest = sampler.await.unwrap();
    let peak_kb = memory::status_kb(pid, "VmHWM:");
    let after = memory::resident(pid, &binary);
    let _ = bot.kill();
    let _ = bot.wait();

    let mut latencies = Vec::new();
    let mut by_kind: HashMap<&str, Vec<Duration>> = HashMap::new();
    let mut last = started.into_std();
    double.with_requests(|log| {
        for r in log.iter().filter(|r| r.path.starts_with("interactions/")) {
            let id: u64 = r
                .path
                .split('/')
                .nth(1)
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            if let Some((sent, kind)) = dispatched.get(&id) {
                let latency = r.at.duration_since(*sent);
                latencies.push(latency);
                by_kind.entry(kind).or_default().push(latency);
                last = last.max(r.at);
            }
        }
    });
    latencies.sort();
    println!(
        "{total} commands at {rate}/s (sent in {:.2} s), {} answered{}",
        send_time.as_secs_f64(),
        latencies.len(),
        if done.is_ok() {
            ""
        } else {
            " (some timed out)"
        }
    );
    println!(
        "dispatch -> callback: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms; throughput {:.0} commands/s",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len() as f64 / last.duration_since(started.into_std()).as_secs_f64()
    );
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort();
    for (kind, mut times) in kinds {
        times.sort();
        println!(
            "  {kind:<7} n={:<5} p50 {:.2} ms  p99 {:.2} ms",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    println!("bot RSS with {BRIEFINGS} briefings:");
    println!("  idle         {idle}");
    println!("  under load   {largest} (largest sample, every 100 ms)");
    println!("  after load   {after}");
    println!("  peak (VmHWM) {:.1} MB", peak_kb as f64 / 1024.0);
}
