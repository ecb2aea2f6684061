//! Article pages and feeds, as WordPress serves them, read into briefings:
//! every section as exact as the captured text of the same article.

use briefbot::domain::feed;
use briefbot::domain::html::{article_fragment, article_page, decode_page, Hints};
use briefbot::domain::{parse_text, Briefing, ParseOptions};

const BASE: &str = "https://griddesk.example";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/sites/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8_lossy(&bytes).replace("{{BASE}}", BASE)
}

fn captured(name: &str) -> Briefing {
    let path = format!("{}/briefings/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    parse_text(&text, &ParseOptions::default())
        .unwrap()
        .briefing
}

#[test]
fn a_wordpress_page_gives_the_same_briefing_as_its_capture() {
    let page = article_page(&fixture("harbour-batteries.html"), &Hints::default()).unwrap();
    assert!(page.structured);
    let mut expected = captured("001-grid-storage-offshore-wind.txt");
    // The page knows where it lives and its byline; the capture does not.
    expected.source.url = Some(format!("{BASE}/2025/10/14/harbour-batteries/"));
    expected.author = Some("Grid Desk".into());
    assert_eq!(page.briefing, expected);
    // Only the page's article: none of the furniture around it.
    let all = serde_json::to_string(&page.briefing).unwrap();
    for furniture in [
        "Table of Contents",
        "Spread the word",
        "Leave a Reply",
        "Recent Posts",
        "Related",
        "opens in a new tab",
        "Proudly powered",
        "Source: Grid Desk analysis",
    ] {
        assert!(!all.contains(furniture), "{furniture} leaked into {all}");
    }
}

#[test]
fn bold_paragraph_sections_an_ordered_list_and_a_table_without_thead() {
    let page = article_page(&fixture("cobalt-ledger.html"), &Hints::default()).unwrap();
    let mut expected = captured("002-cobalt-traceability.txt");
    expected.source.url = Some(format!("{BASE}/ledger-to-mine/"));
    assert_eq!(page.briefing, expected);
    assert!(
        page.notes.is_empty(),
        "a complete article has nothing to note: {:?}",
        page.notes
    );
}

#[test]
fn a_feeds_full_content_gives_the_same_briefing_as_the_page() {
    let xml = fixture("feed-full.xml");
    let parsed = feed::parse(xml.as_bytes()).unwrap();
    let item = &parsed.items[0];
    let content = item.content.as_deref().unwrap();
    assert!(briefbot::domain::html::fragment_is_structured(content));
    let from_feed = article_fragment(content, &item.hints(&parsed)).unwrap();
    let from_page = article_page(&fixture("harbour-batteries.html"), &Hints::default()).unwrap();
    let (mut a, b) = (from_feed.briefing, from_page.briefing);
    // The feed gives the article's link, the page its canonical address:
    // here both are the same page.
    a.source.url = b.source.url.clone();
    assert_eq!(a, b);
}

#[test]
fn excerpt_only_items_are_not_mistaken_for_the_article() {
    let xml = fixture("feed-excerpt.xml");
    let parsed = feed::parse(xml.as_bytes()).unwrap();
    assert_eq!(parsed.items.len(), 3);
    assert_eq!(parsed.items[0].guid, format!("{BASE}/?p=812"));
    assert_eq!(
        parsed.items[0].categories,
        vec!["Energy", "Infrastructure", "Europe"]
    );
    assert!(parsed.items.iter().all(|i| i.content.is_none()));
}

#[test]
fn a_page_without_the_sections_keeps_its_main_text_with_a_note() {
    let page = article_page(&fixture("plain-article.html"), &Hints::default()).unwrap();
    assert!(!page.structured);
    let b = page.briefing;
    assert_eq!(b.title, "Why Rivers Matter to Freight");
    assert_eq!(b.source.name.as_deref(), Some("Small Port Gazette"));
    assert!(b.highlights.is_empty() && b.key_questions.is_empty());
    let texts: Vec<&str> = b.body.iter().map(|block| block.text.as_str()).collect();
    assert!(
        texts[0].starts_with("Barges on the upper river"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("Some shippers")));
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("Archive") || t.contains("Copyright")),
        "{texts:?}"
    );
    assert!(
        page.notes.iter().any(|n| n.contains("no Highlights")),
        "{:?}",
        page.notes
    );
}

#[test]
fn a_windows_1252_page_and_its_entities_decode() {
    let path = format!(
        "{}/tests/fixtures/sites/cafe-windows-1252.html",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is not UTF-8"
    );
    for content_type in [Some("text/html; charset=windows-1252"), None] {
        let text = decode_page(&bytes, content_type);
        let b = article_page(&text, &Hints::default()).unwrap().briefing;
        assert_eq!(b.title, "Café Owners “Wait and See” on Energy Prices");
        assert_eq!(b.source.name.as_deref(), Some("Gazette Régionale"));
        assert_eq!(
            b.highlights,
            vec!["A kilowatt-hour now costs €0.31 for small cafés – up a third."]
        );
        assert_eq!(
            b.closing.as_deref(),
            Some("Prices, not menus, set the season’s mood.")
        );
    }
}

#[test]
fn a_page_with_no_title_or_text_is_refused_with_a_reason() {
    let error = article_page("<html><body></body></html>", &Hints::default()).unwrap_err();
    assert!(error.to_string().contains("no title"), "{error}");
    let error = article_page(
        "<html><head><title>Only a title</title></head><body><nav>x</nav></body></html>",
        &Hints::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("no article text"), "{error}");
}

#[test]
fn an_implications_heading_above_a_table_in_a_page_is_its_caption() {
    let html = "<html><head><title>T</title></head><body><div class=\"entry-content\">\
        <h2>Highlights</h2><ul><li>Point.</li></ul><p>Body.</p>\
        <h3>Implications</h3><table><tr><th>Area</th><th>What changes</th></tr>\
        <tr><td>Ports</td><td>Land is priced higher.</td></tr></table>\
        <h2>Key Questions</h2><ol><li>Who pays?</li></ol><p>Closing.</p></div></body></html>";
    let got = article_page(html, &Hints::default()).unwrap();
    let b = got.briefing;
    let table = b.implications.expect("the table is read");
    assert_eq!(table.caption, "Implications");
    assert_eq!(table.columns, vec!["Area", "What changes"]);
    assert_eq!(table.rows[0].heading, "Ports");
    let texts: Vec<&str> = b.body.iter().map(|b| b.text.as_str()).collect();
    assert_eq!(texts, vec!["Body."], "no stray heading: {:?}", b.body);
}
