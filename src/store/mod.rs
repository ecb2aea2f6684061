//! SQLite storage. Knows the domain model, nothing of chat transports.
//!
//! [`Store`] is the synchronous core, one connection. [`Db`] is the handle the
//! async side uses: every call runs on tokio's blocking pool so the runtime
//! never waits on SQLite.

mod answers;
mod briefings;
mod deliveries;
mod schedules;
mod search;
mod settings;
mod subscriptions;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

pub use answers::{Answer, AnswerPage, ExportRow, NewAnswer, QuestionCount};
pub use briefings::{BriefingSummary, KeyQuestion, ListPage, SaveOutcome, StoredBriefing};
pub use deliveries::{Delivery, DeliveryState, LogFilter, NewDelivery, Origin, Payload};
pub use schedules::{Content, Schedule, ScheduleSpec, ScheduleState};
pub use search::{highlight_snippet, SearchHit, MATCH_END, MATCH_START, RANKED_MATCHES};
pub use settings::{GuildSettings, Setting};
pub use subscriptions::Subscription;

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
}

pub type Result<T> = std::result::Result<T, StoreError>;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_briefings.sql")),
        M::up(include_str!("../../migrations/0002_posting.sql")),
        M::up(include_str!("../../migrations/0003_answers.sql")),
        M::up(include_str!("../../migrations/0004_discussion_threads.sql")),
        M::up(include_str!("../../migrations/0005_answer_restriction.sql")),
    ])
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Best effort: a missing folder would otherwise give SQLite's
            // vaguer "unable to open database file".
            let _ = std::fs::create_dir_all(parent);
        }
        Self::setup(Connection::open(path)?)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Read through a memory map (up to 256 MiB of the file): search walks
        // many index pages, and this spares copying each into SQLite's cache.
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        migrations().to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// Copies the live database to `destination` with SQLite's online backup,
    /// which is safe while another process (the bot) writes to it.
    pub fn backup_to(&self, destination: &Path) -> Result<()> {
        let mut target = Connection::open(destination)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut target)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
        Ok(())
    }

    /// Runs `work` in one transaction: all of it lands or none of it.
    pub fn in_transaction<T>(&mut self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.guarded(["BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"], work)
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

/// Cloneable async handle over one [`Store`].
#[derive(Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
}

impl Db {
    pub fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
        }
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
        migrations().validate().expect("migrations apply cleanly");
    }
}
