//! The Discord adapter: serenity + poise over the same handlers the console
//! uses. Nothing here decides what a command answers; it only translates.

mod cards;
mod checks;
mod commands;
mod health;
mod poster;
mod rate_gate;
mod reply;
mod servers;
mod startup;
mod types;
mod unread;
mod webhooks;

use std::sync::{Arc, Mutex};

pub use checks::{application_id_from_token, invite_permissions, invite_url, InviteExtras};
pub use health::loopback_address;
pub use poster::{classify, DiscordPoster};
pub use rate_gate::RateGate;

use serenity::all::{
    ClientBuilder, ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, GatewayIntents, HttpBuilder, Interaction,
};

use crate::handlers::{AnswerLimit, AnswerPlace, CommandError, Handlers};
use crate::import::ImportOptions;
use crate::posting::PostingConfig;
use types::{Data, Error};

/// Where the bot connects and how it registers its commands.
#[derive(Debug, Clone, Default)]
pub struct DiscordSettings {
    pub token: String,
    /// Register commands in this guild only (instant, for development)
    /// instead of globally.
    pub dev_guild: Option<u64>,
    /// Send REST calls here instead of discord.com: a rate-limiting proxy in
    /// production, a Discord double in tests.
    pub api_base: Option<String>,
    /// How the delivery loop retries and catches up.
    pub posting: PostingConfig,
    /// Limits for `/briefing import` uploads.
    pub import: ImportOptions,
    /// How many answers a member may give per window.
    pub answer_limit: AnswerLimit,
    /// Record plain replies to a question's message in a discussion thread
    /// as answers. Needs the privileged Message Content intent.
    pub read_replies: bool,
    /// Shards in all; `None`: as many as Discord's `/gateway/bot` recommends.
    pub shards: Option<u32>,
    /// The shards this process runs (`first..=last`), of `shards`; `None`:
    /// all of them.
    pub shard_range: Option<(u32, u32)>,
    /// How long start-up may take before the bot gives up and exits
    /// non-zero; `None`: [`DEFAULT_READY_WITHIN`].
    pub ready_within: Option<std::time::Duration>,
    /// Serve `GET /health` here (a loopback address).
    pub health_listen: Option<std::net::SocketAddr>,
}

/// How long start-up may take by default: connecting, registering the
/// commands (with retries) and starting the delivery loop.
pub const DEFAULT_READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(120);

/// What to tell someone who starts the bot without a token.
pub const NO_TOKEN_HELP: &str = "\
No Discord bot token is set.
  1. Create an application at https://discord.com/developers/applications
  2. Under Bot, reset and copy the token
  3. Run with it: DISCORD_TOKEN=... briefbot run   (or set discord.token in the config)
To try Briefbot without Discord, run: briefbot console";

/// Checks the token has Discord's three-part shape before any connection.
pub fn check_token(token: Option<&str>) -> Result<String, String> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(NO_TOKEN_HELP)?;
    serenity::utils::token::validate(token)
        .map_err(|_| "The Discord token is malformed: it should be three dot-separated parts, as the developer portal shows it.".to_string())?;
    Ok(token.to_string())
}

/// Connects and serves until `shutdown` completes (in production: Ctrl-C or
/// SIGTERM, see [`shutdown_signal`]), then closes the gateway connection.
pub async fn run(
    settings: DiscordSettings,
    handlers: Handlers,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let mut http = HttpBuilder::new(&settings.token);
    // serenity's rate limiter sends straight to discord.com, ignoring a
    // proxy, so with a proxy it is off and posts pass through our own gate
    // at Discord's documented limits instead.
    let gate = settings.api_base.as_ref().map(|_| RateGate::discord());
    if let Some(base) = &settings.api_base {
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    let (stop_posting, posting_stopped) = tokio::sync::watch::channel(false);
    let stop_posting = Arc::new(stop_posting);
    // Sources are fetched from the start; what they bring waits in the
    // outbox until the delivery loop runs.
    let following = handlers.follower().cloned().map(|follower| {
        let mut stopped = posting_stopped.clone();
        tokio::spawn(follower.run(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let delivery_loop: DeliverySlot = Arc::default();
    let readiness = startup::Readiness::default();
    let health_handlers = handlers.clone();
    let framework = framework(
        &settings,
        handlers,
        gate,
        posting_stopped,
        Arc::clone(&delivery_loop),
        readiness.clone(),
    );

    // Slash commands and buttons need no privileged intent; reading replies
    // needs message events and their content (privileged: switch it on in
    // the developer portal first, or Discord closes the connection with 4014).
    let intents = if settings.read_replies {
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
    } else {
        GatewayIntents::GUILDS
    };
    // Only what the bot reads: servers, their channels and roles, and its
    // own member (for permissions). No messages; without the presence and
    // member intents Discord sends neither presences nor member lists.
    let mut cache = serenity::cache::Settings::default();
    cache.max_messages = 0;
    cache.cache_users = false;
    // Servers and channels are kept by `servers::Servers`, in a tenth of
    // the memory (BENCHMARKS.md, "Many servers").
    cache.cache_guilds = false;
    cache.cache_channels = false;
    let mut client = ClientBuilder::new_with_http(http.build(), intents)
        .cache_settings(cache)
        .framework(framework)
        // Costs a copy of each event; without it what serenity cannot read
        // vanishes unseen.
        .raw_event_handler(unread::UnreadEvents)
        .await
        .map_err(|e| format!("cannot start the Discord client: {e}"))?;

    let health = match settings.health_listen {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("cannot serve the health endpoint on {address}: {e}"))?;
            tracing::info!(%address, "serving GET /health");
            Some(tokio::spawn(health::serve(
                listener,
                health::Health {
                    readiness: readiness.clone(),
                    handlers: health_handlers,
                    shards: client.shard_manager.clone(),
                    delivery: Arc::clone(&delivery_loop),
                },
            )))
        }
        None => None,
    };
    {
        let told = readiness.clone();
        tokio::spawn(async move {
            told.ready().await;
            tracing::info!("ready: connected, commands registered, delivering");
            startup::tell_supervisor_ready();
        });
        let delivery = Arc::clone(&delivery_loop);
        let readiness = readiness.clone();
        startup::spawn_watchdog(move || !readiness.now().delivering || delivery_running(&delivery));
    }
    let ready_within = settings.ready_within.unwrap_or(DEFAULT_READY_WITHIN);

    let shards = client.shard_manager.clone();
    let stop_on_signal = Arc::clone(&stop_posting);
    let requested = Arc::new(tokio::sync::Notify::new());
    let stopper = {
        let requested = Arc::clone(&requested);
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: stopping deliveries and closing the gateway connection");
            let _ = stop_on_signal.send(true);
            requested.notify_one();
            shards.shutdown_all().await;
        })
    };
    // A shard that cannot reach Discord keeps retrying and does not hear the
    // shutdown, so a requested stop waits for the gateway only so long.
    let result = tokio::select! {
        result = start_shards(&mut client, settings.shards, settings.shard_range) => result.map_err(|e| format!("Discord connection failed: {e}")),
        // Half-started is not an outcome: a supervisor restarts a bot that
        // exits, not one that sits connected and deaf.
        reason = readiness.failure(ready_within) => {
            tracing::error!(%reason, "start-up failed; exiting so the supervisor can start the bot again");
            client.shard_manager.shutdown_all().await;
            Err(format!("start-up failed: {reason}"))
        }
        _ = async {
            requested.notified().await;
            tokio::time::sleep(GATEWAY_CLOSE_GRACE).await;
        } => {
            tracing::warn!("the gateway connection did not close in time (Discord unreachable?); stopping anyway");
            Ok(())
        }
    };
    stopper.abort();
    startup::tell_supervisor_stopping();
    if let Some(health) = health {
        health.abort();
    }
    stop_delivery_loop(&delivery_loop, &stop_posting).await;
    if let Some(mut following) = following {
        // A fetch in progress is cut short; it is simply done again later.
        if tokio::time::timeout(std::time::Duration::from_secs(2), &mut following)
            .await
            .is_err()
        {
            following.abort();
        }
    }
    result
}

/// Connects the shards: Discord's recommended count (`/gateway/bot`), or
/// `total`; all of them, or the range this process runs.
async fn start_shards(
    client: &mut serenity::Client,
    total: Option<u32>,
    range: Option<(u32, u32)>,
) -> serenity::Result<()> {
    match (total, range) {
        (None, None) => client.start_autosharded().await,
        (Some(total), None) => client.start_shards(total).await,
        (total, Some((first, last))) => {
            let total = total.unwrap_or(last + 1);
            client.start_shard_range(first..last + 1, total).await
        }
    }
}

/// Stops the delivery loop. On a requested stop it finishes its round
/// (bounded by its own drain limit); if the connection failed on its own,
/// it stops now. Either way nothing is lost: unsent deliveries wait in the
/// outbox.
async fn stop_delivery_loop(slot: &DeliverySlot, stop: &tokio::sync::watch::Sender<bool>) {
    let task = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    let Some(mut task) = task else {
        return;
    };
    let _ = stop.send(true);
    if tokio::time::timeout(std::time::Duration::from_secs(15), &mut task)
        .await
        .is_err()
    {
        tracing::warn!("the delivery loop did not stop in time");
        task.abort();
    }
}

/// How long a requested stop waits for the gateway connection to close.
const GATEWAY_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether the delivery loop's task has started and not ended.
fn delivery_running(slot: &DeliverySlot) -> bool {
    slot.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .is_some_and(|task| !task.is_finished())
}

/// Where the delivery loop's task is kept once the bot is connected.
pub(crate) type DeliverySlot = Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>;

/// The poise framework: the commands, the event handler, and a setup that
/// registers the commands and starts the delivery loop once connected.
fn framework(
    settings: &DiscordSettings,
    handlers: Handlers,
    gate: Option<RateGate>,
    posting_stopped: tokio::sync::watch::Receiver<bool>,
    delivery_slot: DeliverySlot,
    readiness: startup::Readiness,
) -> poise::Framework<Data, Error> {
    let dev_guild = settings.dev_guild;
    let posting_config = settings.posting.clone();
    let import_options = settings.import.clone();
    let answer_limit = settings.answer_limit;
    let read_replies = settings.read_replies;
    let servers = Arc::new(servers::Servers::default());
    poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |error| Box::pin(on_error(error)),
            // No owner-only commands: skip fetching the application's owners.
            initialize_owners: false,
            event_handler: |framework, event| {
                Box::pin(on_event(
                    framework.serenity_context,
                    event,
                    framework.user_data,
                ))
            },
            ..Default::default()
        })
        // Setup makes no request, so it cannot fail: registration retries
        // on its own task, and commands, buttons and deliveries work from
        // the first Ready whatever it meets.
        .setup(move |ctx, ready, _framework| {
            Box::pin(async move {
                tracing::info!(
                    user = %ready.user.name,
                    guilds = ready.guilds.len(),
                    "connected to Discord"
                );
                readiness.update(|p| p.connected = true);
                tokio::spawn(startup::register_commands(
                    Arc::clone(&ctx.http),
                    dev_guild,
                    readiness.clone(),
                ));
                let poster = Arc::new(DiscordPoster::new(Arc::clone(&ctx.http), gate));
                let posting = handlers.posting(poster, posting_config);
                let mut stopped = posting_stopped;
                let task = tokio::spawn(posting.run(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                }));
                *delivery_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
                readiness.update(|p| p.delivering = true);
                Ok(Data {
                    handlers,
                    import_options,
                    answer_limit,
                    read_replies,
                    servers,
                })
            })
        })
        .build()
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Button presses and form submissions, routed by custom_id so they work
/// after a restart.
async fn on_event(ctx: &SerenityContext, event: &FullEvent, data: &Data) -> Result<(), Error> {
    match event {
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(press),
        } => {
            let caller = checks::caller(press.user.id, press.guild_id, press.member.as_ref());
            let opened = data
                .handlers
                .answer_form_in(&caller, &press.data.custom_id, press.channel_id.get())
                .await;
            if let Some(opened) = opened {
                let response = match opened {
                    Ok(form) => CreateInteractionResponse::Modal(reply::modal(&form)),
                    Err(error) => {
                        CreateInteractionResponse::Message(private(&user_message(&error)))
                    }
                };
                press.create_response(ctx, response).await?;
                return Ok(());
            }
            match data.handlers.button(&caller, &press.data.custom_id).await {
                Some(result) => answer_button(ctx, press, result).await?,
                None => {
                    not_ours(caller.user_id, "button", &press.data.custom_id);
                    let text = "That button is not one Briefbot knows (it may be from an older version); nothing was done.";
                    press
                        .create_response(ctx, CreateInteractionResponse::Message(private(text)))
                        .await?;
                }
            }
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(submit),
        } => {
            let caller = checks::caller(submit.user.id, submit.guild_id, submit.member.as_ref());
            let text = reply::modal_text(&submit.data.components);
            let name = checks::member_name(
                &submit.user,
                submit.member.as_ref().and_then(|m| m.nick.as_deref()),
            );
            let Some(result) = data
                .handlers
                .submit_answer_form(
                    &caller,
                    name,
                    &submit.data.custom_id,
                    text,
                    data.answer_limit,
                    AnswerPlace::Thread(submit.channel_id.get()),
                )
                .await
            else {
                not_ours(caller.user_id, "form", &submit.data.custom_id);
                let text = "That form is not one Briefbot knows; nothing was saved.";
                submit
                    .create_response(ctx, CreateInteractionResponse::Message(private(text)))
                    .await?;
                return Ok(());
            };
            match result {
                Ok(answered) => {
                    // Once the member sees "saved", the answer is on disk;
                    // the delivery loop shows it in the thread (or updates
                    // the message showing it) through the outbox.
                    let saved = answered.reply.messages.first().cloned().unwrap_or_default();
                    submit
                        .create_response(
                            ctx,
                            CreateInteractionResponse::Message(reply::interaction_message(
                                &saved, true,
                            )),
                        )
                        .await?;
                }
                Err(error) => {
                    submit
                        .create_response(
                            ctx,
                            CreateInteractionResponse::Message(private(&user_message(&error))),
                        )
                        .await?;
                }
            }
        }
        FullEvent::Message { new_message } if data.read_replies => {
            answer_reply(ctx, new_message, data).await?;
        }
        // What the permission checks read, kept up to date.
        FullEvent::Ready { data_about_bot } => {
            let all_here = data
                .servers
                .expect(data_about_bot.guilds.iter().map(|g| g.id));
            if all_here {
                all_servers_arrived(data);
            }
        }
        FullEvent::GuildCreate { guild, .. } => {
            let last = data.servers.arrived(guild, ctx.cache.current_user().id);
            if last {
                all_servers_arrived(data);
            }
        }
        FullEvent::GuildUpdate { new_data, .. } => data.servers.updated(new_data),
        FullEvent::GuildDelete { incomplete, .. } => data.servers.gone(incomplete.id),
        FullEvent::ChannelCreate { channel } => data
            .servers
            .channel_changed(channel, ctx.cache.current_user().id),
        FullEvent::ChannelUpdate { new, .. } => data
            .servers
            .channel_changed(new, ctx.cache.current_user().id),
        FullEvent::ChannelDelete { channel, .. } => data.servers.channel_deleted(channel),
        FullEvent::GuildRoleCreate { new } => data.servers.role_changed(new),
        FullEvent::GuildRoleUpdate { new, .. } => data.servers.role_changed(new),
        FullEvent::GuildRoleDelete {
            guild_id,
            removed_role_id,
            ..
        } => data.servers.role_deleted(*guild_id, *removed_role_id),
        FullEvent::GuildMemberUpdate { event: update, .. }
            if update.user.id == ctx.cache.current_user().id =>
        {
            data.servers
                .bot_roles_changed(update.guild_id, &update.roles)
        }
        _ => {}
    }
    Ok(())
}

/// No server a shard announced is still on its way (again after each
/// server joined later): the bench and operators read this line.
fn all_servers_arrived(data: &Data) {
    tracing::info!(
        servers = data.servers.count(),
        "every server announced so far has arrived"
    );
}

/// A member's reply to a question's message in a discussion thread is an
/// answer to that question.
async fn answer_reply(
    ctx: &SerenityContext,
    message: &serenity::all::Message,
    data: &Data,
) -> Result<(), Error> {
    let bot = ctx.cache.current_user().id;
    let Some(prompt) = message.referenced_message.as_deref() else {
        return Ok(());
    };
    if message.author.bot || prompt.author.id != bot {
        return Ok(());
    }
    let Some(custom_id) = prompt
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            serenity::all::ActionRowComponent::Button(b) => match &b.data {
                serenity::all::ButtonKind::NonLink { custom_id, .. } => Some(custom_id.clone()),
                _ => None,
            },
            _ => None,
        })
    else {
        return Ok(());
    };
    let caller = checks::caller(message.author.id, message.guild_id, None);
    let name = checks::member_name(
        &message.author,
        message.member.as_ref().and_then(|m| m.nick.as_deref()),
    );
    let Some(result) = data
        .handlers
        .answer_by_reply(
            &caller,
            name,
            &custom_id,
            message.content.clone(),
            data.answer_limit,
            // The member's own message shows the answer; the bot only
            // replies that it was saved.
            message.channel_id.get(),
        )
        .await
    else {
        return Ok(());
    };
    let note = match result {
        Ok(answered) => answered
            .reply
            .messages
            .first()
            .and_then(|m| m.content.clone())
            .unwrap_or_default(),
        Err(error) => user_message(&error),
    };
    let reply =
        reply::create_message(&crate::domain::view::Message::text(note)).reference_message(message);
    message.channel_id.send_message(ctx, reply).await?;
    Ok(())
}

async fn answer_button(
    ctx: &SerenityContext,
    press: &ComponentInteraction,
    result: Result<crate::domain::view::Reply, CommandError>,
) -> Result<(), Error> {
    let response = match result {
        Ok(reply) => match reply.messages.first() {
            Some(message) => {
                CreateInteractionResponse::UpdateMessage(reply::interaction_message(message, false))
            }
            None => CreateInteractionResponse::Acknowledge,
        },
        Err(error) => CreateInteractionResponse::Message(private(&user_message(&error))),
    };
    press.create_response(ctx, response).await?;
    Ok(())
}

/// An interaction whose custom_id is none of ours: told to the member, and
/// logged (it may be crafted, or from a version that made other ids).
fn not_ours(user: u64, what: &str, custom_id: &str) {
    tracing::warn!(
        user,
        custom_id = %crate::domain::text::truncate(custom_id, 100),
        "a {what} whose custom_id is not one of ours: refused"
    );
}

fn private(text: &str) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(reply::no_mentions())
}

fn user_message(error: &CommandError) -> String {
    error.shown()
}

/// Every failure becomes a clear private reply, never silence.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            let reply = poise::CreateReply::default()
                .content(user_message(&error))
                .ephemeral(true)
                .allowed_mentions(reply::no_mentions());
            if let Err(e) = ctx.send(reply).await {
                tracing::error!(error = %e, "could not send an error reply");
            }
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "could not report a framework error");
            }
        }
    }
}
