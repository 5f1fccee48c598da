//! The key signing request for a period: one bundle at the period's
//! start, every `bundle_interval`, at every ZSK event, and one at the
//! period's end (which marks where the next request starts, as in Knot).

use anyhow::bail;
use keybundles::bundle::{Bundle, BundleFile, Kind};
use keybundles::time::format_human;
use keybundles::{Class, Record, Rtype};

use super::plan::ZskPlan;
use crate::config::Config;

/// The KSR bundles for `[from, to]`.
pub fn build(config: &Config, plan: &ZskPlan, from: i64, to: i64) -> anyhow::Result<BundleFile> {
    if to <= from {
        bail!("--to {} is not after --from {}", format_human(to), format_human(from));
    }
    let mut instants: Vec<i64> = Vec::new();
    let mut t = from;
    while t < to {
        instants.push(t);
        t += config.zsk.bundle_interval;
    }
    instants.extend(plan.events_between(from, to));
    instants.push(to);
    instants.sort_unstable();
    instants.dedup();
    let mut bundles = Vec::new();
    for t in instants {
        if plan.active_at(t).is_empty() {
            bail!(
                "the ZSK plan has no key that signs at {} (a bug in planning)",
                format_human(t)
            );
        }
        let records = plan
            .published_at(t)
            .into_iter()
            .map(|z| {
                Record::new(
                    config.origin.clone(),
                    Class::IN,
                    config.zsk.dnskey_ttl,
                    Rtype::DNSKEY,
                    z.dnskey.to_rdata(),
                )
            })
            .collect();
        bundles.push(Bundle::new(t, records));
    }
    Ok(BundleFile::new(Kind::Request, Default::default(), bundles))
}
