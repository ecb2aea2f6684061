//! Role pings: a subscription (or schedule) may ping one role with each
//! post. Through the real client and the Discord double: the chosen role
//! is pinged by the post's first message and nothing else the bot sends can
//! ping a role.

mod support;

use briefbot::domain::{BodyBlock, Briefing, Source};
use briefbot::handlers::{Caller, ChannelRef, Handlers, RoleRef};
use briefbot::samples::load_samples;
use briefbot::store::{Db, Store};
use discord_double::{
    resolved_channels, resolved_readers_role, Invoker, CHANNEL_ID, GUILD_ID, READERS_ROLE_ID,
};
use serde_json::json;
use support::bot::{double, Options, LIMIT};

fn library() -> Db {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    Db::new(store)
}

fn new_briefing() -> Briefing {
    Briefing {
        slug: "tidal-pilots".into(),
        title: "Tidal Pilots Reach the Grid".into(),
        published: None,
        source: Source::default(),
        categories: vec!["Energy".into()],
        highlights: vec!["Two tidal arrays export for the first time.".into()],
        // Text that tries to ping everyone and a role on its own.
        body: vec![BodyBlock::paragraph(format!(
            "Operators cheered @everyone and <@&{READERS_ROLE_ID}> alike."
        ))],
        implications: None,
        key_questions: vec!["Will tidal power scale?".into()],
        closing: None,
        author: None,
        image: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_pings_its_role_and_nothing_else_pings() {
    let double = double().await;
    let db = library();
    let bot = support::bot::Bot::start(&double, db.clone(), Options::prompt()).await;
    let mut resolved = resolved_channels(&[CHANNEL_ID]);
    resolved["roles"] = resolved_readers_role()["roles"].clone();
    let subscribe = double
        .send_command_as(
            &Invoker::moderator(),
            "subscribe",
            json!([{ "name": "add", "type": 1, "options": [
                { "name": "channel", "type": 7, "value": CHANNEL_ID.to_string() },
                { "name": "role", "type": 8, "value": READERS_ROLE_ID.to_string() }
            ]}]),
            resolved,
        )
        .unwrap();
    let shown = double
        .wait_for(LIMIT, "the reply", |d| {
            d.shown_replies(&subscribe).into_iter().next()
        })
        .await
        .unwrap();
    let text = shown.body["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains(&format!("pinging <@&{READERS_ROLE_ID}>")),
        "{text}"
    );
    // The reply names the role without pinging it.
    assert!(discord_double::pinged_roles(&shown.body, u64::MAX).is_empty());

    db.call(|s| s.save_briefing(&new_briefing()).map(|_| ()))
        .await
        .unwrap();
    let posted = double
        .wait_for(LIMIT, "the post and its discussion", |d| {
            // The question's own message, in the discussion thread.
            let questions = d
                .messages()
                .into_iter()
                .filter(|m| m.channel_id != CHANNEL_ID)
                .filter(|m| m.body.to_string().contains("Will tidal power scale?"))
                .count();
            (questions > 0).then(|| d.channel_messages(CHANNEL_ID))
        })
        .await
        .unwrap();
    let first = &posted[0];
    // The ping leads the post: a Text Display above the card.
    assert_eq!(first.body["components"][0]["type"], 10, "{}", first.body);
    assert_eq!(
        first.body["components"][0]["content"],
        format!("<@&{READERS_ROLE_ID}>")
    );
    assert_eq!(first.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        first.body["allowed_mentions"]["roles"],
        json!([READERS_ROLE_ID.to_string()])
    );
    assert_eq!(double.pinged_roles(first), vec![READERS_ROLE_ID]);
    // Every other message the bot sent (the rest of the post, the thread's
    // questions, any reply) pings no role, whatever its text says.
    let others: Vec<_> = double
        .messages()
        .into_iter()
        .filter(|m| m.id != first.id)
        .collect();
    assert!(!others.is_empty());
    for message in &others {
        assert!(
            double.pinged_roles(message).is_empty(),
            "{:?}",
            message.body
        );
    }
    bot.stop().await;
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}

fn moderator() -> Caller {
    Caller {
        user_id: 7,
        guild_id: Some(GUILD_ID),
        manages_server: true,
        manages_messages: true,
        roles: Vec::new(),
    }
}

fn channel() -> ChannelRef {
    ChannelRef {
        id: CHANNEL_ID,
        name: "briefings".into(),
        problem: None,
        threads_problem: None,
        webhooks_problem: None,
        announcement: false,
        forum: false,
    }
}

/// A role the bot cannot ping is refused with the reason, and nothing is
/// saved; a pingable one is kept by a schedule and shown in its list.
#[tokio::test]
async fn a_role_the_bot_cannot_ping_is_refused() {
    let handlers = Handlers::new(library());
    let locked = RoleRef {
        id: 42,
        name: "Quiet".into(),
        ping_problem: Some("the role is not mentionable and the bot lacks Mention Everyone".into()),
    };
    let refused = handlers
        .subscribe_add(
            &moderator(),
            briefbot::handlers::SubscriptionRequest {
                role: Some(locked.clone()),
                ..briefbot::handlers::SubscriptionRequest::to(channel())
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("I can't ping <@&42>") && refused.contains("Mention Everyone"),
        "{refused}"
    );
    let listed = handlers.subscribe_list(&moderator()).await.unwrap();
    assert!(format!("{listed:?}").contains("No channel is subscribed"));

    let request = |role: RoleRef| briefbot::handlers::ScheduleRequest {
        channel: Some(channel()),
        when: Some("09:00".into()),
        repeat: Some("daily".into()),
        role: Some(role),
        ..Default::default()
    };
    let refused = handlers
        .schedule_add(&moderator(), request(locked))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("I can't ping"), "{refused}");
    let readers = RoleRef {
        id: READERS_ROLE_ID,
        name: "Briefing readers".into(),
        ping_problem: None,
    };
    handlers
        .schedule_add(&moderator(), request(readers))
        .await
        .unwrap();
    let list = format!("{:?}", handlers.schedule_list(&moderator()).await.unwrap());
    assert!(
        list.contains(&format!("pinging <@&{READERS_ROLE_ID}>")),
        "{list}"
    );
}
