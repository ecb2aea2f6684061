-- Questions a server's moderators add to a briefing. They are that
-- server's: seen, answered and counted there only. NULL: the question came
-- with the briefing and every server shares it. A moderator's question has
-- no position (positions order the shared ones); it is current until
-- retired_at is set.
ALTER TABLE key_questions ADD COLUMN guild_id INTEGER;
ALTER TABLE key_questions ADD COLUMN added_by INTEGER;
CREATE INDEX key_questions_by_guild
    ON key_questions (briefing_id, guild_id) WHERE guild_id IS NOT NULL;

-- Where a moderator's question shows in Discord: its message (with its
-- Answer button) in each discussion thread of the briefing's posts in the
-- question's server, so an edit or a retire changes that message too.
CREATE TABLE question_displays (
    question_id INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (question_id, thread_id)
);
