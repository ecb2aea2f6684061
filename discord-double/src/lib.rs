//! A Discord double: a fake Discord on loopback that a real bot client talks
//! to unchanged. REST arrives as `/api/v10/...` (point the client's proxy at
//! [`Double::base_url`]); `GET /gateway` hands out the websocket URL of the
//! double's gateway. Every request is recorded, and every JSON body is
//! checked against Discord's OpenAPI description and documented limits.
//! Tests dispatch interactions, wait on what the bot sends (with a bound),
//! and inject faults.

mod crafted;
mod faults;
mod fixtures;
mod gateway;
mod interactions;
mod limits;
mod rest;
mod spec;
mod webhooks;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

pub use crafted::Crafted;
pub use faults::*;
pub use fixtures::*;
use gateway::*;
pub use limits::*;
pub use rest::*;
pub use spec::{documented_limits, SpecValidator};
pub use webhooks::MANAGE_WEBHOOKS;

pub const APPLICATION_ID: u64 = 110_000_000_000_000_001;
pub const BOT_USER_ID: u64 = APPLICATION_ID;
pub const GUILD_ID: u64 = 220_000_000_000_000_002;
pub const CHANNEL_ID: u64 = 330_000_000_000_000_003;
pub const MEMBER_ID: u64 = 440_000_000_000_000_004;
/// A second text channel, for the bot's reports.
pub const LOG_CHANNEL_ID: u64 = 330_000_000_000_000_006;
/// A text channel where @everyone (the bot included) may not send messages.
pub const LOCKED_CHANNEL_ID: u64 = 330_000_000_000_000_007;
/// A text channel where the bot may post but not open threads.
pub const NO_THREADS_CHANNEL_ID: u64 = 330_000_000_000_000_008;
/// A forum channel (type 15): Discord refuses plain messages there.
pub const FORUM_CHANNEL_ID: u64 = 330_000_000_000_000_009;
/// A role a server can make its moderator role.
pub const MODERATOR_ROLE_ID: u64 = 550_000_000_000_000_005;
/// The forum's tags: "Energy" and "Policy". The forum requires a tag.
pub const ENERGY_TAG_ID: u64 = 660_000_000_000_000_001;
pub const POLICY_TAG_ID: u64 = 660_000_000_000_000_002;
/// A forum's flag: a post must carry a tag.
pub const REQUIRE_TAG: u64 = 1 << 4;
/// A second server, on shard 1 of 2 (`GUILD_ID` is on shard 0):
/// `(id >> 22) % shards`.
pub const SECOND_GUILD_ID: u64 = 220_000_000_004_194_307;
/// Its text channel.
pub const SECOND_CHANNEL_ID: u64 = 330_000_000_000_000_012;
/// A member of the second test server only.
pub const SECOND_MEMBER_ID: u64 = 440_000_000_000_000_013;
/// A moderator (Manage Server) of the second test server only.
pub const SECOND_MODERATOR_ID: u64 = 440_000_000_000_000_014;
/// An announcement channel (type 5): its messages can be published.
pub const ANNOUNCEMENT_CHANNEL_ID: u64 = 330_000_000_000_000_011;
/// Publishes Discord allows per announcement channel per hour.
pub const PUBLISHES_PER_HOUR: usize = 10;
/// A mentionable role (members join it to be pinged about new briefings).
pub const READERS_ROLE_ID: u64 = 550_000_000_000_000_010;
/// The permission to ping roles that are not mentionable (and @everyone).
pub const MENTION_EVERYONE: u64 = 1 << 17;
/// Manage Server.
pub const MANAGE_GUILD: u64 = 1 << 5;
/// Manage Messages (`/moderate` is registered for it).
pub const MANAGE_MESSAGES: u64 = 1 << 13;
/// How long Discord remembers a message nonce: "a few minutes"
/// (../shared/docs/discord-notes.md); the double forgets it after this.
pub const DISCORD_NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path after `/api/v10/`, without the query.
    pub path: String,
    pub body: Value,
    /// Why Discord would reject this body; empty when it would accept it.
    pub problems: Vec<String>,
    /// When it arrived, for latency measurements.
    pub at: std::time::Instant,
    /// The HTTP status the double answered with.
    pub status: u16,
    /// Files uploaded with a multipart body: (filename, content).
    pub files: Vec<(String, Vec<u8>)>,
}

/// A message the double holds in a channel.
#[derive(Debug, Clone)]
pub struct ChannelMessage {
    pub channel_id: u64,
    pub id: u64,
    pub nonce: Option<String>,
    pub body: Value,
    pub at: std::time::Instant,
}

/// A thread the bot opened on one of its messages (it has that message's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: u64,
    pub parent_id: u64,
    /// A forum post's tags.
    pub applied_tags: Vec<u64>,
    pub name: String,
}

/// A channel webhook (an "incoming" webhook, type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: u64,
    pub channel_id: u64,
    pub name: String,
    pub token: String,
    pub deleted: bool,
}

struct Shared {
    spec: Option<SpecValidator>,
    ws_url: String,
    log: Mutex<Vec<Recorded>>,
    changed: Notify,
    /// The bot's gateway connections, by shard.
    gateways: Mutex<std::collections::BTreeMap<u64, mpsc::UnboundedSender<Outgoing>>>,
    /// Session id -> shard, so a RESUME finds its shard again.
    sessions: Mutex<std::collections::HashMap<String, u64>>,
    /// Shards `/gateway/bot` recommends.
    shards: AtomicU64,
    /// Whether the second test server exists (on the other shard of two).
    second_guild: std::sync::atomic::AtomicBool,
    /// Servers made up for load benches, besides the test servers.
    generated_guilds: AtomicU64,
    identifies: AtomicUsize,
    intents: AtomicU64,
    resumes: AtomicUsize,
    next_id: AtomicU64,
    /// (path prefix, fault, how often)
    faults: Mutex<VecDeque<(String, Fault, Times)>>,
    random: Mutex<u64>,
    messages: Mutex<Vec<ChannelMessage>>,
    threads: Mutex<Vec<Thread>>,
    /// (channel, nonce) -> (index into `messages`, when it was first used).
    nonces: Mutex<std::collections::HashMap<(u64, String), (usize, std::time::Instant)>>,
    /// How long a nonce is remembered (Discord: a few minutes).
    nonce_window: Mutex<Duration>,
    /// Ids of messages deleted from their channel.
    deleted: Mutex<std::collections::HashSet<u64>>,
    /// Pinned messages, (channel, message), in the order they were pinned.
    pins: Mutex<Vec<(u64, u64)>>,
    attachments: Mutex<std::collections::HashMap<u64, (String, Vec<u8>)>>,
    limits: Mutex<Option<RateLimits>>,
    limiter: Mutex<Limiter>,
    rate_limited: AtomicUsize,
    base_url: String,
    /// Interaction token -> its original response.
    originals: Mutex<std::collections::HashMap<String, Original>>,
    shown: Mutex<Vec<ShownReply>>,
    /// Channel webhooks the bot made; a deleted one stays, marked.
    webhooks: Mutex<Vec<Webhook>>,
    gateway_url_override: Mutex<Option<String>>,
    refused_connections: AtomicUsize,
    /// Messages published (crossposted) from announcement channels.
    published: Mutex<Vec<Published>>,
    /// Publishes refused for the hourly limit.
    publish_refusals: AtomicUsize,
    /// Channels of the test server whose overwrites a test changed:
    /// channel id -> its `permission_overwrites`.
    overwrites: Mutex<std::collections::HashMap<u64, Value>>,
}

/// A message published to the servers following its announcement channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub channel_id: u64,
    pub message_id: u64,
    /// Still counts toward the channel's hourly limit.
    pub in_window: bool,
}

impl Shared {
    /// Whether `channel` is a thread the bot opened.
    pub(crate) fn is_thread(&self, channel: u64) -> bool {
        self.threads
            .lock()
            .expect("threads")
            .iter()
            .any(|t| t.id == channel)
    }

    fn gateway_url(&self) -> String {
        self.gateway_url_override
            .lock()
            .expect("override")
            .clone()
            .unwrap_or_else(|| self.ws_url.clone())
    }

    /// The server a channel (or a thread, through its parent) belongs to.
    pub(crate) fn guild_of_channel(&self, channel_id: u64) -> Option<u64> {
        let channel_id = self
            .threads
            .lock()
            .expect("threads")
            .iter()
            .find(|t| t.id == channel_id)
            .map_or(channel_id, |t| t.parent_id);
        self.guild_holding(channel_id)
    }

    /// The server whose channels include `channel_id` (not a thread).
    pub(crate) fn guild_holding(&self, channel_id: u64) -> Option<u64> {
        let wanted = channel_id.to_string();
        self.guilds().iter().find_map(|guild| {
            let holds = guild["channels"]
                .as_array()
                .is_some_and(|channels| channels.iter().any(|c| c["id"] == wanted.as_str()));
            holds.then(|| guild["id"].as_str()?.parse().ok()).flatten()
        })
    }

    /// The test server as it is now (with the overwrites tests changed).
    pub(crate) fn test_guild(&self) -> Value {
        let mut guild = guild_json();
        let changed = self.overwrites.lock().expect("overwrites");
        for channel in guild["channels"].as_array_mut().into_iter().flatten() {
            let id = channel["id"].as_str().and_then(|id| id.parse::<u64>().ok());
            if let Some(overwrites) = id.and_then(|id| changed.get(&id)) {
                channel["permission_overwrites"] = overwrites.clone();
            }
        }
        guild
    }

    /// The servers the bot is in.
    fn guilds(&self) -> Vec<Value> {
        let mut guilds = vec![self.test_guild()];
        if self.second_guild.load(Ordering::SeqCst) {
            guilds.push(second_guild_json());
        }
        guilds.extend((0..self.generated_guilds.load(Ordering::SeqCst)).map(generated_guild_json));
        guilds
    }

    /// The shard a server's events go to: `(guild_id >> 22) % shards`
    /// (Discord's sharding docs).
    fn shard_of(&self, guild_id: u64) -> u64 {
        (guild_id >> 22) % self.shards.load(Ordering::SeqCst).max(1)
    }

    fn snowflake(&self) -> u64 {
        // As Discord's: milliseconds since 2015 in the high bits, so an id
        // says when it was made (docs: Reference, Snowflakes).
        const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let sequence = self.next_id.fetch_add(1, Ordering::Relaxed) & 0x3f_ffff;
        (now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22) | sequence
    }
}

/// Where the spec comes from: `DISCORD_OPENAPI_SPEC`. Set and missing is an
/// error; unset, the schema check is skipped with one line saying so.
pub fn spec_from_env() -> Result<Option<PathBuf>, String> {
    match std::env::var_os("DISCORD_OPENAPI_SPEC") {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.is_file() {
                Ok(Some(path))
            } else {
                Err(format!(
                    "DISCORD_OPENAPI_SPEC is set but {} does not exist",
                    path.display()
                ))
            }
        }
        None => {
            eprintln!(
                "discord-double: DISCORD_OPENAPI_SPEC is not set, so request bodies are not checked against \
                 Discord's schema (see the README, Tests, for where to get openapi.json)"
            );
            Ok(None)
        }
    }
}

pub struct Double {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Double {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Double {
    /// Starts on 127.0.0.1 at `port` (0 for any free one).
    pub async fn start(spec: Option<&Path>, port: u16) -> Result<Self, String> {
        let spec = spec.map(SpecValidator::load).transpose()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            spec,
            ws_url: format!("ws://{addr}/gateway-ws"),
            log: Mutex::new(Vec::new()),
            changed: Notify::new(),
            gateways: Mutex::default(),
            sessions: Mutex::default(),
            shards: AtomicU64::new(1),
            second_guild: std::sync::atomic::AtomicBool::new(false),
            overwrites: Mutex::default(),
            generated_guilds: AtomicU64::new(0),
            identifies: AtomicUsize::new(0),
            intents: AtomicU64::new(0),
            resumes: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            faults: Mutex::new(VecDeque::new()),
            random: Mutex::new(0x2545_f491_4f6c_dd1d),
            messages: Mutex::new(Vec::new()),
            nonces: Mutex::default(),
            nonce_window: Mutex::new(DISCORD_NONCE_WINDOW),
            deleted: Mutex::default(),
            pins: Mutex::default(),
            threads: Mutex::default(),
            attachments: Mutex::default(),
            limits: Mutex::new(None),
            limiter: Mutex::default(),
            rate_limited: AtomicUsize::new(0),
            base_url: format!("http://{addr}"),
            originals: Mutex::default(),
            shown: Mutex::default(),
            webhooks: Mutex::default(),
            gateway_url_override: Mutex::default(),
            refused_connections: AtomicUsize::new(0),
            published: Mutex::default(),
            publish_refusals: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/gateway-ws", any(gateway))
            .fallback(rest)
            .with_state(Arc::clone(&shared));
        // Small frames must leave at once: with Nagle's algorithm on, a
        // dispatch can wait ~40 ms for the peer's delayed ACK.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// How long nonces are remembered from now on (tests shorten it to see
    /// what happens after Discord has forgotten one).
    pub fn set_nonce_window(&self, window: Duration) {
        *self.shared.nonce_window.lock().expect("window") = window;
    }

    /// Messages deleted from their channel since the start.
    pub fn deleted_messages(&self) -> std::collections::HashSet<u64> {
        self.shared.deleted.lock().expect("deleted").clone()
    }

    /// Gateway connections refused since [`Self::make_gateway_unreachable`].
    pub fn refused_gateway_connections(&self) -> usize {
        self.shared.refused_connections.load(Ordering::SeqCst)
    }

    /// From now on, `GET /gateway` names a websocket address where nothing
    /// listens, the double's own websocket refuses connections, and the open
    /// socket is dropped: Discord unreachable.
    pub fn make_gateway_unreachable(&self) {
        *self.shared.gateway_url_override.lock().expect("override") =
            Some("ws://127.0.0.1:9/unreachable".to_string());
        self.drop_gateway();
    }

    /// Base URL for the client's proxy setting: `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().expect("log").clone()
    }

    /// Looks at the log without copying it (for big runs).
    pub fn with_requests<T>(&self, look: impl FnOnce(&[Recorded]) -> T) -> T {
        look(&self.shared.log.lock().expect("log"))
    }

    /// Every reason Discord would have rejected a request so far.
    pub fn problems(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .flat_map(|r| r.problems)
            .collect()
    }

    pub fn identifies(&self) -> usize {
        self.shared.identifies.load(Ordering::SeqCst)
    }

    pub fn resumes(&self) -> usize {
        self.shared.resumes.load(Ordering::SeqCst)
    }

    /// Waits until `found` returns something, re-checking whenever a request
    /// or gateway event arrives; fails after `limit`.
    pub async fn wait_for<T>(
        &self,
        limit: Duration,
        what: &str,
        mut found: impl FnMut(&Double) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.shared.changed.notified();
            if let Some(value) = found(self) {
                return Ok(value);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return found(self)
                    .ok_or_else(|| format!("timed out after {limit:?} waiting for {what}"));
            }
        }
    }

    /// The first recorded request matching `method` and path prefix `prefix`.
    pub async fn wait_for_request(
        &self,
        method: &str,
        prefix: &str,
        limit: Duration,
    ) -> Result<Recorded, String> {
        self.wait_for(limit, &format!("{method} {prefix}…"), |d| {
            d.requests()
                .into_iter()
                .find(|r| r.method == method && r.path.starts_with(prefix))
        })
        .await
    }

    /// Answers the next `times` requests whose path starts with `prefix` with `fault`.
    pub fn inject(&self, prefix: &str, fault: Fault, times: usize) {
        self.shared.faults.lock().expect("faults").push_back((
            prefix.to_string(),
            fault,
            Times::Count(times),
        ));
    }

    /// Answers each request whose path starts with `prefix` with `fault`
    /// with probability `chance`, until [`Double::clear_faults`]. The
    /// sequence is seeded, so a run is repeatable.
    pub fn inject_randomly(&self, prefix: &str, fault: Fault, chance: f64) {
        self.shared.faults.lock().expect("faults").push_back((
            prefix.to_string(),
            fault,
            Times::Chance(chance),
        ));
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults").clear();
    }

    /// Enforces Discord-like rate limits from now on: over them, a request
    /// gets a 429 with `retry_after` and the headers Discord sends.
    pub fn enforce_rate_limits(&self, limits: RateLimits) {
        *self.shared.limits.lock().expect("limits") = Some(limits);
    }

    /// How many 429s the rate limits (not injected faults) caused.
    pub fn rate_limited(&self) -> usize {
        self.shared.rate_limited.load(Ordering::SeqCst)
    }

    /// Messages the double holds, in the order they were created. A create
    /// that repeated a nonce is not among them: it returned the first.
    pub fn messages(&self) -> Vec<ChannelMessage> {
        self.shared.messages.lock().expect("messages").clone()
    }

    /// Looks at the messages without copying them (for big runs).
    pub fn with_messages<T>(&self, look: impl FnOnce(&[ChannelMessage]) -> T) -> T {
        look(&self.shared.messages.lock().expect("messages"))
    }

    /// A member's plain message in `channel_id` replying to `replied_to`
    /// (MESSAGE_CREATE; the bot sees its text only with the Message Content
    /// intent).
    pub fn send_reply_message(
        &self,
        replied_to: &ChannelMessage,
        content: &str,
    ) -> Result<u64, String> {
        let id = self.shared.snowflake();
        let channel = replied_to.channel_id;
        let mut message = message_in(id, channel, &json!({ "content": content }));
        message["author"] = member_user();
        message["type"] = json!(19);
        message["guild_id"] = json!(GUILD_ID.to_string());
        message["member"] = json!({
            "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0
        });
        message["message_reference"] = json!({
            "message_id": replied_to.id.to_string(), "channel_id": channel.to_string(), "guild_id": GUILD_ID.to_string()
        });
        message["referenced_message"] = message_in(replied_to.id, channel, &replied_to.body);
        self.dispatch("MESSAGE_CREATE", message)?;
        Ok(id)
    }

    /// Puts a message in `channel_id` as if the bot had posted it earlier
    /// (say, an older version of it whose records are gone). Returns its id.
    pub fn add_bot_message(&self, channel_id: u64, body: Value) -> u64 {
        let id = self.shared.snowflake();
        self.shared
            .messages
            .lock()
            .expect("messages")
            .push(ChannelMessage {
                channel_id,
                id,
                nonce: None,
                body,
                at: std::time::Instant::now(),
            });
        id
    }

    /// Changes a test-server channel's permission overwrites, as a
    /// moderator would in its settings: what the double allows follows at
    /// once, and the bot is told with CHANNEL_UPDATE (Discord sends it to
    /// bots with the GUILDS intent).
    pub fn set_channel_overwrites(&self, channel_id: u64, overwrites: Value) -> Result<(), String> {
        self.shared
            .overwrites
            .lock()
            .expect("overwrites")
            .insert(channel_id, overwrites);
        let mut channel = self.shared.test_guild()["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"] == json!(channel_id.to_string()))
            .cloned()
            .ok_or_else(|| format!("the test server has no channel {channel_id}"))?;
        channel["guild_id"] = json!(GUILD_ID.to_string());
        self.dispatch("CHANNEL_UPDATE", channel)
    }

    /// The intents the bot identified with last.
    pub fn identified_intents(&self) -> u64 {
        self.shared.intents.load(Ordering::SeqCst)
    }

    /// (channel, nonce) of every message create whose latest attempt the
    /// double answered with success: posts the bot has heard back about and
    /// will not send again.
    pub fn acknowledged_nonces(&self) -> std::collections::HashSet<(u64, String)> {
        self.with_requests(|log| {
            let mut latest: std::collections::HashMap<(u64, String), u16> =
                std::collections::HashMap::new();
            for r in log.iter().filter(|r| r.method == "POST") {
                let Some(channel) = r
                    .path
                    .strip_prefix("channels/")
                    .and_then(|p| p.strip_suffix("/messages"))
                    .and_then(|c| c.parse::<u64>().ok())
                else {
                    continue;
                };
                if let Some(nonce) = r.body["nonce"].as_str() {
                    latest.insert((channel, nonce.to_string()), r.status);
                }
            }
            latest
                .into_iter()
                .filter(|(_, status)| *status == 200)
                .map(|(key, _)| key)
                .collect()
        })
    }

    /// Whether every message the double holds was acknowledged on its
    /// latest attempt (none is waiting on a resend after a lost response).
    pub fn every_post_acknowledged(&self) -> bool {
        let acknowledged = self.acknowledged_nonces();
        self.with_messages(|messages| {
            messages.iter().all(|m| {
                m.nonce
                    .as_ref()
                    .is_none_or(|n| acknowledged.contains(&(m.channel_id, n.clone())))
            })
        })
    }

    /// The channel webhooks the bot made, in order, deleted ones too.
    pub fn webhooks(&self) -> Vec<Webhook> {
        self.shared.webhooks.lock().expect("webhooks").clone()
    }

    /// A moderator deletes every webhook of `channel_id` in the server's
    /// settings: posting through them now answers 404 Unknown Webhook.
    pub fn delete_webhooks_in(&self, channel_id: u64) {
        for hook in self.shared.webhooks.lock().expect("webhooks").iter_mut() {
            if hook.channel_id == channel_id {
                hook.deleted = true;
            }
        }
    }

    /// Threads the bot opened, in order.
    pub fn threads(&self) -> Vec<Thread> {
        self.shared.threads.lock().expect("threads").clone()
    }

    /// What members see in a channel: its messages, less deleted ones.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<ChannelMessage> {
        let deleted = self.deleted_messages();
        self.with_messages(|all| {
            all.iter()
                .filter(|m| m.channel_id == channel_id && !deleted.contains(&m.id))
                .cloned()
                .collect()
        })
    }

    /// The messages pinned in a channel, oldest pin first.
    pub fn pins(&self, channel_id: u64) -> Vec<u64> {
        self.shared
            .pins
            .lock()
            .expect("pins")
            .iter()
            .filter(|(channel, _)| *channel == channel_id)
            .map(|(_, message)| *message)
            .collect()
    }

    /// Every message published so far, in order.
    pub fn published(&self) -> Vec<Published> {
        self.shared.published.lock().expect("published").clone()
    }

    /// Publishes refused because the channel had used its hourly limit.
    pub fn publish_refusals(&self) -> usize {
        self.shared.publish_refusals.load(Ordering::SeqCst)
    }

    /// As if an hour passed for the publish limit: earlier publishes no
    /// longer count. (The double's clock is real time; tests move the bot's.)
    pub fn forget_publishes(&self) {
        for published in self.shared.published.lock().expect("published").iter_mut() {
            published.in_window = false;
        }
    }

    /// The roles `message` pinged, as Discord decides it (see
    /// [`pinged_roles`]), with the bot's permissions in its channel.
    pub fn pinged_roles(&self, message: &ChannelMessage) -> Vec<u64> {
        let permissions =
            rest::bot_permissions(&self.shared, message.channel_id).map_or(0, |(bits, _)| bits);
        pinged_roles(&message.body, permissions)
    }

    /// Makes a file downloadable as an attachment, and returns the option
    /// value and `resolved.attachments` entry a command carries for it.
    pub fn attach(&self, filename: &str, bytes: &[u8]) -> (u64, Value) {
        let id = self.shared.snowflake();
        self.shared
            .attachments
            .lock()
            .expect("attachments")
            .insert(id, (filename.to_string(), bytes.to_vec()));
        let url = format!("{}/attachments/{id}/{filename}", self.shared.base_url);
        (
            id,
            json!({
                "id": id.to_string(),
                "filename": filename,
                "size": bytes.len(),
                "url": url,
                "proxy_url": url,
                "content_type": "text/plain; charset=utf-8"
            }),
        )
    }

    /// Cuts the gateway connection without a close frame, as a network drop would.
    pub fn drop_gateway(&self) {
        for sender in self.shared.gateways.lock().expect("gateways").values() {
            let _ = sender.send(Outgoing::Drop);
        }
    }

    /// Recommends `shards` shards in `/gateway/bot` (Discord: one per 1,000
    /// servers or so; bots in more than 2,500 must shard).
    pub fn set_shards(&self, shards: u64) {
        self.shared.shards.store(shards.max(1), Ordering::SeqCst);
    }

    /// Adds the second test server (`SECOND_GUILD_ID`, on shard 1 of 2).
    pub fn add_second_guild(&self) {
        self.shared.second_guild.store(true, Ordering::SeqCst);
    }

    /// Makes the bot a member of `count` more servers, each with
    /// [`GENERATED_CHANNELS`] channels and [`GENERATED_ROLES`] roles, sent
    /// to it as GUILD_CREATEs when its shards identify.
    pub fn add_generated_guilds(&self, count: u64) {
        self.shared
            .generated_guilds
            .fetch_add(count, Ordering::SeqCst);
    }

    /// The shards the bot has identified on, by id.
    pub fn identified_shards(&self) -> Vec<u64> {
        self.shared
            .gateways
            .lock()
            .expect("gateways")
            .keys()
            .copied()
            .collect()
    }

    /// The bot's answer to an interaction: its callback.
    pub async fn callback(
        &self,
        invocation: &Invocation,
        limit: Duration,
    ) -> Result<Recorded, String> {
        self.wait_for_request(
            "POST",
            &format!(
                "interactions/{}/{}/callback",
                invocation.id, invocation.token
            ),
            limit,
        )
        .await
    }

    /// The replies members saw for an interaction, in order, each with
    /// whether it was private: the visibility Discord gives them, which for
    /// a deferred response is the defer's, whatever the later message says.
    pub fn shown_replies(&self, invocation: &Invocation) -> Vec<ShownReply> {
        self.shared
            .shown
            .lock()
            .expect("shown")
            .iter()
            .filter(|r| r.token == invocation.token)
            .cloned()
            .collect()
    }

    /// Follow-ups and edits the bot sent for an interaction, in order.
    pub fn follow_ups(&self, invocation: &Invocation) -> Vec<Recorded> {
        let prefix = format!("webhooks/{APPLICATION_ID}/{}", invocation.token);
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(&prefix))
            .collect()
    }
}

/// An interaction the double dispatched.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub id: u64,
    pub token: String,
}
