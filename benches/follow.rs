//! Following sources. `cargo bench --bench follow`:
//! - extraction: article pages (our fixtures) read into briefings, pages/s;
//! - a polling round: `briefbot run` as its own process following 1,000
//!   sources on a local publisher (16 loopback hosts) that answer 304 to
//!   the second round: CPU time the bot spent on that round, and its span;
//! - memory: the bot's RSS idle with no source, and after following 1,000.
//!
//! The second part takes about two minutes (the bot's shortest interval is
//! one minute). Set ROUND=0 to run the extraction only.

#[path = "support/memory.rs"]
mod memory;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response};
use briefbot::domain::feed;
use briefbot::domain::html::{article_fragment, article_page, decode_page, Hints};
use briefbot::store::{NewSource, Store};
use discord_double::{Double, APPLICATION_ID};

const HOSTS: usize = 16;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/sites/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn extraction() {
    println!("extraction (article page -> briefing), release build:");
    let pages = [
        "harbour-batteries.html",
        "cobalt-ledger.html",
        "plain-article.html",
        "cafe-windows-1252.html",
    ];
    let mut total_pages = 0;
    let mut total_time = Duration::ZERO;
    for name in pages {
        let bytes = String::from_utf8_lossy(&fixture(name))
            .replace("{{BASE}}", "https://griddesk.example")
            .into_bytes();
        let bytes = if name.contains("1252") {
            fixture(name)
        } else {
            bytes
        };
        let runs = 2_000;
        let started = Instant::now();
        for _ in 0..runs {
            let text = decode_page(&bytes, None);
            std::hint::black_box(article_page(&text, &Hints::default()).unwrap());
        }
        let took = started.elapsed();
        total_pages += runs;
        total_time += took;
        println!(
            "  {name:<28} {:>6.1} KB  {:>8.0} pages/s  ({:.1} µs each)",
            bytes.len() as f64 / 1024.0,
            runs as f64 / took.as_secs_f64(),
            took.as_secs_f64() * 1e6 / runs as f64
        );
    }
    println!(
        "  all four, mixed                        {:>8.0} pages/s",
        total_pages as f64 / total_time.as_secs_f64()
    );
    let xml = String::from_utf8(fixture("feed-full.xml"))
        .unwrap()
        .replace("{{BASE}}", "https://griddesk.example");
    let runs = 2_000;
    let started = Instant::now();
    for _ in 0..runs {
        let parsed = feed::parse(xml.as_bytes()).unwrap();
        let item = &parsed.items[0];
        std::hint::black_box(
            article_fragment(item.content.as_deref().unwrap(), &item.hints(&parsed)).unwrap(),
        );
    }
    let took = started.elapsed();
    println!(
        "  full-content feed item (parse + read)  {:>8.0} items/s",
        runs as f64 / took.as_secs_f64()
    );
}

/// What the publisher saw.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
    not_modified: AtomicUsize,
    times: Mutex<Vec<(Instant, u16)>>,
}

/// Serves `/feed/N` on 127.0.0.1 ..= 127.0.0.16, one port: a full-content
/// feed whose item is numbered N, with an ETag; 304 to the same ETag.
async fn publisher(seen: Arc<Seen>) -> u16 {
    let template = String::from_utf8(fixture("feed-full.xml")).unwrap();
    let first = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = first.local_addr().unwrap().port();
    let mut listeners = vec![first];
    for host in 2..=HOSTS {
        let addr: SocketAddr = format!("127.0.0.{host}:{port}").parse().unwrap();
        listeners.push(tokio::net::TcpListener::bind(addr).await.unwrap());
    }
    for listener in listeners {
        let seen = Arc::clone(&seen);
        let template = template.clone();
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let seen = Arc::clone(&seen);
            let template = template.clone();
            async move {
                seen.requests.fetch_add(1, Ordering::SeqCst);
                let n = request
                    .uri()
                    .path()
                    .trim_start_matches("/feed/")
                    .to_string();
                let unchanged = request
                    .headers()
                    .get("if-none-match")
                    .is_some_and(|v| v == "\"v1\"");
                let status = if unchanged { 304 } else { 200 };
                seen.times.lock().unwrap().push((Instant::now(), status));
                if unchanged {
                    seen.not_modified.fetch_add(1, Ordering::SeqCst);
                    return Response::builder().status(304).body(Body::empty()).unwrap();
                }
                let base = format!("http://{}", request.headers()["host"].to_str().unwrap());
                let body = template
                    .replace("{{BASE}}", &base)
                    .replace("?p=812", &format!("?p={n}"))
                    .replace(
                        "Harbour Batteries: Coastal",
                        &format!("Harbour Batteries {n}: Coastal"),
                    );
                Response::builder()
                    .header("etag", "\"v1\"")
                    .header("content-type", "application/rss+xml")
                    .body(Body::from(body))
                    .unwrap()
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    port
}

/// User + system CPU time of a process (clock ticks of 10 ms).
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After "pid (name)": state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((field(14) + field(15)) * 10)
}

/// "17.1 MB (binary 10.0, anonymous 4.9, database 0.0, libraries 2.1)".
fn resident(pid: u32) -> String {
    memory::resident(pid, std::path::Path::new(env!("CARGO_BIN_EXE_briefbot"))).to_string()
}

fn spawn_bot(db: &std::path::Path, double: &Double) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_briefbot"))
        .arg("--db")
        .arg(db)
        .arg("run")
        .env("DISCORD_TOKEN", "MTEwMDAw.follow.bench")
        .env("BRIEFBOT_DISCORD_API", double.base_url())
        .env(
            "BRIEFBOT_LOG",
            std::env::var("BOT_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env("BRIEFBOT_SOURCES_ALLOW_PRIVATE", "true")
        .stdout(Stdio::null())
        .spawn()
        .expect("briefbot runs")
}

async fn registered(double: &Double, before: usize) {
    double
        .wait_for(Duration::from_secs(30), "command registration", |d| {
            (d.with_requests(|log| {
                log.iter()
                    .filter(|r| r.path == format!("applications/{APPLICATION_ID}/commands"))
                    .count()
            }) > before)
                .then_some(())
        })
        .await
        .unwrap();
}

async fn wait_until(what: &str, limit: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn polling_round() {
    let sources: usize = std::env::var("SOURCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let seen: Arc<Seen> = Arc::default();
    let port = publisher(Arc::clone(&seen)).await;
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("follow.db");
    drop(Store::open(&db).unwrap());
    let double = Double::start(None, 0).await.unwrap();
    let mut bot = spawn_bot(&db, &double);
    let pid = bot.id();
    registered(&double, 0).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = resident(pid);

    // 1,000 sources, as `briefbot source add` writes them, every minute.
    let mut store = Store::open(&db).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    store
        .in_transaction(|s| {
            for n in 0..sources {
                let host = 1 + n % HOSTS;
                s.add_source(
                    &NewSource {
                        url: format!("http://127.0.0.{host}:{port}/feed/{n}"),
                        interval_seconds: 60,
                        ..NewSource::default()
                    },
                    now - 60_000,
                )?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);

    // The bot notices them within its idle minute and fetches each (200),
    // importing 1,000 briefings.
    wait_until("the first round", Duration::from_secs(150), || {
        seen.requests.load(Ordering::SeqCst) >= sources
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after_first = resident(pid);
    let before = cpu(pid);
    let started = Instant::now();
    wait_until("the 304 round", Duration::from_secs(150), || {
        seen.not_modified.load(Ordering::SeqCst) >= sources
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let round_cpu = cpu(pid).saturating_sub(before);
    let measured_over = started.elapsed();
    let after_round = resident(pid);
    let round: Vec<Instant> = seen
        .times
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, status)| *status == 304)
        .map(|(t, _)| *t)
        .collect();
    let span = *round.iter().max().unwrap() - *round.iter().min().unwrap();
    let _ = bot.kill();
    let _ = bot.wait();

    // What following costs by itself: a fresh bot on the same library, its
    // 1,000 sources known (ETags kept) and due in a few seconds; memory
    // before they are fetched, and after a round of 304s.
    let mut store = Store::open(&db).unwrap();
    let soon = chrono::Utc::now().timestamp_millis() + 15_000;
    for source in store.sources().unwrap() {
        store
            .record_fetch(
                source.id,
                &briefbot::store::FetchRecord::Success {
                    etag: source.etag.clone(),
                    last_modified: None,
                    next_fetch_at: soon,
                },
                soon - 60_000,
            )
            .unwrap();
    }
    drop(store);
    let mut fresh = spawn_bot(&db, &double);
    let fresh_pid = fresh.id();
    registered(&double, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let not_yet = resident(fresh_pid);
    let not_yet_kb = memory::status_kb(fresh_pid, "VmRSS:");
    wait_until("the fresh bot's 304 round", Duration::from_secs(60), || {
        seen.not_modified.load(Ordering::SeqCst) >= 2 * sources
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let following = resident(fresh_pid);
    let following_kb = memory::status_kb(fresh_pid, "VmRSS:");
    let _ = fresh.kill();
    let _ = fresh.wait();

    println!(
        "following {sources} sources on {HOSTS} loopback hosts (`briefbot run`, its own process):"
    );
    println!(
        "  304 round: {} requests, CPU {:.2} s (user + system, over {:.0} s that include the idle wait), first to last request {:.2} s",
        round.len(),
        round_cpu.as_secs_f64(),
        measured_over.as_secs_f64(),
        span.as_secs_f64()
    );
    println!("  RSS idle with no source:                  {idle}");
    println!("  after the first round (1,000 imported):   {after_first}");
    println!("  after the 304 round:                      {after_round}");
    println!("  a fresh bot on that library, before its sources are fetched: {not_yet}");
    println!("  the same bot after a round of 1,000 304s: {following}");
    println!(
        "  following 1,000 sources adds {:.1} MB",
        (following_kb as f64 - not_yet_kb as f64) / 1024.0
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    extraction();
    if std::env::var("ROUND").as_deref() == Ok("0") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(polling_round());
}
