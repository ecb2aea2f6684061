//! Store behaviour: re-imports, stable question ids, search, categories,
//! paging, backup and the async handle.

mod support;

use briefbot::domain::{BodyBlock, Briefing, Source};
use briefbot::samples::load_samples;
use briefbot::store::{highlight_snippet, Db, SaveOutcome, Store};

fn briefing(slug: &str, title: &str, questions: &[&str]) -> Briefing {
    Briefing {
        slug: slug.into(),
        title: title.into(),
        published: None,
        source: Source::default(),
        categories: vec!["Energy".into()],
        highlights: vec!["A highlight.".into()],
        body: vec![BodyBlock::paragraph("Some body text about turbines.")],
        implications: None,
        key_questions: questions.iter().map(|q| q.to_string()).collect(),
        closing: None,
        author: None,
        image: None,
    }
}

#[test]
fn reimporting_identical_content_is_a_no_op() {
    let mut store = Store::open_in_memory().unwrap();
    let b = briefing("one", "One", &["Q1?"]);
    let (first, id) = store.save_briefing(&b).unwrap();
    assert_eq!(first, SaveOutcome::Imported);
    let before = store.briefing_by_id(id).unwrap().unwrap();
    assert_eq!(
        store.save_briefing(&b).unwrap(),
        (SaveOutcome::Unchanged, id)
    );
    assert_eq!(store.briefing_by_id(id).unwrap().unwrap(), before);
    assert_eq!(store.briefing_count().unwrap(), 1);
}

#[test]
fn a_servers_own_questions_are_its_alone_and_survive_reimports() {
    use briefbot::store::QuestionRefusal;
    let mut store = Store::open_in_memory().unwrap();
    let (_, id) = store
        .save_briefing(&briefing("one", "One", &["Shared?"]))
        .unwrap();
    let ours = store
        .add_guild_question(5, id, "Ours?", 1)
        .unwrap()
        .unwrap();
    store
        .add_guild_question(6, id, "Theirs?", 2)
        .unwrap()
        .unwrap();
    let texts = |store: &Store, guild| -> Vec<String> {
        store
            .questions_for(id, guild)
            .unwrap()
            .into_iter()
            .map(|q| q.text)
            .collect()
    };
    assert_eq!(texts(&store, Some(5)), ["Shared?", "Ours?"]);
    assert_eq!(texts(&store, Some(6)), ["Shared?", "Theirs?"]);
    assert_eq!(
        texts(&store, None),
        ["Shared?"],
        "direct messages see the shared ones"
    );
    // The same text again, and past the bound, are refused.
    assert_eq!(
        store.add_guild_question(5, id, "ours?", 1).unwrap(),
        Err(QuestionRefusal::Duplicate)
    );
    for n in 0..6 {
        store
            .add_guild_question(5, id, &format!("More {n}?"), 1)
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        store.add_guild_question(5, id, "One too many?", 1).unwrap(),
        Err(QuestionRefusal::Full)
    );
    // A re-import with other shared questions keeps the servers' own.
    store
        .save_briefing(&briefing("one", "One (revised)", &["New shared?"]))
        .unwrap();
    let now = texts(&store, Some(5));
    assert_eq!(now[0], "New shared?");
    assert!(now.contains(&"Ours?".to_string()), "{now:?}");
    // Another server cannot change or retire them.
    assert_eq!(
        store.edit_guild_question(6, ours.id, "Hijacked?").unwrap(),
        None
    );
    assert_eq!(
        store.retire_guild_question(6, ours.id, "now").unwrap(),
        None
    );
    assert_eq!(
        store.retire_guild_question(5, ours.id, "now").unwrap(),
        Some(id)
    );
    assert!(!texts(&store, Some(5)).contains(&"Ours?".to_string()));
}

#[test]
fn an_update_keeps_the_ids_of_unchanged_questions_and_retires_the_rest() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, id) = store
        .save_briefing(&briefing(
            "one",
            "One",
            &["Keep me?", "Drop me?", "Move me?"],
        ))
        .unwrap();
    let old = store.briefing_by_id(id).unwrap().unwrap().questions;

    let changed = briefing(
        "one",
        "One, revised",
        &["Move me?", "Keep me?", "Brand new?"],
    );
    assert_eq!(
        store.save_briefing(&changed).unwrap(),
        (SaveOutcome::Updated, id)
    );
    let new = store.briefing_by_id(id).unwrap().unwrap();
    assert_eq!(new.briefing.title, "One, revised");
    let texts: Vec<&str> = new.questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["Move me?", "Keep me?", "Brand new?"]);
    assert_eq!(new.questions[0].id, old[2].id);
    assert_eq!(new.questions[1].id, old[0].id);
    assert!(old.iter().all(|q| q.id != new.questions[2].id));

    let history = store.question_history(id, None).unwrap();
    let retired: Vec<_> = history.iter().filter(|(_, current)| !current).collect();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].0.id, old[1].id);
    assert_eq!(retired[0].0.text, "Drop me?");

    // The question coming back revives its old id.
    store
        .save_briefing(&briefing("one", "One", &["Drop me?"]))
        .unwrap();
    let revived = store.briefing_by_id(id).unwrap().unwrap().questions;
    assert_eq!(revived[0].id, old[1].id);
}

#[test]
fn search_ranks_title_matches_first_and_marks_matches_in_the_snippet() {
    let mut store = Store::open_in_memory().unwrap();
    let mut in_body = briefing("body", "Grid Planning", &[]);
    in_body.body = vec![BodyBlock::paragraph(
        "Offshore wind output keeps growing along the coast.",
    )];
    let in_title = briefing("title", "Offshore Wind at the Coast", &[]);
    let (_, body_id) = store.save_briefing(&in_body).unwrap();
    let (_, title_id) = store.save_briefing(&in_title).unwrap();
    store
        .save_briefing(&briefing("other", "Cobalt Audits", &[]))
        .unwrap();

    let hits = store.search("offshore wind", 10).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        [title_id, body_id]
    );
    assert!(hits[0].rank <= hits[1].rank);
    let body_snippet = highlight_snippet(&hits[1].snippet, "[", "]");
    assert!(body_snippet.contains("[Offshore] [wind]"), "{body_snippet}");

    assert!(store.search("nothing-like-this", 10).unwrap().is_empty());
    assert!(
        store.search("  ?? ", 10).is_err(),
        "a query with no words is refused"
    );
    // Operators in user input are words, not syntax errors.
    assert!(store.search("wind OR \"NEAR(", 10).is_ok());
    // Typing ahead: the last word is a prefix.
    let typed = store.search_as_you_type("offsh", 10).unwrap();
    assert_eq!(typed.len(), 2);
    for suggestion in &typed {
        let stored = store.briefing_by_id(suggestion.id).unwrap().unwrap();
        assert_eq!(suggestion.title, stored.briefing.title);
    }
    assert!(store.search_as_you_type("", 10).unwrap().is_empty());
}

#[test]
fn suggestions_put_title_matches_first_and_follow_a_retitled_briefing() {
    let mut store = Store::open_in_memory().unwrap();
    let mut in_body = briefing("body", "Grid Planning", &[]);
    in_body.body = vec![BodyBlock::paragraph("Pension funds buy the grid bonds.")];
    let (_, body_id) = store.save_briefing(&in_body).unwrap();
    let (_, title_id) = store
        .save_briefing(&briefing("title", "Pension Funds and Ports", &[]))
        .unwrap();
    let ids = |store: &Store, typed: &str| -> Vec<i64> {
        store
            .search_as_you_type(typed, 10)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect()
    };
    // A three-letter prefix: the title match, then the text match.
    assert_eq!(ids(&store, "pen"), [title_id, body_id]);
    assert_eq!(
        ids(&store, "PÉN"),
        [title_id, body_id],
        "case and accents fold"
    );
    // Only as many as asked for.
    assert_eq!(store.search_as_you_type("pen", 1).unwrap().len(), 1);

    // A new version with another title: the old title no longer suggests it
    // by title, the new one does.
    let mut retitled = briefing("title", "Harbour Cranes", &[]);
    retitled.body = vec![BodyBlock::paragraph("Nothing about funds here.")];
    store.save_briefing(&retitled).unwrap();
    assert_eq!(ids(&store, "pen"), [body_id]);
    assert_eq!(ids(&store, "harb"), [title_id]);
    let typed = store.search_as_you_type("harb", 10).unwrap();
    assert_eq!(typed[0].title, "Harbour Cranes");
}

#[test]
fn search_finds_words_in_every_indexed_part() {
    let mut store = Store::open_in_memory().unwrap();
    let mut b = briefing("parts", "Title Word", &["Questionword here?"]);
    b.highlights = vec!["Highlightword.".into()];
    let (_, id) = store.save_briefing(&b).unwrap();
    for word in ["title", "highlightword", "turbines", "questionword"] {
        let hits = store.search(word, 5).unwrap();
        assert_eq!(hits.first().map(|h| h.id), Some(id), "no hit for {word}");
    }
    // An update re-indexes: the old words no longer match.
    b.highlights = vec!["Replaced.".into()];
    store.save_briefing(&b).unwrap();
    assert!(store.search("highlightword", 5).unwrap().is_empty());
    assert_eq!(store.search("replaced", 5).unwrap().len(), 1);
}

#[test]
fn categories_count_and_filter_and_list_pages() {
    let mut store = Store::open_in_memory().unwrap();
    let report = load_samples(&mut store).unwrap();
    assert_eq!(
        report.summary_line(),
        "4 imported, 0 updated, 0 unchanged, 0 failed"
    );
    let categories = store.categories().unwrap();
    assert_eq!(
        &categories[..2],
        &[("Europe".to_string(), 2), ("Infrastructure".to_string(), 2)]
    );
    assert_eq!(categories.iter().map(|(_, n)| n).sum::<u64>(), 10);

    // Category filters ignore case; newest first.
    let europe = store.list_briefings(Some("europe"), 0, 10).unwrap();
    assert_eq!(europe.total, 2);
    let dates: Vec<_> = europe
        .items
        .iter()
        .map(|i| i.published.unwrap().to_string())
        .collect();
    assert_eq!(dates, ["2025-10-14", "2025-09-02"]);

    let page1 = store.list_briefings(None, 0, 3).unwrap();
    let page2 = store.list_briefings(None, 3, 3).unwrap();
    assert_eq!(
        (page1.total, page1.items.len(), page2.items.len()),
        (4, 3, 1)
    );
    assert_eq!(
        store.latest_briefing(None).unwrap().unwrap().id,
        page1.items[0].id
    );
    assert_eq!(
        store
            .latest_briefing(Some("Climate"))
            .unwrap()
            .unwrap()
            .briefing
            .slug,
        "rhine-freight-drought"
    );
    assert!(store.latest_briefing(Some("No Such")).unwrap().is_none());
}

#[test]
fn find_by_id_or_slug() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, id) = store
        .save_briefing(&briefing("by-slug", "By Slug", &[]))
        .unwrap();
    assert_eq!(store.find_briefing("by-slug").unwrap().unwrap().id, id);
    assert_eq!(
        store.find_briefing(&id.to_string()).unwrap().unwrap().id,
        id
    );
    assert!(store.find_briefing("missing").unwrap().is_none());
    assert!(store.find_briefing("999").unwrap().is_none());
}

#[test]
fn a_database_survives_reopening_and_backs_up_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut writer = Store::open(&path).unwrap();
    let (_, id) = writer
        .save_briefing(&briefing("kept", "Kept", &["Q?"]))
        .unwrap();

    // A second connection (the CLI while the bot runs) backs up the live file.
    let reader = Store::open(&path).unwrap();
    let backup = dir.path().join("backup.db");
    reader.backup_to(&backup).unwrap();
    writer
        .save_briefing(&briefing("later", "Later", &[]))
        .unwrap();

    let restored = Store::open(&backup).unwrap();
    assert_eq!(restored.briefing_count().unwrap(), 1);
    assert_eq!(restored.find_briefing("kept").unwrap().unwrap().id, id);
    drop(writer);
    assert_eq!(Store::open(&path).unwrap().briefing_count().unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_handle_serves_concurrent_callers() {
    let db = Db::new(Store::open_in_memory().unwrap());
    let mut tasks = Vec::new();
    for n in 0..20 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.call(move |store| {
                store.save_briefing(&briefing(&format!("b{n}"), &format!("B {n}"), &[]))
            })
            .await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().0, SaveOutcome::Imported);
    }
    assert_eq!(db.call(|store| store.briefing_count()).await.unwrap(), 20);
}

#[test]
fn a_word_in_more_briefings_than_the_ranking_window_ranks_the_newest() {
    use briefbot::store::RANKED_MATCHES;
    let mut store = Store::open_in_memory().unwrap();
    let total = RANKED_MATCHES as usize + 50;
    let mut ids = Vec::new();
    store
        .in_transaction(|store| {
            for n in 0..total {
                // The oldest and the 60th-newest have the word in their title.
                let title = if n == 0 || n == total - 60 {
                    format!("Common {n}")
                } else {
                    format!("Other {n}")
                };
                let mut b = briefing(&format!("b{n}"), &title, &[]);
                b.body = vec![BodyBlock::paragraph(
                    "a common word in a long paragraph of other words",
                )];
                ids.push(store.save_briefing(&b)?.1);
            }
            Ok(())
        })
        .unwrap();
    let hits = store.search("common", 10).unwrap();
    assert_eq!(hits.len(), 10);
    // The title match inside the window wins; the one outside it is not ranked.
    assert_eq!(hits[0].id, ids[total - 60]);
    assert!(hits.iter().all(|h| h.id != ids[0]));
    // A rarer word still ranks across the whole library.
    assert_eq!(store.search("common 0", 10).unwrap()[0].id, ids[0]);
}

/// The bot and `briefbot import` write to one file from two connections.
/// Single saves must wait for the other writer, never fail with "database is
/// locked" (a deferred transaction refused its upgrade to a writer).
#[test]
fn two_connections_saving_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    Store::open(&path).unwrap();
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&path).unwrap();
                for n in 0..300 {
                    store
                        .save_briefing(&support::numbered(writer * 1_000 + n))
                        .unwrap_or_else(|e| panic!("writer {writer}, save {n}: {e}"));
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("no save failed");
    }
    assert_eq!(Store::open(&path).unwrap().briefing_count().unwrap(), 600);
}

/// A writer that never pauses cannot starve a backup: it copies one
/// consistent snapshot in one step.
#[test]
fn a_backup_finishes_while_another_connection_keeps_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let store = Store::open(&path).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut store = Store::open(&path).unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store.save_briefing(&support::numbered(n)).unwrap();
                n += 1;
            }
            n
        })
    };
    let (done, finished) = std::sync::mpsc::channel();
    let target = dir.path().join("copy.db");
    std::thread::spawn(move || {
        let _ = done.send(store.backup_to(&target).map(|_| target));
    });
    let copied = finished
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the backup finishes while the writer writes")
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    let copy = Store::open(&copied).unwrap();
    assert!(copy.briefing_count().unwrap() as usize <= written);
}

/// A subscription takes new briefings from the sources it names (any when
/// it names none), never a source's backlog, and never a briefing twice.
#[test]
fn subscriptions_filter_by_source_and_never_take_a_backlog() {
    use briefbot::store::{GuildScope, NewSource, Payload, Wants};
    let mut store = Store::open_in_memory().unwrap();
    let source = |store: &mut Store, url: &str| {
        store
            .add_source(
                &NewSource {
                    url: url.into(),
                    interval_seconds: 600,
                    ..NewSource::default()
                },
                0,
            )
            .unwrap()
            .id
    };
    let (a, b) = (
        source(&mut store, "https://a.example/feed"),
        source(&mut store, "https://b.example/feed"),
    );
    store
        .subscribe(
            1,
            10,
            &Wants {
                sources: vec![a],
                ..Wants::default()
            },
            0,
            0,
        )
        .unwrap();
    store.subscribe(1, 11, &Wants::default(), 0, 0).unwrap();
    let save = |store: &mut Store, source: i64, slug: &str, announce: bool| {
        store
            .save_article(
                source,
                slug,
                None,
                "f",
                &briefing(slug, slug, &["Q?"]),
                announce,
                0,
            )
            .unwrap()
            .1
    };
    save(&mut store, a, "a-backlog", false);
    let from_a = save(&mut store, a, "a-new", true);
    let from_b = save(&mut store, b, "b-new", true);
    let by_hand = store
        .save_briefing(&briefing("by-hand", "By hand", &["Q?"]))
        .unwrap()
        .1;
    assert_eq!(store.queue_new_briefings(GuildScope::ALL, 1).unwrap(), 4);
    let posted = |store: &Store, channel: u64| -> Vec<i64> {
        let mut ids: Vec<i64> = store
            .delivery_log(
                1,
                briefbot::store::LogFilter {
                    channel_id: Some(channel),
                    schedule_id: None,
                },
                50,
            )
            .unwrap()
            .into_iter()
            .filter_map(|d| match d.payload {
                Payload::Briefing(id) => Some(id),
                _ => None,
            })
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(posted(&store, 10), vec![from_a]);
    assert_eq!(posted(&store, 11), vec![from_a, from_b, by_hand]);
    // The same article again (an update) is not new to anyone.
    let again = store
        .save_article(
            a,
            "a-new",
            None,
            "g",
            &briefing("a-new", "A new, revised", &["Q?"]),
            true,
            5,
        )
        .unwrap();
    assert_eq!(again, (SaveOutcome::Updated, from_a, true));
    assert_eq!(store.queue_new_briefings(GuildScope::ALL, 2).unwrap(), 0);
}

/// Two sources' articles with the same title keep apart: the second gets
/// the next free slug instead of overwriting the first.
#[test]
fn articles_with_the_same_title_from_two_sources_get_their_own_slugs() {
    use briefbot::store::NewSource;
    let mut store = Store::open_in_memory().unwrap();
    let mut ids = Vec::new();
    for url in ["https://a.example/feed", "https://b.example/feed"] {
        let source = store
            .add_source(
                &NewSource {
                    url: url.into(),
                    interval_seconds: 600,
                    ..NewSource::default()
                },
                0,
            )
            .unwrap();
        let mut same = briefing("weekly-notes", "Weekly notes", &["Q?"]);
        same.source.url = Some(format!("{url}/weekly"));
        ids.push(
            store
                .save_article(source.id, "1", None, "f", &same, true, 0)
                .unwrap(),
        );
    }
    assert_eq!(ids[0].0, SaveOutcome::Imported);
    assert_eq!(ids[1].0, SaveOutcome::Imported);
    assert_ne!(ids[0].1, ids[1].1);
    assert_eq!(
        store
            .briefing_by_id(ids[1].1)
            .unwrap()
            .unwrap()
            .briefing
            .slug,
        "weekly-notes-2"
    );
}

/// A stored value we cannot decode is an error naming it, never a default
/// (an empty category list would make a subscription take everything).
#[test]
fn an_undecodable_stored_value_is_an_error_not_a_default() {
    use briefbot::store::{NewSource, Wants};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    {
        let mut store = Store::open(&path).unwrap();
        let wants = Wants {
            categories: vec!["Energy".into()],
            ..Wants::default()
        };
        store.subscribe(1, 2, &wants, 3, 0).unwrap();
        let source = NewSource {
            url: "https://example.org/feed/".into(),
            name: None,
            categories: vec!["Watched".into()],
            interval_seconds: 600,
            backfill: 0,
            questions: Vec::new(),
        };
        store.add_source(&source, 0).unwrap();
        assert_eq!(store.subscriptions(1).unwrap()[0].categories, ["Energy"]);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE subscriptions SET categories = 'Energy,Grid'", [])
        .unwrap();
    conn.execute("UPDATE sources SET categories = '{not json'", [])
        .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let subscriptions = store.subscriptions(1).unwrap_err().to_string();
    assert!(
        subscriptions.contains("the stored categories is not what this version reads"),
        "{subscriptions}"
    );
    assert!(store.sources().is_err());
}

/// Word filters: a subscription takes a briefing that mentions one of its
/// words or phrases (whole, any case, in the title, highlights or body) and
/// none of the words it excludes; key questions and parts of words do not
/// count. A stored filter this version cannot read is an error.
#[test]
fn subscriptions_filter_by_words_and_phrases() {
    use briefbot::domain::filter::WordFilter;
    use briefbot::store::{GuildScope, LogFilter, Payload, Wants};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    let mut store = Store::open(&path).unwrap();
    let words = |typed: &str| WordFilter::parse(typed).unwrap();
    let minerals = Wants {
        include: words("lithium \"rare earth\""),
        exclude: words("opinion"),
        ..Wants::default()
    };
    store.subscribe(1, 10, &minerals, 0, 0).unwrap();
    let no_opinion = Wants {
        exclude: words("opinion"),
        ..Wants::default()
    };
    store.subscribe(1, 11, &no_opinion, 0, 0).unwrap();
    let save = |store: &mut Store,
                slug: &str,
                title: &str,
                highlight: &str,
                body: &str,
                question: &str| {
        let mut b = briefing(slug, title, &[question]);
        b.highlights = vec![highlight.into()];
        b.body = vec![BodyBlock::paragraph(body)];
        store.save_briefing(&b).unwrap().1
    };
    let in_title = save(&mut store, "t", "LITHIUM prices", "-", "-", "Q?");
    let phrase = save(
        &mut store,
        "p",
        "Magnets",
        "Rare earth supply tightens",
        "-",
        "Q?",
    );
    let in_body = save(
        &mut store,
        "b",
        "Mines",
        "-",
        "A new lithium-ion plant.",
        "Q?",
    );
    let opinion = save(&mut store, "o", "Lithium: an opinion", "-", "-", "Q?");
    let apart = save(
        &mut store,
        "a",
        "Rare finds",
        "-",
        "On earth, rarely.",
        "Q?",
    );
    let part_of_word = save(&mut store, "w", "Lithiumless batteries", "-", "-", "Q?");
    let in_question = save(
        &mut store,
        "q",
        "Batteries",
        "-",
        "-",
        "What about lithium?",
    );
    store.queue_new_briefings(GuildScope::ALL, 1).unwrap();
    let posted = |store: &Store, channel: u64| -> Vec<i64> {
        let filter = LogFilter {
            channel_id: Some(channel),
            schedule_id: None,
        };
        let mut ids: Vec<i64> = store
            .delivery_log(1, filter, 50)
            .unwrap()
            .into_iter()
            .filter_map(|d| match d.payload {
                Payload::Briefing(id) => Some(id),
                _ => None,
            })
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(posted(&store, 10), vec![in_title, phrase, in_body]);
    let mut everything_but_opinion =
        vec![in_title, phrase, in_body, apart, part_of_word, in_question];
    everything_but_opinion.sort();
    assert_eq!(posted(&store, 11), everything_but_opinion);
    assert!(!posted(&store, 11).contains(&opinion));

    // The filters read back as they were given.
    let subscription = store.subscription(1, 10).unwrap().unwrap();
    assert_eq!(subscription.include.describe(), "lithium, \"rare earth\"");
    assert_eq!(subscription.exclude.describe(), "opinion");

    // A term that is not words (written by hand into the database) is an
    // error naming it, not a filter that silently matches something else.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE subscriptions SET include_words = '[\"x\\\" OR \\\"y\"]' WHERE channel_id = 10",
            [],
        )
        .unwrap();
    let error = store.subscription(1, 10).unwrap_err().to_string();
    assert!(error.contains("word filter"), "{error}");
}
