//! Guardrails on zones signed for real (keys made here, signed by
//! `sign_zone`, verified by `verify_zone`), then changed the way the
//! incidents changed them. The binary-level scenarios are in
//! tests/tests/publish_guardrails.rs.

use std::path::Path;

use indicatif::ProgressBar;
use keybundles::algorithm::Algorithm;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::to_serial;
use keybundles::zonefile::ZoneReader;
use keybundles::{Name, Record, Rtype};

use super::*;
use crate::config::Config;
use crate::keys::{self, ZoneKey};
use crate::signing::sign_zone;
use crate::verify::{verify_zone, Options};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86400;

const ZONE: &str = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 hostmaster 7 7200 3600 1209600 300\n\
    @ NS ns1\n@ NS ns2.example.net.\nns1 A 192.0.2.1\nwww A 192.0.2.10\nmail MX 10 www\n\
    child NS ns.example.net.\n";

fn config() -> Config {
    let text = "[zone]\norigin = \"example.\"\n[keys]\nmode = \"software\"\n";
    Config::parse(text, Path::new("/srv/signet/signer.toml")).unwrap()
}

struct Keys {
    _dir: tempfile::TempDir,
    keys: Vec<ZoneKey>,
}

fn make_keys() -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let origin: Name = "example.".parse().unwrap();
    for ksk in [true, false] {
        let key = keys::generate(Algorithm::EcdsaP256Sha256, None, ksk).unwrap();
        keys::write_key_files(dir.path(), &origin, &key, NOW).unwrap();
    }
    let keys = keys::load_dir(dir.path(), &origin).unwrap();
    Keys { _dir: dir, keys }
}

fn sign(keys: &Keys, zone_text: &str, at: i64) -> Vec<Record> {
    let config = config();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.zone");
    std::fs::write(&path, zone_text).unwrap();
    let zone = crate::zone::load(&path, &config.origin, &Default::default(), &mut |_| {}).unwrap();
    let policy = crate::publish::policy(&config, at).unwrap();
    sign_zone(zone, &keys.keys, &policy, &ProgressBar::hidden(), &mut |_| {})
        .unwrap()
        .records
}

/// Runs every guardrail at `now` on `records`, with `old` published.
fn outcomes(config: &Config, records: &[Record], old: Option<&[Record]>, now: i64) -> Vec<Outcome> {
    let origin = &config.origin;
    let (view, _) = ZoneView::build(origin, records.to_vec());
    let report = verify_zone(
        origin,
        records.to_vec(),
        &Options {
            at: now,
            min_remaining: Some(config.guardrails.min_remaining),
        },
        &[],
    );
    let facts = ZoneFacts::of(&view, now);
    let old = old.map(|r| {
        let (v, _) = ZoneView::build(origin, r.to_vec());
        let f = ZoneFacts::of(&v, now);
        (v, f)
    });
    let published = match &old {
        Some((_, facts)) => Published::Zone { facts },
        None => Published::None,
    };
    let plan = serial::plan(facts.serial.unwrap(), "digest", None, None);
    let inputs = Inputs {
        now,
        origin,
        config,
        view: &view,
        report: &report,
        facts: &facts,
        published,
        state: None,
        serial: &plan,
        bundles: None,
        expiration_cap: None,
        parent_ds: None,
        trust_anchor: None,
    };
    run_all(&inputs)
}

fn outcome(config: &Config, records: &[Record], old: Option<&[Record]>, now: i64, name: &str) -> Outcome {
    outcomes(config, records, old, now)
        .into_iter()
        .find(|o| o.name == name)
        .unwrap()
}

/// Re-signs `owner`'s `rtype` RRset with the ZSK, its expiration moved by
/// `shift` seconds: a correct signature with the wrong times.
fn retime(records: &mut [Record], keys: &Keys, owner: &str, rtype: Rtype, shift: i64) {
    let owner: Name = owner.parse().unwrap();
    let rrset: Vec<Record> = records
        .iter()
        .filter(|r| r.owner == owner && r.rtype == rtype)
        .cloned()
        .collect();
    let refs: Vec<&Record> = rrset.iter().collect();
    let zsk = keys.keys.iter().find(|k| !k.is_ksk()).unwrap();
    let sig = records
        .iter_mut()
        .find(|r| r.owner == owner && r.rtype == Rtype::RRSIG && r.rdata[..2] == rtype.0.to_be_bytes())
        .unwrap();
    let mut rrsig = Rrsig::from_rdata(&sig.rdata).unwrap();
    rrsig.expiration = to_serial(i64::from(rrsig.expiration) + shift);
    rrsig.signature = Vec::new();
    rrsig.signature = zsk.signing.sign(&signing_input(&rrsig, &refs)).unwrap();
    sig.rdata = rrsig.to_rdata().into();
}

#[test]
fn a_fresh_zone_passes_every_guardrail() {
    let keys = make_keys();
    let records = sign(&keys, ZONE, NOW);
    for o in outcomes(&config(), &records, None, NOW) {
        assert!(matches!(o.status, Status::Pass | Status::NotApplicable), "{o:?}");
    }
}

#[test]
fn expiry_as_planned_catches_a_re_timed_signature_that_clears_the_floor() {
    let keys = make_keys();
    let mut records = sign(&keys, ZONE, NOW);
    // Two days early: still 11+ days left, far above the 3-day floor, and
    // cryptographically fine.
    retime(&mut records, &keys, "www.example.", Rtype::A, -2 * DAY);
    let config = config();
    assert_eq!(outcome(&config, &records, None, NOW, "valid").status, Status::Pass);
    assert_eq!(
        outcome(&config, &records, None, NOW, "expiry-floor").status,
        Status::Pass
    );
    let o = outcome(&config, &records, None, NOW, "expiry-as-planned");
    assert_eq!(o.status, Status::Fail, "{o:?}");
    assert_eq!(o.findings.len(), 1, "{o:?}");
    assert!(
        o.findings[0].starts_with("www.example. A") && o.findings[0].contains("2d 0h EARLIER"),
        "{o:?}"
    );
    // Later than planned is a policy mismatch too.
    let mut records = sign(&keys, ZONE, NOW);
    retime(&mut records, &keys, "mail.example.", Rtype::MX, 3600);
    let o = outcome(&config, &records, None, NOW, "expiry-as-planned");
    assert!(o.is_failure() && o.findings[0].contains("later than planned"), "{o:?}");
}

#[test]
fn expiry_as_planned_accepts_kept_signatures_until_refresh_is_due() {
    let keys = make_keys();
    let config = config();
    // Made a day ago by the same policy: planned for then, 13 days left.
    let records = sign(&keys, ZONE, NOW - DAY);
    assert_eq!(
        outcome(&config, &records, None, NOW, "expiry-as-planned").status,
        Status::Pass
    );
    // Made ten days ago: under 5 days (refresh) left, should be re-made.
    let records = sign(&keys, ZONE, NOW - 10 * DAY);
    let o = outcome(&config, &records, None, NOW, "expiry-as-planned");
    assert!(
        o.is_failure() && o.findings[0].contains("should have been made again"),
        "{o:?}"
    );
}

#[test]
fn no_regression_compares_with_the_published_zone() {
    let keys = make_keys();
    let config = config();
    let old = sign(&keys, ZONE, NOW);
    let newer = sign(&keys, ZONE, NOW + 3600);
    let o = outcome(&config, &newer, Some(&old), NOW + 3600, "no-regression");
    assert_eq!(o.status, Status::Pass, "{o:?}");
    let mut early = newer.clone();
    retime(&mut early, &keys, "www.example.", Rtype::A, -DAY);
    let o = outcome(&config, &early, Some(&old), NOW + 3600, "no-regression");
    assert!(o.is_failure(), "{o:?}");
    assert_eq!(o.findings.len(), 1);
    assert!(
        o.findings[0].contains("www.example. A") && o.findings[0].contains("23h"),
        "{o:?}"
    );
}

#[test]
fn clock_refuses_signatures_from_the_future() {
    let keys = make_keys();
    let config = config();
    let records = sign(&keys, ZONE, NOW + 2 * 3600);
    let o = outcome(&config, &records, None, NOW, "clock");
    assert!(o.is_failure() && o.findings[0].contains("in the future"), "{o:?}");
    // Published by a clock ahead of this one.
    let newer = sign(&keys, ZONE, NOW);
    let o = outcome(&config, &newer, Some(&records), NOW, "clock");
    assert!(
        o.is_failure() && o.findings.iter().any(|f| f.contains("published zone")),
        "{o:?}"
    );
}

#[test]
fn serial_plan_follows_rfc_1982() {
    use serial::{plan, serial_gt};
    assert!(serial_gt(2, 1) && !serial_gt(1, 2) && !serial_gt(5, 5));
    assert!(serial_gt(5, u32::MAX), "wraps");
    assert!(
        !serial_gt(0x8000_0000, 0) && !serial_gt(0, 0x8000_0000),
        "undefined distance"
    );
    assert_eq!(plan(10, "a", None, None).output, 10);
    assert_eq!(plan(11, "a", Some(10), None).output, 11);
    let same = plan(10, "a", Some(10), None);
    assert_eq!((same.output, same.refused.is_none()), (11, true), "re-sign bumps");
    assert!(plan(9, "a", Some(10), None).refused.is_some(), "stale");
    assert!(
        plan(0x8000_000a, "a", Some(10), None).refused.is_some(),
        "too far ahead is behind"
    );
}

#[test]
fn bundle_runway_covers_until_the_signatures_expire() {
    use bundle_runway::evaluate;
    let p = |a: i64, b: i64| BundlePeriod {
        inception: NOW + a * DAY,
        expiration: NOW + b * DAY,
    };
    let until = NOW + 14 * DAY;
    let (warning, validity) = (30 * DAY, 14 * DAY);
    let o = evaluate(NOW, until, &[p(-5, 20), p(15, 40), p(35, 60)], warning, validity);
    assert_eq!(o.status, Status::Pass, "{o:?}");
    let o = evaluate(NOW, until, &[p(-5, 10)], warning, validity);
    assert!(o.is_failure() && o.summary.contains("cover only until"), "{o:?}");
    let o = evaluate(NOW, until, &[p(-5, 10), p(12, 40)], warning, validity);
    assert!(o.is_failure(), "a gap: {o:?}");
    let o = evaluate(NOW, until, &[p(1, 20)], warning, validity);
    assert!(o.is_failure() && o.summary.contains("covers now"), "{o:?}");
    assert!(evaluate(NOW, until, &[], warning, validity).is_failure());
    let o = evaluate(NOW, until, &[p(-5, 20)], warning, validity);
    assert_eq!(o.status, Status::Warn, "{o:?}");
    // Ceremony deadline: the last end (NOW + 20 d) less the validity (14 d).
    assert!(o.summary.contains(&when(NOW + 6 * DAY)), "{o:?}");
}

fn view(text: &str) -> ZoneView {
    let origin: Name = "example.".parse().unwrap();
    let records: Vec<Record> = ZoneReader::from_str(text, Path::new("t.zone"), &origin)
        .map(|e| e.unwrap().record)
        .collect();
    ZoneView::build(&origin, records).0
}

const HEAD: &str = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n@ NS ns2\n\
    ns1 A 192.0.2.1\nns2 A 198.51.100.1\n";

#[test]
fn delegations_findings() {
    assert_eq!(delegations::findings(&view(HEAD)), Vec::<String>::new());
    // A cycle: a's servers are under b and b's under a, without glue.
    let f = delegations::findings(&view(&format!("{HEAD}a NS ns.b\nb NS ns.a\nc NS ns.example.net.\n")));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("a.example. -> b.example. -> a.example.") && f[0].contains("without glue"),
        "{f:?}"
    );
    // Sibling glue breaks the cycle (b's lone server is then one network).
    let f = delegations::findings(&view(&format!(
        "{HEAD}a NS ns.b\nb NS ns.a\nns.a.example. A 192.0.2.9\n"
    )));
    assert!(f.len() == 1 && f[0].starts_with("b.example. NS: all 1 "), "{f:?}");
    // In-domain servers, glued, all in one /24.
    let f = delegations::findings(&view(&format!(
        "{HEAD}d NS ns1.d\nd NS ns2.d\nns1.d A 203.0.113.1\nns2.d A 203.0.113.2\n"
    )));
    assert!(f.len() == 1 && f[0].contains("203.0.113.0/24"), "{f:?}");
    // Two networks (an IPv6 /48 is one): fine.
    let f = delegations::findings(&view(&format!(
        "{HEAD}d NS ns1.d\nd NS ns2.d\nns1.d A 203.0.113.1\nns2.d AAAA 2001:db8:1::1\n"
    )));
    assert_eq!(f, Vec::<String>::new());
    // The apex's own name servers in one /24.
    let f = delegations::findings(&view(
        "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n",
    ));
    assert!(
        f.len() == 1 && f[0].starts_with("example. NS") && f[0].contains("192.0.2.0/24"),
        "{f:?}"
    );
    // Lame: an in-zone server name without an address.
    let f = delegations::findings(&view(&format!("{HEAD}d NS www\n")));
    assert!(f.len() == 1 && f[0].contains("no A or AAAA"), "{f:?}");
}
