//! One outbox, one sender: a second process on the same database (a second
//! bot, or a console opened on the bot's file) never delivers the same posts.

use std::sync::Arc;
use std::time::Duration;

use briefbot::console::ConsolePoster;
use briefbot::handlers::Handlers;
use briefbot::posting::{DeliveryScope, PostingConfig, LOCAL_GUILD};
use briefbot::store::{Db, NewDelivery, Origin, Payload, Store};
use tokio::sync::{mpsc, watch};

const LIMIT: Duration = Duration::from_secs(20);

/// A delivery loop over its own connection to `path`, as a second process
/// would have, posting into a console channel list.
struct Process {
    db: Db,
    posts: mpsc::UnboundedReceiver<briefbot::console::Posted>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn start(path: &std::path::Path, scope: DeliveryScope) -> Process {
    let db = Db::new(Store::open(path).unwrap());
    let (poster, posts) = ConsolePoster::new(Default::default());
    let config = PostingConfig {
        scope,
        lease_ttl: Duration::from_millis(900),
        watch_interval: Duration::from_millis(50),
        ..PostingConfig::default()
    };
    let posting = Handlers::new(db.clone()).posting(Arc::new(poster), config);
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(posting.run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    Process {
        db,
        posts,
        stop,
        task,
    }
}

async fn queue(db: &Db, guild: u64, text: &str) {
    let text = text.to_string();
    db.call(move |s| {
        let now = chrono::Utc::now().timestamp_millis();
        let notice = NewDelivery::pending(guild, 77, Origin::Notice, Payload::Notice(text), now);
        s.insert_delivery(&notice, now).map(|_| ())
    })
    .await
    .unwrap();
}

async fn next_post(process: &mut Process) -> String {
    let post = tokio::time::timeout(LIMIT, process.posts.recv())
        .await
        .expect("a post in time")
        .expect("the loop is running");
    post.message.content.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_waits_for_the_lease_and_takes_over_when_the_first_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut first = start(&path, DeliveryScope::CONSOLE);
    queue(&first.db, LOCAL_GUILD, "one").await;
    assert_eq!(next_post(&mut first).await, "one");

    let mut second = start(&path, DeliveryScope::CONSOLE);
    for text in ["two", "three"] {
        queue(&second.db, LOCAL_GUILD, text).await;
        assert_eq!(next_post(&mut first).await, text, "the lease holder sends");
    }
    assert!(
        second.posts.try_recv().is_err(),
        "the second process sent nothing"
    );

    first.stop.send(true).unwrap();
    first.task.await.unwrap();
    queue(&second.db, LOCAL_GUILD, "four").await;
    assert_eq!(next_post(&mut second).await, "four", "the second took over");
    assert!(first.posts.try_recv().is_err());
    second.stop.send(true).unwrap();
    second.task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_on_the_bots_database_leaves_the_bots_posts_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot.db");
    let mut console = start(&path, DeliveryScope::CONSOLE);
    let discord_guild = 220_000_000_000_000_002;
    queue(&console.db, discord_guild, "for Discord").await;
    queue(&console.db, LOCAL_GUILD, "for the console").await;
    assert_eq!(next_post(&mut console).await, "for the console");
    console.stop.send(true).unwrap();
    console.task.await.unwrap();
    assert!(
        console.posts.try_recv().is_err(),
        "the console sent only its own post"
    );
    let pending = console
        .db
        .call(move |s| s.next_attempt(DeliveryScope::DISCORD.guilds))
        .await
        .unwrap();
    assert!(pending.is_some(), "the bot's post still waits for the bot");
}
