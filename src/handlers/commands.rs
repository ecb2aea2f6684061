//! Every chat command, declared once: its name, description, options (with
//! their types and limits), who it is for, whether its reply is private, and
//! the handler it calls. The Discord adapter registers and routes commands
//! from this table, the console parses and routes typed lines from it, and
//! `/help` is made from it. Adding an option is one line here plus its use
//! in the handler.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use super::ScheduleRequest;
use super::{AnswerLimit, Caller, ChannelRef, CommandError, CommandResult, Export, Handlers};
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
    /// A text or announcement channel of the server.
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
    TimeZone,
}

#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub suggest: Option<Suggest>,
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
    /// Only in a server. A one-word command's access is `Everyone`; a
    /// subcommand has its group's.
    pub guild_only: bool,
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
    Role(u64),
    File(Upload),
}

/// `args.integer("count")`: the option, if it was given as that kind.
macro_rules! accessor {
    ($name:ident, $variant:ident, $type:ty) => {
        pub fn $name(&mut self, name: &str) -> Option<$type> {
            match self.0.remove(name)? {
                Arg::$variant(value) => Some(value),
                _ => None,
            }
        }
    };
}

/// The options given, by name, already checked against the declaration.
#[derive(Default)]
pub struct Args(BTreeMap<String, Arg>);

impl Args {
    pub fn insert(&mut self, name: &str, value: Arg) {
        self.0.insert(name.to_string(), value);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn text(&mut self, name: &str) -> Option<String> {
        match self.0.remove(name)? {
            Arg::Text(text) => Some(text),
            Arg::Integer(n) => Some(n.to_string()),
            _ => None,
        }
    }

    accessor!(integer, Integer, i64);

    accessor!(bool, Bool, bool);

    accessor!(channel, Channel, ChannelRef);

    accessor!(role, Role, u64);

    accessor!(file, File, Upload);

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

const fn text(name: &'static str, description: &'static str, max_length: u16) -> OptionSpec {
    OptionSpec {
        name,
        description,
        kind: Kind::Text { max_length },
        required: true,
        suggest: None,
    }
}

const fn optional(option: OptionSpec) -> OptionSpec {
    OptionSpec {
        required: false,
        ..option
    }
}

const fn suggest(option: OptionSpec, suggest: Suggest) -> OptionSpec {
    OptionSpec {
        suggest: Some(suggest),
        ..option
    }
}

const fn of_kind(name: &'static str, description: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec {
        name,
        description,
        kind,
        required: true,
        suggest: None,
    }
}

/// How long a typed briefing, question, category or search may be.
const LOOKUP: u16 = super::MAX_LOOKUP_CHARS as u16;
const ANSWER: u16 = super::MAX_ANSWER_CHARS as u16;

const BRIEFING: OptionSpec = suggest(
    text("briefing", "The briefing (start typing its title)", LOOKUP),
    Suggest::Briefing,
);
const CATEGORY: OptionSpec = optional(suggest(
    text("category", "Only briefings in this category", LOOKUP),
    Suggest::Category,
));
const CHANNEL: OptionSpec = of_kind("channel", "Where to post", Kind::Channel);
const SCHEDULE: OptionSpec = suggest(text("schedule", "The schedule", 100), Suggest::Schedule);
const ANSWER_NUMBER: OptionSpec = of_kind(
    "answer",
    "The answer's number (#12)",
    Kind::Integer {
        min: None,
        max: None,
    },
);
const REPEAT: OptionSpec = optional(of_kind(
    "repeat",
    "How often (default: once)",
    Kind::Choice(&[
        ("once", "once"),
        ("daily", "daily"),
        ("weekly", "weekly"),
        ("cron", "cron"),
    ]),
));
const POST: OptionSpec = optional(of_kind(
    "post",
    "What to post (default: the next briefing not yet posted here)",
    Kind::Choice(&[
        ("the next briefing not yet posted here", "next"),
        ("a chosen briefing", "briefing"),
        ("a digest of the newest", "digest"),
    ]),
));
const COUNT: OptionSpec = optional(of_kind(
    "count",
    "How many briefings a digest lists (1-25, default 5)",
    Kind::Integer {
        min: Some(1),
        max: Some(25),
    },
));
const TIMEZONE: OptionSpec = optional(suggest(
    text(
        "timezone",
        "Time zone for this schedule (default: the server's)",
        64,
    ),
    Suggest::TimeZone,
));

/// The commands with subcommands, in the order they are registered.
pub const GROUPS: &[Group] = &[
    Group {
        name: "briefing",
        description: "Read, find and browse briefings",
        access: Access::Everyone,
        guild_only: false,
    },
    Group {
        name: "subscribe",
        description: "Post new briefings to channels (moderators)",
        access: Access::ManageServer,
        guild_only: true,
    },
    Group {
        name: "schedule",
        description: "Post briefings at set times (moderators)",
        access: Access::ManageServer,
        guild_only: true,
    },
    Group {
        name: "settings",
        description: "The server's Briefbot settings (moderators)",
        access: Access::ManageServer,
        guild_only: true,
    },
    Group {
        name: "answer",
        description: "Answer a briefing's key questions",
        access: Access::Everyone,
        guild_only: false,
    },
    Group {
        name: "moderate",
        description: "Moderate discussions (moderators)",
        access: Access::ManageMessages,
        guild_only: true,
    },
];

/// A moderator command that takes only the schedule it acts on, and calls
/// the handler method of that name with it.
macro_rules! on_schedule {
    ($name:literal, $description:literal, $method:ident) => {
        CommandSpec {
            name: $name,
            description: $description,
            options: &[SCHEDULE],
            private: true,
            guild_only: true,
            run: |c| {
                reply(c, |h, who, mut a| async move {
                    h.$method(who, a.need_text("schedule")?).await
                })
            },
        }
    };
}

/// Every command, in the order `/help` lists them and Discord shows them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "briefing latest",
        description: "The newest briefing",
        options: &[CATEGORY],
        private: false,
        guild_only: false,
        run: |c| reply(c, |h, _, mut a| async move { h.latest(a.text("category")).await }),
    },
    CommandSpec {
        name: "briefing read",
        description: "Read a briefing in full",
        options: &[suggest(
            text("briefing", "Start typing its title", LOOKUP),
            Suggest::Briefing,
        )],
        private: false,
        guild_only: false,
        run: |c| reply(c, |h, _, mut a| async move { h.read(a.need_text("briefing")?).await }),
    },
    CommandSpec {
        name: "briefing search",
        description: "Search the text of every briefing",
        options: &[text("query", "Words to look for", LOOKUP)],
        private: false,
        guild_only: false,
        run: |c| reply(c, |h, _, mut a| async move { h.search(a.need_text("query")?).await }),
    },
    CommandSpec {
        name: "briefing list",
        description: "Every briefing, newest first, ten to a page",
        options: &[CATEGORY],
        private: false,
        guild_only: false,
        run: |c| reply(c, |h, _, mut a| async move { h.list(a.text("category"), 1).await }),
    },
    CommandSpec {
        name: "briefing categories",
        description: "The categories and how many briefings each has",
        options: &[],
        private: false,
        guild_only: false,
        run: |c| reply(c, |h, _, _| async move { h.categories().await }),
    },
    CommandSpec {
        name: "briefing import",
        description: "Import a briefing file: a .txt capture or a .md briefing (moderators)",
        options: &[of_kind("file", "The briefing file (.txt or .md)", Kind::File)],
        private: true,
        guild_only: true,
        run: |c| Box::pin(import(c)),
    },
    CommandSpec {
        name: "help",
        description: "What each Briefbot command does",
        options: &[],
        private: true,
        guild_only: false,
        run: |c| reply(c, |h, _, _| async move { Ok(h.help()) }),
    },
    CommandSpec {
        name: "subscribe add",
        description: "Post every new briefing (or some categories) to a channel",
        options: &[
            CHANNEL,
            optional(text(
                "categories",
                "Only these categories, separated by commas (default: all)",
                LOOKUP,
            )),
        ],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let channel = need_channel(&mut a)?;
                h.subscribe_add(who, channel, a.text("categories")).await
            })
        },
    },
    CommandSpec {
        name: "subscribe list",
        description: "The subscribed channels",
        options: &[],
        private: true,
        guild_only: true,
        run: |c| reply(c, |h, who, _| async move { h.subscribe_list(who).await }),
    },
    CommandSpec {
        name: "subscribe remove",
        description: "Stop posting new briefings to a channel",
        options: &[of_kind("channel", "The channel", Kind::Channel)],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.subscribe_remove(who, need_channel(&mut a)?).await
            })
        },
    },
    CommandSpec {
        name: "schedule add",
        description: "Schedule a post: once, daily, weekly or by cron",
        options: &[
            CHANNEL,
            text(
                "when",
                "2026-12-01 09:00 or 'in 2h' (once) · 09:00 (daily) · mon 09:00 (weekly) · 0 9 * * 1-5 (cron)",
                100,
            ),
            REPEAT,
            POST,
            optional(suggest(
                text("briefing", "The briefing, when posting a chosen one", LOOKUP),
                Suggest::Briefing,
            )),
            COUNT,
            TIMEZONE,
        ],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.schedule_add(who, schedule_request(&mut a)?).await
            })
        },
    },
    CommandSpec {
        name: "schedule list",
        description: "Every schedule with its next run",
        options: &[],
        private: true,
        guild_only: true,
        run: |c| reply(c, |h, who, _| async move { h.schedule_list(who).await }),
    },
    CommandSpec {
        name: "schedule edit",
        description: "Change a schedule (what you leave out stays)",
        options: &[
            SCHEDULE,
            optional(of_kind("channel", "Post somewhere else", Kind::Channel)),
            optional(text("when", "New time", 100)),
            REPEAT,
            POST,
            optional(suggest(
                text("briefing", "The briefing, when posting a chosen one", LOOKUP),
                Suggest::Briefing,
            )),
            COUNT,
            optional(suggest(
                text("timezone", "Time zone ('server' follows the server's)", 64),
                Suggest::TimeZone,
            )),
        ],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let schedule = a.need_text("schedule")?;
                h.schedule_edit(who, schedule, schedule_request(&mut a)?).await
            })
        },
    },
    on_schedule!("schedule pause", "Stop a schedule for now", schedule_pause),
    on_schedule!("schedule resume", "Start a paused schedule again", schedule_resume),
    on_schedule!("schedule cancel", "Cancel a schedule (asks first)", schedule_cancel),
    on_schedule!("schedule run-now", "Post a schedule's content now, once", schedule_run_now),
    on_schedule!("schedule preview", "See exactly what a schedule would post (only you see it)", schedule_preview),
    CommandSpec {
        name: "schedule log",
        description: "What was posted, and why something was not",
        options: &[optional(of_kind("channel", "Only this channel", Kind::Channel))],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.schedule_log(who, a.channel("channel")).await
            })
        },
    },
    CommandSpec {
        name: "settings show",
        description: "The current settings",
        options: &[],
        private: true,
        guild_only: true,
        run: |c| reply(c, |h, who, _| async move { h.settings_show(who).await }),
    },
    CommandSpec {
        name: "settings timezone",
        description: "The server's time zone for schedules",
        options: &[suggest(
            text(
                "zone",
                "An IANA name such as Europe/Berlin (start typing a city)",
                64,
            ),
            Suggest::TimeZone,
        )],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_timezone(who, a.need_text("zone")?).await
            })
        },
    },
    CommandSpec {
        name: "settings moderator-role",
        description: "A role whose members may use the moderator commands (leave out to clear)",
        options: &[optional(of_kind(
            "role",
            "The role (leave out: Manage Server only)",
            Kind::Role,
        ))],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_moderator_role(who, a.role("role")).await
            })
        },
    },
    CommandSpec {
        name: "settings log-channel",
        description: "Where the bot reports paused schedules and failed posts (leave out to clear)",
        options: &[optional(of_kind(
            "channel",
            "The channel (leave out: none)",
            Kind::Channel,
        ))],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_log_channel(who, a.channel("channel")).await
            })
        },
    },
    CommandSpec {
        name: "settings threads",
        description: "Open a discussion thread under each posted briefing (on by default)",
        options: &[of_kind(
            "on",
            "On: a thread with the key questions; off: none",
            Kind::Bool,
        )],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_discussion_threads(who, a.bool("on").unwrap_or(true)).await
            })
        },
    },
    CommandSpec {
        name: "settings answers",
        description: "Allow answers only to briefings posted in this server (off by default)",
        options: &[of_kind(
            "only_posted_here",
            "On: only briefings posted here; off: any briefing",
            Kind::Bool,
        )],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let only = a.bool("only_posted_here").unwrap_or(false);
                h.set_answers_where_posted(who, only).await
            })
        },
    },
    CommandSpec {
        name: "answer to",
        description: "Answer one of a briefing's key questions",
        options: &[
            BRIEFING,
            suggest(text("question", "Which key question", LOOKUP), Suggest::Question),
            text("text", "Your answer", ANSWER),
        ],
        private: true,
        guild_only: false,
        run: |c| Box::pin(answer_to(c)),
    },
    CommandSpec {
        name: "answer edit",
        description: "Change one of your answers (the earlier text is kept in its history)",
        options: &[ANSWER_NUMBER, text("text", "The new text", ANSWER)],
        private: true,
        guild_only: false,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let answer = a.need_integer("answer")?;
                h.answer_edit(who, answer, a.need_text("text")?).await
            })
        },
    },
    CommandSpec {
        name: "answer delete",
        description: "Delete one of your answers",
        options: &[ANSWER_NUMBER],
        private: true,
        guild_only: false,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.answer_delete(who, a.need_integer("answer")?).await
            })
        },
    },
    CommandSpec {
        name: "discussion",
        description: "The answers to a briefing's key questions, newest first",
        options: &[
            BRIEFING,
            optional(suggest(
                text("question", "Only this question", LOOKUP),
                Suggest::Question,
            )),
        ],
        private: false,
        guild_only: false,
        run: |c| {
            reply(c, |h, _, mut a| async move {
                let briefing = a.need_text("briefing")?;
                h.discussion(briefing, a.text("question"), 1).await
            })
        },
    },
    CommandSpec {
        name: "moderate remove",
        description: "Hide an answer from members (kept, marked, in exports)",
        options: &[ANSWER_NUMBER, text("reason", "Why (kept with it)", 200)],
        private: true,
        guild_only: true,
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let answer = a.need_integer("answer")?;
                h.answer_remove(who, answer, a.need_text("reason")?).await
            })
        },
    },
    CommandSpec {
        name: "moderate export",
        description: "A briefing's discussion, or all answers in a date range, as CSV and JSON",
        options: &[
            optional(suggest(
                text("briefing", "Only this briefing", LOOKUP),
                Suggest::Briefing,
            )),
            optional(text("from", "From this day (YYYY-MM-DD, UTC)", 10)),
            optional(text("to", "Up to and including this day (YYYY-MM-DD, UTC)", 10)),
        ],
        private: true,
        guild_only: true,
        run: |c| Box::pin(export(c)),
    },
    CommandSpec {
        name: "forget-me",
        description: "Delete every answer you gave and your name with them (asks first)",
        options: &[],
        private: true,
        guild_only: false,
        run: |c| reply(c, |h, who, _| async move { Ok(h.forget_me(who)) }),
    },
];

/// The README's command table: every command with its options and what it
/// does, made from the declarations (a test keeps the README in step).
pub fn markdown_table() -> String {
    let mut out = String::from("| command | for | what it does |\n|---|---|---|\n");
    for command in COMMANDS {
        let who = match command.group().and_then(group).map(|g| g.access) {
            Some(Access::ManageServer) => "moderators (Manage Server)",
            Some(Access::ManageMessages) => "moderators (Manage Messages)",
            _ if command.name == "briefing import" => "moderators",
            _ => "everyone",
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

/// The command named `name` (`schedule add`, `help`).
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The group named `name`.
pub fn group(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

/// A command whose outcome is a reply: `work` gets the handlers, the
/// caller and the options.
fn reply<'a, F, W>(call: Call<'a>, work: F) -> BoxFuture<'a, CommandResult<Outcome>>
where
    F: FnOnce(&'a Handlers, &'a Caller, Args) -> W + Send + 'a,
    W: Future<Output = CommandResult<Reply>> + Send + 'a,
{
    Box::pin(async move {
        work(call.handlers, call.caller, call.args)
            .await
            .map(Outcome::Reply)
    })
}

fn need_channel(args: &mut Args) -> CommandResult<ChannelRef> {
    args.channel("channel")
        .ok_or_else(|| CommandError::User("Give a channel to post in.".into()))
}

fn schedule_request(args: &mut Args) -> CommandResult<ScheduleRequest> {
    let count = match args.integer("count") {
        Some(n) => Some(u32::try_from(n).map_err(|_| {
            CommandError::User("count is how many briefings a digest lists: 1 to 25.".into())
        })?),
        None => None,
    };
    Ok(ScheduleRequest {
        channel: args.channel("channel"),
        when: args.text("when"),
        repeat: args.text("repeat"),
        post: args.text("post"),
        briefing: args.text("briefing"),
        count,
        timezone: args.text("timezone"),
    })
}

async fn import(call: Call<'_>) -> CommandResult<Outcome> {
    let Call {
        handlers,
        caller,
        mut args,
        env,
    } = call;
    let file = args
        .file("file")
        .ok_or_else(|| CommandError::User("Attach the briefing file.".into()))?;
    let options = env.import.clone();
    // Refused before anything is fetched: who, what kind, how big.
    handlers
        .import_upload_allowed(caller, &file.name, file.size, &options)
        .await?;
    let bytes = (file.fetch)().await.map_err(|e| {
        CommandError::User(format!(
            "Could not fetch {}: {e}; try attaching it again.",
            file.name
        ))
    })?;
    handlers
        .import_upload(caller, file.name, bytes, options)
        .await
        .map(Outcome::Reply)
}

async fn answer_to(call: Call<'_>) -> CommandResult<Outcome> {
    let Call {
        handlers,
        caller,
        mut args,
        env,
    } = call;
    let briefing = args.need_text("briefing")?;
    let question = args.need_text("question")?;
    let text = args.need_text("text")?;
    handlers
        .answer(
            caller,
            env.author.clone(),
            briefing,
            question,
            text,
            env.answer_limit,
        )
        .await
        .map(Outcome::Reply)
}

async fn export(call: Call<'_>) -> CommandResult<Outcome> {
    let Call {
        handlers,
        caller,
        mut args,
        ..
    } = call;
    let from = day_start(args.text("from").as_deref(), 0)?;
    let to = day_start(args.text("to").as_deref(), 1)?;
    handlers
        .export_discussion(caller, args.text("briefing"), from, to)
        .await
        .map(Outcome::Export)
}

/// Milliseconds at the start of `day` (+ `plus` days), UTC.
fn day_start(day: Option<&str>, plus: u64) -> CommandResult<Option<i64>> {
    day.map(|text| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_days(chrono::Days::new(plus)))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .ok_or_else(|| {
                CommandError::User(format!(
                    "'{text}' is not a day: use YYYY-MM-DD, e.g. 2026-11-24."
                ))
            })
    })
    .transpose()
}

impl Handlers {
    /// Suggestions for the option being typed.
    pub async fn suggest(
        &self,
        caller: &Caller,
        kind: Suggest,
        partial: String,
        briefing: Option<String>,
    ) -> CommandResult<Vec<super::Choice>> {
        match kind {
            Suggest::Briefing => self.autocomplete_briefing(partial).await,
            Suggest::Category => self.autocomplete_category(partial).await,
            Suggest::Question => match briefing {
                Some(briefing) => self.autocomplete_question(briefing, partial).await,
                None => Ok(Vec::new()),
            },
            Suggest::Schedule => self.autocomplete_schedule(caller, partial).await,
            Suggest::TimeZone => Ok(self.autocomplete_timezone(&partial)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
