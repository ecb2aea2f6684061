//! The delivery lease: only one process sends a scope's outbox at a time.

use super::Posting;
use crate::store::{LeaseHolder, StoreError};

/// Who this process is, for the delivery lease.
pub(super) fn lease_holder() -> LeaseHolder {
    let now = chrono::Utc::now().timestamp_millis();
    LeaseHolder {
        holder: format!("{:016x}", fastrand::u64(..)),
        pid: std::process::id(),
        host: host_name(),
        started_at: now,
        expires_at: now,
    }
}

/// This machine's name (Linux), to tell a crashed local holder from a
/// process on another machine sharing the file.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Whether process `pid` of this machine is running (Linux; elsewhere it is
/// assumed alive and its lease runs out instead).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = std::path::Path::new("/proc");
    !proc.exists() || proc.join(pid.to_string()).exists()
}

impl Posting {
    pub(super) async fn take_lease(
        &self,
        me: &LeaseHolder,
    ) -> Result<Option<LeaseHolder>, StoreError> {
        let mut me = me.clone();
        // Real time, not the (possibly hand-moved) clock: the lease is about
        // whether a process is alive.
        let now = chrono::Utc::now().timestamp_millis();
        me.expires_at = now + self.config.lease_ttl.as_millis() as i64;
        let lease = self.config.scope.lease;
        self.db
            .call(move |s| match s.take_lease(lease, &me, now)? {
                // A holder on this machine whose process is gone crashed:
                // take over now rather than when its lease runs out.
                Some(other) if other.host == me.host && !process_alive(other.pid) => {
                    if s.take_lease_from(lease, &other.holder, &me)? {
                        tracing::info!(holder = %other, "the process that held the delivery lease is gone; taking over");
                        Ok(None)
                    } else {
                        Ok(Some(other))
                    }
                }
                other => Ok(other),
            })
            .await
    }
}
