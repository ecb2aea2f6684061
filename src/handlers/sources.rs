//! `/source`: the feeds and pages the bot follows. For the bot's owners
//! only (`discord.owners`): a source feeds every server the bot is in.
//! Server moderators choose what their channels get with `/subscribe`.

use super::{Caller, Choice, CommandError, CommandResult, Handlers, MAX_CHOICES};
use crate::domain::text::{escape_markdown, truncate};
use crate::domain::view::{limits, Embed, Reply};
use crate::follow::{describe_interval, parse_interval, ArticleStatus, Follower};
use crate::store::NewSource;

/// What `/source add` was given, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRequest {
    pub url: String,
    pub name: Option<String>,
    /// Categories added to every article, separated by commas.
    pub categories: Option<String>,
    /// How often to fetch: 10m, 2h, 1d.
    pub every: Option<String>,
    /// A key question its articles get when they come without any.
    pub question: Option<String>,
}

impl Handlers {
    /// The follower, when the caller is one of the bot's owners.
    fn owners_follower(&self, caller: &Caller, command: &str) -> CommandResult<&Follower> {
        if !self.is_owner(caller) {
            return Err(CommandError::User(format!(
                "{command} is for the bot's owners only (discord.owners in its settings): a source feeds every server the bot is in. Moderators choose what their channels get with /subscribe add."
            )));
        }
        self.follower
            .as_ref()
            .ok_or_else(|| CommandError::User("This Briefbot does not follow sources.".into()))
    }

    pub async fn source_add(
        &self,
        caller: &Caller,
        request: SourceRequest,
    ) -> CommandResult<Reply> {
        let SourceRequest {
            url,
            name,
            categories: category,
            every,
            question,
        } = request;
        let follower = self.owners_follower(caller, "/source add")?;
        let questions = crate::store::checked_questions(&question.into_iter().collect::<Vec<_>>())
            .map_err(CommandError::User)?;
        let interval = match every {
            Some(every) => parse_interval(&every).map_err(CommandError::User)?,
            None => self.default_interval,
        };
        let new = NewSource {
            url,
            name: name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
            categories: category
                .unwrap_or_default()
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            interval_seconds: interval.as_secs() as i64,
            backfill: 0,
            questions,
        };
        let added = follower.add(new).await.map_err(CommandError::User)?;
        let id = added.id;
        let report = follower.fetch_source(added).await?;
        let first = match &report.error {
            Some(error) => format!(
                "The first fetch failed: {}. It is tried again on its interval; `/source check {id}` shows what the bot sees.",
                escape_markdown(error)
            ),
            None => {
                let imported = report
                    .articles
                    .iter()
                    .filter(|a| matches!(a.status, ArticleStatus::Imported { .. }))
                    .count();
                let failed = report
                    .articles
                    .iter()
                    .filter(|a| matches!(a.status, ArticleStatus::Failed { .. }))
                    .count();
                format!(
                    "{imported} article{} it lists now {} imported without being posted; new ones will be posted to the subscribed channels.{}",
                    if imported == 1 { "" } else { "s" },
                    if imported == 1 { "was" } else { "were" },
                    if failed > 0 {
                        format!(" {failed} could not be read (see `/source check {id}`).")
                    } else {
                        String::new()
                    }
                )
            }
        };
        Ok(Reply::private(format!(
            "Following source #{id}, **{}**, every {}. {first}",
            escape_markdown(&truncate(&report.source, 100)),
            describe_interval(interval)
        )))
    }

    pub async fn source_list(&self, caller: &Caller) -> CommandResult<Reply> {
        self.owners_follower(caller, "/source list")?;
        let sources = self.db.read(|s| s.sources()).await?;
        if sources.is_empty() {
            return Ok(Reply::private(
                "No sources yet. /source add <feed url> follows one.",
            ));
        }
        let lines: Vec<String> = sources
            .iter()
            .map(|s| {
                let state = match (s.enabled, &s.disabled_reason) {
                    (true, _) if s.failures > 0 => format!(
                        "failing ({} in a row: {})",
                        s.failures,
                        escape_markdown(&truncate(s.last_error.as_deref().unwrap_or("-"), 120))
                    ),
                    (true, _) => "ok".to_string(),
                    (false, reason) => format!(
                        "**disabled**: {}",
                        escape_markdown(&truncate(
                            reason.as_deref().unwrap_or("by the operator"),
                            150
                        ))
                    ),
                };
                let last = s
                    .last_success_at
                    .map(|ms| format!("<t:{}:R>", ms / 1000))
                    .unwrap_or_else(|| "never".into());
                format!(
                    "**#{}** {} · every {} · last success {last} · {state}\n{}",
                    s.id,
                    escape_markdown(&truncate(s.label(), 80)),
                    describe_interval(std::time::Duration::from_secs(
                        s.interval_seconds.max(0) as u64
                    )),
                    truncate(&s.url, 200)
                )
            })
            .collect();
        Ok(Reply::private_embed(Embed {
            title: Some("Followed sources".into()),
            description: Some(truncate(&lines.join("\n\n"), limits::DESCRIPTION)),
            ..Embed::default()
        }))
    }

    pub async fn source_remove(&self, caller: &Caller, source: String) -> CommandResult<Reply> {
        self.owners_follower(caller, "/source remove")?;
        let id = source_id(&source)?;
        let removed = self
            .db
            .call(move |s| {
                let found = s.source(id)?;
                if found.is_some() {
                    s.remove_source(id)?;
                }
                Ok(found)
            })
            .await?;
        match removed {
            Some(source) => Ok(Reply::private(format!(
                "No longer following #{id} ({}). Its briefings stay in the library.",
                escape_markdown(source.label())
            ))),
            None => Err(CommandError::User(format!(
                "There is no source #{id}. /source list shows them."
            ))),
        }
    }

    /// A dry run: what the source (an id, or any URL) would import now.
    pub async fn source_check(&self, caller: &Caller, source: String) -> CommandResult<Reply> {
        let follower = self.owners_follower(caller, "/source check")?;
        let url = match source.trim().trim_start_matches('#').parse::<i64>() {
            Ok(id) => self
                .db
                .read(move |s| s.source(id))
                .await?
                .map(|s| s.url)
                .ok_or_else(|| {
                    CommandError::User(format!(
                        "There is no source #{id}. /source list shows them."
                    ))
                })?,
            Err(_) => source.trim().to_string(),
        };
        let preview = follower.preview(&url).await.map_err(|e| {
            CommandError::User(format!("Could not read {}: {e}", truncate(&url, 200)))
        })?;
        let lines: Vec<String> = preview
            .articles
            .iter()
            .map(|article| match article {
                Ok(extracted) => {
                    let b = &extracted.briefing;
                    let mut line = format!(
                        "**{}** · {} highlights · {} · {} key questions",
                        escape_markdown(&truncate(&b.title, 120)),
                        b.highlights.len(),
                        if b.implications.is_some() {
                            "implications table"
                        } else {
                            "no table"
                        },
                        b.key_questions.len()
                    );
                    for note in &extracted.notes {
                        line.push_str(&format!(
                            "\n  note: {}",
                            escape_markdown(&truncate(note, 200))
                        ));
                    }
                    line
                }
                Err(reason) => format!(
                    "could not be read: {}",
                    escape_markdown(&truncate(reason, 200))
                ),
            })
            .collect();
        let more = if preview.more > 0 {
            format!("\n… and {} more items.", preview.more)
        } else {
            String::new()
        };
        Ok(Reply::private_embed(Embed {
            title: Some(format!("Dry run: {} (nothing stored)", preview.kind)),
            description: Some(truncate(
                &format!("{}{more}", lines.join("\n")),
                limits::DESCRIPTION,
            )),
            ..Embed::default()
        }))
    }

    /// Followed sources matching what is typed. Only the bot's owners see
    /// their addresses whole; moderators picking one for a subscription see
    /// them with secrets masked.
    pub async fn autocomplete_source(
        &self,
        caller: &Caller,
        partial: String,
    ) -> CommandResult<Vec<Choice>> {
        let sources = self.db.read(|s| s.sources()).await?;
        let partial = partial.trim().trim_start_matches('#').to_lowercase();
        let owner = self.is_owner(caller);
        Ok(sources
            .iter()
            .map(|s| {
                let label = if owner {
                    format!("#{} · {} · {}", s.id, s.label(), s.url)
                } else {
                    format!("#{} · {} · {}", s.id, s.public_label(), s.masked_url())
                };
                (s.id, label)
            })
            .filter(|(_, label)| label.to_lowercase().contains(&partial))
            .take(MAX_CHOICES)
            .map(|(id, label)| Choice {
                name: truncate(&label, 100),
                value: id.to_string(),
            })
            .collect())
    }
}

/// "3" or "#3" (what autocomplete sends, or a typed id).
pub(super) fn source_id(text: &str) -> CommandResult<i64> {
    text.trim().trim_start_matches('#').parse().map_err(|_| {
        CommandError::User(format!(
            "'{}' is not a source number; pick one from the list.",
            truncate(text, 50)
        ))
    })
}
