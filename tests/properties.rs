//! Property tests: the Markdown format round-trips every briefing, glued
//! table cells split back into what was glued, and no input makes a parser
//! panic.

use briefbot::domain::captured::split_glued_cells;
use briefbot::domain::{
    markdown, parse_text, slugify, BodyBlock, Briefing, ImplicationRow, Implications, ParseOptions,
    Source,
};
use chrono::NaiveDate;
use proptest::prelude::*;

fn lower_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,9}",
        Just("café".to_string()),
        Just("co-dependent".to_string()),
        Just("“quoted”".to_string()),
        Just("a|b".to_string()),
        Just("50%".to_string()),
        Just("iPhone".to_string()),
    ]
}

fn capital_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{1,9}",
        Just("McKinsey".to_string()),
        Just("Ångström".to_string()),
        Just("2030".to_string()),
    ]
}

fn acronym() -> impl Strategy<Value = String> {
    "[A-Z]{2,4}"
}

/// "Word word word." — starts with a capital, then lower-case words. The
/// first word is never CamelCase: "HeadingMcKinsey…" has no boundary a reader
/// without a dictionary could find (split_glued_cells picks "HeadingMc").
fn sentence(end: &'static str) -> impl Strategy<Value = String> {
    (
        prop_oneof![
            "[A-Z][a-z]{1,9}",
            Just("2030".to_string()),
            Just("Ólafur".to_string())
        ],
        prop::collection::vec(lower_word(), 1..12),
    )
        .prop_map(move |(first, rest)| format!("{first} {}{end}", rest.join(" ")))
}

fn title_case() -> impl Strategy<Value = String> {
    (
        capital_word(),
        prop::collection::vec(
            prop_oneof![
                capital_word(),
                Just("and".to_string()),
                Just("of".to_string()),
                acronym()
            ],
            0..5,
        ),
        prop_oneof![capital_word(), acronym()],
    )
        .prop_map(|(first, middle, last)| {
            let mut words = vec![first];
            words.extend(middle);
            words.push(last);
            words.join(" ")
        })
}

fn body_block() -> impl Strategy<Value = BodyBlock> {
    (
        prop::option::of(title_case()),
        prop_oneof![
            prop::collection::vec(sentence("."), 1..4).prop_map(|s| s.join(" ")),
            prop::collection::vec(sentence(""), 1..4).prop_map(|items| items
                .iter()
                .map(|i| format!("• {i}"))
                .collect::<Vec<_>>()
                .join("\n")),
        ],
    )
        .prop_map(|(heading, text)| BodyBlock { heading, text })
}

fn implications() -> impl Strategy<Value = Implications> {
    (
        title_case(),
        capital_word(),
        prop::collection::vec((title_case(), sentence(".")), 0..5),
    )
        .prop_map(|(caption, column, rows)| Implications {
            columns: vec![caption.clone(), column],
            caption,
            rows: rows
                .into_iter()
                .map(|(heading, summary)| ImplicationRow { heading, summary })
                .collect(),
        })
}

prop_compose! {
    fn briefing()(
        title in title_case(),
        published in prop::option::of((2000i32..2040, 1u32..13, 1u32..29)),
        name in prop::option::of(title_case()),
        tagline in prop::option::of(sentence(".")),
        url in prop::option::of("[a-z]{3,10}".prop_map(|p| format!("https://example.org/{p}"))),
        categories in prop::collection::vec(title_case(), 0..4),
        highlights in prop::collection::vec(sentence("."), 0..5),
        body in prop::collection::vec(body_block(), 0..6),
        implications in prop::option::of(implications()),
        key_questions in prop::collection::vec(sentence("?"), 0..5),
        closing in prop::option::of(prop::collection::vec(sentence("."), 1..3).prop_map(|p| p.join("\n\n"))),
        author in prop::option::of(title_case()),
        image in prop::option::of("[a-z]{3,10}".prop_map(|p| format!("https://img.example.org/{p}.jpg"))),
    ) -> Briefing {
        Briefing {
            slug: slugify(&title),
            title,
            published: published.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
            source: Source { name, tagline, url },
            // As an import keeps them: each name once, whatever its case.
            categories: categories.iter().enumerate().filter(|(i, c)| {
                !categories[..*i].iter().any(|earlier| earlier.to_lowercase() == c.to_lowercase())
            }).map(|(_, c)| c.clone()).collect(),
            highlights,
            body,
            implications,
            key_questions,
            closing,
            author,
            image,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn markdown_round_trips_every_briefing(original in briefing()) {
        let written = markdown::write(&original);
        let parsed = parse_text(&written, &ParseOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n---\n{written}")))?;
        prop_assert_eq!(&parsed.briefing, &original, "\n---\n{}", written);
        prop_assert_eq!(parsed.briefing.content_hash(), original.content_hash());
    }

    #[test]
    fn glued_cells_split_back(
        (heading, summary) in (title_case(), sentence(".")).prop_filter(
            // "Q3" vs "AA" + "2030…": a number after a digit or capital has no
            // boundary to find, so such a glue stays whole (and fails loudly).
            "a number glued after a digit or capital is ambiguous",
            |(h, s)| {
                !(h.ends_with(|c: char| c.is_ascii_digit() || c.is_uppercase())
                    && s.starts_with(|c: char| c.is_ascii_digit()))
            },
        ),
    ) {
        let glued = format!("{heading}{summary}");
        prop_assert_eq!(split_glued_cells(&glued), Some((heading, summary)));
    }

    #[test]
    fn no_text_makes_the_importer_panic(text in any::<String>()) {
        let _ = parse_text(&text, &ParseOptions::default());
        let _ = parse_text(&format!("+++\n{text}"), &ParseOptions::default());
    }

    #[test]
    fn no_arrangement_of_briefing_lines_makes_the_importer_panic(
        lines in prop::collection::vec(prop_oneof![
            Just(String::new()),
            Just("Highlights".to_string()),
            Just("Key Questions".to_string()),
            Just("REEx: ImplicationsSummary".to_string()),
            Just("Implications".to_string()),
            Just("  • ".to_string()),
            Just("- ".to_string()),
            Just("Jul 10, 2025".to_string()),
            Just("CATEGORIES: , ,".to_string()),
            Just("Spread the word:".to_string()),
            Just("+++".to_string()),
            Just("## Implications".to_string()),
            Just("| a | b |".to_string()),
            Just("|".to_string()),
            Just("### ".to_string()),
            Just("â€™โ€".to_string()),
            sentence("."),
            title_case(),
            (title_case(), sentence(".")).prop_map(|(h, s)| format!("{h}{s}")),
            "\\PC{0,40}",
        ], 0..40),
    ) {
        let text = lines.join("\n");
        let _ = parse_text(&text, &ParseOptions::default());
        let _ = parse_text(&format!("+++\ntitle = \"T\"\n+++\n{text}"), &ParseOptions::default());
    }
}

/// The words of a rendered reply, Markdown escapes and emphasis removed.
fn rendered_words(reply: &briefbot::domain::view::Reply) -> Vec<String> {
    let mut text = String::new();
    for message in &reply.messages {
        for embed in &message.embeds {
            for part in [&embed.title, &embed.description].into_iter().flatten() {
                text.push_str(part);
                text.push('\n');
            }
            for field in &embed.fields {
                text.push_str(&field.name);
                text.push('\n');
                text.push_str(&field.value);
                text.push('\n');
            }
        }
    }
    words_of(&text.replace('\\', ""))
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when `needle` occurs in `haystack` in order (not necessarily adjacent).
fn in_order(haystack: &[String], needle: &[String]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|w| rest.any(|h| h == w))
}

/// Longer texts than the format tests use, to force splitting, up to the
/// bounds an import allows (a long body, a full implications table).
fn long_briefing() -> impl Strategy<Value = Briefing> {
    (
        briefing(),
        prop::collection::vec(sentence("."), 20..120),
        0usize..=briefbot::domain::bounds::MAX_ROWS,
    )
        .prop_map(|(mut b, sentences, rows)| {
            b.body.push(BodyBlock::paragraph(sentences.join(" ")));
            if let Some(table) = &mut b.implications {
                table.rows.clear();
                let mut summary = String::new();
                for sentence in &sentences {
                    if summary.chars().count() + sentence.chars().count() + 20 > 600 {
                        break;
                    }
                    summary.push_str(sentence);
                    summary.push(' ');
                }
                let row = ImplicationRow {
                    heading: "Long Row".into(),
                    summary: summary.trim_end().to_string(),
                };
                table.rows.extend(std::iter::repeat_n(row, rows));
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn a_rendered_briefing_keeps_every_limit_and_every_word(b in long_briefing()) {
        use briefbot::domain::{render, view};
        let reply = render::briefing(&b);
        prop_assert_eq!(view::limit_violations(&reply), Vec::<String>::new());
        prop_assert!(reply.messages.len() <= briefbot::domain::bounds::MAX_MESSAGES);
        // Within the bounds an import enforces, nothing is left out.
        let within_bounds = briefbot::domain::bounds::check(&b).is_ok();
        let shown = rendered_words(&reply);
        let mut expected = words_of(&b.title);
        for h in &b.highlights { expected.extend(words_of(h)); }
        for block in &b.body {
            if let Some(heading) = &block.heading { expected.extend(words_of(heading)); }
            expected.extend(words_of(&block.text));
        }
        if let Some(table) = &b.implications {
            for row in &table.rows {
                expected.extend(words_of(&row.heading));
                expected.extend(words_of(&row.summary));
            }
        }
        for q in &b.key_questions { expected.extend(words_of(q)); }
        if let Some(closing) = &b.closing { expected.extend(words_of(closing)); }
        prop_assert!(!within_bounds || in_order(&shown, &expected), "words lost or out of order");
    }

    #[test]
    fn split_text_loses_nothing_and_keeps_the_limit(
        text in prop::collection::vec(prop_oneof![sentence("."), Just("\n\n".to_string()), "[a-z]{30,80}"], 0..60)
            .prop_map(|parts| parts.join(" ")),
        max in 20usize..400,
    ) {
        use briefbot::domain::text::split_text;
        let pieces = split_text(&text, max);
        prop_assert!(pieces.iter().all(|p| p.chars().count() <= max && !p.is_empty()));
        let rejoined: String = pieces.concat();
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(squeeze(&rejoined), squeeze(&text));
    }
}

/// Anything the briefings table can hold, including what an import would
/// refuse (a database written by an older version, or edited by hand).
fn stored_anything() -> impl Strategy<Value = Briefing> {
    let text = prop_oneof![
        Just(String::new()),
        "\\PC{0,40}",
        "[\\x00-\\x1f\\x7f]{1,10}",
        Just("x".repeat(7_000)),
        Just("_*~`|".repeat(900)),
    ];
    let date = prop_oneof![
        Just(None),
        (-300_000i32..300_000, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
    ];
    (
        text.clone(),
        date,
        prop::collection::vec(text.clone(), 0..4),
        prop::option::of(text.clone()),
        prop::collection::vec(text.clone(), 0..30),
    )
        .prop_map(|(title, published, list, url, questions)| Briefing {
            slug: "stored".into(),
            title,
            published,
            source: Source {
                name: list.first().cloned(),
                tagline: None,
                url: url.clone(),
            },
            categories: list.clone(),
            highlights: list.clone(),
            body: list
                .iter()
                .map(|t| BodyBlock::paragraph(t.clone()))
                .collect(),
            implications: None,
            key_questions: questions,
            closing: list.last().cloned(),
            author: list.first().cloned(),
            image: url,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// No value the store can hold makes reading, rendering, exporting or
    /// listing it panic.
    #[test]
    fn no_stored_value_makes_a_command_panic(b in stored_anything()) {
        use briefbot::domain::{markdown, render, view};
        use briefbot::handlers::Handlers;
        use briefbot::store::{Db, Store};
        let mut store = Store::open_in_memory().unwrap();
        store.save_briefing(&b).unwrap();
        let stored = store.find_briefing("stored").unwrap().unwrap();
        let reply = render::briefing(&stored.briefing);
        prop_assert!(view::limit_violations(&reply).is_empty());
        prop_assert!(reply.messages.len() <= briefbot::domain::bounds::MAX_MESSAGES);
        let card = briefbot::domain::card::briefing(&stored.briefing, Some(0x2b6cb0));
        prop_assert_eq!(view::limit_violations(&card), Vec::<String>::new());
        prop_assert!(card.messages.len() <= briefbot::domain::bounds::MAX_MESSAGES);
        let exported = markdown::write(&stored.briefing);
        let _ = briefbot::domain::parse_text(&exported, &Default::default());
        let handlers = Handlers::new(Db::new(store));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let reader = briefbot::handlers::Caller::direct(7);
            let _ = handlers.latest(&reader, None).await;
            let _ = handlers.list(None, 1).await;
            let _ = handlers.read(&reader, "stored".into()).await;
            let _ = handlers.categories().await;
            let _ = handlers.search(b.title.clone()).await;
            let _ = handlers.autocomplete_briefing(b.title.clone()).await;
        });
    }
}

fn custom_id() -> impl Strategy<Value = briefbot::domain::custom_id::CustomId> {
    use briefbot::domain::custom_id::CustomId;
    prop_oneof![
        (any::<u64>(), prop::option::of("[^\\x00]{1,40}"))
            .prop_map(|(page, category)| CustomId::ListPage { page, category }),
        (any::<i64>(), prop::option::of(any::<i64>()), any::<u64>()).prop_map(
            |(briefing, question, page)| CustomId::DiscussionPage {
                briefing,
                question,
                page
            }
        ),
        any::<i64>().prop_map(|question| CustomId::Answer { question }),
        any::<i64>().prop_map(|question| CustomId::AnswerForm { question }),
        any::<i64>().prop_map(|answer| CustomId::EditAnswer { answer }),
        any::<i64>().prop_map(|answer| CustomId::EditForm { answer }),
        any::<i64>().prop_map(|answer| CustomId::DeleteAnswer { answer }),
        any::<u64>().prop_map(|user| CustomId::ForgetMe { user }),
        any::<u64>().prop_map(|user| CustomId::KeepAnswers { user }),
        (any::<i64>(), any::<bool>()).prop_map(|(schedule, confirmed)| CustomId::CancelSchedule {
            schedule,
            confirmed
        }),
    ]
}

proptest! {
    /// Every id the bot makes reads back as itself (within Discord's 100
    /// characters), and no text makes the reader panic.
    #[test]
    fn custom_ids_round_trip(id in custom_id()) {
        use briefbot::domain::custom_id::CustomId;
        let text = id.to_string();
        prop_assert!(text.chars().count() <= 100, "{}", text);
        let back: CustomId = text.parse().unwrap();
        match (&id, &back) {
            // A category cut to fit the limit reads back cut.
            (CustomId::ListPage { category: Some(c), .. }, CustomId::ListPage { category: Some(b), .. }) if c != b => {
                prop_assert!(c.starts_with(b.as_str()));
            }
            _ => prop_assert_eq!(back, id),
        }
    }

    #[test]
    fn any_text_parses_or_is_refused(text in "\\PC{0,120}") {
        let _ = text.parse::<briefbot::domain::custom_id::CustomId>();
    }
}

/// Tag soup in the shapes article pages take, sections and all, with
/// stray closing tags, unclosed tables and arbitrary text between.
fn html_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("<h1>".to_string()),
        Just("</h1>".to_string()),
        Just("<h2>Highlights</h2>".to_string()),
        Just("<p><strong>Key Questions</strong></p>".to_string()),
        Just("<h3>".to_string()),
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<ul><li>".to_string()),
        Just("<ol>".to_string()),
        Just("<li>".to_string()),
        Just("</li></ul>".to_string()),
        Just("<table><tr><th>".to_string()),
        Just("<td>".to_string()),
        Just("</tr>".to_string()),
        Just("<div class=\"entry-content\">".to_string()),
        Just("<div class=\"share-toc widget\">".to_string()),
        Just("</div>".to_string()),
        Just("<script>var x = '<p>';</script>".to_string()),
        Just("<br>".to_string()),
        Just("&amp;&#8217;&nbsp;&bogus;".to_string()),
        Just("<meta property=\"og:title\" content=\"T\">".to_string()),
        Just("<meta charset=\"windows-1252\">".to_string()),
        Just("<time datetime=\"99999-01-01\">".to_string()),
        Just("<script type=\"application/ld+json\">{\"@graph\":[{\"@type\":\"NewsArticle\",\"datePublished\":\"2024-02-30\",\"author\":[{\"name\":".to_string()),
        Just("<script type=\"application/ld+json\">{\"@type\":[\"BlogPosting\"],\"image\":[{\"url\":\"javascript:x\"}],\"author\":\"A\"}</script>".to_string()),
        Just("<meta property=\"og:image\" content=\"https://i.example/x.png\">".to_string()),
        Just("<div class=\"widget Blog\">".to_string()),
        Just("<div class=\"elementor-widget-text-editor\">".to_string()),
        Just("<section>".to_string()),
        Just("<main>".to_string()),
        Just("<article>".to_string()),
        Just("<span style=\"display:none\">".to_string()),
        Just("<table role=\"presentation\"><tr><td><p>".to_string()),
        Just("<span itemprop=\"datePublished\" content=\"2023-13-45\">".to_string()),
        Just("<h3>Implications</h3>".to_string()),
        "\\PC{0,40}",
    ];
    proptest::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// No page makes the article reader panic; what it accepts is within
    /// the briefing bounds and has a title.
    #[test]
    fn no_html_makes_the_page_reader_panic(page in html_soup()) {
        use briefbot::domain::html::{article_fragment, article_page, decode_page, fragment_is_structured, Hints};
        let hints = Hints::default();
        for extracted in [article_page(&page, &hints), article_fragment(&page, &hints)].into_iter().flatten() {
            prop_assert!(!extracted.briefing.title.trim().is_empty());
            prop_assert!(briefbot::domain::bounds::check(&extracted.briefing).is_ok());
        }
        let _ = fragment_is_structured(&page);
        let _ = briefbot::domain::html::page_text(&page);
        let _ = decode_page(page.as_bytes(), Some("text/html; charset=\u{0}bogus"));
    }

    /// Nor does any feed: it is read or refused with a reason.
    #[test]
    fn no_bytes_make_the_feed_reader_panic(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400),
            html_soup().prop_map(|s| format!("<?xml version=\"1.0\"?><rss><channel><item><guid>{s}</guid><content:encoded>{s}</content:encoded></item></channel></rss>").into_bytes()),
        ]
    ) {
        if let Ok(feed) = briefbot::domain::feed::parse(&bytes) {
            prop_assert!(feed.items.len() <= briefbot::domain::feed::MAX_ITEMS);
        }
    }
}

/// Pages built to nest deep: a run of tags of the soup repeated hundreds
/// or thousands of times, with text inside and closing tags (some) after;
/// and beside each, the same page with the run repeated only twice, which
/// the parser reads unbounded (the soup alone may hide the last paragraph,
/// e.g. inside an unclosed tag's attribute, and then it hides it in both).
fn deep_soup() -> impl Strategy<Value = (String, String)> {
    let opener = prop_oneof![
        Just("<div>"),
        Just("<section class=\"entry-content\">"),
        Just("<ul><li>"),
        Just("<table><tr><td>"),
        Just("<blockquote>"),
        Just("<span>"),
        Just("<b><i>"),
        Just("<svg><g>"),
        Just("<svg><style>"),
        Just("<math><mi>"),
        Just("<svg><img><section/>"),
        Just("<div/>"),
        Just("<p>"),
    ];
    (
        proptest::collection::vec(opener, 1..4),
        100usize..1_500,
        html_soup(),
        any::<bool>(),
    )
        .prop_map(|(run, times, inner, close)| {
            let run = run.concat();
            let page = |times: usize| {
                let mut page = format!("<html><body><h1>Deep</h1>{}{inner}", run.repeat(times));
                if close {
                    page.push_str(&"</div></section></li></ul></td></tr></table>".repeat(times));
                }
                page.push_str("<p>after the deep part</p></body></html>");
                page
            };
            (page(times), page(2))
        })
}

/// Depth of the deepest element of a parsed page.
fn tree_depth(document: &scraper::Html) -> usize {
    document
        .tree
        .nodes()
        .filter(|node| node.value().is_element())
        .map(|node| node.ancestors().count())
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// However deep a page nests, the parsed page nests no deeper than the
    /// bound, its text after the deep part survives, and the readers do not
    /// panic on it.
    #[test]
    fn deep_pages_parse_bounded((page, shallow) in deep_soup()) {
        use briefbot::domain::nesting::{parse_document, MAX_DEPTH};
        let document = parse_document(&page);
        prop_assert!(tree_depth(&document) <= MAX_DEPTH, "depth {}", tree_depth(&document));
        let after = |d: &scraper::Html| d.root_element().text().collect::<String>().contains("after the deep part");
        // What the parser keeps of the shallow page, the bounded parse keeps
        // of the deep one.
        if after(&scraper::Html::parse_document(&shallow)) {
            prop_assert!(after(&document));
        }
        let hints = briefbot::domain::html::Hints::default();
        let _ = briefbot::domain::html::article_page(&page, &hints);
    }

    /// A page that does not nest past the bound is parsed as the parser
    /// alone parses it.
    #[test]
    fn shallow_pages_parse_unchanged(page in html_soup(), times in 1usize..40) {
        use briefbot::domain::nesting::{parse_document, MAX_DEPTH};
        let page = page.repeat(times);
        let plain = scraper::Html::parse_document(&page);
        if tree_depth(&plain) < MAX_DEPTH {
            prop_assert_eq!(parse_document(&page).html(), plain.html());
        }
    }
}
