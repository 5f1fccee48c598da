//! # keybundles — the contract between Signet's air-gapped and online sides
//!
//! Everything both the `ceremony` tool (on the offline token) and the
//! `signer` (online) must agree on bit for bit lives here:
//!
//! * [`name`], [`rtype`], [`record`] — names, types and records in wire form;
//! * [`rdata`] — RDATA presentation form ⇄ wire form for every type Signet reads;
//! * [`zonefile`] — RFC 1035 master files (and therefore KSR/SKR files);
//!
//! Each module cites the RFC it implements beside the code.

pub mod name;
pub mod rdata;
pub mod record;
pub mod rtype;
pub mod zonefile;

pub use name::Name;
pub use record::Record;
pub use rtype::{Class, Rtype};
