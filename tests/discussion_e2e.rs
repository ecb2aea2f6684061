//! The discussion end to end through the Discord double: a posted briefing
//! opens a thread with its questions, the Answer button opens a form (also
//! after a restart), the answer is stored and shown in the thread without
//! pinging anyone; /answer with autocomplete, /discussion, edits, removal,
//! export and forget-me.

mod support;

use briefbot::samples::load_samples;
use briefbot::store::{Db, Store};
use discord_double::{
    resolved_channels, spec_from_env, Double, Invoker, CHANNEL_ID, LOG_CHANNEL_ID, MEMBER_ID,
};
use serde_json::{json, Value};
use support::bot::{double, Bot, Options, LIMIT};
use support::interactions::{callback, opt, sub};

const EPHEMERAL: u64 = 64;

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
    }
    out
}

/// A library with a subscribed channel and a briefing posted there with two
/// key questions; its discussion thread and question prompts are up.
struct Scene {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    bot: Bot,
    thread: discord_double::Thread,
    prompts: Vec<discord_double::ChannelMessage>,
    /// The posted briefing's id.
    briefing: i64,
}

async fn posted_briefing(double: &Double) -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::on_file(double, &path).await;
    let subscribe = double
        .send_command_as(
            &Invoker::moderator(),
            "subscribe",
            sub(
                "add",
                json!([opt("channel", 7, json!(CHANNEL_ID.to_string()))]),
            ),
            resolved_channels(&[CHANNEL_ID]),
        )
        .unwrap();
    callback(double, &subscribe).await;
    let mut briefing = support::numbered(5);
    briefing.key_questions = vec!["Will it last?".into(), "Who pays for it?".into()];
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&briefing)
        .unwrap();
    let thread = double
        .wait_for(LIMIT, "the discussion thread", |d| {
            d.threads().into_iter().next()
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
    Scene {
        _dir: dir,
        path,
        bot,
        thread,
        prompts,
        briefing: id,
    }
}

impl Scene {
    /// The custom_id of question `n`'s Answer button (from 0).
    fn answer_button(&self, n: usize) -> String {
        support::interactions::first_button_id(&self.prompts[n].body).unwrap()
    }

    /// Opens the answer form of question `n` and returns its custom_id.
    async fn answer_form(&self, double: &Double, n: usize) -> String {
        let press = double.press_button(&self.answer_button(n)).unwrap();
        let form = callback(double, &press).await;
        form["data"]["custom_id"].as_str().unwrap().to_string()
    }

    /// Answers through the form and returns the message showing the answer,
    /// the `shown`-th message of the thread.
    async fn answer_by_form(
        &self,
        double: &Double,
        form_id: &str,
        written: &str,
        shown: usize,
    ) -> discord_double::ChannelMessage {
        let submit = double
            .submit_modal_in(self.thread.id, form_id, &[("text", written)])
            .unwrap();
        callback(double, &submit).await;
        let thread = self.thread.id;
        double
            .wait_for(LIMIT, "the answer in the thread", |d| {
                d.channel_messages(thread).into_iter().nth(shown)
            })
            .await
            .unwrap()
    }

    /// Answers question 1 with `/answer to`, picking it by autocomplete.
    async fn answer_by_command(&self, double: &Double, written: &str) -> Value {
        let id = self.briefing.to_string();
        let typing = double
            .send_autocomplete(
                "answer",
                sub("to", json!([opt("briefing", 3, json!(id)), { "name": "question", "type": 3, "value": "last", "focused": true }])),
            )
            .unwrap();
        let offered = callback(double, &typing).await;
        let choice = offered["data"]["choices"][0].clone();
        assert_eq!(choice["name"], "1. Will it last?");
        let answered = double
            .send_command(
                "answer",
                sub(
                    "to",
                    json!([
                        opt("briefing", 3, json!(id)),
                        opt("question", 3, choice["value"].clone()),
                        opt("text", 3, json!(written))
                    ]),
                ),
            )
            .unwrap();
        callback(double, &answered).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_posted_briefing_opens_a_thread_whose_answer_button_works_after_a_restart() {
    let double = double().await;
    let scene = posted_briefing(&double).await;
    let (thread, prompts) = (&scene.thread, &scene.prompts);
    assert_eq!(thread.name, "Numbered Briefing 5");
    assert_eq!(thread.parent_id, CHANNEL_ID);
    // Each question is a card of its own (the server's layout) with its
    // Answer button below it.
    assert!(support::interactions::text(&prompts[0].body).contains("Will it last?"));
    assert_eq!(
        prompts[0].body["flags"].as_u64().unwrap_or(0) & (1 << 15),
        1 << 15
    );
    let buttons = support::interactions::all_components(&prompts[1].body);
    let button = buttons.iter().find(|c| c["type"] == 2).unwrap();
    assert_eq!(button["label"], "Answer");
    let custom_id = button["custom_id"].as_str().unwrap().to_string();

    // Without the Message Content option a plain reply is not an answer
    // (and the bot does not ask Discord for message events at all).
    assert_eq!(double.identified_intents(), 1, "GUILDS only");
    double
        .send_reply_message(&prompts[0], "Just chatting")
        .unwrap();

    // Restart between the post and the click: the button still works.
    scene.bot.stop().await;
    let bot = Bot::on_file(&double, &scene.path).await;

    let press = double.press_button(&custom_id).unwrap();
    let form = callback(&double, &press).await;
    assert_eq!(form["type"], 9, "a modal: {form}");
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let input = &form["data"]["components"][0]["components"][0];
    assert_eq!(
        (input["style"].as_u64(), input["max_length"].as_u64()),
        (Some(2), Some(4000))
    );

    let written = "@everyone <@&550000000000000005> **not bold** they all pay";
    let submit = double
        .submit_modal_in(thread.id, &form_id, &[("text", written)])
        .unwrap();
    let saved = callback(&double, &submit).await;
    assert_eq!(
        saved["data"]["flags"].as_u64().unwrap() & EPHEMERAL,
        EPHEMERAL
    );
    assert!(
        text(&saved["data"]).contains("Saved your answer #1 to “Who pays for it?”"),
        "{saved}"
    );
    let echo = double
        .wait_for(LIMIT, "the answer in the thread", |d| {
            d.channel_messages(thread.id).into_iter().nth(2)
        })
        .await
        .unwrap();
    assert_eq!(
        echo.body["allowed_mentions"]["parse"],
        json!([]),
        "pings nobody"
    );
    assert!(echo.body["content"]
        .as_str()
        .unwrap()
        .contains("answered “Who pays for it?”"));
    assert_eq!(
        echo.body["embeds"][0]["description"],
        "\\@everyone \\<\\@&550000000000000005\\> \\*\\*not bold\\*\\* they all pay",
        "shown as written, not as formatting or mentions"
    );
    // An empty form is refused.
    let empty = double
        .submit_modal_in(thread.id, &form_id, &[("text", "   ")])
        .unwrap();
    assert!(text(&callback(&double, &empty).await["data"]).contains("needs some text"));
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_author_edits_and_deletes_an_answer_through_its_buttons() {
    let double = double().await;
    let scene = posted_briefing(&double).await;
    let thread = scene.thread.id;
    let form_id = scene.answer_form(&double, 1).await;
    let echo = scene
        .answer_by_form(&double, &form_id, "They all pay.", 2)
        .await;

    // The author edits it through the Edit button on the shown answer: the
    // same message now shows the new text.
    let buttons = echo.body["components"][0]["components"]
        .as_array()
        .unwrap()
        .clone();
    let labels: Vec<&str> = buttons.iter().filter_map(|b| b["label"].as_str()).collect();
    assert_eq!(labels, ["Edit", "Delete"]);
    let edit_press = double
        .press_button(buttons[0]["custom_id"].as_str().unwrap())
        .unwrap();
    let edit_form = callback(&double, &edit_press).await;
    assert_eq!(edit_form["type"], 9);
    let edit_id = edit_form["data"]["custom_id"].as_str().unwrap().to_string();
    let edited = double
        .submit_modal_on(
            thread,
            echo.id,
            &edit_id,
            &[("text", "Everyone pays, in the end.")],
        )
        .unwrap();
    assert!(text(&callback(&double, &edited).await["data"]).contains("Updated answer #1"));
    double
        .wait_for(LIMIT, "the edited answer", |d| {
            d.channel_messages(thread).into_iter().find(|m| {
                m.id == echo.id
                    && m.body["embeds"][0]["description"] == "Everyone pays, in the end."
            })
        })
        .await
        .unwrap();

    // Only the author may delete; pressing Delete replaces the shown answer.
    let second_echo = scene
        .answer_by_form(&double, &form_id, "A second thought.", 3)
        .await;
    let delete_id = second_echo.body["components"][0]["components"][1]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stranger = Invoker {
        user_id: MEMBER_ID + 1,
        ..Invoker::member()
    };
    let refused = double.press_button_as(&stranger, &delete_id).unwrap();
    let refusal = callback(&double, &refused).await;
    let number = delete_id.rsplit(':').next().unwrap().to_string();
    assert!(
        text(&refusal["data"]).contains(&format!("You have no answer #{number}")),
        "{refusal}"
    );
    let deleted = double.press_button(&delete_id).unwrap();
    let deleted = callback(&double, &deleted).await;
    assert_eq!(
        deleted["type"], 7,
        "the shown answer is replaced: {deleted}"
    );
    assert!(
        text(&deleted["data"]).contains(&format!("Answer #{number} was deleted by its author."))
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_by_command_are_edited_and_counted_in_the_discussion() {
    let double = double().await;
    let scene = posted_briefing(&double).await;
    let form_id = scene.answer_form(&double, 1).await;
    scene
        .answer_by_form(&double, &form_id, "They all pay.", 2)
        .await;
    // /answer with autocomplete of the question.
    let answered = scene.answer_by_command(&double, "For a decade.").await;
    assert!(text(&answered["data"]).contains("Saved your answer #2"));

    // Edit keeps history; the discussion shows both answers with counts.
    let edit = double
        .send_command(
            "answer",
            sub(
                "edit",
                json!([
                    opt("answer", 4, json!(2)),
                    opt("text", 3, json!("For two decades."))
                ]),
            ),
        )
        .unwrap();
    assert!(text(&callback(&double, &edit).await["data"]).contains("Updated answer #2"));
    let shown = double
        .send_command(
            "discussion",
            json!([opt("briefing", 3, json!(scene.briefing.to_string()))]),
        )
        .unwrap();
    let shown = text(&callback(&double, &shown).await["data"]);
    assert!(
        shown.contains("1. Will it last? · 1 answer")
            && shown.contains("2. Who pays for it? · 1 answer"),
        "{shown}"
    );
    assert!(
        shown.contains("#2 · Member (edited) | For two decades."),
        "{shown}"
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_remove_and_export_answers_and_forget_me_leaves_nothing() {
    let double = double().await;
    let scene = posted_briefing(&double).await;
    let form_id = scene.answer_form(&double, 1).await;
    scene
        .answer_by_form(&double, &form_id, "@everyone they all pay", 2)
        .await;
    scene.answer_by_command(&double, "For a decade.").await;
    let id = scene.briefing;

    // A member may not remove; a moderator may, and the export keeps it.
    let refused = double
        .send_command_as(
            &Invoker::member(),
            "moderate",
            sub(
                "remove",
                json!([opt("answer", 4, json!(1)), opt("reason", 3, json!("spam"))]),
            ),
            json!({}),
        )
        .unwrap();
    assert!(text(&callback(&double, &refused).await["data"]).contains("for moderators"));
    let removed = double
        .send_command(
            "moderate",
            sub(
                "remove",
                json!([
                    opt("answer", 4, json!(1)),
                    opt("reason", 3, json!("mass mention"))
                ]),
            ),
        )
        .unwrap();
    assert!(text(&callback(&double, &removed).await["data"]).contains("Removed answer #1"));
    let export = double
        .send_command(
            "moderate",
            sub("export", json!([opt("briefing", 3, json!(id.to_string()))])),
        )
        .unwrap();
    let deferred = callback(&double, &export).await;
    assert_eq!(deferred["type"], 5);
    let exported = double
        .wait_for(LIMIT, "the export", |d| {
            d.follow_ups(&export).into_iter().next()
        })
        .await
        .unwrap()
        .body;
    assert!(
        text(&exported).contains("2 answers, as CSV and JSON."),
        "{exported}"
    );
    assert_eq!(exported["flags"], 64);
    let names: Vec<&str> = exported["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["filename"].as_str())
        .collect();
    assert_eq!(names, ["discussion.csv", "discussion.json"]);

    // Forget-me: after confirming, nothing of the member is left.
    let forget = double.send_command("forget-me", json!([])).unwrap();
    let asked = callback(&double, &forget).await;
    let confirm = asked["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(confirm, format!("forget-me:{MEMBER_ID}"));
    let done = double.press_button(&confirm).unwrap();
    assert!(text(&callback(&double, &done).await["data"]).contains("your 2 answers"));
    let rows = Store::open(&scene.path)
        .unwrap()
        .export_answers(briefbot::store::AnswersOf::EveryRoom, Some(id), None, None)
        .unwrap();
    assert!(rows.is_empty(), "{rows:?}");

    assert_eq!(
        double.problems(),
        Vec::<String>::new(),
        "requests Discord would reject"
    );
    scene.bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_read_replies_on_a_reply_to_a_question_is_recorded_as_its_answer() {
    let spec = spec_from_env().unwrap();
    let double = Double::start(spec.as_deref(), 0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::start(
        &double,
        Db::new(Store::open(&path).unwrap()),
        Options {
            read_replies: true,
            ..Options::default()
        },
    )
    .await;
    let intents = double.identified_intents();
    assert_eq!(intents & (1 << 15), 1 << 15, "MESSAGE_CONTENT");
    assert_eq!(intents & (1 << 9), 1 << 9, "GUILD_MESSAGES");

    let subscribe = double
        .send_command_as(
            &Invoker::moderator(),
            "subscribe",
            sub(
                "add",
                json!([opt("channel", 7, json!(CHANNEL_ID.to_string()))]),
            ),
            resolved_channels(&[CHANNEL_ID]),
        )
        .unwrap();
    callback(&double, &subscribe).await;
    let mut briefing = support::numbered(6);
    briefing.key_questions = vec!["Is it enough?".into()];
    Store::open(&path)
        .unwrap()
        .save_briefing(&briefing)
        .unwrap();
    let thread = double
        .wait_for(LIMIT, "the thread", |d| d.threads().into_iter().next())
        .await
        .unwrap();
    let prompt = double
        .wait_for(LIMIT, "the prompt", |d| {
            d.channel_messages(thread.id).into_iter().next()
        })
        .await
        .unwrap();
    let reply_id = double
        .send_reply_message(&prompt, "Not yet, @everyone.")
        .unwrap();
    let confirmation = double
        .wait_for(LIMIT, "the confirmation", |d| {
            d.channel_messages(thread.id).into_iter().nth(1)
        })
        .await
        .unwrap();
    assert!(confirmation.body["content"]
        .as_str()
        .unwrap()
        .contains("Saved your answer #1 to “Is it enough?”"));
    assert_eq!(
        confirmation.body["message_reference"]["message_id"],
        reply_id.to_string()
    );
    assert_eq!(confirmation.body["allowed_mentions"]["parse"], json!([]));
    let id = Store::open(&path)
        .unwrap()
        .find_briefing("numbered-6")
        .unwrap()
        .unwrap()
        .id;
    let rows = Store::open(&path)
        .unwrap()
        .export_answers(briefbot::store::AnswersOf::EveryRoom, Some(id), None, None)
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].text, "Not yet, @everyone.");
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

/// What the bot says it deleted is gone from Discord too: a member's
/// forget-me deletes the messages that showed their answers (also one an
/// older version showed without keeping its id), a moderator's removal
/// replaces the shown answer with a neutral note, and a long answer is
/// shown whole over two messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_removing_and_forgetting_answers_change_the_thread_too() {
    let spec = spec_from_env().unwrap();
    let double = Double::start(spec.as_deref(), 0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::on_file(&double, &path).await;
    let moderator = Invoker::moderator();
    for (command, options) in [
        (
            "subscribe",
            sub(
                "add",
                json!([opt("channel", 7, json!(CHANNEL_ID.to_string()))]),
            ),
        ),
        (
            "settings",
            sub(
                "log-channel",
                json!([opt("channel", 7, json!(LOG_CHANNEL_ID.to_string()))]),
            ),
        ),
    ] {
        let sent = double
            .send_command_as(
                &moderator,
                command,
                options,
                resolved_channels(&[CHANNEL_ID, LOG_CHANNEL_ID]),
            )
            .unwrap();
        callback(&double, &sent).await;
    }
    let mut briefing = support::numbered(6);
    briefing.key_questions = vec!["Will it last?".into()];
    let briefing_id = Store::open(&path)
        .unwrap()
        .save_briefing(&briefing)
        .unwrap()
        .1;
    let thread = double
        .wait_for(LIMIT, "the discussion thread", |d| {
            d.threads().into_iter().next()
        })
        .await
        .unwrap();
    let prompt = double
        .wait_for(LIMIT, "the question prompt", |d| {
            d.channel_messages(thread.id).into_iter().next()
        })
        .await
        .unwrap();
    let answer_button = support::interactions::first_button_id(&prompt.body).unwrap();
    let form = callback(&double, &double.press_button(&answer_button).unwrap()).await;
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();

    // A long answer (4,000 underscores escape to 8,000 characters) shows
    // whole, over two messages.
    let long = "_".repeat(4_000);
    let submit = double
        .submit_modal_in(thread.id, &form_id, &[("text", long.as_str())])
        .unwrap();
    callback(&double, &submit).await;
    let mine = double
        .wait_for(LIMIT, "the long answer in two parts", |d| {
            let shown = d.channel_messages(thread.id);
            (shown.len() == 3).then(|| shown[1..].to_vec())
        })
        .await
        .unwrap();
    let shown: String = mine.iter().map(|m| text(&m.body)).collect();
    assert_eq!(shown.matches('_').count(), 4_000, "nothing cut");

    // Another member's answer, removed by a moderator: the same message
    // now says only that it was removed.
    let other = Invoker {
        user_id: MEMBER_ID + 1,
        ..Invoker::member()
    };
    let submit = double
        .submit_modal_as(&other, thread.id, &form_id, &[("text", "Buy my course!")])
        .unwrap();
    callback(&double, &submit).await;
    let theirs = double
        .wait_for(LIMIT, "the other answer", |d| {
            d.channel_messages(thread.id).into_iter().nth(3)
        })
        .await
        .unwrap();
    let remove = double
        .send_command_as(
            &moderator,
            "moderate",
            sub(
                "remove",
                json!([opt("answer", 4, json!(2)), opt("reason", 3, json!("spam"))]),
            ),
            json!({}),
        )
        .unwrap();
    let removed = callback(&double, &remove).await;
    assert!(
        text(&removed["data"]).contains("being replaced"),
        "{removed}"
    );
    double
        .wait_for(LIMIT, "the neutral note", |d| {
            d.channel_messages(thread.id).into_iter().find(|m| {
                m.id == theirs.id
                    && m.body["content"]
                        .as_str()
                        .is_some_and(|c| c.contains("removed by a moderator"))
                    && !text(&m.body).contains("Buy my course")
            })
        })
        .await
        .unwrap();

    // An answer shown by an older version, which kept no message id.
    let legacy_message = double.add_bot_message(
        thread.id,
        json!({ "content": "**member** answered “Will it last?”",
                "embeds": [{ "description": "An old answer.", "footer": { "text": "Answer #3" } }] }),
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let question: i64 = conn
        .query_row(
            "SELECT id FROM key_questions WHERE briefing_id = ?1",
            [briefing_id],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "INSERT INTO answers (id, question_id, briefing_id, guild_id, user_id, user_name, text, created_at)
         VALUES (3, ?1, ?2, ?3, ?4, 'member', 'An old answer.', 0)",
        rusqlite::params![question, briefing_id, discord_double::GUILD_ID as i64, MEMBER_ID as i64],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO answer_displays (answer_id, guild_id, briefing_id, legacy) VALUES (3, ?1, ?2, 1)",
        rusqlite::params![discord_double::GUILD_ID as i64, briefing_id],
    )
    .unwrap();
    drop(conn);

    // Forget me: every message that showed my answers is deleted.
    let ask = double.send_command("forget-me", json!([])).unwrap();
    let asked = callback(&double, &ask).await;
    let confirm = asked["data"]["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = callback(&double, &double.press_button(&confirm).unwrap()).await;
    let said = text(&done["data"]);
    assert!(
        said.contains("your 2 answers") && said.contains("being deleted"),
        "{said}"
    );
    assert!(said.contains("earlier version"), "{said}");
    let mut gone: Vec<u64> = mine.iter().map(|m| m.id).collect();
    gone.push(legacy_message);
    double
        .wait_for(LIMIT, "my answers' messages deleted", |d| {
            let deleted = d.deleted_messages();
            gone.iter().all(|id| deleted.contains(id)).then_some(())
        })
        .await
        .unwrap();
    let left: Vec<String> = double
        .channel_messages(thread.id)
        .iter()
        .map(|m| text(&m.body))
        .collect();
    assert_eq!(
        left.len(),
        2,
        "the prompt and the removed note remain: {left:?}"
    );
    assert!(
        !left
            .iter()
            .any(|t| t.contains('_') || t.contains("old answer")),
        "{left:?}"
    );
    assert!(
        double.channel_messages(LOG_CHANNEL_ID).is_empty(),
        "nothing to report: everything was found"
    );
    bot.stop().await;
}
