//! What each command does, independent of the transport that asked. Both the
//! Discord adapter and the console call these and render the [`Reply`].

mod access;
pub mod commands;
mod discussion;
mod error;
mod imports;
mod questions;
mod schedules;
mod settings;
mod sources;
mod subscriptions;

pub use access::{Caller, ChannelRef, RoleRef};
pub use discussion::{export_rows, AnswerLimit, AnswerPlace, Answered, Export, MAX_ANSWER_CHARS};
pub use error::{CommandError, CommandResult, OrUserError};
pub use schedules::ScheduleRequest;
pub use sources::SourceRequest;
pub use subscriptions::SubscriptionRequest;

use std::sync::Arc;

use crate::clock::{SharedClock, SystemClock};
use crate::follow::{FetchError, FollowConfig, Follower};
use crate::posting::{Poster, Posting, PostingConfig, Wake};

use crate::domain::custom_id::CustomId;
use crate::domain::render;
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{limits, Button, Embed, Field, Message, Reply};
use crate::store::{highlight_snippet, Db, SearchHit};

/// Briefings per page of `/briefing list`.
pub const PAGE_SIZE: u64 = 10;
/// Autocomplete may offer at most this many choices (Discord's limit).
pub const MAX_CHOICES: usize = 25;
/// The longest text a member may type where a briefing, question, category
/// or search is asked for (Discord enforces it through each option's
/// `max_length`; this holds it for the console and old clients too).
pub const MAX_LOOKUP_CHARS: usize = 200;

/// `text` trimmed, or a refusal when it is longer than any real title.
pub(crate) fn lookup_text(what: &str, text: &str) -> CommandResult<String> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars > MAX_LOOKUP_CHARS {
        return Err(CommandError::User(format!(
            "That {what} is {chars} characters long; type at most {MAX_LOOKUP_CHARS} (a few words of a title are enough)."
        )));
    }
    Ok(text.to_string())
}

/// Hits shown by `/briefing search`.
const SEARCH_HITS: u64 = 10;

/// One autocomplete suggestion: what is shown and what is sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub value: String,
}

#[derive(Clone)]
pub struct Handlers {
    db: Db,
    clock: SharedClock,
    wake: Wake,
    /// Fetches sources for `/source`; `None` where sources are not followed.
    follower: Option<Follower>,
    /// The interval of a source added without one.
    default_interval: std::time::Duration,
    /// User ids of the bot's owners (who may manage sources).
    owners: Vec<u64>,
}

impl Handlers {
    /// Handlers on the system clock.
    pub fn new(db: Db) -> Self {
        Self::with_clock(db, Arc::new(SystemClock))
    }

    /// Handlers on a clock of the caller's choosing (tests move it by hand).
    pub fn with_clock(db: Db, clock: SharedClock) -> Self {
        Self {
            db,
            clock,
            wake: Wake::default(),
            follower: None,
            default_interval: crate::follow::DEFAULT_INTERVAL,
            owners: Vec::new(),
        }
    }

    /// These handlers, following sources with `config`: `/source` works,
    /// and [`Self::follower`] gives the loop to run beside the bot.
    pub fn with_follower(
        mut self,
        config: FollowConfig,
        default_interval: std::time::Duration,
    ) -> Result<Self, FetchError> {
        self.follower = Some(Follower::new(
            self.db.clone(),
            Arc::clone(&self.clock),
            self.wake.clone(),
            config,
        )?);
        self.default_interval = default_interval;
        Ok(self)
    }

    /// The bot's owners, by user id: they may manage sources.
    pub fn with_owners(mut self, owners: Vec<u64>) -> Self {
        self.owners = owners;
        self
    }

    /// Whether the database answers within `limit`, for health reports.
    pub async fn database_check(&self, limit: std::time::Duration) -> Result<(), String> {
        match tokio::time::timeout(limit, self.db.call(|s| s.check())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} s", limit.as_secs())),
        }
    }

    pub fn follower(&self) -> Option<&Follower> {
        self.follower.as_ref()
    }

    /// The delivery loop over the same database and clock, woken by these
    /// handlers whenever they change what is to be posted.
    pub fn posting(&self, poster: Arc<dyn Poster>, config: PostingConfig) -> Posting {
        Posting::new(
            self.db.clone(),
            Arc::clone(&self.clock),
            self.wake.clone(),
            poster,
            config,
        )
    }

    pub async fn latest(&self, caller: &Caller, category: Option<String>) -> CommandResult<Reply> {
        let category = category.map(|c| lookup_text("category", &c)).transpose()?;
        let wanted = category.clone();
        let found = self
            .db
            .read(move |s| s.latest_briefing(wanted.as_deref()))
            .await?;
        let stored = match category {
            Some(c) => found.user_error(format!(
                "No briefings in category '{c}'. See /briefing categories for the ones there are."
            ))?,
            None => found.user_error("There are no briefings yet. A moderator can import some.")?,
        };
        self.in_callers_layout(caller, &stored.briefing).await
    }

    /// By id or slug (what autocomplete sends), else the best title match
    /// for whatever was typed.
    pub async fn read(&self, caller: &Caller, briefing: String) -> CommandResult<Reply> {
        let typed = lookup_text("briefing name", &briefing)?;
        if typed.is_empty() {
            return Err(CommandError::User(
                "Name a briefing to read: start typing its title.".into(),
            ));
        }
        let key = typed.clone();
        let found = self
            .db
            .read_lookup(move |s| s.lookup_briefing(&key))
            .await?;
        let stored = found.user_error(format!(
            "No briefing matches '{}'. Try /briefing search.",
            truncate(&typed, 100)
        ))?;
        self.in_callers_layout(caller, &stored.briefing).await
    }

    /// A briefing as the caller's server lays them out (cards in a direct
    /// message).
    async fn in_callers_layout(
        &self,
        caller: &Caller,
        briefing: &crate::domain::Briefing,
    ) -> CommandResult<Reply> {
        let (layout, accent) = match caller.guild_id {
            Some(guild) => {
                let settings = self.db.read(move |s| s.guild_settings(guild)).await?;
                (settings.layout, settings.accent)
            }
            None => Default::default(),
        };
        Ok(render::briefing_in(briefing, layout, accent))
    }

    pub async fn search(&self, query: String) -> CommandResult<Reply> {
        let query = lookup_text("search", &query)?;
        let q = query.clone();
        let hits = self
            .db
            .read_lookup(move |s| s.search(&q, SEARCH_HITS))
            .await?;
        if hits.is_empty() {
            return Err(CommandError::User(format!(
                "No briefing matches '{}'. Try other or fewer words, or /briefing list.",
                truncate(query.trim(), 100)
            )));
        }
        Ok(Reply {
            messages: vec![Message {
                embeds: vec![search_embed(&query, &hits)],
                ..Message::default()
            }],
            ephemeral: false,
        })
    }

    /// Page `page` (from 1) of the library, with Previous / Next buttons.
    pub async fn list(&self, category: Option<String>, page: u64) -> CommandResult<Reply> {
        let page = page.max(1);
        let category = category.map(|c| lookup_text("category", &c)).transpose()?;
        let wanted = category.clone();
        let listing = self
            .db
            .read(move |s| {
                s.list_briefings(
                    wanted.as_deref(),
                    (page - 1).saturating_mul(PAGE_SIZE),
                    PAGE_SIZE,
                )
            })
            .await?;
        if listing.total == 0 {
            return Err(CommandError::User(match &category {
                Some(c) => format!("No briefings in category '{c}'. See /briefing categories."),
                None => "There are no briefings yet. A moderator can import some.".into(),
            }));
        }
        let pages = listing.total.div_ceil(PAGE_SIZE);
        let page = page.min(pages);
        let lines: Vec<String> = listing
            .items
            .iter()
            .map(|item| {
                let date = item
                    .published
                    .map(|d| format!(" · {}", d.format("%b %-d, %Y")))
                    .unwrap_or_default();
                format!("`{}` {}{date}", item.id, escape_markdown(&item.title))
            })
            .collect();
        let title = match &category {
            Some(c) => format!("Briefings in {}", truncate(c, 200)),
            None => "Briefings".to_string(),
        };
        let button = |label: &str, target: u64, disabled: bool| Button {
            custom_id: CustomId::ListPage {
                page: target,
                category: category.clone(),
            }
            .to_string(),
            label: label.to_string(),
            disabled,
        };
        Ok(Reply {
            messages: vec![Message {
                ping_role: None,
                card: None,
                content: None,
                embeds: vec![Embed {
                    title: Some(title),
                    description: Some(lines.join("\n")),
                    footer: Some(format!(
                        "Page {page} of {pages} · {} briefings · /briefing read <id> to open one",
                        listing.total
                    )),
                    ..Embed::default()
                }],
                buttons: vec![
                    button("Previous", page.saturating_sub(1).max(1), page <= 1),
                    button("Next", page + 1, page >= pages),
                ],
            }],
            ephemeral: false,
        })
    }

    pub async fn categories(&self) -> CommandResult<Reply> {
        let categories = self.db.read(|s| s.categories()).await?;
        if categories.is_empty() {
            return Err(CommandError::User("No categories yet.".into()));
        }
        let lines: Vec<String> = categories
            .iter()
            .map(|(name, count)| format!("**{}** · {count}", escape_markdown(name)))
            .collect();
        Ok(Reply {
            messages: vec![Message {
                embeds: vec![Embed {
                    title: Some("Categories".into()),
                    description: Some(truncate(&lines.join("\n"), limits::DESCRIPTION)),
                    footer: Some("/briefing list <category> shows the briefings in one".into()),
                    ..Embed::default()
                }],
                ..Message::default()
            }],
            ephemeral: false,
        })
    }

    /// Every command, from their declarations: one field per command (or
    /// group of subcommands) with what it is for. With `command`, that one
    /// command (or group) in full: its options, who it is for, examples.
    pub fn help(&self, command: Option<String>) -> CommandResult<Reply> {
        let wanted = command
            .as_deref()
            .map(|c| {
                c.trim()
                    .trim_start_matches('/')
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            })
            .filter(|c| !c.is_empty());
        let embed = match wanted {
            None => Embed {
                title: Some("Briefbot commands".into()),
                fields: help_lines()
                    .into_iter()
                    .map(|(usage, what)| Field {
                        name: truncate(&usage, limits::FIELD_NAME),
                        value: what,
                        inline: false,
                    })
                    .collect(),
                footer: Some("/help <command> explains one, with examples".into()),
                ..Embed::default()
            },
            Some(name) => {
                if let Some(spec) = commands::find(&name) {
                    command_help(spec)
                } else if let Some(group) = commands::group(&name) {
                    group_help(group)
                } else {
                    let suggestions = commands::nearest_commands(&name);
                    return Err(CommandError::User(format!(
                        "There is no command /{}.{} /help lists them all.",
                        truncate(&name, 40),
                        crate::domain::text::did_you_mean(&suggestions)
                    )));
                }
            }
        };
        Ok(Reply {
            messages: vec![Message {
                embeds: vec![embed],
                ..Message::default()
            }],
            ephemeral: true,
        })
    }

    /// Briefings whose text matches what is typed so far, best first; the
    /// newest when nothing is typed yet.
    pub async fn autocomplete_briefing(&self, partial: String) -> CommandResult<Vec<Choice>> {
        // Suggestions need only the start of what is typed.
        let partial = truncate(&partial, MAX_LOOKUP_CHARS);
        let choices = self
            .db
            .read_lookup(move |s| {
                if partial.trim().is_empty() {
                    let page = s.list_briefings(None, 0, MAX_CHOICES as u64)?;
                    Ok(page
                        .items
                        .into_iter()
                        .map(|i| (i.id, i.title))
                        .collect::<Vec<_>>())
                } else {
                    let hits = s.search_as_you_type(&partial, MAX_CHOICES as u64)?;
                    Ok(hits.into_iter().map(|h| (h.id, h.title)).collect())
                }
            })
            .await?;
        Ok(choices
            .into_iter()
            .map(|(id, title)| Choice {
                name: truncate(&title, 100),
                value: id.to_string(),
            })
            .collect())
    }

    pub async fn autocomplete_category(&self, partial: String) -> CommandResult<Vec<Choice>> {
        let partial = truncate(partial.trim(), MAX_LOOKUP_CHARS).to_lowercase();
        let categories = self.db.read(|s| s.categories()).await?;
        Ok(categories
            .into_iter()
            .filter(|(name, _)| name.to_lowercase().contains(&partial))
            .take(MAX_CHOICES)
            .map(|(name, count)| Choice {
                name: truncate(&format!("{name} ({count})"), 100),
                value: truncate(&name, 100),
            })
            .collect())
    }

    /// A button press, routed by its custom_id alone (so buttons outlive
    /// restarts). `None` when the id is not one of ours.
    pub async fn button(&self, caller: &Caller, custom_id: &str) -> Option<CommandResult<Reply>> {
        Some(match custom_id.parse::<CustomId>().ok()? {
            CustomId::ListPage { page, category } => self.list(category, page).await,
            CustomId::DiscussionPage {
                briefing,
                question,
                page,
            } => {
                let question = question.map(|q| format!("q{q}"));
                self.discussion(caller, briefing.to_string(), question, page)
                    .await
            }
            CustomId::DeleteAnswer { answer } => self.answer_delete(caller, answer).await,
            CustomId::ForgetMe { user } => self.forget_me_confirmed(caller, user).await,
            CustomId::KeepAnswers { user } => self.forget_me_declined(caller, user),
            CustomId::CancelSchedule {
                schedule,
                confirmed,
            } => {
                self.schedule_cancel_answer(caller, schedule, confirmed)
                    .await
            }
            // These open forms (see `answer_form`), they are not pressed here.
            CustomId::Answer { .. }
            | CustomId::AnswerForm { .. }
            | CustomId::EditAnswer { .. }
            | CustomId::EditForm { .. } => return None,
        })
    }
}

/// `("/schedule add|list|… · moderators", "Post briefings at set times")`
/// for each group, and usage and description for each one-word command, in
/// the order they are declared.
pub fn help_lines() -> Vec<(String, String)> {
    use commands::{Access, COMMANDS};
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for command in COMMANDS {
        let top = command.group().unwrap_or(command.name);
        if done.contains(&top) {
            continue;
        }
        done.push(top);
        match commands::group(top) {
            Some(group) => {
                let subs: Vec<&str> = COMMANDS
                    .iter()
                    .filter(|c| c.group() == Some(top))
                    .map(|c| c.leaf())
                    .collect();
                let who = match group.access {
                    Access::Everyone => "",
                    Access::Owner => " · the bot's owners",
                    _ => " · moderators",
                };
                let what = group
                    .description
                    .trim_end_matches(" (moderators)")
                    .trim_end_matches(" (the bot's owners)");
                lines.push((format!("/{top} {}{who}", subs.join("|")), what.to_string()));
            }
            None => lines.push((command.usage(), command.description.to_string())),
        }
    }
    lines
}

/// Who a rule lets run a command, for help texts.
fn who_may(access: commands::Access) -> &'static str {
    match access {
        commands::Access::Everyone => "everyone",
        commands::Access::ManageServer => "moderators: Manage Server, or the moderator role",
        commands::Access::ManageMessages => "moderators: Manage Messages, or the moderator role",
        commands::Access::Owner => "the bot's owners (discord.owners)",
    }
}

/// One command in full: usage, each option, who it is for, examples.
fn command_help(spec: &commands::CommandSpec) -> Embed {
    let mut fields = vec![Field {
        name: "Usage".into(),
        value: format!("`{}`", spec.usage()),
        inline: false,
    }];
    for option in spec.options {
        let mut value = escape_markdown(option.description);
        if let commands::Kind::Choice(choices) = option.kind {
            let names: Vec<&str> = choices.iter().map(|(_, v)| *v).collect();
            value.push_str(&format!(" ({})", names.join(", ")));
        }
        fields.push(Field {
            name: format!(
                "{}{}",
                option.name,
                if option.required { " (required)" } else { "" }
            ),
            value: truncate(&value, limits::FIELD_VALUE),
            inline: false,
        });
    }
    if !spec.examples.is_empty() {
        fields.push(Field {
            name: "Examples".into(),
            value: truncate(
                &spec
                    .examples
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                limits::FIELD_VALUE,
            ),
            inline: false,
        });
    }
    let private = if spec.private {
        " Only you see the reply."
    } else {
        ""
    };
    Embed {
        title: Some(format!("/{}", spec.name)),
        description: Some(format!(
            "{}. For {}.{private}",
            spec.description,
            who_may(spec.access())
        )),
        fields: fields.into_iter().take(limits::FIELDS).collect(),
        ..Embed::default()
    }
}

/// A group: each of its commands with usage and what it does.
fn group_help(group: &commands::Group) -> Embed {
    let fields = commands::COMMANDS
        .iter()
        .filter(|c| c.group() == Some(group.name))
        .map(|c| Field {
            name: truncate(&c.usage(), limits::FIELD_NAME),
            value: escape_markdown(c.description),
            inline: false,
        })
        .take(limits::FIELDS)
        .collect();
    Embed {
        title: Some(format!("/{}", group.name)),
        description: Some(format!(
            "{}. For {}.",
            group
                .description
                .trim_end_matches(" (moderators)")
                .trim_end_matches(" (the bot's owners)"),
            who_may(group.access)
        )),
        fields,
        footer: Some(format!("/help {} <command> shows one in full", group.name)),
        ..Embed::default()
    }
}

fn search_embed(query: &str, hits: &[SearchHit]) -> Embed {
    let fields = hits
        .iter()
        .map(|hit| Field {
            name: truncate(&format!("{} · #{}", hit.title, hit.id), limits::FIELD_NAME),
            value: truncate(
                &highlight_snippet(&escape_markdown(&hit.snippet), "**", "**"),
                limits::FIELD_VALUE,
            ),
            inline: false,
        })
        .collect();
    Embed {
        title: Some(truncate(&format!("Search: {query}"), limits::TITLE)),
        fields,
        footer: Some("/briefing read <id> opens one".into()),
        ..Embed::default()
    }
}
