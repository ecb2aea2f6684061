//! The long-running commands (the Discord bot, the local console) and the
//! chat commands run once from the command line.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::{open_store, runtime, CliError, CliResult, Samples};
use crate::config::Config;
use crate::console::{self, Console};
use crate::discord::{self, DiscordSettings};
use crate::handlers::Handlers;
use crate::store::{Db, Store};

/// `briefbot run`: connects to Discord and serves until Ctrl-C or SIGTERM.
pub fn bot(config: &Config, samples: Samples) -> CliResult {
    // Before touching the database: without a token there is nothing to run.
    let token = discord::check_token(config.discord.token.as_deref()).map_err(CliError)?;
    let store = open_store(config, samples)?;
    let held = store.holdings()?;
    tracing::info!(
        database = %config.database.display(),
        briefings = held.briefings,
        subscriptions = held.subscriptions,
        schedules = held.schedules,
        sources = held.sources,
        shards = %match (config.discord.shards, config.discord.shard_range.as_slice()) {
            (total, [first, last]) => format!(
                "{first}..={last} of {}",
                total.map_or("the recommended count".to_string(), |n| n.to_string())
            ),
            (Some(n), _) => format!("all {n}"),
            (None, _) => "all, as many as Discord recommends".to_string(),
        },
        "starting"
    );
    let settings = DiscordSettings {
        token,
        dev_guild: config.discord.dev_guild_id,
        api_base: config.discord.api_base.clone(),
        posting: config.posting.to_config(),
        import: config.import.to_options(),
        answer_limit: config.discussion.answer_limit(),
        read_replies: config.discord.read_replies,
        shards: config.discord.shards,
        shard_range: config.discord.shard_range().map_err(CliError)?,
        ready_within: match config.discord.ready_within_seconds {
            Some(0) => {
                return Err(CliError(
                    "discord.ready_within_seconds must be at least 1".into(),
                ))
            }
            seconds => seconds.map(std::time::Duration::from_secs),
        },
        health_listen: config
            .health
            .listen
            .as_deref()
            .map(discord::loopback_address)
            .transpose()
            .map_err(CliError)?,
    };
    let runtime = runtime()?;
    let handlers = {
        // The fetcher's HTTP client is made inside the runtime.
        let _inside = runtime.enter();
        Handlers::new(Db::new(store))
            .with_owners(config.discord.owners.clone())
            .with_follower(
                config.sources.to_config(),
                config.sources.default_interval(),
            )?
    };
    if config.discord.owners.is_empty() {
        tracing::info!("no discord.owners are set: /source is refused to everyone (briefbot source … works from the command line)");
    }
    runtime.block_on(discord::run(settings, handlers, discord::shutdown_signal()))?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// `briefbot console`: the bot's commands answered in the terminal, or the
/// piped lines run one by one (non-zero exit when any failed).
pub fn console(config: &Config, store: Store) -> CliResult {
    let runtime = runtime()?;
    let db = Db::new(store);
    // The console's operator (user 0) owns the console's bot.
    let handlers = {
        let _inside = runtime.enter();
        Handlers::new(db.clone())
            .with_owners(vec![0])
            .with_follower(
                config.sources.to_config(),
                config.sources.default_interval(),
            )?
    };
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    if interactive {
        eprintln!("Commands:\n{}\n", console::usage());
    }
    let failures = runtime.block_on(async {
        let mut console = Console::start(
            handlers,
            db,
            std::io::stdout(),
            config.posting.to_config(),
            config.import.to_options(),
        )
        .with_answer_limit(config.discussion.answer_limit());
        let ran = console
            .run(std::io::BufReader::new(stdin), interactive)
            .await;
        console.close().await;
        ran.map(|_| console.failures())
    })?;
    // A script learns that something it asked for did not happen.
    Ok(if failures > 0 && !interactive {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One declared chat command run from the command line, as a moderator of
/// the server it names (`briefbot questions add --server …`).
pub fn declared<G>(
    config: &Config,
    store: Store,
    call: super::declared::Declared<G>,
    out: &mut impl std::io::Write,
) -> CliResult {
    let runtime = runtime()?;
    let handlers = {
        let _inside = runtime.enter();
        Handlers::new(Db::new(store))
    };
    let import = config.import.to_options();
    let ran = runtime.block_on(console::run_once(
        &handlers,
        call.server,
        call.spec,
        call.named,
        import,
        out,
    ))?;
    ran.map(|()| ExitCode::SUCCESS).map_err(CliError)
}
