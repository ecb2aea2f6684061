//! Who is asking, and whether they may: moderator commands are registered
//! for Manage Server only, but server admins can change that in Discord, so
//! every moderator action is checked again here.

use super::{CommandError, CommandResult, Handlers};

/// The person behind a command, as the transport saw them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: u64,
    /// `None` in a direct message.
    pub guild_id: Option<u64>,
    /// Has Manage Server (or Administrator) in that server.
    pub manages_server: bool,
    pub roles: Vec<u64>,
}

impl Caller {
    /// The console's operator: a moderator of the console's own server.
    pub fn console(guild_id: u64) -> Self {
        Self {
            user_id: 0,
            guild_id: Some(guild_id),
            manages_server: true,
            roles: Vec::new(),
        }
    }
}

/// A channel named in a command. `problem` is set by the transport when the
/// bot cannot post there (it knows the permissions; handlers do not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    pub id: u64,
    pub name: String,
    pub problem: Option<String>,
    /// Set by the transport when the bot can post there but cannot open a
    /// discussion thread or post in it.
    pub threads_problem: Option<String>,
    /// An announcement channel, whose posts can be published to the servers
    /// that follow it.
    pub announcement: bool,
    /// A forum: each briefing becomes its own post there.
    pub forum: bool,
}

/// A role named in a command. `ping_problem` is set by the transport when
/// the bot could not ping it (it knows the role and the bot's permissions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRef {
    pub id: u64,
    pub name: String,
    pub ping_problem: Option<String>,
}

impl RoleRef {
    /// The role, if the bot can ping it.
    pub fn pingable(&self) -> CommandResult<u64> {
        match &self.ping_problem {
            Some(problem) => Err(CommandError::User(format!(
                "I can't ping <@&{}>: {problem}.",
                self.id
            ))),
            None => Ok(self.id),
        }
    }
}

impl ChannelRef {
    /// The channel, or a message saying why the bot cannot post in it.
    pub fn postable(&self) -> CommandResult<u64> {
        match &self.problem {
            Some(problem) => Err(CommandError::User(format!(
                "I can't post in <#{}>: {problem}. Give the bot View Channel, Send Messages and Embed Links there, or pick another channel.",
                self.id
            ))),
            None => Ok(self.id),
        }
    }
}

impl Handlers {
    /// The channel, if the bot can post briefings there: post, and (when
    /// the server keeps discussion threads) open a thread and post in it.
    pub(super) async fn briefing_channel(
        &self,
        guild: u64,
        channel: &ChannelRef,
    ) -> CommandResult<u64> {
        let id = channel.postable()?;
        if let Some(problem) = &channel.threads_problem {
            let threads = self
                .db
                .read(move |s| Ok(s.guild_settings(guild)?.discussion_threads))
                .await?;
            if threads {
                return Err(CommandError::User(format!(
                    "I can post in <#{id}> but not open each briefing's discussion thread there: {problem}. \
                     Give the bot those permissions in that channel, or turn threads off with /settings threads off."
                )));
            }
        }
        Ok(id)
    }

    /// Whether the caller is one of the bot's owners.
    pub(super) fn is_owner(&self, caller: &Caller) -> bool {
        self.owners.contains(&caller.user_id)
    }

    /// Whether the caller may moderate the server they are in (no server:
    /// no).
    pub(super) async fn is_moderator(&self, caller: &Caller) -> CommandResult<bool> {
        let Some(guild) = caller.guild_id else {
            return Ok(false);
        };
        if caller.manages_server {
            return Ok(true);
        }
        let settings = self.db.call(move |s| s.guild_settings(guild)).await?;
        Ok(settings
            .moderator_role_id
            .is_some_and(|role| caller.roles.contains(&role)))
    }

    /// The server, if the caller may moderate it: Manage Server, or the
    /// server's moderator role.
    pub(super) async fn moderator_guild(
        &self,
        caller: &Caller,
        command: &str,
    ) -> CommandResult<u64> {
        let guild = caller.guild_id.ok_or_else(|| {
            CommandError::User(format!(
                "{command} works in a server, not in direct messages."
            ))
        })?;
        if caller.manages_server {
            return Ok(guild);
        }
        let settings = self.db.call(move |s| s.guild_settings(guild)).await?;
        match settings.moderator_role_id {
            Some(role) if caller.roles.contains(&role) => Ok(guild),
            Some(role) => Err(CommandError::User(format!(
                "{command} is for moderators: members with Manage Server or the <@&{role}> role."
            ))),
            None => Err(CommandError::User(format!(
                "{command} is for moderators: members with the Manage Server permission."
            ))),
        }
    }
}
