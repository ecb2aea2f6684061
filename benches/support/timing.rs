//! Percentiles of timed runs, printed one line per measurement.

use std::time::Duration;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name:<46} n={:<5} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}
