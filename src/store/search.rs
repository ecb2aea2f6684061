//! Full-text search over title, highlights, body and key questions (FTS5,
//! ranked by bm25).

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, StoreError};

/// Marks the start and end of a matched term inside [`SearchHit::snippet`].
/// Private-use characters, so each adapter can escape the text first and then
/// draw matches its own way (bold in Discord, brackets in a terminal).
pub const MATCH_START: char = '\u{E000}';
pub const MATCH_END: char = '\u{E001}';

/// Column weights for bm25: a title match counts most, then highlights,
/// questions and body.
const RANK: &str = "bm25(briefing_search, 10.0, 4.0, 1.0, 2.0)";

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

/// Replaces the match markers in a snippet with `open` / `close`.
pub fn highlight_snippet(snippet: &str, open: &str, close: &str) -> String {
    snippet
        .replace(MATCH_START, open)
        .replace(MATCH_END, close)
}

/// Turns what a person typed into an FTS5 query: every word must occur, the
/// last one may be a prefix (so it works while typing), and FTS5's own
/// operators in the input are treated as plain words.
pub fn fts_query(input: &str, last_is_prefix: bool) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
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
    /// unfinished. For autocomplete.
    pub fn search_as_you_type(&self, partial: &str, limit: u64) -> Result<Vec<SearchHit>> {
        match fts_query(partial, true) {
            Some(fts) => self.run_search(&fts, limit),
            None => Ok(Vec::new()),
        }
    }

    fn run_search(&self, fts: &str, limit: u64) -> Result<Vec<SearchHit>> {
        let sql = format!(
            "SELECT b.id, b.slug, b.title, b.published,
                    snippet(briefing_search, -1, char(57344), char(57345), '…', 16),
                    {RANK} AS rank
             FROM briefing_search JOIN briefings b ON b.id = briefing_search.rowid
             WHERE briefing_search MATCH ?1
             ORDER BY rank LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![fts, limit as i64], |row| {
            Ok(SearchHit {
                id: row.get(0)?,
                slug: row.get(1)?,
                title: row.get(2)?,
                published: row.get::<_, Option<String>>(3)?.and_then(|d| d.parse().ok()),
                snippet: row.get(4)?,
                rank: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_becomes_a_safe_fts_query() {
        assert_eq!(fts_query("rare earth", false).as_deref(), Some("\"rare\" \"earth\""));
        assert_eq!(fts_query("rare ea", true).as_deref(), Some("\"rare\" \"ea\"*"));
        // FTS5 syntax in the input is only words.
        assert_eq!(fts_query("NEAR(\"x\" OR y)", false).as_deref(), Some("\"NEAR\" \"x\" \"OR\" \"y\""));
        assert_eq!(fts_query("  !!  ", false), None);
    }
}
