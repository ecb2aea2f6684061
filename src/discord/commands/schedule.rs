use serenity::all::{CreateAutocompleteResponse, PartialChannel};

use super::briefing::{autocomplete_briefing, choices};
use crate::discord::checks::{channel_ref, command_caller};
use crate::discord::reply::respond;
use crate::discord::types::{Context, Error};
use crate::handlers::ScheduleRequest;

/// Post briefings at set times (moderators)
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    subcommands(
        "add", "list", "edit", "pause", "resume", "cancel", "run_now", "preview", "log"
    ),
    subcommand_required
)]
pub async fn schedule(_: Context<'_>) -> Result<(), Error> {
    Ok(())
}

#[derive(Debug, poise::ChoiceParameter)]
pub enum RepeatChoice {
    #[name = "once"]
    Once,
    #[name = "daily"]
    Daily,
    #[name = "weekly"]
    Weekly,
    #[name = "cron"]
    Cron,
}

#[derive(Debug, poise::ChoiceParameter)]
pub enum PostChoice {
    #[name = "the next briefing not yet posted here"]
    Next,
    #[name = "a chosen briefing"]
    Briefing,
    #[name = "a digest of the newest"]
    Digest,
}

fn repeat_name(choice: RepeatChoice) -> String {
    match choice {
        RepeatChoice::Once => "once",
        RepeatChoice::Daily => "daily",
        RepeatChoice::Weekly => "weekly",
        RepeatChoice::Cron => "cron",
    }
    .into()
}

fn post_name(choice: PostChoice) -> String {
    match choice {
        PostChoice::Next => "next",
        PostChoice::Briefing => "briefing",
        PostChoice::Digest => "digest",
    }
    .into()
}

/// Schedule a post: once, daily, weekly or by cron
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn add(
    ctx: Context<'_>,
    #[description = "Where to post"]
    #[channel_types("Text", "News")]
    channel: PartialChannel,
    #[description = "2026-12-01 09:00 or 'in 2h' (once) · 09:00 (daily) · mon 09:00 (weekly) · 0 9 * * 1-5 (cron)"]
    #[max_length = 100]
    when: String,
    #[description = "How often (default: once)"] repeat: Option<RepeatChoice>,
    #[description = "What to post (default: the next briefing not yet posted here)"] post: Option<
        PostChoice,
    >,
    #[description = "The briefing, when posting a chosen one"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: Option<String>,
    #[description = "How many briefings a digest lists (1-25, default 5)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
    #[description = "Time zone for this schedule (default: the server's)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
) -> Result<(), Error> {
    let request = ScheduleRequest {
        channel: Some(channel_ref(ctx, &channel)),
        when: Some(when),
        repeat: repeat.map(repeat_name),
        post: post.map(post_name),
        briefing,
        count,
        timezone,
    };
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_add(&command_caller(ctx), request),
    )
    .await
}

/// Every schedule with its next run
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn list(ctx: Context<'_>) -> Result<(), Error> {
    respond(ctx, ctx.data().handlers.schedule_list(&command_caller(ctx))).await
}

/// Change a schedule (what you leave out stays)
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn edit(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
    #[description = "Post somewhere else"]
    #[channel_types("Text", "News")]
    channel: Option<PartialChannel>,
    #[description = "New time"]
    #[max_length = 100]
    when: Option<String>,
    #[description = "New repeat"] repeat: Option<RepeatChoice>,
    #[description = "Post something else"] post: Option<PostChoice>,
    #[description = "The briefing, when posting a chosen one"]
    #[autocomplete = "autocomplete_briefing"]
    #[max_length = 200]
    briefing: Option<String>,
    #[description = "Digest size (1-25)"]
    #[min = 1]
    #[max = 25]
    count: Option<u32>,
    #[description = "Time zone ('server' follows the server's)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
) -> Result<(), Error> {
    let request = ScheduleRequest {
        channel: channel.as_ref().map(|c| channel_ref(ctx, c)),
        when,
        repeat: repeat.map(repeat_name),
        post: post.map(post_name),
        briefing,
        count,
        timezone,
    };
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_edit(&command_caller(ctx), schedule, request),
    )
    .await
}

/// Stop a schedule for now
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_pause(&command_caller(ctx), schedule),
    )
    .await
}

/// Start a paused schedule again
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn resume(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_resume(&command_caller(ctx), schedule),
    )
    .await
}

/// Cancel a schedule (asks first)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn cancel(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_cancel(&command_caller(ctx), schedule),
    )
    .await
}

/// Post a schedule's content now, once
#[poise::command(slash_command, ephemeral, guild_only, rename = "run-now")]
pub async fn run_now(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_run_now(&command_caller(ctx), schedule),
    )
    .await
}

/// See exactly what a schedule would post (only you see it)
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn preview(
    ctx: Context<'_>,
    #[description = "The schedule"]
    #[autocomplete = "autocomplete_schedule"]
    #[max_length = 100]
    schedule: String,
) -> Result<(), Error> {
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_preview(&command_caller(ctx), schedule),
    )
    .await
}

/// What was posted, and why something was not
#[poise::command(slash_command, ephemeral, guild_only)]
pub async fn log(
    ctx: Context<'_>,
    #[description = "Only this channel"]
    #[channel_types("Text", "News")]
    channel: Option<PartialChannel>,
) -> Result<(), Error> {
    let channel = channel.as_ref().map(|c| channel_ref(ctx, c));
    respond(
        ctx,
        ctx.data()
            .handlers
            .schedule_log(&command_caller(ctx), channel),
    )
    .await
}

async fn autocomplete_schedule(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    choices(
        ctx.data()
            .handlers
            .autocomplete_schedule(&command_caller(ctx), partial.to_string())
            .await,
    )
}

pub async fn autocomplete_timezone(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    choices(Ok(ctx.data().handlers.autocomplete_timezone(partial)))
}
