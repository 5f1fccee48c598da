//! keygen on a real SoftHSMv2 token for algorithms 8, 13, 14 and 15; the printed DS must equal
//! what dnssec-dsfromkey and ldns-key2ds compute from the printed DNSKEY.

mod ceremony_support;

use ceremony_support::{ds_rdata, rr_lines, tool, Hsm};

fn keygen_and_check_ds(algorithm: &str, extra: &[&str]) {
    let hsm = Hsm::new(&["ksk-token"]);
    let mut args = vec![
        "--yes",
        "keygen",
        "--zone",
        "Example.COM",
        "--label",
        "ksk",
        "--algorithm",
        algorithm,
    ];
    args.extend_from_slice(extra);
    let out = hsm.run(&args);

    let dnskey = rr_lines(&out, "DNSKEY");
    assert_eq!(dnskey.len(), 1, "{out}");
    assert!(dnskey[0].contains(&format!("DNSKEY 257 3 {algorithm} ")), "{out}");
    let ours: Vec<String> = rr_lines(&out, "DS").into_iter().map(ds_rdata).collect();
    assert_eq!(ours.len(), 2, "SHA-256 and SHA-384 DS: {out}");
    assert!(out.contains("DS SHA256 digest words: "), "{out}");

    let key_file = hsm.path("Kexample.com.key");
    std::fs::write(&key_file, format!("{}\n", dnskey[0])).unwrap();
    let key = key_file.to_str().unwrap();
    for (digest, ds) in [("SHA-256", &ours[0]), ("SHA-384", &ours[1])] {
        let bind = tool(
            hsm.dir.path(),
            "dnssec-dsfromkey",
            &["-a", digest, "-f", key, "example.com"],
        );
        assert_eq!(&ds_rdata(bind.trim()), ds, "dnssec-dsfromkey -a {digest}");
    }
    let ldns = tool(hsm.dir.path(), "ldns-key2ds", &["-n", "-2", key]);
    assert_eq!(ds_rdata(ldns.trim()), ours[0], "ldns-key2ds");

    // `ds` reads the same key back; `keys list` shows it; the transcript holds both.
    let again = hsm.run(&["--token", "ksk-token", "ds", "--zone", "example.com.", "--label", "ksk"]);
    assert_eq!(rr_lines(&again, "DNSKEY"), dnskey);
    let list = hsm.run(&["keys", "list", "--zone", "example.com"]);
    assert!(list.contains("ksk: id "), "{list}");
    let entries = hsm.entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["command"], "keygen");
    assert_eq!(entries[0]["result"], "ok");
    assert_eq!(entries[0]["token"]["label"], "ksk-token");
    assert_eq!(entries[0]["keys"][0], "ksk");
    hsm.run(&["transcript", "verify"]);
}

#[test]
fn keygen_rsasha256_2048() {
    keygen_and_check_ds("8", &["--bits", "2048"]);
}

#[test]
fn keygen_ecdsa_p256() {
    keygen_and_check_ds("13", &[]);
}

#[test]
fn keygen_ecdsa_p384() {
    keygen_and_check_ds("14", &[]);
}

#[test]
fn keygen_ed25519_or_clear_refusal() {
    let hsm = Hsm::new(&["probe"]);
    let list = hsm.run(&["token", "list"]);
    let usable = list
        .lines()
        .find(|l| l.contains("DNSSEC algorithms usable:"))
        .unwrap()
        .to_string();
    if usable.contains("15") {
        keygen_and_check_ds("15", &[]);
    } else {
        let err = hsm.fail(&[
            "--yes",
            "keygen",
            "--zone",
            "example.com",
            "--label",
            "ed",
            "--algorithm",
            "15",
        ]);
        assert!(err.contains("not supported by this token"), "{err}");
    }
}

#[test]
fn keygen_refuses_duplicate_label_and_bad_parameters() {
    let hsm = Hsm::new(&["t"]);
    hsm.run(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        "13",
    ]);
    let err = hsm.fail(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        "14",
    ]);
    assert!(
        err.contains("a key labelled \"ksk\" already exists on token \"t\""),
        "{err}"
    );
    let err = hsm.fail(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "k2",
        "--algorithm",
        "5",
    ]);
    assert!(err.contains("not one of 8, 13, 14, 15"), "{err}");
    let err = hsm.fail(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "k2",
        "--algorithm",
        "8",
        "--bits",
        "1024",
    ]);
    assert!(err.contains("2048, 3072 or 4096"), "{err}");
    // Without --yes and without typing "yes", nothing is generated.
    let out = hsm
        .cmd(&["keygen", "--zone", "example.com", "--label", "k3", "--algorithm", "13"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not confirmed"));
    let list = hsm.run(&["keys", "list"]);
    assert!(!list.contains("k3"), "{list}");
    let entries = hsm.entries();
    let results: Vec<_> = entries
        .iter()
        .map(|e| e["result"].as_str().unwrap().to_string())
        .collect();
    // The clap-level refusal (--bits 1024) never reaches the transcript.
    assert_eq!(results, ["ok", "failed", "failed", "failed", "ok"]);
    hsm.run(&["transcript", "verify"]);
}
