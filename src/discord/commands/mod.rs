//! Slash commands: each parses its options and calls a handler, nothing more.

mod briefing;
mod help;

use super::types::{Data, Error};

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![briefing::briefing(), help::help()]
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Walks a registration payload and lists every rule Discord would
    /// reject it for.
    fn problems(command: &Value, path: &str, out: &mut Vec<String>) {
        let name = command["name"].as_str().unwrap_or_default();
        let at = format!("{path}/{name}");
        let name_ok = (1..=32).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c == '-' || c == '_' || c.is_lowercase() || c.is_numeric());
        if !name_ok {
            out.push(format!("{at}: bad name"));
        }
        let description = command["description"].as_str().unwrap_or_default();
        // Top-level context-menu commands have no description; ours are all slash commands.
        if !(1..=100).contains(&description.chars().count()) {
            out.push(format!(
                "{at}: description of {} characters",
                description.chars().count()
            ));
        }
        if let Some(options) = command["options"].as_array() {
            if options.len() > 25 {
                out.push(format!("{at}: {} options", options.len()));
            }
            for option in options {
                problems(option, &at, out);
            }
        }
    }

    #[test]
    fn the_registration_payload_is_one_discord_accepts() {
        let commands = super::all();
        let payload =
            serde_json::to_value(poise::builtins::create_application_commands(&commands)).unwrap();
        let mut found = Vec::new();
        for command in payload.as_array().unwrap() {
            problems(command, "", &mut found);
        }
        assert_eq!(found, Vec::<String>::new());
        let names: Vec<&str> = payload
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert_eq!(names, ["briefing", "help"]);
        let briefing = &payload[0];
        let subcommands: Vec<&str> = briefing["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(
            subcommands,
            ["latest", "read", "search", "list", "categories"]
        );
        let read = &briefing["options"][1]["options"][0];
        assert_eq!(
            (
                read["name"].as_str(),
                read["autocomplete"].as_bool(),
                read["required"].as_bool()
            ),
            (Some("briefing"), Some(true), Some(true))
        );
    }
}
