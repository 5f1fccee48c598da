//! `signer publish`: lock, read, sign, check every guardrail on the exact
//! bytes about to be published, write them atomically into the hidden
//! primary's zone file, tell the server, record the publication.
//!
//! Crash safety: the zone file and the state file are each replaced by
//! rename (temporary file in the same directory, fsync, rename, fsync of
//! the directory), so a run stopped at any point — kill -9 included —
//! leaves each either as it was or wholly new. The zone is renamed before
//! the state is, so a crash in between leaves a new zone and the old
//! state; the next run notices (the state's SHA-256 no longer matches the
//! published file) and says so.

pub mod lock;
pub mod notify;
pub mod state;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use data_encoding::{HEXLOWER, HEXLOWER_PERMISSIVE};
use keybundles::ds::Ds;
use keybundles::nsec3::Nsec3Params;
use keybundles::zonefile::ZoneReader;
use keybundles::{Name, Record, Rtype};
use rayon::prelude::*;
use ring::digest;
use serde::Serialize;

use crate::config::{Config, DenialMode, KeyMode};
use crate::guardrails::{self, facts::soa_serial_offset, BundlePeriod, Outcome, Published, Status, ZoneFacts};
use crate::output::{stage, FileMode, Staged};
use crate::signing::{sign_zone_streaming_with_key_set, Denial, PreviousSignatures, Schedule, SigningPolicy};
use crate::verify::{self, ZoneView};
use crate::zone::{self, LoadOptions, Zone};
use crate::{keys, progress, Context};
use state::{Earliest, OverrideUsed, State};

/// What to publish, and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// The unsigned zone file.
    pub zone: PathBuf,
    /// The hidden primary's zone file.
    pub publish_to: PathBuf,
    /// Run everything but the write (and the reload, NOTIFY and state).
    pub dry_run: bool,
    /// Guardrails the operator passes once, and why.
    pub overrides: Vec<String>,
    pub reason: Option<String>,
    /// Who asked (recorded with overrides).
    pub operator: String,
    /// How long to wait for another publisher to finish.
    pub lock_timeout: Duration,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The new zone is in place and the server was told.
    Published,
    /// The new zone file is in place but the reload or a NOTIFY failed.
    PublishedNotLive,
    /// A guardrail failed; nothing was written.
    Refused,
    /// Dry run: everything passed.
    WouldPublish,
    /// Dry run: a guardrail failed.
    WouldRefuse,
}

/// Everything a run found and did: printed as text or JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub origin: String,
    pub verdict: Verdict,
    pub dry_run: bool,
    pub now: i64,
    pub zone: String,
    pub publish_to: String,
    pub input_serial: u32,
    pub serial: u32,
    pub live_serial: Option<u32>,
    pub records: usize,
    pub signatures: usize,
    /// Signatures kept from the published zone (the rest were made now).
    pub reused_signatures: usize,
    pub delegations: usize,
    pub earliest_expiration: Option<Earliest>,
    pub sha256: String,
    pub guardrails: Vec<Outcome>,
    pub overrides: Vec<OverrideUsed>,
    pub warnings: Vec<String>,
    pub server: Vec<String>,
    pub elapsed_seconds: f64,
}

/// Runs one publication. `warn` hears of problems that do not stop it.
pub fn publish(ctx: &Context, config: &Config, req: &Request, warn: &mut dyn FnMut(String)) -> anyhow::Result<Report> {
    let started = Instant::now();
    crate::timing::start();
    let now = ctx.now;
    let origin = &config.origin;
    for name in &req.overrides {
        guardrails::check_override_name(name).map_err(anyhow::Error::msg)?;
    }
    let reason = req.reason.as_deref().map(str::trim).unwrap_or("");
    if !req.overrides.is_empty() && reason.is_empty() {
        bail!("--override needs --reason TEXT: why this guardrail may be passed, for the record");
    }
    // A symlinked zone file stays a symlink: the file it points to is the
    // one replaced (the temporary file goes beside it, so the rename stays
    // on one file system).
    let target = match std::fs::symlink_metadata(&req.publish_to) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&req.publish_to)
            .with_context(|| format!("{} is a symlink to nowhere", req.publish_to.display()))?,
        _ => req.publish_to.clone(),
    };
    let publish_dir = parent_dir(&target);
    if !publish_dir.is_dir() {
        bail!(
            "the directory of the publication target {} does not exist (is the hidden primary's zone directory mounted?)",
            req.publish_to.display()
        );
    }

    // 1. One publisher at a time.
    let kind = if req.dry_run {
        lock::Kind::Shared
    } else {
        lock::Kind::Exclusive
    };
    let _lock = lock::Lock::acquire(&config.publish.lock_file, kind, req.lock_timeout, now)?;
    let mut warnings: Vec<String> = Vec::new();
    if !req.dry_run {
        let removed = remove_stale_temporaries(&target) + remove_stale_temporaries(&config.publish.state_file);
        if removed > 0 {
            note(
                format!("removed {removed} temporary file(s) left by an interrupted run"),
                &mut warnings,
                warn,
            );
        }
    }

    // 2. What is live: the state file and the published zone.
    let state = state::read(&config.publish.state_file, &origin.to_string())?;
    let mut steps = progress::Steps::new(ctx.quiet);
    steps.start(format!("reading the published zone {}", target.display()));
    let mut old = read_published(&target, origin, now);
    crate::timing::phase("read published");
    match (&old, &state) {
        (PublishedZone::Zone { sha256, .. }, Some(s)) if *sha256 != s.sha256 => note(
            format!(
                "{} is not the file Signet last published (serial {} at {}): it was changed by someone else, or a run \
                 was stopped between writing the zone and the state file. None of its signatures is kept: every \
                 RRset is signed again",
                req.publish_to.display(),
                s.serial,
                s.published_at_text
            ),
            &mut warnings,
            warn,
        ),
        (PublishedZone::Zone { .. }, None) => note(
            format!(
                "{} was not published by this signer (no state in {}): none of its signatures is kept, every RRset \
                 is signed again",
                req.publish_to.display(),
                config.publish.state_file.display()
            ),
            &mut warnings,
            warn,
        ),
        (PublishedZone::Missing, Some(s)) => note(
            format!(
                "{} is missing, but serial {} was published there at {}",
                req.publish_to.display(),
                s.serial,
                s.published_at_text
            ),
            &mut warnings,
            warn,
        ),
        _ => {}
    }

    // 3. Read and sign. The keys are loaded after the zone, so AWS-LC's
    // generator is readied while it is read whatever they are (for P-256
    // and Ed25519 keys it is simply not used).
    let _random = keybundles::crypto::RandomWarmUp::start();
    steps.start(format!("reading {}", req.zone.display()));
    let mut zone = zone::load(&req.zone, origin, &LoadOptions::default(), &mut |m| warn(m))
        .with_context(|| format!("reading the unsigned zone {}", req.zone.display()))?;
    let input_digest = content_digest(&zone);
    crate::timing::phase("input digest");
    let live_file_serial = match &old {
        PublishedZone::Zone { serial, .. } => Some(*serial),
        _ => None,
    };
    let plan = guardrails::serial::plan(zone.serial, &input_digest, live_file_serial, state.as_ref());
    set_serial(&mut zone, plan.output);
    let mut policy = policy(config, now)?;
    let schedule = Schedule::new(
        config.signatures.validity,
        config.signatures.jitter,
        config.signatures.refresh,
        policy.inception,
    );
    // Software keys sign everything here. Offline KSK: the DNSKEY, CDS and
    // CDNSKEY RRsets and their signatures come from the imported key bundle
    // in force now, the planned ZSKs sign the rest, and no signature may
    // outlive the bundles that publish its key.
    let mut cap = None;
    let (keys, key_set, bundles) = match config.keys.mode {
        KeyMode::Software => {
            let dir = &config.keys.key_dir;
            let found =
                keys::load_dir(dir, origin).with_context(|| format!("loading the keys in {}", dir.display()))?;
            if found.is_empty() {
                bail!(
                    "no keys for {origin} in {}; make them with `signer init` or `signer keygen`",
                    dir.display()
                );
            }
            (found, None, None)
        }
        KeyMode::OfflineKsk => {
            let set = crate::bundles::signing::key_set_at(config, now).context("offline KSK")?;
            if let Some(message) = crate::bundles::signing::cap_expiration(&mut policy, set.published_until, now)? {
                cap = Some(set.published_until);
                note(message, &mut warnings, warn);
            }
            (set.zsks, Some(set.records), Some(bundle_periods(config)?))
        }
    };
    // Signatures of the published zone that are as planned and far from
    // expiry are kept (signatures.refresh): secondaries then transfer only
    // what changed. Whatever is kept is checked like the rest. They are
    // kept only from the file Signet published and recorded (its SHA-256
    // is the state file's), each of them verified then: from any other
    // file one damaged signature, kept, would fail the `valid` guardrail,
    // which cannot be overridden, at every run until it came due.
    let previous = match &mut old {
        PublishedZone::Zone { records, sha256, .. } => {
            let records = std::mem::take(records);
            let recorded = state.as_ref().is_some_and(|s| s.sha256 == *sha256);
            recorded.then(|| {
                PreviousSignatures::new(
                    as_planned(records, config, now, cap),
                    origin,
                    now,
                    config.signatures.refresh,
                    schedule,
                )
            })
        }
        _ => None,
    };
    crate::timing::phase("previous signatures");
    steps.done();
    let bar = progress::bar(0, "signing", ctx.quiet);
    let mut bytes: Vec<u8> = Vec::new();
    let stats = sign_zone_streaming_with_key_set(
        zone,
        &keys,
        key_set.as_deref(),
        &policy,
        previous.as_ref(),
        &bar,
        &mut |m| warn(m),
        crate::commands::sign::render_records,
        |text| {
            bytes.extend_from_slice(text.as_bytes());
            Ok(())
        },
    )
    .context("signing")?;
    bytes.extend_from_slice(crate::zone::end_line::line(origin).as_bytes());
    let bytes = Arc::new(bytes);
    // Written beside the target while it is checked (over a second for a
    // TLD); renamed into place only if every guardrail passes.
    let staged = if req.dry_run {
        StagedWrite::later(&target, &bytes)
    } else {
        StagedWrite::start(&target, &bytes)
    };
    drop(previous);
    let reused = stats.reused;
    crate::timing::phase("sign");

    // 4. The exact bytes to publish, read back the way a server reads them.
    steps.start("reading the signed zone back");
    let records = parse_zone(bytes.clone(), &req.publish_to, origin).map_err(|e| {
        anyhow::anyhow!("the signed zone does not read back ({e}); this is a bug, nothing was published")
    })?;
    let sha256 = sha256_hex(&bytes);
    crate::timing::phase("read back");
    // Indexed once: the verification and the guardrails' facts share it.
    steps.start("verifying every signature, the denial chain and the coverage");
    let (view, index_failures) = ZoneView::build(origin, records);
    let report = verify::verify_view(
        &view,
        index_failures,
        &verify::Options {
            at: now,
            min_remaining: Some(config.guardrails.min_remaining),
        },
        &crate::keys::keyed_verifiers(&keys),
    );
    let facts = ZoneFacts::of(&view, now);
    crate::timing::phase("facts");
    let parent_ds = match &config.guardrails.parent_ds {
        Some(path) => Some(read_parent_ds(path, origin)?),
        None => None,
    };
    let trust_anchor = match (&config.keys.trust_anchor, config.keys.mode) {
        (Some(path), KeyMode::OfflineKsk) => Some(crate::bundles::TrustAnchor::load(path, origin)?),
        _ => None,
    };

    // 5. Guardrails.
    let published = match &mut old {
        PublishedZone::Missing => Published::None,
        PublishedZone::Unreadable(why) => Published::Unreadable(why),
        PublishedZone::Zone { facts, .. } => Published::Zone { facts: facts.wait() },
    };
    steps.start("checking the guardrails");
    let inputs = guardrails::Inputs {
        now,
        origin,
        config,
        view: &view,
        report: &report,
        facts: &facts,
        published,
        state: state.as_ref(),
        serial: &plan,
        bundles: bundles.as_deref(),
        expiration_cap: cap,
        parent_ds: parent_ds.as_deref(),
        trust_anchor: trust_anchor.as_ref(),
    };
    let mut outcomes = guardrails::run_all(&inputs);
    crate::timing::phase("guardrails");
    steps.done();
    for unused in guardrails::apply_overrides(&mut outcomes, &req.overrides) {
        note(
            format!("--override {unused}: that guardrail did not fail, so nothing was overridden"),
            &mut warnings,
            warn,
        );
    }
    let overrides: Vec<OverrideUsed> = outcomes
        .iter()
        .filter(|o| o.status == Status::Overridden)
        .map(|o| OverrideUsed {
            guardrail: o.name.to_string(),
            operator: req.operator.clone(),
            reason: reason.to_string(),
            summary: o.summary.clone(),
        })
        .collect();
    let failed = outcomes.iter().any(Outcome::is_failure);
    let earliest = report.earliest_expiration.as_ref().map(|e| Earliest {
        owner: e.owner.to_string(),
        rtype: e.rtype.to_string(),
        key_tag: e.key_tag,
        expiration: e.expiration,
        expiration_text: guardrails::when(e.expiration),
    });
    let mut out = Report {
        origin: origin.to_string(),
        verdict: Verdict::Refused,
        dry_run: req.dry_run,
        now,
        zone: req.zone.display().to_string(),
        publish_to: req.publish_to.display().to_string(),
        input_serial: plan.input,
        serial: plan.output,
        live_serial: plan.live,
        records: facts.records,
        signatures: facts.signatures,
        reused_signatures: reused,
        delegations: facts.delegations,
        earliest_expiration: earliest.clone(),
        sha256: sha256.clone(),
        guardrails: outcomes,
        overrides: Vec::new(),
        warnings: Vec::new(),
        server: Vec::new(),
        elapsed_seconds: 0.0,
    };
    if failed || req.dry_run {
        out.verdict = match (failed, req.dry_run) {
            (true, true) => Verdict::WouldRefuse,
            (true, false) => Verdict::Refused,
            _ => Verdict::WouldPublish,
        };
        out.overrides = overrides;
        out.warnings = warnings;
        out.elapsed_seconds = started.elapsed().as_secs_f64();
        if !req.dry_run {
            append_log(&config.publish.state_file, &out);
        }
        return Ok(out);
    }

    // 6. Publish: the zone, then tell the server, then record it.
    for o in &overrides {
        warn(format!(
            "override: guardrail {} passed by {} once: {} (it said: {})",
            o.guardrail, o.operator, o.reason, o.summary
        ));
    }
    steps.start(format!("writing {}", target.display()));
    staged
        .finish()
        .and_then(Staged::commit)
        .with_context(|| format!("writing {}", target.display()))?;
    crate::timing::phase("write");
    steps.done();
    let mut server = Vec::new();
    let mut told = true;
    if let Some(command) = &config.publish.reload_command {
        match notify::reload(command, origin, &target, plan.output) {
            Ok(output) => server.push(format!("reload: ok ({command}){}", with_output(&output))),
            Err(why) => {
                told = false;
                server.push(format!("reload: FAILED: {why}"));
            }
        }
    }
    for address in &config.publish.notify {
        let result = notify::parse_address(address).and_then(|addr| notify::notify(addr, origin));
        match result {
            Ok(()) => server.push(format!("notify {address}: ok")),
            Err(why) => {
                told = false;
                server.push(format!("notify {address}: FAILED: {why}"));
            }
        }
    }
    let record = State {
        format: state::FORMAT,
        origin: origin.to_string(),
        serial: plan.output,
        input_serial: plan.input,
        input_sha256: input_digest,
        published_at: now,
        published_at_text: guardrails::when(now),
        file: target.display().to_string(),
        bytes: bytes.len() as u64,
        sha256,
        records: facts.records,
        data_records: facts.data_records,
        delegations: facts.delegations,
        signatures: facts.signatures,
        earliest_expiration: earliest,
        key_tags: facts.key_tags(),
        overrides: overrides.clone(),
        warnings: warnings.clone(),
        server: server.clone(),
        signer_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    state::write(&config.publish.state_file, &record).with_context(|| {
        format!(
            "the zone (serial {}) is published, but the state file {} could not be written",
            plan.output,
            config.publish.state_file.display()
        )
    })?;
    out.verdict = if told {
        Verdict::Published
    } else {
        Verdict::PublishedNotLive
    };
    out.overrides = overrides;
    out.warnings = warnings;
    out.server = server;
    out.elapsed_seconds = started.elapsed().as_secs_f64();
    append_log(&config.publish.state_file, &out);
    Ok(out)
}

/// The zone being written to a temporary file beside the target on a
/// thread of its own. Dropped unfinished, it waits for the thread and
/// removes the file.
struct StagedWrite {
    target: PathBuf,
    bytes: Arc<Vec<u8>>,
    writing: Option<std::thread::JoinHandle<std::io::Result<Staged>>>,
}

impl StagedWrite {
    fn start(target: &Path, bytes: &Arc<Vec<u8>>) -> StagedWrite {
        let (path, text) = (target.to_path_buf(), bytes.clone());
        let mut staged = StagedWrite::later(target, bytes);
        staged.writing = Some(std::thread::spawn(move || {
            stage(&path, FileMode::Public, |w| w.write_all(&text[..]))
        }));
        staged
    }

    /// Nothing written yet (a dry run): [`Self::finish`] would write it.
    fn later(target: &Path, bytes: &Arc<Vec<u8>>) -> StagedWrite {
        StagedWrite {
            target: target.to_path_buf(),
            bytes: bytes.clone(),
            writing: None,
        }
    }

    /// The written and synced file, ready to be renamed into place.
    fn finish(mut self) -> std::io::Result<Staged> {
        match self.writing.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the thread writing it stopped unexpectedly"))),
            None => stage(&self.target, FileMode::Public, |w| w.write_all(&self.bytes[..])),
        }
    }
}

impl Drop for StagedWrite {
    fn drop(&mut self) {
        if let Some(thread) = self.writing.take() {
            // The staged file, if any, is removed as it drops.
            let _ = thread.join();
        }
    }
}

fn note(message: String, warnings: &mut Vec<String>, warn: &mut dyn FnMut(String)) {
    warn(message.clone());
    warnings.push(message);
}

fn with_output(output: &str) -> String {
    if output.is_empty() {
        String::new()
    } else {
        format!(": {}", output.lines().next().unwrap_or(""))
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes `.NAME.*.tmp` files beside `path`: temporaries of
/// [`stage`] whose run died before the rename. Only called
/// with the exclusive lock held, so none of them belongs to a live run.
fn remove_stale_temporaries(path: &Path) -> usize {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(parent_dir(path)) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && n.ends_with(".tmp")
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// The zone currently published (one per run: its size does not matter).
enum PublishedZone {
    Missing,
    Unreadable(String),
    Zone {
        serial: u32,
        sha256: String,
        /// Its records, which the signature reuse takes.
        records: Vec<Record>,
        /// What the guardrails compare with, worked out meanwhile.
        facts: PendingFacts,
    },
}

fn read_published(path: &Path, origin: &Name, now: i64) -> PublishedZone {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => Arc::new(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PublishedZone::Missing,
        Err(e) => return PublishedZone::Unreadable(format!("{}: {e}", path.display())),
    };
    let sha256 = sha256_hex(&bytes);
    let records = match parse_zone(bytes, path, origin) {
        Ok(records) => records,
        Err(e) => return PublishedZone::Unreadable(e),
    };
    let serial = records
        .iter()
        .find(|r| r.rtype == Rtype::SOA && r.owner.as_wire().eq_ignore_ascii_case(origin.as_wire()))
        .and_then(|soa| guardrails::facts::soa_serial(&soa.rdata));
    let Some(serial) = serial else {
        return PublishedZone::Unreadable(format!("{}: no SOA record for {origin}", path.display()));
    };
    let facts = PendingFacts::start(origin, records.par_iter().cloned().collect(), now);
    PublishedZone::Zone {
        serial,
        sha256,
        records,
        facts,
    }
}

/// A signed zone being indexed and summarised on a thread of its own
/// (1-1.5 s for a TLD, while the new zone is read, signed and verified).
/// The index is dropped once summarised: the guardrails need only the
/// summary.
struct PendingFacts {
    thread: Option<std::thread::JoinHandle<ZoneFacts>>,
    facts: Option<ZoneFacts>,
}

impl PendingFacts {
    fn start(origin: &Name, records: Vec<Record>, now: i64) -> PendingFacts {
        let origin = origin.clone();
        let thread = std::thread::spawn(move || ZoneFacts::of(&ZoneView::build(&origin, records).0, now));
        PendingFacts {
            thread: Some(thread),
            facts: None,
        }
    }

    /// The summary, once it is ready.
    fn wait(&mut self) -> &ZoneFacts {
        if let Some(thread) = self.thread.take() {
            let facts = thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            self.facts = Some(facts);
        }
        self.facts.get_or_insert_with(ZoneFacts::default)
    }
}

/// The published zone's records less the RRSIGs whose times are not what
/// the current policy plans (made under another policy, or re-timed):
/// those are made afresh rather than kept.
fn as_planned(mut records: Vec<Record>, config: &Config, now: i64, cap: Option<i64>) -> Vec<Record> {
    use keybundles::rrsig::Rrsig;
    use keybundles::time::from_serial;
    // Decided on all cores, then dropped in place: a filtered copy of a
    // million-delegation zone's records went to fresh memory, 1.2 s.
    let keep: Vec<bool> = records
        .par_iter()
        .map(|r| {
            if r.rtype != Rtype::RRSIG {
                return true;
            }
            let Ok(sig) = Rrsig::from_rdata(&r.rdata) else {
                return false;
            };
            let inception = from_serial(sig.inception, now);
            let planned = guardrails::expiry_as_planned::planned_expiration(
                &config.signatures,
                &r.owner,
                sig.type_covered,
                inception,
                cap,
            );
            from_serial(sig.expiration, now) == planned && inception + config.signatures.inception_offset <= now
        })
        .collect();
    let mut index = 0;
    records.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    records
}

/// The imported key bundles' periods: from each bundle's start to when
/// it stops being in force.
fn bundle_periods(config: &Config) -> anyhow::Result<Vec<BundlePeriod>> {
    let store = crate::bundles::BundleStore::load(&config.keys.bundle_dir)?;
    Ok(store
        .bundles()
        .iter()
        .enumerate()
        .map(|(i, b)| BundlePeriod {
            inception: b.start,
            expiration: store.end_of(i),
        })
        .collect())
}

/// Parses zone-file text as a server would read it (on all cores, with
/// the same records and first error as one reader).
fn parse_zone(bytes: Arc<Vec<u8>>, source: &Path, origin: &Name) -> Result<Vec<Record>, String> {
    crate::zone::read_text_unlocated(bytes, source, origin)
        .map(|read| read.records)
        .map_err(|e| e.to_string())
}

fn sha256_hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// A digest of the unsigned zone's content, its SOA serial aside: tells
/// "same zone re-signed" from "changed zone, serial forgotten".
pub fn content_digest(zone: &Zone) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut buf = Vec::new();
    for record in &zone.records {
        buf.clear();
        let mut rdata = record.rdata.to_vec();
        if record.rtype == Rtype::SOA {
            if let Some(at) = soa_serial_offset(&rdata) {
                rdata[at..at + 4].fill(0);
            }
        }
        let canonical = Record::new(
            record.owner.to_lowercase(),
            record.class,
            record.ttl,
            record.rtype,
            rdata,
        );
        canonical.write_canonical(&mut buf, &canonical.owner, canonical.ttl);
        ctx.update(&buf);
    }
    HEXLOWER.encode(ctx.finish().as_ref())
}

/// Sets the SOA serial of an unsigned zone.
fn set_serial(zone: &mut Zone, serial: u32) {
    if zone.serial == serial {
        return;
    }
    for record in zone
        .records
        .iter_mut()
        .filter(|r| r.rtype == Rtype::SOA && r.owner == zone.apex)
    {
        let mut rdata = record.rdata.to_vec();
        if let Some(at) = soa_serial_offset(&rdata) {
            rdata[at..at + 4].copy_from_slice(&serial.to_be_bytes());
            record.rdata = rdata.into();
        }
    }
    zone.serial = serial;
}

/// The signing policy `[signatures]` and `[denial]` give at `now`.
pub fn policy(config: &Config, now: i64) -> anyhow::Result<SigningPolicy> {
    let s = &config.signatures;
    let denial = match config.denial.mode {
        DenialMode::Nsec => Denial::Nsec,
        DenialMode::Nsec3 => {
            let d = &config.denial;
            let salt = if d.nsec3_salt == "-" {
                Vec::new()
            } else {
                HEXLOWER_PERMISSIVE
                    .decode(d.nsec3_salt.as_bytes())
                    .with_context(|| format!("denial.nsec3_salt '{}' is not hex", d.nsec3_salt))?
            };
            if salt.len() > 255 {
                bail!("denial.nsec3_salt is {} octets; at most 255 fit", salt.len());
            }
            Denial::Nsec3 {
                params: Nsec3Params {
                    algorithm: keybundles::nsec3::HASH_SHA1,
                    iterations: d.nsec3_iterations,
                    salt,
                },
                opt_out: d.nsec3_opt_out,
            }
        }
    };
    Ok(SigningPolicy {
        inception: now - s.inception_offset,
        expiration: now + s.validity,
        jitter: s.jitter,
        denial,
    })
}

/// Reads `guardrails.parent_ds`: DS records for the zone, in zone-file
/// form (as `dnssec-dsfromkey` or a registry prints them; no TTL needed).
fn read_parent_ds(path: &Path, origin: &Name) -> anyhow::Result<Vec<Ds>> {
    let context = || format!("guardrails.parent_ds {}", path.display());
    let text = std::fs::read_to_string(path).with_context(context)?;
    // A default TTL on a line of its own; locations are shifted back.
    let shifted = |mut location: keybundles::zonefile::Location| {
        location.line = location.line.saturating_sub(1);
        location
    };
    let mut out = Vec::new();
    for entry in ZoneReader::from_str(&format!("$TTL 86400\n{text}"), path, origin) {
        let entry = entry.map_err(|mut e| {
            e.location = shifted(e.location);
            e
        })?;
        let r = &entry.record;
        let location = shifted(entry.location.clone());
        if r.rtype != Rtype::DS || r.owner.to_lowercase() != *origin {
            bail!("{location}: {} {} is not a DS record for {origin}", r.owner, r.rtype);
        }
        out.push(Ds::from_rdata(&r.rdata).with_context(|| location.to_string())?);
    }
    if out.is_empty() {
        bail!(
            "{}: no DS records; remove guardrails.parent_ds if the parent has none",
            context()
        );
    }
    Ok(out)
}

/// Appends one line to `publish-log.jsonl` beside the state file: every
/// publication and refusal, with the overrides and their reasons (the
/// state file keeps only the last). Failure to log is not fatal.
fn append_log(state_file: &Path, report: &Report) {
    let path = parent_dir(state_file).join("publish-log.jsonl");
    let line = serde_json::json!({
        "time": report.now,
        "time_text": guardrails::when(report.now),
        "origin": report.origin,
        "verdict": report.verdict,
        "serial": report.serial,
        "input_serial": report.input_serial,
        "sha256": report.sha256,
        "failed": report.guardrails.iter().filter(|o| o.is_failure()).map(|o| o.name).collect::<Vec<_>>(),
        "overrides": report.overrides,
        "server": report.server,
    });
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()
    };
    if let Err(e) = write() {
        eprintln!("signer: warning: could not append to {}: {e}", path.display());
    }
}
