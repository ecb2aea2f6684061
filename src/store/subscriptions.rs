//! Channels subscribed to new briefings, and queuing a delivery for each new
//! briefing that matches.

use rusqlite::{params, OptionalExtension, Row};

use super::deliveries::{NewDelivery, Origin, Payload};
use super::{GuildScope, Result, Store};
use crate::domain::filter::WordFilter;

/// What a subscription takes, and whom its posts ping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wants {
    /// Empty: every category.
    pub categories: Vec<String>,
    /// Empty: any source.
    pub sources: Vec<i64>,
    pub role_id: Option<u64>,
    /// Publish each post (announcement channels).
    pub publish: bool,
    /// The channel is a forum: each briefing is a forum post.
    pub forum: bool,
    /// Only briefings that mention one of these (empty: any).
    pub include: WordFilter,
    /// Never briefings that mention one of these.
    pub exclude: WordFilter,
    /// Whose name its posts carry.
    pub identity: Identity,
}

/// Whose name and picture a subscription's posts carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Identity {
    /// The bot's own.
    #[default]
    Bot,
    /// The briefing's source's, through a webhook of the channel.
    Publisher,
}

impl Identity {
    pub fn as_str(self) -> &'static str {
        match self {
            Identity::Bot => "bot",
            Identity::Publisher => "publisher",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "bot" => Some(Identity::Bot),
            "publisher" => Some(Identity::Publisher),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub guild_id: u64,
    pub channel_id: u64,
    /// Empty: every briefing.
    pub categories: Vec<String>,
    /// Source ids; empty: briefings from anywhere.
    pub sources: Vec<i64>,
    /// A role each of its posts pings.
    pub role_id: Option<u64>,
    /// Each post is published to the servers following the channel.
    pub publish: bool,
    /// The channel is a forum: each briefing is a forum post.
    pub forum: bool,
    pub paused_reason: Option<String>,
    pub created_by: u64,
    pub created_at: i64,
    /// Only briefings that mention one of these words or phrases.
    pub include: WordFilter,
    /// Never briefings that mention one of these.
    pub exclude: WordFilter,
    pub identity: Identity,
}

const COLUMNS: &str =
    "id, guild_id, channel_id, categories, paused_reason, created_by, created_at, sources, role_id, publish, forum, include_words, exclude_words, identity";
/// The column after [`COLUMNS`] in queries that add one.
const AFTER_COLUMNS: usize = 14;

/// How many of the newest briefings a preview looks through for one the
/// subscription takes.
pub const PREVIEW_LOOKBACK: usize = 500;

/// A briefing as a subscription judges it.
struct Candidate {
    id: i64,
    categories: Vec<String>,
    source: Option<i64>,
    announce: bool,
}

/// A stored word filter: its terms as written by [`terms_json`].
/// Terms are letters and digits only (they go into an FTS5 query as
/// phrases), so a stored term with anything else is an error.
fn filter_column(row: &Row<'_>, index: usize) -> rusqlite::Result<WordFilter> {
    let terms: Vec<String> = super::json_column(row, index)?;
    let word_chars = |t: &String| t.chars().all(|c| c.is_alphanumeric() || c == ' ');
    if let Some(bad) = terms.iter().find(|t| !word_chars(t)) {
        return Err(super::unreadable(
            index,
            rusqlite::types::Type::Text,
            format!("the stored word filter {bad:?} has characters other than letters and digits"),
        ));
    }
    Ok(WordFilter { terms })
}

fn terms_json(filter: &WordFilter) -> String {
    serde_json::to_string(&filter.terms).expect("strings serialise")
}

fn read(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: row.get(0)?,
        guild_id: row.get::<_, i64>(1)? as u64,
        channel_id: row.get::<_, i64>(2)? as u64,
        categories: super::json_column(row, 3)?,
        paused_reason: row.get(4)?,
        created_by: row.get::<_, i64>(5)? as u64,
        created_at: row.get(6)?,
        sources: super::json_column(row, 7)?,
        role_id: row.get::<_, Option<i64>>(8)?.map(|r| r as u64),
        publish: row.get(9)?,
        forum: row.get(10)?,
        include: filter_column(row, 11)?,
        exclude: filter_column(row, 12)?,
        identity: {
            let text: String = row.get(13)?;
            Identity::parse(&text).ok_or_else(|| {
                super::unreadable(
                    13,
                    rusqlite::types::Type::Text,
                    format!("the stored identity {text:?} is neither bot nor publisher"),
                )
            })?
        },
    })
}

impl Store {
    /// The newest briefing's id (0 for an empty library): what a watcher
    /// compares to notice imports made by another process.
    pub fn max_briefing_id(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM briefings")?
            .query_row([], |row| row.get(0))?)
    }

    /// Subscribes a channel, or changes the filters of an existing
    /// subscription (which also resumes it). Returns it and whether it is new.
    /// A new subscription starts after the newest briefing, so the existing
    /// library is not posted.
    pub fn subscribe(
        &mut self,
        guild_id: u64,
        channel_id: u64,
        wants: &Wants,
        by: u64,
        now: i64,
    ) -> Result<(Subscription, bool)> {
        self.in_transaction(|store| {
            let categories_json =
                serde_json::to_string(&wants.categories).expect("strings serialise");
            let sources_json = serde_json::to_string(&wants.sources).expect("ids serialise");
            let role = wants.role_id.map(|r| r as i64);
            let (include, exclude) = (terms_json(&wants.include), terms_json(&wants.exclude));
            let existing = store.subscription(guild_id, channel_id)?;
            if existing.is_some() {
                store.conn.execute(
                    "UPDATE subscriptions SET categories = ?1, sources = ?3, role_id = ?4, publish = ?5,
                         forum = ?6, include_words = ?8, exclude_words = ?9, identity = ?10, paused_reason = NULL
                     WHERE guild_id = ?7 AND channel_id = ?2",
                    params![categories_json, channel_id as i64, sources_json, role, wants.publish, wants.forum, guild_id as i64, include, exclude, wants.identity.as_str()],
                )?;
            } else {
                let newest = store.max_briefing_id()?;
                store.conn.execute(
                    "INSERT INTO subscriptions (guild_id, channel_id, categories, sources, role_id, publish, forum,
                         after_briefing_id, created_by, created_at, include_words, exclude_words, identity)
                     VALUES (?1, ?2, ?3, ?7, ?8, ?9, ?10, ?4, ?5, ?6, ?11, ?12, ?13)",
                    params![guild_id as i64, channel_id as i64, categories_json, newest, by as i64, now, sources_json, role, wants.publish, wants.forum, include, exclude, wants.identity.as_str()],
                )?;
            }
            let saved = store
                .subscription(guild_id, channel_id)?
                .expect("the subscription was just written");
            Ok((saved, existing.is_none()))
        })
    }

    pub fn subscription(&self, guild_id: u64, channel_id: u64) -> Result<Option<Subscription>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM subscriptions WHERE guild_id = ?1 AND channel_id = ?2"
            ))?
            .query_row(params![guild_id as i64, channel_id as i64], read)
            .optional()?)
    }

    pub fn subscriptions(&self, guild_id: u64) -> Result<Vec<Subscription>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM subscriptions WHERE guild_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([guild_id as i64], read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a channel's subscription; false when it had none. Its past
    /// deliveries stay in the log.
    pub fn unsubscribe(&mut self, guild_id: u64, channel_id: u64) -> Result<bool> {
        Ok(self.conn.execute(
            "DELETE FROM subscriptions WHERE guild_id = ?1 AND channel_id = ?2",
            params![guild_id as i64, channel_id as i64],
        )? > 0)
    }

    /// Queues a delivery for every briefing that is new to a subscription
    /// and matches its categories and sources, and moves each subscription
    /// past them. A followed source's backlog (imported when the source was
    /// added) is never queued.
    /// Paused subscriptions move past them without posting. Returns how many
    /// deliveries were queued.
    pub fn queue_new_briefings(&mut self, scope: GuildScope, now: i64) -> Result<usize> {
        self.in_transaction(|store| {
            let subscriptions: Vec<(Subscription, i64)> = {
                let mut stmt = store.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS}, after_briefing_id FROM subscriptions
                     WHERE after_briefing_id < (SELECT coalesce(max(id), 0) FROM briefings) AND {}",
                    scope.sql("guild_id", 1)
                ))?;
                let (only, except) = scope.params();
                let rows = stmt.query_map(params![only, except], |row| {
                    Ok((read(row)?, row.get(AFTER_COLUMNS)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut queued = 0;
            for (subscription, after) in subscriptions {
                let new = store.candidates("b.id > ?1 ORDER BY b.id", after)?;
                let newest = new.last().map_or(after, |c| c.id);
                if subscription.paused_reason.is_none() {
                    for candidate in &new {
                        if !store.takes(&subscription, candidate)? {
                            continue;
                        }
                        let briefing_id = &candidate.id;
                        let delivery = NewDelivery::pending(
                            subscription.guild_id,
                            subscription.channel_id,
                            Origin::Subscription,
                            Payload::Briefing(*briefing_id),
                            now,
                        )
                        .from_subscription(subscription.id)
                        .pinging(subscription.role_id)
                        .publishing(subscription.publish)
                        .in_forum(subscription.forum);
                        if store.insert_delivery(&delivery, now)?.is_some() {
                            queued += 1;
                        }
                    }
                }
                store.conn.execute(
                    "UPDATE subscriptions SET after_briefing_id = ?1 WHERE id = ?2",
                    params![newest, subscription.id],
                )?;
            }
            Ok(queued)
        })
    }

    /// Briefings as a subscription judges them: those `condition` (an SQL
    /// condition and order over `briefings b` with one parameter, written
    /// in this module only) selects.
    fn candidates(&self, condition: &'static str, param: i64) -> Result<Vec<Candidate>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT b.id, (SELECT json_group_array(category) FROM briefing_categories WHERE briefing_id = b.id),
                 a.source_id, coalesce(a.announce, 1)
             FROM briefings b
             LEFT JOIN source_articles a ON a.rowid =
                 (SELECT rowid FROM source_articles WHERE briefing_id = b.id ORDER BY first_seen LIMIT 1)
             WHERE {condition}"
        ))?;
        let rows = stmt.query_map([param], |row| {
            Ok(Candidate {
                id: row.get(0)?,
                categories: super::json_column(row, 1)?,
                source: row.get(2)?,
                announce: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `subscription` posts `candidate`: announced (not a source's
    /// backlog), from a source it takes, in a category it takes, and
    /// passing its word filters.
    fn takes(&self, subscription: &Subscription, candidate: &Candidate) -> Result<bool> {
        let from_wanted_source = subscription.sources.is_empty()
            || candidate
                .source
                .is_some_and(|s| subscription.sources.contains(&s));
        Ok(candidate.announce
            && from_wanted_source
            && matches_filter(&subscription.categories, &candidate.categories)
            && self.wanted_words(candidate.id, subscription)?)
    }

    /// The newest briefing in the library that `subscription` would post,
    /// among the newest [`PREVIEW_LOOKBACK`]: what `/subscribe preview`
    /// shows.
    pub fn newest_taken(&self, subscription: &Subscription) -> Result<Option<i64>> {
        let newest = self.candidates("1 ORDER BY b.id DESC LIMIT ?1", PREVIEW_LOOKBACK as i64)?;
        for candidate in &newest {
            if self.takes(subscription, candidate)? {
                return Ok(Some(candidate.id));
            }
        }
        Ok(None)
    }

    /// Whether briefing `id` passes `subscription`'s word filters: it
    /// mentions one of the words to include (if any) and none to exclude.
    fn wanted_words(&self, id: i64, subscription: &Subscription) -> Result<bool> {
        Ok(
            (subscription.include.is_empty() || self.mentions_any(id, &subscription.include)?)
                && (subscription.exclude.is_empty()
                    || !self.mentions_any(id, &subscription.exclude)?),
        )
    }

    /// Whether briefing `id`'s title, highlights or body has one of
    /// `filter`'s words or phrases, whole and in any case, as the search
    /// index reads them (its terms are letters and digits only, so each
    /// quoted term is a safe FTS5 phrase).
    pub fn mentions_any(&self, id: i64, filter: &WordFilter) -> Result<bool> {
        let phrases: Vec<String> = filter.terms.iter().map(|t| format!("\"{t}\"")).collect();
        let query = format!("{{title highlights body}} : ({})", phrases.join(" OR "));
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM briefing_search WHERE briefing_search MATCH ?1 AND rowid = ?2")?
            .query_row(params![query, id], |row| row.get::<_, i64>(0))?
            > 0)
    }

    /// Pauses the subscription of a channel, with the reason shown in lists.
    pub fn pause_subscription(&mut self, subscription_id: i64, reason: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE subscriptions SET paused_reason = ?1 WHERE id = ?2",
            params![reason, subscription_id],
        )?;
        Ok(())
    }
}

/// An empty filter takes everything; otherwise any shared category (any case).
fn matches_filter(filter: &[String], categories: &[String]) -> bool {
    filter.is_empty()
        || filter
            .iter()
            .any(|wanted| categories.iter().any(|c| c.eq_ignore_ascii_case(wanted)))
}
