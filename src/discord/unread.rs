//! Events serenity cannot read. serenity turns a gateway event whose body
//! does not fit its model into `Event::Unknown` and drops it with a debug
//! line, so without this a malformed (or newer-than-serenity) interaction
//! would leave its member looking at "The application did not respond" and
//! the operator with nothing in the log.

use serde_json::{json, Value};
use serenity::all::{Context, Event, Interaction, InteractionId, RawEventHandler};

/// Logs every event serenity could not read as a warning, and answers an
/// unreadable interaction privately so its sender is not left waiting.
pub(super) struct UnreadEvents;

#[serenity::async_trait]
impl RawEventHandler for UnreadEvents {
    async fn raw_event(&self, ctx: Context, event: Event) {
        let Event::Unknown(unknown) = event else {
            return;
        };
        let is_card = unknown.value["flags"]
            .as_u64()
            .is_some_and(|flags| flags & super::cards::IS_COMPONENTS_V2 != 0);
        if is_card && unknown.kind.starts_with("MESSAGE_") {
            // Our own card posts (and others' V2 messages): serenity 0.12
            // cannot read Components V2, and the bot reads no such message.
            tracing::debug!(event = %unknown.kind, "a Components V2 message event: not read");
            return;
        }
        if unknown.kind != "INTERACTION_CREATE" {
            tracing::warn!(
                event = %unknown.kind,
                "an event serenity cannot read (or does not know): ignored"
            );
            return;
        }
        let value = &unknown.value;
        let why = serde_json::from_value::<Interaction>(value.clone())
            .err()
            .map_or_else(|| "not recognised".to_string(), |e| e.to_string());
        tracing::warn!(
            interaction = %value["id"].as_str().unwrap_or("?"),
            kind = %value["type"],
            guild = %value["guild_id"].as_str().unwrap_or("-"),
            user = %value["member"]["user"]["id"].as_str().or(value["user"]["id"].as_str()).unwrap_or("?"),
            why = %why,
            "an interaction serenity cannot read: answered with a refusal, nothing done"
        );
        let (Some(id), Some(token)) = (
            value["id"].as_str().and_then(|id| id.parse::<u64>().ok()),
            value["token"].as_str(),
        ) else {
            return;
        };
        let Some(response) = refusal(value) else {
            return;
        };
        if let Err(e) = ctx
            .http
            .create_interaction_response(
                InteractionId::new(id.max(1)),
                token,
                &response,
                Vec::new(),
            )
            .await
        {
            tracing::warn!(interaction = id, error = %e, "could not answer an unreadable interaction");
        }
    }
}

/// The private answer to an interaction of Discord's `type` that could not
/// be read: an empty suggestion list for autocomplete, a message otherwise.
fn refusal(interaction: &Value) -> Option<Value> {
    match interaction["type"].as_u64()? {
        // Autocomplete: no suggestions.
        4 => Some(json!({ "type": 8, "data": { "choices": [] } })),
        // Commands, components and forms: a private message (flag 64).
        2 | 3 | 5 => Some(json!({
            "type": 4,
            "data": {
                "content": "Briefbot could not read that request (it may be malformed, or from a newer Discord than this version knows); nothing was done.",
                "flags": 64,
                "allowed_mentions": { "parse": [] }
            }
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gets_the_answer_its_kind_takes() {
        let kind = |n: u64| refusal(&json!({ "type": n })).map(|r| r["type"].clone());
        assert_eq!(kind(4), Some(json!(8)));
        for n in [2, 3, 5] {
            assert_eq!(kind(n), Some(json!(4)));
        }
        assert_eq!(kind(1), None, "pings come over HTTP, never here");
        assert_eq!(refusal(&json!({})), None);
    }
}
