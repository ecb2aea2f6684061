//! Reading a handler's reply in tests: one way, for every suite.

use briefbot::domain::view::Reply;
use briefbot::handlers::CommandError;

/// Everything a reply says, in reading order: each message's text, then
/// its embeds' titles, descriptions, fields ("name | value") and footers,
/// then its card's texts.
pub fn said(reply: &Reply) -> String {
    let mut out = Vec::new();
    for message in &reply.messages {
        out.extend(message.content.clone());
        for embed in &message.embeds {
            out.extend(embed.title.clone());
            out.extend(embed.description.clone());
            for field in &embed.fields {
                out.push(format!("{} | {}", field.name, field.value));
            }
            out.extend(embed.footer.clone());
        }
        if let Some(card) = &message.card {
            out.extend(card.texts().map(str::to_string));
        }
    }
    out.join("\n")
}

/// The message of a refusal; anything else fails the test.
pub fn refusal<T: std::fmt::Debug>(result: Result<T, CommandError>) -> String {
    match result {
        Err(CommandError::User(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
