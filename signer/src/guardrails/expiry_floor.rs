//! **expiry-floor**: no signature expires sooner than
//! `guardrails.min_remaining` (default 3 days) from now, so the zone
//! survives several missed runs.

use keybundles::time::format_duration;

use super::{when, Inputs, Outcome, Status};
use crate::verify::Problem;

pub const NAME: &str = "expiry-floor";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let floor = inputs.config.guardrails.min_remaining;
    let too_soon: Vec<String> = inputs
        .report
        .failures
        .iter()
        .filter(|f| matches!(f.problem, Problem::ExpiresTooSoon { .. }))
        .map(ToString::to_string)
        .collect();
    if too_soon.is_empty() {
        return match &inputs.report.earliest_expiration {
            Some(e) => Outcome::pass(
                NAME,
                format!(
                    "earliest expiry {} ({} {}), {} from now; floor {}",
                    when(e.expiration),
                    e.owner,
                    e.rtype,
                    format_duration(e.expiration - inputs.now),
                    format_duration(floor)
                ),
            ),
            None => Outcome::pass(NAME, "no valid signature to check"),
        };
    }
    Outcome::new(
        NAME,
        Status::Fail,
        format!(
            "{} signature(s) expire less than {} from now (guardrails.min_remaining); a few missed runs would let them expire in public",
            too_soon.len(),
            format_duration(floor)
        ),
    )
    .with_findings(too_soon)
}
