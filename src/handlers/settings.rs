//! `/settings`: the server's time zone, an extra moderator role, and the log
//! channel where the bot reports problems.

use super::{Caller, ChannelRef, Choice, CommandError, CommandResult, Handlers, MAX_CHOICES};
use crate::domain::schedule::{parse_zone, zone_suggestions};
use crate::domain::text::truncate;
use crate::domain::view::Layout;
use crate::domain::view::{Embed, Field, Reply};
use crate::handlers::commands::Access;
use crate::store::Setting;

/// `#2b6cb0`, `2B6CB0` or `none`.
fn parse_colour(typed: &str) -> CommandResult<Option<u32>> {
    let typed = typed.trim();
    if typed.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let hex = typed.strip_prefix('#').unwrap_or(typed);
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        if let Ok(colour) = u32::from_str_radix(hex, 16) {
            return Ok(Some(colour));
        }
    }
    Err(CommandError::User(format!(
        "'{}' is not a colour: give six hex digits such as #2b6cb0, or none.",
        truncate(typed, 20)
    )))
}

impl Handlers {
    pub async fn settings_show(&self, caller: &Caller) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings")
            .await?;
        let settings = self.db.call(move |s| s.guild_settings(guild)).await?;
        let field = |name: &str, value: String| Field {
            name: name.into(),
            value,
            inline: false,
        };
        Ok(Reply::private_embed(Embed {
            title: Some("Server settings".into()),
            fields: vec![
                field("Time zone", settings.timezone),
                field(
                    "Moderators",
                    match settings.moderator_role_id {
                        Some(role) => format!("Manage Server, and members with <@&{role}>"),
                        None => "Members with Manage Server".into(),
                    },
                ),
                field(
                    "Discussion threads",
                    if settings.discussion_threads {
                        "A thread with the key questions under each posted briefing".into()
                    } else {
                        "Off".into()
                    },
                ),
                field(
                    "Answers",
                    if settings.answers_where_posted {
                        "Only to briefings posted in this server".into()
                    } else {
                        "To any briefing".into()
                    },
                ),
                field(
                    "Layout",
                    match (settings.layout, settings.accent) {
                        (Layout::Cards, Some(colour)) => format!("Cards, accent #{colour:06x}"),
                        (Layout::Cards, None) => "Cards".into(),
                        (Layout::Classic, _) => "Classic embeds".into(),
                    },
                ),
                field(
                    "Log channel",
                    settings
                        .log_channel_id
                        .map_or("None: problems are only logged by the bot".into(), |c| {
                            format!("<#{c}>")
                        }),
                ),
            ],
            ..Embed::default()
        }))
    }

    /// Sets the server's zone and moves the next run of every schedule that
    /// follows it.
    pub async fn set_timezone(&self, caller: &Caller, zone: String) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings timezone")
            .await?;
        let zone = parse_zone(&zone).map_err(CommandError::User)?;
        let now = self.clock.now_ms();
        let moved = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    s.change_setting(guild, &Setting::Timezone(zone.name().to_string()), now)?;
                    let mut moved = 0;
                    for schedule in s.schedules_in_server_zone(guild)? {
                        let next = schedule
                            .spec
                            .rule
                            .next_after(zone, crate::clock::from_ms(now))
                            .map(|t| t.timestamp_millis());
                        s.update_schedule(guild, schedule.id, &schedule.spec, next, now)?;
                        moved += 1;
                    }
                    Ok(moved)
                })
            })
            .await?;
        self.wake.notify();
        let note = match moved {
            0 => String::new(),
            1 => " One schedule now runs in it.".into(),
            n => format!(" {n} schedules now run in it."),
        };
        let fixed = crate::domain::when::fixed_offset_note(zone)
            .map(|n| format!("\nNote: {n}"))
            .unwrap_or_default();
        Ok(Reply::private(format!(
            "The server's time zone is now {}.{note}{fixed}",
            zone.name()
        )))
    }

    pub async fn set_moderator_role(
        &self,
        caller: &Caller,
        role: Option<u64>,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings moderator-role")
            .await?;
        let now = self.clock.now_ms();
        self.db
            .call(move |s| s.change_setting(guild, &Setting::ModeratorRole(role), now))
            .await?;
        Ok(Reply::private(match role {
            Some(role) => format!("Members with <@&{role}> can now use the moderator commands, as can those with Manage Server."),
            None => "Only members with Manage Server can use the moderator commands now.".into(),
        }))
    }

    pub async fn set_log_channel(
        &self,
        caller: &Caller,
        channel: Option<ChannelRef>,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings log-channel")
            .await?;
        if let Some(forum) = channel.as_ref().filter(|c| c.forum) {
            return Err(CommandError::User(format!(
                "<#{}> is a forum, which takes posts, not the bot's reports. Pick a text channel.",
                forum.id
            )));
        }
        let channel = channel.map(|c| c.postable()).transpose()?;
        let now = self.clock.now_ms();
        self.db
            .call(move |s| s.change_setting(guild, &Setting::LogChannel(channel), now))
            .await?;
        Ok(Reply::private(match channel {
            Some(c) => format!("I will report paused schedules and failed posts in <#{c}>."),
            None => "No log channel: problems are only written to the bot's own log.".into(),
        }))
    }

    pub async fn set_discussion_threads(&self, caller: &Caller, on: bool) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings threads")
            .await?;
        let now = self.clock.now_ms();
        self.db
            .call(move |s| s.change_setting(guild, &Setting::DiscussionThreads(on), now))
            .await?;
        Ok(Reply::private(if on {
            "Each briefing posted from now on gets a discussion thread with its key questions and Answer buttons."
        } else {
            "Briefings are posted without a discussion thread; members can still use /answer."
        }))
    }

    pub async fn set_answers_where_posted(
        &self,
        caller: &Caller,
        on: bool,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings answers")
            .await?;
        let now = self.clock.now_ms();
        self.db
            .call(move |s| s.change_setting(guild, &Setting::AnswersWherePosted(on), now))
            .await?;
        Ok(Reply::private(if on {
            "Members here can now answer only briefings that were posted in this server."
        } else {
            "Members here can answer any briefing's key questions."
        }))
    }

    /// The layout of posts and /briefing replies from now on, and a card's
    /// accent colour (`none` clears it; left out, it stays).
    pub async fn set_layout(
        &self,
        caller: &Caller,
        style: String,
        accent: Option<String>,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/settings layout")
            .await?;
        let layout = Layout::parse(style.trim()).ok_or_else(|| {
            CommandError::User(format!(
                "There is no layout '{}': choose cards or classic.",
                truncate(&style, 40)
            ))
        })?;
        let accent = accent.map(|a| parse_colour(&a)).transpose()?;
        let now = self.clock.now_ms();
        self.db
            .call(move |s| {
                s.in_transaction(|s| {
                    s.change_setting(guild, &Setting::Layout(layout), now)?;
                    if let Some(colour) = accent {
                        s.change_setting(guild, &Setting::Accent(colour), now)?;
                    }
                    Ok(())
                })
            })
            .await?;
        let colour = match accent {
            Some(Some(colour)) => format!(" with the accent #{colour:06x}"),
            Some(None) => " without an accent colour".into(),
            None => String::new(),
        };
        Ok(Reply::private(match layout {
            Layout::Cards => format!("Briefings posted or read here from now on are cards{colour}."),
            Layout::Classic => format!("Briefings posted or read here from now on use the classic embeds{colour}. Cards keep the accent for when you switch back."),
        }))
    }

    /// IANA zone names containing what is typed.
    pub fn autocomplete_timezone(&self, partial: &str) -> Vec<Choice> {
        zone_suggestions(partial)
            .into_iter()
            .take(MAX_CHOICES)
            .map(|name| Choice {
                name: name.to_string(),
                value: name.to_string(),
            })
            .collect()
    }
}
