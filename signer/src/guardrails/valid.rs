//! **valid**: the zone about to be published verifies — every RRSIG with
//! its key, every authoritative RRset signed (with every algorithm of the
//! DNSKEY set), the DNSKEY set signed by a SEP key, the NSEC or NSEC3
//! chain complete. Uses the independent verifier ([`crate::verify`]).

use super::{Inputs, Outcome, Status};
use crate::verify::{Denial, Problem};

pub const NAME: &str = "valid";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let report = inputs.report;
    let failures: Vec<String> = report
        .failures
        .iter()
        .filter(|f| !matches!(f.problem, Problem::ExpiresTooSoon { .. }))
        .map(ToString::to_string)
        .collect();
    if failures.is_empty() {
        let denial = match &report.denial {
            Denial::Nsec => "NSEC chain complete",
            Denial::Nsec3 { .. } => "NSEC3 chain complete",
            _ => "denial chain complete",
        };
        return Outcome::pass(
            NAME,
            format!(
                "{} signatures verify, all {} authoritative RRsets are signed, {denial}",
                report.stats.signatures, report.stats.rrsets
            ),
        );
    }
    Outcome::new(
        NAME,
        Status::Fail,
        format!(
            "the signed zone does not verify ({} problem(s)); validating resolvers would answer SERVFAIL",
            failures.len()
        ),
    )
    .with_findings(failures)
}
