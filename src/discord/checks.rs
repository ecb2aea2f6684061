//! Who is calling and where the bot may post, read from what Discord sent
//! and what gateway events told of each server (`servers`). The decisions
//! themselves are the handlers'.

use serenity::all::{
    ChannelId, ChannelType, GuildId, Member, PartialChannel, Permissions, Role, UserId,
};

use super::servers::ChannelLookup;
use super::types::Context;
use crate::handlers::{Caller, ChannelRef, CommandError, CommandResult, RoleRef};

/// Every permission the bot uses, with its name and why. The invite URL is
/// computed from this list, so the two cannot drift apart.
pub const BOT_PERMISSIONS: &[(Permissions, &str, &str)] = &[
    (
        Permissions::VIEW_CHANNEL,
        "View Channel",
        "see the channels it posts in",
    ),
    (
        Permissions::SEND_MESSAGES,
        "Send Messages",
        "post briefings and reports",
    ),
    (
        Permissions::EMBED_LINKS,
        "Embed Links",
        "briefings are embeds",
    ),
    (
        Permissions::ATTACH_FILES,
        "Attach Files",
        "discussion exports",
    ),
    (
        Permissions::READ_MESSAGE_HISTORY,
        "Read Message History",
        "find its own earlier post before a late retry, and old answers to remove",
    ),
    (
        Permissions::CREATE_PUBLIC_THREADS,
        "Create Public Threads",
        "open each briefing's discussion thread",
    ),
    (
        Permissions::SEND_MESSAGES_IN_THREADS,
        "Send Messages in Threads",
        "post the key questions and answers in it",
    ),
    (
        PIN_MESSAGES,
        "Pin Messages",
        "pin featured answers in their thread (without it, they are quoted instead)",
    ),
];

/// Pin Messages (1 << 51), split from Manage Messages by Discord in 2025;
/// serenity 0.12 has no name for it.
pub const PIN_MESSAGES: Permissions = Permissions::from_bits_retain(1 << 51);

/// Asked for only on request (`invite-url --ping-any-role`): it lets the bot
/// ping roles that are not mentionable, which is more than most servers
/// want to hand a bot (the bot's own messages still allow no mention but
/// the subscription's role).
pub const PING_ANY_ROLE: (Permissions, &str, &str) = (
    Permissions::MENTION_EVERYONE,
    "Mention Everyone",
    "ping a subscription's role when the role is not mentionable",
);

/// Asked for only on request (`invite-url --webhooks`): subscriptions that
/// post under each publisher's name make a webhook in their channel.
pub const MAKE_WEBHOOKS: (Permissions, &str, &str) = (
    Permissions::MANAGE_WEBHOOKS,
    "Manage Webhooks",
    "post under each briefing's publisher's name (subscribe identity:publisher)",
);

/// Permissions an invite asks for beyond [`BOT_PERMISSIONS`], each only
/// when the operator wants what it allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteExtras {
    /// [`PING_ANY_ROLE`].
    pub ping_any_role: bool,
    /// [`MAKE_WEBHOOKS`].
    pub webhooks: bool,
}

/// The permission integer of an invite that grants [`BOT_PERMISSIONS`] and
/// the `extras` asked for.
pub fn invite_permissions(extras: InviteExtras) -> u64 {
    let asked = [
        (extras.ping_any_role, PING_ANY_ROLE.0),
        (extras.webhooks, MAKE_WEBHOOKS.0),
    ];
    BOT_PERMISSIONS
        .iter()
        .map(|(p, _, _)| *p)
        .chain(
            asked
                .into_iter()
                .filter(|(wanted, _)| *wanted)
                .map(|(_, p)| p),
        )
        .fold(Permissions::empty(), |all, p| all | p)
        .bits()
}

/// The invite URL for application `client_id` with the bot and slash
/// command scopes and every permission the bot uses.
pub fn invite_url(client_id: u64, extras: InviteExtras) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={client_id}&scope=bot%20applications.commands&permissions={}",
        invite_permissions(extras)
    )
}

/// The application id inside a bot token: its first part is the bot's user
/// id in base64, and a bot's user id is its application's id.
pub fn application_id_from_token(token: &str) -> Option<u64> {
    use base64::Engine;
    let first = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(first.trim_end_matches('='))
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(first.trim_end_matches('='))
        })
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

/// What the bot needs in a channel to post briefings there.
const POSTING: [(Permissions, &str); 3] = [
    (Permissions::VIEW_CHANNEL, "View Channel"),
    (Permissions::SEND_MESSAGES, "Send Messages"),
    (Permissions::EMBED_LINKS, "Embed Links"),
];

/// What it needs besides, when the server keeps discussion threads.
const THREADS: [(Permissions, &str); 2] = [
    (Permissions::CREATE_PUBLIC_THREADS, "Create Public Threads"),
    (
        Permissions::SEND_MESSAGES_IN_THREADS,
        "Send Messages in Threads",
    ),
];

/// The caller, from the member Discord resolved for this interaction.
pub fn caller(user: UserId, guild: Option<GuildId>, member: Option<&Member>) -> Caller {
    let permissions = member.and_then(|m| m.permissions).unwrap_or_default();
    Caller {
        user_id: user.get(),
        guild_id: guild.map(GuildId::get),
        manages_server: permissions.manage_guild() || permissions.administrator(),
        manages_messages: permissions.manage_messages() || permissions.administrator(),
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

/// The kinds of channel a channel option takes (text, announcement,
/// forum): what registration offers, and what is accepted when a command
/// arrives.
pub const ACCEPTED_CHANNELS: [ChannelType; 3] =
    [ChannelType::Text, ChannelType::News, ChannelType::Forum];

/// How a member is named where they are: their server nickname, else
/// their display name (global name, else username). The one rule for
/// answers given by command, by form and by reply.
pub fn member_name(user: &serenity::all::User, nick: Option<&str>) -> String {
    nick.map_or_else(|| user.display_name().to_string(), str::to_string)
}

/// A channel option, with the reason the bot cannot post there (if the
/// cache knows it cannot; Discord's answer to the post is the final word).
/// Refused unless the channel is one of the interaction's own server (by
/// the cache, which gateway events keep: an option's channel carries no
/// server) and of a kind the option takes. The kind is the cache's too.
pub fn channel_ref(ctx: Context<'_>, channel: &PartialChannel) -> CommandResult<ChannelRef> {
    let guild = ctx
        .guild_id()
        .ok_or_else(|| CommandError::User("Channels can be named only in a server.".into()))?;
    let servers = &ctx.data().servers;
    let kind =
        match servers.channel(guild, channel.id.get()) {
            ChannelLookup::ServerUnknown => return Err(CommandError::User(
                "I have not finished loading this server from Discord yet; try again in a moment."
                    .into(),
            )),
            ChannelLookup::NotHere => None,
            ChannelLookup::Found(kind) => Some(kind),
        };
    let Some(kind) = kind else {
        tracing::warn!(
            guild = guild.get(),
            channel = channel.id.get(),
            "a channel option naming a channel of another server: refused"
        );
        return Err(CommandError::User(format!(
            "<#{}> is not a channel of this server. Pick one of this server's channels.",
            channel.id
        )));
    };
    if !ACCEPTED_CHANNELS.contains(&kind) {
        return Err(CommandError::User(format!(
            "<#{}> is not a text, announcement or forum channel; pick one of those.",
            channel.id
        )));
    }
    Ok(ChannelRef {
        id: channel.id.get(),
        name: channel
            .name
            .clone()
            .unwrap_or_else(|| channel.id.to_string()),
        problem: missing_permissions(ctx, guild, channel.id, &POSTING),
        // A forum post is made with Send Messages; only posting inside it
        // needs a thread permission.
        threads_problem: {
            let needed = if kind == ChannelType::Forum {
                &THREADS[1..]
            } else {
                &THREADS[..]
            };
            missing_permissions(ctx, guild, channel.id, needed)
        },
        webhooks_problem: missing_permissions(
            ctx,
            guild,
            channel.id,
            &[(Permissions::MANAGE_WEBHOOKS, "Manage Webhooks")],
        ),
        announcement: kind == ChannelType::News,
        forum: kind == ChannelType::Forum,
    })
}

/// A role option, with the reason the bot could not ping it: @everyone is
/// never offered, and a role that is not mentionable needs Mention Everyone.
/// Refused unless the role is one of the interaction's own server.
pub fn role_ref(ctx: Context<'_>, role: &Role) -> CommandResult<RoleRef> {
    let servers = &ctx.data().servers;
    let ours = ctx
        .guild_id()
        .is_some_and(|guild| servers.role_mentionable(guild, role.id).is_some());
    if !ours {
        tracing::warn!(
            guild = ?ctx.guild_id().map(GuildId::get),
            role = role.id.get(),
            "a role option naming a role of another server: refused"
        );
        return Err(CommandError::User(format!(
            "<@&{}> is not a role of this server. Pick one of this server's roles.",
            role.id
        )));
    }
    let ping_problem = if Some(role.id.get()) == ctx.guild_id().map(GuildId::get) {
        Some("@everyone is not offered; pick a role members can join or leave".to_string())
    } else if role.mentionable {
        None
    } else {
        let bot = ctx.serenity_context().cache.current_user().id;
        let can_mention_everyone = ctx
            .guild_id()
            .and_then(|guild| servers.bot_permissions(guild, bot))
            .map(|granted| granted.mention_everyone());
        (can_mention_everyone != Some(true)).then(|| {
            "the role is not mentionable and the bot lacks Mention Everyone; make the role mentionable (Server Settings, Roles) or give the bot Mention Everyone".to_string()
        })
    };
    Ok(RoleRef {
        id: role.id.get(),
        name: role.name.clone(),
        ping_problem,
    })
}

fn missing_permissions(
    ctx: Context<'_>,
    guild: GuildId,
    channel: ChannelId,
    needed: &[(Permissions, &str)],
) -> Option<String> {
    let bot = ctx.serenity_context().cache.current_user().id;
    let granted = ctx
        .data()
        .servers
        .bot_permissions_in(guild, channel.get(), bot)?;
    let missing: Vec<&str> = needed
        .iter()
        .filter(|(needed, _)| !granted.contains(*needed))
        .map(|(_, name)| *name)
        .collect();
    (!missing.is_empty()).then(|| format!("the bot lacks {}", missing.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_grants_every_permission_the_bot_uses() {
        let bits = invite_permissions(InviteExtras::default());
        for bit in [10, 11, 14, 15, 16, 35, 38] {
            assert_ne!(bits & (1 << bit), 0, "bit {bit}");
        }
        // Nothing more: no administrator, no managing anything.
        assert_eq!(bits.count_ones() as usize, BOT_PERMISSIONS.len());
        assert!(invite_url(123, InviteExtras::default())
            .contains("client_id=123&scope=bot%20applications.commands&permissions="));
        // Mention Everyone (bit 17) only when asked for.
        assert_eq!(bits & (1 << 17), 0);
        let ping = InviteExtras {
            ping_any_role: true,
            webhooks: false,
        };
        assert_eq!(invite_permissions(ping), bits | (1 << 17));
        // Manage Webhooks (bit 29) only when asked for.
        assert_eq!(bits & (1 << 29), 0);
        let hooks = InviteExtras {
            ping_any_role: false,
            webhooks: true,
        };
        assert_eq!(invite_permissions(hooks), bits | (1 << 29));
    }

    #[test]
    fn a_tokens_first_part_names_the_application() {
        // base64("110000000000000001")
        assert_eq!(
            application_id_from_token("MTEwMDAwMDAwMDAwMDAwMDAx.Gabc.def"),
            Some(110_000_000_000_000_001)
        );
        assert_eq!(application_id_from_token("not-base64!.x.y"), None);
    }
}
