//! What an SKR must satisfy before `signer import-skr` takes it. Every
//! refusal names the file, the bundle and the reason.
//!
//! 1. It is for this zone.
//! 2. It continues the bundles already imported without a gap.
//! 3. It answers a KSR this signer wrote: it starts where the KSR starts
//!    and has a bundle at every instant the KSR has one (a signer may add
//!    bundles in between, as Knot's `sign-ksr` does to refresh signatures).
//! 4. Every bundle's RRSIGs verify, with at least one by a KSK matching
//!    the trust anchor over each RRset, and CDS/CDNSKEY point at its keys.
//! 5. Every bundle's DNSKEY RRset is the planned ZSK set plus KSK(s).
//! 6. Each bundle's signatures are valid from its start until the next
//!    bundle begins plus the DNSKEY TTL.

use keybundles::bundle::checks::{check_cds, check_windows, signature_windows, verify_signatures, ValidityRules};
use keybundles::bundle::{BundleError, BundleFile};
use keybundles::dnskey::Dnskey;
use keybundles::time::format_human;

use super::{BundleStore, TrustAnchor, ZskPlan};
use keybundles::Name;

/// Runs every check on `skr`; `request` is the KSR it should answer.
pub fn check(
    origin: &Name,
    anchor: &TrustAnchor,
    plan: &ZskPlan,
    store: &BundleStore,
    request: Option<&BundleFile>,
    skr: &BundleFile,
) -> Result<(), BundleError> {
    let fail = |i: usize, reason: String| BundleError::bundle(&skr.source, skr.bundle_ref(i), reason);
    let first = skr.bundles[0].start;
    let last = skr.bundles[skr.bundles.len() - 1].start;

    // 1. zone
    if let Some(zone) = skr.zone() {
        if !zone.eq_ignore_case(origin) {
            return Err(fail(
                0,
                format!("the SKR is for {zone}, but this signer signs {origin}"),
            ));
        }
    }

    // 2. continuity
    if let (Some(stored_first), Some(stored_last)) = (store.bundles().first(), store.bundles().last()) {
        if first > stored_last.start {
            return Err(fail(
                0,
                format!(
                    "it starts at {}, after the last imported bundle (from {}): the SKR does not continue the imported ones, there would be a gap; it must start at or before that bundle",
                    format_human(first),
                    format_human(stored_last.start)
                ),
            ));
        }
        if last < stored_last.start || first < stored_first.start {
            return Err(fail(
                0,
                format!(
                    "it covers {} to {}, but bundles up to {} are imported already: importing it would drop newer bundles or rewrite history",
                    format_human(first),
                    format_human(last),
                    format_human(stored_last.start)
                ),
            ));
        }
    }

    // 3. the request it answers
    let Some(request) = request else {
        return Err(fail(
            0,
            format!(
                "no KSR starting at {} was written here by `signer ksr` (looked for {})",
                format_human(first),
                store.request_path(first).display()
            ),
        ));
    };
    if request.bundles[0].start != first {
        return Err(fail(
            0,
            format!(
                "it starts at {}, but the KSR starts at {}",
                format_human(first),
                format_human(request.bundles[0].start)
            ),
        ));
    }
    for (k, wanted) in request.bundles.iter().enumerate() {
        if !skr.bundles.iter().any(|b| b.start == wanted.start) {
            let before = skr.bundles.iter().rposition(|b| b.start < wanted.start).unwrap_or(0);
            return Err(fail(
                before,
                format!(
                    "the KSR's bundle {} of {} (from {}) is missing from the SKR: a gap",
                    k + 1,
                    request.bundles.len(),
                    format_human(wanted.start)
                ),
            ));
        }
    }

    // 4 and 5, bundle by bundle
    for (i, bundle) in skr.bundles.iter().enumerate() {
        verify_signatures(skr, i, &|key: &Dnskey| anchor.matches(key))?;
        check_cds(skr, i)?;
        let planned = plan.published_at(bundle.start);
        if plan.active_at(bundle.start).is_empty() {
            return Err(fail(i, "the ZSK plan has no key that signs at its start".into()));
        }
        let zsks = bundle.zsks();
        let tags = |keys: &mut dyn Iterator<Item = u16>| keys.map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
        for key in &zsks {
            if !planned.iter().any(|z| z.dnskey == *key) {
                return Err(fail(
                    i,
                    format!(
                        "its DNSKEY RRset holds key {} (flags {}) that was not requested (planned ZSKs: {})",
                        key.key_tag(),
                        key.flags,
                        tags(&mut planned.iter().map(|z| z.tag()))
                    ),
                ));
            }
        }
        for z in &planned {
            if !zsks.contains(&z.dnskey) {
                return Err(fail(
                    i,
                    format!(
                        "its DNSKEY RRset lacks the requested ZSK {} (it has ZSKs: {})",
                        z.tag(),
                        tags(&mut zsks.iter().map(Dnskey::key_tag))
                    ),
                ));
            }
        }
    }

    // 6. validity
    let windows = signature_windows(skr)?;
    let rules = ValidityRules {
        min_validity: 0,
        max_validity: i64::from(u32::MAX),
        min_overlap: 0,
        max_overlap: i64::from(u32::MAX),
    };
    check_windows(skr, &windows, &rules)
}
