//! What the bot knows of each server, kept from gateway events in as little
//! memory as it needs: each channel's kind and the permission overwrites
//! that can concern the bot, each role's permissions and mentionability,
//! the owner and the bot's own roles. Serenity's cache would keep whole
//! `Guild`s (about 22 KB a server, BENCHMARKS.md "Many servers"); this keeps
//! under 3 KB, and the permission checks read nothing else.

use std::collections::{HashMap, HashSet};
use std::sync::{PoisonError, RwLock};

use serenity::all::{
    ChannelType, Guild, GuildChannel, GuildId, PartialGuild, PermissionOverwriteType, Permissions,
    Role, RoleId, UserId,
};

/// One permission overwrite of a channel: for a role (@everyone's id is the
/// server's), or for the bot's own user (ids never collide across kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Overwrite {
    target: u64,
    allow: Permissions,
    deny: Permissions,
}

/// A channel: its kind, and where its overwrites are in its server's list
/// (one list per server rather than one allocation per channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChannelView {
    id: u64,
    first: u32,
    count: u16,
    kind: ChannelType,
}

/// A channel with its overwrites, while a server's list is rebuilt.
type LooseChannel = (u64, ChannelType, Vec<Overwrite>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RoleView {
    id: u64,
    permissions: Permissions,
    mentionable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Server {
    owner: u64,
    /// Sorted by id.
    channels: Box<[ChannelView]>,
    /// Every channel's overwrites, each channel's together.
    overwrites: Box<[Overwrite]>,
    /// Sorted by id; @everyone's id is the server's.
    roles: Box<[RoleView]>,
    /// The bot's roles here, sorted.
    bot_roles: Box<[u64]>,
}

impl Server {
    fn overwrites_of(&self, channel: &ChannelView) -> &[Overwrite] {
        let first = channel.first as usize;
        self.overwrites
            .get(first..first + usize::from(channel.count))
            .unwrap_or_default()
    }

    fn set_channels(&mut self, mut channels: Vec<LooseChannel>) {
        channels.sort_by_key(|(id, _, _)| *id);
        let mut overwrites = Vec::with_capacity(channels.iter().map(|c| c.2.len()).sum());
        let mut views = Vec::with_capacity(channels.len());
        for (id, kind, own) in channels {
            // Discord allows at most 100 overwrites a channel; more would
            // not fit the count and are not the bot's concern.
            let own = &own[..own.len().min(usize::from(u16::MAX))];
            views.push(ChannelView {
                id,
                first: u32::try_from(overwrites.len()).unwrap_or(u32::MAX),
                count: own.len() as u16,
                kind,
            });
            overwrites.extend_from_slice(own);
        }
        self.channels = views.into_boxed_slice();
        self.overwrites = overwrites.into_boxed_slice();
    }

    fn loose_channels(&self) -> Vec<LooseChannel> {
        self.channels
            .iter()
            .map(|c| (c.id, c.kind, self.overwrites_of(c).to_vec()))
            .collect()
    }

    fn channel(&self, id: u64) -> Option<&ChannelView> {
        self.channels
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|at| &self.channels[at])
    }

    fn role(&self, id: u64) -> Option<&RoleView> {
        self.roles
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .map(|at| &self.roles[at])
    }

    /// The bot's permissions in the server, before any channel's overwrites
    /// (Discord's order: @everyone, then the member's roles; owner and
    /// Administrator have all).
    fn base_permissions(&self, guild: u64, bot: u64) -> Permissions {
        if self.owner == bot {
            return Permissions::all();
        }
        let mut granted = self
            .role(guild)
            .map_or(Permissions::empty(), |r| r.permissions);
        for role in self.bot_roles.iter().filter_map(|id| self.role(*id)) {
            granted |= role.permissions;
        }
        if granted.contains(Permissions::ADMINISTRATOR) {
            return Permissions::all();
        }
        granted
    }

    /// The bot's permissions in a channel: Discord's algorithm
    /// (developer docs, "Permissions", permission overwrites): @everyone's
    /// overwrite, then all its roles' denies and allows, then its own.
    fn permissions_in(&self, guild: u64, bot: u64, channel: &ChannelView) -> Permissions {
        let mut granted = self.base_permissions(guild, bot);
        if granted == Permissions::all() {
            return granted;
        }
        let overwrite = |pick: &dyn Fn(&Overwrite) -> bool| {
            self.overwrites_of(channel)
                .iter()
                .filter(|o| pick(o))
                .fold((Permissions::empty(), Permissions::empty()), |(a, d), o| {
                    (a | o.allow, d | o.deny)
                })
        };
        let (allow, deny) = overwrite(&|o| o.target == guild);
        granted = (granted & !deny) | allow;
        let (allow, deny) =
            overwrite(&|o| o.target != guild && self.bot_roles.binary_search(&o.target).is_ok());
        granted = (granted & !deny) | allow;
        let (allow, deny) = overwrite(&|o| o.target == bot);
        (granted & !deny) | allow
    }
}

fn loose_channel(channel: &GuildChannel, bot: u64) -> LooseChannel {
    let overwrites = channel
        .permission_overwrites
        .iter()
        .filter_map(|o| {
            let target = match o.kind {
                PermissionOverwriteType::Role(role) => role.get(),
                // Other members' overwrites never concern the bot.
                PermissionOverwriteType::Member(user) if user.get() == bot => user.get(),
                _ => return None,
            };
            Some(Overwrite {
                target,
                allow: o.allow,
                deny: o.deny,
            })
        })
        .collect();
    (channel.id.get(), channel.kind, overwrites)
}

fn role_view(role: &Role) -> RoleView {
    RoleView {
        id: role.id.get(),
        permissions: role.permissions,
        mentionable: role.mentionable,
    }
}

fn sorted<T>(mut items: Vec<T>, key: impl Fn(&T) -> u64) -> Box<[T]> {
    items.sort_by_key(|item| key(item));
    items.into_boxed_slice()
}

/// What a permission check may learn of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelLookup {
    /// The server has not arrived from Discord yet.
    ServerUnknown,
    /// The server has no such channel.
    NotHere,
    Found(ChannelType),
}

/// Every server the bot is in, as [`Server`]s; shared by every shard.
#[derive(Debug, Default)]
pub struct Servers {
    servers: RwLock<HashMap<u64, Server>>,
    /// Servers announced by a Ready that have not arrived yet.
    pending: RwLock<HashSet<u64>>,
    /// Told each time a server arrives.
    arrivals: tokio::sync::Notify,
}

impl Servers {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, Server>> {
        self.servers.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<u64, Server>> {
        self.servers.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many servers are known.
    pub fn count(&self) -> usize {
        self.read().len()
    }

    /// A shard's Ready named these servers; they arrive one by one (events
    /// are handled side by side, so some may be here already). Returns true
    /// when none is still on its way.
    pub fn expect(&self, guilds: impl IntoIterator<Item = GuildId>) -> bool {
        let known = self.read();
        let mut pending = self.pending.write().unwrap_or_else(PoisonError::into_inner);
        let before = pending.len();
        pending.extend(
            guilds
                .into_iter()
                .map(GuildId::get)
                .filter(|id| !known.contains_key(id)),
        );
        pending.is_empty() && before == 0
    }

    /// A server arrived (GUILD_CREATE): returns true when it was the last
    /// one announced still on its way.
    pub fn arrived(&self, guild: &Guild, bot: UserId) -> bool {
        let bot = bot.get();
        let mut server = Server {
            owner: guild.owner_id.get(),
            channels: Box::default(),
            overwrites: Box::default(),
            roles: sorted(guild.roles.values().map(role_view).collect(), |r| r.id),
            bot_roles: sorted(
                guild
                    .members
                    .get(&UserId::new(bot))
                    .map(|m| m.roles.iter().map(|r| r.get()).collect())
                    .unwrap_or_default(),
                |id| *id,
            ),
        };
        server.set_channels(
            guild
                .channels
                .values()
                .map(|c| loose_channel(c, bot))
                .collect(),
        );
        self.write().insert(guild.id.get(), server);
        self.arrivals.notify_waiters();
        let mut pending = self.pending.write().unwrap_or_else(PoisonError::into_inner);
        pending.remove(&guild.id.get()) && pending.is_empty()
    }

    /// Waits (at most `bound`) until `guild` has arrived; returns whether it
    /// has.
    pub async fn arrival(&self, guild: GuildId, bound: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let arrived = self.arrivals.notified();
            if self.read().contains_key(&guild.get()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return false;
            }
        }
    }

    /// The server's own settings changed (owner, roles).
    pub fn updated(&self, guild: &PartialGuild) {
        if let Some(server) = self.write().get_mut(&guild.id.get()) {
            server.owner = guild.owner_id.get();
            server.roles = sorted(guild.roles.values().map(role_view).collect(), |r| r.id);
        }
    }

    /// The bot left the server, or it became unavailable (an outage; it is
    /// sent again when back).
    pub fn gone(&self, guild: GuildId) {
        self.write().remove(&guild.get());
    }

    pub fn channel_changed(&self, channel: &GuildChannel, bot: UserId) {
        let changed = loose_channel(channel, bot.get());
        if let Some(server) = self.write().get_mut(&channel.guild_id.get()) {
            let mut channels = server.loose_channels();
            channels.retain(|c| c.0 != changed.0);
            channels.push(changed);
            server.set_channels(channels);
        }
    }

    pub fn channel_deleted(&self, channel: &GuildChannel) {
        if let Some(server) = self.write().get_mut(&channel.guild_id.get()) {
            let id = channel.id.get();
            if server.channel(id).is_some() {
                let mut channels = server.loose_channels();
                channels.retain(|c| c.0 != id);
                server.set_channels(channels);
            }
        }
    }

    pub fn role_changed(&self, role: &Role) {
        if let Some(server) = self.write().get_mut(&role.guild_id.get()) {
            let mut roles = std::mem::take(&mut server.roles).into_vec();
            roles.retain(|r| r.id != role.id.get());
            roles.push(role_view(role));
            server.roles = sorted(roles, |r| r.id);
        }
    }

    pub fn role_deleted(&self, guild: GuildId, role: RoleId) {
        if let Some(server) = self.write().get_mut(&guild.get()) {
            let mut roles = std::mem::take(&mut server.roles).into_vec();
            roles.retain(|r| r.id != role.get());
            server.roles = roles.into_boxed_slice();
        }
    }

    /// The bot's own member changed (its roles).
    pub fn bot_roles_changed(&self, guild: GuildId, roles: &[RoleId]) {
        if let Some(server) = self.write().get_mut(&guild.get()) {
            server.bot_roles = sorted(roles.iter().map(|r| r.get()).collect(), |id| *id);
        }
    }

    pub fn channel(&self, guild: GuildId, channel: u64) -> ChannelLookup {
        match self.read().get(&guild.get()) {
            None => ChannelLookup::ServerUnknown,
            Some(server) => server
                .channel(channel)
                .map_or(ChannelLookup::NotHere, |c| ChannelLookup::Found(c.kind)),
        }
    }

    /// The bot's permissions in one of the server's channels, if both are
    /// known.
    pub fn bot_permissions_in(
        &self,
        guild: GuildId,
        channel: u64,
        bot: UserId,
    ) -> Option<Permissions> {
        let servers = self.read();
        let server = servers.get(&guild.get())?;
        let channel = server.channel(channel)?;
        Some(server.permissions_in(guild.get(), bot.get(), channel))
    }

    /// The bot's server-wide permissions, if the server is known.
    pub fn bot_permissions(&self, guild: GuildId, bot: UserId) -> Option<Permissions> {
        let servers = self.read();
        Some(
            servers
                .get(&guild.get())?
                .base_permissions(guild.get(), bot.get()),
        )
    }

    /// The role, if it is one of the server's: whether members can mention it.
    pub fn role_mentionable(&self, guild: GuildId, role: RoleId) -> Option<bool> {
        let servers = self.read();
        Some(servers.get(&guild.get())?.role(role.get())?.mentionable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: u64 = 1_000;
    const BOT: u64 = 7;
    const MODS: u64 = 1_001;

    fn server(bot_roles: &[u64], overwrites: Vec<Overwrite>) -> Server {
        let mut server = Server {
            owner: 99,
            channels: Box::default(),
            overwrites: Box::default(),
            roles: vec![
                RoleView {
                    id: GUILD,
                    permissions: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
                    mentionable: false,
                },
                RoleView {
                    id: MODS,
                    permissions: Permissions::EMBED_LINKS,
                    mentionable: true,
                },
            ]
            .into_boxed_slice(),
            bot_roles: bot_roles.to_vec().into_boxed_slice(),
        };
        // A channel without overwrites first: each channel finds its own.
        server.set_channels(vec![
            (4, ChannelType::Voice, Vec::new()),
            (5, ChannelType::Text, overwrites),
        ]);
        server
    }

    fn overwrite(target: u64, allow: Permissions, deny: Permissions) -> Overwrite {
        Overwrite {
            target,
            allow,
            deny,
        }
    }

    fn in_channel(server: &Server) -> Permissions {
        server.permissions_in(GUILD, BOT, server.channel(5).unwrap())
    }

    #[test]
    fn overwrites_apply_in_discords_order() {
        let send = Permissions::SEND_MESSAGES;
        let none = Permissions::empty();
        let everyone_denies = server(&[MODS], vec![overwrite(GUILD, none, send)]);
        let granted = in_channel(&everyone_denies);
        assert!(!granted.contains(send) && granted.contains(Permissions::EMBED_LINKS));
        let voice = everyone_denies.channel(4).unwrap();
        assert!(everyone_denies
            .permissions_in(GUILD, BOT, voice)
            .contains(send));

        // A role's allow beats @everyone's deny; the bot's own deny beats both.
        let layered = vec![overwrite(GUILD, none, send), overwrite(MODS, send, none)];
        assert!(in_channel(&server(&[MODS], layered.clone())).contains(send));
        let mut own = layered.clone();
        own.push(overwrite(BOT, none, send));
        let mut denied = server(&[MODS], own);
        assert!(!in_channel(&denied).contains(send));

        // A role the bot does not have changes nothing.
        let not_ours = server(&[], vec![overwrite(MODS, Permissions::ATTACH_FILES, send)]);
        let granted = in_channel(&not_ours);
        assert!(granted.contains(send) && !granted.contains(Permissions::ATTACH_FILES));

        // The owner and Administrator have everything.
        denied.owner = BOT;
        assert_eq!(in_channel(&denied), Permissions::all());
        let mut admin = server(&[MODS], vec![overwrite(GUILD, none, send)]);
        admin.roles[1].permissions = Permissions::ADMINISTRATOR;
        assert_eq!(in_channel(&admin), Permissions::all());
    }

    #[test]
    fn a_changed_channel_keeps_the_others_overwrites() {
        let send = Permissions::SEND_MESSAGES;
        let mut server = server(&[], vec![overwrite(GUILD, Permissions::empty(), send)]);
        let mut channels = server.loose_channels();
        channels.retain(|c| c.0 != 4);
        channels.push((
            4,
            ChannelType::Text,
            vec![overwrite(GUILD, Permissions::empty(), send)],
        ));
        channels.push((3, ChannelType::Text, Vec::new()));
        server.set_channels(channels);
        assert_eq!(
            server.channels.iter().map(|c| c.id).collect::<Vec<_>>(),
            [3, 4, 5]
        );
        for (id, sends) in [(3, true), (4, false), (5, false)] {
            let channel = server.channel(id).unwrap();
            assert_eq!(
                server.permissions_in(GUILD, BOT, channel).contains(send),
                sends,
                "{id}"
            );
        }
    }
}
