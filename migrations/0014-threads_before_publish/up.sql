-- A post's discussion thread is opened before the post is published, so a
-- publish that waits for Discord's hourly limit does not keep members from
-- answering. Deliveries made before this keep their old order of steps
-- (`threads_first` 0): their progress is counted in it.
ALTER TABLE deliveries ADD COLUMN threads_first INTEGER NOT NULL DEFAULT 0;
-- Set when the discussion thread and its questions are all posted, which
-- may be before the delivery is sent (its publish still waiting).
ALTER TABLE deliveries ADD COLUMN discussion_open INTEGER NOT NULL DEFAULT 0;
