//! The offline-KSK cycle with the KSK on a SoftHSMv2 token: `signer ksr`
//! → `ceremony sign-ksr` → `signer import-skr` → `signer sign` as at
//! several instants, validated by ldns-verify-zone (the KSK as the only
//! trust anchor) and kzonecheck; the ceremony's refusals; a KSK rollover
//! across bundles; and a Knot-made KSR signed by the ceremony, imported by
//! Knot's keymgr.

mod bundles_support;
mod ceremony_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bundles_support::{assert_valid_at, assert_valid_with, write_zone, Knot, Signer, ZONE};
use ceremony_support::Hsm;
use keybundles::bundle::{self, Kind};
use keybundles::dnskey::Dnskey;
use keybundles::Rtype;

/// A KSK on the token, its DNSKEY written to `<label>.key`.
fn ksk(hsm: &Hsm, label: &str) -> PathBuf {
    hsm.run(&["--yes", "keygen", "--zone", ZONE, "--label", label, "--algorithm", "13"]);
    let file = hsm.path(&format!("{label}.key"));
    hsm.run(&[
        "ds",
        "--zone",
        ZONE,
        "--label",
        label,
        "--output",
        file.to_str().unwrap(),
    ]);
    file
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `ceremony --yes sign-ksr KSR --zone … --now NOW --output OUT extra…`
fn sign_ksr(ksr: &Path, out: &Path, now: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--yes",
        "sign-ksr",
        s(ksr),
        "--zone",
        ZONE,
        "--now",
        now,
        "--output",
        s(out),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn offline_cycle_on_softhsm_with_ceremony_checks() {
    let hsm = Hsm::new(&["ksk-primary"]);
    let anchor = ksk(&hsm, "ksk1");
    let signer = Signer::init(&hsm.path("zone"), &anchor);
    let q1 = hsm.path("q1.ksr");
    signer.ok(&[
        "ksr",
        "--from",
        "20261201000000",
        "--to",
        "20270401000000",
        "--output",
        s(&q1),
    ]);

    // the room sees the table and the KSR's SHA-256 in hex and PGP words
    let skr1 = hsm.path("q1.skr");
    let out = hsm.run(&strs(&sign_ksr(&q1, &skr1, "20261125000000", &["--ksk", "ksk1"])));
    let ksr_file = bundle::read(&q1, Kind::Request).unwrap();
    let hex = ksr_file.sha256_hex().to_uppercase();
    assert!(out.contains(&format!("KSR SHA-256: {hex}")), "{out}");
    assert!(
        out.contains("2026-12-01 00:00:00 UTC  2026-11-30 23:00:00 UTC"),
        "{out}"
    );
    let entry = hsm.entries().pop().unwrap();
    assert_eq!(entry["command"], "sign-ksr", "{entry}");
    let entry_text = entry.to_string();
    assert!(
        entry_text.contains(&ksr_file.sha256_hex()) && entry_text.contains("q1.skr"),
        "{entry_text}"
    );

    signer.ok(&["import-skr", s(&skr1)]);
    let zone = write_zone(hsm.dir.path());
    // start, a bundle boundary, the ZSK rollover, the last day
    for at in ["20261201000000", "20261211000000", "20270301000000", "20270331000000"] {
        let signed = hsm.path(&format!("signed-{at}.zone"));
        signer.ok(&bundles_support::sign_at(at, &zone, &signed));
        assert_valid_at(&signed, &anchor, at);
        let text = std::fs::read_to_string(&signed).unwrap();
        assert!(
            text.contains("\tCDS\t") && text.contains("\tRRSIG\tCDS "),
            "CDS published and signed"
        );
    }

    // refusals, nothing written
    let again = hsm.path("again.skr");
    let err = hsm.fail(&strs(&sign_ksr(
        &q1,
        &again,
        "20261125000000",
        &["--ksk", "ksk1", "--previous-skr", s(&skr1)],
    )));
    assert!(err.contains("Refusing a replay"), "{err}");
    let err = hsm.fail(&[
        "--yes",
        "sign-ksr",
        s(&q1),
        "--zone",
        "example.net.",
        "--ksk",
        "ksk1",
        "--output",
        s(&again),
    ]);
    assert!(
        err.contains("is for example.com., but this ceremony signs for example.net."),
        "{err}"
    );
    let text = std::fs::read_to_string(&q1).unwrap();
    let ksk_in_ksr = hsm.path("ksk-in.ksr");
    std::fs::write(&ksk_in_ksr, text.replacen("DNSKEY\t256 3 13", "DNSKEY\t257 3 13", 1)).unwrap();
    let err = hsm.fail(&strs(&sign_ksr(
        &ksk_in_ksr,
        &again,
        "20261125000000",
        &["--ksk", "ksk1"],
    )));
    assert!(err.contains("bundle 1 of") && err.contains("flags 257"), "{err}");
    let err = hsm.fail(&strs(&sign_ksr(&q1, &again, "20260601000000", &["--ksk", "ksk1"])));
    assert!(err.contains("beyond the horizon"), "{err}");
    let err = hsm.fail(&strs(&sign_ksr(&q1, &again, "20270601000000", &["--ksk", "ksk1"])));
    assert!(err.contains("lies in the past"), "{err}");
    // typed confirmation: anything but "yes" stops before the token signs
    let mut child = hsm
        .cmd(&[
            "sign-ksr",
            s(&q1),
            "--zone",
            ZONE,
            "--now",
            "20261125000000",
            "--ksk",
            "ksk1",
            "--output",
            s(&again),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let declined = child.wait_with_output().unwrap();
    assert!(!declined.status.success());
    assert!(String::from_utf8_lossy(&declined.stderr).contains("not confirmed"));
    assert!(!again.exists(), "no SKR after a refusal");

    // the next quarter continues the chain
    let q2 = hsm.path("q2.ksr");
    signer.ok(&["ksr", "--to", "20270701000000", "--output", s(&q2)]);
    let skr2 = hsm.path("q2.skr");
    hsm.run(&strs(&sign_ksr(
        &q2,
        &skr2,
        "20270320000000",
        &["--ksk", "ksk1", "--previous-skr", s(&skr1)],
    )));
    signer.ok(&["import-skr", s(&skr2)]);
    let signed = hsm.path("signed-q2.zone");
    signer.ok(&bundles_support::sign_at("20270615000000", &zone, &signed));
    assert_valid_at(&signed, &anchor, "20270615000000");
    // a KSR whose first ZSK is not in the previous SKR's last bundle
    let err = hsm.fail(&strs(&sign_ksr(
        &q1,
        &again,
        "20261125000000",
        &["--ksk", "ksk1", "--previous-skr", s(&skr2)],
    )));
    assert!(err.contains("chain of trust would break"), "{err}");

    hsm.run(&["transcript", "verify"]);
}

#[test]
fn ksk_rollover_across_bundles() {
    let hsm = Hsm::new(&["ksk-primary"]);
    let old = ksk(&hsm, "ksk-old");
    let new = ksk(&hsm, "ksk-new");
    let anchor = hsm.path("anchors.txt");
    let both = format!(
        "{}{}",
        std::fs::read_to_string(&old).unwrap(),
        std::fs::read_to_string(&new).unwrap()
    );
    std::fs::write(&anchor, both).unwrap();
    let signer = Signer::init(&hsm.path("zone"), &anchor);
    let ksr = hsm.path("roll.ksr");
    signer.ok(&[
        "ksr",
        "--from",
        "20261201000000",
        "--to",
        "20270401000000",
        "--output",
        s(&ksr),
    ]);
    let policy = hsm.path("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "zone = \"{ZONE}\"\n\
             [[slot]]\nbundles = \"1-4\"\npublish = [\"ksk-old\", \"ksk-new\"]\nsign = [\"ksk-old\"]\n\
             [[slot]]\nbundles = \"5-8\"\npublish = [\"ksk-old\", \"ksk-new\"]\nsign = [\"ksk-new\"]\n\
             [[slot]]\nbundles = \"9-\"\npublish = [\"ksk-new\"]\nsign = [\"ksk-new\"]\nrevoke = [\"ksk-old\"]\n"
        ),
    )
    .unwrap();
    let skr = hsm.path("roll.skr");
    let out = hsm.run(&[
        "--yes",
        "sign-ksr",
        s(&ksr),
        "--ksk",
        "ksk-old",
        "--ksk",
        "ksk-new",
        "--policy",
        s(&policy),
        "--now",
        "20261125000000",
        "--output",
        s(&skr),
    ]);
    assert!(out.contains("(revoked)"), "{out}");
    let file = bundle::read(&skr, Kind::Response).unwrap();
    let old_key = file.bundles[0].ksks().into_iter().next().unwrap();
    let signers = |i: usize| -> Vec<u16> {
        file.bundles[i]
            .rrsigs()
            .iter()
            .filter(|r| r.type_covered == Rtype::DNSKEY)
            .map(|r| r.key_tag)
            .collect()
    };
    let revoked: Vec<Dnskey> = file.bundles[8].ksks().into_iter().filter(Dnskey::is_revoked).collect();
    assert_eq!(revoked.len(), 1, "the old KSK is published revoked in bundle 9");
    assert_eq!(signers(0).len(), 1);
    assert_ne!(signers(0), signers(4), "the new KSK signs from bundle 5");
    assert!(
        signers(8).contains(&revoked[0].key_tag()),
        "the revoked key signs itself (RFC 5011)"
    );
    assert!(!file.bundles[8].dnskeys().contains(&old_key));

    signer.ok(&["import-skr", s(&skr)]);
    let zone = write_zone(hsm.dir.path());
    for (at, trusted) in [
        ("20261201000000", &old),
        ("20270120000000", &new),
        ("20270331000000", &new),
    ] {
        let signed = hsm.path(&format!("roll-{at}.zone"));
        signer.ok(&bundles_support::sign_at(at, &zone, &signed));
        assert_valid_with(&signed, &[trusted.as_path()], at);
    }
}

#[test]
fn knot_ksr_signed_by_the_ceremony_is_imported_by_keymgr() {
    let hsm = Hsm::new(&["ksk-primary"]);
    ksk(&hsm, "ksk1");
    // Knot as the online side: ZSKs rolled every 14 days, so its KSR's
    // bundles are close enough for the default 21-day signatures.
    let knot = Knot::new(&hsm.path("knot"), ZONE, "ecdsap256sha256");
    let conf = std::fs::read_to_string(&knot.conf)
        .unwrap()
        .replace("zsk-lifetime: 30d", "zsk-lifetime: 14d");
    std::fs::write(&knot.conf, conf).unwrap();
    knot.keymgr(ZONE, &["pregenerate", "+60d"]);
    let ksr = hsm.path("knot.ksr");
    std::fs::write(&ksr, knot.keymgr(ZONE, &["generate-ksr", "+0", "+60d"])).unwrap();
    let skr = hsm.path("knot.skr");
    hsm.run(&[
        "--yes",
        "sign-ksr",
        s(&ksr),
        "--zone",
        ZONE,
        "--ksk",
        "ksk1",
        "--output",
        s(&skr),
    ]);
    assert!(knot.keymgr(ZONE, &["import-skr", s(&skr)]).contains("OK"));
    knot.keymgr(ZONE, &["validate-skr", s(&skr)]);
    // and keymgr can say no: a damaged signature
    let mut file = bundle::read(&skr, Kind::Response).unwrap();
    bundles_support::flip_signature_bit(&mut file, 1, 5, 0x40);
    let bad = hsm.path("bad.skr");
    std::fs::write(&bad, bundle::write(&file, "test", 0)).unwrap();
    assert!(!knot.keymgr_output(ZONE, &["import-skr", s(&bad)]).status.success());
}
