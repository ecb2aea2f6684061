//! `/moderate stats`: how a discussion goes, for moderators. Only what
//! members can see, and only this server's answers.

use crate::domain::text::{counted, escape_markdown, truncate};
use crate::domain::view::{limits, Embed, Field, Reply};
use crate::handlers::commands::Access;
use crate::handlers::{Caller, CommandResult, Handlers};
use crate::store::BriefingStats;

/// A stored time as Discord shows it in each reader's own time zone.
fn when(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), |ms| format!("<t:{}:F>", ms.div_euclid(1000)))
}

fn period(from: Option<i64>, to: Option<i64>) -> String {
    match (from, to) {
        (None, None) => "all time".into(),
        (Some(f), None) => format!("since <t:{}:D>", f / 1000),
        (None, Some(t)) => format!("before <t:{}:D>", t / 1000),
        (Some(f), Some(t)) => format!("<t:{}:D> to <t:{}:D>", f / 1000, t / 1000),
    }
}

fn summary(s: &BriefingStats) -> String {
    format!(
        "{} from {}",
        counted(s.answers, "answer"),
        counted(s.members, "member")
    )
}

impl Handlers {
    pub async fn discussion_stats(
        &self,
        caller: &Caller,
        briefing: Option<String>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Discussion figures")
            .await?;
        let briefing_id = match briefing {
            Some(b) => Some(self.resolve_briefing(&b).await?.0),
            None => None,
        };
        let embed = match briefing_id {
            Some(id) => {
                let stats = self
                    .db
                    .call(move |s| s.briefing_stats(guild, id, from, to))
                    .await?;
                let Some(stats) = stats else {
                    return Ok(Reply::private("That briefing no longer exists."));
                };
                let questions = stats
                    .per_question
                    .iter()
                    .enumerate()
                    .map(|(i, (text, n))| {
                        format!(
                            "{}. {} · {}",
                            i + 1,
                            escape_markdown(&truncate(text, 150)),
                            counted(*n, "answer")
                        )
                    })
                    .collect::<Vec<_>>();
                Embed {
                    title: Some(truncate(
                        &format!("Discussion figures: {}", stats.title),
                        limits::TITLE,
                    )),
                    description: Some(truncate(
                        &format!(
                            "**{}** ({})\n{}",
                            summary(&stats),
                            period(from, to),
                            if questions.is_empty() {
                                "No key questions.".to_string()
                            } else {
                                questions.join("\n")
                            }
                        ),
                        limits::DESCRIPTION,
                    )),
                    fields: vec![
                        Field {
                            name: "First answer".into(),
                            value: when(stats.first),
                            inline: true,
                        },
                        Field {
                            name: "Latest answer".into(),
                            value: when(stats.latest),
                            inline: true,
                        },
                    ],
                    ..Embed::default()
                }
            }
            None => {
                let top = self
                    .db
                    .call(move |s| s.most_discussed(guild, from, to))
                    .await?;
                let lines: Vec<String> = top
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        format!(
                            "{}. {} · {} · latest {}",
                            i + 1,
                            escape_markdown(&truncate(&s.title, 120)),
                            summary(s),
                            when(s.latest)
                        )
                    })
                    .collect();
                Embed {
                    title: Some("Most-discussed briefings".into()),
                    description: Some(truncate(
                        &format!(
                            "{}\n{}",
                            period(from, to),
                            if lines.is_empty() {
                                "No answers in this period.".to_string()
                            } else {
                                lines.join("\n")
                            }
                        ),
                        limits::DESCRIPTION,
                    )),
                    ..Embed::default()
                }
            }
        };
        Ok(Reply::private_embed(embed))
    }
}
