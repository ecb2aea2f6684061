use serenity::all::{PartialChannel, Role};

use super::schedule::autocomplete_timezone;
use crate::discord::checks::{channel_ref, command_caller};
use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};

/// The server's Briefbot settings (moderators)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "show",
        "timezone",
        "moderator_role",
        "log_channel",
        "threads",
        "answers"
    ),
    subcommand_required
)]
pub async fn settings(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The current settings
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn show(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.settings_show(&command_caller(ctx))).await
}

/// The server's time zone for schedules
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn timezone(
    ctx: Context<'_>,
    #[description = "An IANA name such as Europe/Berlin (start typing a city)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    zone: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data().handlers.set_timezone(&command_caller(ctx), zone),
    )
    .await
}

/// A role whose members may use the moderator commands (leave out to clear)
#[poise::command(slash_command, ephemeral, guild_only, rename = "moderator-role")]
pub async fn moderator_role(
    ctx: Context<'_>,
    #[description = "The role (leave out: Manage Server only)"] role: Option<Role>,
) -> Result<(), Error> {
    let role = role.map(|r| r.id.get());
    respond(
        ctx,
        ctx.data()
            .handlers
            .set_moderator_role(&command_caller(ctx), role),
    )
    .await
}

/// Where the bot reports paused schedules and failed posts (leave out to clear)
#[poise::command(slash_command, ephemeral, guild_only, rename = "log-channel")]
pub async fn log_channel(
    ctx: Context<'_>,
    #[description = "The channel (leave out: none)"]
    #[channel_types("Text", "News")]
    channel: Option<PartialChannel>,
) -> Result<(), Error> {
    let channel = channel.as_ref().map(|c| channel_ref(ctx, c));
    respond(
        ctx,
        ctx.data()
            .handlers
            .set_log_channel(&command_caller(ctx), channel),
    )
    .await
}

/// Open a discussion thread under each posted briefing (on by default)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn threads(
    ctx: Context<'_>,
    #[description = "On: a thread with the key questions; off: none"] on: bool,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .set_discussion_threads(&command_caller(ctx), on),
    )
    .await
}

/// Allow answers only to briefings posted in this server (off by default)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn answers(
    ctx: Context<'_>,
    #[description = "On: only briefings posted here; off: any briefing"] only_posted_here: bool,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .set_answers_where_posted(&command_caller(ctx), only_posted_here),
    )
    .await
}
