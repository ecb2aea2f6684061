//! The console's moderator and discussion commands: each reads its
//! `name:value` options, refuses any it does not know before anything
//! runs, and calls the handler the bot calls.

use std::path::Path;

use super::parse::Options;
use super::{
    answer_number, channel_option, number_option, refuse_leftovers, required, unknown, Console,
    MissingOption, Work,
};
use crate::domain::view::Reply;
use crate::handlers::{CommandError, CommandResult, ScheduleRequest};

impl<W: std::io::Write> Console<W> {
    pub(super) async fn subscribe(&self, sub: String, mut o: Options) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let work: Work<'_> = match sub.as_str() {
            "add" => {
                let channel =
                    channel_option(&mut o, "channel")?.user_error_missing("channel:#name")?;
                Box::pin(h.subscribe_add(caller, channel, o.take("categories")))
            }
            "list" => Box::pin(h.subscribe_list(caller)),
            "remove" => {
                let channel =
                    channel_option(&mut o, "channel")?.user_error_missing("channel:#name")?;
                Box::pin(h.subscribe_remove(caller, channel))
            }
            other => return Err(unknown("/subscribe", other)),
        };
        refuse_leftovers(&o)?;
        work.await
    }

    pub(super) async fn schedule(&self, sub: String, mut o: Options) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let work: Work<'_> = match sub.as_str() {
            "add" | "edit" => {
                let schedule = if sub == "edit" {
                    Some(required(&mut o, "schedule")?)
                } else {
                    None
                };
                let request = ScheduleRequest {
                    channel: channel_option(&mut o, "channel")?,
                    when: o.take("when"),
                    repeat: o.take("repeat"),
                    post: o.take("post"),
                    briefing: o.take("briefing"),
                    count: number_option(&mut o, "count")?,
                    timezone: o.take("timezone"),
                };
                match schedule {
                    Some(schedule) => Box::pin(h.schedule_edit(caller, schedule, request)),
                    None => Box::pin(h.schedule_add(caller, request)),
                }
            }
            "list" => Box::pin(h.schedule_list(caller)),
            "pause" => Box::pin(h.schedule_pause(caller, required(&mut o, "schedule")?)),
            "resume" => Box::pin(h.schedule_resume(caller, required(&mut o, "schedule")?)),
            "cancel" => Box::pin(h.schedule_cancel(caller, required(&mut o, "schedule")?)),
            "run-now" => Box::pin(h.schedule_run_now(caller, required(&mut o, "schedule")?)),
            "preview" => Box::pin(h.schedule_preview(caller, required(&mut o, "schedule")?)),
            "log" => Box::pin(h.schedule_log(caller, channel_option(&mut o, "channel")?)),
            other => return Err(unknown("/schedule", other)),
        };
        refuse_leftovers(&o)?;
        work.await
    }

    pub(super) async fn settings(&self, sub: String, mut o: Options) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let work: Work<'_> = match sub.as_str() {
            "show" => Box::pin(h.settings_show(caller)),
            "timezone" => Box::pin(h.set_timezone(caller, required(&mut o, "zone")?)),
            "log-channel" => {
                Box::pin(h.set_log_channel(caller, channel_option(&mut o, "channel")?))
            }
            "moderator-role" => Box::pin(std::future::ready(Err(CommandError::User(
                "The console has no roles: its operator is always a moderator.".into(),
            )))),
            other => return Err(unknown("/settings", other)),
        };
        refuse_leftovers(&o)?;
        work.await
    }

    pub(super) async fn answer(&self, sub: String, mut o: Options) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let work: Work<'_> = match sub.as_str() {
            "to" => {
                let briefing = required(&mut o, "briefing")?;
                let question = required(&mut o, "question")?;
                let text = required(&mut o, "text")?;
                Box::pin(h.answer(
                    caller,
                    "you".into(),
                    briefing,
                    question,
                    text,
                    self.answer_limit,
                ))
            }
            "edit" => {
                let id = number_option(&mut o, "answer")?.user_error_missing("answer:<number>")?;
                Box::pin(h.answer_edit(caller, i64::from(id), required(&mut o, "text")?))
            }
            "delete" => {
                let id = answer_number(&mut o)?;
                Box::pin(h.answer_delete(caller, id))
            }
            other => return Err(unknown("/answer", other)),
        };
        refuse_leftovers(&o)?;
        work.await
    }

    pub(super) async fn moderate(&self, sub: String, mut o: Options) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let work: Work<'_> = match sub.as_str() {
            "remove" => {
                let id = answer_number(&mut o)?;
                Box::pin(h.answer_remove(caller, id, required(&mut o, "reason")?))
            }
            "export" => {
                let json = o
                    .take("format")
                    .is_some_and(|f| f.eq_ignore_ascii_case("json"));
                let export = h.export_discussion(caller, o.take_or_bare("briefing"), None, None);
                Box::pin(async move {
                    let export = export.await?;
                    Ok(Reply::text(format!(
                        "{} answers:\n{}",
                        export.rows,
                        if json {
                            export.json
                        } else {
                            export.csv.replace("\r\n", "\n")
                        }
                    )))
                })
            }
            other => return Err(unknown("/moderate", other)),
        };
        refuse_leftovers(&o)?;
        work.await
    }

    pub(super) async fn import(&self, path: String) -> CommandResult<Reply> {
        let (h, caller) = (&self.handlers, &self.caller);
        let bytes = crate::import::read_bounded(Path::new(&path), self.import.max_file_bytes)
            .map_err(|e| CommandError::User(format!("Cannot import {path}: {e}.")))?;
        let name = Path::new(&path)
            .file_name()
            .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        h.import_upload(caller, name, bytes, self.import.clone())
            .await
    }
}
