//! Crafted interactions: what a modified client, a replayed request or a
//! message left over from another server can put in front of the bot.
//!
//! Discord fills in an interaction's `guild_id`, `channel_id` and `member`
//! (with the member's permissions there) itself; those the bot may trust.
//! What a client chose (option values, `data.resolved`, a component's or a
//! form's `custom_id`, the fields of a form) nothing in our notes says Discord
//! checks against the server or the message, and a client can send commands
//! it is not shown (default member permissions only hide them). So a test
//! names here any object it likes, another server's included, and the bot
//! must refuse what does not belong where the interaction came from.

use serde_json::{json, Value};

use super::*;

/// An interaction being put together; [`Double::send_crafted`] sends it.
#[derive(Debug, Clone)]
pub struct Crafted {
    id: u64,
    token: String,
    interaction: Value,
}

impl Crafted {
    /// Comes from `channel_id` of `guild_id`, and reaches that server's shard.
    pub fn in_server(mut self, guild_id: u64, channel_id: u64) -> Self {
        self.interaction["guild_id"] = json!(guild_id.to_string());
        self.interaction["channel_id"] = json!(channel_id.to_string());
        self.interaction["channel"]["id"] = json!(channel_id.to_string());
        self.interaction["authorizing_integration_owners"]["0"] = json!(guild_id.to_string());
        self
    }

    /// Comes from `invoker`.
    pub fn by(mut self, invoker: &Invoker) -> Self {
        invoker.apply(&mut self.interaction);
        self
    }

    /// Claims these objects in `data.resolved` (channels, roles, attachments).
    pub fn resolved(mut self, resolved: Value) -> Self {
        self.interaction["data"]["resolved"] = resolved;
        self
    }

    /// Claims the component sits on message `message_id` of `channel_id`.
    pub fn on_message(mut self, channel_id: u64, message_id: u64) -> Self {
        self.interaction["message"]["id"] = json!(message_id.to_string());
        self.interaction["message"]["channel_id"] = json!(channel_id.to_string());
        self
    }

    /// The payload as it will be sent.
    pub fn json(&self) -> &Value {
        &self.interaction
    }
}

impl Double {
    /// A slash command with any options, from the test server's commands
    /// channel by its moderator until placed elsewhere.
    pub fn craft_command(&self, name: &str, options: Value) -> Crafted {
        let (id, token, interaction) = self.command_json(2, name, options);
        crafted(id, token, interaction)
    }

    /// An autocomplete request; `options` mark the typed one `"focused": true`.
    pub fn craft_autocomplete(&self, name: &str, options: Value) -> Crafted {
        let (id, token, interaction) = self.command_json(4, name, options);
        crafted(id, token, interaction)
    }

    /// A press of a button with any `custom_id` (placed, until moved, where
    /// the message carrying it was posted).
    pub fn craft_button(&self, custom_id: &str) -> Crafted {
        let (id, token, interaction) = self.button_json(custom_id);
        crafted(id, token, interaction)
    }

    /// A form submitted with any `custom_id` and fields (input id, value).
    pub fn craft_form(&self, custom_id: &str, fields: &[(&str, &str)]) -> Crafted {
        let (id, token, interaction) = self.modal_submit_json(custom_id, fields);
        crafted(id, token, interaction)
    }

    /// Sends a crafted interaction to the shard of the server it names.
    pub fn send_crafted(&self, crafted: Crafted) -> Result<Invocation, String> {
        self.dispatch("INTERACTION_CREATE", crafted.interaction)?;
        Ok(Invocation {
            id: crafted.id,
            token: crafted.token,
        })
    }
}

fn crafted(id: u64, token: String, interaction: Value) -> Crafted {
    Crafted {
        id,
        token,
        interaction,
    }
}
