//! Tampered signed zones must be rejected by the independent validators
//! AND by `signer verify` — so neither our signer nor our verifier is the
//! only judge of the other. `signer verify --key`, which checks the keys'
//! signatures with their private halves, must reach the same verdict.

use std::path::{Path, PathBuf};
use std::process::Command;

use signet_tests::{external_verdicts, keygen, run, signer_bin, text, workspace};

struct Signed {
    _dir: tempfile::TempDir,
    zone: PathBuf,
    keys: Vec<String>,
    dir_path: PathBuf,
}

fn sign(extra: &[&str]) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let keys = vec![
        keygen(dir.path(), "example", true),
        keygen(dir.path(), "example", false),
    ];
    let zone = dir.path().join("signed.zone");
    let mut cmd = Command::new(signer_bin());
    cmd.arg("sign")
        .arg(workspace().join("tests/zones/basic.zone"))
        .args(["--origin", "example", "-q", "--output"]);
    cmd.arg(&zone).args(extra);
    for key in &keys {
        cmd.args(["--key", key]);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out));
    let dir_path = dir.path().to_path_buf();
    Signed {
        _dir: dir,
        zone,
        keys,
        dir_path,
    }
}

fn signet_verify(zone: &Path, extra: &[&str]) -> std::process::Output {
    run(Command::new(signer_bin())
        .arg("verify")
        .arg(zone)
        .args(["--origin", "example"])
        .args(extra))
}

/// Writes a changed copy of the signed zone and requires every validator
/// and `signer verify` to reject it (and all of them to accept the original).
fn assert_rejected(signed: &Signed, name: &str, change: impl Fn(&str) -> Option<String>, signet_says: &str) {
    let original = std::fs::read_to_string(&signed.zone).unwrap();
    let mut changed_lines = 0;
    let tampered: String = original
        .lines()
        .filter_map(|line| {
            let new = change(line);
            if new.as_deref() != Some(line) {
                changed_lines += 1;
            }
            new.map(|l| l + "\n")
        })
        .collect();
    assert!(
        changed_lines > 0,
        "{name}: the tampering changed nothing — the test would prove nothing"
    );
    let path = signed.dir_path.join(format!("{name}.zone"));
    std::fs::write(&path, tampered).unwrap();
    assert_all_reject(&path, &signed.keys, name, signet_says);
}

/// `--key` for each of `keys`, for `signer verify` to check their
/// signatures with the private halves.
fn key_args(keys: &[String]) -> Vec<&str> {
    keys.iter().flat_map(|k| ["--key", k.as_str()]).collect()
}

/// Every independent validator and `signer verify`, with and without the
/// private keys, reject the zone at `path`.
fn assert_all_reject(path: &Path, keys: &[String], name: &str, signet_says: &str) {
    for verdict in external_verdicts(path, "example.", false) {
        assert!(
            !verdict.accepted,
            "{name}: {} accepted a tampered zone:\n{}",
            verdict.tool, verdict.output
        );
    }
    for extra in [vec![], key_args(keys)] {
        let ours = signet_verify(path, &extra);
        assert_eq!(
            ours.status.code(),
            Some(1),
            "{name} {extra:?}: signer verify should find a problem: {}",
            text(&ours)
        );
        assert!(
            text(&ours).contains(signet_says),
            "{name} {extra:?}: expected '{signet_says}' in: {}",
            text(&ours)
        );
    }
}

fn field(line: &str, n: usize) -> &str {
    line.split('\t').nth(n).unwrap_or("")
}

#[test]
fn untampered_zone_passes_everyone() {
    let signed = sign(&[]);
    for verdict in external_verdicts(&signed.zone, "example.", false) {
        assert!(verdict.accepted, "{} rejected: {}", verdict.tool, verdict.output);
    }
    for extra in [vec![], key_args(&signed.keys)] {
        let ours = signet_verify(&signed.zone, &extra);
        assert!(ours.status.success(), "{extra:?}: {}", text(&ours));
    }
    assert_eq!(signed.keys.len(), 2);
}

#[test]
fn flipped_signature_byte() {
    use data_encoding::BASE64;
    let signed = sign(&[]);
    let flip = |line: &str| {
        if field(line, 0) == "mail.example." && field(line, 3) == "RRSIG" && field(line, 4).starts_with("A ") {
            let rdata = field(line, 4);
            let (head, sig) = rdata.rsplit_once(' ').unwrap();
            let mut bytes = BASE64.decode(sig.as_bytes()).unwrap();
            bytes[10] ^= 1;
            let fields: Vec<&str> = line.split('\t').take(4).collect();
            return Some(format!("{}\t{head} {}", fields.join("\t"), BASE64.encode(&bytes)));
        }
        Some(line.to_string())
    };
    assert_rejected(&signed, "flipped", flip, "mail.example.");
}

#[test]
fn changed_data_under_a_signature() {
    let signed = sign(&[]);
    assert_rejected(
        &signed,
        "data",
        |l| Some(l.replace("192.0.2.2", "192.0.2.99")),
        "mail.example.",
    );
}

#[test]
fn dropped_nsec_record() {
    let signed = sign(&[]);
    let drop = |l: &str| (!(field(l, 0) == "mail.example." && field(l, 3) == "NSEC")).then(|| l.to_string());
    assert_rejected(&signed, "no-nsec", drop, "NSEC");
}

#[test]
fn dropped_nsec3_record() {
    let signed = sign(&["--nsec3"]);
    let first_nsec3 = std::fs::read_to_string(&signed.zone)
        .unwrap()
        .lines()
        .find(|l| field(l, 3) == "NSEC3")
        .map(|l| field(l, 0).to_string())
        .unwrap();
    let drop = move |l: &str| (!(field(l, 0) == first_nsec3 && field(l, 3) == "NSEC3")).then(|| l.to_string());
    assert_rejected(&signed, "no-nsec3", drop, "NSEC3");
}

#[test]
fn dropped_signature() {
    let signed = sign(&[]);
    let drop = |l: &str| {
        (!(field(l, 0) == "ns1.example." && field(l, 3) == "RRSIG" && field(l, 4).starts_with("AAAA ")))
            .then(|| l.to_string())
    };
    assert_rejected(&signed, "no-sig", drop, "ns1.example.");
}

#[test]
fn expired_signatures() {
    // Signed as if in January 2020: every signature expired long ago.
    let signed = sign(&["--now", "20200101000000"]);
    assert_all_reject(&signed.zone, &signed.keys, "expired", "expired");
}

#[test]
fn min_remaining_and_at() {
    let signed = sign(&["--now", "20300101000000", "--expiration", "+14d"]);
    let at = ["--at", "20300102000000"];
    assert!(signet_verify(&signed.zone, &at).status.success());
    assert!(
        signet_verify(&signed.zone, &[&at[..], &["--min-remaining", "12d"]].concat())
            .status
            .success()
    );
    let short = signet_verify(&signed.zone, &[&at[..], &["--min-remaining", "14d"]].concat());
    assert_eq!(short.status.code(), Some(1), "{}", text(&short));
    let late = signet_verify(&signed.zone, &["--at", "20300120000000"]);
    assert_eq!(late.status.code(), Some(1), "{}", text(&late));
}
