-- Whether a posted briefing gets a discussion thread with its key questions
-- (1, the default) or not (0).
ALTER TABLE guild_settings ADD COLUMN discussion_threads INTEGER NOT NULL DEFAULT 1;
