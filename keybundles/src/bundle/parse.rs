//! Reading KSR and SKR files as Knot's `keymgr` and Signet write them.
//!
//! The RR lines are master-file text, read by [`crate::zonefile`]; the
//! bundle headers are comments, which that reader skips, so this module
//! splits the file at the headers line by line and hands each bundle's
//! lines to the reader (padded so its line numbers are the file's).

use std::path::Path;

use crate::dnskey::Dnskey;
use crate::rrsig::Rrsig;
use crate::zonefile::ZoneReader;
use crate::{Class, Name, Rtype};

use super::error::BundleError;
use super::model::{Bundle, BundleFile, Kind};

/// Reads and parses `path`.
pub fn read(path: &Path, kind: Kind) -> Result<BundleFile, BundleError> {
    let bytes = std::fs::read(path).map_err(|e| BundleError::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| BundleError::file(path, format!("not text (invalid UTF-8): not a {}", kind.short())))?;
    parse(&text, path, kind)
}

/// A bundle being collected: header instant and line, then its RR lines.
struct Pending {
    start: i64,
    line: usize,
    first_rr_line: usize,
    lines: Vec<String>,
}

/// Parses KSR (`kind` = Request) or SKR (Response) text read from `source`.
pub fn parse(text: &str, source: &Path, kind: Kind) -> Result<BundleFile, BundleError> {
    let mut file = BundleFile::new(kind, source.to_path_buf(), Vec::new());
    file.sha256
        .copy_from_slice(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref());
    let mut pending: Option<Pending> = None;
    let mut closed = false;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim_start();
        if let Some(comment) = line.strip_prefix(";;") {
            let words: Vec<&str> = comment.split_whitespace().collect();
            match words.first().copied() {
                Some(word @ ("KeySigningRequest" | "SignedKeyResponse")) => {
                    if word != kind.header_word() {
                        return Err(BundleError::at_line(
                            source,
                            number,
                            format!("this is a {word} file, not a {} ({})", kind.header_word(), kind.short()),
                        ));
                    }
                    if closed {
                        return Err(BundleError::at_line(
                            source,
                            number,
                            "bundle header after the closing line",
                        ));
                    }
                    match words.get(1) {
                        Some(v) if v.starts_with("1.") => {}
                        other => {
                            return Err(BundleError::at_line(
                                source,
                                number,
                                format!(
                                    "format version {} is not supported (Signet reads 1.x)",
                                    other.unwrap_or(&"(none)")
                                ),
                            ))
                        }
                    }
                    if let Some(done) = pending.take() {
                        file.bundles.push(finish(done, source, kind)?);
                    }
                    match words.get(2).copied() {
                        Some("generated") => {
                            closed = true;
                            file.trailer = comment.trim().to_string();
                        }
                        Some(stamp) => {
                            let start: i64 = stamp.parse().map_err(|_| {
                                BundleError::at_line(
                                    source,
                                    number,
                                    format!("bundle header: '{stamp}' is not a unix time"),
                                )
                            })?;
                            pending = Some(Pending {
                                start,
                                line: number,
                                first_rr_line: 0,
                                lines: Vec::new(),
                            });
                        }
                        None => return Err(BundleError::at_line(source, number, "bundle header without a time")),
                    }
                    continue;
                }
                Some("Signet") => {
                    let key = words.get(1).copied().unwrap_or_default().to_string();
                    let value = words.get(2..).map(|w| w.join(" ")).unwrap_or_default();
                    file.notes.push((key, value));
                    continue;
                }
                _ => {}
            }
        }
        if trimmed.is_empty() || trimmed.starts_with(';') {
            if let Some(p) = pending.as_mut() {
                p.lines.push(line.to_string());
            }
            continue;
        }
        if trimmed.starts_with('$') {
            return Err(BundleError::at_line(
                source,
                number,
                format!(
                    "directives ($ORIGIN, $TTL, $INCLUDE) are not allowed in a {}",
                    kind.short()
                ),
            ));
        }
        if closed {
            return Err(BundleError::at_line(source, number, "records after the closing line"));
        }
        let Some(p) = pending.as_mut() else {
            return Err(BundleError::at_line(
                source,
                number,
                format!(
                    "a record before the first ';; {} 1.0 <time>' header",
                    kind.header_word()
                ),
            ));
        };
        if p.first_rr_line == 0 {
            p.first_rr_line = number;
            p.lines.clear();
        }
        p.lines.push(line.to_string());
    }
    if !closed {
        if let Some(p) = pending {
            // Name the bundle that was cut off.
            return Err(BundleError::at_line(
                source,
                p.line,
                format!(
                    "the file ends inside this bundle without the closing ';; {} 1.0 generated at …' line: it is truncated",
                    kind.header_word()
                ),
            ));
        }
        return Err(BundleError::file(
            source,
            format!(
                "no ';; {} 1.0 …' lines: this is not a {}",
                kind.header_word(),
                kind.short()
            ),
        ));
    }
    if file.bundles.is_empty() {
        return Err(BundleError::file(
            source,
            format!("the {} holds no bundles", kind.short()),
        ));
    }
    check_shape(&file)?;
    Ok(file)
}

/// Reads one bundle's RR lines.
fn finish(p: Pending, source: &Path, kind: Kind) -> Result<Bundle, BundleError> {
    if p.first_rr_line == 0 {
        return Err(BundleError::at_line(source, p.line, "bundle without records"));
    }
    let mut text = "\n".repeat(p.first_rr_line - 1);
    for line in &p.lines {
        text.push_str(line);
        text.push('\n');
    }
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for entry in ZoneReader::from_str(&text, source, &Name::root()) {
        let entry = entry.map_err(|e| BundleError::at_line(source, e.location.line, e.kind.to_string()))?;
        let record = entry.record;
        let line = entry.location.line;
        if !kind.allows(record.rtype) {
            return Err(BundleError::at_line(
                source,
                line,
                format!("a {} record does not belong in a {}", record.rtype, kind.short()),
            ));
        }
        if record.class != Class::IN {
            return Err(BundleError::at_line(
                source,
                line,
                format!("class {} (only IN)", record.class),
            ));
        }
        let well_formed = match record.rtype {
            Rtype::DNSKEY | Rtype::CDNSKEY => Dnskey::from_rdata(&record.rdata).is_ok(),
            Rtype::RRSIG => Rrsig::from_rdata(&record.rdata).is_ok(),
            _ => true,
        };
        if !well_formed {
            return Err(BundleError::at_line(
                source,
                line,
                format!("malformed {} RDATA", record.rtype),
            ));
        }
        records.push(record);
        lines.push(line);
    }
    // Key tags stated in trailing comments: the text from an entry's
    // first line up to the next entry.
    let stated_tags = lines
        .iter()
        .enumerate()
        .map(|(i, &line)| {
            let end = lines.get(i + 1).copied().unwrap_or(p.first_rr_line + p.lines.len());
            let from = line - p.first_rr_line;
            let to = (end - p.first_rr_line).min(p.lines.len());
            p.lines[from..to.max(from)].iter().find_map(|l| stated_tag(l))
        })
        .collect();
    Ok(Bundle {
        start: p.start,
        line: p.line,
        records,
        stated_tags,
    })
}

/// `id = 63363` in the comment part of a line (Knot and Signet write it).
fn stated_tag(line: &str) -> Option<u16> {
    let comment = &line[line.find(';')?..];
    let rest = &comment[comment.find("id = ")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// One owner for everything; bundle instants strictly increasing.
fn check_shape(file: &BundleFile) -> Result<(), BundleError> {
    let zone = file.zone().cloned().unwrap_or_else(Name::root);
    for (i, bundle) in file.bundles.iter().enumerate() {
        if let Some(other) = bundle.records.iter().find(|r| !r.owner.eq_ignore_case(&zone)) {
            return Err(BundleError::bundle(
                &file.source,
                file.bundle_ref(i),
                format!(
                    "a {} record owned by {}, but the file is for {zone}",
                    other.rtype, other.owner
                ),
            ));
        }
        if bundle.records.iter().all(|r| r.rtype != Rtype::DNSKEY) {
            return Err(BundleError::bundle(
                &file.source,
                file.bundle_ref(i),
                "no DNSKEY records",
            ));
        }
        if i > 0 && bundle.start <= file.bundles[i - 1].start {
            return Err(BundleError::bundle(
                &file.source,
                file.bundle_ref(i),
                format!(
                    "does not start after bundle {} ({}): bundles must be in time order with distinct instants",
                    i,
                    crate::time::format_human(file.bundles[i - 1].start)
                ),
            ));
        }
    }
    Ok(())
}
