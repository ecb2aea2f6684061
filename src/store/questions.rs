//! Key questions beyond those a briefing came with: the ones a server's
//! moderators add. A shared question (guild_id NULL) has a position while
//! it is current; a server's question has none and is current until it is
//! retired. Every query that lists questions for someone names their server.

use rusqlite::{params, OptionalExtension};

use super::{QuestionCount, Result, Room, Store};
use crate::domain::bounds::{MAX_QUESTION, MAX_QUESTIONS};
use crate::store::KeyQuestion;

/// Current, as SQL over `key_questions` aliased `q`.
pub(super) const CURRENT: &str =
    "(q.position IS NOT NULL OR (q.guild_id IS NOT NULL AND q.retired_at IS NULL))";

/// Seen from server `?n` (NULL: a direct message or the operator, who see
/// the shared questions only).
pub(super) fn visible_from(n: usize) -> String {
    format!("(q.guild_id IS NULL OR q.guild_id = ?{n})")
}

/// Characters a moderator's question may have.
pub const MAX_ADDED_QUESTION: usize = 300;

/// One question as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    pub id: i64,
    pub briefing_id: i64,
    pub text: String,
    pub current: bool,
    /// The server whose moderators added it; `None`: it came with the
    /// briefing.
    pub guild_id: Option<u64>,
}

/// Where a briefing was posted in a server: the post's channel and first
/// message (a thread opened on it has that message's id), and whether it
/// is a forum post (the post is its own thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPlace {
    pub channel_id: u64,
    pub thread_id: u64,
    pub forum: bool,
}

/// Why a moderator's question was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionRefusal {
    Full,
    Duplicate,
    NoBriefing,
}

impl Store {
    pub fn question(&self, question_id: i64) -> Result<Option<QuestionRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT q.id, q.briefing_id, q.text, {CURRENT}, q.guild_id FROM key_questions q WHERE q.id = ?1"
            ))?
            .query_row([question_id], |row| {
                Ok(QuestionRow {
                    id: row.get(0)?,
                    briefing_id: row.get(1)?,
                    text: row.get(2)?,
                    current: row.get(3)?,
                    guild_id: row.get::<_, Option<i64>>(4)?.map(|g| g as u64),
                })
            })
            .optional()?)
    }

    /// The questions of a briefing seen from `guild`, retired ones too,
    /// with whether each is current: the shared ones in the briefing's
    /// order, then the server's own in the order they were added.
    pub fn question_history(
        &self,
        briefing_id: i64,
        guild: Option<u64>,
    ) -> Result<Vec<(KeyQuestion, bool)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT q.id, q.text, {CURRENT} FROM key_questions q
             WHERE q.briefing_id = ?1 AND {}
             ORDER BY q.guild_id IS NOT NULL, q.position IS NULL, q.position, q.id",
            visible_from(2)
        ))?;
        let rows = stmt.query_map(params![briefing_id, guild.map(|g| g as i64)], |row| {
            Ok((
                KeyQuestion {
                    id: row.get(0)?,
                    text: row.get(1)?,
                },
                row.get(2)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every question of a briefing (current first, then retired ones that
    /// have answers in `room`) with its count of visible answers in `room`.
    pub fn question_counts(&self, room: Room, briefing_id: i64) -> Result<Vec<QuestionCount>> {
        let in_room = room.sql("a", 2);
        let current = CURRENT;
        let visible = visible_from(3);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT q.id, q.position, q.text,
                    (SELECT count(*) FROM answers a WHERE a.question_id = q.id AND a.removed_at IS NULL AND {in_room}) AS n,
                    {current}, q.guild_id IS NOT NULL
             FROM key_questions q WHERE q.briefing_id = ?1 AND {visible}
               AND ({current} OR EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND {in_room}))
             ORDER BY NOT {current}, q.guild_id IS NOT NULL, q.position, q.id"
        ))?;
        let rows = stmt.query_map(params![briefing_id, room.param(), room.guild()], |row| {
            Ok(QuestionCount {
                question_id: row.get(0)?,
                position: row.get(1)?,
                text: row.get(2)?,
                answers: row.get::<_, i64>(3)? as u64,
                current: row.get(4)?,
                added_here: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The current questions of a briefing seen from `guild`, in order.
    pub fn questions_for(&self, briefing_id: i64, guild: Option<u64>) -> Result<Vec<KeyQuestion>> {
        Ok(self
            .question_history(briefing_id, guild)?
            .into_iter()
            .filter_map(|(q, current)| current.then_some(q))
            .collect())
    }

    /// Adds a server's question to a briefing, within the bound on current
    /// questions that server sees.
    pub fn add_guild_question(
        &mut self,
        guild: u64,
        briefing_id: i64,
        text: &str,
        by: u64,
    ) -> Result<std::result::Result<KeyQuestion, QuestionRefusal>> {
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM briefings WHERE id = ?1)")?
            .query_row([briefing_id], |row| row.get(0))?;
        if !exists {
            return Ok(Err(QuestionRefusal::NoBriefing));
        }
        let current = self.questions_for(briefing_id, Some(guild))?;
        if current.len() >= MAX_QUESTIONS {
            return Ok(Err(QuestionRefusal::Full));
        }
        if current.iter().any(|q| q.text.eq_ignore_ascii_case(text)) {
            return Ok(Err(QuestionRefusal::Duplicate));
        }
        self.conn
            .prepare_cached(
                "INSERT INTO key_questions (briefing_id, position, text, guild_id, added_by)
                 VALUES (?1, NULL, ?2, ?3, ?4)",
            )?
            .execute(params![briefing_id, text, guild as i64, by as i64])?;
        Ok(Ok(KeyQuestion {
            id: self.conn.last_insert_rowid(),
            text: text.to_string(),
        }))
    }

    /// Changes the text of one of the server's own current questions;
    /// `None` when it has none with that id.
    pub fn edit_guild_question(&mut self, guild: u64, id: i64, text: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE key_questions SET text = ?3
                 WHERE id = ?1 AND guild_id = ?2 AND retired_at IS NULL RETURNING briefing_id",
            )?
            .query_row(params![id, guild as i64, text], |row| row.get(0))
            .optional()?)
    }

    /// Retires one of the server's own current questions (its answers stay);
    /// `None` when it has none with that id.
    pub fn retire_guild_question(&mut self, guild: u64, id: i64, now: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE key_questions SET retired_at = ?3
                 WHERE id = ?1 AND guild_id = ?2 AND retired_at IS NULL RETURNING briefing_id",
            )?
            .query_row(params![id, guild as i64, now], |row| row.get(0))
            .optional()?)
    }

    /// Where a briefing was posted in `guild`: each post's channel and the
    /// id its discussion thread has (or would have).
    pub fn post_places(&self, guild: u64, briefing_id: i64) -> Result<Vec<PostPlace>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT channel_id, json_extract(message_ids, '$[0]'), forum FROM deliveries
             WHERE guild_id = ?1 AND briefing_id = ?2 AND origin IN ('schedule', 'subscription', 'run-now')
               AND (state = 'sent' OR discussion_open = 1) AND json_array_length(message_ids) > 0
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![guild as i64, briefing_id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, bool>(2)?,
            ))
        })?;
        let mut places: Vec<PostPlace> = Vec::new();
        for row in rows {
            let (channel, first, forum) = row?;
            let Some(thread_id) = first.and_then(|f| f.parse().ok()) else {
                continue;
            };
            if !places.iter().any(|p| p.thread_id == thread_id) {
                places.push(PostPlace {
                    channel_id: channel as u64,
                    thread_id,
                    forum,
                });
            }
        }
        Ok(places)
    }

    /// The message showing question `question_id` in thread `thread_id`,
    /// and whether it is a card.
    pub fn question_display(
        &self,
        question_id: i64,
        thread_id: u64,
    ) -> Result<Option<QuestionDisplay>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT message_id, card FROM question_displays WHERE question_id = ?1 AND thread_id = ?2",
            )?
            .query_row(params![question_id, thread_id as i64], |row| {
                Ok(QuestionDisplay {
                    message_id: row.get(0)?,
                    card: row.get(1)?,
                })
            })
            .optional()?)
    }

    pub fn set_question_display(
        &mut self,
        question_id: i64,
        thread_id: u64,
        shown: &QuestionDisplay,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO question_displays (question_id, thread_id, message_id, card) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (question_id, thread_id) DO UPDATE SET message_id = excluded.message_id, card = excluded.card",
            )?
            .execute(params![question_id, thread_id as i64, shown.message_id, shown.card])?;
        Ok(())
    }
}

/// The message a server question shows as in one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDisplay {
    pub message_id: String,
    /// A card (Components V2): its edits must be cards too.
    pub card: bool,
}

/// A moderator's question text, trimmed, or why it cannot be one.
pub fn checked_question(text: &str) -> std::result::Result<String, String> {
    let text = crate::domain::bounds::strip_controls(text);
    if text.is_empty() {
        return Err("Write the question: it cannot be empty.".into());
    }
    let max = MAX_ADDED_QUESTION.min(MAX_QUESTION);
    if text.chars().count() > max {
        return Err(format!(
            "A question may have at most {max} characters; that one has {}.",
            text.chars().count()
        ));
    }
    Ok(text)
}

/// A source's default questions, each checked, at most a briefing's worth.
pub fn checked_questions(texts: &[String]) -> std::result::Result<Vec<String>, String> {
    if texts.len() > MAX_QUESTIONS {
        return Err(format!(
            "At most {MAX_QUESTIONS} questions; {} were given.",
            texts.len()
        ));
    }
    texts.iter().map(|t| checked_question(t)).collect()
}
