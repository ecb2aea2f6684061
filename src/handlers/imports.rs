//! `/briefing import`: a moderator uploads a briefing file; subscribed
//! channels get it through the delivery loop.

use super::{Caller, CommandError, CommandResult, Handlers};
use crate::domain::text::truncate;
use crate::domain::view::Reply;
use crate::handlers::commands::Access;
use crate::import::{import_bytes, FileResult, ImportOptions, BRIEFING_EXTENSIONS};
use crate::store::SaveOutcome;

impl Handlers {
    /// Checks an upload before it is fetched: who, what kind, how big.
    pub async fn import_upload_allowed(
        &self,
        caller: &Caller,
        file_name: &str,
        size: u64,
        options: &ImportOptions,
    ) -> CommandResult<()> {
        self.moderator_guild(caller, Access::ManageServer, "/briefing import")
            .await?;
        let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_lowercase());
        if !extension
            .as_deref()
            .is_some_and(|e| BRIEFING_EXTENSIONS.contains(&e))
        {
            return Err(CommandError::User(format!(
                "'{}' is not a briefing file: attach a .txt capture or a .md briefing.",
                truncate(file_name, 100)
            )));
        }
        if size > options.max_file_bytes {
            return Err(CommandError::User(format!(
                "{} is {size} bytes; briefings are limited to {} bytes.",
                truncate(file_name, 100),
                options.max_file_bytes
            )));
        }
        Ok(())
    }

    pub async fn import_upload(
        &self,
        caller: &Caller,
        file_name: String,
        bytes: Vec<u8>,
        options: ImportOptions,
    ) -> CommandResult<Reply> {
        self.import_upload_allowed(caller, &file_name, bytes.len() as u64, &options)
            .await?;
        let name = file_name.clone();
        let now = self.clock.now_ms();
        let report = self
            .db
            .call(move |s| {
                let report = import_bytes(s, &name, &bytes, &options);
                // Queue it for subscribed channels now, so it is in the
                // outbox before the moderator hears "imported".
                if matches!(report.result, FileResult::Saved { .. }) {
                    s.queue_new_briefings(crate::store::GuildScope::ALL, now)?;
                }
                Ok(report)
            })
            .await?;
        match report.result {
            FileResult::Failed { reason } => Err(CommandError::User(format!(
                "{} was not imported: {reason}. Nothing was changed.",
                truncate(&file_name, 100)
            ))),
            FileResult::Saved {
                outcome, id, title, ..
            } => {
                self.wake.notify();
                tracing::info!(briefing = id, by = caller.user_id, outcome = ?outcome, "briefing imported from Discord");
                let what = match outcome {
                    SaveOutcome::Imported => "Imported",
                    SaveOutcome::Updated => "Updated",
                    SaveOutcome::Unchanged => "Already up to date:",
                };
                let notes = if report.notes.is_empty() {
                    String::new()
                } else {
                    format!("\nNote: {}", report.notes.join("; "))
                };
                Ok(Reply::private(format!(
                    "{what} #{id} “{}”. Subscribed channels get new briefings within a few seconds.{notes}",
                    truncate(&title, 200)
                )))
            }
        }
    }
}
