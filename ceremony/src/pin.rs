//! PINs: from the environment (`SIGNET_PIN`, `SIGNET_SO_PIN`), a file (`--pin-file`,
//! `--so-pin-file`) or a prompt without echo. Never from the command line, never printed, never in
//! the transcript; wiped from memory when dropped.

use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroize::Zeroizing;

pub const USER_PIN_ENV: &str = "SIGNET_PIN";
pub const SO_PIN_ENV: &str = "SIGNET_SO_PIN";

/// A PIN held in memory that is zeroed on drop. `Debug` does not show it.
pub struct Pin(Zeroizing<String>);

impl Pin {
    pub fn new(pin: String) -> Pin {
        Pin(Zeroizing::new(pin))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

#[derive(Debug, Error)]
pub enum PinError {
    #[error("cannot read the PIN file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("the PIN file {0} is empty")]
    EmptyFile(PathBuf),
    #[error("no {what} PIN: set {env}, give {flag} FILE, or run on a terminal to be prompted ({source})")]
    NoPrompt {
        what: &'static str,
        env: &'static str,
        flag: &'static str,
        source: std::io::Error,
    },
}

/// Where a PIN may come from, in order: the environment variable, the file, the prompt.
pub struct PinSource<'a> {
    pub what: &'static str,
    pub env: &'static str,
    pub flag: &'static str,
    pub file: Option<&'a Path>,
}

impl PinSource<'_> {
    pub fn user(file: Option<&Path>) -> PinSource<'_> {
        PinSource {
            what: "user",
            env: USER_PIN_ENV,
            flag: "--pin-file",
            file,
        }
    }

    pub fn security_officer(file: Option<&Path>) -> PinSource<'_> {
        PinSource {
            what: "security officer",
            env: SO_PIN_ENV,
            flag: "--so-pin-file",
            file,
        }
    }

    pub fn read(&self, token_label: &str) -> Result<Pin, PinError> {
        if let Ok(v) = std::env::var(self.env) {
            if !v.is_empty() {
                return Ok(Pin::new(v));
            }
        }
        if let Some(path) = self.file {
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| PinError::File {
                path: path.to_path_buf(),
                source,
            })?);
            let pin = text.trim_end_matches(['\r', '\n']).to_string();
            if pin.is_empty() {
                return Err(PinError::EmptyFile(path.to_path_buf()));
            }
            return Ok(Pin::new(pin));
        }
        rpassword::prompt_password(format!("{} PIN for token \"{token_label}\": ", self.what))
            .map(Pin::new)
            .map_err(|source| PinError::NoPrompt {
                what: self.what,
                env: self.env,
                flag: self.flag,
                source,
            })
    }
}
