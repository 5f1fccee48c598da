//! scripts/rehearsal.sh runs a whole rehearsal ceremony non-interactively and leaves a transcript
//! that verifies; then the offline-KSK cycle (KSR, sign-ksr on the token, import, sign, verify).

mod ceremony_support;

use std::process::Command;

use ceremony_support::{ceremony_bin, require_tool};

#[test]
fn rehearsal_script_runs_end_to_end() {
    require_tool("softhsm2-util");
    require_tool("ldns-verify-zone");
    let dir = tempfile::tempdir().unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/rehearsal.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg("--dir")
        .arg(dir.path())
        .args(["--zone", "rehearsal.example.", "--algorithm", "13"])
        .env("CEREMONY", ceremony_bin())
        .env("SIGNER", signet_tests::signer_bin())
        .env_remove("SOFTHSM2_CONF")
        .env_remove("SIGNET_PKCS11_MODULE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rehearsal failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("VERIFIED: key \"ksk\" on token \"ksk-spare\""),
        "{stdout}"
    );
    assert!(stdout.contains("OK: 8 entries"), "{stdout}");
    // the offline cycle: the KSR signed on the token, imported, zones signed and verified
    assert!(stdout.contains("wrote q1.skr ("), "{stdout}");
    assert!(stdout.contains("OK: 9 entries"), "{stdout}");
    assert_eq!(stdout.matches("Zone is verified and complete").count(), 2, "{stdout}");
    for f in [
        "ksk.key",
        "ksk.backup",
        "shares/share-5-of-5.json",
        "ceremony-transcript.jsonl",
        "signer/bundles/bundles.skr",
        "signed-day119.zone",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}
