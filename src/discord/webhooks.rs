//! The channel webhooks posts under a publisher's name go through, as raw
//! requests: a webhook's token is part of its URL, so every error is told
//! with the token taken out before anyone (a log, a moderator) sees it.

use serde_json::{json, Value};
use serenity::all::{ChannelId, Http, HttpError, LightMethod, Request, Route, WebhookId};

use super::cards::{self, CardBody};
use super::poster::classify;
use super::reply::create_message;
use crate::domain::view::Message;
use crate::posting::{PostError, Publisher};
use crate::store::WebhookToken;

/// Discord's code for "Unknown Webhook".
const UNKNOWN_WEBHOOK: isize = 10_015;

/// `error` as the outbox sorts it, with `token` nowhere in its reason.
fn classify_hidden(error: serenity::Error, token: &WebhookToken) -> PostError {
    let hide = |reason: String| reason.replace(token.secret(), "<token>");
    match classify(error) {
        PostError::Transient {
            reason,
            retry_after,
            may_have_posted,
        } => PostError::Transient {
            reason: hide(reason),
            retry_after,
            may_have_posted,
        },
        PostError::Refused { reason } => PostError::Refused {
            reason: hide(reason),
        },
        PostError::Rejected { reason } => PostError::Rejected {
            reason: hide(reason),
        },
    }
}

/// Only Unknown Webhook: another 404 (Unknown Channel, say) is not a
/// webhook to make again.
fn is_unknown_webhook(error: &serenity::Error) -> bool {
    matches!(error, serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
        if response.error.code == UNKNOWN_WEBHOOK)
}

/// An answer from Discord that could not be read: it may have been carried
/// out, so the next attempt looks before acting again.
fn unreadable(what: &str, error: impl std::fmt::Display) -> PostError {
    PostError::Transient {
        reason: format!("Discord's answer to {what} was unreadable: {error}"),
        retry_after: None,
        may_have_posted: true,
    }
}

/// What a webhook posts for `message`: the card (or the classic message) as
/// the bot would post it, without a nonce (a webhook takes none), under the
/// publisher's name and picture.
fn body(message: &Message, publisher: &Publisher) -> Result<Value, serde_json::Error> {
    let mut body = match CardBody::of(message, false) {
        Some(card) => serde_json::to_value(card)?,
        None => serde_json::to_value(create_message(message))?,
    };
    if let Some(object) = body.as_object_mut() {
        object.remove("nonce");
        object.remove("enforce_nonce");
        object.insert("username".into(), json!(publisher.name));
        if let Some(avatar) = &publisher.avatar_url {
            object.insert("avatar_url".into(), json!(avatar));
        }
    }
    Ok(body)
}

/// Makes a webhook in `channel`; its id and token.
pub async fn create(
    http: &Http,
    channel: u64,
    name: &str,
) -> Result<(u64, WebhookToken), PostError> {
    let route = Route::ChannelWebhooks {
        channel_id: ChannelId::new(channel),
    };
    let request = Request::new(route, LightMethod::Post).body(Some(
        serde_json::to_vec(&json!({ "name": name })).expect("json"),
    ));
    let response = http.request(request).await.map_err(classify)?;
    let made: Value = cards::json_of(response)
        .await
        .map_err(|e| unreadable("making a webhook", e))?;
    let id = made["id"].as_str().and_then(|id| id.parse::<u64>().ok());
    let token = made["token"].as_str().filter(|t| !t.is_empty());
    match (id, token) {
        (Some(id), Some(token)) => Ok((id, WebhookToken::new(token))),
        _ => Err(PostError::Rejected {
            reason: "Discord's answer to making a webhook has no id or token".into(),
        }),
    }
}

/// Posts through webhook `id`, waiting for the message; its id, or `None`
/// when the webhook is gone.
pub async fn execute(
    http: &Http,
    id: u64,
    token: &WebhookToken,
    publisher: &Publisher,
    message: &Message,
) -> Result<Option<String>, PostError> {
    let body = body(message, publisher).map_err(|e| PostError::Rejected {
        reason: format!("the message could not be written: {e}"),
    })?;
    let route = Route::WebhookWithToken {
        webhook_id: WebhookId::new(id),
        token: token.secret(),
    };
    // `wait` returns the message (its id); `with_components` makes Discord
    // take the components (docs: Execute Webhook, query string params).
    let request = Request::new(route, LightMethod::Post)
        .body(Some(serde_json::to_vec(&body).expect("json")))
        .params(Some(vec![
            ("wait", "true".to_string()),
            ("with_components", "true".to_string()),
        ]));
    match http.request(request).await {
        Ok(response) => {
            let sent: Value = cards::json_of(response)
                .await
                .map_err(|e| unreadable("a webhook post", e))?;
            sent["id"]
                .as_str()
                .map(|id| Some(id.to_string()))
                .ok_or_else(|| unreadable("a webhook post", "it has no id"))
        }
        Err(error) if is_unknown_webhook(&error) => Ok(None),
        Err(error) => Err(classify_hidden(error, token)),
    }
}

/// What webhook `id` recently posted in `channel`, newest first.
pub async fn recent(
    http: &Http,
    channel: u64,
    id: u64,
) -> Result<Vec<(String, Message)>, PostError> {
    let recent = cards::recent(http, channel, super::poster::RECENT_MESSAGES)
        .await
        .map_err(classify)?;
    let id = id.to_string();
    Ok(recent
        .iter()
        .filter(|sent| sent["webhook_id"].as_str() == Some(id.as_str()))
        .filter_map(|sent| Some((sent["id"].as_str()?.to_string(), cards::view_of(sent))))
        .collect())
}

/// Deletes webhook `id`; one already gone is no error.
pub async fn delete(http: &Http, id: u64, token: &WebhookToken) -> Result<(), PostError> {
    let route = Route::WebhookWithToken {
        webhook_id: WebhookId::new(id),
        token: token.secret(),
    };
    match http.request(Request::new(route, LightMethod::Delete)).await {
        Ok(_) => Ok(()),
        Err(error) if is_unknown_webhook(&error) => Ok(()),
        Err(error) => Err(classify_hidden(error, token)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhooks_token_never_shows_in_an_error() {
        let token = WebhookToken::new("s3cret-t0ken");
        let error = serenity::Error::Url(format!(
            "https://discord.com/api/v10/webhooks/1/{}?wait=true",
            token.secret()
        ));
        let told = format!("{:?}", classify_hidden(error, &token));
        assert!(!told.contains("s3cret-t0ken"), "{told}");
        assert!(told.contains("<token>"), "{told}");
        assert_eq!(format!("{token:?}"), "WebhookToken(hidden)");
    }

    #[test]
    fn a_webhook_post_is_the_card_under_the_publishers_name_without_a_nonce() {
        let message = Message::text("Hello");
        let publisher =
            Publisher::new("Civic Tech Notes", Some("https://example.org/i.png".into())).unwrap();
        let body = body(&message, &publisher).unwrap();
        assert_eq!(body["username"], "Civic Tech Notes");
        assert_eq!(body["avatar_url"], "https://example.org/i.png");
        assert!(body.get("nonce").is_none() && body.get("enforce_nonce").is_none());
        assert_eq!(body["content"], "Hello");
    }
}
