//! Errors an operator can act on: no module, no token with that label, wrong PIN, missing key,
//! mechanism not supported by this token; each failure is recorded in the transcript and leaves
//! no output file.

mod ceremony_support;

use ceremony_support::Hsm;

#[test]
fn missing_module_and_missing_token() {
    let hsm = Hsm::new(&["present"]);
    let err = hsm.fail(&["--module", "/nonexistent/libpkcs11.so", "token", "list"]);
    assert!(err.contains("no PKCS#11 module at /nonexistent/libpkcs11.so"), "{err}");
    let err = hsm.fail(&["--token", "absent", "keys", "list"]);
    assert!(err.contains("no token labelled \"absent\""), "{err}");
    assert!(err.contains("tokens present: \"present\" in slot"), "{err}");
    let err = hsm.fail(&["--slot", "4242", "keys", "list"]);
    assert!(err.contains("no token in slot 4242"), "{err}");
    let entries = hsm.entries();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["result"] == "failed"));
    assert!(entries[1]["error"].as_str().unwrap().contains("absent"));
    hsm.run(&["transcript", "verify"]);
}

#[test]
fn wrong_pin_is_reported_and_never_recorded() {
    let hsm = Hsm::new(&["card"]);
    let out = hsm
        .cmd(&["keys", "list"])
        .env("SIGNET_PIN", "99999999")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong user PIN for token \"card\""), "{err}");
    assert!(err.contains("the token"), "tries left as the token reports them: {err}");
    // PIN from a file works; the PIN never reaches the transcript.
    std::fs::write(hsm.path("pin"), format!("{}\n", ceremony_support::PIN)).unwrap();
    let out = hsm
        .cmd(&["--pin-file", "pin", "keys", "list"])
        .env_remove("SIGNET_PIN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Without any PIN source and no terminal: a clear error, not a hang.
    let out = hsm
        .cmd(&["keys", "list"])
        .env_remove("SIGNET_PIN")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let transcript = std::fs::read_to_string(hsm.transcript()).unwrap();
    assert!(!transcript.contains("99999999"));
    assert!(!transcript.contains(&format!("\"{}\"", ceremony_support::PIN)));
    assert!(transcript.contains("wrong user PIN"));
}

#[test]
fn missing_key_and_unsupported_mechanism() {
    let hsm = Hsm::new(&["t"]);
    let err = hsm.fail(&["ds", "--zone", "example.com", "--label", "nokey", "--output", "out.key"]);
    assert!(
        err.contains("no private key labelled \"nokey\" on token \"t\""),
        "{err}"
    );
    assert!(!hsm.path("out.key").exists());
    // SoftHSM 2.6 cannot wrap Ed25519 private keys: a "not supported by this token" error.
    let list = hsm.run(&["token", "list"]);
    if list.contains("DNSSEC algorithms usable: 8, 13, 14, 15") {
        hsm.run(&[
            "--yes",
            "keygen",
            "--zone",
            "example.com",
            "--label",
            "ed",
            "--algorithm",
            "15",
        ]);
        std::fs::create_dir(hsm.path("s")).unwrap();
        hsm.run(&[
            "--yes",
            "backup",
            "split-key",
            "--shares",
            "2",
            "--threshold",
            "2",
            "--out-dir",
            "s",
        ]);
        let out = hsm
            .cmd(&["backup", "export", "--label", "ed", "--output", "ed.backup"])
            .output()
            .unwrap();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("not supported by this token"), "{err}");
            assert!(!hsm.path("ed.backup").exists());
        }
    }
}
