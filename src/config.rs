//! Settings: defaults, then a TOML file, then environment variables, then
//! command-line flags. An unknown key or a bad value is an error that names it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::time::Duration;

use crate::follow::{FetchPolicy, FollowConfig, DEFAULT_INTERVAL};
use crate::handlers::AnswerLimit;
use crate::import::DEFAULT_MAX_FILE_BYTES;
use crate::posting::PostingConfig;
use crate::store::MemoryUse;

/// Read when no --config is given and it exists in the working folder.
pub const DEFAULT_CONFIG_FILE: &str = "briefbot.toml";

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// SQLite database file.
    pub database: PathBuf,
    /// The console fills a brand-new database with the bundled sample briefings.
    pub load_samples: bool,
    pub import: ImportConfig,
    pub discord: DiscordConfig,
    pub posting: PostingSection,
    pub discussion: DiscussionSection,
    pub sources: SourcesSection,
    pub sqlite: SqliteSection,
    pub log: LogConfig,
    pub health: HealthSection,
}

/// The health endpoint for supervisors.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HealthSection {
    /// Serve `GET /health` on this loopback address and port, e.g.
    /// "127.0.0.1:8091"; unset: no endpoint.
    pub listen: Option<String>,
}

/// Following publishers' feeds and pages.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SourcesSection {
    /// Fetch loopback, private, link-local and unique-local addresses too.
    pub allow_private_addresses: bool,
    /// Hosts fetched even when their address is private (a LAN server).
    pub allow_hosts: Vec<String>,
    /// Largest response accepted, in bytes.
    pub max_bytes: u64,
    /// Seconds before a fetch is given up.
    pub timeout_seconds: u64,
    /// Interval of a source added without one, in minutes.
    pub default_interval_minutes: u64,
    /// Consecutive failures before a source is disabled.
    pub max_failures: u64,
}

impl Default for SourcesSection {
    fn default() -> Self {
        let defaults = FollowConfig::default();
        Self {
            allow_private_addresses: defaults.fetch.allow_private,
            allow_hosts: defaults.fetch.allow_hosts,
            max_bytes: defaults.fetch.max_bytes,
            timeout_seconds: defaults.fetch.timeout.as_secs(),
            default_interval_minutes: DEFAULT_INTERVAL.as_secs() / 60,
            max_failures: defaults.max_failures as u64,
        }
    }
}

impl SourcesSection {
    pub fn to_config(&self) -> FollowConfig {
        let defaults = FollowConfig::default();
        FollowConfig {
            fetch: FetchPolicy {
                allow_private: self.allow_private_addresses,
                allow_hosts: self.allow_hosts.clone(),
                max_bytes: self.max_bytes.max(1024),
                timeout: Duration::from_secs(self.timeout_seconds.max(1)),
                ..defaults.fetch
            },
            max_failures: self.max_failures.clamp(1, i64::MAX as u64) as i64,
            ..defaults
        }
    }

    pub fn default_interval(&self) -> Duration {
        Duration::from_secs(self.default_interval_minutes.max(1) * 60)
    }
}

/// Answers to key questions.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    pub max_file_bytes: u64,
}

impl ImportConfig {
    /// The import limits every importer uses (files, uploads, the console).
    pub fn to_options(&self) -> crate::import::ImportOptions {
        crate::import::ImportOptions {
            max_file_bytes: self.max_file_bytes,
            ..crate::import::ImportOptions::default()
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
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
    /// User ids of the bot's owners: only they may use /source, since a
    /// source feeds every server the bot is in.
    pub owners: Vec<u64>,
    /// Shards in all; unset: as many as Discord recommends.
    pub shards: Option<u32>,
    /// The shards this process runs, `[first, last]`; empty: all of them.
    pub shard_range: Vec<u32>,
    /// Seconds start-up may take (connecting, registering the commands,
    /// starting deliveries) before the bot exits non-zero for its
    /// supervisor to restart it; unset: 120.
    pub ready_within_seconds: Option<u64>,
}

impl DiscordConfig {
    /// `shard_range` checked: two numbers, first ≤ last, within `shards`.
    pub fn shard_range(&self) -> Result<Option<(u32, u32)>, String> {
        match self.shard_range.as_slice() {
            [] => Ok(None),
            [first, last] if first <= last => {
                if let Some(total) = self.shards {
                    if *last >= total {
                        return Err(format!(
                            "discord.shard_range ends at shard {last}, but there are only {total} shards (0 to {})",
                            total.saturating_sub(1)
                        ));
                    }
                }
                Ok(Some((*first, *last)))
            }
            _ => Err("discord.shard_range is two shard numbers, first and last: [0, 3]".into()),
        }
    }
}

/// How much memory SQLite may use, per connection (the bot opens four: the
/// writer and three readers).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SqliteSection {
    /// Read the database through a memory map of at most this many MiB; 0
    /// reads it with ordinary file reads.
    pub memory_map_mb: u64,
    /// SQLite's own page cache, in KiB.
    pub page_cache_kb: u64,
}

impl Default for SqliteSection {
    fn default() -> Self {
        let memory = MemoryUse::DEFAULT;
        Self {
            memory_map_mb: memory.map_bytes >> 20,
            page_cache_kb: memory.cache_kib,
        }
    }
}

impl SqliteSection {
    pub fn memory_use(&self) -> MemoryUse {
        MemoryUse {
            map_bytes: self.memory_map_mb.saturating_mul(1 << 20),
            cache_kib: self.page_cache_kb,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
            sources: SourcesSection::default(),
            sqlite: SqliteSection::default(),
            log: LogConfig::default(),
            health: HealthSection::default(),
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
        name: String,
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

    /// Every setting can be set from the environment: `section.key` as
    /// `BRIEFBOT_SECTION_KEY` (`posting.max_attempts` as
    /// `BRIEFBOT_POSTING_MAX_ATTEMPTS`, `database` as `BRIEFBOT_DATABASE`),
    /// and the short names in [`ENV_ALIASES`] too. An empty value counts as
    /// unset. The names come from the settings themselves, so a new setting
    /// has its variable without code of its own.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let mut tree = serde_json::to_value(&*self).expect("settings serialise");
        for path in setting_paths(&tree) {
            let names = ENV_ALIASES
                .iter()
                .filter(|(_, setting)| *setting == path)
                .map(|(name, _)| name.to_string())
                .chain([env_name(&path)]);
            for name in names {
                let Some(value) = env(&name).filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                let slot = path.split('.').fold(&mut tree, |node, key| &mut node[key]);
                let previous = std::mem::replace(slot, Value::Null);
                let parsed =
                    typed_like(&previous, value.trim()).map_err(|reason| ConfigError::BadEnv {
                        name: name.clone(),
                        value: value.clone(),
                        reason,
                    })?;
                *path.split('.').fold(&mut tree, |node, key| &mut node[key]) = parsed;
                // A value of the wrong type for its setting is named here,
                // with its variable, rather than later without it.
                serde_json::from_value::<Config>(tree.clone()).map_err(|e| {
                    ConfigError::BadEnv {
                        name: name.clone(),
                        value: value.clone(),
                        reason: e.to_string(),
                    }
                })?;
            }
        }
        *self = serde_json::from_value(tree).expect("checked after each change");
        Ok(())
    }
}

impl Config {
    /// The `BRIEFBOT_*` names among `present` that no setting reads (a
    /// misspelling would otherwise be ignored without a word), each with
    /// the nearest name that is read, if one is close.
    pub fn unknown_env_names(
        &self,
        present: impl IntoIterator<Item = String>,
    ) -> Vec<(String, Option<String>)> {
        let tree = serde_json::to_value(self).expect("settings serialise");
        let mut known: Vec<String> = setting_paths(&tree).iter().map(|p| env_name(p)).collect();
        known.extend(ENV_ALIASES.iter().map(|(name, _)| name.to_string()));
        known.push("BRIEFBOT_CONFIG".into());
        // Not a setting: where the test suite finds ../shared (.ci/run sets it).
        known.push("BRIEFBOT_SHARED".into());
        present
            .into_iter()
            .filter(|name| name.starts_with("BRIEFBOT_") && !known.contains(name))
            .map(|name| {
                // Compared without the prefix every name shares.
                let near = crate::domain::text::nearest(
                    &name["BRIEFBOT_".len()..],
                    known.iter().filter_map(|k| k.strip_prefix("BRIEFBOT_")),
                )
                .first()
                .map(|n| format!("BRIEFBOT_{n}"));
                (name, near)
            })
            .collect()
    }
}

/// Short environment names: the conventional `DISCORD_TOKEN` and the names
/// earlier versions documented. Each is the same as the long form.
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("BRIEFBOT_DB", "database"),
    ("BRIEFBOT_LOG", "log.filter"),
    ("BRIEFBOT_MAX_FILE_BYTES", "import.max_file_bytes"),
    ("DISCORD_TOKEN", "discord.token"),
    ("BRIEFBOT_DEV_GUILD", "discord.dev_guild_id"),
    ("BRIEFBOT_DISCORD_API", "discord.api_base"),
    ("BRIEFBOT_READ_REPLIES", "discord.read_replies"),
    ("BRIEFBOT_CATCH_UP_MINUTES", "posting.catch_up_minutes"),
    ("BRIEFBOT_RETRY_BASE_MS", "posting.retry_base_ms"),
    (
        "BRIEFBOT_NONCE_WINDOW_SECONDS",
        "posting.nonce_window_seconds",
    ),
    ("BRIEFBOT_OWNERS", "discord.owners"),
    (
        "BRIEFBOT_SOURCES_ALLOW_PRIVATE",
        "sources.allow_private_addresses",
    ),
];

/// `posting.max_attempts` -> `BRIEFBOT_POSTING_MAX_ATTEMPTS`.
pub fn env_name(setting: &str) -> String {
    format!(
        "BRIEFBOT_{}",
        setting.replace('.', "_").to_ascii_uppercase()
    )
}

/// Every setting, as its dotted path (`posting.max_attempts`).
pub fn setting_paths(tree: &Value) -> Vec<String> {
    fn walk(node: &Value, prefix: &str, out: &mut Vec<String>) {
        match node.as_object() {
            Some(fields) => {
                for (key, value) in fields {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(value, &path, out);
                }
            }
            None => out.push(prefix.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(tree, "", &mut out);
    out
}

/// `text` as a value of the same kind as the setting's current one. An
/// unset optional setting takes a whole number when it is one, else text;
/// a list takes comma-separated values.
fn typed_like(current: &Value, text: &str) -> Result<Value, String> {
    match current {
        Value::Array(_) => Ok(Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| {
                    item.parse::<u64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(item.to_string()))
                })
                .collect(),
        )),
        Value::Bool(_) => match text.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Value::Bool(true)),
            "0" | "false" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".into()),
        },
        Value::Number(_) => text
            .parse::<u64>()
            .map(Value::from)
            .map_err(|_| "expected a whole number".into()),
        Value::Null => Ok(text
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_string()))),
        _ => Ok(Value::String(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_variable_is_named_with_the_nearest_real_one() {
        let config = Config::default();
        let unknown = config.unknown_env_names(
            [
                "BRIEFBOT_DB",
                "BRIEFBOT_POSTING_MAX_ATEMPTS",
                "BRIEFBOT_CONFIG",
                "HOME",
                "BRIEFBOT_ZZZ",
            ]
            .map(String::from),
        );
        assert_eq!(
            unknown,
            [
                (
                    "BRIEFBOT_POSTING_MAX_ATEMPTS".to_string(),
                    Some("BRIEFBOT_POSTING_MAX_ATTEMPTS".to_string())
                ),
                ("BRIEFBOT_ZZZ".to_string(), None)
            ]
        );
    }

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
    fn every_setting_has_an_environment_variable() {
        let tree = serde_json::to_value(Config::default()).unwrap();
        let paths = setting_paths(&tree);
        for needed in [
            "posting.max_attempts",
            "posting.watch_seconds",
            "discussion.answers_per_minute",
        ] {
            assert!(paths.iter().any(|p| p == needed), "{paths:?}");
        }
        for path in &paths {
            // Each setting can be changed through its long name.
            let name = env_name(path);
            let mut config = Config::default();
            let value = match path.as_str() {
                "load_samples" => "false".to_string(),
                "discord.read_replies" => "true".to_string(),
                "discord.token" | "discord.api_base" | "database" | "log.filter" => "x".to_string(),
                "health.listen" => "127.0.0.1:8091".to_string(),
                "sources.allow_private_addresses" => "true".to_string(),
                "sources.allow_hosts" => "feeds.lan".to_string(),
                _ => "7".to_string(),
            };
            config
                .apply_env(|n| (n == name).then(|| value.clone()))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_ne!(
                serde_json::to_value(&config).unwrap(),
                tree,
                "{name} changed nothing"
            );
        }
        let mut config = Config::default();
        config
            .apply_env(|n| match n {
                "BRIEFBOT_POSTING_MAX_ATTEMPTS" => Some("3".into()),
                "BRIEFBOT_DISCUSSION_ANSWERS_PER_MINUTE" => Some("9".into()),
                "BRIEFBOT_POSTING_WATCH_SECONDS" => Some("4".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (
                config.posting.max_attempts,
                config.discussion.answers_per_minute,
                config.posting.watch_seconds
            ),
            (3, 9, 4)
        );
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
