//! `cargo-hooklint`: the command-line front end. Only flags and glue live here; discovery,
//! checking and rendering are in the `hooklint-*` library crates.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

mod authoring;
mod commands;
mod flags;
mod output;
mod setup;
mod supervise;

use flags::{Cli, Command};

/// A run allocates millions of small, short-lived syntax-tree nodes from several threads;
/// mimalloc is markedly faster at that than the system allocator and returns freed memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        // Piping into `head` closes stdout early; that is not a failure.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr(), "error: {err:#}");
            ExitCode::from(commands::USAGE)
        }
    }
}

fn run() -> anyhow::Result<u8> {
    let args = flags::cargo_args(std::env::args_os().collect());
    // clap exits 0 for --help and --version and 2 for usage errors.
    let matches = Cli::command().try_get_matches_from(args).unwrap_or_else(|err| err.exit());
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    let check_matches = matches.subcommand_matches("check").unwrap_or(&matches);
    let given = check_matches.value_source("fail_on") == Some(ValueSource::CommandLine);
    match &mut cli.command {
        Some(Command::Check(args)) => args.fail_on_given = given,
        _ => cli.check.fail_on_given = given,
    }
    match &cli.command {
        None => check(&cli.check),
        Some(Command::Check(args)) => check(args),
        Some(Command::Rules(args)) => commands::rules(args),
        Some(Command::Explain(args)) => commands::explain(args),
        Some(Command::Facts(args)) => commands::facts(args),
        Some(Command::Suppressions(args)) => commands::suppressions(args),
        Some(Command::Test(args)) => authoring::test(args),
        Some(Command::Init(args)) => authoring::init(args),
    }
}

/// `check` runs in a supervised child process (see `supervise.rs`), so that a crash on one
/// file loses that file, not the run.
fn check(args: &flags::CheckArgs) -> anyhow::Result<u8> {
    if supervise::wanted() {
        if let Some(code) = supervise::supervise(args)? {
            return Ok(code);
        }
    }
    commands::check(args)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
