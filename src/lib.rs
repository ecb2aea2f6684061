//! Briefbot: structured news briefings for Discord communities.
//!
//! Layers, each using only the ones below it:
//! - [`domain`]: the briefing model and its text formats;
//! - [`store`]: SQLite persistence of the domain;
//! - [`import`], [`samples`]: bringing files into the store;
//! - [`clock`]: time behind a trait, so tests can move it;
//! - [`posting`]: the delivery loop (schedules, subscriptions, the outbox),
//!   sending through a `Poster` each adapter implements;
//! - [`follow`]: fetching publishers' feeds and pages into the store, for
//!   the delivery loop to post;
//! - [`handlers`]: what each chat command does, transport-neutral;
//! - [`discord`], [`console`], [`cli`]: adapters (Discord, the local console, the command line).

pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod discord;
pub mod domain;
pub mod follow;
pub mod handlers;
pub mod import;
pub mod posting;
pub mod samples;
pub mod store;
