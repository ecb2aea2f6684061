//! Two servers, one bot, through the Discord double: each server sees,
//! counts, exports and changes only its own discussion, and interactions
//! crafted to name the other server's channels, roles, buttons and forms
//! are refused without changing anything.

mod support;

use briefbot::samples::load_samples;
use briefbot::store::{AnswersOf, NewSource, Store};
use discord_double::{
    resolved_channels, ChannelMessage, Double, Invocation, Invoker, Thread, CHANNEL_ID, GUILD_ID,
    SECOND_CHANNEL_ID, SECOND_GUILD_ID, SECOND_MEMBER_ID, SECOND_MODERATOR_ID,
};
use serde_json::{json, Value};
use support::bot::{double, Bot, Options, LIMIT};
use support::interactions::{callback, opt, sub};

const EPHEMERAL: u64 = 64;

/// What a reply or message says, embeds included.
fn text(data: &Value) -> String {
    let mut out = data["content"].as_str().unwrap_or("").to_string();
    for embed in data["embeds"].as_array().into_iter().flatten() {
        out.push_str(embed["description"].as_str().unwrap_or(""));
        for field in embed["fields"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "\n{} | {}",
                field["name"].as_str().unwrap_or(""),
                field["value"].as_str().unwrap_or("")
            ));
        }
        out.push_str(embed["footer"]["text"].as_str().unwrap_or(""));
    }
    out
}

/// A private refusal: a message (not a form), only for the one who asked.
fn refusal(reply: &Value) -> String {
    assert_eq!(reply["type"], 4, "a message, not a form: {reply}");
    assert_eq!(reply["data"]["flags"], EPHEMERAL, "{reply}");
    text(&reply["data"])
}

/// One server's side of the scene.
struct Side {
    guild: u64,
    channel: u64,
    moderator: Invoker,
    member: Invoker,
    thread: Thread,
    prompts: Vec<ChannelMessage>,
}

/// Both servers subscribed to every briefing, and a briefing with two key
/// questions posted to both, each with its own discussion thread.
struct Scene {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    bot: Bot,
    a: Side,
    b: Side,
    briefing: i64,
}

async fn subscribe(double: &Double, guild: u64, channel: u64, moderator: &Invoker) -> Value {
    let subscribing = double
        .send_crafted(
            double
                .craft_command(
                    "subscribe",
                    sub(
                        "add",
                        json!([opt("channel", 7, json!(channel.to_string()))]),
                    ),
                )
                .in_server(guild, channel)
                .by(moderator)
                .resolved(resolved_channels(&[channel])),
        )
        .unwrap();
    callback(double, &subscribing).await
}

async fn started(
    double: &Double,
    options: Options,
) -> (tempfile::TempDir, std::path::PathBuf, Bot) {
    double.add_second_guild();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::start(
        double,
        briefbot::store::Db::new(Store::open(&path).unwrap()),
        options,
    )
    .await;
    (dir, path, bot)
}

async fn two_servers(double: &Double) -> Scene {
    let (dir, path, bot) = started(double, Options::prompt()).await;
    for (guild, channel, moderator) in [
        (GUILD_ID, CHANNEL_ID, Invoker::moderator()),
        (
            SECOND_GUILD_ID,
            SECOND_CHANNEL_ID,
            Invoker::second_moderator(),
        ),
    ] {
        let done = subscribe(double, guild, channel, &moderator).await;
        assert!(text(&done["data"]).contains("will get"), "{done}");
    }
    let mut briefing = support::numbered(5);
    briefing.key_questions = vec!["Will it last?".into(), "Who pays for it?".into()];
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&briefing)
        .unwrap();
    let side = |guild, channel, moderator, member| async move {
        let thread = double
            .wait_for(LIMIT, "the discussion thread", |d| {
                d.threads().into_iter().find(|t| t.parent_id == channel)
            })
            .await
            .unwrap();
        let prompts = double
            .wait_for(LIMIT, "the question prompts", |d| {
                let messages = d.channel_messages(thread.id);
                (messages.len() == 2).then_some(messages)
            })
            .await
            .unwrap();
        Side {
            guild,
            channel,
            moderator,
            member,
            thread,
            prompts,
        }
    };
    let a = side(
        GUILD_ID,
        CHANNEL_ID,
        Invoker::moderator(),
        Invoker::member(),
    )
    .await;
    let b = side(
        SECOND_GUILD_ID,
        SECOND_CHANNEL_ID,
        Invoker::second_moderator(),
        Invoker::second_member(),
    )
    .await;
    Scene {
        _dir: dir,
        path,
        bot,
        a,
        b,
        briefing: id,
    }
}

impl Side {
    /// The custom_id of question `n`'s Answer button (from 0).
    fn answer_button(&self, n: usize) -> String {
        support::interactions::first_button_id(&self.prompts[n].body).unwrap()
    }

    /// Opens question `n`'s form from its prompt in this side's thread.
    async fn open_form(&self, double: &Double, n: usize) -> String {
        self.open_form_as(double, &self.member, n).await
    }

    async fn open_form_as(&self, double: &Double, who: &Invoker, n: usize) -> String {
        let press = double
            .send_crafted(
                double
                    .craft_button(&self.answer_button(n))
                    .in_server(self.guild, self.thread.id)
                    .on_message(self.thread.id, self.prompts[n].id)
                    .by(who),
            )
            .unwrap();
        let form = callback(double, &press).await;
        assert_eq!(form["type"], 9, "a form: {form}");
        form["data"]["custom_id"].as_str().unwrap().to_string()
    }

    /// Answers question `n` through its form in this side's thread and
    /// waits for the answer's message there.
    async fn answer(&self, double: &Double, n: usize, written: &str) {
        self.answer_as(double, &self.member, n, written).await
    }

    /// As [`Side::answer`], by `who`.
    async fn answer_as(&self, double: &Double, who: &Invoker, n: usize, written: &str) {
        let form_id = self.open_form_as(double, who, n).await;
        let before = double.channel_messages(self.thread.id).len();
        let submit = double
            .send_crafted(
                double
                    .craft_form(&form_id, &[("text", written)])
                    .in_server(self.guild, self.thread.id)
                    .by(who),
            )
            .unwrap();
        let saved = callback(double, &submit).await;
        assert!(
            text(&saved["data"]).contains("Saved your answer"),
            "{saved}"
        );
        double
            .wait_for(LIMIT, "the answer in the thread", |d| {
                (d.channel_messages(self.thread.id).len() > before).then_some(())
            })
            .await
            .unwrap();
    }

    /// Runs a command as this side's moderator in its channel.
    async fn moderate(&self, double: &Double, name: &str, options: Value) -> (Invocation, Value) {
        let sent = double
            .send_crafted(
                double
                    .craft_command(name, options)
                    .in_server(self.guild, self.channel)
                    .by(&self.moderator),
            )
            .unwrap();
        let reply = callback(double, &sent).await;
        (sent, reply)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_exports_and_removes_only_answers_given_in_their_server() {
    let double = double().await;
    let scene = two_servers(&double).await;
    scene.a.answer(&double, 0, "Ours: for a decade.").await;
    scene
        .b
        .answer(&double, 0, "Theirs: a private thought")
        .await;
    let briefing = scene.briefing.to_string();

    let (export, deferred) = scene
        .a
        .moderate(
            &double,
            "moderate",
            sub("export", json!([opt("briefing", 3, json!(briefing))])),
        )
        .await;
    assert_eq!(deferred["type"], 5);
    let exported = double
        .wait_for(LIMIT, "the export", |d| {
            d.follow_ups(&export).into_iter().next()
        })
        .await
        .unwrap();
    assert!(
        text(&exported.body).contains("1 answer, as CSV and JSON."),
        "{}",
        exported.body
    );
    assert_eq!(exported.files.len(), 2, "CSV and JSON attached");
    for (name, content) in &exported.files {
        let content = String::from_utf8_lossy(content);
        assert!(content.contains("Ours: for a decade."), "{name}: {content}");
        assert!(
            !content.contains("Theirs") && !content.contains(&SECOND_MEMBER_ID.to_string()),
            "{name} holds nothing of the other server: {content}"
        );
    }

    // Answer #2 was given in the second server: the first one's moderator
    // cannot remove it, and its message there stays as it was.
    let theirs = double.channel_messages(scene.b.thread.id)[2].clone();
    let (_, refused) = scene
        .a
        .moderate(
            &double,
            "moderate",
            sub(
                "remove",
                json!([opt("answer", 4, json!(2)), opt("reason", 3, json!("spam"))]),
            ),
        )
        .await;
    assert!(
        refusal(&refused).contains("This server has no answer #2"),
        "{refused}"
    );
    let store = Store::open(&scene.path).unwrap();
    assert_eq!(store.answer(2).unwrap().unwrap().removed_at, None);
    assert_eq!(
        double.channel_messages(scene.b.thread.id)[2].body,
        theirs.body
    );
    // Its own moderator can.
    let (_, removed) = scene
        .b
        .moderate(
            &double,
            "moderate",
            sub(
                "remove",
                json!([opt("answer", 4, json!(2)), opt("reason", 3, json!("spam"))]),
            ),
        )
        .await;
    assert!(
        text(&removed["data"]).contains("Removed answer #2"),
        "{removed}"
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_discussion_and_its_pages_show_and_count_only_the_servers_own_answers() {
    let double = double().await;
    let scene = two_servers(&double).await;
    scene.a.answer(&double, 0, "Ours: for a decade.").await;
    // Members may answer five times a minute: two of them answer here.
    for n in 0..6 {
        let who = if n % 2 == 0 {
            &scene.b.member
        } else {
            &scene.b.moderator
        };
        scene
            .b
            .answer_as(&double, who, 1, &format!("Theirs {n}"))
            .await;
    }
    let briefing = json!([opt("briefing", 3, json!(scene.briefing.to_string()))]);

    let (_, ours) = scene
        .a
        .moderate(&double, "discussion", briefing.clone())
        .await;
    let ours = text(&ours["data"]);
    assert!(
        ours.contains("1. Will it last? · 1 answer")
            && ours.contains("2. Who pays for it? · no answers yet"),
        "{ours}"
    );
    assert!(
        ours.contains("Ours: for a decade.") && !ours.contains("Theirs"),
        "{ours}"
    );

    let (_, theirs) = scene.b.moderate(&double, "discussion", briefing).await;
    assert!(
        text(&theirs["data"]).contains("Page 1 of 2 · 6 answers"),
        "{theirs}"
    );
    let next = theirs["data"]["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|b| b["custom_id"].as_str())
        .unwrap()
        .to_string();
    // The other server's page button, pressed in the first server, pages
    // through the first server's discussion.
    let pressed = double
        .send_crafted(
            double
                .craft_button(&next)
                .in_server(GUILD_ID, CHANNEL_ID)
                .by(&Invoker::member()),
        )
        .unwrap();
    let page = text(&callback(&double, &pressed).await["data"]);
    assert!(
        !page.contains("Theirs") && !page.contains("6 answers"),
        "{page}"
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_answers_only_those_the_command_is_for_and_masks_secrets() {
    let double = double().await;
    double.add_second_guild();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    let mut store = Store::open(&path).unwrap();
    store
        .add_source(
            &NewSource {
                url: "https://reader:hunter2@feeds.example/briefings.xml?token=s3cret&lang=en"
                    .into(),
                name: None,
                categories: Vec::new(),
                interval_seconds: 3_600,
                backfill: 0,
                questions: Vec::new(),
            },
            0,
        )
        .unwrap();
    drop(store);
    // The second server's moderator owns the bot; the first's does not.
    let bot = Bot::start(
        &double,
        briefbot::store::Db::new(Store::open(&path).unwrap()),
        Options {
            owners: vec![SECOND_MODERATOR_ID],
            ..Options::default()
        },
    )
    .await;
    let typing = |name: &str, options: Value, guild: u64, channel: u64, who: &Invoker| {
        double
            .send_crafted(
                double
                    .craft_autocomplete(name, options)
                    .in_server(guild, channel)
                    .by(who),
            )
            .unwrap()
    };
    let names = |reply: Value| -> Vec<String> {
        assert_eq!(reply["type"], 8, "{reply}");
        reply["data"]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let focused = json!({ "name": "source", "type": 3, "value": "feeds", "focused": true });

    // /source is for owners: a crafted request from anyone else gets nothing.
    let other = typing(
        "source",
        sub("remove", json!([focused])),
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::moderator(),
    );
    assert!(names(callback(&double, &other).await).is_empty());
    let owner = typing(
        "source",
        sub("remove", json!([focused])),
        SECOND_GUILD_ID,
        SECOND_CHANNEL_ID,
        &Invoker::second_moderator(),
    );
    let shown = names(callback(&double, &owner).await);
    assert!(
        shown.len() == 1 && shown[0].contains("token=s3cret"),
        "{shown:?}"
    );

    // A moderator picking a source for a subscription sees it masked.
    let subscribing = json!([opt("channel", 7, json!(CHANNEL_ID.to_string())), focused]);
    let moderator = typing(
        "subscribe",
        sub("add", subscribing.clone()),
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::moderator(),
    );
    let shown = names(callback(&double, &moderator).await);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("feeds.example"), "{shown:?}");
    assert!(
        !shown[0].contains("s3cret")
            && !shown[0].contains("hunter2")
            && !shown[0].contains("reader"),
        "{shown:?}"
    );
    // A member without Manage Server gets nothing from a moderators' command.
    let member = typing(
        "subscribe",
        sub("add", subscribing),
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
    );
    assert!(names(callback(&double, &member).await).is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_naming_another_servers_channel_or_role_are_refused_and_nothing_is_posted_there() {
    let double = double().await;
    let (_dir, path, bot) = started(&double, Options::prompt()).await;

    // A crafted /subscribe add in the first server naming the second's channel.
    let crafted = double
        .send_crafted(
            double
                .craft_command(
                    "subscribe",
                    sub(
                        "add",
                        json!([opt("channel", 7, json!(SECOND_CHANNEL_ID.to_string()))]),
                    ),
                )
                .in_server(GUILD_ID, CHANNEL_ID)
                .by(&Invoker::moderator())
                .resolved(resolved_channels(&[SECOND_CHANNEL_ID])),
        )
        .unwrap();
    assert!(refusal(&callback(&double, &crafted).await).contains("not a channel of this server"));
    // Nor a role of the other server to ping.
    let crafted = double
        .send_crafted(
            double
                .craft_command(
                    "subscribe",
                    sub(
                        "add",
                        json!([
                            opt("channel", 7, json!(CHANNEL_ID.to_string())),
                            opt("role", 8, json!(SECOND_GUILD_ID.to_string()))
                        ]),
                    ),
                )
                .in_server(GUILD_ID, CHANNEL_ID)
                .by(&Invoker::moderator())
                .resolved(json!({ "channels": resolved_channels(&[CHANNEL_ID])["channels"], "roles": { SECOND_GUILD_ID.to_string(): {
                    "id": SECOND_GUILD_ID.to_string(), "name": "@everyone", "color": 0, "hoist": false,
                    "icon": null, "unicode_emoji": null, "position": 0, "permissions": "0",
                    "managed": false, "mentionable": true, "flags": 0,
                    "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null }
                } } })),
        )
        .unwrap();
    let refused = refusal(&callback(&double, &crafted).await);
    assert!(refused.contains("not a role of this server"), "{refused}");
    // One serenity cannot read at all (a resolved role without its fields)
    // is answered too, privately, and does nothing.
    let mut unreadable = double
        .craft_command(
            "subscribe",
            sub(
                "add",
                json!([opt("channel", 7, json!(CHANNEL_ID.to_string()))]),
            ),
        )
        .by(&Invoker::moderator());
    unreadable = unreadable.resolved(
        json!({ "channels": { CHANNEL_ID.to_string(): { "id": CHANNEL_ID.to_string() } } }),
    );
    let sent = double.send_crafted(unreadable).unwrap();
    assert!(refusal(&callback(&double, &sent).await).contains("could not read that request"));
    let store = Store::open(&path).unwrap();
    assert!(store.subscriptions(GUILD_ID).unwrap().is_empty());
    assert!(store.subscriptions(SECOND_GUILD_ID).unwrap().is_empty());

    // Subscribed properly, the first server's next briefing reaches its own
    // channel and nothing reaches the second's.
    let done = subscribe(&double, GUILD_ID, CHANNEL_ID, &Invoker::moderator()).await;
    assert!(text(&done["data"]).contains("will get"), "{done}");
    Store::open(&path)
        .unwrap()
        .save_briefing(&support::numbered(7))
        .unwrap();
    double
        .wait_for(LIMIT, "the post in the first server", |d| {
            d.channel_messages(CHANNEL_ID).into_iter().next()
        })
        .await
        .unwrap();
    assert!(double.channel_messages(SECOND_CHANNEL_ID).is_empty());
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_servers_answer_button_and_form_do_nothing_outside_their_thread() {
    let double = double().await;
    let scene = two_servers(&double).await;
    let button = scene.b.answer_button(0);
    let form_id = scene.b.open_form(&double, 0).await;
    let posts_in_a = double.channel_messages(CHANNEL_ID).len();

    // Pressed in the first server's plain channel: no form.
    let pressed = double
        .send_crafted(
            double
                .craft_button(&button)
                .in_server(GUILD_ID, CHANNEL_ID)
                .on_message(CHANNEL_ID, scene.b.prompts[0].id)
                .by(&Invoker::member()),
        )
        .unwrap();
    assert!(refusal(&callback(&double, &pressed).await).contains("discussion thread"));
    // Its form submitted there: nothing saved, nothing posted.
    let submitted = double
        .send_crafted(
            double
                .craft_form(&form_id, &[("text", "Posted where it does not belong")])
                .in_server(GUILD_ID, CHANNEL_ID)
                .by(&Invoker::member()),
        )
        .unwrap();
    assert!(refusal(&callback(&double, &submitted).await).contains("discussion thread"));
    // Nor in the second server's own plain channel.
    let submitted = double
        .send_crafted(
            double
                .craft_form(&form_id, &[("text", "Still not in the thread")])
                .in_server(SECOND_GUILD_ID, SECOND_CHANNEL_ID)
                .by(&Invoker::second_member()),
        )
        .unwrap();
    assert!(refusal(&callback(&double, &submitted).await).contains("discussion thread"));
    let store = Store::open(&scene.path).unwrap();
    assert!(store
        .export_answers(AnswersOf::EveryRoom, None, None, None)
        .unwrap()
        .is_empty());
    assert_eq!(double.channel_messages(CHANNEL_ID).len(), posts_in_a);
    assert_eq!(
        double.channel_messages(SECOND_CHANNEL_ID).len(),
        1,
        "the briefing only"
    );
    // In the first server's thread of the same briefing, the button is that
    // thread's own: it opens the form and the answer stays in that server.
    scene
        .a
        .answer(&double, 0, "Answered where it belongs")
        .await;
    let rows = store
        .export_answers(
            AnswersOf::Room(briefbot::store::Room::Server(GUILD_ID)),
            None,
            None,
            None,
        )
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_whose_post_lost_its_response_and_was_then_edited_is_shown_once() {
    let double = double().await;
    let scene = two_servers(&double).await;
    let thread = scene.a.thread.id;
    // The answer's post is made, and its response lost.
    double.inject(
        &format!("channels/{thread}/messages"),
        discord_double::Fault::LostResponse(502),
        1,
    );
    let form_id = scene.a.open_form(&double, 0).await;
    let submit = double
        .send_crafted(
            double
                .craft_form(&form_id, &[("text", "First thought")])
                .in_server(GUILD_ID, thread)
                .by(&scene.a.member),
        )
        .unwrap();
    callback(&double, &submit).await;
    double
        .wait_for(LIMIT, "the lost post", |d| {
            (d.channel_messages(thread).len() == 3).then_some(())
        })
        .await
        .unwrap();
    let (_, edited) = scene
        .a
        .moderate(
            &double,
            "answer",
            sub(
                "edit",
                json!([
                    opt("answer", 4, json!(1)),
                    opt("text", 3, json!("Second thought"))
                ]),
            ),
        )
        .await;
    assert!(
        text(&edited["data"]).contains("Updated answer #1"),
        "{edited}"
    );
    double
        .wait_for(LIMIT, "the edited answer in the thread", |d| {
            d.channel_messages(thread)
                .iter()
                .any(|m| text(&m.body).contains("Second thought"))
                .then_some(())
        })
        .await
        .unwrap();
    let showing: Vec<String> = double
        .channel_messages(thread)
        .iter()
        .filter(|m| text(&m.body).contains("Answer #1"))
        .map(|m| text(&m.body))
        .collect();
    assert_eq!(showing.len(), 1, "shown once: {showing:?}");
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}
