-- Whose name a subscription's posts carry: 'bot' (the bot's own) or
-- 'publisher' (the briefing's source, through a webhook of the channel).
ALTER TABLE subscriptions ADD COLUMN identity TEXT NOT NULL DEFAULT 'bot'
    CHECK (identity IN ('bot', 'publisher'));
-- A followed source's icon, an http(s) address read from its feed or site:
-- the avatar of its posts made under the publisher's name.
ALTER TABLE sources ADD COLUMN icon_url TEXT;
-- The webhook the bot made in a channel for posts under the publisher's
-- name, one per channel. Its token lets anyone post as it: it is never
-- logged or shown, and the row goes (the webhook deleted in Discord) once
-- no subscription of the channel posts under the publisher's name.
CREATE TABLE channel_webhooks (
    channel_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    webhook_id  INTEGER NOT NULL,
    token       TEXT NOT NULL CHECK (length(token) BETWEEN 1 AND 200),
    created_at  INTEGER NOT NULL
);
