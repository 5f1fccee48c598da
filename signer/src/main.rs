//! `signer`: a thin command-line layer over the `signer` library.

use std::process::ExitCode;

use clap::Parser;

use signer::cli::{Cli, Command};
use signer::commands;
use signer::Context;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
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

/// A command line clap cannot read. For `signer monitor`, run by Nagios
/// or Icinga, that is UNKNOWN (3), not the CRITICAL that exit 2 would mean.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let monitor = std::env::args().skip(1).any(|a| a == "monitor");
    if !monitor || matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        err.exit();
    }
    let summary = err.to_string();
    let first = summary
        .lines()
        .next()
        .unwrap_or("bad arguments")
        .trim_start_matches("error: ");
    println!("DNSSEC UNKNOWN - bad arguments: {first}");
    eprint!("{summary}");
    ExitCode::from(3)
}

/// Prints an error with its chain of causes, one per line, and exits 2
/// ("could not do what was asked"); 1 is kept for "checked, and it is bad".
fn report(err: &anyhow::Error) -> ExitCode {
    let said = keybundles::causes::said_once(err.chain().map(ToString::to_string));
    let mut lines = said.iter();
    if let Some(first) = lines.next() {
        eprintln!("signer: error: {first}");
    }
    for cause in lines {
        eprintln!("  caused by: {cause}");
    }
    ExitCode::from(2)
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`… | head`)
/// would panic. Like other Unix tools, end quietly instead.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists;
    // setting a signal's action to its default is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
