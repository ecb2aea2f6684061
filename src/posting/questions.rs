//! A server's own questions in Discord: a delivery with
//! [`Payload::Question`] makes the question show as it is now in every
//! discussion thread of its briefing's posts in that server. A new question
//! gets its message with an Answer button (the thread is opened on a post
//! that had none), an edited one has its message edited, a retired one has
//! its message replaced by a note without the button. Each run compares
//! with the message ids on record and looks for a message an earlier
//! attempt made before posting, so a retry converges and never doubles.

use crate::domain::render;
use crate::domain::view::Message;
use crate::store::{Delivery, PostPlace, Store, StoreError};

use super::{PostError, Posting, Sent};

/// What should show for a question, and where.
struct Wanted {
    message: Message,
    current: bool,
    thread_name: String,
    /// Each place, with the message on record there.
    places: Vec<(PostPlace, Option<String>)>,
}

/// `Err` with a note when nothing is to be shown.
fn wanted(
    store: &Store,
    guild: u64,
    question_id: i64,
) -> Result<Result<Wanted, &'static str>, StoreError> {
    let Some(question) = store.question(question_id)? else {
        return Ok(Err("the question no longer exists"));
    };
    // Only a server's own questions are synced, and only in that server.
    if question.guild_id != Some(guild) {
        return Ok(Err("not a question of this server"));
    }
    if !store.guild_settings(guild)?.discussion_threads {
        return Ok(Err("discussion threads are off in this server"));
    }
    let Some(stored) = store.briefing_by_id(question.briefing_id)? else {
        return Ok(Err("the briefing no longer exists"));
    };
    let history = store.question_history(question.briefing_id, Some(guild))?;
    let current: Vec<(i64, String)> = history
        .iter()
        .filter(|(_, current)| *current)
        .map(|(q, _)| (q.id, q.text.clone()))
        .collect();
    let message = match current.iter().position(|(id, _)| *id == question_id) {
        Some(at) => render::question_prompts(&current).swap_remove(at),
        None => {
            let number = history
                .iter()
                .position(|(q, _)| q.id == question_id)
                .map_or(1, |at| at + 1);
            render::retired_question(number, &question.text)
        }
    };
    let mut places = Vec::new();
    for place in store.post_places(guild, question.briefing_id)? {
        let shown = store.question_display(question_id, place.thread_id)?;
        places.push((place, shown));
    }
    Ok(Ok(Wanted {
        message,
        current: question.current,
        thread_name: render::thread_name(&stored.briefing.title),
        places,
    }))
}

impl Posting {
    pub(super) async fn sync_question(
        &self,
        d: &Delivery,
        question_id: i64,
    ) -> Result<Sent, StoreError> {
        let guild = d.guild_id;
        let found = self.db.call(move |s| wanted(s, guild, question_id)).await?;
        let wanted = match found {
            Ok(wanted) => wanted,
            Err(note) => {
                let (id, now) = (d.id, self.clock.now_ms());
                self.db
                    .call(move |s| s.mark_sent_with_note(id, note, now))
                    .await?;
                return Ok(Sent::Done);
            }
        };
        for (place, shown) in &wanted.places {
            if let Err(error) = self.show_question(question_id, &wanted, place, shown).await {
                return match error {
                    Ok(error) => self.question_failed(d, question_id, error).await,
                    Err(store) => Err(store),
                };
            }
        }
        let (id, now) = (d.id, self.clock.now_ms());
        self.db.call(move |s| s.mark_sent(id, now)).await?;
        tracing::info!(
            delivery = id,
            question = question_id,
            threads = wanted.places.len(),
            "question shown as it is now"
        );
        Ok(Sent::Done)
    }

    async fn show_question(
        &self,
        question_id: i64,
        wanted: &Wanted,
        place: &PostPlace,
        shown: &Option<String>,
    ) -> Result<(), Result<PostError, StoreError>> {
        let thread = place.thread_id;
        if let Some(message_id) = shown {
            return self
                .poster
                .edit(thread, message_id, &wanted.message)
                .await
                .map_err(Ok);
        }
        if !wanted.current {
            // Retired before it was ever shown here: nothing to change.
            return Ok(());
        }
        if !place.forum {
            // A thread from a message has the message's id; opening one that
            // exists gives it back, so this is safe to repeat.
            self.poster
                .open_thread(place.channel_id, &thread.to_string(), &wanted.thread_name)
                .await
                .map_err(Ok)?;
        }
        // The post's own delivery, or an attempt whose answer was lost, may
        // have shown it already: look before posting.
        let recent = self.poster.recent_own(thread).await.map_err(Ok)?;
        let made = recent
            .into_iter()
            .find(|(_, m)| m.content == wanted.message.content)
            .map(|(id, _)| id);
        let message_id = match made {
            Some(id) => id,
            None => {
                let nonce = format!("q{question_id}.{}", thread % 1_000_000_000);
                self.poster
                    .post(thread, &wanted.message, &nonce)
                    .await
                    .map_err(Ok)?
            }
        };
        self.db
            .call(move |s| s.set_question_display(question_id, thread, &message_id))
            .await
            .map_err(Err)
    }

    async fn question_failed(
        &self,
        d: &Delivery,
        question_id: i64,
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
                let why = format!(
                    "could not show question #{question_id} in its discussion threads: {reason}"
                );
                let stored = why.clone();
                self.db
                    .call(move |s| s.mark_failed(id, &stored, now))
                    .await?;
                tracing::error!(delivery = id, question = question_id, %reason, "question display failed");
                self.notice(
                    d,
                    format!("I {why}. Check that the bot may create threads and send messages in threads there."),
                )
                .await?;
                Ok(Sent::Done)
            }
        }
    }
}
