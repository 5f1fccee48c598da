//! A signature made on the token over an RRset validates with independent tools: the token's KSK
//! signs the DNSKEY RRset (KSK + a ZSK made by ldns-keygen) with `sign-dnskey`; ldns-signzone
//! signs the rest with the ZSK; `ldns-verify-zone -k <KSK>` (trust anchored at the token key) and
//! `dnssec-verify` (which needs a valid self-signed KSK) must accept the zone, and reject it once
//! the token's signature is altered.

mod ceremony_support;

use std::process::Command;

use ceremony_support::{require_tool, rr_lines, tool, Hsm};

const ZONE: &str = "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600
example.com. 3600 IN NS ns1.example.com.
ns1.example.com. 3600 IN A 192.0.2.1
";

fn validates(dir: &std::path::Path, anchor: &str, zone: &str) -> (bool, bool) {
    let ldns = Command::new("ldns-verify-zone")
        .current_dir(dir)
        .args(["-k", anchor, zone])
        .output()
        .unwrap();
    let bind = Command::new("dnssec-verify")
        .current_dir(dir)
        .args(["-o", "example.com", zone])
        .output()
        .unwrap();
    (ldns.status.success(), bind.status.success())
}

fn token_signature_validates(algorithm: &str, ldns_algorithm: &str, zsk_bits: &[&str]) {
    require_tool("ldns-keygen");
    require_tool("ldns-signzone");
    require_tool("ldns-verify-zone");
    require_tool("dnssec-verify");
    let hsm = Hsm::new(&["signer"]);
    let out = hsm.run(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        algorithm,
    ]);
    let ksk = rr_lines(&out, "DNSKEY")[0].to_string();
    std::fs::write(hsm.path("ksk.key"), format!("{ksk}\n")).unwrap();

    let mut args = vec!["-a", ldns_algorithm];
    args.extend_from_slice(zsk_bits);
    args.push("example.com");
    let zsk = tool(hsm.dir.path(), "ldns-keygen", &args).trim().to_string();

    let zsk_file = format!("{zsk}.key");
    hsm.run(&[
        "sign-dnskey",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--include",
        &zsk_file,
        "--output",
        "dnskey.signed",
    ]);
    let signed_rrset = std::fs::read_to_string(hsm.path("dnskey.signed")).unwrap();
    assert_eq!(rr_lines(&signed_rrset, "DNSKEY").len(), 2, "{signed_rrset}");
    let rrsig = rr_lines(&signed_rrset, "RRSIG")[0].to_string();

    // The DNSKEY RRset goes into the zone; ldns-signzone drops foreign RRSIGs, so the token's is
    // added to its output.
    let dnskeys: String = rr_lines(&signed_rrset, "DNSKEY")
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(hsm.path("zone"), format!("{ZONE}{dnskeys}")).unwrap();
    tool(
        hsm.dir.path(),
        "ldns-signzone",
        &["-d", "-o", "example.com", "-f", "zsk-signed", "zone", &zsk],
    );
    let zsk_signed = std::fs::read_to_string(hsm.path("zsk-signed")).unwrap();
    std::fs::write(hsm.path("signed"), format!("{zsk_signed}{rrsig}\n")).unwrap();
    assert_eq!(validates(hsm.dir.path(), "ksk.key", "signed"), (true, true), "{rrsig}");

    // Without the token's RRSIG, or with it altered, nothing chains to the KSK.
    std::fs::write(hsm.path("unsigned-ksk"), &zsk_signed).unwrap();
    assert_eq!(validates(hsm.dir.path(), "ksk.key", "unsigned-ksk"), (false, false));
    let mut f: Vec<String> = rrsig.split(' ').map(str::to_string).collect();
    let sig = f.last_mut().unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(0..1, flipped);
    std::fs::write(hsm.path("bad"), format!("{zsk_signed}{}\n", f.join(" "))).unwrap();
    assert_eq!(validates(hsm.dir.path(), "ksk.key", "bad"), (false, false));
}

#[test]
fn ecdsa_p256_rrsig_validates_independently() {
    token_signature_validates("13", "ECDSAP256SHA256", &[]);
}

#[test]
fn ecdsa_p384_rrsig_validates_independently() {
    token_signature_validates("14", "ECDSAP384SHA384", &[]);
}

#[test]
fn rsasha256_rrsig_validates_independently() {
    token_signature_validates("8", "RSASHA256", &["-b", "2048"]);
}

#[test]
fn ed25519_rrsig_validates_independently_where_supported() {
    let hsm = Hsm::new(&["probe"]);
    let list = hsm.run(&["token", "list"]);
    if list.contains("DNSSEC algorithms usable: 8, 13, 14, 15") {
        token_signature_validates("15", "ED25519", &[]);
    }
}
