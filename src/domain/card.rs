//! A briefing as cards (Discord's Components V2): one framed card holding
//! the title as a heading, date · source · categories as small print, the
//! Highlights beside the lead image, the body, the implications as a compact
//! block, the key questions and closing line, with dividers between parts
//! and a button to the original article. A long briefing continues in as few
//! more cards as its text needs (4,000 characters and 40 components each),
//! never more than [`MAX_MESSAGES`].

use super::bounds::MAX_MESSAGES;
use super::model::{Briefing, Implications};
use super::render::{body_text, footer};
use super::text::{escape_markdown, split_text, truncate};
use super::view::{limits, Block, Card, Link, Message, Reply};

/// A card is not started with less text room than this: a sliver of text
/// at the bottom of one card reads worse than starting the next.
const MIN_PIECE: usize = 300;

/// Room kept in every card for what rides above it: a ping and a short
/// note such as a preview's (one Text Display, counted in Discord's limits).
const ROOM_ABOVE_TEXT: usize = 400;
const ROOM_ABOVE_COMPONENTS: usize = 1;
const TEXT_ROOM: usize = limits::CARD_TEXT - ROOM_ABOVE_TEXT;
const COMPONENT_ROOM: usize = limits::CARD_COMPONENTS - ROOM_ABOVE_COMPONENTS;

/// A heading longer than this is cut (Discord shows any length, but a
/// heading of paragraphs is not a heading).
const HEADING_MAX: usize = 300;

pub fn briefing(b: &Briefing, accent: Option<u32>) -> Reply {
    let mut cards = Packer::new(accent);
    let mut head = format!("## {}", escape_markdown(&truncate(&b.title, HEADING_MAX)));
    if let Some(line) = footer(b) {
        head.push_str(&format!("\n-# {line}"));
    }
    let highlights = highlights(b);
    match b.image.as_deref().filter(|url| linkable(url)) {
        // The lead image sits beside the title and, when they are short
        // enough to stay beside it, the highlights.
        Some(image) => {
            let (text, rest) = match highlights {
                Some(h) if head.chars().count() + h.chars().count() < limits::CARD_TEXT / 2 => {
                    (format!("{head}\n\n{h}"), None)
                }
                other => (head, other),
            };
            cards.block(Block::Beside {
                text,
                image: image.to_string(),
            });
            if let Some(h) = rest {
                cards.text(h);
            }
        }
        None => {
            cards.text(head);
            if let Some(h) = highlights {
                cards.text(h);
            }
        }
    }
    let body = body_text(b);
    if !body.is_empty() {
        cards.block(Block::Divider);
        cards.text(body);
    }
    if let Some(table) = &b.implications {
        cards.block(Block::Divider);
        cards.text(implications(table));
    }
    let ending = ending(b);
    if !ending.is_empty() {
        cards.block(Block::Divider);
        cards.text(ending);
    }
    if let Some(url) = b.source.url.as_deref().filter(|url| linkable(url)) {
        cards.block(Block::Links(vec![Link {
            label: "Read the original".into(),
            url: url.to_string(),
        }]));
    }
    Reply {
        messages: cards.finish(),
        ephemeral: false,
    }
}

/// A link button's or thumbnail's address: absolute http(s), within
/// Discord's length.
fn linkable(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().count() <= limits::LINK_URL
}

fn highlights(b: &Briefing) -> Option<String> {
    (!b.highlights.is_empty()).then(|| {
        let mut text = String::from("**Highlights**");
        for item in &b.highlights {
            text.push_str(&format!("\n• {}", escape_markdown(item)));
        }
        text
    })
}

/// The table as one block: each row's heading in bold, its summary after a
/// dash (Discord draws no Markdown tables, and fields are embeds only).
fn implications(table: &Implications) -> String {
    let mut text = format!("### {}", escape_markdown(&truncate(&table.caption, 200)));
    for row in &table.rows {
        text.push_str(&format!(
            "\n**{}** — {}",
            escape_markdown(&row.heading),
            escape_markdown(&row.summary)
        ));
    }
    text
}

fn ending(b: &Briefing) -> String {
    let mut ending = String::new();
    if !b.key_questions.is_empty() {
        ending.push_str("**Key Questions**");
        for (n, question) in b.key_questions.iter().enumerate() {
            ending.push_str(&format!("\n{}. {}", n + 1, escape_markdown(question)));
        }
    }
    if let Some(closing) = &b.closing {
        if !ending.is_empty() {
            ending.push_str("\n\n");
        }
        ending.push_str(&format!("*{}*", escape_markdown(closing)));
    }
    ending
}

/// Fills cards in order, starting a new one when the next block would break
/// a card's limits; long text continues in the next card.
struct Packer {
    accent: Option<u32>,
    done: Vec<Card>,
    current: Card,
}

impl Packer {
    fn new(accent: Option<u32>) -> Self {
        Self {
            accent,
            done: Vec::new(),
            current: Card {
                accent,
                blocks: Vec::new(),
            },
        }
    }

    fn next_card(&mut self) {
        let full = std::mem::replace(
            &mut self.current,
            Card {
                accent: self.accent,
                blocks: Vec::new(),
            },
        );
        // A card never starts or ends with a divider.
        let mut full = full;
        while matches!(full.blocks.last(), Some(Block::Divider)) {
            full.blocks.pop();
        }
        if !full.blocks.is_empty() {
            self.done.push(full);
        }
    }

    fn fits(&self, block: &Block) -> bool {
        let probe = Card {
            accent: None,
            blocks: vec![block.clone()],
        };
        // `probe` counts a frame of its own.
        self.current.component_count() + probe.component_count() - 1 <= COMPONENT_ROOM
            && self.current.text_chars() + probe.text_chars() <= TEXT_ROOM
    }

    fn block(&mut self, block: Block) {
        if matches!(block, Block::Divider) && self.current.blocks.is_empty() {
            return;
        }
        if !self.fits(&block) {
            self.next_card();
        }
        self.current.blocks.push(block);
    }

    /// Text, split at paragraph, then sentence, boundaries where it does not
    /// fit the room left; nothing is cut off.
    fn text(&mut self, text: String) {
        let mut rest = text.trim();
        while !rest.is_empty() {
            let whole = Block::Text(rest.to_string());
            if self.fits(&whole) {
                self.current.blocks.push(whole);
                return;
            }
            let room = TEXT_ROOM - self.current.text_chars();
            let components_full = self.current.component_count() >= COMPONENT_ROOM;
            if room < MIN_PIECE.min(rest.chars().count()) || components_full {
                self.next_card();
                continue;
            }
            let first = split_text(rest, room).swap_remove(0);
            // `split_text` cuts the trimmed text, so its first piece is a
            // prefix of it.
            rest = rest[first.len()..].trim_start();
            self.current.blocks.push(Block::Text(first));
            self.next_card();
        }
    }

    fn finish(mut self) -> Vec<Message> {
        self.next_card();
        let mut cards = self.done;
        if cards.len() > MAX_MESSAGES {
            cards.truncate(MAX_MESSAGES);
            if let Some(last) = cards.last_mut() {
                let note = Block::Text(
                    "*This briefing is too long to show here in full; the rest is left out.*"
                        .into(),
                );
                while !Packer::room_for(last, &note) {
                    last.blocks.pop();
                }
                last.blocks.push(note);
            }
        }
        cards
            .into_iter()
            .map(|card| Message {
                card: Some(card),
                ..Message::default()
            })
            .collect()
    }

    fn room_for(card: &Card, block: &Block) -> bool {
        let packer = Packer {
            accent: None,
            done: Vec::new(),
            current: card.clone(),
        };
        packer.fits(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::view::limit_violations;
    use crate::domain::{BodyBlock, ImplicationRow, Source};

    fn sample(body_chars: usize) -> Briefing {
        let sentence = "Grid operators added storage faster than forecast this year. ";
        let paragraph = sentence.repeat(8);
        let mut body = Vec::new();
        let mut total = 0;
        while total < body_chars {
            total += paragraph.len();
            body.push(BodyBlock {
                heading: None,
                text: paragraph.trim().to_string(),
            });
        }
        Briefing {
            slug: "storage".into(),
            title: "Storage outpaces forecasts".into(),
            published: chrono::NaiveDate::from_ymd_opt(2025, 9, 2),
            source: Source {
                name: Some("Energy Desk".into()),
                tagline: None,
                url: Some("https://example.org/storage".into()),
            },
            categories: vec!["Energy".into()],
            highlights: vec!["Storage doubled.".into(), "Prices fell.".into()],
            body,
            implications: Some(Implications {
                caption: "What it means".into(),
                columns: vec!["Who".into(), "What".into()],
                rows: vec![ImplicationRow {
                    heading: "Utilities".into(),
                    summary: "Plan for evening peaks.".into(),
                }],
            }),
            key_questions: vec!["Who pays for storage?".into()],
            closing: Some("Watch the winter.".into()),
            author: None,
            image: Some("https://example.org/lead.jpg".into()),
        }
    }

    fn all_text(reply: &Reply) -> String {
        reply
            .messages
            .iter()
            .flat_map(|m| &m.card.as_ref().expect("a card").blocks)
            .filter_map(|block| match block {
                Block::Text(text) | Block::Beside { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_short_briefing_is_one_card_with_its_parts_in_order() {
        let reply = briefing(&sample(500), Some(0x2b6cb0));
        assert_eq!(reply.messages.len(), 1);
        let card = reply.messages[0].card.as_ref().unwrap();
        assert_eq!(card.accent, Some(0x2b6cb0));
        assert_eq!(
            card.blocks[0],
            Block::Beside {
                text: format!(
                    "## Storage outpaces forecasts\n-# Sep 2, 2025 · Energy Desk · Energy\n\n{}",
                    highlights(&sample(500)).unwrap()
                ),
                image: "https://example.org/lead.jpg".into()
            }
        );
        assert!(
            matches!(card.blocks.last(), Some(Block::Links(links)) if links[0].url == "https://example.org/storage")
        );
        let text = all_text(&reply);
        for part in [
            "What it means",
            "**Utilities** — Plan",
            "1. Who pays",
            "*Watch the winter.*",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(limit_violations(&reply).is_empty());
        assert!(reply.messages[0].content.is_none() && reply.messages[0].embeds.is_empty());
    }

    #[test]
    fn a_long_body_continues_in_few_cards_within_the_limits_and_loses_nothing() {
        let b = sample(12_000);
        let reply = briefing(&b, None);
        let problems = limit_violations(&reply);
        assert!(problems.is_empty(), "{problems:?}");
        let body_chars = body_text(&b).chars().count();
        // Text is packed: at most one card more than its characters need.
        let least = body_chars.div_ceil(limits::CARD_TEXT);
        assert!(
            reply.messages.len() <= least + 1,
            "{} cards for {body_chars} characters",
            reply.messages.len()
        );
        let words = |text: &str| text.split_whitespace().count();
        let shown = all_text(&reply);
        assert!(
            words(&shown) >= words(&body_text(&b)),
            "every word of the body is shown"
        );
        // The link to the original closes the last card only.
        let links = reply
            .messages
            .iter()
            .filter(|m| {
                m.card
                    .as_ref()
                    .unwrap()
                    .blocks
                    .iter()
                    .any(|b| matches!(b, Block::Links(_)))
            })
            .count();
        assert_eq!(links, 1);
    }

    #[test]
    fn a_huge_briefing_stops_at_the_message_bound_and_says_so() {
        let reply = briefing(&sample(80_000), None);
        assert_eq!(reply.messages.len(), MAX_MESSAGES);
        assert!(limit_violations(&reply).is_empty());
        assert!(all_text(&reply).contains("too long to show here in full"));
    }

    #[test]
    fn without_highlights_the_image_stays_beside_the_title_and_bad_links_are_left_out() {
        let mut b = sample(200);
        b.highlights.clear();
        b.source.url = Some("javascript:alert(1)".into());
        let reply = briefing(&b, None);
        let card = reply.messages[0].card.as_ref().unwrap();
        let Block::Beside { text, image } = &card.blocks[0] else {
            panic!("the title beside the image: {card:?}");
        };
        assert!(text.starts_with("## "), "{text}");
        assert_eq!(image, "https://example.org/lead.jpg");
        assert!(!card.blocks.iter().any(|b| matches!(b, Block::Links(_))));

        b.image = Some("data:image/png;base64,AAAA".into());
        let card = briefing(&b, None).messages.remove(0).card.unwrap();
        assert!(
            !card
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Beside { .. })),
            "no thumbnail from a non-web address"
        );
    }

    #[test]
    fn markdown_in_the_title_cannot_fake_formatting() {
        let mut b = sample(100);
        b.title = "**Bold** <@&1> claim".into();
        let card = briefing(&b, None).messages.remove(0).card.unwrap();
        assert_eq!(card.heading(), Some("\\*\\*Bold\\*\\* \\<\\@&1\\> claim"));
    }
}
