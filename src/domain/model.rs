//! The briefing as the rest of the program sees it, free of any file format,
//! database or chat transport.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Marker that starts each line of a bulleted list inside a body block.
pub const BODY_BULLET: &str = "• ";

/// One structured analysis article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Briefing {
    /// URL-safe identifier; stable across re-imports of the same article.
    pub slug: String,
    pub title: String,
    pub published: Option<NaiveDate>,
    pub source: Source,
    pub categories: Vec<String>,
    pub highlights: Vec<String>,
    pub body: Vec<BodyBlock>,
    pub implications: Option<Implications>,
    /// In reading order. Their stable ids are assigned by the store.
    pub key_questions: Vec<String>,
    pub closing: Option<String>,
}

impl Briefing {
    /// The briefing as JSON in field order with its SHA-256: equal briefings
    /// give equal text and hash. Computed once per import and reused.
    pub fn canonical(&self) -> Canonical {
        let json = serde_json::to_string(self).expect("a briefing always serialises");
        let hash = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Canonical { json, hash }
    }

    /// Hex SHA-256 of the canonical JSON: same content, same hash.
    pub fn content_hash(&self) -> String {
        self.canonical().hash
    }
}

/// A briefing's canonical JSON text and its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    pub json: String,
    pub hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub name: Option<String>,
    pub tagline: Option<String>,
    pub url: Option<String>,
}

/// A body paragraph, optionally introduced by a sub-heading. A bulleted list
/// is one block whose lines each start with [`BODY_BULLET`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyBlock {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub heading: Option<String>,
    pub text: String,
}

impl BodyBlock {
    pub fn paragraph(text: impl Into<String>) -> Self {
        Self {
            heading: None,
            text: text.into(),
        }
    }

    /// The list items when this block is a bulleted list.
    pub fn bullets(&self) -> Option<Vec<&str>> {
        let lines: Vec<&str> = self.text.lines().collect();
        if !lines.is_empty() && lines.iter().all(|l| l.starts_with(BODY_BULLET)) {
            Some(lines.iter().map(|l| &l[BODY_BULLET.len()..]).collect())
        } else {
            None
        }
    }
}

/// The implications table: a caption (also the first column's header) and
/// rows of heading + summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implications {
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<ImplicationRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImplicationRow {
    pub heading: String,
    pub summary: String,
}

/// Turns a title into a slug: lowercase ASCII letters and digits joined by
/// single hyphens, at most 80 characters, cut at a word boundary.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word: String = word
            .chars()
            .filter_map(fold_to_ascii)
            .collect::<String>()
            .to_ascii_lowercase();
        if word.is_empty() {
            continue;
        }
        if slug.len() + word.len() + 1 > 80 && !slug.is_empty() {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug.truncate(80);
    slug
}

fn fold_to_ascii(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    let folded = match c {
        'à'..='å' | 'À'..='Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è'..='ë' | 'È'..='Ë' => 'e',
        'ì'..='ï' | 'Ì'..='Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò'..='ö' | 'Ò'..='Ö' | 'ø' | 'Ø' => 'o',
        'ù'..='ü' | 'Ù'..='Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        _ => return None,
    };
    Some(folded)
}

/// A valid slug is what [`slugify`] could produce: non-empty, lowercase
/// ASCII alphanumerics separated by single hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_keeps_words_and_folds_accents() {
        assert_eq!(
            slugify("Party Discipline Meets Industrial Strategy: Northern Rare Earths"),
            "party-discipline-meets-industrial-strategy-northern-rare-earths"
        );
        assert_eq!(slugify("Café — déjà vu!"), "cafe-deja-vu");
        assert!(slugify(&"word ".repeat(40)).len() <= 80);
        assert!(is_valid_slug(&slugify(&"word ".repeat(40))));
    }

    #[test]
    fn body_bullets_are_recognised_only_when_every_line_is_one() {
        let list = BodyBlock::paragraph("• one\n• two");
        assert_eq!(list.bullets(), Some(vec!["one", "two"]));
        assert_eq!(BodyBlock::paragraph("• one\nplain").bullets(), None);
    }
}
