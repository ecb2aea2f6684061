//! The briefings table, its categories and key questions.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{clamp, Result, Store, StoreError};
use crate::domain::{Briefing, Canonical};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyQuestion {
    pub id: i64,
    pub text: String,
}

/// A briefing as stored: its id, the ids of its current key questions and
/// when it arrived.
/// How much the library holds (schedules: active or paused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holdings {
    pub briefings: u64,
    pub subscriptions: u64,
    pub schedules: u64,
    pub sources: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBriefing {
    pub id: i64,
    pub briefing: Briefing,
    pub questions: Vec<KeyQuestion>,
    pub imported_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefingSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub published: Option<NaiveDate>,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListPage {
    pub items: Vec<BriefingSummary>,
    /// How many briefings match in all, across every page.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SaveOutcome {
    Imported,
    Updated,
    Unchanged,
}

/// `?1` is a category (any case) or NULL for all briefings.
const IN_CATEGORY: &str =
    "(?1 IS NULL OR id IN (SELECT briefing_id FROM briefing_categories WHERE category = ?1))";

fn normalise_category(category: Option<&str>) -> Option<&str> {
    category.map(str::trim).filter(|c| !c.is_empty())
}

impl Store {
    /// Stores a briefing by slug: new ones are inserted, identical ones left
    /// alone, changed ones updated in place keeping the ids of unchanged key
    /// questions.
    pub fn save_briefing(&mut self, briefing: &Briefing) -> Result<(SaveOutcome, i64)> {
        self.save_canonical(briefing, &briefing.canonical())
    }

    /// [`Self::save_briefing`] with the canonical form already computed.
    pub fn save_canonical(
        &mut self,
        briefing: &Briefing,
        canonical: &Canonical,
    ) -> Result<(SaveOutcome, i64)> {
        self.in_savepoint(|store| store.save_unguarded(briefing, canonical))
    }

    /// Saves without a savepoint of its own, for bulk loads: a failure can
    /// leave part of this briefing written, so the caller must be inside a
    /// transaction it rolls back on error. (Each savepoint makes FTS5 flush
    /// its pending index to disk, which costs more than the rest of a save.)
    pub fn save_unguarded(
        &mut self,
        briefing: &Briefing,
        canonical: &Canonical,
    ) -> Result<(SaveOutcome, i64)> {
        let Canonical { json, hash } = canonical;
        let existing: Option<(i64, String)> = self
            .conn
            .prepare_cached("SELECT id, content_hash FROM briefings WHERE slug = ?1")?
            .query_row([&briefing.slug], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let now = Utc::now().to_rfc3339();
        let published = briefing.published.map(|d| d.to_string());
        let (outcome, id) = match existing {
            Some((id, old_hash)) if old_hash == *hash => return Ok((SaveOutcome::Unchanged, id)),
            Some((id, _)) => {
                self.conn.execute(
                    "UPDATE briefings SET title = ?2, published = ?3,
                         sort_date = COALESCE(?3, substr(imported_at, 1, 10)),
                         content = ?4, content_hash = ?5, updated_at = ?6
                     WHERE id = ?1",
                    params![id, briefing.title, published, json, hash, now],
                )?;
                self.conn.execute(
                    "DELETE FROM briefing_categories WHERE briefing_id = ?1",
                    [id],
                )?;
                self.conn
                    .execute("DELETE FROM briefing_search WHERE rowid = ?1", [id])?;
                (SaveOutcome::Updated, id)
            }
            None => {
                self.conn.prepare_cached(
                    "INSERT INTO briefings
                         (slug, title, published, sort_date, content, content_hash, imported_at, updated_at)
                     VALUES (?1, ?2, ?3, COALESCE(?3, substr(?6, 1, 10)), ?4, ?5, ?6, ?6)",
                )?
                .execute(params![briefing.slug, briefing.title, published, json, hash, now])?;
                (SaveOutcome::Imported, self.conn.last_insert_rowid())
            }
        };
        {
            let mut insert = self.conn.prepare_cached(
                "INSERT OR IGNORE INTO briefing_categories (briefing_id, category, position)
                 VALUES (?1, ?2, ?3)",
            )?;
            for (position, category) in briefing.categories.iter().enumerate() {
                insert.execute(params![id, category, position as i64])?;
            }
        }
        if outcome == SaveOutcome::Imported {
            self.insert_questions(id, &briefing.key_questions)?;
        } else {
            self.reconcile_questions(id, &briefing.key_questions, &now)?;
        }
        self.index_for_search(id, briefing)?;
        Ok((outcome, id))
    }

    fn insert_questions(&mut self, briefing_id: i64, texts: &[String]) -> Result<()> {
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO key_questions (briefing_id, position, text) VALUES (?1, ?2, ?3)",
        )?;
        for (position, text) in texts.iter().enumerate() {
            insert.execute(params![briefing_id, position as i64, text])?;
        }
        Ok(())
    }

    /// Points the briefing's question positions at `texts`, reusing the id of
    /// any question whose text is unchanged and retiring the ones that left.
    fn reconcile_questions(&mut self, briefing_id: i64, texts: &[String], now: &str) -> Result<()> {
        let mut known: Vec<(i64, String, bool)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, text, position IS NOT NULL FROM key_questions
                 WHERE briefing_id = ?1 AND guild_id IS NULL ORDER BY position IS NULL, position, id",
            )?;
            let rows = stmt.query_map([briefing_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.conn.execute(
            "UPDATE key_questions SET position = NULL WHERE briefing_id = ?1 AND position IS NOT NULL",
            [briefing_id],
        )?;
        for (position, text) in texts.iter().enumerate() {
            let reused = known.iter().position(|(_, old, _)| old == text);
            match reused {
                Some(index) => {
                    let (id, _, _) = known.remove(index);
                    self.conn.execute(
                        "UPDATE key_questions SET position = ?2, retired_at = NULL WHERE id = ?1",
                        params![id, position as i64],
                    )?;
                }
                None => {
                    self.conn.execute(
                        "INSERT INTO key_questions (briefing_id, position, text) VALUES (?1, ?2, ?3)",
                        params![briefing_id, position as i64, text],
                    )?;
                }
            }
        }
        for (id, _, was_current) in known {
            if was_current {
                self.conn.execute(
                    "UPDATE key_questions SET retired_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
            }
        }
        Ok(())
    }

    fn index_for_search(&mut self, id: i64, briefing: &Briefing) -> Result<()> {
        let body: Vec<&str> = briefing
            .body
            .iter()
            .flat_map(|b| b.heading.as_deref().into_iter().chain([b.text.as_str()]))
            .chain(briefing.implications.iter().flat_map(|t| {
                t.rows
                    .iter()
                    .flat_map(|r| [r.heading.as_str(), r.summary.as_str()])
            }))
            .chain(briefing.closing.as_deref())
            .collect();
        self.conn
            .prepare_cached(
                "INSERT INTO briefing_search (rowid, title, highlights, body, questions)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                id,
                briefing.title,
                briefing.highlights.join("\n"),
                body.join("\n"),
                briefing.key_questions.join("\n"),
            ])?;
        Ok(())
    }

    pub fn briefing_count(&self) -> Result<u64> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM briefings", [], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// What the library holds, across every server, for the start-up log.
    pub fn holdings(&self) -> Result<Holdings> {
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(n as u64)
        };
        Ok(Holdings {
            briefings: count("SELECT count(*) FROM briefings")?,
            subscriptions: count("SELECT count(*) FROM subscriptions")?,
            schedules: count("SELECT count(*) FROM schedules WHERE state IN ('active', 'paused')")?,
            sources: count("SELECT count(*) FROM sources")?,
        })
    }

    /// A briefing by numeric id or by slug (an all-digit slug still works
    /// when no briefing has that id).
    pub fn find_briefing(&self, key: &str) -> Result<Option<StoredBriefing>> {
        let key = key.trim();
        if let Ok(id) = key.parse::<i64>() {
            if let Some(found) = self.briefing_by_id(id)? {
                return Ok(Some(found));
            }
        }
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM briefings WHERE slug = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?;
        match id {
            Some(id) => self.briefing_by_id(id),
            None => Ok(None),
        }
    }

    /// The stored copy of the article `briefing` reads: the same slug and
    /// the same source address (another article with the same title is not
    /// it).
    pub fn find_article(&self, briefing: &Briefing) -> Result<Option<StoredBriefing>> {
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM briefings WHERE slug = ?1")?
            .query_row([&briefing.slug], |row| row.get(0))
            .optional()?;
        Ok(match id {
            Some(id) => self
                .briefing_by_id(id)?
                .filter(|stored| stored.briefing.source.url == briefing.source.url),
            None => None,
        })
    }

    pub fn briefing_by_id(&self, id: i64) -> Result<Option<StoredBriefing>> {
        let row: Option<(String, String, String)> = self
            .conn
            .prepare_cached("SELECT content, imported_at, updated_at FROM briefings WHERE id = ?1")?
            .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        let Some((content, imported_at, updated_at)) = row else {
            return Ok(None);
        };
        let briefing: Briefing =
            serde_json::from_str(&content).map_err(|source| StoreError::Corrupt { id, source })?;
        let questions = self
            .conn
            .prepare_cached(
                "SELECT id, text FROM key_questions
                 WHERE briefing_id = ?1 AND position IS NOT NULL ORDER BY position",
            )?
            .query_map([id], |row| {
                Ok(KeyQuestion {
                    id: row.get(0)?,
                    text: row.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(StoredBriefing {
            id,
            briefing,
            questions,
            imported_at,
            updated_at,
        }))
    }

    /// The newest briefing (by published date, else import date), optionally
    /// within a category.
    pub fn latest_briefing(&self, category: Option<&str>) -> Result<Option<StoredBriefing>> {
        match self.page(category, 0, 1)?.first() {
            Some(summary) => self.briefing_by_id(summary.id),
            None => Ok(None),
        }
    }

    /// One page of briefings, newest first, and how many match in all.
    pub fn list_briefings(
        &self,
        category: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<ListPage> {
        let total: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM briefings WHERE {IN_CATEGORY}"
            ))?
            .query_row([normalise_category(category)], |row| row.get(0))?;
        Ok(ListPage {
            items: self.page(category, offset, limit)?,
            total: total as u64,
        })
    }

    /// The briefings of one page with their categories, in one query.
    fn page(
        &self,
        category: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<BriefingSummary>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, slug, title, published,
                    (SELECT group_concat(category, char(31) ORDER BY position)
                     FROM briefing_categories WHERE briefing_id = briefings.id)
             FROM briefings WHERE {IN_CATEGORY}
             ORDER BY sort_date DESC, id DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt.query_map(
            params![normalise_category(category), clamp(limit), clamp(offset)],
            |row| {
                let categories: Option<String> = row.get(4)?;
                Ok(BriefingSummary {
                    id: row.get(0)?,
                    slug: row.get(1)?,
                    title: row.get(2)?,
                    published: row
                        .get::<_, Option<String>>(3)?
                        .map(|d| {
                            d.parse().map_err(|e: chrono::ParseError| {
                                super::unreadable(3, rusqlite::types::Type::Text, e)
                            })
                        })
                        .transpose()?,
                    categories: categories
                        .map(|c| c.split('\u{1f}').map(str::to_string).collect())
                        .unwrap_or_default(),
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every category with the number of briefings in it, largest first.
    pub fn categories(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT min(category), count(*) FROM briefing_categories
             GROUP BY category ORDER BY count(*) DESC, category",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
