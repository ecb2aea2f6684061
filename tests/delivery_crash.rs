//! `briefbot run` killed with SIGKILL in the middle of delivering 100
//! posts, then started again: the double holds every post exactly once.
//! (100 prove the property; the volume lives in `cargo bench --bench
//! schedule_load`.)

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use briefbot::domain::schedule::Rule;
use briefbot::samples::load_samples;
use briefbot::store::{Content, ScheduleSpec, Setting, Store};
use discord_double::{Double, Fault, APPLICATION_ID, GUILD_ID, MEMBER_ID};

const POSTS: usize = 100;
/// Five posts per channel: one window of Discord's per-channel limit.
const CHANNELS: u64 = 20;
const LIMIT: Duration = Duration::from_secs(90);

fn start(dir: &Path, double: &Double) -> Child {
    Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .current_dir(dir)
        .args(["--db", "library.db", "run"])
        .env("DISCORD_TOKEN", "MTEwMDAw.crash.test")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env("BRIEFBOT_RETRY_BASE_MS", "20")
        .env("BRIEFBOT_LOG", "warn")
        .env_remove("BRIEFBOT_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("briefbot starts")
}

async fn registered(double: &Double, times: usize) {
    double
        .wait_for(LIMIT, "command registration", |d| {
            let puts = d.with_requests(|r| {
                r.iter()
                    .filter(|r| {
                        r.method == "PUT"
                            && r.path == format!("applications/{APPLICATION_ID}/commands")
                    })
                    .count()
            });
            (puts >= times).then_some(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_resumes_its_deliveries_and_posts_each_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    {
        let mut store = Store::open(&dir.path().join("library.db")).unwrap();
        load_samples(&mut store).unwrap();
        let latest = store.latest_briefing(None).unwrap().unwrap().id;
        // Plain posts: discussion threads have their own tests, and would
        // triple the requests (and the time, at Discord's 50/s).
        store
            .change_setting(GUILD_ID, &Setting::DiscussionThreads(false), now)
            .unwrap();
        store
            .in_transaction(|s| {
                for n in 0..POSTS as u64 {
                    let spec = ScheduleSpec {
                        channel_id: 800_000 + n % CHANNELS,
                        rule: Rule::Once(chrono::Utc::now().naive_utc()),
                        timezone: None,
                        content: Content::Briefing(latest),
                    };
                    s.add_schedule(GUILD_ID, &spec, now, MEMBER_ID, now)?;
                }
                Ok(())
            })
            .unwrap();
    }
    let double = Double::start(None, 0).await.unwrap();
    // Some responses are lost after the message was made: the resend must
    // come back as the same message.
    double.inject_randomly("channels/", Fault::LostResponse(502), 0.05);

    let mut bot = start(dir.path(), &double);
    registered(&double, 1).await;
    double
        .wait_for(LIMIT, "a third of the posts", |d| {
            (d.with_messages(|m| m.len()) >= POSTS / 3).then_some(())
        })
        .await
        .unwrap();
    bot.kill().expect("SIGKILL");
    bot.wait().unwrap();
    let at_kill = double.with_messages(|m| m.len());
    assert!(at_kill < POSTS, "killed before the end ({at_kill} posted)");

    let mut bot = start(dir.path(), &double);
    registered(&double, 2).await;
    let posts_per_delivery = {
        let first = double.messages()[0].nonce.clone().unwrap();
        // Nonces are "<created>.<delivery>.<part>": count parts of one delivery.
        let delivery = first.rsplit_once('.').unwrap().0.to_string();
        double.with_messages(|m| {
            m.iter()
                .filter(|m| {
                    m.nonce
                        .as_deref()
                        .is_some_and(|n| n.starts_with(&format!("{delivery}.")))
                })
                .count()
        })
    };
    let expected = POSTS * posts_per_delivery;
    // Every post made, and each acknowledged to the bot at least once:
    // resends after lost responses come back as the message already made.
    double
        .wait_for(LIMIT, "every post, acknowledged", |d| {
            (d.with_messages(|m| m.len()) >= expected && d.every_post_acknowledged()).then_some(())
        })
        .await
        .unwrap();
    // Stop it the gentle way (the round in progress records what it sent),
    // then look at what it recorded.
    let status = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(bot.wait().unwrap().success());

    let messages = double.messages();
    assert_eq!(messages.len(), expected, "no post twice");
    let unique: HashSet<(u64, String)> = messages
        .iter()
        .map(|m| {
            (
                m.channel_id,
                m.nonce.clone().expect("every post has a nonce"),
            )
        })
        .collect();
    assert_eq!(unique.len(), expected);
    for channel in 0..CHANNELS {
        let count = messages
            .iter()
            .filter(|m| m.channel_id == 800_000 + channel)
            .count();
        assert_eq!(count, 5 * posts_per_delivery, "channel {channel}");
    }
    let creates =
        double.with_requests(|r| r.iter().filter(|r| r.path.ends_with("/messages")).count());
    assert!(
        creates > expected,
        "some posts were sent again ({creates} creates for {expected} posts)"
    );

    let store = Store::open(&dir.path().join("library.db")).unwrap();
    assert_eq!(
        store.delivery_counts().unwrap(),
        vec![("sent".to_string(), POSTS as u64)]
    );
}
