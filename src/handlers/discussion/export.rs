//! Exporting discussions for moderators: CSV a spreadsheet opens safely,
//! and JSON, of the same rows.

use crate::handlers::commands::Access;
use crate::handlers::{Caller, CommandResult, Handlers};
use crate::store::{AnswersOf, ExportRow, Room};

impl Handlers {
    /// One briefing's discussion, or everything answered in [from, to).
    pub async fn export_discussion(
        &self,
        caller: &Caller,
        briefing: Option<String>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> CommandResult<Export> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Exporting discussions")
            .await?;
        let of = AnswersOf::Room(Room::Server(guild));
        let briefing_id = match briefing {
            Some(b) => Some(self.resolve_briefing(&b).await?.0),
            None => None,
        };
        let rows = self
            .db
            .call(move |s| s.export_answers(of, briefing_id, from, to))
            .await?;
        Ok(export_rows(&rows))
    }
}

/// A discussion export in both formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub rows: usize,
    pub csv: String,
    pub json: String,
}

/// CSV (written by the `csv` crate, RFC 4180 quoting) and JSON of the same
/// rows. A text cell that a spreadsheet would run as a formula (it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
/// so opening an export never runs what a member typed.
pub fn export_rows(rows: &[ExportRow]) -> Export {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::NonNumeric)
        .from_writer(Vec::new());
    let header = [
        "answer_id",
        "briefing_id",
        "briefing_title",
        "question_id",
        "question",
        "question_current",
        "user_id",
        "user_name",
        "text",
        "created_at",
        "edited_at",
        "removed_at",
        "removal_reason",
        "earlier_versions",
        "server_id",
        "featured",
    ];
    for r in rows {
        let optional = |v: Option<i64>| v.map(iso_time).unwrap_or_default();
        let _ = writer.write_record([
            r.answer_id.to_string(),
            r.briefing_id.to_string(),
            inert(&r.briefing_title),
            r.question_id.to_string(),
            inert(&r.question),
            r.question_current.to_string(),
            r.user_id.to_string(),
            inert(&r.user_name),
            inert(&r.text),
            iso_time(r.created_at),
            optional(r.edited_at),
            optional(r.removed_at),
            inert(r.removal_reason.as_deref().unwrap_or("")),
            r.earlier_versions.to_string(),
            r.guild_id.map(|g| g.to_string()).unwrap_or_default(),
            r.featured.to_string(),
        ]);
    }
    // The header is plain names; text cells are quoted, numbers are not.
    let mut csv = header.join(",") + "\r\n";
    // Writing to memory cannot fail.
    csv.push_str(
        &writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default(),
    );
    Export {
        rows: rows.len(),
        csv,
        json: serde_json::to_string_pretty(&json_rows(rows)).expect("rows serialise"),
    }
}

/// A stored time (milliseconds since 1970, UTC) as ISO 8601 with its
/// offset, which spreadsheets and scripts read without being told the unit.
fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
        .unwrap_or_else(|| ms.to_string())
}

/// The rows as JSON, with the same ISO 8601 times as the CSV.
fn json_rows(rows: &[ExportRow]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|row| {
            let mut value = serde_json::to_value(row).expect("rows serialise");
            for (field, ms) in [
                ("created_at", Some(row.created_at)),
                ("edited_at", row.edited_at),
                ("removed_at", row.removed_at),
            ] {
                value[field] = ms.map_or(serde_json::Value::Null, |ms| iso_time(ms).into());
            }
            value
        })
        .collect()
}

/// A cell a spreadsheet shows as text, never evaluates (OWASP's advice for
/// CSV injection).
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}
