//! The console's simulated channels: `#news` is a channel whose id encodes
//! its name (so ids stored in the database read back as names after a
//! restart), and a [`Poster`] that "posts" by handing the message to the
//! console to print, dropping repeats of a nonce as Discord does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc;

use crate::domain::view::Message;
use crate::posting::{PostError, PostFuture, Poster, Publisher};
use crate::store::WebhookToken;

/// The console's own server.
pub const CONSOLE_GUILD: u64 = crate::posting::LOCAL_GUILD;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_";
/// Discord's limit on a channel's name.
pub const MAX_NAME: usize = 100;
/// Names this short in a-z, 0-9, - and _ are encoded in their ids (38^11
/// is below 2^58), so they read back with nothing stored.
const MAX_ENCODED: usize = 11;
/// Ids of other names: a hash of the name in [2^62, 2^63), above every
/// encoded id and within SQLite's integers; their names are kept in the
/// database ([`ChannelBook`]).
const HASHED_FROM: u64 = 1 << 62;

/// A console channel as typed: `#announcements`, `#équipe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleChannel {
    pub id: u64,
    pub name: String,
    /// Whether the id alone gives the name back (else it must be recorded).
    pub encoded: bool,
}

/// Reads `#name` as Discord would accept it: 1 to 100 letters, digits, -
/// and _, any case (Discord lowercases them).
pub fn console_channel(typed: &str) -> Result<ConsoleChannel, String> {
    let name = typed.trim().trim_start_matches('#').to_lowercase();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME {
        return Err(format!(
            "Console channels are named like #news: 1 to {MAX_NAME} characters."
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "'#{name}' has '{bad}', which channel names cannot have: use letters, digits, - and _."
        ));
    }
    if length <= MAX_ENCODED && name.bytes().all(|b| ALPHABET.contains(&b)) {
        let mut id: u64 = 0;
        for byte in name.bytes() {
            let digit = ALPHABET.iter().position(|b| *b == byte).expect("checked");
            id = id * 38 + digit as u64 + 1;
        }
        return Ok(ConsoleChannel {
            id,
            name,
            encoded: true,
        });
    }
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    Ok(ConsoleChannel {
        id: HASHED_FROM | (hash & (HASHED_FROM - 1)),
        name,
        encoded: false,
    })
}

/// The channel id for `#name`.
pub fn channel_id(name: &str) -> Result<u64, String> {
    console_channel(name).map(|channel| channel.id)
}

/// The name an id encodes, if it encodes one.
fn encoded_name(mut id: u64) -> Option<String> {
    if id >= HASHED_FROM {
        return None;
    }
    let mut name = Vec::new();
    while id > 0 {
        let digit = (id - 1) % 38;
        name.push(ALPHABET[digit as usize]);
        id = (id - 1) / 38;
    }
    name.reverse();
    (!name.is_empty() && name.len() <= MAX_ENCODED).then(|| String::from_utf8(name).expect("ASCII"))
}

/// The names of the console's channels: those encoded in their ids, and the
/// others as recorded (shared by the console and its poster).
#[derive(Debug, Clone, Default)]
pub struct ChannelBook(Arc<RwLock<HashMap<u64, String>>>);

impl ChannelBook {
    /// Adds names recorded by earlier runs.
    pub fn extend(&self, recorded: impl IntoIterator<Item = (u64, String)>) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(recorded);
    }

    /// The name of a console channel id, if it is one.
    pub fn name(&self, id: u64) -> Option<String> {
        encoded_name(id).or_else(|| {
            self.0
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&id)
                .cloned()
        })
    }

    pub fn insert(&self, channel: &ConsoleChannel) {
        if !channel.encoded {
            self.0
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(channel.id, channel.name.clone());
        }
    }
}

/// A message that arrived in a simulated channel.
#[derive(Debug, Clone)]
pub struct Posted {
    pub channel_id: u64,
    pub message: Message,
    /// The publisher's name it was posted under, if not the bot's.
    pub posted_as: Option<String>,
}

pub struct ConsolePoster {
    names: ChannelBook,
    posts: mpsc::UnboundedSender<Posted>,
    seen: Mutex<HashMap<(u64, String), String>>,
    /// Message id -> the console channel standing in for its thread.
    threads: Mutex<HashMap<String, u64>>,
    next_id: AtomicU64,
}

impl ConsolePoster {
    pub fn new(names: ChannelBook) -> (Self, mpsc::UnboundedReceiver<Posted>) {
        let (posts, received) = mpsc::unbounded_channel();
        (
            Self {
                names,
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

    /// A console channel's "webhook" is the channel itself.
    fn create_webhook<'a>(
        &'a self,
        channel_id: u64,
        _name: &'a str,
    ) -> PostFuture<'a, (u64, WebhookToken)> {
        Box::pin(async move { Ok((channel_id, WebhookToken::new("console"))) })
    }

    fn execute_webhook<'a>(
        &'a self,
        webhook_id: u64,
        _token: &'a WebhookToken,
        publisher: &'a Publisher,
        message: &'a Message,
    ) -> PostFuture<'a, Option<String>> {
        Box::pin(async move {
            let id = format!("console-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
            self.posts
                .send(Posted {
                    channel_id: webhook_id,
                    message: message.clone(),
                    posted_as: Some(publisher.name.clone()),
                })
                .map_err(|_| PostError::Transient {
                    reason: "the console is closing".into(),
                    retry_after: None,
                    may_have_posted: false,
                })?;
            Ok(Some(id))
        })
    }

    /// Simulated channels never lose an answer, so there is nothing to find.
    fn recent_webhook_posts<'a>(
        &'a self,
        _channel_id: u64,
        _webhook_id: u64,
    ) -> PostFuture<'a, Vec<(String, Message)>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn delete_webhook<'a>(
        &'a self,
        _webhook_id: u64,
        _token: &'a WebhookToken,
    ) -> PostFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn post<'a>(
        &'a self,
        channel_id: u64,
        message: &'a Message,
        nonce: &'a str,
    ) -> PostFuture<'a, String> {
        Box::pin(async move {
            if self.names.name(channel_id).is_none() {
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
                    posted_as: None,
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

    // The console has no pins: /discussion marks featured answers instead.
    fn pin<'a>(&'a self, _channel_id: u64, _message_id: &'a str) -> PostFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }

    fn unpin<'a>(&'a self, _channel_id: u64, _message_id: &'a str) -> PostFuture<'a, ()> {
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
        let book = ChannelBook::default();
        let long = "a".repeat(MAX_NAME);
        for name in [
            "news",
            "a",
            "___________",
            "team-news_2",
            "0",
            "announcements",
            "équipe",
            long.as_str(),
        ] {
            let channel = console_channel(&format!("#{name}")).unwrap();
            assert!(channel.id <= i64::MAX as u64, "{name}");
            assert_eq!(
                channel.encoded,
                name.len() <= MAX_ENCODED && name.is_ascii()
            );
            book.insert(&channel);
            assert_eq!(book.name(channel.id).as_deref(), Some(name));
        }
        // A name not recorded is not a channel.
        let unknown = console_channel("#not-recorded-here").unwrap();
        assert_eq!(ChannelBook::default().name(unknown.id), None);
        assert_ne!(channel_id("ab").unwrap(), channel_id("ba").unwrap());
        assert_eq!(channel_id("#News").unwrap(), channel_id("news").unwrap());
        assert!(channel_id("#News!").unwrap_err().contains("'!'"));
        assert!(channel_id(&"b".repeat(MAX_NAME + 1)).is_err());
        assert!(channel_id("#").is_err());
    }
}
