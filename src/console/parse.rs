//! Reading a console line. Commands are the ones the bot declares
//! (`handlers::commands`), typed as Discord shows them: options as
//! `name:value`, with quotes around values that contain spaces:
//! `/schedule add channel:#news when:"mon 09:00" repeat:weekly`. A value
//! without a name goes to the first option not named otherwise
//! (`/briefing search rare earth`, `/schedule pause 3`).

use std::collections::BTreeMap;

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

/// `name:value` options; words without a name are kept under `""`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options(pub(super) BTreeMap<String, String>);

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
            if sub.is_empty() {
                return Err(format!(
                    "Which /{} command? Type /help for the list.",
                    group.name
                ));
            }
            let spec = commands::find(&format!("{name} {sub}"))
                .ok_or_else(|| format!("There is no /{name} {sub}. Type /help for the list."))?;
            (spec, rest)
        }
        None => (
            commands::find(name)
                .ok_or_else(|| format!("Unknown command {command}. Type /help for the list."))?,
            rest,
        ),
    };
    Ok(Line::Command(spec, options(rest)?))
}

/// Splits `name:value name:"value with spaces" bare` into options.
fn options(text: &str) -> Result<Options, String> {
    let mut found = BTreeMap::new();
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
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == ':'
                && name.is_none()
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
            }
            // Words without a name are one value, as typed.
            None => {
                let bare: &mut String = found.entry(String::new()).or_default();
                if !bare.is_empty() {
                    bare.push(' ');
                }
                bare.push_str(&token);
            }
        }
    }
    Ok(Options(found))
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

    fn opts(pairs: &[(&str, &str)]) -> Options {
        Options(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
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
            .contains("no /briefing fly"));
        assert!(parse("/dance")
            .unwrap_err()
            .contains("Unknown command /dance"));
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
    }
}
