//! Forum channels: each briefing becomes its own forum post, named after
//! it, tagged with the forum's tags that match its categories, with its key
//! questions inside (the post is its discussion). The bot never sends a
//! plain message to a forum, which Discord refuses.

mod support;

use briefbot::domain::{BodyBlock, Briefing, Source};
use briefbot::samples::load_samples;
use briefbot::store::{Db, DeliveryState, LogFilter, Payload, Store};
use discord_double::{
    resolved_channels, Double, Fault, Invoker, ShownReply, ENERGY_TAG_ID, FORUM_CHANNEL_ID,
    GUILD_ID,
};
use serde_json::json;
use support::bot::{double, Options, LIMIT};

fn briefing(slug: &str, title: &str, categories: &[&str]) -> Briefing {
    Briefing {
        slug: slug.into(),
        title: title.into(),
        published: None,
        source: Source::default(),
        categories: categories.iter().map(|c| c.to_string()).collect(),
        highlights: vec!["One line.".into()],
        body: vec![BodyBlock::paragraph("A body paragraph.")],
        implications: None,
        key_questions: vec![
            "Who pays for the cables?".into(),
            "Who owns the data?".into(),
        ],
        closing: None,
        author: None,
        image: None,
    }
}

/// A moderator's `/{command} {subcommand} channel:` naming the forum, and the
/// reply it gets.
async fn moderator_names_the_forum(double: &Double, command: &str, subcommand: &str) -> ShownReply {
    let invocation = double
        .send_command_as(
            &Invoker::moderator(),
            command,
            json!([{ "name": subcommand, "type": 1, "options": [
                { "name": "channel", "type": 7, "value": FORUM_CHANNEL_ID.to_string() }
            ]}]),
            resolved_channels(&[FORUM_CHANNEL_ID]),
        )
        .unwrap();
    double
        .wait_for(LIMIT, "the reply", |d| {
            d.shown_replies(&invocation).into_iter().next()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_briefing_is_a_tagged_forum_post_with_its_questions_inside() {
    let double = double().await;
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    let db = Db::new(store);
    let bot = support::bot::Bot::start(&double, db.clone(), Options::prompt()).await;
    let shown = moderator_names_the_forum(&double, "subscribe", "add").await;
    assert!(
        shown.body["content"]
            .as_str()
            .unwrap_or_default()
            .contains("will get every new briefing"),
        "{:?}",
        shown.body
    );

    let title = "Subsea Cables: Who Pays When the Wind Farm Grid Goes Offshore";
    db.call(move |s| {
        s.save_briefing(&briefing("subsea-cables", title, &["energy", "Europe"]))
            .map(|_| ())
    })
    .await
    .unwrap();
    let post = double
        .wait_for(LIMIT, "the forum post with its questions", |d| {
            let post = d
                .threads()
                .into_iter()
                .find(|t| t.parent_id == FORUM_CHANNEL_ID)?;
            (d.channel_messages(post.id).len() >= 3).then_some(post)
        })
        .await
        .unwrap();
    assert_eq!(post.name, title);
    assert_eq!(
        post.applied_tags,
        vec![ENERGY_TAG_ID],
        "the tag named like a category"
    );
    let inside = double.channel_messages(post.id);
    assert!(
        inside[0].body.to_string().contains("Subsea Cables"),
        "the starter is the briefing"
    );
    assert!(inside[1]
        .body
        .to_string()
        .contains("Who pays for the cables?"));

    // Its discussion is the post: the Answer button there takes an answer
    // that shows there.
    let button = support::interactions::first_button_id(&inside[1].body).unwrap();
    let press = double.press_button(&button).unwrap();
    let form = double.callback(&press, LIMIT).await.unwrap();
    assert_eq!(form.body["type"], 9, "{:?}", form.body);
    let form_id = form.body["data"]["custom_id"].as_str().unwrap().to_string();
    let submit = double
        .submit_modal_in(post.id, &form_id, &[("text", "The operators, then us.")])
        .unwrap();
    double.callback(&submit, LIMIT).await.unwrap();
    double
        .wait_for(LIMIT, "the answer inside the post", |d| {
            d.channel_messages(post.id)
                .iter()
                .any(|m| m.body.to_string().contains("The operators, then us."))
                .then_some(())
        })
        .await
        .unwrap();

    // The forum requires a tag: a briefing with no matching category gets
    // the forum's first tag rather than being refused.
    db.call(|s| {
        s.save_briefing(&briefing(
            "river-ports",
            "River Ports Plan for Low Water",
            &["Logistics"],
        ))
        .map(|_| ())
    })
    .await
    .unwrap();
    let second = double
        .wait_for(LIMIT, "the second post", |d| {
            d.threads()
                .into_iter()
                .find(|t| t.parent_id == FORUM_CHANNEL_ID && t.name.starts_with("River Ports"))
        })
        .await
        .unwrap();
    assert_eq!(second.applied_tags, vec![ENERGY_TAG_ID]);

    // A test of the subscription is a forum post of its own, named apart
    // from the real one and without questions (it is not the discussion).
    let queued = moderator_names_the_forum(&double, "subscribe", "test").await;
    assert!(queued.private, "{:?}", queued.body);
    let test = double
        .wait_for(LIMIT, "the test post", |d| {
            d.threads()
                .into_iter()
                .find(|t| t.parent_id == FORUM_CHANNEL_ID && t.name.starts_with("Test: "))
        })
        .await
        .unwrap();
    assert_eq!(test.name, "Test: River Ports Plan for Low Water");
    // Once its delivery is done, nothing more comes into it.
    tokio::time::timeout(LIMIT, async {
        loop {
            let done = db
                .call(|s| {
                    Ok(s.delivery_log(GUILD_ID, LogFilter::default(), 5)?
                        .iter()
                        .any(|d| {
                            matches!(d.payload, Payload::TestPost(_))
                                && d.state == DeliveryState::Sent
                        }))
                })
                .await
                .unwrap();
            if done {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the test's delivery is sent");
    let inside = double.channel_messages(test.id);
    assert_eq!(inside.len(), 1, "the briefing alone: {inside:?}");
    assert!(inside[0]
        .body
        .to_string()
        .contains("Test post of this channel"));

    // Nor is a forum taken as the log channel, where plain reports go.
    let refused = moderator_names_the_forum(&double, "settings", "log-channel").await;
    assert!(
        refused.private
            && refused.body["content"]
                .as_str()
                .unwrap_or_default()
                .contains("is a forum"),
        "{:?}",
        refused.body
    );

    bot.stop().await;
    let plain_posts = double.with_requests(|log| {
        log.iter()
            .filter(|r| {
                r.method == "POST" && r.path == format!("channels/{FORUM_CHANNEL_ID}/messages")
            })
            .count()
    });
    assert_eq!(plain_posts, 0, "no plain message to the forum");
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}

/// A forum post takes no nonce. When Discord makes the post but its answer
/// is lost, the retry finds the post (started by the bot, named after the
/// briefing, made after the delivery was queued) instead of making a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_post_whose_answer_was_lost_is_found_not_made_again() {
    let double = double().await;
    let db = Db::new(Store::open_in_memory().unwrap());
    let mut options = Options::prompt();
    if let Some(posting) = options.posting.as_mut() {
        posting.retry_base = std::time::Duration::from_millis(50);
    }
    let bot = support::bot::Bot::start(&double, db.clone(), options).await;
    moderator_names_the_forum(&double, "subscribe", "add").await;

    let create = format!("channels/{FORUM_CHANNEL_ID}/threads");
    double.inject(&create, Fault::LostResponse(502), 1);
    let title = "Grid Fees Rise as Storage Spreads";
    db.call(move |s| {
        s.save_briefing(&briefing("grid-fees", title, &["Energy"]))
            .map(|_| ())
    })
    .await
    .unwrap();
    let post = double
        .wait_for(LIMIT, "the questions inside a forum post", |d| {
            d.threads()
                .into_iter()
                .find(|t| t.parent_id == FORUM_CHANNEL_ID && d.channel_messages(t.id).len() >= 3)
        })
        .await
        .unwrap();
    let db = bot.stop().await;

    let posts: Vec<_> = double
        .threads()
        .into_iter()
        .filter(|t| t.parent_id == FORUM_CHANNEL_ID)
        .collect();
    assert_eq!(posts.len(), 1, "one forum post, though its answer was lost");
    assert_eq!(post.name, title);
    let (creates, lookups) = double.with_requests(|log| {
        let count = |path: &str| log.iter().filter(|r| r.path == path).count();
        (
            count(&create),
            count(&format!("guilds/{GUILD_ID}/threads/active")),
        )
    });
    assert_eq!(creates, 1, "the retry did not create again");
    assert!(lookups >= 1, "the retry looked for the post");
    let counts = db.call(|s| s.delivery_counts()).await.unwrap();
    assert_eq!(counts, vec![("sent".to_string(), 1)]);
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}
