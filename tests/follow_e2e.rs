//! Following publishers end to end, against a publisher's web server on
//! loopback (no internet): feed items become briefings and posts, exactly
//! once; conditional requests; refusals of private addresses, oversized
//! and malformed responses; backoff and disabling; updates in place.

mod support;

use std::sync::Arc;
use std::time::Duration;

use briefbot::clock::{Clock, ManualClock, SharedClock};
use briefbot::follow::{ArticleStatus, FetchPolicy, FollowConfig, Follower, SourceReport};
use briefbot::posting::{Wake, LOCAL_GUILD};
use briefbot::samples::load_samples;
use briefbot::store::{Db, FollowedSource, GuildScope, NewSource, Payload, Setting, Store, Wants};
use chrono::{DateTime, Utc};
use discord_double::{CHANNEL_ID, GUILD_ID};
use support::bot::{double, Options, LIMIT};
use support::site::{Resource, Site};

const RSS: &str = "application/rss+xml; charset=UTF-8";
const HTML: &str = "text/html; charset=UTF-8";
const MINUTE: i64 = 60_000;

fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Reaches the test's own server on loopback, as BRIEFBOT_SOURCES_ALLOW_PRIVATE does.
fn loopback() -> FollowConfig {
    FollowConfig {
        fetch: FetchPolicy {
            allow_private: true,
            ..FetchPolicy::default()
        },
        ..FollowConfig::default()
    }
}

fn library() -> Db {
    let mut store = Store::open_in_memory().unwrap();
    load_samples(&mut store).unwrap();
    Db::new(store)
}

fn follower(db: &Db, clock: &Arc<ManualClock>, config: FollowConfig) -> Follower {
    let clock: SharedClock = clock.clone();
    Follower::new(db.clone(), clock, Wake::default(), config).unwrap()
}

/// The publisher's three article pages.
fn serve_pages(site: &Site) {
    for (path, page) in [
        ("/2025/10/14/harbour-batteries/", "harbour-batteries.html"),
        ("/ledger-to-mine/", "cobalt-ledger.html"),
        ("/rivers-and-freight/", "plain-article.html"),
    ] {
        site.serve(path, Resource::ok(site.fixture(page), HTML));
    }
}

/// The excerpt feed without its newest item (what it listed yesterday).
fn yesterdays_feed(site: &Site) -> String {
    support::site::without_first_item(&site.fixture("feed-excerpt.xml"))
}

/// A library whose local server subscribes to everything, and a follower
/// on a hand-moved clock that has just added (not yet fetched) `url`.
async fn following(url: String) -> (Db, Arc<ManualClock>, Follower, FollowedSource) {
    let db = library();
    db.call(|s| {
        s.subscribe(LOCAL_GUILD, 9, &Wants::default(), 1, 0)
            .map(|_| ())
    })
    .await
    .unwrap();
    let clock = ManualClock::new(start_time());
    let follower = follower(&db, &clock, loopback());
    let added = add(&follower, url).await;
    (db, clock, follower, added)
}

async fn source(db: &Db, id: i64) -> FollowedSource {
    db.read(move |s| s.source(id)).await.unwrap().unwrap()
}

async fn add(follower: &Follower, url: String) -> FollowedSource {
    follower
        .add(NewSource {
            url,
            interval_seconds: 600,
            ..NewSource::default()
        })
        .await
        .unwrap()
}

fn statuses(report: &SourceReport) -> Vec<&ArticleStatus> {
    report.articles.iter().map(|a| &a.status).collect()
}

/// Waits, within the bound, until `check` holds on the database.
async fn until<T>(
    db: &Db,
    what: &str,
    check: impl Fn(&mut Store) -> Option<T> + Send + Sync + Clone + 'static,
) -> T
where
    T: Send + 'static,
{
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let check = check.clone();
        if let Some(found) = db.call(move |s| Ok(check(s))).await.unwrap() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_feed_item_is_posted_once_and_the_backlog_never() {
    let site = Site::start().await;
    serve_pages(&site);
    site.serve(
        "/feed/",
        Resource::ok(yesterdays_feed(&site), RSS).with_etag("\"v1\""),
    );
    let double = double().await;
    let db = library();
    db.call(|s| {
        s.subscribe(GUILD_ID, CHANNEL_ID, &Wants::default(), 1, 0)
            .map(|_| ())
    })
    .await
    .unwrap();
    let clock = ManualClock::new(start_time());
    let shared: SharedClock = clock.clone();
    let bot = support::bot::Bot::start(
        &double,
        db.clone(),
        Options {
            clock: Some(shared),
            follow: Some(loopback()),
            ..Options::default()
        },
    )
    .await;
    let follower = bot.follower.clone().unwrap();

    // Added (and fetched at once, as `source add` does): what it lists is
    // imported, unposted.
    let added = add(&follower, site.url("/feed/")).await;
    let id = added.id;
    follower.fetch_source(added).await.unwrap();
    let backlog = ["Ledger to Mine", "Why Rivers Matter to Freight"];
    for title in backlog {
        let title = title.to_string();
        assert!(
            db.read(move |s| s.search(&title, 1)).await.unwrap().len() == 1,
            "the backlog is in the library"
        );
    }

    // The publisher posts a new article; at the next interval it goes out.
    site.serve(
        "/feed/",
        Resource::ok(site.fixture("feed-excerpt.xml"), RSS).with_etag("\"v2\""),
    );
    clock.advance(chrono::Duration::minutes(11));
    let posted = |d: &discord_double::Double, title: &str| {
        d.channel_messages(CHANNEL_ID)
            .iter()
            .filter(|m| m.body.to_string().contains(title))
            .count()
    };
    double
        .wait_for(LIMIT, "the new article's post", |d| {
            (posted(d, "Harbour Batteries") > 0).then_some(())
        })
        .await
        .unwrap();

    // At the next interval the server says "not modified": one request, no post.
    clock.advance(chrono::Duration::minutes(11));
    let seen = site.clone();
    until(&db, "the conditional fetch", move |_| {
        (seen.seen("/feed/").len() == 3).then_some(())
    })
    .await;
    let last = site.seen("/feed/").pop().unwrap();
    assert_eq!(last.status, 304);
    assert_eq!(last.headers.get("if-none-match").unwrap(), "\"v2\"");
    // The 304 did not repeat the ETag; the next request still sends it.
    clock.advance(chrono::Duration::minutes(11));
    let seen = site.clone();
    until(&db, "another conditional fetch", move |_| {
        (seen.seen("/feed/").len() == 4).then_some(())
    })
    .await;
    let last = site.seen("/feed/").pop().unwrap();
    assert_eq!(
        (
            last.status,
            last.headers.get("if-none-match").unwrap().to_str().unwrap()
        ),
        (304, "\"v2\"")
    );
    let article_pages = site.seen("/2025/10/14/harbour-batteries/").len();
    assert_eq!(
        article_pages, 1,
        "a page is fetched once, when its item is new"
    );
    until(&db, "the 304 recorded", move |s| {
        let source = s.source(id).unwrap().unwrap();
        (source.last_success_at == Some(clock.now_ms())).then_some(())
    })
    .await;

    let db = bot.stop().await;
    let harbour_posts = posted(&double, "Harbour Batteries");
    assert!(harbour_posts >= 1);
    for title in backlog {
        assert_eq!(posted(&double, title), 0, "{title} was in the backlog");
    }
    // Exactly once: one delivery for the subscription, sent.
    let deliveries = db
        .read(|s| s.delivery_log(GUILD_ID, Default::default(), 50))
        .await
        .unwrap();
    let briefing_posts: Vec<_> = deliveries
        .iter()
        .filter(|d| matches!(d.payload, Payload::Briefing(_)))
        .collect();
    assert_eq!(briefing_posts.len(), 1, "{deliveries:?}");
    assert!(double.problems().is_empty(), "{:?}", double.problems());
    assert!(double.every_post_acknowledged());
}

#[tokio::test]
async fn an_updated_article_is_updated_in_place_without_a_post() {
    let site = Site::start().await;
    let full = site.fixture("feed-full.xml");
    let empty = support::site::without_first_item(&full);
    site.serve("/feed/full/", Resource::ok(empty, RSS));
    let (db, _clock, follower, added) = following(site.url("/feed/full/")).await;
    let first = follower.fetch_source(added.clone()).await.unwrap();
    assert!(
        first.articles.is_empty() && first.error.is_none(),
        "{first:?}"
    );

    // The article appears with its full content: no page fetch needed.
    site.serve("/feed/full/", Resource::ok(full.clone(), RSS));
    let report = follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    let ArticleStatus::Imported {
        briefing_id,
        posted: true,
    } = report.articles[0].status
    else {
        panic!("{report:?}");
    };
    assert!(site.seen("/2025/10/14/harbour-batteries/").is_empty());
    let queued = db
        .call(|s| s.queue_new_briefings(GuildScope::ALL, 1))
        .await
        .unwrap();
    assert_eq!(queued, 1);
    let before = db
        .read(move |s| s.briefing_by_id(briefing_id))
        .await
        .unwrap()
        .unwrap();

    // Fetched again unchanged: nothing to do.
    let again = follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    assert_eq!(statuses(&again), vec![&ArticleStatus::Unchanged]);

    // The publisher edits the article (a sentence and one question), and
    // its title: the same briefing is updated, unchanged questions keep
    // their ids, and nothing is posted again.
    let edited = full
        .replace(
            "Harbour Batteries: Coastal",
            "Harbour Batteries, Revised: Coastal",
        )
        .replace("tripled in two years", "nearly tripled in two years")
        .replace(
            "Will cheaper storage at the coast reduce",
            "Could cheaper storage at the coast reduce",
        );
    site.serve("/feed/full/", Resource::ok(edited, RSS));
    let report = follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    assert_eq!(
        statuses(&report),
        vec![&ArticleStatus::Updated { briefing_id }]
    );
    let after = db
        .read(move |s| s.briefing_by_id(briefing_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.briefing.slug, before.briefing.slug, "the slug stays");
    assert!(after.briefing.title.contains("Revised"));
    assert!(after.briefing.highlights[1].contains("nearly tripled"));
    assert_eq!(after.questions[0].id, before.questions[0].id);
    assert_eq!(after.questions[1].id, before.questions[1].id);
    assert_ne!(after.questions[2].id, before.questions[2].id);
    let queued = db
        .call(|s| s.queue_new_briefings(GuildScope::ALL, 2))
        .await
        .unwrap();
    assert_eq!(queued, 0, "an update is not posted again");
}

#[tokio::test]
async fn excerpt_items_fetch_their_pages_and_a_page_without_structure_falls_back() {
    let site = Site::start().await;
    serve_pages(&site);
    site.serve(
        "/feed/",
        Resource::ok(site.fixture("feed-excerpt.xml"), RSS)
            .with_header("last-modified", "Wed, 15 Oct 2025 09:12:44 GMT"),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    let follower = follower(&db, &clock, loopback());
    let added = add(&follower, site.url("/feed/")).await;
    let report = follower.fetch_source(added.clone()).await.unwrap();
    assert_eq!(report.articles.len(), 3, "{report:?}");
    assert!(report
        .articles
        .iter()
        .all(|a| matches!(a.status, ArticleStatus::Imported { posted: false, .. })));
    let rivers = report
        .articles
        .iter()
        .find(|a| a.title.as_deref() == Some("Why Rivers Matter to Freight"))
        .unwrap();
    assert!(
        rivers.notes.iter().any(|n| n.contains("main text")),
        "{:?}",
        rivers.notes
    );
    // The feed's categories, not only the page's.
    let found = db
        .read(|s| s.find_briefing("why-rivers-matter-to-freight"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.briefing.categories, vec!["Logistics"]);

    // The next request is conditional on the date the server gave.
    follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    let second = site.seen("/feed/").pop().unwrap();
    assert_eq!(
        second.headers.get("if-modified-since").unwrap(),
        "Wed, 15 Oct 2025 09:12:44 GMT"
    );
}

#[tokio::test]
async fn private_addresses_are_refused_before_and_after_redirects() {
    let site = Site::start().await;
    let port = site.base().rsplit(':').next().unwrap().to_string();
    site.serve(
        "/feed/",
        Resource::ok(site.fixture("feed-excerpt.xml"), RSS),
    );
    site.serve(
        "/metadata",
        Resource::redirect("http://169.254.169.254/latest/meta-data/"),
    );
    site.serve(
        "/named",
        Resource::redirect(&format!("http://localhost:{port}/feed/")),
    );
    site.serve("/ftp", Resource::redirect("ftp://127.0.0.1/feed"));
    // IPv6 spellings of loopback: IPv4-compatible and NAT64.
    site.serve(
        "/compatible",
        Resource::redirect(&format!("http://[::127.0.0.1]:{port}/feed/")),
    );
    site.serve(
        "/nat64",
        Resource::redirect(&format!("http://[64:ff9b::7f00:1]:{port}/feed/")),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    // This operator allows its own feed server (127.0.0.1) and nothing else
    // private.
    let strict = FollowConfig {
        fetch: FetchPolicy {
            allow_hosts: vec!["127.0.0.1".into()],
            ..FetchPolicy::default()
        },
        ..FollowConfig::default()
    };
    let follower = follower(&db, &clock, strict);
    assert!(
        follower.preview(&site.url("/feed/")).await.is_ok(),
        "the allowed host"
    );
    let refused = |path: &str| {
        let follower = follower.clone();
        let url = site.url(path);
        async move { follower.preview(&url).await.unwrap_err() }
    };
    let metadata = refused("/metadata").await;
    assert!(
        metadata.contains("169.254.169.254") && metadata.contains("link-local"),
        "{metadata}"
    );
    let named = refused("/named").await;
    assert!(
        named.contains("localhost") && named.contains("loopback"),
        "{named}"
    );
    let ftp = refused("/ftp").await;
    assert!(ftp.contains("only http and https"), "{ftp}");
    for path in ["/compatible", "/nat64"] {
        let error = refused(path).await;
        assert!(error.contains("a loopback address"), "{path}: {error}");
    }

    for (url, why) in [
        ("http://10.1.2.3/feed/".to_string(), "a private address"),
        (
            format!("http://127.0.0.2:{port}/feed/"),
            "a loopback address",
        ),
        ("http://[::1]/feed/".to_string(), "a loopback address"),
        ("file:///etc/passwd".to_string(), "http"),
    ] {
        let error = follower
            .add(NewSource {
                url: url.clone(),
                interval_seconds: 600,
                ..NewSource::default()
            })
            .await
            .unwrap_err();
        assert!(error.contains(why), "{url}: {error}");
    }
    assert!(
        db.read(|s| s.sources()).await.unwrap().is_empty(),
        "nothing was added"
    );
}

#[tokio::test]
async fn oversized_and_malformed_responses_fail_with_the_reason() {
    let site = Site::start().await;
    site.serve("/huge", Resource::ok(vec![b'x'; 200_000], RSS));
    site.serve(
        "/broken",
        Resource::ok("<rss><channel><item><title>unterminated", RSS),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    let config = FollowConfig {
        fetch: FetchPolicy {
            max_bytes: 64 * 1024,
            ..loopback().fetch
        },
        ..loopback()
    };
    let follower = follower(&db, &clock, config);
    for (path, expected) in [
        ("/huge", "over the limit of 65536 bytes"),
        ("/broken", "not a readable feed"),
    ] {
        let added = add(&follower, site.url(path)).await;
        let report = follower.fetch_source(added.clone()).await.unwrap();
        let error = report.error.clone().unwrap();
        assert!(error.contains(expected), "{path}: {error}");
        let after = source(&db, added.id).await;
        assert_eq!(after.failures, 1);
        assert_eq!(after.last_error.as_deref(), Some(error.as_str()));
    }
    assert_eq!(
        db.read(|s| s.briefing_count()).await.unwrap(),
        4,
        "only the samples"
    );
}

#[tokio::test]
async fn a_failing_source_backs_off_then_is_disabled_and_servers_are_told_once() {
    let site = Site::start().await;
    site.serve(
        "/feed/",
        Resource::status(503).with_header("retry-after", "7200"),
    );
    let db = library();
    db.call(|s| {
        s.subscribe(GUILD_ID, CHANNEL_ID, &Wants::default(), 1, 0)?;
        s.change_setting(GUILD_ID, &Setting::LogChannel(Some(77)), 0)
    })
    .await
    .unwrap();
    let clock = ManualClock::new(start_time());
    let config = FollowConfig {
        max_failures: 3,
        ..loopback()
    };
    let follower = follower(&db, &clock, config);
    let added = add(&follower, site.url("/feed/")).await;
    let now = clock.now_ms();

    // The server asks for two hours: more than the interval, so honoured.
    let first = follower.fetch_source(added.clone()).await.unwrap();
    assert!(first.error.as_deref().unwrap().contains("503"), "{first:?}");
    assert_eq!(
        source(&db, added.id).await.next_fetch_at,
        now + 120 * MINUTE
    );

    // Then plain errors: the wait doubles from the interval.
    site.serve("/feed/", Resource::status(500));
    follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    let second = source(&db, added.id).await;
    assert_eq!(
        (second.failures, second.next_fetch_at),
        (2, now + 20 * MINUTE)
    );
    assert!(second.enabled);

    let third = follower.fetch_source(second).await.unwrap();
    let reason = third.disabled.clone().unwrap();
    assert!(
        reason.contains("3 failed fetches in a row") && reason.contains("500"),
        "{reason}"
    );
    let disabled = source(&db, added.id).await;
    assert!(!disabled.enabled);
    assert_eq!(disabled.disabled_reason.as_deref(), Some(reason.as_str()));
    // Disabled sources are not fetched, even by `fetch --all`.
    assert!(follower.fetch_due(true).await.unwrap().is_empty());
    assert_eq!(site.seen("/feed/").len(), 3);

    let notices: Vec<String> = db
        .read(|s| s.delivery_log(GUILD_ID, Default::default(), 50))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|d| match d.payload {
            Payload::Notice(text) if d.channel_id == 77 => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("stopped following") && notices[0].contains("source enable"));

    // Enabling clears the failures and makes it due at once.
    db.call(move |s| s.set_source_enabled(added.id, true, None, now).map(|_| ()))
        .await
        .unwrap();
    let enabled = source(&db, added.id).await;
    assert!(enabled.enabled && enabled.failures == 0 && enabled.disabled_reason.is_none());
}

#[tokio::test]
async fn one_request_per_host_at_a_time() {
    let site = Site::start().await;
    for path in ["/a/", "/b/", "/c/"] {
        site.serve(
            path,
            Resource::ok(site.fixture("feed-excerpt.xml"), RSS)
                .with_etag("\"same\"")
                .with_delay(Duration::from_millis(100)),
        );
    }
    serve_pages(&site);
    let db = library();
    let clock = ManualClock::new(start_time());
    let follower = follower(&db, &clock, loopback());
    for path in ["/a/", "/b/", "/c/"] {
        add(&follower, site.url(path)).await;
    }
    let reports = follower.fetch_due(true).await.unwrap();
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
    assert_eq!(
        site.most_in_flight(),
        1,
        "the host was asked one thing at a time"
    );
}

#[tokio::test]
async fn one_article_page_imports_with_its_charset() {
    let site = Site::start().await;
    let path = format!(
        "{}/tests/fixtures/sites/cafe-windows-1252.html",
        env!("CARGO_MANIFEST_DIR")
    );
    site.serve(
        "/cafe/",
        Resource::ok(
            std::fs::read(path).unwrap(),
            "text/html; charset=windows-1252",
        ),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    let follower = follower(&db, &clock, loopback());
    let (_, id, extracted) = follower.import_page(&site.url("/cafe/")).await.unwrap();
    assert_eq!(
        extracted.briefing.title,
        "Café Owners “Wait and See” on Energy Prices"
    );
    let stored = db
        .read(move |s| s.briefing_by_id(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.briefing.source.url.as_deref(),
        Some(site.url("/cafe/").as_str())
    );
}

/// What the member saw in answer to `invocation`, and whether only they saw it.
async fn shown(
    double: &discord_double::Double,
    invocation: &discord_double::Invocation,
) -> (String, bool) {
    let reply = double
        .wait_for(LIMIT, "the reply", |d| {
            d.shown_replies(invocation).into_iter().next()
        })
        .await
        .unwrap();
    let mut text = reply.body["content"].as_str().unwrap_or("").to_string();
    for embed in reply.body["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            text.push_str(embed[key].as_str().unwrap_or(""));
            text.push('\n');
        }
    }
    (text, reply.private)
}

fn subcommand(name: &str, options: serde_json::Value) -> serde_json::Value {
    serde_json::json!([{ "name": name, "type": 1, "options": options }])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_bots_owners_manage_sources_and_moderators_filter_by_them() {
    use discord_double::{resolved_channels, Invoker};
    use serde_json::json;
    const OWNER: u64 = 660_000_000_000_000_006;
    let site = Site::start().await;
    serve_pages(&site);
    site.serve("/feed/", Resource::ok(yesterdays_feed(&site), RSS));
    let double = double().await;
    let db = library();
    let bot = support::bot::Bot::start(
        &double,
        db.clone(),
        Options {
            follow: Some(loopback()),
            owners: vec![OWNER],
            ..Options::default()
        },
    )
    .await;
    let add = subcommand(
        "add",
        json!([{ "name": "url", "type": 3, "value": site.url("/feed/") }]),
    );

    // A server moderator is not an owner of the bot.
    let refused = double
        .send_command_as(&Invoker::moderator(), "source", add.clone(), json!({}))
        .unwrap();
    let (text, private) = shown(&double, &refused).await;
    assert!(private && text.contains("owners only"), "{text}");
    assert!(db.read(|s| s.sources()).await.unwrap().is_empty());

    let owner = Invoker {
        user_id: OWNER,
        ..Invoker::moderator()
    };
    let added = double
        .send_command_as(&owner, "source", add, json!({}))
        .unwrap();
    let (text, private) = shown(&double, &added).await;
    assert!(private, "{text}");
    assert!(
        text.contains("Following source #1, **Grid Desk**")
            && text.contains("2 articles it lists now were imported without being posted"),
        "{text}"
    );
    let listed = double
        .send_command_as(&owner, "source", subcommand("list", json!([])), json!({}))
        .unwrap();
    let (text, _) = shown(&double, &listed).await;
    assert!(
        text.contains("#1") && text.contains(&site.url("/feed/")),
        "{text}"
    );

    // A moderator takes only that source's briefings into a channel.
    let subscribe = double
        .send_command_as(
            &Invoker::moderator(),
            "subscribe",
            subcommand(
                "add",
                json!([
                    { "name": "channel", "type": 7, "value": CHANNEL_ID.to_string() },
                    { "name": "source", "type": 3, "value": "1" }
                ]),
            ),
            resolved_channels(&[CHANNEL_ID]),
        )
        .unwrap();
    let (text, _) = shown(&double, &subscribe).await;
    assert!(text.contains("every new briefing from Grid Desk"), "{text}");
    let subscription = db
        .read(|s| s.subscription(GUILD_ID, CHANNEL_ID))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(subscription.sources, vec![1]);
    bot.stop().await;
    assert!(double.problems().is_empty(), "{:?}", double.problems());
}

/// A feed listing more new articles than one round reads: the rest wait
/// for the next round, and a first fetch's backlog stays unposted however
/// late it is read.
#[tokio::test]
async fn many_new_articles_are_read_over_several_rounds() {
    let site = Site::start().await;
    let page = site.fixture("plain-article.html");
    let mut items = String::new();
    for n in 0..12 {
        site.serve(
            &format!("/story/{n}/"),
            Resource::ok(
                page.replace("Why Rivers Matter to Freight", &format!("Story {n}")),
                HTML,
            ),
        );
        items.push_str(&format!(
            "<item><title>Story {n}</title><link>{}</link><guid>story-{n}</guid></item>",
            site.url(&format!("/story/{n}/"))
        ));
    }
    let feed = format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title>{items}</channel></rss>");
    site.serve("/feed/", Resource::ok(feed, RSS));
    let (db, _clock, follower, added) = following(site.url("/feed/")).await;
    let first = follower.fetch_source(added.clone()).await.unwrap();
    let count = |report: &SourceReport, f: fn(&ArticleStatus) -> bool| {
        report.articles.iter().filter(|a| f(&a.status)).count()
    };
    assert_eq!(
        count(&first, |s| matches!(s, ArticleStatus::Imported { .. })),
        10
    );
    assert_eq!(count(&first, |s| matches!(s, ArticleStatus::Later)), 2);
    let second = follower
        .fetch_source(source(&db, added.id).await)
        .await
        .unwrap();
    assert_eq!(
        count(&second, |s| matches!(
            s,
            ArticleStatus::Imported { posted: false, .. }
        )),
        2,
        "{second:?}"
    );
    assert_eq!(
        count(&second, |s| matches!(s, ArticleStatus::Unchanged)),
        10
    );
    let queued = db
        .call(|s| s.queue_new_briefings(GuildScope::ALL, 1))
        .await
        .unwrap();
    assert_eq!(
        queued, 0,
        "all twelve were listed when the source was added"
    );
}

/// Compressed answers are read (gzip), and the size cap holds on what they
/// unpack to: a small gzip of a large body is refused. Redirect loops stop
/// after five, a server that never answers times out, and `max-age` longer
/// than the interval is honoured.
#[tokio::test]
async fn gzip_bombs_redirect_loops_slow_servers_and_max_age() {
    use std::io::Write;
    let site = Site::start().await;
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let feed = site.fixture("feed-full.xml");
    site.serve(
        "/gzipped/",
        Resource::ok(gzip(feed.as_bytes()), RSS).with_header("content-encoding", "gzip"),
    );
    let bomb = gzip(&vec![b' '; 8 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024, "the bomb itself is small");
    site.serve(
        "/bomb/",
        Resource::ok(bomb, RSS).with_header("content-encoding", "gzip"),
    );
    for n in 0..10 {
        site.serve(
            &format!("/loop/{n}"),
            Resource::redirect(&format!("/loop/{}", n + 1)),
        );
    }
    site.serve(
        "/slow/",
        Resource::ok(feed.clone(), RSS).with_delay(Duration::from_secs(5)),
    );
    site.serve(
        "/cached/",
        Resource::ok(feed, RSS).with_header("cache-control", "public, max-age=7200"),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    let config = FollowConfig {
        fetch: FetchPolicy {
            max_bytes: 1024 * 1024,
            timeout: Duration::from_millis(500),
            ..loopback().fetch
        },
        ..loopback()
    };
    let follower = follower(&db, &clock, config);
    let gzipped = follower.preview(&site.url("/gzipped/")).await.unwrap();
    assert_eq!(gzipped.articles.len(), 1);
    assert!(gzipped.articles[0].is_ok());
    let bomb = follower.preview(&site.url("/bomb/")).await.unwrap_err();
    assert!(bomb.contains("over the limit of 1048576 bytes"), "{bomb}");
    let looped = follower.preview(&site.url("/loop/0")).await.unwrap_err();
    assert!(looped.contains("more than 5 redirects"), "{looped}");
    assert_eq!(
        site.seen("/loop/6").len(),
        0,
        "no sixth redirect was followed"
    );
    let slow = follower.preview(&site.url("/slow/")).await.unwrap_err();
    assert!(slow.contains("127.0.0.1 did not answer in time"), "{slow}");
    // Connection failures name the host and the cause an operator acts on.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = follower
        .preview(&format!("http://127.0.0.1:{closed_port}/feed/"))
        .await
        .unwrap_err();
    assert!(
        refused.contains("127.0.0.1 refused the connection"),
        "{refused}"
    );
    let plain_as_tls = site.url("/gzipped/").replacen("http://", "https://", 1);
    let tls = follower.preview(&plain_as_tls).await.unwrap_err();
    assert!(
        tls.contains("the secure connection to 127.0.0.1 failed (TLS)"),
        "{tls}"
    );

    let added = add(&follower, site.url("/cached/")).await;
    let now = clock.now_ms();
    follower.fetch_source(added.clone()).await.unwrap();
    assert_eq!(
        source(&db, added.id).await.next_fetch_at,
        now + 120 * MINUTE,
        "two hours of max-age, longer than the 10-minute interval"
    );
}

#[tokio::test]
async fn a_sources_own_questions_go_to_its_articles_that_have_none() {
    let site = Site::start().await;
    serve_pages(&site);
    site.serve(
        "/feed/",
        Resource::ok(site.fixture("feed-excerpt.xml"), RSS),
    );
    let db = library();
    let clock = ManualClock::new(start_time());
    let follower = follower(&db, &clock, loopback());
    let added = follower
        .add(NewSource {
            url: site.url("/feed/"),
            interval_seconds: 600,
            questions: vec!["What would you do differently?".into()],
            ..NewSource::default()
        })
        .await
        .unwrap();
    let report = follower.fetch_source(added).await.unwrap();
    let rivers = report
        .articles
        .iter()
        .find(|a| a.title.as_deref() == Some("Why Rivers Matter to Freight"))
        .unwrap();
    assert!(
        rivers
            .notes
            .iter()
            .any(|n| n.contains("the source's own questions")),
        "{:?}",
        rivers.notes
    );
    let plain = db
        .read(|s| s.find_briefing("why-rivers-matter-to-freight"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        plain.briefing.key_questions,
        vec!["What would you do differently?"]
    );
    // An article with questions of its own keeps them, not the source's.
    let structured = db
        .read(|s| {
            s.find_briefing(
                "harbour-batteries-coastal-grid-operators-race-to-store-offshore-wind-surplus",
            )
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(structured.briefing.key_questions.len(), 3);
    assert!(!structured
        .briefing
        .key_questions
        .iter()
        .any(|q| q.contains("differently")));
}
