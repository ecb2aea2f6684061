//! Slash commands: each parses its options and calls a handler, nothing more.

mod briefing;
mod discussion;
mod help;
mod schedule;
mod settings;
mod subscribe;

use super::types::{Data, Error};

/// The body that registers `commands`. Discord's OpenAPI schema types
/// `default_member_permissions` as an integer while serenity sends the
/// string form, so it is rewritten to the number here.
pub fn registration_payload(commands: &[poise::Command<Data, Error>]) -> serde_json::Value {
    let mut payload = serde_json::to_value(poise::builtins::create_application_commands(commands))
        .expect("command builders serialise");
    for command in payload.as_array_mut().into_iter().flatten() {
        let bits = command["default_member_permissions"]
            .as_str()
            .and_then(|text| text.parse::<u64>().ok());
        if let Some(bits) = bits {
            command["default_member_permissions"] = serde_json::json!(bits);
        }
    }
    payload
}

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        briefing::briefing(),
        help::help(),
        subscribe::subscribe(),
        schedule::schedule(),
        settings::settings(),
        discussion::answer(),
        discussion::discussion(),
        discussion::moderate(),
        discussion::forget_me(),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registration_payload_is_one_discord_accepts() {
        let commands = super::all();
        let payload = super::registration_payload(&commands);
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
        assert_eq!(
            names,
            [
                "briefing",
                "help",
                "subscribe",
                "schedule",
                "settings",
                "answer",
                "discussion",
                "moderate",
                "forget-me"
            ]
        );
        // Moderator commands are hidden from members by default (Manage
        // Server = 32); the handlers check again on every call.
        for command in payload.as_array().unwrap() {
            let expected = match command["name"].as_str() {
                Some("subscribe" | "schedule" | "settings") => Some(32),
                Some("moderate") => Some(8192),
                _ => None,
            };
            assert_eq!(
                command["default_member_permissions"].as_u64(),
                expected,
                "{}",
                command["name"]
            );
        }
        let briefing = &payload[0];
        let subcommands: Vec<&str> = briefing["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["name"].as_str())
            .collect();
        assert_eq!(
            subcommands,
            ["latest", "read", "search", "list", "categories", "import"]
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
