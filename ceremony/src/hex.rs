//! Hex as shown to people (upper case) and read from files (either case).

use data_encoding::{HEXLOWER_PERMISSIVE, HEXUPPER};

pub fn upper(bytes: &[u8]) -> String {
    HEXUPPER.encode(bytes)
}

pub fn lower(bytes: &[u8]) -> String {
    upper(bytes).to_ascii_lowercase()
}

pub fn decode(text: &str) -> Result<Vec<u8>, data_encoding::DecodeError> {
    HEXLOWER_PERMISSIVE.decode(text.trim().as_bytes())
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}
