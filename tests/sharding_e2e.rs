//! Sharding: the bot starts the shards Discord's `/gateway/bot` recommends,
//! and a server's events arrive on its own shard, `(guild_id >> 22) %
//! shards`. With two shards and a server on each: commands, posts and the
//! discussion work on both.

mod support;

use briefbot::domain::{BodyBlock, Briefing, Source};
use briefbot::samples::load_samples;
use briefbot::store::{Db, Store, Wants};
use discord_double::{Invoker, CHANNEL_ID, GUILD_ID, SECOND_CHANNEL_ID, SECOND_GUILD_ID};
use serde_json::json;
use support::bot::{double, Options, LIMIT};

fn briefing() -> Briefing {
    Briefing {
        slug: "two-shards".into(),
        title: "Two Shards, One Briefing".into(),
        published: None,
        source: Source::default(),
        categories: vec!["Energy".into()],
        highlights: vec!["Both servers get it.".into()],
        body: vec![BodyBlock::paragraph("Posted once per subscribed channel.")],
        implications: None,
        key_questions: vec!["Does it reach both shards?".into()],
        closing: None,
        author: None,
        image: None,
    }
}

fn text_of(body: &serde_json::Value) -> String {
    let data = if body["data"].is_object() {
        &body["data"]
    } else {
        body
    };
    let mut text = data["content"].as_str().unwrap_or_default().to_string();
    for embed in data["embeds"].as_array().into_iter().flatten() {
        text.push_str(embed["title"].as_str().unwrap_or_default());
        text.push_str(embed["description"].as_str().unwrap_or_default());
    }
    text + &discord_double::shown_text(data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_serve_a_server_each() {
    assert_ne!(
        (GUILD_ID >> 22) % 2,
        (SECOND_GUILD_ID >> 22) % 2,
        "one server per shard"
    );
    let double = double().await;
    double.set_shards(2);
    double.add_second_guild();
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    for (guild, channel) in [(GUILD_ID, CHANNEL_ID), (SECOND_GUILD_ID, SECOND_CHANNEL_ID)] {
        store
            .subscribe(guild, channel, &Wants::default(), 1, 0)
            .unwrap();
    }
    let db = Db::new(store);
    let bot = support::bot::Bot::start(&double, db.clone(), Options::prompt()).await;
    // serenity starts shards a few seconds apart, as Discord asks.
    double
        .wait_for(LIMIT, "both shards", |d| {
            (d.identified_shards() == vec![0, 1]).then_some(())
        })
        .await
        .unwrap();

    // A command in each server, each arriving on that server's shard.
    let latest = json!([{ "name": "latest", "type": 1, "options": [] }]);
    let first = double.send_command("briefing", latest.clone()).unwrap();
    let second = double
        .send_command_in(
            SECOND_GUILD_ID,
            SECOND_CHANNEL_ID,
            &Invoker::moderator(),
            "briefing",
            latest,
            json!({}),
        )
        .unwrap();
    for invocation in [&first, &second] {
        let answer = double.callback(invocation, LIMIT).await.unwrap();
        assert!(
            text_of(&answer.body).contains("Open Access Fibre"),
            "{:?}",
            answer.body
        );
    }

    // A new briefing is posted in both servers, each with its discussion.
    db.call(|s| s.save_briefing(&briefing()).map(|_| ()))
        .await
        .unwrap();
    let threads = double
        .wait_for(LIMIT, "both posts and their discussions", |d| {
            let threads = d.threads();
            let in_both = [CHANNEL_ID, SECOND_CHANNEL_ID]
                .iter()
                .all(|c| threads.iter().any(|t| t.parent_id == *c));
            let questions = d
                .messages()
                .iter()
                .filter(|m| threads.iter().any(|t| t.id == m.channel_id))
                .count();
            (in_both && questions >= 2).then_some(threads)
        })
        .await
        .unwrap();

    // In the second server, a member presses the question's Answer button
    // in the discussion thread and sends the form: the answer shows there.
    let second_thread = threads
        .iter()
        .find(|t| t.parent_id == SECOND_CHANNEL_ID)
        .unwrap()
        .id;
    let button =
        support::interactions::first_button_id(&double.channel_messages(second_thread)[0].body)
            .unwrap();
    let press = double
        .press_button_in(SECOND_GUILD_ID, second_thread, &button)
        .unwrap();
    let form = double.callback(&press, LIMIT).await.unwrap();
    assert_eq!(form.body["type"], 9, "a form: {:?}", form.body);
    let form_id = form.body["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = double
        .submit_modal_in_guild(
            SECOND_GUILD_ID,
            second_thread,
            &form_id,
            &[("text", "It reaches the second shard too.")],
        )
        .unwrap();
    double.callback(&submit, LIMIT).await.unwrap();
    double
        .wait_for(LIMIT, "the answer in the second server's thread", |d| {
            d.channel_messages(second_thread)
                .iter()
                .any(|m| {
                    m.body
                        .to_string()
                        .contains("It reaches the second shard too.")
                })
                .then_some(())
        })
        .await
        .unwrap();
    bot.stop().await;
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}
