//! Schedules: what to post where, and when it next runs.

use rusqlite::{params, OptionalExtension, Row};

use super::{GuildScope, Result, Store};
use crate::domain::schedule::Rule;

/// How many briefings a digest lists when no count is given, and at most
/// (one embed's worth of lines).
pub const DIGEST_DEFAULT: u32 = 5;
pub const DIGEST_MAX: u32 = 25;

/// What a schedule posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// This briefing.
    Briefing(i64),
    /// The newest briefing not yet posted to the channel.
    Next,
    /// Titles, dates and links of the newest N.
    Digest(u32),
}

impl Content {
    pub fn describe(&self) -> String {
        match self {
            Content::Briefing(id) => format!("briefing #{id}"),
            Content::Next => "the next briefing not yet posted here".into(),
            Content::Digest(n) => format!("a digest of the newest {n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleState {
    Active,
    Paused,
    Done,
    Cancelled,
}

impl ScheduleState {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleState::Active => "active",
            ScheduleState::Paused => "paused",
            ScheduleState::Done => "done",
            ScheduleState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "active" => ScheduleState::Active,
            "paused" => ScheduleState::Paused,
            "done" => ScheduleState::Done,
            "cancelled" => ScheduleState::Cancelled,
            _ => return None,
        })
    }
}

/// A schedule to create or the new shape of one being edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub channel_id: u64,
    pub rule: Rule,
    /// `None`: the server's zone.
    pub timezone: Option<String>,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub id: i64,
    pub guild_id: u64,
    pub spec: ScheduleSpec,
    /// The zone its times are read in: its own, else the server's.
    pub zone: String,
    pub next_run_at: Option<i64>,
    pub state: ScheduleState,
    pub paused_reason: Option<String>,
    pub created_by: u64,
    pub created_at: i64,
    /// A role each of its posts pings.
    pub role_id: Option<u64>,
    /// Its channel is a forum: each post is a forum post.
    pub forum: bool,
}

const SELECT: &str = "SELECT s.id, s.guild_id, s.channel_id, s.repeat, s.rule, s.timezone, s.content,
        s.briefing_id, s.digest_size, s.next_run_at, s.state, s.paused_reason, s.created_by, s.created_at,
        coalesce(s.timezone, g.timezone, 'UTC'), s.role_id, s.forum
    FROM schedules s LEFT JOIN guild_settings g ON g.guild_id = s.guild_id";

fn read(row: &Row<'_>) -> rusqlite::Result<Schedule> {
    let repeat: String = row.get(3)?;
    let rule: String = row.get(4)?;
    let rule = Rule::from_stored(&repeat, &rule).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
    })?;
    let content: String = row.get(6)?;
    let content = match content.as_str() {
        "briefing" => Content::Briefing(row.get(7)?),
        "digest" => Content::Digest(row.get::<_, Option<u32>>(8)?.unwrap_or(DIGEST_DEFAULT)),
        "next" => Content::Next,
        // An unknown kind would otherwise post something nobody chose.
        other => {
            return Err(super::unreadable(
                6,
                rusqlite::types::Type::Text,
                format!("unknown schedule content {other:?}"),
            ))
        }
    };
    Ok(Schedule {
        id: row.get(0)?,
        guild_id: row.get::<_, i64>(1)? as u64,
        spec: ScheduleSpec {
            channel_id: row.get::<_, i64>(2)? as u64,
            rule,
            timezone: row.get(5)?,
            content,
        },
        next_run_at: row.get(9)?,
        state: {
            let state: String = row.get(10)?;
            ScheduleState::parse(&state).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    10,
                    rusqlite::types::Type::Text,
                    format!("unknown schedule state {state:?}").into(),
                )
            })?
        },
        paused_reason: row.get(11)?,
        created_by: row.get::<_, i64>(12)? as u64,
        created_at: row.get(13)?,
        zone: row.get(14)?,
        role_id: row.get::<_, Option<i64>>(15)?.map(|r| r as u64),
        forum: row.get(16)?,
    })
}

fn content_columns(content: Content) -> (&'static str, Option<i64>, Option<u32>) {
    match content {
        Content::Briefing(id) => ("briefing", Some(id), None),
        Content::Next => ("next", None, None),
        Content::Digest(n) => ("digest", None, Some(n)),
    }
}

impl Store {
    /// Sets (or, with `None`, clears) the role a schedule's posts ping,
    /// and whether its channel is a forum.
    pub fn set_schedule_delivery(
        &mut self,
        guild_id: u64,
        id: i64,
        role: Option<u64>,
        forum: bool,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE schedules SET role_id = ?2, forum = ?3 WHERE id = ?1 AND guild_id = ?4",
            params![id, role.map(|r| r as i64), forum, guild_id as i64],
        )?;
        Ok(())
    }

    pub fn add_schedule(
        &mut self,
        guild_id: u64,
        spec: &ScheduleSpec,
        next_run_at: i64,
        by: u64,
        now: i64,
    ) -> Result<Schedule> {
        let (content, briefing_id, digest_size) = content_columns(spec.content);
        self.conn.execute(
            "INSERT INTO schedules (guild_id, channel_id, repeat, rule, timezone, content, briefing_id,
                digest_size, next_run_at, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                guild_id as i64,
                spec.channel_id as i64,
                spec.rule.repeat().as_str(),
                spec.rule.to_string(),
                spec.timezone,
                content,
                briefing_id,
                digest_size,
                next_run_at,
                by as i64,
                now
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok(self
            .schedule(guild_id, id)?
            .expect("the schedule was just written"))
    }

    /// A schedule of this server (never another server's).
    pub fn schedule(&self, guild_id: u64, id: i64) -> Result<Option<Schedule>> {
        Ok(self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE s.id = ?1 AND s.guild_id = ?2"))?
            .query_row(params![id, guild_id as i64], read)
            .optional()?)
    }

    /// The server's active and paused schedules, soonest first.
    pub fn schedules(&self, guild_id: u64) -> Result<Vec<Schedule>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE s.guild_id = ?1 AND s.state IN ('active', 'paused')
             ORDER BY s.next_run_at IS NULL, s.next_run_at, s.id"
        ))?;
        let rows = stmt.query_map([guild_id as i64], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every schedule the server's zone applies to (no zone of their own).
    pub fn schedules_in_server_zone(&self, guild_id: u64) -> Result<Vec<Schedule>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE s.guild_id = ?1 AND s.timezone IS NULL AND s.state IN ('active', 'paused')"
        ))?;
        let rows = stmt.query_map([guild_id as i64], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Active schedules due at or before `now`, most overdue first.
    pub fn due_schedules(
        &self,
        scope: GuildScope,
        now: i64,
        limit: usize,
    ) -> Result<Vec<Schedule>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{SELECT} WHERE s.state = 'active' AND s.next_run_at <= ?1 AND {} ORDER BY s.next_run_at, s.id LIMIT ?2",
            scope.sql("s.guild_id", 3)
        ))?;
        let (only, except) = scope.params();
        let rows = stmt.query_map(params![now, limit as i64, only, except], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the soonest active schedule runs.
    pub fn next_schedule_run(&self, scope: GuildScope) -> Result<Option<i64>> {
        let (only, except) = scope.params();
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT min(next_run_at) FROM schedules WHERE state = 'active' AND {}",
                scope.sql("guild_id", 1)
            ))?
            .query_row(params![only, except], |row| row.get(0))?)
    }

    pub fn update_schedule(
        &mut self,
        guild_id: u64,
        id: i64,
        spec: &ScheduleSpec,
        next_run_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let (content, briefing_id, digest_size) = content_columns(spec.content);
        self.conn.execute(
            "UPDATE schedules SET channel_id = ?1, repeat = ?2, rule = ?3, timezone = ?4, content = ?5,
                briefing_id = ?6, digest_size = ?7, next_run_at = ?8, updated_at = ?9
             WHERE id = ?10 AND guild_id = ?11",
            params![
                spec.channel_id as i64,
                spec.rule.repeat().as_str(),
                spec.rule.to_string(),
                spec.timezone,
                content,
                briefing_id,
                digest_size,
                next_run_at,
                now,
                id,
                guild_id as i64
            ],
        )?;
        Ok(())
    }

    /// Moves a schedule to `state`; `next_run_at` is its new next run (kept
    /// as it was when `None` is not meant: pass the current one).
    pub fn set_schedule_state(
        &mut self,
        guild_id: u64,
        id: i64,
        state: ScheduleState,
        reason: Option<&str>,
        next_run_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE schedules SET state = ?1, paused_reason = ?2, next_run_at = ?3, updated_at = ?4
             WHERE id = ?5 AND guild_id = ?6",
            params![
                state.as_str(),
                reason,
                next_run_at,
                now,
                id,
                guild_id as i64
            ],
        )?;
        Ok(())
    }

    /// Moves a schedule to `state` keeping its next run (pausing keeps the
    /// time it was due, for the log).
    pub fn set_schedule_state_keep_next(
        &mut self,
        guild_id: u64,
        id: i64,
        state: ScheduleState,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE schedules SET state = ?1, paused_reason = ?2, updated_at = ?3
             WHERE id = ?4 AND guild_id = ?5",
            params![state.as_str(), reason, now, id, guild_id as i64],
        )?;
        Ok(())
    }

    /// Schedules (active ones) and subscriptions of server `guild_id`
    /// posting to a channel.
    pub fn sources_for_channel(
        &self,
        guild_id: u64,
        channel_id: u64,
    ) -> Result<(Vec<i64>, Vec<i64>)> {
        let ids = |sql: &str| -> Result<Vec<i64>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![guild_id as i64, channel_id as i64], |row| {
                row.get(0)
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        Ok((
            ids("SELECT id FROM schedules WHERE guild_id = ?1 AND channel_id = ?2 AND state = 'active'")?,
            ids("SELECT id FROM subscriptions WHERE guild_id = ?1 AND channel_id = ?2 AND paused_reason IS NULL")?,
        ))
    }
}
