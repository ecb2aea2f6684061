//! Importing briefing files: reading and checking the bytes, parsing either
//! format, and saving each file all-or-nothing with a report of what happened.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::{self, Briefing, Canonical, ParseOptions};
use crate::store::{SaveOutcome, Store};

/// File endings the importer picks up when given a folder.
pub const BRIEFING_EXTENSIONS: &[&str] = &["txt", "md", "markdown"];

/// Default cap on one file's size; a briefing is a few kilobytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How many files are committed together. Each file still lands whole or not
/// at all (a savepoint each); batching only spares fsyncs.
const COMMIT_EVERY: usize = 500;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub max_file_bytes: u64,
    pub parse: ParseOptions,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            parse: ParseOptions::default(),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    #[serde(flatten)]
    pub result: FileResult,
    /// Things the reader should know even though the file was imported.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum FileResult {
    Saved {
        outcome: SaveOutcome,
        id: i64,
        slug: String,
        title: String,
    },
    Failed {
        reason: String,
    },
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
}

impl ImportReport {
    pub fn count(&self, wanted: SaveOutcome) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.result, FileResult::Saved { outcome, .. } if outcome == wanted))
            .count()
    }

    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().filter_map(|f| match &f.result {
            FileResult::Failed { reason } => Some((f.file.as_str(), reason.as_str())),
            FileResult::Saved { .. } => None,
        })
    }

    pub fn failed_count(&self) -> usize {
        self.failed().count()
    }

    /// "3 imported, 1 updated, 0 unchanged, 1 failed"
    pub fn summary_line(&self) -> String {
        format!(
            "{} imported, {} updated, {} unchanged, {} failed",
            self.count(SaveOutcome::Imported),
            self.count(SaveOutcome::Updated),
            self.count(SaveOutcome::Unchanged),
            self.failed_count()
        )
    }
}

/// Expands folders (recursively, briefing file endings only, sorted) and
/// keeps files as given. A path that does not exist is reported, not
/// skipped. Links are followed, but a link back up the tree is detected and
/// skipped, and a file reached twice (through two links) is imported once.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut keep = |path: PathBuf, files: &mut Vec<PathBuf>| {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            files.push(path);
        }
    };
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            for entry in walkdir::WalkDir::new(path).follow_links(true) {
                let entry = match entry {
                    Ok(entry) => entry,
                    // A link that loops back to a folder above it.
                    Err(e) if e.loop_ancestor().is_some() => {
                        tracing::warn!(path = %e.path().map(|p| p.display().to_string()).unwrap_or_default(), "skipped a link that loops back to a folder above it");
                        continue;
                    }
                    Err(e) => return Err(format!("{}: cannot read folder: {e}", path.display())),
                };
                let is_briefing = entry
                    .path()
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| {
                        BRIEFING_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                    });
                if entry.file_type().is_file() && is_briefing {
                    found.push(entry.into_path());
                }
            }
            found.sort();
            for file in found {
                keep(file, &mut files);
            }
        } else if path.exists() {
            keep(path.clone(), &mut files);
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(files)
}

/// Reads a regular file of at most `max_bytes`. Anything else (a FIFO, a
/// device such as /dev/zero, a folder) is refused before a byte is read, and
/// the limit holds on the bytes actually read, whatever the file claims.
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !metadata.is_file() {
        return Err(
            "not a regular file (a folder, device, pipe or socket); only files are imported".into(),
        );
    }
    if metadata.len() > max_bytes {
        return Err(over_limit(metadata.len(), max_bytes));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "the file grew past the limit of {max_bytes} bytes (import.max_file_bytes) while it was read"
        ));
    }
    Ok(bytes)
}

fn over_limit(size: u64, max_bytes: u64) -> String {
    format!("the file is {size} bytes, over the limit of {max_bytes} bytes (import.max_file_bytes)")
}

/// Checks raw bytes are usable text: not empty, not binary, valid UTF-8,
/// within the size limit.
pub fn decode(bytes: &[u8], max_bytes: u64) -> Result<&str, String> {
    if bytes.len() as u64 > max_bytes {
        return Err(over_limit(bytes.len() as u64, max_bytes));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    if bytes.contains(&0) {
        return Err(
            "the file looks binary (it contains NUL bytes), not like a text briefing".into(),
        );
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (first bad byte at offset {}); save it as UTF-8 and import again",
            e.valid_up_to()
        )
    })?;
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls * 20 > text.chars().count() {
        return Err(
            "the file looks binary (mostly control characters), not like a text briefing".into(),
        );
    }
    Ok(text)
}

/// Parses one file's bytes into a briefing plus notes, or a reason it failed.
pub fn parse_bytes(
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<(Briefing, Vec<String>), String> {
    let text = decode(bytes, options.max_file_bytes)?;
    let parsed = domain::parse_text(text, &options.parse).map_err(|e| e.to_string())?;
    Ok((parsed.briefing, parsed.warnings))
}

fn read_file(path: &Path, options: &ImportOptions) -> Result<(Briefing, Vec<String>), String> {
    let bytes = read_bounded(path, options.max_file_bytes)?;
    parse_bytes(&bytes, options)
}

/// A file read and parsed, ready to save.
struct ParsedFile<'a> {
    path: &'a Path,
    result: Result<(Briefing, Canonical, Vec<String>), String>,
}

/// Imports `files` in order. Each file is parsed and saved on its own: a bad
/// file is reported and leaves the database as it was; the others go on. Two
/// files of one batch that claim the same slug with different content are a
/// conflict: the first wins and the second fails, naming the first.
///
/// Reading and parsing run on a second thread, a chunk ahead, so they overlap
/// with the SQLite writes on this one.
pub fn import_files(
    store: &mut Store,
    files: &[PathBuf],
    options: &ImportOptions,
    mut on_file_done: impl FnMut(&Path),
) -> ImportReport {
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<ParsedFile>(COMMIT_EVERY);
        scope.spawn(move || {
            for path in files {
                let result = read_file(path, options).map(|(briefing, notes)| {
                    let canonical = briefing.canonical();
                    (briefing, canonical, notes)
                });
                if sender.send(ParsedFile { path, result }).is_err() {
                    break;
                }
            }
        });

        let mut report = ImportReport::default();
        let mut claimed = HashMap::new();
        loop {
            let chunk: Vec<ParsedFile> = receiver.iter().take(COMMIT_EVERY).collect();
            if chunk.is_empty() {
                break;
            }
            report.files.extend(save_chunk(store, &chunk, &mut claimed));
            chunk.iter().for_each(|parsed| on_file_done(parsed.path));
        }
        report
    })
}

/// Slug -> (first file, content hash) of what this import already saved.
type Claimed = HashMap<String, (String, String)>;

/// Saves a chunk in one transaction. The fast way writes every file with no
/// savepoints; should any write fail, it is all rolled back and the chunk is
/// redone file by file, each in its own savepoint, so that failure stays
/// with its file.
fn save_chunk(store: &mut Store, chunk: &[ParsedFile], claimed: &mut Claimed) -> Vec<FileReport> {
    let before = claimed.clone();
    let fast = store.in_transaction(|store| {
        chunk
            .iter()
            .map(|parsed| save_parsed(store, parsed, claimed, Store::save_unguarded))
            .collect::<Result<Vec<_>, _>>()
    });
    if let Ok(reports) = fast {
        return reports;
    }
    *claimed = before;
    let mut reports = Vec::with_capacity(chunk.len());
    let careful = store.in_transaction(|store| {
        for parsed in chunk {
            let report = save_parsed(store, parsed, claimed, Store::save_canonical)
                .unwrap_or_else(|error| failed(parsed.path, format!("not saved: {error}")));
            reports.push(report);
        }
        Ok(())
    });
    match careful {
        Ok(()) => reports,
        // The commit itself failed: none of this chunk landed.
        Err(error) => chunk
            .iter()
            .map(|parsed| failed(parsed.path, format!("not saved: {error}")))
            .collect(),
    }
}

type SaveFn = fn(&mut Store, &Briefing, &Canonical) -> crate::store::Result<(SaveOutcome, i64)>;

/// The report for one parsed file; `Err` only when the database failed.
fn save_parsed(
    store: &mut Store,
    parsed: &ParsedFile,
    claimed: &mut Claimed,
    save: SaveFn,
) -> crate::store::Result<FileReport> {
    let (briefing, canonical, notes) = match &parsed.result {
        Ok(ok) => ok,
        Err(reason) => return Ok(failed(parsed.path, reason.clone())),
    };
    let file = shown_path(parsed.path);
    if let Some(reason) = slug_conflict(briefing, canonical, claimed) {
        return Ok(FileReport {
            file,
            result: FileResult::Failed { reason },
            notes: notes.clone(),
        });
    }
    let (outcome, id) = save(store, briefing, canonical)?;
    claimed.insert(
        briefing.slug.clone(),
        (file.clone(), canonical.hash.clone()),
    );
    Ok(FileReport {
        file,
        result: FileResult::Saved {
            outcome,
            id,
            slug: briefing.slug.clone(),
            title: briefing.title.clone(),
        },
        notes: notes.clone(),
    })
}

fn slug_conflict(briefing: &Briefing, canonical: &Canonical, claimed: &Claimed) -> Option<String> {
    let (first_file, first_hash) = claimed.get(&briefing.slug)?;
    (*first_hash != canonical.hash).then(|| {
        format!(
            "slug '{}' is also used by {first_file} in this import, with different content; \
             give one of them another slug",
            briefing.slug
        )
    })
}

/// A path as reports show it: control characters (a newline that would
/// forge a report line, an escape a terminal would act on) are escaped.
pub fn shown_path(path: &Path) -> String {
    path.display()
        .to_string()
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn failed(path: &Path, reason: String) -> FileReport {
    FileReport {
        file: shown_path(path),
        result: FileResult::Failed { reason },
        notes: Vec::new(),
    }
}

/// Imports one briefing given as bytes (an upload, say), all-or-nothing.
pub fn import_bytes(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> FileReport {
    let parsed = ParsedFile {
        path: Path::new(name),
        result: parse_bytes(bytes, options).map(|(briefing, notes)| {
            let canonical = briefing.canonical();
            (briefing, canonical, notes)
        }),
    };
    save_parsed(store, &parsed, &mut Claimed::new(), Store::save_canonical)
        .unwrap_or_else(|error| failed(parsed.path, format!("not saved: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, title: &str) -> PathBuf {
        let path = dir.join(name);
        let text = format!("+++\ntitle = \"{title}\"\n+++\n\nBody of {title}.\n\n## Key Questions\n\n1. Why {title}?\n");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_database_failure_fails_only_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .connection()
            .execute_batch(
                "CREATE TEMP TRIGGER poison BEFORE INSERT ON key_questions
                 WHEN NEW.text = 'Why Poison?' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
            )
            .unwrap();
        let files = vec![
            write(dir.path(), "a.md", "Alpha"),
            write(dir.path(), "b.md", "Poison"),
            write(dir.path(), "c.md", "Gamma"),
        ];
        let report = import_files(&mut store, &files, &ImportOptions::default(), |_| {});
        assert_eq!(
            report.summary_line(),
            "2 imported, 0 updated, 0 unchanged, 1 failed"
        );
        let (file, reason) = report.failed().next().unwrap();
        assert!(
            file.ends_with("b.md") && reason.contains("injected failure"),
            "{file}: {reason}"
        );
        // Nothing of the failed file remains, not even its briefing row or index entry.
        assert!(store.find_briefing("poison").unwrap().is_none());
        assert!(store.search("poison", 5).unwrap().is_empty());
        assert_eq!(store.briefing_count().unwrap(), 2);
        assert_eq!(
            store
                .find_briefing("gamma")
                .unwrap()
                .unwrap()
                .questions
                .len(),
            1
        );
    }
}
