//! `/moderate feature` and `unfeature`: a moderator's pick among a
//! question's answers, shown first in /discussion and pinned in its thread.

use super::queue_display_sync;
use crate::domain::view::Reply;
use crate::handlers::commands::Access;
use crate::handlers::{Caller, CommandError, CommandResult, Handlers};
use crate::store::{FeatureRefusal, MAX_FEATURED};

impl Handlers {
    pub async fn answer_feature(
        &self,
        caller: &Caller,
        answer_id: i64,
        featured: bool,
    ) -> CommandResult<Reply> {
        let guild = self
            .moderator_guild(caller, Access::ManageMessages, "Featuring answers")
            .await?;
        let now = self.clock.now_ms();
        let outcome = self
            .db
            .call(move |s| {
                s.in_transaction(|s| match s.set_featured(guild, answer_id, featured, now)? {
                    Ok(()) => Ok(Ok(queue_display_sync(
                        s,
                        answer_id,
                        Some(guild),
                        None,
                        now,
                    )?)),
                    Err(refusal) => Ok(Err(refusal)),
                })
            })
            .await?;
        let shown = outcome.map_err(|refusal| {
            CommandError::User(match refusal {
                FeatureRefusal::NotHere => format!(
                    "This server has no answer #{answer_id} that members can see (a removed or forgotten answer cannot be featured)."
                ),
                FeatureRefusal::Full => format!(
                    "That question already has {MAX_FEATURED} featured answers here. Unfeature one first."
                ),
            })
        })?;
        if shown {
            self.wake.notify();
        }
        let thread = match (shown, featured) {
            (false, _) => "",
            (true, true) => " It is being pinned in its thread.",
            (true, false) => " Its pin in the thread is being taken down.",
        };
        Ok(Reply::private(if featured {
            format!("Featured answer #{answer_id}: it comes first in /discussion, marked.{thread}")
        } else {
            format!("Answer #{answer_id} is no longer featured.{thread}")
        }))
    }
}
