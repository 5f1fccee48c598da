//! Re-signing a signed zone from a diff of its unsigned data:
//! `signer sign --previous SIGNED --changes DIFF`.
//!
//! A registry changes a fraction of a percent of its delegations between
//! two runs. Reading the whole unsigned zone, comparing it with the whole
//! previous signed zone and writing the whole result costs a third of a
//! full signing even when every signature is kept; with the changes given
//! as a diff, the work follows the changes instead.
//!
//! The previous signed zone is indexed as text ([`signed_text`]). Each
//! changed name, and each name with a signature due (refresh threshold,
//! key no longer signing), marks a *stretch* of names: from the name
//! before it in the NSEC chain (whose NSEC may change) to the next chain
//! member that is not below it (so a new or removed zone cut takes its
//! glue along). Only the stretches are parsed, the diff applied to them
//! and signed again by the ordinary signer — which keeps every signature
//! still good, as for `--previous` alone — and the output is the previous
//! file with the stretches replaced. Everything between the stretches is
//! copied as it was, so it keeps its signatures byte for byte.
//!
//! When splicing cannot be trusted to give the same zone as signing the
//! whole — an NSEC3 zone, a file in another form, different keys, a new
//! NSEC TTL, a DNAME change, or many signatures due at once — the whole
//! zone is rebuilt from the previous signed zone plus the diff, and signed
//! with the previous signatures to keep (the same result, slower). The
//! report says which way was taken and why.

pub mod diff;
pub mod signed_text;

use std::cmp::Ordering;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keybundles::zonefile::{ZoneFileError, ZoneReader};
use keybundles::{Name, Record, Rtype};
use rayon::prelude::*;

use crate::keys::ZoneKey;
use crate::output::{write_atomically, FileMode};
use crate::signing::{
    sign_with_inputs_streaming, Emitted, PreviousSignatures, Roles, SignError, SigningInputs, SigningPolicy,
};
use crate::zone::{self, Files, Line, ZoneError};
use diff::{DiffError, ZoneDiff};
use signed_text::{KeepRule, NotSpliceable, SignedText};

/// With more than this share of names due for new signatures, splicing
/// saves little: the zone is re-signed whole.
const MAX_DUE_SHARE: usize = 4;

/// What to re-sign, with what.
pub struct Request<'a> {
    pub previous: &'a Path,
    pub changes: &'a Path,
    pub output: &'a Path,
    pub apex: &'a Name,
    pub keys: &'a [ZoneKey],
    /// Offline-KSK mode: the key bundle's records.
    pub key_set: Option<&'a [Record]>,
    pub policy: &'a SigningPolicy,
    pub now: i64,
    pub refresh: i64,
    pub quiet: bool,
}

/// How the zone was re-signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Stretches around the changes were signed and spliced in.
    Spliced { names: usize, of: usize },
    /// The whole zone was rebuilt and signed, for this reason.
    Whole { reason: String },
}

/// What a re-signing did.
#[derive(Debug, Clone)]
pub struct Report {
    pub method: Method,
    /// RRSIGs in the output.
    pub signatures: usize,
    /// Of them, kept from the previous signed zone.
    pub kept: usize,
    /// The new SOA serial.
    pub serial: u32,
}

/// Why re-signing failed.
#[derive(Debug, thiserror::Error)]
pub enum ResignError {
    #[error("{0}")]
    Diff(#[from] DiffError),
    #[error("{0}")]
    Zone(#[from] ZoneError),
    #[error("{0}")]
    Read(ZoneFileError),
    #[error("{0}")]
    Sign(#[from] SignError),
    #[error("cannot read {}: {source}", path.display())]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error("writing {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Applies the diff to the previous signed zone and signs the result into
/// the output file (atomically: the output is whole or untouched).
pub fn resign(request: &Request<'_>, warn: &mut dyn FnMut(String)) -> Result<Report, ResignError> {
    let diff = ZoneDiff::read(request.changes, request.apex, warn)?;
    let rule = KeepRule {
        now: request.now,
        refresh: request.refresh,
        keys: request.keys.iter().map(|k| (k.key_tag(), k.dnskey.algorithm)).collect(),
        signer: request.apex.to_lowercase().to_string(),
    };
    let text = SignedText::read(request.previous, &rule).map_err(|source| ResignError::ReadFile {
        path: request.previous.to_path_buf(),
        source,
    })?;
    crate::timing::phase("read previous");
    let reason = match text {
        Err(NotSpliceable(reason)) => format!("{reason}; only Signet's own form is spliced"),
        Ok(text) => match splice(request, &diff, text, warn)? {
            Ok(report) => return Ok(report),
            Err(NotSpliceable(reason)) => reason,
        },
    };
    resign_whole(request, &diff, reason, warn)
}

/// Re-signs the stretches around the changes and splices them in; `Ok(Err(..))`
/// when the zone must be signed whole instead.
fn splice(
    request: &Request<'_>,
    diff: &ZoneDiff,
    text: SignedText,
    warn: &mut dyn FnMut(String),
) -> Result<Result<Report, NotSpliceable>, ResignError> {
    let whole = |reason: &str| Ok(Err(NotSpliceable(reason.to_string())));
    if text.nsec3 || !matches!(request.policy.denial, crate::signing::Denial::Nsec) {
        return whole("NSEC3 zones are not spliced yet");
    }
    if diff.touches_dname() {
        return whole("the diff changes a DNAME, which changes what is below it");
    }
    if !text.owner(0).eq_ignore_case(request.apex) || !text.nodes[0].has_nsec {
        return whole(&format!(
            "{} does not start with the apex {} and its NSEC record",
            text.path.display(),
            request.apex
        ));
    }
    let due: Vec<usize> = (0..text.nodes.len())
        .into_par_iter()
        .filter(|&i| text.nodes[i].due)
        .collect();
    if due.len() > text.nodes.len() / MAX_DUE_SHARE {
        return whole(&format!(
            "{} of {} names have signatures due for refresh or by keys that no longer sign",
            due.len(),
            text.nodes.len()
        ));
    }
    let mut affected = diff.owners();
    affected.par_extend(due.par_iter().map(|&i| text.owner(i).to_lowercase()));
    let stretches = stretches(&text, &affected, request.apex);
    crate::timing::phase("stretches");

    let parsed = parse_stretches(&text, &stretches, request.apex)?;
    let old = apex_facts(&parsed.records, request.apex);
    let roles = Roles::new(request.keys);
    let signing_now: Vec<(u16, u8)> = roles
        .data_signers
        .iter()
        .map(|&i| (request.keys[i].key_tag(), request.keys[i].dnskey.algorithm))
        .collect();
    if !same_set(&old.soa_signers, &signing_now) {
        return whole("the keys that sign the zone's data changed since it was signed");
    }
    let new_denial_ttl =
        zone::soa_fields(&diff.new_soa.record.rdata).map_or(0, |(_, minimum)| minimum.min(diff.new_soa.record.ttl));
    if old.denial_ttl != Some(new_denial_ttl) {
        return whole("the SOA TTL or MINIMUM changed, and with it the TTL of every NSEC record");
    }
    let names: usize = stretches.iter().map(|s| s.1 - s.0).sum();
    let signatures_in_stretches = parsed.records.iter().filter(|r| r.rtype == Rtype::RRSIG).count();

    // The stretches' unsigned data, changed by the diff.
    let Parsed {
        records: signed,
        mut lines,
        mut files,
    } = parsed;
    let mut unsigned = Vec::with_capacity(signed.len());
    let mut kept_lines = Vec::with_capacity(signed.len());
    for (record, line) in signed.iter().zip(lines.drain(..)) {
        if !is_signer_made(record, request.apex) {
            unsigned.push(record.clone());
            kept_lines.push(line);
        }
    }
    let mut lines = kept_lines;
    diff.apply(&mut unsigned, &mut lines, &mut files, request.previous)?;
    let zone = zone::check(unsigned, lines, &files, request.apex, request.previous, warn)?;
    let serial = zone.serial;
    let previous = PreviousSignatures::new(signed, request.apex, request.now, request.refresh);
    let bounds: Vec<Name> = stretches
        .iter()
        .filter(|s| s.1 < text.nodes.len())
        .map(|s| text.owner(s.1))
        .collect();
    crate::timing::phase("stretches read");

    // Sign the stretches into the output between the unchanged text.
    let ranges: Vec<std::ops::Range<usize>> = stretches.iter().map(|&(a, b)| text.byte_range(a, b)).collect();
    let inputs = SigningInputs {
        key_set: request.key_set,
        previous: Some(&previous),
        chain_bounds: &bounds,
    };
    let copier = std::cell::RefCell::new(Copier {
        bytes: &text.bytes,
        ranges: &ranges,
        next: 0,
        copied: 0,
    });
    let stats = sign_into_file(
        request,
        zone,
        inputs,
        warn,
        |records| render_by_stretch(&records, &bounds),
        |w, pieces| {
            let mut copier = copier.borrow_mut();
            for (stretch, piece) in pieces {
                copier.copy_to(stretch, w)?;
                w.write_all(piece.as_bytes())?;
            }
            Ok(())
        },
        |w| {
            let mut copier = copier.borrow_mut();
            copier.copy_to(ranges.len(), w)?;
            w.write_all(&text.bytes[copier.copied..])
        },
    )?;
    let untouched = text.signatures - signatures_in_stretches;
    Ok(Ok(Report {
        method: Method::Spliced {
            names,
            of: text.nodes.len(),
        },
        signatures: untouched + stats.signatures,
        kept: untouched + stats.reused,
        serial,
    }))
}

/// Writes the previous zone's text between the stretches.
struct Copier<'a> {
    bytes: &'a [u8],
    ranges: &'a [std::ops::Range<usize>],
    /// The first stretch not reached yet.
    next: usize,
    /// Octets of `bytes` written or replaced so far.
    copied: usize,
}

impl Copier<'_> {
    /// Copies the unchanged text up to stretch `stretch`, skipping the
    /// old text of every stretch reached (a stretch whose names were all
    /// removed is reached with nothing to write).
    fn copy_to(&mut self, stretch: usize, w: &mut dyn Write) -> std::io::Result<()> {
        while self.next <= stretch && self.next < self.ranges.len() {
            let range = &self.ranges[self.next];
            w.write_all(&self.bytes[self.copied..range.start])?;
            self.copied = range.end;
            self.next += 1;
        }
        Ok(())
    }
}

/// Renders records in presentation form, grouped by the stretch they
/// belong to: stretch `r` holds the names before `bounds[r]`.
fn render_by_stretch(records: &[Emitted<'_>], bounds: &[Name]) -> Vec<(usize, String)> {
    let mut pieces: Vec<(usize, String)> = Vec::new();
    let stretch_of = |owner: &Name| bounds.partition_point(|b| b.canonical_cmp(owner) != Ordering::Greater);
    for record in records {
        // Records come in order: one still before the bound of the last
        // record's stretch is in it.
        let same = pieces.last().is_some_and(|&(r, _)| {
            bounds
                .get(r)
                .is_none_or(|b| record.owner.canonical_cmp(b) == Ordering::Less)
        });
        if !same {
            pieces.push((stretch_of(&record.owner), String::with_capacity(4096)));
        }
        if let Some((_, text)) = pieces.last_mut() {
            record.write_text(text);
            text.push('\n');
        }
    }
    pieces
}

/// True for what the signer makes rather than takes from the zone: RRSIG,
/// NSEC, NSEC3, NSEC3PARAM, and the apex DNSKEY RRset (made from the keys).
fn is_signer_made(record: &Record, apex: &Name) -> bool {
    record.rtype.is_dnssec_generated() || record.rtype == Rtype::DNSKEY && record.owner.eq_ignore_case(apex)
}

/// Node ranges `first..end` of the previous signed zone to sign again, in
/// order, none overlapping or touching another.
fn stretches(text: &SignedText, affected: &[Name], apex: &Name) -> Vec<(usize, usize)> {
    let count = text.nodes.len();
    let next_member = |mut k: usize, below: Option<&Name>| {
        while k < count {
            if text.nodes[k].has_nsec {
                let owner = text.owner(k);
                if below.is_none_or(|name| !owner.is_subdomain_of(name)) {
                    break;
                }
            }
            k += 1;
        }
        k
    };
    let mut found: Vec<(usize, usize)> = affected
        .par_iter()
        .map(|name| {
            if name.eq_ignore_case(apex) {
                return (0, next_member(1, None));
            }
            let at = text.lower_bound(name);
            let first = (0..at).rev().find(|&j| text.nodes[j].has_nsec).unwrap_or(0);
            (first, next_member(at, Some(name)))
        })
        .collect();
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
    for (first, end) in found {
        match merged.last_mut() {
            Some(last) if first <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((first, end)),
        }
    }
    merged
}

/// The records of the stretches, and where each was read.
struct Parsed {
    records: Vec<Record>,
    lines: Vec<Line>,
    files: Files,
}

/// Parses the text of each stretch (in parallel).
fn parse_stretches(text: &SignedText, stretches: &[(usize, usize)], apex: &Name) -> Result<Parsed, ResignError> {
    let file: Arc<Path> = text.path.as_path().into();
    let state = ZoneReader::initial_state(apex);
    let pieces: Vec<Result<Vec<keybundles::zonefile::Entry>, ZoneFileError>> = stretches
        .par_iter()
        .map(|&(first, end)| {
            let bytes = text.bytes[text.byte_range(first, end)].to_vec();
            let line = text.nodes[first].line as usize;
            ZoneReader::resume(Box::new(Cursor::new(bytes)), file.clone(), line, &state).collect()
        })
        .collect();
    let mut files = Files::new(file);
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for piece in pieces {
        for entry in piece.map_err(ResignError::Read)? {
            lines.push(files.line(&entry.location));
            records.push(entry.record);
        }
    }
    Ok(Parsed { records, lines, files })
}

/// What the previous zone's apex says about how it was signed.
struct ApexFacts {
    /// (key tag, algorithm) of the RRSIGs over the SOA.
    soa_signers: Vec<(u16, u8)>,
    /// min(SOA TTL, MINIMUM): the NSEC TTL (RFC 9077).
    denial_ttl: Option<u32>,
}

fn apex_facts(records: &[Record], apex: &Name) -> ApexFacts {
    let at_apex = records.iter().filter(|r| r.owner.eq_ignore_case(apex));
    let mut facts = ApexFacts {
        soa_signers: Vec::new(),
        denial_ttl: None,
    };
    for record in at_apex {
        let rdata = &record.rdata;
        if record.rtype == Rtype::SOA {
            facts.denial_ttl = zone::soa_fields(rdata).map(|(_, minimum)| minimum.min(record.ttl));
        } else if record.rtype == Rtype::RRSIG && rdata.len() >= 18 && rdata[..2] == Rtype::SOA.0.to_be_bytes() {
            facts
                .soa_signers
                .push((u16::from_be_bytes([rdata[16], rdata[17]]), rdata[2]));
        }
    }
    facts
}

/// True when `a` and `b` hold the same items, in any order.
fn same_set(a: &[(u16, u8)], b: &[(u16, u8)]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    a.dedup();
    b.sort_unstable();
    b.dedup();
    a == b
}

/// Rebuilds the whole unsigned zone from the previous signed zone and the
/// diff, and signs it keeping the previous signatures still good.
fn resign_whole(
    request: &Request<'_>,
    diff: &ZoneDiff,
    reason: String,
    warn: &mut dyn FnMut(String),
) -> Result<Report, ResignError> {
    let read = zone::read_records(request.previous, request.apex).map_err(ResignError::Read)?;
    for warning in &read.warnings {
        warn(warning.to_string());
    }
    let (all, mut lines, mut files) = (read.records, read.lines, read.files);
    let mut unsigned = Vec::with_capacity(all.len());
    let mut kept_lines = Vec::with_capacity(all.len());
    for (record, line) in all.iter().zip(lines.drain(..)) {
        if !is_signer_made(record, request.apex) {
            unsigned.push(record.clone());
            kept_lines.push(line);
        }
    }
    let mut lines = kept_lines;
    diff.apply(&mut unsigned, &mut lines, &mut files, request.previous)?;
    let zone = zone::check(unsigned, lines, &files, request.apex, request.previous, warn)?;
    let serial = zone.serial;
    let previous = PreviousSignatures::new(all, request.apex, request.now, request.refresh);
    crate::timing::phase("read whole");
    let inputs = SigningInputs {
        key_set: request.key_set,
        previous: Some(&previous),
        chain_bounds: &[],
    };
    let stats = sign_into_file(
        request,
        zone,
        inputs,
        warn,
        crate::commands::sign::render_records,
        |w, text| w.write_all(text.as_bytes()),
        |_| Ok(()),
    )?;
    Ok(Report {
        method: Method::Whole { reason },
        signatures: stats.signatures,
        kept: stats.reused,
        serial,
    })
}

/// Signs `zone` into the request's output file: `write` takes each
/// rendered chunk in order, `finish` writes what follows the last. The
/// file is replaced only when all of it was written.
#[allow(clippy::too_many_arguments)]
fn sign_into_file<T: Send>(
    request: &Request<'_>,
    zone: zone::Zone,
    inputs: SigningInputs<'_>,
    warn: &mut dyn FnMut(String),
    render: impl Fn(Vec<Emitted<'_>>) -> T + Sync,
    mut write: impl FnMut(&mut dyn Write, T) -> std::io::Result<()>,
    finish: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<crate::signing::SigningStats, ResignError> {
    let bar = crate::progress::bar(0, "signing", request.quiet);
    let mut outcome = None;
    let written = write_atomically(request.output, FileMode::Public, |w| {
        let result = sign_with_inputs_streaming(
            zone,
            request.keys,
            inputs,
            request.policy,
            &bar,
            warn,
            render,
            |chunk| write(w, chunk).map_err(SignError::Io),
        );
        let io = match &result {
            Ok(_) => finish(w),
            Err(error) => Err(std::io::Error::other(error.to_string())),
        };
        outcome = Some(result);
        io
    });
    if let Some(Err(error)) = outcome {
        return Err(error.into());
    }
    let write_error = |source| ResignError::Write {
        path: request.output.to_path_buf(),
        source,
    };
    written.map_err(write_error)?;
    crate::timing::phase("sign and write");
    outcome
        .and_then(Result::ok)
        .ok_or_else(|| write_error(std::io::Error::other("the signer did not run")))
}
