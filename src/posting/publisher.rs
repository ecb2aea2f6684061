//! Posts under the publisher's name: through the one webhook the bot keeps
//! in a channel, made when first needed, made again (once) when a
//! moderator deletes it, and deleted when no subscription needs it.
//! A webhook's message takes no nonce, so a retry after an answer that was
//! lost looks for the message before posting again.

use super::{PostError, Posting};
use crate::domain::view::Message;
use crate::store::{ChannelWebhook, Delivery, StoreError};

/// The name of the webhook in the channel's settings (each post carries
/// its publisher's own name over it).
pub const WEBHOOK_NAME: &str = "Briefbot";
/// Discord's limit on a webhook's name (Create Webhook docs).
const MAX_NAME: usize = 80;

/// The name and picture a post under the publisher's name carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    /// An http(s) address Discord fetches the avatar from.
    pub avatar_url: Option<String>,
}

impl Publisher {
    /// A publisher named within Discord's rules for webhook names: 1 to 80
    /// characters, and never "clyde" or "discord" in any case (Discord's
    /// Create Webhook docs; such a name is a 400). Those words get a
    /// look-alike letter. `None` for a name that is blank.
    pub fn new(name: &str, avatar_url: Option<String>) -> Option<Self> {
        let spaced = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut chars: Vec<char> = spaced.chars().take(MAX_NAME).collect();
        for (word, at, look_alike) in [("discord", 4, 'о'), ("clyde", 4, 'е')] {
            let word: Vec<char> = word.chars().collect();
            let mut i = 0;
            while i + word.len() <= chars.len() {
                let found = chars[i..i + word.len()]
                    .iter()
                    .zip(&word)
                    .all(|(c, w)| c.to_ascii_lowercase() == *w);
                if found {
                    chars[i + at] = look_alike;
                    i += word.len();
                } else {
                    i += 1;
                }
            }
        }
        let name: String = chars.into_iter().collect();
        let avatar_url = avatar_url.filter(|url| {
            (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2048
        });
        (!name.is_empty()).then_some(Self { name, avatar_url })
    }
}

/// A store failure while posting: tried again later, like a network one.
fn store_failed(error: StoreError) -> PostError {
    PostError::Transient {
        reason: format!("the database: {error}"),
        retry_after: None,
        may_have_posted: false,
    }
}

impl Posting {
    /// Posts part `index` of `d` under `publisher`'s name; the message's id.
    pub(super) async fn post_as_publisher(
        &self,
        d: &Delivery,
        index: usize,
        publisher: &Publisher,
        message: &Message,
    ) -> Result<String, PostError> {
        let hook = self.channel_webhook(d).await?;
        if index == d.parts_sent && d.uncertain_since.is_some() {
            let recent = self
                .poster
                .recent_webhook_posts(d.channel_id, hook.webhook_id)
                .await?;
            if let Some((found, _)) = recent
                .into_iter()
                .find(|(_, seen)| super::send::same_text(seen, message))
            {
                tracing::info!(delivery = d.id, channel = d.channel_id, message = %found, "found the publisher post an earlier attempt made; not posting it again");
                return Ok(found);
            }
        }
        let poster = &self.poster;
        if let Some(id) = poster
            .execute_webhook(hook.webhook_id, &hook.token, publisher, message)
            .await?
        {
            return Ok(id);
        }
        // Deleted in Discord (by a moderator, most likely): make it again,
        // once, and say so where moderators look.
        tracing::warn!(
            delivery = d.id,
            channel = d.channel_id,
            webhook = hook.webhook_id,
            "the channel's webhook is gone; making a new one"
        );
        let (guild, channel, old) = (d.guild_id, d.channel_id, hook.webhook_id);
        self.db
            .call(move |s| s.forget_channel_webhook(guild, channel, old))
            .await
            .map_err(store_failed)?;
        let hook = self.channel_webhook(d).await?;
        let posted = poster
            .execute_webhook(hook.webhook_id, &hook.token, publisher, message)
            .await?;
        let told = self
            .notice(
                d,
                format!(
                    "The webhook I post briefings under their publisher's name with in <#{channel}> was deleted, so I made a new one. \
                     To post under my own name there instead: /subscribe add channel:<#{channel}> identity:bot."
                ),
            )
            .await;
        if let Err(e) = told {
            tracing::error!(error = %e, "could not tell the log channel about a webhook made again");
        }
        posted.ok_or_else(|| PostError::Refused {
            reason:
                "the webhook I made for posts under the publisher's name was deleted again at once"
                    .into(),
        })
    }

    /// The channel's webhook, made now if it has none. One at a time, so
    /// two deliveries to a channel never make two.
    async fn channel_webhook(&self, d: &Delivery) -> Result<ChannelWebhook, PostError> {
        let _one_at_a_time = self.webhooks.lock().await;
        let (guild, channel) = (d.guild_id, d.channel_id);
        let kept = self
            .db
            .read(move |s| s.channel_webhook(guild, channel))
            .await
            .map_err(store_failed)?;
        if let Some(kept) = kept {
            return Ok(kept);
        }
        let (webhook_id, token) = self.poster.create_webhook(channel, WEBHOOK_NAME).await?;
        let made = ChannelWebhook {
            guild_id: guild,
            channel_id: channel,
            webhook_id,
            token,
        };
        let (saved, now) = (made.clone(), self.clock.now_ms());
        self.db
            .call(move |s| s.save_channel_webhook(&saved, now))
            .await
            .map_err(store_failed)?;
        tracing::info!(
            guild,
            channel,
            webhook = webhook_id,
            "made the channel's webhook for posts under the publisher's name"
        );
        Ok(made)
    }

    /// Deletes, in Discord and here, the webhooks of channels where no
    /// subscription posts under the publisher's name any more. A failure
    /// is tried again next round.
    pub(super) async fn drop_unused_webhooks(&self) {
        let scope = self.config.scope.guilds;
        let unused = match self
            .db
            .read(move |s| s.unused_channel_webhooks(scope))
            .await
        {
            Ok(unused) => unused,
            Err(e) => {
                tracing::error!(error = %e, "could not read the channels' webhooks");
                return;
            }
        };
        for hook in unused {
            let _one_at_a_time = self.webhooks.lock().await;
            match self
                .poster
                .delete_webhook(hook.webhook_id, &hook.token)
                .await
            {
                Ok(()) => {
                    let (guild, channel, id) = (hook.guild_id, hook.channel_id, hook.webhook_id);
                    match self
                        .db
                        .call(move |s| s.forget_channel_webhook(guild, channel, id))
                        .await
                    {
                        Ok(()) => tracing::info!(guild, channel, webhook = id, "deleted the channel's webhook: no subscription posts under the publisher's name there now"),
                        Err(e) => tracing::error!(error = %e, "could not forget a deleted webhook"),
                    }
                }
                Err(e) => {
                    tracing::warn!(channel = hook.channel_id, error = ?e, "could not delete an unused webhook; trying again later")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publishers_name_keeps_within_discords_rules_for_webhooks() {
        let named = |name: &str| Publisher::new(name, None).map(|p| p.name);
        assert_eq!(
            named("  Civic   Tech Notes "),
            Some("Civic Tech Notes".into())
        );
        let dodged = named("The Discord Weekly & Clyde's Corner").unwrap();
        assert!(!dodged.to_lowercase().contains("discord"), "{dodged}");
        assert!(!dodged.to_lowercase().contains("clyde"), "{dodged}");
        assert_eq!(
            dodged.chars().count(),
            "The Discord Weekly & Clyde's Corner".chars().count()
        );
        assert_eq!(named(&"x".repeat(200)).unwrap().chars().count(), 80);
        assert_eq!(named("   "), None);
        let avatar = |url: &str| Publisher::new("A", Some(url.into())).unwrap().avatar_url;
        assert_eq!(
            avatar("https://example.org/icon.png"),
            Some("https://example.org/icon.png".into())
        );
        assert_eq!(avatar("javascript:alert(1)"), None);
    }
}
