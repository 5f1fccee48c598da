//! Shared by the publish_* tests: a signing directory made by
//! `signer init`, unsigned zones written by the test, and `signer publish`
//! run as cron would run it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signet_tests::{run, signer_bin, text};

pub const ORIGIN: &str = "example.";

/// One zone's signing directory and hidden-primary file, in a temp dir.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub unsigned: PathBuf,
    pub published: PathBuf,
    pub state: PathBuf,
    /// The KSK's DS as `signer init` printed it ("example. IN DS ...").
    pub ksk_ds: String,
}

impl Site {
    /// `signer init` with `zone` as the unsigned zone.
    pub fn new(zone: &str) -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("primary")).unwrap();
        let unsigned = root.join("example.zone");
        std::fs::write(&unsigned, zone).unwrap();
        let out = run(Command::new(signer_bin())
            .args(["init", "--origin", ORIGIN, "--dir"])
            .arg(root.join("signing"))
            .arg("--zone")
            .arg(&unsigned)
            .arg("--publish-to")
            .arg(root.join("primary/example.zone")));
        assert!(out.status.success(), "signer init: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ksk_ds = stdout
            .lines()
            .find_map(|l| l.split("give your parent this DS: ").nth(1))
            .expect("init prints the KSK's DS")
            .trim()
            .to_string();
        Site {
            config: root.join("signing/signer.toml"),
            published: root.join("primary/example.zone"),
            state: root.join("signing/state/publish-state.json"),
            unsigned,
            ksk_ds,
            dir,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces the unsigned zone.
    pub fn set_zone(&self, zone: &str) {
        std::fs::write(&self.unsigned, zone).unwrap();
    }

    /// Sets `key = value` in `[section]` of signer.toml (the key must be
    /// there already, as `signer init` writes every key).
    pub fn configure(&self, section: &str, key: &str, value: &str) {
        let text = std::fs::read_to_string(&self.config).unwrap();
        let mut out = String::new();
        let mut current = String::new();
        let mut done = false;
        for line in text.lines() {
            let trimmed = line.trim_start_matches("# ").trim();
            if trimmed.starts_with('[') {
                current = trimmed.trim_matches(|c| c == '[' || c == ']').to_string();
            }
            let is_key = trimmed.split('=').next().map(str::trim) == Some(key);
            if current == section && is_key && !done && !trimmed.starts_with('[') {
                out.push_str(&format!("{key} = {value}\n"));
                done = true;
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        assert!(done, "no {key} in [{section}] of signer.toml");
        std::fs::write(&self.config, out).unwrap();
    }

    /// `signer --config C publish ARGS`.
    pub fn publish(&self, args: &[&str]) -> Output {
        run(&mut self.publish_command(args))
    }

    pub fn publish_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(signer_bin());
        cmd.arg("--config").arg(&self.config).arg("publish").args(args);
        cmd
    }

    /// Publishes and insists it worked.
    pub fn publish_ok(&self, args: &[&str]) -> Output {
        let out = self.publish(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "publish {args:?} should succeed:\n{}",
            text(&out)
        );
        out
    }

    /// Publishes, insists a guardrail refused (exit 1) naming `guardrail`,
    /// and that neither the published zone nor the state file changed.
    pub fn publish_refused(&self, args: &[&str], guardrail: &str) -> Output {
        let (zone, state) = (self.published_bytes(), self.state_bytes());
        let out = self.publish(args);
        let all = text(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "publish {args:?} should be refused by {guardrail}:\n{all}"
        );
        assert!(
            all.lines().any(|l| l.contains("FAIL") && l.contains(guardrail)),
            "{guardrail} should be the one failing:\n{all}"
        );
        assert_eq!(
            self.published_bytes(),
            zone,
            "a refused publication changed the published zone"
        );
        // The zone is written beside the target while the guardrails run;
        // refused, nothing of it may stay in the server's directory.
        let leftovers: Vec<String> = std::fs::read_dir(self.published.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "a refused publication left {leftovers:?}");
        assert_eq!(
            self.state_bytes(),
            state,
            "a refused publication changed the state file"
        );
        out
    }

    pub fn published_bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.published).ok()
    }

    pub fn state_bytes(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.state).ok()
    }

    pub fn state(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&self.state).expect("state file")).expect("state file is JSON")
    }

    /// The SOA serial of the published zone.
    pub fn published_serial(&self) -> u32 {
        serial_of(&std::fs::read_to_string(&self.published).expect("published zone"))
    }
}

/// The SOA serial in a zone as Signet writes it (one record per line).
pub fn serial_of(zone: &str) -> u32 {
    let soa = zone
        .lines()
        .find(|l| l.split_whitespace().nth(3) == Some("SOA"))
        .expect("SOA line");
    soa.split_whitespace()
        .nth(6)
        .expect("serial field")
        .parse()
        .expect("numeric serial")
}

/// A plausible TLD-like zone: in-zone name servers in two networks,
/// `hosts` A records, `delegations` delegations to out-of-zone servers,
/// and `extra` lines verbatim.
pub fn zone(serial: u32, hosts: usize, delegations: usize, extra: &str) -> String {
    let mut z = format!(
        "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n\
         @ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 198.51.100.2\nns2 AAAA 2001:db8:2::2\n"
    );
    for i in 0..hosts {
        z.push_str(&format!("host{i} A 203.0.113.{}\n", i % 250 + 1));
    }
    for i in 0..delegations {
        z.push_str(&format!(
            "d{i} NS ns1.provider{}.net.\nd{i} NS ns2.provider{}.org.\n",
            i % 7,
            i % 5
        ));
    }
    z.push_str(extra);
    z
}

/// Runs `path` through signer verify at the current time.
pub fn signer_verifies(path: &Path) -> bool {
    run(Command::new(signer_bin())
        .arg("verify")
        .arg(path)
        .args(["--origin", ORIGIN]))
    .status
    .success()
}
