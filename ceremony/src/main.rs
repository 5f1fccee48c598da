//! `ceremony` — see `ceremony --help` and docs/ceremony.md.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = ceremony::cli::Cli::parse();
    match ceremony::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
