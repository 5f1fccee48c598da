//! `signer sign --previous SIGNED --changes DIFF`, and `signer sign
//! --previous SIGNED NEWZONE`: only the names around the changes are
//! signed again and spliced into the previous signed zone. The result must
//! be the zone that signing the whole changed zone with `--previous
//! --no-splice` gives (new signatures aside, which ECDSA makes different
//! each time), and must validate with ldns, BIND and Knot. The diffs come
//! from `ldns-compare-zones`, a tool nobody here wrote.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use signet_tests::{
    assert_externally_valid, keygen, require_tool, run, signer_bin, text, without_signatures, Xorshift,
};

#[path = "bundles_support/mod.rs"]
mod bundles_support;

/// Delegations in the test zone.
const DELEGATIONS: usize = 300;

/// Which version of the zone: the old one, or a new one with a
/// registry's day of changes, with or without turning an authoritative
/// name with names below it into a zone cut.
#[derive(Clone, Copy, PartialEq)]
enum Version {
    Old,
    New,
    NewWithCut,
}

/// A zone with authoritative data, delegations with and without DS and
/// glue, a subtree, and a wildcard; the new versions change delegations,
/// glue, authoritative data and both ends of the chain.
fn zone(version: Version) -> String {
    let new = version != Version::Old;
    let mut z = String::from("$ORIGIN tld.\n$TTL 3600\n");
    let serial = if new { 2 } else { 1 };
    let _ = writeln!(z, "@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300");
    z.push_str("@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 AAAA 2001:db8::2\n");
    z.push_str("a.sub A 192.0.2.91\nb.sub TXT \"below sub\"\n");
    z.push_str("*.wild TXT \"wildcard\"\n");
    if version == Version::NewWithCut {
        // sub becomes a zone cut: a.sub and b.sub are now below it.
        z.push_str("sub NS ns.sub\nns.sub A 192.0.2.92\n");
    } else {
        z.push_str("sub A 192.0.2.90\n");
    }
    if new {
        z.push_str("@ TXT \"apex data changed\"\n");
        // Right after the apex and at the very end: the chain's ends move.
        z.push_str("a0 A 192.0.2.100\nzzz A 192.0.2.101\n");
        z.push_str("www A 192.0.2.81\n");
    } else {
        z.push_str("www A 192.0.2.80\n");
    }
    for i in 0..DELEGATIONS {
        let name = format!("d{i:04}");
        if new && i == 10 {
            // Removed with its glue; another appears just after it.
            z.push_str("d0010a NS ns1.provider.example.\nd0010a DS 4242 13 2 AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12\n");
            continue;
        }
        let ns = if new && i % 50 == 30 {
            "ns9.moved.example."
        } else {
            "ns1.provider.example."
        };
        let _ = writeln!(z, "{name} NS {ns}");
        if i % 3 == 0 {
            let _ = writeln!(z, "{name} NS ns1.{name}\nns1.{name} A 198.51.100.{}", i % 250 + 1);
        }
        if new && i == 39 {
            // New glue below an existing cut.
            let _ = writeln!(z, "{name} NS ns3.{name}\nns3.{name} AAAA 2001:db8::39");
        }
        if i % 5 == 0 || new && i % 50 == 20 {
            let _ = writeln!(z, "{name} DS {} 13 2 {:064X}", 1000 + i, i);
        }
    }
    z
}

/// A KSK and a ZSK for tld.
fn keys(dir: &Path) -> Vec<String> {
    vec![keygen(dir, "tld", true), keygen(dir, "tld", false)]
}

/// Runs `signer sign` with the keys, a fixed validity and `args`; returns
/// what it said. Fails the test if it fails.
fn sign(keys: &[String], validity: &Validity, args: &[&str]) -> String {
    let mut cmd = Command::new(signer_bin());
    cmd.args(["sign", "--origin", "tld", "--jitter", "2d"]);
    cmd.args(["--inception", &validity.inception, "--expiration", &validity.expiration]);
    cmd.args(args);
    for key in keys {
        cmd.args(["--key", key]);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

/// Inception and expiration as unix seconds, the same for every run.
struct Validity {
    inception: String,
    expiration: String,
}

fn validity() -> Validity {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Validity {
        inception: (now - 3600).to_string(),
        expiration: (now + 14 * 86400).to_string(),
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Writes both versions, signs the old, and writes the diff between them
/// with ldns-compare-zones. Returns (old signed, new unsigned, diff).
fn prepare(
    dir: &Path,
    keys: &[String],
    validity: &Validity,
    version: Version,
    extra: &[&str],
) -> (PathBuf, PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.zone"), dir.join("new.zone"));
    std::fs::write(&old, zone(Version::Old)).unwrap();
    std::fs::write(&new, zone(version)).unwrap();
    let signed = dir.join("old.signed");
    let mut args = vec![path_str(&old), "--output", path_str(&signed)];
    args.extend(extra);
    sign(keys, validity, &args);
    let out = run(Command::new("ldns-compare-zones")
        .args(["-a", "-s"])
        .arg(&old)
        .arg(&new));
    let diff = dir.join("changes.diff");
    std::fs::write(&diff, &out.stdout).unwrap();
    (signed, new, diff)
}

/// The changes signed three ways, and what each run said.
struct BothWays {
    /// From the diff (`--changes`).
    spliced: PathBuf,
    said: String,
    /// From the whole new zone, spliced where it can be.
    from_zone: PathBuf,
    said_zone: String,
    /// From the whole new zone, every name signed (`--no-splice`).
    whole: PathBuf,
    said_whole: String,
}

impl BothWays {
    /// Both spliced outputs are the whole signing's, signatures aside.
    fn assert_same_zone(&self) {
        let whole = without_signatures(&self.whole);
        assert_eq!(without_signatures(&self.spliced), whole, "--changes: {}", self.said);
        assert_eq!(
            without_signatures(&self.from_zone),
            whole,
            "--previous: {}",
            self.said_zone
        );
    }
}

/// Signs the changes from `signed` with `--changes` (spliced where it
/// can be) into `name`.spliced, the whole new zone with `--previous`
/// (spliced where it can be) into `name`.from-zone and with `--previous
/// --no-splice` into `name`.whole, all with `extra`.
fn both_ways(
    dir: &Path,
    keys: &[String],
    validity: &Validity,
    (signed, new, diff): &(PathBuf, PathBuf, PathBuf),
    name: &str,
    extra: &[&str],
) -> BothWays {
    let spliced = dir.join(format!("{name}.spliced"));
    let mut args = vec!["--previous", path_str(signed), "--changes", path_str(diff)];
    args.extend(["--output", path_str(&spliced)]);
    args.extend(extra);
    let said = sign(keys, validity, &args);
    let from_zone = dir.join(format!("{name}.from-zone"));
    let mut args = vec![
        path_str(new),
        "--previous",
        path_str(signed),
        "--output",
        path_str(&from_zone),
    ];
    args.extend(extra);
    let said_zone = sign(keys, validity, &args);
    let whole = dir.join(format!("{name}.whole"));
    let mut args = vec![
        path_str(new),
        "--previous",
        path_str(signed),
        "--no-splice",
        "--output",
        path_str(&whole),
    ];
    args.extend(extra);
    let said_whole = sign(keys, validity, &args);
    BothWays {
        spliced,
        said,
        from_zone,
        said_zone,
        whole,
        said_whole,
    }
}

/// The number after `word` in what a run said.
fn count_after(said: &str, word: &str) -> Option<usize> {
    said.split(word)
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn spliced_resigning_gives_the_whole_resigning_zone_and_validates() {
    require_tool("ldns-compare-zones");
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let validity = validity();
    let prepared = prepare(dir.path(), &keys, &validity, Version::NewWithCut, &[]);
    let run = both_ways(dir.path(), &keys, &validity, &prepared, "new", &[]);
    assert!(run.said.contains("around the changes"), "not spliced: {}", run.said);
    assert!(
        run.said_zone.contains("around the changes"),
        "not spliced: {}",
        run.said_zone
    );
    run.assert_same_zone();
    for said in [&run.said, &run.said_zone] {
        assert_eq!(
            count_after(said, "kept "),
            count_after(&run.said_whole, "kept "),
            "{said}\n{}",
            run.said_whole
        );
    }
    assert_externally_valid(&run.spliced, "tld.", false);
    assert_externally_valid(&run.from_zone, "tld.", false);

    // What moved under the new cut lost its signatures and NSEC records.
    let text = std::fs::read_to_string(&run.spliced).unwrap();
    assert!(!text
        .lines()
        .any(|l| l.starts_with("a.sub.tld.\t") && l.contains("RRSIG")));
    assert!(
        text.contains("zzz.tld.\t300\tIN\tNSEC\ttld. "),
        "the last name must link back to the apex"
    );
}

#[test]
fn signatures_due_are_made_again_by_splicing_too() {
    require_tool("ldns-compare-zones");
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let validity = validity();
    let prepared = prepare(dir.path(), &keys, &validity, Version::NewWithCut, &[]);
    let now = both_ways(dir.path(), &keys, &validity, &prepared, "now", &[]);
    // Signatures expire over the last two days of 14 (--jitter 2d). Five
    // days on, with a refresh threshold of 7 days 6 hours, those expiring
    // in the first 6 hours of that window are due: an eighth, not most.
    let later = both_ways(
        dir.path(),
        &keys,
        &validity,
        &prepared,
        "later",
        &["--now", "+5d", "--refresh", "7d6h"],
    );
    assert!(later.said.contains("around the changes"), "not spliced: {}", later.said);
    assert!(
        later.said_zone.contains("around the changes"),
        "not spliced: {}",
        later.said_zone
    );
    later.assert_same_zone();
    let made = |said: &str| count_after(said, "made ").unwrap();
    assert_eq!(made(&later.said), made(&later.said_whole));
    assert_eq!(made(&later.said_zone), made(&later.said_whole));
    assert!(
        made(&later.said) > made(&now.said) + 20,
        "the refresh made too few signatures:\n{}\n{}",
        later.said,
        now.said
    );
    assert_externally_valid(&later.spliced, "tld.", false);
}

#[test]
fn nsec3_zones_are_spliced_at_delegations_and_resigned_whole_when_a_cut_moves() {
    require_tool("ldns-compare-zones");
    for (version, expected) in [
        (Version::New, "around the changes"),
        (
            Version::NewWithCut,
            "re-signed the whole zone (a change at or below sub.tld.",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let keys = keys(dir.path());
        let validity = validity();
        let nsec3 = ["--nsec3", "--opt-out"];
        let prepared = prepare(dir.path(), &keys, &validity, version, &nsec3);
        let run = both_ways(dir.path(), &keys, &validity, &prepared, "new", &nsec3);
        assert!(run.said.contains(expected), "expected '{expected}' in: {}", run.said);
        run.assert_same_zone();
        assert_externally_valid(&run.spliced, "tld.", false);
        if version == Version::New {
            assert!(run.said_zone.contains(expected), "not spliced: {}", run.said_zone);
            assert_externally_valid(&run.from_zone, "tld.", false);
        } else {
            assert!(
                run.said_zone.contains(
                    "signing the whole zone, keeping the previous signatures still good: a change at or below sub.tld."
                ),
                "{}",
                run.said_zone
            );
        }
    }
}

/// An unsigned zone as owner (relative) → its records' "TYPE RDATA".
type Data = std::collections::BTreeMap<String, Vec<String>>;

fn zone_text(data: &Data, serial: u32) -> String {
    let mut z = format!("$ORIGIN tld.\n$TTL 3600\n@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n");
    z.push_str("@ NS ns1\nns1 A 192.0.2.1\n");
    for (owner, records) in data {
        for record in records {
            let _ = writeln!(z, "{owner} {record}");
        }
    }
    z
}

/// One random change of the kinds a registry makes, and some it rarely
/// does (names below authoritative names).
fn change(data: &mut Data, random: &mut Xorshift) {
    let pick = |data: &Data, random: &mut Xorshift, prefix: &str| -> Option<String> {
        let names: Vec<&String> = data
            .keys()
            .filter(|n| n.starts_with(prefix) && !n.contains('.'))
            .collect();
        (!names.is_empty()).then(|| names[random.below(names.len() as u64) as usize].clone())
    };
    let n = random.below(1000);
    match random.below(8) {
        0 => {
            let name = format!("d{n:03}");
            let mut records = vec![format!("NS ns1.provider{}.example.", n % 5)];
            if n % 2 == 1 {
                records.push(format!("NS ns1.{name}"));
                data.insert(format!("ns1.{name}"), vec![format!("A 198.51.100.{}", n % 250 + 1)]);
            }
            if n % 3 == 1 {
                records.push(format!("DS {} 13 2 {:064X}", n + 1, n));
            }
            data.insert(name, records);
        }
        1 => {
            if let Some(name) = pick(data, random, "d") {
                data.retain(|owner, _| *owner != name && !owner.ends_with(&format!(".{name}")));
            }
        }
        2 => {
            if let Some(name) = pick(data, random, "d") {
                let records = data.entry(name).or_default();
                match records.iter().position(|r| r.starts_with("DS ")) {
                    Some(at) => drop(records.remove(at)),
                    None => records.push(format!("DS {} 13 2 {:064X}", n + 7, n)),
                }
            }
        }
        3 => {
            if let Some(name) = pick(data, random, "d") {
                let records = data.entry(name).or_default();
                if let Some(at) = records.iter().position(|r| r.starts_with("NS ns1.provider")) {
                    records[at] = format!("NS ns2.moved{n}.example.");
                }
            }
        }
        4 => {
            data.insert(format!("w{n:03}"), vec![format!("A 192.0.2.{}", n % 250 + 1)]);
        }
        5 => {
            if let Some(name) = pick(data, random, "w") {
                data.retain(|owner, _| *owner != name && !owner.ends_with(&format!(".{name}")));
            }
        }
        6 => {
            if let Some(name) = pick(data, random, "w") {
                data.insert(format!("x{n}.{name}"), vec![format!("TXT \"below {name}\"")]);
            }
        }
        _ => {
            if let Some(name) = pick(data, random, "d") {
                data.entry(name.clone()).or_default().push(format!("NS ns9.{name}"));
                data.insert(format!("ns9.{name}"), vec![format!("AAAA 2001:db8::{n:x}")]);
            }
        }
    }
}

#[test]
fn rounds_of_random_changes_splice_into_the_zone_whole_resigning_makes() {
    require_tool("ldns-compare-zones");
    for denial in [&[][..], &["--nsec3", "--opt-out"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let keys = keys(dir.path());
        let validity = validity();
        let mut random = Xorshift(0x5151_6e65_7453_6967);
        let mut data = Data::new();
        for i in 0..80u32 {
            let name = format!("d{:03}", i * 12);
            let mut records = vec!["NS ns1.provider.example.".to_string()];
            if i % 3 == 0 {
                records.push(format!("NS ns1.{name}"));
                data.insert(format!("ns1.{name}"), vec![format!("A 198.51.100.{}", i + 1)]);
            }
            if i % 4 == 0 {
                records.push(format!("DS {} 13 2 {:064X}", i + 1, i));
            }
            data.insert(name, records);
        }
        for i in 0..20u32 {
            data.insert(format!("w{:03}", i * 47 + 5), vec![format!("A 192.0.2.{}", i + 1)]);
        }
        data.insert("x1.w005".to_string(), vec!["TXT \"below w005\"".to_string()]);
        let zone_file = |round: u32| dir.path().join(format!("round{round}.zone"));
        let first = zone_file(0);
        std::fs::write(&first, zone_text(&data, 1)).unwrap();
        let mut signed = dir.path().join("round0.signed");
        let mut args = vec![path_str(&first), "--output", path_str(&signed)];
        args.extend(denial);
        sign(&keys, &validity, &args);
        let mut spliced_rounds = 0;
        for round in 1..=8u32 {
            for _ in 0..1 + random.below(6) {
                change(&mut data, &mut random);
            }
            std::fs::write(zone_file(round), zone_text(&data, round + 1)).unwrap();
            let out = run(Command::new("ldns-compare-zones")
                .args(["-a", "-s"])
                .arg(zone_file(round - 1))
                .arg(zone_file(round)));
            let diff = dir.path().join(format!("round{round}.diff"));
            std::fs::write(&diff, &out.stdout).unwrap();
            let prepared = (signed.clone(), zone_file(round), diff);
            let run = both_ways(
                dir.path(),
                &keys,
                &validity,
                &prepared,
                &format!("round{round}"),
                denial,
            );
            run.assert_same_zone();
            if run.said.contains("around the changes") {
                spliced_rounds += 1;
            }
            // Both ways of giving the changes find the same names.
            assert_eq!(
                run.said.contains("around the changes"),
                run.said_zone.contains("around the changes"),
                "round {round} {denial:?}:\n{}\n{}",
                run.said,
                run.said_zone
            );
            // The next round starts from the spliced zone.
            signed = run.spliced;
        }
        assert!(
            spliced_rounds >= 4,
            "{denial:?}: only {spliced_rounds} of 8 rounds were spliced"
        );
        if denial.is_empty() {
            assert_eq!(spliced_rounds, 8, "every NSEC round must be spliced");
        }
        assert_externally_valid(&signed, "tld.", false);
    }
}

#[test]
fn a_previous_zone_in_another_form_is_resigned_whole_and_says_where() {
    require_tool("ldns-compare-zones");
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let validity = validity();
    let (signed, new, diff) = prepare(dir.path(), &keys, &validity, Version::New, &[]);
    // The same records, fields separated by spaces: still a zone file.
    let text = std::fs::read_to_string(&signed).unwrap().replace('\t', " ");
    std::fs::write(&signed, text).unwrap();
    let run = both_ways(dir.path(), &keys, &validity, &(signed, new, diff), "new", &[]);
    assert!(
        run.said.contains("re-signed the whole zone (")
            && run.said.contains("old.signed:1: not five tab-separated fields"),
        "{}",
        run.said
    );
    assert!(
        run.said_zone
            .contains("signing the whole zone, keeping the previous signatures still good: ")
            && run.said_zone.contains("old.signed:1: not five tab-separated fields"),
        "{}",
        run.said_zone
    );
    run.assert_same_zone();
    assert_externally_valid(&run.spliced, "tld.", false);
}

#[test]
fn offline_ksk_zones_are_spliced_with_the_key_bundle() {
    use bundles_support::{assert_valid_at, knot_signed_period, write_zone};
    require_tool("ldns-compare-zones");
    let tmp = tempfile::tempdir().unwrap();
    let (_knot, signer, skr) = knot_signed_period(tmp.path(), "20270301000000");
    signer.ok(&["import-skr", path_str(&skr)]);
    let old = write_zone(tmp.path());
    let new = tmp.path().join("new.zone");
    let changed = std::fs::read_to_string(&old)
        .unwrap()
        .replace("2024010101", "2024010102")
        .replace(
            "mail    IN A   192.0.2.2",
            "mail    IN A   192.0.2.22\nnew     IN A   192.0.2.9",
        );
    std::fs::write(&new, changed).unwrap();
    let diff = tmp.path().join("changes.diff");
    let out = run(Command::new("ldns-compare-zones")
        .args(["-a", "-s"])
        .arg(&old)
        .arg(&new));
    std::fs::write(&diff, &out.stdout).unwrap();
    let at = "20261202000000";
    let signed = tmp.path().join("old.signed");
    signer.ok(&["--now", at, "sign", path_str(&old), "--output", path_str(&signed)]);

    let spliced = tmp.path().join("new.spliced");
    let said = signer.ok(&[
        "--now",
        at,
        "sign",
        "--previous",
        path_str(&signed),
        "--changes",
        path_str(&diff),
        "--output",
        path_str(&spliced),
    ]);
    assert!(said.contains("around the changes"), "not spliced: {said}");
    let from_zone = tmp.path().join("new.zone.signed");
    let previous = ["--previous", path_str(&signed), "--output", path_str(&from_zone)];
    let said = signer.ok(&[&["--now", at, "sign", path_str(&new)][..], &previous].concat());
    assert!(said.contains("around the changes"), "not spliced: {said}");
    let whole = tmp.path().join("new.whole");
    let previous = [
        "--previous",
        path_str(&signed),
        "--no-splice",
        "--output",
        path_str(&whole),
    ];
    signer.ok(&[&["--now", at, "sign", path_str(&new)][..], &previous].concat());
    assert_eq!(without_signatures(&spliced), without_signatures(&whole));
    assert_eq!(without_signatures(&from_zone), without_signatures(&whole));
    assert_valid_at(&from_zone, &tmp.path().join("ksk.ds"), at);
    // The bundle's DNSKEY RRset and the KSK's signature over it are there,
    // and the zone validates with the KSK's DS as the only trust anchor.
    assert_valid_at(&spliced, &tmp.path().join("ksk.ds"), at);
}

#[test]
fn a_diff_made_against_another_zone_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let validity = validity();
    let old = dir.path().join("old.zone");
    std::fs::write(&old, zone(Version::Old)).unwrap();
    let signed = dir.path().join("old.signed");
    sign(&keys, &validity, &[path_str(&old), "--output", path_str(&signed)]);
    let cases = [
        (
            "-tld. 3600 IN SOA ns1.tld. hostmaster.tld. 7 7200 3600 1209600 300\n+tld. 3600 IN SOA ns1.tld. hostmaster.tld. 8 7200 3600 1209600 300\n",
            "changes.diff:1: the diff starts from the zone with SOA serial 7",
        ),
        (
            "-tld. 3600 IN SOA ns1.tld. hostmaster.tld. 1 7200 3600 1209600 300\n+tld. 3600 IN SOA ns1.tld. hostmaster.tld. 2 7200 3600 1209600 300\n-nothere.tld. 3600 IN A 192.0.2.1\n",
            "changes.diff:3: removes nothere.tld.",
        ),
        ("+d0001.tld. 3600 IN NS ns.example.\n", "must remove the old SOA and add the new one"),
    ];
    for (diff_text, expected) in cases {
        let diff = dir.path().join("changes.diff");
        std::fs::write(&diff, diff_text).unwrap();
        let out = dir.path().join("new.signed");
        let mut cmd = Command::new(signer_bin());
        cmd.args([
            "sign",
            "--origin",
            "tld",
            "--previous",
            path_str(&signed),
            "--changes",
            path_str(&diff),
        ]);
        cmd.args(["--output", path_str(&out)]);
        for key in &keys {
            cmd.args(["--key", key]);
        }
        let result = run(&mut cmd);
        let said = text(&result);
        assert_eq!(result.status.code(), Some(2), "{said}");
        assert!(said.contains(expected), "expected '{expected}' in: {said}");
        assert!(!out.exists(), "a refused diff must leave no output");
    }
}

/// The previous signed zone cut short — at the end of a line, inside one,
/// and by dropping only the end line — is a smaller but well-formed zone
/// file (or, cut inside a line, one whose last record is wrong). From a
/// diff, whose data comes from that file, it is refused (exit 2, nothing
/// written). From the whole new zone it is signed whole, saying why, and
/// the names after the cut come from the new zone; a last line cut in two
/// is a syntax error in the previous zone, named by file and line.
#[test]
fn a_previous_zone_cut_short_is_refused_from_a_diff_and_resigned_whole_from_the_zone() {
    require_tool("ldns-compare-zones");
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let validity = validity();
    let (signed, new, diff) = prepare(dir.path(), &keys, &validity, Version::New, &[]);
    let text_whole = std::fs::read_to_string(&signed).unwrap();
    assert!(
        text_whole.ends_with("\n; end of zone tld.\n"),
        "a signed zone ends with its end line"
    );
    let last_name = text_whole.rfind("\nd0").unwrap() + 1;
    let end_line = text_whole.len() - "; end of zone tld.\n".len();
    // (where, what the refusal says, whether the rest still reads)
    let cuts = [
        (last_name, "may have been cut short", true),
        (end_line, "may have been cut short", true),
        (last_name + 10, "stops without a newline: it was cut short", false),
    ];
    let command = |args: &[&str]| {
        let mut cmd = Command::new(signer_bin());
        cmd.args(["sign", "--origin", "tld"]).args(args);
        for key in &keys {
            cmd.args(["--key", key]);
        }
        run(&mut cmd)
    };
    for (cut, words, reads) in cuts {
        let short = dir.path().join("short.signed");
        std::fs::write(&short, &text_whole[..cut]).unwrap();
        let out = dir.path().join("new.signed");
        let result = command(&[
            "--previous",
            path_str(&short),
            "--changes",
            path_str(&diff),
            "--output",
            path_str(&out),
        ]);
        let said = text(&result);
        assert_eq!(result.status.code(), Some(2), "cut at {cut}: {said}");
        assert!(
            said.contains("short.signed: ") && said.contains(words) && said.contains("must be whole"),
            "cut at {cut}: {said}"
        );
        assert!(!out.exists(), "cut at {cut}: a refused re-signing must leave no output");

        let result = command(&[
            path_str(&new),
            "--previous",
            path_str(&short),
            "--output",
            path_str(&out),
        ]);
        let said = text(&result);
        assert!(
            said.contains("signing the whole zone, keeping the previous signatures still good: ")
                && said.contains(words),
            "cut at {cut}: {said}"
        );
        if !reads {
            assert_eq!(result.status.code(), Some(2), "cut at {cut}: {said}");
            assert!(said.contains("short.signed:"), "cut at {cut}: {said}");
            assert!(!out.exists(), "cut at {cut}: nothing is written");
            continue;
        }
        assert!(result.status.success(), "cut at {cut}: {said}");
        let lines = without_signatures(&out);
        assert_eq!(lines.last().map(String::as_str), Some("; end of zone tld."));
        let after_cut = &text_whole[last_name..last_name + 8];
        assert!(
            lines.iter().any(|l| l.starts_with(after_cut)),
            "cut at {cut}: {after_cut} is signed from the new zone"
        );
        assert_externally_valid(&out, "tld.", false);
        std::fs::remove_file(&out).unwrap();
    }
}
