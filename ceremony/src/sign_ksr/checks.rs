//! The checks the root zone's KSK ceremony applies to a KSR (the IANA
//! `kskm` tools are the reference), made before anything is signed. Each
//! failure names the bundle and the reason.

use anyhow::{bail, Result};
use keybundles::bundle::checks::{check_windows, check_zsks, verify_signatures};
use keybundles::bundle::BundleFile;
use keybundles::dnskey::Dnskey;
use keybundles::time::{format_duration, format_human};
use keybundles::Name;

use super::policy::Policy;

/// The signature window each bundle will get: from `inception_offset`
/// before its start, for `signature_validity`.
pub fn windows(ksr: &BundleFile, policy: &Policy) -> Vec<(i64, i64)> {
    ksr.bundles
        .iter()
        .map(|b| {
            let inception = b.start - policy.inception_offset;
            (inception, inception + policy.signature_validity)
        })
        .collect()
}

/// Checks that need no token: domain, no replay, ZSKs, validity, overlap,
/// horizon, nothing in the past, and continuity with the previous SKR's
/// last bundle.
pub fn check_ksr(
    ksr: &BundleFile,
    zone: &Name,
    policy: &Policy,
    previous: Option<&BundleFile>,
    now: i64,
) -> Result<()> {
    let source = ksr.source.display();
    match ksr.zone() {
        Some(z) if z.eq_ignore_case(zone) => {}
        Some(z) => bail!("{source}: the KSR is for {z}, but this ceremony signs for {zone}"),
        None => bail!("{source}: the KSR has no records"),
    }
    if let Some(prev) = previous {
        let prev_source = prev.source.display();
        if prev.zone().is_some_and(|z| !z.eq_ignore_case(zone)) {
            bail!("{prev_source}: the previous SKR is not for {zone}");
        }
        if prev.note("ksr-sha256") == Some(ksr.sha256_hex().as_str()) {
            bail!(
                "{source}: this KSR (SHA-256 {}) was already signed: the previous SKR {prev_source} answers it. Refusing a replay",
                ksr.sha256_hex()
            );
        }
        // SKRs from other tools carry no KSR hash: a KSR that starts where
        // the previous SKR starts asks for the same period again.
        if prev.bundles[0].start == ksr.bundles[0].start {
            bail!(
                "{source}: this KSR starts at {}, where the previous SKR {prev_source} starts: it asks for a period already signed. Refusing a replay",
                format_human(ksr.bundles[0].start)
            );
        }
    }
    check_zsks(ksr, &policy.zsks)?;
    let windows = windows(ksr, policy);
    check_windows(ksr, &windows, &policy.validity)?;
    for (i, &(_, expiration)) in windows.iter().enumerate() {
        let name = ksr.bundle_ref(i);
        if expiration > now + policy.horizon {
            bail!(
                "{source}: {name}: its signatures would expire {}, beyond the horizon of {} from now ({})",
                format_human(expiration),
                format_duration(policy.horizon),
                format_human(now + policy.horizon)
            );
        }
        let end = ksr.next_start(i).unwrap_or(expiration);
        if end <= now {
            bail!(
                "{source}: {name}: the bundle lies in the past (it ends {})",
                format_human(end)
            );
        }
    }
    if let Some(prev) = previous {
        let last = prev.bundles.last().map(|b| b.zsks()).unwrap_or_default();
        let first = &ksr.bundles[0];
        if let Some(key) = first.zsks().into_iter().find(|k| !last.contains(k)) {
            bail!(
                "{source}: {}: ZSK {} was not in the last bundle of the previous SKR {} (ZSKs {:?}): the chain of trust would break",
                ksr.bundle_ref(0),
                key.key_tag(),
                prev.source.display(),
                last.iter().map(Dnskey::key_tag).collect::<Vec<_>>()
            );
        }
    }
    Ok(())
}

/// The previous SKR's last bundle must be signed by one of this
/// ceremony's KSKs (in any of its forms: plain or revoked).
pub fn check_previous_signed(prev: &BundleFile, ksks: &[Dnskey]) -> Result<()> {
    let same_key = |k: &Dnskey| {
        ksks.iter()
            .any(|o| o.algorithm == k.algorithm && o.public_key == k.public_key)
    };
    verify_signatures(prev, prev.bundles.len() - 1, &same_key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use keybundles::bundle::{parse, Kind};

    use super::*;

    const KSR: &str = include_str!("../../../keybundles/src/bundle/testdata/knot-3.2.6.ksr");
    const SKR: &str = include_str!("../../../keybundles/src/bundle/testdata/knot-3.2.6.skr");

    #[test]
    fn replays_and_other_zones_are_refused() {
        let ksr = parse(KSR, Path::new("knot.ksr"), Kind::Request).unwrap();
        let skr = parse(SKR, Path::new("knot.skr"), Kind::Response).unwrap();
        let zone: Name = "example.com.".parse().unwrap();
        let now = ksr.bundles[0].start - 86400;
        // Knot's SKR answers this KSR; it has no `;; Signet ksr-sha256` note
        let err = check_ksr(&ksr, &zone, &Policy::default(), Some(&skr), now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Refusing a replay"), "{err}");
        let other: Name = "example.net.".parse().unwrap();
        let err = check_ksr(&ksr, &other, &Policy::default(), None, now)
            .unwrap_err()
            .to_string();
        assert!(err.contains("but this ceremony signs for example.net."), "{err}");
        // Knot's 30-day gaps are too long for 21-day signatures ...
        let err = check_ksr(&ksr, &zone, &Policy::default(), None, now)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bundle 1 of 8") && err.contains("before the next bundle begins"),
            "{err}"
        );
        // ... and fine with 35-day ones
        let mut policy = Policy {
            signature_validity: 35 * 86400,
            ..Policy::default()
        };
        policy.validity.max_validity = 40 * 86400;
        policy.validity.max_overlap = 35 * 86400;
        check_ksr(&ksr, &zone, &policy, None, now).unwrap();
    }
}
