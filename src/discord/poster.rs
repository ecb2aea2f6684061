//! Posting to channels for the delivery loop: one message create per part,
//! each with its nonce and `enforce_nonce`, so Discord drops a repeat.

use std::sync::Arc;

use serenity::all::{
    AutoArchiveDuration, ChannelFlags, ChannelId, CreateForumPost, CreateThread, ForumTagId,
    GuildChannel, GuildId, Http, HttpError, MessageId, Nonce,
};

use super::cards::{self, CardBody};
use super::rate_gate::RateGate;
use super::reply::{create_message, edit_message};
use super::webhooks;
use crate::domain::view::Message;
use crate::posting::{PostError, PostFuture, Poster, Publisher};
use crate::store::WebhookToken;

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
    ) -> PostFuture<'a, String> {
        Box::pin(async move {
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            let result = match CardBody::of(message, false) {
                Some(card) => cards::create(&self.http, channel_id, &card.with_nonce(nonce)).await,
                None => {
                    let create = create_message(message)
                        .nonce(Nonce::String(nonce.to_string()))
                        .enforce_nonce(true);
                    ChannelId::new(channel_id)
                        .send_message(&self.http, create)
                        .await
                        .map(|sent| sent.id.to_string())
                }
            }
            .map_err(classify);
            if let (Some(gate), Err(PostError::Transient { reason, .. })) = (&self.gate, &result) {
                if reason.starts_with("Discord 429") {
                    gate.hold_channel(channel_id);
                }
            }
            result
        })
    }

    fn recent_own<'a>(&'a self, channel_id: u64) -> PostFuture<'a, Vec<(String, Message)>> {
        Box::pin(async move {
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            let me = self.http.get_current_user().await.map_err(classify)?.id;
            let recent = cards::recent(&self.http, channel_id, RECENT_MESSAGES)
                .await
                .map_err(classify)?;
            Ok(recent
                .iter()
                .filter(|sent| sent["author"]["id"].as_str() == Some(&me.to_string()))
                .filter_map(|sent| Some((sent["id"].as_str()?.to_string(), cards::view_of(sent))))
                .collect())
        })
    }

    fn edit<'a>(
        &'a self,
        channel_id: u64,
        message_id: &'a str,
        message: &'a Message,
    ) -> PostFuture<'a, ()> {
        Box::pin(async move {
            let id = message_id_of(message_id)?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            match CardBody::of(message, false) {
                Some(card) => cards::edit(&self.http, channel_id, id, &card).await,
                None => ChannelId::new(channel_id)
                    .edit_message(&self.http, id, edit_message(message))
                    .await
                    .map(|_| ()),
            }
            .map_err(classify)
        })
    }

    fn delete<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async move {
            let id = message_id_of(message_id)?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            match ChannelId::new(channel_id)
                .delete_message(&self.http, id)
                .await
            {
                Ok(()) => Ok(()),
                // Deleted already (by a moderator, or by an earlier attempt
                // whose answer was lost): what was wanted is true.
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response)))
                    if response.error.code == UNKNOWN_MESSAGE =>
                {
                    Ok(())
                }
                Err(error) => Err(classify(error)),
            }
        })
    }

    fn pin<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async move {
            let id = message_id_of(message_id)?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            self.http
                .pin_message(ChannelId::new(channel_id), id, Some("featured answer"))
                .await
                .map_err(classify)
        })
    }

    fn unpin<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async move {
            let id = message_id_of(message_id)?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            match self
                .http
                .unpin_message(ChannelId::new(channel_id), id, Some("no longer featured"))
                .await
            {
                Ok(()) => Ok(()),
                // The message is gone, and its pin with it.
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response)))
                    if response.error.code == UNKNOWN_MESSAGE =>
                {
                    Ok(())
                }
                Err(error) => Err(classify(error)),
            }
        })
    }

    fn create_forum_post<'a>(
        &'a self,
        forum_id: u64,
        name: &'a str,
        message: &'a Message,
        tags: &'a [String],
    ) -> PostFuture<'a, String> {
        Box::pin(async move {
            let forum = ChannelId::new(forum_id);
            let channel = forum.to_channel(&self.http).await.map_err(classify)?;
            let available = match channel {
                serenity::all::Channel::Guild(guild_channel) => guild_channel,
                _ => {
                    return Err(PostError::Refused {
                        reason: "the channel is not a forum".into(),
                    })
                }
            };
            let applied = forum_tags(&available, tags);
            if let Some(gate) = &self.gate {
                gate.wait_turn(forum_id).await;
            }
            match CardBody::of(message, false) {
                Some(card) => {
                    let tags: Vec<u64> = applied.iter().map(|tag| tag.get()).collect();
                    self.http
                        .create_forum_post(forum, &card.forum_post(name, &tags), None)
                        .await
                }
                None => {
                    forum
                        .create_forum_post(
                            &self.http,
                            CreateForumPost::new(name, create_message(message))
                                .set_applied_tags(applied),
                        )
                        .await
                }
            }
            .map(|thread| thread.id.to_string())
            .map_err(classify)
        })
    }

    fn find_forum_post<'a>(
        &'a self,
        guild_id: u64,
        forum_id: u64,
        name: &'a str,
        since_ms: i64,
    ) -> PostFuture<'a, Option<String>> {
        Box::pin(async move {
            let bot = self.http.get_current_user().await.map_err(classify)?.id;
            // A post's id says when it was made.
            let ours = |thread: &GuildChannel| {
                thread.parent_id == Some(ChannelId::new(forum_id))
                    && thread.owner_id == Some(bot)
                    && thread.name == name
                    && thread.id.created_at().unix_timestamp() * 1000 >= since_ms
            };
            let active = GuildId::new(guild_id)
                .get_active_threads(&self.http)
                .await
                .map_err(classify)?;
            if let Some(post) = active.threads.iter().find(|t| ours(t)) {
                return Ok(Some(post.id.to_string()));
            }
            // After an outage long enough for the post to have been archived.
            let archived = ChannelId::new(forum_id)
                .get_archived_public_threads(&self.http, None, Some(50))
                .await
                .map_err(classify)?;
            Ok(archived
                .threads
                .iter()
                .find(|t| ours(t))
                .map(|post| post.id.to_string()))
        })
    }

    fn publish<'a>(&'a self, channel_id: u64, message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async move {
            let id = message_id_of(message_id)?;
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            match ChannelId::new(channel_id).crosspost(&self.http, id).await {
                Ok(_) => Ok(()),
                // Published by an earlier attempt whose answer was lost.
                Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response)))
                    if response.error.code == ALREADY_PUBLISHED =>
                {
                    Ok(())
                }
                Err(error) => Err(classify(error)),
            }
        })
    }

    fn create_webhook<'a>(
        &'a self,
        channel_id: u64,
        name: &'a str,
    ) -> PostFuture<'a, (u64, WebhookToken)> {
        Box::pin(async move {
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            webhooks::create(&self.http, channel_id, name).await
        })
    }

    fn execute_webhook<'a>(
        &'a self,
        webhook_id: u64,
        token: &'a WebhookToken,
        publisher: &'a Publisher,
        message: &'a Message,
    ) -> PostFuture<'a, Option<String>> {
        Box::pin(async move {
            webhooks::execute(&self.http, webhook_id, token, publisher, message).await
        })
    }

    fn recent_webhook_posts<'a>(
        &'a self,
        channel_id: u64,
        webhook_id: u64,
    ) -> PostFuture<'a, Vec<(String, Message)>> {
        Box::pin(async move {
            if let Some(gate) = &self.gate {
                gate.wait_turn(channel_id).await;
            }
            webhooks::recent(&self.http, channel_id, webhook_id).await
        })
    }

    fn delete_webhook<'a>(
        &'a self,
        webhook_id: u64,
        token: &'a WebhookToken,
    ) -> PostFuture<'a, ()> {
        Box::pin(async move { webhooks::delete(&self.http, webhook_id, token).await })
    }

    fn open_thread<'a>(
        &'a self,
        channel_id: u64,
        message_id: &'a str,
        name: &'a str,
    ) -> PostFuture<'a, String> {
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
pub(super) const RECENT_MESSAGES: u8 = 50;

/// Discord's code for a message that does not exist (any more).
const UNKNOWN_MESSAGE: isize = 10_008;

fn message_id_of(text: &str) -> Result<MessageId, PostError> {
    text.parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .map(MessageId::new)
        .ok_or_else(|| PostError::Rejected {
            reason: format!("'{text}' is not a message id"),
        })
}

/// The forum's tags named like `categories` (any case, at most 5, in the
/// forum's order); when the forum requires a tag and none matches, its
/// first tag, so the post is accepted.
fn forum_tags(forum: &serenity::all::GuildChannel, categories: &[String]) -> Vec<ForumTagId> {
    let mut tags: Vec<ForumTagId> = forum
        .available_tags
        .iter()
        .filter(|tag| categories.iter().any(|c| c.eq_ignore_ascii_case(&tag.name)))
        .map(|tag| tag.id)
        .take(5)
        .collect();
    let requires_tag = forum.flags.contains(ChannelFlags::REQUIRE_TAG);
    if tags.is_empty() && requires_tag {
        tags.extend(forum.available_tags.first().map(|tag| tag.id));
    }
    tags
}

/// Discord's code for "this message has already been crossposted".
const ALREADY_PUBLISHED: isize = 40_033;

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
