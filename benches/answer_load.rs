//! Many members answering at once: `briefbot run` as its own process, 1,000
//! modal submits (one per member) dispatched through the Discord double as
//! fast as it can send them. Measures submit -> ephemeral "saved" reply, and
//! how fast answers reach SQLite.
//! `cargo bench --bench answer_load` (option: MEMBERS=1000).

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use briefbot::samples::load_samples;
use briefbot::store::Store;
use discord_double::{Double, Invoker, APPLICATION_ID, CHANNEL_ID};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let members: u64 = std::env::var("MEMBERS")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("answers.db");
    let question = {
        let mut store = Store::open(&db).unwrap();
        load_samples(&mut store).unwrap();
        store.latest_briefing(None).unwrap().unwrap().questions[0].id
    };
    let double = Double::start(None, 0).await.unwrap();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .args(["--db"])
        .arg(&db)
        .arg("run")
        .env("DISCORD_TOKEN", "MTEwMDAw.answer.load")
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

    let form = format!("answer-form:q{question}");
    let mut sent: HashMap<u64, Instant> = HashMap::new();
    let started = Instant::now();
    for n in 0..members {
        let member = Invoker {
            user_id: 500_000_000_000_000_000 + n,
            ..Invoker::member()
        };
        let text = format!("Answer number {n}: it depends on who pays.");
        let at = Instant::now();
        let invocation = double
            .submit_modal_as(&member, CHANNEL_ID, &form, &[("text", &text)])
            .unwrap();
        sent.insert(invocation.id, at);
    }
    let dispatched = started.elapsed();
    let done = double
        .wait_for(Duration::from_secs(120), "every saved reply", |d| {
            let answered = d.with_requests(|log| {
                log.iter()
                    .filter(|r| r.path.starts_with("interactions/"))
                    .count()
            });
            (answered as u64 >= members).then_some(())
        })
        .await;
    let mut latencies = Vec::new();
    let mut last = started;
    double.with_requests(|log| {
        for r in log.iter().filter(|r| r.path.starts_with("interactions/")) {
            let id: u64 = r
                .path
                .split('/')
                .nth(1)
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            if let Some(at) = sent.get(&id) {
                latencies.push(r.at.duration_since(*at));
                last = last.max(r.at);
            }
        }
    });
    let echoes = double
        .wait_for(Duration::from_secs(120), "every answer shown", |d| {
            let shown = d.with_messages(|m| m.len());
            (shown as u64 >= members).then_some(shown)
        })
        .await
        .unwrap_or(0);
    let _ = bot.kill();
    let _ = bot.wait();
    latencies.sort();
    let stored = Store::open(&db)
        .unwrap()
        .export_answers(briefbot::store::AnswersOf::EveryRoom, None, None, None)
        .unwrap()
        .len();
    let elapsed = last.duration_since(started).as_secs_f64();
    println!(
        "{members} members answering at once (dispatched in {:.2} s): {} saved replies{}, {stored} answers stored, {echoes} shown in the thread",
        dispatched.as_secs_f64(),
        latencies.len(),
        if done.is_ok() { "" } else { " (timed out)" }
    );
    println!(
        "submit -> ephemeral \"saved\": p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    println!(
        "answers durably stored: {:.0}/s (first submit to last reply, each answer its own transaction)",
        stored as f64 / elapsed
    );
}
