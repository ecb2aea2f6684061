//! Word filters as moderators type them for a subscription:
//! `include:lithium "rare earth"` takes briefings that mention any of them,
//! `exclude:opinion` leaves out those that mention any. Words match whole
//! and in any case; a quoted phrase matches its words in a row.

/// The longest filter a moderator may type.
pub const MAX_FILTER_CHARS: usize = 200;
/// The most words and phrases in one filter.
pub const MAX_FILTER_TERMS: usize = 20;

/// A filter's words and phrases, each as lowercase words separated by one
/// space (letters and digits only: what the search index sees as words).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordFilter {
    pub terms: Vec<String>,
}

impl WordFilter {
    /// Reads a typed filter: words separated by spaces or commas, phrases
    /// in straight or curly double quotes. Refused, with the reason, when
    /// it is too long, has an unclosed quote, too many terms, or no word.
    pub fn parse(typed: &str) -> Result<Self, String> {
        let chars = typed.chars().count();
        if chars > MAX_FILTER_CHARS {
            return Err(format!(
                "is {chars} characters; at most {MAX_FILTER_CHARS} are allowed"
            ));
        }
        let mut terms: Vec<String> = Vec::new();
        let mut rest = typed;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace() && c != ',') {
            rest = &rest[start..];
            let (raw, after) = if let Some(inner) = rest.strip_prefix(['"', '“', '”']) {
                let end = inner
                    .find(['"', '“', '”'])
                    .ok_or("has a quote that is not closed")?;
                let close = inner[end..].chars().next().map_or(1, char::len_utf8);
                (&inner[..end], &inner[end + close..])
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '“' | '”'))
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            rest = after;
            let words = words(raw);
            if !words.is_empty() && !terms.contains(&words) {
                terms.push(words);
            }
        }
        if terms.is_empty() {
            return Err("has no word to match (letters or digits)".into());
        }
        if terms.len() > MAX_FILTER_TERMS {
            return Err(format!(
                "has {} words and phrases; at most {MAX_FILTER_TERMS} are allowed",
                terms.len()
            ));
        }
        Ok(Self { terms })
    }

    /// A typed filter that may be left out: `None` or blank is no filter.
    pub fn optional(typed: Option<&str>) -> Result<Self, String> {
        match typed.map(str::trim).filter(|t| !t.is_empty()) {
            Some(typed) => Self::parse(typed),
            None => Ok(Self::default()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The filter as it reads back: `lithium, "rare earth"`.
    pub fn describe(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                if t.contains(' ') {
                    format!("\"{t}\"")
                } else {
                    t.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `text`'s words, lowercase, one space between them.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(typed: &str) -> Vec<String> {
        WordFilter::parse(typed).unwrap().terms
    }

    #[test]
    fn filters_read_as_people_type_them() {
        assert_eq!(terms("lithium"), ["lithium"]);
        assert_eq!(
            terms("Lithium, COBALT  nickel"),
            ["lithium", "cobalt", "nickel"]
        );
        assert_eq!(terms("\"rare earth\" lithium"), ["rare earth", "lithium"]);
        assert_eq!(terms("“Rare  Earth”,magnets"), ["rare earth", "magnets"]);
        assert_eq!(terms("U.S. tariffs"), ["u s", "tariffs"]);
        assert_eq!(terms("wind wind WIND"), ["wind"]);
        assert_eq!(terms("énergie 北京"), ["énergie", "北京"]);
        assert_eq!(
            WordFilter::parse("\"rare earth\" lithium")
                .unwrap()
                .describe(),
            "\"rare earth\", lithium"
        );
    }

    #[test]
    fn filters_that_match_nothing_sensible_are_refused() {
        for (typed, why) in [
            ("\"rare earth", "not closed"),
            ("!!! ,,, \"\"", "no word"),
            ("", "no word"),
        ] {
            let refused = WordFilter::parse(typed).unwrap_err();
            assert!(refused.contains(why), "{typed:?}: {refused}");
        }
        let long = "a".repeat(MAX_FILTER_CHARS + 1);
        assert!(WordFilter::parse(&long)
            .unwrap_err()
            .contains("at most 200"));
        let many: Vec<String> = (0..=MAX_FILTER_TERMS).map(|n| format!("w{n}")).collect();
        assert!(WordFilter::parse(&many.join(" "))
            .unwrap_err()
            .contains("at most 20"));
        assert!(WordFilter::optional(Some("  ")).unwrap().is_empty());
        assert!(WordFilter::optional(None).unwrap().is_empty());
    }
}
