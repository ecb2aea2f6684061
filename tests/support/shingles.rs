//! The standard shingle-overlap measure of main-text extraction: the
//! extracted and the expected text as sets of token 4-grams (lower-cased
//! runs of letters and digits); precision, recall and F1 of their overlap.

use std::collections::HashSet;

#[derive(Debug, Clone, Copy, Default)]
pub struct Overlap {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn shingles(text: &str) -> HashSet<String> {
    let tokens: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    if tokens.len() < 4 {
        return tokens.into_iter().collect();
    }
    tokens.windows(4).map(|w| w.join(" ")).collect()
}

/// Nothing extracted (or nothing expected) scores zero on all three.
pub fn overlap(extracted: &str, expected: &str) -> Overlap {
    let got = shingles(extracted);
    let want = shingles(expected);
    if got.is_empty() || want.is_empty() {
        return Overlap::default();
    }
    let both = got.intersection(&want).count() as f64;
    let precision = both / got.len() as f64;
    let recall = both / want.len() as f64;
    let f1 = if both == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Overlap {
        precision,
        recall,
        f1,
    }
}
