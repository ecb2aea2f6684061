//! What a delivery posts: a payload rendered to messages, the steps of a
//! delivery (its messages, then the discussion thread), what a schedule
//! would post now, and its preview. Read by the delivery loop and by the
//! schedule commands.

use super::Publisher;
use crate::domain::render::{self, DigestEntry};
use crate::domain::view::{Message, Reply};
use crate::store::{Content, Delivery, Identity, Origin, Payload, Schedule, Store, StoreError};

/// Something to post, or why there is nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared<T> {
    Ready(T),
    Nothing(String),
}

impl<T> Prepared<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Prepared<U> {
        match self {
            Prepared::Ready(value) => Prepared::Ready(f(value)),
            Prepared::Nothing(why) => Prepared::Nothing(why),
        }
    }

    /// `Ok` with the value, or `Err` with the reason there is none.
    pub fn ready(self) -> Result<T, String> {
        match self {
            Prepared::Ready(value) => Ok(value),
            Prepared::Nothing(why) => Err(why),
        }
    }
}

/// One thing a delivery does, in order; a delivery's `parts_sent` counts
/// the finished ones, so a resend continues where the last attempt stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Post(Message),
    /// A message posted under its publisher's name (a webhook's post).
    PostAs {
        publisher: Publisher,
        message: Message,
    },
    /// A discussion thread on the first message posted.
    OpenThread {
        name: String,
    },
    PostInThread(Message),
    /// A forum post: a thread named `name` whose starter message is
    /// `message`, tagged with the forum's tags named like `tags` (the
    /// briefing's categories). Later messages and the questions go inside.
    ForumPost {
        name: String,
        message: Message,
        tags: Vec<String>,
    },
    /// Publishes the message step `part` made to the servers following the
    /// announcement channel.
    Publish {
        part: usize,
    },
}

/// The steps of a delivery: its messages, then (for a briefing with key
/// questions, where the server keeps discussion threads) a thread with one
/// message per question carrying its Answer button.
pub fn delivery_steps(store: &Store, d: &Delivery) -> Result<Prepared<Vec<Step>>, StoreError> {
    let messages = match render_payload(store, d.guild_id, &d.payload)? {
        Prepared::Ready(messages) => messages,
        Prepared::Nothing(why) => return Ok(Prepared::Nothing(why)),
    };
    let mut steps: Vec<Step> = messages.into_iter().map(Step::Post).collect();
    // The role is pinged once, by the post's first message.
    if let (Some(Step::Post(first)), false) = (steps.first_mut(), d.origin == Origin::Notice) {
        first.ping_role = d.ping_role;
    }
    if let Some(publisher) = publisher_for(store, d)? {
        steps = steps
            .into_iter()
            .map(|step| match step {
                Step::Post(message) => Step::PostAs {
                    publisher: publisher.clone(),
                    message,
                },
                other => other,
            })
            .collect();
    }
    let publish = d.publish && d.origin != Origin::Notice;
    let parts = steps.len();
    // Older deliveries published before opening the thread; their progress
    // is counted in that order.
    if publish && !d.threads_first {
        steps.extend((0..parts).map(|part| Step::Publish { part }));
    }
    if d.forum && d.origin != Origin::Notice {
        return forum_steps(store, d, steps).map(Prepared::Ready);
    }
    if let (Payload::Briefing(id), false) = (&d.payload, d.origin == Origin::Notice) {
        let settings = store.guild_settings(d.guild_id)?;
        if settings.discussion_threads {
            if let Some(stored) = store.briefing_by_id(*id)? {
                let questions = questions_in(store, *id, d.guild_id)?;
                if !questions.is_empty() {
                    steps.push(Step::OpenThread {
                        name: render::thread_name(&stored.briefing.title),
                    });
                    let style = render::PromptStyle::of(settings.layout, settings.accent);
                    steps.extend(
                        render::question_prompts(&questions, style)
                            .into_iter()
                            .map(Step::PostInThread),
                    );
                }
            }
        }
    }
    // Publishing may wait up to an hour for Discord's limit; the thread
    // (where members answer) is opened first.
    if publish && d.threads_first {
        steps.extend((0..parts).map(|part| Step::Publish { part }));
    }
    Ok(Prepared::Ready(steps))
}

/// Whose name a delivery's post carries when its subscription posts under
/// the publisher's (a forum's posts are always the bot's): the briefing's
/// followed source, else the source the briefing names; `None` for the
/// bot's own.
fn publisher_for(store: &Store, d: &Delivery) -> Result<Option<Publisher>, StoreError> {
    let id = match (&d.payload, d.origin) {
        (Payload::Briefing(id), Origin::Subscription) | (Payload::TestPost(id), Origin::RunNow) => {
            *id
        }
        _ => return Ok(None),
    };
    if d.forum {
        return Ok(None);
    }
    let Some(subscription) = store.subscription(d.guild_id, d.channel_id)? else {
        return Ok(None);
    };
    let ours = d.subscription_id.is_none_or(|s| s == subscription.id);
    if !ours || subscription.identity != Identity::Publisher {
        return Ok(None);
    }
    let (followed_name, icon) = store.publisher_of(id)?.unwrap_or_default();
    let named = match followed_name {
        Some(name) => Some(name),
        None => store
            .briefing_by_id(id)?
            .and_then(|b| b.briefing.source.name),
    };
    Ok(named.and_then(|name| Publisher::new(&name, icon)))
}

/// The questions a post in `guild` asks: the briefing's own, then the
/// server's moderators'.
fn questions_in(
    store: &Store,
    briefing_id: i64,
    guild: u64,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(store
        .questions_for(briefing_id, Some(guild))?
        .into_iter()
        .map(|q| (q.id, q.text))
        .collect())
}

/// A post in a forum channel: the first message starts the forum post, the
/// rest of the post and the key questions go inside it (the post is the
/// briefing's discussion; no second thread).
fn forum_steps(store: &Store, d: &Delivery, posts: Vec<Step>) -> Result<Vec<Step>, StoreError> {
    let (stored, test) = match &d.payload {
        Payload::Briefing(id) => (store.briefing_by_id(*id)?, false),
        Payload::TestPost(id) => (store.briefing_by_id(*id)?, true),
        _ => (None, false),
    };
    let (name, tags) = match &stored {
        // A test's forum post is named apart from the real one, so that the
        // real post's look-up after a lost answer never takes it for itself.
        Some(stored) if test => (
            render::forum_post_name(&format!("Test: {}", stored.briefing.title)),
            stored.briefing.categories.clone(),
        ),
        Some(stored) => (
            render::forum_post_name(&stored.briefing.title),
            stored.briefing.categories.clone(),
        ),
        None => ("Briefing digest".to_string(), Vec::new()),
    };
    let mut messages = posts.into_iter().filter_map(|step| match step {
        Step::Post(message) => Some(message),
        _ => None,
    });
    let mut steps = Vec::new();
    if let Some(first) = messages.next() {
        steps.push(Step::ForumPost {
            name,
            message: first,
            tags,
        });
    }
    steps.extend(messages.map(Step::PostInThread));
    // A test opens no discussion: answers belong to the real post.
    if let Some(stored) = stored.filter(|_| !steps.is_empty() && !test) {
        let settings = store.guild_settings(d.guild_id)?;
        if settings.discussion_threads {
            let questions = questions_in(store, stored.id, d.guild_id)?;
            let style = render::PromptStyle::of(settings.layout, settings.accent);
            steps.extend(
                render::question_prompts(&questions, style)
                    .into_iter()
                    .map(Step::PostInThread),
            );
        }
    }
    Ok(steps)
}

/// The line above a test post: what it is, and that the real post follows.
pub const TEST_NOTE: &str = "-# Test post of this channel's subscription, asked for by a moderator. It opens no discussion; the briefing's real post still comes.";

/// What a payload looks like in a channel of `guild` (also used by
/// previews): a briefing in the server's layout.
pub fn render_payload(
    store: &Store,
    guild: u64,
    payload: &Payload,
) -> Result<Prepared<Vec<Message>>, StoreError> {
    Ok(match payload {
        Payload::Briefing(id) => match store.briefing_by_id(*id)? {
            Some(stored) => {
                let settings = store.guild_settings(guild)?;
                let reply = render::briefing_in(&stored.briefing, settings.layout, settings.accent);
                Prepared::Ready(reply.messages)
            }
            None => Prepared::Nothing(format!("briefing #{id} no longer exists")),
        },
        Payload::TestPost(id) => match store.briefing_by_id(*id)? {
            Some(stored) => {
                let settings = store.guild_settings(guild)?;
                let mut reply =
                    render::briefing_in(&stored.briefing, settings.layout, settings.accent);
                if let Some(first) = reply.messages.first_mut() {
                    let note = TEST_NOTE.to_string();
                    first.content = Some(match first.content.take() {
                        Some(text) => format!("{note}\n{text}"),
                        None => note,
                    });
                }
                Prepared::Ready(reply.messages)
            }
            None => Prepared::Nothing(format!("briefing #{id} no longer exists")),
        },
        Payload::Digest(ids) => {
            let mut entries = Vec::new();
            for id in ids {
                if let Some(stored) = store.briefing_by_id(*id)? {
                    entries.push(DigestEntry {
                        id: *id,
                        title: stored.briefing.title,
                        published: stored.briefing.published,
                        url: stored.briefing.source.url,
                    });
                }
            }
            Prepared::Ready(render::digest(&entries).messages)
        }
        Payload::Notice(text) => Prepared::Ready(vec![Message::text(text.clone())]),
        // Shown by its own steps (see `answers`), never rendered as a post.
        Payload::Answer(id) => Prepared::Nothing(format!("answer #{id} is not a post")),
        Payload::Question(id) => Prepared::Nothing(format!("question #{id} is not a post")),
        Payload::Nothing => Prepared::Nothing("nothing to post".into()),
    })
}

/// Chooses what a schedule posts now: `Err` says why there is nothing.
pub fn resolve_content(
    store: &Store,
    channel_id: u64,
    content: Content,
) -> Result<Prepared<Payload>, StoreError> {
    Ok(match content {
        Content::Briefing(id) => match store.briefing_by_id(id)? {
            Some(_) => Prepared::Ready(Payload::Briefing(id)),
            None => Prepared::Nothing(format!("briefing #{id} no longer exists")),
        },
        Content::Next => match store.next_unposted_briefing(channel_id)? {
            Some(id) => Prepared::Ready(Payload::Briefing(id)),
            None => Prepared::Nothing(
                "nothing new: every briefing has already been posted to this channel".into(),
            ),
        },
        Content::Digest(n) => {
            let ids = store.newest_briefing_ids(n)?;
            if ids.is_empty() {
                Prepared::Nothing("there are no briefings to list yet".into())
            } else {
                Prepared::Ready(Payload::Digest(ids))
            }
        }
    })
}

/// A preview of what a schedule would post right now.
pub fn preview(store: &Store, schedule: &Schedule) -> Result<Prepared<Reply>, StoreError> {
    let payload = match resolve_content(store, schedule.spec.channel_id, schedule.spec.content)? {
        Prepared::Ready(payload) => payload,
        Prepared::Nothing(why) => return Ok(Prepared::Nothing(why)),
    };
    Ok(
        render_payload(store, schedule.guild_id, &payload)?.map(|messages| Reply {
            messages,
            ephemeral: true,
        }),
    )
}
