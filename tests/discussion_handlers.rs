//! The discussion handlers: answering with checks, editing and deleting one's
//! own answers, moderator removal, reading with pages, export, forget-me.

mod support;

use support::replies::{refusal, said};

use briefbot::clock::ManualClock;
use briefbot::handlers::{AnswerLimit, Caller, Handlers};
use briefbot::store::{Db, NewDelivery, Origin, Payload, Store};

fn setup() -> (Handlers, i64) {
    let (handlers, id, _) = setup_with_db();
    (handlers, id)
}

fn setup_with_db() -> (Handlers, i64, Db) {
    let mut store = Store::open_in_memory().unwrap();
    let mut briefing = support::numbered(3);
    briefing.key_questions = vec!["Will it last?".into(), "Who pays?".into()];
    let (_, id) = store.save_briefing(&briefing).unwrap();
    let clock = ManualClock::new(chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap());
    let db = Db::new(store);
    (Handlers::with_clock(db.clone(), clock), id, db)
}

fn member(user_id: u64) -> Caller {
    Caller {
        user_id,
        guild_id: Some(5),
        manages_server: false,
        manages_messages: false,
        roles: Vec::new(),
    }
}

#[tokio::test]
async fn answers_are_checked_saved_and_listed_newest_first_with_pages() {
    let (h, id) = setup();
    let limit = AnswerLimit {
        answers: 100,
        window_ms: 60_000,
    };
    let b = id.to_string();
    let answer = |user: u64, q: &str, text: &str| {
        let (h, b, q, text) = (h.clone(), b.clone(), q.to_string(), text.to_string());
        async move {
            h.answer(&member(user), format!("user{user}"), b, q, text, limit)
                .await
        }
    };
    assert!(refusal(answer(1, "1", "   ").await).contains("needs some text"));
    assert!(refusal(answer(1, "1", &"x".repeat(4_001)).await).contains("yours has 4001"));
    assert!(refusal(answer(1, "3", "hi").await).contains("has no question '3'"));
    let saved = answer(1, "1", "**Bold** claim @everyone").await.unwrap();
    assert!(saved.ephemeral && said(&saved).contains("Saved your answer #1 to “Will it last?”"));
    for n in 0..6 {
        answer(2, "2", &format!("Answer {n}")).await.unwrap();
    }
    let page = h.discussion(&member(9), b.clone(), None, 1).await.unwrap();
    let text = said(&page);
    assert!(
        text.contains("1. Will it last? · 1 answer") && text.contains("2. Who pays? · 6 answers"),
        "{text}"
    );
    assert!(
        text.contains("#7 · user2 | Answer 5"),
        "newest first: {text}"
    );
    assert!(text.contains("Page 1 of 2 · 7 answers from "), "{text}");
    let older = page.messages[0].buttons[1].custom_id.clone();
    let second = h.button(&member(9), &older).await.unwrap().unwrap();
    let text = said(&second);
    assert!(
        text.contains("\\*\\*Bold\\*\\* claim \\@everyone"),
        "Markdown shown as written: {text}"
    );
    let only_first = h
        .discussion(&member(9), b.clone(), Some("1".into()), 1)
        .await
        .unwrap();
    assert!(!said(&only_first).contains("Who pays?"));
    let choices = h
        .autocomplete_question(&member(9), b.clone(), "pays".into())
        .await
        .unwrap();
    assert_eq!(choices.len(), 1);
    assert!(choices[0].value.starts_with('q'));
    let by_choice = answer(3, &choices[0].value, "Via autocomplete")
        .await
        .unwrap();
    assert!(said(&by_choice).contains("“Who pays?”"));
}

#[tokio::test]
async fn a_member_floods_no_further_than_the_limit() {
    let (h, id) = setup();
    let limit = AnswerLimit {
        answers: 2,
        window_ms: 60_000,
    };
    for _ in 0..2 {
        h.answer(
            &member(1),
            "one".into(),
            id.to_string(),
            "1".into(),
            "ok".into(),
            limit,
        )
        .await
        .unwrap();
    }
    let refused = refusal(
        h.answer(
            &member(1),
            "one".into(),
            id.to_string(),
            "1".into(),
            "more".into(),
            limit,
        )
        .await,
    );
    assert!(refused.contains("please wait"), "{refused}");
    // Someone else is not held back.
    h.answer(
        &member(2),
        "two".into(),
        id.to_string(),
        "1".into(),
        "ok".into(),
        limit,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn own_answers_are_edited_and_deleted_others_only_removed_by_moderators_and_exported() {
    let (h, id) = setup();
    let limit = AnswerLimit::default();
    h.answer(
        &member(1),
        "Ann, \"A\"".into(),
        id.to_string(),
        "1".into(),
        "First".into(),
        limit,
    )
    .await
    .unwrap();
    h.answer(
        &member(2),
        "Bo".into(),
        id.to_string(),
        "2".into(),
        "Spam".into(),
        limit,
    )
    .await
    .unwrap();
    assert!(refusal(h.answer_edit(&member(2), 1, "Hijack".into()).await)
        .contains("You have no answer #1"));
    h.answer_edit(&member(1), 1, "Second, with \"quotes\"".into())
        .await
        .unwrap();
    assert!(refusal(h.answer_remove(&member(1), 2, "spam".into()).await).contains("for moderators"));
    // /moderate is for Manage Messages, as Discord registers it; Manage
    // Server alone does not show it, and does not pass.
    let server_manager = Caller {
        manages_server: true,
        ..member(9)
    };
    assert!(
        refusal(h.answer_remove(&server_manager, 2, "spam".into()).await)
            .contains("members with the Manage Messages permission")
    );
    let moderator = Caller {
        manages_messages: true,
        ..member(9)
    };
    assert!(refusal(h.answer_remove(&moderator, 2, " ".into()).await).contains("Give a reason"));
    h.answer_remove(&moderator, 2, "spam".into()).await.unwrap();
    assert!(refusal(h.answer_delete(&member(2), 2).await).contains("removed by a moderator"));

    let export = h
        .export_discussion(&moderator, Some(id.to_string()), None, None)
        .await
        .unwrap();
    assert_eq!(export.rows, 2);
    let lines: Vec<&str> = export.csv.split("\r\n").collect();
    assert!(lines[0].starts_with("answer_id,briefing_id,briefing_title,question_id,question"));
    assert!(
        lines[1].contains(",\"Ann, \"\"A\"\"\",\"Second, with \"\"quotes\"\"\","),
        "{}",
        lines[1]
    );
    assert!(
        lines[0].ends_with(",earlier_versions,server_id,featured")
            && lines[1].ends_with(",1,5,\"false\""),
        "one earlier version, in server 5: {}",
        lines[1]
    );
    assert!(lines[2].contains("\"spam\""), "{}", lines[2]);
    let json: serde_json::Value = serde_json::from_str(&export.json).unwrap();
    assert_eq!(json[1]["removal_reason"], "spam");
    assert_eq!(json[0]["text"], "Second, with \"quotes\"");
    assert!(
        refusal(h.export_discussion(&member(1), None, None, None).await).contains("for moderators")
    );

    // Forget-me asks first, and can be declined; only its owner can answer.
    let asked = h.forget_me(&member(1));
    let confirm = asked.messages[0].buttons[0].custom_id.clone();
    let keep = &asked.messages[0].buttons[1];
    assert_eq!(keep.label, "Keep my answers");
    assert!(refusal(h.button(&member(2), &keep.custom_id).await.unwrap()).contains("someone else"));
    let kept = h
        .button(&member(1), &keep.custom_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        said(&kept).contains("nothing was deleted"),
        "{}",
        said(&kept)
    );
    let before = h
        .export_discussion(&moderator, Some(id.to_string()), None, None)
        .await
        .unwrap();
    assert_eq!(before.rows, 2, "declining kept both answers");
    assert!(refusal(h.button(&member(2), &confirm).await.unwrap()).contains("someone else"));
    let done = h.button(&member(1), &confirm).await.unwrap().unwrap();
    assert!(
        said(&done).contains("your answer and everything stored with it are deleted"),
        "{}",
        said(&done)
    );
    let export = h
        .export_discussion(&moderator, Some(id.to_string()), None, None)
        .await
        .unwrap();
    assert_eq!(export.rows, 1);
    assert!(!export.csv.contains("Ann"), "{}", export.csv);
    h.answer_delete(&member(2), 2).await.unwrap_err();
}

#[tokio::test]
async fn a_server_can_restrict_answers_to_briefings_posted_there() {
    let (h, id, db) = setup_with_db();
    let limit = AnswerLimit::default();
    let moderator = Caller {
        manages_server: true,
        ..member(9)
    };
    h.set_answers_where_posted(&moderator, true).await.unwrap();
    let refused = refusal(
        h.answer(
            &member(1),
            "one".into(),
            id.to_string(),
            "1".into(),
            "Hi".into(),
            limit,
        )
        .await,
    );
    assert!(
        refused.contains("only the briefings posted here"),
        "{refused}"
    );
    // Another server without the restriction is not affected.
    let elsewhere = Caller {
        guild_id: Some(6),
        ..member(1)
    };
    h.answer(
        &elsewhere,
        "one".into(),
        id.to_string(),
        "1".into(),
        "Hi".into(),
        limit,
    )
    .await
    .unwrap();
    // Once posted here, members may answer.
    db.call(move |s| {
        let delivery = NewDelivery::pending(5, 42, Origin::RunNow, Payload::Briefing(id), 0);
        let row = s.insert_delivery(&delivery, 0)?.unwrap();
        s.mark_sent(row, 0)
    })
    .await
    .unwrap();
    h.answer(
        &member(1),
        "one".into(),
        id.to_string(),
        "1".into(),
        "Now".into(),
        limit,
    )
    .await
    .unwrap();
}
