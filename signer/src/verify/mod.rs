//! Verification of signed zones, independently of how they were made.
//!
//! [`verify_file`] reads a signed zone file, [`verify_zone`] takes records
//! already read; both return a
//! [`Report`]: every problem found, as a [`Failure`] naming the owner, the
//! type, the key tag where one is involved, and a [`Problem`]. Nothing is
//! printed here; `signer verify`, publication guardrails and monitoring all
//! read the same structured report.
//!
//! What is checked:
//!
//! * every RRSIG cryptographically, against the apex DNSKEY set, with its
//!   validity window at the instant asked for (RFC 4035 §5.3), its labels,
//!   original TTL, TTL and signer name (RFC 4034 §3, RFC 4035 §2.2);
//! * that every authoritative RRset is signed, and with every algorithm in
//!   the DNSKEY set (RFC 4035 §2.2, RFC 6840 §5.11); that the DNSKEY set is
//!   signed by a SEP key; that delegation NS sets, glue and data below zone
//!   cuts are not signed ([`signatures`]);
//! * the NSEC chain ([`nsec`]) or the NSEC3 chain with its NSEC3PARAM
//!   ([`nsec3`]): complete, in order, closed, with exact type bitmaps,
//!   empty non-terminals and opt-out;
//! * optionally that no signature expires within a given time ([`expiry`]).
//!
//! NSEC, NSEC3 and NSEC3PARAM RDATA are decoded by [`rdata`]. The zone is
//! indexed by [`zone_view`], written apart from the signer's own
//! zone code on purpose: a verifier that shares the signer's idea of what a
//! zone is cannot catch the signer's mistakes.

pub mod expiry;
pub mod nsec;
pub mod nsec3;
pub mod rdata;
pub mod signatures;
pub mod zone_view;

use std::fmt;

use keybundles::crypto::KeyedVerifier;
use keybundles::dnskey::Dnskey;
use keybundles::nsec3::Nsec3Params;
use keybundles::time::{format_compact, format_duration};
use keybundles::zonefile::{Warning, ZoneFileError};
use keybundles::{Name, Record, Rtype};

pub use zone_view::{NameKind, Node, ZoneView};

/// What to check besides the zone's own consistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The instant at which signatures must be valid (unix seconds).
    pub at: i64,
    /// When set, every signature must stay valid at least this many seconds
    /// after `at`.
    pub min_remaining: Option<i64>,
}

/// How the zone denies existence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// Neither NSEC nor NSEC3 records were found.
    None,
    Nsec,
    Nsec3 {
        params: Nsec3Params,
        /// True when at least one NSEC3 record has the opt-out flag.
        opt_out: bool,
    },
    /// Both kinds were found (itself a failure).
    Both,
}

/// A key of the apex DNSKEY set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub key_tag: u16,
    pub algorithm: u8,
    pub flags: u16,
    pub dnskey: Dnskey,
}

impl KeyInfo {
    pub fn is_sep(&self) -> bool {
        self.dnskey.is_sep()
    }
}

/// The signature that expires first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    pub owner: Name,
    pub rtype: Rtype,
    pub key_tag: u16,
    /// Unix seconds.
    pub expiration: i64,
}

/// Counts, for summaries and monitoring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub records: usize,
    pub names: usize,
    /// Authoritative RRsets that must be signed.
    pub rrsets: usize,
    pub signatures: usize,
    /// Signatures that verified and are valid at `at`.
    pub valid_signatures: usize,
    pub nsec: usize,
    pub nsec3: usize,
}

/// The outcome of [`verify_zone`].
#[derive(Debug, Clone)]
pub struct Report {
    pub origin: Name,
    pub options: Options,
    pub keys: Vec<KeyInfo>,
    pub denial: Denial,
    pub stats: Stats,
    /// The earliest expiration among the valid signatures.
    pub earliest_expiration: Option<Expiry>,
    /// Every problem found, in canonical order of owner, then type.
    pub failures: Vec<Failure>,
}

impl Report {
    /// True when no problem was found.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub owner: Name,
    pub rtype: Rtype,
    /// The key tag of the RRSIG concerned, if any.
    pub key_tag: Option<u16>,
    pub problem: Problem,
}

impl Failure {
    pub fn new(owner: &Name, rtype: Rtype, key_tag: Option<u16>, problem: Problem) -> Failure {
        Failure {
            owner: owner.clone(),
            rtype,
            key_tag,
            problem,
        }
    }
}

impl fmt::Display for Failure {
    /// `owner type key-tag reason`, with `-` when no key is involved.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.owner, self.rtype)?;
        match self.key_tag {
            Some(tag) => write!(f, "{tag} ")?,
            None => f.write_str("- ")?,
        }
        write!(f, "{}", self.problem)
    }
}

/// Writes a list of types, space separated.
pub struct Types<'a>(pub &'a [Rtype]);

impl fmt::Display for Types<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

fn bitmap_diff(missing: &[Rtype], extra: &[Rtype]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", Types(missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("has extra {}", Types(extra)));
    }
    parts.join("; ")
}

/// What is wrong. The `Display` form is the reason printed to operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    // --- the zone's structure -------------------------------------------
    #[error("record is outside the zone {0}")]
    OutOfZone(Name),
    #[error("record has class {0}, the zone has class {1}")]
    WrongClass(u16, u16),
    #[error("RRset has records with different TTLs ({0} and {1})")]
    MixedTtls(u32, u32),
    #[error("malformed RDATA: {0}")]
    BadRdata(String),
    #[error("no SOA record at the apex")]
    NoSoa,
    #[error("no DNSKEY RRset at the apex")]
    NoDnskey,
    #[error("no zone key (flags 256 or 257) in the DNSKEY RRset")]
    NoZoneKey,
    #[error("no key in the DNSKEY RRset has the SEP flag (257)")]
    NoSepKey,

    // --- signatures -----------------------------------------------------
    #[error("RRset is not signed")]
    Unsigned,
    #[error("RRset is not signed with algorithm {0}, which the DNSKEY RRset has (RFC 4035 §2.2)")]
    MissingAlgorithm(u8),
    #[error("DNSKEY RRset is not signed by any SEP key (flags 257)")]
    DnskeyNotSignedBySep,
    #[error("no zone key with this tag and algorithm {0} in the apex DNSKEY RRset")]
    UnknownKey(u8),
    #[error("signature does not verify")]
    BadSignature,
    #[error("algorithm {0} is not supported by this verifier; signature not checked")]
    UnsupportedAlgorithm(u8),
    #[error("signature not valid until {} (inception), checked at {}", format_compact(*.inception), format_compact(*.at))]
    NotYetValid { inception: i64, at: i64 },
    #[error("signature expired at {} (expiration), checked at {}", format_compact(*.expiration), format_compact(*.at))]
    Expired { expiration: i64, at: i64 },
    #[error("signature expires at {}, only {} after {}; at least {} required",
        format_compact(*.expiration), format_duration(*.expiration - *.at), format_compact(*.at), format_duration(*.required))]
    ExpiresTooSoon { expiration: i64, at: i64, required: i64 },
    #[error("signature inception {} is after its expiration {}", format_compact(*.inception), format_compact(*.expiration))]
    InceptionAfterExpiration { inception: i64, expiration: i64 },
    #[error("RRSIG signer name {0} is not the zone apex")]
    SignerName(Name),
    #[error("RRSIG labels field is {found}, the owner needs {expected}")]
    Labels { found: u8, expected: u8 },
    #[error("RRSIG original TTL {found} differs from the RRset TTL {expected}")]
    OriginalTtl { found: u32, expected: u32 },
    #[error("RRSIG TTL {found} differs from the RRset TTL {expected}")]
    RrsigTtl { found: u32, expected: u32 },
    #[error("RRSIG algorithm {found} differs from the key's algorithm {expected}")]
    AlgorithmMismatch { found: u8, expected: u8 },
    #[error("data below a zone cut (glue or occluded) is signed")]
    SignedBelowCut,
    #[error("delegation NS RRset is signed (the child zone is authoritative for it)")]
    SignedDelegationNs,
    #[error("non-authoritative data at a delegation point is signed")]
    SignedNonAuthoritative,
    #[error("RRSIG covers a type that has no RRset at this name")]
    OrphanRrsig,
    #[error("DS RRset at a name that is not a delegation (RFC 4035 §2.4)")]
    DsNotAtDelegation,

    // --- denial of existence -------------------------------------------
    #[error("zone has neither NSEC nor NSEC3 records")]
    NoDenial,
    #[error("zone has both NSEC and NSEC3 records")]
    BothNsecAndNsec3,
    #[error("no NSEC record at this name")]
    MissingNsec,
    #[error("NSEC record at a name that must not have one ({0})")]
    UnexpectedNsec(&'static str),
    #[error("{0} {1} records at one name; there must be one")]
    DuplicateDenial(usize, Rtype),
    #[error("NSEC next name is {found}, the next name in the zone is {expected}")]
    NsecNext { found: Name, expected: Name },
    #[error("types bitmap is wrong: {}", bitmap_diff(.missing, .extra))]
    Bitmap { missing: Vec<Rtype>, extra: Vec<Rtype> },
    #[error("TTL {found} should be the SOA minimum {expected} (or the SOA TTL if lower, RFC 9077)")]
    DenialTtl { found: u32, expected: u32 },
    #[error("NSEC3 records but no usable NSEC3PARAM (hash algorithm 1, flags 0) at the apex")]
    NoNsec3Param,
    #[error("NSEC3PARAM {0} does not match the NSEC3 chain's parameters {1}")]
    Nsec3ParamMismatch(String, String),
    #[error("NSEC3 parameters {found} differ from the NSEC3PARAM {expected}")]
    Nsec3Params { found: String, expected: String },
    #[error("NSEC3 flags {0} have unknown bits set")]
    Nsec3Flags(u8),
    #[error("NSEC3 owner is not one base32hex hash label directly below the apex")]
    Nsec3Owner,
    #[error("no NSEC3 record for this name (expected owner {0})")]
    MissingNsec3(Name),
    #[error("no NSEC3 record for this insecure delegation, and the NSEC3 covering it ({0}) has no opt-out flag")]
    MissingNsec3NoOptOut(Name),
    #[error("NSEC3 record matches no name of the zone that needs one")]
    UnexpectedNsec3,
    #[error("NSEC3 next hashed owner is {found}, the next NSEC3 in the chain is {expected}")]
    Nsec3Next { found: String, expected: String },
    #[error("NSEC3 types bitmap for {name} is wrong: {}", bitmap_diff(.missing, .extra))]
    Nsec3Bitmap {
        name: Name,
        missing: Vec<Rtype>,
        extra: Vec<Rtype>,
    },
}

/// Reads a signed zone file and verifies it. Errors are for files that
/// cannot be read or parsed (they name the file and line); problems with
/// the zone are in the [`Report`]. The reader's warnings are returned too.
///
/// `held_keys` are private keys the caller holds (usually none): the
/// signatures of the zone's DNSKEYs among them are checked with the private
/// half, which gives the same verdict with a third of the arithmetic
/// ([`KeyedVerifier`]). Which keys are in the zone, and every other check,
/// still come from the file alone.
pub fn verify_file(
    path: &std::path::Path,
    origin: &Name,
    options: &Options,
    held_keys: &[KeyedVerifier],
) -> Result<(Report, Vec<Warning>), ZoneFileError> {
    // The zone reader shared with the signer is only the tokenizer and
    // RDATA parser: reading in parallel pieces changes nothing in what it
    // returns (see `zone::read`).
    crate::timing::start();
    let read = crate::zone::read_records_unlocated(path, origin)?;
    crate::timing::phase("read");
    Ok((verify_zone(origin, read.records, options, held_keys), read.warnings))
}

/// Verifies a signed zone. `records` is the whole zone, in any order; the
/// origin is the zone apex. Never fails: what cannot be checked is reported
/// as a [`Failure`] too. `held_keys` as for [`verify_file`].
pub fn verify_zone(origin: &Name, records: Vec<Record>, options: &Options, held_keys: &[KeyedVerifier]) -> Report {
    let (view, failures) = ZoneView::build(origin, records);
    crate::timing::phase("index");
    verify_view(&view, failures, options, held_keys)
}

/// Verifies a zone already indexed, for callers that keep the index for
/// other checks (the publish guardrails): a million-delegation zone is
/// then indexed once, not twice. `failures` are those [`ZoneView::build`]
/// returned. `held_keys` as for [`verify_file`].
pub fn verify_view(
    view: &ZoneView,
    mut failures: Vec<Failure>,
    options: &Options,
    held_keys: &[KeyedVerifier],
) -> Report {
    let keys = signatures::apex_keys(view, &mut failures);
    let sigs = signatures::check(view, &keys, held_keys, options);
    failures.extend(sigs.failures);
    crate::timing::phase("signatures");

    let has_nsec = view.nodes.iter().any(|n| n.rrset(Rtype::NSEC).is_some());
    let has_nsec3 = !view.nsec3_nodes.is_empty() || view.apex().is_some_and(|a| a.rrset(Rtype::NSEC3PARAM).is_some());
    let denial = match (has_nsec, has_nsec3) {
        (false, false) => {
            failures.push(Failure::new(&view.origin, Rtype::NSEC, None, Problem::NoDenial));
            Denial::None
        }
        (true, false) => Denial::Nsec,
        (false, true) => Denial::Nsec3 {
            params: Nsec3Params::default(),
            opt_out: false,
        },
        (true, true) => {
            failures.push(Failure::new(
                &view.origin,
                Rtype::NSEC3,
                None,
                Problem::BothNsecAndNsec3,
            ));
            Denial::Both
        }
    };
    let mut denial = denial;
    if has_nsec {
        failures.extend(nsec::check(view));
    }
    if has_nsec3 {
        let outcome = nsec3::check(view);
        failures.extend(outcome.failures);
        if let Denial::Nsec3 { .. } = denial {
            denial = Denial::Nsec3 {
                params: outcome.params,
                opt_out: outcome.opt_out,
            };
        }
    }

    crate::timing::phase("denial chain");
    sort_failures(&mut failures);
    let stats = Stats {
        records: view.record_count,
        names: view.nodes.len(),
        rrsets: sigs.rrsets,
        signatures: sigs.signatures,
        valid_signatures: sigs.valid_signatures,
        nsec: view.nodes.iter().filter(|n| n.rrset(Rtype::NSEC).is_some()).count(),
        nsec3: view.nsec3_nodes.len(),
    };
    Report {
        origin: view.origin.clone(),
        options: options.clone(),
        keys,
        denial,
        stats,
        earliest_expiration: sigs.earliest_expiration,
        failures,
    }
}

/// Canonical order of owner, then type, then key tag; stable otherwise so
/// that the most specific reason, found first, stays first.
fn sort_failures(failures: &mut [Failure]) {
    use rayon::slice::ParallelSliceMut;
    failures.par_sort_by_cached_key(|f| (f.owner.canonical_sort_key(), f.rtype, f.key_tag));
}

#[cfg(test)]
mod tests;
