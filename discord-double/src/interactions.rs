//! The interactions a test sends the bot: slash commands, autocomplete,
//! button presses and modal submits, each as Discord would dispatch it.

use serde_json::{json, Value};

use super::*;

impl Double {
    /// Sends an event to the shard its server belongs to (shard 0 without
    /// a server), as Discord routes them.
    pub(crate) fn dispatch(&self, event: &'static str, data: Value) -> Result<(), String> {
        let shard = data["guild_id"]
            .as_str()
            .and_then(|id| id.parse::<u64>().ok())
            .map_or(0, |guild| self.shared.shard_of(guild));
        let gateways = self.shared.gateways.lock().expect("gateways");
        let sender = gateways
            .get(&shard)
            .ok_or_else(|| format!("no bot is connected to the gateway on shard {shard}"))?;
        sender
            .send(Outgoing::Dispatch(event, data))
            .map_err(|_| "the gateway connection is gone".to_string())
    }

    fn interaction(&self, kind: u8, data: Value, extra: Value) -> (u64, String, Value) {
        let id = self.shared.snowflake();
        let token = format!("interaction-token-{id}");
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": GUILD_ID.to_string(),
            "channel_id": CHANNEL_ID.to_string(),
            "channel": { "id": CHANNEL_ID.to_string(), "type": 0, "name": "briefings" },
            "member": {
                "user": member_user(),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00.000000+00:00",
                "deaf": false,
                "mute": false,
                "flags": 0,
                "permissions": "2147483647"
            },
            "app_permissions": "274877925376",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": { "0": GUILD_ID.to_string() },
            "context": 0,
            "attachment_size_limit": 8_388_608,
            "data": data,
        });
        if let (Some(target), Some(more)) = (interaction.as_object_mut(), extra.as_object()) {
            target.extend(more.clone());
        }
        (id, token, interaction)
    }

    /// Dispatches a slash command as a member would invoke it. `options` are
    /// Discord's option objects (a subcommand is `{"name", "type": 1, "options"}`).
    pub fn send_command(&self, name: &str, options: Value) -> Result<Invocation, String> {
        self.send_command_as(&Invoker::moderator(), name, options, json!({}))
    }

    /// Dispatches a slash command from `invoker`; `resolved` is the
    /// command's `data.resolved` (channels, roles, attachments named in options).
    pub fn send_command_as(
        &self,
        invoker: &Invoker,
        name: &str,
        options: Value,
        resolved: Value,
    ) -> Result<Invocation, String> {
        self.send_command_in(GUILD_ID, CHANNEL_ID, invoker, name, options, resolved)
    }

    /// Dispatches a slash command from `invoker` in another server's channel
    /// (the second test server, say), which reaches that server's shard.
    pub fn send_command_in(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: &Invoker,
        name: &str,
        options: Value,
        resolved: Value,
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.command_json(2, name, options);
        interaction["data"]["resolved"] = resolved;
        place(&mut interaction, guild_id, channel_id);
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a button press in another server's channel.
    pub fn press_button_in(
        &self,
        guild_id: u64,
        channel_id: u64,
        custom_id: &str,
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.button_json(custom_id);
        place(&mut interaction, guild_id, channel_id);
        Invoker::moderator().apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches an autocomplete request; `options` mark the typed one `"focused": true`.
    pub fn send_autocomplete(&self, name: &str, options: Value) -> Result<Invocation, String> {
        let (id, token, interaction) = self.command_json(4, name, options);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a button press on a message the bot sent.
    pub fn press_button(&self, custom_id: &str) -> Result<Invocation, String> {
        self.press_button_as(&Invoker::moderator(), custom_id)
    }

    pub fn press_button_as(
        &self,
        invoker: &Invoker,
        custom_id: &str,
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.button_json(custom_id);
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit: `fields` are (text input custom_id, value).
    pub fn submit_modal(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, interaction) = self.modal_submit_json(custom_id, fields);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// Dispatches a modal submit from a form opened in `channel_id` (a thread, say).
    pub fn submit_modal_in(
        &self,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        self.submit_form(
            &Invoker::moderator(),
            GUILD_ID,
            channel_id,
            None,
            custom_id,
            fields,
        )
    }

    /// Dispatches a modal submit from a form opened in `channel_id` of
    /// another server (which reaches that server's shard).
    pub fn submit_modal_in_guild(
        &self,
        guild_id: u64,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        self.submit_form(
            &Invoker::moderator(),
            guild_id,
            channel_id,
            None,
            custom_id,
            fields,
        )
    }

    /// Dispatches a modal submit by `invoker` from a form opened in `channel_id`.
    pub fn submit_modal_as(
        &self,
        invoker: &Invoker,
        channel_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        self.submit_form(invoker, GUILD_ID, channel_id, None, custom_id, fields)
    }

    /// Dispatches a modal submit from a form opened by a button on message
    /// `message_id` in `channel_id`.
    pub fn submit_modal_on(
        &self,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        self.submit_form(
            &Invoker::moderator(),
            GUILD_ID,
            channel_id,
            Some(message_id),
            custom_id,
            fields,
        )
    }

    /// A modal submit by `invoker` in `channel_id`, from a button on
    /// `message_id` when the form was opened from a message.
    fn submit_form(
        &self,
        invoker: &Invoker,
        guild_id: u64,
        channel_id: u64,
        message_id: Option<u64>,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Result<Invocation, String> {
        let (id, token, mut interaction) = self.modal_submit_json(custom_id, fields);
        place(&mut interaction, guild_id, channel_id);
        if let Some(message_id) = message_id {
            interaction["message"]["id"] = json!(message_id.to_string());
            interaction["message"]["channel_id"] = json!(channel_id.to_string());
        }
        invoker.apply(&mut interaction);
        self.dispatch("INTERACTION_CREATE", interaction)?;
        Ok(Invocation { id, token })
    }

    /// The INTERACTION_CREATE payload of a modal submit, without sending it.
    pub fn modal_submit_json(
        &self,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> (u64, String, Value) {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(input, value)| {
                json!({ "type": 1, "components": [{ "type": 4, "custom_id": input, "value": value }] })
            })
            .collect();
        let message = message_json(self.shared.snowflake(), &json!({}));
        self.interaction(
            5,
            json!({ "custom_id": custom_id, "components": rows }),
            json!({ "message": message }),
        )
    }

    /// The INTERACTION_CREATE payload of a slash command (`kind` 2) or an
    /// autocomplete request (`kind` 4), without sending it.
    pub fn command_json(&self, kind: u8, name: &str, options: Value) -> (u64, String, Value) {
        let data =
            json!({ "id": "500000000000000005", "name": name, "type": 1, "options": options });
        self.interaction(kind, data, json!({}))
    }

    /// The INTERACTION_CREATE payload of a button press, without sending it.
    /// Discord sends one from the message that carries the
    /// button, in that message's channel and server: a press on a message
    /// the bot posted comes from where it was posted (a thread, say). A
    /// button found on no posted message is on an interaction's reply,
    /// which the double places in the commands' channel.
    pub fn button_json(&self, custom_id: &str) -> (u64, String, Value) {
        let data = json!({ "custom_id": custom_id, "component_type": 2 });
        let deleted = self.deleted_messages();
        let posted = self.with_messages(|messages| {
            messages
                .iter()
                .rev()
                .filter(|m| !deleted.contains(&m.id))
                .find(|m| carries_custom_id(&m.body["components"], custom_id))
                .map(|m| (m.channel_id, message_in(m.id, m.channel_id, &m.body)))
        });
        match posted {
            Some((channel_id, message)) => {
                let (id, token, mut interaction) =
                    self.interaction(3, data, json!({ "message": message }));
                let guild_id = self.shared.guild_of_channel(channel_id).unwrap_or(GUILD_ID);
                place(&mut interaction, guild_id, channel_id);
                (id, token, interaction)
            }
            None => {
                let message = message_json(self.shared.snowflake(), &json!({}));
                self.interaction(3, data, json!({ "message": message }))
            }
        }
    }
}

/// Whether a message's components hold a component with `custom_id`.
fn carries_custom_id(components: &Value, custom_id: &str) -> bool {
    components.as_array().is_some_and(|list| {
        list.iter()
            .any(|c| c["custom_id"] == custom_id || carries_custom_id(&c["components"], custom_id))
    })
}

/// Makes an interaction come from `channel_id` of server `guild_id` (which
/// also decides the shard it reaches).
fn place(interaction: &mut Value, guild_id: u64, channel_id: u64) {
    interaction["guild_id"] = json!(guild_id.to_string());
    interaction["channel_id"] = json!(channel_id.to_string());
    interaction["channel"]["id"] = json!(channel_id.to_string());
}
