//! Channel webhooks, made, posted through and deleted as Discord does it.
//! Sources: Discord's Webhook resource docs (Create, Get Channel Webhooks,
//! Execute, Delete Webhook with Token) and ../shared/docs/discord-notes.md.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::*;

/// Manage Webhooks: not among @everyone's permissions in the test server,
/// so a test grants it where a webhook may be made.
pub const MANAGE_WEBHOOKS: u64 = 1 << 29;

/// At most 15 webhooks in a channel (error 30007, "Maximum number of
/// webhooks reached (15)").
const MAX_PER_CHANNEL: usize = 15;

/// Discord's answer for a webhook that does not exist, was deleted or is
/// asked for with the wrong token: 404, code 10015.
fn unknown_webhook() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "message": "Unknown Webhook", "code": 10015 })),
    )
        .into_response()
}

fn invalid_form(field: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": { field: { "_errors": [{ "code": "BASE_TYPE_BAD_LENGTH", "message": message }] } }
        })),
    )
        .into_response()
}

/// Why Discord refuses `name` for a webhook or a post's username: 1 to 80
/// characters, and neither "clyde" nor "discord" in it, in any case.
fn name_problem(name: &str) -> Option<String> {
    let length = name.chars().count();
    if !(1..=80).contains(&length) {
        return Some(format!(
            "Must be between 1 and 80 in length (it is {length})."
        ));
    }
    let lower = name.to_lowercase();
    ["clyde", "discord"]
        .iter()
        .find(|word| lower.contains(*word))
        .map(|word| format!("Username cannot contain \"{word}\""))
}

/// Whether `id` is a channel webhook made here (deleted ones too): the
/// interactions' follow-ups share `/webhooks/{application}/{token}`.
fn made_here(shared: &Shared, id: &str) -> bool {
    let Ok(id) = id.parse::<u64>() else {
        return false;
    };
    shared
        .webhooks
        .lock()
        .expect("webhooks")
        .iter()
        .any(|h| h.id == id)
}

/// The webhook routes, or `None` for a path that is not one of them.
pub(crate) fn route(
    shared: &Shared,
    method: &Method,
    segments: &[&str],
    query: &str,
    body: &Value,
) -> Option<Response> {
    match (method.as_str(), segments) {
        ("POST", ["channels", channel, "webhooks"]) => {
            Some(create(shared, channel.parse().ok()?, body))
        }
        ("GET", ["channels", channel, "webhooks"]) => Some(list(shared, channel.parse().ok()?)),
        ("POST", ["webhooks", id, token]) if made_here(shared, id) => {
            Some(execute(shared, id.parse().ok()?, token, query, body))
        }
        ("DELETE", ["webhooks", id, token]) if made_here(shared, id) => {
            Some(delete(shared, id.parse().ok()?, token))
        }
        _ => None,
    }
}

fn webhook_json(hook: &Webhook, guild: u64) -> Value {
    json!({
        "id": hook.id.to_string(),
        "type": 1,
        "channel_id": hook.channel_id.to_string(),
        "guild_id": guild.to_string(),
        "name": hook.name,
        "avatar": null,
        "token": hook.token,
        "application_id": APPLICATION_ID.to_string(),
        "user": bot_user(),
    })
}

/// Whether the bot may manage webhooks in `channel` (threads have none of
/// their own: they belong to the parent, error 50024).
fn refused_management(shared: &Shared, channel: u64) -> Option<Response> {
    let in_thread = shared.is_thread(channel);
    if in_thread {
        return Some((
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "message": "Cannot execute action on this channel type", "code": 50024 }),
            ),
        )
            .into_response());
    }
    match bot_permissions(shared, channel) {
        Some((granted, _))
            if granted & (MANAGE_WEBHOOKS | VIEW_CHANNEL) != MANAGE_WEBHOOKS | VIEW_CHANNEL =>
        {
            Some(missing_permissions())
        }
        Some(_) => None,
        None => Some(
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "message": "Unknown Channel", "code": 10003 })),
            )
                .into_response(),
        ),
    }
}

fn create(shared: &Shared, channel: u64, body: &Value) -> Response {
    if let Some(refused) = refused_management(shared, channel) {
        return refused;
    }
    let name = body["name"].as_str().unwrap_or("");
    if let Some(problem) = name_problem(name) {
        return invalid_form("name", &problem);
    }
    let mut hooks = shared.webhooks.lock().expect("webhooks");
    if hooks
        .iter()
        .filter(|h| h.channel_id == channel && !h.deleted)
        .count()
        >= MAX_PER_CHANNEL
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "message": "Maximum number of webhooks reached (15)", "code": 30007 }),
            ),
        )
            .into_response();
    }
    let id = shared.snowflake();
    let hook = Webhook {
        id,
        channel_id: channel,
        name: name.to_string(),
        token: format!("wh-token-{id}-secret"),
        deleted: false,
    };
    let answer = webhook_json(&hook, shared.guild_holding(channel).unwrap_or(GUILD_ID));
    hooks.push(hook);
    axum::Json(answer).into_response()
}

fn list(shared: &Shared, channel: u64) -> Response {
    if let Some(refused) = refused_management(shared, channel) {
        return refused;
    }
    let guild = shared.guild_holding(channel).unwrap_or(GUILD_ID);
    let hooks = shared.webhooks.lock().expect("webhooks");
    let listed: Vec<Value> = hooks
        .iter()
        .filter(|h| h.channel_id == channel && !h.deleted)
        .map(|h| webhook_json(h, guild))
        .collect();
    axum::Json(Value::Array(listed)).into_response()
}

/// The live webhook `id` when `token` is its token.
fn live(shared: &Shared, id: u64, token: &str) -> Option<Webhook> {
    let hooks = shared.webhooks.lock().expect("webhooks");
    hooks
        .iter()
        .find(|h| h.id == id && h.token == token && !h.deleted)
        .cloned()
}

fn query_flag(query: &str, key: &str) -> bool {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .any(|(k, v)| k == key && v == "true")
}

/// Posts through a webhook. Without `with_components=true` Discord
/// ignores the components (Execute Webhook, query string params), so a
/// card sent without it arrives empty and is refused (50006); without
/// `wait=true` the answer is 204 with no message (so no id to keep).
fn execute(shared: &Shared, id: u64, token: &str, query: &str, body: &Value) -> Response {
    let Some(hook) = live(shared, id, token) else {
        return unknown_webhook();
    };
    let mut sent = body.clone();
    if let Some(username) = body.get("username") {
        if let Some(problem) = name_problem(username.as_str().unwrap_or("")) {
            return invalid_form("username", &problem);
        }
    }
    if let Some(avatar) = body["avatar_url"].as_str() {
        if !(avatar.starts_with("https://") || avatar.starts_with("http://")) {
            return invalid_form("avatar_url", "Not a well formed URL.");
        }
    }
    if !query_flag(query, "with_components") {
        if let Some(object) = sent.as_object_mut() {
            object.remove("components");
        }
    }
    let has = |key: &str| match &sent[key] {
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    if !has("content") && !has("embeds") && !has("components") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "message": "Cannot send an empty message", "code": 50006 })),
        )
            .into_response();
    }
    sent["webhook_id"] = json!(hook.id.to_string());
    if sent.get("username").is_none() {
        sent["username"] = json!(hook.name);
    }
    let message = create_message(shared, hook.channel_id, &sent);
    if query_flag(query, "wait") {
        axum::Json(message).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

fn delete(shared: &Shared, id: u64, token: &str) -> Response {
    let mut hooks = shared.webhooks.lock().expect("webhooks");
    match hooks
        .iter_mut()
        .find(|h| h.id == id && h.token == token && !h.deleted)
    {
        Some(hook) => {
            hook.deleted = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => unknown_webhook(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_names_follow_discords_rules() {
        assert_eq!(name_problem("Briefbot"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem(&"x".repeat(81)).is_some());
        assert!(name_problem("The DISCORD digest").is_some());
        assert!(name_problem("clyde").is_some());
        assert_eq!(name_problem(&"é".repeat(80)), None);
    }

    #[test]
    fn query_flags_read_only_true() {
        assert!(query_flag(
            "wait=true&with_components=true",
            "with_components"
        ));
        assert!(!query_flag("wait=false", "wait"));
        assert!(!query_flag("", "wait"));
    }
}
