//! Answers in the store: attached to stable question ids across re-imports,
//! edit history, moderator removal, export and forgetting a member.

mod support;

use briefbot::store::{AnswersOf, NewAnswer, Room, Store};

const HERE: Room = Room::Server(9);

fn answer(question_id: i64, user_id: u64, text: &str) -> NewAnswer {
    NewAnswer {
        question_id,
        guild_id: Some(9),
        user_id,
        user_name: format!("user{user_id}"),
        text: text.into(),
    }
}

#[test]
fn answers_stay_with_their_question_across_re_imports_and_a_dropped_question_keeps_its_own() {
    let mut store = Store::open_in_memory().unwrap();
    let mut briefing = support::numbered(1);
    briefing.key_questions = vec!["Will it last?".into(), "Who pays?".into()];
    let (_, id) = store.save_briefing(&briefing).unwrap();
    let questions = store
        .find_briefing(&id.to_string())
        .unwrap()
        .unwrap()
        .questions;
    let (lasting, paying) = (questions[0].id, questions[1].id);
    store
        .add_answer(&answer(lasting, 1, "Probably."), 1_000)
        .unwrap()
        .unwrap();
    store
        .add_answer(&answer(paying, 2, "Taxpayers."), 2_000)
        .unwrap()
        .unwrap();
    assert!(store
        .add_answer(&answer(9_999, 2, "Nowhere"), 2_000)
        .unwrap()
        .is_none());

    // A new version drops "Who pays?" and adds another.
    briefing.key_questions = vec!["Will it last?".into(), "What comes next?".into()];
    store.save_briefing(&briefing).unwrap();
    let counts = store.question_counts(HERE, id).unwrap();
    let shown: Vec<(&str, Option<i64>, u64)> = counts
        .iter()
        .map(|c| (c.text.as_str(), c.position, c.answers))
        .collect();
    assert_eq!(
        shown,
        [
            ("Will it last?", Some(0), 1),
            ("What comes next?", Some(1), 0),
            ("Who pays?", None, 1)
        ]
    );
    assert_eq!(
        counts[0].question_id, lasting,
        "the unchanged question kept its id"
    );
    let export = store
        .export_answers(AnswersOf::Room(HERE), Some(id), None, None)
        .unwrap();
    assert_eq!(export.len(), 2);
    assert!(export[0].question_current);
    assert!(
        !export[1].question_current,
        "marked as from an earlier version"
    );
    assert_eq!(export[1].question, "Who pays?");
}

#[test]
fn edits_keep_history_removal_hides_and_forgetting_deletes() {
    let mut store = Store::open_in_memory().unwrap();
    let mut briefing = support::numbered(2);
    briefing.key_questions = vec!["Why?".into()];
    let (_, id) = store.save_briefing(&briefing).unwrap();
    let question = store
        .find_briefing(&id.to_string())
        .unwrap()
        .unwrap()
        .questions[0]
        .id;
    let first = store
        .add_answer(&answer(question, 1, "First thought"), 1_000)
        .unwrap()
        .unwrap();
    let second = store
        .add_answer(&answer(question, 2, "Spam spam"), 2_000)
        .unwrap()
        .unwrap();
    store
        .add_answer(&answer(question, 1, "Another"), 3_000)
        .unwrap();

    store
        .edit_answer(HERE, first.id, "Second thought", 4_000)
        .unwrap();
    assert_eq!(
        store.answer(first.id).unwrap().unwrap().text,
        "Second thought"
    );
    assert_eq!(
        store.answer_history(first.id).unwrap(),
        vec![("First thought".to_string(), 4_000)]
    );

    assert!(store
        .remove_answer(9, second.id, 77, "spam", 5_000)
        .unwrap());
    assert!(
        !store
            .remove_answer(9, second.id, 77, "again", 5_001)
            .unwrap(),
        "removed once"
    );
    let page = store.answers_page(HERE, id, None, 0, 10).unwrap();
    assert_eq!(page.total, 2, "removed answers are hidden");
    assert_eq!(page.answers[0].text, "Another", "newest first");
    let export = store
        .export_answers(AnswersOf::Room(HERE), Some(id), None, None)
        .unwrap();
    assert_eq!(
        export.len(),
        3,
        "the export keeps removed answers for audit"
    );
    assert_eq!(export[1].removal_reason.as_deref(), Some("spam"));
    assert_eq!(export[0].earlier_versions, 1);
    assert_eq!(
        store
            .export_answers(AnswersOf::EveryRoom, None, Some(2_000), Some(3_000))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.answers_since(1, 2_500).unwrap(), 1);

    assert_eq!(store.forget_user(1).unwrap(), 2);
    let export = store
        .export_answers(AnswersOf::Room(HERE), Some(id), None, None)
        .unwrap();
    assert!(export
        .iter()
        .all(|row| row.user_id != 1 && row.user_name != "user1"));
    assert!(
        store.answer_history(first.id).unwrap().is_empty(),
        "history goes too"
    );
}

/// Two servers and a direct message share one briefing; each sees, counts,
/// exports and changes only its own answers.
#[test]
fn every_query_of_answers_stays_in_its_room() {
    let mut store = Store::open_in_memory().unwrap();
    let mut briefing = support::numbered(4);
    briefing.key_questions = vec!["Why?".into()];
    let (_, id) = store.save_briefing(&briefing).unwrap();
    let question = store
        .find_briefing(&id.to_string())
        .unwrap()
        .unwrap()
        .questions[0]
        .id;
    let in_room = |guild_id: Option<u64>, user_id: u64, text: &str| NewAnswer {
        guild_id,
        ..answer(question, user_id, text)
    };
    let ours = store
        .add_answer(&in_room(Some(9), 1, "Ours"), 1_000)
        .unwrap()
        .unwrap();
    let theirs = store
        .add_answer(&in_room(Some(10), 2, "Theirs"), 1_001)
        .unwrap()
        .unwrap();
    let direct = store
        .add_answer(&in_room(None, 3, "In a DM"), 1_002)
        .unwrap()
        .unwrap();
    let there = Room::Server(10);
    let dm = Room::Direct { user: 3 };

    let texts = |room: Room| -> Vec<String> {
        store
            .answers_page(room, id, None, 0, 10)
            .unwrap()
            .answers
            .into_iter()
            .map(|a| a.text)
            .collect()
    };
    assert_eq!(texts(HERE), ["Ours"]);
    assert_eq!(texts(there), ["Theirs"]);
    assert_eq!(texts(dm), ["In a DM"]);
    assert!(
        texts(Room::Direct { user: 1 }).is_empty(),
        "a DM room is one member's"
    );
    assert_eq!(store.question_counts(HERE, id).unwrap()[0].answers, 1);

    let exported = |of| -> Vec<String> {
        store
            .export_answers(of, Some(id), None, None)
            .unwrap()
            .into_iter()
            .map(|row| row.text)
            .collect()
    };
    assert_eq!(exported(AnswersOf::Room(HERE)), ["Ours"]);
    assert_eq!(exported(AnswersOf::EveryRoom).len(), 3);

    // Another room's answer cannot be read, edited, deleted or removed here.
    assert!(store.answer_in(HERE, theirs.id).unwrap().is_none());
    assert!(store.answer_in(HERE, direct.id).unwrap().is_none());
    assert!(!store
        .edit_answer(HERE, theirs.id, "Changed", 2_000)
        .unwrap());
    assert!(!store.delete_answer(HERE, theirs.id).unwrap());
    assert!(!store
        .remove_answer(9, theirs.id, 77, "spam", 2_000)
        .unwrap());
    let untouched = store.answer(theirs.id).unwrap().unwrap();
    assert_eq!(
        (untouched.text.as_str(), untouched.removed_at),
        ("Theirs", None)
    );
    // In its own room it can.
    assert!(store
        .edit_answer(HERE, ours.id, "Ours, edited", 2_001)
        .unwrap());
    assert!(store.delete_answer(dm, direct.id).unwrap());
}
