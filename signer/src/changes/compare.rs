//! Which names of a new unsigned zone differ from the previous signed zone.
//!
//! `signer sign --previous SIGNED ZONEFILE` is given the whole new zone,
//! not a diff. The new zone is read and checked whole (as any zone to be
//! signed), but SIGNED is not parsed: each name's records in the new zone
//! are written the way Signet writes them and compared, as text, with the
//! lines SIGNED holds for that name, its RRSIG, NSEC and NSEC3 lines left
//! out. Names that read the same are unchanged; the others are the
//! changes, around which the zone is spliced as for `--changes`
//! (docs/incremental.md).
//!
//! Text that differs for another reason than the data (another case in an
//! owner, a record written another way) only makes a name count as changed:
//! it is then signed again, never skipped.

use std::cmp::Ordering;
use std::ops::Range;

use keybundles::{Name, Record, Rtype};
use memchr::memchr;
use rayon::prelude::*;

use super::signed_text::{NameKey, SignedText};
use crate::zone::owner_starts;

/// What differs between a new zone and the previous signed zone.
#[derive(Debug, Default, PartialEq)]
pub struct Comparison {
    /// Names whose records were added, removed or changed, in canonical
    /// order; the apex always (its SOA and DNSKEY RRset are remade).
    pub changed: Vec<Name>,
    /// A changed name has a DNAME, before or after.
    pub dname: bool,
}

/// Pieces per thread, so uneven pieces even out.
const PIECES_PER_THREAD: usize = 8;

/// Compares `records` (a checked zone for `apex`, in canonical order) with
/// `text`, on all cores.
pub fn compare(records: &[Record], apex: &Name, text: &SignedText) -> Comparison {
    let starts = owner_starts(records, rayon::current_num_threads() * PIECES_PER_THREAD);
    // Piece p of the new zone holds the names from its first owner up to
    // the next piece's: the same names of SIGNED start at their lower bounds.
    let bounds: Vec<usize> = starts
        .par_iter()
        .map(|&s| match s {
            0 => 0,
            s if s >= records.len() => text.nodes.len(),
            s => text.lower_bound(&records[s].owner),
        })
        .collect();
    let pieces: Vec<Comparison> = (0..starts.len() - 1)
        .into_par_iter()
        .map(|p| compare_piece(&records[starts[p]..starts[p + 1]], bounds[p]..bounds[p + 1], apex, text))
        .collect();
    let mut all = Comparison {
        changed: Vec::with_capacity(pieces.iter().map(|p| p.changed.len()).sum()),
        dname: false,
    };
    for piece in pieces {
        all.changed.extend(piece.changed);
        all.dname |= piece.dname;
    }
    all
}

/// Compares the names of `records` with SIGNED's nodes `nodes`: the same
/// names, in the same order, where nothing changed.
fn compare_piece(records: &[Record], nodes: Range<usize>, apex: &Name, text: &SignedText) -> Comparison {
    let mut out = Comparison::default();
    let mut owner_text = String::with_capacity(256);
    let mut fields = String::with_capacity(1024);
    let mut k = nodes.start;
    let mut i = 0;
    // A name of SIGNED that the new zone does not have.
    let removed = |k: usize, out: &mut Comparison| {
        let lines = data_lines(node_text(text, k));
        let mut any = false;
        for line in lines {
            any = true;
            out.dname |= line_type(line) == Some(b"DNAME".as_slice());
        }
        if any {
            out.changed.push(text.owner(k));
        }
    };
    while i < records.len() {
        let owner = &records[i].owner;
        let end = i + records[i..]
            .iter()
            .take_while(|r| r.owner == *owner || r.owner.canonical_cmp(owner) == Ordering::Equal)
            .count();
        let group = &records[i..end];
        i = end;
        // The owner's text once, the other fields of each record after it.
        owner_text.clear();
        owner.write_text(&mut owner_text);
        owner_text.push('\t');
        fields.clear();
        for record in group {
            record.write_fields(&mut fields);
            fields.push('\n');
        }
        // (Records of a name written in other cases: compared as changed.)
        let one_owner_text = group.iter().all(|r| r.owner.as_wire() == owner.as_wire());
        let owner_field = &owner_text.as_bytes()[..owner_text.len() - 1];
        let has_dname = group.iter().any(|r| r.rtype == Rtype::DNAME);
        let mut key = None;
        let matched = loop {
            if k >= nodes.end {
                break false;
            }
            let order = if text.owner_text(k) == owner_field {
                Ordering::Equal
            } else {
                let key = key.get_or_insert_with(|| NameKey::new(owner));
                // Every owner of SIGNED parsed when it was indexed.
                text.compare_node(k, key).unwrap_or(Ordering::Less)
            };
            match order {
                Ordering::Less => {
                    removed(k, &mut out);
                    k += 1;
                }
                Ordering::Equal => break true,
                Ordering::Greater => break false,
            }
        };
        let same = matched
            && one_owner_text
            && !owner.eq_ignore_case(apex)
            && same_data(node_text(text, k), owner_text.as_bytes(), fields.as_bytes());
        if !same {
            out.changed.push(owner.clone());
            out.dname |= has_dname;
            if matched {
                out.dname |= data_lines(node_text(text, k)).any(|l| line_type(l) == Some(b"DNAME".as_slice()));
            }
        }
        if matched {
            k += 1;
        }
    }
    while k < nodes.end {
        removed(k, &mut out);
        k += 1;
    }
    out
}

/// The lines of SIGNED's node `k`.
fn node_text(text: &SignedText, k: usize) -> &[u8] {
    &text.bytes[text.byte_range(k, k + 1)]
}

/// True when `node`'s data lines are `owner` (its text and a tab)
/// followed by `fields`' lines, in order.
fn same_data(node: &[u8], owner: &[u8], fields: &[u8]) -> bool {
    let mut expected = Lines(fields);
    data_lines(node).all(|line| {
        line.strip_prefix(owner)
            .is_some_and(|rest| expected.next() == Some(rest))
    }) && expected.next().is_none()
}

/// The lines of a name's text that hold its data: all but RRSIG, NSEC,
/// NSEC3 and NSEC3PARAM, which the signer made.
fn data_lines(node: &[u8]) -> impl Iterator<Item = &[u8]> {
    Lines(node).filter(|line| !matches!(line_type(line), Some(b"RRSIG" | b"NSEC" | b"NSEC3" | b"NSEC3PARAM")))
}

/// The non-empty lines of a text, without their newlines. (A signed TLD
/// has millions: a vectorised search finds each end, where splitting at a
/// closure's verdict per octet cost more than the whole comparison.)
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.0.is_empty() {
                return None;
            }
            let end = memchr(b'\n', self.0).unwrap_or(self.0.len());
            let line = &self.0[..end];
            self.0 = self.0.get(end + 1..).unwrap_or_default();
            if !line.is_empty() {
                return Some(line);
            }
        }
    }
}

/// The type field of a line in Signet's form (owner, TTL, class, type,
/// data, separated by tabs). The fields before it are short: a plain loop.
fn line_type(line: &[u8]) -> Option<&[u8]> {
    let mut tabs = line.iter().enumerate().filter(|&(_, &b)| b == b'\t').map(|(i, _)| i);
    let start = tabs.nth(2)? + 1;
    let end = tabs.next()?;
    Some(&line[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::signed_text::{Contents, KeepRule};
    use keybundles::zonefile::ZoneReader;
    use std::path::Path;

    const APEX_LINES: &str = "tld.\t3600\tIN\tSOA\tns1.tld. host.tld. 1 1800 900 604800 300\n\
        tld.\t3600\tIN\tRRSIG\tSOA 13 1 3600 20990101000000 20200101000000 1 tld. AAAA\n\
        tld.\t3600\tIN\tNS\tns1.tld.\n\
        tld.\t3600\tIN\tDNSKEY\t256 3 13 AAAA\n\
        tld.\t300\tIN\tNSEC\ta.tld. NS SOA RRSIG NSEC DNSKEY\n";

    fn signed(rest: &str) -> SignedText {
        let rule = KeepRule {
            now: 0,
            refresh: 0,
            keys: vec![(1, 13)],
            signer: "tld.".into(),
            schedule: crate::signing::Schedule::NONE,
        };
        let bytes = format!("{APEX_LINES}{rest}; end of zone tld.\n").into_bytes();
        SignedText::index(Contents::Owned(bytes), Path::new("old.signed"), &rule).unwrap()
    }

    fn records(zone: &str) -> Vec<Record> {
        let apex = Name::parse("tld.", None).unwrap();
        let mut records: Vec<Record> = ZoneReader::from_bytes(zone.as_bytes().to_vec(), Path::new("new.zone"), &apex)
            .map(|e| e.unwrap().record)
            .collect();
        records.sort_by(crate::zone::canonical_record_cmp);
        records
    }

    fn names(comparison: &Comparison) -> Vec<String> {
        comparison.changed.iter().map(|n| n.to_string()).collect()
    }

    const OLD: &str = "a.tld.\t3600\tIN\tNS\tns1.a.tld.\n\
        a.tld.\t3600\tIN\tNSEC\tb.tld. NS RRSIG NSEC\n\
        a.tld.\t300\tIN\tRRSIG\tNSEC 13 2 300 20990101000000 20200101000000 1 tld. AAAA\n\
        ns1.a.tld.\t3600\tIN\tA\t192.0.2.1\n\
        b.tld.\t3600\tIN\tTXT\t\"b\"\n\
        b.tld.\t3600\tIN\tRRSIG\tTXT 13 2 3600 20990101000000 20200101000000 1 tld. AAAA\n\
        b.tld.\t300\tIN\tNSEC\tc.tld. TXT RRSIG NSEC\n\
        c.tld.\t3600\tIN\tA\t192.0.2.3\n\
        c.tld.\t3600\tIN\tTXT\t\"c\"\n\
        c.tld.\t300\tIN\tNSEC\ttld. A TXT RRSIG NSEC\n";

    const NEW_SAME: &str = "tld. 3600 IN SOA ns1.tld. host.tld. 2 1800 900 604800 300\n\
        tld. 3600 IN NS ns1.tld.\n\
        a.tld. 3600 IN NS ns1.a.tld.\n\
        ns1.a.tld. 3600 IN A 192.0.2.1\n\
        c.tld. 3600 IN TXT \"c\"\n\
        b.tld. 3600 IN TXT \"b\"\n\
        c.tld. 3600 IN A 192.0.2.3\n";

    #[test]
    fn the_same_data_in_another_order_and_form_changes_only_the_apex() {
        let text = signed(OLD);
        let found = compare(&records(NEW_SAME), &Name::parse("tld.", None).unwrap(), &text);
        assert_eq!(names(&found), ["tld."]);
        assert!(!found.dname);
    }

    #[test]
    fn added_removed_and_changed_names_are_found_in_every_piece() {
        let text = signed(OLD);
        let apex = Name::parse("tld.", None).unwrap();
        let cases: [(&str, &str, &[&str]); 6] = [
            // a TTL
            (
                "b.tld. 3600 IN TXT \"b\"",
                "b.tld. 60 IN TXT \"b\"",
                &["tld.", "b.tld."],
            ),
            // glue removed
            ("ns1.a.tld. 3600 IN A 192.0.2.1\n", "", &["tld.", "ns1.a.tld."]),
            // a name added before the first and after the last
            (
                "a.tld. 3600 IN NS",
                "0.tld. 1 IN A 192.0.2.9\na.tld. 3600 IN NS",
                &["tld.", "0.tld."],
            ),
            (
                "c.tld. 3600 IN A",
                "z.tld. 1 IN A 192.0.2.9\nc.tld. 3600 IN A",
                &["tld.", "z.tld."],
            ),
            // one record of a name
            (
                "c.tld. 3600 IN A 192.0.2.3",
                "c.tld. 3600 IN A 192.0.2.4",
                &["tld.", "c.tld."],
            ),
            // the case of data
            (
                "b.tld. 3600 IN TXT \"b\"",
                "b.tld. 3600 IN TXT \"B\"",
                &["tld.", "b.tld."],
            ),
        ];
        for (from, to, expected) in cases {
            let zone = NEW_SAME.replace(from, to);
            let records = records(&zone);
            for pieces in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(pieces).build().unwrap();
                let found = pool.install(|| compare(&records, &apex, &text));
                assert_eq!(names(&found), expected, "{from} -> {to}, {pieces} threads");
            }
        }
    }

    #[test]
    fn a_dname_before_or_after_is_reported() {
        let text = signed(OLD);
        let apex = Name::parse("tld.", None).unwrap();
        let added = NEW_SAME.replace("c.tld. 3600 IN A 192.0.2.3", "c.tld. 3600 IN DNAME x.example.");
        assert!(compare(&records(&added), &apex, &text).dname);
        let old_with_dname = OLD.replace("c.tld.\t3600\tIN\tA\t192.0.2.3", "c.tld.\t3600\tIN\tDNAME\tx.example.");
        let found = compare(&records(NEW_SAME), &apex, &signed(&old_with_dname));
        assert!(found.dname);
        assert_eq!(names(&found), ["tld.", "c.tld."]);
    }
}
