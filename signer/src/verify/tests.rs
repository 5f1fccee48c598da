//! The verifier on zones built and signed here, record by record, with
//! chains written out by hand (not by the signer under test), then broken
//! one rule at a time.

use keybundles::algorithm::Algorithm;
use keybundles::crypto::SigningKey;
use keybundles::dnskey::Dnskey;
use keybundles::nsec3::Nsec3Params;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::to_serial;
use keybundles::{Class, Name, Record, Rtype};

use super::*;

const T0: i64 = 1_800_000_000;
const DAY: i64 = 86400;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn rec(owner: &str, ttl: u32, rtype: Rtype, rdata: Vec<u8>) -> Record {
    Record::new(n(owner), Class::IN, ttl, rtype, rdata)
}

fn name_rdata(s: &str) -> Vec<u8> {
    n(s).as_wire().to_vec()
}

struct Key {
    signing: SigningKey,
    dnskey: Dnskey,
}

fn key(seed: u8, sep: bool) -> Key {
    let signing = SigningKey::from_ed25519(&[seed; 32], None).unwrap();
    let dnskey = Dnskey::new(Algorithm::Ed25519, signing.public_key().to_vec(), sep);
    Key { signing, dnskey }
}

/// A type bitmap, encoded here from RFC 4034 §4.1.2.
fn bitmap(types: &[Rtype]) -> Vec<u8> {
    let mut codes: Vec<u16> = types.iter().map(|t| t.0).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut out = Vec::new();
    for window in 0..=255u8 {
        let mut bits = [0u8; 32];
        let mut used = 0;
        for &c in codes.iter().filter(|&&c| (c >> 8) as u8 == window) {
            let low = usize::from(c & 0xff);
            bits[low / 8] |= 0x80 >> (low % 8);
            used = used.max(low / 8 + 1);
        }
        if used > 0 {
            out.push(window);
            out.push(used as u8);
            out.extend_from_slice(&bits[..used]);
        }
    }
    out
}

use Rtype as T;

/// The unsigned zone: apex, a name, an ENT (b), a wildcard under an ENT
/// (w), a secure delegation with glue, an insecure delegation.
fn unsigned(keys: &[&Key]) -> Vec<Record> {
    let mut soa = name_rdata("ns.example.");
    soa.extend(name_rdata("host.example."));
    for v in [1u32, 7200, 3600, 1_209_600, 300] {
        soa.extend(v.to_be_bytes());
    }
    let mut records = vec![
        rec("example.", 3600, T::SOA, soa),
        rec("example.", 3600, T::NS, name_rdata("ns.example.")),
        rec("ns.example.", 3600, T::A, vec![192, 0, 2, 1]),
        rec("www.example.", 3600, T::A, vec![192, 0, 2, 80]),
        rec("www.example.", 3600, T::A, vec![192, 0, 2, 81]),
        rec("a.b.example.", 3600, T::TXT, b"\x02hi".to_vec()),
        rec("*.w.example.", 3600, T::TXT, b"\x04wild".to_vec()),
        rec("sub.example.", 3600, T::NS, name_rdata("ns.sub.example.")),
        rec("sub.example.", 3600, T::DS, vec![0x30, 0x39, 15, 2, 1, 2, 3, 4]),
        rec("ns.sub.example.", 3600, T::A, vec![192, 0, 2, 53]),
        rec("insecure.example.", 3600, T::NS, name_rdata("ns.other.")),
    ];
    for k in keys {
        records.push(rec("example.", 3600, T::DNSKEY, k.dnskey.to_rdata()));
    }
    records
}

/// NSEC chain, in canonical order, by hand.
fn nsec_records() -> Vec<Record> {
    let chain: [(&str, &[Rtype]); 7] = [
        ("example.", &[T::SOA, T::NS, T::DNSKEY]),
        ("a.b.example.", &[T::TXT]),
        ("insecure.example.", &[T::NS]),
        ("ns.example.", &[T::A]),
        ("sub.example.", &[T::NS, T::DS]),
        ("*.w.example.", &[T::TXT]),
        ("www.example.", &[T::A]),
    ];
    (0..chain.len())
        .map(|i| {
            let (owner, types) = chain[i];
            let mut rdata = name_rdata(chain[(i + 1) % chain.len()].0);
            let mut all = types.to_vec();
            all.extend([T::NSEC, T::RRSIG]);
            rdata.extend(bitmap(&all));
            rec(owner, 300, T::NSEC, rdata)
        })
        .collect()
}

/// NSEC3 chain (no salt, no extra iterations), by hand; with `opt_out`
/// the insecure delegation is left out.
fn nsec3_records(opt_out: bool) -> Vec<Record> {
    let params = Nsec3Params::default();
    let mut names: Vec<(&str, Vec<Rtype>)> = vec![
        ("example.", vec![T::SOA, T::NS, T::DNSKEY, T::NSEC3PARAM, T::RRSIG]),
        ("a.b.example.", vec![T::TXT, T::RRSIG]),
        ("b.example.", vec![]),
        ("ns.example.", vec![T::A, T::RRSIG]),
        ("sub.example.", vec![T::NS, T::DS, T::RRSIG]),
        ("*.w.example.", vec![T::TXT, T::RRSIG]),
        ("w.example.", vec![]),
        ("www.example.", vec![T::A, T::RRSIG]),
    ];
    if !opt_out {
        names.push(("insecure.example.", vec![T::NS]));
    }
    let mut hashed: Vec<([u8; 20], Vec<Rtype>)> = names.into_iter().map(|(s, t)| (params.hash(&n(s)), t)).collect();
    hashed.sort();
    let mut records: Vec<Record> = (0..hashed.len())
        .map(|i| {
            let (hash, types) = &hashed[i];
            let mut rdata = vec![1, u8::from(opt_out), 0, 0, 0, 20];
            rdata.extend_from_slice(&hashed[(i + 1) % hashed.len()].0);
            rdata.extend(bitmap(types));
            let owner = format!("{}.example.", data_encoding::BASE32HEX_NOPAD.encode(hash));
            rec(&owner.to_ascii_lowercase(), 300, T::NSEC3, rdata)
        })
        .collect();
    records.push(rec("example.", 3600, T::NSEC3PARAM, vec![1, 0, 0, 0, 0]));
    records
}

fn sign_rrset(rrset: &[&Record], key: &Key, rtype: Rtype) -> Record {
    let first = rrset[0];
    let mut rrsig = Rrsig {
        type_covered: rtype,
        algorithm: 15,
        labels: first.owner.rrsig_labels(),
        original_ttl: first.ttl,
        expiration: to_serial(T0 + 14 * DAY),
        inception: to_serial(T0 - 3600),
        key_tag: key.dnskey.key_tag(),
        signer: n("example."),
        signature: Vec::new(),
    };
    rrsig.signature = key.signing.sign(&signing_input(&rrsig, rrset)).unwrap();
    Record::new(first.owner.clone(), Class::IN, first.ttl, T::RRSIG, rrsig.to_rdata())
}

/// Signs what the zone is authoritative for: the KSK the DNSKEY RRset,
/// the ZSK the rest; delegation NS and glue are left unsigned.
fn sign(mut records: Vec<Record>, ksk: &Key, zsk: &Key) -> Vec<Record> {
    let unsigned_names = ["ns.sub.example."];
    let mut sets: Vec<(Name, Rtype)> = records.iter().map(|r| (r.owner.clone(), r.rtype)).collect();
    sets.sort();
    sets.dedup();
    let mut sigs = Vec::new();
    for (owner, rtype) in sets {
        let delegation = owner != n("example.") && records.iter().any(|r| r.owner == owner && r.rtype == T::NS);
        if unsigned_names.contains(&owner.to_string().as_str()) || delegation && rtype == T::NS {
            continue;
        }
        let rrset: Vec<&Record> = records
            .iter()
            .filter(|r| r.owner == owner && r.rtype == rtype)
            .collect();
        let key = if rtype == T::DNSKEY { ksk } else { zsk };
        sigs.push(sign_rrset(&rrset, key, rtype));
    }
    records.extend(sigs);
    records
}

fn options() -> Options {
    Options {
        at: T0,
        min_remaining: None,
    }
}

fn verify(records: Vec<Record>) -> Report {
    verify_zone(&n("example."), records, &options(), &[])
}

fn problems(report: &Report) -> Vec<String> {
    report.failures.iter().map(ToString::to_string).collect()
}

fn has(report: &Report, owner: &str, rtype: Rtype, pred: impl Fn(&Problem) -> bool) -> bool {
    report
        .failures
        .iter()
        .any(|f| f.owner == n(owner) && f.rtype == rtype && pred(&f.problem))
}

fn nsec_zone() -> (Vec<Record>, Key, Key) {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    records.extend(nsec_records());
    (records, ksk, zsk)
}

#[test]
fn clean_nsec_zone_verifies() {
    let (records, ksk, zsk) = nsec_zone();
    let report = verify(sign(records, &ksk, &zsk));
    assert!(report.is_ok(), "{:#?}", problems(&report));
    assert_eq!(report.denial, Denial::Nsec);
    assert_eq!(report.stats.nsec, 7);
    assert_eq!(report.keys.len(), 2);
    let e = report.earliest_expiration.unwrap();
    assert_eq!(e.expiration, T0 + 14 * DAY);
}

#[test]
fn clean_nsec3_zones_verify_with_and_without_opt_out() {
    for opt_out in [false, true] {
        let (ksk, zsk) = (key(1, true), key(2, false));
        let mut records = unsigned(&[&ksk, &zsk]);
        records.extend(nsec3_records(opt_out));
        let report = verify(sign(records, &ksk, &zsk));
        assert!(report.is_ok(), "opt-out {opt_out}: {:#?}", problems(&report));
        assert_eq!(
            report.denial,
            Denial::Nsec3 {
                params: Nsec3Params::default(),
                opt_out
            }
        );
        assert_eq!(report.stats.nsec3, if opt_out { 8 } else { 9 });
    }
}

#[test]
fn insecure_delegation_left_out_needs_opt_out() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    // The opt-out chain with the opt-out flag cleared.
    records.extend(nsec3_records(true).into_iter().map(|mut r| {
        if r.rtype == T::NSEC3 {
            let mut rdata = r.rdata.to_vec();
            rdata[1] = 0;
            r.rdata = rdata.into();
        }
        r
    }));
    let report = verify(sign(records, &ksk, &zsk));
    assert!(
        has(&report, "insecure.example.", T::NSEC3, |p| matches!(
            p,
            Problem::MissingNsec3NoOptOut(_)
        )),
        "{:#?}",
        problems(&report)
    );
    assert_eq!(report.failures.len(), 1, "{:#?}", problems(&report));
}

/// In a chain where every link opts out, only names that may be opted
/// out go without an NSEC3: a secure delegation's missing record is
/// still found (and an insecure one's absence still passes).
#[test]
fn an_opt_out_chain_still_needs_the_secure_delegations() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    let sub = Nsec3Params::default()
        .hashed_owner(&n("sub.example."), &n("example."))
        .unwrap();
    records.extend(nsec3_records(true).into_iter().filter(|r| r.owner != sub));
    let report = verify(sign(records, &ksk, &zsk));
    assert!(
        has(&report, "sub.example.", T::NSEC3, |p| matches!(
            p,
            Problem::MissingNsec3(_)
        )),
        "{:#?}",
        problems(&report)
    );
    assert!(
        !report.failures.iter().any(|f| f.owner == n("insecure.example.")),
        "{:#?}",
        problems(&report)
    );
}

#[test]
fn missing_nsec3_for_an_empty_non_terminal() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    let b = Nsec3Params::default()
        .hashed_owner(&n("b.example."), &n("example."))
        .unwrap();
    let chain: Vec<Record> = nsec3_records(false).into_iter().filter(|r| r.owner != b).collect();
    records.extend(chain);
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "b.example.", T::NSEC3, |p| matches!(
        p,
        Problem::MissingNsec3(_)
    )));
    // And the chain no longer closes where b's record was.
    assert!(report
        .failures
        .iter()
        .any(|f| matches!(f.problem, Problem::Nsec3Next { .. })));
}

#[test]
fn nsec3param_must_match_the_chain() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    records.extend(nsec3_records(false).into_iter().map(|mut r| {
        if r.rtype == T::NSEC3PARAM {
            r.rdata = vec![1, 0, 0, 5, 0].into();
        }
        r
    }));
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "example.", T::NSEC3PARAM, |p| matches!(
        p,
        Problem::Nsec3ParamMismatch(..)
    )));
    assert_eq!(report.failures.len(), 1, "{:#?}", problems(&report));
}

#[test]
fn nsec_chain_breaks_are_named() {
    let (records, ksk, zsk) = nsec_zone();
    // Drop the NSEC of ns.example.; point insecure.example.'s past it.
    let records: Vec<Record> = records
        .into_iter()
        .filter(|r| !(r.owner == n("ns.example.") && r.rtype == T::NSEC))
        .map(|mut r| {
            if r.owner == n("insecure.example.") && r.rtype == T::NSEC {
                let mut rdata = name_rdata("sub.example.");
                rdata.extend(bitmap(&[T::NS, T::NSEC, T::RRSIG]));
                r.rdata = rdata.into();
            }
            r
        })
        .collect();
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "ns.example.", T::NSEC, |p| *p == Problem::MissingNsec));
    assert!(has(&report, "insecure.example.", T::NSEC, |p| matches!(
        p,
        Problem::NsecNext { found, expected } if *found == n("sub.example.") && *expected == n("ns.example.")
    )));
    assert_eq!(report.failures.len(), 2, "{:#?}", problems(&report));
}

#[test]
fn denial_records_at_ents_and_glue_are_errors() {
    let (mut records, ksk, zsk) = nsec_zone();
    let mut ent = name_rdata("insecure.example.");
    ent.extend(bitmap(&[T::NSEC, T::RRSIG]));
    records.push(rec("b.example.", 300, T::NSEC, ent.clone()));
    records.push(rec("ns.sub.example.", 300, T::NSEC, ent));
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "b.example.", T::NSEC, |p| *p
        == Problem::UnexpectedNsec("an empty non-terminal")));
    assert!(has(&report, "ns.sub.example.", T::NSEC, |p| *p
        == Problem::UnexpectedNsec("below a zone cut")));
}

#[test]
fn wrong_bitmap_at_a_delegation() {
    let (records, ksk, zsk) = nsec_zone();
    // sub.example.'s NSEC lists the glue-like A it must not list.
    let records: Vec<Record> = records
        .into_iter()
        .map(|mut r| {
            if r.owner == n("sub.example.") && r.rtype == T::NSEC {
                let mut rdata = name_rdata("*.w.example.");
                rdata.extend(bitmap(&[T::A, T::NS, T::DS, T::NSEC, T::RRSIG]));
                r.rdata = rdata.into();
            }
            r
        })
        .collect();
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "sub.example.", T::NSEC, |p| *p
        == Problem::Bitmap {
            missing: vec![],
            extra: vec![T::A]
        }));
    assert_eq!(report.failures.len(), 1, "{:#?}", problems(&report));
}

#[test]
fn signed_delegation_ns_and_glue_are_errors() {
    let (records, ksk, zsk) = nsec_zone();
    let mut signed = sign(records, &ksk, &zsk);
    let ns: Vec<Record> = signed
        .iter()
        .filter(|r| r.owner == n("sub.example.") && r.rtype == T::NS)
        .cloned()
        .collect();
    let glue: Vec<Record> = signed
        .iter()
        .filter(|r| r.owner == n("ns.sub.example.") && r.rtype == T::A)
        .cloned()
        .collect();
    signed.push(sign_rrset(&ns.iter().collect::<Vec<_>>(), &zsk, T::NS));
    signed.push(sign_rrset(&glue.iter().collect::<Vec<_>>(), &zsk, T::A));
    let report = verify(signed);
    assert!(has(&report, "sub.example.", T::NS, |p| *p == Problem::SignedDelegationNs));
    assert!(has(&report, "ns.sub.example.", T::A, |p| *p == Problem::SignedBelowCut));
    assert_eq!(report.failures.len(), 2, "{:#?}", problems(&report));
}

#[test]
fn every_algorithm_must_sign_every_rrset() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    // A P-256 key (any 64 octets will do) that signs nothing.
    let extra = rec("example.", 3600, T::DNSKEY, {
        let mut d = vec![1, 0, 3, 13];
        d.extend([7u8; 64]);
        d
    });
    let mut records = unsigned(&[&ksk, &zsk]);
    records.push(extra);
    records.extend(nsec_records());
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "www.example.", T::A, |p| *p == Problem::MissingAlgorithm(13)));
    assert!(report
        .failures
        .iter()
        .all(|f| f.problem == Problem::MissingAlgorithm(13)));
}

#[test]
fn dnskey_set_needs_a_sep_signature() {
    let (ksk, zsk) = (key(1, true), key(2, false));
    let mut records = unsigned(&[&ksk, &zsk]);
    records.extend(nsec_records());
    // Everything, DNSKEY included, signed by the ZSK only.
    let report = verify(sign(records, &zsk, &zsk));
    assert!(has(&report, "example.", T::DNSKEY, |p| *p == Problem::DnskeyNotSignedBySep));
    assert_eq!(report.failures.len(), 1, "{:#?}", problems(&report));
}

#[test]
fn rrsig_fields_are_checked() {
    let (records, ksk, zsk) = nsec_zone();
    let mut signed = sign(records, &ksk, &zsk);
    for r in signed.iter_mut().filter(|r| r.rtype == T::RRSIG) {
        let mut rrsig = Rrsig::from_rdata(&r.rdata).unwrap();
        if r.owner == n("*.w.example.") && rrsig.type_covered == T::TXT {
            rrsig.labels = 3;
        } else if r.owner == n("www.example.") && rrsig.type_covered == T::A {
            r.ttl = 60;
        } else if r.owner == n("ns.example.") && rrsig.type_covered == T::A {
            rrsig.original_ttl = 60;
        } else {
            continue;
        }
        r.rdata = rrsig.to_rdata().into();
    }
    let report = verify(signed);
    assert!(has(&report, "*.w.example.", T::TXT, |p| *p
        == Problem::Labels { found: 3, expected: 2 }));
    assert!(has(&report, "www.example.", T::A, |p| *p
        == Problem::RrsigTtl {
            found: 60,
            expected: 3600
        }));
    assert!(has(&report, "ns.example.", T::A, |p| *p
        == Problem::OriginalTtl {
            found: 60,
            expected: 3600
        }));
    // Labels and original TTL are signed fields: those signatures break too.
    assert!(has(&report, "ns.example.", T::A, |p| *p == Problem::BadSignature));
}

#[test]
fn expiry_and_margin() {
    let (records, ksk, zsk) = nsec_zone();
    let signed = sign(records, &ksk, &zsk);
    let at = |at, min_remaining| verify_zone(&n("example."), signed.clone(), &Options { at, min_remaining }, &[]);
    assert!(at(T0 + 14 * DAY, None).is_ok());
    let late = at(T0 + 14 * DAY + 1, None);
    assert!(late
        .failures
        .iter()
        .any(|f| matches!(f.problem, Problem::Expired { .. })));
    assert_eq!(late.stats.valid_signatures, 0);
    let margin = at(T0, Some(14 * DAY + 1));
    assert!(margin
        .failures
        .iter()
        .all(|f| matches!(f.problem, Problem::ExpiresTooSoon { .. })));
    assert_eq!(margin.failures.len(), margin.stats.signatures);
    assert!(at(T0, Some(14 * DAY)).is_ok());
}

#[test]
fn structure_problems_and_order() {
    let (mut records, ksk, zsk) = nsec_zone();
    records.push(rec("elsewhere.", 3600, T::A, vec![192, 0, 2, 9]));
    let mut signed = sign(records, &ksk, &zsk);
    signed.retain(|r| !(r.owner == n("www.example.") && r.rtype == T::RRSIG));
    let report = verify(signed);
    assert!(has(&report, "elsewhere.", T::A, |p| matches!(p, Problem::OutOfZone(_))));
    assert!(has(&report, "www.example.", T::A, |p| *p == Problem::Unsigned));
    assert!(has(&report, "www.example.", T::NSEC, |p| *p == Problem::Unsigned));
    // Canonical order: "elsewhere." sorts before everything under "example.".
    assert_eq!(report.failures[0].owner, n("elsewhere."));
    assert_eq!(report.failures.last().unwrap().owner, n("www.example."));
    assert_eq!(
        report.failures.last().unwrap().to_string(),
        "www.example. NSEC - RRset is not signed"
    );
}

#[test]
fn ds_only_at_delegations() {
    let (mut records, ksk, zsk) = nsec_zone();
    records.push(rec("www.example.", 3600, T::DS, vec![0x30, 0x39, 15, 2, 9, 9]));
    let records: Vec<Record> = records
        .into_iter()
        .map(|mut r| {
            if r.owner == n("www.example.") && r.rtype == T::NSEC {
                let mut rdata = name_rdata("example.");
                rdata.extend(bitmap(&[T::A, T::DS, T::NSEC, T::RRSIG]));
                r.rdata = rdata.into();
            }
            r
        })
        .collect();
    let report = verify(sign(records, &ksk, &zsk));
    assert!(has(&report, "www.example.", T::DS, |p| *p == Problem::DsNotAtDelegation));
    assert_eq!(report.failures.len(), 1, "{:#?}", problems(&report));
}
