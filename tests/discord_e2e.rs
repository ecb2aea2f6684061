//! The real serenity client, end to end, against the Discord double on
//! loopback. Every request body is checked against Discord's OpenAPI schema
//! when DISCORD_OPENAPI_SPEC is set (.ci/run sets it).

mod support;

use std::path::Path;

use briefbot::domain::BodyBlock;
use briefbot::samples::load_samples;
use briefbot::store::{Db, Store};
use discord_double::{Double, Invocation, Recorded, APPLICATION_ID, GUILD_ID};
use serde_json::{json, Value};
use support::bot::{double, Bot, Options, LIMIT};
use support::interactions as shown;
use support::numbered;

const EPHEMERAL: u64 = 64;

fn count(double: &Double, method: &str, prefix: &str) -> usize {
    double
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(prefix))
        .count()
}

fn library(dir: &Path, extra: usize) -> std::path::PathBuf {
    let path = dir.join("library.db");
    let mut store = Store::open(&path).unwrap();
    load_samples(&mut store).unwrap();
    for n in 0..extra {
        store.save_briefing(&numbered(n)).unwrap();
    }
    path
}

fn subcommand(name: &str, options: Value) -> Value {
    json!([{ "name": name, "type": 1, "options": options }])
}

async fn answer(double: &Double, invocation: &Invocation) -> Recorded {
    double.callback(invocation, LIMIT).await.unwrap()
}

fn assert_accepted(double: &Double) {
    assert_eq!(
        double.problems(),
        Vec::<String>::new(),
        "requests Discord would reject"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_registers_its_commands_and_answers_latest() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let bot = Bot::on_file(&double, &library(dir.path(), 0)).await;

    let registration = double
        .wait_for_request(
            "PUT",
            &format!("applications/{APPLICATION_ID}/commands"),
            LIMIT,
        )
        .await
        .unwrap();
    let names: Vec<&str> = registration
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "briefing",
            "help",
            "subscribe",
            "schedule",
            "settings",
            "answer",
            "discussion",
            "source",
            "moderate",
            "questions",
            "forget-me"
        ]
    );

    let latest = double
        .send_command("briefing", subcommand("latest", json!([])))
        .unwrap();
    let reply = answer(&double, &latest).await;
    assert_eq!(reply.body["type"], 4, "a channel message with source");
    let data = &reply.body["data"];
    assert_eq!(
        data["flags"].as_u64().unwrap_or(0) & (1 << 15),
        1 << 15,
        "a Components V2 card: {data}"
    );
    assert_eq!(
        shown::title(data).as_deref(),
        Some("Open Access Fibre: Small Towns Build the Network, Providers Rent the Light")
    );
    assert_eq!(data["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        data["flags"].as_u64().unwrap_or(0) & EPHEMERAL,
        0,
        "a briefing is posted for everyone"
    );
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_then_read_and_errors_are_ephemeral() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let bot = Bot::on_file(&double, &library(dir.path(), 30)).await;

    let typing = double
        .send_autocomplete(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "rhine", "focused": true }]),
            ),
        )
        .unwrap();
    let suggestions = answer(&double, &typing).await;
    assert_eq!(suggestions.body["type"], 8, "an autocomplete result");
    let choices = suggestions.body["data"]["choices"].as_array().unwrap();
    assert_eq!(
        choices[0]["name"],
        "Low Water, High Stakes: Rhine Freight Adapts to Drier Summers"
    );

    let all = double
        .send_autocomplete(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "numbered", "focused": true }]),
            ),
        )
        .unwrap();
    let all = answer(&double, &all).await;
    let all = all.body["data"]["choices"].as_array().unwrap();
    assert_eq!(all.len(), 25, "at most 25 choices");
    assert!(all
        .iter()
        .all(|c| c["name"].as_str().unwrap().chars().count() <= 100));

    let value = choices[0]["value"].as_str().unwrap();
    let read = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": value }]),
            ),
        )
        .unwrap();
    let reply = answer(&double, &read).await;
    assert_eq!(
        shown::title(&reply.body["data"]).as_deref(),
        Some("Low Water, High Stakes: Rhine Freight Adapts to Drier Summers")
    );

    let missing = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "xyzzy" }]),
            ),
        )
        .unwrap();
    let refusal = answer(&double, &missing).await;
    assert_eq!(
        refusal.body["data"]["content"],
        "No briefing matches 'xyzzy'. Try /briefing search."
    );
    assert_eq!(
        refusal.body["data"]["flags"].as_u64().unwrap() & EPHEMERAL,
        EPHEMERAL
    );
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_buttons_keep_working_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = library(dir.path(), 20);
    let double = double().await;
    let bot = Bot::on_file(&double, &db).await;

    let list = double
        .send_command("briefing", subcommand("list", json!([])))
        .unwrap();
    let page = answer(&double, &list).await;
    let buttons = &page.body["data"]["components"][0]["components"];
    assert_eq!(buttons[0]["disabled"], true, "no Previous on page 1");
    let next = buttons[1]["custom_id"].as_str().unwrap().to_string();

    // Restart the bot: a new process would know nothing but the database.
    bot.stop().await;
    let bot = Bot::on_file(&double, &db).await;

    let press = double.press_button(&next).unwrap();
    let update = answer(&double, &press).await;
    assert_eq!(
        update.body["type"], 7,
        "the list message is updated in place"
    );
    let footer = update.body["data"]["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap();
    assert!(footer.starts_with("Page 2 of 3"), "{footer}");
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefing_over_6000_characters_arrives_whole_across_messages() {
    let dir = tempfile::tempdir().unwrap();
    let db = library(dir.path(), 0);
    let mut long = numbered(1);
    long.slug = "long-one".into();
    long.body = (0..40)
        .map(|n| {
            BodyBlock::paragraph(
                format!("Paragraph {n} of the long briefing carries its share of words. ")
                    .repeat(6),
            )
        })
        .collect();
    Store::open(&db).unwrap().save_briefing(&long).unwrap();
    let double = double().await;
    let bot = Bot::on_file(&double, &db).await;

    let read = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "long-one" }]),
            ),
        )
        .unwrap();
    let first = answer(&double, &read).await;
    let mut text = shown::text(&first.body["data"]);
    let messages = double
        .wait_for(LIMIT, "every follow-up", |d| {
            let follow_ups = d.follow_ups(&read);
            let text: String = follow_ups.iter().map(|r| r.body.to_string()).collect();
            text.contains("Paragraph 39 of").then_some(follow_ups)
        })
        .await
        .unwrap();
    assert!(!messages.is_empty(), "more than one message");
    for message in &messages {
        text.push_str(&shown::text(&message.body));
    }
    for n in 0..40 {
        assert_eq!(
            text.matches(&format!("Paragraph {n} of the long")).count(),
            6,
            "paragraph {n}"
        );
    }
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reconnects_after_the_gateway_drops_and_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let bot = Bot::on_file(&double, &library(dir.path(), 0)).await;
    // READY and GUILD_CREATE were read without the bot reconnecting.
    assert_eq!((double.identifies(), double.resumes()), (1, 0));
    let sessions = double.identifies() + double.resumes();

    double.drop_gateway();
    double
        .wait_for(LIMIT, "a resume or new identify", |d| {
            (d.identifies() + d.resumes() > sessions).then_some(())
        })
        .await
        .unwrap();

    let help = double.send_command("help", json!([])).unwrap();
    let reply = answer(&double, &help).await;
    assert_eq!(
        reply.body["data"]["embeds"][0]["title"],
        "Briefbot commands"
    );
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_dev_guild_commands_are_registered_there() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let db = Db::new(Store::open(&library(dir.path(), 0)).unwrap());
    let bot = Bot::start(
        &double,
        db,
        Options {
            dev_guild: Some(GUILD_ID),
            ..Options::default()
        },
    )
    .await;
    let guild_route = format!("applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands");
    assert_eq!(count(&double, "PUT", &guild_route), 1);
    assert_eq!(
        count(
            &double,
            "PUT",
            &format!("applications/{APPLICATION_ID}/commands")
        ),
        0
    );
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_command_is_deferred_then_answered() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let db = Db::new(Store::open(&library(dir.path(), 0)).unwrap());
    let bot = Bot::start(&double, db.clone(), Options::default()).await;

    // Hold the database past the bot's two-second defer point.
    let (release_tx, busy) = hold_database(&db).await;

    let latest = double
        .send_command("briefing", subcommand("latest", json!([])))
        .unwrap();
    let deferred = answer(&double, &latest).await;
    assert_eq!(
        deferred.body["type"], 5,
        "deferred: the member sees 'thinking…'"
    );
    for _ in 0..HELD {
        release_tx.send(()).unwrap();
    }
    busy.await.unwrap();

    let answered = double
        .wait_for(LIMIT, "the answer after the deferral", |d| {
            d.follow_ups(&latest).into_iter().next()
        })
        .await
        .unwrap();
    assert_eq!(
        shown::title(&answered.body).as_deref(),
        Some("Open Access Fibre: Small Towns Build the Network, Providers Rent the Light")
    );
    assert_accepted(&double);
    bot.stop().await;
}

#[test]
fn the_doubles_guild_create_is_a_guild_serenity_reads() {
    let guild: serenity::all::Guild =
        serde_json::from_value(discord_double::guild_json()).expect("serenity reads the guild");
    assert_eq!(guild.id.get(), GUILD_ID);
    assert_eq!(guild.channels.len(), 6);
    assert_eq!(guild.members.len(), 2);
    assert_eq!(guild.roles.len(), 3);
    // The bot may post in #briefings but not in #announcements.
    let bot = &guild.members[&serenity::all::UserId::new(discord_double::BOT_USER_ID)];
    let posts = |channel: u64| {
        guild
            .user_permissions_in(
                &guild.channels[&serenity::all::ChannelId::new(channel)],
                bot,
            )
            .send_messages()
    };
    assert!(posts(discord_double::CHANNEL_ID));
    assert!(!posts(discord_double::LOCKED_CHANNEL_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_categories_answer_through_discord() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let bot = Bot::on_file(&double, &library(dir.path(), 0)).await;

    let search = double
        .send_command(
            "briefing",
            subcommand(
                "search",
                json!([{ "name": "query", "type": 3, "value": "barge rail" }]),
            ),
        )
        .unwrap();
    let hits = answer(&double, &search).await;
    let field = &hits.body["data"]["embeds"][0]["fields"][0];
    assert!(field["name"]
        .as_str()
        .unwrap()
        .starts_with("Low Water, High Stakes"));
    assert!(field["value"].as_str().unwrap().contains("**barge**"));

    let categories = double
        .send_command("briefing", subcommand("categories", json!([])))
        .unwrap();
    let listed = answer(&double, &categories).await;
    let text = listed.body["data"]["embeds"][0]["description"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("**Europe** · 2"), "{text}");
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test]
async fn every_interaction_the_double_sends_is_one_serenity_reads() {
    use serenity::all::Interaction;
    let double = double().await;
    let options = subcommand(
        "read",
        json!([{ "name": "briefing", "type": 3, "value": "x", "focused": true }]),
    );
    let payloads = [
        (
            "command",
            double.command_json(2, "briefing", options.clone()).2,
        ),
        (
            "autocomplete",
            double.command_json(4, "briefing", options).2,
        ),
        ("button", double.button_json("list:2:").2),
        (
            "modal",
            double
                .modal_submit_json("answer:7", &[("text", "My answer")])
                .2,
        ),
    ];
    for (what, payload) in payloads {
        let interaction: Interaction = serde_json::from_value(payload)
            .unwrap_or_else(|e| panic!("serenity cannot read the {what}: {e}"));
        match (what, interaction) {
            ("command", Interaction::Command(c)) => assert_eq!(c.data.name, "briefing"),
            ("autocomplete", Interaction::Autocomplete(a)) => assert_eq!(a.data.name, "briefing"),
            ("button", Interaction::Component(b)) => assert_eq!(b.data.custom_id, "list:2:"),
            ("modal", Interaction::Modal(m)) => {
                assert_eq!(m.data.custom_id, "answer:7");
                assert_eq!(m.data.components.len(), 1);
            }
            (what, other) => panic!("the {what} arrived as {:?}", other.kind()),
        }
    }
}

/// Hold the writer and every read connection, so any command waits past
/// the two-second defer point until the returned sender has been used once
/// per connection held ([`HELD`] sends release them all).
async fn hold_database(db: &Db) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let held = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = std::sync::Arc::new(std::sync::Mutex::new(release_rx));
    let hold = || {
        let (held, release_rx) = (held.clone(), release_rx.clone());
        move || {
            held.add_permits(1);
            let _ = release_rx.lock().unwrap().recv_timeout(LIMIT);
            Ok(())
        }
    };
    let mut holders = Vec::new();
    let writer = hold();
    let db2 = db.clone();
    holders.push(tokio::spawn(async move {
        let _ = db2.call(move |_| writer()).await;
    }));
    // The readers are taken one at a time, so each hold lands on a free one.
    for taken in 1..HELD {
        let (db, reader) = (db.clone(), hold());
        holders.push(tokio::spawn(async move {
            let _ = db.read(move |_| reader()).await;
        }));
        // Wait until the writer and `taken` readers are all held.
        held.acquire_many(taken as u32 + 1).await.unwrap().forget();
        held.add_permits(taken + 1);
    }
    let _all = held.acquire_many(HELD as u32).await.unwrap();
    let task = tokio::spawn(async move {
        for holder in holders {
            let _ = holder.await;
        }
    });
    (release_tx, task)
}

/// The writer and every reader.
const HELD: usize = 1 + briefbot::store::READERS;

/// Discord fixes a reply's visibility at the defer: a private command's
/// slow reply stays private, and a public command's slow error too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_replies_keep_the_privacy_their_command_declares() {
    let dir = tempfile::tempdir().unwrap();
    let double = double().await;
    let db = Db::new(Store::open(&library(dir.path(), 0)).unwrap());
    let bot = Bot::start(&double, db.clone(), Options::default()).await;

    // A moderator's schedule list is private, however long it takes.
    let (release, held) = hold_database(&db).await;
    let list = double
        .send_command_as(
            &discord_double::Invoker::moderator(),
            "schedule",
            subcommand("list", json!([])),
            json!({}),
        )
        .unwrap();
    let deferred = answer(&double, &list).await;
    assert_eq!(deferred.body["type"], 5);
    assert_eq!(
        deferred.body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "deferred privately"
    );
    for _ in 0..HELD {
        release.send(()).unwrap();
    }
    held.await.unwrap();
    let shown = double
        .wait_for(LIMIT, "the schedule list", |d| {
            d.shown_replies(&list).into_iter().next()
        })
        .await
        .unwrap();
    assert!(shown.private, "{:?}", shown.body);

    // A public command whose slow answer is an error: the error is private.
    let (release, held) = hold_database(&db).await;
    let read = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "no such briefing anywhere" }]),
            ),
        )
        .unwrap();
    let deferred = answer(&double, &read).await;
    assert_eq!(deferred.body["type"], 5);
    for _ in 0..HELD {
        release.send(()).unwrap();
    }
    held.await.unwrap();
    let shown = double
        .wait_for(LIMIT, "the error", |d| {
            d.shown_replies(&read).into_iter().next()
        })
        .await
        .unwrap();
    assert!(shown.private, "the error is private: {:?}", shown.body);
    assert!(shown.body["content"]
        .as_str()
        .unwrap_or("")
        .contains("No briefing matches"));
    assert_accepted(&double);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefings_lead_image_and_author_show_in_its_post() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    let mut pictured = numbered(7);
    pictured.slug = "pictured".into();
    pictured.title = "A Pictured Briefing".into();
    pictured.image = Some("https://img.example.org/lead.jpg".into());
    pictured.author = Some("Ana Lima".into());
    let mut store = Store::open(&path).unwrap();
    store.save_briefing(&pictured).unwrap();
    drop(store);
    let double = double().await;
    let bot = Bot::on_file(&double, &path).await;

    let read = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "pictured" }]),
            ),
        )
        .unwrap();
    let reply = answer(&double, &read).await;
    let card = &reply.body["data"];
    assert_eq!(shown::title(card).as_deref(), Some("A Pictured Briefing"));
    // The lead image sits beside the Highlights as a Section's thumbnail.
    let section = shown::all_components(card)
        .into_iter()
        .find(|c| c["type"] == 9)
        .expect("a section");
    assert_eq!(section["accessory"]["type"], 11, "{section}");
    assert_eq!(
        section["accessory"]["media"]["url"],
        "https://img.example.org/lead.jpg"
    );
    assert!(
        shown::text_displays(card)
            .iter()
            .any(|t| t.contains("-# Jan 8, 2020 · by Ana Lima · Numbers")),
        "{card}"
    );

    // A server that prefers embeds gets them.
    let classic = double
        .send_command(
            "settings",
            subcommand(
                "layout",
                // Choices are sent as their index: 1 is "classic".
                json!([{ "name": "style", "type": 4, "value": 1 }]),
            ),
        )
        .unwrap();
    let set = answer(&double, &classic).await;
    assert!(
        shown::text(&set.body["data"]).contains("classic"),
        "{}",
        set.body
    );
    let read = double
        .send_command(
            "briefing",
            subcommand(
                "read",
                json!([{ "name": "briefing", "type": 3, "value": "pictured" }]),
            ),
        )
        .unwrap();
    let reply = answer(&double, &read).await;
    let header = &reply.body["data"]["embeds"][0];
    assert_eq!(header["title"], "A Pictured Briefing");
    assert_eq!(
        header["thumbnail"]["url"],
        "https://img.example.org/lead.jpg"
    );
    assert_eq!(
        header["footer"]["text"],
        "Jan 8, 2020 · by Ana Lima · Numbers"
    );
    assert_accepted(&double);
    bot.stop().await;
}
