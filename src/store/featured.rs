//! Featured answers: at most [`MAX_FEATURED`] a question in each server,
//! and what Discord shows of each (the pinned message, or the quote posted
//! where the bot may not pin).

use rusqlite::{params, OptionalExtension};

use super::{Result, Store};

/// Featured answers a question may have in one server.
pub const MAX_FEATURED: usize = 3;

/// Why an answer cannot be featured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureRefusal {
    /// Not an answer of this server, or removed by a moderator.
    NotHere,
    /// Its question already has [`MAX_FEATURED`].
    Full,
}

/// What Discord shows of an answer's feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureShown {
    pub pinned_message: Option<String>,
    pub quote_message: Option<String>,
}

impl Store {
    /// Features (or unfeatures) a visible answer given in `guild`.
    pub fn set_featured(
        &mut self,
        guild: u64,
        answer_id: i64,
        featured: bool,
        now: i64,
    ) -> Result<std::result::Result<(), FeatureRefusal>> {
        let found: Option<(i64, bool)> = self
            .conn
            .prepare_cached(
                "SELECT question_id, featured_at IS NOT NULL FROM answers
                 WHERE id = ?1 AND guild_id = ?2 AND removed_at IS NULL",
            )?
            .query_row(params![answer_id, guild as i64], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let Some((question_id, already)) = found else {
            return Ok(Err(FeatureRefusal::NotHere));
        };
        if featured && !already {
            let count: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM answers
                     WHERE question_id = ?1 AND guild_id = ?2 AND featured_at IS NOT NULL AND removed_at IS NULL",
                )?
                .query_row(params![question_id, guild as i64], |row| row.get(0))?;
            if count as usize >= MAX_FEATURED {
                return Ok(Err(FeatureRefusal::Full));
            }
        }
        self.conn
            .prepare_cached("UPDATE answers SET featured_at = ?2 WHERE id = ?1")?
            .execute(params![answer_id, featured.then_some(now)])?;
        Ok(Ok(()))
    }

    /// Whether an answer should show as featured: featured and visible.
    pub fn is_featured(&self, answer_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT featured_at IS NOT NULL AND removed_at IS NULL FROM answers WHERE id = ?1",
            )?
            .query_row([answer_id], |row| row.get(0))
            .optional()?
            .unwrap_or(false))
    }

    pub fn feature_shown(&self, answer_id: i64) -> Result<FeatureShown> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT pinned_message, quote_message FROM answer_displays WHERE answer_id = ?1",
            )?
            .query_row([answer_id], |row| {
                Ok(FeatureShown {
                    pinned_message: row.get(0)?,
                    quote_message: row.get(1)?,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    pub fn set_feature_shown(&mut self, answer_id: i64, shown: &FeatureShown) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE answer_displays SET pinned_message = ?2, quote_message = ?3 WHERE answer_id = ?1",
            )?
            .execute(params![
                answer_id,
                shown.pinned_message,
                shown.quote_message
            ])?;
        Ok(())
    }

    /// Marks the log channel of `guild` told that the bot may not pin;
    /// true the first time.
    pub fn first_told_cannot_pin(&mut self, guild: u64, now: i64) -> Result<bool> {
        self.conn.execute(
            "INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?1, ?2)",
            params![guild as i64, now],
        )?;
        Ok(self.conn.execute(
            "UPDATE guild_settings SET told_cannot_pin = 1 WHERE guild_id = ?1 AND told_cannot_pin = 0",
            [guild as i64],
        )? > 0)
    }
}
