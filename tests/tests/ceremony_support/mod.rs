//! Shared by the `ceremony_*` tests: a throw-away SoftHSMv2 token directory per test (made by
//! scripts/softhsm-token.sh, so the script is tested too) and the `ceremony` binary run against it.
//! Tests run in parallel; nothing is shared between them but the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const PIN: &str = "1234";
pub const SO_PIN: &str = "12345678";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `ceremony` binary: $CEREMONY_BIN, or built once per test process with the other
/// workspace binaries (see `signet_tests::workspace_bin`).
pub fn ceremony_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("CEREMONY_BIN") {
        Some(p) => PathBuf::from(p),
        None => signet_tests::workspace_bin("ceremony", "ceremony"),
    })
}

pub fn require_tool(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).exists()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is needed by the ceremony tests (apt-get install softhsm2 ldnsutils bind9-utils)"
    );
}

/// A temp dir with its own SoftHSM configuration and the given initialised tokens.
pub struct Hsm {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub module: String,
}

impl Hsm {
    pub fn new(labels: &[&str]) -> Hsm {
        require_tool("softhsm2-util");
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("bash")
            .arg(workspace().join("scripts/softhsm-token.sh"))
            .arg("--dir")
            .arg(dir.path().join("hsm"))
            .args(labels)
            .env("SIGNET_PIN", PIN)
            .env("SIGNET_SO_PIN", SO_PIN)
            .env_remove("SIGNET_PKCS11_MODULE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "softhsm-token.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let exports = String::from_utf8(out.stdout).unwrap();
        let value = |name: &str| {
            exports
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}='")))
                .and_then(|r| r.split('\'').next())
                .unwrap_or_else(|| panic!("{name} not exported by softhsm-token.sh: {exports}"))
                .to_string()
        };
        let conf = PathBuf::from(value("SOFTHSM2_CONF"));
        let module = value("SIGNET_PKCS11_MODULE");
        assert!(conf.exists());
        Hsm { dir, conf, module }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn transcript(&self) -> PathBuf {
        self.path("ceremony-transcript.jsonl")
    }

    /// The ceremony command with this token directory, the PINs in the environment, run in the
    /// temp dir (so the default transcript lands there).
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(ceremony_bin());
        c.current_dir(self.dir.path())
            .env("SOFTHSM2_CONF", &self.conf)
            .env("SIGNET_PKCS11_MODULE", &self.module)
            .env("SIGNET_PIN", PIN)
            .env("SIGNET_SO_PIN", SO_PIN)
            .args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "ceremony {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fail(&self, args: &[&str]) -> String {
        let out: Output = self.cmd(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "ceremony {args:?} should have failed:\nstdout:\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    /// The transcript's entries, parsed.
    pub fn entries(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.transcript())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// The line of `output` holding an RR of `rtype` (e.g. " IN DNSKEY "), without digest-type filter.
pub fn rr_lines<'a>(output: &'a str, rtype: &str) -> Vec<&'a str> {
    let pat = format!(" IN {rtype} ");
    output.lines().filter(|l| l.contains(&pat)).collect()
}

/// Runs an external tool, asserting success; returns stdout.
pub fn tool(dir: &Path, program: &str, args: &[&str]) -> String {
    require_tool(program);
    let out = Command::new(program).current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Normalises a DS line ("owner [ttl] IN DS tag alg type HEX") to "tag alg type HEX-UPPER".
pub fn ds_rdata(line: &str) -> String {
    let f: Vec<&str> = line.split_whitespace().collect();
    let i = f.iter().position(|t| *t == "DS").expect("a DS line");
    format!(
        "{} {} {} {}",
        f[i + 1],
        f[i + 2],
        f[i + 3],
        f[i + 4..].concat().to_uppercase()
    )
}
