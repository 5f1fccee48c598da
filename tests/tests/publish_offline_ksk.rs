//! `signer publish` in offline-KSK mode: the KSK is Knot's (keymgr), the
//! bundles come from a KSR signed by `keymgr sign-ksr` and imported; the
//! bundle-runway guardrail passes, warns as the bundles run out (naming
//! the ceremony deadline), and publication stops when no bundle covers.

#[path = "bundles_support/mod.rs"]
mod bundles_support;

use bundles_support::{assert_valid_at, knot_signed_period, write_zone, Signer};
use signet_tests::text;

fn publish(signer: &Signer, zone: &std::path::Path, out: &std::path::Path, at: &str) -> std::process::Output {
    signer.cmd(&[
        "--now",
        at,
        "publish",
        "--zone",
        zone.to_str().unwrap(),
        "--publish-to",
        out.to_str().unwrap(),
    ])
}

fn line<'a>(all: &'a str, guardrail: &str) -> &'a str {
    all.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(guardrail))
        .map_or("", str::trim_start)
}

#[test]
fn offline_ksk_publication_checks_the_bundle_runway() {
    let tmp = tempfile::tempdir().unwrap();
    let (_knot, signer, skr) = knot_signed_period(tmp.path(), "20270301000000");
    let anchor = tmp.path().join("ksk.ds");
    signer.ok(&["import-skr", skr.to_str().unwrap()]);
    let zone = write_zone(tmp.path());
    std::fs::create_dir_all(tmp.path().join("primary")).unwrap();
    let published = tmp.path().join("primary/example.com.zone");

    // Early in the bundles' period: everything passes, the zone validates
    // with the KSK's DS as the only anchor.
    let out = publish(&signer, &zone, &published, "20261202000000");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(line(&all, "bundle-runway").starts_with("pass"), "{all}");
    assert!(line(&all, "expiry-as-planned").starts_with("pass"), "{all}");
    assert!(
        line(&all, "trust-chain").starts_with("pass") && all.contains("the trust anchor's KSK"),
        "{all}"
    );
    assert_valid_at(&published, &anchor, "20261202000000");

    // Within 30 days of the last bundle's end: a warning naming the date
    // by which the next ceremony must happen; still published.
    let out = publish(&signer, &zone, &published, "20270220000000");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let runway = line(&all, "bundle-runway");
    assert!(
        runway.starts_with("WARN") && runway.contains("key ceremony before"),
        "{all}"
    );
    assert_valid_at(&published, &anchor, "20270220000000");

    // Past the last bundle: nothing can be signed, nothing is written.
    let before = std::fs::read(&published).unwrap();
    let out = publish(&signer, &zone, &published, "20270320000000");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no key bundle covers"), "{}", text(&out));
    assert_eq!(std::fs::read(&published).unwrap(), before);
}
