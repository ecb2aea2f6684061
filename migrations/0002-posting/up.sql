-- Posting: per-server settings, channel subscriptions, schedules, and the
-- delivery outbox. Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    -- IANA name; schedules without a zone of their own use it.
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    -- Members with this role are moderators too (besides Manage Server).
    moderator_role_id INTEGER,
    -- Where the bot reports paused schedules and failed deliveries.
    log_channel_id    INTEGER,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL UNIQUE,
    -- JSON array of category names; empty means every briefing.
    categories        TEXT NOT NULL DEFAULT '[]',
    -- Briefings with a larger id are new to this subscription. Set to the
    -- newest id when subscribing, so the library is not replayed.
    after_briefing_id INTEGER NOT NULL,
    paused_reason     TEXT,
    created_by        INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    repeat        TEXT NOT NULL CHECK (repeat IN ('once', 'daily', 'weekly', 'cron')),
    -- The rule's canonical text (see domain::schedule::Rule).
    rule          TEXT NOT NULL,
    -- NULL: the server's time zone at each run.
    timezone      TEXT,
    content       TEXT NOT NULL CHECK (content IN ('briefing', 'next', 'digest')),
    briefing_id   INTEGER REFERENCES briefings (id),
    digest_size   INTEGER,
    -- The next run; NULL once a one-off has run or the schedule is over.
    next_run_at   INTEGER,
    state         TEXT NOT NULL DEFAULT 'active'
                  CHECK (state IN ('active', 'paused', 'done', 'cancelled')),
    paused_reason TEXT,
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE state = 'active';
CREATE INDEX schedules_guild ON schedules (guild_id, id);

-- The outbox: a row is written before anything is sent, and each change of
-- state is its own transaction, so a crash loses nothing and the nonce makes
-- a resend after a crash harmless.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('schedule', 'subscription', 'run-now', 'notice')),
    schedule_id     INTEGER REFERENCES schedules (id),
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    -- What to post, as JSON: {"briefing": id} | {"digest": [ids]} | {"notice": text}
    content         TEXT NOT NULL,
    -- The briefing posted, when it is one (answers "posted to this channel yet?").
    briefing_id     INTEGER,
    due_at          INTEGER NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'sending', 'retrying', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- Messages of a long post already delivered; a resend continues after them.
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    message_ids     TEXT NOT NULL DEFAULT '[]',
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX deliveries_one_per_run
    ON deliveries (schedule_id, due_at) WHERE origin = 'schedule';
CREATE UNIQUE INDEX deliveries_one_per_briefing
    ON deliveries (subscription_id, briefing_id) WHERE origin = 'subscription';
CREATE INDEX deliveries_open
    ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending', 'retrying');
CREATE INDEX deliveries_channel ON deliveries (channel_id, id);
CREATE INDEX deliveries_guild ON deliveries (guild_id, id);
