//! Files written by Knot DNS 3.2.6's `keymgr generate-ksr` and `sign-ksr`
//! (testdata/), read, checked and written back.

use std::path::Path;

use super::checks::{
    check_cds, check_windows, check_zsks, signature_windows, verify_signatures, ValidityRules, ZskRules,
};
use super::*;

const KNOT_KSR: &str = include_str!("testdata/knot-3.2.6.ksr");
const KNOT_SKR: &str = include_str!("testdata/knot-3.2.6.skr");

fn ksr() -> BundleFile {
    parse(KNOT_KSR, Path::new("knot.ksr"), Kind::Request).unwrap()
}

fn skr() -> BundleFile {
    parse(KNOT_SKR, Path::new("knot.skr"), Kind::Response).unwrap()
}

fn any_ksk(_: &crate::dnskey::Dnskey) -> bool {
    true
}

#[test]
fn reads_knot_ksr() {
    let file = ksr();
    assert_eq!(file.bundles.len(), 8);
    assert_eq!(file.zone().unwrap().to_string(), "example.com.");
    assert_eq!(file.bundles[0].start, 1795575004);
    assert_eq!(file.bundles[0].line, 1);
    assert_eq!(file.bundles[0].zsk_tags(), vec![63363]);
    assert_eq!(file.bundles[1].zsk_tags(), vec![4096, 63363]);
    assert_eq!(file.bundles[1].stated_tags, vec![Some(63363), Some(4096)]);
    assert!(file.trailer.contains("Knot DNS 3.2.6"), "{}", file.trailer);
    check_zsks(&file, &ZskRules::default()).unwrap();
}

#[test]
fn reads_and_verifies_knot_skr() {
    let file = skr();
    assert_eq!(file.bundles.len(), 20);
    for i in 0..file.bundles.len() {
        assert_eq!(verify_signatures(&file, i, &any_ksk).unwrap(), vec![55762]);
        check_cds(&file, i).unwrap();
    }
    let windows = signature_windows(&file).unwrap();
    let rules = ValidityRules {
        min_validity: 86400,
        max_validity: 30 * 86400,
        min_overlap: 0,
        max_overlap: 30 * 86400,
    };
    check_windows(&file, &windows, &rules).unwrap();
    // without bundles 2 and 3, bundle 1's signatures expire before bundle 4 begins
    let mut thinned = file.clone();
    thinned.bundles.drain(1..3);
    let windows = signature_windows(&thinned).unwrap();
    let err = check_windows(&thinned, &windows, &rules).unwrap_err().to_string();
    assert!(
        err.contains("bundle 1 of 18") && err.contains("before the next bundle begins"),
        "{err}"
    );
    // a policy that allows less overlap refuses Knot's 7 days
    let tight = ValidityRules {
        max_overlap: 3 * 86400,
        ..rules.clone()
    };
    let err = check_windows(&file, &signature_windows(&file).unwrap(), &tight)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 3d"), "{err}");
}

#[test]
fn round_trips_through_signets_writer() {
    for (text, kind) in [(KNOT_KSR, Kind::Request), (KNOT_SKR, Kind::Response)] {
        let file = parse(text, Path::new("in"), kind).unwrap();
        let mut copy = file.clone();
        copy.notes.push(("ksr-sha256".into(), "00ff".into()));
        let written = write(&copy, "Signet test", 1_800_000_000);
        let back = parse(&written, Path::new("out"), kind).unwrap();
        assert_eq!(back.bundles.len(), file.bundles.len());
        for (a, b) in back.bundles.iter().zip(&file.bundles) {
            assert_eq!(a.start, b.start);
            assert_eq!(a.records, b.records);
        }
        assert_eq!(back.note("ksr-sha256"), Some("00ff"));
    }
}

#[test]
fn a_flipped_signature_byte_names_the_bundle() {
    let file = skr();
    let mut bad = file.clone();
    let bundle = &mut bad.bundles[2];
    let sig = bundle
        .records
        .iter_mut()
        .find(|r| r.rtype == crate::Rtype::RRSIG)
        .unwrap();
    let mut rdata = sig.rdata.to_vec();
    let last = rdata.len() - 1;
    rdata[last] ^= 1;
    sig.rdata = rdata.into();
    let err = verify_signatures(&bad, 2, &any_ksk).unwrap_err().to_string();
    assert!(err.contains("bundle 3 of 20"), "{err}");
    assert!(err.contains("does not verify"), "{err}");
    // and a key the anchor does not know is refused
    let err = verify_signatures(&file, 0, &|_| false).unwrap_err().to_string();
    assert!(err.contains("do not match the trust anchor"), "{err}");
}

#[test]
fn broken_files_are_refused_with_the_line() {
    // truncated: the closing line is missing
    let cut = &KNOT_SKR[..KNOT_SKR.rfind(";; SignedKeyResponse 1.0 generated").unwrap()];
    let err = parse(cut, Path::new("cut.skr"), Kind::Response)
        .unwrap_err()
        .to_string();
    assert!(err.contains("truncated"), "{err}");
    // the wrong kind
    let err = parse(KNOT_SKR, Path::new("x.ksr"), Kind::Request)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a KeySigningRequest"), "{err}");
    // a directive
    let inc = KNOT_KSR.replacen("example.com.", "$INCLUDE /etc/passwd\nexample.com.", 1);
    let err = parse(&inc, Path::new("i.ksr"), Kind::Request).unwrap_err().to_string();
    assert!(err.starts_with("i.ksr:2:"), "{err}");
    // bundles out of order
    let swapped = KNOT_KSR.replacen("1798167004", "1795575004", 1);
    let err = parse(&swapped, Path::new("s.ksr"), Kind::Request)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bundle 2 of 8"), "{err}");
    // a record for another zone
    let other = KNOT_KSR.replacen("example.com.", "example.net.", 2);
    let err = parse(&other, Path::new("o.ksr"), Kind::Request)
        .unwrap_err()
        .to_string();
    assert!(err.contains("example.net."), "{err}");
    // a stated key tag that does not match
    let tag = KNOT_KSR.replacen("id = 63363", "id = 63364", 1);
    let err = check_zsks(
        &parse(&tag, Path::new("t.ksr"), Kind::Request).unwrap(),
        &ZskRules::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("63364"), "{err}");
}
