//! **clock**: the signing clock is not behind the last publication (from
//! the state file) nor behind the newest signature already published, and
//! no signature about to be published starts in the future.

use super::{when, Inputs, Outcome, Published, Status};

pub const NAME: &str = "clock";

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let now = inputs.now;
    let mut findings = Vec::new();
    if let Some(state) = inputs.state {
        if state.published_at > now {
            findings.push(format!(
                "the clock says {}, but the last publication was at {} (state file): the clock is {} behind",
                when(now),
                when(state.published_at),
                keybundles::time::format_duration(state.published_at - now)
            ));
        }
    }
    if let Published::Zone { facts, .. } = &inputs.published {
        if let Some(latest) = facts.max_inception.filter(|&t| t > now) {
            findings.push(format!(
                "the published zone has a signature whose inception is {}, after now ({}): it was signed by a clock ahead of this one",
                when(latest),
                when(now)
            ));
        }
    }
    if let Some(latest) = inputs.facts.max_inception.filter(|&t| t > now) {
        findings.push(format!(
            "a signature about to be published has its inception at {}, in the future; validators would reject it until then",
            when(latest)
        ));
    }
    if findings.is_empty() {
        let since = inputs
            .state
            .map(|s| format!(", after the last publication at {}", when(s.published_at)));
        return Outcome::pass(NAME, format!("now is {}{}", when(now), since.unwrap_or_default()));
    }
    Outcome::new(NAME, Status::Fail, "the signing clock is not to be trusted").with_findings(findings)
}
