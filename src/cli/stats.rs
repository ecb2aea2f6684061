//! `briefbot stats`: the discussion's figures of one server, as
//! `/moderate stats` shows them to its moderators.

use std::io::Write;
use std::process::ExitCode;

use super::{emit, find, CliError, CliResult};
use crate::domain::text::counted;
use crate::store::{BriefingStats, Store};

/// What `briefbot stats` was asked for.
pub struct StatsWanted {
    pub server: u64,
    pub briefing: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub json: bool,
}

fn day(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".into())
}

fn line(s: &BriefingStats) -> String {
    format!(
        "#{} {}: {} from {}, latest {}",
        s.briefing_id,
        s.title,
        counted(s.answers, "answer"),
        counted(s.members, "member"),
        day(s.latest)
    )
}

pub fn stats(store: &Store, wanted: StatsWanted, out: &mut impl Write) -> CliResult {
    let start = |day: Option<chrono::NaiveDate>, plus| {
        day.and_then(|d| crate::clock::day_start_ms(d, plus))
    };
    let (from, to) = (start(wanted.from, 0), start(wanted.to, 1));
    let server = wanted.server;
    match wanted.briefing {
        Some(key) => {
            let id = find(store, Some(&key))?.id;
            let stats = store
                .briefing_stats(server, id, from, to)?
                .ok_or_else(|| CliError(format!("briefing {key} no longer exists")))?;
            emit(out, wanted.json, &stats, |out| {
                writeln!(out, "{}", line(&stats))?;
                writeln!(out, "first answer {}", day(stats.first))?;
                for (n, (question, answers)) in stats.per_question.iter().enumerate() {
                    writeln!(
                        out,
                        "  {}. {question}: {}",
                        n + 1,
                        counted(*answers, "answer")
                    )?;
                }
                Ok(())
            })?;
        }
        None => {
            let top = store.most_discussed(server, from, to)?;
            emit(out, wanted.json, &top, |out| {
                if top.is_empty() {
                    writeln!(out, "No answers in server {server} in this period.")?;
                }
                for stats in &top {
                    writeln!(out, "{}", line(stats))?;
                }
                Ok(())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
