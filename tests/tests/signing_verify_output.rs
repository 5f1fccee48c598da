//! `signer sign --verify`: the written zone is read back and verified
//! whole before it replaces the output, with the signing keys' own
//! signatures checked through their private halves. A zone that passes
//! must also pass the validators nobody here wrote; a zone that does not
//! must leave the old output as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use signet_tests::{assert_externally_valid, keygen, run, signer_bin, text, workspace};

struct Setup {
    dir: tempfile::TempDir,
    keys: Vec<String>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec![
            keygen(dir.path(), "example", true),
            keygen(dir.path(), "example", false),
        ];
        Setup { dir, keys }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `signer sign` with both keys and `args`.
    fn sign(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(signer_bin());
        cmd.args(["sign", "--origin", "example"]).args(args);
        for key in &self.keys {
            cmd.args(["--key", key]);
        }
        run(&mut cmd)
    }

    /// The test zone with the DNSKEY of an RSA key that signs nothing, as
    /// an algorithm rollover started by hand would leave it: every RRset
    /// then lacks an algorithm-8 signature (RFC 4035 §2.2, RFC 6840 §5.11).
    fn zone_with_unused_algorithm(&self) -> PathBuf {
        let other = self.path("other");
        std::fs::create_dir(&other).unwrap();
        let out = run(Command::new(signer_bin())
            .args(["keygen", "--origin", "example", "-a", "8", "--dir"])
            .arg(&other));
        assert!(out.status.success(), "{}", text(&out));
        let stem = String::from_utf8_lossy(&out.stdout).lines().next().unwrap().to_string();
        let dnskey = std::fs::read_to_string(format!("{stem}.key")).unwrap();
        let mut zone = std::fs::read_to_string(basic()).unwrap();
        zone.extend(dnskey.lines().filter(|l| !l.starts_with(';')).map(|l| format!("{l}\n")));
        let path = self.path("rollover.zone");
        std::fs::write(&path, zone).unwrap();
        path
    }

    /// Names in the directory other than the keys and zones put there:
    /// temporary files a refused write must not leave behind.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }
}

/// `zone` with one bit of the signature over `owner`'s `rtype` (the RRSIG
/// RDATA's first field, with its space) flipped.
fn damage_signature(zone: &str, owner: &str, covered: &str) -> String {
    use data_encoding::BASE64;
    let mut damaged = 0;
    let out: String = zone
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() == 5 && fields[0] == owner && fields[3] == "RRSIG" && fields[4].starts_with(covered) {
                let (head, signature) = fields[4].rsplit_once(' ').unwrap();
                let mut bytes = BASE64.decode(signature.as_bytes()).unwrap();
                bytes[20] ^= 0x10;
                damaged += 1;
                format!("{}\t{head} {}\n", fields[..4].join("\t"), BASE64.encode(&bytes))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_eq!(damaged, 1, "no single {owner} RRSIG {covered}to damage");
    out
}

fn basic() -> PathBuf {
    workspace().join("tests/zones/basic.zone")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_zone_that_verifies_is_written_and_validates_elsewhere() {
    let setup = Setup::new();
    let zone = basic();
    for extra in [&[][..], &["--nsec3", "--opt-out"][..]] {
        let out_path = setup.path("signed.zone");
        let mut args = vec![s(&zone), "--output", s(&out_path), "--verify"];
        args.extend(extra);
        let out = setup.sign(&args);
        assert!(out.status.success(), "{extra:?}: {}", text(&out));
        assert_externally_valid(&out_path, "example.", false);
    }
}

#[test]
fn a_zone_that_does_not_verify_leaves_the_old_output() {
    let setup = Setup::new();
    let out_path = setup.path("signed.zone");
    let old = b"; the zone published before\n";
    std::fs::write(&out_path, old).unwrap();
    let zone = setup.zone_with_unused_algorithm();

    let refused = setup.sign(&[s(&zone), "--output", s(&out_path), "--verify"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let said = text(&refused);
    assert!(said.contains("not signed with algorithm 8"), "{said}");
    assert!(said.contains("was left as it was"), "{said}");
    assert_eq!(std::fs::read(&out_path).unwrap(), old);
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());

    // Without --verify the same zone is written: the check is what refused it.
    let written = setup.sign(&[s(&zone), "--output", s(&out_path)]);
    assert!(written.status.success(), "{}", text(&written));
    assert_ne!(std::fs::read(&out_path).unwrap(), old);
}

#[test]
fn re_signing_from_a_diff_or_the_whole_zone_is_verified_too() {
    let setup = Setup::new();
    let diff = setup.path("changes.diff");
    std::fs::write(
        &diff,
        "-example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300\n\
         +example. 3600 IN SOA ns1.example. hostmaster.example. 2024010102 7200 3600 1209600 300\n\
         +new.example. 3600 IN A 192.0.2.77\n",
    )
    .unwrap();

    // A good previous zone: the spliced result verifies and is written.
    let previous = setup.path("previous.zone");
    let zone = basic();
    let out = setup.sign(&[s(&zone), "--output", s(&previous)]);
    assert!(out.status.success(), "{}", text(&out));
    let next = setup.path("next.zone");
    let args = [
        "--previous",
        s(&previous),
        "--changes",
        s(&diff),
        "--output",
        s(&next),
        "--verify",
    ];
    let out = setup.sign(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert_externally_valid(&next, "example.", false);

    // The same change as the whole new zone: spliced and verified too.
    let new_zone = setup.path("new.zone");
    let text_of_new = std::fs::read_to_string(&zone)
        .unwrap()
        .replace("2024010101", "2024010102")
        + "new 3600 IN A 192.0.2.77\n";
    std::fs::write(&new_zone, text_of_new).unwrap();
    let from_zone = setup.path("from-zone.zone");
    let zone_args = [
        s(&new_zone),
        "--previous",
        s(&previous),
        "--output",
        s(&from_zone),
        "--verify",
    ];
    let out = setup.sign(&zone_args);
    assert!(
        out.status.success() && text(&out).contains("around the changes"),
        "{}",
        text(&out)
    );
    assert_externally_valid(&from_zone, "example.", false);

    // A previous zone damaged on disk: one kept signature no longer
    // matches its data. The splice copies it; the check refuses it.
    let damaged = damage_signature(&std::fs::read_to_string(&previous).unwrap(), "mail.example.", "A ");
    std::fs::write(&previous, damaged).unwrap();
    let before = std::fs::read(&next).unwrap();
    let refused = setup.sign(&args);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("mail.example. A") && text(&refused).contains("does not verify"),
        "{}",
        text(&refused)
    );
    assert_eq!(std::fs::read(&next).unwrap(), before);
    let before = std::fs::read(&from_zone).unwrap();
    let refused = setup.sign(&zone_args);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("mail.example. A"), "{}", text(&refused));
    assert_eq!(std::fs::read(&from_zone).unwrap(), before);
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
    // Every run with --previous would keep it again: the way out is named,
    // and taking it gives a zone that verifies.
    assert!(
        text(&refused).contains("Sign once from the whole zone file, without --previous"),
        "{}",
        text(&refused)
    );
    let out = setup.sign(&[s(&new_zone), "--output", s(&from_zone), "--verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
