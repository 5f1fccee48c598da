//! Zones signed by `signer sign` must be accepted by validators nobody
//! here wrote: ldns-verify-zone, BIND's dnssec-verify and Knot's kzonecheck.
//! The corpus (tests/zones) exercises the master-file rules and zone
//! structure: wildcards, empty non-terminals, secure and insecure
//! delegations with glue, DNAME, escapes, $INCLUDE, RFC 3597 types.

use std::path::{Path, PathBuf};
use std::process::Command;

use signet_tests::{assert_externally_valid, require_tool, run, signer_bin, text, workspace};

struct Case {
    file: &'static str,
    origin: &'static str,
}

const CORPUS: [Case; 2] = [
    Case {
        file: "basic.zone",
        origin: "example.",
    },
    Case {
        file: "tricky.zone",
        origin: "tricky.example.",
    },
];

const DENIALS: [&[&str]; 3] = [&[], &["--nsec3"], &["--nsec3", "--opt-out"]];

fn corpus_path(file: &str) -> PathBuf {
    workspace().join("tests/zones").join(file)
}

/// Makes a KSK and a ZSK (or one CSK) with BIND's dnssec-keygen; returns the .key paths.
fn bind_keys(dir: &Path, origin: &str, algorithm: &str, csk: bool) -> Vec<PathBuf> {
    require_tool("dnssec-keygen");
    let mut roles: Vec<&[&str]> = vec![&["-f", "KSK"]];
    if !csk {
        roles.push(&[]);
    }
    let mut keys = Vec::new();
    for extra in roles {
        let mut cmd = Command::new("dnssec-keygen");
        cmd.current_dir(dir).args(["-q", "-a", algorithm]).args(extra);
        if algorithm == "RSASHA256" {
            cmd.args(["-b", "2048"]);
        }
        let out = run(cmd.arg(origin));
        assert!(out.status.success(), "dnssec-keygen: {}", text(&out));
        let stem = String::from_utf8_lossy(&out.stdout).trim().to_string();
        keys.push(dir.join(format!("{stem}.key")));
    }
    keys
}

/// Makes keys with `signer keygen`; returns the stems it printed.
fn signet_keys(dir: &Path, origin: &str, algorithm: &str, csk: bool) -> Vec<PathBuf> {
    let mut keys = Vec::new();
    for ksk in if csk { vec![true] } else { vec![true, false] } {
        let mut cmd = Command::new(signer_bin());
        cmd.args(["keygen", "--origin", origin, "--algorithm", algorithm, "--dir"])
            .arg(dir);
        if ksk {
            cmd.arg("--ksk");
        }
        let out = run(&mut cmd);
        assert!(out.status.success(), "signer keygen: {}", text(&out));
        let stem = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        keys.push(PathBuf::from(stem));
    }
    keys
}

fn sign(zone: &Path, origin: &str, keys: &[PathBuf], out: &Path, extra: &[&str]) {
    let mut cmd = Command::new(signer_bin());
    cmd.arg("sign")
        .arg(zone)
        .args(["--origin", origin, "--output"])
        .arg(out)
        .args(extra)
        .arg("-q");
    for key in keys {
        cmd.arg("--key").arg(key);
    }
    let output = run(&mut cmd);
    assert!(
        output.status.success(),
        "signer sign {} {extra:?}: {}",
        zone.display(),
        text(&output)
    );
}

/// Signs every corpus zone with every denial mode and checks them all.
fn sign_corpus_and_validate(keys_for: impl Fn(&Path, &str) -> Vec<PathBuf>, csk: bool) {
    let dir = tempfile::tempdir().unwrap();
    for case in &CORPUS {
        let key_dir = dir.path().join(case.origin);
        std::fs::create_dir_all(&key_dir).unwrap();
        let keys = keys_for(&key_dir, case.origin);
        for (i, denial) in DENIALS.iter().enumerate() {
            let out = dir.path().join(format!("{}.{i}.signed", case.file));
            sign(&corpus_path(case.file), case.origin, &keys, &out, denial);
            assert_externally_valid(&out, case.origin, csk);
        }
    }
}

#[test]
fn ecdsa_p256_bind_keys_ksk_zsk() {
    sign_corpus_and_validate(|d, o| bind_keys(d, o, "ECDSAP256SHA256", false), false);
}

#[test]
fn rsasha256_bind_keys_ksk_zsk() {
    sign_corpus_and_validate(|d, o| bind_keys(d, o, "RSASHA256", false), false);
}

#[test]
fn ecdsa_p384_signet_keys_ksk_zsk() {
    sign_corpus_and_validate(|d, o| signet_keys(d, o, "14", false), false);
}

#[test]
fn ed25519_signet_keys_single_csk() {
    sign_corpus_and_validate(|d, o| signet_keys(d, o, "15", true), true);
}

#[test]
fn rsasha256_signet_keys_single_csk() {
    sign_corpus_and_validate(|d, o| signet_keys(d, o, "8", true), true);
}

#[test]
fn ed25519_bind_keys_ksk_zsk() {
    sign_corpus_and_validate(|d, o| bind_keys(d, o, "ED25519", false), false);
}

/// Output does not depend on the thread count (Ed25519 and RSA signatures
/// are deterministic, so the files must be byte-identical).
#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let keys = signet_keys(dir.path(), "tricky.example.", "15", false);
    let zone = corpus_path("tricky.zone");
    let fixed = ["--now", "20261101000000", "--nsec3"];
    let one = dir.path().join("one");
    let many = dir.path().join("many");
    sign(
        &zone,
        "tricky.example.",
        &keys,
        &one,
        &[&fixed[..], &["--threads", "1"]].concat(),
    );
    sign(
        &zone,
        "tricky.example.",
        &keys,
        &many,
        &[&fixed[..], &["--threads", "4"]].concat(),
    );
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&many).unwrap());
}

/// The signed zone keeps every input record (glue and delegation NS
/// included), drops nothing silently, and signs nothing below a zone cut.
#[test]
fn glue_is_published_unsigned_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let keys = bind_keys(dir.path(), "tricky.example.", "ECDSAP256SHA256", false);
    let out = dir.path().join("signed");
    sign(&corpus_path("tricky.zone"), "tricky.example.", &keys, &out, &[]);
    let signed = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = signed.lines().collect();
    let has = |owner: &str, rtype: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(owner) && l.split('\t').nth(3) == Some(rtype))
    };
    let signed_type = |owner: &str, rtype: &str| {
        lines.iter().any(|l| {
            l.starts_with(owner)
                && l.split('\t').nth(3) == Some("RRSIG")
                && l.split('\t')
                    .nth(4)
                    .is_some_and(|r| r.starts_with(&format!("{rtype} ")))
        })
    };
    for (owner, rtype) in [
        ("ns.secure.tricky.example.\t", "A"),
        ("deep.ns.secure.tricky.example.\t", "A"),
        ("secure.tricky.example.\t", "NS"),
        ("unsigned1.tricky.example.\t", "NS"),
        ("uri.tricky.example.\t", "URI"),
        ("empty-generic.tricky.example.\t", "TYPE65281"),
        ("x.deeper.sub.tricky.example.\t", "A"),
    ] {
        assert!(has(owner, rtype), "{owner}{rtype} missing from the output");
    }
    assert!(signed_type("secure.tricky.example.\t", "DS"));
    assert!(
        !signed_type("secure.tricky.example.\t", "NS"),
        "delegation NS must not be signed"
    );
    assert!(
        !signed_type("ns.secure.tricky.example.\t", "A"),
        "glue must not be signed"
    );
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("ns.secure.tricky.example.\t") && l.contains("\tNSEC\t")));
    // one A RRset at mail with a single TTL (300, the lowest)
    let mail: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("mail.tricky.example.\t") && l.contains("\tA\t"))
        .collect();
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().all(|l| l.split('\t').nth(1) == Some("300")));
}

/// `--threads N` sizes the signing pool (it once was set too late, after
/// loading the zone had already started the pool at its default size).
#[test]
fn threads_flag_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let keys = signet_keys(dir.path(), "example.", "13", true);
    for (threads, says) in [("1", "(1 thread)"), ("3", "(3 threads)")] {
        let mut cmd = Command::new(signer_bin());
        cmd.arg("sign")
            .arg(corpus_path("basic.zone"))
            .args(["--origin", "example.", "--threads", threads]);
        cmd.arg("--output")
            .arg(dir.path().join("out"))
            .arg("--key")
            .arg(&keys[0]);
        let out = run(&mut cmd);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains(says), "--threads {threads}: {}", text(&out));
    }
}
