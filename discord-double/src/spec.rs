//! Checks request bodies against Discord's own OpenAPI description, plus the
//! documented limits the schema does not encode.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// One operation of the spec: its method, path template and body schema.
struct Operation {
    method: String,
    template: Vec<String>,
    schema: Option<Value>,
}

pub struct SpecValidator {
    components: Value,
    operations: Vec<Operation>,
    compiled: Mutex<HashMap<usize, Arc<jsonschema::Validator>>>,
}

impl SpecValidator {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let spec: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let mut operations = Vec::new();
        for (template, item) in spec["paths"].as_object().ok_or("the spec has no paths")? {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if method == "parameters" {
                    continue;
                }
                let schema =
                    operation["requestBody"]["content"]["application/json"]["schema"].clone();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    template: template
                        .trim_matches('/')
                        .split('/')
                        .map(str::to_string)
                        .collect(),
                    schema: (!schema.is_null()).then_some(schema),
                });
            }
        }
        Ok(Self {
            components: spec["components"].clone(),
            operations,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    fn find(&self, method: &str, path: &str) -> Option<usize> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        // A literal segment beats a {parameter}: prefer the template with the most literals.
        self.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| {
                op.method == method
                    && op.template.len() == segments.len()
                    && op
                        .template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s)
            })
            .max_by_key(|(_, op)| op.template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(i, _)| i)
    }

    /// Errors for `body` sent as `method path`; empty when Discord would
    /// accept it (or the spec says nothing about that route's body).
    pub fn check(&self, method: &str, path: &str, body: &Value) -> Vec<String> {
        let Some(index) = self.find(method, path) else {
            return vec![format!(
                "{method} {path} is not an endpoint in Discord's API description"
            )];
        };
        let Some(schema) = &self.operations[index].schema else {
            return Vec::new();
        };
        let validator = {
            let mut compiled = self.compiled.lock().expect("validator cache");
            match compiled.get(&index) {
                Some(v) => Arc::clone(v),
                None => {
                    let root = json!({ "allOf": [schema], "components": self.components });
                    match jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .build(&root)
                    {
                        Ok(v) => Arc::clone(compiled.entry(index).or_insert(Arc::new(v))),
                        Err(e) => {
                            return vec![format!(
                                "the spec's schema for {method} {path} does not compile: {e}"
                            )]
                        }
                    }
                }
            }
        };
        validator
            .iter_errors(body)
            .map(|e| format!("{method} {path}: {} at {}", e, e.instance_path()))
            .collect()
    }
}

/// Limits from Discord's documentation that the schema leaves out.
pub fn documented_limits(path: &str, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if path.ends_with("/commands") {
        for command in body.as_array().into_iter().flatten() {
            check_command(command, "", &mut problems);
        }
    }
    // Message bodies: a create, a follow-up, an edit, an interaction
    // callback or a forum post's first message.
    let message = if body.get("type").is_some() && body.get("data").is_some() {
        &body["data"]
    } else if body["message"].is_object() {
        &body["message"]
    } else {
        body
    };
    components_v2_rules(message, &mut problems);
    // Discord: `roles` may not be given beside "roles" in `parse`, and
    // holds at most 100 ids (docs: Allowed Mentions Object).
    let mentions = &message["allowed_mentions"];
    let parse_roles = mentions["parse"]
        .as_array()
        .is_some_and(|p| p.iter().any(|v| v == "roles"));
    let listed = mentions["roles"].as_array().map_or(0, Vec::len);
    if parse_roles && listed > 0 {
        problems.push("allowed_mentions gives \"roles\" in parse and a roles list".into());
    }
    if listed > 100 {
        problems.push(format!(
            "allowed_mentions lists {listed} roles, over Discord's 100"
        ));
    }
    if let Some(embeds) = message["embeds"].as_array() {
        let total: usize = embeds.iter().map(embed_chars).sum();
        if total > 6000 {
            problems.push(format!(
                "embeds total {total} characters, over Discord's 6000"
            ));
        }
    }
    problems
}

/// `flags` bit 15: the message is laid out by its components alone.
pub const IS_COMPONENTS_V2: u64 = 1 << 15;

/// Discord's rules for a Components V2 message (Components reference,
/// "Using Components V2" and each component's section; the OpenAPI schema
/// does not carry them):
/// - with the flag, `content`, `embeds`, `poll` and `stickers` are refused;
/// - at most 40 components in the message, nested ones counted;
/// - at most 4,000 characters across all Text Displays;
/// - a Thumbnail's or gallery item's media is an http(s) URL (or an
///   `attachment://` name, which the bot does not use);
/// - a link button (style 5) has a `url` and no `custom_id`; every other
///   button has a `custom_id` and no `url`;
/// - a Section holds 1 to 3 Text Displays and an accessory.
///
/// A message without the flag may hold only action rows at the top level.
/// Whether a message (or a body) carries the IS_COMPONENTS_V2 flag.
pub(crate) fn is_components_v2(message: &Value) -> bool {
    message["flags"].as_u64().unwrap_or(0) & IS_COMPONENTS_V2 != 0
}

/// Whether an edit of a Components V2 message keeps it one: the flag, if
/// given, still set, and no content or embeds put back.
pub(crate) fn keeps_components_v2(edit: &Value) -> bool {
    let flag_kept = edit.get("flags").is_none_or(|_| is_components_v2(edit));
    let text = edit["content"].as_str().is_some_and(|c| !c.is_empty());
    let embeds = edit["embeds"].as_array().is_some_and(|e| !e.is_empty());
    flag_kept && !text && !embeds
}

fn components_v2_rules(message: &Value, problems: &mut Vec<String>) {
    let v2 = message["flags"].as_u64().unwrap_or(0) & IS_COMPONENTS_V2 != 0;
    let top = message["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !v2 {
        if let Some(other) = top.iter().find(|c| c["type"] != 1) {
            problems.push(format!(
                "a component of type {} without the IS_COMPONENTS_V2 flag (only action rows allowed)",
                other["type"]
            ));
        }
        return;
    }
    for refused in ["content", "embeds", "poll", "stickers", "sticker_ids"] {
        let given = &message[refused];
        let empty = given.is_null()
            || given.as_str() == Some("")
            || given.as_array().is_some_and(Vec::is_empty);
        if !empty {
            problems.push(format!("`{refused}` given with the IS_COMPONENTS_V2 flag"));
        }
    }
    let mut count = 0;
    let mut text = 0;
    walk_components(&top, &mut count, &mut text, problems);
    if count > 40 {
        problems.push(format!(
            "{count} components, over Discord's 40 (nested ones count)"
        ));
    }
    if text > 4000 {
        problems.push(format!(
            "Text Displays total {text} characters, over Discord's 4000"
        ));
    }
}

fn walk_components(
    components: &[Value],
    count: &mut usize,
    text: &mut usize,
    problems: &mut Vec<String>,
) {
    let web = |url: &Value| {
        url.as_str().is_some_and(|u| {
            u.starts_with("https://") || u.starts_with("http://") || u.starts_with("attachment://")
        })
    };
    for component in components {
        *count += 1;
        match component["type"].as_u64().unwrap_or(0) {
            // Button
            2 => {
                let link = component["style"] == 5;
                let has_url = component["url"].is_string();
                let has_id = component["custom_id"].is_string();
                if link && (!has_url || has_id) {
                    problems.push("a link button needs a url and no custom_id".into());
                }
                if !link && component["style"] != 6 && (has_url || !has_id) {
                    problems.push("a button other than a link needs a custom_id and no url".into());
                }
            }
            // Section: its texts and its accessory.
            9 => {
                let texts = component["components"].as_array().map_or(0, Vec::len);
                if !(1..=3).contains(&texts) {
                    problems.push(format!("a section holds {texts} text displays, not 1-3"));
                }
                if component["accessory"].is_object() {
                    walk_components(
                        std::slice::from_ref(&component["accessory"]),
                        count,
                        text,
                        problems,
                    );
                } else {
                    problems.push("a section without an accessory".into());
                }
            }
            // Text Display
            10 => {
                *text += component["content"]
                    .as_str()
                    .map_or(0, |t| t.chars().count())
            }
            // Thumbnail
            11 if !web(&component["media"]["url"]) => {
                problems.push(format!(
                    "a thumbnail's media url {} is not http(s)",
                    component["media"]["url"]
                ));
            }
            // Media Gallery
            12 => {
                for item in component["items"].as_array().into_iter().flatten() {
                    if !web(&item["media"]["url"]) {
                        problems.push(format!(
                            "a gallery item's media url {} is not http(s)",
                            item["media"]["url"]
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(nested) = component["components"].as_array() {
            walk_components(nested, count, text, problems);
        }
    }
}

fn check_command(command: &Value, parent: &str, problems: &mut Vec<String>) {
    let name = command["name"].as_str().unwrap_or_default();
    let at = format!("{parent}/{name}");
    let valid_name = (1..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c == '-' || c == '_' || c.is_lowercase() || c.is_numeric());
    if !valid_name {
        problems.push(format!(
            "command {at}: name must match ^[-_\\p{{Ll}}\\p{{N}}]{{1,32}}$"
        ));
    }
    let is_slash = command["type"].as_u64().is_none_or(|t| t == 1) || !parent.is_empty();
    let description = command["description"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .count();
    if is_slash && !(1..=100).contains(&description) {
        problems.push(format!(
            "command {at}: description is {description} characters, must be 1-100"
        ));
    }
    for option in command["options"].as_array().into_iter().flatten() {
        check_command(option, &at, problems);
    }
}

fn embed_chars(embed: &Value) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    len(&embed["title"])
        + len(&embed["description"])
        + len(&embed["footer"]["text"])
        + len(&embed["author"]["name"])
        + embed["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| len(&f["name"]) + len(&f["value"]))
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn card(parts: Value) -> Value {
        json!({ "flags": IS_COMPONENTS_V2, "components": [{ "type": 17, "components": parts }] })
    }

    #[test]
    fn a_card_within_the_rules_passes() {
        let body = card(json!([
            { "type": 9, "components": [{ "type": 10, "content": "## Title" }],
              "accessory": { "type": 11, "media": { "url": "https://example.org/a.jpg" } } },
            { "type": 14, "divider": true },
            { "type": 1, "components": [{ "type": 2, "style": 5, "label": "Read", "url": "https://example.org" }] }
        ]));
        assert_eq!(
            documented_limits("channels/1/messages", &body),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_v2_rule_is_enforced() {
        let mut with_content = card(json!([{ "type": 10, "content": "hi" }]));
        with_content["content"] = "also text".into();
        let too_many = card(json!(vec![json!({ "type": 14 }); 40]));
        let too_long = card(json!([{ "type": 10, "content": "x".repeat(4001) }]));
        let bad_thumbnail = card(
            json!([{ "type": 9, "components": [{ "type": 10, "content": "t" }],
            "accessory": { "type": 11, "media": { "url": "javascript:alert(1)" } } }]),
        );
        let bad_link = card(json!([{ "type": 1, "components": [
            { "type": 2, "style": 5, "label": "x", "url": "https://e.org", "custom_id": "a" }] }]));
        let no_flag = json!({ "components": [{ "type": 17, "components": [] }] });
        for (body, expected) in [
            (with_content, "`content` given"),
            (too_many, "41 components"),
            (too_long, "4001 characters"),
            (bad_thumbnail, "not http(s)"),
            (bad_link, "link button"),
            (no_flag, "without the IS_COMPONENTS_V2 flag"),
        ] {
            let problems = documented_limits("channels/1/messages", &body);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected}: {problems:?}"
            );
        }
    }
}
