//! A process's resident memory split by where the pages come from, read from
//! `/proc/<pid>/smaps`: the program's own file, the database file, shared
//! libraries, and anonymous memory (heap, stacks, relocated data).

use std::fmt;
use std::path::Path;

#[derive(Clone, Copy, Default, Debug)]
pub struct Resident {
    /// Clean pages of the binary (its code and read-only data).
    pub binary_kb: u64,
    /// Pages of the memory-mapped SQLite database and its shared-memory file.
    pub database_kb: u64,
    /// libc and the other shared libraries.
    pub libraries_kb: u64,
    /// Anonymous pages: the heap, thread stacks, and the binary's data once
    /// relocated or written.
    pub anonymous_kb: u64,
}

impl Resident {
    pub fn total_kb(&self) -> u64 {
        self.binary_kb + self.database_kb + self.libraries_kb + self.anonymous_kb
    }

    pub fn total_mb(&self) -> f64 {
        self.total_kb() as f64 / 1024.0
    }
}

impl fmt::Display for Resident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |kb: u64| kb as f64 / 1024.0;
        write!(
            f,
            "{:.1} MB (binary {:.1}, anonymous {:.1}, database {:.1}, libraries {:.1})",
            self.total_mb(),
            mb(self.binary_kb),
            mb(self.anonymous_kb),
            mb(self.database_kb),
            mb(self.libraries_kb)
        )
    }
}

/// The resident memory of `pid`, whose program is `binary`. Zero when the
/// process is gone.
pub fn resident(pid: u32, binary: &Path) -> Resident {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let binary = std::fs::canonicalize(binary).unwrap_or_else(|_| binary.to_path_buf());
    let mut resident = Resident::default();
    let mut path = String::new();
    let mut rss = 0;
    let account = |path: &str, rss: u64, anonymous: u64, into: &mut Resident| {
        let file_backed = rss.saturating_sub(anonymous);
        into.anonymous_kb += anonymous;
        if path.is_empty() || path.starts_with('[') {
            into.anonymous_kb += file_backed;
        } else if Path::new(path) == binary {
            into.binary_kb += file_backed;
        } else if path.ends_with(".db") || path.ends_with(".db-shm") {
            into.database_kb += file_backed;
        } else {
            into.libraries_kb += file_backed;
        }
    };
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: "start-end perms offset dev inode [path]".
            path = fields.nth(4).unwrap_or_default().to_string();
            rss = 0;
        } else if first == "Rss:" {
            rss = fields.next().and_then(|kb| kb.parse().ok()).unwrap_or(0);
        } else if first == "Anonymous:" {
            let anonymous = fields.next().and_then(|kb| kb.parse().ok()).unwrap_or(0);
            account(&path, rss, anonymous, &mut resident);
        }
    }
    resident
}

/// A field of `/proc/<pid>/status`, in kB (`VmHWM:` for the peak).
pub fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}
