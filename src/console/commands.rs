//! A typed line bound to the command it names: each option read as its
//! declaration types it, an option the command does not have refused before
//! anything runs, then the same handler the bot calls.

use std::collections::BTreeMap;

use super::parse::Options;
use super::{console_channel, ChannelBook, Console};
use crate::domain::view::Reply;
use crate::handlers::commands::{
    Arg, Args, Call, CommandSpec, Env, Kind, OptionSpec, Outcome, Upload,
};
use crate::handlers::{AnswerLimit, Caller, ChannelRef, CommandError, CommandResult, Handlers};
use crate::import::ImportOptions;

impl<W: std::io::Write> Console<W> {
    /// Runs `spec` with the typed `options`.
    pub(super) async fn invoke(
        &self,
        spec: &'static CommandSpec,
        options: Options,
    ) -> CommandResult<Reply> {
        let args = bind(spec, options, self.import.max_file_bytes)?;
        self.record_channels(&args).await?;
        let env = Env {
            answer_limit: self.answer_limit,
            import: self.import.clone(),
            author: "you".into(),
        };
        let call = Call {
            handlers: &self.handlers,
            caller: &self.caller,
            args,
            env: &env,
        };
        match spec.invoke(call).await? {
            Outcome::Reply(reply) => Ok(reply),
            // The console has no attachments: the CSV, as text.
            Outcome::Export(export) => Ok(Reply::text(format!(
                "{}:\n{}",
                crate::domain::text::counted(export.rows as u64, "answer"),
                export.csv.replace("\r\n", "\n")
            ))),
        }
    }

    /// Records the names of long channels named in `args`, so that what is
    /// stored under their ids reads back as their names after a restart.
    async fn record_channels(&self, args: &Args) -> CommandResult<()> {
        for channel in args.channels() {
            let Ok(typed) = console_channel(&channel.name) else {
                continue;
            };
            if typed.encoded || self.names.name(typed.id).is_some() {
                continue;
            }
            let (id, name) = (typed.id, typed.name.clone());
            let recorded = self
                .db
                .call(move |s| s.remember_console_channel(id, &name))
                .await
                .map_err(|e| CommandError::Internal(e.to_string()))?;
            if !recorded {
                return Err(CommandError::User(format!(
                    "#{} cannot be a console channel (its id is taken by another name); choose another name.",
                    typed.name
                )));
            }
            self.names.insert(&typed);
        }
        Ok(())
    }
}

/// Runs `spec` once as a moderator of `server`, outside a console session
/// (`briefbot questions add --server …`), and prints its reply as the
/// console shows it. What it queues is posted by the running bot. An error
/// comes back as the message the member would see.
pub async fn run_once(
    handlers: &Handlers,
    server: u64,
    spec: &'static CommandSpec,
    named: BTreeMap<String, String>,
    import: ImportOptions,
    out: &mut impl std::io::Write,
) -> std::io::Result<Result<(), String>> {
    let options = Options {
        named,
        bare: Vec::new(),
    };
    let now = chrono::Utc::now();
    let shown = |error: CommandError| super::readable(&error.shown(), now, &ChannelBook::default());
    let args = match bind(spec, options, import.max_file_bytes) {
        Ok(args) => args,
        Err(error) => return Ok(Err(shown(error))),
    };
    let env = Env {
        answer_limit: AnswerLimit::default(),
        import,
        author: "the operator".into(),
    };
    let caller = Caller::console(server);
    let call = Call {
        handlers,
        caller: &caller,
        args,
        env: &env,
    };
    let reply = match spec.invoke(call).await {
        Ok(Outcome::Reply(reply)) => reply,
        Ok(Outcome::Export(export)) => Reply::text(export.csv.replace("\r\n", "\n")),
        Err(error) => return Ok(Err(shown(error))),
    };
    for message in &reply.messages {
        super::print_message(out, message, now, &ChannelBook::default())?;
    }
    Ok(Ok(()))
}

/// The options as the declaration types them. A value without a name goes
/// to the first option not named otherwise.
fn bind(spec: &CommandSpec, options: Options, max_file_bytes: u64) -> CommandResult<Args> {
    let mut typed = options.named;
    if let Some(unknown) = typed.keys().find(|name| spec.option(name).is_none()) {
        let near: Vec<String> =
            crate::domain::text::nearest(unknown, spec.options.iter().map(|o| o.name))
                .into_iter()
                .map(|name| format!("{name}:"))
                .collect();
        return Err(CommandError::User(format!(
            "Unknown option '{unknown}'; nothing was done.{} /{} takes: {}.",
            crate::domain::text::did_you_mean(&near),
            spec.name,
            names(spec)
        )));
    }
    // Values without a name: a `#channel` to the first channel option not
    // named otherwise, the rest in order to the first other options free.
    for value in options.bare {
        let is_channel = |o: &&OptionSpec| matches!(o.kind, Kind::Channel);
        let free = |o: &&OptionSpec| !typed.contains_key(o.name);
        let target = if value.starts_with('#') {
            spec.options.iter().filter(free).find(is_channel)
        } else {
            None
        }
        .or_else(|| spec.options.iter().filter(free).find(|o| !is_channel(o)))
        .or_else(|| spec.options.iter().find(free));
        match target {
            Some(option) => {
                typed.insert(option.name.to_string(), value);
            }
            None => {
                return Err(CommandError::User(format!(
                    "Unknown option: '{value}' has no name; nothing was done. /{} takes: {}.",
                    spec.name,
                    names(spec)
                )))
            }
        }
    }
    let mut args = Args::of(spec);
    for option in spec.options {
        match typed.remove(option.name) {
            Some(text) => args.insert(option.name, value(option, text, max_file_bytes)?),
            None if option.required => {
                let article = if option.name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                return Err(CommandError::User(format!(
                    "That command needs {article} {}: give {}:… or just the value.",
                    option.name, option.name
                )));
            }
            None => {}
        }
    }
    Ok(args)
}

fn names(spec: &CommandSpec) -> String {
    if spec.options.is_empty() {
        return "no options".into();
    }
    spec.options
        .iter()
        .map(|o| o.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn value(option: &OptionSpec, text: String, max_file_bytes: u64) -> CommandResult<Arg> {
    let refuse = |why: String| CommandError::User(format!("{}: {why}", option.name));
    Ok(match option.kind {
        Kind::Text { .. } => Arg::Text(option.checked_text(&text)?),
        Kind::Integer { min, max } => {
            let n: i64 = text
                .trim()
                .trim_start_matches('#')
                .parse()
                .map_err(|_| refuse(format!("'{text}' is not a whole number")))?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(refuse(format!(
                    "{n} is out of range ({} to {})",
                    min.map_or("any".into(), |m| m.to_string()),
                    max.map_or("any".into(), |m| m.to_string())
                )));
            }
            Arg::Integer(n)
        }
        Kind::Bool => Arg::Bool(match text.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => true,
            "false" | "off" | "no" | "0" => false,
            _ => return Err(refuse(format!("'{text}' is not on or off"))),
        }),
        Kind::Channel => {
            let channel = console_channel(&text).map_err(CommandError::User)?;
            Arg::Channel(ChannelRef {
                id: channel.id,
                name: channel.name,
                problem: None,
                threads_problem: None,
                webhooks_problem: None,
                announcement: false,
                forum: false,
            })
        }
        Kind::Role => {
            return Err(CommandError::User(
                "The console has no roles: its operator is always a moderator.".into(),
            ))
        }
        Kind::File => Arg::File(upload(&text, max_file_bytes)),
        Kind::Choice(choices) => Arg::Text(choice(option, choices, &text)?),
    })
}

/// A file named by its path; read (bounded) only when the command fetches it.
fn upload(text: &str, max_file_bytes: u64) -> Upload {
    let path = std::path::PathBuf::from(text.trim());
    let name = path
        .file_name()
        .map_or_else(|| text.to_string(), |n| n.to_string_lossy().into_owned());
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Upload {
        name,
        size,
        fetch: Box::new(move || {
            Box::pin(async move {
                tokio::task::spawn_blocking(move || {
                    crate::import::read_bounded(&path, max_file_bytes)
                        .map_err(|e| format!("cannot import {}: {e}", path.display()))
                })
                .await
                .map_err(|e| e.to_string())?
            })
        }),
    }
}

/// The value of the choice typed (its value or what Discord shows for it).
fn choice(
    option: &OptionSpec,
    choices: &[(&str, &'static str)],
    text: &str,
) -> CommandResult<String> {
    let wanted = text.trim().to_lowercase();
    choices
        .iter()
        .find(|(shown, value)| {
            value.eq_ignore_ascii_case(&wanted) || shown.to_lowercase() == wanted
        })
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| {
            let values: Vec<&str> = choices.iter().map(|(_, v)| *v).collect();
            CommandError::User(format!(
                "{}: '{text}' is not one of {}",
                option.name,
                values.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::super::parse::{parse, Line};
    use super::bind;
    use crate::handlers::commands::COMMANDS;

    /// `/help <command>` shows these; each must be a line the console (and
    /// so a member in Discord) can type for that very command.
    #[test]
    fn every_declared_example_binds_to_its_command() {
        let mut examples = 0;
        for spec in COMMANDS {
            for example in spec.examples {
                examples += 1;
                let Ok(Line::Command(parsed, options)) = parse(example) else {
                    panic!("{example} does not parse");
                };
                assert_eq!(parsed.name, spec.name, "{example}");
                if let Err(error) = bind(spec, options, 1 << 20) {
                    panic!("{example}: {error:?}");
                }
            }
        }
        assert!(examples >= COMMANDS.len() / 2, "{examples}");
    }
}
