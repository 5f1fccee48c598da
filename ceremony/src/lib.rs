//! # ceremony — Signet's key-ceremony tool for PKCS#11 tokens
//!
//! The binary in `main.rs` only parses the command line and dispatches to [`commands`]. Everything
//! that touches the token goes through [`token`] (sessions, login, finding objects, typed errors),
//! [`keygen`], [`dnskey_from_token`] and [`sign`]; backups live in [`backup`]; the witness
//! transcript in [`transcript`]. Only standard PKCS#11 calls are used, so any module works: a
//! smart card through OpenSC, a network or USB HSM, or SoftHSMv2.

pub mod backup;
pub mod cli;
pub mod commands;
pub mod confirm;
pub mod dnskey_from_token;
pub mod dnssec;
pub mod hex;
pub mod keygen;
pub mod pgpwords;
pub mod pin;
pub mod sign;
pub mod sign_ksr;
pub mod token;
pub mod transcript;

/// The PKCS#11 binding, re-exported for callers that name mechanisms or attributes.
pub use cryptoki;
