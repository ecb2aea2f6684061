-- Featured answers: a moderator's pick, first in /discussion, marked in
-- exports, and pinned in its thread (or, where the bot may not pin there,
-- quoted in a "Featured answer" message).
ALTER TABLE answers ADD COLUMN featured_at INTEGER;
CREATE INDEX answers_featured ON answers (question_id, guild_id) WHERE featured_at IS NOT NULL;

-- What Discord shows of the feature, so unfeaturing, removing or forgetting
-- the answer undoes it: the message pinned, or the quote posted instead.
ALTER TABLE answer_displays ADD COLUMN pinned_message TEXT;
ALTER TABLE answer_displays ADD COLUMN quote_message TEXT;

-- The log channel is told once that the bot may not pin in a server.
ALTER TABLE guild_settings ADD COLUMN told_cannot_pin INTEGER NOT NULL DEFAULT 0;
