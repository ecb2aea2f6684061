//! Progress on a terminal for long work (imports, network fetches); nothing
//! when standard error is piped or a file, so scripts and journals get only
//! the results.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::follow::Progress;

fn on_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar over the files of an import (hidden for a single file).
pub fn files_bar(total: u64) -> ProgressBar {
    if total < 2 || !on_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {per_sec}  eta {eta}")
            .expect("the progress template is valid"),
    );
    bar
}

/// Runs `work` under a spinner saying `what` (and for how long), cleared
/// when it ends.
pub fn spin<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let spinner = spinner(what);
    let result = work();
    spinner.finish_and_clear();
    result
}

fn spinner(what: &str) -> ProgressBar {
    if !on_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("the spinner template is valid"),
    );
    spinner.set_message(what.to_string());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// A bar over one round of `briefbot fetch`: its length is the sources
/// due, and each finished source advances it and is named.
pub fn sources_bar() -> (ProgressBar, impl Fn(Progress<'_>) + Send + Sync + 'static) {
    let bar = if on_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} sources  {elapsed}  {msg}")
                .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    } else {
        ProgressBar::hidden()
    };
    let shown = bar.clone();
    let advance = move |progress: Progress<'_>| match progress {
        Progress::Due(count) => shown.set_length(count as u64),
        Progress::Done(report) => {
            shown.set_message(report.source.clone());
            shown.inc(1);
        }
    };
    (bar, advance)
}
