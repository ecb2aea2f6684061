-- Publishers' feeds and article pages the bot follows, the articles each
-- has given, and subscriptions filtered by source. Times are milliseconds
-- since the Unix epoch, UTC.

CREATE TABLE sources (
    id                INTEGER PRIMARY KEY,
    url               TEXT NOT NULL UNIQUE,
    name              TEXT,
    -- JSON array of categories added to every article of this source.
    categories        TEXT NOT NULL DEFAULT '[]',
    interval_seconds  INTEGER NOT NULL,
    enabled           INTEGER NOT NULL DEFAULT 1,
    -- Why it was disabled (by the failure limit, or by an operator).
    disabled_reason   TEXT,
    -- How many of the newest articles the first fetch posts (0: none).
    backfill          INTEGER NOT NULL DEFAULT 0,
    -- NULL until the first successful fetch (whose articles are not posted).
    first_success_at  INTEGER,
    last_fetch_at     INTEGER,
    last_success_at   INTEGER,
    etag              TEXT,
    last_modified     TEXT,
    failures          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    next_fetch_at     INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX sources_due ON sources (next_fetch_at) WHERE enabled = 1;

-- One row per article a source has given, by its feed guid (else its URL).
CREATE TABLE source_articles (
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    guid         TEXT NOT NULL,
    url          TEXT,
    briefing_id  INTEGER REFERENCES briefings (id) ON DELETE SET NULL,
    -- The feed item's fingerprint when it was last read: unchanged items are
    -- not fetched again.
    fingerprint  TEXT,
    -- 0: imported without posting (the backlog a new source lists).
    announce     INTEGER NOT NULL DEFAULT 1,
    first_seen   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (source_id, guid)
);
CREATE INDEX source_articles_briefing ON source_articles (briefing_id);

-- JSON array of source ids; empty means briefings from anywhere.
ALTER TABLE subscriptions ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
