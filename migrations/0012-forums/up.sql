-- Forum channels: each briefing becomes its own forum post, the post is
-- its discussion. Subscriptions and schedules know their channel is a
-- forum, and a queued delivery keeps it.
ALTER TABLE subscriptions ADD COLUMN forum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN forum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN forum INTEGER NOT NULL DEFAULT 0;
