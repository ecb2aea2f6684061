//! The briefing model, its two text formats and text repair. Knows nothing of
//! storage or chat transports.

pub mod bounds;
pub mod captured;
pub mod card;
pub mod custom_id;
pub mod feed;
pub mod filter;
pub mod html;
pub mod markdown;
pub mod model;
pub mod mojibake;
pub mod nesting;
pub mod render;
pub mod schedule;
pub mod text;
pub mod view;
pub mod when;

pub use model::{slugify, BodyBlock, Briefing, Canonical, ImplicationRow, Implications, Source};

/// Why a text could not be read as a briefing. Messages are written for the
/// person who runs the import.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("not a briefing: {0}")]
    NotABriefing(String),
    #[error("no title line (the capture starts with its Highlights); give one with --title")]
    MissingTitle,
    #[error("implications table row {row} cannot be split into heading and summary: \"{line}\"")]
    UnsplittableRow { row: usize, line: String },
    #[error("front matter is not valid: {0}")]
    FrontMatter(String),
    #[error("{0}")]
    Markdown(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Captured,
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Captured => "captured article",
            Format::Markdown => "Markdown",
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct ParseOptions {
    /// Title for a capture that has none.
    pub title: Option<String>,
}

/// A parsed briefing and what the reader should be told about it.
#[derive(Debug)]
pub struct Parsed {
    pub briefing: Briefing,
    pub format: Format,
    pub warnings: Vec<String>,
}

/// Repairs mis-decoded text, picks the format and parses.
pub fn parse_text(text: &str, options: &ParseOptions) -> Result<Parsed, ParseError> {
    let repair = mojibake::repair(text.trim_start_matches('\u{feff}'));
    let mut parsed = if markdown::looks_like_markdown(&repair.text) {
        let result = markdown::parse(&repair.text)?;
        Parsed {
            briefing: result.briefing,
            format: Format::Markdown,
            warnings: result.warnings,
        }
    } else {
        let result = captured::parse(
            &repair.text,
            &captured::CapturedOptions {
                title: options.title.clone(),
            },
        )?;
        Parsed {
            briefing: result.briefing,
            format: Format::Captured,
            warnings: result.warnings,
        }
    };
    bounds::clean(&mut parsed.briefing);
    bounds::check(&parsed.briefing)?;
    if parsed.briefing.slug.is_empty() {
        parsed.briefing.slug = model::fallback_slug(&parsed.briefing.title);
    }
    if let Some(note) = repair.describe() {
        parsed.warnings.insert(0, note);
    }
    Ok(parsed)
}
