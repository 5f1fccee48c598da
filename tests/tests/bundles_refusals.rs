//! `signer import-skr` refuses tampered or wrong SKRs, naming the bundle
//! and the reason, and leaves the imported bundles untouched. The SKRs are
//! made by Knot's keymgr from Signet KSRs, then damaged.

mod bundles_support;

use std::path::{Path, PathBuf};

use bundles_support::{flip_signature_bit, knot_signed_period, sign_at, unix, Knot, Signer, ZONE};
use keybundles::bundle::{self, Kind};

struct Setup {
    tmp: tempfile::TempDir,
    knot: Knot,
    signer: Signer,
    skr: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let (knot, signer, skr) = knot_signed_period(tmp.path(), "20270301000000");
    Setup { tmp, knot, signer, skr }
}

/// Rewrites an SKR after `damage` changed its bundles.
fn damaged(from: &Path, to: &Path, damage: impl FnOnce(&mut bundle::BundleFile)) -> PathBuf {
    let mut file = bundle::read(from, Kind::Response).unwrap();
    damage(&mut file);
    std::fs::write(to, bundle::write(&file, "test", 0)).unwrap();
    to.to_path_buf()
}

fn import_refused(s: &Setup, skr: &Path) -> String {
    let store = s.signer.dir.join("bundles/bundles.skr");
    let before = std::fs::read(&store).ok();
    let out = s.signer.refused(&["import-skr", skr.to_str().unwrap()], 1);
    assert_eq!(
        std::fs::read(&store).ok(),
        before,
        "a refused SKR changed the bundle store"
    );
    out
}

#[test]
fn tampered_and_wrong_skrs_are_refused_naming_the_bundle() {
    let s = setup();
    let t = s.tmp.path();

    // a flipped signature byte in the third bundle
    let flipped = damaged(&s.skr, &t.join("flipped.skr"), |f| flip_signature_bit(f, 2, 10, 0x01));
    let out = import_refused(&s, &flipped);
    assert!(out.contains("bundle 3 of") && out.contains("does not verify"), "{out}");

    // a removed bundle (one the KSR asked for): a gap
    let removed = damaged(&s.skr, &t.join("removed.skr"), |f| {
        let ksr_instant = unix("20261211000000");
        let i = f.bundles.iter().position(|b| b.start == ksr_instant).unwrap();
        f.bundles.remove(i);
    });
    let out = import_refused(&s, &removed);
    assert!(
        out.contains("is missing from the SKR: a gap") && out.contains("2026-12-11"),
        "{out}"
    );

    // signed by another KSK (a second Knot KSK side)
    let other = Knot::new(&t.join("knot-other"), ZONE, "ecdsap256sha256");
    other.make_ksk(ZONE, unix("20261101000000"), &t.join("other.ds"));
    let ksr = s.signer.dir.join("bundles/requests/ksr-20261201000000.ksr");
    let foreign = t.join("foreign.skr");
    std::fs::write(&foreign, other.keymgr(ZONE, &["sign-ksr", ksr.to_str().unwrap()])).unwrap();
    let out = import_refused(&s, &foreign);
    assert!(
        out.contains("bundle 1 of") && out.contains("do not match the trust anchor"),
        "{out}"
    );

    // an SKR for another zone (Knot's KSK side for example.net.)
    let net = Knot::new(&t.join("knot-net"), "example.net.", "ecdsap256sha256");
    net.make_ksk("example.net.", unix("20261101000000"), &t.join("net.ds"));
    let other_zone = t.join("net.skr");
    std::fs::write(
        &other_zone,
        net.keymgr("example.net.", &["sign-ksr", ksr.to_str().unwrap()]),
    )
    .unwrap();
    let out = import_refused(&s, &other_zone);
    assert!(
        out.contains("bundle 1 of") && out.contains("is for example.net., but this signer signs example.com."),
        "{out}"
    );

    // a KSR is not an SKR; a truncated SKR is not an SKR
    let out = import_refused(&s, &ksr);
    assert!(out.contains("not a SignedKeyResponse"), "{out}");
    let text = std::fs::read_to_string(&s.skr).unwrap();
    let cut = t.join("cut.skr");
    std::fs::write(&cut, &text[..text.len() * 2 / 3]).unwrap();
    let out = import_refused(&s, &cut);
    assert!(out.contains("truncated"), "{out}");

    // the good one is accepted ...
    s.signer.ok(&["import-skr", s.skr.to_str().unwrap()]);
    // ... and an SKR that leaves a gap after it is not
    let later_ksr = t.join("q3.ksr");
    s.signer.ok(&[
        "ksr",
        "--from",
        "20270401000000",
        "--to",
        "20270601000000",
        "--output",
        later_ksr.to_str().unwrap(),
    ]);
    let later = t.join("q3.skr");
    std::fs::write(&later, s.knot.keymgr(ZONE, &["sign-ksr", later_ksr.to_str().unwrap()])).unwrap();
    let out = import_refused(&s, &later);
    assert!(
        out.contains("bundle 1 of") && out.contains("does not continue"),
        "{out}"
    );
    // the next quarter, continuing where the last ended, is accepted
    let next_ksr = t.join("q2.ksr");
    s.signer
        .ok(&["ksr", "--to", "20270601000000", "--output", next_ksr.to_str().unwrap()]);
    let next = t.join("q2.skr");
    std::fs::write(&next, s.knot.keymgr(ZONE, &["sign-ksr", next_ksr.to_str().unwrap()])).unwrap();
    let out = s.signer.ok(&["import-skr", next.to_str().unwrap()]);
    assert!(out.contains("replacing 1 bundles"), "{out}");
}

/// A bundle store changed after import (a disk, a hand edit) is refused by
/// signing when the bundle is due; `bundles status` checks every bundle
/// against the trust anchor, so the operator hears of it before then, with
/// the way out: importing the SKR again.
#[test]
fn bundles_status_names_a_bundle_damaged_after_import() {
    let s = setup();
    s.signer.ok(&["import-skr", s.skr.to_str().unwrap()]);
    let now = ["--now", "20261202000000"];
    let out = s.signer.ok(&[now[0], now[1], "bundles", "status"]);
    assert!(!out.contains("DOES NOT VERIFY"), "{out}");

    // a flipped signature byte in the store's third bundle
    let store = s.signer.dir.join("bundles/bundles.skr");
    damaged(&store, &store, |f| flip_signature_bit(f, 2, 10, 0x01));
    let out = s.signer.refused(&[now[0], now[1], "bundles", "status"], 1);
    assert!(out.contains("DOES NOT VERIFY"), "{out}");
    assert!(
        out.contains("bundle 3 of") && out.contains("does not verify") && out.contains("import the SKR again"),
        "{out}"
    );
    // the live bundle (the first) still signs; the third would not
    let zone = bundles_support::write_zone(s.tmp.path());
    let signed = s.tmp.path().join("signed.zone");
    let sign = |at| sign_at(at, &zone, &signed);
    s.signer.ok(&sign("20261202000000"));
    let third = "20261212000000";
    let out = s.signer.refused(&sign(third), 2);
    assert!(out.contains("no longer verifies"), "{out}");

    // importing the SKR again mends the store
    s.signer.ok(&["import-skr", s.skr.to_str().unwrap()]);
    s.signer.ok(&[now[0], now[1], "bundles", "status"]);
    s.signer.ok(&sign(third));
}
