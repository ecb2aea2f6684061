-- Announcement channels: a subscription may publish each post to the
-- servers that follow its channel, and the publishes made, for pacing
-- (Discord allows about 10 per channel per hour).
ALTER TABLE subscriptions ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN publish INTEGER NOT NULL DEFAULT 0;
CREATE TABLE publishes (
    channel_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX publishes_by_channel ON publishes (channel_id, at);
