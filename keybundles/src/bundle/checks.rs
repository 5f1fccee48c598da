//! Checks on bundles that both sides apply: the ceremony before it signs
//! a KSR (after the IANA root KSK ceremony's `kskm` tools), the signer
//! before it accepts an SKR. Each failure names the bundle and the reason.

use crate::algorithm::Algorithm;
use crate::dnskey::{Dnskey, FLAG_ZONE};
use crate::ds::Ds;
use crate::rrsig::{signing_input, Rrsig};
use crate::time::{format_duration, format_human, from_serial};
use crate::{Record, Rtype};

use super::error::BundleError;
use super::model::BundleFile;

/// Which ZSKs a KSR may ask for.
#[derive(Debug, Clone)]
pub struct ZskRules {
    /// Approved DNSSEC algorithm numbers.
    pub algorithms: Vec<u8>,
    /// RSA modulus bounds, in bits.
    pub rsa_min_bits: usize,
    pub rsa_max_bits: usize,
}

impl Default for ZskRules {
    fn default() -> ZskRules {
        ZskRules {
            algorithms: vec![8, 13, 14, 15],
            rsa_min_bits: 2048,
            rsa_max_bits: 4096,
        }
    }
}

/// Every key in every bundle of a KSR is a ZSK the rules allow: flags 256
/// exactly, protocol 3, an approved algorithm and size, and a key tag
/// that matches the key where the file states one.
pub fn check_zsks(file: &BundleFile, rules: &ZskRules) -> Result<(), BundleError> {
    for (i, bundle) in file.bundles.iter().enumerate() {
        let fail = |reason: String| BundleError::bundle(&file.source, file.bundle_ref(i), reason);
        for (record, stated) in bundle.records.iter().zip(&bundle.stated_tags) {
            let key = Dnskey::from_rdata(&record.rdata).map_err(|e| fail(e.to_string()))?;
            let tag = key.key_tag();
            if key.flags != FLAG_ZONE {
                return Err(fail(format!(
                    "key {tag} has flags {}; a KSR may only ask for ZSKs (flags 256)",
                    key.flags
                )));
            }
            if key.protocol != 3 {
                return Err(fail(format!("key {tag} has protocol {}, not 3", key.protocol)));
            }
            if !rules.algorithms.contains(&key.algorithm) {
                return Err(fail(format!(
                    "key {tag} uses algorithm {}, which is not approved (approved: {:?})",
                    key.algorithm, rules.algorithms
                )));
            }
            let Some(algorithm) = key.supported_algorithm() else {
                return Err(fail(format!("key {tag}: algorithm {} is not supported", key.algorithm)));
            };
            let size = key.key_size_bits();
            let size_ok = match (algorithm, size) {
                (Algorithm::RsaSha256, Some(bits)) => (rules.rsa_min_bits..=rules.rsa_max_bits).contains(&bits),
                (_, Some(_)) => algorithm.fixed_public_key_len() == Some(key.public_key.len()),
                (_, None) => false,
            };
            if !size_ok {
                return Err(fail(format!(
                    "key {tag}: a {} public key of {} bits / {} octets is not an approved size",
                    algorithm.mnemonic(),
                    size.map_or("?".to_string(), |b| b.to_string()),
                    key.public_key.len()
                )));
            }
            if let Some(stated) = stated {
                if *stated != tag {
                    return Err(fail(format!(
                        "the comment says key tag {stated}, but the key's tag is {tag}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Verifies the RRSIGs of bundle `index`:
///
/// * each covers a DNSKEY, CDNSKEY or CDS RRset present in the bundle, is
///   signed by the zone with the RRset's TTL, and verifies with a DNSKEY of
///   the bundle that has the SEP bit and the RRSIG's tag and algorithm;
/// * each of those RRsets present has at least one signature by a key
///   `trusted` accepts (the configured trust anchor, or the token's KSKs).
///
/// Returns the tags of the trusted keys that signed the DNSKEY RRset.
pub fn verify_signatures(
    file: &BundleFile,
    index: usize,
    trusted: &dyn Fn(&Dnskey) -> bool,
) -> Result<Vec<u16>, BundleError> {
    let bundle = &file.bundles[index];
    let fail = |reason: String| BundleError::bundle(&file.source, file.bundle_ref(index), reason);
    let zone = file.zone().cloned().unwrap_or_else(crate::Name::root);
    let ksks = bundle.ksks();
    let mut trusted_signers: Vec<(Rtype, u16)> = Vec::new();
    for record in bundle.rrset(Rtype::RRSIG) {
        let sig = Rrsig::from_rdata(&record.rdata).map_err(|e| fail(e.to_string()))?;
        let what = format!("the RRSIG over {} by key {}", sig.type_covered, sig.key_tag);
        let rrset: Vec<&Record> = bundle.rrset(sig.type_covered);
        if !matches!(sig.type_covered, Rtype::DNSKEY | Rtype::CDNSKEY | Rtype::CDS) || rrset.is_empty() {
            return Err(fail(format!("{what} covers no RRset of the bundle")));
        }
        if !sig.signer.eq_ignore_case(&zone) {
            return Err(fail(format!("{what} names signer {}, not {zone}", sig.signer)));
        }
        if sig.original_ttl != rrset[0].ttl || record.ttl != rrset[0].ttl {
            return Err(fail(format!(
                "{what} has TTL {} / original TTL {}, but the RRset's TTL is {}",
                record.ttl, sig.original_ttl, rrset[0].ttl
            )));
        }
        let candidates: Vec<&Dnskey> = ksks
            .iter()
            .filter(|k| k.key_tag() == sig.key_tag && k.algorithm == sig.algorithm)
            .collect();
        if candidates.is_empty() {
            return Err(fail(format!(
                "{what}: no KSK with that key tag and algorithm {} is in the bundle's DNSKEY RRset",
                sig.algorithm
            )));
        }
        let input = signing_input(&sig, &rrset);
        let Some(key) = candidates
            .into_iter()
            .find(|k| crate::crypto::verify(k, &input, &sig.signature).is_ok())
        else {
            return Err(fail(format!(
                "{what} does not verify (corrupted or not made by that key)"
            )));
        };
        if trusted(key) {
            trusted_signers.push((sig.type_covered, key.key_tag()));
        }
    }
    for rtype in [Rtype::DNSKEY, Rtype::CDNSKEY, Rtype::CDS] {
        if !bundle.rrset(rtype).is_empty() && !trusted_signers.iter().any(|(t, _)| *t == rtype) {
            let signers: Vec<String> = bundle
                .rrsigs()
                .iter()
                .filter(|s| s.type_covered == rtype)
                .map(|s| s.key_tag.to_string())
                .collect();
            return Err(fail(if signers.is_empty() {
                format!("the {rtype} RRset is not signed")
            } else {
                format!(
                    "the {rtype} RRset is signed only by key(s) {} that do not match the trust anchor",
                    signers.join(", ")
                )
            }));
        }
    }
    let mut tags: Vec<u16> = trusted_signers
        .into_iter()
        .filter(|(t, _)| *t == Rtype::DNSKEY)
        .map(|(_, tag)| tag)
        .collect();
    tags.sort_unstable();
    tags.dedup();
    Ok(tags)
}

/// CDNSKEY records must be DNSKEYs of the bundle, and CDS records must
/// point at DNSKEYs of the bundle (RFC 7344 §4).
pub fn check_cds(file: &BundleFile, index: usize) -> Result<(), BundleError> {
    let bundle = &file.bundles[index];
    let fail = |reason: String| BundleError::bundle(&file.source, file.bundle_ref(index), reason);
    let zone = file.zone().cloned().unwrap_or_else(crate::Name::root);
    let keys = bundle.dnskeys();
    for record in bundle.rrset(Rtype::CDNSKEY) {
        let key = Dnskey::from_rdata(&record.rdata).map_err(|e| fail(e.to_string()))?;
        if !keys.contains(&key) {
            return Err(fail(format!("CDNSKEY {} is not in the DNSKEY RRset", key.key_tag())));
        }
    }
    for record in bundle.rrset(Rtype::CDS) {
        let ds = Ds::from_rdata(&record.rdata).map_err(|e| fail(e.to_string()))?;
        if !keys.iter().any(|k| ds.matches(&zone, k)) {
            return Err(fail(format!("CDS {ds} points at no key of the DNSKEY RRset")));
        }
    }
    Ok(())
}

/// Bounds on the KSK's signatures over the bundles.
#[derive(Debug, Clone)]
pub struct ValidityRules {
    /// Shortest and longest allowed validity (expiration − inception).
    pub min_validity: i64,
    pub max_validity: i64,
    /// How long a bundle's signatures must stay valid after the next
    /// bundle begins, beyond the DNSKEY TTL (caches may hold the old
    /// RRset that long), and the most they may.
    pub min_overlap: i64,
    pub max_overlap: i64,
}

/// Checks signature windows `(inception, expiration)`, one per bundle:
/// each starts no later than its bundle, lasts between the bounds, and
/// stays valid until the next bundle begins plus the DNSKEY TTL plus
/// `min_overlap` (the last: its own start plus the TTL), but not more
/// than `max_overlap` past the next bundle's start.
pub fn check_windows(file: &BundleFile, windows: &[(i64, i64)], rules: &ValidityRules) -> Result<(), BundleError> {
    for (i, (&(inception, expiration), bundle)) in windows.iter().zip(&file.bundles).enumerate() {
        let fail = |reason: String| BundleError::bundle(&file.source, file.bundle_ref(i), reason);
        let ttl = i64::from(bundle.dnskey_ttl().unwrap_or(0));
        if inception > bundle.start {
            return Err(fail(format!(
                "its signatures begin at {}, after the bundle starts",
                format_human(inception)
            )));
        }
        let validity = expiration - inception;
        if validity < rules.min_validity || validity > rules.max_validity {
            return Err(fail(format!(
                "signature validity {} is outside the policy's {} to {}",
                format_duration(validity),
                format_duration(rules.min_validity),
                format_duration(rules.max_validity)
            )));
        }
        match file.next_start(i) {
            Some(next) => {
                let needed = next + ttl + rules.min_overlap;
                if expiration < needed {
                    return Err(fail(format!(
                        "its signatures expire at {}, before the next bundle begins ({}) plus the DNSKEY TTL ({}s){}: resolvers could hold an expired DNSKEY RRset",
                        format_human(expiration),
                        format_human(next),
                        ttl,
                        if rules.min_overlap > 0 { format!(" plus {}", format_duration(rules.min_overlap)) } else { String::new() }
                    )));
                }
                if expiration - next > rules.max_overlap {
                    return Err(fail(format!(
                        "its signatures stay valid {} after the next bundle begins; the policy allows at most {}",
                        format_duration(expiration - next),
                        format_duration(rules.max_overlap)
                    )));
                }
            }
            None => {
                if expiration < bundle.start + ttl {
                    return Err(fail(format!(
                        "its signatures expire at {}, less than the DNSKEY TTL after it starts",
                        format_human(expiration)
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The signature windows of an SKR's bundles (see [`super::Bundle::signature_window`]).
pub fn signature_windows(file: &BundleFile) -> Result<Vec<(i64, i64)>, BundleError> {
    file.bundles
        .iter()
        .enumerate()
        .map(|(i, b)| {
            b.signature_window()
                .ok_or_else(|| BundleError::bundle(&file.source, file.bundle_ref(i), "no RRSIG records"))
        })
        .collect()
}

/// An RRSIG's times as instants, read around `near`.
pub fn rrsig_times(sig: &Rrsig, near: i64) -> (i64, i64) {
    (from_serial(sig.inception, near), from_serial(sig.expiration, near))
}
