//! The state file: what was last published, written atomically after
//! every publication (JSON, one object). The next run reads it for the
//! serial, clock and drift checks; monitoring may read it too.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::{write_atomically, FileMode};

/// The state file's format version.
pub const FORMAT: u32 = 1;

/// The signature that expires first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earliest {
    pub owner: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub key_tag: u16,
    pub expiration: i64,
    pub expiration_text: String,
}

/// An override used in a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideUsed {
    pub guardrail: String,
    pub operator: String,
    pub reason: String,
    /// What the guardrail said when it was overridden.
    pub summary: String,
}

/// The last publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format: u32,
    pub origin: String,
    /// The SOA serial published.
    pub serial: u32,
    /// The unsigned zone's serial and a digest of its content (serial
    /// aside), for the stale-input check.
    pub input_serial: u32,
    pub input_sha256: String,
    /// Unix seconds of the publication, and the same for people.
    pub published_at: i64,
    pub published_at_text: String,
    /// The published file, its size and SHA-256.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
    pub records: usize,
    pub data_records: usize,
    pub delegations: usize,
    pub signatures: usize,
    pub earliest_expiration: Option<Earliest>,
    pub key_tags: Vec<u16>,
    #[serde(default)]
    pub overrides: Vec<OverrideUsed>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// How the server was told: reload and NOTIFY results.
    #[serde(default)]
    pub server: Vec<String>,
    pub signer_version: String,
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("reading the state file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(
        "the state file {path} is not a Signet publication record ({source}); Signet writes it atomically, so it was \
         changed by someone else or the disk is failing. Restore it from backup, or move it aside to start afresh \
         (the published zone is then the only baseline)"
    )]
    Corrupt { path: String, source: serde_json::Error },
    #[error("the state file {path} is for {found}, not {expected}; is lock_file/state_file shared between zones?")]
    OtherZone {
        path: String,
        found: String,
        expected: String,
    },
}

/// Reads the state file; `Ok(None)` when there is none yet.
pub fn read(path: &Path, origin: &str) -> Result<Option<State>, StateError> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateError::Io {
                path: path.display().to_string(),
                source,
            })
        }
    };
    let state: State = serde_json::from_slice(&text).map_err(|source| StateError::Corrupt {
        path: path.display().to_string(),
        source,
    })?;
    if !state.origin.eq_ignore_ascii_case(origin) {
        return Err(StateError::OtherZone {
            path: path.display().to_string(),
            found: state.origin,
            expected: origin.to_string(),
        });
    }
    Ok(Some(state))
}

/// Writes the state file atomically (temporary file, fsync, rename, fsync
/// of the directory).
pub fn write(path: &Path, state: &State) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    text.push(b'\n');
    write_atomically(path, FileMode::Public, |w| std::io::Write::write_all(w, &text))
}
