//! `briefbot source …`, `briefbot fetch` and `briefbot import-url`: following
//! publishers from the command line (and from cron).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;

use super::progress::{self, spin};
use super::text::Held;
use super::{emit, open_store, runtime, text, CliError, CliResult, Samples};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::text::relative;
use crate::follow::{describe_interval, ArticleStatus, Follower, SourceReport};
use crate::posting::Wake;
use crate::store::{Db, FollowedSource, NewSource};

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Follow a feed (RSS, Atom, JSON Feed) or an article page.
    ///
    /// It is fetched at once: what it lists now is imported but not posted
    /// (no flood of old articles); articles that appear later are posted to
    /// the subscribed channels. --backfill N posts the N newest now too.
    Add {
        /// The feed's or page's address (http or https).
        #[arg(value_name = "URL")]
        url: String,
        /// A name for lists and reports (default: the site's own).
        #[arg(long)]
        name: Option<String>,
        /// A category added to every article of this source (repeatable).
        #[arg(long = "category", value_name = "CATEGORY")]
        categories: Vec<String>,
        /// How often to fetch it: 90s, 10m, 2h, 1d (at least 1m; default
        /// sources.default_interval_minutes).
        #[arg(long, value_parser = crate::follow::parse_interval, value_name = "INTERVAL")]
        every: Option<Duration>,
        /// Post the N newest articles of the first fetch.
        #[arg(long, default_value_t = 0, value_name = "N")]
        backfill: u32,
        /// A key question its articles get when they come without any
        /// (repeatable, at most 8, each up to 300 characters).
        #[arg(long = "question", value_name = "TEXT")]
        questions: Vec<String>,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The sources followed, with their state.
    List {
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Stop following a source; its briefings stay in the library.
    Remove {
        /// The source's id (see `briefbot source list`).
        id: i64,
    },
    /// Follow a disabled source again: its failures are cleared and it is
    /// due at once (the running bot fetches it within a minute; `briefbot
    /// fetch` fetches it now).
    Enable {
        /// The source's id (see `briefbot source list`).
        id: i64,
    },
    /// Stop fetching a source without forgetting it.
    Disable {
        /// The source's id (see `briefbot source list`).
        id: i64,
    },
    /// Fetch a source (by id) or any URL now and print what would be
    /// imported, storing nothing: a dry run for setting up.
    Check {
        /// A source id, or a URL.
        source: String,
    },
}

fn follower(
    config: &Config,
    samples: Samples,
) -> Result<(Follower, tokio::runtime::Runtime), CliError> {
    let store = open_store(config, samples)?;
    let runtime = runtime()?;
    let follower = {
        let _inside = runtime.enter();
        Follower::new(
            Db::new(store),
            Arc::new(SystemClock),
            Wake::default(),
            config.sources.to_config(),
        )?
    };
    Ok((follower, runtime))
}

pub fn source(
    config: &Config,
    samples: Samples,
    command: SourceCommand,
    out: &mut impl Write,
) -> CliResult {
    match command {
        SourceCommand::Add {
            url,
            name,
            categories,
            every,
            backfill,
            questions,
            json,
        } => {
            let questions = crate::store::checked_questions(&questions)
                .map_err(|e| CliError(format!("{e} Nothing was stored.")))?;
            let (follower, runtime) = follower(config, samples)?;
            let interval = every.unwrap_or(config.sources.default_interval());
            let new = NewSource {
                url,
                name,
                categories,
                interval_seconds: interval.as_secs() as i64,
                backfill: i64::from(backfill),
                questions,
            };
            let shown_url = new.url.clone();
            let added = runtime.block_on(follower.add(new)).map_err(|e| {
                CliError(format!(
                    "cannot follow {shown_url}: {e}. Nothing was stored."
                ))
            })?;
            let report = spin(&format!("fetching {}", added.url), || {
                runtime.block_on(follower.fetch_source(added))
            })?;
            emit(out, json, &report, |out| {
                writeln!(
                    out,
                    "Following source {}: {} (every {})",
                    report.source_id,
                    report.source,
                    describe_interval(interval)
                )?;
                write_report(out, &report)
            })?;
            if let Some(error) = &report.error {
                eprintln!(
                    "error: the first fetch failed ({error}). The source is stored as #{id} and tried again every {}; `briefbot source check {id}` shows what the bot sees, `briefbot source remove {id}` stops following it.",
                    describe_interval(interval),
                    id = report.source_id,
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        SourceCommand::List { json } => {
            let sources = open_store(config, Samples::No)?.sources()?;
            let now_ms = chrono::Utc::now().timestamp_millis();
            emit(out, json, &sources, |out| {
                write_sources(out, &sources, now_ms)
            })?;
            Ok(ExitCode::SUCCESS)
        }
        SourceCommand::Remove { id } => {
            let source = known(config, id)?;
            open_store(config, Samples::No)?.remove_source(id)?;
            writeln!(
                out,
                "No longer following source {id} ({}). Its briefings stay in the library.",
                source.label()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        SourceCommand::Enable { id } | SourceCommand::Disable { id } => {
            let enable = matches!(command, SourceCommand::Enable { .. });
            let source = known(config, id)?;
            let now = chrono::Utc::now().timestamp_millis();
            open_store(config, Samples::No)?.set_source_enabled(
                id,
                enable,
                (!enable).then_some("disabled by the operator"),
                now,
            )?;
            if enable {
                writeln!(
                    out,
                    "Source {id} ({}) is followed again and due at once: the running bot fetches it within a minute (`briefbot fetch` fetches it now).",
                    source.label()
                )?;
            } else {
                writeln!(
                    out,
                    "Source {id} ({}) is disabled; `briefbot source enable {id}` turns it back on.",
                    source.label()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        SourceCommand::Check { source } => {
            let url = match source.trim().parse::<i64>() {
                Ok(id) => known(config, id)?.url,
                Err(_) => source.trim().to_string(),
            };
            let (follower, runtime) = follower(config, samples)?;
            let preview = spin(&format!("reading {url}"), || {
                runtime.block_on(follower.preview(&url))
            })
            .map_err(CliError)?;
            let library = open_store(config, Samples::No)?;
            writeln!(
                out,
                "{url}: {}, {} article{} read (nothing stored)\n",
                preview.kind,
                preview.articles.len(),
                if preview.articles.len() == 1 { "" } else { "s" }
            )?;
            let mut failed = false;
            for article in &preview.articles {
                match article {
                    Ok(extracted) => {
                        let held = match library.find_article(&extracted.briefing)? {
                            Some(stored) => Held::InLibrary {
                                id: stored.id,
                                differs: stored.briefing != extracted.briefing,
                            },
                            None => Held::NotStored,
                        };
                        text::write_any_briefing(out, &extracted.briefing, held, &[])?;
                        for note in &extracted.notes {
                            writeln!(out, "note: {note}")?;
                        }
                    }
                    Err(reason) => {
                        failed = true;
                        writeln!(out, "failed: {reason}")?;
                    }
                }
                writeln!(out, "\n{}\n", "-".repeat(40))?;
            }
            if preview.more > 0 {
                writeln!(out, "… and {} more items in the feed.", preview.more)?;
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// `briefbot fetch`: one round, for cron. Non-zero when a source failed.
pub fn fetch(
    config: &Config,
    samples: Samples,
    all: bool,
    json: bool,
    out: &mut impl Write,
) -> CliResult {
    let (follower, runtime) = follower(config, samples)?;
    let (bar, advance) = progress::sources_bar();
    let reports = runtime.block_on(follower.fetch_due_showing(all, Arc::new(advance)));
    bar.finish_and_clear();
    let reports = reports?;
    emit(out, json, &reports, |out| {
        if reports.is_empty() {
            writeln!(
                out,
                "No source is due (`briefbot fetch --all` fetches every enabled one)."
            )?;
        }
        for report in &reports {
            write_report(out, report)?;
        }
        Ok(())
    })?;
    Ok(if reports.iter().any(SourceReport::failed) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `briefbot import-url`: one article page, imported (and posted to the
/// subscribed channels like any new briefing).
pub fn import_url(config: &Config, samples: Samples, url: &str, out: &mut impl Write) -> CliResult {
    let (follower, runtime) = follower(config, samples)?;
    let (outcome, id, extracted) = spin(&format!("reading {url}"), || {
        runtime.block_on(follower.import_page(url))
    })
    .map_err(CliError)?;
    let verb = serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    writeln!(
        out,
        "{verb:<10} {url}  -> #{id} {}",
        extracted.briefing.slug
    )?;
    for note in &extracted.notes {
        writeln!(out, "{:<10}   note: {note}", "")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn known(config: &Config, id: i64) -> Result<FollowedSource, CliError> {
    open_store(config, Samples::No)?
        .source(id)?
        .ok_or_else(|| CliError(format!("no source {id}; `briefbot source list` shows them")))
}

/// One line per article: imported / updated / unchanged / failed.
fn write_report(out: &mut impl Write, report: &SourceReport) -> std::io::Result<()> {
    if let Some(error) = &report.error {
        writeln!(out, "{:<10} {}: {error}", "failed", report.source)?;
        if let Some(disabled) = &report.disabled {
            writeln!(out, "{:<10}   {disabled}", "")?;
        }
        return Ok(());
    }
    if report.not_modified {
        return writeln!(out, "{:<10} {} (not modified)", "unchanged", report.source);
    }
    for article in &report.articles {
        let url = article.url.as_deref().unwrap_or("-");
        let title = article.title.as_deref().unwrap_or("");
        match &article.status {
            ArticleStatus::Imported {
                briefing_id,
                posted,
            } => writeln!(
                out,
                "{:<10} {title} ({url}) -> #{briefing_id}{}",
                "imported",
                if *posted {
                    ""
                } else {
                    ", not posted (listed when the source was added)"
                }
            )?,
            ArticleStatus::Updated { briefing_id } => {
                writeln!(out, "{:<10} {title} ({url}) -> #{briefing_id}", "updated")?
            }
            ArticleStatus::Unchanged => writeln!(out, "{:<10} {url}", "unchanged")?,
            ArticleStatus::Later => writeln!(
                out,
                "{:<10} {url} (read at the next round: at most 10 article pages per fetch)",
                "later"
            )?,
            ArticleStatus::Failed { reason } => {
                writeln!(out, "{:<10} {} {url}: {reason}", "failed", report.source)?
            }
        }
        for note in &article.notes {
            writeln!(out, "{:<10}   note: {note}", "")?;
        }
    }
    Ok(())
}

fn write_sources(
    out: &mut impl Write,
    sources: &[FollowedSource],
    now_ms: i64,
) -> std::io::Result<()> {
    if sources.is_empty() {
        return writeln!(
            out,
            "No sources. `briefbot source add <feed url>` follows one."
        );
    }
    let when = |ms: Option<i64>| match ms {
        Some(ms) => format!(
            "{} ({})",
            crate::clock::from_ms(ms).format("%Y-%m-%d %H:%M UTC"),
            relative((ms - now_ms) / 1000)
        ),
        None => "never".into(),
    };
    for s in sources {
        let state = if s.enabled {
            "enabled".to_string()
        } else {
            format!(
                "DISABLED: {}",
                s.disabled_reason.as_deref().unwrap_or("by the operator")
            )
        };
        writeln!(out, "#{:<4} {}  {}", s.id, s.label(), s.url)?;
        writeln!(
            out,
            "       every {} · {state} · last fetch {} · last success {} · next {}",
            describe_interval(Duration::from_secs(s.interval_seconds.max(0) as u64)),
            when(s.last_fetch_at),
            when(s.last_success_at),
            when(Some(s.next_fetch_at)),
        )?;
        if s.failures > 0 {
            writeln!(
                out,
                "       {} failed fetch{} in a row; last error: {}",
                s.failures,
                if s.failures == 1 { "" } else { "es" },
                s.last_error.as_deref().unwrap_or("-")
            )?;
        }
        if !s.questions.is_empty() {
            writeln!(
                out,
                "       asks when an article has no Key Questions: {}",
                s.questions.join(" | ")
            )?;
        }
        if !s.categories.is_empty() {
            writeln!(out, "       categories added: {}", s.categories.join(", "))?;
        }
    }
    Ok(())
}
