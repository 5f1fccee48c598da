//! # keybundles — the contract between Signet's air-gapped and online sides
//!
//! Everything both the `ceremony` tool (on the offline token) and the
//! `signer` (online) must agree on bit for bit lives here:
//!
//! * [`name`], [`rtype`], [`record`] — names, types and records in wire form;
//! * [`rdata`] — RDATA presentation form ⇄ wire form for every type Signet reads;
//! * [`zonefile`] — RFC 1035 master files (and therefore KSR/SKR files);
//! * [`bundle`] — KSR/SKR key bundles (the format Knot DNS and BIND share) and their checks;
//! * [`dnskey`], [`ds`], [`rrsig`], [`denial`], [`nsec3`] — DNSSEC RDATA and the math on it;
//! * [`crypto`] — signing and verification for algorithms 8, 13, 14 and 15;
//! * [`time`] — instants, durations and RRSIG serial time.
//!
//! Each module cites the RFC it implements beside the code.

pub mod algorithm;
pub mod bundle;
pub mod causes;
pub mod crypto;
pub mod denial;
pub mod dnskey;
pub mod ds;
pub mod name;
pub mod nsec3;
pub mod octets;
pub mod rdata;
pub mod record;
pub mod rrsig;
pub mod rtype;
pub mod time;
pub mod zonefile;

pub use name::Name;
pub use record::Record;
pub use rtype::{Class, Rtype};
