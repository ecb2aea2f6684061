//! Delivery: turns due schedules and new briefings into outbox rows, and
//! sends the outbox through a [`Poster`] (Discord, or the console's simulated
//! channels). It sleeps until the next due time and wakes early when told
//! that something changed; it never busy-polls.
//!
//! Guarantees, and how:
//! - nothing lost: a delivery row is committed before anything is sent;
//! - nothing doubled: every message carries a nonce derived from its row, so
//!   a resend after a crash or a lost response is dropped by Discord;
//! - nothing stuck: 5xx and network errors back off exponentially with
//!   jitter; 429s wait `retry_after`; 403/404 fail fast, pause what posts to
//!   that channel and report it in the server's log channel.

mod answers;
mod content;
mod plan;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::clock::{from_ms, SharedClock};

use crate::domain::schedule::parse_zone;
use crate::domain::view::Message;
use crate::store::{
    Db, Delivery, GuildScope, LeaseHolder, NewDelivery, Origin, Payload, ScheduleState, Store,
    StoreError,
};

pub use content::{delivery_steps, preview, render_payload, resolve_content, Prepared, Step};
pub use plan::{plan_run, utc, RunPlan};

/// What a [`Poster`] call returns: its outcome, later.
pub type PostFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, PostError>> + Send + 'a>>;

/// Sends one message to a channel. Implemented by the Discord adapter and the
/// console; tests use the Discord double behind the real one.
pub trait Poster: Send + Sync + 'static {
    /// Posts `message` with `nonce` (the same on every attempt of this part);
    /// returns the message id.
    fn post<'a>(
        &'a self,
        channel_id: u64,
        message: &'a Message,
        nonce: &'a str,
    ) -> PostFuture<'a, String>;

    /// The bot's own recent messages in `channel_id`, newest first, as
    /// views (what they say, not their buttons): to find a post an earlier
    /// attempt may have made, or an answer shown by an older version.
    fn recent_own<'a>(&'a self, channel_id: u64) -> PostFuture<'a, Vec<(String, Message)>>;

    /// Replaces what message `message_id` in `channel_id` says.
    fn edit<'a>(
        &'a self,
        channel_id: u64,
        message_id: &'a str,
        message: &'a Message,
    ) -> PostFuture<'a, ()>;

    /// Deletes message `message_id`; one that is already gone is no error.
    fn delete<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()>;

    /// Opens a thread named `name` on message `message_id` of `channel_id`;
    /// returns the thread's channel id. Opening it again must give the same
    /// thread (Discord's thread from a message shares the message's id).
    fn open_thread<'a>(
        &'a self,
        channel_id: u64,
        message_id: &'a str,
        name: &'a str,
    ) -> PostFuture<'a, String>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum PostError {
    /// Worth another try later: a server error, a network failure, or a rate
    /// limit the HTTP client did not absorb.
    Transient {
        reason: String,
        retry_after: Option<Duration>,
        /// The request may have been carried out (a server error or a lost
        /// connection after sending), unlike a rate limit.
        may_have_posted: bool,
    },
    /// The channel will not take posts from us (403) or no longer exists
    /// (404): retrying cannot help until someone fixes it.
    Refused { reason: String },
    /// Discord rejected the message itself (400).
    Rejected { reason: String },
}

/// Wakes the delivery loop early: a schedule changed, a post was queued.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn notify(&self) {
        // notify_one keeps a permit, so a wake that comes while the loop is
        // busy is not lost.
        self.0.notify_one();
    }

    async fn notified(&self) {
        self.0.notified().await
    }
}

/// The id of the console's simulated server. No Discord server has it
/// (Discord ids are snowflakes far above it), so the console and the bot can
/// share a database and each deliver only their own posts.
pub const LOCAL_GUILD: u64 = 1;

/// What a delivery loop serves, and the name of the lease that makes it the
/// only process doing so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryScope {
    pub lease: &'static str,
    pub guilds: GuildScope,
}

impl DeliveryScope {
    /// Every real server: what `briefbot run` delivers.
    pub const DISCORD: DeliveryScope = DeliveryScope {
        lease: "discord",
        guilds: GuildScope {
            only: None,
            except: Some(LOCAL_GUILD),
        },
    };
    /// The console's simulated server only.
    pub const CONSOLE: DeliveryScope = DeliveryScope {
        lease: "console",
        guilds: GuildScope {
            only: Some(LOCAL_GUILD),
            except: None,
        },
    };
}

#[derive(Debug, Clone)]
pub struct PostingConfig {
    /// Runs missed while offline are still posted if they are at most this
    /// late; older ones are skipped with that reason.
    pub catch_up: Duration,
    /// First retry delay after a server or network error; doubles each time.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
    /// How often to look for briefings another process (the CLI) imported.
    pub watch_interval: Duration,
    /// Channels sent to at the same time.
    pub concurrency: usize,
    pub scope: DeliveryScope,
    /// How long Discord is trusted to remember a nonce. A message whose
    /// outcome is unknown for longer is looked for in the channel before it
    /// is sent again.
    pub nonce_window: Duration,
    /// How long the delivery lease lasts without a heartbeat: another
    /// process takes over this long after this one died.
    pub lease_ttl: Duration,
}

impl Default for PostingConfig {
    fn default() -> Self {
        Self {
            catch_up: Duration::from_secs(3600),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(600),
            max_attempts: 10,
            watch_interval: Duration::from_secs(2),
            concurrency: 16,
            scope: DeliveryScope::DISCORD,
            lease_ttl: Duration::from_secs(30),
            nonce_window: Duration::from_secs(120),
        }
    }
}

/// Who this process is, for the delivery lease.
fn lease_holder() -> LeaseHolder {
    let now = chrono::Utc::now().timestamp_millis();
    LeaseHolder {
        holder: format!("{:016x}", fastrand::u64(..)),
        pid: std::process::id(),
        host: host_name(),
        started_at: now,
        expires_at: now,
    }
}

/// This machine's name (Linux), to tell a crashed local holder from a
/// process on another machine sharing the file.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Whether process `pid` of this machine is running (Linux; elsewhere it is
/// assumed alive and its lease runs out instead).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = std::path::Path::new("/proc");
    !proc.exists() || proc.join(pid.to_string()).exists()
}

/// How long a stop waits for the round in progress to finish.
const DRAIN_ON_STOP: Duration = Duration::from_secs(10);
/// Deliveries claimed per round.
const BATCH: usize = 500;
/// A claimed delivery is offered again after this long if its sender died
/// without a word (normally it is released at restart first).
const LEASE_MS: i64 = 10 * 60_000;

#[derive(Clone)]
pub struct Posting {
    db: Db,
    clock: SharedClock,
    wake: Wake,
    poster: Arc<dyn Poster>,
    config: Arc<PostingConfig>,
}

impl Posting {
    pub fn new(
        db: Db,
        clock: SharedClock,
        wake: Wake,
        poster: Arc<dyn Poster>,
        config: PostingConfig,
    ) -> Self {
        Self {
            db,
            clock,
            wake,
            poster,
            config: Arc::new(config),
        }
    }

    /// Delivers until `stop` completes. Sends cut short by `stop` are sent
    /// again (same nonces) at the next start. Only the holder of the
    /// scope's lease delivers: while another live process holds it, this
    /// one says who and waits, taking over if that process stops.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let me = lease_holder();
        let scope = self.config.scope;
        let mut told = false;
        loop {
            match self.take_lease(&me).await {
                Ok(None) => break,
                Ok(Some(other)) => {
                    if !told {
                        tracing::warn!(
                            holder = %other,
                            scope = scope.lease,
                            "another process delivers posts for this database; this one will not post until it stops"
                        );
                        told = true;
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not read the delivery lease"),
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(self.config.lease_ttl / 3) => {}
            }
        }
        if told {
            tracing::info!(
                scope = scope.lease,
                "the other process stopped; delivering posts now"
            );
        }
        let heartbeat = {
            let this = self.clone();
            let me = me.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(this.config.lease_ttl / 3).await;
                    match this.take_lease(&me).await {
                        Ok(None) => {}
                        Ok(Some(other)) => {
                            tracing::error!(holder = %other, "lost the delivery lease (this process was stalled past it); stopping deliveries");
                            return;
                        }
                        Err(e) => tracing::warn!(error = %e, "could not renew the delivery lease"),
                    }
                }
            })
        };
        let now = self.clock.now_ms();
        match self
            .db
            .call(move |s| s.release_in_flight(scope.guilds, now))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deliveries = n,
                "resuming deliveries that were in flight at the last stop"
            ),
            Err(e) => tracing::error!(error = %e, "could not read the outbox"),
        }
        tracing::info!("delivery loop started");
        self.deliver(&mut stop, &heartbeat).await;
        heartbeat.abort();
        let lease = scope.lease;
        if let Err(e) = self
            .db
            .call(move |s| s.release_lease(lease, &me.holder))
            .await
        {
            tracing::warn!(error = %e, "could not release the delivery lease");
        }
        tracing::info!("delivery loop stopped");
    }

    async fn take_lease(&self, me: &LeaseHolder) -> Result<Option<LeaseHolder>, StoreError> {
        let mut me = me.clone();
        // Real time, not the (possibly hand-moved) clock: the lease is about
        // whether a process is alive.
        let now = chrono::Utc::now().timestamp_millis();
        me.expires_at = now + self.config.lease_ttl.as_millis() as i64;
        let lease = self.config.scope.lease;
        self.db
            .call(move |s| match s.take_lease(lease, &me, now)? {
                // A holder on this machine whose process is gone crashed:
                // take over now rather than when its lease runs out.
                Some(other) if other.host == me.host && !process_alive(other.pid) => {
                    if s.take_lease_from(lease, &other.holder, &me)? {
                        tracing::info!(holder = %other, "the process that held the delivery lease is gone; taking over");
                        Ok(None)
                    } else {
                        Ok(Some(other))
                    }
                }
                other => Ok(other),
            })
            .await
    }

    async fn deliver(
        &self,
        stop: &mut Pin<&mut impl Future<Output = ()>>,
        heartbeat: &tokio::task::JoinHandle<()>,
    ) {
        loop {
            if heartbeat.is_finished() {
                return;
            }
            let round = self.round();
            tokio::pin!(round);
            let round = tokio::select! {
                round = &mut round => round,
                _ = &mut *stop => {
                    // Let the round in progress record what it sent, so a
                    // clean stop leaves no post `sending`; a round stuck
                    // longer than this is resumed (same nonces) next start.
                    match tokio::time::timeout(DRAIN_ON_STOP, round).await {
                        Ok(_) => tracing::info!("finished the deliveries in progress"),
                        Err(_) => tracing::warn!("stopped with deliveries in progress; they resume at the next start"),
                    }
                    return;
                }
            };
            let next_due = match round {
                Ok(Round::MoreDue) => continue,
                Ok(Round::Idle(next_due)) => next_due,
                Err(e) => {
                    tracing::error!(error = %e, "delivery round failed; trying again shortly");
                    Some(self.clock.now_ms() + 5_000)
                }
            };
            let sleep = match next_due {
                Some(at) => self.clock.sleep_until(from_ms(at)),
                None => Box::pin(std::future::pending()),
            };
            tokio::select! {
                _ = &mut *stop => return,
                _ = sleep => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.watch_interval) => {}
            }
        }
    }

    /// One pass: plan due schedules, queue new briefings, send what is due.
    async fn round(&self) -> Result<Round, StoreError> {
        let now = self.clock.now_ms();
        let scope = self.config.scope.guilds;
        let catch_up = self.config.catch_up.as_millis() as i64;
        let planned = self
            .db
            .call(move |s| s.in_transaction(|s| plan_due_schedules(s, scope, now, catch_up)))
            .await?;
        if planned > 0 {
            tracing::debug!(planned, "schedule runs queued");
        }
        let queued = self
            .db
            .call(move |s| s.queue_new_briefings(scope, now))
            .await?;
        if queued > 0 {
            tracing::info!(
                deliveries = queued,
                "new briefings queued for subscribed channels"
            );
        }
        let claimed = self
            .db
            .call(move |s| s.claim_due(scope, now, now + LEASE_MS, BATCH))
            .await?;
        let full = claimed.len() == BATCH;
        self.send_all(claimed).await;
        if full {
            return Ok(Round::MoreDue);
        }
        let (schedule, attempt) = self
            .db
            .call(move |s| Ok((s.next_schedule_run(scope)?, s.next_attempt(scope)?)))
            .await?;
        Ok(Round::Idle(match (schedule, attempt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }))
    }

    /// Sends claimed deliveries: channels in parallel (bounded), each
    /// channel's in order.
    async fn send_all(&self, claimed: Vec<Delivery>) {
        let mut by_channel: Vec<(u64, Vec<Delivery>)> = Vec::new();
        let mut index: HashMap<u64, usize> = HashMap::new();
        for delivery in claimed {
            let slot = *index.entry(delivery.channel_id).or_insert_with(|| {
                by_channel.push((delivery.channel_id, Vec::new()));
                by_channel.len() - 1
            });
            by_channel[slot].1.push(delivery);
        }
        let permits = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for (_, deliveries) in by_channel {
            let this = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                for delivery in deliveries {
                    if this.send(delivery).await == Sent::ChannelRefused {
                        break;
                    }
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            if let Err(e) = joined {
                tracing::error!(error = %e, "a delivery task panicked");
            }
        }
    }

    async fn send(&self, delivery: Delivery) -> Sent {
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
            .position(|s| matches!(s, Step::OpenThread { .. }));
        for (index, step) in steps.iter().enumerate().skip(d.parts_sent) {
            let nonce = d.nonce(index);
            // The first step of this attempt may have been made by an
            // earlier one whose answer was lost. Within the nonce window
            // Discord returns that message for the same nonce; past it, a
            // resend would post a copy, so look for it first.
            let late = index == d.parts_sent
                && d.uncertain_since.is_some_and(|since| {
                    self.clock.now_ms() - since > self.config.nonce_window.as_millis() as i64
                });
            let result = match step {
                Step::Post(message) if late => {
                    self.post_unless_made(d.channel_id, message, &nonce).await
                }
                Step::Post(message) => self.poster.post(d.channel_id, message, &nonce).await,
                Step::OpenThread { name } => match ids.first() {
                    Some(first) => self.poster.open_thread(d.channel_id, first, name).await,
                    None => Err(PostError::Rejected {
                        reason: "no message to open the discussion thread from".into(),
                    }),
                },
                Step::PostInThread(message) => {
                    match thread_step
                        .and_then(|i| ids.get(i))
                        .and_then(|t| t.parse::<u64>().ok())
                    {
                        Some(thread) if late => {
                            self.post_unless_made(thread, message, &nonce).await
                        }
                        Some(thread) => self.poster.post(thread, message, &nonce).await,
                        None => Err(PostError::Rejected {
                            reason: "the discussion thread's id is missing".into(),
                        }),
                    }
                }
            };
            let now = self.clock.now_ms();
            match result {
                Ok(message_id) => {
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
                    if !matches!(step, Step::Post(_)) =>
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

    /// Posts `message` unless the channel already shows it (made by an
    /// attempt whose answer was lost, longer ago than Discord remembers
    /// nonces).
    async fn post_unless_made(
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
        let (id, channel) = (d.id, d.channel_id);
        let note =
            format!("posted, but the discussion thread could not be opened or filled: {reason}");
        tracing::warn!(delivery = id, channel, %reason, steps, "posted without its discussion");
        let now = self.clock.now_ms();
        let stored = note.clone();
        self.db
            .call(move |s| s.mark_sent_with_note(id, &stored, now))
            .await?;
        self.notice(
            d,
            format!(
                "I posted a briefing in <#{channel}> but could not open its discussion thread: {reason}. \
                 Give the bot Create Public Threads and Send Messages in Threads there, or turn threads off with /settings threads off."
            ),
        )
        .await?;
        Ok(Sent::Done)
    }

    async fn retry_later(
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
        let (id, channel) = (d.id, d.channel_id);
        let now = self.clock.now_ms();
        let why = format!("{reason} in <#{channel}>");
        let pause = why.clone();
        let (schedules, subscriptions, failed) = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    s.mark_failed(id, &pause, now)?;
                    let failed = s.fail_channel(channel, &pause, now)?;
                    let (schedules, subscriptions) = s.sources_for_channel(channel)?;
                    for schedule in &schedules {
                        s.set_schedule_state_keep_next(
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
    async fn notice(&self, about: &Delivery, text: String) -> Result<(), StoreError> {
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

enum Round {
    /// A full batch went out; more may be waiting.
    MoreDue,
    /// Nothing more now; the next thing is due then (if anything is).
    Idle(Option<i64>),
}

#[derive(Debug, PartialEq, Eq)]
enum Sent {
    Done,
    Later,
    ChannelRefused,
}

/// Whether two messages say the same: text and embeds (buttons aside, since
/// a fetched message's are not compared).
fn same_text(a: &Message, b: &Message) -> bool {
    a.content.as_deref().unwrap_or("") == b.content.as_deref().unwrap_or("") && a.embeds == b.embeds
}

/// Exponential backoff with jitter: base·2^(attempt-1), capped, times 0.5–1.5.
fn backoff(config: &PostingConfig, attempt: u32) -> Duration {
    let exponential = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(20)));
    let capped = exponential.min(config.retry_max);
    capped.mul_f64(0.5 + fastrand::f64())
}

/// Turns every due schedule into a delivery (or a skipped record) and moves
/// it to its next run, in the caller's transaction. Returns how many were planned.
fn plan_due_schedules(
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
                schedule.id,
                ScheduleState::Active,
                None,
                Some(next),
                now,
            )?,
            None => store.set_schedule_state(schedule.id, ScheduleState::Done, None, None, now)?,
        }
    }
    Ok(due.len())
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
