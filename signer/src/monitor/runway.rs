//! Bundle runway: in offline-KSK mode the DNSKEY RRset and its signatures
//! come from key bundles made at a key ceremony; when the last imported
//! bundle ends, the signer has nothing valid left to publish. The runway is
//! the time from now until then: the deadline for the next ceremony.

use serde::Serialize;

use super::Status;
use crate::config::{Config, KeyMode};
use keybundles::time::{format_duration, format_human};

/// What is known about the runway before it is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runway {
    /// Software keys (or no configuration): there are no bundles.
    NotApplicable,
    /// The last imported bundle ends at this instant (unix seconds).
    Ends { at: i64, warning: i64, critical: i64 },
    /// Offline-KSK mode, and no bundle is imported.
    NoBundles,
    /// Offline-KSK mode, but the bundles could not be read.
    Unknown(String),
}

/// The runway judged at a given instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunwayResult {
    pub status: Status,
    /// Seconds until the last bundle ends; absent when not applicable or unknown.
    pub seconds: Option<i64>,
    /// When the last bundle ends (unix seconds).
    pub ends: Option<i64>,
    pub message: String,
}

/// The end of the last imported key bundle, unix seconds (when the next
/// SKR must have been imported); `Ok(None)` when none is imported. Read
/// from `keys.bundle_dir` as `signer import-skr` keeps it.
pub fn last_bundle_end(config: &Config) -> anyhow::Result<Option<i64>> {
    let store = crate::bundles::store::BundleStore::load(&config.keys.bundle_dir)?;
    Ok(store.last_end())
}

/// The runway for a configuration: not applicable in software mode; in
/// offline-KSK mode the last bundle's end, warned about under
/// `guardrails.bundle_runway_warning` and critical under
/// `monitor.dnskey_warning` (when the DNSKEY signatures themselves would
/// start to warn).
pub fn from_config(config: Option<&Config>) -> Runway {
    let Some(config) = config else {
        return Runway::NotApplicable;
    };
    if config.keys.mode != KeyMode::OfflineKsk {
        return Runway::NotApplicable;
    }
    let warning = config.guardrails.bundle_runway_warning;
    let critical = config.monitor.dnskey_warning.min(warning);
    match last_bundle_end(config) {
        Ok(Some(at)) => Runway::Ends { at, warning, critical },
        Ok(None) => Runway::NoBundles,
        Err(e) => Runway::Unknown(format!("{e:#}")),
    }
}

pub fn evaluate(runway: &Runway, now: i64) -> RunwayResult {
    match runway {
        Runway::NotApplicable => RunwayResult {
            status: Status::Ok,
            seconds: None,
            ends: None,
            message: "bundle runway: not applicable (software keys)".into(),
        },
        Runway::Unknown(why) => RunwayResult {
            status: Status::Unknown,
            seconds: None,
            ends: None,
            message: format!("bundle runway unknown: {why}"),
        },
        Runway::NoBundles => RunwayResult {
            status: Status::Critical,
            seconds: Some(0),
            ends: None,
            message: "no key bundle is imported: hold a key ceremony and import its bundles".into(),
        },
        Runway::Ends { at, warning, critical } => {
            let left = at - now;
            let status = if left < *critical {
                Status::Critical
            } else if left < *warning {
                Status::Warning
            } else {
                Status::Ok
            };
            let message = if left <= 0 {
                format!(
                    "the last key bundle ended at {}: the next ceremony is overdue",
                    format_human(*at)
                )
            } else {
                format!(
                    "bundle runway {}: the last key bundle ends {}{}",
                    format_duration(left),
                    format_human(*at),
                    match status {
                        Status::Critical => format!("; critical under {}", format_duration(*critical)),
                        Status::Warning =>
                            format!("; plan the next ceremony (warning under {})", format_duration(*warning)),
                        _ => String::new(),
                    }
                )
            };
            RunwayResult {
                status,
                seconds: Some(left),
                ends: Some(*at),
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runway_thresholds() {
        let now = 1_800_000_000;
        let ends = |days: i64| Runway::Ends {
            at: now + days * 86400,
            warning: 30 * 86400,
            critical: 7 * 86400,
        };
        assert_eq!(evaluate(&ends(40), now).status, Status::Ok);
        assert_eq!(evaluate(&ends(20), now).status, Status::Warning);
        assert_eq!(evaluate(&ends(3), now).status, Status::Critical);
        assert_eq!(evaluate(&ends(-1), now).status, Status::Critical);
        assert_eq!(evaluate(&ends(20), now).seconds, Some(20 * 86400));
        assert_eq!(evaluate(&Runway::NotApplicable, now).status, Status::Ok);
        assert_eq!(evaluate(&Runway::Unknown("x".into()), now).status, Status::Unknown);
    }
}
