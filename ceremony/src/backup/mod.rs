//! Backups that are proven, not assumed.
//!
//! * [`shamir`] — M-of-N secret sharing over GF(256);
//! * [`files`] — custodian share files and wrapped-key backup files, each with a checksum;
//! * [`wrap`] — the token side: put the AES wrapping key on a token (trusted, by the security
//!   officer), export a key under it with CKM_AES_KEY_WRAP_PAD, and on another token rebuild the
//!   wrapping key from M shares and unwrap.
//!
//! `backup verify` (in [`crate::commands`]) then proves the restored key is the original one by
//! signing a fresh challenge on the target token and verifying it against the original DNSKEY.

pub mod files;
pub mod shamir;
pub mod wrap;

/// Length of the AES wrapping key (AES-256).
pub const WRAP_KEY_LEN: usize = 32;

/// Key check value of the wrapping key: SHA-256("signet-kcv/1" || key). Lets a restore tell a
/// wrong rebuild (too few or mismatched shares) from a right one without revealing the key.
pub fn key_check_value(key: &[u8]) -> [u8; 32] {
    let mut input = b"signet-kcv/1".to_vec();
    input.extend_from_slice(key);
    let kcv = crate::hex::sha256(&input);
    zeroize::Zeroize::zeroize(&mut input);
    kcv
}
