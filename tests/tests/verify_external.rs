//! `signer verify` against zones signed by tools nobody here wrote
//! (`dnssec-signzone` from BIND, `ldns-signzone` from ldns): it must accept
//! what they sign, NSEC, NSEC3 and NSEC3 opt-out, with algorithms 8, 13 and
//! 15, and reject tampered copies for the right reason. Every tampered copy
//! is also shown to be rejected by `ldns-verify-zone` or `dnssec-verify`,
//! so a tamper that does not really break the zone cannot pass for a
//! verifier that works.

use std::path::{Path, PathBuf};
use std::process::Command;

use keybundles::nsec3::Nsec3Params;
use keybundles::Name;
use signet_tests::{require_tool, run, signer_bin, text};

const ORIGIN: &str = "example.";

/// Apex, delegations with and without DS, glue, a wildcard, empty
/// non-terminals (ent.deep and deep; only.example, which only an insecure
/// delegation creates and opt-out may leave out), several types.
const ZONE: &str = r#"$ORIGIN example.
$TTL 3600
@           IN SOA ns1.example. hostmaster.example. 2026112501 7200 3600 1209600 300
            IN NS ns1.example.
            IN NS ns2.example.
            IN MX 10 mail.example.
            IN TXT "v=spf1 -all"
            IN CAA 0 issue "ca.example.net"
ns1         IN A 192.0.2.1
ns2         IN AAAA 2001:db8::2
mail        IN A 192.0.2.25
www         IN A 192.0.2.80
            IN AAAA 2001:db8::80
*.wild      IN TXT "wildcard"
host.ent.deep IN A 192.0.2.7
alias       IN CNAME www.example.
srv._tcp    IN SRV 0 5 5060 www.example.
secure      IN NS ns.secure.example.
            IN DS 12345 13 2 8A3E54E6D6C2F1E7D6D8E0C2A5F0B5A1C8E4D2F7B9A3C6E1D0F2A4B6C8E0D2F4
ns.secure   IN A 192.0.2.53
insecure    IN NS ns.insecure.example.
ns.insecure IN A 192.0.2.54
other       IN NS ns.elsewhere.net.
deleg.only  IN NS ns.elsewhere.net.
"#;

/// A working directory with the unsigned zone.
struct Work {
    dir: tempfile::TempDir,
}

/// A key made by an external tool: its file stem (no extension) and tag.
#[derive(Clone)]
struct Key {
    stem: String,
    tag: u16,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("example.zone"), ZONE).expect("write zone");
        Work { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `dnssec-keygen -a ALG [-f KSK] example`.
    fn bind_key(&self, algorithm: &str, ksk: bool) -> Key {
        require_tool("dnssec-keygen");
        let mut cmd = Command::new("dnssec-keygen");
        cmd.current_dir(self.dir.path()).args(["-q", "-a", algorithm]);
        if algorithm == "RSASHA256" {
            cmd.args(["-b", "2048"]);
        }
        if ksk {
            cmd.args(["-f", "KSK"]);
        }
        key_from_output(&run(cmd.arg("example")))
    }

    /// `ldns-keygen -a ALG [-k] example`.
    fn ldns_key(&self, algorithm: &str, ksk: bool) -> Key {
        require_tool("ldns-keygen");
        let mut cmd = Command::new("ldns-keygen");
        cmd.current_dir(self.dir.path()).args(["-a", algorithm]);
        if ksk {
            cmd.arg("-k");
        }
        key_from_output(&run(cmd.arg("example")))
    }

    /// Signs with `dnssec-signzone`, smart signing (`-S`) with the keys made
    /// in this directory.
    fn bind_sign(&self, out: &str, extra: &[&str]) -> PathBuf {
        require_tool("dnssec-signzone");
        let output = run(Command::new("dnssec-signzone")
            .current_dir(self.dir.path())
            .args(["-q", "-o", ORIGIN, "-f", out, "-S", "-K", "."])
            .args(extra)
            .arg("example.zone"));
        assert!(output.status.success(), "dnssec-signzone failed: {}", text(&output));
        self.path(out)
    }

    /// Signs with `ldns-signzone`.
    fn ldns_sign(&self, out: &str, keys: &[Key], extra: &[&str]) -> PathBuf {
        require_tool("ldns-signzone");
        let output = run(Command::new("ldns-signzone")
            .current_dir(self.dir.path())
            .args(extra)
            .args(["-o", ORIGIN, "-f", out, "example.zone"])
            .args(keys.iter().map(|k| k.stem.as_str())));
        assert!(output.status.success(), "ldns-signzone failed: {}", text(&output));
        self.path(out)
    }

    /// Writes a tampered copy of `lines`.
    fn write(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, lines.join("\n") + "\n").expect("write zone");
        path
    }
}

fn key_from_output(output: &std::process::Output) -> Key {
    assert!(output.status.success(), "key generation failed: {}", text(output));
    let stem = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let tag = stem.rsplit('+').next().and_then(|t| t.parse().ok());
    let tag = tag.unwrap_or_else(|| panic!("no key tag in key name '{stem}'"));
    Key { stem, tag }
}

/// The zone as one record per line (ldns-read-zone's presentation), so
/// records can be removed or edited line by line.
fn records(zone: &Path) -> Vec<String> {
    require_tool("ldns-read-zone");
    let output = run(Command::new("ldns-read-zone").arg(zone));
    assert!(output.status.success(), "ldns-read-zone: {}", text(&output));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .map(str::to_string)
        .collect()
}

/// Fields of a record line: owner, TTL, class, type, RDATA...
fn fields(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn is_rrsig_over(line: &str, owner: &str, covered: &str) -> bool {
    let f = fields(line);
    f.len() > 5 && f[0].eq_ignore_ascii_case(owner) && f[3] == "RRSIG" && f[4] == covered
}

fn is_record(line: &str, owner: &str, rtype: &str) -> bool {
    let f = fields(line);
    f.len() > 3 && f[0].eq_ignore_ascii_case(owner) && f[3] == rtype
}

/// Runs `signer verify` on `zone`; returns the exit code and the output.
fn signer_verify(zone: &Path, extra: &[&str]) -> (i32, String) {
    let output = run(Command::new(signer_bin())
        .arg("verify")
        .arg(zone)
        .args(["--origin", ORIGIN])
        .args(extra));
    (output.status.code().unwrap_or(-1), text(&output))
}

fn assert_signer_accepts(zone: &Path) {
    let (code, out) = signer_verify(zone, &[]);
    assert_eq!(code, 0, "signer verify rejected {}:\n{out}", zone.display());
    assert!(out.contains("OK"), "{out}");
}

/// `signer verify` must exit 1 and name `expected` (an "owner type tag
/// reason" prefix or a reason).
fn assert_signer_rejects(zone: &Path, extra: &[&str], expected: &str) {
    let (code, out) = signer_verify(zone, extra);
    assert_eq!(
        code,
        1,
        "signer verify {extra:?} should reject {}:\n{out}",
        zone.display()
    );
    assert!(
        out.lines().any(|l| l.contains(expected)),
        "signer verify {extra:?} on {} does not say '{expected}':\n{out}",
        zone.display()
    );
}

/// `ldns-verify-zone` (with `extra` options) accepts the zone.
fn ldns_accepts(zone: &Path, extra: &[&str]) -> (bool, String) {
    require_tool("ldns-verify-zone");
    let output = run(Command::new("ldns-verify-zone").args(extra).arg(zone));
    (output.status.success(), text(&output))
}

/// `dnssec-verify` accepts the zone.
fn bind_accepts(zone: &Path) -> (bool, String) {
    bind_accepts_with(zone, &[])
}

fn bind_accepts_with(zone: &Path, extra: &[&str]) -> (bool, String) {
    require_tool("dnssec-verify");
    let output = run(Command::new("dnssec-verify")
        .args(["-q", "-o", ORIGIN])
        .args(extra)
        .arg(zone));
    (output.status.success(), text(&output))
}

/// At least one independent validator rejects the zone.
fn assert_externally_rejected(zone: &Path, ldns_extra: &[&str], ldns_only: bool) {
    let (ldns, ldns_out) = ldns_accepts(zone, ldns_extra);
    let (bind, bind_out) = if ldns_only {
        (true, String::new())
    } else {
        bind_accepts(zone)
    };
    assert!(
        !ldns || !bind,
        "neither ldns-verify-zone nor dnssec-verify rejects {}: the tamper proves nothing\n{ldns_out}\n{bind_out}",
        zone.display()
    );
}

/// Both independent validators accept the zone (ldns alone for opt-out,
/// which ldns-verify-zone does not support).
fn assert_externally_valid(zone: &Path, opt_out: bool) {
    if !opt_out {
        let (ok, out) = ldns_accepts(zone, &[]);
        assert!(ok, "ldns-verify-zone rejects {}:\n{out}", zone.display());
    }
    let (ok, out) = bind_accepts(zone);
    assert!(ok, "dnssec-verify rejects {}:\n{out}", zone.display());
}

#[test]
fn accepts_zones_signed_by_bind() {
    for algorithm in ["ECDSAP256SHA256", "RSASHA256", "ED25519"] {
        let work = Work::new();
        work.bind_key(algorithm, true);
        work.bind_key(algorithm, false);
        let modes: [(&str, &[&str], bool); 4] = [
            ("nsec", &[], false),
            ("nsec3", &["-3", "-"], false),
            ("nsec3-salted", &["-3", "c0ffee", "-H", "2"], false),
            ("nsec3-optout", &["-3", "-", "-A"], true),
        ];
        for (mode, extra, opt_out) in modes {
            let zone = work.bind_sign(&format!("{mode}.signed"), extra);
            assert_externally_valid(&zone, opt_out);
            assert_signer_accepts(&zone);
        }
    }
}

#[test]
fn accepts_zones_signed_by_ldns() {
    for algorithm in ["ECDSAP256SHA256", "ED25519"] {
        let work = Work::new();
        let keys = [work.ldns_key(algorithm, true), work.ldns_key(algorithm, false)];
        let modes: [(&str, &[&str], bool); 4] = [
            ("nsec", &[], false),
            ("nsec3", &["-n"], false),
            ("nsec3-salted", &["-n", "-s", "abcdef", "-t", "5"], false),
            ("nsec3-optout", &["-n", "-p"], true),
        ];
        for (mode, extra, opt_out) in modes {
            let zone = work.ldns_sign(&format!("{mode}.signed"), &keys, extra);
            assert_externally_valid(&zone, opt_out);
            assert_signer_accepts(&zone);
        }
    }
}

#[test]
fn accepts_single_key_zones() {
    // One SEP key signing everything (a CSK); BIND's verifier needs -z to
    // accept a zone without a ZSK.
    let work = Work::new();
    let csk = [work.ldns_key("ED25519", true)];
    for (mode, extra) in [("nsec", &[][..]), ("nsec3", &["-n"][..])] {
        let zone = work.ldns_sign(&format!("{mode}.signed"), &csk, extra);
        let (ok, out) = ldns_accepts(&zone, &[]);
        assert!(ok, "ldns-verify-zone rejects {}:\n{out}", zone.display());
        let (ok, out) = bind_accepts_with(&zone, &["-z"]);
        assert!(ok, "dnssec-verify -z rejects {}:\n{out}", zone.display());
        assert_signer_accepts(&zone);
    }
}

/// One zone signed by BIND, NSEC, ECDSA P-256 KSK + ZSK, as lines.
fn bind_nsec_zone() -> (Work, Key, Key, Vec<String>) {
    let work = Work::new();
    let ksk = work.bind_key("ECDSAP256SHA256", true);
    let zsk = work.bind_key("ECDSAP256SHA256", false);
    let zone = work.bind_sign("nsec.signed", &[]);
    assert_externally_valid(&zone, false);
    assert_signer_accepts(&zone);
    let lines = records(&zone);
    // The normalised copy is still the same, valid zone.
    let copy = work.write("copy.signed", &lines);
    assert_signer_accepts(&copy);
    (work, ksk, zsk, lines)
}

/// Flips one bit in the middle of the base64 signature of a line.
fn flip_signature(line: &str) -> String {
    let sig_start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let mut bytes = line.as_bytes().to_vec();
    let i = sig_start + (bytes.len() - sig_start) / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

#[test]
fn rejects_flipped_signature_byte() {
    let (work, _ksk, zsk, lines) = bind_nsec_zone();
    let tampered: Vec<String> = lines
        .iter()
        .map(|l| {
            if is_rrsig_over(l, "www.example.", "A") {
                flip_signature(l)
            } else {
                l.clone()
            }
        })
        .collect();
    assert_ne!(tampered, lines);
    let zone = work.write("flipped.signed", &tampered);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(
        &zone,
        &[],
        &format!("www.example. A {} signature does not verify", zsk.tag),
    );
}

#[test]
fn rejects_changed_a_record() {
    let (work, _ksk, zsk, lines) = bind_nsec_zone();
    let tampered: Vec<String> = lines.iter().map(|l| l.replace("192.0.2.80", "192.0.2.81")).collect();
    assert_ne!(tampered, lines);
    let zone = work.write("changed.signed", &tampered);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(
        &zone,
        &[],
        &format!("www.example. A {} signature does not verify", zsk.tag),
    );
}

#[test]
fn rejects_removed_rrsig() {
    let (work, _ksk, _zsk, lines) = bind_nsec_zone();
    let tampered: Vec<String> = lines
        .iter()
        .filter(|l| !is_rrsig_over(l, "www.example.", "A"))
        .cloned()
        .collect();
    assert_eq!(tampered.len() + 1, lines.len());
    let zone = work.write("unsigned.signed", &tampered);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(&zone, &[], "www.example. A - RRset is not signed");
}

#[test]
fn rejects_removed_nsec() {
    let (work, _ksk, _zsk, lines) = bind_nsec_zone();
    let tampered: Vec<String> = lines
        .iter()
        .filter(|l| !is_record(l, "mail.example.", "NSEC") && !is_rrsig_over(l, "mail.example.", "NSEC"))
        .cloned()
        .collect();
    assert_eq!(tampered.len() + 2, lines.len());
    let zone = work.write("no-nsec.signed", &tampered);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(&zone, &[], "mail.example. NSEC - no NSEC record at this name");
}

#[test]
fn rejects_expired_signatures() {
    let (work, _ksk, zsk, lines) = bind_nsec_zone();
    let zone = work.write("expiring.signed", &lines);
    // dnssec-signzone signs for 30 days: 60 days on, everything has expired.
    assert_externally_rejected(&zone, &["-t", "+5184000"], true);
    assert_signer_rejects(&zone, &["--at", "+60d"], "signature expired at");
    assert_signer_rejects(
        &zone,
        &["--at", "+60d"],
        &format!("example. SOA {} signature expired", zsk.tag),
    );
    // Valid now, but not for another 60 days.
    assert_externally_rejected(&zone, &["-e", "P60D"], true);
    assert_signer_rejects(&zone, &["--min-remaining", "60d"], "signature expires at");
    // ... and for another 20 days it is fine.
    let (code, out) = signer_verify(&zone, &["--min-remaining", "20d"]);
    assert_eq!(code, 0, "{out}");
    // Before inception.
    assert_signer_rejects(&zone, &["--at=-2d"], "signature not valid until");
}

#[test]
fn rejects_dnskey_set_not_signed_by_sep_key() {
    // BIND signs the DNSKEY RRset with both keys; without the KSK's
    // signature it is signed by the ZSK alone.
    let (work, ksk, _zsk, lines) = bind_nsec_zone();
    let tampered: Vec<String> = lines
        .iter()
        .filter(|l| {
            !(is_rrsig_over(l, ORIGIN, "DNSKEY") && fields(l).get(10).is_some_and(|t| *t == ksk.tag.to_string()))
        })
        .cloned()
        .collect();
    assert_eq!(tampered.len() + 1, lines.len());
    let zone = work.write("no-sep.signed", &tampered);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(
        &zone,
        &[],
        "example. DNSKEY - DNSKEY RRset is not signed by any SEP key",
    );
}

#[test]
fn rejects_removed_nsec3_and_tampered_nsec3_zones() {
    let work = Work::new();
    let keys = [
        work.bind_key("ECDSAP256SHA256", true),
        work.bind_key("ECDSAP256SHA256", false),
    ];
    let zone = work.bind_sign("nsec3.signed", &["-3", "-"]);
    assert_externally_valid(&zone, false);
    let lines = records(&zone);
    assert_signer_accepts(&work.write("copy.signed", &lines));

    // The NSEC3 of www.example. (RFC 9276 parameters: no salt, 0 iterations).
    let origin: Name = ORIGIN.parse().expect("origin");
    let www: Name = "www.example.".parse().expect("name");
    let hashed = Nsec3Params::default().hashed_owner(&www, &origin).unwrap().to_string();
    let tampered: Vec<String> = lines
        .iter()
        .filter(|l| !is_record(l, &hashed, "NSEC3") && !is_rrsig_over(l, &hashed, "NSEC3"))
        .cloned()
        .collect();
    assert_eq!(tampered.len() + 2, lines.len(), "NSEC3 {hashed} not found");
    let no_nsec3 = work.write("no-nsec3.signed", &tampered);
    assert_externally_rejected(&no_nsec3, &[], false);
    assert_signer_rejects(&no_nsec3, &[], "www.example. NSEC3 - no NSEC3 record for this name");

    // A flipped signature on an NSEC3 record.
    let tampered: Vec<String> = lines
        .iter()
        .map(|l| {
            if is_rrsig_over(l, &hashed, "NSEC3") {
                flip_signature(l)
            } else {
                l.clone()
            }
        })
        .collect();
    let flipped = work.write("flipped-nsec3.signed", &tampered);
    assert_externally_rejected(&flipped, &[], false);
    assert_signer_rejects(
        &flipped,
        &[],
        &format!("{hashed} NSEC3 {} signature does not verify", keys[1].tag),
    );
}

#[test]
fn rejects_tampered_ldns_zone() {
    let work = Work::new();
    let keys = [work.ldns_key("ED25519", true), work.ldns_key("ED25519", false)];
    let zone = work.ldns_sign("nsec.signed", &keys, &[]);
    assert_externally_valid(&zone, false);
    let lines = records(&zone);
    let tampered: Vec<String> = lines
        .iter()
        .map(|l| {
            if is_rrsig_over(l, "mail.example.", "A") {
                flip_signature(l)
            } else {
                l.clone()
            }
        })
        .collect();
    assert_ne!(tampered, lines);
    let flipped = work.write("flipped.signed", &tampered);
    assert_externally_rejected(&flipped, &[], false);
    assert_signer_rejects(
        &flipped,
        &[],
        &format!("mail.example. A {} signature does not verify", keys[1].tag),
    );
}

#[test]
fn rejects_rrsets_not_signed_with_every_algorithm() {
    // ldns-signzone with a P-256 KSK and an Ed25519 ZSK signs the DNSKEY
    // RRset with algorithm 13 only and the rest with 15 only: RFC 4035
    // §2.2 wants every algorithm of the DNSKEY RRset on every RRset
    // (ldns-verify-zone does not check this; dnssec-verify does).
    let work = Work::new();
    let keys = [work.ldns_key("ECDSAP256SHA256", true), work.ldns_key("ED25519", false)];
    let zone = work.ldns_sign("mixed.signed", &keys, &[]);
    assert_externally_rejected(&zone, &[], false);
    assert_signer_rejects(&zone, &[], "example. SOA - RRset is not signed with algorithm 13");
    assert_signer_rejects(&zone, &[], "example. DNSKEY - RRset is not signed with algorithm 15");
}

#[test]
fn cannot_check_is_exit_2() {
    let work = Work::new();
    let (code, out) = signer_verify(&work.path("absent.signed"), &[]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = signer_verify(&work.path("example.zone"), &["--min-remaining", "soon"]);
    assert_eq!(code, 2, "{out}");
    // An unsigned zone can be read: it is checked, and it fails.
    assert_signer_rejects(
        &work.path("example.zone"),
        &[],
        "example. DNSKEY - no DNSKEY RRset at the apex",
    );
}
