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
    /// Who wrote it, where the publisher says. Left out of the canonical
    /// JSON when absent, so briefings stored before it keep their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The article's lead image: an absolute http(s) address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
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

    /// Fills what this reading of an article lacks from an earlier reading
    /// of the same article (a feed gave categories, the site's name and
    /// tagline, a date; the page alone may not): what this one says wins.
    /// Returns what was kept, for the report.
    pub fn keep_from(&mut self, earlier: &Briefing) -> Vec<&'static str> {
        let mut kept = Vec::new();
        if self.categories.is_empty() && !earlier.categories.is_empty() {
            self.categories = earlier.categories.clone();
            kept.push("categories");
        }
        let source = &mut self.source;
        for (name, mine, theirs) in [
            ("source name", &mut source.name, &earlier.source.name),
            ("tagline", &mut source.tagline, &earlier.source.tagline),
        ] {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                kept.push(name);
            }
        }
        for (name, mine, theirs) in [
            ("author", &mut self.author, &earlier.author),
            ("image", &mut self.image, &earlier.image),
        ] {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                kept.push(name);
            }
        }
        if self.published.is_none() && earlier.published.is_some() {
            self.published = earlier.published;
            kept.push("date");
        }
        kept
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

/// Turns a title into a slug: the title transliterated to ASCII
/// (Cyrillic, Greek, Chinese and accented letters included), lowercase
/// letters and digits joined by single hyphens, at most 80 characters, cut
/// at a word boundary. A slug of digits alone would be read as an id, so it
/// gets a `briefing-` prefix. Empty when the title has nothing to spell.
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title);
    let mut slug = String::new();
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if slug.len() + word.len() + 1 > 80 && !slug.is_empty() {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug.truncate(80);
    let slug = slug.trim_end_matches('-').to_string();
    if !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return format!("briefing-{slug}").chars().take(80).collect();
    }
    slug
}

/// The slug of a title with nothing to spell a slug from (only symbols or
/// emoji): `briefing-` and a short hash of the title, the same on every
/// import of that title.
pub fn fallback_slug(title: &str) -> String {
    let hash = Sha256::digest(title.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("briefing-{hex}")
}

/// A valid slug is what [`slugify`] could produce: non-empty, lowercase
/// ASCII alphanumerics separated by single hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        // All digits would be read as an id.
        && !slug.bytes().all(|b| b.is_ascii_digit() || b == b'-')
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
        assert_eq!(slugify("Редкоземельные металлы"), "redkozemel-nye-metally");
        assert_eq!(slugify("Σπάνιες γαίες"), "spanies-gaies");
        assert!(!slugify("稀土出口管制").is_empty());
        assert_eq!(slugify("3"), "briefing-3");
        assert_eq!(slugify("2025"), "briefing-2025");
        assert!(!is_valid_slug("2025"));
        assert_eq!(slugify("🦀🦀"), slugify("🦀🦀"));
        assert_eq!(fallback_slug("★"), fallback_slug("★"));
        assert!(is_valid_slug(&fallback_slug("★")));
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
