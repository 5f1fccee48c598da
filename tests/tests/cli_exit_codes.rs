//! Exit codes scripts and monitoring systems rely on: 2 for a command line
//! that cannot be read, except for `signer monitor`, which as a Nagios
//! plugin must say UNKNOWN (3) rather than the CRITICAL that 2 would mean.

use std::process::Command;

use signet_tests::{run, signer_bin, text};

#[test]
fn bad_arguments_exit_2() {
    let out = run(Command::new(signer_bin()).args(["sign", "--no-such-flag"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--no-such-flag"));
}

#[test]
fn bad_monitor_arguments_are_unknown_for_nagios() {
    let out = run(Command::new(signer_bin()).args(["monitor", "--no-such-flag"]));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("DNSSEC UNKNOWN - "), "first line: {first}");
}

#[test]
fn help_is_not_an_error() {
    let out = run(Command::new(signer_bin()).args(["monitor", "--help"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
