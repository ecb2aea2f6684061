//! What a command answers with, independent of any chat transport. The
//! Discord adapter turns it into messages with embeds and buttons; the console
//! prints it. Its limits are the strictest transport's (Discord's), so every
//! view built here can be sent as it is.

/// Size limits every view keeps (Discord's, in characters).
pub mod limits {
    pub const CONTENT: usize = 2_000;
    pub const EMBEDS_PER_MESSAGE: usize = 10;
    pub const EMBED_TOTAL: usize = 6_000;
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4_096;
    pub const FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1_024;
    pub const FOOTER: usize = 2_048;
    pub const BUTTON_LABEL: usize = 80;
    pub const CUSTOM_ID: usize = 100;
    pub const BUTTONS_PER_ROW: usize = 5;
    /// Components V2: every component of a message, nested ones included.
    pub const CARD_COMPONENTS: usize = 40;
    /// Components V2: the text of all a message's Text Displays together.
    pub const CARD_TEXT: usize = 4_000;
    /// Components V2: Text Displays in one Section.
    pub const SECTION_TEXTS: usize = 3;
    /// A link button's URL.
    pub const LINK_URL: usize = 512;
}

/// How a briefing is laid out when posted or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One framed card (Discord's Components V2).
    #[default]
    Cards,
    /// Embeds, as bots have posted since 2017.
    Classic,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Cards, Layout::Classic];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Cards => "cards",
            Layout::Classic => "classic",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// The whole answer to one command: one or more messages, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub messages: Vec<Message>,
    /// Seen only by the person who asked (errors, previews).
    pub ephemeral: bool,
}

impl Reply {
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            messages: vec![Message::text(content)],
            ephemeral: false,
        }
    }

    /// One embed only the person who asked sees (lists, logs, settings).
    pub fn private_embed(embed: Embed) -> Self {
        Self {
            messages: vec![Message {
                embeds: vec![embed],
                ..Message::default()
            }],
            ephemeral: true,
        }
    }

    /// A private note to the person who asked, e.g. an error.
    pub fn private(content: impl Into<String>) -> Self {
        Self {
            ephemeral: true,
            ..Self::text(content)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub content: Option<String>,
    pub embeds: Vec<Embed>,
    pub buttons: Vec<Button>,
    /// A role this message pings (a subscription's or schedule's): its
    /// mention leads the message, and nothing else in it can ping.
    pub ping_role: Option<u64>,
    /// The message laid out as a card (Discord's Components V2). A message
    /// with a card has no `embeds`; its `content` (a note such as "Preview")
    /// and ping are shown above the card.
    pub card: Option<Card>,
}

impl Message {
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: Some(content.into()),
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Embed {
    pub title: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    pub footer: Option<String>,
    /// A small image beside the text: an absolute http(s) address.
    pub thumbnail: Option<String>,
}

impl Embed {
    /// Characters that count toward a message's embed total.
    pub fn char_count(&self) -> usize {
        chars(&self.title)
            + chars(&self.description)
            + chars(&self.footer)
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }
}

/// Characters (not bytes) of an optional text: Discord counts characters.
fn chars(text: &Option<String>) -> usize {
    text.as_deref().map_or(0, |t| t.chars().count())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// A message laid out as one framed card: blocks of Markdown text, images
/// and links, in order, with an optional accent colour down its edge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Card {
    /// An RGB colour (0xRRGGBB).
    pub accent: Option<u32>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Markdown text: `## ` headings, `-# ` small print.
    Text(String),
    /// Text with a small image beside it (an absolute http(s) address).
    Beside { text: String, image: String },
    /// A thin line between parts.
    Divider,
    /// Buttons that open web pages.
    Links(Vec<Link>),
}

/// A button that opens `url` (no custom_id: pressing it reaches no bot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

impl Card {
    /// What Discord counts toward its 40 components: the frame, every block
    /// and what is nested in it.
    pub fn component_count(&self) -> usize {
        1 + self
            .blocks
            .iter()
            .map(|block| match block {
                Block::Text(_) | Block::Divider => 1,
                // The section, its text and its thumbnail.
                Block::Beside { .. } => 3,
                Block::Links(links) => 1 + links.len(),
            })
            .sum::<usize>()
    }

    /// The card's words in reading order, for search and tests.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().filter_map(|block| match block {
            Block::Text(text) | Block::Beside { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }

    /// The title as the card shows it: its first `## ` heading.
    pub fn heading(&self) -> Option<&str> {
        self.texts()
            .flat_map(str::lines)
            .find_map(|line| line.strip_prefix("## "))
    }

    /// Characters of text across the card (Discord's 4,000 is for them all).
    pub fn text_chars(&self) -> usize {
        self.blocks
            .iter()
            .map(|block| match block {
                Block::Text(text) | Block::Beside { text, .. } => text.chars().count(),
                _ => 0,
            })
            .sum()
    }
}

/// A button routed by its `custom_id` alone, so it keeps working after a
/// restart: everything the press needs is in the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub custom_id: String,
    pub label: String,
    pub disabled: bool,
}

/// A form with one paragraph text box (Discord shows a modal; the console
/// asks for a line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modal {
    pub custom_id: String,
    /// At most 45 characters.
    pub title: String,
    pub label: String,
    pub max_length: usize,
}

/// Every way a view can break a limit, for tests and debug assertions.
pub fn limit_violations(reply: &Reply) -> Vec<String> {
    use limits::*;
    let mut problems = Vec::new();
    // Problems of shape rather than length.
    let mut shapes = Vec::new();
    let mut check = |what: String, len: usize, max: usize| {
        if len > max {
            problems.push(format!("{what} is {len} characters, over {max}"));
        }
    };
    for (m, message) in reply.messages.iter().enumerate() {
        if let Some(content) = &message.content {
            check(
                format!("message {m} content"),
                content.chars().count(),
                CONTENT,
            );
        }
        check(
            format!("message {m} embed count"),
            message.embeds.len(),
            EMBEDS_PER_MESSAGE,
        );
        let total: usize = message.embeds.iter().map(Embed::char_count).sum();
        check(format!("message {m} embed total"), total, EMBED_TOTAL);
        for (e, embed) in message.embeds.iter().enumerate() {
            let at = format!("message {m} embed {e}");
            check(format!("{at} title"), chars(&embed.title), TITLE);
            check(
                format!("{at} description"),
                chars(&embed.description),
                DESCRIPTION,
            );
            check(format!("{at} footer"), chars(&embed.footer), FOOTER);
            check(format!("{at} field count"), embed.fields.len(), FIELDS);
            for field in &embed.fields {
                check(
                    format!("{at} field name"),
                    field.name.chars().count(),
                    FIELD_NAME,
                );
                check(
                    format!("{at} field value"),
                    field.value.chars().count(),
                    FIELD_VALUE,
                );
            }
        }
        if let Some(card) = &message.card {
            if !message.embeds.is_empty() {
                shapes.push(format!("message {m} has a card beside embeds"));
            }
            // A note or ping rides above the card as one more Text Display.
            let above = chars(&message.content) + message.ping_role.map_or(0, |_| 25);
            // Action rows of buttons sit beside the card: one per five.
            let rows = message.buttons.len().div_ceil(BUTTONS_PER_ROW);
            check(
                format!("message {m} component count"),
                card.component_count() + usize::from(above > 0) + rows + message.buttons.len(),
                CARD_COMPONENTS,
            );
            check(
                format!("message {m} card text"),
                card.text_chars() + above,
                CARD_TEXT,
            );
            for block in &card.blocks {
                let images = match block {
                    Block::Beside { image, .. } => vec![image],
                    Block::Links(links) => links.iter().map(|l| &l.url).collect(),
                    _ => Vec::new(),
                };
                for address in images {
                    if !(address.starts_with("https://") || address.starts_with("http://")) {
                        shapes.push(format!("message {m} links to {address}, not http(s)"));
                    }
                }
            }
        }
        for button in &message.buttons {
            check(
                format!("message {m} button label"),
                button.label.chars().count(),
                BUTTON_LABEL,
            );
            check(
                format!("message {m} custom_id"),
                button.custom_id.chars().count(),
                CUSTOM_ID,
            );
        }
    }
    problems.extend(shapes);
    problems
}
