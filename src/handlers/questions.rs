//! `/questions`: moderators pose their own key questions on any briefing,
//! so a briefing that came without any can be discussed too. A server's
//! questions are that server's alone; what a moderator changes is made
//! true in the briefing's discussion threads there, through the outbox.

use crate::domain::text::{counted, escape_markdown, truncate};
use crate::domain::view::Reply;
use crate::store::{
    checked_question, NewDelivery, Origin, Payload, QuestionRefusal, Store, MAX_ADDED_QUESTION,
};

use super::commands::Access;
use super::{Caller, CommandError, CommandResult, Handlers};

/// Queues showing question `id` of `briefing_id` as it is now in `guild`'s
/// threads; how many threads that is.
fn queue_question_sync(
    store: &mut Store,
    guild: u64,
    briefing_id: i64,
    question_id: i64,
    now: i64,
) -> crate::store::Result<usize> {
    let sync = NewDelivery::pending(
        guild,
        0,
        Origin::Discussion,
        Payload::Question(question_id),
        now,
    );
    store.insert_delivery(&sync, now)?;
    Ok(store.post_places(guild, briefing_id)?.len())
}

fn where_shown(threads: usize) -> String {
    match threads {
        0 => " It shows with the briefing wherever it is posted here from now on.".into(),
        n => format!(
            " It is being added to the briefing's {} here, with its Answer button.",
            counted(n as u64, "discussion thread")
        ),
    }
}

impl Handlers {
    pub async fn questions_add(
        &self,
        caller: &Caller,
        briefing: String,
        text: String,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Adding questions")
            .await?;
        let text = checked_question(&text).map_err(CommandError::User)?;
        let (briefing_id, title) = self.resolve_briefing(&briefing).await?;
        let (by, now) = (caller.user_id, self.clock.now_ms());
        let added = self
            .db
            .call(move |s| {
                s.in_transaction(
                    |s| match s.add_guild_question(guild, briefing_id, &text, by)? {
                        Ok(question) => {
                            let threads =
                                queue_question_sync(s, guild, briefing_id, question.id, now)?;
                            Ok(Ok((question, threads)))
                        }
                        Err(refusal) => Ok(Err(refusal)),
                    },
                )
            })
            .await?;
        let (question, threads) = added.map_err(|refusal| {
            CommandError::User(match refusal {
                QuestionRefusal::Full => format!(
                    "“{}” already has {} questions here, the most a briefing may have. Retire one first.",
                    truncate(&title, 80),
                    crate::domain::bounds::MAX_QUESTIONS
                ),
                QuestionRefusal::Duplicate => "That briefing already asks that question.".into(),
                QuestionRefusal::NoBriefing => "That briefing no longer exists.".into(),
            })
        })?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Added question q{} to “{}”: {}{}",
            question.id,
            escape_markdown(&truncate(&title, 80)),
            escape_markdown(&question.text),
            where_shown(threads)
        )))
    }

    pub async fn questions_edit(
        &self,
        caller: &Caller,
        briefing: String,
        question: String,
        text: String,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Changing questions")
            .await?;
        let text = checked_question(&text).map_err(CommandError::User)?;
        let (_, question_id, _) = self.resolve_question(caller, &briefing, &question).await?;
        let now = self.clock.now_ms();
        let edited = self
            .db
            .call(move |s| {
                s.in_transaction(
                    |s| match s.edit_guild_question(guild, question_id, &text)? {
                        Some(briefing) => Ok(Some(queue_question_sync(
                            s,
                            guild,
                            briefing,
                            question_id,
                            now,
                        )?)),
                        None => Ok(None),
                    },
                )
            })
            .await?;
        let threads = edited.ok_or_else(not_ours)?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Changed question q{question_id}.{}",
            if threads > 0 {
                format!(
                    " Its message in {} is being edited.",
                    counted(threads as u64, "thread")
                )
            } else {
                String::new()
            }
        )))
    }

    pub async fn questions_retire(
        &self,
        caller: &Caller,
        briefing: String,
        question: String,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Retiring questions")
            .await?;
        let (_, question_id, text) = self.resolve_question(caller, &briefing, &question).await?;
        let now = self.clock.now_ms();
        let stamp = crate::clock::from_ms(now).to_rfc3339();
        let retired = self
            .db
            .call(move |s| {
                s.in_transaction(
                    |s| match s.retire_guild_question(guild, question_id, &stamp)? {
                        Some(briefing) => Ok(Some(queue_question_sync(
                            s,
                            guild,
                            briefing,
                            question_id,
                            now,
                        )?)),
                        None => Ok(None),
                    },
                )
            })
            .await?;
        let threads = retired.ok_or_else(not_ours)?;
        self.wake.notify();
        Ok(Reply::private(format!(
            "Retired question q{question_id} ({}). Its answers stay, in /discussion and exports.{}",
            escape_markdown(&truncate(&text, 80)),
            if threads > 0 {
                " Its Answer button in the threads is being replaced with a note."
            } else {
                ""
            }
        )))
    }

    pub async fn questions_list(&self, caller: &Caller, briefing: String) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Listing questions")
            .await?;
        let (briefing_id, title) = self.resolve_briefing(&briefing).await?;
        let rows = self
            .db
            .call(move |s| {
                let history = s.question_history(briefing_id, Some(guild))?;
                let mut rows = Vec::new();
                for (question, current) in history {
                    let ours = s
                        .question(question.id)?
                        .is_some_and(|q| q.guild_id.is_some());
                    rows.push((question, current, ours));
                }
                Ok(rows)
            })
            .await?;
        let mut number = 0;
        let mut lines = Vec::new();
        for (question, current, ours) in &rows {
            if !current && !ours {
                continue; // a shared question a re-import dropped
            }
            let label = if *current {
                number += 1;
                format!("{number}.")
            } else {
                "retired:".into()
            };
            let whose = if *ours {
                "asked here"
            } else {
                "with the briefing"
            };
            lines.push(format!(
                "{label} {} · q{} · {whose}",
                escape_markdown(&truncate(&question.text, 200)),
                question.id
            ));
        }
        if lines.is_empty() {
            lines.push(format!(
                "No questions yet. Add one with /questions add (up to {MAX_ADDED_QUESTION} characters)."
            ));
        }
        Ok(Reply::private(truncate(
            &format!(
                "**Questions of “{}” in this server**\n{}",
                escape_markdown(&truncate(&title, 100)),
                lines.join("\n")
            ),
            crate::domain::view::limits::CONTENT,
        )))
    }
}

fn not_ours() -> CommandError {
    CommandError::User(
        "That is not one of this server's own current questions. The questions a briefing came with stay as the publisher wrote them."
            .into(),
    )
}
