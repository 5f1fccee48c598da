//! Tests of the zone-file reader: every rule and every error, with lines.

use std::path::{Path, PathBuf};

use super::*;
use crate::rdata::write_rdata;

fn origin() -> Name {
    "example.".parse().unwrap()
}

fn read(text: &str) -> Vec<Result<Entry, ZoneFileError>> {
    ZoneReader::from_str(text, Path::new("zone.db"), &origin()).collect()
}

/// Records as "owner ttl type rdata" lines; panics on any error.
fn records(text: &str) -> Vec<String> {
    read(text)
        .into_iter()
        .map(|r| {
            let e = r.unwrap_or_else(|e| panic!("{e}"));
            let mut rdata = String::new();
            write_rdata(e.record.rtype, &e.record.rdata, &mut rdata).unwrap();
            format!("{} {} {} {}", e.record.owner, e.record.ttl, e.record.rtype, rdata)
        })
        .collect()
}

/// The single error of `text`, as (line, message).
fn error(text: &str) -> (usize, String) {
    let errors: Vec<ZoneFileError> = read(text).into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "expected one error in {text:?}, got {errors:?}");
    let e = &errors[0];
    assert_eq!(e.to_string(), format!("zone.db:{}: {}", e.location.line, e.kind));
    (e.location.line, e.kind.to_string())
}

fn assert_error(text: &str, line: usize, needle: &str) {
    let (l, m) = error(text);
    assert_eq!(l, line, "line of '{m}' in {text:?}");
    assert!(m.contains(needle), "'{m}' should contain '{needle}'");
}

#[test]
fn basic_records_origin_ttl_and_at() {
    let zone = "\
$TTL 1h
@ IN SOA ns1 hostmaster 1 7200 900 1w 300
  IN NS ns1
www 300 IN A 192.0.2.1
WWW.Sub IN 60 AAAA 2001:db8::1
$ORIGIN sub.example.
@ A 192.0.2.2
x.other.test. CLASS1 TXT \"hello world\" ; comment
";
    assert_eq!(
        records(zone),
        [
            "example. 3600 SOA ns1.example. hostmaster.example. 1 7200 900 604800 300",
            "example. 3600 NS ns1.example.",
            "www.example. 300 A 192.0.2.1",
            "www.sub.example. 60 AAAA 2001:db8::1",
            "sub.example. 3600 A 192.0.2.2",
            "x.other.test. 3600 TXT \"hello world\"",
        ]
    );
}

#[test]
fn locations_are_lines_where_entries_start() {
    let zone = "$TTL 60\n\n; c\na A 192.0.2.1\nb SOA ( ns\n host\n 1 2 3 4 5 )\nc A 192.0.2.3\n";
    let lines: Vec<usize> = read(zone).into_iter().map(|r| r.unwrap().location.line).collect();
    assert_eq!(lines, [4, 5, 8]);
    let e = read(zone).remove(0).unwrap();
    assert_eq!(e.location.to_string(), "zone.db:4");
}

#[test]
fn parentheses_comments_and_quotes() {
    let zone = "\
$TTL 60
@ SOA ns1 hostmaster ( ; opening comment
        2024 ; serial
        1h   ; refresh
        (15m) 1w
        300 )
t TXT \"a;b\" \"c d\" \"e\\\"f\" \"(x)\"
";
    assert_eq!(
        records(zone),
        [
            "example. 60 SOA ns1.example. hostmaster.example. 2024 3600 900 604800 300",
            "t.example. 60 TXT \"a;b\" \"c d\" \"e\\\"f\" \"(x)\"",
        ]
    );
}

#[test]
fn owner_carried_over_and_lowercased() {
    let zone = "$TTL 60\nMiXeD A 192.0.2.1\n\tAAAA ::1\n  TXT x\nOther.EXAMPLE. A 192.0.2.2\n";
    assert_eq!(
        records(zone),
        [
            "mixed.example. 60 A 192.0.2.1",
            "mixed.example. 60 AAAA ::1",
            "mixed.example. 60 TXT \"x\"",
            "other.example. 60 A 192.0.2.2",
        ]
    );
    assert_error(" A 192.0.2.1", 1, "no previous owner name");
}

#[test]
fn ttl_and_class_in_either_order_and_defaults() {
    let zone = "\
a 100 IN A 192.0.2.1
b IN 200 A 192.0.2.2
c A 192.0.2.3
$TTL 1h30m
d A 192.0.2.4
e 5 A 192.0.2.5
f A 192.0.2.6
";
    assert_eq!(
        records(zone),
        [
            "a.example. 100 A 192.0.2.1",
            "b.example. 200 A 192.0.2.2",
            "c.example. 200 A 192.0.2.3",
            "d.example. 5400 A 192.0.2.4",
            "e.example. 5 A 192.0.2.5",
            "f.example. 5400 A 192.0.2.6",
        ]
    );
    assert_error("a A 192.0.2.1\n", 1, "no TTL given and no $TTL");
    assert_error("$TTL 60\na 1x A 192.0.2.1\n", 2, "expected a TTL");
    assert_error("$TTL soon\n", 1, "$TTL: expected a TTL");
    assert_error("$TTL\n", 1, "$TTL needs exactly one TTL");
}

#[test]
fn an_asterisk_label_that_is_not_first_is_read_with_a_warning() {
    let text = "*.a 60 A 192.0.2.1\nb.*.a 60 A 192.0.2.2\n  60 AAAA 2001:db8::2\n*.*.c 60 TXT x\n";
    let mut reader = ZoneReader::from_str(text, Path::new("z"), &origin());
    assert_eq!(reader.by_ref().filter(|e| e.is_ok()).count(), 4);
    let warnings = reader.take_warnings();
    // One per name, not per record; a wildcard's own first label is fine.
    let lines: Vec<usize> = warnings.iter().map(|w| w.location.line).collect();
    assert_eq!(lines, [2, 4], "{warnings:?}");
    assert!(warnings[0]
        .message
        .starts_with("b.*.a.example. has a '*' label that is not its first"));
}

#[test]
fn a_ttl_with_its_top_bit_set_is_refused() {
    assert_error("a 4294967295 A 192.0.2.1\n", 1, "TTL 4294967295 is over 2147483647");
    assert_error(
        "$TTL 60\nb 2147483648 A 192.0.2.1\n",
        2,
        "TTL 2147483648 is over 2147483647",
    );
    assert_error("$TTL 2147483648\n", 1, "RFC 2181 §8");
    // In units too, and the largest allowed is taken.
    assert_error("a 24856d A 192.0.2.1\n", 1, "TTL 2147558400 is over");
    let mut reader = ZoneReader::from_str("a 2147483647 A 192.0.2.1\n", Path::new("z"), &origin());
    assert_eq!(reader.next().unwrap().unwrap().record.ttl, 2147483647);
    assert!(reader.warnings().is_empty());
}

#[test]
fn escapes_in_names_and_strings() {
    let zone = "$TTL 60\na\\.b\\065 A 192.0.2.1\nt TXT \"\\065\\\\\\\"\" \\\"x\\;y\nc CNAME x\\.y\n";
    assert_eq!(
        records(zone),
        [
            "a\\.ba.example. 60 A 192.0.2.1",
            "t.example. 60 TXT \"A\\\\\\\"\" \"\\\"x;y\"",
            "c.example. 60 CNAME x\\.y.example.",
        ]
    );
}

#[test]
fn rfc3597_type_class_and_rdata() {
    let zone =
        "$TTL 60\na CLASS1 TYPE65280 \\# 4 0A000001\nb TYPE1 \\# 4 0A000002\nc TYPE731 \\# 0\nd A \\# 4 0A000003\n";
    assert_eq!(
        records(zone),
        [
            "a.example. 60 TYPE65280 \\# 4 0A000001",
            "b.example. 60 A 10.0.0.2",
            "c.example. 60 TYPE731 \\# 0",
            "d.example. 60 A 10.0.0.3",
        ]
    );
    assert_error("$TTL 60\na TYPE65280 \\# 5 0A000001\n", 2, "the length says 5 octets");
    assert_error(
        "$TTL 60\na LOC 52 22 23.000 N 4 53 32.000 E -2.00m\n",
        2,
        "RFC 3597 form",
    );
}

#[test]
fn dnssec_types_are_returned() {
    let zone = "$TTL 60\n\
        a NSEC b A RRSIG NSEC\n\
        a RRSIG A 13 2 60 20250101000000 20240101000000 1 example. QUJD\n\
        @ NSEC3PARAM 1 0 0 -\n\
        x NSEC3 1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A\n";
    let types: Vec<Rtype> = read(zone).into_iter().map(|r| r.unwrap().record.rtype).collect();
    assert_eq!(types, [Rtype::NSEC, Rtype::RRSIG, Rtype::NSEC3PARAM, Rtype::NSEC3]);
}

#[test]
fn only_class_in() {
    assert_error("$TTL 60\na CH TXT x\n", 2, "class CH is not supported");
    assert_error("$TTL 60\na CLASS3 TXT x\n", 2, "class CH is not supported");
    assert_error("$TTL 60\na IN CH TXT x\n", 2, "a second class");
}

#[test]
fn missing_type_is_an_error_not_a_dropped_line() {
    assert_error(
        "www 3600 IN 192.0.2.1\n",
        1,
        "expected a record type, found '192.0.2.1'",
    );
    assert_error("$TTL 60\nwww IN\n", 2, "missing record type");
    assert_error("$TTL 60\nwww BOGUS x\n", 2, "expected a record type, found 'BOGUS'");
    assert_error("$TTL 60\nwww ANY x\n", 2, "cannot appear in a zone file");
}

#[test]
fn rdata_errors_have_lines() {
    assert_error("$TTL 60\n\nwww A\n", 3, "missing RDATA: A needs an IPv4 address");
    assert_error("$TTL 60\nwww A 192.0.2.1 extra\n", 2, "unexpected extra RDATA 'extra'");
    assert_error(
        "$TTL 60\nwww A 192.0.2\n",
        2,
        "A address: expected an IPv4 address, found '192.0.2'",
    );
    assert_error(
        "$TTL 60\nx DS 1 13 sha256 AB\n",
        2,
        "DS digest type: expected a number 0-255, found 'sha256'",
    );
    assert_error(
        "$TTL 60\nx MX ( 10\n\n )\n",
        2,
        "missing RDATA: MX needs a domain name (exchange)",
    );
}

#[test]
fn long_labels_and_names() {
    let label = "a".repeat(64);
    assert_error(&format!("$TTL 60\n{label} A 192.0.2.1\n"), 2, "longer than 63 octets");
    let name = "abcdefghi.".repeat(26);
    assert_error(&format!("$TTL 60\n{name} A 192.0.2.1\n"), 2, "longer than 255 octets");
    assert_error(&format!("$TTL 60\nx CNAME {name}\n"), 2, "longer than 255 octets");
    assert_error("$TTL 60\na..b A 192.0.2.1\n", 2, "empty label");
    let ok = format!("{}.", ["a".repeat(63).as_str(); 3].join("."));
    assert_eq!(records(&format!("$TTL 60\n{ok} A 192.0.2.1\n")).len(), 1);
}

#[test]
fn unbalanced_parentheses_and_quotes() {
    assert_error("$TTL 60\n\nx SOA ( a b 1 2 3 4 5\ny A 192.0.2.1\n", 3, "never closed");
    assert_error("$TTL 60\nx A 192.0.2.1 )\n", 2, "')' without a matching '('");
    assert_error("$TTL 60\nx TXT \"abc\ny A 192.0.2.1\n", 2, "unterminated quoted string");
}

#[test]
fn binary_garbage() {
    let (line, msg) = {
        let mut r = ZoneReader::from_bytes(
            b"$TTL 60\na A 192.0.2.1\n\x00\x01\x02garbage\n".to_vec(),
            Path::new("zone.db"),
            &origin(),
        );
        assert!(r.next().unwrap().is_ok());
        let e = r.next().unwrap().unwrap_err();
        assert!(matches!(e.kind, ZoneFileErrorKind::Binary(_)));
        (e.location.line, e.kind.to_string())
    };
    assert_eq!(line, 3);
    assert!(msg.contains("binary data"), "{msg}");
    let mut r = ZoneReader::from_bytes(b"$TTL 60\nx\xff\xfe A 192.0.2.1\n".to_vec(), Path::new("z"), &origin());
    let e = r.next().unwrap().unwrap_err();
    assert_eq!(e.location.line, 2);
    assert!(e.kind.to_string().contains("invalid UTF-8"), "{e}");
    // Non-UTF-8 inside quotes is fine (Latin-1 TXT).
    let mut r = ZoneReader::from_bytes(b"$TTL 60\nx TXT \"caf\xe9\"\n".to_vec(), Path::new("z"), &origin());
    assert_eq!(&r.next().unwrap().unwrap().record.rdata[..], b"\x04caf\xe9");
}

#[test]
fn overlong_lines_are_an_error_and_skipped() {
    let mut zone = b"$TTL 60\n".to_vec();
    zone.resize(zone.len() + (3 << 20), b'x');
    zone.extend_from_slice(b" A 192.0.2.1\nok A 192.0.2.2\n");
    let results: Vec<_> = ZoneReader::from_bytes(zone, Path::new("z"), &origin()).collect();
    assert_eq!(results.len(), 2, "{results:?}");
    let e = results[0].as_ref().unwrap_err();
    assert_eq!(e.location.line, 2);
    assert!(e.to_string().contains("entry longer than"), "{e}");
    let ok = results[1].as_ref().unwrap();
    assert_eq!(
        (ok.location.line, ok.record.owner.to_string()),
        (3, "ok.example.".to_string())
    );
}

#[test]
fn unknown_directive_and_bad_directives() {
    assert_error("$GENERATE 1-10 x A 192.0.2.$\n", 1, "unknown directive '$GENERATE'");
    assert_error("$ORIGIN\n", 1, "$ORIGIN needs exactly one domain name");
    assert_error("$ORIGIN a..b\n", 1, "bad $ORIGIN");
    assert_eq!(
        records("  $TTL 60\n$ORIGIN sub\nx A 192.0.2.1\n"),
        ["x.sub.example. 60 A 192.0.2.1"]
    );
}

#[test]
fn last_line_without_newline() {
    assert_eq!(records("$TTL 60\na A 192.0.2.1"), ["a.example. 60 A 192.0.2.1"]);
    assert_error("$TTL 60\na TXT \"open", 2, "unterminated quoted string");
    assert_error("$TTL 60\na TXT ( x", 2, "never closed");
}

#[test]
fn bom_is_skipped_and_crlf_accepted() {
    let zone = "\u{feff}$TTL 60\r\na A 192.0.2.1\r\n";
    assert_eq!(records(zone), ["a.example. 60 A 192.0.2.1"]);
}

#[test]
fn reading_continues_after_errors() {
    let results = read("$TTL 60\na A x\nb A 192.0.2.2\nc BOGUS\nd A 192.0.2.4\n");
    let summary: Vec<Result<usize, usize>> = results
        .iter()
        .map(|r| r.as_ref().map(|e| e.location.line).map_err(|e| e.location.line))
        .collect();
    assert_eq!(summary, [Err(2), Ok(3), Err(4), Ok(5)]);
}

struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("keybundles-zonefile-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn include_relative_nested_and_origin_restored() {
    let dir = TempDir::new("include");
    dir.write("sub/inner.db", "deep A 192.0.2.9\n");
    dir.write("sub/rel.db", "@ A 192.0.2.8\n");
    dir.write(
        "sub/child.db",
        "$INCLUDE rel.db relative\n@ A 192.0.2.2\n$ORIGIN changed.example.\nx A 192.0.2.3\n$INCLUDE inner.db\n",
    );
    let main = dir.write(
        "main.db",
        "$TTL 60\n$INCLUDE sub/child.db child.example.\nafter A 192.0.2.4\n$INCLUDE \"sub/inner.db\"\n",
    );
    let entries: Vec<Entry> = ZoneReader::open(&main, &origin())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let got: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} {}:{}",
                e.record.owner,
                e.location.file.file_name().unwrap().to_string_lossy(),
                e.location.line
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "relative.child.example. rel.db:1",
            "child.example. child.db:2",
            "x.changed.example. child.db:4",
            "deep.changed.example. inner.db:1",
            "after.example. main.db:3",
            "deep.example. inner.db:1",
        ]
    );
}

#[test]
fn include_errors() {
    let dir = TempDir::new("include-errors");
    let missing = dir.write(
        "missing.db",
        "$TTL 60\na A 192.0.2.1\n$INCLUDE nope.db\nb A 192.0.2.2\n",
    );
    let results: Vec<_> = ZoneReader::open(&missing, &origin()).unwrap().collect();
    assert_eq!(results.len(), 3);
    let e = results[1].as_ref().unwrap_err();
    assert_eq!(e.location.line, 3);
    assert!(e.to_string().contains("missing.db:3: cannot read"), "{e}");
    assert!(e.to_string().contains("nope.db"), "{e}");
    assert!(results[2].is_ok());

    // A file that cannot be read at all is named once, without a line.
    let gone = dir.0.join("gone.db");
    let Err(e) = ZoneReader::open(&gone, &origin()) else {
        panic!("opened a missing file")
    };
    let said = e.to_string();
    assert!(said.starts_with(&format!("cannot read {}: ", gone.display())), "{said}");
    assert!(!said.contains(":0:"), "{said}");

    dir.write("a.db", "$TTL 60\nx A 192.0.2.1\n$INCLUDE b.db\n");
    dir.write("b.db", "$INCLUDE a.db\n");
    let a = dir.0.join("a.db");
    let results: Vec<_> = ZoneReader::open(&a, &origin()).unwrap().collect();
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{results:?}");
    assert!(
        errors[0].to_string().contains("b.db:1: $INCLUDE cycle"),
        "{}",
        errors[0]
    );

    // A reader resumed inside a.db (as pieces of a large file are read)
    // still knows a.db when b.db includes it again.
    let rest = "$INCLUDE b.db\n".as_bytes().to_vec();
    let state = ZoneReader::initial_state(&origin());
    let resumed = ZoneReader::resume(Box::new(std::io::Cursor::new(rest)), a.as_path().into(), 3, &state);
    let errors: Vec<String> = resumed.filter_map(|r| r.err().map(|e| e.to_string())).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("b.db:1: $INCLUDE cycle"), "{}", errors[0]);

    let err = ZoneReader::open(&dir.0.join("absent.db"), &origin()).err().unwrap();
    assert!(err.to_string().contains("absent.db"), "{err}");
    assert!(ZoneReader::open(&dir.0, &origin()).is_err());
}

#[test]
fn random_bytes_never_panic() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"$ORIGINTL@.;()\"\\ \t\n0123456789AaSOXTN#IN\x00\xff\r";
    for round in 0..3000 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = if round % 2 == 0 {
            (0..len).map(|_| next() as u8).collect()
        } else {
            (0..len).map(|_| alphabet[next() as usize % alphabet.len()]).collect()
        };
        let reader = ZoneReader::from_bytes(bytes, Path::new("fuzz"), &origin());
        for entry in reader.take(1000).flatten() {
            let _ = entry.record.to_string();
        }
    }
}

/// Parses the zone made by `python3 /work/shared/genzone.py 1000000
/// /tmp/big.zone` and prints the time: run with
/// `cargo test --release -p keybundles -- --ignored --nocapture big_zone`.
#[test]
#[ignore]
fn big_zone_speed() {
    let path = std::env::var("BIG_ZONE").unwrap_or_else(|_| "/tmp/big.zone".into());
    let start = std::time::Instant::now();
    let mut count = 0usize;
    for result in ZoneReader::open(Path::new(&path), &"tld.".parse().unwrap()).unwrap() {
        result.unwrap();
        count += 1;
    }
    let elapsed = start.elapsed();
    eprintln!(
        "{count} records in {elapsed:?} ({:.0} records/s)",
        count as f64 / elapsed.as_secs_f64()
    );
}
