//! What a hostile member can cost: the worst briefing lookup a member may
//! type, on 100,000 briefings, and `/briefing latest` latency while ten such
//! lookups run at once. `cargo bench --bench hostile_lookup`.
//!
//! Goal (issue 9): p99 of the concurrent `latest` under 5 ms.

#[path = "support/generate.rs"]
mod generate;
#[path = "support/library.rs"]
mod library;
#[path = "support/timing.rs"]
mod timing;

use timing::report;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use briefbot::handlers::{Handlers, MAX_LOOKUP_CHARS};
use briefbot::store::Db;

const BRIEFINGS: usize = 100_000;
const VOCABULARY: usize = 50_000;
const LATEST_CALLS: usize = 2_000;
const ATTACKERS: usize = 10;

/// As many of the library's commonest (short) words as fit the bound: the
/// most matches per word, the most words a member may type.
fn worst_allowed(vocabulary: &generate::Vocabulary) -> String {
    let mut rng = generate::Rng::new(3);
    let mut text = String::new();
    loop {
        let word = vocabulary.word(&mut rng);
        if text.chars().count() + word.len() + 1 > MAX_LOOKUP_CHARS {
            return text.trim_end().to_string();
        }
        text.push_str(word);
        text.push(' ');
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let store = library::database(BRIEFINGS, VOCABULARY);
    let vocabulary = generate::Vocabulary::new(VOCABULARY);
    let worst = worst_allowed(&vocabulary);
    let essay = format!("{worst} ").repeat(6_000 / (worst.len() + 1) + 1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let handlers = Handlers::new(Db::new(store));
    let reader = briefbot::handlers::Caller::direct(7);
    println!("hostile lookups at {BRIEFINGS} briefings:");
    println!(
        "worst allowed input: {} characters, {} words",
        worst.chars().count(),
        worst.split(' ').count()
    );

    runtime.block_on(async {
        let time = |typed: String| {
            let (handlers, reader) = (handlers.clone(), reader.clone());
            async move {
                let started = Instant::now();
                let _ = handlers.read(&reader, typed).await;
                started.elapsed()
            }
        };
        let mut times = Vec::new();
        for _ in 0..200 {
            times.push(time(worst.clone()).await);
        }
        report("/briefing read, worst allowed (200 chars)", times);
        let mut times = Vec::new();
        for _ in 0..200 {
            times.push(time(essay.clone()).await);
        }
        report("/briefing read, 6,000 characters (refused)", times);

        let mut alone = Vec::with_capacity(LATEST_CALLS);
        for _ in 0..LATEST_CALLS {
            let started = Instant::now();
            handlers.latest(&reader, None).await.unwrap();
            alone.push(started.elapsed());
        }
        report("/briefing latest, alone", alone);

        let stop = Arc::new(AtomicBool::new(false));
        let mut attackers = Vec::new();
        for _ in 0..ATTACKERS {
            let (handlers, stop, worst) = (handlers.clone(), stop.clone(), worst.clone());
            let reader = reader.clone();
            attackers.push(tokio::spawn(async move {
                let mut done = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let _ = handlers.read(&reader, worst.clone()).await;
                    done += 1;
                }
                done
            }));
        }
        let started = Instant::now();
        let mut beside = Vec::with_capacity(LATEST_CALLS);
        for _ in 0..LATEST_CALLS {
            let at = Instant::now();
            handlers.latest(&reader, None).await.unwrap();
            beside.push(at.elapsed());
        }
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut lookups = 0;
        for attacker in attackers {
            lookups += attacker.await.unwrap();
        }
        report("/briefing latest, beside 10 worst lookups", beside);
        println!(
            "{:<46} {lookups} worst lookups done meanwhile ({:.0}/s)",
            "",
            lookups as f64 / elapsed.as_secs_f64()
        );
    });
}
