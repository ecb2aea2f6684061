//! Importing briefing files: reading and checking the bytes, parsing either
//! format, and saving each file all-or-nothing with a report of what happened.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::{self, Briefing, ParseOptions};
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
/// keeps files as given. A path that does not exist is reported, not skipped.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found).map_err(|e| format!("{}: cannot read folder: {e}", path.display()))?;
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| BRIEFING_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            found.push(path);
        }
    }
    Ok(())
}

/// Checks raw bytes are usable text: not empty, not binary, valid UTF-8,
/// within the size limit.
pub fn decode(bytes: &[u8], max_bytes: u64) -> Result<&str, String> {
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "the file is {} bytes, over the limit of {max_bytes} bytes (import.max_file_bytes)",
            bytes.len()
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the file is empty".into());
    }
    if bytes.contains(&0) {
        return Err("the file looks binary (it contains NUL bytes), not like a text briefing".into());
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
        return Err("the file looks binary (mostly control characters), not like a text briefing".into());
    }
    Ok(text)
}

/// Parses one file's bytes into a briefing plus notes, or a reason it failed.
pub fn parse_bytes(bytes: &[u8], options: &ImportOptions) -> Result<(Briefing, Vec<String>), String> {
    let text = decode(bytes, options.max_file_bytes)?;
    let parsed = domain::parse_text(text, &options.parse).map_err(|e| e.to_string())?;
    Ok((parsed.briefing, parsed.warnings))
}

fn read_file(path: &Path, options: &ImportOptions) -> Result<(Briefing, Vec<String>), String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?.len();
    if size > options.max_file_bytes {
        return Err(format!(
            "the file is {size} bytes, over the limit of {} bytes (import.max_file_bytes)",
            options.max_file_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    parse_bytes(&bytes, options)
}

/// Imports `files` in order. Each file is parsed and saved on its own: a bad
/// file is reported and leaves the database as it was; the others go on. Two
/// files of one batch that claim the same slug with different content are a
/// conflict: the first wins and the second fails, naming the first.
pub fn import_files(
    store: &mut Store,
    files: &[PathBuf],
    options: &ImportOptions,
    mut on_file_done: impl FnMut(&Path),
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut claimed: HashMap<String, (String, String)> = HashMap::new();
    for chunk in files.chunks(COMMIT_EVERY) {
        let chunk_result = store.in_transaction(|store| {
            for path in chunk {
                let file = path.display().to_string();
                let entry = match read_file(path, options) {
                    Ok((briefing, notes)) => {
                        save_one(store, &file, briefing, notes, &mut claimed)
                    }
                    Err(reason) => FileReport {
                        file,
                        result: FileResult::Failed { reason },
                        notes: Vec::new(),
                    },
                };
                report.files.push(entry);
                on_file_done(path);
            }
            Ok(())
        });
        if let Err(error) = chunk_result {
            // The commit itself failed: none of this chunk landed.
            for entry in report.files.iter_mut().rev().take(chunk.len()) {
                entry.result = FileResult::Failed {
                    reason: format!("not saved: {error}"),
                };
            }
        }
    }
    report
}

/// Imports one briefing given as bytes (an upload, say), all-or-nothing.
pub fn import_bytes(store: &mut Store, name: &str, bytes: &[u8], options: &ImportOptions) -> FileReport {
    match parse_bytes(bytes, options) {
        Ok((briefing, notes)) => save_one(store, name, briefing, notes, &mut HashMap::new()),
        Err(reason) => FileReport {
            file: name.to_string(),
            result: FileResult::Failed { reason },
            notes: Vec::new(),
        },
    }
}

fn save_one(
    store: &mut Store,
    file: &str,
    briefing: Briefing,
    notes: Vec<String>,
    claimed: &mut HashMap<String, (String, String)>,
) -> FileReport {
    let hash = briefing.content_hash();
    if let Some((first_file, first_hash)) = claimed.get(&briefing.slug) {
        if *first_hash != hash {
            return FileReport {
                file: file.to_string(),
                result: FileResult::Failed {
                    reason: format!(
                        "slug '{}' is also used by {first_file} in this import, with different content; \
                         give one of them another slug",
                        briefing.slug
                    ),
                },
                notes,
            };
        }
    }
    let result = match store.save_briefing(&briefing) {
        Ok((outcome, id)) => {
            claimed.insert(briefing.slug.clone(), (file.to_string(), hash));
            FileResult::Saved {
                outcome,
                id,
                slug: briefing.slug,
                title: briefing.title,
            }
        }
        Err(error) => FileResult::Failed {
            reason: format!("not saved: {error}"),
        },
    };
    FileReport {
        file: file.to_string(),
        result,
        notes,
    }
}
