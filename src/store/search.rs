//! Full-text search over title, highlights, body and key questions (FTS5,
//! ranked by bm25).

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{clamp, Result, Store, StoreError};

/// Marks the start and end of a matched term inside [`SearchHit::snippet`].
/// Private-use characters, so each adapter can escape the text first and then
/// draw matches its own way (bold in Discord, brackets in a terminal).
pub const MATCH_START: char = '\u{E000}';
pub const MATCH_END: char = '\u{E001}';

/// Words of a query that are searched for; the rest are ignored. FTS5's
/// cost grows faster than linearly with the number of terms, so a pasted
/// essay must not become a thousand-term query.
pub const MAX_QUERY_WORDS: usize = 12;

/// The most matches a search ranks by relevance; beyond it, the newest this
/// many are ranked (see `run_search`).
pub const RANKED_MATCHES: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub published: Option<NaiveDate>,
    /// A short excerpt around the best match, with [`MATCH_START`] /
    /// [`MATCH_END`] around the matched terms.
    pub snippet: String,
    /// bm25 score: lower is a better match.
    pub rank: f64,
}

/// A briefing suggested while a member types: its id and title.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub id: i64,
    pub title: String,
}

/// Replaces the match markers in a snippet with `open` / `close`.
pub fn highlight_snippet(snippet: &str, open: &str, close: &str) -> String {
    snippet.replace(MATCH_START, open).replace(MATCH_END, close)
}

/// Turns what a person typed into an FTS5 query: every word must occur, the
/// last one may be a prefix (so it works while typing), and FTS5's own
/// operators in the input are treated as plain words.
pub fn fts_query(input: &str, last_is_prefix: bool) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_WORDS)
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                if i == last && last_is_prefix {
                    format!("\"{word}\"*")
                } else {
                    format!("\"{word}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

impl Store {
    /// Best matches for `query`, best first.
    pub fn search(&self, query: &str, limit: u64) -> Result<Vec<SearchHit>> {
        let fts = fts_query(query, false).ok_or(StoreError::EmptyQuery)?;
        self.run_search(&fts, limit)
    }

    /// Ranked matches while the person is still typing: the last word may be
    /// unfinished. For autocomplete, so titles only: a snippet needs the
    /// match run again for each hit, which for a short prefix (every word
    /// starting "pen") costs as much as the search itself.
    pub fn search_as_you_type(&self, partial: &str, limit: u64) -> Result<Vec<Suggestion>> {
        let Some(fts) = fts_query(partial, true) else {
            return Ok(Vec::new());
        };
        // Titles first (a title match ranked first before too, weighted
        // ten to one); other briefings where the words are only in the text
        // after them, when titles alone do not fill the list.
        let mut found = self.ranked_in("briefing_titles", &fts, limit)?;
        if (found.len() as u64) < limit {
            let more = self.ranked_in("briefing_search", &fts, limit)?;
            for hit in more {
                if (found.len() as u64) == limit {
                    break;
                }
                if !found.iter().any(|(id, _)| *id == hit.0) {
                    found.push(hit);
                }
            }
        }
        let mut title = self
            .conn
            .prepare_cached("SELECT title FROM briefings WHERE id = ?1")?;
        found
            .into_iter()
            .map(|(id, _)| {
                Ok(Suggestion {
                    id,
                    title: title.query_row([id], |row| row.get(0))?,
                })
            })
            .collect()
    }

    /// A briefing by id or slug, else the best title match for what was
    /// typed (what a member types into a briefing option).
    pub fn lookup_briefing(&self, typed: &str) -> Result<Option<super::StoredBriefing>> {
        if let Some(found) = self.find_briefing(typed)? {
            return Ok(Some(found));
        }
        match self.search_as_you_type(typed, 1)?.first() {
            Some(hit) => self.briefing_by_id(hit.id),
            None => Ok(None),
        }
    }

    fn run_search(&self, fts: &str, limit: u64) -> Result<Vec<SearchHit>> {
        // Rank first, then build snippets for the winners only: SQLite would
        // otherwise compute a snippet for every match before sorting.
        let ranked = self.ranked(fts, limit)?;
        let mut details = self.conn.prepare_cached(
            "SELECT b.slug, b.title, b.published,
                    snippet(briefing_search, -1, char(57344), char(57345), '…', 16)
             FROM briefing_search JOIN briefings b ON b.id = briefing_search.rowid
             WHERE briefing_search MATCH ?1 AND briefing_search.rowid = ?2",
        )?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (id, rank) in ranked {
            let hit = details.query_row(params![fts, id], |row| {
                Ok(SearchHit {
                    id,
                    slug: row.get(0)?,
                    title: row.get(1)?,
                    published: row
                        .get::<_, Option<String>>(2)?
                        .and_then(|d| d.parse().ok()),
                    snippet: row.get(3)?,
                    rank,
                })
            })?;
            hits.push(hit);
        }
        Ok(hits)
    }

    /// The best `limit` matches of `fts` as (id, rank), best first.
    fn ranked(&self, fts: &str, limit: u64) -> Result<Vec<(i64, f64)>> {
        self.ranked_in("briefing_search", fts, limit)
    }

    /// [`Store::ranked`] in one of the two indexes (`briefing_search`, the
    /// whole briefing; `briefing_titles`, titles alone).
    fn ranked_in(&self, index: &'static str, fts: &str, limit: u64) -> Result<Vec<(i64, f64)>> {
        // bm25 scores every match, so a word found in most briefings would
        // cost time in proportion to the library. Past RANKED_MATCHES, rank
        // only the newest ones: finding where they start is a walk down the
        // index in id order, with no scoring.
        let oldest_ranked: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT rowid FROM {index} WHERE {index} MATCH ?1
                 ORDER BY rowid DESC LIMIT 1 OFFSET ?2"
            ))?
            .query_row(params![fts, RANKED_MATCHES], |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        let ranked = self
            .conn
            .prepare_cached(&format!(
                "SELECT rowid, rank FROM {index}
                 WHERE {index} MATCH ?1 AND rowid > ?3
                 ORDER BY rank LIMIT ?2"
            ))?
            .query_map(params![fts, clamp(limit), oldest_ranked], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_becomes_a_safe_fts_query() {
        assert_eq!(
            fts_query("rare earth", false).as_deref(),
            Some("\"rare\" \"earth\"")
        );
        assert_eq!(
            fts_query("rare ea", true).as_deref(),
            Some("\"rare\" \"ea\"*")
        );
        // FTS5 syntax in the input is only words.
        assert_eq!(
            fts_query("NEAR(\"x\" OR y)", false).as_deref(),
            Some("\"NEAR\" \"x\" \"OR\" \"y\"")
        );
        assert_eq!(fts_query("  !!  ", false), None);
        let essay = "word ".repeat(5_000);
        let query = fts_query(&essay, true).unwrap();
        assert_eq!(query.matches("\"word\"").count(), MAX_QUERY_WORDS);
    }
}
