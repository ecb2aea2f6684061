//! The one place a transport-neutral [`Reply`] becomes Discord builders.
//! Every message sets allowed_mentions to nothing, so no stored text can ping.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use poise::CreateReply;
use serenity::all::{
    ActionRow, ActionRowComponent, ButtonStyle, CreateActionRow, CreateAllowedMentions,
    CreateButton, CreateEmbed, CreateEmbedFooter, CreateInputText,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, EditMessage, InputTextStyle,
    RoleId,
};

use super::cards::{self, CardBody};
use super::types::{Context, Error};
use crate::domain::view::{limits, Button, Embed, Message, Modal, Reply};
use crate::handlers::commands::Outcome;
use crate::handlers::CommandResult;

/// Discord drops an interaction not answered within 3 s; a handler still
/// running after this long gets a deferred ("thinking…") response first.
const DEFER_AFTER: Duration = Duration::from_secs(2);

pub fn embed(view: &Embed) -> CreateEmbed {
    let mut embed = CreateEmbed::new();
    if let Some(title) = &view.title {
        embed = embed.title(title);
    }
    if let Some(url) = &view.url {
        embed = embed.url(url);
    }
    if let Some(description) = &view.description {
        embed = embed.description(description);
    }
    for field in &view.fields {
        embed = embed.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &view.footer {
        embed = embed.footer(CreateEmbedFooter::new(footer));
    }
    if let Some(thumbnail) = &view.thumbnail {
        embed = embed.thumbnail(thumbnail);
    }
    embed
}

pub fn components(buttons: &[Button]) -> Vec<CreateActionRow> {
    buttons
        .chunks(limits::BUTTONS_PER_ROW)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|b| {
                        CreateButton::new(&b.custom_id)
                            .label(&b.label)
                            .style(ButtonStyle::Secondary)
                            .disabled(b.disabled)
                    })
                    .collect(),
            )
        })
        .collect()
}

pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

fn create_reply(message: &Message, ephemeral: bool) -> CreateReply {
    let mut reply = CreateReply::default()
        .ephemeral(ephemeral)
        .allowed_mentions(no_mentions())
        .components(components(&message.buttons));
    if let Some(content) = &message.content {
        reply = reply.content(content);
    }
    for view in &message.embeds {
        reply = reply.embed(embed(view));
    }
    reply
}

/// A form with one paragraph text box.
pub fn modal(form: &Modal) -> CreateModal {
    let input = CreateInputText::new(InputTextStyle::Paragraph, &form.label, "text")
        .max_length(form.max_length as u16)
        .required(true);
    CreateModal::new(&form.custom_id, &form.title)
        .components(vec![CreateActionRow::InputText(input)])
}

/// The text typed into a submitted form.
pub fn modal_text(rows: &[ActionRow]) -> String {
    rows.iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::InputText(input) => input.value.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

/// A channel message (not an interaction reply) that pings nobody but the
/// role it is asked to: that role's mention leads its content, and it is
/// the only mention allowed to ping.
pub fn create_message(message: &Message) -> CreateMessage {
    let mentions = match message.ping_role {
        Some(role) => no_mentions().roles([RoleId::new(role)]),
        None => no_mentions(),
    };
    let mut create = CreateMessage::new()
        .allowed_mentions(mentions)
        .embeds(message.embeds.iter().map(embed).collect())
        .components(components(&message.buttons));
    let content = match (message.ping_role, &message.content) {
        (Some(role), Some(text)) => Some(format!("<@&{role}>\n{text}")),
        (Some(role), None) => Some(format!("<@&{role}>")),
        (None, text) => text.clone(),
    };
    if let Some(content) = content {
        create = create.content(content);
    }
    create
}

/// New contents for a message the bot posted.
pub fn edit_message(message: &Message) -> EditMessage {
    EditMessage::new()
        .allowed_mentions(no_mentions())
        .content(message.content.clone().unwrap_or_default())
        .embeds(message.embeds.iter().map(embed).collect())
        .components(components(&message.buttons))
}

/// The message that replaces one whose button was pressed.
pub fn interaction_message(message: &Message, ephemeral: bool) -> CreateInteractionResponseMessage {
    let mut out = CreateInteractionResponseMessage::new()
        .ephemeral(ephemeral)
        .allowed_mentions(no_mentions())
        .components(components(&message.buttons))
        .embeds(message.embeds.iter().map(embed).collect());
    if let Some(content) = &message.content {
        out = out.content(content);
    }
    out
}

/// Sends every message of the reply: the first answers the interaction, the
/// rest follow up in order.
///
/// A card (Components V2) is sent as JSON: poise's builder has no V2, and
/// serenity cannot read the message Discord answers a follow-up with.
pub async fn send(ctx: Context<'_>, reply: &Reply) -> Result<(), Error> {
    for message in &reply.messages {
        match (CardBody::of(message, reply.ephemeral), ctx) {
            (Some(card), poise::Context::Application(app)) => {
                let http = &ctx.serenity_context().http;
                let interaction = app.interaction;
                if app.has_sent_initial_response.load(Ordering::SeqCst) {
                    cards::follow_up(http, interaction.application_id, &interaction.token, &card)
                        .await?;
                } else {
                    http.create_interaction_response(
                        interaction.id,
                        &interaction.token,
                        &card.interaction_answer(),
                        Vec::new(),
                    )
                    .await?;
                    app.has_sent_initial_response.store(true, Ordering::SeqCst);
                }
            }
            _ => {
                ctx.send(create_reply(message, reply.ephemeral)).await?;
            }
        }
    }
    Ok(())
}

/// Runs a handler, deferring if it is slow, sends its reply, and logs one
/// line: who, which command, the outcome and how long it took. A failure is
/// returned for `on_error` to answer.
///
/// Discord fixes a reply's visibility at the defer, so the defer follows
/// what the command declares (`ephemeral` in its `CommandSpec`).
/// Should a public command's deferred answer turn out private (an error),
/// the public "thinking…" is deleted first, so the private text is sent as
/// a new, private message rather than filling the public one.
pub async fn respond(
    ctx: Context<'_>,
    work: impl Future<Output = CommandResult<Outcome>>,
) -> Result<(), Error> {
    let started = Instant::now();
    let private = ctx.command().ephemeral;
    tokio::pin!(work);
    let mut deferred = false;
    let result = tokio::select! {
        result = &mut work => result,
        _ = tokio::time::sleep(DEFER_AFTER) => {
            if private {
                ctx.defer_ephemeral().await?;
            } else {
                ctx.defer().await?;
            }
            deferred = true;
            work.await
        }
    };
    let goes_private = match &result {
        Ok(Outcome::Reply(reply)) => reply.ephemeral,
        // Errors and exports are private.
        _ => true,
    };
    if deferred && !private && goes_private {
        if let poise::Context::Application(app) = ctx {
            app.interaction
                .delete_response(ctx.serenity_context())
                .await?;
        }
    }
    let (outcome, result) = match result {
        Ok(Outcome::Reply(reply)) => (send(ctx, &reply).await.map(|_| "ok"), Ok(())),
        Ok(Outcome::Export(export)) => (
            super::commands::send_export(ctx, export)
                .await
                .map(|_| "ok"),
            Ok(()),
        ),
        Err(error) => (Ok("refused"), Err(error)),
    };
    tracing::info!(
        user = %ctx.author().id,
        command = %ctx.command().qualified_name,
        outcome = outcome.as_ref().map_or("send failed", |o| *o),
        ms = started.elapsed().as_millis() as u64,
        "command"
    );
    outcome?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::view::Field;
    use serde_json::json;

    #[test]
    fn an_embed_carries_every_part_of_the_view() {
        let view = Embed {
            title: Some("Title".into()),
            url: Some("https://example.org/a".into()),
            description: Some("Text".into()),
            fields: vec![Field {
                name: "Row".into(),
                value: "Summary".into(),
                inline: false,
            }],
            footer: Some("Sep 2, 2025 · Desk · Energy".into()),
            thumbnail: Some("https://example.org/lead.jpg".into()),
        };
        let sent = serde_json::to_value(embed(&view)).unwrap();
        assert_eq!(sent["thumbnail"]["url"], "https://example.org/lead.jpg");
        assert_eq!(sent["title"], "Title");
        assert_eq!(sent["url"], "https://example.org/a");
        assert_eq!(sent["description"], "Text");
        assert_eq!(
            sent["fields"],
            json!([{"name": "Row", "value": "Summary", "inline": false}])
        );
        assert_eq!(sent["footer"]["text"], "Sep 2, 2025 · Desk · Energy");
        // A date-only value is never sent as a timestamp (it would show as
        // the previous day west of UTC).
        assert!(sent.get("timestamp").is_none(), "{sent}");
    }

    #[test]
    fn buttons_become_rows_of_secondary_buttons_with_their_custom_ids() {
        let buttons: Vec<Button> = (0..7)
            .map(|n| Button {
                custom_id: format!("list:{n}:"),
                label: format!("{n}"),
                disabled: n == 0,
            })
            .collect();
        let rows = serde_json::to_value(components(&buttons)).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 2, "five to a row");
        assert_eq!(rows[0]["type"], 1);
        let first = &rows[0]["components"][0];
        assert_eq!(first["type"], 2);
        assert_eq!(first["custom_id"], "list:0:");
        assert_eq!(first["style"], 2);
        assert_eq!(first["disabled"], true);
        assert_eq!(rows[1]["components"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn mentions_are_never_allowed() {
        let sent = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(sent["parse"], json!([]), "{sent}");
        for list in ["users", "roles"] {
            assert!(
                sent.get(list)
                    .is_none_or(|v| v.as_array().is_some_and(|a| a.is_empty())),
                "{sent}"
            );
        }
    }
}
