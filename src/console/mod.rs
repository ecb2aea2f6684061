//! The local console: type `/briefing latest` and see what Discord would
//! show, rendered as text. Runs the very same handlers as the bot, against
//! the same database, with no token and no network. Buttons become numbered
//! choices. When standard input is not a terminal it runs the lines it is
//! given and stops, so it can be scripted.

mod channels;
mod commands;
mod parse;

use std::io::{BufRead, Write};

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

pub use channels::{
    channel_id, console_channel, ChannelBook, ConsoleChannel, ConsolePoster, Posted, CONSOLE_GUILD,
};
pub use commands::run_once;

use crate::clock::from_ms;
use crate::domain::view::{Block, Card, Embed, Message, Modal, Reply};
use crate::handlers::{AnswerLimit, AnswerPlace, Caller, CommandError, Handlers};
use crate::import::ImportOptions;
use crate::posting::{DeliveryScope, PostingConfig};
use crate::store::Db;
use parse::{parse, Line};

pub struct Console<W: Write> {
    handlers: Handlers,
    db: Db,
    out: W,
    caller: Caller,
    import: ImportOptions,
    /// custom_ids of the buttons last shown, by their number; a disabled
    /// button keeps its number (so "Next" is the same number on every page)
    /// but is not shown and cannot be pressed.
    buttons: Vec<Option<String>>,
    /// Messages the delivery loop posted to the simulated channels.
    posts: mpsc::UnboundedReceiver<Posted>,
    /// A form waiting for its text: the next line answers it.
    form: Option<Modal>,
    answer_limit: AnswerLimit,
    /// Commands that were refused or failed, for the exit status of a
    /// piped run.
    failures: usize,
    /// The simulated channels' names; the long ones are read from the
    /// database before the first line.
    names: ChannelBook,
    names_loaded: bool,
    /// Stops the delivery loop, and the loop itself.
    delivery: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    )>,
}

impl<W: Write> Console<W> {
    /// A console over `db`, with its delivery loop running (posting into
    /// the simulated channels) until the console is dropped.
    pub fn start(
        handlers: Handlers,
        db: Db,
        out: W,
        posting: PostingConfig,
        import: ImportOptions,
    ) -> Self {
        let names = ChannelBook::default();
        let (poster, posts) = ConsolePoster::new(names.clone());
        let posting = PostingConfig {
            scope: DeliveryScope::CONSOLE,
            ..posting
        };
        let engine = handlers.posting(Arc::new(poster), posting);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let delivery = tokio::spawn(engine.run(async move {
            let _ = stopped.await;
        }));
        Self {
            handlers,
            db,
            out,
            caller: Caller::console(CONSOLE_GUILD),
            import,
            buttons: Vec::new(),
            posts,
            form: None,
            answer_limit: AnswerLimit::default(),
            failures: 0,
            names,
            names_loaded: false,
            delivery: Some((stop, delivery)),
        }
    }

    /// Stops the delivery loop and waits for it to release its lease, so
    /// the next console takes over nothing. (Dropped without this, the
    /// lease is taken over from the ended process next time.)
    pub async fn close(&mut self) {
        if let Some((stop, delivery)) = self.delivery.take() {
            let _ = stop.send(());
            if tokio::time::timeout(Duration::from_secs(5), delivery)
                .await
                .is_err()
            {
                tracing::warn!("the console's delivery loop did not stop within 5 seconds");
            }
        }
    }

    /// Reads the long channel names recorded by earlier runs (once).
    async fn load_channel_names(&mut self) -> std::io::Result<()> {
        if self.names_loaded {
            return Ok(());
        }
        let recorded = self
            .db
            .read(|s| s.console_channels())
            .await
            .map_err(std::io::Error::other)?;
        self.names.extend(recorded);
        self.names_loaded = true;
        Ok(())
    }

    /// Answers per member per minute (the config's `discussion` section).
    pub fn with_answer_limit(mut self, limit: AnswerLimit) -> Self {
        self.answer_limit = limit;
        self
    }

    /// How many commands were refused or failed so far.
    pub fn failures(&self) -> usize {
        self.failures
    }

    pub fn into_output(self) -> W {
        self.out
    }

    /// Reads lines until the input ends or the person quits, printing posts
    /// as they arrive in the simulated channels.
    pub async fn run(
        &mut self,
        input: impl BufRead + Send + 'static,
        interactive: bool,
    ) -> std::io::Result<()> {
        self.load_channel_names().await?;
        if interactive {
            writeln!(
                self.out,
                "Briefbot console: the bot's commands, answered locally. Type /help, or quit."
            )?;
        }
        // Reading standard input blocks, so it happens on its own thread.
        let (lines_tx, mut lines) = mpsc::channel::<std::io::Result<String>>(1);
        std::thread::spawn(move || {
            for line in input.lines() {
                if lines_tx.blocking_send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            if interactive {
                write!(self.out, "briefbot> ")?;
                self.out.flush()?;
            }
            let line = loop {
                tokio::select! {
                    line = lines.recv() => break line,
                    Some(post) = self.posts.recv() => {
                        if interactive { writeln!(self.out)?; }
                        self.print_post(&post)?;
                        if interactive { write!(self.out, "briefbot> ")?; self.out.flush()?; }
                    }
                }
            };
            let Some(line) = line else { break };
            if !self.handle_line(&line?).await? {
                break;
            }
        }
        Ok(())
    }

    /// Runs one line; `false` when the person asked to quit.
    pub async fn handle_line(&mut self, line: &str) -> std::io::Result<bool> {
        self.load_channel_names().await?;
        let started = std::time::Instant::now();
        if let Some(form) = self.form.take() {
            return self.submit_form(&form, line).await.map(|_| true);
        }
        let result = match parse(line) {
            Ok(Line::Empty) => return Ok(true),
            Ok(Line::Quit) => return Ok(false),
            Ok(Line::Press(n)) => match self.buttons.get(n.wrapping_sub(1)).cloned().flatten() {
                Some(custom_id) if self.handlers.answer_form(&custom_id).is_some() => {
                    let form = self.handlers.answer_form(&custom_id).expect("checked");
                    writeln!(
                        self.out,
                        "(only you can see this) {}: {}. Type it on the next line.",
                        form.title, form.label
                    )?;
                    self.form = Some(form);
                    return Ok(true);
                }
                Some(custom_id) => self
                    .handlers
                    .button(&self.caller, &custom_id)
                    .await
                    .unwrap_or_else(|| {
                        Err(CommandError::User(
                            "That button does nothing any more.".into(),
                        ))
                    }),
                None => Err(CommandError::User(format!(
                    "There is no choice {n} on screen."
                ))),
            },
            Ok(Line::Wait(seconds)) => {
                self.wait_for_posts(Duration::from_secs(seconds)).await?;
                return Ok(true);
            }
            Ok(Line::Command(spec, options)) => self.invoke(spec, options).await,
            Err(message) => Err(CommandError::User(message)),
        };
        let outcome = if result.is_ok() { "ok" } else { "error" };
        if result.is_err() {
            self.failures += 1;
        }
        tracing::info!(
            command = line.trim(),
            outcome,
            ms = started.elapsed().as_millis() as u64,
            "console command"
        );
        match result {
            Ok(reply) => self.print(&reply)?,
            Err(error) => {
                let message = readable(&error.shown(), Utc::now(), &self.names);
                writeln!(self.out, "(only you can see this) {message}")?
            }
        }
        Ok(true)
    }

    /// The line typed into a form (the console's stand-in for a modal).
    async fn submit_form(&mut self, form: &Modal, text: &str) -> std::io::Result<()> {
        let result = self
            .handlers
            .submit_answer_form(
                &self.caller,
                "you".into(),
                &form.custom_id,
                text.to_string(),
                self.answer_limit,
                AnswerPlace::Console,
            )
            .await
            .unwrap_or_else(|| Err(CommandError::User("That form is not one of ours.".into())));
        match result {
            Ok(answered) => {
                self.print(&answered.reply)?;
                writeln!(self.out, "── posted in the discussion ──")?;
                for message in &answered.echo {
                    print_message(&mut self.out, message, Utc::now(), &self.names)?;
                }
                writeln!(self.out)
            }
            Err(error) => {
                self.failures += 1;
                writeln!(self.out, "(only you can see this) {}", error.shown())
            }
        }
    }

    /// Prints posts until nothing more is due within `limit` (or it passes).
    async fn wait_for_posts(&mut self, limit: Duration) -> std::io::Result<()> {
        let deadline = tokio::time::Instant::now() + limit;
        let horizon = Utc::now().timestamp_millis() + limit.as_millis() as i64;
        loop {
            while let Ok(post) = self.posts.try_recv() {
                self.print_post(&post)?;
            }
            let (busy, next_run) = self
                .db
                .call(move |s| {
                    let scope = DeliveryScope::CONSOLE.guilds;
                    Ok((s.outbox_busy(scope, horizon)?, s.next_schedule_run(scope)?))
                })
                .await
                .map_err(std::io::Error::other)?;
            let pending = busy || next_run.is_some_and(|at| at <= horizon);
            if !pending {
                return Ok(());
            }
            tokio::select! {
                Some(post) = self.posts.recv() => self.print_post(&post)?,
                _ = tokio::time::sleep_until(deadline) => {
                    writeln!(self.out, "(stopped waiting after {}s; posts still due will arrive later)", limit.as_secs())?;
                    return Ok(());
                }
                // The outbox may finish without posting (a skipped run).
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }

    fn print_post(&mut self, post: &Posted) -> std::io::Result<()> {
        let name = self
            .names
            .name(post.channel_id)
            .unwrap_or_else(|| post.channel_id.to_string());
        match &post.posted_as {
            Some(publisher) => writeln!(self.out, "── new post in #{name} by {publisher} ──")?,
            None => writeln!(self.out, "── new post in #{name} ──")?,
        }
        let now = Utc::now();
        print_message(&mut self.out, &post.message, now, &self.names)?;
        // Buttons on posts stay pressable until the next reply.
        self.print_buttons(&post.message)?;
        writeln!(self.out)
    }

    fn print(&mut self, reply: &Reply) -> std::io::Result<()> {
        self.buttons.clear();
        if reply.ephemeral {
            writeln!(self.out, "(only you can see this)")?;
        }
        let now = Utc::now();
        for message in &reply.messages {
            print_message(&mut self.out, message, now, &self.names)?;
            self.print_buttons(message)?;
        }
        writeln!(self.out)
    }

    fn print_buttons(&mut self, message: &Message) -> std::io::Result<()> {
        let mut choices = Vec::new();
        for button in &message.buttons {
            if button.disabled {
                self.buttons.push(None);
            } else {
                self.buttons.push(Some(button.custom_id.clone()));
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
        Ok(())
    }
}

fn print_message(
    out: &mut impl Write,
    message: &Message,
    now: DateTime<Utc>,
    names: &ChannelBook,
) -> std::io::Result<()> {
    if let Some(content) = &message.content {
        writeln!(out, "{}", readable(&unescape(content), now, names))?;
    }
    for embed in &message.embeds {
        print_embed(out, embed, now, names)?;
    }
    if let Some(card) = &message.card {
        print_card(out, card, now, names)?;
    }
    Ok(())
}

/// A card as a terminal page: headings underlined, small print indented,
/// images and links as their addresses.
fn print_card(
    out: &mut impl Write,
    card: &Card,
    now: DateTime<Utc>,
    names: &ChannelBook,
) -> std::io::Result<()> {
    let plain = |text: &str| readable(&unescape(text), now, names);
    let print_text = |out: &mut dyn Write, text: &str| -> std::io::Result<()> {
        for line in text.lines() {
            if let Some(title) = line.strip_prefix("## ") {
                let title = plain(title);
                writeln!(out, "{title}")?;
                writeln!(out, "{}", "─".repeat(title.chars().count().min(72)))?;
            } else if let Some(heading) = line.strip_prefix("### ") {
                writeln!(out, "▸ {}", plain(heading))?;
            } else if let Some(small) = line.strip_prefix("-# ") {
                writeln!(out, "  {}", plain(small))?;
            } else {
                writeln!(out, "{}", plain(line))?;
            }
        }
        Ok(())
    };
    for block in &card.blocks {
        match block {
            Block::Text(text) => print_text(out, text)?,
            Block::Beside { text, image } => {
                print_text(out, text)?;
                writeln!(out, "[image: {image}]")?;
            }
            Block::Divider => writeln!(out)?,
            Block::Links(links) => {
                for link in links {
                    writeln!(out, "→ {}: {}", link.label, link.url)?;
                }
            }
        }
    }
    writeln!(out)
}

/// Discord's markup for terminals: `<#id>` becomes `#name`, `<t:…:F>` a
/// UTC time, `<t:…:R>` "in 5 minutes", `<@id>` and `<@&id>` @user and @role.
pub fn readable(text: &str, now: DateTime<Utc>, names: &ChannelBook) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let inner = &tail[1..end];
        let replaced = if let Some(id) = inner.strip_prefix('#') {
            id.parse()
                .ok()
                .map(|id| format!("#{}", names.name(id).unwrap_or_else(|| id.to_string())))
        } else if let Some(id) = inner.strip_prefix("@&") {
            id.parse::<u64>().ok().map(|_| "@moderators".to_string())
        } else if let Some(id) = inner.strip_prefix('@') {
            id.parse::<u64>().ok().map(|id| {
                if id == 0 {
                    "@you".to_string()
                } else {
                    format!("@user-{id}")
                }
            })
        } else if let Some(stamp) = inner.strip_prefix("t:") {
            let (seconds, style) = stamp.split_once(':').unwrap_or((stamp, "f"));
            seconds
                .parse::<i64>()
                .ok()
                .map(|s| time_text(s * 1000, style, now))
        } else {
            None
        };
        match replaced {
            Some(text) => out.push_str(&text),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

fn time_text(ms: i64, style: &str, now: DateTime<Utc>) -> String {
    let at = from_ms(ms);
    match style {
        "R" => crate::domain::text::relative(at.timestamp() - now.timestamp()),
        "d" => at.format("%Y-%m-%d").to_string(),
        _ => at.format("%a %Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn print_embed(
    out: &mut impl Write,
    embed: &Embed,
    now: DateTime<Utc>,
    names: &ChannelBook,
) -> std::io::Result<()> {
    let unescape = |text: &str| readable(&unescape(text), now, names);
    if let Some(title) = embed.title.as_deref().map(unescape) {
        writeln!(out, "{title}")?;
        writeln!(out, "{}", "─".repeat(title.chars().count().min(72)))?;
    }
    if let Some(url) = &embed.url {
        writeln!(out, "{url}")?;
    }
    if let Some(image) = &embed.thumbnail {
        writeln!(out, "[image: {image}]")?;
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
        writeln!(out, "— {}", readable(footer, now, names))?;
    }
    writeln!(out)
}

/// Markdown is for chat clients; a terminal shows the plain text. Escaped
/// characters are the text's own; unescaped `*` and `` ` `` are formatting.
/// Discord's Markdown as plain text: escapes resolved, emphasis marks and
/// code fences dropped. Inside a code span everything is literal, and a `*`
/// with space on both sides is not emphasis (Discord shows both as typed:
/// a cron `0 9 * * 1-5` stays whole).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_code = false;
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        match c {
            '`' => in_code = !in_code,
            _ if in_code => out.push(c),
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {
                out.extend(chars.next())
            }
            '*' if previous.is_whitespace() && chars.peek().is_none_or(|n| n.is_whitespace()) => {
                out.push(c)
            }
            '*' => {}
            _ => out.push(c),
        }
        previous = c;
    }
    out
}

/// The commands the console understands, for the welcome text.
pub fn usage() -> String {
    let mut text = crate::handlers::help_lines()
        .iter()
        .map(|(usage, what)| format!("  {usage:<32} {what}"))
        .collect::<Vec<_>>()
        .join("\n");
    text.push_str(
        "\n\nIn the console you are a moderator of a local server whose channels are any #name\n\
         (letters, digits, - and _, up to 11). Moderator commands take options as Discord shows\n\
         them, quoting values with spaces:\n\
         \x20 /schedule add channel:#news when:\"mon 09:00\" repeat:weekly post:digest count:3\n\
         \x20 /schedule run-now 1        /subscribe add #news categories:\"Energy, Europe\"\n\
         \x20 /settings timezone Europe/Berlin     /briefing import path/to/briefing.md\n\
         Posts appear as they are delivered; /wait [seconds] waits for those due soon.\n\
         A posted briefing's questions come with Answer buttons (numbers); the form is a prompt\n\
         for one line. Or: /answer to briefing:3 question:1 text:\"My answer\"",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Shown as written: cron in and out of code spans.
        assert_eq!(unescape("cron `0 9 * * 1-5`"), "cron 0 9 * * 1-5");
        assert_eq!(unescape("0 9 * * 1-5 (cron)"), "0 9 * * 1-5 (cron)");
        assert_eq!(unescape("`**not bold**`"), "**not bold**");
    }

    #[test]
    fn discord_markup_reads_as_text() {
        let now = from_ms(1_764_000_000_000);
        let news = channel_id("news").unwrap();
        let names = ChannelBook::default();
        let announcements = console_channel("#announcements").unwrap();
        names.insert(&announcements);
        assert_eq!(
            readable(
                &format!(
                    "in <#{news}> and <#{}> at <t:1764000300:F> (<t:1764000300:R>) by <@0>",
                    announcements.id
                ),
                now,
                &names
            ),
            "in #news and #announcements at Mon 2025-11-24 16:05 UTC (in 5 minutes) by @you"
        );
        assert_eq!(readable("<t:1763996400:R>", now, &names), "1 hour ago");
        assert_eq!(readable("<t:1764000000:R>", now, &names), "just now");
        assert_eq!(readable("a < b > c", now, &names), "a < b > c");
    }
}
