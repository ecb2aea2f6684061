//! Failures of a command: a message for the person who asked, or an internal
//! fault that is logged and answered with a generic apology.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Shown to the person as it is (privately): what went wrong and what to do.
    #[error("{0}")]
    User(String),
    /// A fault of ours; logged, and the person is told something went wrong.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type CommandResult<T> = Result<T, CommandError>;

/// What the person is told when the fault is ours (the log has the detail).
pub const INTERNAL_APOLOGY: &str =
    "Something went wrong on our side. It has been logged; please try again.";

impl CommandError {
    /// The text the person sees: their message, or (logging the detail)
    /// the apology. One wording for every transport.
    pub fn shown(&self) -> String {
        match self {
            CommandError::User(message) => message.clone(),
            CommandError::Internal(detail) => {
                tracing::error!(%detail, "command failed");
                INTERNAL_APOLOGY.into()
            }
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::EmptyQuery => {
                CommandError::User("Type at least one word to search for.".into())
            }
            other => CommandError::Internal(other.to_string()),
        }
    }
}

/// `option.user_error("No briefing with that name")?`: the message is chosen
/// where the failure is understood.
pub trait OrUserError<T> {
    fn user_error(self, message: impl Into<String>) -> CommandResult<T>;
}

impl<T> OrUserError<T> for Option<T> {
    fn user_error(self, message: impl Into<String>) -> CommandResult<T> {
        self.ok_or_else(|| CommandError::User(message.into()))
    }
}
