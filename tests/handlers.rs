//! The transport-neutral command handlers both adapters call.

mod support;

use briefbot::domain::view::{limit_violations, Reply};
use briefbot::domain::BodyBlock;
use briefbot::handlers::{Caller, CommandError, Handlers, MAX_CHOICES, PAGE_SIZE};
use briefbot::samples::load_samples;
use briefbot::store::{Db, Store};
use support::numbered;

fn with_samples() -> Handlers {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    Handlers::new(Db::new(store))
}

fn titles(reply: &Reply) -> Vec<String> {
    reply
        .messages
        .iter()
        .flat_map(|m| {
            let heading = m
                .card
                .as_ref()
                .and_then(|c| c.heading())
                .map(str::to_string);
            m.embeds
                .iter()
                .filter_map(|e| e.title.clone())
                .chain(heading)
        })
        .collect()
}

fn all_text(reply: &Reply) -> String {
    let mut text = String::new();
    for embed in reply.messages.iter().flat_map(|m| &m.embeds) {
        text.extend(embed.title.clone());
        text.extend(embed.description.clone());
        for field in &embed.fields {
            text.push_str(&field.name);
            text.push_str(&field.value);
        }
    }
    for card in reply.messages.iter().filter_map(|m| m.card.as_ref()) {
        text.extend(card.texts());
    }
    text
}

/// A member reading in a direct message (cards, the default layout).
fn reader() -> Caller {
    Caller::direct(7)
}

fn user_error(result: Result<Reply, CommandError>) -> String {
    match result {
        Err(CommandError::User(message)) => message,
        other => panic!("expected a message for the person, got {other:?}"),
    }
}

#[tokio::test]
async fn latest_is_the_newest_and_respects_the_category() {
    let handlers = with_samples();
    let reply = handlers.latest(&reader(), None).await.unwrap();
    assert_eq!(
        titles(&reply)[0],
        "Open Access Fibre: Small Towns Build the Network, Providers Rent the Light"
    );
    let climate = handlers
        .latest(&reader(), Some("climate".into()))
        .await
        .unwrap();
    assert_eq!(
        titles(&climate)[0],
        "Low Water, High Stakes: Rhine Freight Adapts to Drier Summers"
    );
    let message = user_error(handlers.latest(&reader(), Some("Astrology".into())).await);
    assert!(
        message.contains("No briefings in category 'Astrology'")
            && message.contains("/briefing categories")
    );
}

#[tokio::test]
async fn read_by_id_slug_or_typed_title() {
    let handlers = with_samples();
    let by_slug = handlers
        .read(&reader(), "rhine-freight-drought".into())
        .await
        .unwrap();
    let by_words = handlers
        .read(&reader(), "rhine freig".into())
        .await
        .unwrap();
    assert_eq!(by_slug, by_words);
    let text = all_text(&by_slug);
    assert!(text.contains("Inland Routes: Implications") && text.contains("1. Should the cost"));
    let message = user_error(handlers.read(&reader(), "xyzzy".into()).await);
    assert_eq!(
        message,
        "No briefing matches 'xyzzy'. Try /briefing search."
    );
}

#[tokio::test]
async fn search_shows_ranked_hits_with_bold_matches() {
    let handlers = with_samples();
    let reply = handlers.search("barge rail".into()).await.unwrap();
    let embed = &reply.messages[0].embeds[0];
    assert_eq!(embed.fields.len(), 1);
    assert!(embed.fields[0].name.starts_with("Low Water, High Stakes"));
    assert!(
        embed.fields[0].value.contains("**barge**"),
        "{}",
        embed.fields[0].value
    );
    assert!(
        user_error(handlers.search("zzzz".into()).await).starts_with("No briefing matches 'zzzz'")
    );
    assert!(user_error(handlers.search("?!".into()).await).contains("at least one word"));
}

#[tokio::test]
async fn list_pages_through_buttons_routed_by_custom_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    let mut store = Store::open(&path).unwrap();
    for n in 0..25 {
        store.save_briefing(&numbered(n)).unwrap();
    }
    let first = Handlers::new(Db::new(store)).list(None, 1).await.unwrap();
    // The bot restarts: new handlers over the reopened file. The button
    // carries everything it needs in its custom_id.
    let handlers = Handlers::new(Db::new(Store::open(&path).unwrap()));
    let message = &first.messages[0];
    let description = message.embeds[0].description.clone().unwrap();
    assert_eq!(description.lines().count(), PAGE_SIZE as usize);
    assert!(description
        .lines()
        .next()
        .unwrap()
        .contains("Numbered Briefing 24"));
    assert!(message.embeds[0]
        .footer
        .as_deref()
        .unwrap()
        .starts_with("Page 1 of 3"));
    let [previous, next] = &message.buttons[..] else {
        panic!("two buttons")
    };
    assert!(previous.disabled && !next.disabled);

    let second = handlers
        .button(&Caller::console(1), &next.custom_id)
        .await
        .unwrap()
        .unwrap();
    let footer = second.messages[0].embeds[0].footer.clone().unwrap();
    assert!(footer.starts_with("Page 2 of 3"), "{footer}");
    let third = handlers
        .button(
            &Caller::console(1),
            &second.messages[0].buttons[1].custom_id,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        third.messages[0].embeds[0]
            .description
            .as_ref()
            .unwrap()
            .lines()
            .count(),
        5
    );
    assert!(
        third.messages[0].buttons[1].disabled,
        "no Next on the last page"
    );

    // Category filters survive in the custom_id.
    let numbers = handlers.list(Some("Numbers".into()), 2).await.unwrap();
    let back = handlers
        .button(
            &Caller::console(1),
            &numbers.messages[0].buttons[0].custom_id,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(back.messages[0].embeds[0]
        .title
        .as_deref()
        .unwrap()
        .contains("Numbers"));
    assert!(handlers
        .button(&Caller::console(1), "someone-elses:button")
        .await
        .is_none());
}

#[tokio::test]
async fn autocomplete_offers_at_most_25_ranked_short_choices() {
    let mut store = Store::open_in_memory().unwrap();
    for n in 0..40 {
        store.save_briefing(&numbered(n)).unwrap();
    }
    let mut long = numbered(99);
    long.slug = "long".into();
    long.title = format!("Numbered {}", "very long title ".repeat(20));
    store.save_briefing(&long).unwrap();
    let handlers = Handlers::new(Db::new(store));

    let choices = handlers.autocomplete_briefing("numb".into()).await.unwrap();
    assert_eq!(choices.len(), MAX_CHOICES);
    assert!(choices
        .iter()
        .all(|c| c.name.chars().count() <= 100 && c.value.parse::<i64>().is_ok()));
    let exact = handlers
        .autocomplete_briefing("briefing 7".into())
        .await
        .unwrap();
    assert_eq!(exact[0].name, "Numbered Briefing 7");
    assert_eq!(
        handlers
            .autocomplete_briefing(String::new())
            .await
            .unwrap()
            .len(),
        MAX_CHOICES
    );
    // The value autocomplete sends reads the briefing.
    let read = handlers
        .read(&reader(), exact[0].value.clone())
        .await
        .unwrap();
    assert_eq!(titles(&read)[0], "Numbered Briefing 7");

    let categories = handlers.autocomplete_category("num".into()).await.unwrap();
    assert_eq!(categories[0].value, "Numbers");
    assert_eq!(categories[0].name, "Numbers (41)");
}

#[tokio::test]
async fn a_briefing_longer_than_6000_characters_arrives_whole_across_messages() {
    let mut store = Store::open_in_memory().unwrap();
    let mut b = numbered(1);
    let paragraphs: Vec<BodyBlock> = (0..60)
        .map(|n| {
            BodyBlock::paragraph(
                format!("Paragraph {n} says something long enough to matter here. ").repeat(8),
            )
        })
        .collect();
    b.body = paragraphs;
    store.save_briefing(&b).unwrap();
    let handlers = Handlers::new(Db::new(store));
    let reply = handlers.read(&reader(), "numbered-1".into()).await.unwrap();
    assert!(
        reply.messages.len() >= 5,
        "{} messages",
        reply.messages.len()
    );
    assert!(
        limit_violations(&reply).is_empty(),
        "{:?}",
        limit_violations(&reply)
    );
    let text = all_text(&reply);
    for n in 0..60 {
        assert_eq!(
            text.matches(&format!("Paragraph {n} says")).count(),
            8,
            "paragraph {n}"
        );
    }
}

#[tokio::test]
async fn help_lists_every_command_privately() {
    let reply = with_samples().help(None).unwrap();
    assert!(reply.ephemeral);
    let names: Vec<&str> = reply.messages[0].embeds[0]
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for command in ["latest", "read", "search", "list", "categories", "/help"] {
        assert!(
            names.iter().any(|n| n.contains(command)),
            "help lacks {command}"
        );
    }
}

#[tokio::test]
async fn help_explains_one_command_and_suggests_for_a_typo() {
    let handlers = with_samples();
    let reply = handlers.help(Some("/schedule  ADD".into())).unwrap();
    let embed = &reply.messages[0].embeds[0];
    assert_eq!(embed.title.as_deref(), Some("/schedule add"));
    assert!(embed
        .description
        .as_deref()
        .unwrap()
        .contains("Manage Server"));
    let fields: Vec<(&str, &str)> = embed
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert!(
        fields.iter().any(|(n, _)| *n == "when (required)"),
        "{fields:?}"
    );
    let examples = fields.iter().find(|(n, _)| *n == "Examples").unwrap().1;
    assert!(examples.contains("every weekday at 9:00"), "{examples}");
    assert_eq!(limit_violations(&reply), Vec::<String>::new());
    // A group lists its commands; /moderate names the permission Discord uses.
    let group = handlers.help(Some("moderate".into())).unwrap();
    let group = &group.messages[0].embeds[0];
    assert!(group
        .description
        .as_deref()
        .unwrap()
        .contains("Manage Messages"));
    assert_eq!(
        group.fields.len(),
        5,
        "remove, feature, unfeature, stats, export"
    );
    let typo = user_error(handlers.help(Some("briefng latest".into())));
    assert!(typo.contains("Did you mean /briefing latest?"), "{typo}");
    let nothing = user_error(handlers.help(Some("dance".into())));
    assert!(!nothing.contains("Did you mean"), "{nothing}");
}

#[tokio::test]
async fn stored_text_cannot_format_or_mention() {
    let mut store = Store::open_in_memory().unwrap();
    let mut b = numbered(1);
    b.title = "**Loud** @everyone".into();
    b.body = vec![BodyBlock::paragraph(
        "Ping <@&123> and `code` and [link](http://x)",
    )];
    store.save_briefing(&b).unwrap();
    let reply = Handlers::new(Db::new(store))
        .read(&reader(), "numbered-1".into())
        .await
        .unwrap();
    let card = reply.messages[0].card.as_ref().expect("a card");
    assert_eq!(card.heading(), Some("\\*\\*Loud\\*\\* \\@everyone"));
    let text: String = card.texts().collect();
    assert!(
        text.contains("Ping \\<\\@&123\\> and \\`code\\` and \\[link\\](http://x)"),
        "{text}"
    );
}

#[tokio::test]
async fn page_numbers_from_buttons_never_overflow_and_lookups_are_bounded() {
    let handlers = with_samples();
    let caller = briefbot::handlers::Caller::console(1);
    for custom_id in [
        "list:18446744073709551615:",
        "list:0:",
        "discussion:1::18446744073709551615",
    ] {
        // Answered (a last page, or a clear refusal), never a panic.
        let _ = handlers.button(&caller, custom_id).await;
    }
    let long = "word ".repeat(1_200);
    let refused = user_error(handlers.read(&reader(), long.clone()).await);
    assert!(refused.contains("at most 200"), "{refused}");
    assert!(user_error(handlers.search(long).await).contains("at most 200"));
}
