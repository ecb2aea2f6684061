//! Who is asking, and whether they may. Each command's rule is declared
//! once (`commands::Access`): Discord registers it as the permissions that
//! see the command, and the dispatcher enforces the same rule here, since a
//! server's admins can open any command to anyone in Discord.

use super::commands::{Access, CommandSpec};
use super::{CommandError, CommandResult, Handlers};

/// The person behind a command, as the transport saw them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: u64,
    /// `None` in a direct message.
    pub guild_id: Option<u64>,
    /// Has Manage Server (or Administrator) in that server.
    pub manages_server: bool,
    /// Has Manage Messages (or Administrator) in that server.
    pub manages_messages: bool,
    pub roles: Vec<u64>,
}

impl Caller {
    /// The console's operator: a moderator of the console's own server.
    pub fn console(guild_id: u64) -> Self {
        Self {
            user_id: 0,
            guild_id: Some(guild_id),
            manages_server: true,
            manages_messages: true,
            roles: Vec::new(),
        }
    }

    /// Someone writing to the bot in a direct message.
    pub fn direct(user_id: u64) -> Self {
        Self {
            user_id,
            guild_id: None,
            manages_server: false,
            manages_messages: false,
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
    /// Set by the transport when the bot may not make a webhook there
    /// (posts under the publisher's name need one).
    pub webhooks_problem: Option<String>,
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

    /// Refuses a command the caller may not run, by its declared rule: the
    /// one check for Discord and the console alike (a crafted interaction
    /// can name a command Discord hides from the caller).
    pub async fn check_access(&self, caller: &Caller, command: &CommandSpec) -> CommandResult<()> {
        match command.access() {
            Access::Everyone => Ok(()),
            Access::Owner if self.is_owner(caller) => Ok(()),
            Access::Owner => Err(CommandError::User(format!(
                "/{} is for the bot's owners only (discord.owners in its settings).",
                command.name
            ))),
            rule => self
                .moderator_guild(caller, rule, &format!("/{}", command.name))
                .await
                .map(drop),
        }
    }

    /// Whether the caller passes `rule` (no server: only `Everyone`).
    pub(super) async fn allowed(&self, caller: &Caller, rule: Access) -> CommandResult<bool> {
        Ok(match rule {
            Access::Everyone => true,
            Access::Owner => self.is_owner(caller),
            Access::ManageServer | Access::ManageMessages => {
                match self.moderator_guild(caller, rule, "").await {
                    Ok(_) => true,
                    Err(CommandError::User(_)) => false,
                    Err(internal) => return Err(internal),
                }
            }
        })
    }

    /// The server, if the caller may moderate it under `rule`: the rule's
    /// permission (Manage Server, or Manage Messages), or the server's
    /// moderator role.
    pub(super) async fn moderator_guild(
        &self,
        caller: &Caller,
        rule: Access,
        command: &str,
    ) -> CommandResult<u64> {
        let guild = caller.guild_id.ok_or_else(|| {
            CommandError::User(format!(
                "{command} works in a server, not in direct messages."
            ))
        })?;
        let (holds, permission) = match rule {
            Access::ManageMessages => (caller.manages_messages, "Manage Messages"),
            _ => (caller.manages_server, "Manage Server"),
        };
        if holds {
            return Ok(guild);
        }
        let settings = self.db.call(move |s| s.guild_settings(guild)).await?;
        match settings.moderator_role_id {
            Some(role) if caller.roles.contains(&role) => Ok(guild),
            Some(role) => Err(CommandError::User(format!(
                "{command} is for moderators: members with {permission} or the <@&{role}> role."
            ))),
            None => Err(CommandError::User(format!(
                "{command} is for moderators: members with the {permission} permission."
            ))),
        }
    }
}
