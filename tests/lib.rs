//! Helpers shared by the cross-crate tests: Signet's binaries, and the
//! validators nobody here wrote (ldns, BIND, Knot) run on a signed zone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A binary of the workspace, built once per test process with cargo (a
/// no-op when up to date) into the same target directory as the test.
/// `$SIGNET_<NAME>_BIN` (e.g. `SIGNET_SIGNER_BIN`) overrides it.
pub fn workspace_bin(package: &str, bin: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(name, _)| name == bin) {
        return path.clone();
    }
    let path = match std::env::var_os(format!("SIGNET_{}_BIN", bin.to_uppercase())) {
        Some(path) => PathBuf::from(path),
        None => {
            // target/<profile>/deps/<test> -> target/<profile>/<bin>
            let exe = std::env::current_exe().expect("current test executable");
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("target/<profile>")
                .to_path_buf();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut build = Command::new(cargo);
            build
                .current_dir(workspace())
                .args(["build", "-q", "-p", package, "--bin", bin]);
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                build.arg("--release");
            }
            let status = build.status().expect("running cargo build");
            assert!(
                status.success(),
                "cargo build --workspace --bins failed (needed for {bin})"
            );
            profile_dir.join(bin)
        }
    };
    assert!(path.exists(), "{} missing after build", path.display());
    built.push((bin.to_string(), path.clone()));
    path
}

/// The `signer` binary.
pub fn signer_bin() -> PathBuf {
    workspace_bin("signer", "signer")
}

/// Makes an ECDSA P-256 key for `origin` in `dir` with `signer keygen` (a
/// KSK when `ksk`) and returns its file stem, as `--key` takes it.
pub fn keygen(dir: &Path, origin: &str, ksk: bool) -> String {
    keygen_printed(dir, origin, ksk)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// [`keygen`], returning all `signer keygen` printed: the key's file stem
/// on the first line, then (for a KSK) its DS record.
pub fn keygen_printed(dir: &Path, origin: &str, ksk: bool) -> String {
    let mut cmd = Command::new(signer_bin());
    cmd.args(["keygen", "--origin", origin, "-a", "13", "--dir"]).arg(dir);
    if ksk {
        cmd.arg("--ksk");
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "signer keygen: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Fails the test, with the package to install, when `tool` is not on PATH:
/// a validator that is missing must never look like a validator that agreed.
pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).exists()));
    assert!(
        found,
        "{tool} is needed by this test: apt-get install softhsm2 ldnsutils bind9-utils knot-dnsutils (or run scripts/setup)"
    );
}

/// A small xorshift generator for tests that make "random" changes or
/// damage: the same sequence for the same seed, so a failure repeats.
pub struct Xorshift(pub u64);

impl Xorshift {
    /// The next number below `n` (which must not be 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs a command and returns its output; panics only if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Text of both output streams, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// An independent validator's verdict on a signed zone file.
#[derive(Debug)]
pub struct Verdict {
    pub tool: &'static str,
    pub accepted: bool,
    pub output: String,
}

/// Runs `ldns-verify-zone`, `dnssec-verify` and `kzonecheck` on `zone`.
/// `csk` tells BIND the zone is signed by a key with the SEP bit alone
/// (`dnssec-verify -z`). All three check validity at the current time.
pub fn external_verdicts(zone: &Path, origin: &str, csk: bool) -> Vec<Verdict> {
    for tool in ["ldns-verify-zone", "dnssec-verify", "kzonecheck"] {
        require_tool(tool);
    }
    let zone_s = zone.to_string_lossy().to_string();
    let origin_dot = if origin.ends_with('.') {
        origin.to_string()
    } else {
        format!("{origin}.")
    };
    let mut verdicts = Vec::new();
    let ldns = run(Command::new("ldns-verify-zone").arg(&zone_s));
    verdicts.push(Verdict {
        tool: "ldns-verify-zone",
        accepted: ldns.status.success(),
        output: text(&ldns),
    });
    let mut bind = Command::new("dnssec-verify");
    if csk {
        bind.arg("-z");
    }
    let bind = run(bind.args(["-o", &origin_dot, &zone_s]));
    verdicts.push(Verdict {
        tool: "dnssec-verify",
        accepted: bind.status.success(),
        output: text(&bind),
    });
    let knot = run(Command::new("kzonecheck").args(["-o", &origin_dot, "-d", "on", &zone_s]));
    verdicts.push(Verdict {
        tool: "kzonecheck",
        accepted: knot.status.success(),
        output: text(&knot),
    });
    verdicts
}

/// Panics, with each tool's output, unless every independent validator accepts `zone`.
pub fn assert_externally_valid(zone: &Path, origin: &str, csk: bool) {
    let rejected: Vec<Verdict> = external_verdicts(zone, origin, csk)
        .into_iter()
        .filter(|v| !v.accepted)
        .collect();
    assert!(
        rejected.is_empty(),
        "{} rejected by: {}",
        zone.display(),
        rejected
            .iter()
            .map(|v| format!("\n--- {} ---\n{}", v.tool, v.output))
            .collect::<String>()
    );
}

/// The zone's lines with the signature itself (the last field) cut off
/// each RRSIG: what must be equal between two signings with the same keys.
pub fn without_signatures(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            if line.split('\t').nth(3) == Some("RRSIG") {
                line.rsplit_once(' ').map_or(line, |(head, _)| head).to_string()
            } else {
                line.to_string()
            }
        })
        .collect()
}
