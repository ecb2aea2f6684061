use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};

/// What each Briefbot command does
#[poise::command(slash_command, ephemeral)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let reply = ctx.data().handlers.help();
    respond(ctx, async { Ok(reply) }).await
}
