//! Parse of the seed capture and import throughput (parse + store) on 10,000
//! generated briefing files. `cargo bench --bench parse_import`.

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::path::PathBuf;

use briefbot::domain::{markdown, parse_text, ParseOptions};
use briefbot::import::{import_files, ImportOptions};
use briefbot::store::Store;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const IMPORT_COUNT: usize = 10_000;
const VOCABULARY: usize = 50_000;

/// The real seed when ../shared is there, else our own capture of the same format.
fn capture_text() -> (String, &'static str) {
    let shared = std::env::var_os("BRIEFBOT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    match std::fs::read_to_string(shared.join("seed/000_cfd1c361542250d9.txt")) {
        Ok(text) => (text, "seed"),
        Err(_) => (
            include_str!("../briefings/001-grid-storage-offshore-wind.txt").to_string(),
            "sample 001",
        ),
    }
}

fn parse(c: &mut Criterion) {
    let (text, name) = capture_text();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function(format!("captured ({name})"), |b| {
        b.iter(|| parse_text(black_box(&text), &ParseOptions::default()).unwrap())
    });
    let md = include_str!("../briefings/003-river-freight-drought.md");
    group.bench_function("markdown (sample 003)", |b| {
        b.iter(|| parse_text(black_box(md), &ParseOptions::default()).unwrap())
    });
    group.finish();
}

fn import(c: &mut Criterion) {
    let files_dir = tempfile::tempdir().unwrap();
    let vocabulary = generate::Vocabulary::new(VOCABULARY);
    let mut rng = generate::Rng::new(42);
    let files: Vec<PathBuf> = (0..IMPORT_COUNT)
        .map(|n| {
            let path = files_dir.path().join(format!("{n:05}.md"));
            std::fs::write(&path, markdown::write(&vocabulary.briefing(n, &mut rng))).unwrap();
            path
        })
        .collect();

    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(IMPORT_COUNT as u64));
    group.bench_function("10k files into a new database", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::open(&dir.path().join("bench.db")).unwrap();
                (dir, store)
            },
            |(dir, mut store)| {
                let report = import_files(&mut store, &files, &ImportOptions::default(), |_| {});
                assert_eq!(report.failed_count(), 0);
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, parse, import);
criterion_main!(benches);
