//! Reading a console line. Simple commands take their text as is
//! (`/briefing search rare earth`); the moderator commands take options the
//! way Discord shows them, `name:value`, with quotes around values that
//! contain spaces: `/schedule add channel:#news when:"mon 09:00" repeat:weekly`.

use std::collections::BTreeMap;

/// What one typed line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Command(Request),
    Press(usize),
    Quit,
    Empty,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    Latest(Option<String>),
    Read(String),
    Search(String),
    List(Option<String>),
    Categories,
    Import(String),
    Help,
    /// `/subscribe <add|list|remove>` and its options.
    Subscribe(String, Options),
    /// `/schedule <sub>` and its options.
    Schedule(String, Options),
    /// `/settings <sub>` and its options.
    Settings(String, Options),
    /// `/answer <to|edit|delete>` and its options.
    Answer(String, Options),
    /// `/discussion` and its options.
    Discussion(Options),
    /// `/moderate <remove|export>` and its options.
    Moderate(String, Options),
    ForgetMe,
    /// Wait up to this many seconds for posts that are due.
    Wait(u64),
}

/// `name:value` options; a bare word is kept under `""`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options(BTreeMap<String, String>);

impl Options {
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// The named option, or else the bare word.
    pub fn take_or_bare(&mut self, name: &str) -> Option<String> {
        self.take(name).or_else(|| self.take(""))
    }

    /// Options nobody asked for: a typo the person should hear about.
    pub fn leftover(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| {
            self.0
                .keys()
                .map(|k| {
                    if k.is_empty() {
                        "a value without a name".to_string()
                    } else {
                        format!("'{k}'")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
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
    let optional = |rest: &str| (!rest.trim().is_empty()).then(|| rest.trim().to_string());
    let required = |rest: &str, what: &str| {
        optional(rest).ok_or_else(|| format!("That command needs {what}. Type /help for the list."))
    };
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    let (sub, sub_rest) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
    let request = match command {
        "/help" => Request::Help,
        "/wait" => Request::Wait(match rest.trim() {
            "" => 10,
            n => n
                .parse()
                .ok()
                .filter(|n| *n <= 3600)
                .ok_or("/wait takes a number of seconds, at most 3600.")?,
        }),
        "/briefing" => match sub {
            "latest" => Request::Latest(optional(sub_rest)),
            "read" => Request::Read(required(
                sub_rest,
                "a briefing (an id, slug or words of its title)",
            )?),
            "search" => Request::Search(required(sub_rest, "words to search for")?),
            "list" => Request::List(optional(sub_rest)),
            "categories" => Request::Categories,
            "import" => Request::Import(required(sub_rest, "the path of a briefing file")?),
            "" => return Err("Which /briefing command? Type /help for the list.".into()),
            other => {
                return Err(format!(
                    "There is no /briefing {other}. Type /help for the list."
                ))
            }
        },
        "/forget-me" => Request::ForgetMe,
        "/discussion" => Request::Discussion(options(rest)?),
        "/subscribe" | "/schedule" | "/settings" | "/answer" | "/moderate" => {
            if sub.is_empty() {
                return Err(format!("Which {command} command? Type /help for the list."));
            }
            let options = options(sub_rest)?;
            let sub = sub.to_string();
            match command {
                "/subscribe" => Request::Subscribe(sub, options),
                "/schedule" => Request::Schedule(sub, options),
                "/answer" => Request::Answer(sub, options),
                "/moderate" => Request::Moderate(sub, options),
                _ => Request::Settings(sub, options),
            }
        }
        other => return Err(format!("Unknown command {other}. Type /help for the list.")),
    };
    Ok(Line::Command(request))
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
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '"' {
                            closed = true;
                            break;
                        }
                        token.push(c);
                    }
                    if !closed {
                        return Err("A quoted value has no closing \".".into());
                    }
                    break;
                }
            } else if c == '"' && token.is_empty() && name.is_none() {
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '"' {
                        closed = true;
                        break;
                    }
                    token.push(c);
                }
                if !closed {
                    return Err("A quoted value has no closing \".".into());
                }
                break;
            } else {
                token.push(c);
            }
        }
        let key = name.unwrap_or_default();
        if found.insert(key.clone(), token).is_some() {
            return Err(if key.is_empty() {
                "Give values with names, like when:\"mon 09:00\", when there is more than one."
                    .into()
            } else {
                format!("'{key}' is given twice.")
            });
        }
    }
    Ok(Options(found))
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

    #[test]
    fn lines_parse_into_requests() {
        assert_eq!(
            parse("/briefing latest"),
            Ok(Line::Command(Request::Latest(None)))
        );
        assert_eq!(
            parse("/briefing latest Energy "),
            Ok(Line::Command(Request::Latest(Some("Energy".into()))))
        );
        assert_eq!(
            parse("/briefing search rare earth"),
            Ok(Line::Command(Request::Search("rare earth".into())))
        );
        assert_eq!(
            parse("/briefing read 3"),
            Ok(Line::Command(Request::Read("3".into())))
        );
        assert_eq!(parse("2"), Ok(Line::Press(2)));
        assert_eq!(parse("  "), Ok(Line::Empty));
        assert_eq!(parse("# a comment"), Ok(Line::Empty));
        assert_eq!(parse("quit"), Ok(Line::Quit));
        assert_eq!(parse("/wait"), Ok(Line::Command(Request::Wait(10))));
        assert!(parse("/wait soon").is_err());
        assert!(parse("/briefing read")
            .unwrap_err()
            .contains("needs a briefing"));
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
            parse(r#"/schedule add channel:#news when:"mon 09:00" repeat:weekly count:3"#),
            Ok(Line::Command(Request::Schedule(
                "add".into(),
                opts(&[
                    ("channel", "#news"),
                    ("when", "mon 09:00"),
                    ("repeat", "weekly"),
                    ("count", "3")
                ])
            )))
        );
        assert_eq!(
            parse("/schedule pause 4"),
            Ok(Line::Command(Request::Schedule(
                "pause".into(),
                opts(&[("", "4")])
            )))
        );
        assert_eq!(
            parse("/subscribe add #news categories:\"Energy, Tech\""),
            Ok(Line::Command(Request::Subscribe(
                "add".into(),
                opts(&[("", "#news"), ("categories", "Energy, Tech")])
            )))
        );
        assert_eq!(
            parse("/settings timezone Europe/Berlin"),
            Ok(Line::Command(Request::Settings(
                "timezone".into(),
                opts(&[("", "Europe/Berlin")])
            )))
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
