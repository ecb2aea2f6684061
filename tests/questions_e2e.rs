//! A discussion for every briefing, through the Discord double: a briefing
//! posted without key questions gets its moderators' questions, in its
//! server only; the thread is opened and the question posted with a
//! working Answer button; edits and retirements change the message too.

mod support;

use briefbot::samples::load_samples;
use briefbot::store::Store;
use discord_double::{
    resolved_channels, ChannelMessage, Double, Invoker, CHANNEL_ID, GUILD_ID, LOG_CHANNEL_ID,
    SECOND_CHANNEL_ID, SECOND_GUILD_ID,
};
use serde_json::{json, Value};
use support::bot::{double, Bot, Options, LIMIT};
use support::interactions::{callback, sub, text, text_opt as opt};

const EPHEMERAL: u64 = 64;

/// Runs a command as `who` in `channel` of `guild`; the reply.
async fn run(
    double: &Double,
    guild: u64,
    channel: u64,
    who: &Invoker,
    name: &str,
    options: Value,
) -> Value {
    let sent = double
        .send_crafted(
            double
                .craft_command(name, options)
                .in_server(guild, channel)
                .by(who)
                .resolved(resolved_channels(&[channel, LOG_CHANNEL_ID])),
        )
        .unwrap();
    callback(double, &sent).await
}

/// The bot on a database file of the samples (tests write to the file
/// as the command line would); the folder lives as long as the result.
async fn bot_on_samples(
    double: &Double,
    options: Options,
) -> (Bot, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::start(
        double,
        briefbot::store::Db::new(Store::open(&path).unwrap()),
        options,
    )
    .await;
    (bot, dir, path)
}

/// The thread under the post in `channel`, once it holds `count` messages.
async fn thread_with(double: &Double, channel: u64, count: usize) -> (u64, Vec<ChannelMessage>) {
    double
        .wait_for(LIMIT, "the discussion thread's messages", |d| {
            let thread = d.threads().into_iter().find(|t| t.parent_id == channel)?;
            let messages = d.channel_messages(thread.id);
            (messages.len() == count).then_some((thread.id, messages))
        })
        .await
        .unwrap()
}

fn button_of(message: &ChannelMessage) -> Option<String> {
    support::interactions::first_button_id(&message.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_questions_open_the_discussion_of_a_briefing_that_had_none() {
    let double = double().await;
    double.add_second_guild();
    let (bot, _dir, path) = bot_on_samples(&double, Options::default()).await;
    let (a_mod, b_mod) = (Invoker::moderator(), Invoker::second_moderator());
    for (guild, channel, moderator) in [
        (GUILD_ID, CHANNEL_ID, &a_mod),
        (SECOND_GUILD_ID, SECOND_CHANNEL_ID, &b_mod),
    ] {
        let done = run(
            &double,
            guild,
            channel,
            moderator,
            "subscribe",
            sub(
                "add",
                json!([{ "name": "channel", "type": 7, "value": channel.to_string() }]),
            ),
        )
        .await;
        assert!(text(&done["data"]).contains("will get"), "{done}");
    }
    // A briefing with no key questions is posted in both servers, with no
    // thread: there is nothing to answer yet.
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&support::numbered(5))
        .unwrap();
    let briefing = id.to_string();
    for channel in [CHANNEL_ID, SECOND_CHANNEL_ID] {
        double
            .wait_for(LIMIT, "the post", |d| {
                (!d.channel_messages(channel).is_empty()).then_some(())
            })
            .await
            .unwrap();
    }
    assert!(double.threads().is_empty(), "no questions, no thread");
    let none = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "discussion",
        json!([opt("briefing", &briefing)]),
    )
    .await;
    assert!(text(&none["data"]).contains("no key questions"), "{none}");

    // A member may not pose questions, even by crafting the command.
    let refused = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "questions",
        sub(
            "add",
            json!([opt("briefing", &briefing), opt("text", "Sneaky?")]),
        ),
    )
    .await;
    assert_eq!(refused["data"]["flags"], EPHEMERAL);
    assert!(
        text(&refused["data"]).contains("is for moderators"),
        "{refused}"
    );

    // The first server's moderator adds one: the post gains its thread,
    // with the question and its Answer button.
    let added = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "questions",
        sub(
            "add",
            json!([
                opt("briefing", &briefing),
                opt("text", "What would change your mind?")
            ]),
        ),
    )
    .await;
    assert!(text(&added["data"]).contains("Added question q"), "{added}");
    let (thread, messages) = thread_with(&double, CHANNEL_ID, 1).await;
    let prompt = &messages[0];
    assert!(
        text(&prompt.body).contains("What would change your mind?"),
        "{:?}",
        prompt.body
    );
    let button = button_of(prompt).expect("an Answer button");

    // The second server's moderator asks something else; each thread
    // holds its own server's question only.
    let theirs = run(
        &double,
        SECOND_GUILD_ID,
        SECOND_CHANNEL_ID,
        &b_mod,
        "questions",
        sub(
            "add",
            json!([
                opt("briefing", &briefing),
                opt("text", "A private question of ours?")
            ]),
        ),
    )
    .await;
    assert!(
        text(&theirs["data"]).contains("Added question q"),
        "{theirs}"
    );
    let (_, their_messages) = thread_with(&double, SECOND_CHANNEL_ID, 1).await;
    let their_button = button_of(&their_messages[0]).unwrap();
    assert_eq!(double.channel_messages(thread).len(), 1);
    assert!(!text(&double.channel_messages(thread)[0].body).contains("private question"));

    // A member answers through the form.
    let press = double
        .send_crafted(
            double
                .craft_button(&button)
                .in_server(GUILD_ID, thread)
                .on_message(thread, prompt.id)
                .by(&Invoker::member()),
        )
        .unwrap();
    let form = callback(&double, &press).await;
    assert_eq!(form["type"], 9, "a form: {form}");
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = double
        .send_crafted(
            double
                .craft_form(&form_id, &[("text", "Cheaper batteries.")])
                .in_server(GUILD_ID, thread)
                .by(&Invoker::member()),
        )
        .unwrap();
    let saved = callback(&double, &submit).await;
    assert!(
        text(&saved["data"]).contains("Saved your answer"),
        "{saved}"
    );
    thread_with(&double, CHANNEL_ID, 2).await;

    // The discussion counts it, and lists this server's question only.
    let shown = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "discussion",
        json!([opt("briefing", &briefing)]),
    )
    .await;
    let shown = text(&shown["data"]);
    assert!(
        shown.contains("1. (asked here) What would change your mind? · 1 answer"),
        "{shown}"
    );
    assert!(shown.contains("1 answer from 1 member"), "{shown}");
    assert!(!shown.contains("private question"), "{shown}");
    let figures = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "moderate",
        sub("stats", json!([opt("briefing", &briefing)])),
    )
    .await;
    let figures = text(&figures["data"]);
    assert!(figures.contains("1 answer from 1 member"), "{figures}");
    assert!(
        figures.contains("1. What would change your mind? · 1 answer"),
        "{figures}"
    );
    assert!(!figures.contains("private question"), "{figures}");
    let theirs = run(
        &double,
        SECOND_GUILD_ID,
        SECOND_CHANNEL_ID,
        &b_mod,
        "moderate",
        sub("stats", json!([])),
    )
    .await;
    assert!(
        text(&theirs["data"]).contains("No answers in this period"),
        "{theirs}"
    );
    let member = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "moderate",
        sub("stats", json!([])),
    )
    .await;
    assert!(
        text(&member["data"]).contains("is for moderators"),
        "{member}"
    );

    // The other server's button, pressed here, finds nothing to answer.
    let crafted = double
        .send_crafted(
            double
                .craft_button(&their_button)
                .in_server(GUILD_ID, thread)
                .on_message(thread, prompt.id)
                .by(&Invoker::member()),
        )
        .unwrap();
    let crafted = callback(&double, &crafted).await;
    assert_eq!(crafted["type"], 4, "a refusal, not a form: {crafted}");
    assert!(text(&crafted["data"]).contains("elsewhere"), "{crafted}");
    // Nor can this server's moderator change the other's question.
    let their_id = their_button
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .to_string();
    let edit = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "questions",
        sub(
            "edit",
            json!([
                opt("briefing", &briefing),
                opt("question", &format!("q{their_id}")),
                opt("text", "Hijacked?")
            ]),
        ),
    )
    .await;
    assert!(text(&edit["data"]).contains("has no question"), "{edit}");

    // An edit changes the message in the thread; a retire takes its button.
    let edit = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "questions",
        sub(
            "edit",
            json!([
                opt("briefing", &briefing),
                opt("question", "1"),
                opt("text", "What would change your mind, and why?")
            ]),
        ),
    )
    .await;
    assert!(text(&edit["data"]).contains("Changed question"), "{edit}");
    double
        .wait_for(LIMIT, "the edited question", |d| {
            text(&d.channel_messages(thread)[0].body)
                .contains("and why?")
                .then_some(())
        })
        .await
        .unwrap();
    let retire = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "questions",
        sub(
            "retire",
            json!([opt("briefing", &briefing), opt("question", "1")]),
        ),
    )
    .await;
    assert!(
        text(&retire["data"]).contains("Retired question"),
        "{retire}"
    );
    double
        .wait_for(LIMIT, "the retired question", |d| {
            let message = &d.channel_messages(thread)[0];
            (text(&message.body).contains("(retired)") && button_of(message).is_none())
                .then_some(())
        })
        .await
        .unwrap();
    let listed = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &a_mod,
        "questions",
        sub("list", json!([opt("briefing", &briefing)])),
    )
    .await;
    assert!(
        text(&listed["data"]).contains("retired: What would change your mind, and why?"),
        "{listed}"
    );
    assert_eq!(
        double.channel_messages(thread).len(),
        2,
        "nothing posted twice"
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

/// One server, a briefing with one key question posted there, and a
/// member's answers given through the thread's form.
async fn answered(
    double: &Double,
    thread: u64,
    prompt: &ChannelMessage,
    written: &str,
    shown: usize,
) {
    let press = double
        .send_crafted(
            double
                .craft_button(&button_of(prompt).unwrap())
                .in_server(GUILD_ID, thread)
                .on_message(thread, prompt.id)
                .by(&Invoker::member()),
        )
        .unwrap();
    let form = callback(double, &press).await;
    let form_id = form["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = double
        .send_crafted(
            double
                .craft_form(&form_id, &[("text", written)])
                .in_server(GUILD_ID, thread)
                .by(&Invoker::member()),
        )
        .unwrap();
    assert!(text(&callback(double, &submit).await["data"]).contains("Saved your answer"));
    thread_with(double, CHANNEL_ID, shown).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn featured_answers_are_pinned_or_quoted_and_come_first() {
    let double = double().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    load_samples(&mut Store::open(&path).unwrap()).unwrap();
    let bot = Bot::on_file(&double, &path).await;
    let moderator = Invoker::moderator();
    let moderate = |name: &'static str, options: Value| {
        let double = &double;
        let moderator = &moderator;
        async move { run(double, GUILD_ID, CHANNEL_ID, moderator, name, options).await }
    };
    let log = moderate(
        "settings",
        sub(
            "log-channel",
            json!([{ "name": "channel", "type": 7, "value": LOG_CHANNEL_ID.to_string() }]),
        ),
    )
    .await;
    assert!(text(&log["data"]).contains("<#"), "{log}");
    moderate(
        "subscribe",
        sub(
            "add",
            json!([{ "name": "channel", "type": 7, "value": CHANNEL_ID.to_string() }]),
        ),
    )
    .await;
    let mut briefing = support::numbered(5);
    briefing.key_questions = vec!["Will it last?".into()];
    Store::open(&path)
        .unwrap()
        .save_briefing(&briefing)
        .unwrap();
    let (thread, messages) = thread_with(&double, CHANNEL_ID, 1).await;
    let prompt = messages[0].clone();
    answered(&double, thread, &prompt, "For a decade.", 2).await;
    answered(&double, thread, &prompt, "Until the subsidies end.", 3).await;

    // A member may not feature.
    let refused = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "moderate",
        sub(
            "feature",
            json!([{ "name": "answer", "type": 4, "value": 1 }]),
        ),
    )
    .await;
    assert!(
        text(&refused["data"]).contains("is for moderators"),
        "{refused}"
    );

    // Without Pin Messages the answer is quoted, and the log channel is
    // told once.
    let logged = double.channel_messages(LOG_CHANNEL_ID).len();
    let featured = moderate(
        "moderate",
        sub(
            "feature",
            json!([{ "name": "answer", "type": 4, "value": 1 }]),
        ),
    )
    .await;
    assert!(
        text(&featured["data"]).contains("Featured answer #1"),
        "{featured}"
    );
    let (_, messages) = thread_with(&double, CHANNEL_ID, 4).await;
    assert!(
        text(&messages[3].body).contains("Featured answer")
            && text(&messages[3].body).contains("For a decade."),
        "{:?}",
        messages[3].body
    );
    assert!(double.pins(thread).is_empty());
    double
        .wait_for(LIMIT, "the log channel told", |d| {
            (d.channel_messages(LOG_CHANNEL_ID).len() > logged).then_some(())
        })
        .await
        .unwrap();
    assert!(
        text(&double.channel_messages(LOG_CHANNEL_ID).last().unwrap().body)
            .contains("Pin Messages")
    );

    // With it, the answer's own message is pinned; unfeaturing takes the
    // quote (or the pin) down again.
    let allow_pins = json!([{ "id": discord_double::BOT_USER_ID.to_string(), "type": 1, "allow": discord_double::PIN_MESSAGES.to_string(), "deny": "0" }]);
    double
        .set_channel_overwrites(CHANNEL_ID, allow_pins)
        .unwrap();
    moderate(
        "moderate",
        sub(
            "unfeature",
            json!([{ "name": "answer", "type": 4, "value": 1 }]),
        ),
    )
    .await;
    thread_with(&double, CHANNEL_ID, 3).await;
    moderate(
        "moderate",
        sub(
            "feature",
            json!([{ "name": "answer", "type": 4, "value": 2 }]),
        ),
    )
    .await;
    let second = double.channel_messages(thread)[2].id;
    double
        .wait_for(LIMIT, "the pin", |d| {
            (d.pins(thread) == vec![second]).then_some(())
        })
        .await
        .unwrap();
    assert_eq!(
        double.channel_messages(LOG_CHANNEL_ID).len(),
        logged + 1,
        "told once"
    );

    // /discussion lists it first, marked; the export says so.
    let briefing_id = "numbered-5";
    let shown = run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &Invoker::member(),
        "discussion",
        json!([opt("briefing", briefing_id)]),
    )
    .await;
    let fields = shown["data"]["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        fields[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("⭐ Featured · #2"),
        "{fields:?}"
    );
    assert!(
        !fields[1]["name"].as_str().unwrap().contains("Featured"),
        "{fields:?}"
    );

    // Removing a featured answer unpins it, and it cannot be featured again.
    let removed = moderate(
        "moderate",
        sub(
            "remove",
            json!([{ "name": "answer", "type": 4, "value": 2 }, opt("reason", "spoiler")]),
        ),
    )
    .await;
    assert!(
        text(&removed["data"]).contains("Removed answer #2"),
        "{removed}"
    );
    double
        .wait_for(LIMIT, "the unpin", |d| {
            d.pins(thread).is_empty().then_some(())
        })
        .await
        .unwrap();
    let again = moderate(
        "moderate",
        sub(
            "feature",
            json!([{ "name": "answer", "type": 4, "value": 2 }]),
        ),
    )
    .await;
    assert!(
        text(&again["data"]).contains("cannot be featured"),
        "{again}"
    );
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}

/// Lost answers and server errors on every channel call while moderators
/// add questions: each question arrives once, and the outbox ends with
/// every delivery sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_questions_arrive_once_through_lost_answers_and_server_errors() {
    let double = double().await;
    let mut options = Options::prompt();
    if let Some(posting) = options.posting.as_mut() {
        posting.retry_base = std::time::Duration::from_millis(50);
    }
    let (bot, _dir, path) = bot_on_samples(&double, options).await;
    let moderator = Invoker::moderator();
    run(
        &double,
        GUILD_ID,
        CHANNEL_ID,
        &moderator,
        "subscribe",
        sub(
            "add",
            json!([{ "name": "channel", "type": 7, "value": CHANNEL_ID.to_string() }]),
        ),
    )
    .await;
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&support::numbered(5))
        .unwrap();
    double
        .wait_for(LIMIT, "the post", |d| {
            (!d.channel_messages(CHANNEL_ID).is_empty()).then_some(())
        })
        .await
        .unwrap();
    double.inject_randomly("channels/", discord_double::Fault::ServerError(502), 0.15);
    double.inject_randomly("channels/", discord_double::Fault::LostResponse(503), 0.15);
    let briefing = id.to_string();
    for n in 1..=4 {
        let added = run(
            &double,
            GUILD_ID,
            CHANNEL_ID,
            &moderator,
            "questions",
            sub(
                "add",
                json!([
                    opt("briefing", &briefing),
                    opt("text", &format!("Question number {n}?"))
                ]),
            ),
        )
        .await;
        assert!(text(&added["data"]).contains("Added question"), "{added}");
    }
    let (thread, _) = thread_with(&double, CHANNEL_ID, 4).await;
    // A retry after a lost answer finds the message it made: wait, within
    // the bound, until the outbox has nothing left to do.
    let reader = Store::open(&path).unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let counts = reader.delivery_counts().unwrap();
        if counts.iter().all(|(state, _)| state == "sent") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox never settled: {counts:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    double.clear_faults();
    bot.stop().await;
    let shown: Vec<String> = double
        .channel_messages(thread)
        .iter()
        .map(|m| text(&m.body))
        .collect();
    assert_eq!(shown.len(), 4, "each question once: {shown:?}");
    for n in 1..=4 {
        assert_eq!(
            shown
                .iter()
                .filter(|t| t.contains(&format!("Question number {n}?")))
                .count(),
            1,
            "{shown:?}"
        );
    }
}

/// `briefbot questions add` run beside the bot, on its database: the
/// running bot opens the thread and posts the question there, in that
/// server only, as if a moderator had used /questions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_added_from_the_command_line_reaches_the_running_bots_thread() {
    let double = double().await;
    double.add_second_guild();
    let (_bot, _dir, path) = bot_on_samples(&double, Options::default()).await;
    for (guild, channel, moderator) in [
        (GUILD_ID, CHANNEL_ID, Invoker::moderator()),
        (
            SECOND_GUILD_ID,
            SECOND_CHANNEL_ID,
            Invoker::second_moderator(),
        ),
    ] {
        let channel_option =
            json!([{ "name": "channel", "type": 7, "value": channel.to_string() }]);
        let done = run(
            &double,
            guild,
            channel,
            &moderator,
            "subscribe",
            sub("add", channel_option),
        )
        .await;
        assert!(text(&done["data"]).contains("will get"), "{done}");
    }
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&support::numbered(5))
        .unwrap();
    for channel in [CHANNEL_ID, SECOND_CHANNEL_ID] {
        double
            .wait_for(LIMIT, "the post", |d| {
                (!d.channel_messages(channel).is_empty()).then_some(())
            })
            .await
            .unwrap();
    }

    let db = path.clone();
    let ran = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_briefbot"))
            .arg("--db")
            .arg(&db)
            .args(["questions", "add", "--server", &GUILD_ID.to_string()])
            .args([
                "--briefing",
                &id.to_string(),
                "--text",
                "Asked from the shell?",
            ])
            .env_remove("BRIEFBOT_CONFIG")
            .env("BRIEFBOT_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(said.contains("Added question q"), "{said}");

    let (_, messages) = thread_with(&double, CHANNEL_ID, 1).await;
    assert!(
        text(&messages[0].body).contains("Asked from the shell?"),
        "{:?}",
        messages[0].body
    );
    assert!(button_of(&messages[0]).is_some(), "an Answer button");
    assert!(
        double
            .threads()
            .iter()
            .all(|t| t.parent_id != SECOND_CHANNEL_ID),
        "the other server's post has no thread: its moderators asked nothing"
    );
}

/// Discord never turns a card back into text: a question's message keeps
/// the form it was posted in when the server changes its layout, and the
/// next question takes the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_keeps_the_form_it_was_posted_in_when_the_layout_changes() {
    let double = double().await;
    let (bot, _dir, path) = bot_on_samples(&double, Options::default()).await;
    let moderator = Invoker::moderator();
    let ask = |name: &'static str, options: Value| {
        let (double, moderator) = (&double, &moderator);
        async move { run(double, GUILD_ID, CHANNEL_ID, moderator, name, options).await }
    };
    let channel = json!([{ "name": "channel", "type": 7, "value": CHANNEL_ID.to_string() }]);
    ask("subscribe", sub("add", channel)).await;
    let (_, id) = Store::open(&path)
        .unwrap()
        .save_briefing(&support::numbered(5))
        .unwrap();
    let briefing = id.to_string();
    double
        .wait_for(LIMIT, "the post", |d| {
            (!d.channel_messages(CHANNEL_ID).is_empty()).then_some(())
        })
        .await
        .unwrap();
    let is_card = |m: &ChannelMessage| m.body["flags"].as_u64().unwrap_or(0) & (1 << 15) != 0;

    let first = json!([opt("briefing", &briefing), opt("text", "Who gains?")]);
    ask("questions", sub("add", first)).await;
    let (thread, messages) = thread_with(&double, CHANNEL_ID, 1).await;
    assert!(is_card(&messages[0]), "the server's layout is cards");

    let classic = json!([{ "name": "style", "type": 4, "value": 1 }]);
    let set = ask("settings", sub("layout", classic)).await;
    assert!(text(&set["data"]).contains("classic"), "{set}");
    let edit = json!([
        opt("briefing", &briefing),
        opt("question", "1"),
        opt("text", "Who gains, and who pays?")
    ]);
    ask("questions", sub("edit", edit)).await;
    let edited = double
        .wait_for(LIMIT, "the edited question", |d| {
            let message = d.channel_messages(thread).into_iter().next()?;
            text(&message.body).contains("who pays?").then_some(message)
        })
        .await
        .unwrap();
    assert!(is_card(&edited), "still a card: {:?}", edited.body);
    assert!(button_of(&edited).is_some());

    let second = json!([opt("briefing", &briefing), opt("text", "What next?")]);
    ask("questions", sub("add", second)).await;
    let (_, messages) = thread_with(&double, CHANNEL_ID, 2).await;
    assert!(
        !is_card(&messages[1]),
        "a new question takes the new layout"
    );
    assert!(messages[1].body["content"]
        .as_str()
        .unwrap()
        .contains("What next?"));
    assert!(button_of(&messages[1]).is_some());
    let refused_edits = double.with_requests(|log| {
        log.iter()
            .filter(|r| r.method == "PATCH" && r.status >= 400)
            .count()
    });
    assert_eq!(refused_edits, 0);
    assert_eq!(double.problems(), Vec::<String>::new());
    bot.stop().await;
}
