//! `signer monitor` in offline-KSK mode: the bundle runway (time until the
//! last imported key bundle ends) from bundles Knot's keymgr signed for a
//! Signet KSR, and the DNSKEY set checked against the KSK's trust anchor.

mod bundles_support;
mod monitor_support;

use bundles_support::{knot_signed_period, sign_at, unix, write_zone, Signer};
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

/// Bundles for 2026-12-01 to 2027-06-01 signed by Knot and imported: the
/// signer, the SKR and the unsigned zone.
fn imported_period(dir: &std::path::Path) -> (Signer, std::path::PathBuf, std::path::PathBuf) {
    let (_knot, signer, skr) = knot_signed_period(dir, "20270601000000");
    signer.ok(&["import-skr", skr.to_str().unwrap()]);
    (signer, skr, write_zone(dir))
}

#[test]
fn bundle_runway_warns_then_goes_critical_as_the_last_bundle_nears_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let (signer, _skr, unsigned) = imported_period(tmp.path());
    let signed_at = |at: i64| {
        let out = tmp.path().join(format!("signed-{at}.zone"));
        signer.ok(&sign_at(&at.to_string(), &unsigned, &out));
        out
    };

    // Early in the period: plenty of runway, and the DNSKEY set matches
    // the trust anchor (the DS the parent has).
    let early = unix("20261215000000");
    let (doc, nagios, code) = monitor_at(&signer, early, &signed_at(early));
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
    let (doc, nagios, code) = monitor_at(&signer, warn, &signed_at(warn));
    assert_eq!(code, 1, "{nagios}");
    assert_eq!(doc["runway"]["status"], "WARNING", "{doc}");
    assert!(nagios.starts_with("DNSSEC WARNING - "), "{nagios}");
    assert!(nagios.contains("plan the next ceremony"), "{nagios}");

    // Three days before the end: critical.
    let late = ends - 3 * 86400;
    let (doc, nagios, code) = monitor_at(&signer, late, &signed_at(late));
    assert_eq!(code, 2, "{nagios}");
    assert_eq!(doc["runway"]["status"], "CRITICAL", "{doc}");
    assert!(
        nagios.contains("[CRITICAL] example.com.: bundle runway 3d 0h"),
        "{nagios}"
    );
}

/// A bundle of the store that no longer verifies (changed after import)
/// ends the runway where it starts: signing refuses it then.
#[test]
fn a_bundle_that_no_longer_verifies_ends_the_runway_where_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let (signer, skr, unsigned) = imported_period(tmp.path());
    let early = unix("20261215000000");
    let signed = tmp.path().join("signed.zone");
    let now = early.to_string();
    signer.ok(&sign_at(&now, &unsigned, &signed));

    // A digit of the DNSKEY signature's original TTL changed in the store,
    // in a bundle a month ahead.
    let store = signer.dir.join("bundles/bundles.skr");
    let text = std::fs::read_to_string(&store).unwrap();
    let month_ahead = unix("20270115000000");
    let header = text
        .lines()
        .position(|l| {
            l.starts_with(";; SignedKeyResponse")
                && l.split_whitespace().nth(3).and_then(|t| t.parse::<i64>().ok()) > Some(month_ahead)
        })
        .expect("a bundle after 2027-01-15");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let sig = (header..lines.len())
        .find(|&i| lines[i].contains("\tRRSIG\tDNSKEY "))
        .unwrap();
    let fields: Vec<&str> = lines[sig].split('\t').collect();
    let rdata: Vec<&str> = fields[4].split(' ').collect();
    let changed = format!(
        "{} {} {} {}0 {}",
        rdata[0],
        rdata[1],
        rdata[2],
        rdata[3],
        rdata[4..].join(" ")
    );
    lines[sig] = format!("{}\t{}\t{}\t{}\t{changed}", fields[0], fields[1], fields[2], fields[3]);
    std::fs::write(&store, lines.join("\n") + "\n").unwrap();
    let starts: i64 = lines[header].split_whitespace().nth(3).unwrap().parse().unwrap();

    let (doc, nagios, code) = monitor_at(&signer, early, &signed);
    assert_eq!(code, 1, "{nagios}");
    assert_eq!(doc["runway"]["status"], "WARNING", "{doc}");
    assert_eq!(doc["runway"]["ends"].as_i64(), Some(starts), "{doc}");
    let message = doc["runway"]["message"].as_str().unwrap();
    assert!(
        message.contains("original TTL") && message.contains("imported again"),
        "{message}"
    );
    // Importing the SKR again mends it.
    signer.ok(&["import-skr", skr.to_str().unwrap()]);
    let (doc, nagios, code) = monitor_at(&signer, early, &signed);
    assert_eq!(code, 0, "{nagios}");
    assert_eq!(doc["runway"]["status"], "OK", "{doc}");
}
