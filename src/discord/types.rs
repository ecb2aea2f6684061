//! What every command sees: the shared handlers, and poise's context type.

use crate::handlers::{AnswerLimit, CommandError, Handlers};
use crate::import::ImportOptions;

pub struct Data {
    pub handlers: Handlers,
    /// Limits for `/briefing import` uploads.
    pub import_options: ImportOptions,
    pub answer_limit: AnswerLimit,
    /// Plain replies to question messages are answers (Message Content intent).
    pub read_replies: bool,
    /// What the permission checks read of each server (fed by gateway events).
    pub servers: std::sync::Arc<super::servers::Servers>,
}

pub type Error = CommandError;
pub type Context<'a> = poise::Context<'a, Data, Error>;

impl From<serenity::Error> for CommandError {
    fn from(error: serenity::Error) -> Self {
        CommandError::Internal(format!("Discord: {error}"))
    }
}
