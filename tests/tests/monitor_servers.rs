//! `signer monitor` against real authoritative servers (Knot, NSD) on loopback:
//! healthy, soon expiring, disagreeing serials, a DS that matches no key,
//! and servers that do not answer at all. Each test starts its own knotd (or NSD)
//! on a free port with its own configuration; the servers die with the test.

mod monitor_support;

use std::time::{Duration, Instant};

use monitor_support::*;
use signet_tests::text;

#[test]
fn healthy_zone_is_ok_by_axfr_and_by_sampling() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 2026112501, &[]);
    let ds = ds_file(dir.path(), "parent.ds", &keys.ds_line);
    let open = Knot::start(&dir.path().join("open"), &zone, true);
    let closed = Knot::start(&dir.path().join("closed"), &zone, false);
    let prom = dir.path().join("signet.prom");
    let (out, code) = monitor(&[
        "--server",
        &open.addr(),
        "--server",
        &closed.addr(),
        "--ds",
        ds.to_str().unwrap(),
        "--zone-file",
        zone.to_str().unwrap(),
        "--prometheus",
        prom.to_str().unwrap(),
    ]);
    assert_status(&out, code, 0, "OK");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One server gave the whole zone, the other was sampled (and the
    // sampled one checked denial proofs and the file's names).
    assert!(
        stdout.contains(&format!("[OK] {}: zone transfer (serial 2026112501)", open.addr())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("[OK] {}: AXFR not allowed", closed.addr())),
        "{stdout}"
    );
    assert!(stdout.contains("3 denial proofs, 5 sampled names"), "{stdout}");
    assert!(stdout.contains("3 sources agree on serial 2026112501"), "{stdout}");
    assert!(stdout.contains("matches a key that signs the DNSKEY RRset"), "{stdout}");
    // Perfdata: time left for DNSKEY and the rest, serial per source.
    let first = first_line(&out);
    assert!(first.contains(" | dnskey_expiry="), "{first}");
    assert!(
        first.contains(&format!("'serial {}'=2026112501", closed.addr())),
        "{first}"
    );
    let prom_text = std::fs::read_to_string(&prom).unwrap();
    assert!(
        prom_text.contains("signet_dnssec_status{zone=\"example.\"} 0"),
        "{prom_text}"
    );
    assert!(
        prom_text.contains(&format!(
            "signet_dnssec_soa_serial{{zone=\"example.\",source=\"{}\"}} 2026112501",
            open.addr()
        )),
        "{prom_text}"
    );
    assert!(
        prom_text.contains("signet_dnssec_earliest_expiry_timestamp_seconds{"),
        "{prom_text}"
    );

    // --quiet: silent on success, same exit code.
    let (out, code) = monitor(&["--quiet", "--server", &closed.addr()]);
    assert_eq!(code, 0, "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));

    // --json for machines.
    let (out, code) = monitor(&["--json", "--server", &closed.addr()]);
    assert_eq!(code, 0, "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let json_text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        json_text.matches("\n  \"status\"").count(),
        1,
        "one top-level status: {json_text}"
    );
    assert_eq!(doc["status"], "OK");
    assert_eq!(doc["code"], 0);
    assert_eq!(doc["sources"][0]["serial"], 2026112501);
    assert_eq!(doc["sources"][0]["mode"], "sampled");
}

#[test]
fn signatures_expiring_in_two_days_are_critical() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 7, &["--expiration", "+2d"]);
    let open = Knot::start(&dir.path().join("open"), &zone, true);
    let closed = Knot::start(&dir.path().join("closed"), &zone, false);
    for server in [&open, &closed] {
        let (out, code) = monitor(&["--server", &server.addr()]);
        assert_status(&out, code, 2, "CRITICAL");
        let line = first_line(&out);
        // 2 days less the seconds between signing and checking.
        assert!(
            line.contains("DNSKEY RRset signatures valid for 1d 23h") || line.contains("valid for 2d 0h"),
            "{line}"
        );
        assert!(line.contains("critical under 3d"), "{line}");
    }
}

#[test]
fn signatures_expiring_in_five_days_warn() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 7, &["--expiration", "+5d"]);
    let closed = Knot::start(&dir.path().join("closed"), &zone, false);
    let (out, code) = monitor(&["--server", &closed.addr()]);
    assert_status(&out, code, 1, "WARNING");
    let line = first_line(&out);
    assert!(
        line.contains("DNSKEY RRset signatures valid for 4d 23h") || line.contains("valid for 5d 0h"),
        "{line}"
    );
    // The other RRsets are fine at 5 days (3d/1d thresholds).
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("[OK] {}: other RRsets' signatures valid for ", closed.addr())),
        "{stdout}"
    );
    // The same zone checked as if three days later: now critical.
    let (out, code) = monitor(&["--now", "+3d", "--server", &closed.addr()]);
    assert_status(&out, code, 2, "CRITICAL");
}

#[test]
fn servers_with_different_serials_warn_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let old = signed_zone(dir.path(), &keys, 100, &[]);
    let new = signed_zone(dir.path(), &keys, 101, &[]);
    let a = Knot::start(&dir.path().join("a"), &old, false);
    let b = Knot::start(&dir.path().join("b"), &new, true);
    let (out, code) = monitor(&["--server", &a.addr(), "--server", &b.addr()]);
    assert_status(&out, code, 1, "WARNING");
    let line = first_line(&out);
    assert!(line.contains(&format!("{} has 100", a.addr())), "{line}");
    assert!(line.contains(&format!("{} has 101", b.addr())), "{line}");
}

#[test]
fn ds_matching_no_key_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let stranger = monitor_support::keys(&dir.path().join("stranger"));
    let zone = signed_zone(dir.path(), &keys, 7, &[]);
    let foreign = ds_file(dir.path(), "foreign.ds", &stranger.ds_line);
    let closed = Knot::start(&dir.path().join("closed"), &zone, false);
    let (out, code) = monitor(&["--server", &closed.addr(), "--ds", foreign.to_str().unwrap()]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(
        first_line(&out).contains("the chain of trust is broken"),
        "{}",
        text(&out)
    );
    // The parent's DS asked of a "parent" server: here the zone's own
    // server, which has no DS for its apex; the check says so as UNKNOWN.
    let (out, code) = monitor(&["--server", &closed.addr(), "--parent-server", &closed.addr()]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("no DS records"), "{}", text(&out));
}

#[test]
fn no_server_answering_is_unknown_within_the_timeout() {
    let hung = Silent::new();
    let closed_port = free_port();
    let start = Instant::now();
    let (out, code) = monitor(&[
        "--server",
        &hung.addr(),
        "--server",
        &format!("127.0.0.1:{closed_port}"),
        "--timeout",
        "1s",
        "--retries",
        "1",
    ]);
    let took = start.elapsed();
    assert_status(&out, code, 3, "UNKNOWN");
    // 2 UDP tries of 1s, then 1s for TCP (the hung server accepts and is
    // silent), both servers in parallel; far from the 30s deadline.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "[UNKNOWN] {}: no answer (UDP: timed out (2 tries of 1s); TCP: timed out)",
            hung.addr()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "127.0.0.1:{closed_port}: no answer (UDP: connection refused; TCP: connection refused)"
        )),
        "{stdout}"
    );

    // The run's deadline bounds it however generous the timeouts.
    let start = Instant::now();
    let (out, code) = monitor(&[
        "--server",
        &hung.addr(),
        "--timeout",
        "20s",
        "--retries",
        "5",
        "--deadline",
        "2s",
    ]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(start.elapsed() < Duration::from_secs(6), "took {:?}", start.elapsed());
    assert!(first_line(&out).contains("deadline"), "{}", text(&out));
}

#[test]
fn one_bad_server_among_good_ones_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 7, &[]);
    let good = Knot::start(&dir.path().join("good"), &zone, false);
    let hung = Silent::new();
    let (out, code) = monitor(&[
        "--server",
        &good.addr(),
        "--server",
        &hung.addr(),
        "--timeout",
        "1s",
        "--retries",
        "0",
    ]);
    assert_status(&out, code, 3, "UNKNOWN");
    let line = first_line(&out);
    let summary = line.split(" | ").next().unwrap_or_default();
    assert!(summary.contains(&hung.addr()), "{}", text(&out));
    assert!(!summary.contains(&good.addr()), "{}", text(&out));
    // The good server was still checked in full.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("[OK] {}: DNSKEY RRset signatures valid for", good.addr())),
        "{stdout}"
    );
}

#[test]
fn nsec3_zone_denial_proofs_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let unsigned = unsigned_zone(dir.path(), 8);
    let zone = dir.path().join("example.nsec3.signed");
    sign(&unsigned, &keys, &zone, &["--nsec3"]);
    let closed = Knot::start(&dir.path().join("closed"), &zone, false);
    let (out, code) = monitor(&[
        "--server",
        &closed.addr(),
        "--zone-file",
        zone.to_str().unwrap(),
        "--random-names",
        "4",
    ]);
    assert_status(&out, code, 0, "OK");
    assert!(
        text(&out).contains("4 denial proofs, 5 sampled names"),
        "{}",
        text(&out)
    );
}

#[test]
fn bad_and_expired_signatures_on_a_server_are_critical() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 11, &[]);
    let signed = std::fs::read_to_string(&zone).unwrap();
    let tampered = dir.path().join("tampered.signed");
    std::fs::write(&tampered, signed.replace("192.0.2.80", "192.0.2.81")).unwrap();
    let open = Knot::start(&dir.path().join("open"), &tampered, true);
    let closed = Knot::start(&dir.path().join("closed"), &tampered, false);
    // Sampling every signed name of the file finds www; AXFR finds it anyway.
    for server in [&open, &closed] {
        let (out, code) = monitor(&[
            "--server",
            &server.addr(),
            "--zone-file",
            zone.to_str().unwrap(),
            "--samples",
            "100",
        ]);
        assert_status(&out, code, 2, "CRITICAL");
        let line = first_line(&out);
        assert!(line.contains(&format!("{}: www.example. A", server.addr())), "{line}");
        assert!(line.contains("does not verify"), "{line}");
    }
    // Twenty days on, everything the server has is expired.
    let (out, code) = monitor(&["--now", "+20d", "--server", &closed.addr()]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(first_line(&out).contains("expired at"), "{}", text(&out));
}

#[test]
fn nsd_gives_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let healthy = signed_zone(dir.path(), &keys, 21, &[]);
    let soon = signed_zone(dir.path(), &keys, 22, &["--expiration", "+2d"]);
    let good = Nsd::start(&dir.path().join("good"), &healthy);
    let bad = Nsd::start(&dir.path().join("bad"), &soon);
    let (out, code) = monitor(&["--server", &good.addr(), "--zone-file", healthy.to_str().unwrap()]);
    assert_status(&out, code, 0, "OK");
    assert!(
        text(&out).contains(&format!("[OK] {}: zone transfer (serial 21)", good.addr())),
        "{}",
        text(&out)
    );
    let (out, code) = monitor(&[
        "--server",
        &good.addr(),
        "--no-axfr",
        "--zone-file",
        healthy.to_str().unwrap(),
    ]);
    assert_status(&out, code, 0, "OK");
    assert!(
        text(&out).contains("3 denial proofs, 5 sampled names"),
        "{}",
        text(&out)
    );
    let (out, code) = monitor(&["--server", &bad.addr(), "--no-axfr"]);
    assert_status(&out, code, 2, "CRITICAL");
    let (out, code) = monitor(&["--server", &good.addr(), "--server", &bad.addr()]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(
        text(&out).contains(&format!("{} has 21, {} has 22", good.addr(), bad.addr())),
        "{}",
        text(&out)
    );
}

#[test]
fn a_server_not_authoritative_for_the_zone_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 7, &[]);
    let knot = Knot::start(&dir.path().join("knot"), &zone, true);
    // Knot serves example., not example.net.: a lame delegation.
    let out = signet_tests::run(std::process::Command::new(signet_tests::signer_bin()).args([
        "monitor",
        "--origin",
        "example.net",
        "--server",
        &knot.addr(),
    ]));
    assert_status(&out, out.status.code().unwrap_or(-1), 2, "CRITICAL");
    assert!(
        first_line(&out).contains("not authoritative for example.net."),
        "{}",
        text(&out)
    );
}
