//! What `signer sign` needs in offline-KSK mode: the bundle in force at
//! the signing instant (re-verified against the trust anchor), the ZSKs
//! the plan has signing then, and how long those stay published — no ZSK
//! signature may outlive the last bundle that publishes its key.

use anyhow::{bail, Context as _};
use keybundles::bundle::checks::verify_signatures;
use keybundles::dnskey::Dnskey;
use keybundles::time::{format_duration, format_human};
use keybundles::Record;

use super::{BundleStore, TrustAnchor, ZskPlan};
use crate::config::Config;
use crate::keys::{self, ZoneKey};
use crate::signing::SigningPolicy;

/// The key material for signing at one instant.
pub struct KeySet {
    /// The bundle's DNSKEY, CDNSKEY and CDS records and their RRSIGs.
    pub records: Vec<Record>,
    /// The ZSKs that sign at that instant.
    pub zsks: Vec<ZoneKey>,
    /// The earliest instant one of them leaves the DNSKEY RRset.
    pub published_until: i64,
    /// "bundle 3 of 12 (…)", for messages.
    pub bundle: String,
}

/// The configured trust anchor (`keys.trust_anchor`).
fn trust_anchor(config: &Config) -> anyhow::Result<TrustAnchor> {
    let anchor_path = config
        .keys
        .trust_anchor
        .as_ref()
        .context("offline-KSK mode needs keys.trust_anchor")?;
    TrustAnchor::load(anchor_path, &config.origin)
}

/// The imported bundles still in force or to come after `now` whose
/// signatures no longer verify against the trust anchor, and why, in
/// order. The store is written only by import-skr, after checking every
/// signature, so a bundle here was changed since (a disk, a hand edit):
/// signing refuses it when it is due.
pub fn unverified_bundles(config: &Config, store: &BundleStore, now: i64) -> anyhow::Result<Vec<(usize, String)>> {
    let Some(file) = &store.file else {
        return Ok(Vec::new());
    };
    let anchor = trust_anchor(config)?;
    Ok((0..file.bundles.len())
        .filter(|&i| store.end_of(i) > now)
        .filter_map(|i| {
            verify_signatures(file, i, &|k: &Dnskey| anchor.matches(k))
                .err()
                .map(|e| (i, e.to_string()))
        })
        .collect())
}

/// The key set for signing at `now`.
pub fn key_set_at(config: &Config, now: i64) -> anyhow::Result<KeySet> {
    let anchor = trust_anchor(config)?;
    let store = BundleStore::load(&config.keys.bundle_dir)?;
    let Some(file) = &store.file else {
        bail!(
            "no key bundles imported in {}: write a KSR with `signer ksr`, have it signed at the ceremony, and import the SKR with `signer import-skr`",
            config.keys.bundle_dir.display()
        );
    };
    let Some(i) = store.at(now) else {
        bail!(
            "refusing to sign: no key bundle covers {} — the imported bundles cover {} to {}; import a new SKR (or check --now)",
            format_human(now),
            format_human(file.bundles[0].start),
            format_human(store.last_end().unwrap_or(0))
        );
    };
    let bundle = &file.bundles[i];
    let name = format!("{} of {}", file.bundle_ref(i), file.source.display());
    verify_signatures(file, i, &|k: &Dnskey| anchor.matches(k)).context("the imported bundle no longer verifies")?;
    if let Some((inception, expiration)) = bundle.signature_window() {
        if now < inception || now >= expiration {
            bail!(
                "{name}: its signatures are valid {} to {}, not at {}",
                format_human(inception),
                format_human(expiration),
                format_human(now)
            );
        }
    }
    let plan = ZskPlan::load(&config.keys.key_dir)?;
    let active = plan.active_at(now);
    if active.is_empty() {
        bail!(
            "no planned ZSK signs at {} (see {}); run `signer ksr` to plan ZSKs",
            format_human(now),
            config.keys.key_dir.join(super::plan::PLAN_FILE).display()
        );
    }
    let published = bundle.dnskeys();
    let mut zsks = Vec::new();
    let mut published_until = i64::MAX;
    for planned in active {
        if !published.contains(&planned.dnskey) {
            bail!("{name}: the active ZSK {} is not in its DNSKEY RRset", planned.tag());
        }
        let key = keys::load(&config.keys.key_dir.join(&planned.key))?;
        published_until = published_until.min(store.published_until(i, &planned.dnskey));
        zsks.push(key);
    }
    Ok(KeySet {
        records: bundle.records.clone(),
        zsks,
        published_until,
        bundle: name,
    })
}

/// Shortens `policy` so no signature outlives `until`; keeps the jitter
/// inside what is left. Returns a note when it had to.
pub fn cap_expiration(policy: &mut SigningPolicy, until: i64, now: i64) -> anyhow::Result<Option<String>> {
    if policy.expiration <= until {
        return Ok(None);
    }
    if until <= now {
        bail!(
            "the ZSK leaves the DNSKEY RRset at {}, which is not after now",
            format_human(until)
        );
    }
    let wanted = policy.expiration;
    policy.expiration = until;
    let room = policy.expiration - policy.inception;
    if policy.jitter >= room {
        policy.jitter = room / 2;
    }
    Ok(Some(format!(
        "signatures expire at {} instead of {}: the ZSK leaves the DNSKEY RRset then (in {}); re-sign before that",
        format_human(until),
        format_human(wanted),
        format_duration(until - now)
    )))
}
