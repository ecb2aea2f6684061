//! Sending one delivery: its steps in order, each recorded as it lands;
//! retries with backoff, refusals that pause a channel, failures reported in
//! the server's log channel, and the look before a late retry.

use std::time::Duration;

use super::{
    delivery_steps, PostError, Posting, PostingConfig, Prepared, Step, PUBLISHES_PER_WINDOW,
    PUBLISH_WINDOW_MS,
};
use crate::domain::view::Message;
use crate::store::{Delivery, NewDelivery, Origin, Payload, ScheduleState, StoreError};

/// How far Discord's clock (in a forum post's id) may be behind ours when
/// looking for a post made after a delivery was queued.
const FORUM_CLOCK_SKEW_MS: i64 = 60_000;

impl Posting {
    pub(super) async fn send(&self, delivery: Delivery) -> Sent {
        match self.try_send(&delivery).await {
            Ok(sent) => sent,
            Err(e) => {
                // The outbox row still says `sending`; the lease brings it back.
                tracing::error!(delivery = delivery.id, error = %e, "could not record a delivery's progress");
                Sent::Later
            }
        }
    }

    async fn try_send(&self, d: &Delivery) -> Result<Sent, StoreError> {
        if let Payload::Answer(answer_id) = d.payload {
            return self.sync_answer(d, answer_id).await;
        }
        if let Payload::Question(question_id) = d.payload {
            return self.sync_question(d, question_id).await;
        }
        let id = d.id;
        let delivery = d.clone();
        let steps = match self.db.call(move |s| delivery_steps(s, &delivery)).await? {
            Prepared::Ready(steps) => steps,
            Prepared::Nothing(reason) => {
                let now = self.clock.now_ms();
                self.db
                    .call(move |s| s.mark_skipped(id, &reason, now))
                    .await?;
                return Ok(Sent::Done);
            }
        };
        // One id per finished step: message ids, and the thread's id.
        let mut ids = d.message_ids.clone();
        let thread_step = steps
            .iter()
            .position(|s| matches!(s, Step::OpenThread { .. } | Step::ForumPost { .. }));
        // Set when the discussion could not be opened or filled and the
        // post's publishing comes after it: the rest of the discussion is
        // passed over (a placeholder id each) and the publish still done.
        let mut discussion_lost: Option<String> = None;
        for (index, step) in steps.iter().enumerate().skip(d.parts_sent) {
            let is_discussion = matches!(step, Step::OpenThread { .. } | Step::PostInThread(_));
            if discussion_lost.is_some() && is_discussion {
                let now = self.clock.now_ms();
                ids.push(String::new());
                self.db.call(move |s| s.record_part(id, "", now)).await?;
                continue;
            }
            if let Step::Publish { .. } = step {
                // Members may answer now, whatever the publish waits for.
                // Marked with the wait (one write), so a thread that shows
                // answers belongs to a delivery already recorded as waiting.
                let discussion_open = d.threads_first && thread_step.is_some_and(|t| t < index);
                match self.publish_paced_until(d.channel_id).await? {
                    Some(until) => return self.wait_for_pace(d, until, discussion_open).await,
                    None if discussion_open => {
                        self.db.call(move |s| s.mark_discussion_open(id)).await?;
                    }
                    None => {}
                }
            }
            let result = self.run_step(d, index, step, &ids, thread_step).await;
            let now = self.clock.now_ms();
            match result {
                Ok(message_id) => {
                    if let Step::Publish { .. } = step {
                        let (channel, published) = (d.channel_id, message_id.clone());
                        self.db
                            .call(move |s| s.record_publish(channel, &published, now))
                            .await?;
                    }
                    ids.push(message_id.clone());
                    self.db
                        .call(move |s| s.record_part(id, &message_id, now))
                        .await?;
                }
                Err(PostError::Transient {
                    reason,
                    retry_after,
                    may_have_posted,
                }) => {
                    let uncertain = may_have_posted && !matches!(step, Step::OpenThread { .. });
                    return self.retry_later(d, reason, retry_after, uncertain).await;
                }
                // The briefing itself is posted; only its discussion could
                // not be opened or filled. The post stays sent and the
                // channel keeps receiving posts; the log channel is told.
                Err(PostError::Refused { reason } | PostError::Rejected { reason })
                    if matches!(step, Step::Publish { .. }) =>
                {
                    return self.publish_failed(d, reason).await;
                }
                Err(PostError::Refused { reason } | PostError::Rejected { reason })
                    if is_discussion
                        && d.threads_first
                        && steps[index..]
                            .iter()
                            .any(|s| matches!(s, Step::Publish { .. })) =>
                {
                    self.tell_discussion_failed(d, steps.len(), &reason).await?;
                    discussion_lost = Some(reason);
                    ids.push(String::new());
                    self.db.call(move |s| s.record_part(id, "", now)).await?;
                }
                Err(PostError::Refused { reason } | PostError::Rejected { reason })
                    if !matches!(
                        step,
                        Step::Post(_) | Step::PostAs { .. } | Step::ForumPost { .. }
                    ) =>
                {
                    return self.discussion_failed(d, steps.len(), reason).await;
                }
                Err(PostError::Refused { reason }) => {
                    self.refuse_channel(d, reason).await?;
                    return Ok(Sent::ChannelRefused);
                }
                Err(PostError::Rejected { reason }) => {
                    let reason = format!("Discord rejected the message: {reason}");
                    tracing::error!(delivery = id, channel = d.channel_id, %reason, "delivery failed");
                    let notice_reason = reason.clone();
                    self.db
                        .call(move |s| s.mark_failed(id, &reason, now))
                        .await?;
                    self.notice(
                        d,
                        format!("A post to <#{}> failed: {notice_reason}", d.channel_id),
                    )
                    .await?;
                    return Ok(Sent::Done);
                }
            }
        }
        let now = self.clock.now_ms();
        if let Some(reason) = discussion_lost {
            let note = discussion_note(&reason);
            self.db
                .call(move |s| s.mark_sent_with_note(id, &note, now))
                .await?;
            return Ok(Sent::Done);
        }
        self.db.call(move |s| s.mark_sent(id, now)).await?;
        tracing::info!(
            delivery = id,
            channel = d.channel_id,
            origin = d.origin.as_str(),
            steps = steps.len(),
            attempt = d.attempts,
            "posted"
        );
        Ok(Sent::Done)
    }

    /// Carries out step `index` of delivery `d`; `ids` are those of the steps
    /// done so far. Returns the id of what it made.
    async fn run_step(
        &self,
        d: &Delivery,
        index: usize,
        step: &Step,
        ids: &[String],
        thread_step: Option<usize>,
    ) -> Result<String, PostError> {
        let nonce = d.nonce(index);
        // The first step of this attempt may have been made by an earlier
        // one whose answer was lost. Within the nonce window Discord returns
        // that message for the same nonce; past it, a resend would post a
        // copy, so look for it first.
        let late = index == d.parts_sent
            && d.uncertain_since.is_some_and(|since| {
                self.clock.now_ms() - since > self.config.nonce_window.as_millis() as i64
            });
        let (channel, message) = match step {
            Step::Post(message) => (d.channel_id, message),
            Step::PostAs { publisher, message } => {
                return self.post_as_publisher(d, index, publisher, message).await;
            }
            Step::ForumPost {
                name,
                message,
                tags,
            } => {
                // A forum post carries no nonce: after an attempt whose
                // outcome is unknown, any resend could make a second post,
                // so look for the first one (made after this delivery was).
                if index == d.parts_sent && d.uncertain_since.is_some() {
                    let since = d.created_at - FORUM_CLOCK_SKEW_MS;
                    if let Some(post) = self
                        .poster
                        .find_forum_post(d.guild_id, d.channel_id, name, since)
                        .await?
                    {
                        tracing::info!(delivery = d.id, channel = d.channel_id, post = %post, "found the forum post an earlier attempt made; not posting again");
                        return Ok(post);
                    }
                }
                return self
                    .poster
                    .create_forum_post(d.channel_id, name, message, tags)
                    .await;
            }
            Step::Publish { part } => {
                let message_id = ids.get(*part).ok_or_else(|| PostError::Rejected {
                    reason: "the message to publish is missing".into(),
                })?;
                self.poster.publish(d.channel_id, message_id).await?;
                return Ok(message_id.clone());
            }
            Step::OpenThread { name } => {
                return match ids.first() {
                    Some(first) => self.poster.open_thread(d.channel_id, first, name).await,
                    None => Err(PostError::Rejected {
                        reason: "no message to open the discussion thread from".into(),
                    }),
                };
            }
            Step::PostInThread(message) => {
                let thread = thread_step
                    .and_then(|i| ids.get(i))
                    .and_then(|t| t.parse::<u64>().ok())
                    .ok_or_else(|| PostError::Rejected {
                        reason: "the discussion thread's id is missing".into(),
                    })?;
                (thread, message)
            }
        };
        if late {
            self.post_unless_made(channel, message, &nonce).await
        } else {
            self.poster.post(channel, message, &nonce).await
        }
    }

    /// The post is made but Discord would not publish it (not an
    /// announcement channel any more, or a permission taken away): the
    /// post stays sent with a note, and the log channel is told.
    async fn publish_failed(&self, d: &Delivery, reason: String) -> Result<Sent, StoreError> {
        let (id, channel) = (d.id, d.channel_id);
        let note = format!("posted, but not published: {reason}");
        tracing::warn!(delivery = id, channel, %reason, "posted without publishing");
        let now = self.clock.now_ms();
        self.db
            .call(move |s| s.mark_sent_with_note(id, &note, now))
            .await?;
        self.notice(
            d,
            format!(
                "I posted a briefing in <#{channel}> but could not publish it to the servers following that channel: {reason}."
            ),
        )
        .await?;
        Ok(Sent::Done)
    }

    /// When the channel may publish again, if it has used its share of
    /// Discord's publish limit.
    async fn publish_paced_until(&self, channel: u64) -> Result<Option<i64>, StoreError> {
        let now = self.clock.now_ms();
        let recent = self
            .db
            .read(move |s| s.publishes_since(channel, now - PUBLISH_WINDOW_MS))
            .await?;
        Ok((recent.len() >= PUBLISHES_PER_WINDOW)
            .then(|| recent[recent.len() - PUBLISHES_PER_WINDOW] + PUBLISH_WINDOW_MS))
    }

    /// Puts the delivery off until the channel may publish again; its post
    /// stays as it is and nothing counts as a failed attempt.
    async fn wait_for_pace(
        &self,
        d: &Delivery,
        until: i64,
        discussion_open: bool,
    ) -> Result<Sent, StoreError> {
        let (id, now) = (d.id, self.clock.now_ms());
        let reason = format!(
            "publish waits for Discord's limit of {PUBLISHES_PER_WINDOW} publishes an hour in this channel, until {}",
            super::utc(until)
        );
        tracing::info!(delivery = id, channel = d.channel_id, until = %super::utc(until), "publish waits for Discord's hourly limit");
        self.db
            .call(move |s| {
                s.in_transaction(|s| {
                    if discussion_open {
                        s.mark_discussion_open(id)?;
                    }
                    s.mark_waiting(id, until, &reason, now)
                })
            })
            .await?;
        Ok(Sent::Later)
    }

    /// Posts `message` unless the channel already shows it (made by an
    /// attempt whose answer was lost, longer ago than Discord remembers
    /// nonces).
    pub(super) async fn post_unless_made(
        &self,
        channel_id: u64,
        message: &Message,
        nonce: &str,
    ) -> Result<String, PostError> {
        let recent = self.poster.recent_own(channel_id).await?;
        let found = recent
            .into_iter()
            .find(|(_, seen)| same_text(seen, message))
            .map(|(id, _)| id);
        if let Some(found) = found {
            tracing::info!(channel = channel_id, message = %found, "found the post an earlier attempt made; not posting it again");
            return Ok(found);
        }
        self.poster.post(channel_id, message, nonce).await
    }

    async fn discussion_failed(
        &self,
        d: &Delivery,
        steps: usize,
        reason: String,
    ) -> Result<Sent, StoreError> {
        let (id, now) = (d.id, self.clock.now_ms());
        let note = discussion_note(&reason);
        self.db
            .call(move |s| s.mark_sent_with_note(id, &note, now))
            .await?;
        self.tell_discussion_failed(d, steps, &reason).await?;
        Ok(Sent::Done)
    }

    /// Logs, and tells the server's log channel, that a post's discussion
    /// thread could not be opened or filled.
    async fn tell_discussion_failed(
        &self,
        d: &Delivery,
        steps: usize,
        reason: &str,
    ) -> Result<(), StoreError> {
        let (id, channel) = (d.id, d.channel_id);
        tracing::warn!(delivery = id, channel, %reason, steps, "posted without its discussion");
        self.notice(
            d,
            format!(
                "I posted a briefing in <#{channel}> but could not open its discussion thread: {reason}. \
                 Give the bot Create Public Threads and Send Messages in Threads there, or turn threads off with /settings threads off."
            ),
        )
        .await
    }

    pub(super) async fn retry_later(
        &self,
        d: &Delivery,
        reason: String,
        retry_after: Option<Duration>,
        uncertain: bool,
    ) -> Result<Sent, StoreError> {
        let id = d.id;
        let now = self.clock.now_ms();
        if d.attempts >= self.config.max_attempts {
            let reason = format!(
                "gave up after {} attempts; last error: {reason}",
                d.attempts
            );
            tracing::error!(delivery = id, channel = d.channel_id, %reason, "delivery failed");
            let text = format!("A post to <#{}> failed: {reason}", d.channel_id);
            self.db
                .call(move |s| s.mark_failed(id, &reason, now))
                .await?;
            self.notice(d, text).await?;
            return Ok(Sent::Done);
        }
        let wait = match retry_after {
            Some(wait) => wait + Duration::from_millis(fastrand::u64(0..250)),
            None => backoff(&self.config, d.attempts),
        };
        let at = now + wait.as_millis() as i64;
        tracing::warn!(
            delivery = id,
            channel = d.channel_id,
            attempt = d.attempts,
            retry_in_ms = wait.as_millis() as u64,
            %reason,
            "post failed; will retry"
        );
        self.db
            .call(move |s| s.mark_retrying(id, at, &reason, now, uncertain))
            .await?;
        Ok(Sent::Later)
    }

    /// The channel refused us: fail what is queued for it, pause what posts
    /// to it, and say so in the log channel.
    async fn refuse_channel(&self, d: &Delivery, reason: String) -> Result<(), StoreError> {
        let (id, guild, channel) = (d.id, d.guild_id, d.channel_id);
        let now = self.clock.now_ms();
        let why = format!("{reason} in <#{channel}>");
        let pause = why.clone();
        let (schedules, subscriptions, failed) = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    s.mark_failed(id, &pause, now)?;
                    let failed = s.fail_channel(channel, &pause, now)?;
                    let (schedules, subscriptions) = s.sources_for_channel(guild, channel)?;
                    for schedule in &schedules {
                        s.set_schedule_state_keep_next(
                            guild,
                            *schedule,
                            ScheduleState::Paused,
                            Some(&pause),
                            now,
                        )?;
                    }
                    for subscription in &subscriptions {
                        s.pause_subscription(*subscription, &pause)?;
                    }
                    Ok((schedules, subscriptions, failed))
                })
            })
            .await?;
        tracing::warn!(
            channel,
            %reason,
            paused_schedules = schedules.len(),
            paused_subscriptions = subscriptions.len(),
            failed_deliveries = failed + 1,
            "channel refused a post; paused what posts there"
        );
        let mut text = format!("I could not post in <#{channel}>: {reason}.");
        if !schedules.is_empty() {
            let list: Vec<String> = schedules.iter().map(|s| format!("#{s}")).collect();
            text.push_str(&format!(" Paused schedule {}.", list.join(", ")));
        }
        if !subscriptions.is_empty() {
            text.push_str(" Paused the channel's subscription.");
        }
        text.push_str(
            " Fix the bot's permissions there, then /schedule resume (or /subscribe add again).",
        );
        self.notice(d, text).await
    }

    /// Queues a report for the server's log channel (never about a notice,
    /// and never to the channel that failed).
    pub(super) async fn notice(&self, about: &Delivery, text: String) -> Result<(), StoreError> {
        if about.origin == Origin::Notice {
            return Ok(());
        }
        let (guild, failed_channel) = (about.guild_id, about.channel_id);
        let now = self.clock.now_ms();
        let queued = self
            .db
            .call(move |s| {
                let settings = s.guild_settings(guild)?;
                match settings.log_channel_id {
                    Some(log) if log != failed_channel => {
                        let notice = NewDelivery::pending(
                            guild,
                            log,
                            Origin::Notice,
                            Payload::Notice(text),
                            now,
                        );
                        s.insert_delivery(&notice, now).map(|_| true)
                    }
                    _ => Ok(false),
                }
            })
            .await?;
        if queued {
            self.wake.notify();
        }
        Ok(())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sent {
    Done,
    Later,
    ChannelRefused,
}

/// Whether two messages say the same: text and embeds (buttons aside, since
/// a fetched message's are not compared).
pub(super) fn same_text(a: &Message, b: &Message) -> bool {
    a.content.as_deref().unwrap_or("") == b.content.as_deref().unwrap_or("")
        && a.embeds == b.embeds
        && a.card == b.card
}

/// Exponential backoff with jitter: base·2^(attempt-1), capped, times 0.5–1.5.
pub(super) fn backoff(config: &PostingConfig, attempt: u32) -> Duration {
    let exponential = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(20)));
    let capped = exponential.min(config.retry_max);
    capped.mul_f64(0.5 + fastrand::f64())
}

fn discussion_note(reason: &str) -> String {
    format!("posted, but the discussion thread could not be opened or filled: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_the_cap() {
        let config = PostingConfig {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            ..PostingConfig::default()
        };
        for _ in 0..200 {
            let first = backoff(&config, 1);
            assert!(
                first >= Duration::from_secs(1) && first <= Duration::from_secs(3),
                "{first:?}"
            );
            let fourth = backoff(&config, 4);
            assert!(
                fourth >= Duration::from_secs(8) && fourth <= Duration::from_secs(24),
                "{fourth:?}"
            );
            let late = backoff(&config, 30);
            assert!(late <= Duration::from_secs(90), "{late:?}");
        }
    }
}
