//! Bad input gets a clear error naming the file and line, never a panic
//! and never an output file (not even a half-written one).

use std::path::Path;
use std::process::Command;

use signet_tests::{keygen, run, signer_bin, text};

const HEAD: &str = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 host 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n";

/// Makes a CSK for example. once per test.
fn key(dir: &Path) -> String {
    keygen(dir, "example", true)
}

/// Signs `zone` (written to zone.db, with `extra` files beside it) and
/// expects failure mentioning each of `expected`; checks no output exists.
fn expect_refusal(zone: &[u8], extra: &[(&str, &[u8])], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let key = key(dir.path());
    let zone_path = dir.path().join("zone.db");
    std::fs::write(&zone_path, zone).unwrap();
    for (name, content) in extra {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let output = out_dir.join("signed.db");
    let result = run(Command::new(signer_bin())
        .args(["sign", "--origin", "example", "--key", &key, "--output"])
        .arg(&output)
        .arg(&zone_path));
    let said = text(&result);
    assert_eq!(
        result.status.code(),
        Some(2),
        "expected exit 2 with an error, got: {said}"
    );
    assert!(!said.contains("panicked"), "panic: {said}");
    for phrase in expected {
        assert!(said.contains(phrase), "expected '{phrase}' in: {said}");
    }
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "output left behind: {left:?}");
}

fn zone_with(body: &str) -> Vec<u8> {
    format!("{HEAD}{body}").into_bytes()
}

#[test]
fn syntax_error_names_file_and_line() {
    expect_refusal(&zone_with("www A 192.0.2.300\n"), &[], &["zone.db:6"]);
}

#[test]
fn record_with_missing_type_is_an_error_not_dropped() {
    expect_refusal(&zone_with("www 3600 IN 192.0.2.1\n"), &[], &["zone.db:6"]);
}

#[test]
fn record_with_missing_rdata() {
    expect_refusal(&zone_with("www 3600 IN MX\n"), &[], &["zone.db:6"]);
}

#[test]
fn no_soa() {
    expect_refusal(
        b"$ORIGIN example.\n$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n",
        &[],
        &["no SOA"],
    );
}

#[test]
fn two_soas() {
    expect_refusal(
        &zone_with("@ SOA ns1 host 2 7200 3600 1209600 300\n"),
        &[],
        &["zone.db:6", "second SOA", "zone.db:3"],
    );
}

#[test]
fn no_apex_ns() {
    expect_refusal(
        b"$ORIGIN example.\n$TTL 60\n@ SOA ns1 host 1 2 3 4 5\nns1 A 192.0.2.1\n",
        &[],
        &["no NS"],
    );
}

#[test]
fn cname_beside_other_data() {
    expect_refusal(
        &zone_with("www CNAME ns1\nwww A 192.0.2.9\n"),
        &[],
        &["zone.db:6", "CNAME"],
    );
}

#[test]
fn data_below_dname() {
    expect_refusal(
        &zone_with("old DNAME new.example.\nx.old A 192.0.2.9\n"),
        &[],
        &["zone.db:7", "DNAME"],
    );
}

#[test]
fn label_over_63_octets() {
    let label = "a".repeat(64);
    expect_refusal(&zone_with(&format!("{label} A 192.0.2.1\n")), &[], &["zone.db:6", "63"]);
}

#[test]
fn name_over_255_octets() {
    let name = ["abcdefghijklmnopqrstuvwxyz0123456789"; 7].join(".");
    expect_refusal(&zone_with(&format!("{name} A 192.0.2.1\n")), &[], &["zone.db:6", "255"]);
}

#[test]
fn missing_include_file() {
    expect_refusal(&zone_with("$INCLUDE nowhere.db\n"), &[], &["zone.db:6", "nowhere.db"]);
}

#[test]
fn error_inside_an_included_file_names_that_file() {
    expect_refusal(
        &zone_with("$INCLUDE part.db\n"),
        &[("part.db", b"ok A 192.0.2.1\nbad AAAA 192.0.2.1\n")],
        &["part.db:2"],
    );
}

/// Checks made after reading (here a CNAME beside other data, found only
/// once the records are sorted) still name the included file and its line.
#[test]
fn check_failing_in_an_included_file_names_that_file() {
    expect_refusal(
        &zone_with(
            "$INCLUDE part.db
www A 192.0.2.9
",
        ),
        &[(
            "part.db",
            b"ok A 192.0.2.1

www CNAME ns1
",
        )],
        &["part.db:3", "CNAME"],
    );
    expect_refusal(
        &zone_with(
            "$INCLUDE part.db
",
        ),
        &[(
            "part.db",
            b"@ SOA ns1 host 2 7200 3600 1209600 300
",
        )],
        &["zone.db:3", "second SOA", "part.db:1"],
    );
}

#[test]
fn binary_garbage() {
    let mut zone = zone_with("");
    zone.extend_from_slice(&[0x00, 0xff, 0xfe, 0x01, b'\n']);
    expect_refusal(&zone, &[], &["zone.db:6"]);
}

#[test]
fn key_for_another_zone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(Command::new(signer_bin())
        .args(["keygen", "--origin", "other", "-a", "13", "--ksk", "--dir"])
        .arg(dir.path()));
    let stem = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let zone = dir.path().join("zone.db");
    std::fs::write(&zone, zone_with("")).unwrap();
    let output = dir.path().join("signed.db");
    let result = run(Command::new(signer_bin())
        .args(["sign", "--origin", "example", "--key", &stem, "--output"])
        .arg(&output)
        .arg(&zone));
    assert_eq!(result.status.code(), Some(2));
    assert!(text(&result).contains("not for the zone example."), "{}", text(&result));
    assert!(!output.exists());
}

#[test]
fn out_of_zone_records_are_dropped_with_a_warning_never_signed() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(dir.path());
    let zone = dir.path().join("zone.db");
    std::fs::write(&zone, zone_with("elsewhere.net. A 192.0.2.7\n")).unwrap();
    let output = dir.path().join("signed.db");
    let result = run(Command::new(signer_bin())
        .args(["sign", "--origin", "example", "--key", &key, "--output"])
        .arg(&output)
        .arg(&zone));
    assert!(result.status.success(), "{}", text(&result));
    assert!(
        text(&result).contains("zone.db:6"),
        "warning should name the line: {}",
        text(&result)
    );
    let signed = std::fs::read_to_string(&output).unwrap();
    assert!(
        !signed.contains("elsewhere.net."),
        "out-of-zone data must not be published"
    );
}

#[test]
fn a_missing_previous_zone_and_a_bad_diff_are_named_once_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(dir.path());
    let zone = dir.path().join("zone.db");
    std::fs::write(&zone, zone_with("")).unwrap();
    let output = dir.path().join("signed.db");
    let gone = dir.path().join("gone.signed");
    let a_directory = dir.path().join("a-directory.signed");
    std::fs::create_dir(&a_directory).unwrap();
    // From the whole zone and from a diff; a file that is not there, and
    // a directory (whose map fails with "No such device").
    let cases = [
        (false, &gone, "No such file"),
        (true, &gone, "No such file"),
        (false, &a_directory, "is a directory"),
        (true, &a_directory, "is a directory"),
    ];
    for (changes, previous, why) in cases {
        let mut cmd = Command::new(signer_bin());
        cmd.args(["sign", "--origin", "example", "--key", &key, "--previous"])
            .arg(previous)
            .arg("--output")
            .arg(&output);
        if changes {
            let diff = dir.path().join("changes.diff");
            std::fs::write(
                &diff,
                "-example. 3600 IN SOA ns1.example. host.example. 1 7200 3600 1209600 300\n\
                 +example. 3600 IN SOA ns1.example. host.example. 2 7200 3600 1209600 300\n",
            )
            .unwrap();
            cmd.arg("--changes").arg(&diff);
        } else {
            cmd.arg(&zone);
        }
        let result = run(&mut cmd);
        let said = text(&result);
        assert_eq!(result.status.code(), Some(2), "{said}");
        let name = previous.file_name().unwrap().to_str().unwrap();
        assert!(
            said.contains("cannot read ") && said.contains(&format!("{name}: {why}")),
            "{said}"
        );
        assert_eq!(said.matches(why).count(), 1, "said twice: {said}");
        assert!(!output.exists());
    }
    // A line of the diff without its marker: said once, with file and line.
    let previous = dir.path().join("previous.signed");
    let signed = run(Command::new(signer_bin())
        .args(["sign", "--origin", "example", "--key", &key, "--output"])
        .arg(&previous)
        .arg(&zone));
    assert!(signed.status.success(), "{}", text(&signed));
    let result = run(Command::new(signer_bin())
        .args(["sign", "--origin", "example", "--key", &key, "--previous"])
        .arg(&previous)
        .arg("--changes")
        .arg(&zone)
        .arg("--output")
        .arg(&output));
    let said = text(&result);
    assert_eq!(result.status.code(), Some(2), "{said}");
    assert!(said.contains("zone.db:3: a diff line starts with +"), "{said}");
    assert_eq!(said.matches("a diff line starts").count(), 1, "said twice: {said}");
    assert!(!output.exists());
}
