//! Announcement channels: a subscription may publish each post to the
//! servers that follow the channel. Publishing is an outbox step paced to
//! Discord's limit of about 10 per channel per hour: the 11th publish in an
//! hour waits (never fails, never repeats) and goes out when the hour allows.

mod support;

use std::time::Duration;

use briefbot::clock::{ManualClock, SharedClock};
use briefbot::domain::{BodyBlock, Briefing, Source};
use briefbot::samples::load_samples;
use briefbot::store::{Db, DeliveryState, LogFilter, Payload, Store};
use chrono::{DateTime, Utc};
use discord_double::{resolved_channels, Invoker, ANNOUNCEMENT_CHANNEL_ID, CHANNEL_ID, GUILD_ID};
use serde_json::json;
use support::bot::{double, Options, LIMIT};

fn briefing(n: usize) -> Briefing {
    Briefing {
        slug: format!("harbour-note-{n}"),
        title: format!("Harbour note {n}"),
        published: None,
        source: Source::default(),
        categories: vec!["Energy".into()],
        highlights: vec![format!("Note {n} in one line.")],
        body: vec![BodyBlock::paragraph("Short enough for one message.")],
        implications: None,
        key_questions: Vec::new(),
        closing: None,
        author: None,
        image: None,
    }
}

async fn subscribe(double: &discord_double::Double, channel: u64) -> String {
    let invocation = double
        .send_command_as(
            &Invoker::moderator(),
            "subscribe",
            json!([{ "name": "add", "type": 1, "options": [
                { "name": "channel", "type": 7, "value": channel.to_string() },
                { "name": "publish", "type": 5, "value": true }
            ]}]),
            resolved_channels(&[channel]),
        )
        .unwrap();
    let shown = double
        .wait_for(LIMIT, "the reply", |d| {
            d.shown_replies(&invocation).into_iter().next()
        })
        .await
        .unwrap();
    shown.body["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eleventh_publish_in_an_hour_waits_and_then_goes_out() {
    let double = double().await;
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    let db = Db::new(store);
    let start: DateTime<Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
    let clock = ManualClock::new(start);
    let shared: SharedClock = clock.clone();
    let bot = support::bot::Bot::start(
        &double,
        db.clone(),
        Options {
            clock: Some(shared),
            ..Options::prompt()
        },
    )
    .await;

    // Only announcement channels publish.
    let refused = subscribe(&double, CHANNEL_ID).await;
    assert!(refused.contains("not an announcement channel"), "{refused}");
    let accepted = subscribe(&double, ANNOUNCEMENT_CHANNEL_ID).await;
    assert!(
        accepted.contains("published to the servers that follow"),
        "{accepted}"
    );

    db.call(|s| {
        s.in_transaction(|s| {
            for n in 0..11 {
                s.save_briefing(&briefing(n))?;
            }
            Ok(())
        })
    })
    .await
    .unwrap();

    // Eleven posts; ten published; the eleventh waits for the hour.
    let deadline = tokio::time::Instant::now() + LIMIT;
    let waiting = loop {
        let deliveries = announcement_deliveries(&db).await;
        let waiting: Vec<_> = deliveries
            .iter()
            .filter(|d| d.state == DeliveryState::Retrying)
            .cloned()
            .collect();
        let sent = deliveries
            .iter()
            .filter(|d| d.state == DeliveryState::Sent)
            .count();
        if sent == 10 && waiting.len() == 1 {
            break waiting[0].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{deliveries:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(matches!(waiting.payload, Payload::Briefing(_)));
    let reason = waiting.reason.clone().unwrap();
    assert!(
        reason.contains("publish waits for Discord's limit of 10"),
        "{reason}"
    );
    assert_eq!(double.published().len(), 10);
    assert_eq!(
        double.channel_messages(ANNOUNCEMENT_CHANNEL_ID).len(),
        11,
        "all eleven posted"
    );
    assert_eq!(
        double.publish_refusals(),
        0,
        "the bot paced itself; Discord never refused"
    );

    // An hour later (for Discord and for the bot) it is published, once.
    double.forget_publishes();
    clock.advance(chrono::Duration::minutes(61));
    double
        .wait_for(LIMIT, "the eleventh publish", |d| {
            (d.published().len() == 11).then_some(())
        })
        .await
        .unwrap();
    let db = bot.stop().await;
    let eleventh = db
        .read(move |s| s.delivery(waiting.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eleventh.state, DeliveryState::Sent);
    assert!(
        eleventh.attempts <= 2,
        "waiting is not a failed attempt: {eleventh:?}"
    );
    let published: std::collections::HashSet<u64> =
        double.published().iter().map(|p| p.message_id).collect();
    assert_eq!(published.len(), 11, "each post published once");
    assert_eq!(double.publish_refusals(), 0);
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_waiting_for_the_hour_does_not_hold_back_the_discussion() {
    let double = double().await;
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    let start: DateTime<Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
    // The channel has used its ten publishes of the hour already.
    for n in 0..10 {
        store
            .record_publish(
                ANNOUNCEMENT_CHANNEL_ID,
                &format!("{}", 900 + n),
                start.timestamp_millis() - 60_000,
            )
            .unwrap();
    }
    let db = Db::new(store);
    let clock = ManualClock::new(start);
    let shared: SharedClock = clock.clone();
    let bot = support::bot::Bot::start(
        &double,
        db.clone(),
        Options {
            clock: Some(shared),
            ..Options::prompt()
        },
    )
    .await;
    let accepted = subscribe(&double, ANNOUNCEMENT_CHANNEL_ID).await;
    assert!(accepted.contains("published"), "{accepted}");
    let mut asked = briefing(1);
    asked.key_questions = vec!["Who pays for the harbour batteries?".into()];
    db.call(move |s| s.save_briefing(&asked)).await.unwrap();

    // The post, its thread and its question arrive; the publish waits.
    let thread = double
        .wait_for(LIMIT, "the discussion thread", |d| {
            d.threads().into_iter().next()
        })
        .await
        .unwrap();
    let prompt = double
        .wait_for(LIMIT, "the question in the thread", |d| {
            d.channel_messages(thread.id).into_iter().next()
        })
        .await
        .unwrap();
    assert!(double.published().is_empty(), "not published yet");

    // A member answers while the publish waits, and sees the answer shown.
    let button = support::interactions::first_button_id(&prompt.body).unwrap();
    let press = double.press_button(&button).unwrap();
    let form = double.callback(&press, LIMIT).await.unwrap().body;
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = double
        .submit_modal_in(thread.id, &form_id, &[("text", "The ratepayers, mostly.")])
        .unwrap();
    double.callback(&submit, LIMIT).await.unwrap();
    double
        .wait_for(LIMIT, "the answer shown in the thread", |d| {
            d.channel_messages(thread.id)
                .into_iter()
                .find(|m| m.body.to_string().contains("The ratepayers, mostly."))
        })
        .await
        .unwrap();
    assert!(double.published().is_empty(), "still waiting for the hour");
    // A thread shows answers once its delivery is recorded as waiting (one
    // write), so the answer shown means the wait is on record.
    let waiting = announcement_deliveries(&db)
        .await
        .into_iter()
        .find(|d| d.state == DeliveryState::Retrying)
        .expect("the delivery waits for its publish");
    assert!(
        waiting
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("publish waits"),
        "{waiting:?}"
    );

    // Then the hour passes and the post is published, once.
    clock.advance(chrono::Duration::minutes(61));
    double
        .wait_for(LIMIT, "the publish", |d| {
            (d.published().len() == 1).then_some(())
        })
        .await
        .unwrap();
    let db = bot.stop().await;
    let sent = db
        .read(move |s| s.delivery(waiting.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);
    assert_eq!(double.threads().len(), 1, "one thread");
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}

/// The announcement channel's deliveries, newest first.
async fn announcement_deliveries(db: &Db) -> Vec<briefbot::store::Delivery> {
    db.read(|s| {
        s.delivery_log(
            GUILD_ID,
            LogFilter {
                channel_id: Some(ANNOUNCEMENT_CHANNEL_ID),
                schedule_id: None,
            },
            50,
        )
    })
    .await
    .unwrap()
}
