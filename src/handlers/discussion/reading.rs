//! Reading a briefing's discussion: the questions with their answer counts,
//! the answers a page at a time, and what a member types to name a
//! briefing or one of its questions.

use super::ANSWERS_PER_PAGE;
use crate::domain::custom_id::CustomId;
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{limits, Button, Embed, Field, Message, Reply};
use crate::handlers::{
    lookup_text, Caller, Choice, CommandError, CommandResult, Handlers, OrUserError, MAX_CHOICES,
};
use crate::store::{Answer, QuestionCount, Room};

impl Handlers {
    /// A briefing's questions with their answer counts, then the answers
    /// (to one question, or all), newest first, a page at a time: only
    /// those given where the caller asks (their server, or their own in
    /// direct messages).
    pub async fn discussion(
        &self,
        caller: &Caller,
        briefing: String,
        question: Option<String>,
        page: u64,
    ) -> CommandResult<Reply> {
        let (briefing_id, title) = self.resolve_briefing(&briefing).await?;
        let question_id = match &question {
            Some(q) if !q.trim().is_empty() => Some(
                self.resolve_question(caller, &briefing_id.to_string(), q)
                    .await?
                    .1,
            ),
            _ => None,
        };
        let page = page.max(1);
        let room = Room::of(caller.guild_id, caller.user_id);
        let (counts, answers) = self
            .db
            .call(move |s| {
                Ok((
                    s.question_counts(room, briefing_id)?,
                    s.answers_page(
                        room,
                        briefing_id,
                        question_id,
                        (page - 1).saturating_mul(ANSWERS_PER_PAGE),
                        ANSWERS_PER_PAGE,
                    )?,
                ))
            })
            .await?;
        if counts.is_empty() {
            return Err(CommandError::User(
                "That briefing has no key questions to discuss.".into(),
            ));
        }
        let summary = question_lines(&counts, question_id);
        let fields = answers.answers.iter().map(answer_field).collect();
        let pages = answers.total.div_ceil(ANSWERS_PER_PAGE).max(1);
        let page = page.min(pages);
        let id = |target: u64| {
            CustomId::DiscussionPage {
                briefing: briefing_id,
                question: question_id,
                page: target,
            }
            .to_string()
        };
        Ok(Reply {
            messages: vec![Message {
                ping_role: None,
                card: None,
                content: None,
                embeds: vec![Embed {
                    title: Some(truncate(&format!("Discussion: {title}"), limits::TITLE)),
                    description: Some(truncate(&summary.join("\n"), limits::DESCRIPTION)),
                    fields,
                    footer: Some(format!(
                        "Page {page} of {pages} · {} from {} · newest first",
                        crate::domain::text::counted(answers.total, "answer"),
                        crate::domain::text::counted(answers.members, "member")
                    )),
                    ..Embed::default()
                }],
                buttons: vec![
                    Button {
                        custom_id: id(page.saturating_sub(1).max(1)),
                        label: "Newer".into(),
                        disabled: page <= 1,
                    },
                    Button {
                        custom_id: id(page + 1),
                        label: "Older".into(),
                        disabled: page >= pages,
                    },
                ],
            }],
            ephemeral: false,
        })
    }

    /// The current questions of the briefing chosen so far, as `q<id>`.
    pub async fn autocomplete_question(
        &self,
        caller: &Caller,
        briefing: String,
        partial: String,
    ) -> CommandResult<Vec<Choice>> {
        let guild = caller.guild_id;
        let Ok((briefing_id, _)) = self.resolve_briefing(&briefing).await else {
            return Ok(Vec::new());
        };
        let partial = partial.trim().to_lowercase();
        let questions = self
            .db
            .call(move |s| s.question_history(briefing_id, guild))
            .await?;
        Ok(questions
            .into_iter()
            .filter(|(_, current)| *current)
            .enumerate()
            .map(|(i, (q, _))| Choice {
                name: truncate(&format!("{}. {}", i + 1, q.text), 100),
                value: format!("q{}", q.id),
            })
            .filter(|c| c.name.to_lowercase().contains(&partial))
            .take(MAX_CHOICES)
            .collect())
    }

    pub(crate) async fn resolve_briefing(&self, briefing: &str) -> CommandResult<(i64, String)> {
        let key = lookup_text("briefing name", briefing)?;
        let found = self
            .db
            .read_lookup(move |s| s.lookup_briefing(&key))
            .await?
            .user_error(format!(
                "No briefing matches '{}'.",
                truncate(briefing.trim(), 100)
            ))?;
        Ok((found.id, found.briefing.title))
    }

    /// (briefing id, question id, question text) from what was typed.
    pub(crate) async fn resolve_question(
        &self,
        caller: &Caller,
        briefing: &str,
        question: &str,
    ) -> CommandResult<(i64, i64, String)> {
        let guild = caller.guild_id;
        let (briefing_id, _) = self.resolve_briefing(briefing).await?;
        let wanted = lookup_text("question", question)?
            .trim_start_matches('#')
            .to_string();
        let questions = self
            .db
            .call(move |s| s.question_history(briefing_id, guild))
            .await?;
        let current: Vec<_> = questions.iter().filter(|(_, current)| *current).collect();
        // "q<id>" is what autocomplete sends; a plain number is the
        // question's place in the briefing.
        let found = match wanted
            .strip_prefix('q')
            .and_then(|id| id.parse::<i64>().ok())
        {
            Some(id) => questions
                .iter()
                .find(|(q, _)| q.id == id)
                .map(|(q, _)| q.clone()),
            None => wanted
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| current.get(i).map(|(q, _)| q.clone())),
        };
        let found = found.user_error(format!(
            "That briefing has no question '{}'. It has {}: give its number, or pick one from the list.",
            truncate(question.trim(), 50),
            current.len()
        ))?;
        Ok((briefing_id, found.id, found.text))
    }
}

/// One line per question (or just the chosen one) with its answer count.
/// Current questions are numbered in order (the briefing's, then this
/// server's own, marked); retired ones follow, unnumbered.
fn question_lines(counts: &[QuestionCount], only: Option<i64>) -> Vec<String> {
    let mut number = 0;
    counts
        .iter()
        .map(|c| {
            let label = if c.current {
                number += 1;
                if c.added_here {
                    format!("{number}. (asked here)")
                } else {
                    format!("{number}.")
                }
            } else {
                "(earlier version)".into()
            };
            (label, c)
        })
        .filter(|(_, c)| only.is_none_or(|q| q == c.question_id))
        .map(|(label, c)| {
            let answers = match c.answers {
                0 => "no answers yet".to_string(),
                n => crate::domain::text::counted(n, "answer"),
            };
            format!(
                "{label} {} · {answers}",
                escape_markdown(&truncate(&c.text, 300))
            )
        })
        .collect()
}

/// An answer as a field of the discussion page: number, author, text as
/// written (Markdown escaped, so it cannot fake formatting).
fn answer_field(a: &Answer) -> Field {
    let edited = if a.edited_at.is_some() {
        " (edited)"
    } else {
        ""
    };
    let featured = if a.featured { "⭐ Featured · " } else { "" };
    Field {
        name: truncate(
            &format!("{featured}#{} · {}{edited}", a.id, a.user_name),
            limits::FIELD_NAME,
        ),
        value: truncate(&escape_markdown(&a.text), limits::FIELD_VALUE),
        inline: false,
    }
}
