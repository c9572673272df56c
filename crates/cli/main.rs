//! `cargo-hooklint`: the command-line front end. Only flags and glue live here; discovery,
//! checking and rendering are in the `hooklint-*` library crates.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

mod commands;
mod flags;
mod output;

use flags::{Cli, Command};

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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        // clap exits 0 for --help and --version and 2 for usage errors.
        Err(err) => err.exit(),
    };
    match &cli.command {
        None => commands::check(&cli.check),
        Some(Command::Check(args)) => commands::check(args),
        Some(Command::Rules(args)) => commands::rules(args),
        Some(Command::Explain(args)) => commands::explain(args),
        Some(Command::Facts(args)) => commands::facts(args),
        Some(Command::Suppressions(args)) => commands::suppressions(args),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
