//! Signing a zone: the DNSKEY RRset, the denial chain, and an RRSIG for
//! every authoritative RRset, made in parallel on all cores.
//!
//! The work is split into one job per RRset; rayon spreads them over the
//! threads. Output order does not depend on the thread count.

mod layout;
mod nsec;
mod nsec3;
mod reuse;
mod roles;
#[cfg(test)]
mod tests;

use indicatif::ProgressBar;
use keybundles::nsec3::Nsec3Params;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::to_serial;
use keybundles::{Class, Name, Record, Rtype};
use rayon::prelude::*;

use crate::keys::ZoneKey;
use crate::zone::{canonical_record_cmp, output_record_cmp, Zone};

pub use layout::{layout, Node, NodeKind};
pub use nsec3::Nsec3Error;
pub use reuse::PreviousSignatures;
pub use roles::Roles;

/// How to deny existence.
#[derive(Debug, Clone)]
pub enum Denial {
    Nsec,
    Nsec3 { params: Nsec3Params, opt_out: bool },
}

/// What the signatures look like.
#[derive(Debug, Clone)]
pub struct SigningPolicy {
    /// Signature inception and latest expiration, unix seconds.
    pub inception: i64,
    pub expiration: i64,
    /// Expirations are spread over `expiration - jitter ..= expiration`.
    pub jitter: i64,
    pub denial: Denial,
}

impl SigningPolicy {
    /// The expiration an RRset's signatures get: `expiration` minus an
    /// offset in `0..=jitter` that depends only on owner and type, so it
    /// is the same on every run, every thread, and can be checked later.
    pub fn planned_expiration(&self, owner: &Name, rtype: Rtype) -> i64 {
        if self.jitter <= 0 {
            return self.expiration;
        }
        // FNV-1a: fast, stable across versions and platforms.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in owner.as_wire().iter().chain(&rtype.0.to_be_bytes()) {
            hash = (hash ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
        }
        self.expiration - (hash % (self.jitter as u64 + 1)) as i64
    }
}

/// Why a zone could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("no keys given")]
    NoKeys,
    #[error("key {stem} is for {owner}, not for the zone {apex}")]
    WrongZone { stem: String, owner: Name, apex: Name },
    #[error(
        "no key-signing key: at least one key must have flags 257 (SEP) to sign the DNSKEY set; make one with `signer keygen --ksk`"
    )]
    NoKsk,
    #[error("key {stem} is revoked (RFC 5011) and cannot sign")]
    Revoked { stem: String },
    #[error("signature expiration ({expiration}) is not after inception ({inception})")]
    BadValidity { inception: String, expiration: String },
    #[error("{0}")]
    Nsec3(#[from] Nsec3Error),
    #[error("signing {owner} {rtype} with key {key_tag} failed")]
    Crypto { owner: Name, rtype: Rtype, key_tag: u16 },
}

/// A signed zone, in output order.
pub struct SignedZone {
    pub records: Vec<Record>,
    /// RRSIGs in the zone: made now plus kept from a previous zone.
    pub signatures: usize,
    /// How many of them were kept from the previous signed zone.
    pub reused: usize,
}

/// Signs `zone` with `keys`. `progress` counts RRsets signed.
pub fn sign_zone(
    zone: Zone,
    keys: &[ZoneKey],
    policy: &SigningPolicy,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
) -> Result<SignedZone, SignError> {
    sign_zone_incrementally(zone, keys, policy, None, progress, warn)
}

/// Signs `zone`, keeping every signature of `previous` that is still good
/// (see [`PreviousSignatures`]) and making the others.
pub fn sign_zone_incrementally(
    mut zone: Zone,
    keys: &[ZoneKey],
    policy: &SigningPolicy,
    previous: Option<&PreviousSignatures>,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
) -> Result<SignedZone, SignError> {
    check_keys(&zone.apex, keys)?;
    if policy.expiration - policy.jitter.max(0) <= policy.inception {
        return Err(SignError::BadValidity {
            inception: keybundles::time::format_human(policy.inception),
            expiration: keybundles::time::format_human(policy.expiration),
        });
    }
    add_apex_records(&mut zone, keys, &policy.denial);
    let nodes = layout(&zone.records, &zone.apex, warn);

    let ttl = zone.denial_ttl();
    let denial = match &policy.denial {
        Denial::Nsec => nsec::build(&zone.records, &nodes, ttl),
        Denial::Nsec3 { params, opt_out } => nsec3::build(&zone.records, &nodes, &zone.apex, params, *opt_out, ttl)?,
    };

    // One job per RRset to sign: authoritative RRsets of the zone, DS at
    // delegations, and every denial record.
    let mut jobs: Vec<&[Record]> = Vec::new();
    for node in &nodes {
        for (start, end) in node.rrsets(&zone.records) {
            let rtype = zone.records[start].rtype;
            let signed = match node.kind {
                NodeKind::Apex | NodeKind::Authoritative => true,
                NodeKind::Delegation { .. } => rtype == Rtype::DS,
                NodeKind::Occluded => false,
            };
            if signed {
                jobs.push(&zone.records[start..end]);
            }
        }
    }
    jobs.extend(denial.chunks(1));
    progress.set_length(jobs.len() as u64);

    let roles = Roles::new(keys);
    let signer = RrsetSigner { apex: &zone.apex, keys, roles: &roles, policy, previous };
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let signatures: Vec<Record> = jobs
        .par_iter()
        .with_min_len(64)
        .map(|rrset| {
            let sigs = signer.sign(rrset, &reused);
            progress.inc(1);
            sigs
        })
        .collect::<Result<Vec<Vec<Record>>, SignError>>()?
        .into_iter()
        .flatten()
        .collect();
    progress.finish_and_clear();

    let count = signatures.len();
    let mut records = zone.records;
    records.extend(denial);
    records.extend(signatures);
    records.par_sort_by(output_record_cmp);
    Ok(SignedZone { records, signatures: count, reused: reused.into_inner() })
}

fn check_keys(apex: &Name, keys: &[ZoneKey]) -> Result<(), SignError> {
    if keys.is_empty() {
        return Err(SignError::NoKeys);
    }
    for key in keys {
        let stem = key.stem.display().to_string();
        if !key.owner.eq_ignore_case(apex) {
            return Err(SignError::WrongZone {
                stem,
                owner: key.owner.clone(),
                apex: apex.clone(),
            });
        }
        if key.dnskey.is_revoked() {
            return Err(SignError::Revoked { stem });
        }
    }
    if !keys.iter().any(ZoneKey::is_ksk) {
        return Err(SignError::NoKsk);
    }
    Ok(())
}

/// Adds the keys' DNSKEY records (keeping DNSKEYs already in the zone,
/// e.g. pre-published ones) and, for NSEC3, the NSEC3PARAM record.
/// DNSKEY TTL: that of DNSKEYs already in the zone, else the SOA's.
fn add_apex_records(zone: &mut Zone, keys: &[ZoneKey], denial: &Denial) {
    let apex_len = zone.records.iter().take_while(|r| r.owner == zone.apex).count();
    let ttl = zone.records[..apex_len]
        .iter()
        .find(|r| r.rtype == Rtype::DNSKEY)
        .map_or(zone.soa_ttl, |r| r.ttl);
    let mut apex: Vec<Record> = zone.records.drain(..apex_len).collect();
    for key in keys {
        let rdata = key.dnskey.to_rdata();
        if !apex.iter().any(|r| r.rtype == Rtype::DNSKEY && *r.rdata == *rdata) {
            apex.push(Record::new(zone.apex.clone(), Class::IN, ttl, Rtype::DNSKEY, rdata));
        }
    }
    for record in apex.iter_mut().filter(|r| r.rtype == Rtype::DNSKEY) {
        record.ttl = ttl;
    }
    if let Denial::Nsec3 { params, .. } = denial {
        let ttl = zone.denial_ttl();
        apex.push(Record::new(
            zone.apex.clone(),
            Class::IN,
            ttl,
            Rtype::NSEC3PARAM,
            params.to_nsec3param_rdata(),
        ));
    }
    apex.sort_by(canonical_record_cmp);
    apex.append(&mut zone.records);
    zone.records = apex;
}

/// Makes the RRSIGs for one RRset.
struct RrsetSigner<'a> {
    apex: &'a Name,
    keys: &'a [ZoneKey],
    roles: &'a Roles,
    policy: &'a SigningPolicy,
    previous: Option<&'a PreviousSignatures>,
}

impl RrsetSigner<'_> {
    fn sign(&self, rrset: &[Record], reused: &std::sync::atomic::AtomicUsize) -> Result<Vec<Record>, SignError> {
        let first = &rrset[0];
        let refs: Vec<&Record> = rrset.iter().collect();
        let mut out = Vec::with_capacity(2);
        for &index in self.roles.signers(first.rtype) {
            let key = &self.keys[index];
            if let Some(kept) = self.previous.and_then(|p| p.reusable(rrset, key)) {
                reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                out.push(kept);
                continue;
            }
            let mut rrsig = Rrsig {
                type_covered: first.rtype,
                algorithm: key.dnskey.algorithm,
                labels: first.owner.rrsig_labels(),
                original_ttl: first.ttl,
                expiration: to_serial(self.policy.planned_expiration(&first.owner, first.rtype)),
                inception: to_serial(self.policy.inception),
                key_tag: key.key_tag(),
                signer: self.apex.clone(),
                signature: Vec::new(),
            };
            let input = signing_input(&rrsig, &refs);
            rrsig.signature = key.signing.sign(&input).map_err(|_| SignError::Crypto {
                owner: first.owner.clone(),
                rtype: first.rtype,
                key_tag: key.key_tag(),
            })?;
            out.push(Record::new(
                first.owner.clone(),
                first.class,
                first.ttl,
                Rtype::RRSIG,
                rrsig.to_rdata(),
            ));
        }
        Ok(out)
    }
}
