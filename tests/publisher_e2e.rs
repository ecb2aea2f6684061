//! Posts under the publisher's name, end to end: the real serenity client
//! against the Discord double, whose webhooks follow Discord's rules (Manage
//! Webhooks to make one, 404 once deleted, names without "discord", no
//! components unless asked for, no nonce).

mod support;

use std::time::Duration;

use briefbot::posting::PostingConfig;
use briefbot::samples::load_samples;
use briefbot::store::{Db, NewSource, Store};
use discord_double::{
    Double, Fault, Invoker, BOT_USER_ID, CHANNEL_ID, GUILD_ID, LOG_CHANNEL_ID, MANAGE_WEBHOOKS,
};
use serde_json::{json, Value};
use support::bot::{double, Bot, Options, LIMIT};
use support::interactions::{command_as, opt, sub, text};

/// The index of `publisher` among the `identity` choices (poise sends
/// choices as their index).
const PUBLISHER: u64 = 1;
const ICON: &str = "https://energy.example.org/icon-192.png";

fn library() -> Db {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    Db::new(store)
}

/// The bot on the system clock, retrying within milliseconds.
async fn start(double: &Double) -> Bot {
    let options = Options {
        posting: Some(PostingConfig {
            retry_base: Duration::from_millis(10),
            retry_max: Duration::from_millis(200),
            watch_interval: Duration::from_millis(100),
            ..PostingConfig::default()
        }),
        ..Options::default()
    };
    Bot::start(double, library(), options).await
}

fn channel(name: &str, id: u64) -> Value {
    opt(name, 7, json!(id.to_string()))
}

/// A moderator's command; the bot's answer.
async fn command(double: &Double, name: &str, options: Value) -> Value {
    command_as(double, &Invoker::moderator(), name, options).await
}

async fn subscribe_as_publisher(double: &Double) -> Value {
    command(
        double,
        "subscribe",
        sub(
            "add",
            json!([
                channel("channel", CHANNEL_ID),
                opt("identity", 4, json!(PUBLISHER))
            ]),
        ),
    )
    .await
}

/// Lets the bot manage webhooks in the news channel, as a moderator would,
/// before it starts, so the server it is sent carries the grant. (Our
/// permission view is fed by events handled apart from interactions: a
/// grant made a millisecond before a command may not be seen by it.)
fn allow_webhooks(double: &Double) {
    let allow = json!([{
        "id": BOT_USER_ID.to_string(), "type": 1,
        "allow": MANAGE_WEBHOOKS.to_string(), "deny": "0"
    }]);
    // No bot is connected yet to be told: the grant is kept all the same.
    let told = double.set_channel_overwrites(CHANNEL_ID, allow);
    assert!(
        matches!(&told, Err(e) if e.contains("no bot is connected")),
        "{told:?}"
    );
}

/// A briefing of the followed source "The Discord Energy Review" (whose
/// feed gave an icon), with a key question so it has a discussion.
async fn publish_article(bot: &Bot, n: usize) -> String {
    let mut briefing = support::numbered(n);
    briefing.title = format!("Grid storage report {n}");
    briefing.key_questions = vec!["Who pays for the batteries?".into()];
    let title = briefing.title.clone();
    bot.db
        .call(move |s| {
            let source = match s.source_by_url("https://energy.example.org/feed")? {
                Some(source) => source,
                None => {
                    let new = NewSource {
                        url: "https://energy.example.org/feed".into(),
                        name: Some("The Discord Energy Review".into()),
                        categories: vec![],
                        interval_seconds: 3600,
                        backfill: 0,
                        questions: vec![],
                    };
                    s.add_source(&new, 0)?
                }
            };
            s.set_source_icon(source.id, ICON)?;
            s.save_article(
                source.id,
                &format!("guid-{n}"),
                None,
                &format!("f{n}"),
                &briefing,
                true,
                0,
            )
            .map(|_| ())
        })
        .await
        .unwrap();
    title
}

/// The messages of the news channel that show `title`.
fn posts_of(double: &Double, title: &str) -> Vec<discord_double::ChannelMessage> {
    double
        .channel_messages(CHANNEL_ID)
        .into_iter()
        .filter(|m| text(&m.body).contains(title))
        .collect()
}

async fn wait_for_post(double: &Double, title: &str) -> discord_double::ChannelMessage {
    double
        .wait_for(LIMIT, title, |d| posts_of(d, title).into_iter().next())
        .await
        .unwrap()
}

fn webhook_posts(double: &Double, webhook: u64) -> usize {
    let path = format!("webhooks/{webhook}/");
    double.with_requests(|log| {
        log.iter()
            .filter(|r| r.method == "POST" && r.path.starts_with(&path))
            .count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_post_goes_through_the_channels_webhook_under_the_sources_name_and_icon() {
    let double = double().await;
    allow_webhooks(&double);
    let bot = start(&double).await;

    // Where the bot may not make a webhook, the choice is refused and
    // nothing is saved.
    let refused = command(
        &double,
        "subscribe",
        sub(
            "add",
            json!([
                channel("channel", LOG_CHANNEL_ID),
                opt("identity", 4, json!(PUBLISHER))
            ]),
        ),
    )
    .await;
    assert!(text(&refused).contains("Manage Webhooks"), "{refused}");
    let kept = bot
        .db
        .read(|s| s.subscription(GUILD_ID, LOG_CHANNEL_ID))
        .await
        .unwrap();
    assert!(kept.is_none(), "{kept:?}");

    let added = subscribe_as_publisher(&double).await;
    assert!(
        text(&added).contains("under its publisher's name"),
        "{added}"
    );

    let title = publish_article(&bot, 1).await;
    let post = wait_for_post(&double, &title).await;
    let hooks = double.webhooks();
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].name, "Briefbot");
    assert_eq!(post.body["webhook_id"], json!(hooks[0].id.to_string()));
    let shown_as = post.body["username"].as_str().unwrap();
    assert_eq!(
        shown_as.chars().count(),
        "The Discord Energy Review".chars().count()
    );
    assert!(
        shown_as.starts_with("The D") && shown_as.ends_with("Energy Review"),
        "{shown_as}"
    );
    assert!(
        !shown_as.to_lowercase().contains("discord"),
        "Discord refuses it: {shown_as}"
    );
    assert_eq!(post.body["avatar_url"], ICON);
    assert!(post.body.get("nonce").is_none(), "a webhook takes no nonce");

    // The discussion opens on the webhook's message as on the bot's.
    double
        .wait_for(LIMIT, "the discussion thread", |d| {
            d.threads().into_iter().find(|t| t.id == post.id)
        })
        .await
        .unwrap();

    // The next post reuses the channel's webhook.
    let second = publish_article(&bot, 2).await;
    let next = wait_for_post(&double, &second).await;
    assert_eq!(next.body["webhook_id"], json!(hooks[0].id.to_string()));
    assert_eq!(double.webhooks().len(), 1);

    // The list says so and never shows the webhook's secret.
    let listed = command(&double, "subscribe", sub("list", json!([]))).await;
    assert!(text(&listed).contains("as the publisher"), "{listed}");
    assert!(!listed.to_string().contains(&hooks[0].token));
    assert_eq!(double.problems(), Vec::<String>::new());

    // Unsubscribed, the webhook is deleted in Discord and forgotten here.
    let removed = command(
        &double,
        "subscribe",
        sub("remove", json!([channel("channel", CHANNEL_ID)])),
    )
    .await;
    assert!(!text(&removed).is_empty());
    double
        .wait_for(LIMIT, "the webhook deleted", |d| {
            d.webhooks().iter().all(|h| h.deleted).then_some(())
        })
        .await
        .unwrap();
    // Forgotten here just after: the store is not an event the double
    // sees, so look again within the bound.
    let deadline = tokio::time::Instant::now() + LIMIT;
    while bot
        .db
        .read(|s| s.channel_webhook(GUILD_ID, CHANNEL_ID))
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the webhook is still kept"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_webhook_is_made_again_once_and_the_log_channel_is_told() {
    let double = double().await;
    allow_webhooks(&double);
    let bot = start(&double).await;
    let logged = command(
        &double,
        "settings",
        sub("log-channel", json!([channel("channel", LOG_CHANNEL_ID)])),
    )
    .await;
    assert!(
        text(&logged).contains(&LOG_CHANNEL_ID.to_string()),
        "{logged}"
    );
    subscribe_as_publisher(&double).await;
    let first = publish_article(&bot, 1).await;
    wait_for_post(&double, &first).await;

    // A moderator deletes it in the channel's settings.
    double.delete_webhooks_in(CHANNEL_ID);
    let second = publish_article(&bot, 2).await;
    let post = wait_for_post(&double, &second).await;
    let hooks = double.webhooks();
    assert_eq!(hooks.len(), 2, "made again once: {hooks:?}");
    assert!(hooks[0].deleted && !hooks[1].deleted);
    assert_eq!(post.body["webhook_id"], json!(hooks[1].id.to_string()));
    assert_eq!(posts_of(&double, &second).len(), 1);
    let told = double
        .wait_for(LIMIT, "the log channel told", |d| {
            d.channel_messages(LOG_CHANNEL_ID)
                .into_iter()
                .find(|m| text(&m.body).contains("was deleted, so I made a new one"))
        })
        .await
        .unwrap();
    assert!(!text(&told.body).contains(&hooks[1].token));
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_a_webhook_post_does_not_post_it_twice() {
    let double = double().await;
    allow_webhooks(&double);
    let bot = start(&double).await;
    let added = subscribe_as_publisher(&double).await;
    assert!(
        text(&added).contains("under its publisher's name"),
        "{added}"
    );
    let first = publish_article(&bot, 1).await;
    wait_for_post(&double, &first).await;
    let hook = double.webhooks()[0].id;
    let before = webhook_posts(&double, hook);

    // Discord posts it, then the answer is lost.
    double.inject(&format!("webhooks/{hook}/"), Fault::LostResponse(502), 1);
    let second = publish_article(&bot, 2).await;
    let post = wait_for_post(&double, &second).await;
    double
        .wait_for(LIMIT, "the thread on the one post", |d| {
            d.threads().into_iter().find(|t| t.id == post.id)
        })
        .await
        .unwrap();
    // The thread opens only once the post step is done, so any second
    // send would have come before it.
    assert_eq!(posts_of(&double, &second).len(), 1, "posted once");
    assert_eq!(webhook_posts(&double, hook) - before, 1, "not sent again");
    let threads: Vec<_> = double
        .threads()
        .into_iter()
        .filter(|t| t.id == post.id)
        .collect();
    assert_eq!(threads.len(), 1);
    bot.stop().await;
}
