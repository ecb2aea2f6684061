//! The schedule, subscription and settings handlers directly, on a manual
//! clock: edits, pauses, autocomplete, previews and their refusals.

mod support;

use support::replies::{refusal, said};

use std::sync::Arc;

use briefbot::clock::ManualClock;
use briefbot::handlers::{Caller, ChannelRef, Handlers, ScheduleRequest, SubscriptionRequest};
use briefbot::samples::load_samples;
use briefbot::store::{Db, ScheduleState, Store};
use chrono::{DateTime, Utc};

const GUILD: u64 = 7;

fn setup() -> (Handlers, Db, Arc<ManualClock>) {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    let db = Db::new(store);
    let clock = ManualClock::new(utc("2026-11-24T10:00:00Z"));
    (Handlers::with_clock(db.clone(), clock.clone()), db, clock)
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn moderator() -> Caller {
    Caller::console(GUILD)
}

fn news() -> ChannelRef {
    ChannelRef {
        id: 42,
        name: "news".into(),
        problem: None,
        threads_problem: None,
        webhooks_problem: None,
        announcement: false,
        forum: false,
    }
}

fn daily(when: &str) -> ScheduleRequest {
    ScheduleRequest {
        channel: Some(news()),
        when: Some(when.into()),
        repeat: Some("daily".into()),
        ..ScheduleRequest::default()
    }
}

#[tokio::test]
async fn edit_pause_resume_and_cancel_keep_the_next_run_right() {
    let (handlers, db, clock) = setup();
    let caller = moderator();
    handlers
        .schedule_add(&caller, daily("09:00"))
        .await
        .unwrap();
    let next = |db: Db| async move { db.call(|s| s.schedule(GUILD, 1)).await.unwrap().unwrap() };
    assert_eq!(
        next(db.clone()).await.next_run_at,
        Some(utc("2026-11-25T09:00:00Z").timestamp_millis())
    );

    // A zone of its own moves the run; nothing else changes.
    let edited = handlers
        .schedule_edit(
            &caller,
            "#1".into(),
            ScheduleRequest {
                timezone: Some("America/New_York".into()),
                ..ScheduleRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(
        said(&edited).contains("daily at 09:00 (America/New_York)"),
        "{}",
        said(&edited)
    );
    assert_eq!(
        next(db.clone()).await.next_run_at,
        Some(utc("2026-11-24T14:00:00Z").timestamp_millis())
    );

    handlers.schedule_pause(&caller, "1".into()).await.unwrap();
    assert_eq!(next(db.clone()).await.state, ScheduleState::Paused);
    assert!(refusal(handlers.schedule_pause(&caller, "1".into()).await).contains("already paused"));

    // Resumed two days later: the runs in between are not made up.
    clock.set(utc("2026-11-26T15:00:00Z"));
    let resumed = handlers.schedule_resume(&caller, "1".into()).await.unwrap();
    let expected = utc("2026-11-27T14:00:00Z").timestamp();
    assert!(
        said(&resumed).contains(&format!("<t:{expected}:F>")),
        "{}",
        said(&resumed)
    );

    let asked = handlers.schedule_cancel(&caller, "1".into()).await.unwrap();
    let yes = asked.messages[0].buttons[0].custom_id.clone();
    let done = handlers.button(&caller, &yes).await.unwrap().unwrap();
    assert!(said(&done).contains("is cancelled"));
    assert!(
        refusal(handlers.schedule_run_now(&caller, "1".into()).await).contains("cancelled already")
    );
    assert!(handlers
        .schedule_list(&caller)
        .await
        .map(|r| said(&r))
        .unwrap()
        .contains("No schedules"));
}

#[tokio::test]
async fn edits_and_other_servers_are_checked() {
    let (handlers, _, _) = setup();
    let caller = moderator();
    handlers
        .schedule_add(&caller, daily("09:00"))
        .await
        .unwrap();
    let no_repeat = ScheduleRequest {
        repeat: None,
        ..daily("09:00")
    };
    // A time alone is the next one; the reply shows it, in Discord's
    // timestamps and in the zone's wall clock.
    let once = said(&handlers.schedule_add(&caller, no_repeat).await.unwrap());
    assert!(
        once.contains("once, 2026-11-25 09:00")
            && once.contains("Runs <t:1795597200:F> (Wed 2026-11-25 09:00 UTC)"),
        "{once}"
    );
    let first = said(&handlers.schedule_list(&caller).await.unwrap());
    assert!(first.contains("daily at 09:00"), "{first}");
    let elsewhere = Caller::console(GUILD + 1);
    assert!(
        refusal(handlers.schedule_pause(&elsewhere, "1".into()).await)
            .contains("no schedule #1 in this server")
    );
    assert!(
        refusal(handlers.schedule_pause(&caller, "one".into()).await)
            .contains("not a schedule number")
    );
    let nothing = handlers
        .schedule_edit(&caller, "1".into(), ScheduleRequest::default())
        .await;
    assert!(refusal(nothing).contains("Nothing to change"));
    let weekly_without_day = ScheduleRequest {
        repeat: Some("weekly".into()),
        ..ScheduleRequest::default()
    };
    let refused = refusal(
        handlers
            .schedule_edit(&caller, "1".into(), weekly_without_day)
            .await,
    );
    assert!(
        refused.contains("To make it weekly, give when: too (a weekday, e.g. when:\"mon 09:00\")"),
        "{refused}"
    );
    // repeat: alone keeps the time where the new repeat can.
    let as_cron = said(
        &handlers
            .schedule_edit(
                &caller,
                "1".into(),
                ScheduleRequest {
                    repeat: Some("cron".into()),
                    ..ScheduleRequest::default()
                },
            )
            .await
            .unwrap(),
    );
    assert!(
        as_cron.contains("cron `0 9 * * *`") && as_cron.contains("Next runs: <t:"),
        "{as_cron}"
    );
    assert_eq!(as_cron.matches("<t:").count(), 3, "{as_cron}");
    let digest = ScheduleRequest {
        post: Some("digest".into()),
        count: Some(40),
        ..ScheduleRequest::default()
    };
    assert!(refusal(handlers.schedule_edit(&caller, "1".into(), digest).await).contains("1 to 25"));
}

#[tokio::test]
async fn next_posts_the_newest_unposted_briefing_and_says_when_there_is_none() {
    let (handlers, db, _) = setup();
    let caller = moderator();
    handlers
        .schedule_add(&caller, daily("09:00"))
        .await
        .unwrap();
    let preview = handlers
        .schedule_preview(&caller, "1".into())
        .await
        .unwrap();
    assert!(preview.ephemeral);
    assert!(said(&preview).contains("Preview of schedule #1"));
    assert!(
        said(&preview).contains("Open Access Fibre"),
        "the newest first: {}",
        said(&preview)
    );
    // Post all four samples there (run-now queues each; mark them sent).
    for _ in 0..4 {
        handlers
            .schedule_run_now(&caller, "1".into())
            .await
            .unwrap();
        db.call(|s| {
            let claimed = s.claim_due(briefbot::store::GuildScope::ALL, i64::MAX, i64::MAX, 10)?;
            for d in claimed {
                s.mark_sent(d.id, 0)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    }
    let empty = refusal(handlers.schedule_run_now(&caller, "1".into()).await);
    assert!(
        empty.contains("every briefing has already been posted to this channel"),
        "{empty}"
    );
}

#[tokio::test]
async fn subscriptions_and_settings_refuse_what_cannot_work() {
    let (handlers, _, _) = setup();
    let caller = moderator();
    // Posting works but threads do not: refused while threads are on, with
    // the missing permission named; accepted once threads are off.
    let no_threads = ChannelRef {
        threads_problem: Some("the bot lacks Create Public Threads".into()),
        announcement: false,
        forum: false,
        ..news()
    };
    let refused = refusal(
        handlers
            .subscribe_add(&caller, SubscriptionRequest::to(no_threads.clone()))
            .await,
    );
    assert!(
        refused.contains("Create Public Threads") && refused.contains("/settings threads off"),
        "{refused}"
    );
    let refused = refusal(
        handlers
            .schedule_add(
                &caller,
                ScheduleRequest {
                    channel: Some(no_threads.clone()),
                    when: Some("in 2h".into()),
                    ..ScheduleRequest::default()
                },
            )
            .await,
    );
    assert!(refused.contains("Create Public Threads"), "{refused}");
    assert!(
        handlers.subscribe_list(&caller).await.unwrap().messages[0]
            .content
            .as_deref()
            .unwrap_or("")
            .contains("No channel"),
        "nothing was stored"
    );
    handlers
        .set_discussion_threads(&caller, false)
        .await
        .unwrap();
    handlers
        .subscribe_add(&caller, SubscriptionRequest::to(no_threads))
        .await
        .unwrap();
    handlers.subscribe_remove(&caller, news()).await.unwrap();
    handlers
        .set_discussion_threads(&caller, true)
        .await
        .unwrap();
    let locked = ChannelRef {
        problem: Some("the bot lacks Send Messages".into()),
        ..news()
    };
    assert!(refusal(
        handlers
            .subscribe_add(&caller, SubscriptionRequest::to(locked.clone()))
            .await
    )
    .contains("I can't post in <#42>"));
    assert!(
        refusal(handlers.set_log_channel(&caller, Some(locked)).await)
            .contains("lacks Send Messages")
    );
    assert!(refusal(
        handlers
            .subscribe_add(
                &caller,
                SubscriptionRequest {
                    categories: Some("Enrgy".into()),
                    ..SubscriptionRequest::to(news())
                }
            )
            .await
    )
    .contains("'Enrgy'"));
    assert!(refusal(handlers.subscribe_remove(&caller, news()).await).contains("is not subscribed"));
    let added = handlers
        .subscribe_add(
            &caller,
            SubscriptionRequest {
                categories: Some("energy, europe".into()),
                ..SubscriptionRequest::to(news())
            },
        )
        .await
        .unwrap();
    assert!(said(&added).contains("new briefings in energy, europe"));
    let again = handlers
        .subscribe_add(&caller, SubscriptionRequest::to(news()))
        .await
        .unwrap();
    assert!(said(&again).starts_with("Updated"));
    assert!(
        refusal(handlers.set_timezone(&caller, "Europe/Berln".into()).await)
            .contains("not a time zone")
    );
    let dm = Caller {
        guild_id: None,
        ..moderator()
    };
    assert!(refusal(handlers.schedule_list(&dm).await).contains("works in a server"));
}

#[tokio::test]
async fn autocomplete_offers_zones_and_this_servers_schedules() {
    let (handlers, _, _) = setup();
    let zones = handlers.autocomplete_timezone("berl");
    assert_eq!(zones[0].value, "Europe/Berlin");
    assert!(handlers.autocomplete_timezone("").len() <= 25);
    handlers
        .schedule_add(&moderator(), daily("09:00"))
        .await
        .unwrap();
    let offered = handlers
        .autocomplete_schedule(&moderator(), "daily".into())
        .await
        .unwrap();
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].value, "1");
    assert!(offered[0].name.starts_with("#1 · daily at 09:00"));
    let other = handlers
        .autocomplete_schedule(&Caller::console(GUILD + 1), String::new())
        .await
        .unwrap();
    assert!(
        other.is_empty(),
        "another server's schedules are not offered"
    );
}
