//! `signer`: a thin command-line layer over the `signer` library.

use std::process::ExitCode;

use clap::Parser;

use signer::cli::{Cli, Command};
use signer::commands;
use signer::Context;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = match Context::from_cli(&cli) {
        Ok(ctx) => ctx,
        // A monitoring plugin reports even a broken --config as UNKNOWN (3).
        Err(err) if matches!(&cli.command, Command::Monitor(_)) => return commands::monitor::unknown(&err, false),
        Err(err) => return report(&err),
    };
    let result = match &cli.command {
        Command::Init(args) => commands::init::run(&ctx, args),
        Command::Keygen(args) => commands::keygen::run(&ctx, args),
        Command::Sign(args) => commands::sign::run(&ctx, args),
        Command::Verify(args) => commands::verify::run(&ctx, args),
        Command::Publish(args) => commands::publish::run(&ctx, args),
        Command::Monitor(args) => commands::monitor::run(&ctx, args),
        Command::Ksr(args) => commands::ksr::run(&ctx, args),
        Command::ImportSkr(args) => commands::import_skr::run(&ctx, args),
        Command::Bundles(args) => commands::bundles::run(&ctx, args),
    };
    result.unwrap_or_else(|err| report(&err))
}

/// Prints an error with its chain of causes, one per line, and exits 2
/// ("could not do what was asked"); 1 is kept for "checked, and it is bad".
fn report(err: &anyhow::Error) -> ExitCode {
    eprintln!("signer: error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    ExitCode::from(2)
}
