//! The declarations themselves: every group and command, their options,
//! and the small functions that turn a command's options into a handler
//! call.

use std::future::Future;

use super::{
    Access, Args, BoxFuture, Call, CommandSpec, Group, Kind, OptionSpec, Outcome, Suggest,
};
use crate::domain::filter::MAX_FILTER_CHARS;
use crate::domain::view::Reply;
use crate::handlers::{
    Caller, ChannelRef, CommandError, CommandResult, Handlers, ScheduleRequest, SourceRequest,
    SubscriptionRequest,
};
use crate::store::{DIGEST_MAX, MAX_ADDED_QUESTION};

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
const LOOKUP: u16 = crate::handlers::MAX_LOOKUP_CHARS as u16;
const ANSWER: u16 = crate::handlers::MAX_ANSWER_CHARS as u16;

const BRIEFING: OptionSpec = suggest(
    text("briefing", "The briefing (start typing its title)", LOOKUP),
    Suggest::Briefing,
);
const CATEGORY: OptionSpec = optional(suggest(
    text("category", "Only briefings in this category", LOOKUP),
    Suggest::Category,
));
const PING: OptionSpec = optional(of_kind(
    "role",
    "Ping this role with each post (it alone; nothing else pings)",
    Kind::Role,
));
const SOURCE: OptionSpec = suggest(text("source", "The source", 100), Suggest::Source);
const CHANNEL: OptionSpec = of_kind("channel", "Where to post", Kind::Channel);
const SCHEDULE: OptionSpec = suggest(text("schedule", "The schedule", 100), Suggest::Schedule);
const QUESTION: OptionSpec = suggest(
    text("question", "Which question (start typing it)", LOOKUP),
    Suggest::Question,
);
const QUESTION_TEXT: OptionSpec = text(
    "text",
    "The question, as members will read it",
    MAX_ADDED_QUESTION as u16,
);
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
        max: Some(DIGEST_MAX as i64),
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
        name: "source",
        description: "Feeds and sites the bot follows (the bot's owners)",
        access: Access::Owner,
        guild_only: false,
    },
    Group {
        name: "moderate",
        description: "Moderate discussions (moderators)",
        access: Access::ManageMessages,
        guild_only: true,
    },
    Group {
        name: "questions",
        description: "Pose this server's own key questions on any briefing (moderators)",
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
            access: None,
            examples: &[concat!("/", $name, " 1")],
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
        access: None,
        examples: &["/briefing latest", "/briefing latest category:Energy"],
        run: |c| reply(c, |h, who, mut a| async move { h.latest(who, a.text("category")).await }),
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
        access: None,
        examples: &["/briefing read 2", "/briefing read grid-storage"],
        run: |c| {
            reply(c, |h, who, mut a| async move { h.read(who, a.need_text("briefing")?).await })
        },
    },
    CommandSpec {
        name: "briefing search",
        description: "Search the text of every briefing",
        options: &[text("query", "Words to look for", LOOKUP)],
        private: false,
        guild_only: false,
        access: None,
        examples: &["/briefing search offshore wind"],
        run: |c| reply(c, |h, _, mut a| async move { h.search(a.need_text("query")?).await }),
    },
    CommandSpec {
        name: "briefing list",
        description: "Every briefing, newest first, ten to a page",
        options: &[CATEGORY],
        private: false,
        guild_only: false,
        access: None,
        examples: &["/briefing list", "/briefing list category:Europe"],
        run: |c| reply(c, |h, _, mut a| async move { h.list(a.text("category"), 1).await }),
    },
    CommandSpec {
        name: "briefing categories",
        description: "The categories and how many briefings each has",
        options: &[],
        private: false,
        guild_only: false,
        access: None,
        examples: &[],
        run: |c| reply(c, |h, _, _| async move { h.categories().await }),
    },
    CommandSpec {
        name: "briefing import",
        description: "Import a briefing file: a .txt capture or a .md briefing (moderators)",
        options: &[of_kind("file", "The briefing file (.txt or .md)", Kind::File)],
        private: true,
        guild_only: true,
        // Stricter than its group: Discord shows /briefing to everyone
        // (permissions are per top-level command), so the description says
        // who it is for and the dispatcher refuses the rest.
        access: Some(Access::ManageServer),
        examples: &["/briefing import file:briefings/004-municipal-fiber.md"],
        run: |c| Box::pin(import(c)),
    },
    CommandSpec {
        name: "help",
        description: "What each Briefbot command does, or one command in full",
        options: &[optional(suggest(
            text("command", "One command to explain, e.g. schedule add", 40),
            Suggest::Command,
        ))],
        private: true,
        guild_only: false,
        access: None,
        examples: &["/help", "/help schedule add"],
        run: |c| reply(c, |h, _, mut a| async move { h.help(a.text("command")) }),
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
            optional(suggest(
                text("source", "Only briefings from this followed source (default: any)", 100),
                Suggest::Source,
            )),
            PING,
            optional(of_kind(
                "publish",
                "Publish each post to the servers following this announcement channel",
                Kind::Bool,
            )),
            optional(text(
                "include",
                "Only briefings that mention one of these words or \"quoted phrases\"",
                MAX_FILTER_CHARS as u16,
            )),
            optional(text(
                "exclude",
                "Never briefings that mention one of these words or \"quoted phrases\"",
                MAX_FILTER_CHARS as u16,
            )),
            optional(of_kind(
                "identity",
                "Post under the bot's name (default) or each briefing's publisher's, by webhook",
                Kind::Choice(&[("bot", "bot"), ("publisher", "publisher")]),
            )),
        ],
        private: true,
        guild_only: true,
        access: None,
        examples: &[
            "/subscribe add channel:#news",
            "/subscribe add channel:#energy categories:\"Energy, Climate\"",
            "/subscribe add channel:#minerals include:\"lithium “rare earth”\" exclude:opinion",
            "/subscribe add channel:#news identity:publisher",
        ],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let request = SubscriptionRequest {
                    channel: need_channel(&mut a)?,
                    categories: a.text("categories"),
                    source: a.text("source"),
                    role: a.role("role"),
                    publish: a.bool("publish"),
                    include: a.text("include"),
                    exclude: a.text("exclude"),
                    identity: a.text("identity"),
                };
                h.subscribe_add(who, request).await
            })
        },
    },
    CommandSpec {
        name: "subscribe list",
        description: "The subscribed channels",
        options: &[],
        private: true,
        guild_only: true,
        access: None,
        examples: &[],
        run: |c| reply(c, |h, who, _| async move { h.subscribe_list(who).await }),
    },
    CommandSpec {
        name: "subscribe preview",
        description: "See privately the newest briefing a channel's subscription would post",
        options: &[of_kind("channel", "The subscribed channel", Kind::Channel)],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/subscribe preview channel:#news"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.subscribe_preview(who, need_channel(&mut a)?).await
            })
        },
    },
    CommandSpec {
        name: "subscribe test",
        description: "Post now, marked as a test, the newest briefing a channel's subscription would post",
        options: &[of_kind("channel", "The subscribed channel", Kind::Channel)],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/subscribe test channel:#news"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.subscribe_test(who, need_channel(&mut a)?).await
            })
        },
    },
    CommandSpec {
        name: "subscribe remove",
        description: "Stop posting new briefings to a channel",
        options: &[of_kind("channel", "The channel", Kind::Channel)],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/subscribe remove channel:#news"],
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
                "e.g. tomorrow 9am · in 2h · daily 09:00 · every weekday at 9:00 · every monday 10:00 · cron",
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
            PING,
        ],
        private: true,
        guild_only: true,
        access: None,
        examples: &[
            "/schedule add channel:#news when:\"in 2m\" post:digest count:3",
            "/schedule add #news \"every weekday at 9:00\"",
            "/schedule add #news \"tomorrow 9am\" timezone:Europe/Berlin",
            "/schedule add #news \"first monday of the month 9am\" post:digest",
            "/schedule add #news \"0 9 * * 1-5\"",
        ],
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
        access: None,
        examples: &[],
        run: |c| reply(c, |h, who, _| async move { h.schedule_list(who).await }),
    },
    CommandSpec {
        name: "schedule edit",
        description: "Change a schedule (what you leave out stays)",
        options: &[
            SCHEDULE,
            optional(of_kind("channel", "Post somewhere else", Kind::Channel)),
            optional(text("when", "New time, e.g. 10:30, every weekday at 9:00 (what you leave out stays)", 100)),
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
            PING,
        ],
        private: true,
        guild_only: true,
        access: None,
        examples: &[
            "/schedule edit 1 when:10:30",
            "/schedule edit 1 repeat:daily",
            "/schedule edit 1 channel:#briefings",
        ],
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
        access: None,
        examples: &[],
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
        access: None,
        examples: &[],
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
        access: None,
        examples: &["/settings timezone Europe/Berlin"],
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
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_moderator_role(who, a.role("role").map(|r| r.id)).await
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
        access: None,
        examples: &[],
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
        access: None,
        examples: &["/settings threads off"],
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
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let only = a.bool("only_posted_here").unwrap_or(false);
                h.set_answers_where_posted(who, only).await
            })
        },
    },
    CommandSpec {
        name: "settings layout",
        description: "How briefings look when posted or read here: cards (default) or classic embeds",
        options: &[
            of_kind(
                "style",
                "Cards: one framed card per post; classic: embeds",
                Kind::Choice(&[("cards", "cards"), ("classic", "classic")]),
            ),
            optional(text(
                "accent",
                "A card's edge colour as #RRGGBB, or none (leave out: unchanged)",
                16,
            )),
        ],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/settings layout classic", "/settings layout cards accent:#2b6cb0"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.set_layout(who, a.need_text("style")?, a.text("accent")).await
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
        access: None,
        examples: &["/answer to briefing:2 question:1 text:\"Storage first, then cables.\""],
        run: |c| Box::pin(answer_to(c)),
    },
    CommandSpec {
        name: "answer edit",
        description: "Change one of your answers (the earlier text is kept in its history)",
        options: &[ANSWER_NUMBER, text("text", "The new text", ANSWER)],
        private: true,
        guild_only: false,
        access: None,
        examples: &[],
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
        access: None,
        examples: &[],
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
        access: None,
        examples: &["/discussion 2"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let briefing = a.need_text("briefing")?;
                h.discussion(who, briefing, a.text("question"), 1).await
            })
        },
    },
    CommandSpec {
        name: "source add",
        description: "Follow a feed (RSS, Atom, JSON Feed) or an article page",
        options: &[
            text("url", "The feed's or page's address (http or https)", 2048),
            optional(text("name", "A name for lists (default: the site's own)", 100)),
            optional(text(
                "categories",
                "Categories added to every article, separated by commas",
                LOOKUP,
            )),
            optional(text("every", "How often to fetch: 10m, 2h, 1d (default 10m)", 16)),
            optional(text(
                "question",
                "A key question its articles get when they come without any",
                MAX_ADDED_QUESTION as u16,
            )),
        ],
        private: true,
        guild_only: false,
        access: None,
        examples: &["/source add https://example.org/feed/"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let request = SourceRequest {
                    url: a.need_text("url")?,
                    name: a.text("name"),
                    categories: a.text("categories"),
                    every: a.text("every"),
                    question: a.text("question"),
                };
                h.source_add(who, request).await
            })
        },
    },
    CommandSpec {
        name: "source list",
        description: "The followed sources and their state",
        options: &[],
        private: true,
        guild_only: false,
        access: None,
        examples: &[],
        run: |c| reply(c, |h, who, _| async move { h.source_list(who).await }),
    },
    CommandSpec {
        name: "source remove",
        description: "Stop following a source (its briefings stay)",
        options: &[SOURCE],
        private: true,
        guild_only: false,
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.source_remove(who, a.need_text("source")?).await
            })
        },
    },
    CommandSpec {
        name: "source check",
        description: "Fetch a source or any address now and show what would be imported (stores nothing)",
        options: &[suggest(
            text("source", "A followed source, or any feed or page address", 2048),
            Suggest::Source,
        )],
        private: true,
        guild_only: false,
        access: None,
        examples: &["/source check https://example.org/feed/"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.source_check(who, a.need_text("source")?).await
            })
        },
    },
    CommandSpec {
        name: "moderate remove",
        description: "Hide an answer from members (kept, marked, in exports)",
        options: &[ANSWER_NUMBER, text("reason", "Why (kept with it)", 200)],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/moderate remove answer:12 reason:\"off topic\""],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let answer = a.need_integer("answer")?;
                h.answer_remove(who, answer, a.need_text("reason")?).await
            })
        },
    },
    CommandSpec {
        name: "moderate feature",
        description: "Feature an answer: first in /discussion, pinned in its thread",
        options: &[ANSWER_NUMBER],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/moderate feature answer:12"],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.answer_feature(who, a.need_integer("answer")?, true).await
            })
        },
    },
    CommandSpec {
        name: "moderate unfeature",
        description: "Stop featuring an answer (and unpin it)",
        options: &[ANSWER_NUMBER],
        private: true,
        guild_only: true,
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                h.answer_feature(who, a.need_integer("answer")?, false).await
            })
        },
    },
    CommandSpec {
        name: "moderate stats",
        description: "How the discussion goes: answers, members, per question, most discussed",
        options: &[
            optional(suggest(
                text("briefing", "Only this briefing (else the most discussed)", LOOKUP),
                Suggest::Briefing,
            )),
            optional(text("from", "From this day (YYYY-MM-DD, UTC)", 10)),
            optional(text("to", "Up to and including this day (YYYY-MM-DD, UTC)", 10)),
        ],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/moderate stats", "/moderate stats briefing:2"],
        run: |c| Box::pin(stats(c)),
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
        access: None,
        examples: &["/moderate export briefing:2"],
        run: |c| Box::pin(export(c)),
    },
    CommandSpec {
        name: "questions add",
        description: "Add a key question to a briefing, for this server",
        options: &[BRIEFING, QUESTION_TEXT],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/questions add briefing:2 text:\"What would change your mind?\""],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let briefing = a.need_text("briefing")?;
                h.questions_add(who, briefing, a.need_text("text")?).await
            })
        },
    },
    CommandSpec {
        name: "questions edit",
        description: "Change one of this server's questions (its answers stay)",
        options: &[BRIEFING, QUESTION, QUESTION_TEXT],
        private: true,
        guild_only: true,
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let briefing = a.need_text("briefing")?;
                let question = a.need_text("question")?;
                h.questions_edit(who, briefing, question, a.need_text("text")?)
                    .await
            })
        },
    },
    CommandSpec {
        name: "questions retire",
        description: "Stop asking one of this server's questions (its answers stay)",
        options: &[BRIEFING, QUESTION],
        private: true,
        guild_only: true,
        access: None,
        examples: &[],
        run: |c| {
            reply(c, |h, who, mut a| async move {
                let briefing = a.need_text("briefing")?;
                h.questions_retire(who, briefing, a.need_text("question")?)
                    .await
            })
        },
    },
    CommandSpec {
        name: "questions list",
        description: "A briefing's questions in this server: its own and this server's",
        options: &[BRIEFING],
        private: true,
        guild_only: true,
        access: None,
        examples: &["/questions list briefing:2"],
        run: |c| reply(c, |h, who, mut a| async move { h.questions_list(who, a.need_text("briefing")?).await }),
    },
    CommandSpec {
        name: "forget-me",
        description: "Delete every answer you gave and your name with them (asks first)",
        options: &[],
        private: true,
        guild_only: false,
        access: None,
        examples: &[],
        run: |c| reply(c, |h, who, _| async move { Ok(h.forget_me(who)) }),
    },
];

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
            CommandError::User(format!(
                "count is how many briefings a digest lists: 1 to {DIGEST_MAX}."
            ))
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
        role: args.role("role"),
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

async fn stats(call: Call<'_>) -> CommandResult<Outcome> {
    let Call {
        handlers,
        caller,
        mut args,
        ..
    } = call;
    let from = day_start(args.text("from").as_deref(), 0)?;
    let to = day_start(args.text("to").as_deref(), 1)?;
    handlers
        .discussion_stats(caller, args.text("briefing"), from, to)
        .await
        .map(Outcome::Reply)
}

/// Milliseconds at the start of `day` (+ `plus` days), UTC.
fn day_start(day: Option<&str>, plus: u64) -> CommandResult<Option<i64>> {
    day.map(|text| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| crate::clock::day_start_ms(d, plus))
            .ok_or_else(|| {
                CommandError::User(format!(
                    "'{text}' is not a day: use YYYY-MM-DD, e.g. 2026-11-24."
                ))
            })
    })
    .transpose()
}
