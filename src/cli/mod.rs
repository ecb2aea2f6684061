//! The `briefbot` command line.

mod declared;
mod json;
mod progress;
mod serve;
mod sources;
mod stats;
mod text;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogConfig};
use crate::discord;
use crate::domain::{markdown, ParseOptions};
use crate::import::{collect_files, import_files, ImportOptions};
use crate::samples::load_samples;
use crate::store::{AnswersOf, Room, Store, StoredBriefing};

const ABOUT: &str = "Briefbot keeps a library of structured news briefings (title, highlights, \
body, implications table, key questions) in an embedded SQLite database and serves them to \
Discord communities.";

const AFTER_HELP: &str = "\
Examples:
  briefbot import briefings/              import every .txt/.md file in a folder
  briefbot import capture.txt --title \"…\"  a capture that lost its title line
  briefbot show                           the latest briefing, every section
  briefbot search offshore wind --json    ranked matches, for scripts
  briefbot export 3 > briefing.md         Markdown with TOML front matter
  briefbot backup /backups/briefbot.db    safe while the bot is running
  briefbot invite-url --client-id 123     the link that adds the bot to a server
  briefbot source add https://example.org/feed/   follow a site's feed
  briefbot source check https://example.org/feed/ what would be imported (dry run)
  briefbot fetch                          fetch the due sources once (for cron)

Settings come from --config (or ./briefbot.toml), then environment variables
(any setting as BRIEFBOT_SECTION_KEY, e.g. BRIEFBOT_POSTING_MAX_ATTEMPTS; and
the short BRIEFBOT_DB, BRIEFBOT_LOG, DISCORD_TOKEN, …), then flags. See
config/briefbot.example.toml for every setting.";

#[derive(Debug, Parser)]
#[command(name = "briefbot", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Config file (TOML). Default: ./briefbot.toml when it exists; the
    /// BRIEFBOT_CONFIG variable names one too.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// SQLite database file; overrides the config and BRIEFBOT_DB.
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,

    /// Add the four built-in sample briefings, when the library has no
    /// briefings yet (the console does this on a new database by itself).
    #[arg(long, global = true)]
    samples: bool,

    #[command(subcommand)]
    command: Command,
}

/// The formats `export-answers` writes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum AnswerFormat {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import briefing files (captured articles or Markdown) and folders of them.
    ///
    /// Each file is imported whole or not at all. Re-importing identical content
    /// changes nothing; a changed briefing with the same slug is updated in place
    /// and keeps the ids of its unchanged key questions. Exits non-zero when any
    /// file failed.
    Import {
        /// Files, or folders searched for .txt, .md and .markdown files.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Title for a captured article that has no title line.
        #[arg(long)]
        title: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List briefings, newest first.
    List {
        /// Only briefings in this category (see `briefbot categories`).
        #[arg(long)]
        category: Option<String>,
        /// Page number, from 1.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        page: u64,
        /// Briefings per page.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
        per_page: u64,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one briefing in full (the latest when no id or slug is given).
    Show {
        /// Numeric id or slug.
        briefing: Option<String>,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over titles, highlights, body and key questions.
    Search {
        /// Words to look for; every word must occur.
        #[arg(required = true)]
        query: Vec<String>,
        /// Most matches to print.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100))]
        limit: u64,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a briefing as Markdown with TOML front matter (re-importable).
    Export {
        /// Numeric id or slug.
        briefing: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Export answers to key questions as CSV or JSON: one briefing's
    /// discussion, or everything answered in a date range, in every server
    /// (each row names its server_id) or one. Removed answers are included,
    /// marked with the moderator's reason; forgotten members are not.
    ExportAnswers {
        /// Only this briefing (numeric id or slug).
        #[arg(long)]
        briefing: Option<String>,
        /// Only answers given in this server (its id); default: every server
        /// and direct messages.
        #[arg(long)]
        server: Option<u64>,
        /// From this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        from: Option<chrono::NaiveDate>,
        /// Up to and including this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        to: Option<chrono::NaiveDate>,
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: AnswerFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The discussion's figures in one server, as its moderators see them
    /// with /moderate stats: a briefing's answers, members and answers per
    /// question, or the most-discussed briefings of the period. Removed
    /// answers are not counted.
    Stats {
        /// The server (its id).
        #[arg(long)]
        server: u64,
        /// Only this briefing (numeric id or slug).
        #[arg(long)]
        briefing: Option<String>,
        /// From this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        from: Option<chrono::NaiveDate>,
        /// Up to and including this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        to: Option<chrono::NaiveDate>,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A server's own key questions, as its moderators pose them with
    /// /questions: add one to any briefing, edit or retire it (its answers
    /// stay), list a briefing's questions in that server.
    ///
    /// The same commands as in Discord and the console, made from their
    /// declarations, run as a moderator of --server. A running bot shows the
    /// change in the briefing's discussion threads there within
    /// posting.watch_seconds.
    #[command(
        after_help = "Examples:\n  briefbot questions add --server 123 --briefing 2 --text \"What would change your mind?\"\n  briefbot questions list --server 123 --briefing 2\n  briefbot questions retire --server 123 --briefing 2 --question q7"
    )]
    Questions {
        #[command(subcommand)]
        call: declared::Declared<declared::Questions>,
    },
    /// List categories with how many briefings each has.
    Categories {
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the Discord bot: connect, register the slash commands, serve until Ctrl-C.
    ///
    /// Needs a bot token (DISCORD_TOKEN or discord.token). Commands are
    /// registered globally, or in one server with BRIEFBOT_DEV_GUILD for
    /// development.
    Run,
    /// A local console that answers the bot's slash commands with no token or network.
    ///
    /// Type `/briefing latest`, `/briefing search offshore wind`, `/help`, … and
    /// see the replies the bot would post; buttons show as numbered choices. A
    /// new database gets the four sample briefings first (load_samples = false
    /// starts it empty). When standard input
    /// is not a terminal, the lines given are run and the console exits, so it
    /// can be scripted: `printf '/briefing latest\n' | briefbot console`.
    Console,
    /// Print the link that adds the bot to a server, with exactly the
    /// permissions it uses (view channels, send messages, embed links, attach
    /// files, read message history, create public threads, send messages in
    /// threads).
    ///
    /// The application id is read from the bot token (DISCORD_TOKEN or
    /// discord.token); without a token, give it with --client-id (the
    /// developer portal shows it as Application ID).
    InviteUrl {
        /// The application id, when there is no token to read it from.
        #[arg(long, value_name = "ID")]
        client_id: Option<u64>,
        /// Also ask for Mention Everyone, so subscriptions can ping roles that
        /// are not mentionable (mentionable roles need nothing more).
        #[arg(long)]
        ping_any_role: bool,
        /// Also ask for Manage Webhooks, so subscriptions can post under each
        /// briefing's publisher's name (`/subscribe add identity:publisher`).
        #[arg(long)]
        webhooks: bool,
    },
    /// Follow publishers: feeds and article pages that become briefings on their own.
    ///
    /// `briefbot run` fetches each source on its interval and posts new
    /// articles to the subscribed channels; `briefbot fetch` does one round.
    Source {
        #[command(subcommand)]
        command: sources::SourceCommand,
    },
    /// Fetch the sources that are due (every enabled one with --all), import
    /// what is new or changed, print a line per article, and exit (for cron).
    /// Exits non-zero when a source failed.
    ///
    /// A running bot posts the new briefings within posting.watch_seconds.
    Fetch {
        /// Fetch every enabled source now, due or not.
        #[arg(long)]
        all: bool,
        /// Print JSON for scripts instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Fetch one article page and import it as a briefing.
    ImportUrl {
        /// The article's address (http or https).
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Copy the database to a file in one consistent step (safe while the bot runs).
    Backup {
        /// Destination file; it is overwritten.
        destination: PathBuf,
    },
}

/// A day as `--from`/`--to` take it, with a message naming the format.
fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|e| format!("expected a day as YYYY-MM-DD, e.g. 2026-11-24 ({e})"))
}

/// A failure the person at the terminal can act on.
#[derive(Debug)]
struct CliError(String);

/// What a closed standard output (`briefbot list | head -1`) turns into:
/// not a failure to report, the reader has all it wanted.
const CLOSED_OUTPUT: &str = "\0closed output";

impl<E: std::fmt::Display + 'static> From<E> for CliError {
    fn from(error: E) -> Self {
        let any = &error as &dyn std::any::Any;
        let broken_pipe = any
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                any.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            == Some(std::io::ErrorKind::BrokenPipe);
        if broken_pipe {
            CliError(CLOSED_OUTPUT.into())
        } else {
            CliError(error.to_string())
        }
    }
}

type CliResult = Result<ExitCode, CliError>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(CliError(message)) if message == CLOSED_OUTPUT => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> CliResult {
    let config_file = cli.config.or_else(|| {
        std::env::var_os("BRIEFBOT_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let mut config = Config::load(config_file.as_deref(), |name| std::env::var(name).ok())?;
    if let Some(db) = cli.db {
        config.database = db;
    }
    // At an interactive console, routine log lines would land between the
    // prompt and the replies; unless a filter was chosen, show warnings only.
    if matches!(cli.command, Command::Console)
        && std::io::stdin().is_terminal()
        && config.log.filter == LogConfig::default().filter
    {
        config.log.filter = "warn".into();
    }
    init_logging(&config);
    let present = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok());
    for (name, near) in config.unknown_env_names(present) {
        match near {
            Some(near) => tracing::warn!("{name} is not a setting briefbot reads (did you mean {near}?); it is ignored"),
            None => tracing::warn!("{name} is not a setting briefbot reads; it is ignored (config/briefbot.example.toml lists every setting)"),
        }
    }
    let out = &mut std::io::stdout().lock();
    // Samples only where they were asked for: `--samples`, or the console
    // on a new database (it must have something to show).
    let wanted = if cli.samples {
        Samples::Asked
    } else if matches!(cli.command, Command::Console) && config.load_samples {
        Samples::IfNew
    } else {
        Samples::No
    };
    let store = || open_store(&config, wanted);
    match cli.command {
        // Needs no database.
        Command::InviteUrl {
            client_id,
            ping_any_role,
            webhooks,
        } => {
            let extras = discord::InviteExtras {
                ping_any_role,
                webhooks,
            };
            invite_url(client_id, extras, config.discord.token.as_deref())
        }
        Command::Run => serve::bot(&config, wanted),
        Command::Console => serve::console(&config, store()?),
        Command::Import { paths, title, json } => import(&config, &paths, title, json, wanted, out),
        Command::List {
            category,
            page,
            per_page,
            json,
        } => list(&store()?, category, page, per_page, json, out),
        Command::Show { briefing, json } => show(&store()?, briefing, json, out),
        Command::Search { query, limit, json } => {
            search(&store()?, &query.join(" "), limit, json, out)
        }
        Command::Export { briefing, output } => export(&store()?, &briefing, output, out),
        Command::ExportAnswers {
            briefing,
            server,
            from,
            to,
            format,
            output,
        } => {
            let of = match server {
                Some(guild) => AnswersOf::Room(Room::Server(guild)),
                None => AnswersOf::EveryRoom,
            };
            let wanted = AnswersWanted {
                of,
                briefing,
                from,
                to,
            };
            export_answers(&store()?, wanted, format, output, out)
        }
        Command::Stats {
            server,
            briefing,
            from,
            to,
            json,
        } => {
            let wanted = stats::StatsWanted {
                server,
                briefing,
                from,
                to,
                json,
            };
            stats::stats(&store()?, wanted, out)
        }
        Command::Categories { json } => categories(&store()?, json, out),
        Command::Questions { call } => serve::declared(&config, store()?, call, out),
        Command::Source { command } => sources::source(&config, wanted, command, out),
        Command::Fetch { all, json } => sources::fetch(&config, wanted, all, json, out),
        Command::ImportUrl { url } => sources::import_url(&config, wanted, &url, out),
        Command::Backup { destination } => {
            store()?.backup_to(&destination)?;
            writeln!(
                out,
                "Backed up {} to {}",
                config.database.display(),
                destination.display()
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A refused import into a new database leaves no database behind (nor
/// the samples `--samples` put in it).
fn import(
    config: &Config,
    paths: &[PathBuf],
    title: Option<String>,
    json: bool,
    samples: Samples,
    out: &mut impl Write,
) -> CliResult {
    let is_new = !config.database.exists();
    let mut store = open_store(config, samples)?;
    let files = collect_files(paths)?;
    let options = ImportOptions {
        parse: ParseOptions { title },
        ..config.import.to_options()
    };
    let progress = progress::files_bar(files.len() as u64);
    let report = import_files(&mut store, &files, &options, |_| progress.inc(1));
    progress.finish_and_clear();
    tracing::info!(summary = %report.summary_line(), "import finished");
    if is_new && report.failed_count() == report.files.len() {
        drop(store);
        remove_database(&config.database);
    }
    emit(out, json, &report, |out| {
        text::write_import_report(out, &report)
    })?;
    Ok(if report.failed_count() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn list(
    store: &Store,
    category: Option<String>,
    page: u64,
    per_page: u64,
    json: bool,
    out: &mut impl Write,
) -> CliResult {
    let offset = (page - 1).saturating_mul(per_page);
    let listing = store.list_briefings(category.as_deref(), offset, per_page)?;
    emit(out, json, &listing, |out| {
        text::write_list(out, &listing, page, per_page, category.as_deref())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn show(store: &Store, briefing: Option<String>, json: bool, out: &mut impl Write) -> CliResult {
    let found = find(store, briefing.as_deref())?;
    emit(out, json, &json::briefing(&found), |out| {
        text::write_briefing(out, &found)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn search(store: &Store, query: &str, limit: u64, json: bool, out: &mut impl Write) -> CliResult {
    let hits = store.search(query, limit)?;
    emit(out, json, &json::search_hits(&hits), |out| {
        text::write_search(out, query, &hits)
    })?;
    Ok(ExitCode::SUCCESS)
}

fn export(
    store: &Store,
    briefing: &str,
    output: Option<PathBuf>,
    out: &mut impl Write,
) -> CliResult {
    let found = find(store, Some(briefing))?;
    write_out(&markdown::write(&found.briefing), output.as_deref(), out)?;
    Ok(ExitCode::SUCCESS)
}

/// Which answers `export-answers` writes.
struct AnswersWanted {
    of: AnswersOf,
    briefing: Option<String>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

fn export_answers(
    store: &Store,
    wanted: AnswersWanted,
    format: AnswerFormat,
    output: Option<PathBuf>,
    out: &mut impl Write,
) -> CliResult {
    let AnswersWanted {
        of,
        briefing,
        from,
        to,
    } = wanted;
    let briefing_id = match briefing {
        Some(key) => Some(find(store, Some(&key))?.id),
        None => None,
    };
    let start = |day: Option<chrono::NaiveDate>, plus| {
        day.and_then(|d| crate::clock::day_start_ms(d, plus))
    };
    let rows = store.export_answers(of, briefing_id, start(from, 0), start(to, 1))?;
    let export = crate::handlers::export_rows(&rows);
    let text = match format {
        AnswerFormat::Csv => export.csv,
        AnswerFormat::Json => export.json + "\n",
    };
    write_out(&text, output.as_deref(), out)?;
    if let Some(path) = output {
        eprintln!(
            "{} written to {}",
            crate::domain::text::counted(export.rows as u64, "answer"),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn categories(store: &Store, json: bool, out: &mut impl Write) -> CliResult {
    let categories = store.categories()?;
    emit(out, json, &json::categories(&categories), |out| {
        text::write_categories(out, &categories)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `text` to the file at `path`, else to `out`.
fn write_out(
    text: &str,
    path: Option<&std::path::Path>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display()))),
        None => Ok(out.write_all(text.as_bytes())?),
    }
}

fn invite_url(
    client_id: Option<u64>,
    extras: discord::InviteExtras,
    token: Option<&str>,
) -> CliResult {
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    if let (None, Some(token)) = (client_id, token) {
        if discord::application_id_from_token(token).is_none() {
            return Err(CliError(
                "the Discord token is malformed (its first part should hold the application id); copy it again from the developer portal's Bot page, or give --client-id".into(),
            ));
        }
    }
    let id = client_id
        .or_else(|| token.and_then(discord::application_id_from_token))
        .ok_or_else(|| {
            CliError(
                "no application id: set DISCORD_TOKEN, or give --client-id (the Application ID on the developer portal's General Information page)".into(),
            )
        })?;
    writeln!(std::io::stdout(), "{}", discord::invite_url(id, extras))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints `value` as pretty JSON for scripts, or as text for people.
fn emit<W: Write, T: serde::Serialize>(
    out: &mut W,
    as_json: bool,
    value: &T,
    as_text: impl FnOnce(&mut W) -> std::io::Result<()>,
) -> Result<(), CliError> {
    if as_json {
        serde_json::to_writer_pretty(&mut *out, value)?;
        writeln!(out)?;
    } else {
        as_text(out)?;
    }
    Ok(())
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.filter).unwrap_or_else(|e| {
        eprintln!(
            "warning: log filter {:?} is not valid ({e}); using \"info\"",
            config.log.filter
        );
        tracing_subscriber::EnvFilter::new("info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour for people at a terminal, plain text for journals and files.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// Removes a database this run created and did not use, with its journal.
fn remove_database(path: &std::path::Path) {
    for file in crate::store::database_files(path) {
        let _ = std::fs::remove_file(file);
    }
}

/// The runtime of every command that runs async work (the bot, the console,
/// fetching sources): two worker threads, however many cores the host has.
/// They only route events and replies (SQLite runs on the blocking pool),
/// two keep up with 200 commands a second, and each worker more costs
/// memory (BENCHMARKS.md). `TOKIO_WORKER_THREADS` overrides it.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(2);
    }
    builder.enable_all().build()
}

/// Whether a command adds the sample briefings to the library it opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Samples {
    No,
    /// `--samples`: into a library with no briefings, new or not.
    Asked,
    /// The console: into a database this run creates.
    IfNew,
}

/// Opens the database, adding the samples when `samples` says so.
fn open_store(config: &Config, samples: Samples) -> Result<Store, CliError> {
    let path = &config.database;
    let is_new = !path.exists();
    let mut store = Store::open_with(path, config.sqlite.memory_use())
        .map_err(|e| CliError(format!("cannot open database {}: {e}", path.display())))?;
    if samples == Samples::Asked || (samples == Samples::IfNew && is_new) {
        add_samples(&mut store, path, is_new)?;
    }
    Ok(store)
}

/// Adds the samples to a library without briefings, and says so on
/// standard error (standard output may be a script's JSON); a library with
/// briefings is left as it is, with a note.
fn add_samples(store: &mut Store, path: &std::path::Path, is_new: bool) -> Result<(), CliError> {
    let held = store.briefing_count()?;
    if held > 0 {
        eprintln!(
            "note: {} already holds {}; the samples were not added",
            path.display(),
            crate::domain::text::counted(held, "briefing")
        );
        return Ok(());
    }
    let report = load_samples(store)?;
    let added = report.count(crate::store::SaveOutcome::Imported);
    eprintln!(
        "Added {} to {}{} (load_samples = false starts empty).",
        crate::domain::text::counted(added as u64, "sample briefing"),
        if is_new { "the new library " } else { "" },
        path.display()
    );
    Ok(())
}

fn find(store: &Store, key: Option<&str>) -> Result<StoredBriefing, CliError> {
    match key {
        Some(key) => store.find_briefing(key)?.ok_or_else(|| {
            CliError(format!(
                "no briefing with id or slug '{key}'; try `briefbot list` or `briefbot search`"
            ))
        }),
        None => store.latest_briefing(None)?.ok_or_else(|| {
            CliError("the library is empty; add briefings with `briefbot import`".into())
        }),
    }
}
