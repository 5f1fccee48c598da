//! Unit tests of the signing plan. Whole signed zones are checked by
//! external validators in tests/signing_*.rs.

use std::io::Write;

use keybundles::denial::Nsec3;
use keybundles::nsec3::Nsec3Params;
use keybundles::{Name, Record, Rtype};

use super::*;
use crate::keys;
use crate::zone::{self, LoadOptions};

fn name(s: &str) -> Name {
    s.parse().unwrap()
}

fn load(text: &str) -> Zone {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    zone::load(file.path(), &name("example."), &LoadOptions::default(), &mut |_| {}).unwrap()
}

const ZONE: &str = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 host 1 2 3 4 300\n@ NS ns1\nns1 A 192.0.2.1\n\
                    a.b.c A 192.0.2.2\n\
                    secure NS ns.secure\nsecure DS 1 13 2 5F0EB9A0A7D77EE5EE21AE36A20D2E9D3C6DA4F3A5D8E0B4DCA5AE4A45E95C4A\nns.secure A 192.0.2.3\n\
                    x.y.insecure NS ns.elsewhere.\n";

#[test]
fn layout_classifies_apex_delegations_and_glue() {
    let zone = load(ZONE);
    let nodes = layout(&zone.records, &zone.apex, &mut |_| {});
    let kind = |n: &str| {
        nodes
            .iter()
            .find(|node| *node.owner(&zone.records) == name(n))
            .map(|node| node.kind)
    };
    assert_eq!(kind("example."), Some(NodeKind::Apex));
    assert_eq!(kind("secure.example."), Some(NodeKind::Delegation { has_ds: true }));
    assert_eq!(kind("ns.secure.example."), Some(NodeKind::Occluded));
    assert_eq!(
        kind("x.y.insecure.example."),
        Some(NodeKind::Delegation { has_ds: false })
    );
    assert_eq!(kind("a.b.c.example."), Some(NodeKind::Authoritative));
}

#[test]
fn layout_in_stretches_is_layout_in_one_walk() {
    // Cuts with glue and with cuts and odd data below them, a delegation
    // with odd data of its own (a warning), a DNAME (the zone checks
    // refuse names below one).
    let zone = load(&format!(
        "{ZONE}a.secure NS ns.a.secure\na.secure TXT \"odd, below a cut\"\nns.a.secure A 192.0.2.4\nz.ns.secure TXT \"deep\"\n\
         odd NS ns.elsewhere.\nodd TXT \"not here\"\nb.odd NS ns.elsewhere.\n\
         d DNAME target.example.\nz TXT \"after\"\n"
    ));
    let walk = |pieces: usize| {
        let mut warnings = Vec::new();
        let nodes = layout::layout_in_pieces(&zone.records, &zone.apex, pieces, &mut |w| warnings.push(w));
        let nodes: Vec<(usize, usize, NodeKind)> = nodes.iter().map(|n| (n.start, n.end, n.kind)).collect();
        (nodes, warnings)
    };
    let (one_walk, warnings) = walk(1);
    let kinds: Vec<NodeKind> = one_walk.iter().map(|n| n.2).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == NodeKind::Occluded).count(),
        5,
        "{kinds:?}"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    for pieces in 2..=zone.records.len() + 1 {
        assert_eq!(walk(pieces), (one_walk.clone(), warnings.clone()), "{pieces} pieces");
    }
}

fn nsec3_owners_and_types(opt_out: bool) -> Vec<(Name, Vec<Rtype>)> {
    let mut zone = load(ZONE);
    let params = Nsec3Params::default();
    zone.records.push(Record::new(
        zone.apex.clone(),
        Class::IN,
        300,
        Rtype::NSEC3PARAM,
        params.to_nsec3param_rdata(),
    ));
    zone.records.sort_by(crate::zone::canonical_record_cmp);
    let nodes = layout(&zone.records, &zone.apex, &mut |_| {});
    let records = nsec3::build(&zone.records, &nodes, &zone.apex, &params, opt_out, 300).unwrap();
    let names = [
        "example.",
        "ns1.example.",
        "a.b.c.example.",
        "b.c.example.",
        "c.example.",
        "secure.example.",
        "x.y.insecure.example.",
        "y.insecure.example.",
        "insecure.example.",
    ];
    let mut out = Vec::new();
    for n in names {
        let owner = params.hashed_owner(&name(n), &zone.apex).unwrap();
        if let Some(r) = records.iter().find(|r| r.owner == owner) {
            out.push((name(n), Nsec3::from_rdata(&r.rdata).unwrap().types));
        }
    }
    assert!(records.windows(2).all(|w| w[0].owner != w[1].owner));
    out
}

#[test]
fn nsec3_chain_has_empty_non_terminals_and_honours_opt_out() {
    let full = nsec3_owners_and_types(false);
    let has = |list: &[(Name, Vec<Rtype>)], n: &str| list.iter().find(|(o, _)| *o == name(n)).map(|(_, t)| t.clone());
    assert_eq!(has(&full, "b.c.example."), Some(vec![]), "ENT with an empty bitmap");
    assert_eq!(has(&full, "c.example."), Some(vec![]));
    assert_eq!(
        has(&full, "x.y.insecure.example."),
        Some(vec![Rtype::NS]),
        "insecure delegation: NS only"
    );
    assert!(
        has(&full, "y.insecure.example.").is_some(),
        "ENT above an insecure delegation"
    );
    assert_eq!(
        has(&full, "secure.example."),
        Some(vec![Rtype::NS, Rtype::DS, Rtype::RRSIG])
    );
    let apex = has(&full, "example.").unwrap();
    assert!(apex.contains(&Rtype::NSEC3PARAM) && apex.contains(&Rtype::SOA) && apex.contains(&Rtype::RRSIG));
    assert!(has(&full, "ns.secure.example.").is_none(), "glue is not in the chain");

    let opt_out = nsec3_owners_and_types(true);
    assert!(
        has(&opt_out, "x.y.insecure.example.").is_none(),
        "opt-out skips insecure delegations"
    );
    assert!(
        has(&opt_out, "y.insecure.example.").is_none(),
        "and the ENTs only they create"
    );
    assert!(has(&opt_out, "secure.example.").is_some());
    assert!(has(&opt_out, "b.c.example.").is_some());
}

#[test]
fn planned_expiration_is_stable_spread_and_bounded() {
    let policy = SigningPolicy {
        inception: 0,
        expiration: 1_000_000,
        jitter: 43_200,
        denial: Denial::Nsec,
    };
    let mut seen = std::collections::HashSet::new();
    for i in 0..200 {
        let owner = name(&format!("d{i}.example."));
        let e = policy.planned_expiration(&owner, Rtype::DS);
        assert!((1_000_000 - 43_200..=1_000_000).contains(&e));
        assert_eq!(
            e,
            policy.planned_expiration(&owner, Rtype::DS),
            "the same RRset always gets the same expiry"
        );
        assert_eq!(e, policy.planned_expiration(&owner.to_lowercase(), Rtype::DS));
        seen.insert(e);
    }
    assert!(
        seen.len() > 150,
        "expirations should spread, got {} distinct of 200",
        seen.len()
    );
    let fixed = SigningPolicy { jitter: 0, ..policy };
    assert_eq!(fixed.planned_expiration(&name("a.example."), Rtype::A), 1_000_000);
}

#[test]
fn roles_per_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let origin = name("example.");
    let make = |alg, ksk| {
        let key = keys::generate(alg, None, ksk).unwrap();
        let stem = keys::write_key_files(dir.path(), &origin, &key, 0).unwrap();
        keys::load(&stem).unwrap()
    };
    use keybundles::algorithm::Algorithm::*;
    // KSK + ZSK of one algorithm, and a lone CSK of another.
    let keys = vec![
        make(EcdsaP256Sha256, true),
        make(EcdsaP256Sha256, false),
        make(Ed25519, true),
    ];
    let roles = Roles::new(&keys);
    assert_eq!(roles.signers(Rtype::DNSKEY), &[0, 2]);
    assert_eq!(roles.signers(Rtype::CDS), &[0, 2]);
    assert_eq!(roles.signers(Rtype::A), &[1, 2]);
    let zone = load(ZONE);
    let no_ksk = vec![make(EcdsaP256Sha256, false)];
    let policy = SigningPolicy {
        inception: 0,
        expiration: 10,
        jitter: 0,
        denial: Denial::Nsec,
    };
    let err = sign_zone(zone, &no_ksk, &policy, &indicatif::ProgressBar::hidden(), &mut |_| {})
        .err()
        .unwrap();
    assert!(matches!(err, SignError::NoKsk), "{err}");
}
