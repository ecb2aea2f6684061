//! Chat commands offered on the command line from their declarations:
//! `briefbot questions add --server 123 --briefing 2 --text "…"` runs the
//! very handler `/questions add` runs, as a moderator of that server. Each
//! subcommand and flag is made from the declared command and its options,
//! so the command line cannot drift from Discord and the console.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use clap::builder::PossibleValuesParser;
use clap::{value_parser, Arg, ArgMatches, FromArgMatches, Subcommand};

use crate::handlers::commands::{self, CommandSpec, Kind};

/// Names the group of declared commands a `Declared` offers.
pub trait DeclaredGroup {
    const NAME: &'static str;
}

/// `/questions …` on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Questions;

impl DeclaredGroup for Questions {
    const NAME: &'static str = "questions";
}

/// One declared command of group `G`, with the server it acts in and its
/// options as typed (checked against the declaration when they are bound).
#[derive(Debug, Clone)]
pub struct Declared<G> {
    pub spec: &'static CommandSpec,
    pub server: u64,
    pub named: BTreeMap<String, String>,
    group: PhantomData<G>,
}

fn specs_of(group: &'static str) -> impl Iterator<Item = &'static CommandSpec> {
    commands::COMMANDS
        .iter()
        .filter(move |c| c.group() == Some(group))
}

/// The clap subcommand of one declared command: `--server`, then a flag per
/// declared option, with its description and, for choices, its values.
fn subcommand(spec: &'static CommandSpec) -> clap::Command {
    let server = Arg::new("server")
        .long("server")
        .value_name("ID")
        .required(true)
        .value_parser(value_parser!(u64))
        .help("The server to act in (its id), as one of its moderators");
    let mut command = clap::Command::new(spec.leaf())
        .about(spec.description)
        .arg(server);
    for option in spec.options {
        let mut arg = Arg::new(option.name)
            .long(option.name)
            .help(option.description)
            .required(option.required);
        arg = match option.kind {
            Kind::Choice(choices) => {
                arg.value_parser(PossibleValuesParser::new(choices.iter().map(|(_, v)| *v)))
            }
            Kind::Bool => arg.value_name("on|off"),
            Kind::Integer { .. } => arg.value_name("N"),
            _ => arg,
        };
        command = command.arg(arg);
    }
    command
}

impl<G: DeclaredGroup> FromArgMatches for Declared<G> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (leaf, sub) = matches.subcommand().ok_or_else(missing)?;
        let spec = commands::find(&format!("{} {leaf}", G::NAME)).ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidSubcommand,
                format!("{} has no command {leaf}\n", G::NAME),
            )
        })?;
        let server = *sub.get_one::<u64>("server").ok_or_else(missing)?;
        let named = spec
            .options
            .iter()
            .filter_map(|o| {
                sub.get_one::<String>(o.name)
                    .map(|v| (o.name.to_string(), v.clone()))
            })
            .collect();
        Ok(Self {
            spec,
            server,
            named,
            group: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<G: DeclaredGroup> Subcommand for Declared<G> {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        specs_of(G::NAME)
            .fold(command, |command, spec| {
                command.subcommand(subcommand(spec))
            })
            .subcommand_required(true)
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        specs_of(G::NAME).any(|spec| spec.leaf() == name)
    }
}
