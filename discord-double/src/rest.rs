//! The REST side: every request is recorded and checked against the
//! schema, then refused as Discord would refuse it (permissions, channel
//! types, a second callback) or carried out.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;

use super::*;

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
pub(crate) enum Original {
    /// Deferred ("thinking…"), with the visibility the defer fixed.
    Thinking {
        private: bool,
    },
    Shown {
        private: bool,
    },
    Deleted,
}

/// The bot's permissions in a channel of the test server, from @everyone
/// and the channel's overwrite for it, as Discord computes them (a thread
/// takes its parent's). `None` for a channel the test server does not have
/// (load tests post to many made-up channels; those are let through).
pub(crate) fn bot_permissions(shared: &Shared, channel: u64) -> Option<(u64, u64)> {
    let parent = shared
        .threads
        .lock()
        .expect("threads")
        .iter()
        .find(|t| t.id == channel)
        .map(|t| t.parent_id);
    let target = parent.unwrap_or(channel);
    let guild = shared.test_guild();
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
pub(crate) fn missing_permissions() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({ "message": "Missing Permissions", "code": 50013 })),
    )
        .into_response()
}

/// Refuses what Discord would refuse for permissions or channel type, before
/// the request is carried out: posting needs View Channel and Send
/// Messages (Send Messages in Threads inside a thread), opening a thread
/// needs Create Public Threads, pinning needs Pin Messages, and a forum takes no plain messages (400,
/// code 50008). Sources: Discord's permission docs and
/// ../shared/docs/discord-notes.md.
pub(crate) fn refusal(shared: &Shared, method: &Method, path: &str) -> Option<Response> {
    let segments: Vec<&str> = path.split('/').collect();
    let (channel, needed, is_thread_create) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["channels", id, "messages"]) => (id.parse::<u64>().ok()?, SEND_MESSAGES, false),
        ("POST", ["channels", id, "messages", _, "threads"]) => {
            (id.parse::<u64>().ok()?, CREATE_PUBLIC_THREADS, true)
        }
        // Pinning takes Pin Messages, which Discord split from Manage
        // Messages in 2025 (Manage Messages stopped granting it in 2026).
        ("PUT" | "DELETE", ["channels", id, "pins", _])
        | ("PUT" | "DELETE", ["channels", id, "messages", "pins", _]) => {
            let channel = id.parse::<u64>().ok()?;
            let (granted, _) = bot_permissions(shared, channel)?;
            let needed = PIN_MESSAGES | VIEW_CHANNEL;
            return (granted & needed != needed).then(missing_permissions);
        }
        _ => return None,
    };
    let in_thread = shared.is_thread(channel);
    let (granted, kind) = bot_permissions(shared, channel)?;
    // A forum takes posts (threads), not messages; inside a post is fine.
    if kind == 15 && !is_thread_create && !in_thread {
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

/// Pins in a channel: at most 250 (Discord's limit since 2025, error
/// 30003 past it), only of a message that is there (404, 10008). Pinning
/// one pinned already, or unpinning one that is not, changes nothing.
/// Source: Discord's "Pin Message" docs and ../shared/docs/discord-notes.md.
fn pin(shared: &Shared, channel: &str, message: &str, pinned: bool) -> Response {
    let (channel, message): (u64, u64) =
        (channel.parse().unwrap_or(0), message.parse().unwrap_or(0));
    let deleted = shared.deleted.lock().expect("deleted").contains(&message);
    let exists = !deleted
        && shared
            .messages
            .lock()
            .expect("messages")
            .iter()
            .any(|m| m.channel_id == channel && m.id == message);
    if !exists {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown Message", "code": 10008 })),
        )
            .into_response();
    }
    let mut pins = shared.pins.lock().expect("pins");
    let here = pins.iter().position(|p| *p == (channel, message));
    match (pinned, here) {
        (true, None) => {
            if pins.iter().filter(|(c, _)| *c == channel).count() >= MAX_PINS {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(
                        json!({ "message": "Maximum number of pins reached (250)", "code": 30003 }),
                    ),
                )
                    .into_response();
            }
            pins.push((channel, message));
        }
        (false, Some(at)) => {
            pins.remove(at);
        }
        _ => {}
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Pins a channel holds at most.
pub(crate) const MAX_PINS: usize = 250;

/// A post in a forum channel (type 15): a thread with its starter message,
/// whose id is the thread's. Discord refuses it elsewhere (400, 50024), a
/// tag the forum does not have or more than 5 tags (400, 50035), and a post
/// without a tag in a forum with REQUIRE_TAG (400, 40067). Sources:
/// Discord's "Start Thread in Forum or Media Channel" docs and
/// ../shared/docs/discord-notes.md.
fn forum_post(shared: &Shared, forum: u64, body: &Value) -> Response {
    let bad = |code: u64, text: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "message": text, "code": code })),
        )
            .into_response()
    };
    let channel = guild_json()["channels"].as_array().and_then(|all| {
        all.iter()
            .find(|c| c["id"] == json!(forum.to_string()))
            .cloned()
    });
    let Some(channel) = channel.filter(|c| c["type"] == json!(15)) else {
        return bad(50024, "Cannot execute action on this channel type");
    };
    let tags: Vec<Value> = body["applied_tags"].as_array().cloned().unwrap_or_default();
    let available: Vec<Value> = channel["available_tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["id"].clone())
        .collect();
    if tags.len() > 5 || tags.iter().any(|t| !available.contains(t)) {
        return bad(50035, "Invalid Form Body (applied_tags)");
    }
    let flags = channel["flags"].as_u64().unwrap_or(0);
    if flags & REQUIRE_TAG != 0 && tags.is_empty() {
        return bad(
            40067,
            "A tag is required to create a forum post in this channel",
        );
    }
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return bad(50035, "Invalid Form Body (name)");
    }
    let starter = create_message(shared, forum, &body["message"]);
    let id = starter["id"]
        .as_str()
        .and_then(|id| id.parse::<u64>().ok())
        .unwrap_or(0);
    // The starter message lives in the thread, which has its id.
    {
        let mut messages = shared.messages.lock().expect("messages");
        if let Some(made) = messages.iter_mut().find(|m| m.id == id) {
            made.channel_id = id;
        }
    }
    shared.threads.lock().expect("threads").push(Thread {
        id,
        parent_id: forum,
        name: name.clone(),
        applied_tags: tags
            .iter()
            .filter_map(|t| t.as_str()?.parse().ok())
            .collect(),
    });
    let mut thread = thread_json(
        shared.guild_holding(forum).unwrap_or(GUILD_ID),
        id,
        forum,
        &name,
    );
    thread["applied_tags"] = json!(tags);
    thread["message"] = starter;
    axum::Json(thread).into_response()
}

/// Publishing a message of an announcement channel (type 5) to the servers
/// that follow it: only there (400, 50024 elsewhere), once per message (400,
/// 40033), about 10 per channel per hour (429 past it). Sources: Discord's
/// "Crosspost Message" docs and ../shared/docs/discord-notes.md.
fn publish(shared: &Shared, channel: u64, message: u64) -> Response {
    let bad = |code: u64, text: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "message": text, "code": code })),
        )
            .into_response()
    };
    if bot_permissions(shared, channel).map(|(_, kind)| kind) != Some(5) {
        return bad(50024, "Cannot execute action on this channel type");
    }
    let found = shared
        .messages
        .lock()
        .expect("messages")
        .iter()
        .find(|m| m.id == message && m.channel_id == channel)
        .cloned();
    let Some(found) = found else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "message": "Unknown Message", "code": 10008 })),
        )
            .into_response();
    };
    let mut published = shared.published.lock().expect("published");
    if published.iter().any(|p| p.message_id == message) {
        return bad(40033, "This message has already been crossposted.");
    }
    let in_window = published
        .iter()
        .filter(|p| p.channel_id == channel && p.in_window)
        .count();
    if in_window >= PUBLISHES_PER_HOUR {
        shared.publish_refusals.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({ "message": "You are being rate limited.", "retry_after": 3600.0, "global": false })),
        )
            .into_response();
    }
    published.push(Published {
        channel_id: channel,
        message_id: message,
        in_window: true,
    });
    let mut answer = message_json(message, &found.body);
    answer["channel_id"] = json!(channel.to_string());
    answer["flags"] = json!(1);
    axum::Json(answer).into_response()
}

pub(crate) async fn rest(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or("").to_string();
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
    // Discord checks a body before anything else and refuses one it would
    // not take with 400 Invalid Form Body (50035), carrying out nothing.
    let response = if !problems.is_empty() {
        invalid_form_body(&problems)
    } else {
        match take_fault(&shared, &path) {
            Some(fault) => {
                if let Fault::LostResponse(_) = fault {
                    let _ = route(&shared, &method, &path, &query, &body);
                }
                fault_response(&fault)
            }
            None => match rate_limit(&shared, &method, &path) {
                Ok(headers) => {
                    let mut response = refusal(&shared, &method, &path)
                        .unwrap_or_else(|| route(&shared, &method, &path, &query, &body));
                    for (name, value) in headers {
                        if let Ok(value) = HeaderValue::from_str(&value) {
                            response.headers_mut().insert(name, value);
                        }
                    }
                    response
                }
                Err(OverLimit(retry_after, global, bucket)) => {
                    too_many(retry_after, global, &bucket)
                }
            },
        }
    };
    shared.log.lock().expect("log").push(Recorded {
        method: method.to_string(),
        path,
        body,
        problems,
        at: arrived,
        status: response.status().as_u16(),
        files: multipart_files(&headers, &bytes),
    });
    shared.changed.notify_waiters();
    response
}

/// Discord's answer to a body it will not take: 400, code 50035, with
/// what is wrong.
fn invalid_form_body(problems: &[String]) -> Response {
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| json!({ "code": "INVALID_FORM_BODY", "message": p }))
        .collect();
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": { "_errors": errors }
        })),
    )
        .into_response()
}

pub(crate) fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> (Value, Vec<String>) {
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

/// The file parts of a multipart body, by filename.
pub(crate) fn multipart_files(headers: &HeaderMap, bytes: &Bytes) -> Vec<(String, Vec<u8>)> {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    else {
        return Vec::new();
    };
    let delimiter = format!("\r\n--{}", boundary.trim_matches('"'));
    // The first delimiter has no line break before it.
    let mut body = b"\r\n".to_vec();
    body.extend_from_slice(bytes);
    split_bytes(&body, delimiter.as_bytes())
        .filter_map(|part| {
            let head_end = find_bytes(part, b"\r\n\r\n")?;
            let head = String::from_utf8_lossy(&part[..head_end]);
            let name = head
                .split("filename=\"")
                .nth(1)?
                .split('"')
                .next()?
                .to_string();
            Some((name, part[head_end + 4..].to_vec()))
        })
        .collect()
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut rest: &'a [u8], delimiter: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match find_bytes(rest, delimiter) {
            Some(at) => {
                let part = &rest[..at];
                rest = &rest[at + delimiter.len()..];
                Some(part)
            }
            None => {
                let part = rest;
                rest = &[];
                Some(part)
            }
        }
    })
}

/// The `payload_json` part of a multipart body.
pub(crate) fn multipart_payload_json(
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

pub(crate) fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &Value,
) -> Response {
    let segments: Vec<&str> = path.split('/').collect();
    if let Some(answer) = webhooks::route(shared, method, &segments, query, body) {
        return answer;
    }
    let json = |value: Value| axum::Json(value).into_response();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => json(json!({ "url": shared.gateway_url() })),
        ("GET", ["gateway", "bot"]) => json(json!({
            "url": shared.gateway_url(),
            "shards": shared.shards.load(std::sync::atomic::Ordering::SeqCst),
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
            threads.push(Thread { id: message, parent_id: channel, name: name.clone(), applied_tags: Vec::new() });
            json(thread_json(shared.guild_holding(channel).unwrap_or(GUILD_ID), message, channel, &name))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let channel: u64 = channel.parse().unwrap_or(0);
            json(create_message(shared, channel, body))
        }
        ("POST", ["channels", channel, "threads"]) => {
            forum_post(shared, channel.parse().unwrap_or(0), body)
        }
        ("GET", ["channels", channel]) => {
            let id = channel.parse::<u64>().unwrap_or(0);
            let found = shared.guilds().into_iter().find_map(|guild| {
                let mut channel = guild["channels"]
                    .as_array()?
                    .iter()
                    .find(|c| c["id"] == json!(id.to_string()))?
                    .clone();
                channel["guild_id"] = guild["id"].clone();
                Some(channel)
            });
            match found {
                Some(channel) => json(channel),
                None => (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({ "message": "Unknown Channel", "code": 10003 })),
                )
                    .into_response(),
            }
        }
        // The server's active threads, forum posts included (docs: Guild,
        // List Active Guild Threads).
        ("GET", ["guilds", guild, "threads", "active"]) => {
            let in_guild: Vec<u64> = shared
                .guilds()
                .into_iter()
                .filter(|g| g["id"] == json!(guild.to_string()))
                .flat_map(|g| g["channels"].as_array().cloned().unwrap_or_default())
                .filter_map(|c| c["id"].as_str()?.parse().ok())
                .collect();
            let threads: Vec<Value> = shared
                .threads
                .lock()
                .expect("threads")
                .iter()
                .filter(|t| in_guild.contains(&t.parent_id))
                .map(|t| {
                    let mut thread = thread_json(shared.guild_holding(t.parent_id).unwrap_or(GUILD_ID), t.id, t.parent_id, &t.name);
                    thread["applied_tags"] = json!(t.applied_tags.iter().map(u64::to_string).collect::<Vec<_>>());
                    thread
                })
                .collect();
            json(json!({ "threads": threads, "members": [] }))
        }
        // The double never archives a thread, so there are none to list.
        ("GET", ["channels", _, "threads", "archived", "public"]) => {
            json(json!({ "threads": [], "members": [], "has_more": false }))
        }
        ("POST", ["channels", channel, "messages", message, "crosspost"]) => {
            publish(shared, channel.parse().unwrap_or(0), message.parse().unwrap_or(0))
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
        ("PUT", ["channels", channel, "pins", message]) | ("PUT", ["channels", channel, "messages", "pins", message]) => {
            pin(shared, channel, message, true)
        }
        ("DELETE", ["channels", channel, "pins", message]) | ("DELETE", ["channels", channel, "messages", "pins", message]) => {
            pin(shared, channel, message, false)
        }
        ("PATCH", ["channels", channel, "messages", message]) => {
            let (channel, message): (u64, u64) = (channel.parse().unwrap_or(0), message.parse().unwrap_or(0));
            let mut messages = shared.messages.lock().expect("messages");
            match messages.iter_mut().find(|m| m.channel_id == channel && m.id == message) {
                Some(found) if spec::is_components_v2(&found.body) && !spec::keeps_components_v2(body) => (
                    // The flag "cannot be removed" once set (Discord's
                    // Components V2 docs): a card is never text again.
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({
                        "message": "Invalid Form Body",
                        "code": 50035,
                        "errors": { "flags": { "_errors": [{ "code": "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", "message": "The IS_COMPONENTS_V2 flag cannot be removed from a message" }] } }
                    })),
                )
                    .into_response(),
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
pub(crate) fn interaction_callback(shared: &Shared, token: &str, body: &Value) -> Response {
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
pub(crate) const EPHEMERAL: u64 = 1 << 6;

/// A follow-up (or an edit of the original) as members see it. The first
/// follow-up after a defer fills the "thinking…" message, so it takes the
/// defer's visibility whatever flags it carries; later follow-ups, or any
/// after the original was deleted, are new messages with their own flags.
pub(crate) fn show_reply(shared: &Shared, token: &str, body: &Value, edits_original: bool) {
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
pub(crate) fn create_message(shared: &Shared, channel: u64, body: &Value) -> Value {
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
