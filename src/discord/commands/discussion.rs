use serde_json::json;
use serenity::all::{CreateAttachment, CreateAutocompleteResponse};

use super::briefing::{autocomplete_briefing, choices};
use crate::discord::checks::command_caller;
use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};
use crate::handlers::{CommandError, MAX_ANSWER_CHARS};

/// Answer a briefing's key questions
#[poise::command(
    slash_command,
    subcommands("to", "edit", "delete"),
    subcommand_required
)]
pub async fn answer(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Answer one of a briefing's key questions
#[poise::command(slash_command, ephemeral)]
pub async fn to(
    ctx: Context<'_>,
    #[description = "The briefing (start typing its title)"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: String,
    #[description = "Which key question"]
    #[autocomplete = "autocomplete_question"]
    #[max_length = 200]
    question: String,
    #[description = "Your answer"]
    #[max_length = 4000]
    text: String,
) -> Result<(), Error> {
    let name = author_name(ctx).await;
    let limit = ctx.data().answer_limit;
    respond(
        ctx,
        ctx.data()
            .handlers
            .answer(&command_caller(ctx), name, briefing, question, text, limit),
    )
    .await
}

/// Change one of your answers (the earlier text is kept in its history)
#[poise::command(slash_command, ephemeral)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "The answer's number (#12)"] answer: i64,
    #[description = "The new text"]
    #[max_length = 4000]
    text: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .answer_edit(&command_caller(ctx), answer, text),
    )
    .await
}

/// Delete one of your answers
#[poise::command(slash_command, ephemeral)]
pub async fn delete(
    ctx: Context<'_>,
    #[description = "The answer's number (#12)"] answer: i64,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .answer_delete(&command_caller(ctx), answer),
    )
    .await
}

/// The answers to a briefing's key questions, newest first
#[poise::command(slash_command)]
pub async fn discussion(
    ctx: Context<'_>,
    #[description = "The briefing (start typing its title)"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: String,
    #[description = "Only this question"]
    #[autocomplete = "autocomplete_question"]
    #[max_length = 200]
    question: Option<String>,
) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.discussion(briefing, question, 1)).await
}

/// Delete every answer you gave and your name with them (asks first)
#[poise::command(slash_command, ephemeral, rename = "forget-me")]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), Error> {
    let reply = ctx.data().handlers.forget_me(&command_caller(ctx));
    respond(ctx, async { Ok(reply) }).await
}

/// Moderate discussions (moderators)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES",
    subcommands("remove", "export"),
    subcommand_required
)]
pub async fn moderate(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Hide an answer from members (kept, marked, in exports)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The answer's number (#12)"] answer: i64,
    #[description = "Why (kept with it)"]
    #[max_length = 200]
    reason: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .answer_remove(&command_caller(ctx), answer, reason),
    )
    .await
}

/// A briefing's discussion, or all answers in a date range, as CSV and JSON
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn export(
    ctx: Context<'_>,
    #[description = "Only this briefing"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: Option<String>,
    #[description = "From this day (YYYY-MM-DD, UTC)"]
    #[max_length = 10]
    from: Option<String>,
    #[description = "Up to and including this day (YYYY-MM-DD, UTC)"]
    #[max_length = 10]
    to: Option<String>,
) -> Result<(), Error> {
    let result = async {
        let (from, to) = (day_start(from.as_deref(), 0)?, day_start(to.as_deref(), 1)?);
        ctx.data()
            .handlers
            .export_discussion(&command_caller(ctx), briefing, from, to)
            .await
    }
    .await;
    let export = result?;
    let poise::Context::Application(app) = ctx else {
        return Err(CommandError::User("Export is a slash command.".into()));
    };
    ctx.defer_ephemeral().await?;
    // The body is written here rather than by serenity's builder, which
    // gives attachment ids as numbers where Discord's schema wants strings.
    let body = json!({
        "content": format!("{} answers, as CSV and JSON.", export.rows),
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

/// Milliseconds at the start of `day` (+ `plus` days), UTC.
fn day_start(day: Option<&str>, plus: u64) -> Result<Option<i64>, Error> {
    day.map(|text| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_days(chrono::Days::new(plus)))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .ok_or_else(|| {
                CommandError::User(format!(
                    "'{text}' is not a day: use YYYY-MM-DD, e.g. 2026-11-24."
                ))
            })
    })
    .transpose()
}

async fn author_name(ctx: Context<'_>) -> String {
    match ctx.author_member().await {
        Some(member) => member.display_name().to_string(),
        None => ctx.author().display_name().to_string(),
    }
}

async fn autocomplete_question(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    // The briefing chosen so far, from the other options being typed.
    let briefing = match ctx {
        poise::Context::Application(app) => app
            .args
            .iter()
            .find(|o| o.name == "briefing")
            .and_then(|o| match &o.value {
                serenity::all::ResolvedValue::String(s) => Some(s.to_string()),
                serenity::all::ResolvedValue::Autocomplete { value, .. } => Some(value.to_string()),
                _ => None,
            }),
        _ => None,
    };
    let Some(briefing) = briefing else {
        return CreateAutocompleteResponse::new();
    };
    choices(
        ctx.data()
            .handlers
            .autocomplete_question(briefing, partial.to_string())
            .await,
    )
}

// The limit Discord enforces on the text option is the same one the
// handlers check; this keeps the two from drifting apart.
const _: () = assert!(MAX_ANSWER_CHARS == 4000);
