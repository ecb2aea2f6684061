//! Start-up that finishes or ends the process: the bot is either fully
//! ready (connected, its commands registered, its delivery loop running) or
//! it exits non-zero with the reason, so a supervisor restarts it. A bot
//! that is connected but answers nothing is the one outcome not allowed.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{GuildId, Http};
use tokio::sync::watch;

use super::commands;

/// First wait before registering the commands again; it doubles, with
/// jitter, up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// How far start-up has come.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The gateway said Ready (the first shard, at least).
    pub connected: bool,
    pub commands_registered: bool,
    pub delivering: bool,
    /// The last transient problem, for the reason given if the bound passes.
    pub problem: Option<String>,
    /// A refusal retrying cannot mend: start-up stops now.
    pub fatal: Option<String>,
}

impl Progress {
    pub fn ready(&self) -> bool {
        self.connected && self.commands_registered && self.delivering
    }

    fn missing(&self) -> String {
        let mut missing = Vec::new();
        if !self.connected {
            missing.push("the gateway never said Ready");
        }
        if !self.commands_registered {
            missing.push("the commands are not registered");
        }
        if !self.delivering {
            missing.push("the delivery loop did not start");
        }
        missing.join(", ")
    }
}

/// Start-up's progress, shared by the tasks that make it.
#[derive(Clone)]
pub struct Readiness(Arc<watch::Sender<Progress>>);

impl Default for Readiness {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(Progress::default())))
    }
}

impl Readiness {
    pub fn update(&self, change: impl FnOnce(&mut Progress)) {
        self.0.send_modify(change);
    }

    pub fn now(&self) -> Progress {
        self.0.borrow().clone()
    }

    /// Completes once everything has started.
    pub async fn ready(&self) {
        let mut progress = self.0.subscribe();
        let _ = progress.wait_for(Progress::ready).await;
    }

    /// Completes with the reason start-up failed: a refusal that retrying
    /// cannot mend, or not ready within `bound`. Never completes once ready.
    pub async fn failure(&self, bound: Duration) -> String {
        let mut progress = self.0.subscribe();
        let settled = tokio::time::timeout(bound, async {
            progress
                .wait_for(|p| p.ready() || p.fatal.is_some())
                .await
                .map(|p| p.fatal.clone())
        })
        .await;
        let fatal = match settled {
            Ok(Ok(fatal)) => fatal,
            Ok(Err(_)) => None,
            Err(_) => {
                let now = self.now();
                return format!(
                    "not ready within {} s: {}{}",
                    bound.as_secs(),
                    now.missing(),
                    now.problem
                        .map(|p| format!(" (last problem: {p})"))
                        .unwrap_or_default()
                );
            }
        };
        match fatal {
            Some(reason) => reason,
            None => std::future::pending().await,
        }
    }
}

/// Registers the slash commands (in the dev guild, or globally), retrying
/// transient failures with backoff and jitter. Registration replaces the
/// whole set, so a retry after a lost response does no harm.
pub async fn register_commands(http: Arc<Http>, dev_guild: Option<u64>, readiness: Readiness) {
    let payload = commands::registration_payload();
    let place = if dev_guild.is_some() {
        "in the dev guild"
    } else {
        "globally"
    };
    let mut delay = FIRST_RETRY;
    for attempt in 1u32.. {
        let result = match dev_guild {
            Some(guild) => http
                .create_guild_commands(GuildId::new(guild), &payload)
                .await
                .map(drop),
            None => http.create_global_commands(&payload).await.map(drop),
        };
        match result {
            Ok(()) => {
                tracing::info!(attempt, "commands registered {place}");
                readiness.update(|p| {
                    p.commands_registered = true;
                    p.problem = None;
                });
                return;
            }
            Err(e) if is_permanent(&e) => {
                let reason = format!("Discord refused the command registration: {e}");
                tracing::error!(%reason, "start-up cannot finish");
                readiness.update(|p| p.fatal = Some(reason));
                return;
            }
            Err(e) => {
                let wait = jittered(delay);
                tracing::warn!(attempt, error = %e, retry_in_ms = wait.as_millis() as u64, "could not register the commands; trying again");
                readiness.update(|p| p.problem = Some(format!("registering the commands: {e}")));
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(MAX_RETRY);
            }
        }
    }
}

/// A refusal (4xx other than 429): the same request would be refused again.
fn is_permanent(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => {
            response.status_code.is_client_error() && response.status_code.as_u16() != 429
        }
        _ => false,
    }
}

/// `delay`, give or take a quarter, so restarted bots do not retry in step.
fn jittered(delay: Duration) -> Duration {
    let quarter = delay.as_millis() as u64 / 4;
    Duration::from_millis(delay.as_millis() as u64 - quarter + fastrand::u64(0..=2 * quarter))
}

/// Tells systemd (`Type=notify`) the bot is ready; nothing without systemd.
pub fn tell_supervisor_ready() {
    #[cfg(unix)]
    if let Err(e) = sd_notify::notify(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status("connected, commands registered, delivering"),
    ]) {
        tracing::warn!(error = %e, "could not tell systemd the bot is ready");
    }
}

/// Tells systemd the bot is stopping; nothing without systemd.
pub fn tell_supervisor_stopping() {
    #[cfg(unix)]
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
}

/// Pings systemd's watchdog (`WatchdogSec`) at half its interval while
/// `alive` says so; without a watchdog, nothing.
pub fn spawn_watchdog(alive: impl Fn() -> bool + Send + 'static) {
    #[cfg(unix)]
    if let Some(interval) = sd_notify::watchdog_enabled() {
        tracing::info!(
            interval_ms = interval.as_millis() as u64,
            "pinging systemd's watchdog"
        );
        tokio::spawn(async move {
            let mut told = false;
            loop {
                tokio::time::sleep(interval / 2).await;
                if alive() {
                    let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                    told = false;
                } else if !told {
                    tracing::error!("the delivery loop has stopped; no longer pinging systemd's watchdog, so it restarts the bot");
                    told = true;
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = alive;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bot_not_ready_in_time_is_told_what_is_missing_and_why() {
        let readiness = Readiness::default();
        readiness.update(|p| {
            p.connected = true;
            p.problem = Some("registering the commands: 502".into());
        });
        let reason = readiness.failure(Duration::from_secs(120)).await;
        assert_eq!(
            reason,
            "not ready within 120 s: the commands are not registered, the delivery loop did not start (last problem: registering the commands: 502)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_ready_bot_never_fails_and_a_refusal_fails_at_once() {
        let readiness = Readiness::default();
        readiness.update(|p| {
            p.connected = true;
            p.commands_registered = true;
            p.delivering = true;
        });
        let waited = tokio::time::timeout(
            Duration::from_secs(600),
            readiness.failure(Duration::from_secs(1)),
        )
        .await;
        assert!(waited.is_err(), "a ready bot's start-up does not fail");

        let readiness = Readiness::default();
        let failing = readiness.clone();
        let failure = tokio::spawn(async move { failing.failure(Duration::from_secs(120)).await });
        readiness.update(|p| p.fatal = Some("refused".into()));
        assert_eq!(failure.await.unwrap(), "refused");
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..1_000 {
            let wait = jittered(Duration::from_millis(800));
            assert!(
                (600..=1_000).contains(&(wait.as_millis() as u64)),
                "{wait:?}"
            );
        }
    }
}
