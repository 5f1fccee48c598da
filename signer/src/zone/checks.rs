//! What makes a zone signable: exactly one SOA at the apex, apex NS, no
//! CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1), one TTL
//! per RRset (RFC 2181 §5.2), no duplicate records (RFC 2181 §5).

use std::path::{Path, PathBuf};

use keybundles::zonefile::{Location, ZoneFileError};
use keybundles::{Name, Record, Rtype};

use super::locations::{Files, Line};
use super::order::canonical_record_cmp;
use super::{soa_fields, Zone};
use crate::sort::{permute, stable_sorted_order};

/// Why a zone cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    #[error("{0}")]
    Read(ZoneFileError),
    #[error("{file}: the zone has no SOA record at its apex {apex}")]
    NoSoa { file: PathBuf, apex: Name },
    #[error("{second}: a second SOA record for {apex} (the first is at {first}); a zone has exactly one")]
    ExtraSoa {
        apex: Name,
        first: Location,
        second: Location,
    },
    #[error("{location}: SOA record at {owner}, which is not the apex {apex}")]
    SoaNotAtApex {
        location: Location,
        owner: Name,
        apex: Name,
    },
    #[error("{file}: the zone has no NS records at its apex {apex}")]
    NoApexNs { file: PathBuf, apex: Name },
    #[error("{location}: {owner} has a CNAME and other data ({other}); a CNAME must stand alone (RFC 1034 §3.6.2)")]
    CnameAndOtherData {
        location: Location,
        owner: Name,
        other: Rtype,
    },
    #[error("{location}: {owner} has more than one CNAME record")]
    MultipleCname { location: Location, owner: Name },
    #[error("{location}: {owner} lies below the DNAME at {dname}; no data may exist below a DNAME (RFC 6672 §2.4)")]
    DataBelowDname {
        location: Location,
        owner: Name,
        dname: Name,
    },
    #[error("{location}: SOA RDATA is malformed")]
    BadSoa { location: Location },
}

/// Sorts, removes duplicates, unifies RRset TTLs and checks the rules
/// above; `files.location(lines[i])` says where `records[i]` was read.
/// Warnings go to `warn`.
pub(super) fn check_and_normalize(
    mut records: Vec<Record>,
    mut lines: Vec<Line>,
    files: &Files,
    apex: &Name,
    file: &Path,
    warn: &mut dyn FnMut(String),
) -> Result<Zone, ZoneError> {
    sort_canonically(&mut records, &mut lines);
    crate::timing::phase("sort");

    let mut duplicates = 0usize;
    let mut first_duplicate: Option<Line> = None;
    let mut previous: Option<usize> = None;
    let mut kept = 0;
    for i in 0..records.len() {
        if let Some(p) = previous {
            let (earlier, later) = (&records[p], &records[i]);
            if later.owner == earlier.owner && later.rtype == earlier.rtype && later.rdata == earlier.rdata {
                duplicates += 1;
                first_duplicate.get_or_insert(lines[i]);
                records[p].ttl = earlier.ttl.min(later.ttl);
                continue;
            }
        }
        records.swap(kept, i);
        lines.swap(kept, i);
        previous = Some(kept);
        kept += 1;
    }
    records.truncate(kept);
    lines.truncate(kept);
    if let Some(line) = first_duplicate {
        warn(format!(
            "{}: {duplicates} duplicate record(s) collapsed",
            files.location(line)
        ));
    }

    crate::timing::phase("duplicates");
    let mut soa: Option<(u32, u32, u32)> = None;
    let mut apex_ns = false;
    // In canonical order every name below a DNAME directly follows it.
    let mut dname: Option<Name> = None;
    let mut start = 0;
    while start < records.len() {
        // One owner name at a time.
        let owner = records[start].owner.clone();
        let end = start + records[start..].iter().take_while(|r| r.owner == owner).count();
        if let Some(d) = dname.as_ref().filter(|d| owner.is_subdomain_of(d)) {
            return Err(ZoneError::DataBelowDname {
                location: files.location(lines[start]),
                owner,
                dname: d.clone(),
            });
        }
        dname = records[start..end]
            .iter()
            .any(|r| r.rtype == Rtype::DNAME)
            .then(|| owner.clone());
        let node = Node {
            records: &mut records[start..end],
            lines: &lines[start..end],
            files,
        };
        check_node(node, apex, &mut soa, &mut apex_ns, warn)?;
        start = end;
    }
    let Some((soa_ttl, serial, soa_minimum)) = soa else {
        return Err(ZoneError::NoSoa {
            file: file.to_path_buf(),
            apex: apex.clone(),
        });
    };
    if !apex_ns {
        return Err(ZoneError::NoApexNs {
            file: file.to_path_buf(),
            apex: apex.clone(),
        });
    }
    // Where records were read is no longer needed: freed without copying
    // the records.
    drop(lines);
    // Keep room for the few apex records signing adds (DNSKEY,
    // NSEC3PARAM), so adding them never moves the whole zone.
    records.shrink_to(records.len() + APEX_HEADROOM);
    Ok(Zone {
        apex: apex.clone(),
        records,
        soa_ttl,
        soa_minimum,
        serial,
    })
}

/// Records signing may add at the apex without reallocating the zone.
const APEX_HEADROOM: usize = 64;

/// Keeps the records (and their lines) for which `keep` is true, in
/// order.
pub(super) fn retain_pairs(
    records: &mut Vec<Record>,
    lines: &mut Vec<Line>,
    mut keep: impl FnMut(&Record, &Line) -> bool,
) {
    let mut kept = 0;
    for i in 0..records.len() {
        if keep(&records[i], &lines[i]) {
            records.swap(kept, i);
            lines.swap(kept, i);
            kept += 1;
        }
    }
    records.truncate(kept);
    lines.truncate(kept);
}

/// Sorts `records` (and `lines` alike) into canonical order; equal
/// records keep the order they were read in, so warnings are the same
/// every run.
fn sort_canonically(records: &mut [Record], lines: &mut [Line]) {
    let mut order = stable_sorted_order(records, canonical_record_cmp);
    let mut again = order.clone();
    permute(records, &mut order);
    permute(lines, &mut again);
}

/// The records of one owner name and where each was read.
struct Node<'a> {
    records: &'a mut [Record],
    lines: &'a [Line],
    files: &'a Files,
}

fn check_node(
    node: Node<'_>,
    apex: &Name,
    soa: &mut Option<(u32, u32, u32)>,
    apex_ns: &mut bool,
    warn: &mut dyn FnMut(String),
) -> Result<(), ZoneError> {
    let Node { records, lines, files } = node;
    let location = |i: usize| files.location(lines[i]);
    let owner = records[0].owner.clone();
    let at_apex = owner == *apex;
    let cnames: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].rtype == Rtype::CNAME)
        .collect();
    if let Some(&cname) = cnames.first() {
        if cnames.len() > 1 {
            return Err(ZoneError::MultipleCname {
                location: location(cnames[1]),
                owner,
            });
        }
        if let Some(other) = records.iter().find(|r| r.rtype != Rtype::CNAME) {
            return Err(ZoneError::CnameAndOtherData {
                location: location(cname),
                owner,
                other: other.rtype,
            });
        }
    }
    let mut start = 0;
    while start < records.len() {
        let rtype = records[start].rtype;
        let end = start + records[start..].iter().take_while(|r| r.rtype == rtype).count();
        unify_ttl(&mut records[start..end], &lines[start..end], files, warn);
        let rrset = &records[start..end];
        match rtype {
            Rtype::SOA => {
                let first = &rrset[0];
                if !at_apex {
                    return Err(ZoneError::SoaNotAtApex {
                        location: location(start),
                        owner,
                        apex: apex.clone(),
                    });
                }
                if rrset.len() > 1 || soa.is_some() {
                    let mut found: Vec<Location> = (start..end).map(location).collect();
                    found.sort_by_key(|l| (l.file.clone(), l.line));
                    return Err(ZoneError::ExtraSoa {
                        apex: apex.clone(),
                        first: found[0].clone(),
                        second: found.get(1).cloned().unwrap_or_else(|| location(start)),
                    });
                }
                let (serial, minimum) = soa_fields(&first.rdata).ok_or_else(|| ZoneError::BadSoa {
                    location: location(start),
                })?;
                *soa = Some((first.ttl, serial, minimum));
            }
            Rtype::NS if at_apex => *apex_ns = true,
            Rtype::CDS | Rtype::CDNSKEY => {
                let partner = if rtype == Rtype::CDS {
                    Rtype::CDNSKEY
                } else {
                    Rtype::CDS
                };
                if !records.iter().any(|r| r.rtype == partner) {
                    warn(format!(
                        "{}: {owner} has {rtype} but no {partner}; publish both so every parent can use them (RFC 7344 §4, RFC 8078)",
                        location(start)
                    ));
                }
            }
            _ => {}
        }
        start = end;
    }
    Ok(())
}

/// Gives every record of an RRset the lowest TTL among them (RFC 2181
/// §5.2 forbids mixed TTLs; the lowest never keeps data cached longer
/// than the operator allowed for any record).
fn unify_ttl(rrset: &mut [Record], lines: &[Line], files: &Files, warn: &mut dyn FnMut(String)) {
    let min = rrset.iter().map(|r| r.ttl).min().unwrap_or(0);
    if let Some(odd) = rrset.iter().position(|r| r.ttl != min) {
        warn(format!(
            "{}: {} {} has records with different TTLs; all get the lowest, {min}",
            files.location(lines[odd]),
            rrset[odd].owner,
            rrset[odd].rtype
        ));
        for record in rrset.iter_mut() {
            record.ttl = min;
        }
    }
}
