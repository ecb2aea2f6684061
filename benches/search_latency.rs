//! Search latency percentiles at 100,000 stored briefings.
//! `cargo bench --bench search_latency` (criterion reports means; this goal is
//! about p99, so this harness times each query itself).
//!
//! The database is built once into target/bench-data and reused.

#[path = "support/generate.rs"]
mod generate;
#[path = "support/library.rs"]
mod library;
#[path = "support/timing.rs"]
mod timing;

use std::time::Instant;

const BRIEFINGS: usize = 100_000;
const QUERIES: usize = 2_000;
/// Distinct words in the generated corpus, about what a news archive uses.
const VOCABULARY: usize = 50_000;

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let store = library::database(BRIEFINGS, VOCABULARY);
    let vocabulary = generate::Vocabulary::new(VOCABULARY);
    let mut rng = generate::Rng::new(9);

    let mut run = |name: &str,
                   make_query: &mut dyn FnMut(&mut generate::Rng) -> String,
                   as_you_type: bool| {
        // A three-letter prefix takes far longer than a word: fewer of them.
        let count = if as_you_type { QUERIES / 10 } else { QUERIES };
        let queries: Vec<String> = (0..count).map(|_| make_query(&mut rng)).collect();
        for q in queries.iter().take(count / 20) {
            let _ = store.search(q, 10); // warm the page cache
        }
        let mut times = Vec::with_capacity(count);
        let mut hits = 0;
        for q in &queries {
            let started = Instant::now();
            let found = if as_you_type {
                store.search_as_you_type(q, 25).map(|s| s.len())
            } else {
                store.search(q, 10).map(|s| s.len())
            };
            times.push(started.elapsed());
            hits += found.unwrap();
        }
        timing::report(name, times);
        println!(
            "{:<34} average hits returned {:.1}",
            "",
            hits as f64 / count as f64
        );
    };

    println!("search latency at {BRIEFINGS} briefings, top 10, bm25-ranked with snippet:");
    run(
        "one topic word",
        &mut |rng| vocabulary.topic_word(rng).to_string(),
        false,
    );
    run(
        "two topic words",
        &mut |rng| {
            format!(
                "{} {}",
                vocabulary.topic_word(rng),
                vocabulary.topic_word(rng)
            )
        },
        false,
    );
    run(
        "one word, Zipf-drawn (common too)",
        &mut |rng| vocabulary.word(rng).to_string(),
        false,
    );
    run(
        "autocomplete prefix (3 letters)",
        &mut |rng| vocabulary.topic_word(rng).chars().take(3).collect(),
        true,
    );
}
