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
use crate::store::{Delivery, PostPlace, QuestionDisplay, Store, StoreError};

use super::{PostError, Posting, Sent};

/// What should show for a question, and where.
struct Wanted {
    /// As a card, and as classic text: a message keeps the form it was
    /// posted in (Discord never turns a card back into text).
    card: Message,
    classic: Message,
    /// The form of a message posted now: the server's layout.
    post_as_card: bool,
    current: bool,
    thread_name: String,
    /// Each place, with the message on record there.
    places: Vec<(PostPlace, Option<QuestionDisplay>)>,
}

impl Wanted {
    fn message(&self, card: bool) -> &Message {
        if card {
            &self.card
        } else {
            &self.classic
        }
    }
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
    let settings = store.guild_settings(guild)?;
    let shown_in = |card: bool| {
        let style = render::PromptStyle {
            card,
            accent: settings.accent,
        };
        match current.iter().position(|(id, _)| *id == question_id) {
            Some(at) => render::question_prompts(&current, style).swap_remove(at),
            None => {
                let number = history
                    .iter()
                    .position(|(q, _)| q.id == question_id)
                    .map_or(1, |at| at + 1);
                render::retired_question(number, &question.text, style)
            }
        }
    };
    let (card, classic) = (shown_in(true), shown_in(false));
    let post_as_card = render::PromptStyle::of(settings.layout, settings.accent).card;
    let mut places = Vec::new();
    for place in store.post_places(guild, question.briefing_id)? {
        let shown = store.question_display(question_id, place.thread_id)?;
        places.push((place, shown));
    }
    Ok(Ok(Wanted {
        card,
        classic,
        post_as_card,
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
        shown: &Option<QuestionDisplay>,
    ) -> Result<(), Result<PostError, StoreError>> {
        let thread = place.thread_id;
        if let Some(shown) = shown {
            return self
                .poster
                .edit(thread, &shown.message_id, wanted.message(shown.card))
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
        // have shown it already, in either form: look before posting.
        let recent = self.poster.recent_own(thread).await.map_err(Ok)?;
        let made = recent.into_iter().find_map(|(id, seen)| {
            [true, false]
                .into_iter()
                .find(|card| super::send::same_text(&seen, wanted.message(*card)))
                .map(|card| QuestionDisplay {
                    message_id: id,
                    card,
                })
        });
        let shown = match made {
            Some(found) => found,
            None => {
                let nonce = format!("q{question_id}.{}", thread % 1_000_000_000);
                let message = wanted.message(wanted.post_as_card);
                QuestionDisplay {
                    message_id: self
                        .poster
                        .post(thread, message, &nonce)
                        .await
                        .map_err(Ok)?,
                    card: wanted.post_as_card,
                }
            }
        };
        self.db
            .call(move |s| s.set_question_display(question_id, thread, &shown))
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
