//! Which process delivers posts: a lease per scope with a heartbeat, so a
//! second process on the same database (a second bot, or a console opened
//! on the bot's file) never sends the same outbox at the same time.

use rusqlite::{params, OptionalExtension};

use super::{Result, Store};

/// The part of the database a delivery loop serves: deliveries, schedules
/// and subscriptions of one server only, or of every server but one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuildScope {
    pub only: Option<u64>,
    pub except: Option<u64>,
}

impl GuildScope {
    pub const ALL: GuildScope = GuildScope {
        only: None,
        except: None,
    };

    pub fn only(guild: u64) -> Self {
        Self {
            only: Some(guild),
            except: None,
        }
    }

    pub fn except(guild: u64) -> Self {
        Self {
            only: None,
            except: Some(guild),
        }
    }

    /// `column` within the scope, using parameters `?first` and `?first+1`.
    pub(super) fn sql(&self, column: &str, first: usize) -> String {
        let second = first + 1;
        format!("(?{first} IS NULL OR {column} = ?{first}) AND (?{second} IS NULL OR {column} != ?{second})")
    }

    pub(super) fn params(&self) -> (Option<i64>, Option<i64>) {
        (self.only.map(|g| g as i64), self.except.map(|g| g as i64))
    }
}

/// Who holds a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub pid: u32,
    pub host: String,
    pub started_at: i64,
    pub expires_at: i64,
}

impl std::fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process {} on {}", self.pid, self.host)
    }
}

impl Store {
    /// Takes or renews the lease on `scope` for `me` until `expires_at`.
    /// `Ok(None)`: it is ours. `Ok(Some(holder))`: another live process has it.
    pub fn take_lease(
        &mut self,
        scope: &str,
        me: &LeaseHolder,
        now: i64,
    ) -> Result<Option<LeaseHolder>> {
        self.in_transaction(|store| {
            let current: Option<LeaseHolder> = store
                .conn
                .prepare_cached(
                    "SELECT holder, pid, host, started_at, expires_at FROM delivery_leases WHERE scope = ?1",
                )?
                .query_row([scope], |row| {
                    Ok(LeaseHolder {
                        holder: row.get(0)?,
                        pid: row.get(1)?,
                        host: row.get(2)?,
                        started_at: row.get(3)?,
                        expires_at: row.get(4)?,
                    })
                })
                .optional()?;
            if let Some(other) = current.filter(|c| c.holder != me.holder && c.expires_at > now) {
                return Ok(Some(other));
            }
            store.conn.execute(
                "INSERT INTO delivery_leases (scope, holder, pid, host, started_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (scope) DO UPDATE SET holder = ?2, pid = ?3, host = ?4,
                     started_at = CASE WHEN holder = ?2 THEN started_at ELSE ?5 END, expires_at = ?6",
                params![scope, me.holder, me.pid, me.host, me.started_at, me.expires_at],
            )?;
            Ok(None)
        })
    }

    /// Takes the lease from `dead`, a holder known to have died (a crashed
    /// process on this machine), if it still holds it. `true` when taken.
    pub fn take_lease_from(&mut self, scope: &str, dead: &str, me: &LeaseHolder) -> Result<bool> {
        Ok(self.conn.execute(
            "UPDATE delivery_leases SET holder = ?3, pid = ?4, host = ?5, started_at = ?6, expires_at = ?7
             WHERE scope = ?1 AND holder = ?2",
            params![scope, dead, me.holder, me.pid, me.host, me.started_at, me.expires_at],
        )? > 0)
    }

    /// Gives the lease up (a clean stop), if it is still ours.
    pub fn release_lease(&mut self, scope: &str, holder: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM delivery_leases WHERE scope = ?1 AND holder = ?2",
            params![scope, holder],
        )?;
        Ok(())
    }
}
