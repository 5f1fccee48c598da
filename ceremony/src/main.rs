//! `ceremony` — see `ceremony --help` and docs/ceremony.md.

use clap::Parser;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = ceremony::cli::Cli::parse();
    match ceremony::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let said = keybundles::causes::said_once(e.chain().map(ToString::to_string));
            eprintln!("error: {}", said.join(": "));
            std::process::ExitCode::FAILURE
        }
    }
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
