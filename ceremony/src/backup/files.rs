//! The two kinds of backup file, both JSON with a `checksum` (SHA-256 of the canonical JSON of the
//! other members) so a corrupt or edited file is refused before it reaches a token.
//!
//! * A share file holds one custodian's share of the wrapping key, the set it belongs to, the
//!   threshold, and the key check value of the whole key.
//! * A key backup file holds one key wrapped under that wrapping key, with its DNSKEY so the
//!   public half can be recreated and the restore checked.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

pub const SHARE_FORMAT: &str = "signet-wrap-key-share/1";
pub const BACKUP_FORMAT: &str = "signet-key-backup/1";

#[derive(Debug, Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a {format} file: {reason}")]
    Format {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },
    #[error("{path} is CORRUPT: its checksum does not match its contents")]
    Checksum { path: PathBuf },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShareFile {
    pub format: String,
    /// Random identifier of this split: shares of different splits never mix.
    pub set: String,
    pub wrap_key_label: String,
    pub threshold: usize,
    pub shares: usize,
    pub index: u8,
    /// Hex key check value of the whole wrapping key.
    pub kcv: String,
    /// Hex share bytes.
    pub share: String,
    pub created: String,
    #[serde(default)]
    pub checksum: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupFile {
    pub format: String,
    pub label: String,
    /// Hex CKA_ID.
    pub id: String,
    pub algorithm: u8,
    /// DNSKEY RDATA in presentation form ("257 3 13 base64").
    pub dnskey: String,
    pub key_tag: u16,
    pub wrap_key_label: String,
    pub set: String,
    pub mechanism: String,
    /// Base64 of the wrapped private key.
    pub wrapped: String,
    pub created: String,
    #[serde(default)]
    pub checksum: String,
}

/// Checksum over the canonical JSON (sorted keys) of `value` without its `checksum` member.
fn checksum_of<T: Serialize>(value: &T) -> String {
    let mut v = serde_json::to_value(value).expect("serialisable");
    if let Value::Object(m) = &mut v {
        m.remove("checksum");
    }
    crate::hex::lower(&crate::hex::sha256(v.to_string().as_bytes()))
}

fn seal<T: Serialize>(value: &T) -> String {
    let mut v = serde_json::to_value(value).expect("serialisable");
    if let Value::Object(m) = &mut v {
        m.insert("checksum".into(), Value::String(checksum_of(value)));
    }
    let mut text = serde_json::to_string_pretty(&v).expect("serialisable");
    text.push('\n');
    text
}

fn open<T: Serialize + for<'de> Deserialize<'de>>(
    path: &Path,
    bytes: &[u8],
    format: &'static str,
    claimed: impl Fn(&T) -> (&str, &str),
) -> Result<T, FileError> {
    let bad = |reason: String| FileError::Format {
        path: path.to_path_buf(),
        format,
        reason,
    };
    let value: T = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    let (f, checksum) = claimed(&value);
    if f != format {
        return Err(bad(format!("format is \"{f}\"")));
    }
    if checksum != checksum_of(&value) {
        return Err(FileError::Checksum {
            path: path.to_path_buf(),
        });
    }
    Ok(value)
}

pub fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    std::fs::read(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

impl ShareFile {
    pub fn to_text(&self) -> String {
        seal(self)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<ShareFile, FileError> {
        open(path, bytes, SHARE_FORMAT, |s: &ShareFile| (&s.format, &s.checksum))
    }

    /// The sealed checksum (what a custodian writes down for their share).
    pub fn sealed_checksum(&self) -> String {
        checksum_of(self)
    }
}

impl BackupFile {
    pub fn to_text(&self) -> String {
        seal(self)
    }

    pub fn parse(path: &Path, bytes: &[u8]) -> Result<BackupFile, FileError> {
        open(path, bytes, BACKUP_FORMAT, |s: &BackupFile| (&s.format, &s.checksum))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share() -> ShareFile {
        ShareFile {
            format: SHARE_FORMAT.into(),
            set: "00ff".into(),
            wrap_key_label: "w".into(),
            threshold: 2,
            shares: 3,
            index: 1,
            kcv: "ab".into(),
            share: "0102".into(),
            created: "2026-01-01T00:00:00Z".into(),
            checksum: String::new(),
        }
    }

    #[test]
    fn round_trip_and_corruption() {
        let p = Path::new("s.json");
        let text = share().to_text();
        let back = ShareFile::parse(p, text.as_bytes()).unwrap();
        assert_eq!(back.share, "0102");
        let bad = text.replace("0102", "0103");
        assert!(matches!(
            ShareFile::parse(p, bad.as_bytes()),
            Err(FileError::Checksum { .. })
        ));
        assert!(matches!(
            BackupFile::parse(p, text.as_bytes()),
            Err(FileError::Format { .. })
        ));
    }
}
