//! `signer monitor` in offline-KSK mode: the bundle runway (time until the
//! last imported key bundle ends) from bundles Knot's keymgr signed for a
//! Signet KSR, and the DNSKEY set checked against the KSK's trust anchor.

mod bundles_support;
mod monitor_support;

use bundles_support::{knot_signed_period, unix, write_zone, Signer};
use signet_tests::text;

fn monitor_at(signer: &Signer, at: i64, zone: &std::path::Path) -> (serde_json::Value, String, i32) {
    let now = at.to_string();
    let zone_s = zone.to_str().unwrap();
    let out = signer.cmd(&["--now", &now, "monitor", "--zone-file", zone_s, "--json"]);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}\n{}", text(&out)));
    let nagios = signer.cmd(&["--now", &now, "monitor", "--zone-file", zone_s]);
    (doc, text(&nagios), nagios.status.code().unwrap_or(-1))
}

#[test]
fn bundle_runway_warns_then_goes_critical_as_the_last_bundle_nears_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let (_knot, signer, skr) = knot_signed_period(tmp.path(), "20270601000000");
    signer.ok(&["import-skr", skr.to_str().unwrap()]);
    let unsigned = write_zone(tmp.path());
    let sign_at = |at: i64| {
        let out = tmp.path().join(format!("signed-{at}.zone"));
        signer.ok(&[
            "--now",
            &at.to_string(),
            "sign",
            unsigned.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ]);
        out
    };

    // Early in the period: plenty of runway, and the DNSKEY set matches
    // the trust anchor (the DS the parent has).
    let early = unix("20261215000000");
    let (doc, nagios, code) = monitor_at(&signer, early, &sign_at(early));
    assert_eq!(code, 0, "{nagios}");
    assert_eq!(doc["runway"]["status"], "OK", "{doc}");
    let ends = doc["runway"]["ends"].as_i64().expect("runway end");
    assert!(ends > unix("20270601000000") - 86400, "last bundle ends {ends}");
    assert_eq!(doc["runway"]["seconds"].as_i64(), Some(ends - early));
    assert!(nagios.contains("bundle_runway="), "{nagios}");
    assert!(
        nagios.contains("trust-anchor.txt) matches a key that signs the DNSKEY RRset"),
        "{nagios}"
    );

    // Twenty days before the end: plan the next ceremony.
    let warn = ends - 20 * 86400;
    let (doc, nagios, code) = monitor_at(&signer, warn, &sign_at(warn));
    assert_eq!(code, 1, "{nagios}");
    assert_eq!(doc["runway"]["status"], "WARNING", "{doc}");
    assert!(nagios.starts_with("DNSSEC WARNING - "), "{nagios}");
    assert!(nagios.contains("plan the next ceremony"), "{nagios}");

    // Three days before the end: critical.
    let late = ends - 3 * 86400;
    let (doc, nagios, code) = monitor_at(&signer, late, &sign_at(late));
    assert_eq!(code, 2, "{nagios}");
    assert_eq!(doc["runway"]["status"], "CRITICAL", "{doc}");
    assert!(
        nagios.contains("[CRITICAL] example.com.: bundle runway 3d 0h"),
        "{nagios}"
    );
}
