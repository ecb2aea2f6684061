//! The bot under test: the real serenity client, with its delivery loop,
//! against a Discord double on loopback. Shared by the end-to-end tests.

use std::time::Duration;

use briefbot::clock::SharedClock;
use briefbot::discord::{self, DiscordSettings};
use briefbot::follow::{FollowConfig, Follower};
use briefbot::handlers::Handlers;
use briefbot::posting::PostingConfig;
use briefbot::store::{Db, Store};
use discord_double::{spec_from_env, Double};

/// Upper bound for anything the bot does; tests wait on events, not time.
pub const LIMIT: Duration = Duration::from_secs(30);

/// A double that checks every body against Discord's schema when
/// `DISCORD_OPENAPI_SPEC` names it.
pub async fn double() -> Double {
    let spec = spec_from_env().expect("DISCORD_OPENAPI_SPEC points at a file");
    Double::start(spec.as_deref(), 0)
        .await
        .expect("the double starts")
}

/// How the bot is started; `Default` is the bot as `briefbot run` starts it.
#[derive(Default)]
pub struct Options {
    /// A clock of the test's (moved by hand); the system clock otherwise.
    pub clock: Option<SharedClock>,
    pub dev_guild: Option<u64>,
    pub read_replies: bool,
    pub posting: Option<PostingConfig>,
    /// Follow sources with these settings (the bot then fetches them).
    pub follow: Option<FollowConfig>,
    /// The bot's owners (who may use /source).
    pub owners: Vec<u64>,
}

impl Options {
    /// As `briefbot run`, but noticing new briefings within 100 ms, for
    /// tests that import one and wait for its post.
    pub fn prompt() -> Self {
        Options {
            posting: Some(PostingConfig {
                watch_interval: std::time::Duration::from_millis(100),
                ..PostingConfig::default()
            }),
            ..Options::default()
        }
    }
}

/// A running bot; `stop` shuts it down the way SIGTERM does.
pub struct Bot {
    pub db: Db,
    /// The bot's follower, when it follows sources.
    pub follower: Option<Follower>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

impl Bot {
    /// Starts the bot on `db` and waits until it has registered its commands.
    pub async fn start(double: &Double, db: Db, options: Options) -> Bot {
        // Logs show in the output of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("TEST_LOG").unwrap_or("info".into()))
            .try_init();
        let before = registrations(double);
        let settings = DiscordSettings {
            token: "MTEwMDAw.double.token".into(),
            api_base: Some(double.base_url()),
            dev_guild: options.dev_guild,
            read_replies: options.read_replies,
            posting: options.posting.unwrap_or_default(),
            ..DiscordSettings::default()
        };
        let mut handlers = match options.clock {
            Some(clock) => Handlers::with_clock(db.clone(), clock),
            None => Handlers::new(db.clone()),
        }
        .with_owners(options.owners);
        if let Some(follow) = options.follow {
            handlers = handlers
                .with_follower(follow, std::time::Duration::from_secs(600))
                .expect("the fetcher starts");
        }
        let follower = handlers.follower().cloned();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(discord::run(settings, handlers, async move {
            let _ = stopped.await;
        }));
        double
            .wait_for(LIMIT, "command registration", |d| {
                (registrations(d) > before).then_some(())
            })
            .await
            .unwrap();
        Bot {
            db,
            follower,
            stop: Some(stop),
            task,
        }
    }

    /// The bot on the database file at `path`, started as `briefbot run` is.
    pub async fn on_file(double: &Double, path: &std::path::Path) -> Bot {
        Bot::start(
            double,
            Db::new(Store::open(path).unwrap()),
            Options::default(),
        )
        .await
    }

    /// Stops the bot as SIGTERM does (the delivery round in progress
    /// finishes first) and hands back its database to look at.
    pub async fn stop(mut self) -> Db {
        let _ = self.stop.take().map(|s| s.send(()));
        let stopped = tokio::time::timeout(LIMIT, &mut self.task).await;
        assert!(
            matches!(stopped, Ok(Ok(Ok(())))),
            "the bot stops cleanly: {stopped:?}"
        );
        self.db
    }
}

fn registrations(double: &Double) -> usize {
    double.with_requests(|r| r.iter().filter(|r| r.method == "PUT").count())
}
