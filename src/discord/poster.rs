//! Posting to channels for the delivery loop: one message create per part,
//! each with its nonce and `enforce_nonce`, so Discord drops a repeat.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serenity::all::{
    AutoArchiveDuration, ChannelId, CreateThread, GetMessages, Http, HttpError, MessageId, Nonce,
};

use super::rate_gate::RateGate;
use super::reply::create_message;
use crate::domain::view::Message;
use crate::posting::{PostError, Poster};

pub struct DiscordPoster {
    http: Arc<Http>,
    /// Spaces posts out when serenity's own rate limiter is off (proxy mode).
    gate: Option<RateGate>,
}

impl DiscordPoster {
    pub fn new(http: Arc<Http>, gate: Option<RateGate>) -> Self {
        Self { http, gate }
    }
}

impl Poster for DiscordPoster {
    fn post<'a>(
        &'a self,
        channel_id: u64,
        message: &'a Message,
        nonce: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, PostError>> + Send + 'a>> {
        Box::pin(async move {
            let create = create_message(message)
                .nonce(Nonce::String(nonce.to_string()))
                .enforce_nonce(true);
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            let result = ChannelId::new(channel_id)
                .send_message(&self.http, create)
                .await
                .map(|sent| sent.id.to_string())
                .map_err(classify);
            if let (Some(gate), Err(PostError::Transient { reason, .. })) = (&self.gate, &result) {
                if reason.starts_with("Discord 429") {
                    gate.hold_channel(channel_id);
                }
            }
            result
        })
    }

    fn find_recent<'a>(
        &'a self,
        channel_id: u64,
        message: &'a Message,
    ) -> Pin<Box<dyn Future<Output = Result<Option<String>, PostError>> + Send + 'a>> {
        Box::pin(async move {
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            let me = self.http.get_current_user().await.map_err(classify)?.id;
            let recent = ChannelId::new(channel_id)
                .messages(&self.http, GetMessages::new().limit(RECENT_MESSAGES))
                .await
                .map_err(classify)?;
            Ok(recent
                .iter()
                .find(|sent| sent.author.id == me && same_message(sent, message))
                .map(|sent| sent.id.to_string()))
        })
    }

    fn open_thread<'a>(
        &'a self,
        channel_id: u64,
        message_id: &'a str,
        name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<String, PostError>> + Send + 'a>> {
        Box::pin(async move {
            let message: u64 = message_id.parse().map_err(|_| PostError::Rejected {
                reason: format!("'{message_id}' is not a message id"),
            })?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            let thread =
                CreateThread::new(name).auto_archive_duration(AutoArchiveDuration::OneWeek);
            match ChannelId::new(channel_id)
                .create_thread_from_message(&self.http, MessageId::new(message), thread)
                .await
            {
                Ok(thread) => Ok(thread.id.to_string()),
                // Made on an earlier attempt whose answer was lost: a thread
                // started from a message has that message's id.
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response)))
                    if response.error.code == THREAD_EXISTS =>
                {
                    Ok(message_id.to_string())
                }
                Err(error) => Err(classify(error)),
            }
        })
    }
}

/// How far back a late retry looks for the message it may have made.
const RECENT_MESSAGES: u8 = 50;

/// Whether a message in the channel is the one `view` would post: same
/// text, same embeds (fetched messages carry no nonce to compare).
fn same_message(sent: &serenity::all::Message, view: &Message) -> bool {
    sent.content == view.content.clone().unwrap_or_default()
        && sent.embeds.len() == view.embeds.len()
        && sent.embeds.iter().zip(&view.embeds).all(|(a, b)| {
            a.title == b.title
                && a.description == b.description
                && a.fields.len() == b.fields.len()
                && a.fields
                    .iter()
                    .zip(&b.fields)
                    .all(|(x, y)| x.name == y.name && x.value == y.value)
        })
}

/// Discord's code for "a thread has already been created for this message".
const THREAD_EXISTS: isize = 160_004;

/// Sorts a failed post into what the outbox does next.
pub fn classify(error: serenity::Error) -> PostError {
    match &error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let detail = format!(
                "Discord {} (code {}): {}",
                response.status_code.as_u16(),
                response.error.code,
                response.error.message
            );
            match response.status_code.as_u16() {
                // The body of a 429 has no `code`, so serenity's decoding
                // message is noise; say what it is.
                429 => PostError::Transient {
                    reason: "Discord 429: rate limited".into(),
                    retry_after: None,
                    may_have_posted: false,
                },
                403 => PostError::Refused {
                    reason: format!("missing permission ({detail})"),
                },
                404 => PostError::Refused {
                    reason: format!("the channel is gone ({detail})"),
                },
                500..=599 => PostError::Transient {
                    reason: detail,
                    retry_after: None,
                    may_have_posted: true,
                },
                _ => PostError::Rejected { reason: detail },
            }
        }
        serenity::Error::Http(HttpError::Request(e)) => PostError::Transient {
            reason: format!("network error: {e}"),
            retry_after: None,
            may_have_posted: true,
        },
        serenity::Error::Model(_) => PostError::Rejected {
            reason: error.to_string(),
        },
        _ => PostError::Transient {
            reason: error.to_string(),
            retry_after: None,
            may_have_posted: true,
        },
    }
}
