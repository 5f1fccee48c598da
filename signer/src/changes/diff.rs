//! Zone diffs: what to take out of and put into the zone a signed file was
//! made from, in the spirit of IXFR (RFC 1995): the old SOA goes, the new
//! one comes, and between them the records that changed.
//!
//! The format is line-based so that a registry's export can write it and
//! `ldns-compare-zones -a -s OLD NEW` can make it:
//!
//! ```text
//! ; comments and blank lines are ignored; $ORIGIN and $TTL apply to all lines
//! -example. 3600 IN SOA ns1.example. host.example. 2026120701 1800 900 604800 3600
//! +example. 3600 IN SOA ns1.example. host.example. 2026120702 1800 900 604800 3600
//! -old.example. 3600 IN NS ns1.provider.net.
//! +new.example. 3600 IN NS ns1.provider.net.
//! ```
//!
//! `+` adds a record, `-` removes one; ldns-compare-zones' `++`/`~+` and
//! `--`/`~-` mean the same, and its summary line (which starts with a tab)
//! is skipped. Each record is one line with its owner.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keybundles::zonefile::{Entry, Location, Warning, ZoneFileError, ZoneReader};
use keybundles::{Name, Record, Rtype};
use rayon::prelude::*;

use crate::zone::{Files, Line};

/// A change of one record, and the diff line it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub record: Record,
    pub location: Location,
}

/// A parsed zone diff.
#[derive(Clone, Debug)]
pub struct ZoneDiff {
    pub path: PathBuf,
    /// The SOA the diff starts from, and the one it ends with.
    pub old_soa: Change,
    pub new_soa: Change,
    /// Records to remove and to add, SOAs not included.
    pub removed: Vec<Change>,
    pub added: Vec<Change>,
}

/// Why a diff cannot be read or applied.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("cannot read the diff {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("{0}")]
    Read(ZoneFileError),
    #[error("{location}: a diff line starts with + (add) or - (remove), or ldns-compare-zones' ++ -- ~+ ~-; found '{start}'")]
    NoMarker { location: Location, start: String },
    #[error("{location}: {owner} is outside the zone {apex}")]
    OutsideZone {
        location: Location,
        owner: Name,
        apex: Name,
    },
    #[error("{location}: a diff may not change {rtype} records: Signet makes the DNSKEY RRset from the keys, and the RRSIG/NSEC/NSEC3 records itself")]
    SignerRecord { location: Location, rtype: Rtype },
    #[error("{location}: SOA record at {owner}, which is not the apex {apex}")]
    SoaNotAtApex {
        location: Location,
        owner: Name,
        apex: Name,
    },
    #[error("{}: the diff must remove the old SOA and add the new one (as IXFR does); it {found}", path.display())]
    SoaChange { path: PathBuf, found: String },
    #[error("{location}: the new SOA serial {new} does not follow the old one, {old} (RFC 1982); secondaries would never load it")]
    SerialNotIncreased { location: Location, old: u32, new: u32 },
    #[error("{location}: the diff starts from the zone with SOA serial {diff}, but {} has serial {signed}; it was made against another version of the zone", signed_path.display())]
    WrongBase {
        location: Location,
        diff: u32,
        signed: u32,
        signed_path: PathBuf,
    },
    #[error("{} has no SOA record at the apex: is it the signed zone the diff was made against?", signed_path.display())]
    NoSoa { signed_path: PathBuf },
    #[error("{location}: the last line stops without a newline, so the diff may have been cut short (a write or transfer that stopped), and the changes after the cut would be lost without a word; if it is whole, end it with a newline")]
    CutShort { location: Location },
    #[error("{location}: removes {record}, which is not in {}; was the diff made against this zone?", signed_path.display())]
    NotPresent {
        location: Location,
        record: String,
        signed_path: PathBuf,
    },
}

/// Which way a diff line goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Remove,
    Add,
}

/// The change marker at the start of `line` and the record text after it;
/// `Ok(None)` for a line without a record.
fn classify(line: &[u8]) -> Result<Option<(Side, &[u8])>, String> {
    let first = match line.first() {
        None => return Ok(None),
        Some(&b) => b,
    };
    if first.is_ascii_whitespace() || first == b';' {
        return Ok(None);
    }
    for (marker, side) in [
        (&b"++"[..], Side::Add),
        (b"~+", Side::Add),
        (b"--", Side::Remove),
        (b"~-", Side::Remove),
        (b"+", Side::Add),
        (b"-", Side::Remove),
    ] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Ok(Some((side, rest)));
        }
    }
    Err(String::from_utf8_lossy(&line[..line.len().min(20)]).into_owned())
}

impl ZoneDiff {
    /// Reads the diff at `path` for the zone `apex`; reader warnings go to `warn`.
    pub fn read(path: &Path, apex: &Name, warn: &mut dyn FnMut(String)) -> Result<ZoneDiff, DiffError> {
        let text = std::fs::read(path).map_err(|e| DiffError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        ZoneDiff::parse(&text, path, apex, warn)
    }

    /// Parses diff text; `path` names it in errors.
    pub fn parse(text: &[u8], path: &Path, apex: &Name, warn: &mut dyn FnMut(String)) -> Result<ZoneDiff, DiffError> {
        // Two zone texts with one line per diff line: the removed records
        // in one, the added in the other, directives in both, so the zone
        // reader's line numbers are the diff's.
        let mut removed_text = Vec::with_capacity(text.len() / 2);
        let mut added_text = Vec::with_capacity(text.len() / 2);
        let file: Arc<Path> = path.into();
        // The diff is the only record of the registry's changes: one cut
        // short at a line's end cannot be told from a whole one, but one
        // cut inside a line can.
        if !text.is_empty() && !text.ends_with(b"\n") {
            let line = memchr::memchr_iter(b'\n', text).count() + 1;
            return Err(DiffError::CutShort {
                location: Location { file, line },
            });
        }
        for (number, line) in text.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.first() == Some(&b'$') {
                removed_text.extend_from_slice(line);
                added_text.extend_from_slice(line);
            } else {
                match classify(line) {
                    Ok(None) => {}
                    Ok(Some((Side::Remove, rest))) => removed_text.extend_from_slice(rest),
                    Ok(Some((Side::Add, rest))) => added_text.extend_from_slice(rest),
                    Err(start) => {
                        return Err(DiffError::NoMarker {
                            location: Location { file, line: number + 1 },
                            start,
                        })
                    }
                }
            }
            removed_text.push(b'\n');
            added_text.push(b'\n');
        }
        let removed = read_side(removed_text, path, apex, warn)?;
        let added = read_side(added_text, path, apex, warn)?;
        let (removed, old_soa) = take_soa(removed, apex, path, "removes")?;
        let (added, new_soa) = take_soa(added, apex, path, "adds")?;
        let (Some(old_soa), Some(new_soa)) = (old_soa, new_soa) else {
            return Err(DiffError::SoaChange {
                path: path.to_path_buf(),
                found: "lacks one of them".into(),
            });
        };
        let (old, new) = (soa_serial(&old_soa.record), soa_serial(&new_soa.record));
        if new.wrapping_sub(old) == 0 || new.wrapping_sub(old) >= 1 << 31 {
            return Err(DiffError::SerialNotIncreased {
                location: new_soa.location,
                old,
                new,
            });
        }
        Ok(ZoneDiff {
            path: path.to_path_buf(),
            old_soa,
            new_soa,
            removed,
            added,
        })
    }

    /// The owner names the diff touches, SOA included, in canonical
    /// order without repeats.
    pub fn owners(&self) -> Vec<Name> {
        let changes: Vec<&Change> = self
            .removed
            .iter()
            .chain(&self.added)
            .chain([&self.old_soa, &self.new_soa])
            .collect();
        let mut owners: Vec<Name> = changes.par_iter().map(|c| c.record.owner.to_lowercase()).collect();
        owners.par_sort_by(|a, b| a.canonical_cmp(b));
        owners.dedup();
        owners
    }

    /// True when the diff touches a DNAME: everything below a DNAME owner
    /// changes status, so callers re-sign the whole zone.
    pub fn touches_dname(&self) -> bool {
        self.removed
            .iter()
            .chain(&self.added)
            .any(|c| c.record.rtype == Rtype::DNAME)
    }

    /// Applies the diff to the records of the zone it was made against
    /// (`records[i]` read at `files.location(lines[i])`, any order), which
    /// come from `signed_path`. Every removed record must be there, and the
    /// old SOA must be the zone's. An added record that is there already
    /// is a duplicate, which the zone checks collapse with a warning naming
    /// the diff's line — as for the same record twice in a zone file — so
    /// the result is that of signing the changed zone file whole.
    pub fn apply(
        &self,
        records: &mut Vec<Record>,
        lines: &mut Vec<Line>,
        files: &mut Files,
        signed_path: &Path,
    ) -> Result<(), DiffError> {
        // Removal matches owner (any case), type and RDATA, not TTL (as in
        // RFC 2136 §2.5.4).
        let key = |r: &Record| (r.owner.to_lowercase(), r.rtype, r.rdata.clone());
        let mut to_remove: HashMap<_, (usize, bool)> = self
            .removed
            .iter()
            .enumerate()
            .map(|(i, c)| (key(&c.record), (i, false)))
            .collect();
        let mut soa_seen = None;
        let mut kept = 0;
        for i in 0..records.len() {
            let record = &records[i];
            if record.rtype == Rtype::SOA {
                soa_seen = Some(soa_serial(record));
                continue;
            }
            let k = key(record);
            // A record both removed and added is a TTL change
            // (ldns-compare-zones writes one so).
            if let Some(entry) = to_remove.get_mut(&k) {
                if !entry.1 {
                    entry.1 = true;
                    continue;
                }
            }
            records.swap(kept, i);
            lines.swap(kept, i);
            kept += 1;
        }
        records.truncate(kept);
        lines.truncate(kept);
        let old = soa_serial(&self.old_soa.record);
        let Some(signed) = soa_seen else {
            return Err(DiffError::NoSoa {
                signed_path: signed_path.to_path_buf(),
            });
        };
        if signed != old {
            return Err(DiffError::WrongBase {
                location: self.old_soa.location.clone(),
                diff: old,
                signed,
                signed_path: signed_path.to_path_buf(),
            });
        }
        if let Some(change) = self
            .removed
            .iter()
            .enumerate()
            .find(|(i, c)| {
                to_remove
                    .get(&key(&c.record))
                    .is_some_and(|&(j, found)| j == *i && !found)
            })
            .map(|(_, c)| c)
        {
            return Err(DiffError::NotPresent {
                location: change.location.clone(),
                record: change.record.to_string(),
                signed_path: signed_path.to_path_buf(),
            });
        }
        for change in self.added.iter().chain([&self.new_soa]) {
            lines.push(files.line(&change.location));
            records.push(change.record.clone());
        }
        Ok(())
    }
}

/// The records of one side of a diff, checked.
fn read_side(text: Vec<u8>, path: &Path, apex: &Name, warn: &mut dyn FnMut(String)) -> Result<Vec<Change>, DiffError> {
    let mut reader = ZoneReader::from_bytes(text, path, apex);
    let mut changes = Vec::new();
    for entry in reader.by_ref() {
        let Entry { record, location } = entry.map_err(DiffError::Read)?;
        if !record.owner.is_subdomain_of(apex) {
            return Err(DiffError::OutsideZone {
                location,
                owner: record.owner,
                apex: apex.clone(),
            });
        }
        if record.rtype.is_dnssec_generated() || record.rtype == Rtype::DNSKEY {
            return Err(DiffError::SignerRecord {
                location,
                rtype: record.rtype,
            });
        }
        changes.push(Change { record, location });
    }
    for Warning { location, message } in reader.take_warnings() {
        warn(format!("{location}: {message}"));
    }
    Ok(changes)
}

/// Splits the SOA out of one side's changes: at most one, at the apex.
fn take_soa(
    changes: Vec<Change>,
    apex: &Name,
    path: &Path,
    verb: &str,
) -> Result<(Vec<Change>, Option<Change>), DiffError> {
    let mut soa = None;
    let mut rest = Vec::with_capacity(changes.len());
    for change in changes {
        if change.record.rtype != Rtype::SOA {
            rest.push(change);
        } else if !change.record.owner.eq_ignore_case(apex) {
            return Err(DiffError::SoaNotAtApex {
                location: change.location,
                owner: change.record.owner,
                apex: apex.clone(),
            });
        } else if soa.is_some() {
            return Err(DiffError::SoaChange {
                path: path.to_path_buf(),
                found: format!("{verb} two, the second at line {}", change.location.line),
            });
        } else {
            soa = Some(change);
        }
    }
    Ok((rest, soa))
}

/// The serial of an SOA record (0 when its RDATA is malformed, which the
/// zone reader does not let through).
fn soa_serial(record: &Record) -> u32 {
    crate::zone::soa_fields(&record.rdata).map_or(0, |(serial, _)| serial)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apex() -> Name {
        "example.".parse().unwrap()
    }

    fn parse(text: &str) -> Result<ZoneDiff, DiffError> {
        ZoneDiff::parse(text.as_bytes(), Path::new("changes.diff"), &apex(), &mut |_| {})
    }

    const SOAS: &str = "-example. 3600 IN SOA ns. host. 1 1800 900 604800 300\n\
                        +example. 3600 IN SOA ns. host. 2 1800 900 604800 300\n";

    #[test]
    fn reads_both_sides_and_the_soas() {
        let diff = parse(&format!(
            "; a comment\n$TTL 600\n{SOAS}-a.example. NS ns1.net.\n+b 300 IN NS ns2.net.\n\t+1\t-1\t~0\n"
        ))
        .unwrap();
        assert_eq!(diff.removed.len(), 1);
        assert_eq!(diff.removed[0].record.to_string(), "a.example.\t600\tIN\tNS\tns1.net.");
        assert_eq!(diff.removed[0].location.line, 5);
        assert_eq!(diff.added[0].record.owner, "b.example.".parse().unwrap());
        assert_eq!(diff.added[0].location.line, 6);
        assert_eq!(soa_serial(&diff.old_soa.record), 1);
        assert_eq!(soa_serial(&diff.new_soa.record), 2);
        let owners: Vec<String> = diff.owners().iter().map(|n| n.to_string()).collect();
        assert_eq!(owners, ["example.", "a.example.", "b.example."]);
    }

    #[test]
    fn reads_ldns_compare_zones_markers() {
        let diff = parse(
            "~-example.\t3600\tIN\tSOA\tns. host. 1 1800 900 604800 300\n\
             ~+example.\t3600\tIN\tSOA\tns. host. 2 1800 900 604800 300\n\
             --y.example.\t3600\tIN\tA\t192.0.2.1\n\
             ++z.example.\t3600\tIN\tA\t192.0.2.1\n\
             \t+1\t-1\t~1\n",
        )
        .unwrap();
        assert_eq!(diff.removed[0].record.owner, "y.example.".parse().unwrap());
        assert_eq!(diff.added[0].record.owner, "z.example.".parse().unwrap());
    }

    #[test]
    fn refuses_what_it_cannot_mean() {
        let cases = [
            (format!("{SOAS}a.example. 300 IN A 192.0.2.1\n"), "changes.diff:3", "starts with + (add) or - (remove)"),
            ("+example. 3600 IN SOA ns. host. 2 1800 900 604800 300\n".to_string(), "changes.diff", "must remove the old SOA"),
            (format!("{SOAS}+example. 3600 IN SOA ns. host. 3 1800 900 604800 300\n"), "changes.diff", "adds two"),
            (
                "-example. 3600 IN SOA ns. host. 5 1800 900 604800 300\n+example. 3600 IN SOA ns. host. 5 1800 900 604800 300\n".to_string(),
                "changes.diff:2",
                "does not follow",
            ),
            (format!("{SOAS}+a.example. 300 IN RRSIG A 13 2 300 20270101000000 20261201000000 1 example. AAAA\n"), "changes.diff:3", "RRSIG"),
            (format!("{SOAS}+example. 300 IN DNSKEY 256 3 13 AAAA\n"), "changes.diff:3", "DNSKEY"),
            (format!("{SOAS}+a.other. 300 IN A 192.0.2.1\n"), "changes.diff:3", "outside the zone"),
            (format!("{SOAS}+a.example. 300 IN A 192.0.2.300\n"), "changes.diff:3", ""),
            // Cut inside its last line: what followed is unknown.
            (format!("{SOAS}+a.example. 300 IN A 192.0.2"), "changes.diff:3", "cut short"),
            (format!("{SOAS}+a.example. 300 IN A 192.0.2.1\n-b.exa"), "changes.diff:4", "cut short"),
        ];
        for (text, place, words) in cases {
            let error = parse(&text).expect_err(&text).to_string();
            assert!(error.contains(place) && error.contains(words), "{text}: {error}");
        }
    }

    fn zone_records(text: &str) -> (Vec<Record>, Vec<Line>, Files) {
        let path: Arc<Path> = Arc::from(Path::new("signed.zone"));
        let mut files = Files::new(path.clone());
        let mut records = Vec::new();
        let mut lines = Vec::new();
        for entry in ZoneReader::from_str(text, &path, &apex()) {
            let entry = entry.unwrap();
            lines.push(files.line(&entry.location));
            records.push(entry.record);
        }
        (records, lines, files)
    }

    const ZONE: &str = "example. 3600 IN SOA ns. host. 1 1800 900 604800 300\n\
                        example. 3600 IN NS ns.example.\n\
                        a.example. 300 IN NS ns1.net.\n\
                        a.example. 300 IN NS ns2.net.\n";

    #[test]
    fn applies_removals_and_additions_with_their_lines() {
        let diff = parse(&format!(
            "{SOAS}-A.example. 999 IN NS ns1.net.\n+b.example. 300 IN NS ns3.net.\n"
        ))
        .unwrap();
        let (mut records, mut lines, mut files) = zone_records(ZONE);
        diff.apply(&mut records, &mut lines, &mut files, Path::new("signed.zone"))
            .unwrap();
        let mut text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        text.sort();
        assert_eq!(
            text,
            [
                "a.example.\t300\tIN\tNS\tns2.net.",
                "b.example.\t300\tIN\tNS\tns3.net.",
                "example.\t3600\tIN\tNS\tns.example.",
                "example.\t3600\tIN\tSOA\tns. host. 2 1800 900 604800 300",
            ]
        );
        let added = records
            .iter()
            .position(|r| r.owner == "b.example.".parse().unwrap())
            .unwrap();
        assert_eq!(files.location(lines[added]).to_string(), "changes.diff:4");
    }

    #[test]
    fn an_added_record_already_there_is_left_to_the_zone_checks() {
        let diff = parse(&format!("{SOAS}+a.example. 60 IN NS ns2.net.\n")).unwrap();
        let (mut records, mut lines, mut files) = zone_records(ZONE);
        diff.apply(&mut records, &mut lines, &mut files, Path::new("signed.zone"))
            .unwrap();
        let copies: Vec<u32> = records
            .iter()
            .filter(|r| r.to_string().ends_with("NS\tns2.net."))
            .map(|r| r.ttl)
            .collect();
        // Both copies go on: the checks keep one, with the lower TTL and a
        // warning, as for a zone file holding the record twice.
        assert_eq!(copies, [300, 60]);
    }

    #[test]
    fn refuses_a_diff_made_against_another_zone() {
        let apply = |diff: &str| {
            let (mut records, mut lines, mut files) = zone_records(ZONE);
            parse(diff)
                .unwrap()
                .apply(&mut records, &mut lines, &mut files, Path::new("signed.zone"))
                .unwrap_err()
                .to_string()
        };
        let missing = apply(&format!("{SOAS}-c.example. 300 IN NS ns1.net.\n"));
        assert!(
            missing.contains("changes.diff:3: removes c.example.") && missing.contains("not in signed.zone"),
            "{missing}"
        );
        let base = apply(
            "-example. 3600 IN SOA ns. host. 7 1800 900 604800 300\n+example. 3600 IN SOA ns. host. 8 1800 900 604800 300\n",
        );
        let (mut records, mut lines, mut files) = zone_records(&ZONE[ZONE.find('\n').unwrap() + 1..]);
        let no_soa = parse(SOAS)
            .unwrap()
            .apply(&mut records, &mut lines, &mut files, Path::new("signed.zone"))
            .unwrap_err()
            .to_string();
        assert!(no_soa.contains("signed.zone has no SOA record"), "{no_soa}");
        assert!(
            base.contains("changes.diff:1") && base.contains("serial 7, but signed.zone has serial 1"),
            "{base}"
        );
    }
}
