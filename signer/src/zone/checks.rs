//! What makes a zone signable: exactly one SOA at the apex, apex NS, no
//! CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1), one TTL
//! per RRset (RFC 2181 §5.2), no duplicate records (RFC 2181 §5), one
//! DNAME per name (RFC 6672 §2.4), no DS at the apex (RFC 4035 §2.4), no
//! NS at a wildcard (RFC 4592 §4.2), DS and CDS digests as long as their
//! digest type makes them. BIND, as the hidden primary, would refuse to
//! load a signed zone breaking any of the last four.

use std::path::{Path, PathBuf};

use keybundles::zonefile::{Location, ZoneFileError};
use keybundles::{Name, Record, Rtype};

use super::locations::{Files, Line};
use super::order::{canonical_record_cmp, owner_starts};
use super::{soa_fields, Zone};
use crate::sort::{permute_with, stable_sorted_order};
use rayon::prelude::*;

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
    #[error(
        "{location}: {owner} has more than one DNAME record; a name redirects to one place at most (RFC 6672 §2.4)"
    )]
    MultipleDname { location: Location, owner: Name },
    #[error(
        "{location}: DS record at the apex {owner}: a zone's DS RRset belongs to its parent, which publishes and \
         signs it (RFC 4034 §5, RFC 4035 §2.4); give it to the parent instead. BIND will not load a zone with one"
    )]
    ApexDs { location: Location, owner: Name },
    #[error("{location}: {owner} lies below the DNAME at {dname}; no data may exist below a DNAME (RFC 6672 §2.4)")]
    DataBelowDname {
        location: Location,
        owner: Name,
        dname: Name,
    },
    #[error("{location}: SOA RDATA is malformed")]
    BadSoa { location: Location },
    #[error(
        "{location}: NS records at the wildcard {owner}: a wildcard cannot be a zone cut, its meaning in a signed \
         zone is undefined (RFC 4592 §4.2), and BIND will not load a zone with one"
    )]
    WildcardNs { location: Location, owner: Name },
    #[error(
        "{location}: the {rtype} record of {owner} cannot be right: {error}. No key can match it, and \
         BIND will not load a zone holding it; correct or remove it"
    )]
    BadDs {
        location: Location,
        owner: Name,
        rtype: Rtype,
        error: keybundles::ds::DsError,
    },
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

    // Most zones have none: that is found out on all cores, and only a
    // zone with duplicates is walked record by record.
    if records.par_windows(2).any(|w| same_record(&w[0], &w[1])) {
        collapse_duplicates(&mut records, &mut lines, files, warn);
    }
    crate::timing::phase("duplicates");

    let (soa, apex_ns) = check_in_stretches(
        &mut records,
        &lines,
        files,
        apex,
        rayon::current_num_threads() * 4,
        warn,
    )?;
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

/// The same record (owner, type and RDATA; TTLs may differ): a duplicate
/// in a zone (RFC 2181 §5).
fn same_record(a: &Record, b: &Record) -> bool {
    a.owner == b.owner && a.rtype == b.rtype && a.rdata == b.rdata
}

/// Keeps the first of each run of identical records (with the lowest TTL
/// among them) and warns once, naming where the first duplicate was read.
fn collapse_duplicates(records: &mut Vec<Record>, lines: &mut Vec<Line>, files: &Files, warn: &mut dyn FnMut(String)) {
    let mut duplicates = 0usize;
    let mut first_duplicate: Option<Line> = None;
    let mut previous: Option<usize> = None;
    let mut kept = 0;
    for i in 0..records.len() {
        if let Some(p) = previous {
            let (earlier, later) = (&records[p], &records[i]);
            if same_record(earlier, later) {
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
}

/// The SOA's TTL, serial and MINIMUM.
type SoaFacts = (u32, u32, u32);

/// Runs the checks of every name on all cores, in about `pieces`
/// stretches of names; warnings and the first error come out as one walk
/// in order would give them. Returns the SOA's (TTL, serial, MINIMUM) and
/// whether the apex has NS records.
fn check_in_stretches(
    records: &mut [Record],
    lines: &[Line],
    files: &Files,
    apex: &Name,
    pieces: usize,
    warn: &mut dyn FnMut(String),
) -> Result<(Option<SoaFacts>, bool), ZoneError> {
    let outcomes: Vec<Checked> = split_at_owners_mut(records, lines, pieces)
        .into_par_iter()
        .map(|(records, lines)| check_names(records, lines, files, apex))
        .collect();
    let mut soa: Option<SoaFacts> = None;
    let mut apex_ns = false;
    let mut dname_before: Option<Name> = None;
    for outcome in outcomes {
        // In canonical order every name below a DNAME directly follows
        // it: only a stretch's first name can be below the DNAME that
        // ended the stretch before.
        if let (Some(d), Some((owner, line))) = (&dname_before, &outcome.first) {
            if owner.is_subdomain_of(d) {
                return Err(ZoneError::DataBelowDname {
                    location: files.location(*line),
                    owner: owner.clone(),
                    dname: d.clone(),
                });
            }
        }
        for warning in outcome.warnings {
            warn(warning);
        }
        outcome.result?;
        soa = soa.or(outcome.soa);
        apex_ns |= outcome.apex_ns;
        dname_before = outcome.dname_at_end;
    }
    Ok((soa, apex_ns))
}

/// Cuts sorted records (and their lines) into about `pieces` stretches,
/// each starting at a new owner name ([`owner_starts`]).
fn split_at_owners_mut<'a>(
    mut records: &'a mut [Record],
    mut lines: &'a [Line],
    pieces: usize,
) -> Vec<(&'a mut [Record], &'a [Line])> {
    let starts = owner_starts(records, pieces);
    let mut out = Vec::with_capacity(starts.len());
    for w in starts.windows(2) {
        let (head, tail) = std::mem::take(&mut records).split_at_mut(w[1] - w[0]);
        let (head_lines, tail_lines) = lines.split_at(w[1] - w[0]);
        out.push((head, head_lines));
        records = tail;
        lines = tail_lines;
    }
    out
}

/// What checking one stretch of names found.
struct Checked {
    /// The stretch's first owner and where it was read.
    first: Option<(Name, Line)>,
    /// Warnings, in order.
    warnings: Vec<String>,
    /// The first error, which ends the stretch's checks.
    result: Result<(), ZoneError>,
    soa: Option<SoaFacts>,
    apex_ns: bool,
    /// The stretch's last name, if it has a DNAME.
    dname_at_end: Option<Name>,
}

/// Checks each name of a stretch of sorted records (and unifies RRset
/// TTLs) as if the stretch were the start of the zone.
fn check_names(records: &mut [Record], lines: &[Line], files: &Files, apex: &Name) -> Checked {
    let mut checked = Checked {
        first: records.first().map(|r| r.owner.clone()).zip(lines.first().copied()),
        warnings: Vec::new(),
        result: Ok(()),
        soa: None,
        apex_ns: false,
        dname_at_end: None,
    };
    let mut warn = |message: String| checked.warnings.push(message);
    let mut start = 0;
    while start < records.len() {
        // One owner name at a time.
        let owner = records[start].owner.clone();
        let end = start + records[start..].iter().take_while(|r| r.owner == owner).count();
        if let Some(d) = checked.dname_at_end.as_ref().filter(|d| owner.is_subdomain_of(d)) {
            checked.result = Err(ZoneError::DataBelowDname {
                location: files.location(lines[start]),
                owner,
                dname: d.clone(),
            });
            break;
        }
        checked.dname_at_end = records[start..end]
            .iter()
            .any(|r| r.rtype == Rtype::DNAME)
            .then(|| owner.clone());
        let node = Node {
            records: &mut records[start..end],
            lines: &lines[start..end],
            files,
        };
        if let Err(error) = check_node(node, apex, &mut checked.soa, &mut checked.apex_ns, &mut warn) {
            checked.result = Err(error);
            break;
        }
        start = end;
    }
    checked
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
    permute_with(records, &mut order, |i, j| lines.swap(i, j));
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
    soa: &mut Option<SoaFacts>,
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
            Rtype::NS if owner.is_wildcard() => {
                return Err(ZoneError::WildcardNs {
                    location: location(start),
                    owner,
                })
            }
            Rtype::DS if at_apex => {
                return Err(ZoneError::ApexDs {
                    location: location(start),
                    owner,
                })
            }
            Rtype::DS => check_ds(rrset, start, &location)?,
            Rtype::DNAME if rrset.len() > 1 => {
                return Err(ZoneError::MultipleDname {
                    location: location(start + 1),
                    owner,
                })
            }
            Rtype::CDS | Rtype::CDNSKEY => {
                if rtype == Rtype::CDS {
                    check_ds(rrset, start, &location)?;
                }
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

/// Refuses a DS or CDS record (the RRset `rrset`, which starts at index
/// `start` of its name's records) that no key could match.
fn check_ds(rrset: &[Record], start: usize, location: &dyn Fn(usize) -> Location) -> Result<(), ZoneError> {
    for (i, record) in rrset.iter().enumerate() {
        if let Err(error) = keybundles::ds::Ds::check_rdata(&record.rdata) {
            return Err(ZoneError::BadDs {
                location: location(start + i),
                owner: record.owner.clone(),
                rtype: record.rtype,
                error,
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::read::read_records;

    /// Checks `text` (a zone for `example.`) cut into `pieces` stretches:
    /// the error, or the SOA serial and apex NS, and the warnings.
    /// The SOA serial and whether the apex has NS, or the error.
    type Outcome = Result<(Option<u32>, bool), String>;

    fn check_text(text: &str, pieces: usize) -> (Outcome, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone.db");
        std::fs::write(&path, text).unwrap();
        let apex = Name::parse("example.", None).unwrap();
        let read = read_records(&path, &apex).unwrap();
        let (mut records, mut lines) = (read.records, read.lines);
        sort_canonically(&mut records, &mut lines);
        let mut warnings = Vec::new();
        let outcome = check_in_stretches(&mut records, &lines, &read.files, &apex, pieces, &mut |w| {
            warnings.push(w.replace(&path.display().to_string(), "zone.db"))
        });
        let outcome = outcome
            .map(|(soa, ns)| (soa.map(|s| s.1), ns))
            .map_err(|e| e.to_string().replace(&path.display().to_string(), "zone.db"));
        (outcome, warnings)
    }

    const ZONE: &str = "$ORIGIN example.\n$TTL 3600\n\
        @ SOA ns1 host 7 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n\
        a 300 A 192.0.2.2\na 600 A 192.0.2.3\n\
        b CDS 12345 13 2 5F0EB9A0A7D77EE5EE21AE36A20D2E9D3C6DA4F3A5D8E0B4DCA5AE4A45E95C4A\n\
        c 300 TXT \"x\"\nc 900 TXT \"y\"\n\
        old DNAME new.example.\n";

    #[test]
    fn duplicates_are_kept_once_with_the_lowest_ttl_and_one_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone.db");
        // The second copy of b's TXT is read far from the first; sorting
        // makes them neighbours.
        std::fs::write(
            &path,
            "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 host 7 7200 3600 1209600 300\n@ NS ns1\n\
             ns1 A 192.0.2.1\nb 600 TXT \"x\"\nc TXT \"y\"\nb 300 TXT \"x\"\nns1 A 192.0.2.1\n",
        )
        .unwrap();
        let apex = Name::parse("example.", None).unwrap();
        let read = read_records(&path, &apex).unwrap();
        let mut warnings = Vec::new();
        let zone = check_and_normalize(read.records, read.lines, &read.files, &apex, &path, &mut |w| {
            warnings.push(w)
        })
        .unwrap();
        let texts: Vec<String> = zone.records.iter().map(|r| r.to_string()).collect();
        assert_eq!(zone.records.len(), 5, "{texts:?}");
        let b: Vec<u32> = zone
            .records
            .iter()
            .filter(|r| r.owner == Name::parse("b.example.", None).unwrap())
            .map(|r| r.ttl)
            .collect();
        assert_eq!(b, [300]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].ends_with("zone.db:8: 2 duplicate record(s) collapsed"),
            "{warnings:?}"
        );
    }

    #[test]
    fn checks_in_stretches_say_what_one_walk_says() {
        let below = format!("{ZONE}x.old A 192.0.2.9\nz 60 TXT \"after\"\nz 70 TXT \"later\"\n");
        let after = format!("{ZONE}z 60 TXT \"after\"\nz 70 TXT \"later\"\n");
        for (text, expected) in [
            (
                below.as_str(),
                Err("zone.db:12: x.old.example. lies below the DNAME".to_string()),
            ),
            (after.as_str(), Ok((Some(7), true))),
        ] {
            let (one_walk, warnings) = check_text(text, 1);
            match (&one_walk, &expected) {
                (Err(got), Err(want)) => assert!(got.starts_with(want.as_str()), "{got}"),
                (got, want) => assert_eq!(got, want),
            }
            // Mixed TTLs at a and c, and a CDS without CDNSKEY, in order;
            // z's only when no error came first.
            assert_eq!(warnings.len(), if expected.is_ok() { 4 } else { 3 }, "{warnings:?}");
            assert!(warnings[0].starts_with("zone.db:7: a.example. A"), "{warnings:?}");
            assert!(warnings[1].contains("CDS but no CDNSKEY"), "{warnings:?}");
            for pieces in 2..=12 {
                assert_eq!(
                    check_text(text, pieces),
                    (one_walk.clone(), warnings.clone()),
                    "{pieces} pieces"
                );
            }
        }
    }

    #[test]
    fn records_bind_would_not_load_are_refused_where_they_were_read() {
        let sha256 = "5F0EB9A0A7D77EE5EE21AE36A20D2E9D3C6DA4F3A5D8E0B4DCA5AE4A45E95C4A";
        let head = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 host 7 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n";
        for (records, expected) in [
            (
                format!("d NS ns1.d\nd DS 1 13 2 {sha256}\nd DS 2 13 2 ABCD\n"),
                "zone.db:8: the DS record of d.example. cannot be right: digest type 2 (SHA-256) digests are \
                 32 octets long, and this one is 2.",
            ),
            (
                format!("d NS ns1.d\nd DS 1 13 1 {sha256}\n"),
                "zone.db:7: the DS record of d.example. cannot be right: digest type 1 (SHA-1) digests are 20",
            ),
            (
                "@ CDS 1 13 4 ABCD\n".to_string(),
                "zone.db:6: the CDS record of example. cannot be right: digest type 4 (SHA-384)",
            ),
            (
                "*.w NS ns1.provider.net.\n".to_string(),
                "zone.db:6: NS records at the wildcard *.w.example.:",
            ),
            (
                format!("@ DS 1 13 2 {sha256}\n"),
                "zone.db:6: DS record at the apex example.:",
            ),
            (
                "m DNAME a.net.\nm DNAME b.net.\n".to_string(),
                "zone.db:7: m.example. has more than one DNAME record",
            ),
        ] {
            let (outcome, _) = check_text(&format!("{head}{records}"), 1);
            let error = outcome.expect_err(&records);
            assert!(error.starts_with(expected), "{error}");
        }
        // Digest types Signet does not compute, and the CDS "delete"
        // record of RFC 8078, are signed as given.
        let fine =
            format!("{head}d NS ns1.d\nd DS 1 13 2 {sha256}\nd DS 3 13 3 AB\n@ CDS 0 0 0 00\n@ CDNSKEY 0 3 0 AA==\n");
        assert_eq!(check_text(&fine, 1).0, Ok((Some(7), true)));
    }
}
