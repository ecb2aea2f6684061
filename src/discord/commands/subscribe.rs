use serenity::all::PartialChannel;

use crate::discord::checks::{channel_ref, command_caller};
use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};

/// Post new briefings to channels (moderators)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands("add", "list", "remove"),
    subcommand_required
)]
pub async fn subscribe(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Post every new briefing (or some categories) to a channel
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Where to post"]
    #[channel_types("Text", "News")]
    channel: PartialChannel,
    #[description = "Only these categories, separated by commas (default: all)"]
    #[max_length = 200]
    categories: Option<String>,
) -> Result<(), Error> {
    let channel = channel_ref(ctx, &channel);
    respond(
        ctx,
        ctx.data()
            .handlers
            .subscribe_add(&command_caller(ctx), channel, categories),
    )
    .await
}

/// The subscribed channels
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data().handlers.subscribe_list(&command_caller(ctx)),
    )
    .await
}

/// Stop posting new briefings to a channel
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn remove(
    ctx: Context<'_>,
    #[description = "The channel"]
    #[channel_types("Text", "News")]
    channel: PartialChannel,
) -> Result<(), Error> {
    let channel = channel_ref(ctx, &channel);
    respond(
        ctx,
        ctx.data()
            .handlers
            .subscribe_remove(&command_caller(ctx), channel),
    )
    .await
}
