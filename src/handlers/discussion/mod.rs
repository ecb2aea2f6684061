//! Answers to key questions: giving them (by form, command or reply),
//! editing, deleting and removing them, and forgetting a member; what
//! Discord shows is kept in step through the outbox. Reading a discussion
//! is in `reading`, exports in `export`.

mod export;
mod featured;
mod reading;
mod stats;

pub use export::{export_rows, Export};

use super::{Caller, CommandError, CommandResult, Handlers, OrUserError};
use crate::domain::custom_id::CustomId;
use crate::domain::render;
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{Button, Message, Modal, Reply};
use crate::handlers::commands::Access;
use crate::store::{NewAnswer, Room};

/// Discord's text inputs hold at most this many characters.
pub const MAX_ANSWER_CHARS: usize = 4_000;
/// Answers shown per page of a discussion.
const ANSWERS_PER_PAGE: u64 = 5;

/// How many answers a member may give per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerLimit {
    pub answers: u64,
    pub window_ms: i64,
}

impl Default for AnswerLimit {
    fn default() -> Self {
        Self {
            answers: 5,
            window_ms: 60_000,
        }
    }
}

/// Where an answer comes from, as the transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerPlace {
    /// The console, which shows the answer itself.
    Console,
    /// A form submitted in this Discord channel: it must be a discussion
    /// thread of the question's briefing in the caller's server, and the
    /// answer is shown there.
    Thread(u64),
    /// A member's reply in this channel (checked likewise); their own
    /// message shows the answer.
    Reply(u64),
}

/// An answer given (or edited) through the form: the private "saved" reply,
/// and the messages that show it in the discussion thread. Where the form
/// was opened in a thread, the delivery loop posts (or updates) those
/// messages there through the outbox, and keeps their ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub reply: Reply,
    pub echo: Vec<Message>,
}

fn echo(answer: &crate::store::Answer, question: &str) -> Vec<Message> {
    render::answer(
        answer.id,
        &answer.user_name,
        question,
        &answer.text,
        answer.edited_at.is_some(),
    )
}

impl Handlers {
    /// Stores `text` as `caller`'s answer to a question of `briefing`.
    /// `question` is `q<id>` (what autocomplete sends) or its number.
    pub async fn answer(
        &self,
        caller: &Caller,
        author_name: String,
        briefing: String,
        question: String,
        text: String,
        limit: AnswerLimit,
    ) -> CommandResult<Reply> {
        let (_, question_id, question_text) =
            self.resolve_question(caller, &briefing, &question).await?;
        let saving = Saving {
            question_id,
            question_text,
            text,
            limit,
            thread_check: None,
            display: None,
        };
        let (saved, _) = self.save_answer(caller, author_name, saving).await?;
        Ok(saved)
    }

    /// The form an Answer (or Edit) button opens; `None` for other buttons.
    pub fn answer_form(&self, custom_id: &str) -> Option<Modal> {
        match custom_id.parse().ok()? {
            CustomId::EditAnswer { answer } => Some(Modal {
                custom_id: CustomId::EditForm { answer }.to_string(),
                title: format!("Edit answer #{answer}"),
                label: format!("New text (up to {MAX_ANSWER_CHARS} characters)"),
                max_length: MAX_ANSWER_CHARS,
            }),
            CustomId::Answer { question } => Some(Modal {
                custom_id: CustomId::AnswerForm { question }.to_string(),
                title: "Your answer".into(),
                label: format!("Answer (up to {MAX_ANSWER_CHARS} characters)"),
                max_length: MAX_ANSWER_CHARS,
            }),
            _ => None,
        }
    }

    /// The form an Answer (or Edit) button pressed in Discord opens, once
    /// our own records say the button may be there: an Answer button only
    /// in a discussion thread of its question's briefing in this server, an
    /// Edit button only for the caller's own answer given here. `None` for
    /// other buttons.
    pub async fn answer_form_in(
        &self,
        caller: &Caller,
        custom_id: &str,
        channel: u64,
    ) -> Option<CommandResult<Modal>> {
        let form = self.answer_form(custom_id)?;
        let allowed = match custom_id.parse().ok()? {
            CustomId::Answer { question } => self.check_thread(caller, question, channel).await,
            CustomId::EditAnswer { answer } => self.own_answer(caller, answer).await,
            _ => return None,
        };
        Some(allowed.map(|()| form))
    }

    /// A plain message replying to a question's prompt (needs the Message
    /// Content intent): `prompt_custom_id` is the prompt's Answer button,
    /// `channel` the thread the message is in (checked as a form's is; the
    /// member's own message shows the answer). `None` when the message
    /// replied to is not a question prompt.
    pub async fn answer_by_reply(
        &self,
        caller: &Caller,
        author_name: String,
        prompt_custom_id: &str,
        text: String,
        limit: AnswerLimit,
        channel: u64,
    ) -> Option<CommandResult<Answered>> {
        let CustomId::Answer {
            question: question_id,
        } = prompt_custom_id.parse().ok()?
        else {
            return None;
        };
        let place = AnswerPlace::Reply(channel);
        Some(
            self.answer_by_id(caller, author_name, question_id, text, limit, place)
                .await,
        )
    }

    /// A submitted answer form; `None` when the form is not ours.
    pub async fn submit_answer_form(
        &self,
        caller: &Caller,
        author_name: String,
        custom_id: &str,
        text: String,
        limit: AnswerLimit,
        place: AnswerPlace,
    ) -> Option<CommandResult<Answered>> {
        Some(match custom_id.parse().ok()? {
            CustomId::EditForm { answer } => self.edit_by_form(caller, answer, text).await,
            CustomId::AnswerForm { question } => {
                self.answer_by_id(caller, author_name, question, text, limit, place)
                    .await
            }
            _ => return None,
        })
    }

    /// Refused unless `channel` is a discussion thread of the briefing of
    /// `question_id` in the caller's server, by our own records: a button
    /// or form another server's message carried (or one made up) acts
    /// nowhere else.
    async fn check_thread(
        &self,
        caller: &Caller,
        question_id: i64,
        channel: u64,
    ) -> CommandResult<()> {
        let Some(guild) = caller.guild_id else {
            return Err(refused_outside_thread(caller, channel, question_id));
        };
        let found = self
            .db
            .read(move |s| match s.question(question_id)? {
                Some(q) if q.guild_id.is_none_or(|g| g == guild) => {
                    s.is_discussion_thread(guild, q.briefing_id, channel)
                }
                Some(_) => Ok(false),
                None => Ok(false),
            })
            .await?;
        if found {
            Ok(())
        } else {
            Err(refused_outside_thread(caller, channel, question_id))
        }
    }

    /// Makes Discord show answer `answer_id` as it now is: posted in
    /// `shown_in` (a new answer), or its messages there edited, replaced
    /// with a "removed" note, or deleted. It goes through the outbox, so it
    /// survives restarts and is retried. Returns whether anything shows (or
    /// is about to show) the answer.
    async fn sync_display(
        &self,
        answer_id: i64,
        guild: Option<u64>,
        shown_in: Option<u64>,
    ) -> CommandResult<bool> {
        let now = self.clock.now_ms();
        let queued = self
            .db
            .call(move |s| {
                s.in_transaction(|s| queue_display_sync(s, answer_id, guild, shown_in, now))
            })
            .await?;
        if queued {
            self.wake.notify();
        }
        Ok(queued)
    }

    async fn answer_by_id(
        &self,
        caller: &Caller,
        author_name: String,
        question_id: i64,
        text: String,
        limit: AnswerLimit,
        place: AnswerPlace,
    ) -> CommandResult<Answered> {
        let (thread_check, shown_in) = match place {
            AnswerPlace::Console => (None, None),
            AnswerPlace::Thread(channel) => (Some(channel), Some(channel)),
            AnswerPlace::Reply(channel) => (Some(channel), None),
        };
        let saving = Saving {
            question_id,
            question_text: String::new(),
            text,
            limit,
            thread_check,
            display: Some(shown_in),
        };
        let (reply, answer) = self.save_answer(caller, author_name, saving).await?;
        let question_text = answer.question_text.clone();
        Ok(Answered {
            reply,
            echo: echo(&answer.answer, &question_text),
        })
    }

    /// An edit changes where the answer is already shown; it never shows
    /// it anywhere new (so the form's channel does not matter).
    async fn edit_by_form(
        &self,
        caller: &Caller,
        answer_id: i64,
        text: String,
    ) -> CommandResult<Answered> {
        let reply = self.answer_edit(caller, answer_id, text).await?;
        let (answer, question) = self
            .db
            .call(move |s| {
                let answer = s.answer(answer_id)?;
                let question = match &answer {
                    Some(a) => s.question(a.question_id)?.map(|q| q.text),
                    None => None,
                };
                Ok((answer, question))
            })
            .await?;
        let answer = answer.user_error("That answer was deleted meanwhile.")?;
        Ok(Answered {
            reply,
            echo: echo(&answer, &question.unwrap_or_default()),
        })
    }

    /// Checks and stores an answer, and queues what shows it, in one
    /// grouped write: it returns once the answer is on disk, committed with
    /// the others that arrived meanwhile (a burst costs a few synced commits,
    /// not one each).
    async fn save_answer(
        &self,
        caller: &Caller,
        author_name: String,
        saving: Saving,
    ) -> CommandResult<(Reply, SavedAnswer)> {
        let text = checked_text(&saving.text)?;
        let now = self.clock.now_ms();
        let (user, guild) = (caller.user_id, caller.guild_id);
        let question_id = saving.question_id;
        let new = NewAnswer {
            question_id,
            guild_id: guild,
            user_id: user,
            user_name: author_name,
            text,
        };
        let limit = saving.limit;
        let (thread_check, display) = (saving.thread_check, saving.display);
        let known_text = saving.question_text;
        let outcome = self
            .db
            .call_grouped(move |s| {
                let Some(question) = s.question(question_id)? else {
                    return Ok(Err(Refusal::Said("That question no longer exists.".into())));
                };
                // A server's own question is answered in that server only;
                // a crafted id from elsewhere finds nothing.
                if question.guild_id.is_some_and(|g| Some(g) != guild) {
                    return Ok(Err(Refusal::Said("That question no longer exists.".into())));
                }
                let (briefing, question_text) = (question.briefing_id, question.text);
                if let Some(channel) = thread_check {
                    let in_thread = match guild {
                        Some(guild) => s.is_discussion_thread(guild, briefing, channel)?,
                        None => false,
                    };
                    if !in_thread {
                        return Ok(Err(Refusal::OutsideThread(channel)));
                    }
                }
                let recent = s.answers_since(user, now - limit.window_ms)?;
                if recent >= limit.answers {
                    return Ok(Err(Refusal::Said(format!(
                        "You have answered {recent} times in the last {} seconds; please wait a little before the next one.",
                        limit.window_ms / 1000
                    ))));
                }
                if let Some(guild) = guild {
                    if s.guild_settings(guild)?.answers_where_posted && !s.briefing_posted_in(guild, briefing)? {
                        return Ok(Err(Refusal::Said(
                            "This server discusses only the briefings posted here, and that one has not been.".into(),
                        )));
                    }
                }
                let Some(answer) = s.add_answer(&new, now)? else {
                    return Ok(Err(Refusal::Said("That question no longer exists.".into())));
                };
                let queued = match display {
                    Some(shown_in) => queue_display_sync(s, answer.id, guild, shown_in, now)?,
                    None => false,
                };
                let question_text = if known_text.is_empty() { question_text } else { known_text };
                Ok(Ok((SavedAnswer { answer, question_text }, queued)))
            })
            .await?;
        let (saved, queued) = match outcome {
            Ok(saved) => saved,
            Err(Refusal::Said(message)) => return Err(CommandError::User(message)),
            Err(Refusal::OutsideThread(channel)) => {
                return Err(refused_outside_thread(caller, channel, question_id));
            }
        };
        if queued {
            self.wake.notify();
        }
        tracing::info!(
            answer = saved.answer.id,
            question = question_id,
            user = caller.user_id,
            "answer saved"
        );
        let reply = Reply::private(format!(
            "Saved your answer #{} to “{}”.",
            saved.answer.id,
            escape_markdown(&truncate(&saved.question_text, 200))
        ));
        Ok((reply, saved))
    }

    /// Changes the caller's own answer; the earlier text stays in its
    /// history, and the message showing it in its thread is updated.
    pub async fn answer_edit(
        &self,
        caller: &Caller,
        answer_id: i64,
        text: String,
    ) -> CommandResult<Reply> {
        let text = checked_text(&text)?;
        self.own_answer(caller, answer_id).await?;
        let now = self.clock.now_ms();
        let room = Room::of(caller.guild_id, caller.user_id);
        self.db
            .call(move |s| s.edit_answer(room, answer_id, &text, now))
            .await?;
        let shown = self.sync_display(answer_id, caller.guild_id, None).await?;
        Ok(Reply::private(format!(
            "Updated answer #{answer_id}; the earlier text is kept in its history.{}",
            if shown {
                " Its message in the thread is being updated."
            } else {
                ""
            }
        )))
    }

    pub async fn answer_delete(&self, caller: &Caller, answer_id: i64) -> CommandResult<Reply> {
        self.own_answer(caller, answer_id).await?;
        let room = Room::of(caller.guild_id, caller.user_id);
        self.db
            .call(move |s| s.delete_answer(room, answer_id))
            .await?;
        let shown = self.sync_display(answer_id, caller.guild_id, None).await?;
        Ok(Reply::private(format!(
            "Answer #{answer_id} was deleted by its author.{}",
            if shown {
                " Its message in the discussion thread is being deleted too."
            } else {
                ""
            }
        )))
    }

    /// A moderator hides an answer; it stays in exports, marked, for audit.
    pub async fn answer_remove(
        &self,
        caller: &Caller,
        answer_id: i64,
        reason: String,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Removing answers")
            .await?;
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(CommandError::User(
                "Give a reason; it is kept with the removed answer.".into(),
            ));
        }
        let (by, now) = (caller.user_id, self.clock.now_ms());
        let removed = self
            .db
            .call(move |s| s.remove_answer(guild, answer_id, by, &reason, now))
            .await?;
        if removed {
            let shown = self.sync_display(answer_id, caller.guild_id, None).await?;
            Ok(Reply::private(format!(
                "Removed answer #{answer_id}. Members no longer see it; exports keep it, marked.{}",
                if shown {
                    " Its message in the thread is being replaced with a note that a moderator removed it."
                } else {
                    ""
                }
            )))
        } else {
            Err(CommandError::User(format!(
                "This server has no answer #{answer_id} to remove (or it is removed already)."
            )))
        }
    }

    /// Asks first; the button carries the caller's id so only they can confirm.
    pub fn forget_me(&self, caller: &Caller) -> Reply {
        Reply {
            messages: vec![Message {
                ping_role: None,
                card: None,
                content: Some(
                    "Delete every answer you have given, with its history and your name? This cannot be undone.".into(),
                ),
                embeds: Vec::new(),
                buttons: vec![
                    Button {
                        custom_id: CustomId::ForgetMe {
                            user: caller.user_id,
                        }
                        .to_string(),
                        label: "Delete my answers".into(),
                        disabled: false,
                    },
                    Button {
                        custom_id: CustomId::KeepAnswers {
                            user: caller.user_id,
                        }
                        .to_string(),
                        label: "Keep my answers".into(),
                        disabled: false,
                    },
                ],
            }],
            ephemeral: true,
        }
    }

    /// "Keep my answers": nothing changes, and the reply says so.
    pub(super) fn forget_me_declined(&self, caller: &Caller, user: u64) -> CommandResult<Reply> {
        if user != caller.user_id {
            return Err(CommandError::User(
                "That button belongs to someone else.".into(),
            ));
        }
        Ok(Reply::private(
            "Kept your answers; nothing was deleted.".to_string(),
        ))
    }

    pub(super) async fn forget_me_confirmed(
        &self,
        caller: &Caller,
        user: u64,
    ) -> CommandResult<Reply> {
        if user != caller.user_id {
            return Err(CommandError::User(
                "That button belongs to someone else.".into(),
            ));
        }
        let now = self.clock.now_ms();
        let (deleted, shown, legacy) = self
            .db
            .call(move |s| {
                s.in_transaction(|s| {
                    let displays = s.displayed_answers_of(user)?;
                    let deleted = s.forget_user(user)?;
                    let legacy = displays.iter().filter(|d| d.legacy).count();
                    for display in &displays {
                        queue_display_sync(s, display.answer_id, display.guild_id, None, now)?;
                    }
                    Ok((deleted, displays.len(), legacy))
                })
            })
            .await?;
        if shown > 0 {
            self.wake.notify();
        }
        tracing::info!(user, deleted, shown, "member's answers forgotten");
        let mut text = match deleted {
            0 => "You had no answers stored; there is nothing to delete.".to_string(),
            1 => "Done: your answer and everything stored with it are deleted.".to_string(),
            n => format!("Done: your {n} answers and everything stored with them are deleted."),
        };
        if shown > 0 {
            text.push_str(&format!(
                " The messages that showed {} in discussion threads are being deleted now.",
                if shown == 1 { "it" } else { "them" }
            ));
        }
        if legacy > 0 {
            text.push_str(&format!(
                " {legacy} of them {} shown by an earlier version of the bot that did not keep track of its messages: \
                 it looks for {} in {} thread by {} answer number, and tells the server's log channel if it cannot find {}.",
                if legacy == 1 { "was" } else { "were" },
                if legacy == 1 { "it" } else { "them" },
                if legacy == 1 { "its" } else { "their" },
                if legacy == 1 { "its" } else { "their" },
                if legacy == 1 { "it" } else { "them" },
            ));
        }
        Ok(Reply::private(text))
    }

    /// The caller's own answer, given where they are asking now (an answer
    /// given in another server is changed only from there).
    async fn own_answer(&self, caller: &Caller, answer_id: i64) -> CommandResult<()> {
        let room = Room::of(caller.guild_id, caller.user_id);
        let found = self.db.call(move |s| s.answer_in(room, answer_id)).await?;
        match found {
            Some(a) if a.user_id == caller.user_id && a.removed_at.is_none() => Ok(()),
            Some(a) if a.user_id == caller.user_id => Err(CommandError::User(format!(
                "Answer #{answer_id} was removed by a moderator."
            ))),
            _ => Err(CommandError::User(format!(
                "You have no answer #{answer_id} here (answers are changed where they were given)."
            ))),
        }
    }
}

/// Queues a delivery that makes Discord show `answer_id` as it now is (see
/// [`Handlers::sync_display`]); `shown_in` first records where a new answer
/// is shown. `false` when nothing shows the answer.
fn queue_display_sync(
    store: &mut crate::store::Store,
    answer_id: i64,
    guild: Option<u64>,
    shown_in: Option<u64>,
    now: i64,
) -> crate::store::Result<bool> {
    if let (Some(channel), Some(guild)) = (shown_in, guild) {
        store.show_answer_in(answer_id, Some(guild), channel)?;
    }
    let Some(display) = store.answer_display(answer_id)? else {
        return Ok(false);
    };
    let Some(guild) = display.guild_id.or(guild) else {
        return Ok(false);
    };
    let sync = crate::store::NewDelivery::pending(
        guild,
        display.channel_id.unwrap_or(0),
        crate::store::Origin::Discussion,
        crate::store::Payload::Answer(answer_id),
        now,
    );
    store.insert_delivery(&sync, now)?;
    Ok(true)
}

/// What [`Handlers::save_answer`] is asked to save, and how.
struct Saving {
    question_id: i64,
    /// As the caller knows it; empty: read with the question.
    question_text: String,
    text: String,
    limit: AnswerLimit,
    /// The channel the answer came from, which must be a discussion
    /// thread of the question's briefing in the caller's server.
    thread_check: Option<u64>,
    /// Queue showing the answer (in this thread, if any); `None`: the
    /// caller shows it itself.
    display: Option<Option<u64>>,
}

struct SavedAnswer {
    answer: crate::store::Answer,
    question_text: String,
}

/// Why an answer was not saved.
enum Refusal {
    Said(String),
    OutsideThread(u64),
}

/// Logs and refuses an Answer button or form used outside its thread.
fn refused_outside_thread(caller: &Caller, channel: u64, question_id: i64) -> CommandError {
    tracing::warn!(
        user = caller.user_id,
        guild = caller.guild_id,
        channel,
        question = question_id,
        "an answer button or form used outside its discussion thread: refused"
    );
    CommandError::User(
        "That Answer button belongs to a briefing's discussion thread elsewhere. Answer in the thread under the briefing's post in this server, or with /answer to."
            .into(),
    )
}

fn checked_text(text: &str) -> CommandResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(CommandError::User("An answer needs some text.".into()));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_ANSWER_CHARS {
        return Err(CommandError::User(format!(
            "Answers are limited to {MAX_ANSWER_CHARS} characters; yours has {chars}."
        )));
    }
    Ok(trimmed.to_string())
}
