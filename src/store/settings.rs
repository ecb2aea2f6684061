//! Per-server settings.

use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension};

use crate::domain::view::Layout;

use super::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSettings {
    pub guild_id: u64,
    pub timezone: String,
    pub moderator_role_id: Option<u64>,
    pub log_channel_id: Option<u64>,
    /// Open a discussion thread under each posted briefing.
    pub discussion_threads: bool,
    /// Members may answer only briefings posted in this server.
    pub answers_where_posted: bool,
    /// How posts and /briefing replies look.
    pub layout: Layout,
    /// A card's accent colour (0xRRGGBB).
    pub accent: Option<u32>,
}

impl GuildSettings {
    fn defaults(guild_id: u64) -> Self {
        Self {
            guild_id,
            timezone: "UTC".into(),
            moderator_role_id: None,
            log_channel_id: None,
            discussion_threads: true,
            answers_where_posted: false,
            layout: Layout::default(),
            accent: None,
        }
    }
}

/// One setting to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Timezone(String),
    ModeratorRole(Option<u64>),
    LogChannel(Option<u64>),
    DiscussionThreads(bool),
    AnswersWherePosted(bool),
    Layout(Layout),
    Accent(Option<u32>),
}

impl Store {
    /// The server's settings, or the defaults when it has none stored.
    pub fn guild_settings(&self, guild_id: u64) -> Result<GuildSettings> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT timezone, moderator_role_id, log_channel_id, discussion_threads, answers_where_posted, layout, accent_color FROM guild_settings WHERE guild_id = ?1",
            )?
            .query_row([guild_id as i64], |row| {
                Ok(GuildSettings {
                    guild_id,
                    timezone: row.get(0)?,
                    moderator_role_id: row.get::<_, Option<i64>>(1)?.map(|v| v as u64),
                    log_channel_id: row.get::<_, Option<i64>>(2)?.map(|v| v as u64),
                    discussion_threads: row.get(3)?,
                    answers_where_posted: row.get(4)?,
                    layout: {
                        let name: String = row.get(5)?;
                        Layout::parse(&name).ok_or_else(|| {
                            super::unreadable(5, Type::Text, format!("no layout '{name}'"))
                        })?
                    },
                    accent: row
                        .get::<_, Option<i64>>(6)?
                        .map(|c| {
                            u32::try_from(c)
                                .ok()
                                .filter(|c| *c <= 0xFF_FFFF)
                                .ok_or_else(|| {
                                    super::unreadable(6, Type::Integer, format!("no colour {c}"))
                                })
                        })
                        .transpose()?,
                })
            })
            .optional()?
            .unwrap_or_else(|| GuildSettings::defaults(guild_id)))
    }

    pub fn change_setting(&mut self, guild_id: u64, setting: &Setting, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO guild_settings (guild_id, updated_at) VALUES (?1, ?2)",
            params![guild_id as i64, now],
        )?;
        let (column, value): (&str, rusqlite::types::Value) = match setting {
            Setting::Timezone(zone) => ("timezone", zone.clone().into()),
            Setting::ModeratorRole(role) => ("moderator_role_id", role.map(|r| r as i64).into()),
            Setting::LogChannel(channel) => ("log_channel_id", channel.map(|c| c as i64).into()),
            Setting::DiscussionThreads(on) => ("discussion_threads", i64::from(*on).into()),
            Setting::AnswersWherePosted(on) => ("answers_where_posted", i64::from(*on).into()),
            Setting::Layout(layout) => ("layout", layout.name().to_string().into()),
            Setting::Accent(colour) => ("accent_color", colour.map(i64::from).into()),
        };
        self.conn.execute(
            &format!(
                "UPDATE guild_settings SET {column} = ?1, updated_at = ?2 WHERE guild_id = ?3"
            ),
            params![value, now, guild_id as i64],
        )?;
        Ok(())
    }
}
