//! The test server as Discord describes it: its ids, guild, channels, users
//! and the members who invoke commands, and message objects as Discord
//! returns them.

use serde_json::{json, Value};

use super::*;

/// Send Messages.
pub(crate) const SEND_MESSAGES: u64 = 1 << 11;

pub(crate) const VIEW_CHANNEL: u64 = 1 << 10;

pub(crate) const CREATE_PUBLIC_THREADS: u64 = 1 << 35;

pub(crate) const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

/// Pin Messages: not among @everyone's permissions in the test server, so
/// a test grants it where it wants pins to work.
pub const PIN_MESSAGES: u64 = 1 << 51;

/// What @everyone (and so the bot, which has no other role) may do.
pub(crate) const EVERYONE_PERMISSIONS: u64 = 2_248_473_465_835_073;

/// Who invokes an interaction.
#[derive(Debug, Clone)]
pub struct Invoker {
    pub user_id: u64,
    /// The member's resolved permissions in the channel.
    pub permissions: u64,
    pub roles: Vec<u64>,
}

impl Invoker {
    /// A member with Manage Server.
    pub fn moderator() -> Self {
        Self {
            user_id: MEMBER_ID,
            permissions: 2_147_483_647,
            roles: Vec::new(),
        }
    }

    /// A member of the second test server with Manage Server there.
    pub fn second_moderator() -> Self {
        Self {
            user_id: SECOND_MODERATOR_ID,
            ..Self::moderator()
        }
    }

    /// A member of the second test server without Manage Server.
    pub fn second_member() -> Self {
        Self {
            user_id: SECOND_MEMBER_ID,
            ..Self::member()
        }
    }

    /// Makes `interaction` come from this member.
    pub(crate) fn apply(&self, interaction: &mut Value) {
        let member = &mut interaction["member"];
        member["user"]["id"] = json!(self.user_id.to_string());
        member["user"]["username"] = json!(format!("member{}", self.user_id));
        member["permissions"] = json!(self.permissions.to_string());
        member["roles"] = json!(self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>());
    }

    /// A member with the everyday permissions (no Manage Server, Manage
    /// Messages or Administrator), as if a server admin had opened the
    /// moderator commands to everyone.
    pub fn member() -> Self {
        Self {
            user_id: MEMBER_ID,
            permissions: 2_147_483_647 & !MANAGE_GUILD & !MANAGE_MESSAGES & !(1 << 3),
            roles: Vec::new(),
        }
    }
}

/// `data.resolved` for commands naming channels of the test server.
pub fn resolved_channels(ids: &[u64]) -> Value {
    let channels: serde_json::Map<String, Value> = ids
        .iter()
        .map(|id| {
            let name = match *id {
                CHANNEL_ID => "briefings".to_string(),
                LOG_CHANNEL_ID => "mod-log".to_string(),
                LOCKED_CHANNEL_ID => "announcements".to_string(),
                NO_THREADS_CHANNEL_ID => "no-threads".to_string(),
                ANNOUNCEMENT_CHANNEL_ID => "briefing-news".to_string(),
                FORUM_CHANNEL_ID => "briefing-forum".to_string(),
                other => format!("channel-{other}"),
            };
            // The channel's type, as the server describes it.
            let kind = guild_json()["channels"]
                .as_array()
                .and_then(|all| all.iter().find(|c| c["id"] == json!(id.to_string())))
                .map_or(json!(0), |c| c["type"].clone());
            (id.to_string(), json!({ "id": id.to_string(), "name": name, "type": kind, "permissions": "2147483647" }))
        })
        .collect();
    json!({ "channels": channels })
}

/// `data.resolved` for a command naming the moderator role.
pub fn resolved_moderator_role() -> Value {
    json!({ "roles": { MODERATOR_ROLE_ID.to_string(): moderator_role() } })
}

/// A role members join to be pinged about new briefings (mentionable).
pub(crate) fn readers_role() -> Value {
    json!({
        "id": READERS_ROLE_ID.to_string(), "name": "Briefing readers", "color": 0, "hoist": false, "icon": null,
        "unicode_emoji": null, "position": 2, "permissions": "0", "managed": false,
        "mentionable": true, "flags": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
    })
}

/// `data.resolved` for commands naming the readers' role.
pub fn resolved_readers_role() -> Value {
    json!({ "roles": { READERS_ROLE_ID.to_string(): readers_role() } })
}

/// The roles a message pings, by Discord's rule: a `<@&id>` in its content
/// that `allowed_mentions` lets through (no `allowed_mentions` lets all),
/// of a role that is mentionable or posted by a bot with Mention Everyone
/// (docs: Allowed Mentions; Permissions, MENTION_EVERYONE).
pub fn pinged_roles(body: &Value, bot_permissions: u64) -> Vec<u64> {
    let content = shown_text(body);
    let mentions = &body["allowed_mentions"];
    let allowed = |id: u64| {
        mentions.is_null()
            || mentions["parse"]
                .as_array()
                .is_some_and(|p| p.iter().any(|v| v == "roles"))
            || mentions["roles"]
                .as_array()
                .is_some_and(|r| r.iter().any(|v| v == &json!(id.to_string())))
    };
    let roles = guild_json()["roles"].clone();
    let mentionable = |id: u64| {
        roles
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["id"] == json!(id.to_string()) && r["mentionable"] == json!(true))
    };
    content
        .split("<@&")
        .skip(1)
        .filter_map(|rest| rest.split_once('>')?.0.parse::<u64>().ok())
        .filter(|id| allowed(*id))
        .filter(|id| mentionable(*id) || bot_permissions & MENTION_EVERYONE != 0)
        .collect()
}

/// The text a message shows: its `content`, then the content of every Text
/// Display, nested ones included (mentions there ping as in `content`:
/// Discord's Components reference, "Text Display").
pub fn shown_text(body: &Value) -> String {
    fn walk(components: &Value, out: &mut String) {
        for component in components.as_array().into_iter().flatten() {
            if component["type"] == 10 {
                out.push('\n');
                out.push_str(component["content"].as_str().unwrap_or_default());
            }
            walk(&component["components"], out);
        }
    }
    let mut text = body["content"].as_str().unwrap_or_default().to_string();
    walk(&body["components"], &mut text);
    text
}

pub(crate) fn moderator_role() -> Value {
    json!({
        "id": MODERATOR_ROLE_ID.to_string(), "name": "Moderators", "color": 0, "hoist": false, "icon": null,
        "unicode_emoji": null, "position": 1, "permissions": "0", "managed": false,
        "mentionable": false, "flags": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
    })
}

/// The test server as GUILD_CREATE carries it: one text channel, the bot and
/// one member, the @everyone role.
pub fn guild_json() -> Value {
    json!({
        "id": GUILD_ID.to_string(),
        "name": "Briefbot Test Server",
        "icon": null,
        "owner_id": MEMBER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [{
            "id": GUILD_ID.to_string(), "name": "@everyone", "color": 0, "hoist": false, "icon": null,
            "unicode_emoji": null, "position": 0, "permissions": "2248473465835073", "managed": false,
            "mentionable": false, "flags": 0,
            "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
        }, moderator_role(), readers_role()],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 2,
        "voice_states": [],
        "members": [
            { "user": bot_user(), "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 },
            { "user": member_user(), "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 }
        ],
        "channels": [
            text_channel(CHANNEL_ID, "briefings", json!([])),
            text_channel(LOG_CHANNEL_ID, "mod-log", json!([])),
            // @everyone (the bot has no other role) may not send here.
            text_channel(LOCKED_CHANNEL_ID, "announcements", json!([
                { "id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": SEND_MESSAGES.to_string() }
            ])),
            // The bot may post here but not open threads.
            text_channel(NO_THREADS_CHANNEL_ID, "no-threads", json!([
                { "id": GUILD_ID.to_string(), "type": 0, "allow": "0", "deny": CREATE_PUBLIC_THREADS.to_string() }
            ])),
            forum_channel(FORUM_CHANNEL_ID, "briefing-forum"),
            announcement_channel(ANNOUNCEMENT_CHANNEL_ID, "briefing-news"),
        ],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": []
    })
}

pub(crate) fn thread_json(guild: u64, id: u64, parent: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(), "type": 11, "guild_id": guild.to_string(), "parent_id": parent.to_string(),
        "name": name, "owner_id": BOT_USER_ID.to_string(), "last_message_id": null, "rate_limit_per_user": 0,
        "message_count": 0, "member_count": 1, "flags": 0, "nsfw": false, "position": 0,
        "permission_overwrites": [],
        "thread_metadata": {
            "archived": false, "auto_archive_duration": 10080, "locked": false,
            "archive_timestamp": "2026-01-01T00:00:00.000000+00:00", "create_timestamp": "2026-01-01T00:00:00.000000+00:00"
        },
        "total_message_sent": 0
    })
}

pub(crate) fn text_channel(id: u64, name: &str, overwrites: Value) -> Value {
    json!({
        "id": id.to_string(), "type": 0, "name": name, "position": 0,
        "permission_overwrites": overwrites, "nsfw": false, "parent_id": null, "topic": null,
        "last_message_id": null, "rate_limit_per_user": 0, "flags": 0
    })
}

/// The second test server: the same bot, its own member and moderator,
/// one text channel.
pub fn second_guild_json() -> Value {
    let mut guild = guild_json();
    guild["id"] = json!(SECOND_GUILD_ID.to_string());
    guild["name"] = json!("Briefbot Second Server");
    guild["roles"][0]["id"] = json!(SECOND_GUILD_ID.to_string());
    guild["roles"] = json!([guild["roles"][0].clone()]);
    guild["channels"] = json!([text_channel(SECOND_CHANNEL_ID, "briefings", json!([]))]);
    let person = |id: u64| {
        json!({
            "user": { "id": id.to_string(), "username": format!("member{id}"), "discriminator": "0", "global_name": null, "avatar": null, "bot": false },
            "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0
        })
    };
    guild["members"] = json!([
        { "user": bot_user(), "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 },
        person(SECOND_MEMBER_ID),
        person(SECOND_MODERATOR_ID)
    ]);
    guild["member_count"] = json!(3);
    guild
}

/// Channels and roles of each server [`crate::Double::add_generated_guilds`]
/// makes (the @everyone role included).
pub const GENERATED_CHANNELS: u64 = 20;
pub const GENERATED_ROLES: u64 = 10;

/// The `n`th made-up server: ids spread over the shards as real ones are
/// (`(id >> 22) % shards`), a category holding text, voice and
/// announcement channels, roles with permissions, and the bot as member.
pub fn generated_guild_json(n: u64) -> Value {
    let id = 230_000_000_000_000_000 + (n << 22);
    let snowflake = |k: u64| (id + 64 + k).to_string();
    let mut guild = guild_json();
    guild["id"] = json!(id.to_string());
    guild["name"] = json!(format!("Community {n}"));
    guild["owner_id"] = json!((id + 1).to_string());
    guild["member_count"] = json!(100 + n % 5_000);
    guild["members"] = json!([
        { "user": bot_user(), "roles": [snowflake(1)], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 }
    ]);
    let roles: Vec<Value> = (0..GENERATED_ROLES)
        .map(|k| {
            let mut role = readers_role();
            role["id"] = json!(if k == 0 { id.to_string() } else { snowflake(k) });
            role["name"] = json!(if k == 0 {
                "@everyone".to_string()
            } else {
                format!("role {k}")
            });
            role["position"] = json!(k);
            role["permissions"] = json!(if k == 0 { "2248473465835073" } else { "68608" });
            role
        })
        .collect();
    guild["roles"] = json!(roles);
    let channels: Vec<Value> = (0..GENERATED_CHANNELS)
        .map(|k| {
            let channel_id = snowflake(100 + k);
            let mut channel = text_channel(
                0,
                &format!("channel-{k}"),
                json!([
                    { "id": snowflake(2), "type": 0, "allow": "1024", "deny": "2048" }
                ]),
            );
            channel["id"] = json!(channel_id);
            channel["position"] = json!(k);
            match k {
                0 => channel["type"] = json!(4),
                1..=3 => {
                    channel["type"] = json!(2);
                    channel["bitrate"] = json!(64_000);
                    channel["user_limit"] = json!(0);
                }
                4 => channel["type"] = json!(5),
                _ => channel["topic"] = json!(format!("Talk about topic {k} here")),
            }
            if k != 0 {
                channel["parent_id"] = json!(snowflake(100));
            }
            channel
        })
        .collect();
    guild["channels"] = json!(channels);
    guild
}

pub(crate) fn announcement_channel(id: u64, name: &str) -> Value {
    let mut channel = text_channel(id, name, json!([]));
    channel["type"] = json!(5);
    channel
}

pub(crate) fn forum_channel(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(), "type": 15, "name": name, "position": 0,
        "permission_overwrites": [], "nsfw": false, "parent_id": null, "topic": null,
        "last_message_id": null, "rate_limit_per_user": 0, "flags": REQUIRE_TAG,
        "available_tags": [
            { "id": ENERGY_TAG_ID.to_string(), "name": "Energy", "moderated": false, "emoji_id": null, "emoji_name": null },
            { "id": POLICY_TAG_ID.to_string(), "name": "Policy", "moderated": false, "emoji_id": null, "emoji_name": null }
        ],
        "default_reaction_emoji": null, "default_sort_order": null,
        "default_forum_layout": 0
    })
}

pub(crate) fn bot_user() -> Value {
    json!({ "id": BOT_USER_ID.to_string(), "username": "briefbot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true })
}

pub(crate) fn member_user() -> Value {
    json!({ "id": MEMBER_ID.to_string(), "username": "member", "discriminator": "0", "global_name": "Member", "avatar": null })
}

/// A message object as Discord returns it, carrying what was sent.
pub(crate) fn message_json(id: u64, sent: &Value) -> Value {
    message_in(id, CHANNEL_ID, sent)
}

pub(crate) fn message_in(id: u64, channel_id: u64, sent: &Value) -> Value {
    let mut embeds = sent["embeds"].as_array().cloned().unwrap_or_default();
    for embed in &mut embeds {
        embed["type"] = json!("rich");
    }
    // A webhook's post is authored by the webhook, under the name it was
    // posted with, and says which webhook made it.
    let author = match sent["webhook_id"].as_str() {
        Some(hook) => {
            json!({ "id": hook, "username": sent["username"].as_str().unwrap_or(""), "discriminator": "0000", "avatar": null, "bot": true })
        }
        None => bot_user(),
    };
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": sent["content"].as_str().unwrap_or(""),
        "timestamp": "2026-01-01T00:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds,
        "pinned": false,
        "type": 0,
        "flags": sent["flags"].as_u64().unwrap_or(0),
        "components": sent["components"].clone().as_array().cloned().unwrap_or_default(),
        "nonce": sent.get("nonce").cloned().unwrap_or(Value::Null),
    });
    if let Some(hook) = sent.get("webhook_id") {
        message["webhook_id"] = hook.clone();
    }
    message
}
