//! Posting end to end: the real serenity client against the Discord double,
//! on a clock the tests move by hand. Schedules fire at their instant (no
//! waiting), posts survive faults exactly once, refusals pause and report,
//! and moderator commands are refused to members whatever Discord allows.

mod support;

use std::sync::Arc;
use std::time::Duration;

use briefbot::clock::{Clock, ManualClock, SharedClock, SystemClock};
use briefbot::domain::schedule::Rule;
use briefbot::posting::PostingConfig;
use briefbot::samples::load_samples;
use briefbot::store::{Content, Db, DeliveryState, LogFilter, ScheduleSpec, ScheduleState, Store};
use chrono::{DateTime, Utc};
use discord_double::{
    resolved_moderator_role, Double, Fault, Invoker, CHANNEL_ID, GUILD_ID, LOCKED_CHANNEL_ID,
    LOG_CHANNEL_ID, MEMBER_ID, MODERATOR_ROLE_ID, NO_THREADS_CHANNEL_ID,
};
use serde_json::{json, Value};
use support::bot::{double, Options, LIMIT};
use support::interactions::{answer as reply, command_as, opt, sub};

const EPHEMERAL: u64 = 64;
/// Option values of the `repeat` and `post` choices (poise sends indexes).
const DAILY: u64 = 1;
const DIGEST: u64 = 2;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The bot on a clock the test moves by hand (or the system clock, for
/// tests that wait on real retries).
struct Bot {
    inner: support::bot::Bot,
    clock: Arc<ManualClock>,
}

impl Bot {
    async fn start(double: &Double, db: Db, now: DateTime<Utc>) -> Bot {
        let clock = ManualClock::new(now);
        Self::start_configured(double, db, Some(clock.clone()), clock, |_| {}).await
    }

    /// On the system clock: retries wait real (short) backoffs.
    async fn start_real(double: &Double, db: Db) -> Bot {
        Self::start_real_with(double, db, |_| {}).await
    }

    /// On the system clock, with the posting settings changed by `adjust`.
    async fn start_real_with(
        double: &Double,
        db: Db,
        adjust: impl FnOnce(&mut PostingConfig),
    ) -> Bot {
        let unused = ManualClock::new(Utc::now());
        let system: SharedClock = Arc::new(SystemClock);
        Self::start_configured(double, db, Some(system), unused, adjust).await
    }

    async fn start_configured(
        double: &Double,
        db: Db,
        clock: Option<SharedClock>,
        manual: Arc<ManualClock>,
        adjust: impl FnOnce(&mut PostingConfig),
    ) -> Bot {
        let mut posting = PostingConfig {
            retry_base: Duration::from_millis(10),
            retry_max: Duration::from_millis(200),
            watch_interval: Duration::from_millis(200),
            ..PostingConfig::default()
        };
        adjust(&mut posting);
        let options = Options {
            clock,
            posting: Some(posting),
            ..Options::default()
        };
        Bot {
            inner: support::bot::Bot::start(double, db, options).await,
            clock: manual,
        }
    }

    async fn stop(self) -> Db {
        self.inner.stop().await
    }

    async fn store<T: Send + 'static>(
        &self,
        look: impl FnOnce(&mut Store) -> briefbot::store::Result<T> + Send + 'static,
    ) -> T {
        self.inner.db.call(look).await.unwrap()
    }
}

fn library() -> Db {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    Db::new(store)
}

fn channel(name: &str, id: u64) -> Value {
    opt(name, 7, json!(id.to_string()))
}

async fn command(double: &Double, name: &str, options: Value) -> Value {
    command_as(double, &Invoker::moderator(), name, options).await
}

fn text(reply: &Value) -> String {
    let mut out = reply["content"].as_str().unwrap_or("").to_string();
    for embed in reply["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            out.push_str(embed[key].as_str().unwrap_or(""));
            out.push('\n');
        }
    }
    for display in support::interactions::text_displays(reply) {
        out.push_str(&display);
        out.push('\n');
    }
    out
}

fn assert_private(reply: &Value) {
    assert_eq!(
        reply["flags"].as_u64().unwrap_or(0) & EPHEMERAL,
        EPHEMERAL,
        "{reply}"
    );
}

fn assert_accepted(double: &Double) {
    assert_eq!(
        double.problems(),
        Vec::<String>::new(),
        "requests Discord would reject"
    );
}

/// A one-off schedule far in the future that posts a digest to the log
/// channel; `/schedule run-now` on it is a barrier: once its post arrives,
/// the delivery loop has run a round that saw the clock as it is now.
async fn marker(bot: &Bot) -> i64 {
    let now = bot.clock.now_ms();
    bot.store(move |s| {
        let spec = ScheduleSpec {
            channel_id: LOG_CHANNEL_ID,
            rule: Rule::Once(briefbot::domain::schedule::local(2099, 1, 1, 0, 0)),
            timezone: None,
            content: Content::Digest(1),
        };
        s.add_schedule(GUILD_ID, &spec, 4_070_908_800_000, MEMBER_ID, now)
            .map(|s| s.id)
    })
    .await
}

async fn barrier(double: &Double, marker: i64) {
    let before = double.channel_messages(LOG_CHANNEL_ID).len();
    let reply = command(
        double,
        "schedule",
        sub(
            "run-now",
            json!([opt("schedule", 3, json!(marker.to_string()))]),
        ),
    )
    .await;
    assert!(text(&reply).contains("Posting schedule"), "{reply}");
    double
        .wait_for(LIMIT, "the marker post", |d| {
            (d.channel_messages(LOG_CHANNEL_ID).len() > before).then_some(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_schedule_fires_at_nine_berlin_time_on_both_sides_of_the_dst_change() {
    let double = double().await;
    // The day before Europe's clocks go forward (2026-03-29).
    let bot = Bot::start(&double, library(), utc("2026-03-28T07:00:00Z")).await;
    let marker = marker(&bot).await;

    let set = command(
        &double,
        "settings",
        sub("timezone", json!([opt("zone", 3, json!("europe/berlin"))])),
    )
    .await;
    assert_private(&set);
    assert!(text(&set).contains("Europe/Berlin"), "{set}");

    let added = command(
        &double,
        "schedule",
        sub(
            "add",
            json!([
                channel("channel", CHANNEL_ID),
                opt("when", 3, json!("09:00")),
                opt("repeat", 4, json!(DAILY)),
                opt("post", 4, json!(DIGEST)),
                opt("count", 4, json!(2)),
            ]),
        ),
    )
    .await;
    assert_private(&added);
    // 09:00 CET is 08:00 UTC.
    let first = utc("2026-03-28T08:00:00Z").timestamp();
    assert!(
        text(&added).contains(&format!(
            "Next runs: <t:{first}:F> (Sat 2026-03-28 09:00 Europe/Berlin)"
        )),
        "{added}"
    );

    // A second before: nothing.
    bot.clock.set(utc("2026-03-28T07:59:59Z"));
    barrier(&double, marker).await;
    assert!(double.channel_messages(CHANNEL_ID).is_empty());

    // On the second: the digest.
    bot.clock.set(utc("2026-03-28T08:00:00Z"));
    let posted = double
        .wait_for(LIMIT, "the first run", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    assert!(
        posted.body["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("digest"),
        "{}",
        posted.body
    );
    assert_eq!(posted.body["enforce_nonce"], true);
    assert!(posted.body["nonce"].as_str().is_some_and(|n| n.len() <= 25));
    assert_eq!(posted.body["allowed_mentions"]["parse"], json!([]));

    // Next day, summer time: 09:00 CEST is 07:00 UTC.
    bot.clock.set(utc("2026-03-29T06:59:59Z"));
    barrier(&double, marker).await;
    assert_eq!(double.channel_messages(CHANNEL_ID).len(), 1);
    bot.clock.set(utc("2026-03-29T07:00:00Z"));
    double
        .wait_for(LIMIT, "the second run", |d| {
            (d.channel_messages(CHANNEL_ID).len() == 2).then_some(())
        })
        .await
        .unwrap();

    let list = command(&double, "schedule", sub("list", json!([]))).await;
    let third = utc("2026-03-30T07:00:00Z").timestamp();
    assert!(text(&list).contains(&format!("<t:{third}:F>")), "{list}");
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_schedules_are_refused_with_a_reason_and_nothing_is_stored() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let base = |when: &str| vec![channel("channel", CHANNEL_ID), opt("when", 3, json!(when))];
    let with = |mut options: Vec<Value>, extra: Value| {
        options.push(extra);
        Value::Array(options)
    };
    for (options, says) in [
        (Value::Array(base("2026-11-24 09:00")), "which has passed"),
        (
            Value::Array(base("2026-02-30 09:00")),
            "not a day on the calendar",
        ),
        (
            with(base("09:00"), opt("timezone", 3, json!("Mars/Olympus"))),
            "not a time zone",
        ),
        (
            with(base("0 9 * *"), opt("repeat", 4, json!(3))),
            "needs five",
        ),
        (
            with(
                base("2026-12-01 09:00"),
                opt("briefing", 3, json!("zzqx nothing like this")),
            ),
            "No briefing matches",
        ),
        (
            json!([
                channel("channel", LOCKED_CHANNEL_ID),
                opt("when", 3, json!("2026-12-01 09:00"))
            ]),
            "I can't post in",
        ),
    ] {
        let refused = command(&double, "schedule", sub("add", options)).await;
        assert_private(&refused);
        assert!(
            text(&refused).contains(says),
            "expected '{says}' in {refused}"
        );
    }
    let stored = bot.store(|s| s.schedules(GUILD_ID)).await;
    assert!(stored.is_empty(), "{stored:?}");
    assert_accepted(&double);
    bot.stop().await;
}

/// The permission checks follow the server as it changes: a channel a
/// moderator locks (CHANNEL_UPDATE) is refused from then on, and accepted
/// again once unlocked. (The bot keeps its own compact record of each
/// server, fed by gateway events, not serenity's cache.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_checks_follow_channel_changes() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let subscribe = || sub("add", json!([channel("channel", CHANNEL_ID)]));
    let unsubscribe = || sub("remove", json!([channel("channel", CHANNEL_ID)]));
    let accepted = command(&double, "subscribe", subscribe()).await;
    assert!(text(&accepted).contains("will get"), "{accepted}");
    command(&double, "subscribe", unsubscribe()).await;

    let deny_send = json!([{
        "id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": "2048"
    }]);
    double
        .set_channel_overwrites(CHANNEL_ID, deny_send)
        .unwrap();
    // The event and the next command race: ask until the refusal, within a bound.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let refused = loop {
        let reply = command(&double, "subscribe", subscribe()).await;
        if text(&reply).contains("I can't post in") {
            break reply;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still accepted: {reply}"
        );
        command(&double, "subscribe", unsubscribe()).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(text(&refused).contains("Send Messages"), "{refused}");
    assert!(bot.store(|s| s.subscriptions(GUILD_ID)).await.is_empty());

    double
        .set_channel_overwrites(CHANNEL_ID, json!([]))
        .unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let reply = command(&double, "subscribe", subscribe()).await;
        if text(&reply).contains("will get") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still refused: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_is_refused_every_moderator_command_even_when_discord_lets_them_call_it() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let member = Invoker::member();
    let calls: Vec<(&str, Value)> = vec![
        (
            "subscribe",
            sub("add", json!([channel("channel", CHANNEL_ID)])),
        ),
        ("subscribe", sub("list", json!([]))),
        (
            "subscribe",
            sub("preview", json!([channel("channel", CHANNEL_ID)])),
        ),
        (
            "subscribe",
            sub("test", json!([channel("channel", CHANNEL_ID)])),
        ),
        (
            "subscribe",
            sub("remove", json!([channel("channel", CHANNEL_ID)])),
        ),
        (
            "schedule",
            sub(
                "add",
                json!([
                    channel("channel", CHANNEL_ID),
                    opt("when", 3, json!("2026-12-01 09:00"))
                ]),
            ),
        ),
        ("schedule", sub("list", json!([]))),
        (
            "schedule",
            sub(
                "edit",
                json!([
                    opt("schedule", 3, json!("1")),
                    opt("when", 3, json!("10:00"))
                ]),
            ),
        ),
        (
            "schedule",
            sub("pause", json!([opt("schedule", 3, json!("1"))])),
        ),
        (
            "schedule",
            sub("resume", json!([opt("schedule", 3, json!("1"))])),
        ),
        (
            "schedule",
            sub("cancel", json!([opt("schedule", 3, json!("1"))])),
        ),
        (
            "schedule",
            sub("run-now", json!([opt("schedule", 3, json!("1"))])),
        ),
        (
            "schedule",
            sub("preview", json!([opt("schedule", 3, json!("1"))])),
        ),
        ("schedule", sub("log", json!([]))),
        ("settings", sub("show", json!([]))),
        (
            "settings",
            sub("timezone", json!([opt("zone", 3, json!("Europe/Berlin"))])),
        ),
        ("settings", sub("moderator-role", json!([]))),
        (
            "settings",
            sub("log-channel", json!([channel("channel", LOG_CHANNEL_ID)])),
        ),
    ];
    for (name, options) in &calls {
        let refused = command_as(&double, &member, name, options.clone()).await;
        assert_private(&refused);
        assert!(
            text(&refused).contains("is for moderators"),
            "{name} {options}: {refused}"
        );
    }
    // The cancel confirmation button is checked too.
    let press = double
        .press_button_as(&member, "schedule-cancel:yes:1")
        .unwrap();
    let refused = reply(&double, &press).await;
    assert!(text(&refused).contains("is for moderators"), "{refused}");

    let (settings, subscriptions, schedules) = bot
        .store(|s| {
            Ok((
                s.guild_settings(GUILD_ID)?,
                s.subscriptions(GUILD_ID)?,
                s.schedules(GUILD_ID)?,
            ))
        })
        .await;
    assert_eq!(settings.timezone, "UTC");
    assert_eq!(settings.log_channel_id, None);
    assert!(subscriptions.is_empty() && schedules.is_empty());

    // With a moderator role set, a member holding it may.
    let invocation = double
        .send_command_as(
            &Invoker::moderator(),
            "settings",
            sub(
                "moderator-role",
                json!([opt("role", 8, json!(MODERATOR_ROLE_ID.to_string()))]),
            ),
            resolved_moderator_role(),
        )
        .unwrap();
    assert!(text(&reply(&double, &invocation).await).contains("can now use the moderator commands"));
    let with_role = Invoker {
        roles: vec![MODERATOR_ROLE_ID],
        ..Invoker::member()
    };
    let allowed = command_as(&double, &with_role, "schedule", sub("list", json!([]))).await;
    assert!(text(&allowed).contains("No schedules"), "{allowed}");
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_channel_pauses_what_posts_there_and_reports_it_in_the_log_channel() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    command(
        &double,
        "settings",
        sub("log-channel", json!([channel("channel", LOG_CHANNEL_ID)])),
    )
    .await;
    command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    let added = command(
        &double,
        "schedule",
        sub(
            "add",
            json!([
                channel("channel", CHANNEL_ID),
                opt("when", 3, json!("12:00")),
                opt("repeat", 4, json!(DAILY))
            ]),
        ),
    )
    .await;
    assert!(text(&added).contains("Schedule #1 added"), "{added}");

    // Discord says the bot may no longer post there.
    double.inject(
        &format!("channels/{CHANNEL_ID}/messages"),
        Fault::MissingAccess,
        1,
    );
    command(
        &double,
        "schedule",
        sub("run-now", json!([opt("schedule", 3, json!("1"))])),
    )
    .await;
    let report = double
        .wait_for(LIMIT, "a report in the log channel", |d| {
            d.channel_messages(LOG_CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    let said = report.body["content"].as_str().unwrap();
    assert!(
        said.contains(&format!(
            "I could not post in <#{CHANNEL_ID}>: missing permission"
        )),
        "{said}"
    );
    assert!(
        said.contains("Paused schedule #1") && said.contains("subscription"),
        "{said}"
    );
    assert_eq!(report.body["allowed_mentions"]["parse"], json!([]));

    let (schedule, subscription, log) = bot
        .store(|s| {
            Ok((
                s.schedule(GUILD_ID, 1)?.unwrap(),
                s.subscription(GUILD_ID, CHANNEL_ID)?.unwrap(),
                s.delivery_log(
                    GUILD_ID,
                    LogFilter {
                        channel_id: Some(CHANNEL_ID),
                        schedule_id: None,
                    },
                    10,
                )?,
            ))
        })
        .await;
    assert_eq!(schedule.state, ScheduleState::Paused);
    assert!(schedule
        .paused_reason
        .unwrap()
        .contains("missing permission"));
    assert!(subscription.paused_reason.is_some());
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].state, DeliveryState::Failed);
    assert_eq!(log[0].attempts, 1, "a 403 is not retried");

    // The log says why, and the list shows the pause.
    let shown = command(
        &double,
        "schedule",
        sub("log", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    assert!(
        text(&shown).contains("**failed** · missing permission"),
        "{shown}"
    );
    let list = command(&double, "schedule", sub("list", json!([]))).await;
    assert!(
        text(&list).contains("**paused**: missing permission"),
        "{list}"
    );
    // Resuming puts it back to its next 12:00.
    let resumed = command(
        &double,
        "schedule",
        sub("resume", json!([opt("schedule", 3, json!("1"))])),
    )
    .await;
    let noon = utc("2026-11-24T12:00:00Z").timestamp();
    assert!(
        text(&resumed).contains(&format!("<t:{noon}:F>")),
        "{resumed}"
    );
    assert_eq!(double.channel_messages(CHANNEL_ID).len(), 0);
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_fifth_of_posts_failing_every_post_still_arrives_exactly_once() {
    let double = double().await;
    let db = library();
    let now = Utc::now();
    // 200 one-off posts due now, over 100 channels (two each, well within
    // the five per five seconds a channel allows).
    db.call(move |s| {
        for n in 0..200u64 {
            let spec = ScheduleSpec {
                channel_id: 600_000 + n % 100,
                rule: Rule::Once(now.naive_utc()),
                timezone: None,
                content: Content::Digest(1),
            };
            s.add_schedule(
                GUILD_ID,
                &spec,
                now.timestamp_millis(),
                MEMBER_ID,
                now.timestamp_millis(),
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    // 10 % plain 502s, 10 % created-then-lost 503s, and some 429s.
    double.inject_randomly("channels/", Fault::ServerError(502), 0.1);
    double.inject_randomly("channels/", Fault::LostResponse(503), 0.1);
    double.inject("channels/", Fault::RateLimited { retry_after: 0.05 }, 5);
    let bot = Bot::start_real(&double, db).await;

    // Every post made, and each one answered with success at least once
    // (a lost response is followed by a resend the double dedupes).
    let sent = double
        .wait_for(LIMIT, "200 acknowledged posts", |d| {
            let posts = d.with_messages(|m| m.len());
            (posts >= 200 && d.every_post_acknowledged()).then_some(posts)
        })
        .await
        .unwrap();
    let messages = double.messages();
    let shown: Vec<(u64, Option<String>)> = messages
        .iter()
        .map(|m| (m.channel_id, m.nonce.clone()))
        .collect();
    assert_eq!(
        (sent, messages.len()),
        (200, 200),
        "no post twice: {shown:?}"
    );
    let nonces: std::collections::HashSet<_> =
        messages.iter().map(|m| m.nonce.clone().unwrap()).collect();
    assert_eq!(nonces.len(), 200);
    let attempts =
        double.with_requests(|r| r.iter().filter(|r| r.path.ends_with("/messages")).count());
    assert!(
        attempts > 220,
        "the faults forced retries: {attempts} creates"
    );
    assert_accepted(&double);
    // A clean stop lets the last records land; then the outbox agrees.
    let db = bot.stop().await;
    let counts = db.call(|s| s.delivery_counts()).await.unwrap();
    assert_eq!(counts, vec![("sent".to_string(), 200)]);
}

/// The post is made but its thread cannot be opened: the post counts as
/// sent, the log channel hears why, and the channel keeps its subscription.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_that_cannot_be_opened_leaves_the_post_sent_and_the_channel_active() {
    let double = double().await;
    let bot = Bot::start_real(&double, library()).await;
    command(
        &double,
        "settings",
        sub("log-channel", json!([channel("channel", LOG_CHANNEL_ID)])),
    )
    .await;
    command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    // Opening a thread on the post is refused once (a permission taken away).
    double.inject(
        &format!("channels/{CHANNEL_ID}/messages/"),
        Fault::MissingAccess,
        1,
    );
    let mut briefing = support::numbered(40);
    briefing.key_questions = vec!["Does it hold?".into()];
    bot.store(move |s| s.save_briefing(&briefing).map(|_| ()))
        .await;

    let report = double
        .wait_for(LIMIT, "a report in the log channel", |d| {
            d.channel_messages(LOG_CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    let said = report.body["content"].as_str().unwrap();
    assert!(
        said.contains("could not open its discussion thread"),
        "{said}"
    );
    assert_eq!(
        double.channel_messages(CHANNEL_ID).len(),
        1,
        "the briefing was posted"
    );
    let db = bot.stop().await;
    let (subscriptions, log) = db
        .call(|s| {
            Ok((
                s.subscriptions(GUILD_ID)?,
                s.delivery_log(GUILD_ID, LogFilter::default(), 10)?,
            ))
        })
        .await
        .unwrap();
    assert!(
        subscriptions.iter().all(|s| s.paused_reason.is_none()),
        "{subscriptions:?}"
    );
    let post = log.iter().find(|d| d.channel_id == CHANNEL_ID).unwrap();
    assert_eq!(post.state, DeliveryState::Sent);
    assert!(
        post.reason
            .as_deref()
            .unwrap_or("")
            .contains("discussion thread"),
        "{post:?}"
    );
    assert_accepted(&double);
}

/// A channel where the bot may post but not open threads is refused while
/// threads are on, naming the missing permission, and accepted once they
/// are off (the permissions are read from the server Discord described).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_without_thread_permissions_is_refused_while_threads_are_on() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let refused = command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", NO_THREADS_CHANNEL_ID)])),
    )
    .await;
    let said = text(&refused);
    assert!(
        said.contains("Create Public Threads") && said.contains("/settings threads off"),
        "{said}"
    );
    command(
        &double,
        "settings",
        sub("threads", json!([opt("on", 5, json!(false))])),
    )
    .await;
    let added = command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", NO_THREADS_CHANNEL_ID)])),
    )
    .await;
    assert!(!text(&added).contains("Create Public Threads"), "{added}");
    let subscriptions = bot.store(|s| s.subscriptions(GUILD_ID)).await;
    assert_eq!(subscriptions.len(), 1, "stored once threads were off");
    assert_accepted(&double);
    bot.stop().await;
}

/// Discord forgets a nonce after a few minutes. A post whose answer was lost,
/// retried only after that (server errors in between), would be posted a
/// second time on the nonce alone; the bot looks in the channel first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_response_retried_after_the_nonce_window_still_posts_once() {
    let double = double().await;
    double.set_nonce_window(Duration::from_millis(300));
    let db = library();
    let now = Utc::now();
    db.call(move |s| {
        let spec = ScheduleSpec {
            channel_id: CHANNEL_ID,
            rule: Rule::Once(now.naive_utc()),
            timezone: None,
            content: Content::Digest(1),
        };
        s.add_schedule(
            GUILD_ID,
            &spec,
            now.timestamp_millis(),
            MEMBER_ID,
            now.timestamp_millis(),
        )
        .map(|_| ())
    })
    .await
    .unwrap();
    let create = format!("channels/{CHANNEL_ID}/messages");
    // Made, but the answer is lost; then Discord fails for longer than it
    // remembers the nonce (the retries back off 10, 20, 40 ... ms).
    double.inject(&create, Fault::LostResponse(502), 1);
    double.inject(&create, Fault::ServerError(503), 7);
    let settings_window = Duration::from_millis(300);
    let bot =
        Bot::start_real_with(&double, db, |config| config.nonce_window = settings_window).await;
    // The faults run out: the first answered request on the channel ends it
    // (a look at its messages that finds the post, or a second create).
    double
        .wait_for(LIMIT, "an answered request after the faults", |d| {
            d.with_requests(|r| r.iter().any(|r| r.path == create && r.status == 200))
                .then_some(())
        })
        .await
        .unwrap();
    let db = bot.stop().await;
    assert_eq!(
        double.channel_messages(CHANNEL_ID).len(),
        1,
        "exactly one message, though the nonce was forgotten"
    );
    assert!(
        double.with_requests(|r| r.iter().any(|r| r.method == "GET" && r.path == create)),
        "the late retry looked in the channel"
    );
    let counts = db.call(|s| s.delivery_counts()).await.unwrap();
    assert_eq!(counts, vec![("sent".to_string(), 1)]);
    assert_accepted(&double);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_missed_while_offline_follow_the_catch_up_window() {
    let double = double().await;
    let db = library();
    let now = utc("2026-11-24T12:30:00Z");
    let local = |h| briefbot::domain::schedule::local(2026, 1, 1, h, 0);
    db.call(move |s| {
        let at = |text: &str| utc(text).timestamp_millis();
        let created = at("2026-11-20T00:00:00Z");
        let add = |s: &mut Store, channel: u64, rule: Rule, due: i64| {
            let spec = ScheduleSpec {
                channel_id: channel,
                rule,
                timezone: None,
                content: Content::Digest(1),
            };
            s.add_schedule(GUILD_ID, &spec, due, MEMBER_ID, created)
                .map(|_| ())
        };
        // Due 30 minutes ago: within the hour, posted.
        add(
            s,
            700_001,
            Rule::Daily(local(12).time()),
            at("2026-11-24T12:00:00Z"),
        )?;
        // Due 3 hours ago: skipped.
        add(
            s,
            700_002,
            Rule::Daily(local(9).time()),
            at("2026-11-24T09:30:00Z"),
        )?;
        // Hourly since 08:00: five runs missed, one post.
        add(
            s,
            700_003,
            Rule::Cron("0 * * * *".into()),
            at("2026-11-24T08:00:00Z"),
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let bot = Bot::start(&double, db, now).await;
    let marker = marker(&bot).await;
    barrier(&double, marker).await;
    double
        .wait_for(LIMIT, "the caught-up posts", |d| {
            (d.channel_messages(700_001).len() == 1
                && d.channel_messages(700_003).len() == 1
                && d.every_post_acknowledged())
            .then_some(())
        })
        .await
        .unwrap();
    assert!(double.channel_messages(700_002).is_empty());
    let db = bot.stop().await;
    let (log, next) = db
        .call(|s| {
            Ok((
                s.delivery_log(GUILD_ID, LogFilter::default(), 50)?,
                s.schedules(GUILD_ID)?,
            ))
        })
        .await
        .unwrap();
    let of = |channel: u64| {
        log.iter()
            .filter(|d| d.channel_id == channel)
            .collect::<Vec<_>>()
    };
    let skipped = of(700_002);
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].state, DeliveryState::Skipped);
    assert!(skipped[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("outside the 1 hour catch-up window"));
    let hourly = of(700_003);
    assert_eq!(hourly.len(), 2, "{hourly:?}");
    assert!(hourly.iter().any(|d| d.state == DeliveryState::Skipped
        && d.reason
            .as_deref()
            .unwrap()
            .starts_with("4 earlier runs were missed")));
    assert!(hourly.iter().any(|d| d.state == DeliveryState::Sent
        && d.due_at == utc("2026-11-24T12:00:00Z").timestamp_millis()));
    for schedule in next.iter().filter(|s| s.spec.channel_id != LOG_CHANNEL_ID) {
        assert!(
            schedule.next_run_at.unwrap() > now.timestamp_millis(),
            "{schedule:?}"
        );
    }
}

/// `/subscribe add include:… exclude:…` through the double: a filter that
/// cannot be read is refused and stores nothing; a good one is shown back,
/// listed, and posts only the briefings that mention its words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_filters_choose_what_a_subscribed_channel_gets() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let subscribe = |options: Value| command(&double, "subscribe", sub("add", options));
    let refused = subscribe(json!([
        channel("channel", CHANNEL_ID),
        opt("include", 3, json!("\"offshore wind"))
    ]))
    .await;
    assert_eq!(refused["flags"], EPHEMERAL);
    assert!(
        text(&refused).contains("include: the filter has a quote that is not closed"),
        "{refused}"
    );
    let listed = command(&double, "subscribe", sub("list", json!([]))).await;
    assert!(
        text(&listed).contains("No channel is subscribed"),
        "{listed}"
    );

    let added = subscribe(json!([
        channel("channel", CHANNEL_ID),
        opt("include", 3, json!("turbines \"offshore wind\"")),
        opt("exclude", 3, json!("Opinion"))
    ]))
    .await;
    assert!(
        text(&added)
            .contains("every new briefing mentioning turbines, \"offshore wind\" but not opinion"),
        "{added}"
    );
    let listed = command(&double, "subscribe", sub("list", json!([]))).await;
    assert!(
        text(&listed).contains("mentioning turbines, \"offshore wind\" but not opinion"),
        "{listed}"
    );

    let preview = || {
        command(
            &double,
            "subscribe",
            sub("preview", json!([channel("channel", CHANNEL_ID)])),
        )
    };
    // The library's samples already mention offshore wind: the preview
    // shows one of those (the library itself is never posted).
    let before = preview().await;
    assert!(
        text(&before).contains("nothing has been posted")
            && !text(&before).contains("deep harbours"),
        "{before}"
    );
    let unmatched = subscribe(json!([
        channel("channel", LOG_CHANNEL_ID),
        opt("include", 3, json!("zyzzyva"))
    ]))
    .await;
    assert!(
        text(&unmatched).contains("mentioning zyzzyva"),
        "{unmatched}"
    );
    let nothing = command(
        &double,
        "subscribe",
        sub("preview", json!([channel("channel", LOG_CHANNEL_ID)])),
    )
    .await;
    assert!(text(&nothing).contains("None of the newest"), "{nothing}");
    let briefing = |n: usize, title: &str, body: &str| {
        let mut b = support::numbered(n);
        b.title = title.into();
        b.body = vec![briefbot::domain::BodyBlock::paragraph(body)];
        b
    };
    let saved = bot
        .store(move |s| {
            let mut ids = Vec::new();
            for b in [
                briefing(1, "Grid storage", "Batteries, not wind."),
                briefing(2, "Opinion: turbines everywhere", "-"),
                briefing(3, "Ports", "Offshore wind farms need deep harbours."),
            ] {
                ids.push(s.save_briefing(&b)?.1);
            }
            Ok(ids)
        })
        .await;
    let post = double
        .wait_for(LIMIT, "the matching briefing's post", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    assert!(text(&post.body).contains("Ports"), "{}", post.body);
    let queued = bot
        .store(|s| s.delivery_log(GUILD_ID, LogFilter::default(), 10))
        .await;
    let briefings: Vec<i64> = queued
        .iter()
        .filter_map(|d| match d.payload {
            briefbot::store::Payload::Briefing(id) => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(
        briefings,
        vec![saved[2]],
        "only the briefing that mentions offshore wind"
    );

    // The preview shows, privately, the newest briefing it would take.
    let shown = preview().await;
    assert_eq!(
        shown["flags"].as_u64().unwrap() & EPHEMERAL,
        EPHEMERAL,
        "{shown}"
    );
    assert!(
        text(&shown).contains("nothing has been posted") && text(&shown).contains("Ports"),
        "{shown}"
    );
    let elsewhere = command(
        &double,
        "subscribe",
        sub(
            "preview",
            json!([channel("channel", NO_THREADS_CHANNEL_ID)]),
        ),
    )
    .await;
    assert!(
        text(&elsewhere).contains("is not subscribed"),
        "{elsewhere}"
    );
    assert_eq!(
        double.channel_messages(CHANNEL_ID).len(),
        1,
        "a preview posts nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribed_channels_get_new_briefings_from_uploads_and_other_processes_but_not_the_library(
) {
    let double = double().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    {
        let mut store = Store::open(&path).unwrap();
        load_samples(&mut store).unwrap();
    }
    let bot = Bot::start(
        &double,
        Db::new(Store::open(&path).unwrap()),
        utc("2026-11-24T10:00:00Z"),
    )
    .await;
    let marker = marker(&bot).await;
    let subscribed = command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    assert!(text(&subscribed).contains("are not posted"), "{subscribed}");
    let filtered = command(
        &double,
        "subscribe",
        sub(
            "add",
            json!([
                channel("channel", LOG_CHANNEL_ID),
                opt("categories", 3, json!("logistics"))
            ]),
        ),
    )
    .await;
    assert!(
        text(&filtered).contains("new briefings in logistics"),
        "{filtered}"
    );

    // Nothing from the existing library.
    barrier(&double, marker).await;
    assert!(double.channel_messages(CHANNEL_ID).is_empty());

    // Another process (the CLI) imports into the same file.
    {
        let mut other = Store::open(&path).unwrap();
        other.save_briefing(&support::numbered(1)).unwrap();
    }
    let post = double
        .wait_for(LIMIT, "the imported briefing", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    assert!(
        text(&post.body).contains("Numbered Briefing 1"),
        "{}",
        post.body
    );

    // A moderator uploads one in Logistics.
    let file =
        support::sample("003-river-freight-drought.md").replace("slug = \"", "slug = \"again-");
    let file = file.replacen("title = \"", "title = \"Again: ", 1);
    let (attachment, resolved) = double.attach("again.md", file.as_bytes());
    let upload = double
        .send_command_as(
            &Invoker::moderator(),
            "briefing",
            sub(
                "import",
                json!([opt("file", 11, json!(attachment.to_string()))]),
            ),
            json!({ "attachments": { attachment.to_string(): resolved } }),
        )
        .unwrap();
    let imported = reply(&double, &upload).await;
    assert!(text(&imported).contains("Imported #"), "{imported}");
    double
        .wait_for(LIMIT, "the uploaded briefing", |d| {
            (d.channel_messages(CHANNEL_ID).len() >= 2).then_some(())
        })
        .await
        .unwrap();
    barrier(&double, marker).await;
    let posts = double.channel_messages(CHANNEL_ID);
    assert_eq!(posts.len(), 2, "each new briefing once");
    assert!(text(&posts[1].body).contains("Again:"), "{}", posts[1].body);
    // The Logistics-only channel got the upload (besides the markers'
    // digests), not the numbered one.
    let log_posts: Vec<String> = double
        .channel_messages(LOG_CHANNEL_ID)
        .iter()
        .map(|m| text(&m.body))
        .filter(|t| !t.contains("digest"))
        .collect();
    assert_eq!(log_posts.len(), 1, "{log_posts:?}");
    assert!(log_posts[0].contains("Again:"), "{log_posts:?}");

    // A bad upload changes nothing.
    let (bad, resolved) = double.attach("broken.md", b"+++\ntitle = \n+++\n");
    let upload = double
        .send_command_as(
            &Invoker::moderator(),
            "briefing",
            sub("import", json!([opt("file", 11, json!(bad.to_string()))])),
            json!({ "attachments": { bad.to_string(): resolved } }),
        )
        .unwrap();
    let refused = reply(&double, &upload).await;
    assert_private(&refused);
    assert!(text(&refused).contains("was not imported"), "{refused}");
    assert_accepted(&double);
    bot.stop().await;
}

/// A subscribed post is a Components V2 card within Discord's rules (the
/// double checks each body against the OpenAPI schema and the V2 limits):
/// a 12,000-character body continues in a few more cards, loses nothing and
/// shows its lead image beside the title.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_briefing_is_posted_as_cards_within_discords_limits() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    let mut long = support::numbered(9);
    long.image = Some("https://img.example.org/lead.jpg".into());
    long.body = (0..40)
        .map(|n| {
            briefbot::domain::BodyBlock::paragraph(format!(
                "Paragraph {n} ends here. {}",
                "Words of a long analysis. ".repeat(11)
            ))
        })
        .collect();
    let body_chars: usize = long.body.iter().map(|b| b.text.chars().count()).sum();
    assert!(body_chars >= 12_000, "{body_chars}");
    bot.store(move |s| s.save_briefing(&long).map(|_| ())).await;
    let posted = double
        .wait_for(LIMIT, "every card of the post", |d| {
            let messages = d.channel_messages(CHANNEL_ID);
            let text: String = messages.iter().map(|m| text(&m.body)).collect();
            text.contains("Paragraph 39 ends here.").then_some(messages)
        })
        .await
        .unwrap();
    assert!(
        (2..=briefbot::domain::bounds::MAX_MESSAGES).contains(&posted.len()),
        "{} messages",
        posted.len()
    );
    for message in &posted {
        let flags = message.body["flags"].as_u64().unwrap_or(0);
        assert_eq!(flags & (1 << 15), 1 << 15, "{}", message.body);
        assert!(message.body.get("embeds").is_none() && message.body.get("content").is_none());
    }
    let text: String = posted.iter().map(|m| text(&m.body)).collect();
    for n in 0..40 {
        assert_eq!(
            text.matches(&format!("Paragraph {n} ends here.")).count(),
            1,
            "paragraph {n}"
        );
    }
    assert_eq!(
        support::interactions::thumbnail(&posted[0].body).as_deref(),
        Some("https://img.example.org/lead.jpg")
    );
    assert_eq!(double.problems(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_post_arrives_once_and_the_real_post_still_follows() {
    let double = double().await;
    let bot = Bot::start(&double, library(), utc("2026-11-24T10:00:00Z")).await;
    let test_post = |channel_id: u64| {
        command(
            &double,
            "subscribe",
            sub("test", json!([channel("channel", channel_id)])),
        )
    };
    let refused = test_post(CHANNEL_ID).await;
    assert_private(&refused);
    assert!(text(&refused).contains("is not subscribed"), "{refused}");

    let added = command(
        &double,
        "subscribe",
        sub("add", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    assert!(text(&added).contains("every new briefing"), "{added}");
    let newest = bot.store(|s| Ok(s.newest_briefing_ids(1)?[0])).await;
    let unposted_before = bot.store(|s| s.next_unposted_briefing(CHANNEL_ID)).await;

    let queued = test_post(CHANNEL_ID).await;
    assert_private(&queued);
    assert!(
        text(&queued).contains("Posting a test of")
            && text(&queued).contains("real post still comes"),
        "{queued}"
    );
    let posted = double
        .wait_for(LIMIT, "the test post", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    let shown = text(&posted.body);
    assert!(
        shown.contains("Test post of this channel's subscription"),
        "{shown}"
    );
    let title = bot
        .store(move |s| Ok(s.briefing_by_id(newest)?.unwrap().briefing.title))
        .await;
    assert!(
        shown.contains(&title),
        "the newest briefing, in full: {shown}"
    );
    let marked = marker(&bot).await;
    barrier(&double, marked).await;
    assert_eq!(
        double.channel_messages(CHANNEL_ID).len(),
        1,
        "a test posts once"
    );
    assert!(
        double.threads().is_empty(),
        "a test opens no discussion thread"
    );
    // It is not the briefing's post: nothing counts it as posted.
    let (posted_in_guild, unposted_after) = bot
        .store(move |s| {
            Ok((
                s.briefing_posted_in(GUILD_ID, newest)?,
                s.next_unposted_briefing(CHANNEL_ID)?,
            ))
        })
        .await;
    assert!(!posted_in_guild);
    assert_eq!(unposted_after, unposted_before);

    // The real post of a new briefing still comes, with its discussion.
    let mut fresh = support::numbered(7);
    fresh.title = "Harbour cranes go electric".into();
    bot.store(move |s| s.save_briefing(&fresh).map(|_| ()))
        .await;
    let real = double
        .wait_for(LIMIT, "the real post", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().nth(1)
        })
        .await
        .unwrap();
    let shown = text(&real.body);
    assert!(
        shown.contains("Harbour cranes go electric") && !shown.contains("Test post"),
        "{shown}"
    );
    let log = command(&double, "schedule", sub("log", json!([]))).await;
    assert!(
        text(&log).contains("/subscribe test"),
        "the log tells the test apart: {log}"
    );
    assert_accepted(&double);
    bot.stop().await;
}
