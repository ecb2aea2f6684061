//! A briefing as a [`Reply`]: a header embed (title, highlights, date, source
//! and categories), the body, the implications table as fields (Discord's
//! mobile app draws no Markdown tables), the numbered key questions and the
//! closing line. Long text is split at paragraph, then sentence, boundaries
//! across embeds and messages, deterministically; nothing is cut off.

use super::bounds::MAX_MESSAGES;
use super::custom_id::CustomId;
use super::model::Briefing;
use super::text::{escape_markdown, split_text, truncate};
use super::view::{limits, Embed, Field, Layout, Message, Reply};

/// Room kept for the footer so header title + description + footer stay
/// within one embed's share of a message.
const FOOTER_MAX: usize = 1_000;

/// A briefing in the server's layout: cards, or the classic embeds.
pub fn briefing_in(b: &Briefing, layout: Layout, accent: Option<u32>) -> Reply {
    match layout {
        Layout::Cards => super::card::briefing(b, accent),
        Layout::Classic => briefing(b),
    }
}

/// A briefing as embeds (the classic layout).
pub fn briefing(b: &Briefing) -> Reply {
    let mut embeds = Vec::new();

    // Header: title, highlights, date, source and categories.
    let title_fits = escape_markdown(&b.title).chars().count() <= limits::TITLE;
    let mut header_text = String::new();
    if !title_fits {
        header_text.push_str(&format!("**{}**\n\n", escape_markdown(&b.title)));
    }
    if !b.highlights.is_empty() {
        header_text.push_str("**Highlights**\n");
        for item in &b.highlights {
            header_text.push_str(&format!("• {}\n", escape_markdown(item)));
        }
    }
    let mut header_pieces = split_text(&header_text, limits::DESCRIPTION).into_iter();
    embeds.push(Embed {
        title: Some(truncate(&escape_markdown(&b.title), limits::TITLE)),
        url: b.source.url.clone(),
        description: header_pieces.next(),
        fields: Vec::new(),
        footer: footer(b),
        thumbnail: b.image.clone(),
    });
    embeds.extend(header_pieces.map(description_embed));

    // Body.
    let body = body_text(b);
    embeds.extend(
        split_text(&body, limits::DESCRIPTION)
            .into_iter()
            .map(description_embed),
    );

    // Implications as fields.
    if let Some(table) = &b.implications {
        embeds.extend(implications(table));
    }

    // Key questions, numbered, and the closing line.
    let mut ending = String::new();
    if !b.key_questions.is_empty() {
        ending.push_str("**Key Questions**\n");
        for (n, question) in b.key_questions.iter().enumerate() {
            ending.push_str(&format!("{}. {}\n", n + 1, escape_markdown(question)));
        }
    }
    if let Some(closing) = &b.closing {
        ending.push_str(&format!("\n*{}*", escape_markdown(closing)));
    }
    embeds.extend(
        split_text(&ending, limits::DESCRIPTION)
            .into_iter()
            .map(description_embed),
    );

    Reply {
        messages: at_most(pack_embeds(embeds), MAX_MESSAGES),
        ephemeral: false,
    }
}

/// The body as Markdown: each block's heading in bold, bullets as `•`.
pub(super) fn body_text(b: &Briefing) -> String {
    b.body
        .iter()
        .map(|block| {
            let text = match block.bullets() {
                Some(items) => items
                    .iter()
                    .map(|item| format!("• {}", escape_markdown(item)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                None => escape_markdown(&block.text),
            };
            match &block.heading {
                Some(heading) => format!("**{}**\n{text}", escape_markdown(heading)),
                None => text,
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The implications table as embed fields (Discord's mobile app draws no
/// Markdown tables): a row's heading names its field, a long summary
/// continues in more fields.
fn implications(table: &super::model::Implications) -> Vec<Embed> {
    let mut fields = Vec::new();
    for row in &table.rows {
        let (name, mut value) = if row.heading.chars().count() <= limits::FIELD_NAME {
            (escape_markdown(&row.heading), String::new())
        } else {
            (
                truncate(&row.heading, limits::FIELD_NAME),
                format!("**{}**\n", escape_markdown(&row.heading)),
            )
        };
        value.push_str(&escape_markdown(&row.summary));
        for (i, piece) in split_text(&value, limits::FIELD_VALUE)
            .into_iter()
            .enumerate()
        {
            fields.push(Field {
                name: if i == 0 {
                    name.clone()
                } else {
                    format!("{} (continued)", truncate(&name, limits::FIELD_NAME - 12))
                },
                value: piece,
                inline: false,
            });
        }
    }
    let caption = truncate(&escape_markdown(&table.caption), limits::TITLE);
    pack_fields(&caption, fields)
}

/// Whatever was stored, a briefing is never more than `max` messages: the
/// last one says the rest was left out. (Imports are bounded so that real
/// briefings never reach this.)
fn at_most(mut messages: Vec<Message>, max: usize) -> Vec<Message> {
    if messages.len() <= max {
        return messages;
    }
    messages.truncate(max);
    let note = description_embed(
        "*This briefing is too long to show here in full; the rest is left out.*".into(),
    );
    if let Some(last) = messages.last_mut() {
        last.embeds.pop();
        last.embeds.push(note);
    }
    messages
}

/// How a discussion's question messages look: a small card each (with the
/// server's accent) or classic text, beside their Answer button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromptStyle {
    pub card: bool,
    pub accent: Option<u32>,
}

impl PromptStyle {
    /// The style of a server's layout.
    pub fn of(layout: Layout, accent: Option<u32>) -> Self {
        Self {
            card: layout == Layout::Cards,
            accent,
        }
    }

    /// `text` in this style, with `buttons` below it.
    fn message(self, text: String, buttons: Vec<super::view::Button>) -> Message {
        let text = truncate(&text, limits::CONTENT);
        if self.card {
            return Message {
                card: Some(super::view::Card {
                    accent: self.accent,
                    blocks: vec![super::view::Block::Text(text)],
                }),
                buttons,
                ..Message::default()
            };
        }
        Message {
            content: Some(text),
            buttons,
            ..Message::default()
        }
    }
}

/// One message per key question, each with an Answer button, for the
/// discussion thread of a posted briefing.
pub fn question_prompts(questions: &[(i64, String)], style: PromptStyle) -> Vec<Message> {
    questions
        .iter()
        .enumerate()
        .map(|(i, (id, text))| {
            style.message(
                format!("**Key question {}**\n{}", i + 1, escape_markdown(text)),
                vec![super::view::Button {
                    custom_id: CustomId::Answer { question: *id }.to_string(),
                    label: "Answer".into(),
                    disabled: false,
                }],
            )
        })
        .collect()
}

/// Where the bot may not pin, a featured answer is quoted in its thread
/// instead: plain text, no embed (so it is never taken for the answer's own
/// message), pinging no one.
pub fn featured_quote(id: i64, author: &str, question: &str, text: &str) -> Message {
    let quoted: String = escape_markdown(&truncate(text, 1_500))
        .lines()
        .map(|line| format!("> {line}\n"))
        .collect();
    Message::text(truncate(
        &format!(
            "⭐ **Featured answer** (#{id}) by **{}** to “{}”\n{quoted}",
            escape_markdown(&truncate(author, 80)),
            escape_markdown(&truncate(question, 200)),
        ),
        limits::CONTENT,
    ))
}

/// What replaces a question's message once a moderator retires it: the
/// question as it was, no Answer button.
pub fn retired_question(number: usize, text: &str, style: PromptStyle) -> Message {
    style.message(
        format!(
            "**Key question {number}** (retired)\n{}\n-# A moderator retired this question; the answers given stay.",
            escape_markdown(text)
        ),
        Vec::new(),
    )
}

/// The name of a briefing's discussion thread (1-100 characters).
/// A forum post's name: the title, at most 100 characters (Discord's
/// limit), cut at a word.
pub fn forum_post_name(title: &str) -> String {
    let title = title.trim();
    if title.chars().count() <= 100 {
        return title.to_string();
    }
    let cut: String = title.chars().take(99).collect();
    let at_word = cut.rfind(' ').filter(|&at| at > 40).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

pub fn thread_name(title: &str) -> String {
    let name = truncate(title.trim(), 100);
    if name.is_empty() {
        "Discussion".into()
    } else {
        name
    }
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestEntry {
    pub id: i64,
    pub title: String,
    pub published: Option<chrono::NaiveDate>,
    pub url: Option<String>,
}

/// The newest briefings as one embed: title (linked to its source when it
/// has one), date, and the id to open it with.
pub fn digest(entries: &[DigestEntry]) -> Reply {
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let title = escape_markdown(&truncate(&e.title, 200));
            let title = match &e.url {
                Some(url) if !url.contains(')') => format!("[{title}]({url})"),
                _ => format!("**{title}**"),
            };
            let date = e
                .published
                .map(|d| format!(" · {}", d.format("%b %-d, %Y")))
                .unwrap_or_default();
            format!("• {title}{date} · `/briefing read {}`", e.id)
        })
        .collect();
    let description = if lines.is_empty() {
        "No briefings yet.".to_string()
    } else {
        truncate(&lines.join("\n"), limits::DESCRIPTION)
    };
    Reply {
        messages: vec![Message {
            embeds: vec![Embed {
                title: Some(format!("Briefing digest: the newest {}", entries.len())),
                description: Some(description),
                ..Embed::default()
            }],
            ..Message::default()
        }],
        ephemeral: false,
    }
}

/// The date, source and categories. The date is written out rather than
/// sent as an embed timestamp: a date without a time would show as the day
/// before for every reader west of UTC.
pub(super) fn footer(b: &Briefing) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(date) = b.published {
        parts.push(date.format("%b %-d, %Y").to_string());
    }
    if let Some(author) = &b.author {
        parts.push(format!("by {author}"));
    }
    if let Some(name) = &b.source.name {
        parts.push(name.clone());
    }
    if !b.categories.is_empty() {
        parts.push(b.categories.join(", "));
    }
    (!parts.is_empty()).then(|| truncate(&parts.join(" · "), FOOTER_MAX))
}

fn description_embed(text: String) -> Embed {
    Embed {
        description: Some(text),
        ..Embed::default()
    }
}

/// Fields into as many embeds as they need: at most 25 each, and few enough
/// characters that every embed fits a message.
fn pack_fields(title: &str, fields: Vec<Field>) -> Vec<Embed> {
    let mut embeds: Vec<Embed> = Vec::new();
    let mut current = Embed {
        title: Some(title.to_string()),
        ..Embed::default()
    };
    for field in fields {
        let size = field.name.chars().count() + field.value.chars().count();
        if current.fields.len() == limits::FIELDS
            || current.char_count() + size > limits::EMBED_TOTAL
        {
            embeds.push(std::mem::take(&mut current));
        }
        current.fields.push(field);
    }
    if !current.fields.is_empty() || embeds.is_empty() {
        embeds.push(current);
    }
    embeds
}

/// Embeds into messages: at most 10 and 6,000 characters each, in order.
pub fn pack_embeds(embeds: Vec<Embed>) -> Vec<Message> {
    let mut messages: Vec<Message> = Vec::new();
    let mut current = Message::default();
    let mut total = 0;
    for embed in embeds {
        let size = embed.char_count();
        if !current.embeds.is_empty()
            && (current.embeds.len() == limits::EMBEDS_PER_MESSAGE
                || total + size > limits::EMBED_TOTAL)
        {
            messages.push(std::mem::take(&mut current));
            total = 0;
        }
        total += size;
        current.embeds.push(embed);
    }
    if !current.embeds.is_empty() {
        messages.push(current);
    }
    messages
}

/// How an answer shows in its thread: attributed, as written (escaped, so
/// it cannot fake formatting or mention anyone), split like any long text
/// (an answer of 4,000 underscores escapes to 8,000 characters: two
/// messages), each part's footer naming the answer, with Edit and Delete
/// buttons under the last part.
pub fn answer(id: i64, author: &str, question: &str, text: &str, edited: bool) -> Vec<Message> {
    let pieces = split_text(&escape_markdown(text), limits::DESCRIPTION);
    let mut messages = pack_embeds(pieces.into_iter().map(description_embed).collect());
    if messages.is_empty() {
        messages.push(Message::default());
    }
    let count = messages.len();
    for (n, message) in messages.iter_mut().enumerate() {
        let part = if count > 1 {
            format!(" · part {} of {count}", n + 1)
        } else {
            String::new()
        };
        let footer = format!(
            "Answer #{id}{}{part}",
            if edited { " · edited" } else { "" }
        );
        match message.embeds.last_mut() {
            Some(embed) => embed.footer = Some(footer),
            None => message.embeds.push(Embed {
                footer: Some(footer),
                ..Embed::default()
            }),
        }
    }
    if let Some(first) = messages.first_mut() {
        first.content = Some(format!(
            "**{}** answered “{}”",
            escape_markdown(&truncate(author, 80)),
            escape_markdown(&truncate(question, 300))
        ));
    }
    if let Some(last) = messages.last_mut() {
        last.buttons = vec![
            super::view::Button {
                custom_id: CustomId::EditAnswer { answer: id }.to_string(),
                label: "Edit".into(),
                disabled: false,
            },
            super::view::Button {
                custom_id: CustomId::DeleteAnswer { answer: id }.to_string(),
                label: "Delete".into(),
                disabled: false,
            },
        ];
    }
    messages
}

/// What replaces an answer a moderator removed: no author, no text.
pub fn removed_answer(id: i64) -> Message {
    Message {
        ping_role: None,
        card: None,
        content: Some(format!("*Answer #{id} was removed by a moderator.*")),
        embeds: Vec::new(),
        buttons: Vec::new(),
    }
}

/// Whether a message the bot posted shows answer `id` (its footer says so):
/// how answers shown before their message ids were kept are found.
pub fn shows_answer(message: &Message, id: i64) -> bool {
    let wanted = format!("Answer #{id}");
    message.embeds.iter().any(|e| {
        e.footer.as_deref().is_some_and(|f| {
            f.strip_prefix(&wanted)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
    })
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    #[test]
    fn a_long_answer_is_split_not_cut() {
        let text = "_".repeat(4_000);
        let messages = answer(7, "Ann", "Why?", &text, false);
        assert_eq!(messages.len(), 2);
        let shown: String = messages
            .iter()
            .flat_map(|m| &m.embeds)
            .filter_map(|e| e.description.clone())
            .collect();
        assert_eq!(shown.matches('_').count(), 4_000, "every character shown");
        let reply = Reply {
            messages: messages.clone(),
            ephemeral: false,
        };
        assert!(crate::domain::view::limit_violations(&reply).is_empty());
        assert!(messages.iter().all(|m| shows_answer(m, 7)));
        assert!(!shows_answer(&messages[0], 70));
        assert!(messages[0].buttons.is_empty() && messages[1].buttons.len() == 2);
        assert_eq!(answer(8, "Ann", "Why?", "Short.", true).len(), 1);
    }
}
