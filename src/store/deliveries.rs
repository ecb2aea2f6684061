//! The delivery outbox. A delivery row exists before anything is sent; every
//! change of its state is one statement (one transaction), so after a crash
//! the table says exactly what was, or may have been, sent.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{GuildScope, Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Schedule,
    Subscription,
    RunNow,
    /// A report to the server's log channel.
    Notice,
    /// Showing an answer in its discussion thread, or changing or removing
    /// what shows it.
    Discussion,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Schedule => "schedule",
            Origin::Subscription => "subscription",
            Origin::RunNow => "run-now",
            Origin::Notice => "notice",
            Origin::Discussion => "discussion",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "schedule" => Origin::Schedule,
            "subscription" => Origin::Subscription,
            "run-now" => Origin::RunNow,
            "notice" => Origin::Notice,
            "discussion" => Origin::Discussion,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Pending,
    /// Claimed by a sender; after a crash it is sent again with the same nonce.
    Sending,
    Retrying,
    Sent,
    Failed,
    Skipped,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Skipped => "skipped",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => DeliveryState::Pending,
            "sending" => DeliveryState::Sending,
            "retrying" => DeliveryState::Retrying,
            "sent" => DeliveryState::Sent,
            "failed" => DeliveryState::Failed,
            "skipped" => DeliveryState::Skipped,
            _ => return None,
        })
    }
}

/// What a delivery posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Payload {
    Briefing(i64),
    /// A moderator's test of a subscription: the briefing as it would be
    /// posted, marked as a test. It does not count as the briefing's post
    /// (no `briefing_id`), so the real post still comes.
    #[serde(rename = "test")]
    TestPost(i64),
    Digest(Vec<i64>),
    Notice(String),
    /// Make the answer's messages in its thread show what it is now: posted,
    /// edited, replaced by a "removed" note, or deleted.
    Answer(i64),
    /// Make a server's own question show as it is now in every discussion
    /// thread of its briefing's posts there: posted (opening the thread
    /// where a post has none), edited, or retired.
    Question(i64),
    /// A run that was skipped: nothing was to be posted.
    Nothing,
}

impl Payload {
    fn briefing_id(&self) -> Option<i64> {
        match self {
            Payload::Briefing(id) => Some(*id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub guild_id: u64,
    pub channel_id: u64,
    pub origin: Origin,
    pub schedule_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub payload: Payload,
    pub due_at: i64,
    /// Pending, or skipped with the reason.
    pub skipped: Option<String>,
    /// A role its post pings.
    pub ping_role: Option<u64>,
    /// Publish its post (announcement channels).
    pub publish: bool,
    /// Its channel is a forum: the post is a forum post.
    pub forum: bool,
}

impl NewDelivery {
    pub fn pending(
        guild_id: u64,
        channel_id: u64,
        origin: Origin,
        payload: Payload,
        due_at: i64,
    ) -> Self {
        Self {
            guild_id,
            channel_id,
            origin,
            schedule_id: None,
            subscription_id: None,
            payload,
            due_at,
            skipped: None,
            ping_role: None,
            publish: false,
            forum: false,
        }
    }

    /// Its channel is a forum.
    pub fn in_forum(mut self, forum: bool) -> Self {
        self.forum = forum;
        self
    }

    /// Its post is published to the servers following the channel.
    pub fn publishing(mut self, publish: bool) -> Self {
        self.publish = publish;
        self
    }

    /// Its post pings `role` (none when `None`).
    pub fn pinging(mut self, role: Option<u64>) -> Self {
        self.ping_role = role;
        self
    }

    pub fn from_schedule(mut self, schedule_id: i64) -> Self {
        self.schedule_id = Some(schedule_id);
        self
    }

    pub fn from_subscription(mut self, subscription_id: i64) -> Self {
        self.subscription_id = Some(subscription_id);
        self
    }

    pub fn skipped(mut self, reason: impl Into<String>) -> Self {
        self.skipped = Some(reason.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub guild_id: u64,
    pub channel_id: u64,
    pub origin: Origin,
    pub schedule_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub payload: Payload,
    pub due_at: i64,
    pub state: DeliveryState,
    pub attempts: u32,
    pub next_attempt_at: Option<i64>,
    pub parts_sent: usize,
    pub message_ids: Vec<String>,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Since when the next message's outcome is unknown (it may have been
    /// made although no answer said so).
    pub uncertain_since: Option<i64>,
    /// A role its post pings.
    pub ping_role: Option<u64>,
    /// Its post is published (announcement channels).
    pub publish: bool,
    /// Its channel is a forum: the post is a forum post.
    pub forum: bool,
    /// Its steps open the discussion thread before publishing (deliveries
    /// made before that order keep theirs).
    pub threads_first: bool,
}

impl Delivery {
    /// The nonce of one message of this delivery: the same on every attempt
    /// (so Discord drops a repeat), unique across deliveries, at most 25
    /// characters as Discord requires.
    pub fn nonce(&self, part: usize) -> String {
        format!(
            "b{}.{}.{part}",
            base36(self.created_at as u64),
            base36(self.id as u64)
        )
    }
}

pub(super) fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

const COLUMNS: &str =
    "id, guild_id, channel_id, origin, schedule_id, subscription_id, content, due_at, state,
    attempts, next_attempt_at, parts_sent, message_ids, reason, created_at, updated_at,
    uncertain_since, ping_role_id, publish, forum, threads_first";

fn read(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    let payload = super::json_column(row, 6)?;
    let message_ids = super::json_column(row, 12)?;
    let undecodable = |column: usize, what: &str, value: String| {
        super::unreadable(
            column,
            rusqlite::types::Type::Text,
            format!("unknown {what} {value:?}"),
        )
    };
    let origin: String = row.get(3)?;
    let state: String = row.get(8)?;
    Ok(Delivery {
        id: row.get(0)?,
        guild_id: row.get::<_, i64>(1)? as u64,
        channel_id: row.get::<_, i64>(2)? as u64,
        origin: Origin::parse(&origin).ok_or_else(|| undecodable(3, "origin", origin.clone()))?,
        schedule_id: row.get(4)?,
        subscription_id: row.get(5)?,
        payload,
        due_at: row.get(7)?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| undecodable(8, "state", state.clone()))?,
        attempts: row.get(9)?,
        next_attempt_at: row.get(10)?,
        parts_sent: row.get::<_, i64>(11)? as usize,
        message_ids,
        reason: row.get(13)?,
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
        uncertain_since: row.get(16)?,
        ping_role: row.get::<_, Option<i64>>(17)?.map(|r| r as u64),
        publish: row.get(18)?,
        forum: row.get(19)?,
        threads_first: row.get(20)?,
    })
}

/// Which deliveries a log shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFilter {
    pub channel_id: Option<u64>,
    pub schedule_id: Option<i64>,
}

impl Store {
    /// Writes a delivery. `None` when one for the same schedule run or the
    /// same subscription and briefing exists already.
    pub fn insert_delivery(&mut self, new: &NewDelivery, now: i64) -> Result<Option<i64>> {
        let (state, next_attempt_at) = match &new.skipped {
            Some(_) => ("skipped", None),
            None => ("pending", Some(new.due_at)),
        };
        let inserted = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO deliveries (guild_id, channel_id, origin, schedule_id, subscription_id, content,
                briefing_id, due_at, state, next_attempt_at, reason, created_at, updated_at, ping_role_id, publish, forum,
                threads_first)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, 1)",
        )?
        .execute(params![
            new.guild_id as i64,
            new.channel_id as i64,
            new.origin.as_str(),
            new.schedule_id,
            new.subscription_id,
            serde_json::to_string(&new.payload).expect("payloads serialise"),
            new.payload.briefing_id(),
            new.due_at,
            state,
            next_attempt_at,
            new.skipped,
            now,
            new.ping_role.map(|r| r as i64),
            new.publish,
            new.forum
        ])?;
        Ok((inserted > 0).then(|| self.conn.last_insert_rowid()))
    }

    pub fn delivery(&self, id: i64) -> Result<Option<Delivery>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1"))?
            .query_row([id], read)
            .optional()?)
    }

    /// Claims up to `limit` deliveries whose attempt is due: each becomes
    /// `sending` with one more attempt, and is not offered again until
    /// `lease_until` (a sender that dies leaves it to the next start).
    pub fn claim_due(
        &mut self,
        scope: GuildScope,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        self.in_transaction(|store| {
            let claimed: Vec<Delivery> = {
                let mut stmt = store.conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM deliveries
                     WHERE state IN ('pending', 'sending', 'retrying') AND next_attempt_at <= ?1
                       AND {}
                     ORDER BY next_attempt_at, id LIMIT ?2",
                    scope.sql("guild_id", 3)
                ))?;
                let (only, except) = scope.params();
                let rows = stmt.query_map(params![now, limit as i64, only, except], read)?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut mark = store.conn.prepare_cached(
                "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_attempt_at = ?1, updated_at = ?2
                 WHERE id = ?3",
            )?;
            for delivery in &claimed {
                mark.execute(params![lease_until, now, delivery.id])?;
            }
            drop(mark);
            Ok(claimed
                .into_iter()
                .map(|mut d| {
                    d.state = DeliveryState::Sending;
                    d.attempts += 1;
                    d
                })
                .collect())
        })
    }

    /// After a restart: whatever was being sent is due again now (it will go
    /// out with the same nonces).
    pub fn release_in_flight(&mut self, scope: GuildScope, now: i64) -> Result<usize> {
        let (only, except) = scope.params();
        Ok(self.conn.execute(
            &format!(
                "UPDATE deliveries SET next_attempt_at = ?1, uncertain_since = coalesce(uncertain_since, updated_at)
                 WHERE state = 'sending' AND {}",
                scope.sql("guild_id", 2)
            ),
            params![now, only, except],
        )?)
    }

    /// Notes that a delivery's discussion thread and questions are all
    /// posted (its answers may be shown there), before it is sent.
    pub fn mark_discussion_open(&mut self, id: i64) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE deliveries SET discussion_open = 1 WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Records one delivered message of a delivery.
    pub fn record_part(&mut self, id: i64, message_id: &str, now: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE deliveries SET parts_sent = parts_sent + 1, uncertain_since = NULL,
                message_ids = json_insert(message_ids, '$[#]', ?1), updated_at = ?2 WHERE id = ?3",
            )?
            .execute(params![message_id, now, id])?;
        Ok(())
    }

    pub fn mark_sent(&mut self, id: i64, now: i64) -> Result<()> {
        self.finish(id, DeliveryState::Sent, None, now)
    }

    /// Sent, with a note on what did not work around it (the discussion
    /// thread could not be opened, say).
    pub fn mark_sent_with_note(&mut self, id: i64, note: &str, now: i64) -> Result<()> {
        self.finish(id, DeliveryState::Sent, Some(note), now)
    }

    pub fn mark_failed(&mut self, id: i64, reason: &str, now: i64) -> Result<()> {
        self.finish(id, DeliveryState::Failed, Some(reason), now)
    }

    pub fn mark_skipped(&mut self, id: i64, reason: &str, now: i64) -> Result<()> {
        self.finish(id, DeliveryState::Skipped, Some(reason), now)
    }

    fn finish(
        &mut self,
        id: i64,
        state: DeliveryState,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.conn.prepare_cached(
            "UPDATE deliveries SET state = ?1, reason = ?2, next_attempt_at = NULL, updated_at = ?3 WHERE id = ?4",
        )?
        .execute(params![state.as_str(), reason, now, id])?;
        Ok(())
    }

    /// Due again at `at`. `uncertain`: the attempt's message may have been
    /// made (its answer was lost), so its outcome is unknown since then.
    pub fn mark_retrying(
        &mut self,
        id: i64,
        at: i64,
        reason: &str,
        now: i64,
        uncertain: bool,
    ) -> Result<()> {
        self.conn.prepare_cached(
            "UPDATE deliveries SET state = 'retrying', next_attempt_at = ?1, reason = ?2, updated_at = ?3,
                 uncertain_since = CASE WHEN ?5 THEN coalesce(uncertain_since, updated_at) ELSE uncertain_since END
             WHERE id = ?4",
        )?
        .execute(params![at, reason, now, id, uncertain])?;
        Ok(())
    }

    /// Fails every open delivery to a channel (it is gone or closed to the
    /// bot) except notices, which have their own fate. Returns how many.
    pub fn fail_channel(&mut self, channel_id: u64, reason: &str, now: i64) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE deliveries SET state = 'failed', reason = ?1, next_attempt_at = NULL, updated_at = ?2
             WHERE channel_id = ?3 AND state IN ('pending', 'sending', 'retrying') AND origin != 'notice'",
            params![reason, now, channel_id as i64],
        )?)
    }

    /// When the soonest open delivery is due.
    pub fn next_attempt(&self, scope: GuildScope) -> Result<Option<i64>> {
        let (only, except) = scope.params();
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT min(next_attempt_at) FROM deliveries WHERE state IN ('pending', 'sending', 'retrying') AND {}",
                scope.sql("guild_id", 1)
            ))?
            .query_row(params![only, except], |row| row.get(0))?)
    }

    /// Whether a briefing has been posted in a server.
    pub fn briefing_posted_in(&self, guild_id: u64, briefing_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE guild_id = ?1 AND briefing_id = ?2 AND state = 'sent')",
            )?
            .query_row(params![guild_id as i64, briefing_id], |row| row.get(0))?)
    }

    /// Whether a delivery is being sent now or is due by `horizon`.
    pub fn outbox_busy(&self, scope: GuildScope, horizon: i64) -> Result<bool> {
        let (only, except) = scope.params();
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE (state = 'sending'
                    OR (state IN ('pending', 'retrying') AND next_attempt_at <= ?1)) AND {})",
                scope.sql("guild_id", 2)
            ))?
            .query_row(params![horizon, only, except], |row| row.get(0))?)
    }

    /// The server's deliveries, newest first.
    pub fn delivery_log(
        &self,
        guild_id: u64,
        filter: LogFilter,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE guild_id = ?1
               AND (?2 IS NULL OR channel_id = ?2) AND (?3 IS NULL OR schedule_id = ?3)
             ORDER BY due_at DESC, id DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                guild_id as i64,
                filter.channel_id.map(|c| c as i64),
                filter.schedule_id,
                limit as i64
            ],
            read,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest briefing not posted (nor on its way) to a channel.
    pub fn next_unposted_briefing(&self, channel_id: u64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM briefings WHERE id NOT IN (
                    SELECT briefing_id FROM deliveries WHERE channel_id = ?1 AND briefing_id IS NOT NULL
                      AND state IN ('pending', 'sending', 'retrying', 'sent'))
                 ORDER BY sort_date DESC, id DESC LIMIT 1",
            )?
            .query_row([channel_id as i64], |row| row.get(0))
            .optional()?)
    }

    /// The ids of the newest `n` briefings, newest first.
    pub fn newest_briefing_ids(&self, n: u32) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM briefings ORDER BY sort_date DESC, id DESC LIMIT ?1")?;
        let rows = stmt.query_map([n], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the publishes in `channel_id` since `since` were made, oldest first.
    pub fn publishes_since(&self, channel_id: u64, since: i64) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at FROM publishes WHERE channel_id = ?1 AND at >= ?2 ORDER BY at",
        )?;
        let rows = stmt.query_map(params![channel_id as i64, since], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn record_publish(&mut self, channel_id: u64, message_id: &str, at: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO publishes (channel_id, message_id, at) VALUES (?1, ?2, ?3)",
            params![channel_id as i64, message_id, at],
        )?;
        Ok(())
    }

    /// Puts a delivery off until `at` without counting the attempt: waiting
    /// for a pace Discord sets is not a failure.
    pub fn mark_waiting(&mut self, id: i64, at: i64, reason: &str, now: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET state = 'retrying', next_attempt_at = ?2, reason = ?3, updated_at = ?4,
                 attempts = max(attempts - 1, 0)
             WHERE id = ?1",
            params![id, at, reason, now],
        )?;
        Ok(())
    }

    /// Deliveries per state, for status output and tests.
    pub fn delivery_counts(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY state",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_fit_discord_and_differ_per_delivery_and_part() {
        let mut delivery = Delivery {
            id: 9_999_999_999,
            guild_id: 1,
            channel_id: 2,
            origin: Origin::Schedule,
            schedule_id: None,
            subscription_id: None,
            payload: Payload::Briefing(1),
            due_at: 0,
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_at: None,
            parts_sent: 0,
            message_ids: Vec::new(),
            reason: None,
            created_at: 4_102_444_800_000, // year 2100
            updated_at: 0,
            uncertain_since: None,
            ping_role: None,
            publish: false,
            forum: false,
            threads_first: true,
        };
        let first = delivery.nonce(0);
        assert!(first.len() <= 25, "{first}");
        assert_ne!(first, delivery.nonce(1));
        delivery.id += 1;
        assert_ne!(first, delivery.nonce(0));
    }
}
