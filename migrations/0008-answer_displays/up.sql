-- Where each answer is shown in Discord, so that editing, deleting,
-- removing or forgetting it changes what members see there too. No foreign
-- key to answers: a deleted answer's row stays until its messages are gone.
CREATE TABLE answer_displays (
    answer_id   INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    -- The answer's briefing (kept here too: a forgotten answer is gone).
    briefing_id INTEGER,
    -- The discussion thread; NULL for an answer shown before the bot kept
    -- these rows (its thread is found from the briefing's posts).
    channel_id  INTEGER,
    -- The messages showing it, in order (long answers take two).
    message_ids TEXT NOT NULL DEFAULT '[]',
    -- Shown by an earlier version that kept no message ids: looked for in
    -- its thread by its "Answer #N" footer.
    legacy      INTEGER NOT NULL DEFAULT 0
);

-- Answers already given were shown (or not) by an earlier version.
INSERT INTO answer_displays (answer_id, guild_id, briefing_id, channel_id, legacy)
    SELECT id, guild_id, briefing_id, NULL, 1 FROM answers WHERE guild_id IS NOT NULL;

-- The outbox learns a new origin, 'discussion': showing, changing and
-- removing answers in their threads. (SQLite cannot change a CHECK in place.)
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    origin          TEXT NOT NULL
                    CHECK (origin IN ('schedule', 'subscription', 'run-now', 'notice', 'discussion')),
    schedule_id     INTEGER REFERENCES schedules (id),
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    content         TEXT NOT NULL,
    briefing_id     INTEGER,
    due_at          INTEGER NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'retrying', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    message_ids     TEXT NOT NULL DEFAULT '[]',
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    uncertain_since INTEGER
);
INSERT INTO deliveries_new SELECT id, guild_id, channel_id, origin, schedule_id, subscription_id,
    content, briefing_id, due_at, state, attempts, next_attempt_at, parts_sent, message_ids, reason,
    created_at, updated_at, uncertain_since FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE UNIQUE INDEX deliveries_one_per_run
    ON deliveries (schedule_id, due_at) WHERE origin = 'schedule';
CREATE UNIQUE INDEX deliveries_one_per_briefing
    ON deliveries (subscription_id, briefing_id) WHERE origin = 'subscription';
CREATE INDEX deliveries_open
    ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending', 'retrying');
CREATE INDEX deliveries_channel ON deliveries (channel_id, id);
CREATE INDEX deliveries_guild ON deliveries (guild_id, id);
CREATE INDEX deliveries_briefing ON deliveries (briefing_id) WHERE briefing_id IS NOT NULL;
