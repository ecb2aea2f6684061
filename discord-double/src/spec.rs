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
    // Message bodies: a create, a follow-up, an edit or an interaction callback.
    let message = if body.get("type").is_some() && body.get("data").is_some() {
        &body["data"]
    } else {
        body
    };
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
