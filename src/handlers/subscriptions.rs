//! `/subscribe`: channels that get every new briefing (optionally only some
//! categories, sources or words).

use super::{Caller, ChannelRef, CommandError, CommandResult, Handlers, OrUserError, RoleRef};
use crate::domain::filter::WordFilter;
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{limits, Embed, Reply};
use crate::handlers::commands::Access;
use crate::store::{Identity, NewDelivery, Origin, Payload, Wants};

/// What `/subscribe add` was given.
#[derive(Debug, Clone)]
pub struct SubscriptionRequest {
    pub channel: ChannelRef,
    /// Categories, separated by commas.
    pub categories: Option<String>,
    /// A followed source, as autocomplete gives it.
    pub source: Option<String>,
    pub role: Option<RoleRef>,
    pub publish: Option<bool>,
    /// Words and "quoted phrases": only briefings that mention one.
    pub include: Option<String>,
    /// Words and phrases: never briefings that mention one.
    pub exclude: Option<String>,
    /// `bot` or `publisher`: whose name the posts carry.
    pub identity: Option<String>,
}

impl SubscriptionRequest {
    /// Every new briefing into `channel`.
    pub fn to(channel: ChannelRef) -> Self {
        Self {
            channel,
            categories: None,
            source: None,
            role: None,
            publish: None,
            include: None,
            exclude: None,
            identity: None,
        }
    }
}

/// A typed word filter, or a message naming the option and what is wrong.
fn word_filter(option: &str, typed: Option<&str>) -> CommandResult<WordFilter> {
    WordFilter::optional(typed).map_err(|why| {
        CommandError::User(format!(
            "{option}: the filter {why}. Type words or \"quoted phrases\", e.g. {option}:lithium \"rare earth\"; nothing was changed."
        ))
    })
}

/// How a subscription's word filters read in replies and lists.
fn words_text(include: &WordFilter, exclude: &WordFilter) -> String {
    let mut text = String::new();
    if !include.is_empty() {
        let words = escape_markdown(&include.describe());
        text.push_str(&format!(" mentioning {words}"));
    }
    if !exclude.is_empty() {
        let words = escape_markdown(&exclude.describe());
        let but = if include.is_empty() {
            "not mentioning"
        } else {
            "but not"
        };
        text.push_str(&format!(" {but} {words}"));
    }
    text
}

impl Handlers {
    pub async fn subscribe_add(
        &self,
        caller: &Caller,
        request: SubscriptionRequest,
    ) -> CommandResult<Reply> {
        let SubscriptionRequest {
            channel,
            categories,
            source,
            role,
            publish,
            include,
            exclude,
            identity,
        } = request;
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/subscribe add")
            .await?;
        let include = word_filter("include", include.as_deref())?;
        let exclude = word_filter("exclude", exclude.as_deref())?;
        let role_id = role.as_ref().map(RoleRef::pingable).transpose()?;
        let publish = publish.unwrap_or(false);
        if publish && !channel.announcement {
            return Err(CommandError::User(format!(
                "<#{}> is not an announcement channel, so there is nothing to publish to. Pick an announcement channel, or leave publish off.",
                channel.id
            )));
        }
        let identity = match identity.as_deref().map(str::trim) {
            None | Some("") => Identity::Bot,
            Some(typed) => Identity::parse(typed).ok_or_else(|| {
                CommandError::User(format!(
                    "identity: '{}' is neither bot nor publisher; nothing was changed.",
                    truncate(typed, 40)
                ))
            })?,
        };
        if identity == Identity::Publisher {
            if channel.forum {
                return Err(CommandError::User(format!(
                    "<#{}> is a forum: its posts are started by the bot, so identity:publisher does not apply there. Leave identity out.",
                    channel.id
                )));
            }
            if let Some(problem) = &channel.webhooks_problem {
                return Err(CommandError::User(format!(
                    "To post under each publisher's name in <#{}> I make a webhook there, but {problem}. Give the bot Manage Webhooks in that channel (`briefbot invite-url --webhooks` asks for it), or leave identity out.",
                    channel.id
                )));
            }
        }
        let source = match source.filter(|s| !s.trim().is_empty()) {
            Some(typed) => {
                let id = super::sources::source_id(&typed)?;
                let found = self.db.read(move |s| s.source(id)).await?;
                Some(found.user_error(format!(
                    "There is no source #{id}. Pick one from the list as you type."
                ))?)
            }
            None => None,
        };
        let channel_id = self.briefing_channel(guild, &channel).await?;
        let categories: Vec<String> = categories
            .unwrap_or_default()
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        let known = self.db.call(|s| s.categories()).await?;
        let unknown: Vec<&String> = categories
            .iter()
            .filter(|c| !known.iter().any(|(k, _)| k.eq_ignore_ascii_case(c)))
            .collect();
        if !unknown.is_empty() {
            let names: Vec<String> = unknown
                .iter()
                .map(|c| format!("'{}'", truncate(c, 50)))
                .collect();
            return Err(CommandError::User(format!(
                "No briefings are in {} yet. Check the spelling with /briefing categories; categories are separated by commas.",
                names.join(", ")
            )));
        }
        let (by, now) = (caller.user_id, self.clock.now_ms());
        let wants = Wants {
            categories: categories.clone(),
            sources: source.iter().map(|s| s.id).collect(),
            role_id,
            publish,
            forum: channel.forum,
            include: include.clone(),
            exclude: exclude.clone(),
            identity,
        };
        let (_, created) = self
            .db
            .call(move |s| s.subscribe(guild, channel_id, &wants, by, now))
            .await?;
        let mut filter = if categories.is_empty() {
            "every new briefing".to_string()
        } else {
            format!(
                "new briefings in {}",
                escape_markdown(&categories.join(", "))
            )
        };
        if let Some(source) = &source {
            filter.push_str(&format!(
                " from {}",
                escape_markdown(&truncate(&source.public_label(), 80))
            ));
        }
        filter.push_str(&words_text(&include, &exclude));
        if let Some(role) = role_id {
            filter.push_str(&format!(", pinging <@&{role}>"));
        }
        if publish {
            filter.push_str(", each published to the servers that follow the channel");
        }
        if identity == Identity::Publisher {
            filter.push_str(", each under its publisher's name and picture");
        }
        Ok(Reply::private(if created {
            format!("<#{channel_id}> will get {filter}. Briefings already in the library are not posted.")
        } else {
            format!("Updated: <#{channel_id}> will get {filter}.")
        }))
    }

    pub async fn subscribe_list(&self, caller: &Caller) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/subscribe list")
            .await?;
        let subscriptions = self.db.call(move |s| s.subscriptions(guild)).await?;
        if subscriptions.is_empty() {
            return Ok(Reply::private(
                "No channel is subscribed. /subscribe add #channel posts new briefings there.",
            ));
        }
        let lines: Vec<String> = subscriptions
            .iter()
            .map(|s| {
                let mut filter = if s.categories.is_empty() {
                    "all briefings".to_string()
                } else {
                    escape_markdown(&s.categories.join(", "))
                };
                if !s.sources.is_empty() {
                    let ids: Vec<String> = s.sources.iter().map(|id| format!("#{id}")).collect();
                    filter.push_str(&format!(" · from source {}", ids.join(", ")));
                }
                if !s.include.is_empty() || !s.exclude.is_empty() {
                    filter.push_str(&format!(" ·{}", words_text(&s.include, &s.exclude)));
                }
                if let Some(role) = s.role_id {
                    filter.push_str(&format!(" · pings <@&{role}>"));
                }
                if s.publish {
                    filter.push_str(" · published");
                }
                if s.identity == Identity::Publisher {
                    filter.push_str(" · as the publisher");
                }
                let state = match &s.paused_reason {
                    Some(why) => format!(" · **paused**: {why}"),
                    None => String::new(),
                };
                format!(
                    "<#{}> · {filter} · since <t:{}:d>{state}",
                    s.channel_id,
                    s.created_at / 1000
                )
            })
            .collect();
        Ok(Reply::private_embed(Embed {
            title: Some("Subscribed channels".into()),
            description: Some(truncate(&lines.join("\n"), limits::DESCRIPTION)),
            ..Embed::default()
        }))
    }

    /// The newest briefing in the library that a channel's subscription
    /// would post, exactly as it would look there, shown only to the
    /// moderator: a way to check the filters before new briefings arrive.
    pub async fn subscribe_preview(
        &self,
        caller: &Caller,
        channel: ChannelRef,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/subscribe preview")
            .await?;
        let channel_id = channel.id;
        let found = self
            .db
            .call(move |s| {
                let Some(subscription) = s.subscription(guild, channel_id)? else {
                    return Ok(None);
                };
                let shown = match s.newest_taken(&subscription)? {
                    Some(id) => Some(crate::posting::render_payload(
                        s,
                        guild,
                        &crate::store::Payload::Briefing(id),
                    )?),
                    None => None,
                };
                Ok(Some(shown))
            })
            .await?;
        let messages = match found.ok_or_else(|| not_subscribed(channel_id))? {
            Some(rendered) => rendered.ready().map_err(CommandError::User)?,
            None => {
                return Ok(Reply::private(format!(
                    "None of the newest {} briefings in the library is one <#{channel_id}> would get. Its filters are in /subscribe list.",
                    crate::store::PREVIEW_LOOKBACK
                )))
            }
        };
        let mut reply = Reply {
            messages,
            ephemeral: true,
        };
        if let Some(first) = reply.messages.first_mut() {
            let note = format!(
                "Preview: the newest briefing <#{channel_id}> would get, as it would be posted; nothing has been posted."
            );
            first.content = Some(match &first.content {
                Some(text) => format!("{note}\n{text}"),
                None => note,
            });
        }
        Ok(reply)
    }

    /// Posts, now and once, the newest briefing in the library that a
    /// channel's subscription would post, marked as a test. It is not the
    /// briefing's post: the real one still comes, and the test pings no
    /// role, publishes nowhere and opens no discussion.
    pub async fn subscribe_test(
        &self,
        caller: &Caller,
        channel: ChannelRef,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/subscribe test")
            .await?;
        let (channel_id, now) = (channel.id, self.clock.now_ms());
        let queued = self
            .db
            .call(move |s| {
                let Some(subscription) = s.subscription(guild, channel_id)? else {
                    return Ok(None);
                };
                let Some(id) = s.newest_taken(&subscription)? else {
                    return Ok(Some(None));
                };
                let title = s.briefing_by_id(id)?.map(|b| b.briefing.title);
                let delivery = NewDelivery::pending(
                    guild,
                    channel_id,
                    Origin::RunNow,
                    Payload::TestPost(id),
                    now,
                )
                .in_forum(subscription.forum);
                s.insert_delivery(&delivery, now)?;
                Ok(Some(Some((id, title.unwrap_or_default()))))
            })
            .await?;
        let Some((id, title)) = queued.ok_or_else(|| not_subscribed(channel_id))? else {
            return Err(CommandError::User(format!(
                "None of the newest {} briefings in the library is one <#{channel_id}> would get, so there is nothing to test with. Its filters are in /subscribe list.",
                crate::store::PREVIEW_LOOKBACK
            )));
        };
        self.wake.notify();
        tracing::info!(
            guild,
            channel = channel_id,
            briefing = id,
            by = caller.user_id,
            "subscription test queued"
        );
        Ok(Reply::private(format!(
            "Posting a test of “{}” in <#{channel_id}> now, marked as a test. It pings no role and opens no discussion; the briefing's real post still comes. /schedule log shows how it went.",
            escape_markdown(&truncate(&title, 120))
        )))
    }

    pub async fn subscribe_remove(
        &self,
        caller: &Caller,
        channel: ChannelRef,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageServer, "/subscribe remove")
            .await?;
        let channel_id = channel.id;
        let removed = self
            .db
            .call(move |s| s.unsubscribe(guild, channel_id))
            .await?;
        if removed {
            Ok(Reply::private(format!(
                "<#{channel_id}> no longer gets new briefings. Its past posts stay in /schedule log."
            )))
        } else {
            Err(not_subscribed(channel_id))
        }
    }
}

/// The refusal for a channel that has no subscription, in every command.
fn not_subscribed(channel_id: u64) -> CommandError {
    CommandError::User(format!(
        "<#{channel_id}> is not subscribed. /subscribe list shows the ones that are."
    ))
}
