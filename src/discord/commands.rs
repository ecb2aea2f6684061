//! The slash commands, made from their one declaration
//! (`handlers::commands`): the registration body, poise commands that route
//! each invocation to its declared handler, and autocomplete.

use serde_json::{json, Value};
use serenity::all::{
    AutocompleteChoice, CommandOptionType, CommandType, CreateAttachment,
    CreateAutocompleteResponse, Permissions, ResolvedOption, ResolvedValue,
};

use super::checks::{channel_ref, command_caller, role_ref, ACCEPTED_CHANNELS};
use super::reply::respond;
use super::types::{Context, Data, Error};
use crate::handlers::commands::{
    self as declared, Access, Arg, Args, BoxFuture, Call, CommandSpec, Env, Kind, OptionSpec,
    Upload, COMMANDS,
};
use crate::handlers::{Choice, CommandError, Export};

type AppContext<'a> = poise::ApplicationContext<'a, Data, Error>;

/// The names Discord shows first: each group, and each one-word command,
/// in the order they are declared.
fn top_level() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for command in COMMANDS {
        let top = command.group().unwrap_or(command.name);
        if !names.contains(&top) {
            names.push(top);
        }
    }
    names
}

fn subcommands(group: &str) -> impl Iterator<Item = &'static CommandSpec> + '_ {
    COMMANDS.iter().filter(move |c| c.group() == Some(group))
}

/// poise commands for the framework's routing: each leaf runs [`run`],
/// which finds its declaration in `custom_data`.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    top_level()
        .into_iter()
        .map(|top| match declared::group(top) {
            Some(group) => poise::Command {
                name: group.name.into(),
                qualified_name: group.name.into(),
                identifying_name: group.name.into(),
                description: Some(group.description.into()),
                guild_only: group.guild_only,
                // poise routes only to commands with an action; a group's
                // is never run (Discord always names a subcommand).
                slash_action: Some(|_| Box::pin(async { Ok(()) })),
                subcommand_required: true,
                subcommands: subcommands(top).map(leaf).collect(),
                ..Default::default()
            },
            None => leaf(declared::find(top).expect("a one-word command is declared")),
        })
        .collect()
}

fn leaf(spec: &'static CommandSpec) -> poise::Command<Data, Error> {
    poise::Command {
        name: spec.leaf().into(),
        qualified_name: spec.name.into(),
        identifying_name: spec.name.into(),
        description: Some(spec.description.into()),
        slash_action: Some(run),
        ephemeral: spec.private,
        guild_only: spec.guild_only,
        parameters: spec.options.iter().map(parameter).collect(),
        custom_data: Box::new(spec),
        ..Default::default()
    }
}

fn parameter(option: &OptionSpec) -> poise::CommandParameter<Data, Error> {
    poise::CommandParameter {
        name: option.name.into(),
        name_localizations: Default::default(),
        description: Some(option.description.into()),
        description_localizations: Default::default(),
        required: option.required,
        channel_types: None,
        choices: Default::default(),
        type_setter: None,
        autocomplete_callback: option.suggest.map(|_| suggest as _),
        __non_exhaustive: (),
    }
}

fn spec_of(ctx: Context<'_>) -> Option<&'static CommandSpec> {
    ctx.command()
        .custom_data
        .downcast_ref::<&'static CommandSpec>()
        .copied()
}

fn run(ctx: AppContext<'_>) -> BoxFuture<'_, Result<(), poise::FrameworkError<'_, Data, Error>>> {
    Box::pin(async move {
        let context = poise::Context::Application(ctx);
        invoke(ctx)
            .await
            .map_err(|error| poise::FrameworkError::new_command(context, error))
    })
}

/// How long a command waits for its server to arrive from Discord before
/// its channel checks say the server is still loading.
const SERVER_ARRIVAL: std::time::Duration = std::time::Duration::from_secs(3);

async fn invoke(ctx: AppContext<'_>) -> Result<(), Error> {
    let context = poise::Context::Application(ctx);
    let spec = spec_of(context)
        .ok_or_else(|| CommandError::Internal("a command without its declaration".into()))?;
    // A command can arrive just behind its server's GUILD_CREATE (events
    // are handled side by side): channel and role checks wait for it,
    // briefly.
    if let Some(guild) = ctx.interaction.guild_id {
        ctx.data().servers.arrival(guild, SERVER_ARRIVAL).await;
    }
    let args = args(context, spec, ctx.args)?;
    let data = ctx.data();
    let env = Env {
        answer_limit: data.answer_limit,
        import: data.import_options.clone(),
        author: author_name(context).await,
    };
    let caller = command_caller(context);
    let call = Call {
        handlers: &data.handlers,
        caller: &caller,
        args,
        env: &env,
    };
    respond(context, spec.invoke(call)).await
}

/// The options Discord resolved, as the declaration types them. A text
/// longer than its declared limit is refused here too (Discord enforces it
/// for current clients only).
fn args(ctx: Context<'_>, spec: &CommandSpec, given: &[ResolvedOption<'_>]) -> Result<Args, Error> {
    let mut args = Args::of(spec);
    for option in given {
        let Some(declared) = spec.option(option.name) else {
            continue;
        };
        let value = match (&option.value, declared.kind) {
            (ResolvedValue::String(text), Kind::Text { .. }) => {
                Arg::Text(declared.checked_text(text)?)
            }
            (ResolvedValue::Integer(index), Kind::Choice(choices)) => {
                let (_, value) = usize::try_from(*index)
                    .ok()
                    .and_then(|i| choices.get(i))
                    .ok_or_else(|| {
                        CommandError::User(format!("{} is not one of the choices.", declared.name))
                    })?;
                Arg::Text(value.to_string())
            }
            (ResolvedValue::Integer(n), _) => Arg::Integer(*n),
            (ResolvedValue::Boolean(b), _) => Arg::Bool(*b),
            (ResolvedValue::Channel(channel), _) => Arg::Channel(channel_ref(ctx, channel)?),
            (ResolvedValue::Role(role), _) => Arg::Role(role_ref(ctx, role)?),
            (ResolvedValue::Attachment(file), _) => {
                let attachment = (*file).clone();
                Arg::File(Upload {
                    name: attachment.filename.clone(),
                    size: u64::from(attachment.size),
                    fetch: Box::new(move || {
                        Box::pin(async move {
                            attachment
                                .download()
                                .await
                                .map_err(|e| format!("Discord said {e}"))
                        })
                    }),
                })
            }
            (ResolvedValue::Autocomplete { value, .. }, _) => Arg::Text(value.to_string()),
            // Not the type we registered: a crafted or stale interaction.
            (other, _) => {
                tracing::warn!(
                    option = declared.name,
                    "ignored an option of a type the command does not declare: {other:?}"
                );
                continue;
            }
        };
        args.insert(declared.name, value);
    }
    Ok(args)
}

async fn author_name(ctx: Context<'_>) -> String {
    let member = ctx.author_member().await;
    super::checks::member_name(
        ctx.author(),
        member.as_ref().and_then(|m| m.nick.as_deref()),
    )
}

/// Suggestions for the option being typed, from its declared kind.
fn suggest<'a>(ctx: AppContext<'a>, partial: &'a str) -> BoxFuture<'a, CreateAutocompleteResponse> {
    Box::pin(async move {
        let context = poise::Context::Application(ctx);
        let focused = ctx.interaction.data.autocomplete().map(|o| o.name);
        let spec = spec_of(context);
        let kind = spec
            .zip(focused)
            .and_then(|(spec, name)| spec.option(name))
            .and_then(|option| option.suggest);
        let (Some(spec), Some(kind)) = (spec, kind) else {
            return CreateAutocompleteResponse::new();
        };
        // A question is suggested from the briefing chosen so far.
        let briefing = ctx
            .args
            .iter()
            .find(|o| o.name == "briefing")
            .and_then(|o| match &o.value {
                ResolvedValue::String(s) => Some(s.to_string()),
                ResolvedValue::Autocomplete { value, .. } => Some(value.to_string()),
                _ => None,
            });
        let caller = command_caller(context);
        choices(
            ctx.data()
                .handlers
                .suggest(&caller, spec, kind, partial.to_string(), briefing)
                .await,
        )
    })
}

fn choices(found: Result<Vec<Choice>, Error>) -> CreateAutocompleteResponse {
    let choices = found
        .unwrap_or_else(|error| {
            // Autocomplete has no way to show an error; log it, offer nothing.
            tracing::warn!(%error, "autocomplete failed");
            Vec::new()
        })
        .into_iter()
        .map(|c| AutocompleteChoice::new(c.name, c.value))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Sends a discussion export as two private attachments.
pub async fn send_export(ctx: Context<'_>, export: Export) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Err(CommandError::User("Export is a slash command.".into()));
    };
    ctx.defer_ephemeral().await?;
    // The body is written here rather than by serenity's builder, which
    // gives attachment ids as numbers where Discord's schema wants strings.
    let body = json!({
        "content": format!(
            "{}, as CSV and JSON.",
            crate::domain::text::counted(export.rows as u64, "answer")
        ),
        "flags": 64,
        "allowed_mentions": { "parse": [] },
        "attachments": [
            { "id": "0", "filename": "discussion.csv" },
            { "id": "1", "filename": "discussion.json" }
        ]
    });
    let files = vec![
        CreateAttachment::bytes(export.csv.into_bytes(), "discussion.csv"),
        CreateAttachment::bytes(export.json.into_bytes(), "discussion.json"),
    ];
    ctx.http()
        .create_followup_message(&app.interaction.token, &body, files)
        .await?;
    Ok(())
}

/// The body that registers every command, made from the declarations.
/// (Discord's OpenAPI schema types `default_member_permissions` as an
/// integer; serenity would send a string.)
pub fn registration_payload() -> Value {
    let commands: Vec<Value> = top_level()
        .into_iter()
        .map(|top| match declared::group(top) {
            Some(group) => {
                let mut command = json!({
                    "type": u8::from(CommandType::ChatInput),
                    "name": group.name,
                    "description": group.description,
                    "options": subcommands(top)
                        .map(|spec| json!({
                            "type": u8::from(CommandOptionType::SubCommand),
                            "name": spec.leaf(),
                            "description": spec.description,
                            "options": spec.options.iter().map(option_json).collect::<Vec<_>>(),
                        }))
                        .collect::<Vec<_>>(),
                });
                let shown_to = match group.access {
                    Access::Everyone => None,
                    Access::ManageServer => Some(Permissions::MANAGE_GUILD),
                    Access::ManageMessages => Some(Permissions::MANAGE_MESSAGES),
                    // Administrators see it; the handler checks the owner list.
                    Access::Owner => Some(Permissions::ADMINISTRATOR),
                };
                if let Some(shown_to) = shown_to {
                    command["default_member_permissions"] = json!(shown_to.bits());
                }
                if group.guild_only {
                    command["contexts"] = json!([0]);
                }
                command
            }
            None => {
                let spec = declared::find(top).expect("a one-word command is declared");
                let mut command = json!({
                    "type": u8::from(CommandType::ChatInput),
                    "name": spec.name,
                    "description": spec.description,
                    "options": spec.options.iter().map(option_json).collect::<Vec<_>>(),
                });
                if spec.guild_only {
                    command["contexts"] = json!([0]);
                }
                command
            }
        })
        .collect();
    Value::Array(commands)
}

fn option_json(option: &OptionSpec) -> Value {
    let mut out = json!({
        "name": option.name,
        "description": option.description,
        "required": option.required,
    });
    let kind = match option.kind {
        Kind::Text { max_length } => {
            out["max_length"] = json!(max_length);
            CommandOptionType::String
        }
        Kind::Integer { min, max } => {
            if let Some(min) = min {
                out["min_value"] = json!(min);
            }
            if let Some(max) = max {
                out["max_value"] = json!(max);
            }
            CommandOptionType::Integer
        }
        Kind::Bool => CommandOptionType::Boolean,
        // Text, announcement and forum channels.
        Kind::Channel => {
            out["channel_types"] = json!(ACCEPTED_CHANNELS
                .iter()
                .map(|&kind| u8::from(kind))
                .collect::<Vec<_>>());
            CommandOptionType::Channel
        }
        Kind::Role => CommandOptionType::Role,
        Kind::File => CommandOptionType::Attachment,
        // Sent back as the index of the choice, as poise's choices were.
        Kind::Choice(choices) => {
            out["choices"] = json!(choices
                .iter()
                .enumerate()
                .map(|(i, (name, _))| json!({ "name": name, "value": i }))
                .collect::<Vec<_>>());
            CommandOptionType::Integer
        }
    };
    out["type"] = json!(u8::from(kind));
    if option.suggest.is_some() {
        out["autocomplete"] = json!(true);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registration_payload_is_one_discord_accepts() {
        let payload = super::registration_payload();
        // The Discord double's checks: names, description lengths, and so on.
        assert_eq!(
            discord_double::documented_limits("applications/1/commands", &payload),
            Vec::<String>::new()
        );
        let names: Vec<&str> = payload
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "briefing",
                "help",
                "subscribe",
                "schedule",
                "settings",
                "answer",
                "discussion",
                "source",
                "moderate",
                "questions",
                "forget-me"
            ]
        );
        // Moderator commands are hidden from members by default (Manage
        // Server = 32); the handlers check again on every call.
        for command in payload.as_array().unwrap() {
            let expected = match command["name"].as_str() {
                Some("subscribe" | "schedule" | "settings") => Some(32),
                Some("moderate" | "questions") => Some(8192),
                // Administrators; only the owners listed pass the handler.
                Some("source") => Some(8),
                _ => None,
            };
            assert_eq!(
                command["default_member_permissions"].as_u64(),
                expected,
                "{}",
                command["name"]
            );
        }
        let briefing = &payload[0];
        let subcommands: Vec<&str> = briefing["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(
            subcommands,
            ["latest", "read", "search", "list", "categories", "import"]
        );
        let read = &briefing["options"][1]["options"][0];
        assert_eq!(
            (
                read["name"].as_str(),
                read["autocomplete"].as_bool(),
                read["required"].as_bool()
            ),
            (Some("briefing"), Some(true), Some(true))
        );
        // Every text option has a length Discord enforces.
        let mut texts = 0;
        for command in payload.as_array().unwrap() {
            for option in command["options"].as_array().unwrap() {
                let leaves = option["options"]
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![option.clone()]);
                for leaf in leaves.iter().filter(|o| o["type"] == 3) {
                    texts += 1;
                    assert!(
                        leaf["max_length"].as_u64().is_some_and(|m| m <= 4000),
                        "{leaf}"
                    );
                }
            }
        }
        assert!(texts > 20, "{texts}");
    }

    #[test]
    fn every_declared_command_is_routed_with_its_declaration() {
        let commands = super::all();
        let leaves: usize = commands
            .iter()
            .map(|c| {
                if c.subcommands.is_empty() {
                    1
                } else {
                    c.subcommands.len()
                }
            })
            .sum();
        assert_eq!(leaves, super::COMMANDS.len());
        for command in commands.iter().flat_map(|c| {
            if c.subcommands.is_empty() {
                vec![c]
            } else {
                c.subcommands.iter().collect()
            }
        }) {
            let spec = command
                .custom_data
                .downcast_ref::<&'static super::CommandSpec>()
                .expect("each leaf carries its declaration");
            assert_eq!(command.ephemeral, spec.private, "{}", spec.name);
            assert!(command.slash_action.is_some());
        }
    }

    /// What Discord shows a command to and what the dispatcher lets run
    /// agree, for every command: a member holding exactly the permissions
    /// it is registered for may run it, a member without them may not.
    #[tokio::test]
    async fn who_sees_a_command_is_who_may_run_it() {
        use crate::handlers::{Caller, CommandError, Handlers};
        use crate::store::{Db, Store};
        const ADMINISTRATOR: u64 = 1 << 3;
        const MANAGE_SERVER: u64 = 1 << 5;
        const MANAGE_MESSAGES: u64 = 1 << 13;
        let handlers =
            Handlers::new(Db::new(Store::open_in_memory().unwrap())).with_owners(vec![1]);
        let payload = super::registration_payload();
        let refused = |result: Result<(), CommandError>| match result {
            Ok(()) => false,
            Err(CommandError::User(_)) => true,
            Err(other) => panic!("{other:?}"),
        };
        for spec in super::COMMANDS {
            let top = spec.group().unwrap_or(spec.name);
            let registered = payload
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == top)
                .unwrap();
            let bits = registered["default_member_permissions"].as_u64();
            let holds =
                |permission: u64| bits.is_some_and(|b| b & (permission | ADMINISTRATOR) != 0);
            // Owner commands are shown to administrators; the bot's owners
            // (user 1 here) are who may run them, a rule Discord cannot
            // express.
            let shown_to = Caller {
                user_id: 1,
                guild_id: Some(5),
                manages_server: holds(MANAGE_SERVER),
                manages_messages: holds(MANAGE_MESSAGES),
                roles: Vec::new(),
            };
            let member = Caller {
                user_id: 2,
                manages_server: false,
                manages_messages: false,
                ..shown_to.clone()
            };
            let stricter = spec.access.is_some();
            assert_eq!(
                refused(handlers.check_access(&shown_to, spec).await),
                stricter,
                "/{}: registered for {bits:?}",
                spec.name
            );
            assert_eq!(
                refused(handlers.check_access(&member, spec).await),
                bits.is_some() || stricter,
                "/{}",
                spec.name
            );
            // Discord shows a stricter subcommand with its group, so its
            // description must say who it is for.
            if stricter {
                assert!(spec.description.contains("(moderators)"), "{}", spec.name);
            }
        }
    }
}
