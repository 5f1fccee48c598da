//! Shared by the `bundles_*` tests: an offline-KSK signer directory, a
//! Knot DNS `keymgr` KSK side, and the validators run at a chosen instant.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signet_tests::{require_tool, run, signer_bin, text};

pub const ZONE: &str = "example.com.";

/// The test zone (tests/zones/basic.zone) with origin example.com.
pub fn write_zone(dir: &Path) -> PathBuf {
    let basic = std::fs::read_to_string(signet_tests::workspace().join("tests/zones/basic.zone")).unwrap();
    let path = dir.join("example.com.zone");
    std::fs::write(&path, basic.replace("$ORIGIN example.", "$ORIGIN example.com.")).unwrap();
    path
}

/// Knot's keymgr with a KSK-side configuration in `dir` (offline-ksk and
/// manual on, as sign-ksr needs), block-style YAML.
pub struct Knot {
    pub dir: PathBuf,
    pub conf: PathBuf,
}

impl Knot {
    pub fn new(dir: &Path, zone: &str, algorithm: &str) -> Knot {
        require_tool("keymgr");
        std::fs::create_dir_all(dir).unwrap();
        let conf = dir.join("knot.conf");
        let d = dir.display();
        std::fs::write(
            &conf,
            format!(
                "server:\n    rundir: {d}\ndatabase:\n    storage: {d}\npolicy:\n  - id: offline\n    manual: on\n    offline-ksk: on\n    algorithm: {algorithm}\n    zsk-lifetime: 30d\n    dnskey-ttl: 3600\n    zone-max-ttl: 86400\n    rrsig-lifetime: 14d\n    rrsig-refresh: 7d\n    propagation-delay: 1h\ntemplate:\n  - id: default\n    storage: {d}\n    dnssec-signing: on\n    dnssec-policy: offline\nzone:\n  - domain: {zone}\n"
            ),
        )
        .unwrap();
        Knot {
            dir: dir.to_path_buf(),
            conf,
        }
    }

    /// Runs `keymgr -c knot.conf ZONE args…`, asserting success; stdout.
    pub fn keymgr(&self, zone: &str, args: &[&str]) -> String {
        let out = self.keymgr_output(zone, args);
        assert!(out.status.success(), "keymgr {args:?} failed:\n{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn keymgr_output(&self, zone: &str, args: &[&str]) -> Output {
        run(Command::new("keymgr").arg("-c").arg(&self.conf).arg(zone).args(args))
    }

    /// Makes an active KSK (published and signing since `since`, unix
    /// seconds) and writes its DS to `anchor`.
    pub fn make_ksk(&self, zone: &str, since: i64, anchor: &Path) -> u16 {
        let t = since.to_string();
        let id = self.keymgr(
            zone,
            &[
                "generate",
                "ksk=yes",
                "zsk=no",
                &format!("publish={t}"),
                &format!("ready={t}"),
                &format!("active={t}"),
            ],
        );
        let ds = self.keymgr(zone, &["ds", id.trim()]);
        let first = ds.lines().next().unwrap().to_string();
        std::fs::write(anchor, format!("{first}\n")).unwrap();
        first.split_whitespace().nth(3).unwrap().parse().unwrap()
    }
}

/// An offline-KSK signer directory made by `signer init --trust-anchor`.
pub struct Signer {
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Signer {
    pub fn init(dir: &Path, anchor: &Path) -> Signer {
        let out = run(Command::new(signer_bin())
            .args(["init", "--origin", ZONE, "--dir"])
            .arg(dir)
            .arg("--trust-anchor")
            .arg(anchor));
        assert!(out.status.success(), "signer init: {}", text(&out));
        Signer {
            dir: dir.to_path_buf(),
            config: dir.join("signer.toml"),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> Output {
        run(Command::new(signer_bin()).arg("--config").arg(&self.config).args(args))
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args);
        assert!(out.status.success(), "signer {args:?} failed:\n{}", text(&out));
        text(&out)
    }

    /// Runs a command that must fail with exit `code`; its output.
    pub fn refused(&self, args: &[&str], code: i32) -> String {
        let out = self.cmd(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "signer {args:?} should exit {code}:\n{}",
            text(&out)
        );
        text(&out)
    }
}

/// Unix seconds of YYYYMMDDHHMMSS.
pub fn unix(compact: &str) -> i64 {
    keybundles::time::parse_time(compact, 0).unwrap()
}

/// ldns-verify-zone with the KSK's DS as the only trust anchor, and
/// kzonecheck, both validating as at `at` (YYYYMMDDHHMMSS).
pub fn assert_valid_at(zone: &Path, anchor: &Path, at: &str) {
    assert_valid_with(zone, &[anchor], at);
}

/// [`assert_valid_at`] with several trust-anchor files (one key each).
pub fn assert_valid_with(zone: &Path, anchors: &[&Path], at: &str) {
    require_tool("ldns-verify-zone");
    require_tool("kzonecheck");
    let mut ldns = Command::new("ldns-verify-zone");
    for anchor in anchors {
        ldns.arg("-k").arg(anchor);
    }
    let ldns = run(ldns.args(["-t", at]).arg(zone));
    assert!(
        ldns.status.success(),
        "ldns-verify-zone at {at} rejected {}:\n{}",
        zone.display(),
        text(&ldns)
    );
    let knot = run(Command::new("kzonecheck")
        .args(["-o", ZONE, "-d", "on", "-t", &unix(at).to_string()])
        .arg(zone));
    assert!(
        knot.status.success(),
        "kzonecheck at {at} rejected {}:\n{}",
        zone.display(),
        text(&knot)
    );
}

/// The same validators must reject `zone` at `at` (proves the checks can fail).
pub fn assert_invalid_at(zone: &Path, anchor: &Path, at: &str) {
    let ldns = run(Command::new("ldns-verify-zone")
        .arg("-k")
        .arg(anchor)
        .args(["-t", at])
        .arg(zone));
    assert!(
        !ldns.status.success(),
        "ldns-verify-zone accepted {} at {at}",
        zone.display()
    );
}

/// The offline-KSK set-up several tests share, with Knot's keymgr as the
/// KSK side: a KSK made as at 2026-11-01 and its DS as the signer's trust
/// anchor (`dir/ksk.ds`), a signer initialised on it, and a KSR for
/// 2026-12-01 to `to` written by `signer ksr` and signed by `keymgr
/// sign-ksr`. Returns Knot, the signer and the SKR's path (not imported).
pub fn knot_signed_period(dir: &Path, to: &str) -> (Knot, Signer, PathBuf) {
    let anchor = dir.join("ksk.ds");
    let knot = Knot::new(&dir.join("knot"), ZONE, "ecdsap256sha256");
    knot.make_ksk(ZONE, unix("20261101000000"), &anchor);
    let signer = Signer::init(&dir.join("signer"), &anchor);
    let ksr = dir.join("q1.ksr");
    let ksr_s = ksr.to_str().unwrap_or_default();
    signer.ok(&["ksr", "--from", "20261201000000", "--to", to, "--output", ksr_s]);
    let skr = dir.join("q1.skr");
    std::fs::write(&skr, knot.keymgr(ZONE, &["sign-ksr", ksr_s])).unwrap_or_else(|e| panic!("{}: {e}", skr.display()));
    (knot, signer, skr)
}

/// The arguments of `signer --now AT sign ZONE --output OUTPUT`: signing
/// as at an instant, with the bundle in force then.
pub fn sign_at<'a>(at: &'a str, zone: &'a Path, output: &'a Path) -> [&'a str; 6] {
    let path = |p: &'a Path| p.to_str().expect("temporary paths are UTF-8");
    ["--now", at, "sign", path(zone), "--output", path(output)]
}

/// Damages bundle `bundle` of `file` (counted from 0): one bit of its first
/// RRSIG, `from_end` octets before the end of the RDATA (inside the
/// signature), flipped.
pub fn flip_signature_bit(file: &mut keybundles::bundle::BundleFile, bundle: usize, from_end: usize, bit: u8) {
    let sig = file.bundles[bundle]
        .records
        .iter_mut()
        .find(|r| r.rtype == keybundles::Rtype::RRSIG)
        .expect("the bundle has an RRSIG");
    let mut rdata = sig.rdata.to_vec();
    let n = rdata.len();
    rdata[n - from_end] ^= bit;
    sig.rdata = rdata.into();
}
