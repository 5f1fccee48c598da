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
