//! Offline-KSK mode on the online side (see `docs/keybundles.md`):
//!
//! * [`anchor`] — the configured trust anchor (the KSK's DNSKEY or DS);
//! * [`plan`] — ZSK planning: pre-generated ZSKs and their schedule;
//! * [`request`] — the key signing request (KSR) for a period;
//! * [`accept`] — the checks an SKR must pass before it is imported;
//! * [`store`] — imported bundles on disk, and which one is in force when;
//! * [`signing`] — the bundle and ZSKs `signer sign` uses at an instant.

pub mod accept;
pub mod anchor;
pub mod plan;
pub mod request;
pub mod signing;
pub mod store;

pub use anchor::TrustAnchor;
pub use plan::ZskPlan;
pub use store::BundleStore;

#[cfg(test)]
mod tests;
