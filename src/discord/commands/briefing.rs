use serenity::all::{Attachment, AutocompleteChoice, CreateAutocompleteResponse};

use crate::discord::checks::command_caller;
use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};
use crate::handlers::Choice;

/// Read, find and browse briefings
#[poise::command(
    slash_command,
    subcommands("latest", "read", "search", "list", "categories", "import"),
    subcommand_required
)]
pub async fn briefing(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The newest briefing
#[poise::command(slash_command)]
pub async fn latest(
    ctx: Context<'_>,
    #[description = "Only briefings in this category"]
    #[autocomplete = "autocomplete_category"]
    #[max_length = 100]
    category: Option<String>,
) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.latest(category)).await
}

/// Read a briefing in full
#[poise::command(slash_command)]
pub async fn read(
    ctx: Context<'_>,
    #[description = "Start typing its title"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: String,
) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.read(briefing)).await
}

/// Search the text of every briefing
#[poise::command(slash_command)]
pub async fn search(
    ctx: Context<'_>,
    #[description = "Words to look for"]
    #[max_length = 200]
    query: String,
) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.search(query)).await
}

/// Every briefing, newest first, ten to a page
#[poise::command(slash_command)]
pub async fn list(
    ctx: Context<'_>,
    #[description = "Only briefings in this category"]
    #[autocomplete = "autocomplete_category"]
    #[max_length = 100]
    category: Option<String>,
) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.list(category, 1)).await
}

/// The categories and how many briefings each has
#[poise::command(slash_command)]
pub async fn categories(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.categories()).await
}

/// Import a briefing file: a .txt capture or a .md briefing (moderators)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn import(
    ctx: Context<'_>,
    #[description = "The briefing file (.txt or .md)"] file: Attachment,
) -> Result<(), Error> {
    let handlers = &ctx.data().handlers;
    let options = ctx.data().import_options.clone();
    let caller = command_caller(ctx);
    respond(ctx, async {
        // Refuse before downloading anything.
        handlers
            .import_upload_allowed(&caller, &file.filename, u64::from(file.size), &options)
            .await?;
        let bytes = file.download().await.map_err(|e| {
            crate::handlers::CommandError::User(format!(
                "Could not fetch {} from Discord ({e}); try attaching it again.",
                file.filename
            ))
        })?;
        handlers
            .import_upload(&caller, file.filename.clone(), bytes, options)
            .await
    })
    .await
}

pub(super) fn choices(found: Result<Vec<Choice>, Error>) -> CreateAutocompleteResponse {
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

pub(super) async fn autocomplete_briefing(
    ctx: Context<'_>,
    partial: &str,
) -> CreateAutocompleteResponse {
    choices(
        ctx.data()
            .handlers
            .autocomplete_briefing(partial.to_string())
            .await,
    )
}

async fn autocomplete_category(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    choices(
        ctx.data()
            .handlers
            .autocomplete_category(partial.to_string())
            .await,
    )
}
