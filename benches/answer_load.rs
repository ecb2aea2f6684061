//! Many members answering at once: `briefbot run` as its own process, 1,000
//! modal submits (one per member) dispatched through the Discord double as
//! fast as it can send them. Measures submit -> ephemeral "saved" reply, and
//! how fast answers reach SQLite.
//! `cargo bench --bench answer_load` (option: MEMBERS=1000).

#[path = "support/cpu.rs"]
mod cpu;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use briefbot::domain::schedule::Rule;
use briefbot::samples::load_samples;
use briefbot::store::{Content, ScheduleSpec, Store};
use discord_double::{Double, Invoker, APPLICATION_ID, CHANNEL_ID, GUILD_ID, MEMBER_ID};

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
    // The briefing is posted (with its discussion thread) first: answers
    // are taken only in a thread of the briefing's post in that server.
    let (question, questions) = {
        let mut store = Store::open(&db).unwrap();
        load_samples(&mut store).unwrap();
        let latest = store.latest_briefing(None).unwrap().unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let spec = ScheduleSpec {
            channel_id: CHANNEL_ID,
            rule: Rule::Once(chrono::Utc::now().naive_utc()),
            timezone: None,
            content: Content::Briefing(latest.id),
        };
        store
            .add_schedule(GUILD_ID, &spec, now, MEMBER_ID, now)
            .unwrap();
        (latest.questions[0].id, latest.questions.len())
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

    let thread = double
        .wait_for(Duration::from_secs(60), "the discussion thread", |d| {
            d.threads().into_iter().next()
        })
        .await
        .unwrap();
    let prompts = double
        .wait_for(
            Duration::from_secs(60),
            "the questions in the thread",
            |d| {
                let posted = d.channel_messages(thread.id).len();
                (posted >= questions).then_some(posted)
            },
        )
        .await
        .unwrap();

    let form = format!("answer-form:q{question}");
    let mut sent: HashMap<u64, Instant> = HashMap::new();
    let bot_pid = bot.id().to_string();
    let (bot_cpu, double_cpu) = (cpu::used(&bot_pid), cpu::used("self"));
    let started = Instant::now();
    for n in 0..members {
        let member = Invoker {
            user_id: 500_000_000_000_000_000 + n,
            ..Invoker::member()
        };
        let text = format!("Answer number {n}: it depends on who pays.");
        let at = Instant::now();
        let invocation = double
            .submit_modal_as(&member, thread.id, &form, &[("text", &text)])
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
    let (bot_cpu, double_cpu) = (
        cpu::used(&bot_pid) - bot_cpu,
        cpu::used("self") - double_cpu,
    );
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
    // Showing them is paced by Discord's 5 messages per 5 s in the thread,
    // so only what is shown within two minutes is counted.
    let _ = double
        .wait_for(Duration::from_secs(120), "every answer shown", |d| {
            let shown = d.channel_messages(thread.id).len() - prompts;
            (shown as u64 >= members).then_some(shown)
        })
        .await;
    let echoes = double.channel_messages(thread.id).len() - prompts;
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
        "answers durably stored: {:.0}/s (first submit to last reply, committed in groups)",
        stored as f64 / elapsed
    );
    // What the burst cost on the machine's cores, until the last reply:
    // the lower bound of the last member's wait when both share them.
    println!(
        "CPU until the last reply: bot {:.0} ms ({:.3} ms an answer), double {:.0} ms ({:.3} ms an answer); {} cores",
        bot_cpu.as_secs_f64() * 1e3,
        bot_cpu.as_secs_f64() * 1e3 / members as f64,
        double_cpu.as_secs_f64() * 1e3,
        double_cpu.as_secs_f64() * 1e3 / members as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
