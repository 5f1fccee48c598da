//! **bundle-runway** (offline-KSK mode): the imported key bundles cover
//! every instant from now until the new signatures expire, and the last
//! bundle does not end within `guardrails.bundle_runway_warning` (default
//! 30 days) — if it does, the warning names the date by which a key
//! ceremony must happen.
//!
//! `signer publish` reads the imported bundles (`[keys] bundle_dir`) and
//! hands their periods in as [`BundlePeriod`]s. With software keys there
//! are no bundles and this guardrail does not apply.

use keybundles::time::format_duration;

use super::{when, Inputs, Outcome, Status};

pub const NAME: &str = "bundle-runway";

/// When one imported bundle is in force (its start until the next bundle's
/// start, or for the last one until its signatures expire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundlePeriod {
    pub inception: i64,
    pub expiration: i64,
}

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let Some(periods) = inputs.bundles else {
        return Outcome::not_applicable(NAME, "software keys: the KSK signs here, no key bundles to run out");
    };
    let until = inputs
        .facts
        .all_sigs()
        .map(|s| s.expiration)
        .max()
        .unwrap_or(inputs.now);
    evaluate(
        inputs.now,
        until,
        periods,
        inputs.config.guardrails.bundle_runway_warning,
        inputs.config.signatures.validity,
    )
}

/// The verdict for `periods` at `now`, new signatures lasting `until`.
pub fn evaluate(now: i64, until: i64, periods: &[BundlePeriod], warning: i64, validity: i64) -> Outcome {
    let mut sorted = periods.to_vec();
    sorted.sort_by_key(|p| p.inception);
    // Walk forward from now through overlapping or touching periods.
    let mut covered_to = now;
    let mut started = false;
    for p in &sorted {
        if p.inception <= covered_to && p.expiration > covered_to {
            covered_to = p.expiration;
            started = true;
        }
    }
    let Some(last_end) = sorted.iter().map(|p| p.expiration).max() else {
        return Outcome::new(
            NAME,
            Status::Fail,
            "no key bundles are imported: nothing can sign the DNSKEY RRset",
        );
    };
    if !started {
        return Outcome::new(
            NAME,
            Status::Fail,
            format!(
                "no imported bundle covers now ({}): import the bundles from the last ceremony",
                when(now)
            ),
        );
    }
    if covered_to < until {
        return Outcome::new(
            NAME,
            Status::Fail,
            format!(
                "the bundles cover only until {}, but the new signatures last until {}: resolvers would lose the DNSKEY RRset first",
                when(covered_to),
                when(until)
            ),
        );
    }
    let deadline = last_end - validity;
    if last_end - now < warning {
        return Outcome::new(
            NAME,
            Status::Warn,
            format!(
                "the last key bundle ends {} ({} from now): hold a key ceremony before {}, the last day a publication is still covered",
                when(last_end),
                format_duration(last_end - now),
                when(deadline)
            ),
        );
    }
    Outcome::pass(
        NAME,
        format!(
            "bundles cover until {}; next ceremony due before {}",
            when(last_end),
            when(deadline)
        ),
    )
}
