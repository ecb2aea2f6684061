//! Group commit: writes that must be on disk before anyone is told "saved"
//! (answers) are gathered while one batch commits and the next batch commits
//! them together, each in its own savepoint. A burst of a thousand answers
//! costs a few synced commits instead of a thousand, and no answer waits for
//! the whole burst before it.

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::{Db, Result, Store, StoreError};

/// Most writes committed together.
const MOST_PER_COMMIT: usize = 256;

/// Runs its write in a savepoint; hands back what tells its caller the
/// outcome once the batch has committed (or failed to).
pub(super) type Job = Box<dyn FnOnce(&mut Store) -> Finish + Send>;
type Finish = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

#[derive(Default)]
pub(super) struct Group {
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    jobs: Vec<Job>,
    /// A task is committing batches; it takes what is waiting next.
    committing: bool,
}

impl Db {
    /// Runs `work` with others that arrive meanwhile, in one transaction
    /// synced to disk; returns once that transaction has committed. A
    /// failing `work` undoes only its own changes.
    pub async fn call_grouped<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T> + Send + 'static,
    {
        let (send, outcome) = oneshot::channel();
        let job: Job = Box::new(move |store: &mut Store| {
            let result = store.in_savepoint(work);
            Box::new(move |committed: std::result::Result<(), String>| {
                let _ = send.send(match (result, committed) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(e)) => Err(StoreError::Task(format!("the commit failed: {e}"))),
                });
            })
        });
        let lead = {
            let mut waiting = self.group.waiting.lock().unwrap_or_else(|e| e.into_inner());
            waiting.jobs.push(job);
            !std::mem::replace(&mut waiting.committing, true)
        };
        if lead {
            let db = self.clone();
            tokio::spawn(async move { db.commit_waiting().await });
        }
        outcome
            .await
            .map_err(|_| StoreError::Task("the grouped write was dropped".into()))?
    }

    /// Commits what is waiting, batch after batch, until nothing is.
    async fn commit_waiting(self) {
        loop {
            let jobs = {
                let mut waiting = self.group.waiting.lock().unwrap_or_else(|e| e.into_inner());
                if waiting.jobs.is_empty() {
                    waiting.committing = false;
                    return;
                }
                let take = waiting.jobs.len().min(MOST_PER_COMMIT);
                waiting.jobs.drain(..take).collect::<Vec<_>>()
            };
            let finished = self
                .call(move |store| {
                    let mut finishes = Vec::with_capacity(jobs.len());
                    let committed = store.in_synced_transaction(|s| {
                        for job in jobs {
                            finishes.push(job(s));
                        }
                        Ok(())
                    });
                    Ok((finishes, committed.map_err(|e| e.to_string())))
                })
                .await;
            match finished {
                Ok((finishes, committed)) => {
                    for finish in finishes {
                        finish(committed.clone());
                    }
                }
                // The blocking task died; its callers hear that their
                // senders were dropped.
                Err(e) => tracing::error!(error = %e, "a grouped commit failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_commits_together_and_a_failing_write_undoes_only_itself() {
        let db = Db::new(Store::open_in_memory().unwrap());
        db.call(|s| {
            s.conn
                .execute_batch("CREATE TABLE burst (n INTEGER NOT NULL)")?;
            Ok(())
        })
        .await
        .unwrap();
        let mut writes = tokio::task::JoinSet::new();
        for n in 0..200i64 {
            let db = db.clone();
            writes.spawn(async move {
                let outcome = db
                    .call_grouped(move |s| {
                        s.conn.execute("INSERT INTO burst (n) VALUES (?1)", [n])?;
                        if n % 7 == 0 {
                            return Err(StoreError::Task(format!("refused {n}")));
                        }
                        Ok(n)
                    })
                    .await;
                (n, outcome)
            });
        }
        let mut saved = 0;
        while let Some(joined) = writes.join_next().await {
            let (n, outcome) = joined.unwrap();
            match outcome {
                Ok(value) => {
                    assert_eq!(value, n);
                    saved += 1;
                }
                Err(e) => {
                    assert_eq!(n % 7, 0, "only the failing writes fail: {e}");
                }
            }
        }
        let (rows, refused_rows): (i64, i64) = db
            .call(|s| {
                Ok(s.conn.query_row(
                    "SELECT count(*), count(*) FILTER (WHERE n % 7 = 0) FROM burst",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(saved, 200 - 29);
        assert_eq!(rows, saved, "every write told it was saved is stored");
        assert_eq!(refused_rows, 0, "a failed write left nothing behind");
        assert!(db.call(|s| Ok(s.conn.is_autocommit())).await.unwrap());
    }
}
