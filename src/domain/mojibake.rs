//! Repairs UTF-8 text that was once decoded as a single-byte Windows code
//! page (cp1252 gives `â€™` for `’`, windows-874 gives `โ€™`).
//!
//! Each suspicious run is mapped back to the bytes it came from and kept only
//! if those bytes are a valid UTF-8 sequence, so correct text such as `café`
//! or `—` is never touched.
//!
//! Hand-written on purpose: general repair crates guess across many code
//! pages and would "fix" correct Thai text, which must be left alone; this
//! accepts only repairs that decode to punctuation or accented Latin.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Which code page a repaired run was mis-decoded through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CodePage {
    Windows1252,
    Windows874,
}

impl CodePage {
    pub fn name(self) -> &'static str {
        match self {
            CodePage::Windows1252 => "cp1252",
            CodePage::Windows874 => "windows-874",
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Repair {
    pub text: String,
    /// How many sequences were repaired, per code page.
    pub counts: Vec<(CodePage, usize)>,
}

impl Repair {
    pub fn changed(&self) -> bool {
        !self.counts.is_empty()
    }

    /// e.g. "repaired 3 mis-decoded characters (cp1252)".
    pub fn describe(&self) -> Option<String> {
        if !self.changed() {
            return None;
        }
        let total: usize = self.counts.iter().map(|(_, n)| n).sum();
        let pages: Vec<&str> = self.counts.iter().map(|(p, _)| p.name()).collect();
        Some(format!(
            "repaired {total} mis-decoded character{} ({})",
            if total == 1 { "" } else { "s" },
            pages.join(", ")
        ))
    }
}

/// Char -> (byte, code page) for every non-ASCII character either code page
/// can produce. The two pages agree wherever they overlap (€, …, quotes).
fn reverse_table() -> &'static HashMap<char, (u8, CodePage)> {
    static TABLE: OnceLock<HashMap<char, (u8, CodePage)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for (encoding, page) in [
            (encoding_rs::WINDOWS_1252, CodePage::Windows1252),
            (encoding_rs::WINDOWS_874, CodePage::Windows874),
        ] {
            for byte in 0x80u8..=0xFF {
                let bytes = [byte];
                let (decoded, _, had_errors) = encoding.decode(&bytes);
                if had_errors {
                    continue;
                }
                if let Some(c) = decoded.chars().next() {
                    table.entry(c).or_insert((byte, page));
                }
            }
        }
        table
    })
}

/// Number of continuation bytes a UTF-8 lead byte announces.
fn continuation_len(lead: u8) -> Option<usize> {
    match lead {
        0xC2..=0xDF => Some(1),
        0xE0..=0xEF => Some(2),
        0xF0..=0xF4 => Some(3),
        _ => None,
    }
}

pub fn repair(input: &str) -> Repair {
    let table = reverse_table();
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut counts: Vec<(CodePage, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((fixed, page, used)) = try_sequence(&chars[i..], table) {
            out.push(fixed);
            match counts.iter_mut().find(|(p, _)| *p == page) {
                Some((_, n)) => *n += 1,
                None => counts.push((page, 1)),
            }
            i += used;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    counts.sort();
    Repair { text: out, counts }
}

/// If `chars` starts with a mis-decoded UTF-8 sequence, the character it
/// stood for, the code page that produced it and how many chars it spans.
fn try_sequence(
    chars: &[char],
    table: &HashMap<char, (u8, CodePage)>,
) -> Option<(char, CodePage, usize)> {
    let &(lead, lead_page) = table.get(chars.first()?)?;
    let extra = continuation_len(lead)?;
    if chars.len() <= extra {
        return None;
    }
    let mut bytes = vec![lead];
    let mut page = lead_page;
    for c in &chars[1..=extra] {
        let &(b, p) = table.get(c)?;
        if !(0x80..=0xBF).contains(&b) {
            return None;
        }
        // A Thai character anywhere marks the whole run as windows-874.
        if p == CodePage::Windows874 {
            page = p;
        }
        bytes.push(b);
    }
    // Thai letters only: real Thai text ("รก" is also the bytes of "á").
    if chars[..=extra]
        .iter()
        .all(|c| ('\u{0E00}'..='\u{0E7F}').contains(c))
    {
        return None;
    }
    let decoded = std::str::from_utf8(&bytes).ok()?;
    let c = decoded.chars().next()?;
    is_plausible_repair(c).then_some((c, page, extra + 1))
}

/// Mis-decoding happens to typographic punctuation and accented Latin
/// letters. Accepting only those keeps real text in other scripts (Thai
/// read as windows-874 bytes can look like valid UTF-8) untouched.
fn is_plausible_repair(c: char) -> bool {
    matches!(c,
        '\u{00A0}'..='\u{024F}'   // Latin-1 supplement, Latin extended A and B
        | '\u{2010}'..='\u{206F}' // general punctuation: quotes, dashes, ellipsis
        | '\u{20A0}'..='\u{20CF}' // currency signs
        | '\u{2100}'..='\u{214F}' // letterlike symbols: ™, №
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_cp1252_apostrophes_and_quotes() {
        let r = repair(
            "China\u{e2}\u{20ac}\u{2122}s \u{e2}\u{20ac}\u{153}two bases\u{e2}\u{20ac}\u{9d}",
        );
        assert_eq!(r.text, "China’s “two bases”");
        assert_eq!(r.counts, vec![(CodePage::Windows1252, 3)]);
        assert_eq!(
            r.describe().unwrap(),
            "repaired 3 mis-decoded characters (cp1252)"
        );
    }

    #[test]
    fn repairs_windows_874_apostrophe() {
        let r = repair("it\u{e42}\u{20ac}\u{2122}s");
        assert_eq!(r.text, "it’s");
        assert_eq!(r.counts, vec![(CodePage::Windows874, 1)]);
    }

    #[test]
    fn leaves_correct_text_alone() {
        for text in [
            "café déjà vu",
            "Liu Peixun—Chairman",
            "“quoted”",
            "Ångström ñ ü",
            "ธุรกิจ",
            "ภาษาไทย รก",
        ] {
            let r = repair(text);
            assert_eq!(r.text, text);
            assert!(!r.changed());
        }
    }

    #[test]
    fn repairs_two_byte_sequences() {
        // "é" (C3 A9) read as cp1252 is "Ã©".
        assert_eq!(repair("caf\u{c3}\u{a9}").text, "café");
    }
}
