//! What makes a zone signable: exactly one SOA at the apex, apex NS, no
//! CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1), one TTL
//! per RRset (RFC 2181 §5.2), no duplicate records (RFC 2181 §5).

use std::path::{Path, PathBuf};

use keybundles::zonefile::{Entry, Location, ZoneFileError};
use keybundles::{Name, Record, Rtype};
use rayon::slice::ParallelSliceMut;

use super::order::canonical_record_cmp;
use super::{soa_fields, Zone};

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
/// above. Warnings go to `warn`.
pub(super) fn check_and_normalize(
    mut entries: Vec<Entry>,
    apex: &Name,
    file: &Path,
    warn: &mut dyn FnMut(String),
) -> Result<Zone, ZoneError> {
    sort_canonically(&mut entries);

    let mut duplicates = 0usize;
    let mut first_duplicate: Option<Location> = None;
    entries.dedup_by(|later, earlier| {
        let same = later.record.owner == earlier.record.owner
            && later.record.rtype == earlier.record.rtype
            && later.record.rdata == earlier.record.rdata;
        if same {
            duplicates += 1;
            first_duplicate.get_or_insert_with(|| later.location.clone());
            earlier.record.ttl = earlier.record.ttl.min(later.record.ttl);
        }
        same
    });
    if let Some(location) = first_duplicate {
        warn(format!("{location}: {duplicates} duplicate record(s) collapsed"));
    }

    let mut soa: Option<(u32, u32, u32)> = None;
    let mut apex_ns = false;
    // In canonical order every name below a DNAME directly follows it.
    let mut dname: Option<Name> = None;
    let mut start = 0;
    while start < entries.len() {
        // One owner name at a time.
        let owner = entries[start].record.owner.clone();
        let end = start + entries[start..].iter().take_while(|e| e.record.owner == owner).count();
        if let Some(d) = dname.as_ref().filter(|d| owner.is_subdomain_of(d)) {
            return Err(ZoneError::DataBelowDname {
                location: entries[start].location.clone(),
                owner,
                dname: d.clone(),
            });
        }
        dname = entries[start..end]
            .iter()
            .any(|e| e.record.rtype == Rtype::DNAME)
            .then(|| owner.clone());
        let node = &mut entries[start..end];
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
    let mut records: Vec<Record> = entries.into_iter().map(|e| e.record).collect();
    // The collect above reuses the entries' larger allocation; give the
    // difference (a third of it, tens of MB for a TLD) back.
    records.shrink_to_fit();
    Ok(Zone {
        apex: apex.clone(),
        records,
        soa_ttl,
        soa_minimum,
        serial,
    })
}

/// Sorts `entries` into canonical order; equal records keep the order they
/// were read in, so warnings are the same every run.
///
/// Sorts 4-octet indices, not the entries: the merge buffer is small
/// (a merge sort of the entries themselves would need one the size of the
/// zone), and a stable merge sort finishes in about one comparison per
/// record on the mostly sorted files registries export.
fn sort_canonically(entries: &mut [Entry]) {
    let Ok(count) = u32::try_from(entries.len()) else {
        entries.par_sort_by(|a, b| canonical_record_cmp(&a.record, &b.record));
        return;
    };
    let mut order: Vec<u32> = (0..count).collect();
    order.par_sort_by(|&a, &b| canonical_record_cmp(&entries[a as usize].record, &entries[b as usize].record));
    permute(entries, &mut order);
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`,
/// in place, by following the permutation's cycles. `order` is used up.
fn permute<T>(items: &mut [T], order: &mut [u32]) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

fn check_node(
    node: &mut [Entry],
    apex: &Name,
    soa: &mut Option<(u32, u32, u32)>,
    apex_ns: &mut bool,
    warn: &mut dyn FnMut(String),
) -> Result<(), ZoneError> {
    let owner = node[0].record.owner.clone();
    let at_apex = owner == *apex;
    let cnames: Vec<&Entry> = node.iter().filter(|e| e.record.rtype == Rtype::CNAME).collect();
    if let Some(cname) = cnames.first() {
        if cnames.len() > 1 {
            return Err(ZoneError::MultipleCname {
                location: cnames[1].location.clone(),
                owner,
            });
        }
        if let Some(other) = node.iter().find(|e| e.record.rtype != Rtype::CNAME) {
            return Err(ZoneError::CnameAndOtherData {
                location: cname.location.clone(),
                owner,
                other: other.record.rtype,
            });
        }
    }
    let mut start = 0;
    while start < node.len() {
        let rtype = node[start].record.rtype;
        let end = start + node[start..].iter().take_while(|e| e.record.rtype == rtype).count();
        let rrset = &mut node[start..end];
        unify_ttl(rrset, warn);
        match rtype {
            Rtype::SOA => {
                let first = &rrset[0];
                if !at_apex {
                    return Err(ZoneError::SoaNotAtApex {
                        location: first.location.clone(),
                        owner,
                        apex: apex.clone(),
                    });
                }
                if rrset.len() > 1 || soa.is_some() {
                    let mut locations: Vec<&Location> = rrset.iter().map(|e| &e.location).collect();
                    locations.sort_by_key(|l| (l.file.clone(), l.line));
                    return Err(ZoneError::ExtraSoa {
                        apex: apex.clone(),
                        first: locations[0].clone(),
                        second: locations
                            .get(1)
                            .copied()
                            .cloned()
                            .unwrap_or_else(|| first.location.clone()),
                    });
                }
                let (serial, minimum) = soa_fields(&first.record.rdata).ok_or_else(|| ZoneError::BadSoa {
                    location: first.location.clone(),
                })?;
                *soa = Some((first.record.ttl, serial, minimum));
            }
            Rtype::NS if at_apex => *apex_ns = true,
            Rtype::CDS | Rtype::CDNSKEY => {
                let partner = if rtype == Rtype::CDS {
                    Rtype::CDNSKEY
                } else {
                    Rtype::CDS
                };
                if !node.iter().any(|e| e.record.rtype == partner) {
                    warn(format!(
                        "{}: {owner} has {rtype} but no {partner}; publish both so every parent can use them (RFC 7344 §4, RFC 8078)",
                        node[start].location
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
fn unify_ttl(rrset: &mut [Entry], warn: &mut dyn FnMut(String)) {
    let min = rrset.iter().map(|e| e.record.ttl).min().unwrap_or(0);
    if let Some(odd) = rrset.iter().find(|e| e.record.ttl != min) {
        warn(format!(
            "{}: {} {} has records with different TTLs; all get the lowest, {min}",
            odd.location, odd.record.owner, odd.record.rtype
        ));
        for entry in rrset.iter_mut() {
            entry.record.ttl = min;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_follows_every_cycle() {
        // Fixed points, a 2-cycle and a 3-cycle.
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let mut order = vec![0, 2, 1, 5, 3, 4];
        permute(&mut items, &mut order);
        assert_eq!(items, vec!['a', 'c', 'b', 'f', 'd', 'e']);
        let mut empty: Vec<u8> = Vec::new();
        permute(&mut empty, &mut []);
    }
}
