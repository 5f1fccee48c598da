//! An unsigned zone: read from a master file, checked, and put in DNSSEC
//! canonical order (RFC 4034 §6) ready for signing.

mod checks;
pub mod end_line;
mod load;
mod locations;
mod order;
mod read;

use keybundles::{Name, Record};

pub use checks::ZoneError;
pub use load::{load, LoadOptions};
pub use locations::{Files, Line};
pub use order::{canonical_record_cmp, output_record_cmp, owner_starts};
pub use read::{read_records, read_records_unlocated, read_text_unlocated, ReadRecords};

/// A zone's records in canonical order, duplicates removed, one TTL per
/// RRset, with the facts about its apex signing needs.
#[derive(Debug, Clone)]
pub struct Zone {
    pub apex: Name,
    /// Sorted by [`canonical_record_cmp`]: owner, type, RDATA.
    pub records: Vec<Record>,
    /// TTL of the SOA record.
    pub soa_ttl: u32,
    /// The SOA MINIMUM field (RFC 2308 negative-caching TTL).
    pub soa_minimum: u32,
    /// The SOA serial.
    pub serial: u32,
}

/// Checks and orders records read from somewhere other than one zone file
/// (`records[i]` was read at `files.location(lines[i])`), as [`load`] does
/// for a file; `file` names the zone in errors about it as a whole.
pub fn check(
    records: Vec<Record>,
    lines: Vec<Line>,
    files: &Files,
    apex: &Name,
    file: &std::path::Path,
    warn: &mut dyn FnMut(String),
) -> Result<Zone, ZoneError> {
    checks::check_and_normalize(records, lines, files, apex, file, warn)
}

impl Zone {
    /// TTL for NSEC and NSEC3 records: min(SOA TTL, SOA MINIMUM) (RFC 9077).
    pub fn denial_ttl(&self) -> u32 {
        self.soa_ttl.min(self.soa_minimum)
    }
}

/// Reads SOA (serial, minimum) from SOA RDATA: MNAME, RNAME, then five u32s.
pub(crate) fn soa_fields(rdata: &[u8]) -> Option<(u32, u32)> {
    let (_, m) = Name::read_wire(rdata).ok()?;
    let (_, r) = Name::read_wire(rdata.get(m..)?).ok()?;
    let fixed = rdata.get(m + r..m + r + 20)?;
    let at = |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
    Some((at(0), at(16)))
}
