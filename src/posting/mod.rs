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
mod lease;
mod plan;
mod publisher;
mod questions;
mod send;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::clock::{from_ms, SharedClock};

use crate::domain::view::Message;
use crate::store::{Db, Delivery, GuildScope, StoreError, WebhookToken};

pub use content::{delivery_steps, preview, render_payload, resolve_content, Prepared, Step};
use lease::lease_holder;
use plan::plan_due_schedules;
pub use plan::{plan_run, utc, RunPlan};
pub use publisher::{Publisher, WEBHOOK_NAME};
use send::Sent;

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

    /// Pins message `message_id` of `channel_id` (a featured answer in its
    /// thread). Refused where the bot may not pin there; one pinned
    /// already is no error.
    fn pin<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()>;

    /// Unpins it; one not pinned, or gone, is no error.
    fn unpin<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()>;

    /// Publishes message `message_id` of announcement channel `channel_id`
    /// to the servers that follow it. One published already is no error.
    fn publish<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()>;

    /// Starts a forum post named `name` in forum `forum_id` with `message`
    /// as its starter, tagged with the forum's tags whose names match
    /// `tags` (any case, at most 5; a forum that requires a tag and has no
    /// match gets its first). Returns the post's (thread's) id.
    fn create_forum_post<'a>(
        &'a self,
        forum_id: u64,
        name: &'a str,
        message: &'a Message,
        tags: &'a [String],
    ) -> PostFuture<'a, String>;

    /// The id of a forum post named `name` in forum `forum_id` of server
    /// `guild_id` that the bot itself started at or after `since_ms` (Unix
    /// ms), if Discord lists one among the server's active posts or the
    /// forum's archived ones. Forum posts take no nonce, so this is how a
    /// retry finds the post an attempt whose answer was lost made.
    fn find_forum_post<'a>(
        &'a self,
        guild_id: u64,
        forum_id: u64,
        name: &'a str,
        since_ms: i64,
    ) -> PostFuture<'a, Option<String>>;

    /// Makes a webhook named `name` in `channel_id` (it takes Manage
    /// Webhooks there); its id and token.
    fn create_webhook<'a>(
        &'a self,
        channel_id: u64,
        name: &'a str,
    ) -> PostFuture<'a, (u64, WebhookToken)>;

    /// Posts `message` through webhook `webhook_id` under `publisher`'s
    /// name and picture, as the bot would post it; the message's id, or
    /// `None` when the webhook no longer exists. Takes no nonce.
    fn execute_webhook<'a>(
        &'a self,
        webhook_id: u64,
        token: &'a WebhookToken,
        publisher: &'a Publisher,
        message: &'a Message,
    ) -> PostFuture<'a, Option<String>>;

    /// What webhook `webhook_id` recently posted in `channel_id`, newest
    /// first, as views: to find a post whose answer was lost.
    fn recent_webhook_posts<'a>(
        &'a self,
        channel_id: u64,
        webhook_id: u64,
    ) -> PostFuture<'a, Vec<(String, Message)>>;

    /// Deletes webhook `webhook_id`; one already gone is no error.
    fn delete_webhook<'a>(&'a self, webhook_id: u64, token: &'a WebhookToken)
        -> PostFuture<'a, ()>;

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

/// Publishes Discord allows per announcement channel in [`PUBLISH_WINDOW_MS`].
pub const PUBLISHES_PER_WINDOW: usize = 10;
pub const PUBLISH_WINDOW_MS: i64 = 3_600_000;

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
    /// Held while a channel's webhook is looked up, made or deleted.
    webhooks: Arc<tokio::sync::Mutex<()>>,
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
            webhooks: Arc::default(),
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
        self.drop_unused_webhooks().await;
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
}

enum Round {
    /// A full batch went out; more may be waiting.
    MoreDue,
    /// Nothing more now; the next thing is due then (if anything is).
    Idle(Option<i64>),
}
