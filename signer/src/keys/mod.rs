//! Zone keys: BIND/ldns key-file pairs and the in-memory keys signing uses.
//!
//! A key lives in two files with a common stem `K<origin>+<alg>+<tag>`:
//! `.key` holds the DNSKEY record, `.private` the private half in BIND's
//! `Private-key-format: v1.2/v1.3`. `dnssec-keygen` and `ldns-keygen` both
//! write this format, so their keys work with Signet unchanged.

mod keyfile;
mod keygen;

use std::path::{Path, PathBuf};

use keybundles::crypto::{KeyError, SigningKey};
use keybundles::dnskey::Dnskey;
use keybundles::Name;

pub use keyfile::{parse_private_file, parse_public_file, PrivateKeyFields};
pub use keygen::{generate, write_key_files, GeneratedKey};

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Key { path: PathBuf, source: KeyError },
}

/// A zone key ready to sign: its DNSKEY and its private half.
pub struct ZoneKey {
    /// The zone the key's DNSKEY record is published at.
    pub owner: Name,
    pub dnskey: Dnskey,
    pub signing: SigningKey,
    /// The key-file stem, for messages.
    pub stem: PathBuf,
}

impl ZoneKey {
    pub fn key_tag(&self) -> u16 {
        self.dnskey.key_tag()
    }

    /// Flags 257: signs the DNSKEY, CDS and CDNSKEY RRsets.
    pub fn is_ksk(&self) -> bool {
        self.dnskey.is_sep()
    }
}

/// Verifiers that check the signatures of `keys` with their private
/// halves, for verifying what was just signed: the same verdict as the
/// public keys give, a third of the arithmetic. Keys of algorithms other
/// than ECDSA P-256 have none and are checked with their public key.
pub fn keyed_verifiers(keys: &[ZoneKey]) -> Vec<keybundles::crypto::KeyedVerifier> {
    keys.iter().filter_map(|k| k.signing.keyed_verifier()).collect()
}

impl std::fmt::Debug for ZoneKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ZoneKey({}, tag {}, flags {})",
            self.stem.display(),
            self.key_tag(),
            self.dnskey.flags
        )
    }
}

/// The `.key` and `.private` paths for `path`, which may name either file
/// or their common stem.
pub fn key_file_paths(path: &Path) -> (PathBuf, PathBuf) {
    let text = path.as_os_str().to_string_lossy();
    let stem = text
        .strip_suffix(".key")
        .or_else(|| text.strip_suffix(".private"))
        .unwrap_or(&text);
    (
        PathBuf::from(format!("{stem}.key")),
        PathBuf::from(format!("{stem}.private")),
    )
}

/// Loads every key pair for `origin` in `dir` (files `K<origin>+*.key`
/// with a `.private` beside them), in file-name order.
pub fn load_dir(dir: &Path, origin: &Name) -> Result<Vec<ZoneKey>, KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let prefix = format!("k{origin}+");
    let mut stems: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            name.starts_with(&prefix) && name.ends_with(".key")
        })
        .collect();
    stems.sort();
    stems
        .iter()
        .filter(|p| key_file_paths(p).1.exists())
        .map(|p| load(p))
        .collect()
}

/// Loads a key pair from `path` (either file or the stem).
pub fn load(path: &Path) -> Result<ZoneKey, KeyFileError> {
    let (public_path, private_path) = key_file_paths(path);
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| KeyFileError::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    let (owner, dnskey) = parse_public_file(&read(&public_path)?, &public_path)?;
    let fields = parse_private_file(&read(&private_path)?, &private_path)?;
    if fields.algorithm != dnskey.algorithm {
        return Err(KeyFileError::Invalid {
            path: private_path,
            message: format!(
                "algorithm {} does not match the DNSKEY in {} (algorithm {})",
                fields.algorithm,
                public_path.display(),
                dnskey.algorithm
            ),
        });
    }
    let signing = fields
        .signing_key(&dnskey.public_key)
        .map_err(|source| KeyFileError::Key {
            path: private_path.clone(),
            source,
        })?;
    if signing.public_key() != dnskey.public_key.as_slice() {
        return Err(KeyFileError::Key {
            path: private_path,
            source: KeyError::Mismatch,
        });
    }
    let stem = PathBuf::from(public_path.as_os_str().to_string_lossy().trim_end_matches(".key"));
    Ok(ZoneKey {
        owner,
        dnskey,
        signing,
        stem,
    })
}
