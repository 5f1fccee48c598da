//! Typed confirmation for steps that change a token: the operator types `yes` (skipped with
//! `--yes` in rehearsal scripts).

use std::io::{BufRead, Write};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfirmError {
    #[error("not confirmed: the operator did not type \"yes\" (use --yes only in rehearsals)")]
    Declined,
}

/// Asks for `yes` on standard input after describing `action` on standard error.
pub fn confirm(action: &str, assume_yes: bool) -> Result<(), ConfirmError> {
    if assume_yes {
        eprintln!("About to {action} (confirmed by --yes).");
        return Ok(());
    }
    eprint!("About to {action}.\nType \"yes\" to proceed: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) if line.trim() == "yes" => Ok(()),
        _ => Err(ConfirmError::Declined),
    }
}
