//! `signer sign --previous`: unchanged, fresh signatures are kept; changed
//! RRsets, their neighbours in the denial chain, and signatures due for
//! refresh are made anew — and the result still validates everywhere.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use signet_tests::{assert_externally_valid, keygen, run, signer_bin, text, without_signatures};

/// A TLD-like zone: `n` delegations, every fifth with a DS; `changed`
/// lists delegations whose NS target differs, `removed` ones left out.
fn tld(n: usize, changed: &[usize], removed: &[usize]) -> String {
    let mut z = String::from(
        "$ORIGIN tld.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n",
    );
    for i in (0..n).filter(|i| !removed.contains(i)) {
        let provider = if changed.contains(&i) { 999 } else { i % 7 };
        let _ = writeln!(z, "d{i:05} NS ns1.provider{provider}.example.");
        if i % 5 == 0 {
            let _ = writeln!(z, "d{i:05} DS {} 13 2 {:064X}", 1000 + i, i);
        }
    }
    z
}

struct Run {
    kept: usize,
    made: usize,
}

fn sign(dir: &Path, zone: &str, name: &str, keys: &[String], extra: &[&str]) -> (PathBuf, Run) {
    let input = dir.join(format!("{name}.zone"));
    std::fs::write(&input, zone).unwrap();
    let output = dir.join(format!("{name}.signed"));
    let mut cmd = Command::new(signer_bin());
    cmd.arg("sign")
        .arg(&input)
        .args(["--origin", "tld", "--jitter", "1d", "--output"])
        .arg(&output)
        .args(extra);
    for key in keys {
        cmd.args(["--key", key]);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    // "kept N signatures from PREVIOUS, made M" (spliced or not).
    let after = |word: &str| -> usize {
        said.split(word)
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (
        output,
        Run {
            kept: after("kept "),
            made: after(", made "),
        },
    )
}

fn keys(dir: &Path) -> Vec<String> {
    vec![keygen(dir, "tld", true), keygen(dir, "tld", false)]
}

fn verify_with_signet(zone: &Path) {
    let out = run(Command::new(signer_bin())
        .arg("verify")
        .arg(zone)
        .args(["--origin", "tld"]));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn one_percent_change_resigns_a_small_fraction() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let n = 1000;
    let (first, _) = sign(dir.path(), &tld(n, &[], &[]), "first", &keys, &[]);
    let total = std::fs::read_to_string(&first)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\tRRSIG\t"))
        .count();

    // 1% of delegations change their NS; two DS-carrying delegations go away.
    let changed: Vec<usize> = (0..n).step_by(100).map(|i| i + 1).collect();
    let removed = [500, 700];
    let previous = first.to_string_lossy().to_string();
    let (second, counts) = sign(
        dir.path(),
        &tld(n, &changed, &removed),
        "second",
        &keys,
        &["--previous", &previous],
    );
    assert_externally_valid(&second, "tld.", false);
    verify_with_signet(&second);
    // NS is not signed at a delegation, so changed NS alone needs no new
    // RRSIG; the removals change two neighbours' NSEC records.
    assert!(
        counts.made >= 2,
        "the neighbours' NSEC records must be re-signed (made {})",
        counts.made
    );
    assert!(
        counts.made * 100 <= total,
        "re-signed {} of {total}: more than 1%",
        counts.made
    );
    assert!(
        counts.kept + counts.made < total,
        "removed RRsets should have fewer signatures"
    );

    // Ten days later everything with less than the refresh threshold left is re-made.
    let (third, late) = sign(
        dir.path(),
        &tld(n, &changed, &removed),
        "third",
        &keys,
        &["--previous", &second.to_string_lossy(), "--now", "+10d"],
    );
    assert_eq!(
        late.kept, 0,
        "signatures expiring within the refresh threshold must not be kept"
    );
    let out = run(Command::new(signer_bin())
        .arg("verify")
        .arg(&third)
        .args(["--origin", "tld", "--at", "+10d"]));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_new_key_signs_everything_it_must() {
    let dir = tempfile::tempdir().unwrap();
    let old = keys(dir.path());
    let (first, _) = sign(dir.path(), &tld(50, &[], &[]), "first", &old, &[]);
    let new_dir = dir.path().join("new");
    std::fs::create_dir(&new_dir).unwrap();
    let new = keys(&new_dir);
    let (second, counts) = sign(
        dir.path(),
        &tld(50, &[], &[]),
        "second",
        &new,
        &["--previous", &first.to_string_lossy()],
    );
    assert_eq!(counts.kept, 0, "signatures by keys no longer signing must not be kept");
    assert_externally_valid(&second, "tld.", false);
}

/// Inceptions of the RRSIGs of a signed zone, in seconds since 1970.
fn inceptions(zone: &Path) -> Vec<i64> {
    std::fs::read_to_string(zone)
        .unwrap()
        .lines()
        .filter_map(|line| line.split('\t').nth(4).filter(|_| line.contains("\tRRSIG\t")))
        .map(|rdata| {
            let field = rdata.split(' ').nth(5).unwrap();
            i64::from(keybundles::time::parse_rrsig_time(field.as_bytes()).unwrap())
        })
        .collect()
}

/// A zone signed at once and re-signed by a daily job never comes due at
/// once: each RRset has its moment in a cycle of validity − jitter −
/// refresh (14d − 1d − 5d = 8 days here), so every run makes about an
/// eighth of the signatures again. Before the schedule, the daily run on
/// the ninth day found every signature within the refresh threshold and
/// made all of them, and again every nine days. Each day both ways of
/// keeping signatures run (spliced into the previous text, and
/// `--no-splice`) and must give the same zone but for the signature values
/// made anew; the spliced one goes on. The last zone validates in BIND and
/// ldns at today's date, with no signature older than a cycle and a day.
#[test]
fn a_daily_job_resigns_an_eighth_of_the_zone_each_day_never_all_of_it() {
    daily_job(&[]);
}

/// The same with NSEC3 opt-out, where a name with only its signatures due
/// is spliced as its subtree, its NSEC3 record left in place.
#[test]
fn a_daily_job_on_an_nsec3_opt_out_zone_never_finds_all_of_it_due() {
    daily_job(&["--nsec3", "--opt-out"]);
}

fn daily_job(denial: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let zone = tld(1000, &[], &[]);
    let days = 20;
    // Absolute instants: both forms of a day sign at the same one.
    let today = keybundles::time::system_now();
    let day_at = |day: i64| (today - (days - day) * 86_400).to_string();
    let start = day_at(0);
    let first = [&["--now", &start][..], denial].concat();
    let (mut previous, _) = sign(dir.path(), &zone, "day0", &keys, &first);
    let total = inceptions(&previous).len();
    let mut made = Vec::new();
    for day in 1..=days {
        let now = day_at(day);
        let previous_text = previous.to_string_lossy().to_string();
        let extra = [&["--now", &now, "--previous", &previous_text][..], denial].concat();
        let (output, counts) = sign(dir.path(), &zone, &format!("day{day}"), &keys, &extra);
        assert_eq!(counts.kept + counts.made, total, "day {day}");
        let whole = [&extra[..], &["--no-splice"]].concat();
        let (whole, whole_counts) = sign(dir.path(), &zone, &format!("day{day}-whole"), &keys, &whole);
        assert_eq!(
            (counts.kept, counts.made),
            (whole_counts.kept, whole_counts.made),
            "day {day}"
        );
        assert!(
            without_signatures(&output) == without_signatures(&whole),
            "day {day}: the spliced zone is not the zone signed whole"
        );
        made.push(counts.made);
        previous = output;
    }
    // An eighth is 12.5%; the moments are a hash, so allow for its spread.
    for (day, &count) in made.iter().enumerate() {
        assert!(
            count > total / 16 && count < total / 5,
            "day {}: made {count} of {total} signatures; each day's runs: {made:?}",
            day + 1
        );
    }
    let now = today;
    let oldest = inceptions(&previous).into_iter().min().unwrap();
    assert!(
        now - oldest <= 9 * 86_400 + 3_600 + 600,
        "a signature made {} days ago was still kept",
        (now - oldest) / 86_400
    );
    assert_externally_valid(&previous, "tld.", false);
    verify_with_signet(&previous);
}
