//! A Discord double: a fake Discord on loopback that a real bot client talks
//! to unchanged. REST arrives as `/api/v10/...` (point the client's proxy at
//! [`Double::base_url`]); `GET /gateway` hands out the websocket URL of the
//! double's gateway. Every request is recorded, and every JSON body is
//! checked against Discord's OpenAPI description and documented limits.
//! Tests dispatch interactions, wait on what the bot sends (with a bound),
//! and inject faults.

mod spec;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

pub use spec::{documented_limits, SpecValidator};

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
/// Manage Server.
pub const MANAGE_GUILD: u64 = 1 << 5;
/// How long Discord remembers a message nonce: "a few minutes"
/// (../shared/docs/discord-notes.md); the double forgets it after this.
pub const DISCORD_NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Send Messages.
const SEND_MESSAGES: u64 = 1 << 11;
const VIEW_CHANNEL: u64 = 1 << 10;
const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
/// What @everyone (and so the bot, which has no other role) may do.
const EVERYONE_PERMISSIONS: u64 = 2_248_473_465_835_073;

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
}

/// A failure the double answers the next matching request with.
#[derive(Debug, Clone)]
pub enum Fault {
    /// e.g. 500, 502, 503.
    ServerError(u16),
    /// 429 with `retry_after` seconds and the rate-limit headers.
    RateLimited { retry_after: f64 },
    /// 403, code 50001.
    MissingAccess,
    /// 404, code 10003.
    UnknownChannel,
    /// The request is carried out, then the response is lost: a 5xx with
    /// this status. A retry must not post twice (nonces).
    LostResponse(u16),
}

/// Who invokes an interaction.
#[derive(Debug, Clone)]
pub struct Invoker {
    pub user_id: u64,
    /// The member's resolved permissions in the channel.
    pub permissions: u64,
    pub roles: Vec<u64>,
}

impl Invoker {
    /// A member with Manage Server.
    pub fn moderator() -> Self {
        Self {
            user_id: MEMBER_ID,
            permissions: 2_147_483_647,
            roles: Vec::new(),
        }
    }

    /// Makes `interaction` come from this member.
    fn apply(&self, interaction: &mut Value) {
        let member = &mut interaction["member"];
        member["user"]["id"] = json!(self.user_id.to_string());
        member["user"]["username"] = json!(format!("member{}", self.user_id));
        member["permissions"] = json!(self.permissions.to_string());
        member["roles"] = json!(self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>());
    }

    /// A member with the everyday permissions and no Manage Server, as if
    /// a server admin had opened the moderator commands to everyone.
    pub fn member() -> Self {
        Self {
            user_id: MEMBER_ID,
            permissions: 2_147_483_647 & !MANAGE_GUILD & !(1 << 3),
            roles: Vec::new(),
        }
    }
}

/// Discord-like rate limits the double enforces on message creates.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Requests per second across the whole bot (Discord: 50).
    pub global_per_second: u32,
    /// Message creates per channel per window (Discord: 5 per 5 s).
    pub per_channel: u32,
    pub channel_window: Duration,
}

impl RateLimits {
    pub fn discord() -> Self {
        Self {
            global_per_second: 50,
            per_channel: 5,
            channel_window: Duration::from_secs(5),
        }
    }
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
    pub name: String,
}

/// A reply as members see it: what it says and whether only the member who
/// asked sees it.
#[derive(Debug, Clone)]
pub struct ShownReply {
    pub token: String,
    pub body: Value,
    pub private: bool,
}

/// Where an interaction's original response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Original {
    /// Deferred ("thinking…"), with the visibility the defer fixed.
    Thinking {
        private: bool,
    },
    Shown {
        private: bool,
    },
    Deleted,
}

#[derive(Default)]
struct Limiter {
    global: (Option<std::time::Instant>, u32),
    channels: std::collections::HashMap<u64, (std::time::Instant, u32)>,
}

/// How often a fault applies.
#[derive(Debug, Clone)]
enum Times {
    Count(usize),
    /// Each matching request with this chance, from a seeded sequence.
    Chance(f64),
}

enum Outgoing {
    Dispatch(&'static str, Value),
    Drop,
}

struct Shared {
    spec: Option<SpecValidator>,
    ws_url: String,
    log: Mutex<Vec<Recorded>>,
    changed: Notify,
    gateway: Mutex<Option<mpsc::UnboundedSender<Outgoing>>>,
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
    attachments: Mutex<std::collections::HashMap<u64, (String, Vec<u8>)>>,
    limits: Mutex<Option<RateLimits>>,
    limiter: Mutex<Limiter>,
    rate_limited: AtomicUsize,
    base_url: String,
    /// Interaction token -> its original response.
    originals: Mutex<std::collections::HashMap<String, Original>>,
    shown: Mutex<Vec<ShownReply>>,
    gateway_url_override: Mutex<Option<String>>,
    refused_connections: AtomicUsize,
}

impl Shared {
    fn gateway_url(&self) -> String {
        self.gateway_url_override
            .lock()
            .expect("override")
            .clone()
            .unwrap_or_else(|| self.ws_url.clone())
    }

    fn snowflake(&self) -> u64 {
        900_000_000_000_000_000 + self.next_id.fetch_add(1, Ordering::Relaxed)
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
            gateway: Mutex::new(None),
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
            threads: Mutex::default(),
            attachments: Mutex::default(),
            limits: Mutex::new(None),
            limiter: Mutex::default(),
            rate_limited: AtomicUsize::new(0),
            base_url: format!("http://{addr}"),
            originals: Mutex::default(),
            shown: Mutex::default(),
            gateway_url_override: Mutex::default(),
            refused_connections: AtomicUsize::new(0),
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
        if let Some(sender) = self.shared.gateway.lock().expect("gateway").as_ref() {
            let _ = sender.send(Outgoing::Drop);
        }
    }

    fn dispatch(&self, event: &'static str, data: Value) -> Result<(), String> {
        let gateway = self.shared.gateway.lock().expect("gateway");
        let sender = gateway
            .as_ref()
            .ok_or("no bot is connected to the gateway")?;
        sender
            .send(Outgoing::Dispatch(event, data))
            .map_err(|_| "the gateway connection is gone".to_string())
    }

    fn interaction(&self, kind: u8, data: Value, extra: Value) -> (u64, String, Value) {
        let id = self.shared.snowflake();
        let token = format!("interaction-token-{id}");
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": GUILD_ID.to_string(),
            "channel_id": CHANNEL_ID.to_string(),
            "channel": { "id": CHANNEL_ID.to_string(), "type": 0, "name": "briefings" },
            "member": {
                "user": member_user(),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "deaf": false,
                "mute": false,
                "flags": 0,
                "permissions": "2147483647"
            },
            "app_permissions": "274877925376",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": { "0": GUILD_ID.to_string() },
            "context": 0,
            "attachment_size_limit": 8_388_608,
            "data": data,
        });
        if let (Some(target), Some(more)) = (interaction.as_object_mut(), extra.as_object()) {
            target.extend(more.clone());
        }
        (id, token, interaction)
    }

    /// Dispatches a slash command as a member would invoke it. `options` are
    /// Discord's option objects (a subcommand is `{"name", "type": 1, "options"}`).
    pub fn send_command(&self, name: &str, options: Value) -> Result<Invocation, String> {
        self.send_command_as(&Invoker::moderator(), name, options, json!({}))
    }

    /// Dispatches a slash command from `invoker`; `resolved` is the
    /// command's `data.resolved` (channels, roles, attachments named in options).
    pub fn send_command_as(
        &self,
        invoker: &Invoker,
        name: &str,
        options: Value,
        resolved: Value,
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.command_json(2, name, options);
        interaction["data"]["resolved"] = resolved;
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches an autocomplete request; `options` mark the typed one `"focused": true`.
    pub fn send_autocomplete(&self, name: &str, options: Value) -> Result<Invocation, String> {
        let (id, token, interaction) = self.command_json(4, name, options);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a button press on a message the bot sent.
    pub fn press_button(&self, custom_id: &str) -> Result<Invocation, String> {
        self.press_button_as(&Invoker::moderator(), custom_id)
    }

    pub fn press_button_as(
        &self,
        invoker: &Invoker,
        custom_id: &str,
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.button_json(custom_id);
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit: `fields` are (text input custom_id, value).
    pub fn submit_modal(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, interaction) = self.modal_submit_json(custom_id, fields);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit from a form opened in `channel_id` (a thread, say).
    pub fn submit_modal_in(
        &self,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.modal_submit_json(custom_id, fields);
        interaction["channel_id"] = json!(channel_id.to_string());
        interaction["channel"]["id"] = json!(channel_id.to_string());
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit by `invoker` from a form opened in `channel_id`.
    pub fn submit_modal_as(
        &self,
        invoker: &Invoker,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.modal_submit_json(custom_id, fields);
        interaction["channel_id"] = json!(channel_id.to_string());
        interaction["channel"]["id"] = json!(channel_id.to_string());
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit from a form opened by a button on message
    /// `message_id` in `channel_id`.
    pub fn submit_modal_on(
        &self,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.modal_submit_json(custom_id, fields);
        interaction["channel_id"] = json!(channel_id.to_string());
        interaction["channel"]["id"] = json!(channel_id.to_string());
        interaction["message"]["id"] = json!(message_id.to_string());
        interaction["message"]["channel_id"] = json!(channel_id.to_string());
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// The INTERACTION_CREATE payload of a modal submit, without sending it.
    pub fn modal_submit_json(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> (u64, String, Value) {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(input, value)| {
                json!({ "type": 1, "components": [{ "type": 4, "custom_id": input, "value": value }] })
            })
            .collect();
        let message = message_json(self.shared.snowflake(), &json!({}));
        self.interaction(
            5,
            json!({ "custom_id": custom_id, "components": rows }),
            json!({ "message": message }),
        )
    }

    /// The INTERACTION_CREATE payload of a slash command (`kind` 2) or an
    /// autocomplete request (`kind` 4), without sending it.
    pub fn command_json(&self, kind: u8, name: &str, options: Value) -> (u64, String, Value) {
        let data =
            json!({ "id": "500000000000000005", "name": name, "type": 1, "options": options });
        self.interaction(kind, data, json!({}))
    }

    /// The INTERACTION_CREATE payload of a button press, without sending it.
    pub fn button_json(&self, custom_id: &str) -> (u64, String, Value) {
        let data = json!({ "custom_id": custom_id, "component_type": 2 });
        let message = message_json(self.shared.snowflake(), &json!({}));
        self.interaction(3, data, json!({ "message": message }))
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

/// `data.resolved` for commands naming channels of the test server.
pub fn resolved_channels(ids: &[u64]) -> Value {
    let channels: serde_json::Map<String, Value> = ids
        .iter()
        .map(|id| {
            let name = match *id {
                CHANNEL_ID => "briefings".to_string(),
                LOG_CHANNEL_ID => "mod-log".to_string(),
                LOCKED_CHANNEL_ID => "announcements".to_string(),
                NO_THREADS_CHANNEL_ID => "no-threads".to_string(),
                other => format!("channel-{other}"),
            };
            (id.to_string(), json!({ "id": id.to_string(), "name": name, "type": 0, "permissions": "2147483647" }))
        })
        .collect();
    json!({ "channels": channels })
}

/// `data.resolved` for a command naming the moderator role.
pub fn resolved_moderator_role() -> Value {
    json!({ "roles": { MODERATOR_ROLE_ID.to_string(): moderator_role() } })
}

fn moderator_role() -> Value {
    json!({
        "id": MODERATOR_ROLE_ID.to_string(), "name": "Moderators", "color": 0, "hoist": false, "icon": null,
        "unicode_emoji": null, "position": 1, "permissions": "0", "managed": false,
        "mentionable": false, "flags": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
    })
}

/// The test server as GUILD_CREATE carries it: one text channel, the bot and
/// one member, the @everyone role.
pub fn guild_json() -> Value {
    json!({
        "id": GUILD_ID.to_string(),
        "name": "Briefbot Test Server",
        "icon": null,
        "owner_id": MEMBER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [{
            "id": GUILD_ID.to_string(), "name": "@everyone", "color": 0, "hoist": false, "icon": null,
            "unicode_emoji": null, "position": 0, "permissions": "2248473465835073", "managed": false,
            "mentionable": false, "flags": 0,
            "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
        }, moderator_role()],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "voice_states": [],
        "members": [
            { "user": bot_user(), "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 },
            { "user": member_user(), "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 }
        ],
        "channels": [
            text_channel(CHANNEL_ID, "briefings", json!([])),
            text_channel(LOG_CHANNEL_ID, "mod-log", json!([])),
            // @everyone (the bot has no other role) may not send here.
            text_channel(LOCKED_CHANNEL_ID, "announcements", json!([
                { "id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": SEND_MESSAGES.to_string() }
            ])),
            // The bot may post here but not open threads.
            text_channel(NO_THREADS_CHANNEL_ID, "no-threads", json!([
                { "id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": CREATE_PUBLIC_THREADS.to_string() }
            ])),
            forum_channel(FORUM_CHANNEL_ID, "briefing-forum"),
        ],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": []
    })
}

fn thread_json(id: u64, parent: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(), "type": 11, "guild_id": GUILD_ID.to_string(), "parent_id": parent.to_string(),
        "name": name, "owner_id": BOT_USER_ID.to_string(), "last_message_id": null, "rate_limit_per_user": 0,
        "message_count": 0, "member_count": 1, "flags": 0, "nsfw": false, "position": 0,
        "permission_overwrites": [],
        "thread_metadata": {
            "archived": false, "auto_archive_duration": 10080, "locked": false,
            "archive_timestamp": "2026-01-01T00:00:00.000000+00:00", "create_timestamp": "2026-01-01T00:00:00.000000+00:00"
        },
        "total_message_sent": 0
    })
}

fn text_channel(id: u64, name: &str, overwrites: Value) -> Value {
    json!({
        "id": id.to_string(), "type": 0, "name": name, "position": 0,
        "permission_overwrites": overwrites, "nsfw": false, "parent_id": null, "topic": null,
        "last_message_id": null, "rate_limit_per_user": 0, "flags": 0
    })
}

fn forum_channel(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(), "type": 15, "name": name, "position": 0,
        "permission_overwrites": [], "nsfw": false, "parent_id": null, "topic": null,
        "last_message_id": null, "rate_limit_per_user": 0, "flags": 0,
        "available_tags": [], "default_reaction_emoji": null, "default_sort_order": null,
        "default_forum_layout": 0
    })
}

/// The bot's permissions in a channel of the test server, from @everyone
/// and the channel's overwrite for it, as Discord computes them (a thread
/// takes its parent's). `None` for a channel the test server does not have
/// (load tests post to many made-up channels; those are let through).
fn bot_permissions(shared: &Shared, channel: u64) -> Option<(u64, u64)> {
    let parent = shared
        .threads
        .lock()
        .expect("threads")
        .iter()
        .find(|t| t.id == channel)
        .map(|t| t.parent_id);
    let target = parent.unwrap_or(channel);
    let guild = guild_json();
    let found = guild["channels"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == json!(target.to_string()))?
        .clone();
    let mut permissions = EVERYONE_PERMISSIONS;
    for overwrite in found["permission_overwrites"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let bits = |key: &str| {
            overwrite[key]
                .as_str()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        permissions = (permissions & !bits("deny")) | bits("allow");
    }
    Some((permissions, found["type"].as_u64().unwrap_or(0)))
}

/// Discord's refusal for a missing permission (403, code 50013).
fn missing_permissions() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({ "message": "Missing Permissions", "code": 50013 })),
    )
        .into_response()
}

/// Refuses what Discord would refuse for permissions or channel type, before
/// the request is carried out: posting needs View Channel and Send
/// Messages (Send Messages in Threads inside a thread), opening a thread
/// needs Create Public Threads, and a forum takes no plain messages (400,
/// code 50008). Sources: Discord's permission docs and
/// ../shared/docs/discord-notes.md.
fn refusal(shared: &Shared, method: &Method, path: &str) -> Option<Response> {
    let segments: Vec<&str> = path.split('/').collect();
    let (channel, needed, is_thread_create) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["channels", id, "messages"]) => (id.parse::<u64>().ok()?, SEND_MESSAGES, false),
        ("POST", ["channels", id, "messages", _, "threads"]) => {
            (id.parse::<u64>().ok()?, CREATE_PUBLIC_THREADS, true)
        }
        _ => return None,
    };
    let in_thread = shared
        .threads
        .lock()
        .expect("threads")
        .iter()
        .any(|t| t.id == channel);
    let (granted, kind) = bot_permissions(shared, channel)?;
    if kind == 15 && !is_thread_create {
        return Some(
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "message": "Cannot send messages in a non-text channel", "code": 50008 })),
            )
                .into_response(),
        );
    }
    let needed = if in_thread {
        SEND_MESSAGES_IN_THREADS
    } else {
        needed
    } | VIEW_CHANNEL;
    (granted & needed != needed).then(missing_permissions)
}

fn bot_user() -> Value {
    json!({ "id": BOT_USER_ID.to_string(), "username": "briefbot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true })
}

fn member_user() -> Value {
    json!({ "id": MEMBER_ID.to_string(), "username": "member", "discriminator": "0", "global_name": "Member", "avatar": null })
}

/// A message object as Discord returns it, carrying what was sent.
fn message_json(id: u64, sent: &Value) -> Value {
    message_in(id, CHANNEL_ID, sent)
}

fn message_in(id: u64, channel_id: u64, sent: &Value) -> Value {
    let mut embeds = sent["embeds"].as_array().cloned().unwrap_or_default();
    for embed in &mut embeds {
        embed["type"] = json!("rich");
    }
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": bot_user(),
        "content": sent["content"].as_str().unwrap_or(""),
        "timestamp": "2026-01-01T00:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds,
        "pinned": false,
        "type": 0,
        "flags": sent["flags"].as_u64().unwrap_or(0),
        "components": sent["components"].clone().as_array().cloned().unwrap_or_default(),
        "nonce": sent.get("nonce").cloned().unwrap_or(Value::Null),
    })
}

async fn rest(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    let bytes = axum::body::to_bytes(request.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap_or_else(|_| Bytes::new());
    if let Some(rest) = path.strip_prefix("/attachments/") {
        let id = rest.split('/').next().and_then(|id| id.parse::<u64>().ok());
        let file = id.and_then(|id| {
            shared
                .attachments
                .lock()
                .expect("attachments")
                .get(&id)
                .cloned()
        });
        return match file {
            Some((_, bytes)) => (StatusCode::OK, bytes).into_response(),
            None => (StatusCode::NOT_FOUND, "no such attachment").into_response(),
        };
    }
    let Some(path) = path.strip_prefix("/api/v10/").map(str::to_string) else {
        return (StatusCode::NOT_FOUND, "the double serves /api/v10/ only").into_response();
    };
    let (body, mut problems) = parse_body(&headers, &bytes);
    if !matches!(method, Method::GET | Method::DELETE) {
        if let Some(spec) = &shared.spec {
            problems.extend(spec.check(method.as_str(), &format!("/{path}"), &body));
        }
        problems.extend(spec::documented_limits(&path, &body));
    }
    for problem in &problems {
        tracing::warn!(%problem, "Discord would reject this request");
    }
    let arrived = std::time::Instant::now();
    let response = match take_fault(&shared, &path) {
        Some(fault) => {
            if let Fault::LostResponse(_) = fault {
                let _ = route(&shared, &method, &path, &body);
            }
            fault_response(&fault)
        }
        None => match rate_limit(&shared, &method, &path) {
            Ok(headers) => {
                let mut response = refusal(&shared, &method, &path)
                    .unwrap_or_else(|| route(&shared, &method, &path, &body));
                for (name, value) in headers {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        response.headers_mut().insert(name, value);
                    }
                }
                response
            }
            Err(OverLimit(retry_after, global, bucket)) => too_many(retry_after, global, &bucket),
        },
    };
    shared.log.lock().expect("log").push(Recorded {
        method: method.to_string(),
        path,
        body,
        problems,
        at: arrived,
        status: response.status().as_u16(),
    });
    shared.changed.notify_waiters();
    response
}

/// Applies the enforced limits (if any) to a message create: the headers to
/// add to a success, or the 429 to answer instead.
/// Over a limit: how long to wait, whether it is the global one, the bucket.
struct OverLimit(f64, bool, String);

fn rate_limit(
    shared: &Shared,
    method: &Method,
    path: &str,
) -> Result<Vec<(&'static str, String)>, OverLimit> {
    let Some(limits) = *shared.limits.lock().expect("limits") else {
        return Ok(Vec::new());
    };
    let segments: Vec<&str> = path.split('/').collect();
    let channel = match (method.as_str(), segments.as_slice()) {
        ("POST", ["channels", id, "messages"]) => id.parse::<u64>().ok(),
        _ => None,
    };
    let now = std::time::Instant::now();
    let mut limiter = shared.limiter.lock().expect("limiter");
    let (start, used) = &mut limiter.global;
    if start.is_none_or(|s| now.duration_since(s) >= Duration::from_secs(1)) {
        *start = Some(now);
        *used = 0;
    }
    if *used >= limits.global_per_second {
        let retry =
            Duration::from_secs(1).saturating_sub(now.duration_since(start.expect("set above")));
        shared.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(OverLimit(retry.as_secs_f64(), true, "global".into()));
    }
    *used += 1;
    let Some(channel) = channel else {
        return Ok(Vec::new());
    };
    let bucket = limiter.channels.entry(channel).or_insert((now, 0));
    if now.duration_since(bucket.0) >= limits.channel_window {
        *bucket = (now, 0);
    }
    let reset_after = limits
        .channel_window
        .saturating_sub(now.duration_since(bucket.0))
        .as_secs_f64();
    if bucket.1 >= limits.per_channel {
        shared.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(OverLimit(reset_after, false, format!("channel-{channel}")));
    }
    bucket.1 += 1;
    Ok(vec![
        ("x-ratelimit-limit", limits.per_channel.to_string()),
        (
            "x-ratelimit-remaining",
            (limits.per_channel - bucket.1).to_string(),
        ),
        ("x-ratelimit-reset-after", format!("{reset_after:.3}")),
        ("x-ratelimit-bucket", format!("channel-{channel}")),
    ])
}

fn too_many(retry_after: f64, global: bool, bucket: &str) -> Response {
    let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global })),
    )
        .into_response();
    let headers = response.headers_mut();
    let mut pairs = vec![
        ("retry-after", format!("{retry_after}")),
        ("x-ratelimit-limit", "5".to_string()),
        ("x-ratelimit-remaining", "0".to_string()),
        ("x-ratelimit-reset-after", format!("{retry_after}")),
        ("x-ratelimit-bucket", bucket.to_string()),
        (
            "x-ratelimit-scope",
            if global { "global" } else { "user" }.to_string(),
        ),
    ];
    if global {
        pairs.push(("x-ratelimit-global", "true".to_string()));
    }
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> (Value, Vec<String>) {
    if bytes.is_empty() {
        return (Value::Null, Vec::new());
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return match multipart_payload_json(content_type, bytes) {
            Some(Ok(value)) => (value, Vec::new()),
            Some(Err(e)) => (Value::Null, vec![format!("payload_json is not JSON: {e}")]),
            None => (
                Value::Null,
                vec!["multipart body without a payload_json part".into()],
            ),
        };
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => (value, Vec::new()),
        Err(e) => (Value::Null, vec![format!("body is not JSON: {e}")]),
    }
}

/// The `payload_json` part of a multipart body.
fn multipart_payload_json(
    content_type: &str,
    bytes: &Bytes,
) -> Option<Result<Value, serde_json::Error>> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let text = String::from_utf8_lossy(bytes);
    let delimiter = format!("--{boundary}");
    text.split(&delimiter)
        .find(|part| part.contains("name=\"payload_json\""))
        .and_then(|part| {
            part.split_once("\r\n\r\n")
                .map(|(_, body)| body.trim_end_matches("\r\n").to_string())
        })
        .map(|json| serde_json::from_str(&json))
}

fn take_fault(shared: &Shared, path: &str) -> Option<Fault> {
    let mut faults = shared.faults.lock().expect("faults");
    let mut index = 0;
    while index < faults.len() {
        if !path.starts_with(faults[index].0.as_str()) {
            index += 1;
            continue;
        }
        let fault = faults[index].1.clone();
        match &mut faults[index].2 {
            Times::Count(left) => {
                *left -= 1;
                if *left == 0 {
                    faults.remove(index);
                }
                return Some(fault);
            }
            Times::Chance(chance) => {
                let chance = *chance;
                if next_random(&shared.random) < chance {
                    return Some(fault);
                }
                index += 1;
            }
        }
    }
    None
}

/// A uniform number in [0, 1) from a seeded xorshift sequence.
fn next_random(state: &Mutex<u64>) -> f64 {
    let mut x = state.lock().expect("random");
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    (*x >> 11) as f64 / (1u64 << 53) as f64
}

fn fault_response(fault: &Fault) -> Response {
    match fault {
        Fault::ServerError(status) | Fault::LostResponse(status) => (
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(json!({ "message": "injected server error", "code": 0 })),
        )
            .into_response(),
        Fault::RateLimited { retry_after } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": false })),
            )
                .into_response();
            let headers = response.headers_mut();
            for (name, value) in [
                ("retry-after", format!("{}", retry_after.ceil() as u64)),
                ("x-ratelimit-limit", "5".into()),
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset-after", format!("{retry_after}")),
                ("x-ratelimit-bucket", "double-bucket".into()),
                ("x-ratelimit-scope", "user".into()),
            ] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
            response
        }
        Fault::MissingAccess => (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "message": "Missing Access", "code": 50001 })),
        )
            .into_response(),
        Fault::UnknownChannel => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown Channel", "code": 10003 })),
        )
            .into_response(),
    }
}

fn route(shared: &Shared, method: &Method, path: &str, body: &Value) -> Response {
    let segments: Vec<&str> = path.split('/').collect();
    let json = |value: Value| axum::Json(value).into_response();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => json(json!({ "url": shared.gateway_url() })),
        ("GET", ["gateway", "bot"]) => json(json!({
            "url": shared.gateway_url(),
            "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 }
        })),
        ("GET", ["users", "@me"]) => json(bot_user()),
        ("GET", ["oauth2", "applications", "@me"]) => json(json!({
            "id": APPLICATION_ID.to_string(),
            "name": "Briefbot",
            "icon": null,
            "description": "",
            "bot_public": true,
            "bot_require_code_grant": false,
            "verify_key": "0",
            "flags": 0,
            "owner": bot_user(),
            "team": null,
            "rpc_origins": []
        })),
        ("PUT", ["applications", _, "commands"]) | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let guild = segments.get(3).filter(|_| segments.len() == 5).map(|g| g.to_string());
            let registered: Vec<Value> = body
                .as_array()
                .into_iter()
                .flatten()
                .map(|command| {
                    let mut command = command.clone();
                    command["id"] = json!(shared.snowflake().to_string());
                    command["application_id"] = json!(APPLICATION_ID.to_string());
                    command["version"] = json!("1");
                    if command.get("type").is_none() {
                        command["type"] = json!(1);
                    }
                    if let Some(guild) = &guild {
                        command["guild_id"] = json!(guild);
                    }
                    command
                })
                .collect();
            json(Value::Array(registered))
        }
        ("POST", ["interactions", _, token, "callback"]) => interaction_callback(shared, token, body),
        ("POST", ["webhooks", _, token]) => {
            show_reply(shared, token, body, false);
            json(message_json(shared.snowflake(), body))
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            show_reply(shared, token, body, true);
            json(message_json(shared.snowflake(), body))
        }
        ("DELETE", ["webhooks", _, token, "messages", "@original"]) => {
            shared.originals.lock().expect("originals").insert(token.to_string(), Original::Deleted);
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            let (channel, message): (u64, u64) = (channel.parse().unwrap_or(0), message.parse().unwrap_or(0));
            let mut threads = shared.threads.lock().expect("threads");
            if threads.iter().any(|t| t.id == message) {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({ "message": "A thread has already been created for this message", "code": 160004 })),
                )
                    .into_response();
            }
            let name = body["name"].as_str().unwrap_or("").to_string();
            threads.push(Thread { id: message, parent_id: channel, name: name.clone() });
            json(thread_json(message, channel, &name))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            json(create_message(shared, channel, body))
        }
        ("PATCH", ["webhooks", _, _, "messages", _]) => json(message_json(shared.snowflake(), body)),
        // Newest first, at most 50 (Discord's default page), without the
        // nonce: fetched messages do not carry it.
        ("GET", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            let deleted = shared.deleted.lock().expect("deleted").clone();
            let messages = shared.messages.lock().expect("messages");
            let listed: Vec<Value> = messages
                .iter()
                .rev()
                .filter(|m| m.channel_id == channel && !deleted.contains(&m.id))
                .take(50)
                .map(|m| {
                    let mut shown = message_in(m.id, channel, &m.body);
                    if let Some(object) = shown.as_object_mut() {
                        object.remove("nonce");
                    }
                    shown
                })
                .collect();
            json(Value::Array(listed))
        }
        ("DELETE", ["channels", channel, "messages", message]) => {
            let (channel, message): (u64, u64) = (channel.parse().unwrap_or(0), message.parse().unwrap_or(0));
            let exists = shared
                .messages
                .lock()
                .expect("messages")
                .iter()
                .any(|m| m.channel_id == channel && m.id == message);
            let mut deleted = shared.deleted.lock().expect("deleted");
            if !exists || deleted.contains(&message) {
                return (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({ "message": "Unknown Message", "code": 10008 })),
                )
                    .into_response();
            }
            deleted.insert(message);
            StatusCode::NO_CONTENT.into_response()
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            let (channel, message): (u64, u64) = (channel.parse().unwrap_or(0), message.parse().unwrap_or(0));
            let mut messages = shared.messages.lock().expect("messages");
            match messages.iter_mut().find(|m| m.channel_id == channel && m.id == message) {
                Some(found) => {
                    if let (Some(stored), Some(changes)) = (found.body.as_object_mut(), body.as_object()) {
                        stored.extend(changes.clone());
                    }
                    json(message_in(found.id, channel, &found.body))
                }
                None => (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({ "message": "Unknown Message", "code": 10008 })),
                )
                    .into_response(),
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": format!("the double does not serve {method} /{path}"), "code": 0 })),
        )
            .into_response(),
    }
}

/// An interaction's callback. Discord takes one per interaction (a second
/// is 400, code 40060); a deferred one (type 5) fixes the visibility of what
/// fills it later (flag 64 = private).
fn interaction_callback(shared: &Shared, token: &str, body: &Value) -> Response {
    let mut originals = shared.originals.lock().expect("originals");
    if originals.contains_key(token) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "message": "Interaction has already been acknowledged.", "code": 40060 }),
            ),
        )
            .into_response();
    }
    let private = body["data"]["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0;
    let state = match body["type"].as_u64() {
        Some(5) => Original::Thinking { private },
        _ => Original::Shown { private },
    };
    originals.insert(token.to_string(), state);
    drop(originals);
    if matches!(body["type"].as_u64(), Some(4 | 7)) {
        shared.shown.lock().expect("shown").push(ShownReply {
            token: token.to_string(),
            body: body["data"].clone(),
            private,
        });
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Flag 64: only the member who asked sees the message.
const EPHEMERAL: u64 = 1 << 6;

/// A follow-up (or an edit of the original) as members see it. The first
/// follow-up after a defer fills the "thinking…" message, so it takes the
/// defer's visibility whatever flags it carries; later follow-ups, or any
/// after the original was deleted, are new messages with their own flags.
fn show_reply(shared: &Shared, token: &str, body: &Value, edits_original: bool) {
    let asked = body["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0;
    let mut originals = shared.originals.lock().expect("originals");
    let private = match originals.get(token).copied() {
        Some(Original::Thinking { private }) => {
            originals.insert(token.to_string(), Original::Shown { private });
            private
        }
        Some(Original::Shown { private }) if edits_original => private,
        _ => asked,
    };
    drop(originals);
    shared.shown.lock().expect("shown").push(ShownReply {
        token: token.to_string(),
        body: body.clone(),
        private,
    });
}

/// Creates a message, unless `enforce_nonce` is set and the channel has one
/// with this nonce: then that one is returned, as Discord does.
fn create_message(shared: &Shared, channel: u64, body: &Value) -> Value {
    let nonce = match &body["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let enforce = body["enforce_nonce"].as_bool() == Some(true);
    let window = *shared.nonce_window.lock().expect("window");
    let mut messages = shared.messages.lock().expect("messages");
    let mut nonces = shared.nonces.lock().expect("nonces");
    let now = std::time::Instant::now();
    // A nonce older than the window is forgotten: the same nonce then makes
    // a new message, as on Discord.
    nonces.retain(|_, (_, at)| now.duration_since(*at) < window);
    if let (true, Some(nonce)) = (enforce, &nonce) {
        if let Some(first) = nonces
            .get(&(channel, nonce.clone()))
            .map(|(i, _)| &messages[*i])
        {
            return message_in(first.id, channel, &first.body);
        }
    }
    if let Some(nonce) = &nonce {
        nonces
            .entry((channel, nonce.clone()))
            .or_insert((messages.len(), now));
    }
    let id = shared.snowflake();
    messages.push(ChannelMessage {
        channel_id: channel,
        id,
        nonce,
        body: body.clone(),
        at: std::time::Instant::now(),
    });
    message_in(id, channel, body)
}

async fn gateway(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    if shared
        .gateway_url_override
        .lock()
        .expect("override")
        .is_some()
    {
        shared.refused_connections.fetch_add(1, Ordering::SeqCst);
        shared.changed.notify_waiters();
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    upgrade.on_upgrade(move |socket| serve_gateway(socket, shared))
}

async fn serve_gateway(mut socket: WebSocket, shared: Arc<Shared>) {
    let (sender, mut outgoing) = mpsc::unbounded_channel();
    *shared.gateway.lock().expect("gateway") = Some(sender);
    let mut seq: u64 = 0;
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41_250 }, "s": null, "t": null });
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let WsMessage::Text(text) = message else {
                    if matches!(message, WsMessage::Close(_)) { break }
                    continue;
                };
                let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                let replies = answer_gateway(&shared, &frame);
                for (event, data) in replies {
                    let frame = match event {
                        Some(name) => { seq += 1; json!({ "op": 0, "t": name, "s": seq, "d": data }) }
                        None => data,
                    };
                    if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() { return; }
                }
                shared.changed.notify_waiters();
            }
            command = outgoing.recv() => match command {
                Some(Outgoing::Dispatch(name, data)) => {
                    seq += 1;
                    let frame = json!({ "op": 0, "t": name, "s": seq, "d": data });
                    if socket.send(WsMessage::Text(frame.to_string().into())).await.is_err() { return; }
                }
                // Dropping the socket without a close frame: a network cut.
                Some(Outgoing::Drop) | None => return,
            }
        }
    }
}

/// Frames to send back for one frame the bot sent: `(Some(event), data)` is
/// a dispatch, `(None, frame)` a raw frame.
fn answer_gateway(shared: &Shared, frame: &Value) -> Vec<(Option<&'static str>, Value)> {
    match frame["op"].as_u64() {
        Some(1) => vec![(None, json!({ "op": 11, "d": null, "s": null, "t": null }))],
        Some(2) => {
            shared.identifies.fetch_add(1, Ordering::SeqCst);
            shared.intents.store(
                frame["d"]["intents"].as_u64().unwrap_or(0),
                Ordering::SeqCst,
            );
            let ready = (
                Some("READY"),
                json!({
                    "v": 10,
                    "user": bot_user(),
                    "guilds": [{ "id": GUILD_ID.to_string(), "unavailable": true }],
                    "session_id": format!("session-{}", shared.snowflake()),
                    "resume_gateway_url": shared.gateway_url(),
                    "shard": [0, 1],
                    "application": { "id": APPLICATION_ID.to_string(), "flags": 0 }
                }),
            );
            vec![ready, (Some("GUILD_CREATE"), guild_json())]
        }
        Some(6) => {
            shared.resumes.fetch_add(1, Ordering::SeqCst);
            vec![(Some("RESUMED"), json!({}))]
        }
        _ => Vec::new(),
    }
}
