//! The checks themselves, on records however they were fetched: signatures
//! of one RRset against the apex DNSKEY set, denial-of-existence proofs for
//! a name that does not exist, when an RRset's signatures run out, whether
//! the DNSKEY set matches the DS set, and whether serials agree.
//!
//! Everything takes "now" as an argument (the one clock, `--now`).

use std::collections::BTreeMap;

use keybundles::denial::{Nsec, Nsec3};
use keybundles::dnskey::Dnskey;
use keybundles::ds::Ds;
use keybundles::nsec3::Nsec3Params;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::format_compact;
use keybundles::{crypto, Name, Record, Rtype};

use crate::verify::expiry::Window;

/// One RRset with the RRSIGs that cover it.
#[derive(Debug, Clone)]
pub struct SignedRRset {
    pub owner: Name,
    pub rtype: Rtype,
    pub records: Vec<Record>,
    pub signatures: Vec<Rrsig>,
}

/// Groups records (as they come in a response section or a zone) into
/// RRsets with their signatures, in order of first appearance.
pub fn group(records: &[Record]) -> Vec<SignedRRset> {
    let mut index: BTreeMap<(Vec<u8>, u16), usize> = BTreeMap::new();
    let mut sets: Vec<SignedRRset> = Vec::new();
    let mut slot = |owner: &Name, rtype: Rtype, sets: &mut Vec<SignedRRset>| -> usize {
        *index
            .entry((owner.to_lowercase().as_wire().to_vec(), rtype.0))
            .or_insert_with(|| {
                sets.push(SignedRRset {
                    owner: owner.clone(),
                    rtype,
                    records: Vec::new(),
                    signatures: Vec::new(),
                });
                sets.len() - 1
            })
    };
    for record in records {
        if record.rtype == Rtype::RRSIG {
            // An unreadable RRSIG cannot help validate anything; the
            // RRset it meant to cover then shows as unsigned.
            if let Ok(rrsig) = Rrsig::from_rdata(&record.rdata) {
                let i = slot(&record.owner, rrsig.type_covered, &mut sets);
                sets[i].signatures.push(rrsig);
            }
        } else {
            let i = slot(&record.owner, record.rtype, &mut sets);
            sets[i].records.push(record.clone());
        }
    }
    // RRSIGs whose RRset was not in the same section are of no use here.
    sets.retain(|s| !s.records.is_empty());
    sets
}

/// What one RRset's signatures say at `now`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RrsetVerdict {
    /// When the last valid signature expires: the RRset goes bogus then.
    pub valid_until: Option<i64>,
    /// Key tags of the keys whose signatures verified and are valid now.
    pub valid_keys: Vec<u16>,
    /// Why signatures were not usable, one reason per signature.
    pub problems: Vec<String>,
}

impl RrsetVerdict {
    pub fn is_valid(&self) -> bool {
        self.valid_until.is_some()
    }
}

/// Checks every RRSIG of `rrset` made by `origin` against the zone keys of
/// `keys` at `now` (RFC 4035 §5.3): signer name, window, key, signature.
pub fn verify_rrset(origin: &Name, rrset: &SignedRRset, keys: &[Dnskey], now: i64) -> RrsetVerdict {
    let mut verdict = RrsetVerdict::default();
    let records: Vec<&Record> = rrset.records.iter().collect();
    if rrset.signatures.is_empty() {
        verdict.problems.push("not signed".into());
    }
    for rrsig in &rrset.signatures {
        let tag = rrsig.key_tag;
        if !rrsig.signer.eq_ignore_case(origin) {
            verdict
                .problems
                .push(format!("key {tag}: signer {} is not the zone {origin}", rrsig.signer));
            continue;
        }
        let window = Window::of(rrsig, now);
        if now < window.inception {
            verdict.problems.push(format!(
                "key {tag}: not valid until {}",
                format_compact(window.inception)
            ));
            continue;
        }
        if now > window.expiration {
            verdict
                .problems
                .push(format!("key {tag}: expired at {}", format_compact(window.expiration)));
            continue;
        }
        let candidates: Vec<&Dnskey> = keys
            .iter()
            .filter(|k| k.key_tag() == tag && k.algorithm == rrsig.algorithm && k.is_zone_key() && k.protocol == 3)
            .collect();
        if candidates.is_empty() {
            verdict.problems.push(format!(
                "key {tag}: no such key (algorithm {}) in the DNSKEY RRset",
                rrsig.algorithm
            ));
            continue;
        }
        if candidates[0].supported_algorithm().is_none() {
            verdict.problems.push(format!(
                "key {tag}: algorithm {} cannot be checked here",
                rrsig.algorithm
            ));
            continue;
        }
        let input = signing_input(rrsig, &records);
        if candidates
            .iter()
            .any(|k| crypto::verify(k, &input, &rrsig.signature).is_ok())
        {
            verdict.valid_until = Some(
                verdict
                    .valid_until
                    .map_or(window.expiration, |v| v.max(window.expiration)),
            );
            if !verdict.valid_keys.contains(&tag) {
                verdict.valid_keys.push(tag);
            }
        } else {
            verdict.problems.push(format!("key {tag}: signature does not verify"));
        }
    }
    verdict
}

/// The zone keys of an apex DNSKEY RRset; unreadable records are skipped.
pub fn dnskeys(rrset: &SignedRRset) -> Vec<Dnskey> {
    rrset
        .records
        .iter()
        .filter_map(|r| Dnskey::from_rdata(&r.rdata).ok())
        .collect()
}

/// What a denial proof showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DenialVerdict {
    Proven,
    /// The reason the proof is incomplete.
    Missing(String),
}

/// Checks that `authority` (already signature-checked) proves that `qname`,
/// a child of the apex `origin`, does not exist: with NSEC (RFC 4035 §5.4)
/// a record covering the name and one covering the wildcard `*.origin`; with
/// NSEC3 (RFC 5155 §8.4) the closest encloser (the apex) matched, the next
/// closer name (`qname`) covered and the wildcard covered.
pub fn nxdomain_proven(origin: &Name, qname: &Name, authority: &[Record]) -> DenialVerdict {
    let wildcard = match origin.prepend(b"*") {
        Ok(w) => w,
        Err(e) => return DenialVerdict::Missing(format!("cannot form the wildcard: {e}")),
    };
    let nsecs: Vec<(&Name, Nsec)> = authority
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC)
        .filter_map(|r| Nsec::from_rdata(&r.rdata).ok().map(|n| (&r.owner, n)))
        .collect();
    let nsec3s: Vec<(&Name, Nsec3)> = authority
        .iter()
        .filter(|r| r.rtype == Rtype::NSEC3)
        .filter_map(|r| Nsec3::from_rdata(&r.rdata).ok().map(|n| (&r.owner, n)))
        .collect();
    if !nsecs.is_empty() {
        let covers = |name: &Name| nsecs.iter().any(|(owner, nsec)| nsec_covers(owner, &nsec.next, name));
        return match (covers(qname), covers(&wildcard)) {
            (true, true) => DenialVerdict::Proven,
            (false, _) => DenialVerdict::Missing(format!("no NSEC covers {qname}")),
            (true, false) => DenialVerdict::Missing(format!("no NSEC covers the wildcard {wildcard}")),
        };
    }
    let Some((_, first)) = nsec3s.first() else {
        return DenialVerdict::Missing("no NSEC or NSEC3 records in the answer".into());
    };
    let params = Nsec3Params {
        algorithm: first.algorithm,
        iterations: first.iterations,
        salt: first.salt.clone(),
    };
    let hashed: Vec<([u8; 20], &Nsec3)> = nsec3s
        .iter()
        .filter_map(|(owner, n)| owner_hash(owner).map(|h| (h, n)))
        .collect();
    let matches = |name: &Name| {
        let h = params.hash(name);
        hashed.iter().any(|(owner, _)| *owner == h)
    };
    let covers = |name: &Name| {
        let h = params.hash(name);
        hashed.iter().any(|(owner, n)| hash_covers(owner, &n.next_hashed, &h))
    };
    if !matches(origin) {
        DenialVerdict::Missing(format!("no NSEC3 matches the closest encloser {origin}"))
    } else if !covers(qname) {
        DenialVerdict::Missing(format!("no NSEC3 covers the next closer name {qname}"))
    } else if !covers(&wildcard) {
        DenialVerdict::Missing(format!("no NSEC3 covers the wildcard {wildcard}"))
    } else {
        DenialVerdict::Proven
    }
}

/// True when the NSEC `owner → next` interval strictly contains `name`,
/// the last NSEC (whose next name is the apex) wrapping around.
fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    use std::cmp::Ordering::*;
    let after_owner = owner.canonical_cmp(name) == Less;
    let before_next = name.canonical_cmp(next) == Less;
    if owner.canonical_cmp(next) == Less {
        after_owner && before_next
    } else {
        // The last NSEC: everything after its owner, or before the apex
        // (nothing in the zone is; kept for completeness).
        after_owner || before_next
    }
}

/// The raw hash in an NSEC3 owner's first label (base32hex).
fn owner_hash(owner: &Name) -> Option<[u8; 20]> {
    let label = owner.labels().next()?;
    let decoded = data_encoding::BASE32HEX_NOPAD
        .decode(&label.to_ascii_uppercase())
        .ok()?;
    decoded.try_into().ok()
}

/// True when `hash` lies strictly between `owner` and `next` in hash order,
/// the last NSEC3 wrapping around.
fn hash_covers(owner: &[u8; 20], next: &[u8], hash: &[u8; 20]) -> bool {
    let (owner, hash) = (&owner[..], &hash[..]);
    if owner < next {
        owner < hash && hash < next
    } else {
        hash > owner || hash < next
    }
}

/// A DS set read from a file, a parent server or the configuration.
#[derive(Debug, Clone)]
pub struct DsSet {
    /// Where it came from, for messages.
    pub source: String,
    pub records: Vec<Ds>,
}

/// How the DNSKEY set relates to the DS set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsVerdict {
    /// A DS matches a key that signs the DNSKEY RRset now: the chain holds.
    Secure { ds_tags: Vec<u16>, unmatched: Vec<u16> },
    /// DS records match keys, but none of those keys signs the DNSKEY RRset.
    MatchedKeyDoesNotSign { ds_tags: Vec<u16>, signers: Vec<u16> },
    /// No DS matches any key of the DNSKEY RRset.
    NoMatch { ds_tags: Vec<u16>, key_tags: Vec<u16> },
}

/// Compares the DS set with the DNSKEY set and the keys whose signatures
/// over the DNSKEY RRset are valid now (RFC 4035 §5.2).
pub fn check_ds(origin: &Name, ds: &[Ds], keys: &[Dnskey], dnskey_signers: &[u16]) -> DsVerdict {
    let matched: Vec<(&Ds, &Dnskey)> = ds
        .iter()
        .flat_map(|d| keys.iter().filter(|k| d.matches(origin, k)).map(move |k| (d, k)))
        .collect();
    let all_ds: Vec<u16> = ds.iter().map(|d| d.key_tag).collect();
    if matched.is_empty() {
        return DsVerdict::NoMatch {
            ds_tags: all_ds,
            key_tags: keys.iter().map(Dnskey::key_tag).collect(),
        };
    }
    let good: Vec<u16> = matched
        .iter()
        .filter(|(_, k)| dnskey_signers.contains(&k.key_tag()))
        .map(|(d, _)| d.key_tag)
        .collect();
    if good.is_empty() {
        return DsVerdict::MatchedKeyDoesNotSign {
            ds_tags: matched.iter().map(|(d, _)| d.key_tag).collect(),
            signers: dnskey_signers.to_vec(),
        };
    }
    let unmatched = ds
        .iter()
        .filter(|d| !matched.iter().any(|(m, _)| m == d))
        .map(|d| d.key_tag)
        .collect();
    DsVerdict::Secure {
        ds_tags: good,
        unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keybundles::algorithm::Algorithm;
    use keybundles::crypto::SigningKey;
    use keybundles::rdata::parse_rdata_str;
    use keybundles::time::to_serial;
    use keybundles::Class;

    fn name(text: &str) -> Name {
        text.parse().unwrap()
    }

    fn ed25519(sep: bool, seed: u8) -> (SigningKey, Dnskey) {
        let key = SigningKey::from_ed25519(&[seed; 32], None).unwrap();
        let dnskey = Dnskey::new(Algorithm::Ed25519, key.public_key().to_vec(), sep);
        (key, dnskey)
    }

    fn signed_a(key: &SigningKey, dnskey: &Dnskey, inception: i64, expiration: i64) -> SignedRRset {
        let record = Record::new(name("www.example."), Class::IN, 300, Rtype::A, vec![192, 0, 2, 1]);
        let mut rrsig = Rrsig {
            type_covered: Rtype::A,
            algorithm: dnskey.algorithm,
            labels: 2,
            original_ttl: 300,
            expiration: to_serial(expiration),
            inception: to_serial(inception),
            key_tag: dnskey.key_tag(),
            signer: name("example."),
            signature: Vec::new(),
        };
        rrsig.signature = key.sign(&signing_input(&rrsig, &[&record])).unwrap();
        SignedRRset {
            owner: record.owner.clone(),
            rtype: Rtype::A,
            records: vec![record],
            signatures: vec![rrsig],
        }
    }

    #[test]
    fn rrset_valid_until_its_last_signature_expires() {
        let (key, dnskey) = ed25519(false, 1);
        let now = 1_800_000_000;
        let mut set = signed_a(&key, &dnskey, now - 3600, now + 86400);
        let later = signed_a(&key, &dnskey, now - 3600, now + 5 * 86400);
        set.signatures.extend(later.signatures);
        let verdict = verify_rrset(&name("example."), &set, std::slice::from_ref(&dnskey), now);
        assert_eq!(verdict.valid_until, Some(now + 5 * 86400));
        assert_eq!(verdict.valid_keys, vec![dnskey.key_tag()]);
        assert!(verdict.problems.is_empty(), "{:?}", verdict.problems);
    }

    #[test]
    fn expired_tampered_and_unknown_signatures_are_named() {
        let (key, dnskey) = ed25519(false, 1);
        let (_, other) = ed25519(false, 2);
        let now = 1_800_000_000;
        let origin = name("example.");
        let expired = signed_a(&key, &dnskey, now - 7200, now - 60);
        let v = verify_rrset(&origin, &expired, std::slice::from_ref(&dnskey), now);
        assert!(!v.is_valid());
        assert!(v.problems[0].contains("expired"), "{:?}", v.problems);

        let mut tampered = signed_a(&key, &dnskey, now - 3600, now + 86400);
        tampered.records[0].rdata = vec![192, 0, 2, 99].into();
        let v = verify_rrset(&origin, &tampered, std::slice::from_ref(&dnskey), now);
        assert!(!v.is_valid());
        assert!(v.problems[0].contains("does not verify"), "{:?}", v.problems);

        let good = signed_a(&key, &dnskey, now - 3600, now + 86400);
        let v = verify_rrset(&origin, &good, &[other], now);
        assert!(v.problems[0].contains("no such key"), "{:?}", v.problems);
    }

    #[test]
    fn ds_must_match_a_key_that_signs_the_dnskey_set() {
        let origin = name("example.");
        let (_, ksk) = ed25519(true, 1);
        let (_, zsk) = ed25519(false, 2);
        let (_, stranger) = ed25519(true, 3);
        let ds = ksk.ds(&origin, keybundles::ds::DigestType::Sha256);
        let keys = vec![ksk.clone(), zsk.clone()];
        assert!(matches!(
            check_ds(&origin, std::slice::from_ref(&ds), &keys, &[ksk.key_tag()]),
            DsVerdict::Secure { .. }
        ));
        assert!(matches!(
            check_ds(&origin, std::slice::from_ref(&ds), &keys, &[zsk.key_tag()]),
            DsVerdict::MatchedKeyDoesNotSign { .. }
        ));
        let foreign = stranger.ds(&origin, keybundles::ds::DigestType::Sha256);
        assert!(matches!(
            check_ds(&origin, std::slice::from_ref(&foreign), &keys, &[ksk.key_tag()]),
            DsVerdict::NoMatch { .. }
        ));
        match check_ds(&origin, &[foreign, ds], &keys, &[ksk.key_tag()]) {
            DsVerdict::Secure { unmatched, .. } => assert_eq!(unmatched, vec![stranger.key_tag()]),
            other => panic!("{other:?}"),
        }
    }

    fn nsec(owner: &str, next: &str) -> Record {
        let rdata = parse_rdata_str(Rtype::NSEC, &format!("{next} A RRSIG NSEC"), &name("example.")).unwrap();
        Record::new(name(owner), Class::IN, 300, Rtype::NSEC, rdata)
    }

    #[test]
    fn nsec_proof_needs_the_name_and_the_wildcard_covered() {
        let origin = name("example.");
        let qname = name("m.example.");
        let apex = nsec("example.", "b.example.");
        let around_q = nsec("b.example.", "x.example.");
        assert_eq!(
            nxdomain_proven(&origin, &qname, &[apex.clone(), around_q.clone()]),
            DenialVerdict::Proven
        );
        assert!(
            matches!(nxdomain_proven(&origin, &qname, &[around_q]), DenialVerdict::Missing(m) if m.contains("wildcard"))
        );
        assert!(
            matches!(nxdomain_proven(&origin, &qname, &[apex]), DenialVerdict::Missing(m) if m.contains("m.example."))
        );
        assert!(matches!(
            nxdomain_proven(&origin, &qname, &[]),
            DenialVerdict::Missing(_)
        ));
        // The last NSEC wraps around to the apex.
        let last = nsec("x.example.", "example.");
        assert!(nsec_covers(&name("x.example."), &name("example."), &name("z.example.")));
        assert!(!nsec_covers(
            &name("x.example."),
            &name("example."),
            &name("c.example.")
        ));
        let _ = last;
    }

    #[test]
    fn nsec3_proof_checks_encloser_next_closer_and_wildcard() {
        let origin = name("example.");
        let qname = name("nothing-here.example.");
        let params = Nsec3Params::default();
        // A chain of three hashes: the apex, and two around everything else.
        let mut hashes: Vec<[u8; 20]> = vec![
            params.hash(&origin),
            params.hash(&name("a.example.")),
            params.hash(&name("b.example.")),
        ];
        hashes.sort();
        let records: Vec<Record> = (0..3)
            .map(|i| {
                let next = hashes[(i + 1) % 3];
                let nsec3 = Nsec3 {
                    algorithm: 1,
                    flags: 0,
                    iterations: 0,
                    salt: Vec::new(),
                    next_hashed: next.to_vec(),
                    types: vec![Rtype::A],
                };
                let label = data_encoding::BASE32HEX_NOPAD.encode(&hashes[i]).to_ascii_lowercase();
                Record::new(
                    origin.prepend(label.as_bytes()).unwrap(),
                    Class::IN,
                    300,
                    Rtype::NSEC3,
                    nsec3.to_rdata(),
                )
            })
            .collect();
        assert_eq!(nxdomain_proven(&origin, &qname, &records), DenialVerdict::Proven);
        // Without the apex's own NSEC3 the closest encloser is not proven.
        let apex_hash = params.hash(&origin);
        let without: Vec<Record> = records
            .iter()
            .filter(|r| owner_hash(&r.owner) != Some(apex_hash))
            .cloned()
            .collect();
        assert!(
            matches!(nxdomain_proven(&origin, &qname, &without), DenialVerdict::Missing(m) if m.contains("encloser"))
        );
    }
}
