//! Signing a zone: the DNSKEY RRset, the denial chain, and an RRSIG for
//! every authoritative RRset, made in parallel on all cores.
//!
//! The work is split into one job per RRset; rayon spreads them over the
//! threads. Output order does not depend on the thread count.

mod emit;
mod layout;
mod nsec;
mod nsec3;
mod pipeline;
mod reuse;
mod roles;
pub mod schedule;
#[cfg(test)]
mod tests;

use indicatif::ProgressBar;
use keybundles::nsec3::Nsec3Params;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::to_serial;
use keybundles::{Class, Name, Record, Rtype};
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use crate::keys::ZoneKey;
use crate::zone::{canonical_record_cmp, Zone};

pub use emit::Emitted;
pub use layout::{layout, Node, NodeKind};
pub use nsec3::{chain_types, in_chain, Nsec3Error};
pub use reuse::PreviousSignatures;
pub use roles::Roles;
pub use schedule::Schedule;

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
        let hash = schedule::rrset_hash(owner.as_wire(), rtype);
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
    #[error("writing the signed zone: {0}")]
    Io(#[from] std::io::Error),
    #[error("ZSK {key_tag} is not in the key bundle's DNSKEY RRset, so its signatures could not be validated")]
    NotInKeySet { key_tag: u16 },
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

/// Signs `zone` with `keys`. `progress` counts owner names done.
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
/// (see [`PreviousSignatures`]) and making the others. The whole signed
/// zone is returned in memory; [`sign_zone_streaming`] avoids that.
pub fn sign_zone_incrementally(
    zone: Zone,
    keys: &[ZoneKey],
    policy: &SigningPolicy,
    previous: Option<&PreviousSignatures>,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
) -> Result<SignedZone, SignError> {
    let mut records = Vec::new();
    let stats = sign_zone_streaming(
        zone,
        keys,
        policy,
        previous,
        progress,
        warn,
        |chunk| chunk.into_iter().map(Cow::into_owned).collect::<Vec<Record>>(),
        |chunk| {
            records.extend(chunk);
            Ok(())
        },
    )?;
    Ok(SignedZone {
        records,
        signatures: stats.signatures,
        reused: stats.reused,
    })
}

/// Counts of a signing run.
#[derive(Debug, Clone, Copy, Default)]
pub struct SigningStats {
    /// RRSIGs in the zone: made now plus kept from a previous zone.
    pub signatures: usize,
    /// How many were kept from the previous signed zone.
    pub reused: usize,
}

/// Signs `zone` and hands the signed zone on in output order, a chunk at a
/// time: `render` turns a chunk's records into whatever the caller keeps
/// (text, say) and runs on the signing threads; `sink` receives the
/// rendered chunks in order on the calling thread, while the threads go on
/// signing the next chunks.
#[allow(clippy::too_many_arguments)]
pub fn sign_zone_streaming<T: Send>(
    zone: Zone,
    keys: &[ZoneKey],
    policy: &SigningPolicy,
    previous: Option<&PreviousSignatures>,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
    render: impl Fn(Vec<Emitted<'_>>) -> T + Sync,
    sink: impl FnMut(T) -> Result<(), SignError>,
) -> Result<SigningStats, SignError> {
    sign_zone_streaming_with_key_set(zone, keys, None, policy, previous, progress, warn, render, sink)
}

/// [`sign_zone_streaming`] for offline-KSK mode when `key_set` is given:
/// a key bundle's DNSKEY, CDNSKEY and CDS records with the KSK's RRSIGs
/// over them. They replace any such records at the apex and are published
/// as they are, never re-signed; `keys` are the ZSKs, which sign
/// everything else and must be in the bundle's DNSKEY RRset.
#[allow(clippy::too_many_arguments)]
pub fn sign_zone_streaming_with_key_set<T: Send>(
    zone: Zone,
    keys: &[ZoneKey],
    key_set: Option<&[Record]>,
    policy: &SigningPolicy,
    previous: Option<&PreviousSignatures>,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
    render: impl Fn(Vec<Emitted<'_>>) -> T + Sync,
    sink: impl FnMut(T) -> Result<(), SignError>,
) -> Result<SigningStats, SignError> {
    let inputs = SigningInputs {
        key_set,
        previous,
        chain_bounds: &[],
        nsec3_chain: None,
    };
    sign_with_inputs_streaming(zone, keys, inputs, policy, progress, warn, render, sink)
}

/// What a signing run starts from besides the zone, keys and policy.
#[derive(Clone, Copy, Default)]
pub struct SigningInputs<'a> {
    /// Offline-KSK mode: the key bundle's DNSKEY, CDNSKEY and CDS records
    /// and the KSK's RRSIGs over them (see [`sign_zone_streaming_with_key_set`]).
    pub key_set: Option<&'a [Record]>,
    /// Signatures to keep where still good.
    pub previous: Option<&'a PreviousSignatures>,
    /// Empty when the zone is whole. When it holds only stretches of a
    /// signed zone around changes (`signer sign --changes`), the name that
    /// follows each stretch, for the NSEC chain (see `nsec::record_for`).
    pub chain_bounds: &'a [Name],
    /// NSEC3 mode, stretches only: makes the NSEC3 records of the
    /// stretches from their records and names (after the DNSKEY and
    /// NSEC3PARAM records are added) instead of building a chain of them.
    pub nsec3_chain: Option<&'a Nsec3Chain<'a>>,
}

/// See [`SigningInputs::nsec3_chain`].
pub type Nsec3Chain<'a> = dyn Fn(&[Record], &[Node]) -> Result<Vec<Record>, Nsec3Error> + Sync + 'a;

/// [`sign_zone_streaming`] with everything a run may start from.
#[allow(clippy::too_many_arguments)]
pub fn sign_with_inputs_streaming<T: Send>(
    mut zone: Zone,
    keys: &[ZoneKey],
    inputs: SigningInputs<'_>,
    policy: &SigningPolicy,
    progress: &ProgressBar,
    warn: &mut dyn FnMut(String),
    render: impl Fn(Vec<Emitted<'_>>) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<(), SignError>,
) -> Result<SigningStats, SignError> {
    let SigningInputs {
        key_set,
        previous,
        chain_bounds,
        nsec3_chain,
    } = inputs;
    check_keys(&zone.apex, keys, key_set)?;
    if policy.expiration - policy.jitter.max(0) <= policy.inception {
        return Err(SignError::BadValidity {
            inception: keybundles::time::format_human(policy.inception),
            expiration: keybundles::time::format_human(policy.expiration),
        });
    }
    add_apex_records(&mut zone, keys, key_set, &policy.denial, warn);
    crate::timing::phase("apex records");
    let nodes = layout(&zone.records, &zone.apex, warn);
    crate::timing::phase("layout");
    let ttl = zone.denial_ttl();
    let (nsec_ttl, nsec3) = match &policy.denial {
        Denial::Nsec => (Some(ttl), Vec::new()),
        Denial::Nsec3 { params, opt_out } => (
            None,
            match nsec3_chain {
                Some(make) => make(&zone.records, &nodes)?,
                None => nsec3::build(&zone.records, &nodes, &zone.apex, params, *opt_out, ttl)?,
            },
        ),
    };

    crate::timing::phase("denial chain");
    let roles = Roles::new(keys);
    let signer = RrsetSigner {
        apex: &zone.apex,
        keys,
        roles: &roles,
        policy,
        previous,
        key_set,
    };
    let (signatures, reused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let context = emit::ChunkContext {
        records: &zone.records,
        nodes: &nodes,
        nsec_ttl,
        nsec3: &nsec3,
        chain_bounds,
        signer: &signer,
        signatures: &signatures,
        reused: &reused,
    };
    let chunks = context.plan_chunks();
    progress.set_length(nodes.len() as u64);
    let sign_chunk = |c: usize| -> Result<T, SignError> {
        let (node_range, nsec3_range) = chunks[c].clone();
        let names = node_range.len();
        let records = context.emit(node_range, nsec3_range)?;
        progress.inc(names as u64);
        Ok(render(records))
    };
    // Chunks are signed on every core and handed to `sink` in order on
    // this thread meanwhile, so writing never stalls the signing threads
    // and only a few chunks' output is ever held.
    pipeline::run_in_order(chunks.len(), sign_chunk, &mut sink)?;
    progress.finish_and_clear();
    Ok(SigningStats {
        signatures: signatures.into_inner(),
        reused: reused.into_inner(),
    })
}

fn check_keys(apex: &Name, keys: &[ZoneKey], key_set: Option<&[Record]>) -> Result<(), SignError> {
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
    if let Some(key_set) = key_set {
        for key in keys {
            let rdata = key.dnskey.to_rdata();
            if !key_set.iter().any(|r| r.rtype == Rtype::DNSKEY && *r.rdata == *rdata) {
                return Err(SignError::NotInKeySet { key_tag: key.key_tag() });
            }
        }
    } else if !keys.iter().any(ZoneKey::is_ksk) {
        return Err(SignError::NoKsk);
    }
    Ok(())
}

/// Adds the keys' DNSKEY records (keeping DNSKEYs already in the zone,
/// e.g. pre-published ones) and, for NSEC3, the NSEC3PARAM record.
/// DNSKEY TTL: that of DNSKEYs already in the zone, else the SOA's.
/// With a bundle's `key_set`, its DNSKEY/CDNSKEY/CDS records replace the
/// zone's own, TTLs untouched (they are signed as they are).
fn add_apex_records(
    zone: &mut Zone,
    keys: &[ZoneKey],
    key_set: Option<&[Record]>,
    denial: &Denial,
    warn: &mut dyn FnMut(String),
) {
    let apex_len = zone.records.iter().take_while(|r| r.owner == zone.apex).count();
    let ttl = zone.records[..apex_len]
        .iter()
        .find(|r| r.rtype == Rtype::DNSKEY)
        .map_or(zone.soa_ttl, |r| r.ttl);
    let mut apex: Vec<Record> = zone.records[..apex_len].to_vec();
    if let Some(key_set) = key_set {
        let before = apex.len();
        apex.retain(|r| !is_key_set_type(r.rtype));
        if apex.len() != before {
            warn(format!(
                "the zone file's own DNSKEY/CDS/CDNSKEY records at {} are replaced by the key bundle's",
                zone.apex
            ));
        }
        apex.extend(key_set.iter().filter(|r| r.rtype != Rtype::RRSIG).cloned());
    }
    for key in keys.iter().filter(|_| key_set.is_none()) {
        let rdata = key.dnskey.to_rdata();
        if !apex.iter().any(|r| r.rtype == Rtype::DNSKEY && *r.rdata == *rdata) {
            apex.push(Record::new(zone.apex.clone(), Class::IN, ttl, Rtype::DNSKEY, rdata));
        }
    }
    for record in apex
        .iter_mut()
        .filter(|r| r.rtype == Rtype::DNSKEY && key_set.is_none())
    {
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
    // In place: the zone's records are most of the memory, never copied.
    zone.records.splice(..apex_len, apex);
}

/// Makes the RRSIGs for one RRset.
struct RrsetSigner<'a> {
    apex: &'a Name,
    keys: &'a [ZoneKey],
    roles: &'a Roles,
    policy: &'a SigningPolicy,
    previous: Option<&'a PreviousSignatures>,
    /// Offline-KSK mode: the bundle's records, whose RRSIGs are published
    /// for the apex DNSKEY/CDNSKEY/CDS RRsets instead of new ones.
    key_set: Option<&'a [Record]>,
}

/// True for the RRsets a key bundle supplies, signed, in offline-KSK mode.
fn is_key_set_type(rtype: Rtype) -> bool {
    matches!(rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY)
}

impl RrsetSigner<'_> {
    /// Appends the RRSIGs for one RRset to `out`: kept from the previous
    /// zone where possible, made otherwise.
    fn sign_into(&self, rrset: &[Record], reused: &AtomicUsize, out: &mut Vec<Record>) -> Result<(), SignError> {
        let first = &rrset[0];
        if let Some(key_set) = self
            .key_set
            .filter(|_| is_key_set_type(first.rtype) && first.owner == *self.apex)
        {
            out.extend(
                key_set
                    .iter()
                    .filter(|r| {
                        r.rtype == Rtype::RRSIG
                            && Rrsig::from_rdata(&r.rdata).is_ok_and(|s| s.type_covered == first.rtype)
                    })
                    .cloned(),
            );
            return Ok(());
        }
        let refs: Vec<&Record> = rrset.iter().collect();
        for &index in self.roles.signers(first.rtype) {
            let key = &self.keys[index];
            if let Some(kept) = self.previous.and_then(|p| p.reusable(rrset, key)) {
                reused.fetch_add(1, AtomicOrdering::Relaxed);
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
        Ok(())
    }
}
