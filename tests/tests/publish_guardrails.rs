//! Each guardrail of `signer publish`, driven through the binary: a
//! scenario that trips it (exit 1, the published zone and state file
//! untouched) and one that passes. Guardrails that the binary cannot be
//! made to trip with honest input (expiry-as-planned, bundle-runway, the
//! cycle and /24 cases of delegations) are tested on the library in
//! signer/src/guardrails/tests.rs.

mod publish_support;

use std::process::Command;

use publish_support::{serial_of, signer_verifies, zone, Site};
use signet_tests::{run, signer_bin, text};

fn out_text(out: &std::process::Output) -> String {
    text(out)
}

#[test]
fn first_publication_passes_every_guardrail_and_records_the_state() {
    let site = Site::new(&zone(2026010100, 20, 5, ""));
    let out = site.publish_ok(&[]);
    let all = out_text(&out);
    for name in [
        "valid",
        "expiry-floor",
        "expiry-as-planned",
        "clock",
        "serial",
        "plausible",
        "delegations",
    ] {
        assert!(
            all.lines().any(|l| l.contains("pass") && l.contains(name)),
            "{name} should pass:\n{all}"
        );
    }
    assert!(
        all.lines().any(|l| l.contains("n/a") && l.contains("bundle-runway")),
        "{all}"
    );
    assert!(
        all.lines().any(|l| l.contains("n/a") && l.contains("no-regression")),
        "{all}"
    );
    assert!(signer_verifies(&site.published));
    signet_tests::assert_externally_valid(&site.published, "example.", false);
    let state = site.state();
    assert_eq!(state["serial"], 2026010100);
    assert_eq!(state["delegations"], 5);
    let bytes = std::fs::read(&site.published).unwrap();
    let sha = run(Command::new("sha256sum").arg(&site.published));
    assert!(String::from_utf8_lossy(&sha.stdout).starts_with(state["sha256"].as_str().unwrap()));
    assert_eq!(state["bytes"], bytes.len());
    assert!(state["earliest_expiration"]["expiration"].as_i64().unwrap() > 0);
}

#[test]
fn valid_refuses_a_zone_validators_would_reject_and_cannot_be_overridden() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.publish_ok(&[]);
    // An ED25519 key pre-published by hand with no ED25519 key to sign:
    // RFC 4035 §2.2 wants every RRset signed with every algorithm present.
    let keydir = site.path("stray");
    std::fs::create_dir_all(&keydir).unwrap();
    let out = run(Command::new(signer_bin())
        .args(["keygen", "--origin", "example.", "-a", "15", "--dir"])
        .arg(&keydir));
    assert!(out.status.success(), "{}", text(&out));
    let key_file = std::fs::read_dir(&keydir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key"))
        .unwrap();
    let dnskey: String = std::fs::read_to_string(key_file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with(';'))
        .collect();
    site.set_zone(&zone(2, 10, 2, &format!("{dnskey}\n")));
    let out = site.publish_refused(&[], "valid");
    assert!(out_text(&out).contains("algorithm 15"), "{}", out_text(&out));
    let out = site.publish(&["--override", "valid", "--reason", "I know better"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("cannot be overridden"), "{}", text(&out));
    site.set_zone(&zone(2, 10, 2, ""));
    site.publish_ok(&[]);
    assert_eq!(site.published_serial(), 2);
}

/// A published zone Signet did not write as it is (a signature damaged
/// on disk, a hand edit) lends none of its signatures: a damaged one kept
/// would fail `valid`, which cannot be overridden, at every run until it
/// came due. Every RRset is signed again, and the next run keeps again.
#[test]
fn a_published_zone_changed_by_someone_else_lends_no_signatures() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.publish_ok(&[]);
    // One octet of the signature over host3's A record, changed.
    let text_before = std::fs::read_to_string(&site.published).unwrap();
    let damaged: Vec<String> = text_before
        .lines()
        .map(|line| {
            if line.starts_with("host3.example.\t") && line.contains("\tRRSIG\tA ") {
                let at = line.len() - 20;
                let old = &line[at..at + 1];
                format!(
                    "{}{}{}",
                    &line[..at],
                    if old == "A" { "B" } else { "A" },
                    &line[at + 1..]
                )
            } else {
                line.to_string()
            }
        })
        .collect();
    assert_ne!(damaged.join("\n") + "\n", text_before, "the test damaged nothing");
    std::fs::write(&site.published, damaged.join("\n") + "\n").unwrap();
    assert!(!signer_verifies(&site.published));

    site.set_zone(&zone(2, 11, 2, ""));
    let out = site.publish_ok(&[]);
    let all = out_text(&out);
    assert!(all.contains("is not the file Signet last published"), "{all}");
    assert!(all.contains("of which 0 kept"), "{all}");
    assert!(signer_verifies(&site.published));
    signet_tests::assert_externally_valid(&site.published, "example.", false);
    // Published and recorded by Signet again: its signatures are kept.
    site.set_zone(&zone(3, 11, 2, ""));
    let all = out_text(&site.publish_ok(&[]));
    assert!(!all.contains("of which 0 kept"), "{all}");
    assert!(signer_verifies(&site.published));
}

#[test]
fn expiry_floor_refuses_signatures_that_would_not_survive_missed_runs() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.configure("signatures", "validity", "\"2d\"");
    site.configure("signatures", "jitter", "\"1h\"");
    site.configure("signatures", "refresh", "\"1h\"");
    let out = site.publish_refused(&[], "expiry-floor");
    assert!(out_text(&out).contains("min_remaining"), "{}", out_text(&out));
    assert!(!site.published.exists());
    site.configure("guardrails", "min_remaining", "\"1d\"");
    site.publish_ok(&[]);
}

#[test]
fn no_regression_refuses_earlier_expiry_and_an_override_is_recorded() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.publish_ok(&[]);
    // Someone shortens the validity: every expiry would move earlier.
    site.configure("signatures", "validity", "\"10d\"");
    let out = site.publish_refused(&["--now", "+1h"], "no-regression");
    assert!(out_text(&out).contains("earlier"), "{}", out_text(&out));
    let out = site.publish_ok(&[
        "--now",
        "+1h",
        "--override",
        "no-regression",
        "--reason",
        "validity shortened to 10d by change CHG-42",
        "--operator",
        "alice",
    ]);
    assert!(out_text(&out).contains("OVERRIDDEN"), "{}", out_text(&out));
    let state = site.state();
    assert_eq!(state["overrides"][0]["guardrail"], "no-regression");
    assert_eq!(state["overrides"][0]["operator"], "alice");
    assert_eq!(
        state["overrides"][0]["reason"],
        "validity shortened to 10d by change CHG-42"
    );
    let log = std::fs::read_to_string(site.state.with_file_name("publish-log.jsonl")).unwrap();
    assert!(log.contains("CHG-42"), "{log}");
    // Once: the next run at the same policy passes on its own.
    let out = site.publish_ok(&["--now", "+2h"]);
    assert!(out_text(&out)
        .lines()
        .any(|l| l.contains("pass") && l.contains("no-regression")));
    assert_eq!(site.state()["overrides"].as_array().unwrap().len(), 0);
}

#[test]
fn clock_refuses_a_clock_behind_the_last_publication() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.publish_ok(&[]);
    let out = site.publish_refused(&["--now=-2h"], "clock");
    assert!(out_text(&out).contains("behind"), "{}", out_text(&out));
    site.publish_ok(&["--now", "+1h"]);
}

#[test]
fn trust_chain_checks_the_parent_ds() {
    let site = Site::new(&zone(1, 10, 2, ""));
    let ds_file = site.path("parent-ds.txt");
    site.configure(
        "guardrails",
        "parent_ds",
        &format!("{:?}", ds_file.display().to_string()),
    );
    // The KSK's DS: passes.
    std::fs::write(&ds_file, format!("{}\n", site.ksk_ds)).unwrap();
    let out = site.publish_ok(&[]);
    assert!(out_text(&out)
        .lines()
        .any(|l| l.contains("pass") && l.contains("trust-chain")));
    // A DS for the ZSK (no SEP bit): refused.
    let zsk = std::fs::read_dir(site.path("signing/keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key") && std::fs::read_to_string(p).unwrap().contains(" 256 "))
        .expect("ZSK key file");
    let ds = run(Command::new("dnssec-dsfromkey").args(["-2"]).arg(&zsk));
    assert!(ds.status.success(), "{}", text(&ds));
    std::fs::write(&ds_file, &ds.stdout).unwrap();
    let out = site.publish_refused(&["--now", "+1h"], "trust-chain");
    assert!(out_text(&out).contains("without the SEP bit"), "{}", out_text(&out));
    // A DS for a key the zone does not have: refused.
    std::fs::write(
        &ds_file,
        "example. IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n",
    )
    .unwrap();
    let out = site.publish_refused(&["--now", "+1h"], "trust-chain");
    assert!(out_text(&out).contains("matches no key"), "{}", out_text(&out));
}

#[test]
fn serial_refuses_stale_input_and_bumps_for_a_re_sign() {
    let site = Site::new(&zone(100, 10, 2, ""));
    site.publish_ok(&[]);
    // An old plan: serial 99.
    site.set_zone(&zone(99, 10, 2, ""));
    let out = site.publish_refused(&["--now", "+1h"], "serial");
    assert!(out_text(&out).contains("stale"), "{}", out_text(&out));
    // Same content, same serial: re-signed, published as 101.
    site.set_zone(&zone(100, 10, 2, ""));
    site.publish_ok(&["--now", "+1h"]);
    assert_eq!(site.published_serial(), 101);
    // Changed content without a new serial: refused.
    site.set_zone(&zone(100, 11, 2, ""));
    let out = site.publish_refused(&["--now", "+2h"], "serial");
    assert!(out_text(&out).contains("increase the serial"), "{}", out_text(&out));
    // The new serial passes (101 is live, so 102 is needed).
    site.set_zone(&zone(102, 11, 2, ""));
    site.publish_ok(&["--now", "+2h"]);
    assert_eq!(site.published_serial(), 102);
    // Across the 2^32 wrap (RFC 1982): 4294967295 -> 5 is an increase.
    let site = Site::new(&zone(4294967295, 10, 2, ""));
    site.publish_ok(&[]);
    site.set_zone(&zone(5, 10, 2, ""));
    site.publish_ok(&["--now", "+1h"]);
    assert_eq!(site.published_serial(), 5);
}

#[test]
fn plausible_refuses_a_shrunken_or_hollow_zone() {
    let site = Site::new(&zone(1, 100, 50, ""));
    site.publish_ok(&[]);
    // 20 of 50 delegations gone: refused.
    site.set_zone(&zone(2, 100, 30, ""));
    let out = site.publish_refused(&["--now", "+1h"], "plausible");
    assert!(
        out_text(&out).contains("delegations drop from 50 to 30"),
        "{}",
        out_text(&out)
    );
    // Records: 100 -> 80 hosts is more than 10% of the 153 records.
    site.set_zone(&zone(2, 70, 50, ""));
    let out = site.publish_refused(&["--now", "+1h"], "plausible");
    assert!(out_text(&out).contains("records drop"), "{}", out_text(&out));
    // An empty record, and a CNAME to nowhere.
    site.set_zone(&zone(2, 100, 50, "hollow TYPE65280 \\# 0\n"));
    site.publish_refused(&["--now", "+1h"], "plausible");
    site.set_zone(&zone(2, 100, 50, "nowhere CNAME .\n"));
    site.publish_refused(&["--now", "+1h"], "plausible");
    // A small change passes.
    site.set_zone(&zone(2, 95, 48, ""));
    site.publish_ok(&["--now", "+1h"]);
    assert_eq!(site.published_serial(), 2);
}

#[test]
fn delegations_warn_by_default_and_refuse_when_fatal() {
    // d-glue's in-bailiwick server has no glue; stray glue under d-old.
    let extra = "d-glue NS ns.d-glue\nd-glue NS ns.other.net.\nd-old NS ns.other.net.\nns.d-old A 192.0.2.99\n";
    let site = Site::new(&zone(1, 10, 2, extra));
    let out = site.publish_ok(&[]);
    let all = out_text(&out);
    assert!(
        all.lines().any(|l| l.contains("WARN") && l.contains("delegations")),
        "{all}"
    );
    assert!(
        all.contains("ns.d-glue.example.") && all.contains("without glue"),
        "{all}"
    );
    assert!(
        all.contains("ns.d-old.example.: glue that no NS record in the zone uses"),
        "{all}"
    );
    site.configure("guardrails", "delegations", "\"fatal\"");
    site.set_zone(&zone(2, 10, 2, extra));
    site.publish_refused(&["--now", "+1h"], "delegations");
    site.set_zone(&zone(
        2,
        10,
        2,
        "d-glue NS ns.d-glue\nd-glue NS ns.other.net.\nns.d-glue A 192.0.2.7\nd-old NS ns.other.net.\n",
    ));
    site.publish_ok(&["--now", "+1h"]);
}

#[test]
fn dry_run_writes_nothing_and_json_is_for_machines() {
    let site = Site::new(&zone(1, 10, 2, ""));
    let out = site.publish(&["--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!site.published.exists() && !site.state.exists());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert_eq!(report["verdict"], "would-publish");
    assert_eq!(report["guardrails"].as_array().unwrap().len(), 10);
    assert_eq!(report["guardrails"][0]["name"], "valid");
    site.publish_ok(&[]);
    let before = site.published_bytes();
    site.set_zone(&zone(0, 10, 2, ""));
    let out = site.publish(&["--dry-run", "--json", "--now", "+1h"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "would-refuse");
    let serial = report["guardrails"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "serial")
        .unwrap()
        .clone();
    assert_eq!(serial["status"], "fail");
    assert_eq!(site.published_bytes(), before);
}

#[test]
fn bad_input_is_a_clear_error_and_leaves_everything_in_place() {
    let site = Site::new(&zone(1, 10, 2, ""));
    site.publish_ok(&[]);
    let (zone_before, state_before) = (site.published_bytes(), site.state_bytes());
    let check = |args: &[&str], expect: &str| {
        let out = site.publish(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(expect),
            "{args:?} should say {expect:?}:\n{}",
            text(&out)
        );
        assert!(!text(&out).contains("panicked"), "{}", text(&out));
        assert_eq!(site.published_bytes(), zone_before);
        assert_eq!(site.state_bytes(), state_before);
    };
    site.set_zone(&zone(2, 10, 2, "broken A 300.1.2.3\n"));
    check(&["--now", "+1h"], "example.zone:");
    site.set_zone("$ORIGIN example.\n$TTL 300\nwww A 192.0.2.1\n");
    check(&["--now", "+1h"], "no SOA");
    site.set_zone(&zone(2, 10, 2, ""));
    check(
        &["--now", "+1h", "--override", "no-such-thing", "--reason", "x"],
        "there is no guardrail",
    );
    check(
        &["--now", "+1h", "--publish-to", "/nonexistent/dir/zone"],
        "does not exist",
    );
    let saved = site.state_bytes().unwrap();
    std::fs::write(&site.state, b"{\"format\": 1, \"serial\": ").unwrap();
    let out = site.publish(&["--now", "+1h"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not a Signet publication record"), "{}", text(&out));
    assert_eq!(site.published_bytes(), zone_before);
    std::fs::write(&site.state, saved).unwrap();
    site.publish_ok(&["--now", "+1h"]);
    assert_eq!(
        serial_of(&String::from_utf8(site.published_bytes().unwrap()).unwrap()),
        2
    );
}

#[test]
fn a_symlinked_zone_file_stays_a_symlink() {
    let site = Site::new(&zone(1, 10, 2, ""));
    let real = site.path("primary/real-example.zone");
    // The link points at an older version of the zone (serial 0).
    std::fs::write(&real, zone(0, 10, 2, "")).unwrap();
    std::os::unix::fs::symlink(&real, &site.published).unwrap();
    site.publish_ok(&[]);
    assert!(std::fs::symlink_metadata(&site.published)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(serial_of(&std::fs::read_to_string(&real).unwrap()), 1);
    assert!(signer_verifies(&real));
    assert_eq!(site.state()["file"], real.canonicalize().unwrap().display().to_string());
}

/// `signer publish` from cron, daily, on an unchanged zone: with
/// signer.toml's defaults (validity 14d, jitter 12h, refresh 5d) each
/// RRset is made again once per cycle of 8d 12h at its own moment, so a
/// day's run makes about a ninth of the signatures, never all of them (the
/// ninth day made every signature again before the re-signing schedule).
#[test]
fn a_daily_publication_makes_a_part_of_the_signatures_never_all() {
    let site = Site::new(&zone(2026010100, 300, 300, ""));
    let days = 12;
    site.publish_ok(&["--now", &format!("-{days}d")]);
    let mut made = Vec::new();
    for day in 1..=days {
        let out = site.publish_ok(&["--now", &format!("-{}d", days - day)]);
        let all = out_text(&out);
        // "… N signatures of which K kept …"
        let line = all
            .lines()
            .find(|l| l.starts_with("PUBLISHED"))
            .expect("a PUBLISHED line");
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words
            .iter()
            .position(|w| *w == "signatures")
            .expect("a signature count");
        let total: usize = words[at - 1].trim_start_matches('(').parse().unwrap();
        let kept: usize = words[at + 3]
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap();
        made.push((total, total - kept));
    }
    for (day, &(total, count)) in made.iter().enumerate() {
        assert!(
            count > total / 20 && count < total / 5,
            "day {}: made {count} of {total}; each day's (total, made): {made:?}",
            day + 1
        );
    }
    assert!(signer_verifies(&site.published));
    signet_tests::assert_externally_valid(&site.published, "example.", false);
}
