-- Briefings, their categories, their key questions and the search index.

CREATE TABLE briefings (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    -- ISO date (YYYY-MM-DD); NULL when the source gives none.
    published    TEXT,
    -- The published date, or the import date when there is none: orders "latest".
    sort_date    TEXT NOT NULL,
    -- The whole briefing as JSON (the domain model), the record of truth.
    content      TEXT NOT NULL,
    -- SHA-256 of `content`: re-importing identical content is a no-op.
    content_hash TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX briefings_latest ON briefings (sort_date DESC, id DESC);

CREATE TABLE briefing_categories (
    briefing_id INTEGER NOT NULL REFERENCES briefings (id) ON DELETE CASCADE,
    category    TEXT NOT NULL COLLATE NOCASE,
    -- The order the author listed them in.
    position    INTEGER NOT NULL,
    PRIMARY KEY (briefing_id, category)
) WITHOUT ROWID;
CREATE INDEX briefing_categories_by_name ON briefing_categories (category, briefing_id);

-- Key questions keep their id for as long as their text is unchanged, because
-- discussion replies point at them. A question dropped by a later version of
-- its briefing is retired (position NULL), never deleted.
CREATE TABLE key_questions (
    id          INTEGER PRIMARY KEY,
    briefing_id INTEGER NOT NULL REFERENCES briefings (id) ON DELETE CASCADE,
    position    INTEGER,
    text        TEXT NOT NULL,
    retired_at  TEXT
);
CREATE UNIQUE INDEX key_questions_current
    ON key_questions (briefing_id, position) WHERE position IS NOT NULL;
CREATE INDEX key_questions_by_briefing ON key_questions (briefing_id);

-- rowid = briefings.id
CREATE VIRTUAL TABLE briefing_search USING fts5 (
    title, highlights, body, questions,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Rank with bm25 weighting a title match most, then highlights, questions,
-- body. Set as FTS5's own rank so ORDER BY rank is sorted inside FTS5.
INSERT INTO briefing_search (briefing_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0, 2.0)');
