//! The checks between signing and publishing: each guardrail looks at the
//! zone about to be published (parsed back from the exact bytes that will
//! be written), the zone currently published, and the last publication's
//! state, and says pass, warn, fail or not applicable — in plain words.
//!
//! One module per guardrail; [`run_all`] runs them in a fixed order. What
//! each one means, its default and when to override it: docs/guardrails.md.

pub mod bundle_runway;
pub mod clock;
pub mod delegations;
pub mod expiry_as_planned;
pub mod expiry_floor;
pub mod facts;
pub mod no_regression;
pub mod plausible;
pub mod serial;
pub mod trust_chain;
pub mod valid;

#[cfg(test)]
mod tests;

use keybundles::ds::Ds;
use keybundles::Name;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{Config, KeyMode};
use crate::publish::state::State;
use crate::verify::{Report, ZoneView};

pub use bundle_runway::BundlePeriod;
pub use facts::ZoneFacts;

/// Every guardrail, in the order they run and are reported.
pub const NAMES: &[&str] = &[
    "valid",
    "expiry-floor",
    "expiry-as-planned",
    "no-regression",
    "clock",
    "bundle-runway",
    "trust-chain",
    "serial",
    "plausible",
    "delegations",
];

/// Guardrails that no `--override` can pass: publishing a zone that does
/// not validate is never better than leaving the valid one in place.
pub const NOT_OVERRIDABLE: &[&str] = &["valid"];

/// How many findings a guardrail lists before summing up the rest.
pub const MAX_FINDINGS: usize = 50;

/// A guardrail's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    /// Publication goes ahead; the operator should look.
    Warn,
    /// Publication is refused.
    Fail,
    /// Failed, but the operator passed it with `--override`.
    Overridden,
    /// Nothing to check here (e.g. bundles with software keys).
    NotApplicable,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Overridden => "OVERRIDDEN",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One guardrail's result.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: &'static str,
    pub status: Status,
    /// One line, plain words.
    pub summary: String,
    /// The individual problems (at most [`MAX_FINDINGS`], then a count).
    pub findings: Vec<String>,
}

impl Outcome {
    pub fn new(name: &'static str, status: Status, summary: impl Into<String>) -> Outcome {
        Outcome {
            name,
            status,
            summary: summary.into(),
            findings: Vec::new(),
        }
    }

    pub fn pass(name: &'static str, summary: impl Into<String>) -> Outcome {
        Outcome::new(name, Status::Pass, summary)
    }

    pub fn not_applicable(name: &'static str, summary: impl Into<String>) -> Outcome {
        Outcome::new(name, Status::NotApplicable, summary)
    }

    /// Attaches findings, keeping the first [`MAX_FINDINGS`].
    pub fn with_findings(mut self, findings: Vec<String>) -> Outcome {
        let total = findings.len();
        self.findings = findings.into_iter().take(MAX_FINDINGS).collect();
        if total > MAX_FINDINGS {
            self.findings.push(format!("... and {} more", total - MAX_FINDINGS));
        }
        self
    }

    pub fn is_failure(&self) -> bool {
        self.status == Status::Fail
    }
}

/// The published zone, as far as it could be read.
pub enum Published<'a> {
    /// Nothing is published yet (first publication).
    None,
    /// The file exists but cannot be read as a zone.
    Unreadable(&'a str),
    Zone {
        facts: &'a ZoneFacts,
    },
}

impl Published<'_> {
    pub fn facts(&self) -> Option<&ZoneFacts> {
        match self {
            Published::Zone { facts, .. } => Some(facts),
            _ => None,
        }
    }
}

/// Everything the guardrails look at.
pub struct Inputs<'a> {
    /// The one clock (`--now` or the system clock).
    pub now: i64,
    pub origin: &'a Name,
    pub config: &'a Config,
    /// The zone about to be published: indexed, verified, summarised.
    pub view: &'a ZoneView,
    pub report: &'a Report,
    pub facts: &'a ZoneFacts,
    pub published: Published<'a>,
    /// The last publication, from the state file.
    pub state: Option<&'a State>,
    /// The serial decision made before signing (see [`serial::plan`]).
    pub serial: &'a serial::Plan,
    /// Imported key bundles' validity periods; `None` with software keys.
    pub bundles: Option<&'a [BundlePeriod]>,
    /// Offline KSK: when the signing ZSK leaves the DNSKEY RRset, if that
    /// cut the signatures' planned expiration short.
    pub expiration_cap: Option<i64>,
    /// The parent's DS records (`guardrails.parent_ds`), if configured.
    pub parent_ds: Option<&'a [Ds]>,
    /// Offline KSK: the KSK's trust anchor (`keys.trust_anchor`), the
    /// chain's fallback when no parent DS is configured.
    pub trust_anchor: Option<&'a crate::bundles::TrustAnchor>,
}

impl Inputs<'_> {
    pub fn bundles_in_use(&self) -> bool {
        self.config.keys.mode == KeyMode::OfflineKsk
    }
}

/// Runs every guardrail, in [`NAMES`] order.
pub fn run_all(inputs: &Inputs<'_>) -> Vec<Outcome> {
    // Independent of each other: run side by side (the outcomes keep this
    // order). At a million delegations a few take a second or two each.
    let checks: [fn(&Inputs<'_>) -> Outcome; 10] = [
        valid::check,
        expiry_floor::check,
        expiry_as_planned::check,
        no_regression::check,
        clock::check,
        bundle_runway::check,
        trust_chain::check,
        serial::check,
        plausible::check,
        delegations::check,
    ];
    checks.par_iter().map(|check| check(inputs)).collect()
}

/// Marks the failed guardrails named in `overrides` as overridden.
/// Returns the names that were given but had nothing to override.
pub fn apply_overrides(outcomes: &mut [Outcome], overrides: &[String]) -> Vec<String> {
    let mut unused = Vec::new();
    for name in overrides {
        match outcomes.iter_mut().find(|o| o.name == name.as_str()) {
            Some(outcome) if outcome.status == Status::Fail => outcome.status = Status::Overridden,
            _ => unused.push(name.clone()),
        }
    }
    unused
}

/// Checks a guardrail name given to `--override`.
pub fn check_override_name(name: &str) -> Result<(), String> {
    if NOT_OVERRIDABLE.contains(&name) {
        return Err(format!(
            "the '{name}' guardrail cannot be overridden: a zone that does not validate makes every name in it \
             unresolvable for validating resolvers, which is always worse than leaving the published zone in place"
        ));
    }
    if !NAMES.contains(&name) {
        return Err(format!(
            "there is no guardrail '{name}'; the guardrails are: {}",
            NAMES.join(", ")
        ));
    }
    Ok(())
}

/// `value` as a short human date.
pub(crate) fn when(unix: i64) -> String {
    keybundles::time::format_human(unix)
}
