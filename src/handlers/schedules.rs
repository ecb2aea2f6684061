//! `/schedule`: posts at a time (once, daily, weekly or by cron) in the
//! server's time zone or one given, plus the delivery log that says why
//! something was or was not posted.

use crate::handlers::commands::Access;
use chrono_tz::Tz;

use super::{
    Caller, ChannelRef, Choice, CommandError, CommandResult, Handlers, OrUserError, RoleRef,
    MAX_CHOICES,
};
use crate::clock::from_ms;
use crate::domain::custom_id::CustomId;
use crate::domain::schedule::{parse_zone, Repeat, Rule};
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{limits, Button, Embed, Message, Reply};
use crate::domain::when;
use crate::posting::{preview, resolve_content, Prepared};
use crate::store::{
    Content, Delivery, DeliveryState, LogFilter, NewDelivery, Origin, Payload, Schedule,
    ScheduleSpec, ScheduleState, DIGEST_DEFAULT, DIGEST_MAX,
};

const LOG_ROWS: usize = 20;

/// What `/schedule add` and `/schedule edit` were given; for an edit, what
/// is left out stays as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleRequest {
    pub channel: Option<ChannelRef>,
    pub when: Option<String>,
    /// once | daily | weekly | cron
    pub repeat: Option<String>,
    /// briefing | next | digest
    pub post: Option<String>,
    pub briefing: Option<String>,
    pub count: Option<u32>,
    /// An IANA zone, or "server" to follow the server's.
    pub timezone: Option<String>,
    /// A role each post pings.
    pub role: Option<RoleRef>,
}

/// A Discord timestamp, absolute and relative: readers see their own time.
pub fn timestamp(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    format!("<t:{seconds}:F> (<t:{seconds}:R>)")
}

fn schedule_id(text: &str) -> CommandResult<i64> {
    let digits = text.trim().trim_start_matches('#');
    let digits = digits
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or("");
    digits.parse().map_err(|_| {
        CommandError::User(format!(
            "'{}' is not a schedule number. /schedule list shows them (#1, #2, …).",
            truncate(text, 50)
        ))
    })
}

impl Handlers {
    pub async fn schedule_add(
        &self,
        caller: &Caller,
        request: ScheduleRequest,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/schedule add")
            .await?;
        let channel = request
            .channel
            .as_ref()
            .user_error("Which channel? Give one to post in.")?;
        let channel = self.briefing_channel(guild, channel).await?;
        let repeat = match &request.repeat {
            Some(r) => Some(Repeat::parse(r).map_err(CommandError::User)?),
            None => None,
        };
        let timezone = own_zone(request.timezone.as_deref())?;
        let zone = self.zone_for(guild, timezone.as_deref()).await?;
        let now = self.clock.now_ms();
        let when = request.when.as_deref().ok_or_else(|| {
            CommandError::User(format!(
                "When? For example {}.",
                when::examples(from_ms(now), zone)
            ))
        })?;
        let rule = when::read_when(when, repeat, from_ms(now), zone).map_err(CommandError::User)?;
        let content = self.content_from(&request, None).await?;
        let role = request.role.as_ref().map(RoleRef::pingable).transpose()?;
        let forum = request.channel.as_ref().is_some_and(|c| c.forum);
        let next = first_run(&rule, zone, now)?;
        let spec = ScheduleSpec {
            channel_id: channel,
            rule,
            timezone,
            content,
        };
        let by = caller.user_id;
        let schedule = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    let added = s.add_schedule(guild, &spec, next, by, now)?;
                    s.set_schedule_delivery(guild, added.id, role, forum)?;
                    Ok(Schedule {
                        role_id: role,
                        forum,
                        ..added
                    })
                })
            })
            .await?;
        self.wake.notify();
        tracing::info!(schedule = schedule.id, guild, channel, by, "schedule added");
        Ok(Reply::private(format!(
            "Schedule #{} added: {}.{}{}",
            schedule.id,
            summary(&schedule),
            upcoming(&schedule.spec.rule, zone, now),
            zone_note(zone)
        )))
    }

    pub async fn schedule_list(&self, caller: &Caller) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/schedule list")
            .await?;
        let schedules = self.db.call(move |s| s.schedules(guild)).await?;
        if schedules.is_empty() {
            return Ok(Reply::private(
                "No schedules. /schedule add creates one: once, daily, weekly or by cron.",
            ));
        }
        let lines: Vec<String> = schedules
            .iter()
            .map(|s| {
                let state = match (s.state, s.next_run_at) {
                    (ScheduleState::Paused, _) => format!(
                        "**paused**{}",
                        s.paused_reason
                            .as_deref()
                            .map(|r| format!(": {r}"))
                            .unwrap_or_default()
                    ),
                    (_, Some(next)) => format!("next {}", timestamp(next)),
                    (_, None) => "no further runs".into(),
                };
                format!("**#{}** {} · {state}", s.id, summary(s))
            })
            .collect();
        Ok(Reply::private_embed(Embed {
            title: Some(format!("Schedules ({})", schedules.len())),
            description: Some(truncate(&lines.join("\n"), limits::DESCRIPTION)),
            footer: Some("/schedule edit, pause, resume, cancel, run-now, preview, log".into()),
            ..Embed::default()
        }))
    }

    pub async fn schedule_edit(
        &self,
        caller: &Caller,
        schedule: String,
        request: ScheduleRequest,
    ) -> CommandResult<Reply> {
        let (guild, current) = self
            .moderated_schedule(caller, "/schedule edit", &schedule)
            .await?;
        if request == ScheduleRequest::default() {
            return Err(CommandError::User(
                "Nothing to change: give the options to edit.".into(),
            ));
        }
        let channel = match &request.channel {
            Some(channel) => self.briefing_channel(guild, channel).await?,
            None => current.spec.channel_id,
        };
        let timezone = match request.timezone.as_deref() {
            Some(_) => own_zone(request.timezone.as_deref())?,
            None => current.spec.timezone.clone(),
        };
        let zone = self.zone_for(guild, timezone.as_deref()).await?;
        let now = self.clock.now_ms();
        let repeat = match &request.repeat {
            Some(r) => Some(Repeat::parse(r).map_err(CommandError::User)?),
            None => None,
        };
        let rule = match (&request.when, repeat) {
            (Some(when), repeat) => {
                when::read_when(when, repeat, from_ms(now), zone).map_err(CommandError::User)?
            }
            // repeat: alone: the same time, read as the new repeat.
            (None, Some(repeat)) => current
                .spec
                .rule
                .reinterpret(repeat, zone, from_ms(now))
                .map_err(CommandError::User)?,
            (None, None) => current.spec.rule.clone(),
        };
        let content = self
            .content_from(&request, Some(current.spec.content))
            .await?;
        let role = match &request.role {
            Some(role) => Some(role.pingable()?),
            None => current.role_id,
        };
        let forum = match &request.channel {
            Some(channel) => channel.forum,
            None => current.forum,
        };
        let next = first_run(&rule, zone, now)?;
        let spec = ScheduleSpec {
            channel_id: channel,
            rule,
            timezone,
            content,
        };
        let id = current.id;
        let updated = self
            .db
            .call(move |s| {
                s.update_schedule(guild, id, &spec, Some(next), now)?;
                s.set_schedule_delivery(guild, id, role, forum)?;
                s.schedule(guild, id)
            })
            .await?
            .user_error("That schedule was removed meanwhile.")?;
        self.wake.notify();
        let paused = if updated.state == ScheduleState::Paused {
            " It is still paused: /schedule resume starts it."
        } else {
            ""
        };
        Ok(Reply::private(format!(
            "Schedule #{id} now: {}.{}{paused}{}",
            summary(&updated),
            upcoming(&updated.spec.rule, zone, now),
            zone_note(zone)
        )))
    }

    pub async fn schedule_pause(&self, caller: &Caller, schedule: String) -> CommandResult<Reply> {
        let (guild, current) = self
            .moderated_schedule(caller, "/schedule pause", &schedule)
            .await?;
        if current.state == ScheduleState::Paused {
            return Err(CommandError::User(format!(
                "Schedule #{} is already paused.",
                current.id
            )));
        }
        let (id, now) = (current.id, self.clock.now_ms());
        let reason = format!("paused by <@{}>", caller.user_id);
        self.db
            .call(move |s| {
                s.set_schedule_state_keep_next(guild, id, ScheduleState::Paused, Some(&reason), now)
            })
            .await?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Schedule #{id} is paused. /schedule resume {id} starts it again."
        )))
    }

    pub async fn schedule_resume(&self, caller: &Caller, schedule: String) -> CommandResult<Reply> {
        let (guild, current) = self
            .moderated_schedule(caller, "/schedule resume", &schedule)
            .await?;
        if current.state == ScheduleState::Active {
            return Err(CommandError::User(format!(
                "Schedule #{} is not paused.",
                current.id
            )));
        }
        let zone = parse_zone(&current.zone).map_err(CommandError::User)?;
        let now = self.clock.now_ms();
        // Runs missed while paused are not made up.
        let next = current
            .spec
            .rule
            .next_after(zone, from_ms(now))
            .map(|t| t.timestamp_millis())
            .user_error(format!(
                "Schedule #{}'s time has passed while it was paused. Give it a new one with /schedule edit.",
                current.id
            ))?;
        let id = current.id;
        self.db
            .call(move |s| {
                s.set_schedule_state(guild, id, ScheduleState::Active, None, Some(next), now)
            })
            .await?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Schedule #{id} is running again. Next run {}.",
            timestamp(next)
        )))
    }

    /// Asks first: the buttons carry the decision.
    pub async fn schedule_cancel(&self, caller: &Caller, schedule: String) -> CommandResult<Reply> {
        let (_, current) = self
            .moderated_schedule(caller, "/schedule cancel", &schedule)
            .await?;
        let id = current.id;
        Ok(Reply {
            messages: vec![Message {
                ping_role: None,
                card: None,
                content: Some(format!(
                    "Cancel schedule #{id} ({})? It will not run again; its past posts stay in /schedule log.",
                    summary(&current)
                )),
                embeds: Vec::new(),
                buttons: vec![
                    Button {
                        custom_id: CustomId::CancelSchedule {
                            schedule: id,
                            confirmed: true,
                        }
                        .to_string(),
                        label: format!("Cancel schedule #{id}"),
                        disabled: false,
                    },
                    Button {
                        custom_id: CustomId::CancelSchedule {
                            schedule: id,
                            confirmed: false,
                        }
                        .to_string(),
                        label: "Keep it".into(),
                        disabled: false,
                    },
                ],
            }],
            ephemeral: true,
        })
    }

    pub(super) async fn schedule_cancel_answer(
        &self,
        caller: &Caller,
        id: i64,
        confirmed: bool,
    ) -> CommandResult<Reply> {
        let (guild, current) = self
            .moderated_schedule(caller, "/schedule cancel", &id.to_string())
            .await?;
        if !confirmed {
            return Ok(Reply::private(format!(
                "Kept schedule #{id}; nothing changed."
            )));
        }
        let now = self.clock.now_ms();
        let reason = format!("cancelled by <@{}>", caller.user_id);
        self.db
            .call(move |s| {
                s.set_schedule_state(
                    guild,
                    current.id,
                    ScheduleState::Cancelled,
                    Some(&reason),
                    None,
                    now,
                )
            })
            .await?;
        self.wake.notify();
        tracing::info!(
            schedule = id,
            guild,
            by = caller.user_id,
            "schedule cancelled"
        );
        Ok(Reply::private(format!("Schedule #{id} is cancelled.")))
    }

    /// Posts what the schedule would post, now, without moving its next run.
    pub async fn schedule_run_now(
        &self,
        caller: &Caller,
        schedule: String,
    ) -> CommandResult<Reply> {
        let (guild, current) = self
            .moderated_schedule(caller, "/schedule run-now", &schedule)
            .await?;
        let now = self.clock.now_ms();
        let (id, channel, content, role, forum) = (
            current.id,
            current.spec.channel_id,
            current.spec.content,
            current.role_id,
            current.forum,
        );
        let queued = self
            .db
            .call(move |s| {
                s.in_transaction(|s| match resolve_content(s, channel, content)? {
                    Prepared::Ready(payload) => {
                        let delivery =
                            NewDelivery::pending(guild, channel, Origin::RunNow, payload, now)
                                .from_schedule(id)
                                .pinging(role)
                                .in_forum(forum);
                        s.insert_delivery(&delivery, now)?;
                        Ok(Prepared::Ready(()))
                    }
                    Prepared::Nothing(why) => Ok(Prepared::Nothing(why)),
                })
            })
            .await?;
        queued.ready().map_err(|why| {
            CommandError::User(format!("Schedule #{id} has nothing to post: {why}."))
        })?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Posting schedule #{id} in <#{channel}> now. Its regular runs are unchanged."
        )))
    }

    /// Exactly what would be posted, shown only to the moderator.
    pub async fn schedule_preview(
        &self,
        caller: &Caller,
        schedule: String,
    ) -> CommandResult<Reply> {
        let (_, current) = self
            .moderated_schedule(caller, "/schedule preview", &schedule)
            .await?;
        let id = current.id;
        let rendered = self
            .db
            .call(move |s| preview(s, &current))
            .await?
            .ready()
            .map_err(|why| {
                CommandError::User(format!(
                    "Schedule #{id} would post nothing right now: {why}."
                ))
            })?;
        let mut reply = rendered;
        if let Some(first) = reply.messages.first_mut() {
            let note = format!("Preview of schedule #{id}; nothing has been posted.");
            first.content = Some(match &first.content {
                Some(text) => format!("{note}\n{text}"),
                None => note,
            });
        }
        reply.ephemeral = true;
        Ok(reply)
    }

    /// Every delivery, newest first, with its state and reason.
    pub async fn schedule_log(
        &self,
        caller: &Caller,
        channel: Option<ChannelRef>,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/schedule log")
            .await?;
        let filter = LogFilter {
            channel_id: channel.as_ref().map(|c| c.id),
            schedule_id: None,
        };
        let rows = self
            .db
            .call(move |s| {
                let deliveries = s.delivery_log(guild, filter, LOG_ROWS)?;
                let mut titled = Vec::new();
                for d in deliveries {
                    let title = match &d.payload {
                        Payload::Briefing(id) | Payload::TestPost(id) => {
                            s.briefing_by_id(*id)?.map(|b| b.briefing.title)
                        }
                        _ => None,
                    };
                    titled.push((d, title));
                }
                Ok(titled)
            })
            .await?;
        if rows.is_empty() {
            return Ok(Reply::private(match channel {
                Some(c) => format!("Nothing has been posted, or tried, in <#{}> yet.", c.id),
                None => "Nothing has been posted, or tried, yet.".into(),
            }));
        }
        let lines: Vec<String> = rows
            .iter()
            .map(|(d, title)| log_line(d, title.as_deref()))
            .collect();
        Ok(Reply::private_embed(Embed {
            title: Some(match &channel {
                Some(c) => format!("Deliveries to #{}", truncate(&c.name, 100)),
                None => "Deliveries".into(),
            }),
            description: Some(truncate(&lines.join("\n"), limits::DESCRIPTION)),
            footer: Some(format!(
                "The newest {LOG_ROWS} · states: pending, sending, retrying, sent, failed, skipped"
            )),
            ..Embed::default()
        }))
    }

    pub async fn autocomplete_schedule(
        &self,
        caller: &Caller,
        partial: String,
    ) -> CommandResult<Vec<Choice>> {
        let Some(guild) = caller.guild_id else {
            return Ok(Vec::new());
        };
        let schedules = self.db.call(move |s| s.schedules(guild)).await?;
        let partial = partial.trim().trim_start_matches('#').to_lowercase();
        Ok(schedules
            .iter()
            .map(|s| {
                (
                    s.id,
                    format!(
                        "#{} · {} · {}",
                        s.id,
                        s.spec.rule.describe(),
                        s.spec.content.describe()
                    ),
                )
            })
            .filter(|(_, label)| label.to_lowercase().contains(&partial))
            .take(MAX_CHOICES)
            .map(|(id, label)| Choice {
                name: truncate(&label, 100),
                value: id.to_string(),
            })
            .collect())
    }

    /// The schedule named in a moderator command, in the caller's server.
    async fn moderated_schedule(
        &self,
        caller: &Caller,
        command: &str,
        schedule: &str,
    ) -> CommandResult<(u64, Schedule)> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, command)
            .await?;
        let current = self.find_schedule(guild, schedule).await?;
        Ok((guild, current))
    }

    async fn find_schedule(&self, guild: u64, text: &str) -> CommandResult<Schedule> {
        let id = schedule_id(text)?;
        let found = self.db.call(move |s| s.schedule(guild, id)).await?;
        match found {
            Some(s) if !matches!(s.state, ScheduleState::Cancelled | ScheduleState::Done) => Ok(s),
            Some(s) => Err(CommandError::User(format!(
                "Schedule #{id} is {} already.",
                s.state.as_str()
            ))),
            None => Err(CommandError::User(format!(
                "There is no schedule #{id} in this server. /schedule list shows them."
            ))),
        }
    }

    /// The zone a schedule runs in: its own, else the server's.
    async fn zone_for(&self, guild: u64, own: Option<&str>) -> CommandResult<Tz> {
        let name = match own {
            Some(zone) => zone.to_string(),
            None => {
                self.db
                    .call(move |s| s.guild_settings(guild))
                    .await?
                    .timezone
            }
        };
        parse_zone(&name).map_err(CommandError::User)
    }

    /// What to post, from the request, falling back to `current` (edits).
    async fn content_from(
        &self,
        request: &ScheduleRequest,
        current: Option<Content>,
    ) -> CommandResult<Content> {
        let kind = match (&request.post, &request.briefing, current) {
            (Some(kind), _, _) => kind.trim().to_lowercase(),
            (None, Some(_), _) => "briefing".into(),
            (None, None, Some(Content::Digest(_))) if request.count.is_some() => "digest".into(),
            (None, None, Some(current)) => return Ok(current),
            (None, None, None) => "next".into(),
        };
        match kind.as_str() {
            "next" => Ok(Content::Next),
            "digest" => {
                let count = request.count.unwrap_or(DIGEST_DEFAULT);
                if !(1..=DIGEST_MAX).contains(&count) {
                    return Err(CommandError::User(format!(
                        "A digest lists 1 to {DIGEST_MAX} briefings, not {count}."
                    )));
                }
                Ok(Content::Digest(count))
            }
            "briefing" => {
                let wanted =
                    match (&request.briefing, current) {
                        (Some(wanted), _) => super::lookup_text("briefing name", wanted)?,
                        (None, Some(Content::Briefing(id))) => return Ok(Content::Briefing(id)),
                        (None, _) => return Err(CommandError::User(
                            "Which briefing? Give the briefing option (start typing its title)."
                                .into(),
                        )),
                    };
                let key = wanted.clone();
                let found = self
                    .db
                    .read_lookup(move |s| Ok(s.lookup_briefing(&key)?.map(|found| found.id)))
                    .await?;
                let id = found.user_error(format!(
                    "No briefing matches '{}'. Start typing its title and pick one.",
                    truncate(&wanted, 100)
                ))?;
                Ok(Content::Briefing(id))
            }
            other => Err(CommandError::User(format!(
                "'{}' is not something to post: use briefing, next or digest.",
                truncate(other, 30)
            ))),
        }
    }
}

/// A schedule's own zone from the request: "server" (or nothing) follows
/// the server's.
fn own_zone(requested: Option<&str>) -> CommandResult<Option<String>> {
    match requested.map(str::trim) {
        None | Some("") => Ok(None),
        Some(z) if z.eq_ignore_ascii_case("server") => Ok(None),
        Some(z) => parse_zone(z)
            .map(|zone| Some(zone.name().to_string()))
            .map_err(CommandError::User),
    }
}

/// " Next runs: …" with up to three runs, each as Discord shows a time in
/// the reader's own zone and as the wall clock in the schedule's, so a
/// moderator sees at once whether it means what they meant.
fn upcoming(rule: &Rule, zone: Tz, now: i64) -> String {
    let runs = rule.next_runs(zone, from_ms(now), 3);
    let shown: Vec<String> = runs
        .iter()
        .map(|t| {
            format!(
                "<t:{}:F> ({} {})",
                t.timestamp(),
                t.with_timezone(&zone).format("%a %Y-%m-%d %H:%M"),
                zone.name()
            )
        })
        .collect();
    match shown.as_slice() {
        [] => String::new(),
        [one] => format!(" Runs {one}."),
        _ => format!(" Next runs: {}.", shown.join(", ")),
    }
}

/// A note after the reply when the zone keeps no daylight saving.
fn zone_note(zone: Tz) -> String {
    when::fixed_offset_note(zone)
        .map(|note| format!("\nNote: {note}"))
        .unwrap_or_default()
}

/// The first run after now; a one-off in the past is refused.
fn first_run(rule: &Rule, zone: Tz, now: i64) -> CommandResult<i64> {
    rule.next_after(zone, from_ms(now))
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| {
            CommandError::User(format!(
                "{} in {} is in the past (it is now {} there). Give a time still to come.",
                rule,
                zone.name(),
                from_ms(now).with_timezone(&zone).format("%Y-%m-%d %H:%M")
            ))
        })
}

fn summary(s: &Schedule) -> String {
    let zone = match &s.spec.timezone {
        Some(zone) => zone.clone(),
        None => format!("{}, the server's zone", s.zone),
    };
    let ping = s
        .role_id
        .map(|role| format!(", pinging <@&{role}>"))
        .unwrap_or_default();
    format!(
        "{} ({zone}) in <#{}>, posting {}{ping}",
        s.spec.rule.describe(),
        s.spec.channel_id,
        s.spec.content.describe()
    )
}

fn log_line(d: &Delivery, title: Option<&str>) -> String {
    let what = match (&d.payload, title) {
        (Payload::Briefing(_), Some(title)) => {
            format!("“{}”", escape_markdown(&truncate(title, 80)))
        }
        (Payload::Briefing(id), None) => format!("briefing #{id}"),
        (Payload::TestPost(_), Some(title)) => {
            format!("test of “{}”", escape_markdown(&truncate(title, 80)))
        }
        (Payload::TestPost(id), None) => format!("test of briefing #{id}"),
        (Payload::Digest(ids), _) => format!("digest of {}", ids.len()),
        (Payload::Notice(_), _) => "report".into(),
        (Payload::Answer(id), _) => format!("answer #{id} in its thread"),
        (Payload::Question(id), _) => format!("question #{id} in its threads"),
        (Payload::Nothing, _) => "nothing".into(),
    };
    let source = match (d.origin, d.schedule_id) {
        _ if matches!(d.payload, Payload::TestPost(_)) => "/subscribe test".into(),
        (Origin::Schedule, Some(id)) => format!("schedule #{id}"),
        (Origin::RunNow, Some(id)) => format!("run-now of #{id}"),
        (Origin::Subscription, _) => "subscription".into(),
        (Origin::Notice, _) => "log".into(),
        (Origin::Discussion, _) => "discussion".into(),
        (_, None) => d.origin.as_str().into(),
    };
    let state = match d.state {
        DeliveryState::Sent => "sent".to_string(),
        DeliveryState::Retrying => format!("**retrying** (attempt {})", d.attempts),
        other => format!("**{}**", other.as_str()),
    };
    let reason = d
        .reason
        .as_deref()
        .filter(|_| d.state != DeliveryState::Sent)
        .map(|r| format!(" · {}", truncate(r, 200)))
        .unwrap_or_default();
    format!(
        "<t:{}:f> <#{}> {what} ({source}) · {state}{reason}",
        d.due_at.div_euclid(1000),
        d.channel_id
    )
}
