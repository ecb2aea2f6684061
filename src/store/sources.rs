//! Sources the bot follows (feeds and article pages), their fetch state,
//! and the articles each has given.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{Result, SaveOutcome, Store, StoreError};
use crate::domain::{Briefing, Canonical};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowedSource {
    pub id: i64,
    pub url: String,
    pub name: Option<String>,
    pub categories: Vec<String>,
    /// Key questions its articles get when they come without any.
    pub questions: Vec<String>,
    pub interval_seconds: i64,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub backfill: i64,
    pub first_success_at: Option<i64>,
    pub last_fetch_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub failures: i64,
    pub last_error: Option<String>,
    pub next_fetch_at: i64,
    pub created_at: i64,
}

impl FollowedSource {
    /// Its name, else its URL.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.url)
    }

    /// Its name, or its address with secrets masked: what logs, the log
    /// channel and moderators see (only the bot's owners see the address).
    pub fn public_label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => crate::domain::text::masked_url(&self.url),
        }
    }

    /// Its address with secrets masked (see [`crate::domain::text::masked_url`]).
    pub fn masked_url(&self) -> String {
        crate::domain::text::masked_url(&self.url)
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewSource {
    pub url: String,
    pub name: Option<String>,
    pub categories: Vec<String>,
    pub interval_seconds: i64,
    pub backfill: i64,
    /// Key questions its articles get when they come without any.
    pub questions: Vec<String>,
}

/// What one fetch came to, for the source's state.
#[derive(Debug, Clone)]
pub enum FetchRecord {
    /// Fetched (or 304): validators for the next conditional request.
    Success {
        etag: Option<String>,
        last_modified: Option<String>,
        next_fetch_at: i64,
    },
    Failure {
        error: String,
        next_fetch_at: i64,
    },
}

/// An article a source gave before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownArticle {
    pub briefing_id: Option<i64>,
    pub fingerprint: Option<String>,
}

const COLUMNS: &str =
    "id, url, name, categories, interval_seconds, enabled, disabled_reason, backfill,
    first_success_at, last_fetch_at, last_success_at, etag, last_modified, failures, last_error,
    next_fetch_at, created_at, default_questions";

fn read(row: &Row<'_>) -> rusqlite::Result<FollowedSource> {
    Ok(FollowedSource {
        id: row.get(0)?,
        url: row.get(1)?,
        name: row.get(2)?,
        categories: super::json_column(row, 3)?,
        interval_seconds: row.get(4)?,
        enabled: row.get(5)?,
        disabled_reason: row.get(6)?,
        backfill: row.get(7)?,
        first_success_at: row.get(8)?,
        last_fetch_at: row.get(9)?,
        last_success_at: row.get(10)?,
        etag: row.get(11)?,
        last_modified: row.get(12)?,
        failures: row.get(13)?,
        last_error: row.get(14)?,
        next_fetch_at: row.get(15)?,
        created_at: row.get(16)?,
        questions: super::json_column(row, 17)?,
    })
}

impl Store {
    /// Adds a source, due one interval from `now` (whoever adds it fetches
    /// it at once). A URL followed already is refused.
    pub fn add_source(&mut self, new: &NewSource, now: i64) -> Result<FollowedSource> {
        if let Some(existing) = self.source_by_url(&new.url)? {
            return Err(StoreError::Refused(format!(
                "{} is followed already, as source {}",
                new.url, existing.id
            )));
        }
        let categories = serde_json::to_string(&new.categories).expect("strings serialise");
        let questions = serde_json::to_string(&new.questions).expect("strings serialise");
        self.conn.execute(
            "INSERT INTO sources (url, name, categories, interval_seconds, backfill, next_fetch_at, created_at, default_questions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.url,
                new.name,
                categories,
                new.interval_seconds,
                new.backfill,
                now + new.interval_seconds * 1000,
                now,
                questions
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok(self.source(id)?.expect("the source was just written"))
    }

    pub fn source(&self, id: i64) -> Result<Option<FollowedSource>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE id = ?1"))?
            .query_row([id], read)
            .optional()?)
    }

    pub fn source_by_url(&self, url: &str) -> Result<Option<FollowedSource>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sources WHERE url = ?1"))?
            .query_row([url], read)
            .optional()?)
    }

    pub fn sources(&self) -> Result<Vec<FollowedSource>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM sources ORDER BY id"))?;
        let rows = stmt.query_map([], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Enabled sources due by `now` (every enabled one with `all`), the
    /// longest-waiting first.
    pub fn due_sources(&self, now: i64, all: bool, limit: u64) -> Result<Vec<FollowedSource>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM sources WHERE enabled = 1 AND (?2 OR next_fetch_at <= ?1)
             ORDER BY next_fetch_at, id LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![now, all, super::clamp(limit)], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next enabled source is due, if any is.
    pub fn next_source_due(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT min(next_fetch_at) FROM sources WHERE enabled = 1")?
            .query_row([], |row| row.get(0))?)
    }

    /// Names a source that has no name (with its site's, once known).
    pub fn name_source_if_unnamed(&mut self, id: i64, name: &str) -> Result<()> {
        let name: String = name.chars().take(100).collect();
        self.conn.execute(
            "UPDATE sources SET name = ?2 WHERE id = ?1 AND name IS NULL",
            params![id, name],
        )?;
        Ok(())
    }

    /// Keeps a source's icon (an http(s) address from its feed), replacing
    /// an older one.
    pub fn set_source_icon(&mut self, id: i64, icon_url: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE sources SET icon_url = ?2 WHERE id = ?1 AND icon_url IS NOT ?2",
            params![id, icon_url],
        )?;
        Ok(())
    }

    /// The name and icon of the source briefing `briefing_id` came from,
    /// if it came from a followed source.
    pub fn publisher_of(
        &self,
        briefing_id: i64,
    ) -> Result<Option<(Option<String>, Option<String>)>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT s.name, s.icon_url FROM source_articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.briefing_id = ?1 ORDER BY a.first_seen LIMIT 1",
            )?
            .query_row(params![briefing_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// Removes a source; its briefings stay in the library.
    pub fn remove_source(&mut self, id: i64) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM sources WHERE id = ?1", [id])?
            > 0)
    }

    /// Enabling clears the failures and makes the source due at once;
    /// disabling keeps `reason` for the list.
    pub fn set_source_enabled(
        &mut self,
        id: i64,
        enabled: bool,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let changed = if enabled {
            self.conn.execute(
                "UPDATE sources SET enabled = 1, disabled_reason = NULL, failures = 0,
                     last_error = NULL, next_fetch_at = ?2 WHERE id = ?1",
                params![id, now],
            )?
        } else {
            self.conn.execute(
                "UPDATE sources SET enabled = 0, disabled_reason = ?2 WHERE id = ?1",
                params![id, reason],
            )?
        };
        Ok(changed > 0)
    }

    /// Records a fetch; returns the source's consecutive failures after it.
    pub fn record_fetch(&mut self, id: i64, record: &FetchRecord, now: i64) -> Result<i64> {
        match record {
            FetchRecord::Success {
                etag,
                last_modified,
                next_fetch_at,
            } => {
                self.conn.execute(
                    "UPDATE sources SET last_fetch_at = ?2, last_success_at = ?2,
                         first_success_at = coalesce(first_success_at, ?2),
                         etag = ?3, last_modified = ?4, failures = 0, last_error = NULL,
                         next_fetch_at = ?5
                     WHERE id = ?1",
                    params![id, now, etag, last_modified, next_fetch_at],
                )?;
                Ok(0)
            }
            FetchRecord::Failure {
                error,
                next_fetch_at,
            } => Ok(self.conn.query_row(
                "UPDATE sources SET last_fetch_at = ?2, failures = failures + 1,
                     last_error = ?3, next_fetch_at = ?4
                 WHERE id = ?1 RETURNING failures",
                params![id, now, error, next_fetch_at],
                |row| row.get(0),
            )?),
        }
    }

    pub fn known_article(&self, source_id: i64, guid: &str) -> Result<Option<KnownArticle>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT a.briefing_id, a.fingerprint FROM source_articles a
                 WHERE a.source_id = ?1 AND a.guid = ?2",
            )?
            .query_row(params![source_id, guid], |row| {
                Ok(KnownArticle {
                    briefing_id: row.get(0)?,
                    fingerprint: row.get(1)?,
                })
            })
            .optional()?)
    }

    /// Saves an article's briefing and remembers it under its guid, in one
    /// transaction. An article seen before updates its own briefing (same
    /// id, unchanged questions keep theirs) whatever its title became; a new
    /// one whose slug belongs to another article gets the next free slug.
    /// `announce` false: imported without being posted. Returns whether it
    /// is to be posted, as first decided (an article remembered unread on a
    /// source's first fetch stays backlog).
    #[allow(clippy::too_many_arguments)]
    pub fn save_article(
        &mut self,
        source_id: i64,
        guid: &str,
        url: Option<&str>,
        fingerprint: &str,
        briefing: &Briefing,
        announce: bool,
        now: i64,
    ) -> Result<(SaveOutcome, i64, bool)> {
        self.in_transaction(|store| {
            let mut briefing = briefing.clone();
            let known = store.known_article(source_id, guid)?;
            let own_slug = match known.as_ref().and_then(|k| k.briefing_id) {
                Some(id) => store.slug_of(id)?,
                None => None,
            };
            match own_slug {
                Some(slug) => briefing.slug = slug,
                None => briefing.slug = store.free_slug(&briefing)?,
            }
            let canonical: Canonical = briefing.canonical();
            let (outcome, id) = store.save_unguarded(&briefing, &canonical)?;
            store.conn.execute(
                "INSERT INTO source_articles (source_id, guid, url, briefing_id, fingerprint, announce, first_seen, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                 ON CONFLICT (source_id, guid) DO UPDATE SET
                     url = excluded.url, briefing_id = excluded.briefing_id,
                     fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
                params![source_id, guid, url, id, fingerprint, announce, now],
            )?;
            let announced = store.conn.query_row(
                "SELECT announce FROM source_articles WHERE source_id = ?1 AND guid = ?2",
                params![source_id, guid],
                |row| row.get(0),
            )?;
            Ok((outcome, id, announced))
        })
    }

    /// Remembers an article listed but not read yet, so that whether it is
    /// posted (`announce`) is decided by when it was first listed.
    pub fn remember_article(
        &mut self,
        source_id: i64,
        guid: &str,
        url: Option<&str>,
        announce: bool,
        now: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO source_articles (source_id, guid, url, announce, first_seen, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![source_id, guid, url, announce, now],
        )?;
        Ok(())
    }

    fn slug_of(&self, briefing_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT slug FROM briefings WHERE id = ?1")?
            .query_row([briefing_id], |row| row.get(0))
            .optional()?)
    }

    /// The briefing's slug when it is free, or names the same article (the
    /// same source URL, as when its capture was imported by hand first);
    /// else the slug with the first free `-2`, `-3` ... suffix.
    fn free_slug(&self, briefing: &Briefing) -> Result<String> {
        let mut candidate = briefing.slug.clone();
        for n in 2..1_000 {
            let taken: Option<String> = self
                .conn
                .prepare_cached(
                    "SELECT json_extract(content, '$.source.url') FROM briefings WHERE slug = ?1",
                )?
                .query_row([&candidate], |row| row.get(0))
                .optional()?
                .map(|url: Option<String>| url.unwrap_or_default());
            match taken {
                None => return Ok(candidate),
                Some(url) if briefing.source.url.as_deref() == Some(url.as_str()) => {
                    return Ok(candidate)
                }
                Some(_) => candidate = format!("{}-{n}", briefing.slug),
            }
        }
        Err(StoreError::Refused(format!(
            "no free slug for '{}'",
            briefing.slug
        )))
    }

    /// Log channels of the servers with a subscription that receives this
    /// source's briefings: (guild, channel).
    pub fn log_channels_receiving(&self, source_id: i64) -> Result<Vec<(u64, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT g.guild_id, g.log_channel_id FROM subscriptions s
             JOIN guild_settings g ON g.guild_id = s.guild_id
             WHERE g.log_channel_id IS NOT NULL
               AND (s.sources = '[]' OR EXISTS (SELECT 1 FROM json_each(s.sources) WHERE value = ?1))
             ORDER BY g.guild_id",
        )?;
        let rows = stmt.query_map([source_id], |row| {
            Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
