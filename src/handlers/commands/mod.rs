//! Every chat command, declared once: its name, description, options (with
//! their types and limits), who it is for, whether its reply is private, and
//! the handler it calls. The Discord adapter registers and routes commands
//! from this table, the console parses and routes typed lines from it, and
//! `/help` is made from it. Adding an option is one line here plus its use
//! in the handler.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use super::{
    AnswerLimit, Caller, ChannelRef, CommandError, CommandResult, Export, Handlers, RoleRef,
};
use crate::domain::view::Reply;
use crate::import::ImportOptions;

/// Who Discord shows a command to by default. The handlers check again:
/// a server admin can open any command to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Everyone,
    /// Manage Server (or the server's moderator role).
    ManageServer,
    /// Manage Messages (or the server's moderator role).
    ManageMessages,
    /// The bot's owners (`discord.owners`); Discord shows it to server
    /// administrators, and the handlers check the owner list.
    Owner,
}

/// What an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text {
        max_length: u16,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Bool,
    /// A text, announcement or forum channel of the server (types 0, 5, 15).
    Channel,
    Role,
    /// An uploaded file.
    File,
    /// One of a fixed list: (what the member sees, the value handlers get).
    Choice(&'static [(&'static str, &'static str)]),
}

/// Suggestions offered while an option is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    Briefing,
    Category,
    /// A question of the briefing named in the `briefing` option.
    Question,
    Schedule,
    Source,
    TimeZone,
    /// A command's name (`/help <command>`).
    Command,
}

#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub suggest: Option<Suggest>,
}

impl OptionSpec {
    /// `text` as this option's value, refused when longer than its declared
    /// limit (Discord enforces it for current clients; both adapters check
    /// it again here).
    pub fn checked_text(&self, text: &str) -> CommandResult<String> {
        if let Kind::Text { max_length } = self.kind {
            let chars = text.chars().count();
            if chars > usize::from(max_length) {
                return Err(CommandError::User(format!(
                    "{} is {chars} characters; at most {max_length} are allowed.",
                    self.name
                )));
            }
        }
        Ok(text.to_string())
    }
}

/// A command with subcommands: only a name and description of its own.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub name: &'static str,
    pub description: &'static str,
    pub access: Access,
    pub guild_only: bool,
}

/// One command members invoke: `briefing latest`, `help`, ...
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Its full name: a group and a subcommand, or one word.
    pub name: &'static str,
    pub description: &'static str,
    pub options: &'static [OptionSpec],
    /// Answered privately (and deferred privately when slow).
    pub private: bool,
    /// Only in a server.
    pub guild_only: bool,
    /// Who may run it, when stricter than its group's rule (`None`: the
    /// group's; a one-word command is for everyone).
    pub access: Option<Access>,
    /// Lines as a member types them (in the console, as in Discord);
    /// `/help <command>` shows them and a test runs each through the
    /// console's parser against this declaration.
    pub examples: &'static [&'static str],
    pub run: Run,
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .finish()
    }
}

/// Two declarations are the same command when they have the same name.
impl PartialEq for CommandSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for CommandSpec {}

impl CommandSpec {
    /// The group part of the name (`schedule` of `schedule add`), if any.
    pub fn group(&self) -> Option<&'static str> {
        self.name.split_once(' ').map(|(group, _)| group)
    }

    /// The last word of the name (`add` of `schedule add`).
    pub fn leaf(&self) -> &'static str {
        self.name.rsplit(' ').next().unwrap_or(self.name)
    }

    /// Who may run it: its own rule, else its group's (a one-word command
    /// is for everyone).
    pub fn access(&self) -> Access {
        self.access.unwrap_or_else(|| self.registered_access())
    }

    /// The rule Discord is told (per top-level command): its group's.
    pub fn registered_access(&self) -> Access {
        self.group()
            .and_then(group)
            .map_or(Access::Everyone, |g| g.access)
    }

    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }

    /// `/schedule add channel:<…> when:<…> [repeat:…]`, for help texts.
    pub fn usage(&self) -> String {
        let mut usage = format!("/{}", self.name);
        for option in self.options {
            if option.required {
                usage.push_str(&format!(" {}:<…>", option.name));
            } else {
                usage.push_str(&format!(" [{}:…]", option.name));
            }
        }
        usage
    }
}

/// What a command comes to: a reply, or a discussion export (which each
/// transport delivers its own way: attachments, or text).
pub enum Outcome {
    Reply(Reply),
    Export(Export),
}

/// A file given to a command: its name and size, and how to fetch its
/// bytes (a download from Discord, a read in the console).
pub struct Upload {
    pub name: String,
    pub size: u64,
    pub fetch: Box<dyn FnOnce() -> BoxFuture<'static, Result<Vec<u8>, String>> + Send>,
}

/// One option's value, as the transport read it.
pub enum Arg {
    Text(String),
    Integer(i64),
    Bool(bool),
    Channel(ChannelRef),
    Role(RoleRef),
    File(Upload),
}

/// `args.integer("count")`: the option, if it was given as that kind.
macro_rules! accessor {
    ($name:ident, $variant:ident, $type:ty, $kind:pat) => {
        pub fn $name(&mut self, name: &str) -> Option<$type> {
            self.declared(name, stringify!($name), |kind| matches!(kind, $kind));
            match self.given.remove(name)? {
                Arg::$variant(value) => Some(value),
                _ => None,
            }
        }
    };
}

/// The options given, by name, already checked against the declaration.
/// Reading an option the command does not declare, or as a kind it is not
/// declared as, is a bug caught in debug builds (and logged in release): a
/// typo must not read as "not given".
pub struct Args {
    command: &'static str,
    declared: &'static [OptionSpec],
    given: BTreeMap<String, Arg>,
}

impl Args {
    /// No options yet, for `spec`.
    pub fn of(spec: &CommandSpec) -> Self {
        Self {
            command: spec.name,
            declared: spec.options,
            given: BTreeMap::new(),
        }
    }

    /// Checks that `name` is declared, as a kind `fits` accepts.
    fn declared(&self, name: &str, read_as: &str, fits: impl Fn(Kind) -> bool) {
        let declared = self.declared.iter().find(|o| o.name == name);
        if declared.is_some_and(|o| fits(o.kind)) {
            return;
        }
        let problem = format!(
            "/{} reads option '{name}' as {read_as}, which it does not declare so",
            self.command
        );
        if cfg!(debug_assertions) {
            panic!("{problem}");
        }
        tracing::error!("{problem}");
    }

    pub fn insert(&mut self, name: &str, value: Arg) {
        self.given.insert(name.to_string(), value);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.declared(name, "any kind", |_| true);
        self.given.contains_key(name)
    }

    /// The channels among the values.
    pub fn channels(&self) -> impl Iterator<Item = &ChannelRef> {
        self.given.values().filter_map(|arg| match arg {
            Arg::Channel(channel) => Some(channel),
            _ => None,
        })
    }

    pub fn text(&mut self, name: &str) -> Option<String> {
        self.declared(name, "text", |kind| {
            matches!(
                kind,
                Kind::Text { .. } | Kind::Choice(_) | Kind::Integer { .. }
            )
        });
        match self.given.remove(name)? {
            Arg::Text(text) => Some(text),
            Arg::Integer(n) => Some(n.to_string()),
            _ => None,
        }
    }

    accessor!(integer, Integer, i64, Kind::Integer { .. });

    accessor!(bool, Bool, bool, Kind::Bool);

    accessor!(channel, Channel, ChannelRef, Kind::Channel);

    accessor!(role, Role, RoleRef, Kind::Role);

    accessor!(file, File, Upload, Kind::File);

    /// A required option (the transport checked it is there).
    fn need_text(&mut self, name: &str) -> CommandResult<String> {
        self.text(name)
            .ok_or_else(|| CommandError::User(format!("Give the {name} option.")))
    }

    fn need_integer(&mut self, name: &str) -> CommandResult<i64> {
        self.integer(name)
            .ok_or_else(|| CommandError::User(format!("Give the {name} option (a number).")))
    }
}

/// What a command runs with besides its options.
pub struct Env {
    pub answer_limit: AnswerLimit,
    pub import: ImportOptions,
    /// The invoking member's display name (their answers are shown with it).
    pub author: String,
}

/// One invocation, as a handler sees it.
pub struct Call<'a> {
    pub handlers: &'a Handlers,
    pub caller: &'a Caller,
    pub args: Args,
    pub env: &'a Env,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Run = for<'a> fn(Call<'a>) -> BoxFuture<'a, CommandResult<Outcome>>;

mod catalog;

pub use catalog::{COMMANDS, GROUPS};

/// The README's command table: every command with its options and what it
/// does, made from the declarations (a test keeps the README in step).
pub fn markdown_table() -> String {
    let mut out = String::from("| command | for | what it does |\n|---|---|---|\n");
    for command in COMMANDS {
        let who = match command.access() {
            Access::ManageServer => "moderators (Manage Server)",
            Access::ManageMessages => "moderators (Manage Messages)",
            Access::Owner => "the bot's owners",
            Access::Everyone => "everyone",
        };
        let private = if command.private {
            " Only you see the reply."
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{}` | {who} | {}.{private} |\n",
            command.usage().replace('|', "\\|"),
            command.description
        ));
    }
    out
}

impl CommandSpec {
    /// Runs the command for `call.caller`, refused first when its declared
    /// rule does not allow them. Every transport runs commands through here.
    pub async fn invoke(&'static self, call: Call<'_>) -> CommandResult<Outcome> {
        call.handlers.check_access(call.caller, self).await?;
        (self.run)(call).await
    }
}

/// The command named `name` (`schedule add`, `help`).
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The group named `name`.
pub fn group(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

/// The commands a mistyped name most likely meant, as `/name`: whole names
/// (`briefing latest`) when two words were typed, top-level ones otherwise.
pub fn nearest_commands(typed: &str) -> Vec<String> {
    let typed = typed.trim().trim_start_matches('/');
    let words = typed.split_whitespace().count();
    let names: Vec<&str> = if words > 1 {
        COMMANDS.iter().map(|c| c.name).collect()
    } else {
        let mut tops: Vec<&str> = Vec::new();
        for command in COMMANDS {
            let top = command.group().unwrap_or(command.name);
            if !tops.contains(&top) {
                tops.push(top);
            }
        }
        tops
    };
    crate::domain::text::nearest(typed, names)
        .into_iter()
        .map(|name| format!("/{name}"))
        .collect()
}

impl Handlers {
    /// Suggestions for the option being typed in `command`. They follow
    /// the command's own access rule: who may not run it is offered nothing
    /// (an autocomplete request can be sent for a command Discord hides).
    pub async fn suggest(
        &self,
        caller: &Caller,
        command: &CommandSpec,
        kind: Suggest,
        partial: String,
        briefing: Option<String>,
    ) -> CommandResult<Vec<super::Choice>> {
        if !self.allowed(caller, command.access()).await? {
            tracing::warn!(
                user = caller.user_id,
                guild = ?caller.guild_id,
                command = command.name,
                "autocomplete for a command the caller may not use: nothing offered"
            );
            return Ok(Vec::new());
        }
        match kind {
            Suggest::Briefing => self.autocomplete_briefing(partial).await,
            Suggest::Category => self.autocomplete_category(partial).await,
            Suggest::Question => match briefing {
                Some(briefing) => self.autocomplete_question(caller, briefing, partial).await,
                None => Ok(Vec::new()),
            },
            Suggest::Schedule => self.autocomplete_schedule(caller, partial).await,
            Suggest::Source => self.autocomplete_source(caller, partial).await,
            Suggest::TimeZone => Ok(self.autocomplete_timezone(&partial)),
            Suggest::Command => Ok(autocomplete_command(&partial)),
        }
    }
}

/// Command names containing what is typed, in the declared order.
fn autocomplete_command(partial: &str) -> Vec<super::Choice> {
    let partial = partial.trim().trim_start_matches('/').to_lowercase();
    COMMANDS
        .iter()
        .filter(|c| c.name.contains(partial.as_str()))
        .take(super::MAX_CHOICES)
        .map(|c| super::Choice {
            name: format!("/{}", c.name),
            value: c.name.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count option's description says the limits the code enforces.
    #[test]
    fn the_digest_count_is_described_as_it_is_bounded() {
        use crate::store::{DIGEST_DEFAULT, DIGEST_MAX};
        let count = find("schedule add").unwrap().option("count").unwrap();
        assert!(count
            .description
            .contains(&format!("1-{DIGEST_MAX}, default {DIGEST_DEFAULT}")));
        assert_eq!(
            count.kind,
            Kind::Integer {
                min: Some(1),
                max: Some(i64::from(DIGEST_MAX))
            }
        );
    }

    #[test]
    fn every_command_belongs_to_a_declared_group_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for command in COMMANDS {
            assert!(seen.insert(command.name), "{} twice", command.name);
            if let Some(group) = command.group() {
                assert!(super::group(group).is_some(), "{}", command.name);
            }
            let mut options = std::collections::HashSet::new();
            let mut optional_seen = false;
            for option in command.options {
                assert!(
                    options.insert(option.name),
                    "{}: {}",
                    command.name,
                    option.name
                );
                // Discord wants required options first.
                assert!(!(optional_seen && option.required), "{}", command.name);
                optional_seen |= !option.required;
            }
        }
        for group in GROUPS {
            assert!(COMMANDS.iter().any(|c| c.group() == Some(group.name)));
        }
    }
}
