//! Answers to key questions, their edit history, moderator removal and
//! export. Writes are single statements or one transaction, so an answer the
//! member was told is saved is on disk.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{Result, Store};

/// Where answers were given, and so the only place they are shown, counted,
/// changed and exported: one server, or one member's direct messages. A
/// briefing and its questions are shared by every server; its discussion is
/// not. Every query of answers names its room in its own `WHERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// A Discord server (the console is one too: its own local server).
    Server(u64),
    /// Direct messages with the bot: only that member's own answers.
    Direct { user: u64 },
}

impl Room {
    /// The room of someone asking from `guild` (`None`: a direct message).
    pub fn of(guild: Option<u64>, user: u64) -> Self {
        match guild {
            Some(guild) => Room::Server(guild),
            None => Room::Direct { user },
        }
    }

    /// The `WHERE` term that keeps answers (aliased `alias`) to this room,
    /// with its one parameter at `?n`.
    pub(super) fn sql(&self, alias: &str, n: usize) -> String {
        match self {
            Room::Server(_) => format!("{alias}.guild_id = ?{n}"),
            Room::Direct { .. } => format!("({alias}.guild_id IS NULL AND {alias}.user_id = ?{n})"),
        }
    }

    /// The server, as an SQL parameter (NULL for direct messages).
    pub(super) fn guild(&self) -> Option<i64> {
        match self {
            Room::Server(guild) => Some(*guild as i64),
            Room::Direct { .. } => None,
        }
    }

    pub(super) fn param(&self) -> i64 {
        match self {
            Room::Server(guild) => *guild as i64,
            Room::Direct { user } => *user as i64,
        }
    }
}

/// Whose answers an export holds: one room's (what a moderator gets), or
/// every room's (the operator's command line only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswersOf {
    Room(Room),
    EveryRoom,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswer {
    pub question_id: i64,
    pub guild_id: Option<u64>,
    pub user_id: u64,
    pub user_name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub id: i64,
    pub question_id: i64,
    pub briefing_id: i64,
    pub guild_id: Option<u64>,
    pub user_id: u64,
    pub user_name: String,
    pub text: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub removed_at: Option<i64>,
    pub removal_reason: Option<String>,
    /// A moderator featured it (shown first, pinned in its thread).
    pub featured: bool,
}

/// Answers per question of a briefing (visible ones only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionCount {
    pub question_id: i64,
    pub position: Option<i64>,
    pub text: String,
    pub answers: u64,
    /// Still asked (not retired, nor gone from a re-imported briefing).
    pub current: bool,
    /// Added by this server's moderators.
    pub added_here: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerPage {
    /// Distinct members who gave the answers counted in `total`.
    pub members: u64,
    pub answers: Vec<Answer>,
    pub total: u64,
}

/// One answer as exported, with its question and briefing named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    pub answer_id: i64,
    /// The server it was given in (`None`: a direct message).
    pub guild_id: Option<u64>,
    pub briefing_id: i64,
    pub briefing_title: String,
    pub question_id: i64,
    pub question: String,
    /// False for a question dropped by a later version of its briefing.
    pub question_current: bool,
    pub user_id: u64,
    pub user_name: String,
    pub text: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub removed_at: Option<i64>,
    pub removal_reason: Option<String>,
    pub earlier_versions: u64,
    pub featured: bool,
}

/// A message of an answer's display about to be posted (see
/// [`Store::display_post_nonce`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPost {
    pub nonce: String,
    /// When this nonce was first sent (ms).
    pub since: i64,
    /// An earlier attempt sent it: its message may exist, with older text.
    pub reused: bool,
}

/// Where an answer is shown in Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerDisplay {
    pub answer_id: i64,
    pub guild_id: Option<u64>,
    pub briefing_id: Option<i64>,
    /// The thread; `None` when an earlier version showed it without saying where.
    pub channel_id: Option<u64>,
    pub message_ids: Vec<String>,
    /// Shown by a version that kept no message ids.
    pub legacy: bool,
}

const COLUMNS: &str =
    "id, question_id, briefing_id, guild_id, user_id, user_name, text, created_at, edited_at,
    removed_at, removal_reason, featured_at IS NOT NULL";

fn read(row: &Row<'_>) -> rusqlite::Result<Answer> {
    Ok(Answer {
        id: row.get(0)?,
        question_id: row.get(1)?,
        briefing_id: row.get(2)?,
        guild_id: row.get::<_, Option<i64>>(3)?.map(|g| g as u64),
        user_id: row.get::<_, i64>(4)? as u64,
        user_name: row.get(5)?,
        text: row.get(6)?,
        created_at: row.get(7)?,
        edited_at: row.get(8)?,
        removed_at: row.get(9)?,
        removal_reason: row.get(10)?,
        featured: row.get(11)?,
    })
}

impl Store {
    /// Stores an answer; `None` when the question does not exist. The
    /// commit is synced to disk (synchronous = FULL for this write), so an
    /// answer whose member was told "saved" survives even a power cut.
    pub fn add_answer(&mut self, new: &NewAnswer, now: i64) -> Result<Option<Answer>> {
        let Some(question) = self.question(new.question_id)? else {
            return Ok(None);
        };
        let briefing_id = question.briefing_id;
        self.synced(|s| s.insert_answer(new, briefing_id, now))?;
        let id = self.conn.last_insert_rowid();
        self.answer(id)
    }

    /// Runs one write with every commit synced to disk, then goes back to
    /// the store's usual setting (WAL with synchronous = NORMAL, safe
    /// against a crash of the process but not of the machine).
    /// Inside a transaction the commit is its owner's to sync (see
    /// [`Store::in_synced_transaction`]).
    fn synced<T>(&mut self, write: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return write(self);
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let result = write(self);
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        result
    }

    fn insert_answer(&mut self, new: &NewAnswer, briefing_id: i64, now: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO answers (question_id, briefing_id, guild_id, user_id, user_name, text, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                new.question_id,
                briefing_id,
                new.guild_id.map(|g| g as i64),
                new.user_id as i64,
                new.user_name,
                new.text,
                now
            ])?;
        Ok(())
    }

    pub fn answer(&self, id: i64) -> Result<Option<Answer>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM answers WHERE id = ?1"))?
            .query_row([id], read)
            .optional()?)
    }

    /// Answer `id`, if it was given in `room`.
    pub fn answer_in(&self, room: Room, id: i64) -> Result<Option<Answer>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM answers a WHERE a.id = ?1 AND {}",
                room.sql("a", 2)
            ))?
            .query_row(params![id, room.param()], read)
            .optional()?)
    }

    /// Replaces the text of answer `id` given in `room`, keeping the old
    /// one in its history. False when there is no such answer there.
    pub fn edit_answer(&mut self, room: Room, id: i64, text: &str, now: i64) -> Result<bool> {
        let in_room = room.sql("a", 3);
        self.synced(|store| store.in_transaction(|s| {
            s.conn.execute(
                &format!("INSERT INTO answer_history (answer_id, text, replaced_at)
                 SELECT a.id, a.text, ?2 FROM answers a WHERE a.id = ?1 AND {in_room}"),
                params![id, now, room.param()],
            )?;
            let changed = s.conn.execute(
                &format!("UPDATE answers AS a SET text = ?2, edited_at = ?4 WHERE a.id = ?1 AND {in_room}"),
                params![id, text, room.param(), now],
            )?;
            Ok(changed > 0)
        }))
    }

    /// Earlier texts of an answer, oldest first.
    pub fn answer_history(&self, id: i64) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT text, replaced_at FROM answer_history WHERE answer_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Where the answer is (to be) shown, if anywhere.
    pub fn answer_display(&self, answer_id: i64) -> Result<Option<AnswerDisplay>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT answer_id, guild_id, channel_id, message_ids, legacy, briefing_id FROM answer_displays WHERE answer_id = ?1",
            )?
            .query_row([answer_id], |row| {
                let ids: String = row.get(3)?;
                Ok(AnswerDisplay {
                    answer_id: row.get(0)?,
                    guild_id: row.get::<_, Option<i64>>(1)?.map(|g| g as u64),
                    channel_id: row.get::<_, Option<i64>>(2)?.map(|c| c as u64),
                    // A list we cannot read is an error, never "shown nowhere".
                    message_ids: serde_json::from_str(&ids).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            3,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    legacy: row.get(4)?,
                    briefing_id: row.get(5)?,
                })
            })
            .optional()?)
    }

    /// Records that `answer_id` is shown in `channel_id` (nothing posted yet).
    pub fn show_answer_in(
        &mut self,
        answer_id: i64,
        guild_id: Option<u64>,
        channel_id: u64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO answer_displays (answer_id, guild_id, briefing_id, channel_id)
             SELECT ?1, ?2, briefing_id, ?3 FROM answers WHERE id = ?1
             ON CONFLICT (answer_id) DO UPDATE SET channel_id = coalesce(channel_id, ?3)",
            params![answer_id, guild_id.map(|g| g as i64), channel_id as i64],
        )?;
        Ok(())
    }

    /// The messages now showing an answer, in `channel_id` (an empty list
    /// forgets the display: nothing shows the answer any more).
    pub fn set_answer_messages(
        &mut self,
        answer_id: i64,
        channel_id: u64,
        message_ids: &[String],
    ) -> Result<()> {
        if message_ids.is_empty() {
            self.conn.execute(
                "DELETE FROM answer_displays WHERE answer_id = ?1",
                [answer_id],
            )?;
        } else {
            let ids = serde_json::to_string(message_ids).expect("strings serialise");
            // A recorded post is no longer pending.
            self.conn.execute(
                "UPDATE answer_displays SET channel_id = ?2, message_ids = ?3, legacy = 0,
                     pending_part = NULL, pending_nonce = NULL, pending_since = NULL
                 WHERE answer_id = ?1",
                params![answer_id, channel_id as i64, ids],
            )?;
        }
        Ok(())
    }

    /// The nonce for posting message `part` of answer `answer_id`'s display,
    /// with when it was first used and whether an earlier attempt used it:
    /// the same one until that message is recorded, whichever delivery
    /// posts it, so Discord never shows an answer twice.
    pub fn display_post_nonce(
        &mut self,
        answer_id: i64,
        part: usize,
        now: i64,
    ) -> Result<PendingPost> {
        let pending: Option<(Option<i64>, Option<String>, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT pending_part, pending_nonce, pending_since FROM answer_displays WHERE answer_id = ?1",
            )?
            .query_row([answer_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        if let Some((Some(p), Some(nonce), Some(since))) = pending {
            if p == part as i64 {
                return Ok(PendingPost {
                    nonce,
                    since,
                    reused: true,
                });
            }
        }
        let nonce = format!(
            "a{}.{part}.{}",
            super::deliveries::base36(answer_id as u64),
            super::deliveries::base36(now as u64)
        );
        self.conn.execute(
            "UPDATE answer_displays SET pending_part = ?2, pending_nonce = ?3, pending_since = ?4 WHERE answer_id = ?1",
            params![answer_id, part as i64, nonce, now],
        )?;
        Ok(PendingPost {
            nonce,
            since: now,
            reused: false,
        })
    }

    /// Threads where an answer to `briefing_id` may have been shown in
    /// `guild_id`: a briefing's thread has its first message's id.
    pub fn discussion_threads(&self, guild_id: u64, briefing_id: i64) -> Result<Vec<u64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT json_extract(message_ids, '$[0]') FROM deliveries
             WHERE guild_id = ?1 AND briefing_id = ?2 AND (state = 'sent' OR discussion_open = 1)
               AND json_array_length(message_ids) > 0",
        )?;
        let rows = stmt.query_map(params![guild_id as i64, briefing_id], |row| {
            row.get::<_, Option<String>>(0)
        })?;
        Ok(rows
            .filter_map(|r| r.ok().flatten())
            .filter_map(|id| id.parse().ok())
            .collect())
    }

    /// Whether `channel_id` is the discussion thread of a post of
    /// `briefing_id` in `guild_id`: a thread has the id of the message it
    /// was opened on (a forum post, of its first message), so it is the
    /// first message id of one of the briefing's deliveries there. A
    /// channel id comes from Discord, and only that thread has that id.
    pub fn is_discussion_thread(
        &self,
        guild_id: u64,
        briefing_id: i64,
        channel_id: u64,
    ) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM deliveries
                 WHERE guild_id = ?1 AND briefing_id = ?2 AND json_extract(message_ids, '$[0]') = ?3)",
            )?
            .query_row(
                params![guild_id as i64, briefing_id, channel_id.to_string()],
                |row| row.get(0),
            )?)
    }

    /// The answers of a member that are shown somewhere, for forget-me.
    pub fn displayed_answers_of(&self, user_id: u64) -> Result<Vec<AnswerDisplay>> {
        let ids: Vec<i64> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT d.answer_id FROM answer_displays d JOIN answers a ON a.id = d.answer_id WHERE a.user_id = ?1",
            )?;
            let rows = stmt.query_map([user_id as i64], |row| row.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut displays = Vec::with_capacity(ids.len());
        for id in ids {
            displays.extend(self.answer_display(id)?);
        }
        Ok(displays)
    }

    /// Deletes answer `id` given in `room`, and its history (its author's
    /// choice).
    pub fn delete_answer(&mut self, room: Room, id: i64) -> Result<bool> {
        Ok(self.conn.execute(
            &format!(
                "DELETE FROM answers AS a WHERE a.id = ?1 AND {}",
                room.sql("a", 2)
            ),
            params![id, room.param()],
        )? > 0)
    }

    /// Hides an answer given in server `guild` from members, keeping it for
    /// audit. False when that server has no such visible answer.
    pub fn remove_answer(
        &mut self,
        guild: u64,
        id: i64,
        by: u64,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE answers SET removed_at = ?2, removed_by = ?3, removal_reason = ?4
             WHERE id = ?1 AND guild_id = ?5 AND removed_at IS NULL",
            params![id, now, by as i64, reason, guild as i64],
        )? > 0)
    }

    /// Deletes everything stored about a member: answers, their history,
    /// their name. Returns how many answers went.
    pub fn forget_user(&mut self, user_id: u64) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM answers WHERE user_id = ?1", [user_id as i64])?)
    }

    /// Visible answers given in `room` to a briefing (or one question),
    /// newest first.
    pub fn answers_page(
        &self,
        room: Room,
        briefing_id: i64,
        question_id: Option<i64>,
        offset: u64,
        limit: u64,
    ) -> Result<AnswerPage> {
        let filter = format!(
            "a.briefing_id = ?1 AND (?2 IS NULL OR a.question_id = ?2) AND a.removed_at IS NULL AND {}",
            room.sql("a", 3)
        );
        let (total, members): (i64, i64) = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*), count(DISTINCT a.user_id) FROM answers a WHERE {filter}"
            ))?
            .query_row(params![briefing_id, question_id, room.param()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM answers a WHERE {filter}
             ORDER BY a.featured_at IS NULL, a.id DESC LIMIT ?4 OFFSET ?5"
        ))?;
        let rows = stmt.query_map(
            params![
                briefing_id,
                question_id,
                room.param(),
                super::clamp(limit),
                super::clamp(offset)
            ],
            read,
        )?;
        Ok(AnswerPage {
            answers: rows.collect::<rusqlite::Result<_>>()?,
            total: total as u64,
            members: members as u64,
        })
    }

    /// Answers for export, oldest first: `of` one room (or, for the
    /// operator, every room), one briefing's or all given in a time range
    /// [from, to), removed ones included (marked).
    pub fn export_answers(
        &self,
        of: AnswersOf,
        briefing_id: Option<i64>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<ExportRow>> {
        let (in_room, room) = match of {
            AnswersOf::Room(room) => (room.sql("a", 4), Some(room.param())),
            AnswersOf::EveryRoom => ("?4 IS NULL".to_string(), None),
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.id, a.briefing_id, b.title, a.question_id, q.text, (q.position IS NOT NULL OR (q.guild_id IS NOT NULL AND q.retired_at IS NULL)), a.user_id, a.user_name,
                    a.text, a.created_at, a.edited_at, a.removed_at, a.removal_reason,
                    (SELECT count(*) FROM answer_history h WHERE h.answer_id = a.id), a.guild_id,
                    a.featured_at IS NOT NULL
             FROM answers a JOIN key_questions q ON q.id = a.question_id JOIN briefings b ON b.id = a.briefing_id
             WHERE (?1 IS NULL OR a.briefing_id = ?1) AND (?2 IS NULL OR a.created_at >= ?2)
               AND (?3 IS NULL OR a.created_at < ?3) AND {in_room}
             ORDER BY a.id"
        ))?;
        let rows = stmt.query_map(params![briefing_id, from, to, room], |row| {
            Ok(ExportRow {
                answer_id: row.get(0)?,
                guild_id: row.get::<_, Option<i64>>(14)?.map(|g| g as u64),
                briefing_id: row.get(1)?,
                briefing_title: row.get(2)?,
                question_id: row.get(3)?,
                question: row.get(4)?,
                question_current: row.get(5)?,
                user_id: row.get::<_, i64>(6)? as u64,
                user_name: row.get(7)?,
                text: row.get(8)?,
                created_at: row.get(9)?,
                edited_at: row.get(10)?,
                removed_at: row.get(11)?,
                removal_reason: row.get(12)?,
                earlier_versions: row.get::<_, i64>(13)? as u64,
                featured: row.get(15)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many answers a member gave since `since` (for the rate limit).
    pub fn answers_since(&self, user_id: u64, since: i64) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM answers WHERE user_id = ?1 AND created_at >= ?2")?
            .query_row(params![user_id as i64, since], |row| row.get(0))?;
        Ok(n as u64)
    }
}
