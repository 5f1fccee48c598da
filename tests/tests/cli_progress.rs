//! Progress on a terminal, silence elsewhere: a long job draws a bar or
//! names the step it is at when stderr is a terminal (here the pseudo-
//! terminal of util-linux `script`), and prints none of it into a pipe,
//! a cron mail or a CI log, nor with `--quiet`.

use std::path::Path;
use std::process::Command;

use signet_tests::{run, signer_bin, text};

/// A small zone with its keys and `signer.toml` in `dir`.
fn zone(dir: &Path) -> (String, String) {
    let zone = dir.join("example.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.\n$TTL 300\n@ SOA ns1 host 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n",
    )
    .unwrap();
    let config = dir.join("c");
    let out =
        run(Command::new(signer_bin()).args(["init", "--origin", "example.", "--dir", config.to_str().unwrap(), "-q"]));
    assert!(out.status.success(), "{}", text(&out));
    (
        zone.to_str().unwrap().to_string(),
        config.join("signer.toml").to_str().unwrap().to_string(),
    )
}

/// What the terminal shows while `args` run under `script`.
fn on_a_terminal(args: &[&str]) -> String {
    let command = std::iter::once(signer_bin().to_str().unwrap().to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    let out = run(Command::new("script").args(["-q", "-e", "-c", &command, "/dev/null"]));
    assert!(out.status.success(), "{command}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn steps_and_bars_are_drawn_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let (zone, config) = zone(dir.path());
    let output = dir.path().join("signed").to_str().unwrap().to_string();
    let sign = ["sign", &zone, "--config", &config, "--output", &output, "--verify"];

    let shown = on_a_terminal(&sign);
    for step in ["reading ", "signing [", "verifying the written zone"] {
        assert!(shown.contains(step), "no '{step}' on the terminal:\n{shown}");
    }
    let shown = on_a_terminal(&["verify", &output, "--origin", "example."]);
    assert!(shown.contains("verifying "), "{shown}");

    let quiet: Vec<&str> = sign.iter().copied().chain(["-q"]).collect();
    let shown = on_a_terminal(&quiet);
    for step in ["reading ", "signing [", "verifying"] {
        assert!(!shown.contains(step), "'{step}' drawn despite --quiet:\n{shown}");
    }

    let out = run(Command::new(signer_bin()).args(sign));
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for step in ["reading ", "signing [", "verifying the written zone", "\u{1b}["] {
        assert!(!stderr.contains(step), "'{step}' written into a pipe:\n{stderr}");
    }
}
