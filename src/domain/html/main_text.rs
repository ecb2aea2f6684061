//! The article's main text on a page without our structured sections.
//!
//! First Readability's algorithm (the `dom_smoothie` port of Mozilla
//! Readability: it scores every container by its paragraphs' text, commas
//! and link density, and gathers the best one's siblings), measured best of
//! the candidates on Readability's and our own pages (BENCHMARKS.md,
//! "Article extraction"). Where it finds nothing, our own pick scores the
//! usual article containers and every paragraph's parent by the same kind
//! of evidence, so no page with readable text is refused.

use scraper::{ElementRef, Html, Selector};

use super::blocks::{blocks_of, link_density, Block};
use crate::domain::nesting;

/// Elements Readability is given at most; a larger page goes to our own
/// pick, which bounds its work by candidates instead.
const MAX_ELEMENTS: usize = 30_000;

/// A candidate this close to the best score is as good as the best.
const NEARLY_BEST: f64 = 0.8;

/// Candidates our own pick weighs.
const MAX_CANDIDATES: usize = 400;

/// Containers of the article text, most specific first.
pub(super) const CONTENT_SELECTORS: &[&str] = &[
    ".entry-content",
    ".post-content",
    "[itemprop=\"articleBody\"]",
    ".article-content",
    ".post-body",
    "article",
    "main",
    "[role=\"main\"]",
];

/// Blocks of the article's main text, best pick first.
pub(super) fn main_text(document: &Html) -> Vec<Block> {
    let readable = readability(document);
    if readable.iter().any(is_prose) {
        return readable;
    }
    let ours = best_container(document);
    if ours.is_empty() {
        readable
    } else {
        ours
    }
}

fn is_prose(block: &Block) -> bool {
    matches!(block, Block::Paragraph { .. } | Block::List(_))
}

/// Readability's reading of the page. It is given our bounded parse of the
/// page, re-serialised, so its own parser never sees hostile nesting.
fn readability(document: &Html) -> Vec<Block> {
    // Counted here, so a page over the bound is not serialised and parsed
    // a second time only to be turned away.
    let elements = document
        .tree
        .nodes()
        .filter(|n| n.value().is_element())
        .take(MAX_ELEMENTS + 1)
        .count();
    if elements > MAX_ELEMENTS {
        return Vec::new();
    }
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let html = document.root_element().html();
    let Ok(mut reader) = dom_smoothie::Readability::new(html, None, Some(config)) else {
        return Vec::new();
    };
    let Ok(article) = reader.parse() else {
        return Vec::new();
    };
    let fragment = nesting::parse_fragment(&article.content);
    blocks_of(fragment.root_element())
}

/// Our own pick: of the usual article containers and the parents of
/// paragraphs, the one whose blocks hold the most text outside links.
pub(super) fn best_container(document: &Html) -> Vec<Block> {
    let mut candidates: Vec<ElementRef<'_>> = Vec::new();
    for selector in CONTENT_SELECTORS {
        if let Ok(selector) = Selector::parse(selector) {
            candidates.extend(document.select(&selector).take(MAX_CANDIDATES / 4));
        }
    }
    if let Ok(paragraphs) = Selector::parse("p, br") {
        for paragraph in document.select(&paragraphs).take(5_000) {
            if let Some(parent) = paragraph.parent().and_then(ElementRef::wrap) {
                if !candidates.iter().any(|c| c.id() == parent.id()) {
                    candidates.push(parent);
                }
            }
            if candidates.len() >= MAX_CANDIDATES {
                break;
            }
        }
    }
    candidates.push(document.root_element());
    let scored: Vec<(f64, usize, Vec<Block>)> = candidates
        .into_iter()
        .map(|candidate| {
            let blocks = blocks_of(candidate);
            let text: usize = blocks
                .iter()
                .filter(|b| is_prose(b))
                .map(Block::chars)
                .sum();
            let score = text as f64 * (1.0 - link_density(candidate));
            (score, candidate.ancestors().count(), blocks)
        })
        .filter(|(score, _, _)| *score > 0.0)
        .collect();
    // An outer wrapper holds all its inner candidates' text and more: the
    // deepest candidate with nearly the best score is the article, not the
    // page around it.
    let best = scored.iter().map(|c| c.0).fold(0.0, f64::max);
    scored
        .into_iter()
        .filter(|(score, _, _)| *score >= best * NEARLY_BEST)
        .max_by_key(|(_, depth, _)| *depth)
        .map(|(_, _, blocks)| blocks)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(blocks: &[Block]) -> String {
        blocks
            .iter()
            .map(|b| match b {
                Block::Heading(t) | Block::Paragraph { text: t, .. } => t.clone(),
                Block::List(items) => items.join("\n"),
                Block::Table(rows) => rows
                    .iter()
                    .map(|r| r.join(" | "))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Our own pick stands behind Readability's: on every shape page it
    /// finds the story alone, without the furniture around it.
    #[test]
    fn our_own_pick_finds_the_story_on_every_shape_page() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/extraction/shapes"
        );
        let mut seen = 0;
        for entry in std::fs::read_dir(root).unwrap() {
            let dir = entry.unwrap().path();
            let html = std::fs::read_to_string(dir.join("source.html")).unwrap();
            let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
            let got = text(&best_container(&nesting::parse_document(&html)));
            for paragraph in expected
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                assert!(
                    got.contains(paragraph),
                    "{}: lost {paragraph:?}\n{got}",
                    dir.display()
                );
            }
            for furniture in [
                "Recent posts",
                "Share on",
                "Copyright",
                "Reader reply",
                "Blog Archive",
            ] {
                assert!(
                    !got.contains(furniture),
                    "{}: kept {furniture:?}\n{got}",
                    dir.display()
                );
            }
            seen += 1;
        }
        assert!(seen >= 10);
    }
}
