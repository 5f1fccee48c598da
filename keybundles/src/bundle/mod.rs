//! Key bundles: the KSR/SKR text format Knot DNS and BIND share, and the
//! checks both sides of Signet apply to it (see `docs/keybundles.md`).
//!
//! A *key signing request* (KSR) lists, bundle by bundle, the ZSKs the
//! online signer wants published; the *signed key response* (SKR) the
//! ceremony returns holds, for each bundle, the whole DNSKEY RRset (ZSKs
//! plus KSKs), any CDNSKEY and CDS RRsets, and the KSK's RRSIGs over them.
//!
//! Each bundle starts with a header comment and is in force from the
//! instant in its header until the next bundle's:
//!
//! ```text
//! ;; KeySigningRequest 1.0 1795575004 (2026-11-25T02:50:04Z) =========
//! example.com.  3600  IN  DNSKEY  256 3 13 GvjO… ; ZSK, ECDSAP256SHA256 (256b), id = 63363
//! ;; KeySigningRequest 1.0 generated at 2026-11-25T02:50:04Z by Knot DNS 3.2.6
//! ```
//!
//! * [`model`] — a parsed file and its bundles;
//! * [`parse`] — reading files written by Knot's `keymgr` or by Signet;
//! * [`write`] — writing them so `keymgr` reads them back;
//! * [`checks`] — signature, sequence, validity and ZSK checks;
//! * [`error`] — errors that name the file, the bundle and the reason.

pub mod checks;
pub mod error;
pub mod model;
pub mod parse;
pub mod write;

pub use error::BundleError;
pub use model::{Bundle, BundleFile, Kind};
pub use parse::{parse, read};
pub use write::write;

#[cfg(test)]
mod tests;
