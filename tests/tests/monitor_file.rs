//! `signer monitor --zone-file` alone (no server): the same cases as
//! against servers — healthy, expiring in 2 and 5 days, a DS matching no
//! key, a file that cannot be read — plus broken signatures, thresholds
//! and DS from `--config`, and the file's serial against a server's.

mod monitor_support;

use monitor_support::*;
use signet_tests::text;

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn healthy_file_is_ok() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 42, &[]);
    let ds = ds_file(dir.path(), "parent.ds", &keys.ds_line);
    let (out, code) = monitor(&["--zone-file", path(&zone), "--ds", path(&ds)]);
    assert_status(&out, code, 0, "OK");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(first_line(&out).contains("1 source checked, serial 42"), "{stdout}");
    assert!(stdout.contains("whole zone (serial 42)"), "{stdout}");
    assert!(stdout.contains("matches a key that signs the DNSKEY RRset"), "{stdout}");
}

#[test]
fn file_expiring_in_two_days_is_critical_and_in_five_days_warns() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let soon = signed_zone(dir.path(), &keys, 2, &["--expiration", "+2d"]);
    let (out, code) = monitor(&["--zone-file", path(&soon)]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(
        first_line(&out).contains("DNSKEY RRset signatures valid for"),
        "{}",
        text(&out)
    );
    assert!(first_line(&out).contains("critical under 3d"), "{}", text(&out));

    let later = signed_zone(dir.path(), &keys, 5, &["--expiration", "+5d"]);
    let (out, code) = monitor(&["--zone-file", path(&later)]);
    assert_status(&out, code, 1, "WARNING");
    assert!(first_line(&out).contains("warning under 7d"), "{}", text(&out));

    // Thresholds from the zone's signer.toml: 5 days is then fine.
    let config = dir.path().join("signer.toml");
    std::fs::write(
        &config,
        "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n\
         [monitor]\ndnskey_warning = \"4d\"\ndnskey_critical = \"2d\"\nwarning = \"2d\"\ncritical = \"1d\"\n",
    )
    .unwrap();
    let (out, code) = monitor(&["--config", path(&config), "--zone-file", path(&later)]);
    assert_status(&out, code, 0, "OK");
    // ... and the command line wins over the file.
    let (out, code) = monitor(&[
        "--config",
        path(&config),
        "--dnskey-warning",
        "6d",
        "--zone-file",
        path(&later),
    ]);
    assert_status(&out, code, 1, "WARNING");
    // Three days on (--now, the one clock), the 5-day zone is critical.
    let (out, code) = monitor(&["--now", "+3d", "--zone-file", path(&later)]);
    assert_status(&out, code, 2, "CRITICAL");
}

#[test]
fn broken_and_expired_signatures_are_critical() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 9, &[]);
    // Twenty days on, every signature has expired.
    let (out, code) = monitor(&["--now", "+20d", "--zone-file", path(&zone)]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(first_line(&out).contains("signature expired"), "{}", text(&out));

    // An address changed after signing: its signature no longer verifies.
    let signed = std::fs::read_to_string(&zone).unwrap();
    assert!(signed.contains("192.0.2.80"));
    let tampered = dir.path().join("tampered.signed");
    std::fs::write(&tampered, signed.replace("192.0.2.80", "192.0.2.81")).unwrap();
    let (out, code) = monitor(&["--zone-file", path(&tampered)]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(first_line(&out).contains("www.example. A"), "{}", text(&out));
    assert!(first_line(&out).contains("signature does not verify"), "{}", text(&out));
}

#[test]
fn ds_matching_no_key_is_critical_from_flag_and_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let stranger = monitor_support::keys(&dir.path().join("stranger"));
    let zone = signed_zone(dir.path(), &keys, 9, &[]);
    let foreign = ds_file(dir.path(), "foreign.ds", &stranger.ds_line);
    let (out, code) = monitor(&["--zone-file", path(&zone), "--ds", path(&foreign)]);
    assert_status(&out, code, 2, "CRITICAL");
    assert!(
        first_line(&out).contains("the chain of trust is broken"),
        "{}",
        text(&out)
    );

    let config = dir.path().join("signer.toml");
    std::fs::write(
        &config,
        "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n[guardrails]\nparent_ds = \"foreign.ds\"\n",
    )
    .unwrap();
    // The origin comes from the config too.
    let out = signet_tests::run(std::process::Command::new(signet_tests::signer_bin()).args([
        "--config",
        path(&config),
        "monitor",
        "--zone-file",
        path(&zone),
    ]));
    assert_status(&out, out.status.code().unwrap_or(-1), 2, "CRITICAL");
    assert!(first_line(&out).contains("foreign.ds"), "{}", text(&out));
    // Both DS (old and new KSK, as in a rollover): one matching is enough.
    let both = ds_file(
        dir.path(),
        "both.ds",
        &format!("{}\n{}", stranger.ds_line, keys.ds_line),
    );
    let (out, code) = monitor(&["--zone-file", path(&zone), "--ds", path(&both)]);
    assert_status(&out, code, 0, "OK");
    assert!(text(&out).contains("match no key (pre-published?)"), "{}", text(&out));
}

#[test]
fn file_that_cannot_be_checked_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.signed");
    let (out, code) = monitor(&["--zone-file", path(&missing)]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("missing.signed"), "{}", text(&out));

    let garbage = dir.path().join("garbage.signed");
    std::fs::write(&garbage, "example. 3600 IN SOA this is not a soa\n").unwrap();
    let (out, code) = monitor(&["--zone-file", path(&garbage)]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("garbage.signed:1"), "{}", text(&out));

    // A broken --config is UNKNOWN too, not a bare error with exit 2
    // (which Nagios would read as CRITICAL).
    let config = dir.path().join("signer.toml");
    std::fs::write(&config, "[zone]\norigin = \"example\"\n").unwrap();
    let (out, code) = monitor(&["--config", path(&config), "--zone-file", path(&garbage)]);
    assert_status(&out, code, 3, "UNKNOWN");
    // Nothing at all to check.
    let (out, code) = monitor(&[]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("--zone-file"), "{}", text(&out));
}

#[test]
fn file_and_server_with_different_serials_warn_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let published = signed_zone(dir.path(), &keys, 300, &[]);
    let served = signed_zone(dir.path(), &keys, 299, &[]);
    let knot = Knot::start(&dir.path().join("knot"), &served, false);
    let (out, code) = monitor(&["--zone-file", path(&published), "--server", &knot.addr()]);
    assert_status(&out, code, 1, "WARNING");
    let line = first_line(&out);
    assert!(
        line.contains(&format!("file {} has 300", published.display())),
        "{line}"
    );
    assert!(line.contains(&format!("{} has 299", knot.addr())), "{line}");
}

#[test]
fn ns_servers_come_from_the_file_and_unreachable_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 9, &[]);
    // The zone's NS glue is in TEST-NET-1 (192.0.2.53, .54): nothing answers.
    let start = std::time::Instant::now();
    let (out, code) = monitor(&[
        "--zone-file",
        path(&zone),
        "--ns",
        "--timeout",
        "1s",
        "--retries",
        "0",
        "--deadline",
        "4s",
    ]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_status(&out, code, 3, "UNKNOWN");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("[UNKNOWN] 192.0.2.53:53 (ns1.example.): "), "{stdout}");
    assert!(stdout.contains("[UNKNOWN] 192.0.2.54:53 (ns2.example.): "), "{stdout}");
    // The file itself was still checked.
    assert!(stdout.contains("[OK] file "), "{stdout}");
}

#[test]
fn prometheus_file_is_written_even_when_the_check_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(&dir.path().join("keys"));
    let zone = signed_zone(dir.path(), &keys, 9, &["--expiration", "+2d"]);
    let prom = dir.path().join("signet.prom");
    let (out, code) = monitor(&["--zone-file", path(&zone), "--prometheus", path(&prom)]);
    assert_status(&out, code, 2, "CRITICAL");
    let written = std::fs::read_to_string(&prom).unwrap();
    assert!(
        written.contains("signet_dnssec_status{zone=\"example.\"} 2"),
        "{written}"
    );
    assert!(
        written.contains(&format!(
            "signet_dnssec_soa_serial{{zone=\"example.\",source=\"file {}\"}} 9",
            zone.display()
        )),
        "{written}"
    );
    // Only the file and nothing left over from the atomic write.
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".prom"))
            .count(),
        1
    );

    // Bad arguments: the textfile says UNKNOWN rather than keeping the last run.
    let (out, code) = monitor(&[
        "--zone-file",
        path(&zone),
        "--timeout",
        "soon",
        "--prometheus",
        path(&prom),
    ]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("--timeout"), "{}", text(&out));
    let written = std::fs::read_to_string(&prom).unwrap();
    assert!(
        written.contains("signet_dnssec_status{zone=\"example.\"} 3"),
        "{written}"
    );

    // A textfile that cannot be written turns an OK run UNKNOWN.
    let healthy = signed_zone(dir.path(), &keys, 10, &[]);
    let nowhere = dir.path().join("no-such-dir").join("signet.prom");
    let (out, code) = monitor(&["--zone-file", path(&healthy), "--prometheus", path(&nowhere)]);
    assert_status(&out, code, 3, "UNKNOWN");
    assert!(first_line(&out).contains("cannot write the textfile"), "{}", text(&out));
}
