//! Talking to the bot through the Discord double: command options, the
//! bot's answer to an interaction, and what a message says.

use discord_double::{Double, Invocation};
use serde_json::{json, Value};

use super::bot::LIMIT;

/// A subcommand with its options.
pub fn sub(name: &str, options: Value) -> Value {
    json!([{ "name": name, "type": 1, "options": options }])
}

/// An option of Discord type `kind` (3 text, 4 integer, 7 channel).
pub fn opt(name: &str, kind: u8, value: Value) -> Value {
    json!({ "name": name, "type": kind, "value": value })
}

/// A text option.
pub fn text_opt(name: &str, value: &str) -> Value {
    opt(name, 3, json!(value))
}

/// The bot's response to an interaction (its body), within the bound.
pub async fn callback(double: &Double, invocation: &Invocation) -> Value {
    double.callback(invocation, LIMIT).await.unwrap().body
}

/// What a reply or message says: its content, then each embed's
/// description, fields' values and footer, a line each.
pub fn text(data: &Value) -> String {
    let mut out = data["content"].as_str().unwrap_or("").to_string();
    for embed in data["embeds"].as_array().into_iter().flatten() {
        out.push_str(embed["description"].as_str().unwrap_or(""));
        for field in embed["fields"].as_array().into_iter().flatten() {
            out.push_str(&format!("\n{}", field["value"].as_str().unwrap_or("")));
        }
        out.push_str(&format!(
            "\n{}",
            embed["footer"]["text"].as_str().unwrap_or("")
        ));
    }
    out
}
