//! Bundle runway: in offline-KSK mode the DNSKEY RRset and its signatures
//! come from key bundles made at a key ceremony; when the last imported
//! bundle ends, the signer has nothing valid left to publish. The runway is
//! the time from now until then: the deadline for the next ceremony — or
//! until the first bundle that no longer verifies, which signing refuses.

use serde::Serialize;

use super::Status;
use crate::config::{Config, KeyMode};
use keybundles::time::{format_duration, format_human};

/// What is known about the runway before it is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runway {
    /// Software keys (or no configuration): there are no bundles.
    NotApplicable,
    /// Signing can go on until this instant (unix seconds): the end of the
    /// last imported bundle, or the start of the first one not yet over
    /// that no longer verifies (`broken` says which and why).
    Ends {
        at: i64,
        warning: i64,
        critical: i64,
        broken: Option<String>,
    },
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

/// Until when the imported key bundles let the zone be signed, seen at
/// `now`, unix seconds: the end of the last one (when the next SKR must
/// have been imported), or the start of the first one not yet over whose
/// signatures no longer verify, with what is wrong with it. `Ok(None)` when
/// none is imported. Read from `keys.bundle_dir` as `signer import-skr`
/// keeps it.
pub fn signing_possible_until(config: &Config, now: i64) -> anyhow::Result<Option<(i64, Option<String>)>> {
    let store = crate::bundles::store::BundleStore::load(&config.keys.bundle_dir)?;
    let (Some(end), Some(file)) = (store.last_end(), &store.file) else {
        return Ok(None);
    };
    let broken = crate::bundles::signing::unverified_bundles(config, &store, now)?;
    Ok(Some(match broken.first() {
        Some((i, why)) => (file.bundles[*i].start.max(now).min(end), Some(why.clone())),
        None => (end, None),
    }))
}

/// The runway for a configuration: not applicable in software mode; in
/// offline-KSK mode the last bundle's end, warned about under
/// `guardrails.bundle_runway_warning` and critical under
/// `monitor.dnskey_warning` (when the DNSKEY signatures themselves would
/// start to warn).
pub fn from_config(config: Option<&Config>, now: i64) -> Runway {
    let Some(config) = config else {
        return Runway::NotApplicable;
    };
    if config.keys.mode != KeyMode::OfflineKsk {
        return Runway::NotApplicable;
    }
    let warning = config.guardrails.bundle_runway_warning;
    let critical = config.monitor.dnskey_warning.min(warning);
    match signing_possible_until(config, now) {
        Ok(Some((at, broken))) => Runway::Ends {
            at,
            warning,
            critical,
            broken,
        },
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
        Runway::Ends {
            at,
            warning,
            critical,
            broken,
        } => {
            let left = at - now;
            let status = if left < *critical {
                Status::Critical
            } else if left < *warning || broken.is_some() {
                Status::Warning
            } else {
                Status::Ok
            };
            let message = if let Some(why) = broken {
                format!(
                    "bundle runway {}: {why}; signing is refused from {} until the SKR is imported again \
                     (signer bundles status)",
                    format_duration(left.max(0)),
                    format_human(*at)
                )
            } else if left <= 0 {
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
            broken: None,
        };
        assert_eq!(evaluate(&ends(40), now).status, Status::Ok);
        assert_eq!(evaluate(&ends(20), now).status, Status::Warning);
        assert_eq!(evaluate(&ends(3), now).status, Status::Critical);
        assert_eq!(evaluate(&ends(-1), now).status, Status::Critical);
        assert_eq!(evaluate(&ends(20), now).seconds, Some(20 * 86400));
        assert_eq!(evaluate(&Runway::NotApplicable, now).status, Status::Ok);
        assert_eq!(evaluate(&Runway::Unknown("x".into()), now).status, Status::Unknown);
        // A bundle that no longer verifies warns however far off it is,
        // and is critical as near as any end would be.
        let broken = |days: i64| Runway::Ends {
            at: now + days * 86400,
            warning: 30 * 86400,
            critical: 7 * 86400,
            broken: Some("bundle 3 of 9: the RRSIG over DNSKEY by key 1 does not verify".into()),
        };
        let far = evaluate(&broken(40), now);
        assert_eq!(far.status, Status::Warning);
        assert!(
            far.message.contains("bundle 3 of 9") && far.message.contains("imported again"),
            "{}",
            far.message
        );
        assert_eq!(evaluate(&broken(3), now).status, Status::Critical);
        assert_eq!(evaluate(&broken(0), now).status, Status::Critical);
    }
}
