//! A soak: `briefbot run` as its own process while new briefings arrive in
//! the library, members answer (and change their answers), the Discord
//! double fails requests at random (5xx, 429, responses lost after the
//! message was made) and the bot is killed with SIGKILL and started again.
//! After it settles: every new briefing is in every subscribed channel
//! exactly once, each text post has its discussion thread once, and every
//! answer the bot acknowledged is stored with its latest text.
//!
//! The short form runs in `cargo test` (about 30 s); `SOAK_SECONDS=480
//! cargo test --release --test soak -- --nocapture` is the long form
//! (BENCHMARKS.md, "Soak").

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use briefbot::samples::load_samples;
use briefbot::store::{AnswersOf, Store, Wants};
use discord_double::{
    Double, Fault, Invocation, Invoker, ANNOUNCEMENT_CHANNEL_ID, CHANNEL_ID, FORUM_CHANNEL_ID,
    GUILD_ID, MEMBER_ID,
};

/// Settling after the last fault: Discord's pacing of a few hundred posts.
const SETTLE: Duration = Duration::from_secs(180);
const CHANNELS: [u64; 3] = [CHANNEL_ID, ANNOUNCEMENT_CHANNEL_ID, FORUM_CHANNEL_ID];
const MEMBERS: u64 = 6;

fn start(dir: &Path, double: &Double) -> Child {
    Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir)
        .args(["--db", "library.db", "run"])
        .env("DISCORD_TOKEN", "MTEwMDAw.soak.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_RETRY_BASE_MS", "20")
        .env("BRIEFBOT_POSTING_WATCH_SECONDS", "1")
        .env("BRIEFBOT_LOG", "error")
        .env_remove("BRIEFBOT_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("briefbot starts")
}

fn kill(bot: &mut Child) {
    bot.kill().expect("SIGKILL");
    bot.wait().unwrap();
}

/// Whether the double shows the bot connected (an IDENTIFY or RESUME since
/// the count given).
async fn connected(double: &Double, identifies_before: usize) {
    double
        .wait_for(Duration::from_secs(60), "the bot connected", |d| {
            (d.identifies() > identifies_before).then_some(())
        })
        .await
        .unwrap();
}

/// The N of a post of "Soak N: …" (its card's heading).
fn soak_number(body: &serde_json::Value) -> Option<String> {
    let text = discord_double::shown_text(body);
    let title = text.lines().find_map(|line| line.strip_prefix("## "))?;
    let rest = title.strip_prefix("Soak ")?;
    Some(rest.split(':').next()?.to_string())
}

/// How many messages show `text` (an answer's display in its thread).
fn shown_times(double: &Double, text: &str) -> usize {
    double.with_messages(|m| {
        m.iter()
            .filter(|m| m.body.to_string().contains(text))
            .count()
    })
}

/// Whether the double showed the bot's private "saved" reply to it.
fn acknowledged(double: &Double, invocation: &Invocation) -> bool {
    double
        .shown_replies(invocation)
        .iter()
        .any(|reply| reply.private && reply.body.to_string().to_lowercase().contains("saved"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_under_faults_and_kills_loses_nothing_and_doubles_nothing() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("library.db");
    let template = {
        let mut store = Store::open(&db_path).unwrap();
        load_samples(&mut store).unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        for channel in CHANNELS {
            let wants = Wants {
                publish: channel == ANNOUNCEMENT_CHANNEL_ID,
                forum: channel == FORUM_CHANNEL_ID,
                ..Wants::default()
            };
            store
                .subscribe(GUILD_ID, channel, &wants, MEMBER_ID, now)
                .unwrap();
        }
        store.latest_briefing(None).unwrap().unwrap().briefing
    };
    let double = Double::start(None, 0).await.unwrap();
    double.inject_randomly("channels/", Fault::LostResponse(502), 0.04);
    double.inject_randomly("channels/", Fault::ServerError(500), 0.04);
    double.inject_randomly("channels/", Fault::RateLimited { retry_after: 0.2 }, 0.03);
    double.inject_randomly("interactions/", Fault::ServerError(503), 0.03);

    let mut bot = start(dir.path(), &double);
    connected(&double, 0).await;
    let started = Instant::now();
    let mut briefings = 0u64;
    let mut kills = 0u64;
    let mut next_kill = Instant::now() + Duration::from_secs(6);
    // Every answer submitted (each text unique), and whether the bot
    // acknowledged it.
    let mut saved: Vec<(String, bool)> = Vec::new();
    let mut submitted = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        // A new briefing every two seconds, written by another process's
        // connection as `briefbot import` would.
        briefings += 1;
        {
            let mut briefing = template.clone();
            briefing.title = format!("Soak {briefings}: {}", template.title);
            briefing.slug = format!("soak-{briefings}");
            let db = db_path.clone();
            tokio::task::spawn_blocking(move || {
                Store::open(&db).unwrap().save_briefing(&briefing).unwrap()
            })
            .await
            .unwrap();
        }
        // Members answer the questions of every discussion open so far,
        // some of them again (the latest text wins).
        let threads: Vec<u64> = double
            .threads()
            .into_iter()
            .filter(|t| t.parent_id == CHANNEL_ID)
            .map(|t| t.id)
            .collect();
        for (n, thread) in threads.iter().enumerate().rev().take(2) {
            let slug = double
                .with_messages(|m| {
                    m.iter()
                        .find(|m| m.id == *thread)
                        .and_then(|m| soak_number(&m.body))
                })
                .map(|n| format!("soak-{n}"));
            let Some(slug) = slug else { continue };
            let db = db_path.clone();
            let Some(stored) = tokio::task::spawn_blocking(move || {
                Store::open(&db).unwrap().find_briefing(&slug).unwrap()
            })
            .await
            .unwrap() else {
                continue;
            };
            for member in 0..MEMBERS {
                let question = stored.questions[(member as usize + n) % stored.questions.len()].id;
                let invoker = Invoker {
                    user_id: 600_000_000_000_000_000 + member,
                    ..Invoker::member()
                };
                submitted += 1;
                let text = format!("Answer {submitted} from member {member}.");
                let Ok(invocation) = double.submit_modal_as(
                    &invoker,
                    *thread,
                    &format!("answer-form:q{question}"),
                    &[("text", &text)],
                ) else {
                    continue; // the bot is between processes
                };
                let replied = double
                    .wait_for(Duration::from_secs(3), "the answer's reply", |d| {
                        acknowledged(d, &invocation).then_some(())
                    })
                    .await;
                saved.push((text, replied.is_ok()));
            }
        }
        if Instant::now() >= next_kill {
            kill(&mut bot);
            kills += 1;
            let before = double.identifies();
            bot = start(dir.path(), &double);
            connected(&double, before).await;
            next_kill = Instant::now() + Duration::from_secs(6);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    double.clear_faults();

    // Settled: every new briefing in every channel.
    let posted = |d: &Double, channel: u64| -> Vec<String> {
        let parents: HashMap<u64, u64> = d
            .threads()
            .into_iter()
            .map(|t| (t.id, t.parent_id))
            .collect();
        d.with_messages(|m| {
            m.iter()
                .filter(|m| {
                    // A forum post's first message lives in its thread.
                    let home = match parents.get(&m.channel_id) {
                        Some(forum) if m.id == m.channel_id => *forum,
                        _ => m.channel_id,
                    };
                    home == channel
                })
                .filter_map(|m| soak_number(&m.body))
                .collect()
        })
    };
    double
        .wait_for(SETTLE, "every briefing in every channel", |d| {
            CHANNELS
                .iter()
                .all(|c| {
                    posted(d, *c).into_iter().collect::<HashSet<_>>().len() as u64 >= briefings
                })
                .then_some(())
        })
        .await
        .unwrap_or_else(|e| {
            let counts: Vec<usize> = CHANNELS.iter().map(|c| posted(&double, *c).len()).collect();
            panic!("{e}: {briefings} briefings, posted per channel {counts:?}")
        });
    kill(&mut bot);

    for channel in CHANNELS {
        let posts = posted(&double, channel);
        let unique: HashSet<&String> = posts.iter().collect();
        assert_eq!(
            posts.len(),
            unique.len(),
            "a briefing posted twice in {channel}: {posts:?}"
        );
        assert_eq!(unique.len() as u64, briefings, "in {channel}");
    }
    let threads = double.threads();
    let text_threads: Vec<u64> = threads
        .iter()
        .filter(|t| t.parent_id == CHANNEL_ID)
        .map(|t| t.id)
        .collect();
    assert_eq!(
        text_threads.len() as u64,
        briefings,
        "one discussion thread per text post"
    );
    assert_eq!(
        text_threads.iter().collect::<HashSet<_>>().len(),
        text_threads.len()
    );

    let answers = Store::open(&db_path)
        .unwrap()
        .export_answers(AnswersOf::EveryRoom, None, None, None)
        .unwrap();
    let acknowledged_answers = saved.iter().filter(|(_, ack)| *ack).count();
    assert!(acknowledged_answers > 0, "some answers were acknowledged");
    for (text, ack) in &saved {
        let stored = answers.iter().filter(|a| a.text == *text).count();
        let shown = shown_times(&double, text);
        if *ack {
            assert_eq!(stored, 1, "an acknowledged answer is stored once: {text}");
            assert_eq!(shown, 1, "and shown once: {text}");
        } else {
            // Its reply was lost: saved or not, but never twice.
            assert!(
                stored <= 1 && shown <= stored,
                "{text}: stored {stored}, shown {shown}"
            );
        }
    }
    let submitted_texts: HashSet<&String> = saved.iter().map(|(t, _)| t).collect();
    for answer in &answers {
        assert!(
            submitted_texts.contains(&answer.text),
            "stored but never submitted: {}",
            answer.text
        );
    }
    assert!(double.problems().is_empty(), "{:?}", double.problems());
    println!(
        "soak: {seconds} s, {briefings} briefings into {} channels, {kills} kills, {submitted} answers submitted, {acknowledged_answers} acknowledged and stored",
        CHANNELS.len(),
    );
}
