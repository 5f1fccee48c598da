//! Inputs damaged at random — the unsigned zone, the previous signed zone
//! given to `--previous`, the diff given to `--changes` — never make the
//! signer panic, hang or leave a file behind: each run ends with an exit
//! status of 0, 1 or 2, and a run that fails writes nothing. What the
//! signer accepts from a damaged zone or diff must be a zone that BIND's
//! `dnssec-verify` and `ldns-verify-zone` both accept (damage it took for
//! a legal change is then a change, signed correctly). `kzonecheck` is
//! left out here: it also judges the zone's content (a delegation whose
//! glue the damage removed), which is not the signer's to refuse.
//!
//! The damage is what a bad export, an editor or a transfer cut short
//! does: octets dropped, flipped or inserted (tabs, quotes, parentheses,
//! escapes, `$` and `;`), lines deleted, repeated or swapped, a field
//! replaced by a token from the zone-file grammar, the file cut anywhere.
//! The generator is seeded, so a failure repeats; the failing input is
//! kept in the test's message. For a longer search, set
//! `SIGNET_DAMAGE_ROUNDS` (runs per way, default 25) and `SIGNET_DAMAGE_SEED`.
//!
//! A damaged previous signed zone whose damage lies in text that is
//! copied unchanged (a signature's octets) is copied as it is: splicing
//! trusts SIGNED as Signet's own earlier output (docs/incremental.md,
//! "Trusting SIGNED"), so those outputs are not validated here.

use std::path::{Path, PathBuf};
use std::process::Command;

use signet_tests::{keygen, require_tool, run, signer_bin, text, Xorshift};

/// A delegation-heavy zone with the master-file features damage can hit:
/// a multi-line SOA, relative and absolute names, omitted owners and TTLs,
/// quoted strings, escapes, glue, DS, a wildcard, CNAME and DNAME.
const ZONE: &str = r#"$ORIGIN example.
$TTL 3600
@ IN SOA ns1 hostmaster.example. (
        2024010101 ; serial
        7200 3600 1209600 300 )
  IN NS ns1
  IN NS ns2.elsewhere.net.
  TXT "v=spf1 -all" "a \"quoted\" string; not a comment"
ns1 A 192.0.2.1
    AAAA 2001:db8::1
www 300 IN A 192.0.2.10
    IN 300 A 192.0.2.11
    MX 10 mail
mail A 192.0.2.12
*.wild TXT "anything"
alias CNAME www
moved DNAME example.net.
dot\.in\.label A 192.0.2.13
child1 NS ns1.child1
child1 NS ns2.elsewhere.net.
child1 DS 4242 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns1.child1 A 192.0.2.20
child2 NS ns1.provider.net.
child2 NS ns2.provider.net.
child3 NS ns1.child3
ns1.child3 AAAA 2001:db8::20
child4 NS ns1.provider.net.
child4 DS 4343 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
"#;

/// A diff against ZONE: the SOA, a removed delegation, a new one with glue.
const DIFF: &str = "\
-example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300
+example. 3600 IN SOA ns1.example. hostmaster.example. 2024010102 7200 3600 1209600 300
-child2.example. 3600 IN NS ns1.provider.net.
-child2.example. 3600 IN NS ns2.provider.net.
+child5.example. 3600 IN NS ns1.child5.example.
+ns1.child5.example. 3600 IN A 192.0.2.50
+www.example. 300 IN A 192.0.2.14
";

/// Octets that mean something in a zone file, or should not be there.
const INSERTS: &[&[u8]] = &[
    b"\t",
    b" ",
    b"\\",
    b"\"",
    b"(",
    b")",
    b";",
    b"$",
    b".",
    b"0",
    b"\n",
    b"\r",
    b"\xff",
    b"\xc3\xa9",
    b"*",
    b"@",
    b"-",
    b"+",
    b"\\0",
    b"\\999",
    b"4294967296",
    b"\x00",
];

/// Tokens of the zone-file grammar, and values at the edges of their fields.
const TOKENS: &[&str] = &[
    "$ORIGIN",
    "$TTL",
    "$INCLUDE",
    "$GENERATE",
    "IN",
    "CH",
    "TYPE65534",
    "\\# 0",
    "\\# 3 abcdef",
    "RRSIG",
    "NSEC",
    "NSEC3",
    "DNAME",
    "CNAME",
    "SOA",
    "NS",
    "DS",
    "A",
    "AAAA",
    "TXT",
    "-1",
    "0",
    "4294967295",
    "20991231235959",
    "19700101000000",
    ".",
    "..",
    "a..b.",
    "\\.",
    "*.example.",
    "example.",
    "ZZZ=",
];

/// `data` with one to four kinds of damage.
fn damage(data: &[u8], random: &mut Xorshift) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    for _ in 0..1 + random.below(4) {
        let i = random.below(lines.len() as u64) as usize;
        let at = |random: &mut Xorshift, line: &[u8]| random.below(line.len() as u64 + 1) as usize;
        match random.below(8) {
            0 if !lines[i].is_empty() => {
                let j = at(random, &lines[i]).min(lines[i].len() - 1);
                lines[i].remove(j);
            }
            1 => {
                let j = at(random, &lines[i]);
                let insert = INSERTS[random.below(INSERTS.len() as u64) as usize];
                lines[i].splice(j..j, insert.iter().copied());
            }
            2 => {
                let copy = lines[random.below(lines.len() as u64) as usize].clone();
                lines.insert(i, copy);
            }
            3 if lines.len() > 2 => {
                lines.remove(i);
            }
            4 => {
                let j = random.below(lines.len() as u64) as usize;
                lines.swap(i, j);
            }
            5 => {
                let sep = if lines[i].contains(&b'\t') { b'\t' } else { b' ' };
                let mut fields: Vec<Vec<u8>> = lines[i].split(|&b| b == sep).map(<[u8]>::to_vec).collect();
                let f = random.below(fields.len() as u64) as usize;
                fields[f] = TOKENS[random.below(TOKENS.len() as u64) as usize].as_bytes().to_vec();
                lines[i] = fields.join(&sep);
            }
            6 => {
                let all = lines.join(&b'\n');
                let cut = random.below(all.len() as u64 + 1) as usize;
                return all[..cut].to_vec();
            }
            7 if !lines[i].is_empty() => {
                let j = at(random, &lines[i]).min(lines[i].len() - 1);
                lines[i][j] ^= 1 << random.below(8);
            }
            _ => {}
        }
    }
    lines.join(&b'\n')
}

/// Which input is damaged, and how the signer is run on it.
#[derive(Clone, Copy, Debug)]
enum Job {
    SignNsec,
    SignNsec3,
    /// The damaged zone signed with the previous NSEC zone's signatures.
    SignWithPrevious,
    /// The damaged file is the previous signed zone; the new zone is whole.
    PreviousSigned,
    /// The damaged file is the previous signed zone; the change is DIFF.
    PreviousSignedWithDiff,
    PreviousSigned3WithDiff,
    /// The damaged file is the diff.
    Diff,
    Diff3,
    Verify,
}

impl Job {
    const ALL: [Job; 9] = [
        Job::SignNsec,
        Job::SignNsec3,
        Job::SignWithPrevious,
        Job::PreviousSigned,
        Job::PreviousSignedWithDiff,
        Job::PreviousSigned3WithDiff,
        Job::Diff,
        Job::Diff3,
        Job::Verify,
    ];

    /// The intact input this job damages.
    fn source(self, fx: &Fixture) -> &Path {
        match self {
            Job::SignNsec | Job::SignNsec3 | Job::SignWithPrevious => &fx.zone,
            Job::PreviousSigned | Job::PreviousSignedWithDiff | Job::Verify => &fx.signed,
            Job::PreviousSigned3WithDiff => &fx.signed3,
            Job::Diff | Job::Diff3 => &fx.diff,
        }
    }

    /// The signer's arguments with `damaged` in place of the source.
    fn args(self, fx: &Fixture, damaged: &Path, output: &Path) -> Vec<String> {
        let (damaged, output) = (path(damaged), path(output));
        let (signed, signed3, diff) = (path(&fx.signed), path(&fx.signed3), path(&fx.diff));
        let mut args: Vec<&str> = match self {
            Job::Verify => return ["verify", "--origin", "example.", damaged].map(String::from).to_vec(),
            _ => vec!["sign", "--origin", "example.", "--key", &fx.key, "--output", output],
        };
        if matches!(self, Job::SignNsec3 | Job::PreviousSigned3WithDiff | Job::Diff3) {
            args.extend(["--nsec3", "--opt-out"]);
        }
        args.extend(match self {
            Job::SignNsec | Job::SignNsec3 => vec![damaged],
            Job::SignWithPrevious => vec!["--previous", signed, damaged],
            Job::PreviousSigned => vec!["--previous", damaged, path(&fx.next_zone)],
            Job::PreviousSignedWithDiff | Job::PreviousSigned3WithDiff => {
                vec!["--previous", damaged, "--changes", diff]
            }
            Job::Diff => vec!["--previous", signed, "--changes", damaged],
            Job::Diff3 => vec!["--previous", signed3, "--changes", damaged],
            Job::Verify => Vec::new(),
        });
        args.into_iter().map(String::from).collect()
    }

    /// True when an output this job wrote must validate: the signed zone
    /// it starts from (if any) is intact.
    fn output_must_validate(self) -> bool {
        matches!(
            self,
            Job::SignNsec | Job::SignNsec3 | Job::SignWithPrevious | Job::Diff | Job::Diff3
        )
    }
}

/// A temporary directory's path as the text the signer is given.
fn path(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The intact inputs, made once.
struct Fixture {
    dir: tempfile::TempDir,
    key: String,
    zone: PathBuf,
    next_zone: PathBuf,
    signed: PathBuf,
    signed3: PathBuf,
    diff: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "example", true);
    let zone = dir.path().join("example.zone");
    std::fs::write(&zone, ZONE).unwrap();
    let next_zone = dir.path().join("example.zone.next");
    let next = ZONE
        .replace("2024010101", "2024010102")
        .replace("child2 NS ns1.provider.net.\nchild2 NS ns2.provider.net.\n", "")
        + "child5 NS ns1.child5\nns1.child5 A 192.0.2.50\nwww 300 A 192.0.2.14\n";
    std::fs::write(&next_zone, next).unwrap();
    let diff = dir.path().join("changes.diff");
    std::fs::write(&diff, DIFF).unwrap();
    let sign = |output: &Path, extra: &[&str]| {
        let result = run(Command::new(signer_bin())
            .args(["sign", "-q", "--origin", "example.", "--key", &key, "--output"])
            .arg(output)
            .args(extra)
            .arg(&zone));
        assert!(result.status.success(), "signing the intact zone: {}", text(&result));
    };
    let signed = dir.path().join("example.signed");
    sign(&signed, &[]);
    let signed3 = dir.path().join("example.signed3");
    sign(&signed3, &["--nsec3", "--opt-out"]);
    // The intact inputs work every way the damaged ones are tried.
    let fx = Fixture {
        dir,
        key,
        zone,
        next_zone,
        signed,
        signed3,
        diff,
    };
    for job in Job::ALL {
        let output = fx.dir.path().join("intact.out");
        let result = run(Command::new(signer_bin())
            .arg("-q")
            .args(job.args(&fx, job.source(&fx), &output)));
        assert!(result.status.success(), "{job:?} on intact inputs: {}", text(&result));
    }
    fx
}

/// Runs `count` damaged inputs per job, starting from `seed`.
fn try_damage(seed: u64, count: usize) {
    require_tool("dnssec-verify");
    require_tool("ldns-verify-zone");
    let fx = fixture();
    let mut random = Xorshift(seed);
    let mut accepted = 0;
    for job in Job::ALL {
        let intact = std::fs::read(job.source(&fx)).unwrap();
        for round in 0..count {
            let work = tempfile::tempdir().unwrap();
            let damaged = work.path().join("damaged");
            let bytes = damage(&intact, &mut random);
            std::fs::write(&damaged, &bytes).unwrap();
            let out_dir = work.path().join("out");
            std::fs::create_dir(&out_dir).unwrap();
            let output = out_dir.join("signed");
            let result = run(Command::new("timeout")
                .arg("60")
                .arg(signer_bin())
                .arg("-q")
                .args(job.args(&fx, &damaged, &output)));
            let said = text(&result);
            let input = String::from_utf8_lossy(&bytes);
            let context = || format!("{job:?} round {round}, damaged input:\n{input}\n--- the signer said:\n{said}");
            let code = result.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "exit {code:?} (124: hung, 101: panic): {}",
                context()
            );
            assert!(!said.contains("panicked"), "panic: {}", context());
            let left: Vec<_> = std::fs::read_dir(&out_dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            if code != Some(0) || matches!(job, Job::Verify) {
                assert!(left.is_empty(), "files left behind {left:?}: {}", context());
                continue;
            }
            assert_eq!(left, [std::ffi::OsString::from("signed")], "{}", context());
            accepted += 1;
            if job.output_must_validate() {
                for (tool, args) in [
                    ("dnssec-verify", &["-q", "-z", "-o", "example."][..]),
                    ("ldns-verify-zone", &[][..]),
                ] {
                    let verdict = run(Command::new(tool).args(args).arg(&output));
                    assert!(
                        verdict.status.success(),
                        "{tool} refused what the signer accepted: {}\n--- {tool} said:\n{}",
                        context(),
                        text(&verdict)
                    );
                }
            }
        }
    }
    // Damage that leaves the input legal is signed: some runs must get
    // through, or the test only ever saw refusals.
    assert!(accepted > 0, "every damaged input was refused");
}

#[test]
fn damaged_zones_signed_zones_and_diffs_are_refused_or_signed_never_crash() {
    let number = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let rounds = number("SIGNET_DAMAGE_ROUNDS", 25);
    try_damage(number("SIGNET_DAMAGE_SEED", 0x5369_676e_6574_2121), rounds as usize);
}
