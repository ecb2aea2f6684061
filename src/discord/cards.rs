//! Cards (the view's [`Card`]) as Discord's Components V2, sent and read as
//! JSON. serenity 0.12 has no V2 builders, and its `Message` cannot be read
//! back from a V2 message (its component model stops at action rows), so
//! every request with a card goes through [`Http::request`] here and reads
//! only the fields it needs from the answer.

use serde::Serialize;
use serde_json::Value;
use serenity::all::{
    ApplicationId, ChannelId, CreateActionRow, CreateAllowedMentions, Http, LightMethod, MessageId,
    Request, Route,
};

use super::reply::{components, no_mentions};
use crate::domain::view::{Block, Card, Link, Message};

/// Discord's message flag for Components V2: the message is its components
/// (no `content`, no `embeds`), and stays so.
pub const IS_COMPONENTS_V2: u64 = 1 << 15;
/// Discord's message flag: only the person who asked sees it.
pub const EPHEMERAL: u64 = 1 << 6;

/// Component types (Discord's "Component Types" table).
mod kind {
    pub const ACTION_ROW: u8 = 1;
    pub const BUTTON: u8 = 2;
    pub const SECTION: u8 = 9;
    pub const TEXT_DISPLAY: u8 = 10;
    pub const THUMBNAIL: u8 = 11;
    pub const SEPARATOR: u8 = 14;
    pub const CONTAINER: u8 = 17;
}

/// Discord's button style for a link: a URL and no custom_id.
const LINK_STYLE: u8 = 5;

#[derive(Serialize)]
#[serde(untagged)]
enum Component {
    Container {
        #[serde(rename = "type")]
        kind: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        accent_color: Option<u32>,
        components: Vec<Component>,
    },
    Text {
        #[serde(rename = "type")]
        kind: u8,
        content: String,
    },
    Section {
        #[serde(rename = "type")]
        kind: u8,
        components: Vec<Component>,
        accessory: Box<Component>,
    },
    Thumbnail {
        #[serde(rename = "type")]
        kind: u8,
        media: Media,
    },
    Separator {
        #[serde(rename = "type")]
        kind: u8,
        divider: bool,
    },
    Row {
        #[serde(rename = "type")]
        kind: u8,
        components: Vec<Component>,
    },
    LinkButton {
        #[serde(rename = "type")]
        kind: u8,
        style: u8,
        label: String,
        url: String,
    },
    /// Buttons routed by custom_id, as the classic layout builds them.
    Buttons(CreateActionRow),
}

#[derive(Serialize)]
struct Media {
    url: String,
}

fn text(content: String) -> Component {
    Component::Text {
        kind: kind::TEXT_DISPLAY,
        content,
    }
}

fn block(block: &Block) -> Component {
    match block {
        Block::Text(content) => text(content.clone()),
        Block::Beside {
            text: content,
            image,
        } => Component::Section {
            kind: kind::SECTION,
            components: vec![text(content.clone())],
            accessory: Box::new(Component::Thumbnail {
                kind: kind::THUMBNAIL,
                media: Media { url: image.clone() },
            }),
        },
        Block::Divider => Component::Separator {
            kind: kind::SEPARATOR,
            divider: true,
        },
        Block::Links(links) => Component::Row {
            kind: kind::ACTION_ROW,
            components: links
                .iter()
                .map(|Link { label, url }| Component::LinkButton {
                    kind: kind::BUTTON,
                    style: LINK_STYLE,
                    label: label.clone(),
                    url: url.clone(),
                })
                .collect(),
        },
    }
}

/// A message with a card, as a body for create, edit, follow-up or an
/// interaction's answer.
#[derive(Serialize)]
pub struct CardBody {
    flags: u64,
    components: Vec<Component>,
    allowed_mentions: CreateAllowedMentions,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enforce_nonce: Option<bool>,
}

impl CardBody {
    /// `None` when the message has no card (it goes the classic way).
    /// A role ping is a Text Display of its own above the card (a mention
    /// pings only from text), and the only mention allowed.
    pub fn of(message: &Message, ephemeral: bool) -> Option<Self> {
        let card = message.card.as_ref()?;
        let mut top = Vec::new();
        let mut mentions = no_mentions();
        // The ping and any note ride above the card, as `content` would
        // (a V2 message has no `content`).
        let ping = message.ping_role.map(|role| {
            mentions = no_mentions().roles([serenity::all::RoleId::new(role)]);
            format!("<@&{role}>")
        });
        let above: Vec<&str> = ping
            .as_deref()
            .into_iter()
            .chain(message.content.as_deref())
            .collect();
        if !above.is_empty() {
            top.push(text(above.join("\n")));
        }
        top.push(Component::Container {
            kind: kind::CONTAINER,
            accent_color: card.accent,
            components: card.blocks.iter().map(block).collect(),
        });
        top.extend(
            components(&message.buttons)
                .into_iter()
                .map(Component::Buttons),
        );
        Some(Self {
            flags: IS_COMPONENTS_V2 | if ephemeral { EPHEMERAL } else { 0 },
            components: top,
            allowed_mentions: mentions,
            nonce: None,
            enforce_nonce: None,
        })
    }

    /// Discord drops a second create with this nonce in the same channel.
    pub fn with_nonce(mut self, nonce: &str) -> Self {
        self.nonce = Some(nonce.to_string());
        self.enforce_nonce = Some(true);
        self
    }

    /// As the `message` of a forum post, the post's name and tags beside it.
    pub fn forum_post(self, name: &str, tags: &[u64]) -> Value {
        serde_json::json!({
            "name": name,
            "message": self,
            "applied_tags": tags.iter().map(u64::to_string).collect::<Vec<_>>(),
        })
    }

    /// As an interaction's first answer (callback type 4).
    pub fn interaction_answer(self) -> Value {
        serde_json::json!({ "type": 4, "data": self })
    }
}

/// The `id` of the object Discord answered with.
async fn id_of(response: reqwest::Response) -> Result<String, serenity::Error> {
    let value = json_of(response).await?;
    value["id"]
        .as_str()
        .map(str::to_string)
        .ok_or(serenity::Error::Other("Discord's answer has no id"))
}

pub(super) async fn json_of(response: reqwest::Response) -> Result<Value, serenity::Error> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| serenity::Error::Http(serenity::all::HttpError::Request(e)))?;
    serde_json::from_slice(&bytes).map_err(serenity::Error::Json)
}

/// Posts a card message; its id.
pub async fn create(http: &Http, channel: u64, card: &CardBody) -> Result<String, serenity::Error> {
    let route = Route::ChannelMessages {
        channel_id: ChannelId::new(channel),
    };
    let response = http
        .request(Request::new(route, LightMethod::Post).body(Some(serde_json::to_vec(card)?)))
        .await?;
    id_of(response).await
}

/// Replaces a message's card.
pub async fn edit(
    http: &Http,
    channel: u64,
    message: MessageId,
    card: &CardBody,
) -> Result<(), serenity::Error> {
    let route = Route::ChannelMessage {
        channel_id: ChannelId::new(channel),
        message_id: message,
    };
    http.request(Request::new(route, LightMethod::Patch).body(Some(serde_json::to_vec(card)?)))
        .await
        .map(|_| ())
}

/// A follow-up to an interaction already answered (or deferred).
pub async fn follow_up(
    http: &Http,
    application: ApplicationId,
    token: &str,
    card: &CardBody,
) -> Result<(), serenity::Error> {
    let route = Route::WebhookFollowupMessages {
        application_id: application,
        token,
    };
    http.request(Request::new(route, LightMethod::Post).body(Some(serde_json::to_vec(card)?)))
        .await
        .map(|_| ())
}

/// The newest `limit` messages of a channel as JSON: serenity cannot read a
/// channel's history once it holds a card.
pub async fn recent(http: &Http, channel: u64, limit: u8) -> Result<Vec<Value>, serenity::Error> {
    let route = Route::ChannelMessages {
        channel_id: ChannelId::new(channel),
    };
    let request =
        Request::new(route, LightMethod::Get).params(Some(vec![("limit", limit.to_string())]));
    let response = http.request(request).await?;
    serde_json::from_value(json_of(response).await?).map_err(serenity::Error::Json)
}

/// What a message Discord returned shows, as a view: its text, embeds'
/// text, and card; enough to recognise a post made by an earlier attempt.
pub fn view_of(sent: &Value) -> Message {
    use crate::domain::view::{Embed, Field};
    let mut ping_role = None;
    let mut card = None;
    let flags = sent["flags"].as_u64().unwrap_or(0);
    let top = sent["components"].as_array().cloned().unwrap_or_default();
    // A card's ping and note are the Text Display above it.
    let mut content = sent["content"].as_str().unwrap_or("").to_string();
    if flags & IS_COMPONENTS_V2 != 0 {
        for component in &top {
            match component["type"].as_u64().map(|k| k as u8) {
                Some(kind::TEXT_DISPLAY) if card.is_none() => {
                    content = text_of(component).to_string()
                }
                Some(kind::CONTAINER) => card = Some(card_of(component)),
                _ => {}
            }
        }
    }
    let content = match leading_role(&content) {
        Some((role, rest)) => {
            ping_role = Some(role);
            rest
        }
        None => content.as_str(),
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    Message {
        ping_role,
        content: (!content.is_empty()).then(|| content.to_string()),
        embeds: sent["embeds"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| Embed {
                title: text(&e["title"]),
                url: text(&e["url"]),
                description: text(&e["description"]),
                fields: e["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| Field {
                        name: f["name"].as_str().unwrap_or("").to_string(),
                        value: f["value"].as_str().unwrap_or("").to_string(),
                        inline: f["inline"].as_bool().unwrap_or(false),
                    })
                    .collect(),
                footer: text(&e["footer"]["text"]),
                thumbnail: text(&e["thumbnail"]["url"]),
            })
            .collect(),
        buttons: Vec::new(),
        card,
    }
}

fn text_of(component: &Value) -> &str {
    component["content"].as_str().unwrap_or("")
}

/// A leading role mention (the ping a post starts with) and what follows.
fn leading_role(text: &str) -> Option<(u64, &str)> {
    let (id, rest) = text.strip_prefix("<@&")?.split_once('>')?;
    let role = id.parse().ok()?;
    Some((role, rest.strip_prefix('\n').unwrap_or(rest)))
}

fn card_of(container: &Value) -> Card {
    let url = |media: &Value| media["url"].as_str().unwrap_or("").to_string();
    let blocks = container["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| match c["type"].as_u64()? as u8 {
            kind::TEXT_DISPLAY => Some(Block::Text(text_of(c).to_string())),
            kind::SECTION => Some(Block::Beside {
                text: c["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(text_of)
                    .collect::<Vec<_>>()
                    .join("\n"),
                image: url(&c["accessory"]["media"]),
            }),
            kind::SEPARATOR => Some(Block::Divider),
            kind::ACTION_ROW => Some(Block::Links(
                c["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| {
                        Some(Link {
                            label: b["label"].as_str()?.to_string(),
                            url: b["url"].as_str()?.to_string(),
                        })
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    Card {
        accent: container["accent_color"].as_u64().map(|c| c as u32),
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        Message {
            ping_role: Some(42),
            content: Some("A note above the card".into()),
            card: Some(Card {
                accent: Some(0x336699),
                blocks: vec![
                    Block::Text("## Title".into()),
                    Block::Beside {
                        text: "**Highlights**\n• One".into(),
                        image: "https://example.org/a.jpg".into(),
                    },
                    Block::Divider,
                    Block::Links(vec![Link {
                        label: "Read the original".into(),
                        url: "https://example.org/a".into(),
                    }]),
                ],
            }),
            ..Message::default()
        }
    }

    #[test]
    fn a_card_is_sent_as_components_v2_with_its_ping_above_it() {
        let body =
            serde_json::to_value(CardBody::of(&sample(), false).unwrap().with_nonce("n1")).unwrap();
        assert_eq!(body["flags"], IS_COMPONENTS_V2);
        assert!(body.get("content").is_none() && body.get("embeds").is_none());
        assert_eq!(body["components"][0]["type"], 10);
        assert_eq!(
            body["components"][0]["content"],
            "<@&42>\nA note above the card"
        );
        assert_eq!(body["allowed_mentions"]["roles"], serde_json::json!(["42"]));
        let container = &body["components"][1];
        assert_eq!(container["type"], 17);
        assert_eq!(container["accent_color"], 0x336699);
        let parts = &container["components"];
        assert_eq!(parts[1]["type"], 9);
        assert_eq!(parts[1]["accessory"]["type"], 11);
        assert_eq!(
            parts[1]["accessory"]["media"]["url"],
            "https://example.org/a.jpg"
        );
        assert_eq!(parts[2]["type"], 14);
        let link = &parts[3]["components"][0];
        assert_eq!(
            (link["style"].as_u64(), link.get("custom_id")),
            (Some(5), None)
        );
        assert_eq!(body["nonce"], "n1");
        assert_eq!(body["enforce_nonce"], true);
    }

    #[test]
    fn a_sent_card_reads_back_as_the_same_view() {
        let message = sample();
        let mut sent = serde_json::to_value(CardBody::of(&message, false).unwrap()).unwrap();
        // Discord numbers every component and adds fields of its own.
        sent["components"][1]["id"] = 2.into();
        sent["components"][1]["components"][1]["accessory"]["media"]["proxy_url"] =
            "https://media.example/a.jpg".into();
        sent["content"] = "".into();
        assert_eq!(view_of(&sent), message);
        assert!(CardBody::of(&Message::text("plain"), false).is_none());
    }
}
