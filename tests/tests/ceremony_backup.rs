//! Backups proven end to end on two SoftHSMv2 tokens: split the wrapping key 3-of-5, export the
//! KSK wrapped, restore it into a second token from three shares, and `backup verify` it against
//! the original DNSKEY. Too few shares, a corrupt share, and a different key are refused.

mod ceremony_support;

use ceremony_support::{rr_lines, Hsm};

fn setup(algorithm: &str) -> (Hsm, String) {
    let hsm = Hsm::new(&["primary", "spare"]);
    let out = hsm.run(&[
        "--token",
        "primary",
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        algorithm,
    ]);
    let dnskey = rr_lines(&out, "DNSKEY")[0].to_string();
    std::fs::write(hsm.path("ksk.key"), format!("; the KSK\n{dnskey}\n")).unwrap();
    std::fs::create_dir(hsm.path("shares")).unwrap();
    let split = hsm.run(&[
        "--token",
        "primary",
        "--yes",
        "backup",
        "split-key",
        "--shares",
        "5",
        "--threshold",
        "3",
        "--out-dir",
        "shares",
    ]);
    assert_eq!(split.matches("checksum ").count(), 5, "{split}");
    hsm.run(&[
        "--token",
        "primary",
        "backup",
        "export",
        "--label",
        "ksk",
        "--output",
        "ksk.backup",
    ]);
    (hsm, dnskey)
}

fn share(i: usize) -> String {
    format!("shares/share-{i}-of-5.json")
}

fn backup_round_trip(algorithm: &str) {
    let (hsm, _) = setup(algorithm);
    // The spare token does not have the key yet.
    let err = hsm.fail(&[
        "--token",
        "spare",
        "backup",
        "verify",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--dnskey",
        "ksk.key",
    ]);
    assert!(
        err.contains("no private key labelled \"ksk\" on token \"spare\""),
        "{err}"
    );

    let (s1, s3, s5) = (share(1), share(3), share(5));
    let out = hsm.run(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        &s1,
        "--share",
        &s3,
        "--share",
        &s5,
    ]);
    assert!(out.contains("restored key \"ksk\""), "{out}");
    let out = hsm.run(&[
        "--token",
        "spare",
        "backup",
        "verify",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--dnskey",
        "ksk.key",
    ]);
    assert!(out.contains("VERIFIED"), "{out}");

    // A second restore of the same label is refused (the label now exists).
    let err = hsm.fail(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        &s1,
        "--share",
        &s3,
        "--share",
        &s5,
    ]);
    assert!(err.contains("already exists"), "{err}");

    let entries = hsm.entries();
    let verify = entries.iter().rev().find(|e| e["command"] == "backup verify").unwrap();
    assert_eq!(verify["result"], "ok");
    assert_eq!(verify["token"]["label"], "spare");
    let restore = entries.iter().find(|e| e["command"] == "restore").unwrap();
    assert_eq!(
        restore["files"].as_array().unwrap().len(),
        4,
        "backup file and three shares hashed"
    );
    hsm.run(&["transcript", "verify"]);
}

#[test]
fn ecdsa_p256_backup_restore_verify() {
    backup_round_trip("13");
}

#[test]
fn rsasha256_backup_restore_verify() {
    backup_round_trip("8");
}

#[test]
fn too_few_corrupt_or_foreign_shares_and_wrong_key_fail() {
    let (hsm, _) = setup("14");
    let (s1, s2, s4) = (share(1), share(2), share(4));
    let err = hsm.fail(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        &s1,
        "--share",
        &s4,
    ]);
    assert!(err.contains("too few shares: the wrapping key needs 3 of 5"), "{err}");
    let err = hsm.fail(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        &s1,
        "--share",
        &s1,
        "--share",
        &s4,
    ]);
    assert!(err.contains("too few shares"), "{err}");

    let corrupt = std::fs::read_to_string(hsm.path(&s2)).unwrap();
    let field = corrupt.lines().find(|l| l.contains("\"share\"")).unwrap();
    let digit = field.rfind(|c: char| c.is_ascii_hexdigit()).unwrap();
    let mut bad_field = field.to_string();
    let flipped = if &field[digit..=digit] == "0" { "1" } else { "0" };
    bad_field.replace_range(digit..=digit, flipped);
    std::fs::write(hsm.path("bad-share.json"), corrupt.replace(field, &bad_field)).unwrap();
    let err = hsm.fail(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        &s1,
        "--share",
        "bad-share.json",
        "--share",
        &s4,
    ]);
    assert!(err.contains("CORRUPT"), "{err}");

    // Nothing was put on the spare token by the failed restores.
    let list = hsm.run(&["--token", "spare", "keys", "list"]);
    assert!(list.contains("no private keys"), "{list}");

    // A different key on the spare token does not pass as the backed-up one.
    hsm.run(&[
        "--token",
        "spare",
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        "14",
    ]);
    let err = hsm.fail(&[
        "--token",
        "spare",
        "backup",
        "verify",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--dnskey",
        "ksk.key",
    ]);
    assert!(err.contains("NOT VERIFIED"), "{err}");
    assert!(err.contains("is NOT the key in ksk.key"), "{err}");

    // Shares of another split do not open this backup.
    std::fs::create_dir(hsm.path("other")).unwrap();
    hsm.run(&[
        "--token",
        "spare",
        "--yes",
        "backup",
        "split-key",
        "--shares",
        "3",
        "--threshold",
        "2",
        "--out-dir",
        "other",
        "--wrap-label",
        "other-wrap",
    ]);
    let err = hsm.fail(&[
        "--token",
        "spare",
        "--yes",
        "restore",
        "--input",
        "ksk.backup",
        "--share",
        "other/share-1-of-3.json",
        "--share",
        "other/share-2-of-3.json",
    ]);
    assert!(err.contains("wrapping-key set"), "{err}");

    let failed = hsm.entries().iter().filter(|e| e["result"] == "failed").count();
    assert_eq!(failed, 5);
    hsm.run(&["transcript", "verify"]);
}

#[test]
fn export_needs_a_trusted_wrapping_key_and_an_extractable_key() {
    let hsm = Hsm::new(&["t"]);
    hsm.run(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "locked",
        "--algorithm",
        "13",
        "--no-backup",
    ]);
    let err = hsm.fail(&["backup", "export", "--label", "locked", "--output", "x.backup"]);
    assert!(err.contains("no secret key labelled \"signet-backup-wrap\""), "{err}");
    std::fs::create_dir(hsm.path("shares")).unwrap();
    hsm.run(&[
        "--yes",
        "backup",
        "split-key",
        "--shares",
        "2",
        "--threshold",
        "2",
        "--out-dir",
        "shares",
    ]);
    let err = hsm.fail(&["backup", "export", "--label", "locked", "--output", "x.backup"]);
    assert!(err.contains("is not extractable"), "{err}");
    assert!(!hsm.path("x.backup").exists(), "nothing written on failure");
    // The split refuses to overwrite existing share files.
    let err = hsm.fail(&[
        "--yes",
        "backup",
        "split-key",
        "--shares",
        "2",
        "--threshold",
        "2",
        "--out-dir",
        "shares",
        "--wrap-label",
        "w2",
    ]);
    assert!(err.contains("already exists"), "{err}");
}
