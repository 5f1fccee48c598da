//! **no-regression**: compared with the zone currently published, no
//! RRset's signature expiry moves earlier — unless the RRset is now signed
//! by a different key that the published zone already carried in its
//! DNSKEY set (a planned rollover).
//!
//! Per (owner, type), the latest expiration among its signatures is
//! compared: that is how long a resolver can keep validating it.

use std::collections::HashSet;

use keybundles::time::format_duration;
use rayon::prelude::*;

use super::facts::SigTimes;
use super::{when, Inputs, Outcome, Published, Status};

pub const NAME: &str = "no-regression";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let old = match &inputs.published {
        Published::None => return Outcome::not_applicable(NAME, "nothing is published yet"),
        Published::Unreadable(why) => {
            return Outcome::new(
                NAME,
                Status::Fail,
                format!("the published zone cannot be read, so expiries cannot be compared: {why}"),
            )
        }
        Published::Zone { facts, .. } => *facts,
    };
    let old_keys: HashSet<u16> = old.key_tags().into_iter().collect();
    let mut findings = Vec::new();
    let mut rolled = 0usize;
    let pairs = inputs.facts.in_common(old);
    let compared = pairs.len();
    // Most RRsets keep their expiry or move it later: only the others are
    // looked at further, in canonical order.
    let latest = |sigs: &[SigTimes]| sigs.iter().map(|s| s.expiration).max().unwrap_or(i64::MIN);
    let earlier: Vec<_> = pairs
        .par_iter()
        .filter(|(new, old)| latest(&new.sigs) < latest(&old.sigs))
        .collect();
    for (new, old) in earlier {
        let (was, will) = (latest(&old.sigs), latest(&new.sigs));
        let tags = |sigs: &[SigTimes]| sigs.iter().map(|s| s.key_tag).collect::<HashSet<u16>>();
        let (old_tags, new_tags) = (tags(&old.sigs), tags(&new.sigs));
        if old_tags != new_tags && new_tags.iter().all(|t| old_keys.contains(t)) {
            rolled += 1;
            continue;
        }
        findings.push(format!(
            "{} {}: signatures would expire {} instead of {} ({} earlier)",
            new.owner,
            new.rtype,
            when(will),
            when(was),
            format_duration(was - will)
        ));
    }
    if findings.is_empty() {
        let mut summary = format!("no expiry moves earlier than in the published zone ({compared} RRsets compared)");
        if rolled > 0 {
            summary.push_str(&format!("; {rolled} RRset(s) now signed by a pre-published key"));
        }
        return Outcome::pass(NAME, summary);
    }
    Outcome::new(
        NAME,
        Status::Fail,
        format!(
            "{} RRset(s) would expire earlier than they do in the published zone, with no planned key change to explain it",
            findings.len()
        ),
    )
    .with_findings(findings)
}
