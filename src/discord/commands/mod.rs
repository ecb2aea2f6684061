//! Slash commands: each parses its options and calls a handler, nothing more.

mod briefing;
mod help;

use super::types::{Data, Error};

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![briefing::briefing(), help::help()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registration_payload_is_one_discord_accepts() {
        let commands = super::all();
        let payload =
            serde_json::to_value(poise::builtins::create_application_commands(&commands)).unwrap();
        // The Discord double's checks: names, description lengths, and so on.
        assert_eq!(
            discord_double::documented_limits("applications/1/commands", &payload),
            Vec::<String>::new()
        );
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
