//! Text helpers for rendering: Markdown escaping and splitting long text at
//! natural boundaries.

/// Escapes what chat Markdown would read as formatting, so stored text shows
/// as written: emphasis, code, spoilers, quotes, headings, lists and links.
/// `n` and a noun that takes an "s" in the plural: "1 answer", "2 answers".
pub fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A time `seconds` from now as people say it: "in 5 minutes", "2 hours
/// ago", "just now" (a second either way: an event stamped in whole
/// seconds is never "in 0 seconds" after it happened).
pub fn relative(seconds: i64) -> String {
    let (n, unit) = match seconds.unsigned_abs() {
        0..=1 => return "just now".into(),
        s @ 2..=59 => (s, "second"),
        s @ 60..=3599 => (s / 60, "minute"),
        s @ 3600..=86_399 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    let amount = counted(n, unit);
    if seconds > 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(indent);
        // Line-start syntax: headings, block quotes, list markers.
        // ('>' and '*' are escaped wherever they stand, below.)
        // "-# " is Discord's subtext (small grey text).
        if trimmed.starts_with('#') || trimmed.starts_with("- ") || trimmed.starts_with("-#") {
            out.push('\\');
        } else if let Some(dot) = trimmed.find(". ") {
            if dot > 0 && trimmed[..dot].bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(&trimmed[..dot]);
                out.push('\\');
                out.push_str(&escape_inline(&trimmed[dot..]));
                continue;
            }
        }
        out.push_str(&escape_inline(trimmed));
    }
    out
}

fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' | '>' | '@'
        ) {
            // '@' and '<' too: a mention written out stays plain text
            // (allowed_mentions already stops any ping).
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Splits `text` into pieces of at most `max` characters, preferring to
/// break between paragraphs, then lines, then sentences, then words; only a
/// single word longer than `max` is cut inside. Joining the pieces with the
/// separators they were cut at gives back the text: nothing is lost.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    assert!(max > 0, "pieces need room for at least one character");
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let cut = best_cut(rest, max);
        let (head, tail) = rest.split_at(cut);
        pieces.push(head.trim_end().to_string());
        rest = tail.trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

/// Byte offset to cut `text` at so the head has at most `max` characters.
fn best_cut(text: &str, max: usize) -> usize {
    let limit = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let window = &text[..limit];
    for separator in ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " "] {
        if let Some(at) = window.rfind(separator) {
            let cut = at + separator.trim_end().len();
            if cut > 0 {
                return cut;
            }
        }
    }
    limit
}

/// The candidates `typed` was most likely meant to be, best first, at most
/// three: within a few edits (about one in four characters, at least one)
/// and no more than one edit worse than the best, or starting with what was
/// typed. Case is ignored.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return Vec::new();
    }
    let allowed = (typed.chars().count() / 4).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = strsim::damerau_levenshtein(&typed, &lower);
            if distance <= allowed {
                Some((distance, candidate))
            } else if typed.chars().count() >= 3 && lower.starts_with(&typed) {
                Some((allowed + 1, candidate))
            } else {
                None
            }
        })
        .collect();
    // Stable: among equals, the declared order.
    scored.sort_by_key(|(distance, _)| *distance);
    scored.dedup_by_key(|(_, candidate)| *candidate);
    let best = scored.first().map_or(0, |(distance, _)| *distance);
    scored
        .into_iter()
        .take_while(|(distance, _)| *distance <= best + 1)
        .take(3)
        .map(|(_, c)| c)
        .collect()
}

/// "Did you mean /a or /b?", or nothing when there is no near candidate.
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(" Did you mean {one}?"),
        [init @ .., last] => format!(" Did you mean {} or {last}?", init.join(", ")),
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A web address with whatever may be a secret hidden: the user name and
/// password, every query value and the fragment (`?token=…` often carries a
/// key). For logs, the log channel and anyone who is not the bot's owner;
/// what is left still says which site and page it is.
pub fn masked_url(address: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(address) else {
        // Not a URL: cut at the first character that starts a secret part.
        let end = address.find(['?', '#', '@']).unwrap_or(address.len());
        return if end < address.len() {
            format!("{}…", &address[..end])
        } else {
            address.to_string()
        };
    };
    // Left out entirely: the host still names the site.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_fragment(None);
    if parsed.query().is_some() {
        let keys: Vec<String> = parsed
            .query_pairs()
            // A key without a value may itself be the secret (`?APIKEY`).
            .map(|(key, value)| {
                if value.is_empty() {
                    "…".to_string()
                } else {
                    format!("{key}=…")
                }
            })
            .collect();
        parsed.set_query(None);
        return format!("{parsed}?{}", keys.join("&"));
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_times_read_as_past_and_the_present_as_now() {
        assert_eq!(relative(-300), "5 minutes ago");
        assert_eq!(relative(-1), "just now");
        assert_eq!(relative(0), "just now");
        assert_eq!(relative(-45), "45 seconds ago");
        assert_eq!(relative(90), "in 1 minute");
        assert_eq!(relative(-7200), "2 hours ago");
        assert_eq!(relative(3 * 86_400), "in 3 days");
        assert_eq!(relative(-60), "1 minute ago");
    }

    #[test]
    fn typos_find_what_was_meant_and_nothing_else() {
        let names = ["briefing latest", "briefing list", "schedule add", "help"];
        assert_eq!(nearest("briefng latest", names), ["briefing latest"]);
        assert_eq!(nearest("SCHEDULE AD", names), ["schedule add"]);
        assert_eq!(
            nearest("brief", names),
            ["briefing latest", "briefing list"]
        );
        assert_eq!(nearest("hlep", names), ["help"]);
        assert!(nearest("dance", names).is_empty());
        assert!(nearest("", names).is_empty());
        assert_eq!(did_you_mean(&[]), "");
        assert_eq!(
            did_you_mean(&["/a".into(), "/b".into(), "/c".into()]),
            " Did you mean /a, /b or /c?"
        );
    }

    #[test]
    fn escapes_formatting_but_keeps_the_words() {
        assert_eq!(
            escape_markdown("**bold** _it_ `code` ||spoiler||"),
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\|\\|spoiler\\|\\|"
        );
        assert_eq!(
            escape_markdown("# Heading\n> quote\n- item\n1. first"),
            "\\# Heading\n\\> quote\n\\- item\n1\\. first"
        );
        assert_eq!(escape_markdown("-# small print"), "\\-# small print");
        assert_eq!(
            escape_markdown("@everyone <@&123>"),
            "\\@everyone \\<\\@&123\\>"
        );
        assert_eq!(
            escape_markdown("plain text, 3.5 percent."),
            "plain text, 3.5 percent."
        );
    }

    #[test]
    fn splits_at_paragraphs_then_sentences() {
        let text = "First paragraph here.\n\nSecond one. It has two sentences.";
        assert_eq!(
            split_text(text, 30),
            [
                "First paragraph here.",
                "Second one.",
                "It has two sentences."
            ]
        );
        assert_eq!(split_text("short", 30), ["short"]);
        assert_eq!(split_text("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn secrets_in_addresses_are_masked() {
        assert_eq!(
            masked_url("https://feeds.example.com/rss?token=s3cret&lang=en"),
            "https://feeds.example.com/rss?token=…&lang=…"
        );
        assert_eq!(
            masked_url("https://alice:hunter2@example.com/feed/"),
            "https://example.com/feed/"
        );
        assert_eq!(
            masked_url("https://example.com/feed/#key=abc"),
            "https://example.com/feed/"
        );
        assert_eq!(
            masked_url("https://example.com/feed/"),
            "https://example.com/feed/"
        );
        assert_eq!(
            masked_url("https://example.com/rss?S3CRETKEY"),
            "https://example.com/rss?…"
        );
        assert_eq!(masked_url("not a url?key=1"), "not a url…");
    }
}
