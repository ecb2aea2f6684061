//! Who is calling and where the bot may post, read from what Discord sent
//! and the cache. The decisions themselves are the handlers'.

use serenity::all::{
    ChannelId, Context as SerenityContext, GuildId, Member, PartialChannel, Permissions, UserId,
};

use super::types::Context;
use crate::handlers::{Caller, ChannelRef};

/// What the bot needs in a channel to post briefings there.
const POSTING: [(Permissions, &str); 3] = [
    (Permissions::VIEW_CHANNEL, "View Channel"),
    (Permissions::SEND_MESSAGES, "Send Messages"),
    (Permissions::EMBED_LINKS, "Embed Links"),
];

/// The caller, from the member Discord resolved for this interaction.
pub fn caller(user: UserId, guild: Option<GuildId>, member: Option<&Member>) -> Caller {
    let permissions = member.and_then(|m| m.permissions).unwrap_or_default();
    Caller {
        user_id: user.get(),
        guild_id: guild.map(GuildId::get),
        manages_server: permissions.manage_guild() || permissions.administrator(),
        roles: member
            .map(|m| m.roles.iter().map(|r| r.get()).collect())
            .unwrap_or_default(),
    }
}

pub fn command_caller(ctx: Context<'_>) -> Caller {
    match ctx {
        poise::Context::Application(app) => caller(
            app.interaction.user.id,
            app.interaction.guild_id,
            app.interaction.member.as_deref(),
        ),
        poise::Context::Prefix(prefix) => caller(prefix.msg.author.id, prefix.msg.guild_id, None),
    }
}

/// A channel option, with the reason the bot cannot post there (if the
/// cache knows it cannot; Discord's answer to the post is the final word).
pub fn channel_ref(ctx: Context<'_>, channel: &PartialChannel) -> ChannelRef {
    ChannelRef {
        id: channel.id.get(),
        name: channel
            .name
            .clone()
            .unwrap_or_else(|| channel.id.to_string()),
        problem: ctx
            .guild_id()
            .and_then(|guild| missing_permissions(ctx.serenity_context(), guild, channel.id)),
    }
}

fn missing_permissions(
    ctx: &SerenityContext,
    guild: GuildId,
    channel: ChannelId,
) -> Option<String> {
    let bot = ctx.cache.current_user().id;
    let guild = ctx.cache.guild(guild)?;
    let channel = guild.channels.get(&channel)?;
    let member = guild.members.get(&bot)?;
    let granted = guild.user_permissions_in(channel, member);
    let missing: Vec<&str> = POSTING
        .iter()
        .filter(|(needed, _)| !granted.contains(*needed))
        .map(|(_, name)| *name)
        .collect();
    (!missing.is_empty()).then(|| format!("the bot lacks {}", missing.join(", ")))
}
