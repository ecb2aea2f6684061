//! What to do about a schedule whose run time has come: post once, skip what
//! was missed beyond the catch-up window, and when to run next. Pure, so the
//! downtime rules are tested without any clock.

use chrono_tz::Tz;

use super::{resolve_content, Prepared};
use crate::clock::from_ms;
use crate::domain::schedule::{parse_zone, Repeat, Rule};
use crate::store::{GuildScope, NewDelivery, Origin, Payload, ScheduleState, Store, StoreError};

/// How many missed runs are counted before giving up counting (a minutely
/// cron after a month offline).
const MAX_COUNTED: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPlan {
    /// Post, as the run due at this time.
    pub deliver: Option<i64>,
    /// Record a skipped run (due time, reason).
    pub skipped: Option<(i64, String)>,
    /// The next run after now; `None` when the schedule is over.
    pub next_run: Option<i64>,
}

/// `due` is the schedule's stored next run (at or before `now`).
pub fn plan_run(rule: &Rule, zone: Tz, due: i64, now: i64, catch_up_ms: i64) -> RunPlan {
    // Every run from `due` up to now: the latest one is the candidate.
    let mut latest = due;
    let mut missed = 1u32;
    while missed < MAX_COUNTED {
        match rule.next_after(zone, from_ms(latest)) {
            Some(next) if next.timestamp_millis() <= now => {
                latest = next.timestamp_millis();
                missed += 1;
            }
            _ => break,
        }
    }
    // A one-off is over once its run has come, whatever its rule says.
    let next_run = match rule.repeat() {
        Repeat::Once => None,
        _ => rule
            .next_after(zone, from_ms(now))
            .map(|t| t.timestamp_millis()),
    };
    let window = format_window(catch_up_ms);
    if now - latest <= catch_up_ms {
        let skipped = (missed > 1).then(|| {
            (
                due,
                format!(
                    "{} earlier run{} missed while offline, collapsed into the run due {}",
                    missed - 1,
                    if missed == 2 { " was" } else { "s were" },
                    utc(latest)
                ),
            )
        });
        RunPlan {
            deliver: Some(latest),
            skipped,
            next_run,
        }
    } else {
        let runs = if missed >= MAX_COUNTED {
            format!("{MAX_COUNTED} or more runs")
        } else if missed == 1 {
            "the run".to_string()
        } else {
            format!("{missed} runs")
        };
        RunPlan {
            deliver: None,
            skipped: Some((
                latest,
                format!(
                    "missed while offline: {runs} due {} (the last) fell outside the {window} catch-up window",
                    utc(latest)
                ),
            )),
            next_run,
        }
    }
}

pub fn utc(ms: i64) -> String {
    from_ms(ms).format("%Y-%m-%d %H:%M UTC").to_string()
}

fn format_window(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes % 60 == 0 && minutes > 0 {
        let hours = minutes / 60;
        format!("{hours} hour{}", if hours == 1 { "" } else { "s" })
    } else {
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    }
}

/// Turns every due schedule into a delivery (or a skipped record) and moves
/// it to its next run, in the caller's transaction. Returns how many were planned.
pub(super) fn plan_due_schedules(
    store: &mut Store,
    scope: GuildScope,
    now: i64,
    catch_up_ms: i64,
) -> Result<usize, StoreError> {
    let due = store.due_schedules(scope, now, 1_000)?;
    for schedule in &due {
        let Some(due_at) = schedule.next_run_at else {
            continue;
        };
        let zone = match parse_zone(&schedule.zone) {
            Ok(zone) => zone,
            Err(why) => {
                store.set_schedule_state(
                    schedule.guild_id,
                    schedule.id,
                    ScheduleState::Paused,
                    Some(&why),
                    None,
                    now,
                )?;
                continue;
            }
        };
        let plan = plan_run(&schedule.spec.rule, zone, due_at, now, catch_up_ms);
        let base = |payload: Payload, at: i64| {
            NewDelivery::pending(
                schedule.guild_id,
                schedule.spec.channel_id,
                Origin::Schedule,
                payload,
                at,
            )
            .from_schedule(schedule.id)
            .pinging(schedule.role_id)
            .in_forum(schedule.forum)
        };
        if let Some((at, reason)) = &plan.skipped {
            let skipped = base(Payload::Nothing, *at).skipped(reason.clone());
            store.insert_delivery(&skipped, now)?;
        }
        if let Some(at) = plan.deliver {
            let delivery =
                match resolve_content(store, schedule.spec.channel_id, schedule.spec.content)? {
                    Prepared::Ready(payload) => base(payload, at),
                    Prepared::Nothing(why) => base(Payload::Nothing, at).skipped(why),
                };
            store.insert_delivery(&delivery, now)?;
        }
        match plan.next_run {
            Some(next) => store.set_schedule_state(
                schedule.guild_id,
                schedule.id,
                ScheduleState::Active,
                None,
                Some(next),
                now,
            )?,
            None => store.set_schedule_state(
                schedule.guild_id,
                schedule.id,
                ScheduleState::Done,
                None,
                None,
                now,
            )?,
        }
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::local;

    const HOUR: i64 = 3_600_000;

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    fn daily_nine() -> Rule {
        Rule::parse(Repeat::Daily, "09:00", local(2026, 1, 1, 0, 0)).unwrap()
    }

    #[test]
    fn a_run_on_time_is_delivered_and_the_next_is_tomorrow() {
        let due = ms("2026-11-24T09:00:00Z");
        let plan = plan_run(&daily_nine(), Tz::UTC, due, due, HOUR);
        assert_eq!(plan.deliver, Some(due));
        assert_eq!(plan.skipped, None);
        assert_eq!(plan.next_run, Some(ms("2026-11-25T09:00:00Z")));
    }

    #[test]
    fn a_run_missed_by_less_than_the_window_is_still_posted() {
        let due = ms("2026-11-24T09:00:00Z");
        let plan = plan_run(&daily_nine(), Tz::UTC, due, due + 59 * 60_000, HOUR);
        assert_eq!(plan.deliver, Some(due));
    }

    #[test]
    fn a_run_missed_by_more_than_the_window_is_skipped_with_the_reason() {
        let due = ms("2026-11-24T09:00:00Z");
        let plan = plan_run(&daily_nine(), Tz::UTC, due, due + HOUR + 1, HOUR);
        assert_eq!(plan.deliver, None);
        let (at, reason) = plan.skipped.unwrap();
        assert_eq!(at, due);
        assert!(
            reason.contains("outside the 1 hour catch-up window"),
            "{reason}"
        );
        assert_eq!(plan.next_run, Some(ms("2026-11-25T09:00:00Z")));
    }

    #[test]
    fn several_missed_runs_collapse_into_one_post() {
        let hourly = Rule::parse(Repeat::Cron, "0 * * * *", local(2026, 1, 1, 0, 0)).unwrap();
        let due = ms("2026-11-24T01:00:00Z");
        // Offline from before 01:00 until 05:30: runs at 01..05 were missed.
        let now = ms("2026-11-24T05:30:00Z");
        let plan = plan_run(&hourly, Tz::UTC, due, now, HOUR);
        assert_eq!(
            plan.deliver,
            Some(ms("2026-11-24T05:00:00Z")),
            "only the latest"
        );
        let (at, reason) = plan.skipped.unwrap();
        assert_eq!(at, due);
        assert!(reason.starts_with("4 earlier runs were missed"), "{reason}");
        assert_eq!(plan.next_run, Some(ms("2026-11-24T06:00:00Z")));
    }

    #[test]
    fn a_one_off_has_no_next_run() {
        let once = Rule::Once(local(2026, 11, 24, 9, 0));
        let due = ms("2026-11-24T09:00:00Z");
        let plan = plan_run(&once, Tz::UTC, due, due + 1_000, HOUR);
        assert_eq!((plan.deliver, plan.next_run), (Some(due), None));
        // Even if its stored run came before the time its rule names.
        let early = plan_run(&once, Tz::UTC, due - HOUR, due - HOUR, HOUR);
        assert_eq!((early.deliver, early.next_run), (Some(due - HOUR), None));
        let late = plan_run(&once, Tz::UTC, due, due + 3 * HOUR, HOUR);
        assert_eq!((late.deliver, late.next_run), (None, None));
        assert!(late
            .skipped
            .unwrap()
            .1
            .contains("the run due 2026-11-24 09:00 UTC"));
    }
}
