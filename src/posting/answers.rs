//! Showing answers in their discussion threads, and keeping what Discord
//! shows true to what is stored: a delivery with [`Payload::Answer`] makes
//! the answer's messages say what the answer is now. It posts a new answer,
//! edits an edited one, replaces a removed one with a neutral note and
//! deletes a deleted (or forgotten) one. Each run compares what should show
//! with the message ids on record, so a retry after any failure simply runs
//! again and converges.

use crate::domain::render;
use crate::domain::view::Message;
use crate::store::{AnswerDisplay, Delivery, Store, StoreError};

use super::{PostError, Posting, Sent};

/// What should show for an answer, and where.
struct Wanted {
    display: AnswerDisplay,
    messages: Vec<Message>,
    /// Threads to search for an answer an older version showed.
    legacy_threads: Vec<u64>,
}

fn wanted(store: &Store, answer_id: i64) -> Result<Option<Wanted>, StoreError> {
    let Some(display) = store.answer_display(answer_id)? else {
        return Ok(None);
    };
    let answer = store.answer(answer_id)?;
    let messages = match &answer {
        None => Vec::new(),
        Some(a) if a.removed_at.is_some() => vec![render::removed_answer(a.id)],
        Some(a) => {
            let question = store
                .question(a.question_id)?
                .map(|q| q.text)
                .unwrap_or_default();
            render::answer(
                a.id,
                &a.user_name,
                &question,
                &a.text,
                a.edited_at.is_some(),
            )
        }
    };
    let legacy_threads = match &display {
        d if !d.legacy || !d.message_ids.is_empty() => Vec::new(),
        d if d.channel_id.is_some() => d.channel_id.into_iter().collect(),
        AnswerDisplay {
            guild_id: Some(guild),
            briefing_id: Some(briefing),
            ..
        } => store.discussion_threads(*guild, *briefing)?,
        _ => Vec::new(),
    };
    Ok(Some(Wanted {
        display,
        messages,
        legacy_threads,
    }))
}

impl Posting {
    pub(super) async fn sync_answer(
        &self,
        d: &Delivery,
        answer_id: i64,
    ) -> Result<Sent, StoreError> {
        let found = self.db.call(move |s| wanted(s, answer_id)).await?;
        let Some(Wanted {
            display,
            messages,
            legacy_threads,
        }) = found
        else {
            let now = self.clock.now_ms();
            let id = d.id;
            self.db
                .call(move |s| s.mark_sent_with_note(id, "nothing shows this answer", now))
                .await?;
            return Ok(Sent::Done);
        };
        let mut channel = display.channel_id.unwrap_or(d.channel_id);
        let mut shown = display.message_ids.clone();
        if shown.is_empty() && !legacy_threads.is_empty() {
            match self.find_legacy(answer_id, &legacy_threads).await {
                Ok(Some((thread, ids))) => {
                    // Kept, so a later change finds them without a search.
                    let found = ids.clone();
                    self.db
                        .call(move |s| s.set_answer_messages(answer_id, thread, &found))
                        .await?;
                    channel = thread;
                    shown = ids;
                }
                Ok(None) => {
                    return self.answer_not_found(d, answer_id, &legacy_threads).await;
                }
                Err(error) => return self.answer_failed(d, answer_id, error).await,
            }
        }
        if channel == 0 {
            return self.answer_not_found(d, answer_id, &[]).await;
        }
        let converged = match self.converge(answer_id, channel, shown, &messages).await {
            Ok(()) => self.converge_feature(d, answer_id, channel).await,
            Err(error) => Err(error),
        };
        match converged {
            Ok(()) => {
                let (id, now) = (d.id, self.clock.now_ms());
                self.db.call(move |s| s.mark_sent(id, now)).await?;
                tracing::info!(
                    delivery = id,
                    answer = answer_id,
                    channel,
                    parts = messages.len(),
                    "answer shown as it is now"
                );
                Ok(Sent::Done)
            }
            Err(Ok(error)) => self.answer_failed(d, answer_id, error).await,
            Err(Err(store)) => Err(store),
        }
    }

    /// Makes Discord show the answer's feature as it is stored: a featured
    /// visible answer has its first message pinned, or, where the bot may
    /// not pin, a quote posted beside it (the log channel is told once);
    /// anything else has neither.
    async fn converge_feature(
        &self,
        d: &Delivery,
        answer_id: i64,
        channel: u64,
    ) -> Result<(), Result<PostError, StoreError>> {
        let (featured, mut shown, first, answer, question) = self
            .db
            .call(move |s| {
                let answer = s.answer(answer_id)?;
                let question = match &answer {
                    Some(a) => s.question(a.question_id)?.map(|q| q.text),
                    None => None,
                };
                Ok((
                    s.is_featured(answer_id)?,
                    s.feature_shown(answer_id)?,
                    s.answer_display(answer_id)?
                        .and_then(|d| d.message_ids.first().cloned()),
                    answer,
                    question,
                ))
            })
            .await
            .map_err(Err)?;
        let before = shown.clone();
        match (featured, first, answer) {
            (true, Some(first), Some(answer)) => {
                let quote = render::featured_quote(
                    answer.id,
                    &answer.user_name,
                    question.as_deref().unwrap_or(""),
                    &answer.text,
                );
                if let Some(id) = &shown.quote_message {
                    self.poster.edit(channel, id, &quote).await.map_err(Ok)?;
                } else if shown.pinned_message.is_none() {
                    match self.poster.pin(channel, &first).await {
                        Ok(()) => shown.pinned_message = Some(first),
                        Err(PostError::Refused { reason }) => {
                            let nonce = format!("f{answer_id}");
                            let id = self
                                .poster
                                .post(channel, &quote, &nonce)
                                .await
                                .map_err(Ok)?;
                            shown.quote_message = Some(id);
                            self.tell_cannot_pin(d, channel, reason)
                                .await
                                .map_err(Err)?;
                        }
                        Err(error) => return Err(Ok(error)),
                    }
                }
            }
            _ => {
                if let Some(pinned) = shown.pinned_message.clone() {
                    self.poster.unpin(channel, &pinned).await.map_err(Ok)?;
                    shown.pinned_message = None;
                }
                if let Some(quote) = shown.quote_message.clone() {
                    self.poster.delete(channel, &quote).await.map_err(Ok)?;
                    shown.quote_message = None;
                }
            }
        }
        if shown != before {
            self.db
                .call(move |s| s.set_feature_shown(answer_id, &shown))
                .await
                .map_err(Err)?;
        }
        Ok(())
    }

    /// Once a server: the bot may not pin there, so featured answers are
    /// quoted instead.
    async fn tell_cannot_pin(
        &self,
        d: &Delivery,
        channel: u64,
        reason: String,
    ) -> Result<(), StoreError> {
        let (guild, now) = (d.guild_id, self.clock.now_ms());
        let first = self
            .db
            .call(move |s| s.first_told_cannot_pin(guild, now))
            .await?;
        tracing::warn!(guild, channel, %reason, "cannot pin a featured answer; quoted it instead");
        if first {
            self.notice(
                d,
                format!("I could not pin a featured answer in <#{channel}> ({reason}), so I quoted it in a \"Featured answer\" message instead. Give the bot the Pin Messages permission in the discussion threads to have featured answers pinned. (I say this once.)"),
            )
            .await?;
        }
        Ok(())
    }

    /// Makes the messages in `channel` say `wanted`, recording the ids after
    /// each change so that a failure halfway loses nothing.
    async fn converge(
        &self,
        answer_id: i64,
        channel: u64,
        mut shown: Vec<String>,
        wanted: &[Message],
    ) -> Result<(), Result<PostError, StoreError>> {
        let record = |ids: Vec<String>| async move {
            self.db
                .call(move |s| s.set_answer_messages(answer_id, channel, &ids))
                .await
                .map_err(Err)
        };
        // Surplus messages go first (an answer deleted, or now shorter).
        while shown.len() > wanted.len() {
            let last = shown.last().cloned().unwrap_or_default();
            self.poster.delete(channel, &last).await.map_err(Ok)?;
            shown.pop();
            record(shown.clone()).await?;
        }
        for (part, message) in wanted.iter().enumerate() {
            match shown.get(part) {
                Some(id) => self.poster.edit(channel, id, message).await.map_err(Ok)?,
                None => {
                    let id = self
                        .post_answer_part(answer_id, channel, part, &shown, message)
                        .await?;
                    shown.push(id);
                    record(shown.clone()).await?;
                }
            }
        }
        if wanted.is_empty() {
            record(Vec::new()).await?;
        }
        Ok(())
    }

    /// Posts message `part` of an answer's display with the display's own
    /// nonce for it (the same on every attempt, whichever delivery makes
    /// it). Past Discord's nonce window the message an earlier attempt may
    /// have made is looked for first; a message an earlier attempt made is
    /// edited to say what the answer says now.
    async fn post_answer_part(
        &self,
        answer_id: i64,
        channel: u64,
        part: usize,
        shown: &[String],
        message: &Message,
    ) -> Result<String, Result<PostError, StoreError>> {
        let now = self.clock.now_ms();
        let pending = self
            .db
            .call(move |s| s.display_post_nonce(answer_id, part, now))
            .await
            .map_err(Err)?;
        let late = now - pending.since > self.config.nonce_window.as_millis() as i64;
        let found = if pending.reused && late {
            self.find_unrecorded(channel, answer_id, shown)
                .await
                .map_err(Ok)?
        } else {
            None
        };
        let id = match found {
            Some(id) => {
                tracing::info!(channel, answer = answer_id, message = %id, "found the answer message an earlier attempt made; not posting it again");
                id
            }
            None => self
                .poster
                .post(channel, message, &pending.nonce)
                .await
                .map_err(Ok)?,
        };
        if pending.reused {
            self.poster.edit(channel, &id, message).await.map_err(Ok)?;
        }
        Ok(id)
    }

    /// The oldest of the bot's recent messages in `channel` that shows
    /// `answer_id` and is not among `shown`.
    async fn find_unrecorded(
        &self,
        channel: u64,
        answer_id: i64,
        shown: &[String],
    ) -> Result<Option<String>, PostError> {
        let recent = self.poster.recent_own(channel).await?;
        // Newest first, so the oldest match is the last one.
        Ok(recent
            .into_iter()
            .rev()
            .find(|(id, m)| render::shows_answer(m, answer_id) && !shown.contains(id))
            .map(|(id, _)| id))
    }

    /// The messages an older version posted for `answer_id` (their footer
    /// names it), in the first of `threads` that has any.
    async fn find_legacy(
        &self,
        answer_id: i64,
        threads: &[u64],
    ) -> Result<Option<(u64, Vec<String>)>, PostError> {
        for &thread in threads {
            let recent = match self.poster.recent_own(thread).await {
                Ok(recent) => recent,
                // Not a thread after all, or one the bot cannot read.
                Err(PostError::Refused { .. } | PostError::Rejected { .. }) => continue,
                Err(error) => return Err(error),
            };
            let mut ids: Vec<String> = recent
                .into_iter()
                .filter(|(_, m)| render::shows_answer(m, answer_id))
                .map(|(id, _)| id)
                .collect();
            if !ids.is_empty() {
                ids.reverse(); // oldest first, as they were posted
                return Ok(Some((thread, ids)));
            }
        }
        Ok(None)
    }

    async fn answer_not_found(
        &self,
        d: &Delivery,
        answer_id: i64,
        threads: &[u64],
    ) -> Result<Sent, StoreError> {
        let (id, now) = (d.id, self.clock.now_ms());
        let reason =
            "no message showing this answer was found in its discussion threads".to_string();
        let stored = reason.clone();
        self.db
            .call(move |s| {
                s.set_answer_messages(answer_id, 0, &[])?;
                s.mark_sent_with_note(id, &stored, now)
            })
            .await?;
        if !threads.is_empty() {
            self.notice(
                d,
                format!("I could not find the message that showed answer #{answer_id} (given before this version of the bot kept track of its messages) in its discussion thread, so I could not change or remove it. A moderator can delete it by hand."),
            )
            .await?;
        }
        tracing::warn!(delivery = id, answer = answer_id, %reason, "answer display");
        Ok(Sent::Done)
    }

    async fn answer_failed(
        &self,
        d: &Delivery,
        answer_id: i64,
        error: PostError,
    ) -> Result<Sent, StoreError> {
        match error {
            PostError::Transient {
                reason,
                retry_after,
                may_have_posted,
            } => {
                self.retry_later(d, reason, retry_after, may_have_posted)
                    .await
            }
            PostError::Refused { reason } | PostError::Rejected { reason } => {
                let (id, now) = (d.id, self.clock.now_ms());
                let why =
                    format!("could not show or change answer #{answer_id} in its thread: {reason}");
                let stored = why.clone();
                self.db
                    .call(move |s| s.mark_failed(id, &stored, now))
                    .await?;
                tracing::error!(delivery = id, answer = answer_id, %reason, "answer display failed");
                self.notice(
                    d,
                    format!(
                        "I {why}. A moderator may need to change or delete that message by hand."
                    ),
                )
                .await?;
                Ok(Sent::Done)
            }
        }
    }
}
