//! Interop with Knot DNS 3.2's keymgr, signer side: a KSR written by
//! `signer ksr` is signed by `keymgr sign-ksr` (Knot as the KSK side),
//! imported by `signer import-skr`, and zones signed as at several
//! instants of the period validate with the KSK's DS as the only trust
//! anchor (ldns-verify-zone) and pass kzonecheck.

mod bundles_support;

use bundles_support::{assert_invalid_at, assert_valid_at, sign_at, unix, write_zone, Knot, Signer, ZONE};

/// The key tag of the RRSIG over the SOA in a signed zone file.
fn soa_signer(zone: &std::path::Path) -> String {
    let text = std::fs::read_to_string(zone).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("\tRRSIG\tSOA "))
        .expect("an RRSIG over the SOA");
    line.split_whitespace().nth(10).unwrap().to_string()
}

#[test]
fn signet_ksr_signed_by_keymgr_is_imported_and_zones_validate_across_the_period() {
    let tmp = tempfile::tempdir().unwrap();
    let anchor = tmp.path().join("ksk.ds");
    let knot = Knot::new(&tmp.path().join("knot"), ZONE, "ecdsap256sha256");
    knot.make_ksk(ZONE, unix("20261101000000"), &anchor);
    let signer = Signer::init(&tmp.path().join("signer"), &anchor);
    let ksr = tmp.path().join("q1.ksr");
    let out = signer.ok(&[
        "ksr",
        "--from",
        "20261201000000",
        "--to",
        "20270601000000",
        "--output",
        ksr.to_str().unwrap(),
    ]);
    assert!(out.contains("bundles"), "{out}");

    let skr = tmp.path().join("q1.skr");
    std::fs::write(&skr, knot.keymgr(ZONE, &["sign-ksr", ksr.to_str().unwrap()])).unwrap();
    let out = signer.ok(&["import-skr", skr.to_str().unwrap()]);
    assert!(out.contains("imported"), "{out}");

    let zone = write_zone(tmp.path());
    let mut signers = Vec::new();
    // the start, a ZSK rollover boundary (the plan's second ZSK takes over
    // 90 days in), a plain bundle boundary, and the last day
    for at in ["20261201000000", "20270301000000", "20270311000000", "20270531000000"] {
        let signed = tmp.path().join(format!("signed-{at}.zone"));
        signer.ok(&sign_at(at, &zone, &signed));
        assert_valid_at(&signed, &anchor, at);
        signers.push(soa_signer(&signed));
    }
    assert_ne!(signers[0], signers[1], "the ZSK rolls over on 2027-03-01");
    assert_eq!(signers[1], signers[2]);
    // the validators can fail: the first zone is not valid months later
    assert_invalid_at(
        &tmp.path().join("signed-20261201000000.zone"),
        &anchor,
        "20270401000000",
    );

    // no bundle covers an instant after the SKR: refused, old output kept
    let signed = tmp.path().join("signed-20270531000000.zone");
    let before = std::fs::read(&signed).unwrap();
    let out = signer.refused(&sign_at("20270801000000", &zone, &signed), 2);
    assert!(out.contains("no key bundle covers 2027-08-01 00:00:00 UTC"), "{out}");
    assert_eq!(std::fs::read(&signed).unwrap(), before);

    let out = signer.ok(&["--now", "20261215000000", "bundles", "status"]);
    assert!(out.contains("live"), "{out}");
    assert!(out.contains("the last bundle ends 2027-06-14"), "{out}");
    let out = signer.refused(&["--now", "20270801000000", "bundles", "status"], 1);
    assert!(out.contains("no bundle covers"), "{out}");

    // Knot reads Signet's bundle store as an SKR, too
    knot.keymgr(
        ZONE,
        &["validate-skr", signer.dir.join("bundles/bundles.skr").to_str().unwrap()],
    );
}
