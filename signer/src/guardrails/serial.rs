//! **serial**: the SOA serial published increases over the live one (RFC
//! 1982 arithmetic), and a stale input — an unsigned zone older than the
//! last one published — is refused: an old plan never overwrites a new one.
//!
//! The decision is made before signing ([`plan`]), because re-signing an
//! unchanged zone needs a new serial too (or secondaries would never
//! transfer the fresh signatures): when the input serial is not above the
//! live one but the input is the same zone as last time, the published
//! serial is the live one plus one. When the input's content changed but
//! its serial did not, that is refused: two versions of the zone carry
//! the same serial, and which one is "newer" cannot be known.

use super::{Inputs, Outcome, Published, Status};
use crate::publish::state::State;

pub const NAME: &str = "serial";

/// RFC 1982: `a` is greater than `b`. Undefined distances (exactly 2^31)
/// count as not greater either way.
pub fn serial_gt(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

/// The serial decision for one run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The unsigned zone's serial.
    pub input: u32,
    /// The serial that will be published.
    pub output: u32,
    /// The serial now live (published file, else state file).
    pub live: Option<u32>,
    pub refused: Option<String>,
    pub note: String,
}

/// Decides the serial to publish. `live_file` is the published file's
/// serial when it could be read; `input_digest` identifies the unsigned
/// zone's content apart from its serial.
pub fn plan(input: u32, input_digest: &str, live_file: Option<u32>, state: Option<&State>) -> Plan {
    let live = live_file.or(state.map(|s| s.serial));
    let mut refused = None;
    if let Some(state) = state {
        if input == state.input_serial {
            if input_digest != state.input_sha256 {
                refused = Some(format!(
                    "the unsigned zone changed since the last publication but its serial ({input}) did not: \
                     two versions of the zone would carry one serial; increase the serial"
                ));
            }
        } else if !serial_gt(input, state.input_serial) {
            refused = Some(format!(
                "stale input: the unsigned zone's serial {input} is older than {} of the zone published at {} \
                 (RFC 1982); an old version never overwrites a newer one",
                state.input_serial,
                super::when(state.published_at)
            ));
        }
    }
    let (output, note) = match live {
        None => (input, format!("first publication, serial {input}")),
        Some(live) if serial_gt(input, live) => (input, format!("serial {input} follows the live {live}")),
        Some(live) => {
            let bumped = live.wrapping_add(1);
            if state.is_none() && input != live {
                refused = Some(format!(
                    "stale input: the unsigned zone's serial {input} is not above the live serial {live} (RFC 1982); \
                     an old version never overwrites a newer one"
                ));
            }
            (bumped, format!("input serial {input} is not above the live {live}; publishing {bumped} so secondaries transfer the new signatures"))
        }
    };
    Plan {
        input,
        output,
        live,
        refused,
        note,
    }
}

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let plan = inputs.serial;
    if let Some(why) = &plan.refused {
        return Outcome::new(NAME, Status::Fail, why.clone());
    }
    if matches!(inputs.published, Published::Unreadable(_)) && inputs.state.is_none() {
        return Outcome::new(
            NAME,
            Status::Fail,
            "the published zone cannot be read and there is no state file: the live serial is unknown",
        );
    }
    match inputs.facts.serial {
        Some(serial) if serial != plan.output => Outcome::new(
            NAME,
            Status::Fail,
            format!(
                "the zone about to be written has serial {serial}, not the planned {} (a bug)",
                plan.output
            ),
        ),
        None => Outcome::new(NAME, Status::Fail, "the zone about to be written has no SOA serial"),
        Some(serial) => match plan.live {
            Some(live) if !serial_gt(serial, live) => Outcome::new(
                NAME,
                Status::Fail,
                format!("serial {serial} does not increase over the live {live} (RFC 1982)"),
            ),
            _ => Outcome::pass(NAME, plan.note.clone()),
        },
    }
}
