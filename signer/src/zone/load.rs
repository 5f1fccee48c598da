//! Reading an unsigned zone file into a [`Zone`].

use std::path::Path;

use super::read::{read_records, ReadRecords};
use keybundles::{Name, Rtype};
use rayon::prelude::*;

use super::checks::{check_and_normalize, retain_pairs, ZoneError};
use super::locations::{Files, Line};
use super::Zone;

/// Choices about what input to accept.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Keep RRSIG/NSEC/NSEC3/NSEC3PARAM from the input instead of
    /// dropping them (used when reading a signed zone back).
    pub keep_dnssec: bool,
}

/// Reads and checks the zone in `path` for `apex`. `warn` receives one
/// message per problem that does not stop signing (each with file:line).
pub fn load(path: &Path, apex: &Name, options: &LoadOptions, warn: &mut dyn FnMut(String)) -> Result<Zone, ZoneError> {
    let ReadRecords {
        mut records,
        mut lines,
        files,
        warnings,
        ..
    } = read_records(path, apex).map_err(ZoneError::Read)?;
    crate::timing::phase("read");
    // Most zones have nothing to drop: that is found out on all cores,
    // and the records are walked one by one (warnings in file order) only
    // when something must go.
    let dropped = |record: &keybundles::Record| {
        (record.rtype.is_dnssec_generated() || record.rtype == Rtype::ZONEMD && record.owner == *apex)
            && !options.keep_dnssec
            || !record.owner.is_subdomain_of(apex)
    };
    if records.par_iter().any(dropped) {
        drop_unsignable(&mut records, &mut lines, &files, apex, options, warn);
    }
    for warning in warnings {
        warn(format!("{}: {}", warning.location, warning.message));
    }
    let zone = check_and_normalize(records, lines, &files, apex, path, warn);
    crate::timing::phase("check");
    zone
}

/// Drops what Signet does not sign from the input — its own DNSSEC
/// records, an apex ZONEMD, records outside the zone — with a warning
/// naming where each kind was first seen.
fn drop_unsignable(
    records: &mut Vec<keybundles::Record>,
    lines: &mut Vec<Line>,
    files: &Files,
    apex: &Name,
    options: &LoadOptions,
    warn: &mut dyn FnMut(String),
) {
    let mut dropped_dnssec = 0usize;
    let mut first_dropped = None;
    retain_pairs(records, lines, |record, &line| {
        let location = || files.location(line);
        if record.rtype.is_dnssec_generated() && !options.keep_dnssec {
            dropped_dnssec += 1;
            first_dropped.get_or_insert_with(|| location().to_string());
            return false;
        }
        if record.rtype == Rtype::ZONEMD && record.owner == *apex && !options.keep_dnssec {
            // RFC 8976: the digest covers the whole zone, signatures
            // included, so the input's ZONEMD cannot match the output.
            warn(format!(
                "{}: the apex ZONEMD record was dropped: it cannot match the signed zone, and Signet does not compute ZONEMD",
                location()
            ));
            return false;
        }
        if !record.owner.is_subdomain_of(apex) {
            warn(format!(
                "{}: {} {} is outside the zone {apex}; dropped, not signed",
                location(),
                record.owner,
                record.rtype
            ));
            return false;
        }
        true
    });
    if let Some(first) = first_dropped {
        warn(format!(
            "{first}: dropped {dropped_dnssec} RRSIG/NSEC/NSEC3/NSEC3PARAM record(s) from the input; Signet makes its own"
        ));
    }
}
