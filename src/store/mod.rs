//! SQLite storage. Knows the domain model, nothing of chat transports.
//!
//! [`Store`] is the synchronous core, one connection. [`Db`] is the handle the
//! async side uses: every call runs on tokio's blocking pool so the runtime
//! never waits on SQLite.

mod answers;
mod briefings;
mod console_channels;
mod deliveries;
mod featured;
mod group;
mod leases;
mod questions;
mod schedules;
mod search;
mod settings;
mod sources;
mod stats;
mod subscriptions;
mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::Connection;
use rusqlite_migration::Migrations;

pub use answers::{
    Answer, AnswerDisplay, AnswerPage, AnswersOf, ExportRow, NewAnswer, QuestionCount, Room,
};
pub use briefings::{
    BriefingSummary, Holdings, KeyQuestion, ListPage, SaveOutcome, StoredBriefing,
};
pub use deliveries::{Delivery, DeliveryState, LogFilter, NewDelivery, Origin, Payload};
pub use featured::{FeatureRefusal, FeatureShown, MAX_FEATURED};
pub use leases::{GuildScope, LeaseHolder};
pub use questions::{
    checked_question, checked_questions, PostPlace, QuestionDisplay, QuestionRefusal, QuestionRow,
    MAX_ADDED_QUESTION,
};
pub use schedules::{Content, Schedule, ScheduleSpec, ScheduleState, DIGEST_DEFAULT, DIGEST_MAX};
pub use search::{
    highlight_snippet, SearchHit, Suggestion, MATCH_END, MATCH_START, RANKED_MATCHES,
};
pub use settings::{GuildSettings, Setting};
pub use sources::{FetchRecord, FollowedSource, KnownArticle, NewSource};
pub use stats::{BriefingStats, MOST_DISCUSSED};
pub use subscriptions::{Identity, Subscription, Wants, PREVIEW_LOOKBACK};
pub use webhooks::{ChannelWebhook, WebhookToken};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored briefing {id} is unreadable: {source}")]
    Corrupt { id: i64, source: serde_json::Error },
    #[error("the search needs at least one word")]
    EmptyQuery,
    #[error("the database task stopped unexpectedly: {0}")]
    Task(String),
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The files of the database at `path`: itself, and its WAL journal and
/// shared-memory index.
pub fn database_files(path: &Path) -> [std::path::PathBuf; 3] {
    ["", "-wal", "-shm"].map(|suffix| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    })
}

/// A stored value this version cannot read, at column `index`: an error
/// saying why, never a default.
pub(crate) fn unreadable(index: usize, kind: Type, why: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, kind, why.to_string().into())
}

/// A JSON column read as `T`: a value we cannot decode is an error (naming
/// the column), never a default.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    row: &rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        let column = row.as_ref().column_name(index).unwrap_or("?");
        unreadable(
            index,
            Type::Text,
            format!("the stored {column} is not what this version reads ({e})"),
        )
    })
}

/// A count or offset as SQLite's integer: past i64::MAX means "all".
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The schema's history: one folder a change, `migrations/NNNN-name/up.sql`,
/// applied in order (adding a table is one SQL file and one store module).
static MIGRATIONS: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/migrations");

fn migrations() -> Result<Migrations<'static>> {
    Ok(Migrations::from_directory(&MIGRATIONS)?)
}

/// How much memory each SQLite connection may use (a [`Db`] has four).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryUse {
    /// Read the file through a memory map of at most this many bytes
    /// (0: no map, reads copy pages into the page cache instead).
    pub map_bytes: u64,
    /// SQLite's own page cache, in KiB.
    pub cache_kib: u64,
}

impl MemoryUse {
    /// No memory map (mapped pages would count in the bot's resident size,
    /// up to the whole file) and a 256 KiB page cache: reads come from the
    /// kernel's file cache at little cost. See BENCHMARKS.md, "The bot under
    /// load", for what each costs and buys.
    pub const DEFAULT: Self = Self {
        map_bytes: 0,
        cache_kib: 256,
    };

    fn apply(&self, conn: &Connection) -> Result<()> {
        conn.pragma_update(None, "mmap_size", clamp(self.map_bytes))?;
        conn.pragma_update(None, "cache_size", -clamp(self.cache_kib))?;
        Ok(())
    }
}

impl Default for MemoryUse {
    fn default() -> Self {
        Self::DEFAULT
    }
}

pub struct Store {
    conn: Connection,
    memory: MemoryUse,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, MemoryUse::DEFAULT)
    }

    /// [`Store::open`] with `memory` for this connection and the readers a
    /// [`Db`] opens beside it.
    pub fn open_with(path: &Path, memory: MemoryUse) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Best effort: a missing folder would otherwise give SQLite's
            // vaguer "unable to open database file".
            let _ = std::fs::create_dir_all(parent);
        }
        Self::setup(Connection::open(path)?, memory)
    }

    /// A read-only connection to an existing database, for reads that run
    /// beside the writer (WAL lets readers and one writer work at once).
    pub fn open_reader(path: &Path, memory: MemoryUse) -> Result<Self> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        memory.apply(&conn)?;
        Ok(Self { conn, memory })
    }

    /// The database file, when the store has one (not in memory).
    pub fn path(&self) -> Option<std::path::PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?, MemoryUse::DEFAULT)
    }

    fn setup(mut conn: Connection, memory: MemoryUse) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        memory.apply(&conn)?;
        migrations()?.to_latest(&mut conn)?;
        Ok(Self { conn, memory })
    }

    /// Copies the live database to `destination` in one step (`VACUUM
    /// INTO` reads one consistent snapshot, so a process that keeps writing
    /// cannot starve it, as it can a page-by-page online backup). The copy
    /// is written beside the destination and renamed over it when complete.
    pub fn backup_to(&self, destination: &Path) -> Result<()> {
        let same = |a: &Path, b: &Path| matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b);
        if let Some(source) = self.path() {
            if database_files(&source)
                .iter()
                .any(|file| same(file, destination))
            {
                return Err(StoreError::Refused(format!(
                    "{} is the database itself; back up to another file",
                    destination.display()
                )));
            }
        }
        // Said before SQLite would, in its own words about a temporary name.
        let folder = match destination.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(StoreError::Refused(format!(
                "cannot back up to {}: the folder {} does not exist (create it first)",
                destination.display(),
                folder.display()
            )));
        }
        if destination.is_dir() {
            return Err(StoreError::Refused(format!(
                "{} is a folder; give a file name, e.g. {}",
                destination.display(),
                destination.join("briefbot.db").display()
            )));
        }
        let mut partial = destination.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        self.conn
            .execute("VACUUM INTO ?1", [partial.to_string_lossy()])?;
        std::fs::rename(&partial, destination).map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            StoreError::Refused(format!("cannot write {}: {e}", destination.display()))
        })?;
        Ok(())
    }

    /// Whether the database answers (for health reports): one write of
    /// nothing, so a stuck writer shows.
    pub fn check(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")?;
        Ok(())
    }

    /// Runs `work` in one transaction: all of it lands or none of it.
    pub fn in_transaction<T>(&mut self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.guarded(["BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"], work)
    }

    /// [`Store::in_transaction`] with the commit synced to disk
    /// (synchronous = FULL), then the usual setting again.
    pub fn in_synced_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let result = self.in_transaction(work);
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        result
    }

    /// Runs `work` inside a savepoint, so a failure undoes only its own
    /// changes even inside a larger transaction.
    pub fn in_savepoint<T>(&mut self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if self.conn.is_autocommit() {
            // Outside a transaction a savepoint begins a deferred one, which
            // reads first and may then be refused the write lock for good
            // (SQLITE_BUSY_SNAPSHOT) if another connection wrote meanwhile;
            // take the lock up front instead, where busy_timeout applies.
            return self.in_transaction(work);
        }
        self.guarded(
            [
                "SAVEPOINT unit",
                "RELEASE unit",
                "ROLLBACK TO unit; RELEASE unit",
            ],
            work,
        )
    }

    fn guarded<T>(
        &mut self,
        [begin, commit, rollback]: [&str; 3],
        work: impl FnOnce(&mut Store) -> Result<T>,
    ) -> Result<T> {
        self.conn.execute_batch(begin)?;
        let outcome = work(self).and_then(|value| {
            self.conn.execute_batch(commit)?;
            Ok(value)
        });
        if outcome.is_err() {
            // The original error is what matters; should the rollback fail
            // too, SQLite rolls back when the connection closes.
            let _ = self.conn.execute_batch(rollback);
        }
        outcome
    }
}

#[cfg(test)]
impl Store {
    /// Direct access for tests that inject database faults.
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Read-only connections [`Db::read`] uses beside the writer.
pub const READERS: usize = 3;
/// How many of them full-text lookups may hold at once, so that one is
/// always free for everything else however many lookups members start.
const LOOKUP_READERS: usize = READERS - 1;

/// Cloneable async handle over the writer [`Store`] and a few read-only
/// connections to the same file, so a slow read never holds up a delivery
/// or an answer being saved.
#[derive(Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
    readers: Arc<Vec<Mutex<Store>>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
    lookups: Arc<tokio::sync::Semaphore>,
    group: Arc<group::Group>,
}

impl Db {
    pub fn new(store: Store) -> Self {
        // An in-memory database cannot be opened twice: its reads share the
        // writer's connection.
        let readers = store
            .path()
            .map(|path| {
                (0..READERS)
                    .filter_map(|_| Store::open_reader(&path, store.memory).ok())
                    .map(Mutex::new)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            store: Arc::new(Mutex::new(store)),
            readers: Arc::new(readers),
            next_reader: Arc::default(),
            lookups: Arc::new(tokio::sync::Semaphore::new(LOOKUP_READERS)),
            group: Arc::default(),
        }
    }

    /// [`Db::read`] for a lookup whose cost a member controls (a full-text
    /// search over what they typed): such reads wait their turn for one of
    /// a few readers, never blocking the reader that serves the rest.
    pub async fn read_lookup<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let _turn = self
            .lookups
            .acquire()
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        self.read(work).await
    }

    /// Runs a read-only `work` on one of the read connections (the writer's
    /// when there are none), on the blocking pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        if self.readers.is_empty() {
            return self.call(move |store| work(store)).await;
        }
        let readers = Arc::clone(&self.readers);
        let turn = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            // The first free reader, else wait for this call's turn.
            let guard = readers
                .iter()
                .find_map(|reader| reader.try_lock().ok())
                .unwrap_or_else(|| {
                    readers[turn % readers.len()]
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                });
            work(&guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `work` against the store on the blocking pool.
    pub async fn call<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        let migrations = migrations().expect("the migrations folder reads");
        migrations.validate().expect("migrations apply cleanly");
        // Every folder is a step, and a new database takes them all.
        let store = Store::open_in_memory().unwrap();
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.dirs().count());
        assert!(version >= 16, "{version}");
    }
}
