//! Re-signing a signed zone where it changed: `signer sign --previous
//! SIGNED --changes DIFF`, and `signer sign ZONEFILE --previous SIGNED`.
//!
//! A registry changes a fraction of a percent of its delegations between
//! two runs. Parsing the whole previous signed zone and writing every
//! record again costs a third of a full signing even when every signature
//! is kept; here the work follows the changes instead. They come as a diff,
//! or from comparing the whole new zone with SIGNED's text name by name
//! ([`compare`]).
//!
//! The previous signed zone is mapped and indexed as text
//! ([`signed_text`]). Each changed name marks a *stretch* of names
//! ([`stretch`]): with NSEC, from the name before it in the chain (whose
//! NSEC may change) to the next chain member not below it (so a new or
//! removed zone cut takes its glue along); with NSEC3, its child of the
//! apex with everything below, plus its NSEC3 record and the one before it
//! in hash order ([`nsec3_chain`] relinks them). A name with only a
//! signature due (refresh threshold, re-signing schedule, key no longer
//! signing) changes no denial record: its stretch is the name with what is
//! below it (NSEC3: its child of the apex). Only the
//! stretches are parsed, the diff applied to them and signed again by the
//! ordinary signer — which keeps every signature still good, as for
//! `--previous` alone — and the output is the previous file with the
//! stretches replaced. Everything between the stretches is copied as it
//! was, so it keeps its signatures byte for byte.
//!
//! When splicing cannot be trusted to give the same zone as signing the
//! whole — a file in another form, another kind of denial or other NSEC3
//! parameters, different keys, a new denial TTL, a DNAME change, an NSEC3
//! change below an authoritative child of the apex, or many signatures due
//! at once — the whole zone is rebuilt from the previous signed zone plus
//! the diff, and signed with the previous signatures to keep (the same
//! result, slower). The report says which way was taken and why. See
//! docs/incremental.md.

mod compare;
pub mod diff;
mod keep_rule;
mod nsec3_chain;
pub mod signed_text;
mod stretch;

use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::{Cursor, IoSlice, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keybundles::denial::Nsec3;
use keybundles::nsec3::{owner_for_hash, Nsec3Params, FLAG_OPT_OUT};
use keybundles::zonefile::{Location, ZoneFileError, ZoneReader};
use keybundles::{Name, Record, Rtype};
use rayon::prelude::*;

use crate::keys::ZoneKey;
use crate::output::{write_all_vectored, write_atomically_checked, Check, FileMode};
use crate::signing::{
    sign_with_inputs_streaming, Denial, Emitted, PreviousSignatures, Roles, Schedule, SignError, SigningInputs,
    SigningPolicy,
};
use crate::zone::{self, Files, Line, Zone, ZoneError};
use diff::{DiffError, ZoneDiff};
use nsec3_chain::StretchChain;
use signed_text::{KeepRule, NotSpliceable, SignedText};

/// The previous zone's text is given back to the kernel in steps of
/// this many octets as it is copied: a few system calls per step.
const RELEASE_STEP: usize = 8 << 20;

/// With more than this share of names due for new signatures, or changed,
/// splicing saves little: the zone is re-signed whole.
const MAX_DUE_SHARE: usize = 4;

/// What to re-sign, with what.
pub struct Request<'a> {
    pub previous: &'a Path,
    pub output: &'a Path,
    pub apex: &'a Name,
    pub keys: &'a [ZoneKey],
    /// Offline-KSK mode: the key bundle's records.
    pub key_set: Option<&'a [Record]>,
    pub policy: &'a SigningPolicy,
    pub now: i64,
    pub refresh: i64,
    /// The re-signing schedule ([`crate::signing::Schedule`]).
    pub schedule: Schedule,
    pub quiet: bool,
    /// Run on the written zone before it replaces `output` (`--verify`).
    pub check: Option<Check<'a>>,
}

/// How the zone was re-signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Stretches around the changes were signed and spliced in: `names`
    /// of the `of` names of the previous zone, among them the `due` whose
    /// signatures were due (refresh, schedule, keys).
    Spliced { names: usize, of: usize, due: usize },
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

/// Why re-signing failed. Each says its reason once: a wrapped error is
/// shown as itself (`transparent`), and an I/O error is part of the
/// message rather than a source, which would print it a second time as
/// "caused by".
#[derive(Debug, thiserror::Error)]
pub enum ResignError {
    #[error(transparent)]
    Diff(#[from] DiffError),
    #[error(transparent)]
    Zone(#[from] ZoneError),
    #[error("{0}")]
    Read(ZoneFileError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("cannot read {}: {error}", path.display())]
    ReadFile { path: PathBuf, error: std::io::Error },
    #[error("writing {}: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
    #[error(
        "{}: {why}. --changes takes the zone's data from this file, so it must be whole; \
         sign from the whole zone file instead (signer sign ZONEFILE --previous {}), which needs no end line",
        path.display(),
        path.display()
    )]
    NotWhole { path: PathBuf, why: String },
}

/// Where the new unsigned data comes from.
enum Update<'a> {
    /// A diff against the previous zone (`--changes`).
    Diff(&'a ZoneDiff),
    /// The whole new zone, compared with the previous one.
    Zone(&'a NewZone<'a>),
}

/// A whole new zone and the names where it differs from the previous.
struct NewZone<'a> {
    zone: &'a Zone,
    /// The zone file, which records taken from `zone` name as where they
    /// were read (at line 0: the checks that need lines ran on the whole
    /// zone, and their warnings were given then).
    file: Arc<Path>,
    changed: compare::Comparison,
}

impl Update<'_> {
    /// The names the new data changes, in canonical order.
    fn owners(&self) -> Vec<Name> {
        match self {
            Update::Diff(diff) => diff.owners(),
            Update::Zone(new) => new.changed.changed.iter().map(Name::to_lowercase).collect(),
        }
    }

    fn touches_dname(&self) -> bool {
        match self {
            Update::Diff(diff) => diff.touches_dname(),
            Update::Zone(new) => new.changed.dname,
        }
    }

    /// min(SOA TTL, MINIMUM) of the new zone: its denial TTL (RFC 9077).
    fn denial_ttl(&self) -> u32 {
        match self {
            Update::Diff(diff) => zone::soa_fields(&diff.new_soa.record.rdata)
                .map_or(0, |(_, minimum)| minimum.min(diff.new_soa.record.ttl)),
            Update::Zone(new) => new.zone.denial_ttl(),
        }
    }

    /// The new unsigned records of the stretches, and where each was read:
    /// the old ones (`signed`, the stretches' records, read at `lines`)
    /// changed by the diff, or the new zone's names in the stretches.
    fn stretch_records(
        &self,
        signed: &[Record],
        lines: Vec<Line>,
        files: &mut Files,
        text: &SignedText,
        stretches: &[stretch::Stretch],
        request: &Request<'_>,
    ) -> Result<(Vec<Record>, Vec<Line>), ResignError> {
        match self {
            Update::Diff(diff) => {
                let (mut unsigned, mut lines) = unsigned_part(signed, lines, request.apex);
                diff.apply(&mut unsigned, &mut lines, files, request.previous)?;
                Ok((unsigned, lines))
            }
            Update::Zone(new) => {
                let records = new.names_in_stretches(text, stretches);
                let line = files.line(&Location {
                    file: new.file.clone(),
                    line: 0,
                });
                let lines = vec![line; records.len()];
                Ok((records, lines))
            }
        }
    }
}

impl NewZone<'_> {
    /// A stretch `first..end` of SIGNED's nodes holds the names after
    /// node `first - 1` and before node `end`: those nodes' names, unchanged
    /// or changed, and the new names that fall between them (every new
    /// name is a change, so it lies in a stretch).
    fn names_in_stretches(&self, text: &SignedText, stretches: &[stretch::Stretch]) -> Vec<Record> {
        let records = &self.zone.records;
        let after = |name: &Name| records.partition_point(|r| r.owner.canonical_cmp(name) != Ordering::Greater);
        let from = |name: &Name| records.partition_point(|r| r.owner.canonical_cmp(name) == Ordering::Less);
        let mut out = Vec::new();
        for &(first, end) in stretches {
            let lo = if first == 0 { 0 } else { after(&text.owner(first - 1)) };
            let hi = if end >= text.nodes.len() {
                records.len()
            } else {
                from(&text.owner(end))
            };
            if lo < hi {
                out.extend_from_slice(&records[lo..hi]);
            }
        }
        out
    }
}

impl Request<'_> {
    /// SIGNED as [`SignedText::read`] gave it: indexed, or why it cannot
    /// be spliced; an error naming the file when it could not be read.
    fn read_previous(
        &self,
        read: std::io::Result<Result<SignedText, NotSpliceable>>,
    ) -> Result<Result<SignedText, NotSpliceable>, ResignError> {
        let text = read.map_err(|error| ResignError::ReadFile {
            path: self.previous.to_path_buf(),
            error,
        })?;
        crate::timing::phase("read previous");
        Ok(text.map_err(|NotSpliceable(reason)| NotSpliceable(format!("{reason}; only Signet's own form is spliced"))))
    }
}

/// The rule a signature of SIGNED is kept by (the same as `--previous`'s).
fn keep_rule(request: &Request<'_>) -> KeepRule {
    KeepRule {
        now: request.now,
        refresh: request.refresh,
        keys: request.keys.iter().map(|k| (k.key_tag(), k.dnskey.algorithm)).collect(),
        signer: request.apex.to_lowercase().to_string(),
        schedule: request.schedule,
    }
}

/// The previous signed zone being mapped and indexed on a thread of its
/// own, started before the new zone is read: the two overlap (the map's
/// page tables are the kernel's work, on one core).
pub struct PreviousText(std::thread::JoinHandle<std::io::Result<Result<SignedText, NotSpliceable>>>);

impl PreviousText {
    /// Starts reading `request.previous` for [`resign_zone`].
    pub fn start(request: &Request<'_>) -> PreviousText {
        let (path, rule) = (request.previous.to_path_buf(), keep_rule(request));
        PreviousText(std::thread::spawn(move || SignedText::read(&path, &rule)))
    }
}

/// `--previous` with the whole new zone `zone` (read from `file`): finds
/// the names where it differs from the previous signed zone, signs the
/// stretches around them and splices them in, as for a diff.
/// `Ok(Err(..))` when the zone must be signed whole instead, which the
/// caller does (it has the zone).
pub fn resign_zone(
    request: &Request<'_>,
    zone: &Zone,
    file: &Path,
    previous: PreviousText,
    warn: &mut dyn FnMut(String),
) -> Result<Result<Report, NotSpliceable>, ResignError> {
    let text = previous
        .0
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the thread reading it stopped unexpectedly")));
    let text = match request.read_previous(text)? {
        Ok(text) => text,
        Err(not) => return Ok(Err(not)),
    };
    let changed = compare::compare(&zone.records, &zone.apex, &text);
    crate::timing::phase("compare");
    if changed.changed.len() > text.nodes.len() / MAX_DUE_SHARE {
        return Ok(Err(NotSpliceable(format!(
            "{} of {} names changed",
            changed.changed.len(),
            text.nodes.len()
        ))));
    }
    // The signing of the stretches repeats a full signing's warnings
    // about the names in them; the full signing's are given instead, once.
    let mut whole_warnings: Vec<String> = Vec::new();
    crate::signing::layout(&zone.records, &zone.apex, &mut |w| whole_warnings.push(w));
    let known: HashSet<&str> = whole_warnings.iter().map(String::as_str).collect();
    let new = NewZone {
        zone,
        file: file.into(),
        changed,
    };
    let mut own_warnings = Vec::new();
    let spliced = splice(request, &Update::Zone(&new), text, &mut |w| {
        if !known.contains(w.as_str()) {
            own_warnings.push(w);
        }
    })?;
    if spliced.is_ok() {
        for warning in whole_warnings.iter().cloned().chain(own_warnings) {
            warn(warning);
        }
    }
    Ok(spliced)
}

/// Applies the diff in the file `changes` to the previous signed zone and
/// signs the result into the output file (atomically: the output is whole
/// or untouched).
pub fn resign(request: &Request<'_>, changes: &Path, warn: &mut dyn FnMut(String)) -> Result<Report, ResignError> {
    let rule = keep_rule(request);
    // The diff is read while the previous zone is scanned.
    let mut diff_warnings = Vec::new();
    let (diff, text) = rayon::join(
        || ZoneDiff::read(changes, request.apex, &mut |w| diff_warnings.push(w)),
        || SignedText::read(request.previous, &rule),
    );
    for warning in diff_warnings {
        warn(warning);
    }
    let diff = diff?;
    let reason = match request.read_previous(text)? {
        Err(NotSpliceable(reason)) => reason,
        Ok(text) => match splice(request, &Update::Diff(&diff), text, warn)? {
            Ok(report) => return Ok(report),
            Err(NotSpliceable(reason)) => reason,
        },
    };
    resign_whole(request, &diff, reason, warn)
}

/// Refuses a previous zone file that does not end with Signet's end line
/// ([`crate::zone::end_line`]): re-signing it whole from a diff would
/// take a copy cut short for a smaller zone. Reads only the file's tail.
fn require_whole(path: &Path, apex: &Name) -> Result<(), ResignError> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    /// Far more than an end line; a longer last line is not one.
    const TAIL: u64 = 4096;
    let read_error = |error| ResignError::ReadFile {
        path: path.to_path_buf(),
        error,
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let length = file.metadata().map_err(read_error)?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(TAIL)))
        .map_err(read_error)?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).map_err(read_error)?;
    let apex = apex.to_lowercase().to_string();
    crate::zone::end_line::find(&tail, &apex)
        .map(|_| ())
        .map_err(|why| ResignError::NotWhole {
            path: path.to_path_buf(),
            why,
        })
}

/// Re-signs the stretches around the changes and splices them in; `Ok(Err(..))`
/// when the zone must be signed whole instead.
fn splice(
    request: &Request<'_>,
    update: &Update<'_>,
    text: SignedText,
    warn: &mut dyn FnMut(String),
) -> Result<Result<Report, NotSpliceable>, ResignError> {
    let whole = |reason: String| Ok(Err(NotSpliceable(reason)));
    let apex = request.apex;
    let nsec3 = match (&request.policy.denial, text.nsec3) {
        (Denial::Nsec, false) => None,
        (Denial::Nsec3 { params, opt_out }, true) => Some((params, *opt_out)),
        _ => {
            return whole(format!(
                "{} was signed with the other kind of denial (NSEC, NSEC3)",
                text.path.display()
            ))
        }
    };
    if update.touches_dname() {
        return whole("the diff changes a DNAME, which changes what is below it".into());
    }
    let first_in_chain = nsec3.is_some() || text.nodes[0].has_nsec;
    if !text.owner(0).eq_ignore_case(apex) || !first_in_chain {
        return whole(format!(
            "{} does not start with the apex {apex} and its denial record",
            text.path.display()
        ));
    }
    let due: Vec<usize> = (0..text.nodes.len())
        .into_par_iter()
        .filter(|&i| text.nodes[i].due)
        .collect();
    let due_count = due.len();
    if due.len() > text.nodes.len() / MAX_DUE_SHARE {
        return whole(format!(
            "{} of {} names have signatures due for refresh or by keys that no longer sign",
            due.len(),
            text.nodes.len()
        ));
    }
    // A name whose data is unchanged and only its signatures due changes
    // nothing in the denial chain: with NSEC it is a stretch of its own
    // (`stretch::nsec_due`), with NSEC3 its child of the apex with what is
    // below, its NSEC3 record left as it is (that record's own signatures,
    // if due, are its node's). Any other due name is treated as changed.
    let due_only: Vec<usize> = due
        .par_iter()
        .copied()
        .filter(|&i| match nsec3 {
            None => text.nodes[i].has_nsec,
            Some(_) => !text.nodes[i].has_nsec3,
        })
        .collect();
    let mut affected = update.owners();
    if nsec3.is_none() {
        affected.par_extend(
            due.par_iter()
                .filter(|&&i| !text.nodes[i].has_nsec)
                .map(|&i| text.owner(i).to_lowercase()),
        );
    }
    // NSEC3: the names whose NSEC3 records are made again, and where.
    let mut chain_names: Vec<Name> = Vec::new();
    let mut nsec3_nodes: Vec<usize> = Vec::new();
    let stretches = match nsec3 {
        None => {
            let mut found = stretch::nsec(&text, &affected, apex);
            found.extend(stretch::nsec_due(&text, &due_only));
            stretch::merge(found)
        }
        Some((params, _)) => {
            let depth = apex.label_count() + 1;
            chain_names.push(apex.to_lowercase());
            chain_names.par_extend(affected.par_iter().filter_map(|name| top_below(name, depth)));
            // The apex sorts first: chain_names[1..] are its children.
            chain_names.par_sort_by(|a, b| a.canonical_cmp(b));
            chain_names.dedup();
            nsec3_nodes = (0..text.nodes.len())
                .into_par_iter()
                .filter(|&i| text.nodes[i].has_nsec3)
                .collect();
            let hashed: Vec<Name> = chain_names
                .par_iter()
                .filter_map(|name| owner_for_hash(&params.hash(name), apex).ok())
                .collect();
            let mut found = vec![(0, 1)];
            found.extend(stretch::subtrees(&text, &chain_names[1..]));
            found.extend(stretch::hashed(&text, &hashed, &nsec3_nodes));
            found.extend(due.iter().filter(|&&i| text.nodes[i].has_nsec3).map(|&i| (i, i + 1)));
            let mut due_tops: Vec<Name> = due_only
                .par_iter()
                .filter_map(|&i| top_below(&text.owner(i).to_lowercase(), depth))
                .collect();
            due_tops.par_sort_by(|a, b| a.canonical_cmp(b));
            due_tops.dedup();
            found.extend(stretch::subtrees(&text, &due_tops));
            stretch::merge(found)
        }
    };
    crate::timing::phase("stretches");

    let parsed = parse_stretches(&text, &stretches, apex)?;
    crate::timing::phase("parse stretches");
    let old = apex_facts(&parsed.records, apex);
    let roles = Roles::new(request.keys);
    let signing_now: Vec<(u16, u8)> = roles
        .data_signers
        .iter()
        .map(|&i| (request.keys[i].key_tag(), request.keys[i].dnskey.algorithm))
        .collect();
    if !same_set(&old.soa_signers, &signing_now) {
        return whole("the keys that sign the zone's data changed since it was signed".into());
    }
    let new_denial_ttl = update.denial_ttl();
    if old.denial_ttl != Some(new_denial_ttl) {
        return whole("the SOA TTL or MINIMUM changed, and with it the TTL of every denial record".into());
    }
    if let Some((params, opt_out)) = nsec3 {
        if let Some(reason) = nsec3_differs(&parsed.records, apex, params, opt_out) {
            return whole(reason);
        }
    }
    let names: usize = stretches.iter().map(|s| s.1 - s.0).sum();
    let signatures_in_stretches = parsed.records.iter().filter(|r| r.rtype == Rtype::RRSIG).count();

    // The stretches' unsigned data, changed by the diff.
    let Parsed {
        records: signed,
        lines,
        mut files,
    } = parsed;
    let (unsigned, lines) = update.stretch_records(&signed, lines, &mut files, &text, &stretches, request)?;
    crate::timing::phase("apply changes");
    if nsec3.is_some() {
        if let Some(top) = below_a_name_not_a_cut(&signed, &unsigned, &chain_names[1..]) {
            return whole(format!(
                "a change at or below {top}, which has names below it but is not a zone cut (NSEC3 zones are \
                 spliced for changes at delegations and the apex)"
            ));
        }
    }
    let zone = match update {
        Update::Diff(_) => zone::check(unsigned, lines, &files, apex, request.previous, warn)?,
        // A whole new zone was checked (and warned about, with lines) when
        // it was read.
        Update::Zone(new) => zone::check(unsigned, lines, &files, apex, &new.file, &mut |_| {})?,
    };
    crate::timing::phase("check");
    let serial = zone.serial;
    let old_nsec3: Vec<Record> = signed.iter().filter(|r| r.rtype == Rtype::NSEC3).cloned().collect();
    let previous = PreviousSignatures::new(signed, apex, request.now, request.refresh, request.schedule);
    crate::timing::phase("previous signatures");
    let bounds: Vec<Name> = stretches
        .par_iter()
        .filter(|s| s.1 < text.nodes.len())
        .map(|s| text.owner(s.1))
        .collect();
    let chain = nsec3.map(|(params, opt_out)| StretchChain {
        text: &text,
        stretches: &stretches,
        nsec3_nodes: &nsec3_nodes,
        apex,
        params,
        opt_out,
        ttl: new_denial_ttl,
        old: old_nsec3,
        remade: chain_names.iter().cloned().collect(),
    });
    let make_chain = |records: &[Record], nodes: &[crate::signing::Node]| {
        chain
            .as_ref()
            .map_or(Ok(Vec::new()), |chain| chain.make(records, nodes))
    };
    crate::timing::phase("stretches read");

    // Sign the stretches into the output between the unchanged text.
    let ranges: Vec<std::ops::Range<usize>> = stretches.iter().map(|&(a, b)| text.byte_range(a, b)).collect();
    let inputs = SigningInputs {
        key_set: request.key_set,
        previous: Some(&previous),
        chain_bounds: &bounds,
        // NSEC3 only: NSEC zones have no chain of records to make.
        nsec3_chain: chain.is_some().then_some(&make_chain as &crate::signing::Nsec3Chain),
    };
    let copier = std::cell::RefCell::new(Copier {
        bytes: &text.bytes,
        ranges: &ranges,
        next: 0,
        copied: 0,
        released: 0,
    });
    let stats = sign_into_file(
        request,
        zone,
        inputs,
        warn,
        |records| render_by_stretch(&records, &bounds),
        |w, pieces| {
            let mut copier = copier.borrow_mut();
            let mut slices = Vec::with_capacity(4 * pieces.len());
            for (stretch, piece) in &pieces {
                copier.copy_to(*stretch, &mut slices);
                slices.push(IoSlice::new(piece.as_bytes()));
            }
            write_all_vectored(w, &mut slices)?;
            // What is written (or replaced) is not read again: its pages
            // go back to the kernel, for the output's next ones.
            if copier.copied - copier.released >= RELEASE_STEP {
                text.release(copier.released..copier.copied);
                copier.released = copier.copied;
            }
            Ok(())
        },
        |w| {
            let mut copier = copier.borrow_mut();
            let mut slices = Vec::new();
            copier.copy_to(ranges.len(), &mut slices);
            slices.push(IoSlice::new(&text.bytes[copier.copied..text.end]));
            write_all_vectored(w, &mut slices)
        },
    )?;
    let untouched = text.signatures - signatures_in_stretches;
    Ok(Ok(Report {
        method: Method::Spliced {
            names,
            of: text.nodes.len(),
            due: due_count,
        },
        signatures: untouched + stats.signatures,
        kept: untouched + stats.reused,
        serial,
    }))
}

/// The ancestor of `name` (or `name` itself) with `depth` labels: its
/// child of the apex when `depth` is one more than the apex's. `None` for
/// a name above that depth.
fn top_below(name: &Name, depth: usize) -> Option<Name> {
    let mut top = name.clone();
    while top.label_count() > depth {
        top = top.parent()?;
    }
    (top.label_count() == depth).then_some(top)
}

/// Why the previous zone's NSEC3 parameters (NSEC3PARAM at the apex, the
/// fields of its NSEC3 records) are not those of the policy, if they are not.
fn nsec3_differs(records: &[Record], apex: &Name, params: &Nsec3Params, opt_out: bool) -> Option<String> {
    let param = params.to_nsec3param_rdata();
    let has_param = records
        .iter()
        .any(|r| r.rtype == Rtype::NSEC3PARAM && r.owner.eq_ignore_case(apex) && *r.rdata == *param);
    let flags = if opt_out { FLAG_OPT_OUT } else { 0 };
    let same_fields = records.iter().filter(|r| r.rtype == Rtype::NSEC3).all(|r| {
        Nsec3::from_rdata(&r.rdata).is_ok_and(|n| {
            n.algorithm == params.algorithm
                && n.flags == flags
                && n.iterations == params.iterations
                && n.salt == params.salt
        })
    });
    (!has_param || !same_fields).then(|| "the NSEC3 parameters (hash, iterations, salt, opt-out) changed".to_string())
}

/// With NSEC3, changes are spliced only where they leave the chain's
/// shape alone below the apex's children: the first of `tops` (children of
/// the apex the changes touch) that has names below it, before or after
/// the diff, without being a zone cut then.
fn below_a_name_not_a_cut(before: &[Record], after: &[Record], tops: &[Name]) -> Option<Name> {
    let tops: HashSet<&Name> = tops.iter().collect();
    let depth = tops.iter().next()?.label_count();
    let not_a_cut = |records: &[Record]| -> Option<Name> {
        let mut below: HashSet<Name> = HashSet::new();
        let mut cuts: HashSet<Name> = HashSet::new();
        for record in records {
            let owner = record.owner.to_lowercase();
            if owner.label_count() == depth && record.rtype == Rtype::NS && tops.contains(&owner) {
                cuts.insert(owner);
            } else if owner.label_count() > depth {
                let mut top = owner;
                while top.label_count() > depth {
                    top = top.parent()?;
                }
                if tops.contains(&top) {
                    below.insert(top);
                }
            }
        }
        below.into_iter().find(|top| !cuts.contains(top))
    };
    not_a_cut(before).or_else(|| not_a_cut(after))
}

/// Writes the previous zone's text between the stretches.
struct Copier<'a> {
    bytes: &'a [u8],
    ranges: &'a [std::ops::Range<usize>],
    /// The first stretch not reached yet.
    next: usize,
    /// Octets of `bytes` written or replaced so far.
    copied: usize,
    /// Octets of `bytes` whose memory was given back ([`SignedText::release`]).
    released: usize,
}

impl<'a> Copier<'a> {
    /// Adds the unchanged text up to stretch `stretch` to `slices`,
    /// skipping the old text of every stretch reached (a stretch whose
    /// names were all removed is reached with nothing to write). The text
    /// goes from the map to the kernel without being copied here.
    fn copy_to<'s>(&mut self, stretch: usize, slices: &mut Vec<IoSlice<'s>>)
    where
        'a: 's,
    {
        while self.next <= stretch && self.next < self.ranges.len() {
            let range = &self.ranges[self.next];
            slices.push(IoSlice::new(&self.bytes[self.copied..range.start]));
            self.copied = range.end;
            self.next += 1;
        }
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

/// The records of a signed zone that the signer did not make (and where
/// each was read): the unsigned zone they were signed from.
fn unsigned_part(signed: &[Record], lines: Vec<Line>, apex: &Name) -> (Vec<Record>, Vec<Line>) {
    signed
        .iter()
        .zip(lines)
        .filter(|(record, _)| !is_signer_made(record, apex))
        .map(|(record, line)| (record.clone(), line))
        .unzip()
}

/// True for what the signer makes rather than takes from the zone: RRSIG,
/// NSEC, NSEC3, NSEC3PARAM, and the apex DNSKEY RRset (made from the keys).
fn is_signer_made(record: &Record, apex: &Name) -> bool {
    record.rtype.is_dnssec_generated() || record.rtype == Rtype::DNSKEY && record.owner.eq_ignore_case(apex)
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
        .filter(|&&(first, end)| first < end)
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
    // The zone's data comes from SIGNED here: it must be whole.
    require_whole(request.previous, request.apex)?;
    let read = zone::read_records(request.previous, request.apex).map_err(ResignError::Read)?;
    for warning in &read.warnings {
        warn(warning.to_string());
    }
    let (all, mut files) = (read.records, read.files);
    let (mut unsigned, mut lines) = unsigned_part(&all, read.lines, request.apex);
    diff.apply(&mut unsigned, &mut lines, &mut files, request.previous)?;
    let zone = zone::check(unsigned, lines, &files, request.apex, request.previous, warn)?;
    let serial = zone.serial;
    let previous = PreviousSignatures::new(all, request.apex, request.now, request.refresh, request.schedule);
    crate::timing::phase("read whole");
    let inputs = SigningInputs {
        key_set: request.key_set,
        previous: Some(&previous),
        chain_bounds: &[],
        nsec3_chain: None,
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
    let written = write_atomically_checked(
        request.output,
        FileMode::Public,
        |w| {
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
                Ok(_) => finish(w).and_then(|()| w.write_all(crate::zone::end_line::line(request.apex).as_bytes())),
                Err(error) => Err(std::io::Error::other(error.to_string())),
            };
            outcome = Some(result);
            io
        },
        request.check,
    );
    if let Some(Err(error)) = outcome {
        return Err(error.into());
    }
    let write_error = |error| ResignError::Write {
        path: request.output.to_path_buf(),
        error,
    };
    written.map_err(write_error)?;
    crate::timing::phase("sign and write");
    outcome
        .and_then(Result::ok)
        .ok_or_else(|| write_error(std::io::Error::other("the signer did not run")))
}
