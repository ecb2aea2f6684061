//! Deeply nested pages. `cargo bench --bench deep_pages`: time to parse
//! `"<div>".repeat(n)` (and a page the nesting scan counts too shallow)
//! with html5ever alone and with our bounded parse, which is what every
//! article page and feed item goes through.

use std::time::{Duration, Instant};

use briefbot::domain::nesting;

fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

fn main() {
    println!("| page | html5ever alone | bounded parse |");
    println!("|---|---:|---:|");
    for n in [10_000, 20_000, 40_000] {
        let page = "<div>".repeat(n);
        let alone = timed(|| drop(scraper::Html::parse_document(&page)));
        let bounded = timed(|| drop(nesting::parse_document(&page)));
        println!("| {n} nested divs | {alone:.2?} | {bounded:.2?} |");
    }
    // `</div>` inside a cell cannot close the div outside its table: the
    // scan undercounts, the watch catches it.
    let page = "<div><table><tr><td></div>".repeat(8_000);
    let alone = timed(|| drop(scraper::Html::parse_document(&page)));
    let bounded = timed(|| drop(nesting::parse_document(&page)));
    println!("| 8,000 × div-table-cell-/div | {alone:.2?} | {bounded:.2?} |");
    // An ordinary long page costs one parse and a measure of its depth.
    let page = "<p>A paragraph with <b>bold</b> and <a href='#'>a link</a>.</p>".repeat(20_000);
    let alone = timed(|| drop(scraper::Html::parse_document(&page)));
    let bounded = timed(|| drop(nesting::parse_document(&page)));
    println!("| 20,000 shallow paragraphs | {alone:.2?} | {bounded:.2?} |");
}
