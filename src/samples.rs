//! The sample briefings in `briefings/`, built into the binary so a new
//! database has something to show wherever briefbot runs from.

use crate::import::{import_bytes, ImportOptions, ImportReport};
use crate::store::{Result, Store};

pub const SAMPLES: &[(&str, &str)] = &[
    (
        "briefings/001-grid-storage-offshore-wind.txt",
        include_str!("../briefings/001-grid-storage-offshore-wind.txt"),
    ),
    (
        "briefings/002-cobalt-traceability.txt",
        include_str!("../briefings/002-cobalt-traceability.txt"),
    ),
    (
        "briefings/003-river-freight-drought.md",
        include_str!("../briefings/003-river-freight-drought.md"),
    ),
    (
        "briefings/004-municipal-fiber.md",
        include_str!("../briefings/004-municipal-fiber.md"),
    ),
];

/// Imports the samples into `store` in one transaction.
pub fn load_samples(store: &mut Store) -> Result<ImportReport> {
    let options = ImportOptions::default();
    store.in_transaction(|store| {
        Ok(ImportReport {
            files: SAMPLES
                .iter()
                .map(|(name, text)| import_bytes(store, name, text.as_bytes(), &options))
                .collect(),
        })
    })
}
