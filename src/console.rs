//! The local console: type `/briefing latest` and see what Discord would
//! show, rendered as text. Runs the very same handlers as the bot, against
//! the same database, with no token and no network. Buttons become numbered
//! choices. When standard input is not a terminal it runs the lines it is
//! given and stops, so it can be scripted.

use std::io::{BufRead, Write};

use crate::domain::view::{Embed, Reply};
use crate::handlers::{CommandError, CommandResult, Handlers, COMMANDS};

pub struct Console<W: Write> {
    handlers: Handlers,
    out: W,
    /// custom_ids of the buttons last shown, by their number.
    buttons: Vec<String>,
}

/// What one typed line asked for.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Command(Request),
    Press(usize),
    Quit,
    Empty,
}

#[derive(Debug, PartialEq, Eq)]
enum Request {
    Latest(Option<String>),
    Read(String),
    Search(String),
    List(Option<String>),
    Categories,
    Help,
}

fn parse(line: &str) -> Result<Line, String> {
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
    let request = match command {
        "/help" => Request::Help,
        "/briefing" => {
            let (sub, rest) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
            match sub {
                "latest" => Request::Latest(optional(rest)),
                "read" => Request::Read(required(
                    rest,
                    "a briefing (an id, slug or words of its title)",
                )?),
                "search" => Request::Search(required(rest, "words to search for")?),
                "list" => Request::List(optional(rest)),
                "categories" => Request::Categories,
                "" => return Err("Which /briefing command? Type /help for the list.".into()),
                other => {
                    return Err(format!(
                        "There is no /briefing {other}. Type /help for the list."
                    ))
                }
            }
        }
        other => return Err(format!("Unknown command {other}. Type /help for the list.")),
    };
    Ok(Line::Command(request))
}

impl<W: Write> Console<W> {
    pub fn new(handlers: Handlers, out: W) -> Self {
        Self {
            handlers,
            out,
            buttons: Vec::new(),
        }
    }

    pub fn into_output(self) -> W {
        self.out
    }

    /// Reads lines until the input ends or the person quits.
    pub async fn run(&mut self, input: impl BufRead, interactive: bool) -> std::io::Result<()> {
        if interactive {
            writeln!(
                self.out,
                "Briefbot console: the bot's commands, answered locally. Type /help, or quit."
            )?;
        }
        let mut lines = input.lines();
        loop {
            if interactive {
                write!(self.out, "briefbot> ")?;
                self.out.flush()?;
            }
            let Some(line) = lines.next() else { break };
            if !self.handle_line(&line?).await? {
                break;
            }
        }
        Ok(())
    }

    /// Runs one line; `false` when the person asked to quit.
    pub async fn handle_line(&mut self, line: &str) -> std::io::Result<bool> {
        let started = std::time::Instant::now();
        let result = match parse(line) {
            Ok(Line::Empty) => return Ok(true),
            Ok(Line::Quit) => return Ok(false),
            Ok(Line::Press(n)) => match self.buttons.get(n.wrapping_sub(1)).cloned() {
                Some(custom_id) => self.handlers.button(&custom_id).await.unwrap_or_else(|| {
                    Err(CommandError::User(
                        "That button does nothing any more.".into(),
                    ))
                }),
                None => Err(CommandError::User(format!(
                    "There is no choice {n} on screen."
                ))),
            },
            Ok(Line::Command(request)) => self.dispatch(request).await,
            Err(message) => Err(CommandError::User(message)),
        };
        let outcome = if result.is_ok() { "ok" } else { "error" };
        tracing::info!(
            command = line.trim(),
            outcome,
            ms = started.elapsed().as_millis() as u64,
            "console command"
        );
        match result {
            Ok(reply) => self.print(&reply)?,
            Err(CommandError::User(message)) => {
                writeln!(self.out, "(only you can see this) {message}")?
            }
            Err(CommandError::Internal(detail)) => {
                tracing::error!(%detail, "console command failed");
                writeln!(self.out, "(only you can see this) Something went wrong on our side; the log has details.")?;
            }
        }
        Ok(true)
    }

    async fn dispatch(&self, request: Request) -> CommandResult<Reply> {
        match request {
            Request::Latest(category) => self.handlers.latest(category).await,
            Request::Read(briefing) => self.handlers.read(briefing).await,
            Request::Search(query) => self.handlers.search(query).await,
            Request::List(category) => self.handlers.list(category, 1).await,
            Request::Categories => self.handlers.categories().await,
            Request::Help => Ok(self.handlers.help()),
        }
    }

    fn print(&mut self, reply: &Reply) -> std::io::Result<()> {
        self.buttons.clear();
        if reply.ephemeral {
            writeln!(self.out, "(only you can see this)")?;
        }
        for message in &reply.messages {
            if let Some(content) = &message.content {
                writeln!(self.out, "{content}")?;
            }
            for embed in &message.embeds {
                print_embed(&mut self.out, embed)?;
            }
            let mut choices = Vec::new();
            for button in &message.buttons {
                if button.disabled {
                    choices.push(format!("[-] {}", button.label));
                } else {
                    self.buttons.push(button.custom_id.clone());
                    choices.push(format!("[{}] {}", self.buttons.len(), button.label));
                }
            }
            if !choices.is_empty() {
                writeln!(
                    self.out,
                    "{}   (type a number to press)",
                    choices.join("  ")
                )?;
            }
        }
        writeln!(self.out)
    }
}

fn print_embed(out: &mut impl Write, embed: &Embed) -> std::io::Result<()> {
    if let Some(title) = embed.title.as_deref().map(unescape) {
        writeln!(out, "{title}")?;
        writeln!(out, "{}", "─".repeat(title.chars().count().min(72)))?;
    }
    if let Some(date) = embed.timestamp {
        writeln!(out, "{}", date.format("%B %-d, %Y"))?;
    }
    if let Some(url) = &embed.url {
        writeln!(out, "{url}")?;
    }
    if let Some(description) = &embed.description {
        writeln!(out, "{}", unescape(description))?;
    }
    for field in &embed.fields {
        writeln!(
            out,
            "▸ {}\n  {}",
            unescape(&field.name),
            unescape(&field.value).replace('\n', "\n  ")
        )?;
    }
    if let Some(footer) = &embed.footer {
        writeln!(out, "— {footer}")?;
    }
    writeln!(out)
}

/// Markdown is for chat clients; a terminal shows the plain text. Escaped
/// characters are the text's own; unescaped `*` and `` ` `` are formatting.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {
                out.extend(chars.next())
            }
            '*' | '`' => {}
            _ => out.push(c),
        }
    }
    out
}

/// The commands the console understands, for the welcome text.
pub fn usage() -> String {
    COMMANDS
        .iter()
        .map(|(usage, what)| format!("  {usage:<32} {what}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parse("quit"), Ok(Line::Quit));
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
    fn unescape_shows_plain_text() {
        assert_eq!(
            unescape("\\*\\*not bold\\*\\* and a \\\\ backslash"),
            "**not bold** and a \\ backslash"
        );
        assert_eq!(
            unescape("**Highlights** `4` *closing*"),
            "Highlights 4 closing"
        );
    }
}
