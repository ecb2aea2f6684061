//! Reading a console line. Commands are the ones the bot declares
//! (`handlers::commands`), typed as Discord shows them: options as
//! `name:value`, with quotes around values that contain spaces:
//! `/schedule add channel:#news when:"mon 09:00" repeat:weekly`. A value
//! without a name goes to the first option not named otherwise
//! (`/briefing search rare earth`, `/schedule pause 3`).

use std::collections::BTreeMap;

use crate::domain::text::did_you_mean;
use crate::handlers::commands::{self, CommandSpec};

/// What one typed line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Command(&'static CommandSpec, Options),
    /// Wait up to this many seconds for posts that are due.
    Wait(u64),
    Press(usize),
    Quit,
    Empty,
}

/// `name:value` options, and the values typed without a name: a run of
/// plain words is one value, a quoted value or a `#channel` is its own.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub(super) named: BTreeMap<String, String>,
    pub(super) bare: Vec<String>,
}

pub fn parse(line: &str) -> Result<Line, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Line::Empty);
    }
    if matches!(line, "quit" | "exit" | "/quit" | "/exit") {
        return Ok(Line::Quit);
    }
    if let Ok(n) = line.parse::<usize>() {
        return Ok(Line::Press(n));
    }
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    if command == "/wait" {
        return Ok(Line::Wait(match rest.trim() {
            "" => 10,
            n => n
                .parse()
                .ok()
                .filter(|n| *n <= 3600)
                .ok_or("/wait takes a number of seconds, at most 3600.")?,
        }));
    }
    let name = command.strip_prefix('/').unwrap_or(command);
    let (spec, rest) = match commands::group(name) {
        Some(group) => {
            let (sub, rest) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
            let leaves = || {
                let leaves: Vec<String> = commands::COMMANDS
                    .iter()
                    .filter(|c| c.group() == Some(group.name))
                    .map(|c| format!("/{name} {}", c.leaf()))
                    .collect();
                leaves.join(", ")
            };
            if sub.is_empty() {
                return Err(format!(
                    "Which /{} command? It has {}; /help {name} explains them.",
                    group.name,
                    leaves()
                ));
            }
            let spec = commands::find(&format!("{name} {sub}")).ok_or_else(|| {
                let near = commands::nearest_commands(&format!("{name} {sub}"));
                if near.is_empty() {
                    // `/subscribe #news`: a value where the command's name goes.
                    format!(
                        "/{name} has no command '{sub}': it has {}. /help {name} explains them.",
                        leaves()
                    )
                } else {
                    format!(
                        "There is no /{name} {sub}.{} /help {name} lists its commands.",
                        did_you_mean(&near)
                    )
                }
            })?;
            (spec, rest)
        }
        None => (
            commands::find(name).ok_or_else(|| {
                // Two words may be a mistyped group and its command.
                let next = rest.split_whitespace().next().filter(|w| !w.contains(':'));
                let mut near = next
                    .map(|word| commands::nearest_commands(&format!("{name} {word}")))
                    .unwrap_or_default();
                if near.is_empty() {
                    near = commands::nearest_commands(name);
                }
                format!(
                    "Unknown command {command}.{} Type /help for the list.",
                    did_you_mean(&near)
                )
            })?,
            rest,
        ),
    };
    Ok(Line::Command(spec, options(rest)?))
}

/// Splits `name:value name:"value with spaces" bare` into options.
fn options(text: &str) -> Result<Options, String> {
    let mut found = BTreeMap::new();
    let mut bare: Vec<String> = Vec::new();
    // Whether the last bare value is plain words more may join.
    let mut joinable = false;
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut token = String::new();
        let mut name = None;
        let mut was_quoted = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            // `https://…` is a value, not an option named https.
            if c == ':'
                && name.is_none()
                && chars.peek() != Some(&'/')
                && !token.is_empty()
                && !token.starts_with('#')
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                name = Some(std::mem::take(&mut token));
                if chars.peek() == Some(&'"') {
                    chars.next();
                    token = quoted(&mut chars)?;
                    break;
                }
            } else if c == '"' && token.is_empty() && name.is_none() {
                token = quoted(&mut chars)?;
                was_quoted = true;
                break;
            } else {
                token.push(c);
            }
        }
        match name {
            Some(key) => {
                if found.insert(key.clone(), token).is_some() {
                    return Err(format!("'{key}' is given twice."));
                }
                joinable = false;
            }
            // Plain words in a row are one value, as typed.
            None if joinable && !was_quoted && !token.starts_with('#') => {
                let last = bare.last_mut().expect("joinable follows a value");
                last.push(' ');
                last.push_str(&token);
            }
            None => {
                joinable = !was_quoted && !token.starts_with('#');
                bare.push(token);
            }
        }
    }
    Ok(Options { named: found, bare })
}

/// The rest of a value that opened with `"`, up to its closing quote.
fn quoted(chars: &mut impl Iterator<Item = char>) -> Result<String, String> {
    let mut value = String::new();
    for c in chars.by_ref() {
        if c == '"' {
            return Ok(value);
        }
        value.push(c);
    }
    Err("A quoted value has no closing \".".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options from pairs; an empty name is a value typed without one.
    fn opts(pairs: &[(&str, &str)]) -> Options {
        Options {
            named: pairs
                .iter()
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            bare: pairs
                .iter()
                .filter(|(k, _)| k.is_empty())
                .map(|(_, v)| v.to_string())
                .collect(),
        }
    }

    fn command(line: &str) -> (&'static str, Options) {
        match parse(line) {
            Ok(Line::Command(spec, options)) => (spec.name, options),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn lines_parse_into_declared_commands() {
        assert_eq!(command("/briefing latest"), ("briefing latest", opts(&[])));
        assert_eq!(
            command("/briefing latest Energy "),
            ("briefing latest", opts(&[("", "Energy")]))
        );
        assert_eq!(
            command("/briefing search rare earth"),
            ("briefing search", opts(&[("", "rare earth")]))
        );
        assert_eq!(command("/help"), ("help", opts(&[])));
        assert_eq!(parse("2"), Ok(Line::Press(2)));
        assert_eq!(parse("  "), Ok(Line::Empty));
        assert_eq!(parse("# a comment"), Ok(Line::Empty));
        assert_eq!(parse("quit"), Ok(Line::Quit));
        assert_eq!(parse("/wait"), Ok(Line::Wait(10)));
        assert!(parse("/wait soon").is_err());
        assert!(parse("/briefing fly")
            .unwrap_err()
            .contains("/briefing has no command 'fly'"));
        assert!(parse("/dance")
            .unwrap_err()
            .contains("Unknown command /dance. Type /help"));
    }

    #[test]
    fn values_without_names_keep_their_shape() {
        assert_eq!(
            command("/source check https://example.org/feed/"),
            ("source check", opts(&[("", "https://example.org/feed/")]))
        );
        assert_eq!(
            command(r#"/schedule add #news "in 90s" post:digest"#),
            (
                "schedule add",
                opts(&[("post", "digest"), ("", "#news"), ("", "in 90s")])
            )
        );
    }

    #[test]
    fn typos_get_the_nearest_commands() {
        let said = |line: &str| parse(line).unwrap_err();
        assert!(
            said("/briefng latest")
                .contains("Unknown command /briefng. Did you mean /briefing latest?"),
            "{}",
            said("/briefng latest")
        );
        assert!(said("/briefng").contains("Did you mean /briefing?"));
        assert!(said("/schedule ad channel:#news").contains("Did you mean /schedule add?"));
        assert!(said("/hlep").contains("Did you mean /help?"));
        assert!(said("/briefing lst").contains("/briefing list"));
    }

    #[test]
    fn moderator_commands_take_named_options() {
        assert_eq!(
            command(r#"/schedule add channel:#news when:"mon 09:00" repeat:weekly count:3"#),
            (
                "schedule add",
                opts(&[
                    ("channel", "#news"),
                    ("when", "mon 09:00"),
                    ("repeat", "weekly"),
                    ("count", "3")
                ])
            )
        );
        assert_eq!(
            command("/schedule pause 4"),
            ("schedule pause", opts(&[("", "4")]))
        );
        assert_eq!(
            command("/subscribe add #news categories:\"Energy, Tech\""),
            (
                "subscribe add",
                opts(&[("", "#news"), ("categories", "Energy, Tech")])
            )
        );
        assert!(parse("/schedule add when:\"09:00")
            .unwrap_err()
            .contains("closing"));
        assert!(parse("/schedule add when:1 when:2")
            .unwrap_err()
            .contains("twice"));
        assert!(parse("/schedule").unwrap_err().contains("Which /schedule"));
        // A value where the command's name goes: the group's commands.
        let said = parse("/subscribe #news").unwrap_err();
        assert!(
            said.contains("/subscribe add, /subscribe list, /subscribe preview, /subscribe test, /subscribe remove"),
            "{said}"
        );
    }
}
