//! The 100,000-briefing library the search benches share, built once into
//! target/bench-data and reused.

use std::path::PathBuf;
use std::time::Instant;

use briefbot::store::{MemoryUse, Store};

use super::generate;

/// The library of `briefings` generated briefings over `vocabulary` words.
pub fn database(briefings: usize, vocabulary: usize) -> Store {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("search-{briefings}-v2.db"));
    let mut store = Store::open_with(&path, memory_use()).unwrap();
    let have = store.briefing_count().unwrap() as usize;
    if have < briefings {
        eprintln!(
            "building {briefings} briefings in {} (once)…",
            path.display()
        );
        let started = Instant::now();
        let words = generate::Vocabulary::new(vocabulary);
        let mut rng = generate::Rng::new(42);
        for chunk_start in (0..briefings).step_by(5000) {
            store
                .in_transaction(|store| {
                    for n in chunk_start..chunk_start + 5000 {
                        store.save_briefing(&words.briefing(n, &mut rng))?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        eprintln!("built in {:.1} s", started.elapsed().as_secs_f64());
    }
    store
}

/// SQLite's memory for the bench: the bot's defaults, or what the bot's own
/// settings `BRIEFBOT_SQLITE_MEMORY_MAP_MB` and
/// `BRIEFBOT_SQLITE_PAGE_CACHE_KB` ask for.
pub fn memory_use() -> MemoryUse {
    let setting = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    MemoryUse {
        map_bytes: setting("BRIEFBOT_SQLITE_MEMORY_MAP_MB")
            .map_or(MemoryUse::DEFAULT.map_bytes, |mb| mb << 20),
        cache_kib: setting("BRIEFBOT_SQLITE_PAGE_CACHE_KB").unwrap_or(MemoryUse::DEFAULT.cache_kib),
    }
}
