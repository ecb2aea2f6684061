//! The discussion's figures for moderators: what members can see (no
//! removed answers; forgotten ones are gone), in one server, in a period.

use rusqlite::params;

use super::{Result, Store};

/// Briefings listed when no briefing is named.
pub const MOST_DISCUSSED: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BriefingStats {
    pub briefing_id: i64,
    pub title: String,
    pub answers: u64,
    pub members: u64,
    /// Unix ms of the first and the latest answer counted.
    pub first: Option<i64>,
    pub latest: Option<i64>,
    /// (question, answers), the questions this server sees, in order.
    pub per_question: Vec<(String, u64)>,
}

/// `?2` and `?3`: the period [from, to) in Unix ms, either open.
const IN_PERIOD: &str = "a.removed_at IS NULL AND (?2 IS NULL OR a.created_at >= ?2) AND (?3 IS NULL OR a.created_at < ?3)";

impl Store {
    /// One briefing's figures in `guild`.
    pub fn briefing_stats(
        &self,
        guild: u64,
        briefing_id: i64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Option<BriefingStats>> {
        let title: Option<String> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT title FROM briefings WHERE id = ?1")?;
            let mut rows = stmt.query_map([briefing_id], |row| row.get(0))?;
            rows.next().transpose()?
        };
        let Some(title) = title else {
            return Ok(None);
        };
        let (answers, members, first, latest): (i64, i64, Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*), count(DISTINCT a.user_id), min(a.created_at), max(a.created_at)
                 FROM answers a WHERE a.guild_id = ?1 AND a.briefing_id = ?4 AND {IN_PERIOD}"
            ))?
            .query_row(params![guild as i64, from, to, briefing_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?;
        let current = super::questions::CURRENT;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT q.text, (SELECT count(*) FROM answers a WHERE a.question_id = q.id AND a.guild_id = ?1 AND {IN_PERIOD}) AS n
             FROM key_questions q
             WHERE q.briefing_id = ?4 AND (q.guild_id IS NULL OR q.guild_id = ?1)
               AND ({current} OR EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND a.guild_id = ?1 AND {IN_PERIOD}))
             ORDER BY q.guild_id IS NOT NULL, q.position IS NULL, q.position, q.id"
        ))?;
        let per_question = stmt
            .query_map(params![guild as i64, from, to, briefing_id], |row| {
                Ok((row.get(0)?, row.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(BriefingStats {
            briefing_id,
            title,
            answers: answers as u64,
            members: members as u64,
            first,
            latest,
            per_question,
        }))
    }

    /// The most-answered briefings in `guild` in the period, most first.
    pub fn most_discussed(
        &self,
        guild: u64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<BriefingStats>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.briefing_id, b.title, count(*) AS n, count(DISTINCT a.user_id), min(a.created_at), max(a.created_at)
             FROM answers a JOIN briefings b ON b.id = a.briefing_id
             WHERE a.guild_id = ?1 AND {IN_PERIOD}
             GROUP BY a.briefing_id ORDER BY n DESC, max(a.created_at) DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![guild as i64, from, to, MOST_DISCUSSED as i64],
            |row| {
                Ok(BriefingStats {
                    briefing_id: row.get(0)?,
                    title: row.get(1)?,
                    answers: row.get::<_, i64>(2)? as u64,
                    members: row.get::<_, i64>(3)? as u64,
                    first: row.get(4)?,
                    latest: row.get(5)?,
                    per_question: Vec::new(),
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
