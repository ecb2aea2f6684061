//! Talking to the bot through the Discord double: command options, the
//! bot's answer to an interaction, and what a message says.

use discord_double::{resolved_channels, Double, Invocation, Invoker};
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

/// The bot's answer to an interaction: its response's data, or, when it
/// deferred, the edit that filled it.
pub async fn answer(double: &Double, invocation: &Invocation) -> Value {
    let callback = double.callback(invocation, LIMIT).await.unwrap();
    if callback.body["type"] == 5 {
        return double
            .wait_for(LIMIT, "the deferred answer", |d| {
                d.follow_ups(invocation).into_iter().next()
            })
            .await
            .unwrap()
            .body;
    }
    callback.body["data"].clone()
}

/// Sends command `name` as `invoker`, with the channels its subcommand's
/// options name resolved as Discord resolves them; the bot's answer.
pub async fn command_as(double: &Double, invoker: &Invoker, name: &str, options: Value) -> Value {
    let channels: Vec<u64> = options[0]["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["type"] == 7)
        .filter_map(|o| o["value"].as_str()?.parse().ok())
        .collect();
    let invocation = double
        .send_command_as(invoker, name, options, resolved_channels(&channels))
        .unwrap();
    answer(double, &invocation).await
}

/// The bot's response to an interaction (its body), within the bound.
pub async fn callback(double: &Double, invocation: &Invocation) -> Value {
    double.callback(invocation, LIMIT).await.unwrap().body
}

/// The Text Displays of a Components V2 message, nested ones included, in
/// reading order.
pub fn text_displays(data: &Value) -> Vec<String> {
    fn walk(components: &Value, out: &mut Vec<String>) {
        for component in components.as_array().into_iter().flatten() {
            if component["type"] == 10 {
                out.extend(component["content"].as_str().map(str::to_string));
            }
            walk(&component["components"], out);
        }
    }
    let mut out = Vec::new();
    walk(&data["components"], &mut out);
    out
}

/// Every component of a message, nested ones included.
pub fn all_components(data: &Value) -> Vec<Value> {
    fn walk(components: &Value, out: &mut Vec<Value>) {
        for component in components.as_array().into_iter().flatten() {
            out.push(component.clone());
            walk(&component["components"], out);
            if component["accessory"].is_object() {
                out.push(component["accessory"].clone());
            }
        }
    }
    let mut out = Vec::new();
    walk(&data["components"], &mut out);
    out
}

/// The title a message shows: its first embed's, or its card's `## ` heading.
pub fn title(data: &Value) -> Option<String> {
    if let Some(title) = data["embeds"][0]["title"].as_str() {
        return Some(title.to_string());
    }
    text_displays(data)
        .iter()
        .flat_map(|text| text.lines())
        .find_map(|line| line.strip_prefix("## ").map(str::to_string))
}

/// The lead image a message shows: an embed's thumbnail or a card's.
pub fn thumbnail(data: &Value) -> Option<String> {
    if let Some(url) = data["embeds"][0]["thumbnail"]["url"].as_str() {
        return Some(url.to_string());
    }
    all_components(data)
        .iter()
        .find(|c| c["type"] == 11)
        .and_then(|c| c["media"]["url"].as_str().map(str::to_string))
}

/// What a reply or message says: its content, then each embed's
/// description, fields' values and footer, a line each, then a card's texts.
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
    for display in text_displays(data) {
        out.push('\n');
        out.push_str(&display);
    }
    out
}

/// The custom_id of a message's first button with a custom_id (a prompt's
/// Answer, say), wherever the layout puts it: in the first action row of a
/// classic message, below a card.
pub fn first_button_id(data: &Value) -> Option<String> {
    all_components(data)
        .iter()
        .find(|c| c["type"] == 2 && c["custom_id"].is_string())
        .and_then(|c| c["custom_id"].as_str().map(str::to_string))
}
