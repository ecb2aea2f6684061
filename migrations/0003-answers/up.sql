-- Answers to key questions. An answer points at the question's stable id, so
-- re-importing a briefing keeps it attached; a question that disappears is
-- retired, never deleted, and keeps its answers.

CREATE TABLE answers (
    -- AUTOINCREMENT: a deleted answer's number is never given to another
    -- (old Edit/Delete buttons and exports keep meaning what they meant).
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id    INTEGER NOT NULL REFERENCES key_questions (id),
    briefing_id    INTEGER NOT NULL REFERENCES briefings (id),
    -- The server it was given in (NULL: the console or a direct message).
    guild_id       INTEGER,
    user_id        INTEGER NOT NULL,
    -- The author's display name when they answered (removed by forget-me).
    user_name      TEXT NOT NULL,
    text           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    edited_at      INTEGER,
    -- Removed by a moderator: hidden from members, kept for audit.
    removed_at     INTEGER,
    removed_by     INTEGER,
    removal_reason TEXT
);
CREATE INDEX answers_by_question ON answers (question_id, id);
CREATE INDEX answers_by_briefing ON answers (briefing_id, id);
CREATE INDEX answers_by_user ON answers (user_id);
CREATE INDEX answers_by_time ON answers (created_at);

-- Earlier texts of edited answers.
CREATE TABLE answer_history (
    answer_id   INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    replaced_at INTEGER NOT NULL
);
CREATE INDEX answer_history_by_answer ON answer_history (answer_id);
