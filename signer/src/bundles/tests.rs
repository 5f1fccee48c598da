//! ZSK planning and bundle selection on hand-made plans and bundles.

use std::path::Path;

use keybundles::bundle::{Bundle, BundleFile, Kind};
use keybundles::dnskey::Dnskey;
use keybundles::rrsig::Rrsig;
use keybundles::time::to_serial;
use keybundles::{Class, Name, Record, Rtype};

use super::{BundleStore, ZskPlan};
use crate::config::{init_text, Config, InitValues, KeyMode};

const DAY: i64 = 86400;
const T: i64 = 1_800_000_000;

fn config(dir: &Path) -> Config {
    let origin: Name = "example.".parse().unwrap();
    let text = init_text(&InitValues {
        origin: &origin,
        mode: KeyMode::OfflineKsk,
        algorithm: 13,
        unsigned: None,
        publish_to: None,
        trust_anchor: Some("ksk.ds"),
    });
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    Config::parse(&text, &dir.join("signer.toml")).unwrap()
}

#[test]
fn plan_rolls_zsks_with_pre_publication_and_retirement() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut plan = ZskPlan::load(&config.keys.key_dir).unwrap();
    let made = plan.extend(&config, T, T + 200 * DAY, T).unwrap();
    assert_eq!(made.len(), 3, "activations at T, T+90d, T+180d");
    let (a, b) = (&plan.zsks[0], &plan.zsks[1]);
    assert_eq!((a.publish, a.activate, a.retire), (T, T, T + 90 * DAY));
    // published a DNSKEY TTL plus publish_safety before it signs
    assert_eq!(b.publish, T + 90 * DAY - 3600 - DAY);
    assert_eq!(b.activate, a.retire);
    // kept until the last signature it made expires, plus retire_safety
    assert_eq!(a.remove, a.retire + 14 * DAY + DAY);
    // exactly one ZSK signs at every instant of the period
    for t in (T..=T + 200 * DAY).step_by(3600) {
        assert_eq!(plan.active_at(t).len(), 1, "at {t}");
    }
    assert_eq!(plan.published_at(b.publish).len(), 2);
    assert_eq!(plan.published_at(a.remove).len(), 1);
    assert!(plan.events_between(T, T + 200 * DAY).contains(&b.publish));
    plan.save().unwrap();
    let back = ZskPlan::load(&config.keys.key_dir).unwrap();
    assert_eq!(back.zsks.len(), 3);
    assert_eq!(back.zsks[1].dnskey, plan.zsks[1].dnskey);
    assert_eq!(back.zsks[2].remove, plan.zsks[2].remove);
    // extending again covers more without new keys where they exist
    let mut again = back;
    assert!(again
        .extend(&config, T + 10 * DAY, T + 150 * DAY, T)
        .unwrap()
        .is_empty());
    assert!(
        again.extend(&config, T - DAY, T + 10 * DAY, T).is_err(),
        "before the plan starts"
    );
}

fn key(n: u8, flags: u16) -> Dnskey {
    Dnskey {
        flags,
        protocol: 3,
        algorithm: 13,
        public_key: vec![n; 64],
    }
}

fn bundle(start: i64, keys: &[&Dnskey], inception: i64, expiration: i64) -> Bundle {
    let owner: Name = "example.".parse().unwrap();
    let mut records: Vec<Record> = keys
        .iter()
        .map(|k| Record::new(owner.clone(), Class::IN, 3600, Rtype::DNSKEY, k.to_rdata()))
        .collect();
    let sig = Rrsig {
        type_covered: Rtype::DNSKEY,
        algorithm: 13,
        labels: 1,
        original_ttl: 3600,
        expiration: to_serial(expiration),
        inception: to_serial(inception),
        key_tag: 1,
        signer: owner.clone(),
        signature: vec![0; 64],
    };
    records.push(Record::new(owner, Class::IN, 3600, Rtype::RRSIG, sig.to_rdata()));
    Bundle::new(start, records)
}

#[test]
fn the_bundle_in_force_and_how_long_a_zsk_stays_published() {
    let (ksk, a, b) = (key(1, 257), key(2, 256), key(3, 256));
    let bundles = vec![
        bundle(T, &[&ksk, &a], T - 3600, T + 21 * DAY),
        bundle(T + 10 * DAY, &[&ksk, &a, &b], T + 10 * DAY - 3600, T + 31 * DAY),
        bundle(T + 20 * DAY, &[&ksk, &b], T + 20 * DAY - 3600, T + 41 * DAY),
    ];
    let store = BundleStore {
        dir: "bundles".into(),
        file: Some(BundleFile::new(Kind::Response, "bundles/bundles.skr".into(), bundles)),
    };
    assert_eq!(store.at(T - 1), None);
    assert_eq!(store.at(T), Some(0));
    assert_eq!(store.at(T + 10 * DAY - 1), Some(0));
    assert_eq!(store.at(T + 10 * DAY), Some(1));
    // the last bundle ends when its signatures expire, less the DNSKEY TTL
    assert_eq!(store.last_end(), Some(T + 41 * DAY - 3600));
    assert_eq!(store.at(T + 41 * DAY - 3600 - 1), Some(2));
    assert_eq!(store.at(T + 41 * DAY - 3600), None);
    // ZSK a leaves when bundle 3 begins; b stays to the end
    assert_eq!(store.published_until(0, &a), T + 20 * DAY);
    assert_eq!(store.published_until(1, &b), T + 41 * DAY - 3600);
}

#[test]
fn no_signature_outlives_the_zsk_publication() {
    use crate::signing::{Denial, SigningPolicy};
    let mut policy = SigningPolicy {
        inception: T - 3600,
        expiration: T + 14 * DAY,
        jitter: 12 * 3600,
        denial: Denial::Nsec,
    };
    assert!(super::signing::cap_expiration(&mut policy, T + 20 * DAY, T)
        .unwrap()
        .is_none());
    assert_eq!(policy.expiration, T + 14 * DAY);
    let note = super::signing::cap_expiration(&mut policy, T + 2 * 3600, T)
        .unwrap()
        .unwrap();
    assert!(note.contains("leaves the DNSKEY RRset"), "{note}");
    assert_eq!(policy.expiration, T + 2 * 3600);
    assert!(
        policy.expiration - policy.jitter > policy.inception,
        "jitter fits in what is left"
    );
    assert!(super::signing::cap_expiration(&mut policy, T, T).is_err());
}
