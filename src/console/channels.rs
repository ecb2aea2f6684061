//! The console's simulated channels: `#news` is a channel whose id encodes
//! its name (so ids stored in the database read back as names after a
//! restart), and a [`Poster`] that "posts" by handing the message to the
//! console to print, dropping repeats of a nonce as Discord does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::mpsc;

use crate::domain::view::Message;
use crate::posting::{PostError, PostFuture, Poster};

/// The console's own server.
pub const CONSOLE_GUILD: u64 = crate::posting::LOCAL_GUILD;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_";
/// Names up to 11 characters fit in an i64 with room to spare.
pub const MAX_NAME: usize = 11;

/// The channel id for `#name` (lowercase letters, digits, - and _).
pub fn channel_id(name: &str) -> Result<u64, String> {
    let name = name.trim().trim_start_matches('#').to_lowercase();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(format!(
            "Console channels are named like #news: 1 to {MAX_NAME} characters."
        ));
    }
    let mut id: u64 = 0;
    for byte in name.bytes() {
        let digit = ALPHABET.iter().position(|b| *b == byte).ok_or_else(|| {
            format!(
                "'#{name}' has a character console channel names cannot: use a-z, 0-9, - and _."
            )
        })?;
        id = id * 38 + digit as u64 + 1;
    }
    Ok(id)
}

/// The name of a console channel id, if it is one.
pub fn channel_name(mut id: u64) -> Option<String> {
    let mut name = Vec::new();
    while id > 0 {
        let digit = (id - 1) % 38;
        name.push(ALPHABET[digit as usize]);
        id = (id - 1) / 38;
    }
    name.reverse();
    (!name.is_empty() && name.len() <= MAX_NAME).then(|| String::from_utf8(name).expect("ASCII"))
}

/// A message that arrived in a simulated channel.
#[derive(Debug, Clone)]
pub struct Posted {
    pub channel_id: u64,
    pub message: Message,
}

pub struct ConsolePoster {
    posts: mpsc::UnboundedSender<Posted>,
    seen: Mutex<HashMap<(u64, String), String>>,
    /// Message id -> the console channel standing in for its thread.
    threads: Mutex<HashMap<String, u64>>,
    next_id: AtomicU64,
}

impl ConsolePoster {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Posted>) {
        let (posts, received) = mpsc::unbounded_channel();
        (
            Self {
                posts,
                seen: Mutex::default(),
                threads: Mutex::default(),
                next_id: AtomicU64::new(1),
            },
            received,
        )
    }
}

impl Poster for ConsolePoster {
    /// The console has no forums: a forum post is shown as a post.
    fn create_forum_post<'a>(
        &'a self,
        forum_id: u64,
        _name: &'a str,
        message: &'a Message,
        _tags: &'a [String],
    ) -> PostFuture<'a, String> {
        self.post(forum_id, message, "forum-post")
    }

    /// The console never loses an answer, so no attempt's outcome is unknown
    /// and there is no earlier post to find.
    fn find_forum_post<'a>(
        &'a self,
        _guild_id: u64,
        _forum_id: u64,
        _name: &'a str,
        _since_ms: i64,
    ) -> PostFuture<'a, Option<String>> {
        Box::pin(async { Ok(None) })
    }

    /// The console's channels have no followers: publishing changes nothing.
    fn publish<'a>(&'a self, _channel_id: u64, _message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn post<'a>(
        &'a self,
        channel_id: u64,
        message: &'a Message,
        nonce: &'a str,
    ) -> PostFuture<'a, String> {
        Box::pin(async move {
            if channel_name(channel_id).is_none() {
                return Err(PostError::Refused {
                    reason: "the channel is gone (not a console channel)".into(),
                });
            }
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(id) = seen.get(&(channel_id, nonce.to_string())) {
                return Ok(id.clone());
            }
            let id = format!("console-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
            seen.insert((channel_id, nonce.to_string()), id.clone());
            self.posts
                .send(Posted {
                    channel_id,
                    message: message.clone(),
                })
                .map_err(|_| PostError::Transient {
                    reason: "the console is closing".into(),
                    retry_after: None,
                    may_have_posted: false,
                })?;
            Ok(id)
        })
    }

    /// Simulated channels never lose an answer, so there is nothing to find.
    fn recent_own<'a>(&'a self, _channel_id: u64) -> PostFuture<'a, Vec<(String, Message)>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The console shows answers itself and never edits a post.
    fn edit<'a>(
        &'a self,
        _channel_id: u64,
        _message_id: &'a str,
        _message: &'a Message,
    ) -> PostFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// The console shows answers itself and never deletes a post.
    fn delete<'a>(&'a self, _channel_id: u64, _message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    /// A thread is a console channel named `thread-N`.
    fn open_thread<'a>(
        &'a self,
        _channel_id: u64,
        message_id: &'a str,
        _name: &'a str,
    ) -> PostFuture<'a, String> {
        Box::pin(async move {
            let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
            let count = threads.len() + 1;
            let id = *threads.entry(message_id.to_string()).or_insert_with(|| {
                let name = if count < 10_000 {
                    format!("thread-{count}")
                } else {
                    format!("t{count}")
                };
                channel_id(&name).expect("a valid console name")
            });
            Ok(id.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_round_trip_through_their_ids() {
        for name in ["news", "a", "___________", "team-news_2", "0"] {
            let id = channel_id(&format!("#{name}")).unwrap();
            assert!(id <= i64::MAX as u64);
            assert_eq!(channel_name(id).as_deref(), Some(name));
        }
        assert_ne!(channel_id("ab").unwrap(), channel_id("ba").unwrap());
        assert!(channel_id("#News!").unwrap_err().contains("a-z"));
        assert!(channel_id("#thirteen-char").is_err());
    }
}
