//! Settings: defaults, then a TOML file, then environment variables, then
//! command-line flags. An unknown key or a bad value is an error that names it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use std::time::Duration;

use crate::handlers::AnswerLimit;
use crate::import::DEFAULT_MAX_FILE_BYTES;
use crate::posting::PostingConfig;

/// Read when no --config is given and it exists in the working folder.
pub const DEFAULT_CONFIG_FILE: &str = "briefbot.toml";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// SQLite database file.
    pub database: PathBuf,
    /// Fill a brand-new database with the bundled sample briefings.
    pub load_samples: bool,
    pub import: ImportConfig,
    pub discord: DiscordConfig,
    pub posting: PostingSection,
    pub discussion: DiscussionSection,
    pub log: LogConfig,
}

/// Answers to key questions.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscussionSection {
    /// Answers one member may give per minute; more are refused politely.
    pub answers_per_minute: u64,
}

impl Default for DiscussionSection {
    fn default() -> Self {
        Self {
            answers_per_minute: AnswerLimit::default().answers,
        }
    }
}

impl DiscussionSection {
    pub fn answer_limit(&self) -> AnswerLimit {
        AnswerLimit {
            answers: self.answers_per_minute.max(1),
            window_ms: 60_000,
        }
    }
}

/// How scheduled and subscribed posts are delivered.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PostingSection {
    /// Runs missed while the bot was offline are posted if at most this late.
    pub catch_up_minutes: u64,
    /// First retry delay after a server or network error (doubles each time).
    pub retry_base_ms: u64,
    /// Attempts before a delivery is marked failed and reported.
    pub max_attempts: u32,
    /// How often to look for briefings imported by another process.
    pub watch_seconds: u64,
    /// How long Discord is trusted to remember a message's nonce; a retry of
    /// a post whose outcome is unknown for longer first looks in the channel.
    pub nonce_window_seconds: u64,
}

impl Default for PostingSection {
    fn default() -> Self {
        let defaults = PostingConfig::default();
        Self {
            catch_up_minutes: defaults.catch_up.as_secs() / 60,
            retry_base_ms: defaults.retry_base.as_millis() as u64,
            max_attempts: defaults.max_attempts,
            watch_seconds: defaults.watch_interval.as_secs(),
            nonce_window_seconds: defaults.nonce_window.as_secs(),
        }
    }
}

impl PostingSection {
    pub fn to_config(&self) -> PostingConfig {
        PostingConfig {
            catch_up: Duration::from_secs(self.catch_up_minutes * 60),
            retry_base: Duration::from_millis(self.retry_base_ms.max(1)),
            max_attempts: self.max_attempts.max(1),
            watch_interval: Duration::from_secs(self.watch_seconds.max(1)),
            nonce_window: Duration::from_secs(self.nonce_window_seconds),
            ..PostingConfig::default()
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    pub max_file_bytes: u64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Bot token; prefer the DISCORD_TOKEN environment variable.
    pub token: Option<String>,
    /// Register commands in this guild only (instant; for development).
    pub dev_guild_id: Option<u64>,
    /// REST base URL instead of https://discord.com, e.g. a rate-limiting
    /// proxy, or a Discord double in tests.
    pub api_base: Option<String>,
    /// Record plain replies to a question's message in a discussion thread
    /// as answers. Needs the privileged Message Content intent.
    pub read_replies: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// tracing filter, e.g. "info" or "briefbot=debug,warn".
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: PathBuf::from("briefbot.db"),
            load_samples: true,
            import: ImportConfig::default(),
            discord: DiscordConfig::default(),
            posting: PostingSection::default(),
            discussion: DiscussionSection::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for ImportConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            filter: "info".into(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("config file {path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("environment variable {name}={value:?}: {reason}")]
    BadEnv {
        name: &'static str,
        value: String,
        reason: String,
    },
}

impl Config {
    /// Loads `explicit` (which must exist) or else `briefbot.toml` in the
    /// working folder if there is one, then applies `env`.
    pub fn load(
        explicit: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match explicit {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::from_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => Self::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text).map_err(|reason| ConfigError::Invalid {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| {
            // toml's message names the key; add where it is when known.
            match e.span() {
                Some(span) => {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!("line {line}: {}", e.message())
                }
                None => e.message().to_string(),
            }
        })
    }

    /// BRIEFBOT_DB, BRIEFBOT_LOAD_SAMPLES, BRIEFBOT_MAX_FILE_BYTES,
    /// BRIEFBOT_LOG, DISCORD_TOKEN, BRIEFBOT_DEV_GUILD, BRIEFBOT_DISCORD_API,
    /// BRIEFBOT_READ_REPLIES, BRIEFBOT_CATCH_UP_MINUTES and
    /// BRIEFBOT_RETRY_BASE_MS override the file.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(db) = env("BRIEFBOT_DB").filter(|v| !v.is_empty()) {
            self.database = PathBuf::from(db);
        }
        if let Some(value) = env("BRIEFBOT_LOAD_SAMPLES") {
            self.load_samples = match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(ConfigError::BadEnv {
                        name: "BRIEFBOT_LOAD_SAMPLES",
                        value,
                        reason: "expected true or false".into(),
                    })
                }
            };
        }
        if let Some(value) = env("BRIEFBOT_MAX_FILE_BYTES") {
            self.import.max_file_bytes = value.trim().parse().map_err(|_| ConfigError::BadEnv {
                name: "BRIEFBOT_MAX_FILE_BYTES",
                value: value.clone(),
                reason: "expected a whole number of bytes".into(),
            })?;
        }
        if let Some(filter) = env("BRIEFBOT_LOG").filter(|v| !v.is_empty()) {
            self.log.filter = filter;
        }
        if let Some(token) = env("DISCORD_TOKEN").filter(|v| !v.is_empty()) {
            self.discord.token = Some(token);
        }
        if let Some(value) = env("BRIEFBOT_DEV_GUILD").filter(|v| !v.is_empty()) {
            self.discord.dev_guild_id =
                Some(value.trim().parse().map_err(|_| ConfigError::BadEnv {
                    name: "BRIEFBOT_DEV_GUILD",
                    value: value.clone(),
                    reason: "expected a guild id (a number)".into(),
                })?);
        }
        if let Some(base) = env("BRIEFBOT_DISCORD_API").filter(|v| !v.is_empty()) {
            self.discord.api_base = Some(base);
        }
        if let Some(value) = env("BRIEFBOT_READ_REPLIES") {
            self.discord.read_replies = match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(ConfigError::BadEnv {
                        name: "BRIEFBOT_READ_REPLIES",
                        value,
                        reason: "expected true or false".into(),
                    })
                }
            };
        }
        if let Some(value) = env("BRIEFBOT_CATCH_UP_MINUTES") {
            self.posting.catch_up_minutes = number(&value, "BRIEFBOT_CATCH_UP_MINUTES", "minutes")?;
        }
        if let Some(value) = env("BRIEFBOT_NONCE_WINDOW_SECONDS") {
            self.posting.nonce_window_seconds =
                number(&value, "BRIEFBOT_NONCE_WINDOW_SECONDS", "seconds")?;
        }
        if let Some(value) = env("BRIEFBOT_RETRY_BASE_MS") {
            self.posting.retry_base_ms = number(&value, "BRIEFBOT_RETRY_BASE_MS", "milliseconds")?;
        }
        Ok(())
    }
}

fn number(value: &str, name: &'static str, unit: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::BadEnv {
        name,
        value: value.to_string(),
        reason: format!("expected a whole number of {unit}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_example_config_is_valid_and_matches_the_defaults() {
        let example = include_str!("../config/briefbot.example.toml");
        assert_eq!(Config::from_toml(example).unwrap(), Config::default());
    }

    #[test]
    fn an_unknown_key_is_named() {
        let error = Config::from_toml("[import]\nmax_bytes = 5\n").unwrap_err();
        assert!(error.contains("max_bytes"), "{error}");
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn a_bad_value_is_named() {
        let error = Config::from_toml("load_samples = \"maybe\"\n").unwrap_err();
        assert!(
            error.contains("line 1") && error.contains("bool"),
            "{error}"
        );
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut config = Config::from_toml("database = \"a.db\"\n").unwrap();
        config
            .apply_env(|name| match name {
                "BRIEFBOT_DB" => Some("b.db".into()),
                "DISCORD_TOKEN" => Some("x.y.z".into()),
                "BRIEFBOT_LOAD_SAMPLES" => Some("false".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.database, PathBuf::from("b.db"));
        assert_eq!(config.discord.token.as_deref(), Some("x.y.z"));
        assert!(!config.load_samples);
        assert_eq!(Config::load(None, no_env).map(|c| c.load_samples), Ok(true));
    }

    #[test]
    fn a_bad_environment_value_is_named() {
        let error = Config::default()
            .apply_env(|name| (name == "BRIEFBOT_MAX_FILE_BYTES").then(|| "lots".to_string()))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("BRIEFBOT_MAX_FILE_BYTES=\"lots\""),
            "{error}"
        );
    }
}
