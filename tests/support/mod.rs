//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod bot;
pub mod interactions;
pub mod replies;
pub mod site;

use std::path::PathBuf;

/// `../shared` beside the checkout, or `BRIEFBOT_SHARED` when set. When the
/// variable is set (as `.ci/run` does) a missing file is a failure; when it is
/// not, the caller is told to skip.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    match std::env::var_os("BRIEFBOT_SHARED") {
        Some(dir) => {
            let path = PathBuf::from(dir).join(relative);
            assert!(
                path.is_file(),
                "BRIEFBOT_SHARED is set but {} is missing",
                path.display()
            );
            Some(path)
        }
        None => {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared")
                .join(relative);
            if path.is_file() {
                Some(path)
            } else {
                eprintln!(
                    "skipped: {relative} not found; set BRIEFBOT_SHARED to the shared folder (see README, Tests)"
                );
                None
            }
        }
    }
}

pub const SEED: &str = "seed/000_cfd1c361542250d9.txt";

pub fn sample(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("briefings")
            .join(name),
    )
    .expect("sample briefing exists")
}

/// A small dated briefing, "Numbered Briefing {n}", newer as `n` grows, in
/// the category "Numbers".
pub fn numbered(n: usize) -> briefbot::domain::Briefing {
    use briefbot::domain::{BodyBlock, Briefing, Source};
    Briefing {
        slug: format!("numbered-{n}"),
        title: format!("Numbered Briefing {n}"),
        published: chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
            .map(|d| d + chrono::Days::new(n as u64)),
        source: Source::default(),
        categories: vec!["Numbers".into()],
        highlights: vec![],
        body: vec![BodyBlock::paragraph(format!("Paragraph of briefing {n}."))],
        implications: None,
        key_questions: vec![],
        closing: None,
        author: None,
        image: None,
    }
}
