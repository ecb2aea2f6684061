//! The webhooks the bot made for posts under a publisher's name: one per
//! channel, kept while a subscription of that channel posts that way.

use rusqlite::{params, OptionalExtension, Row};

use super::{GuildScope, Result, Store};

/// A webhook's token: whoever has it may post as the webhook, so it never
/// shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookToken(String);

impl WebhookToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for the one request that needs it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookToken(hidden)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelWebhook {
    pub guild_id: u64,
    pub channel_id: u64,
    pub webhook_id: u64,
    pub token: WebhookToken,
}

fn read(row: &Row<'_>) -> rusqlite::Result<ChannelWebhook> {
    Ok(ChannelWebhook {
        channel_id: row.get::<_, i64>(0)? as u64,
        guild_id: row.get::<_, i64>(1)? as u64,
        webhook_id: row.get::<_, i64>(2)? as u64,
        token: WebhookToken(row.get(3)?),
    })
}

impl Store {
    /// The webhook the bot made in `channel_id` of `guild_id`, if any.
    pub fn channel_webhook(
        &self,
        guild_id: u64,
        channel_id: u64,
    ) -> Result<Option<ChannelWebhook>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT channel_id, guild_id, webhook_id, token FROM channel_webhooks
                 WHERE guild_id = ?1 AND channel_id = ?2",
            )?
            .query_row(params![guild_id as i64, channel_id as i64], read)
            .optional()?)
    }

    /// Keeps a webhook just made (in place of the channel's old one).
    pub fn save_channel_webhook(&self, webhook: &ChannelWebhook, now: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO channel_webhooks (channel_id, guild_id, webhook_id, token, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (channel_id) DO UPDATE SET guild_id = ?2, webhook_id = ?3, token = ?4, created_at = ?5",
            )?
            .execute(params![
                webhook.channel_id as i64,
                webhook.guild_id as i64,
                webhook.webhook_id as i64,
                webhook.token.secret(),
                now
            ])?;
        Ok(())
    }

    /// Forgets webhook `webhook_id` of a channel (gone in Discord, or
    /// deleted by us); a newer one of the same channel stays.
    pub fn forget_channel_webhook(
        &self,
        guild_id: u64,
        channel_id: u64,
        webhook_id: u64,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM channel_webhooks WHERE guild_id = ?1 AND channel_id = ?2 AND webhook_id = ?3",
            )?
            .execute(params![guild_id as i64, channel_id as i64, webhook_id as i64])?;
        Ok(())
    }

    /// Webhooks of channels (of servers in `scope`) where no subscription
    /// posts under the publisher's name any more: to delete in Discord,
    /// then forget.
    pub fn unused_channel_webhooks(&self, scope: GuildScope) -> Result<Vec<ChannelWebhook>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT w.channel_id, w.guild_id, w.webhook_id, w.token FROM channel_webhooks w
             WHERE {} AND NOT EXISTS (SELECT 1 FROM subscriptions s
                 WHERE s.guild_id = w.guild_id AND s.channel_id = w.channel_id AND s.identity = 'publisher')
             LIMIT 20",
            scope.sql("w.guild_id", 1)
        ))?;
        let (only, except) = scope.params();
        let rows = statement.query_map(params![only, except], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
