//! Briefbot: structured news briefings for Discord communities.
//!
//! Layers, each using only the ones below it:
//! - [`domain`]: the briefing model and its text formats;
//! - [`store`]: SQLite persistence of the domain;
//! - [`import`], [`samples`]: bringing files into the store;
//! - [`cli`]: the command-line adapter.

pub mod cli;
pub mod config;
pub mod domain;
pub mod import;
pub mod samples;
pub mod store;
