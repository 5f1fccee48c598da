//! Monitoring: what the world sees of a signed zone, checked the way a
//! monitoring system wants it (`signer monitor`).
//!
//! Sources are a signed zone file and/or the zone's authoritative servers.
//! A file, or a server that allows a zone transfer, is checked in full by
//! [`crate::verify`]; other servers are sampled: the apex RRsets, the proofs
//! that a few random names do not exist, and a sample of the file's names,
//! every signature checked against the apex DNSKEY set ([`checks`]).
//!
//! The outcome is a list of [`Finding`]s, each with a Nagios [`Status`];
//! [`report`] renders it as plugin output, JSON or a Prometheus textfile.
//! Nothing here reads the system clock: "now" comes from the caller.

pub mod checks;
pub mod dns_client;
pub mod report;
pub mod runway;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;

use hickory_proto::op::ResponseCode;
use keybundles::dnskey::Dnskey;
use keybundles::rrsig::Rrsig;
use keybundles::time::{format_duration, format_human};
use keybundles::{Name, Record, Rtype};
use serde::Serialize;

use crate::verify::{self, Problem};
use checks::{DenialVerdict, DsSet, DsVerdict, SignedRRset};
use dns_client::{AxfrError, Limits};

/// A Nagios plugin state. Ordered by how bad it is: the worst finding
/// decides the run (CRITICAL > WARNING > UNKNOWN > OK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Unknown,
    Warning,
    Critical,
}

impl Status {
    /// The plugin exit code (Nagios plugin API).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }
}

/// Expiry thresholds in seconds: the DNSKEY RRset (whose signatures come
/// from the KSK, perhaps from a ceremony) and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    pub dnskey_warning: i64,
    pub dnskey_critical: i64,
    pub warning: i64,
    pub critical: i64,
}

impl Thresholds {
    pub fn from_config(section: &crate::config::MonitorSection) -> Thresholds {
        Thresholds {
            dnskey_warning: section.dnskey_warning,
            dnskey_critical: section.dnskey_critical,
            warning: section.warning,
            critical: section.critical,
        }
    }
}

impl Default for Thresholds {
    /// The `[monitor]` defaults: 7d/3d for DNSKEY, 3d/1d for the rest.
    fn default() -> Thresholds {
        Thresholds {
            dnskey_warning: 7 * 86400,
            dnskey_critical: 3 * 86400,
            warning: 3 * 86400,
            critical: 86400,
        }
    }
}

/// A server to query: how it is named in reports, and its address (or why
/// it has none).
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub label: String,
    pub addr: Result<SocketAddr, String>,
}

/// Everything a run needs, resolved by the command.
#[derive(Debug, Clone)]
pub struct Settings {
    pub origin: Name,
    pub now: i64,
    pub zone_file: Option<PathBuf>,
    pub servers: Vec<ServerSpec>,
    pub ds: Vec<DsSet>,
    pub thresholds: Thresholds,
    pub limits: Limits,
    /// Try AXFR before sampling.
    pub axfr: bool,
    /// Names of the zone file to query on servers that refuse AXFR.
    pub samples: usize,
    /// Random non-existent names whose denial proofs are checked.
    pub random_names: usize,
    pub runway: runway::Runway,
}

/// One thing found, good or bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub status: Status,
    /// The file, a server's address, or the zone as a whole.
    pub source: String,
    /// What was checked: reach, signatures, expiry, ds, serial, runway, denial.
    pub check: &'static str,
    pub message: String,
}

/// How a source was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    File,
    Axfr,
    Sampled,
}

/// When an RRset loses its last valid signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiry {
    pub owner: String,
    pub rtype: String,
    /// Unix seconds.
    pub at: i64,
}

/// What one source showed.
#[derive(Debug, Clone, Serialize)]
pub struct SourceResult {
    pub source: String,
    /// "file" or "server".
    pub kind: &'static str,
    pub mode: Option<Mode>,
    /// False when nothing could be read from it.
    pub reachable: bool,
    pub serial: Option<u32>,
    pub dnskey_expiry: Option<Expiry>,
    pub other_expiry: Option<Expiry>,
    pub rrsets_checked: usize,
    #[serde(skip)]
    pub keys: Vec<Dnskey>,
    /// Tags of the keys whose signatures over the DNSKEY RRset are valid now.
    pub dnskey_signers: Vec<u16>,
}

impl SourceResult {
    fn new(source: &str, kind: &'static str) -> SourceResult {
        SourceResult {
            source: source.to_string(),
            kind,
            mode: None,
            reachable: false,
            serial: None,
            dnskey_expiry: None,
            other_expiry: None,
            rrsets_checked: 0,
            keys: Vec::new(),
            dnskey_signers: Vec::new(),
        }
    }
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub origin: String,
    pub now: i64,
    pub status: Status,
    pub thresholds: Thresholds,
    pub sources: Vec<SourceResult>,
    pub runway: runway::RunwayResult,
    pub findings: Vec<Finding>,
}

/// Runs every check. Never fails: what cannot be checked is an UNKNOWN finding.
pub fn monitor(settings: &Settings) -> Outcome {
    let origin = &settings.origin;
    let zone = origin.to_string();
    let mut findings = Vec::new();
    let mut sources = Vec::new();
    let mut samples = Vec::new();

    if let Some(path) = &settings.zone_file {
        let label = format!("file {}", path.display());
        crate::timing::start();
        match read_zone_file(path, origin) {
            Ok(records) => {
                crate::timing::phase("read");
                samples = pick_samples(&records, origin, settings.samples);
                crate::timing::phase("samples");
                let (result, found) = analyze_full(settings, &label, "file", Mode::File, records);
                sources.push(result);
                findings.extend(found);
            }
            Err(e) => {
                findings.push(Finding {
                    status: Status::Unknown,
                    source: label.clone(),
                    check: "read",
                    message: e,
                });
                sources.push(SourceResult::new(&label, "file"));
            }
        }
    }

    let per_server: Vec<(SourceResult, Vec<Finding>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = settings
            .servers
            .iter()
            .map(|server| {
                let samples = &samples;
                scope.spawn(move || check_server(settings, server, samples))
            })
            .collect();
        handles
            .into_iter()
            .zip(&settings.servers)
            .map(|(h, server)| {
                h.join().unwrap_or_else(|_| {
                    let finding = Finding {
                        status: Status::Unknown,
                        source: server.label.clone(),
                        check: "internal",
                        message: "the check of this server stopped unexpectedly".into(),
                    };
                    (SourceResult::new(&server.label, "server"), vec![finding])
                })
            })
            .collect()
    });
    for (result, found) in per_server {
        sources.push(result);
        findings.extend(found);
    }

    for source in sources.iter().filter(|s| s.reachable) {
        findings.extend(expiry_findings(source, settings.now, &settings.thresholds));
        for ds in &settings.ds {
            findings.push(ds_finding(origin, source, ds));
        }
    }
    findings.extend(serial_findings(&sources));
    let runway = runway::evaluate(&settings.runway, settings.now);
    findings.push(Finding {
        status: runway.status,
        source: zone.clone(),
        check: "runway",
        message: runway.message.clone(),
    });
    if sources.is_empty() {
        findings.push(Finding {
            status: Status::Unknown,
            source: zone.clone(),
            check: "sources",
            message: "nothing to check: give --zone-file, --server or --ns".into(),
        });
    } else if !sources.iter().any(|s| s.reachable) {
        findings.push(Finding {
            status: Status::Unknown,
            source: zone.clone(),
            check: "sources",
            message: "no source could be read; nothing was checked".into(),
        });
    }
    // Worst first, then in the order found.
    findings.sort_by_key(|f| std::cmp::Reverse(f.status));
    let status = findings.iter().map(|f| f.status).max().unwrap_or(Status::Ok);
    Outcome {
        origin: zone,
        now: settings.now,
        status,
        thresholds: settings.thresholds,
        sources,
        runway,
        findings,
    }
}

/// The zone file's records, read on all cores (a TLD's signed zone is
/// hundreds of MB: 4-5 s with one reader).
fn read_zone_file(path: &std::path::Path, origin: &Name) -> Result<Vec<Record>, String> {
    crate::zone::read_records_unlocated(path, origin)
        .map(|read| read.records)
        .map_err(|e| e.to_string())
}

/// Signed RRsets of the zone below the apex, to ask servers for: picked at
/// random so that successive runs look at different parts of the zone.
fn pick_samples(records: &[Record], origin: &Name, count: usize) -> Vec<(Name, Rtype)> {
    let mut seen = HashSet::new();
    let mut candidates = Vec::new();
    for record in records
        .iter()
        .filter(|r| r.rtype == Rtype::RRSIG && !r.owner.eq_ignore_case(origin))
    {
        let Ok(rrsig) = Rrsig::from_rdata(&record.rdata) else {
            continue;
        };
        if matches!(rrsig.type_covered, Rtype::NSEC | Rtype::NSEC3) {
            continue;
        }
        if seen.insert((record.owner.to_lowercase(), rrsig.type_covered)) {
            candidates.push((record.owner.clone(), rrsig.type_covered));
        }
    }
    let mut picked = Vec::new();
    while picked.len() < count && !candidates.is_empty() {
        let i = random_u64() as usize % candidates.len();
        picked.push(candidates.swap_remove(i));
    }
    picked
}

fn random_u64() -> u64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    u64::from_be_bytes(bytes)
}

/// A name that almost surely does not exist: a random label under the apex.
fn random_name(origin: &Name) -> Option<Name> {
    let label = format!("signet-monitor-{:016x}", random_u64());
    origin.prepend(label.as_bytes()).ok()
}

/// How bad a verifier problem is for what validators will do.
fn problem_status(problem: &Problem) -> Status {
    match problem {
        Problem::DenialTtl { .. }
        | Problem::MixedTtls(..)
        | Problem::RrsigTtl { .. }
        | Problem::OutOfZone(_)
        | Problem::WrongClass(..)
        | Problem::UnsupportedAlgorithm(_)
        | Problem::Nsec3Flags(_) => Status::Warning,
        _ => Status::Critical,
    }
}

/// An RRset's owner and its signatures (key tag, expiration) valid now.
type SignatureWindows = (Name, Vec<(u16, i64)>);

/// At most this many problems of one source are listed one by one.
const LISTED: usize = 10;

/// A whole zone (file or AXFR) through the verifier.
fn analyze_full(
    settings: &Settings,
    label: &str,
    kind: &'static str,
    mode: Mode,
    records: Vec<Record>,
) -> (SourceResult, Vec<Finding>) {
    let origin = &settings.origin;
    let now = settings.now;
    let mut result = SourceResult::new(label, kind);
    result.mode = Some(mode);
    result.reachable = true;
    let mut findings = Vec::new();
    result.serial = records
        .iter()
        .find(|r| r.rtype == Rtype::SOA && r.owner.eq_ignore_case(origin))
        .and_then(|r| soa_serial(&r.rdata));

    // Per RRset, the signatures (tag, expiration) that are in their window
    // now; those the verifier rejects are dropped below.
    let mut windows: BTreeMap<(Vec<u8>, u16), SignatureWindows> = BTreeMap::new();
    let mut apex_dnskey = Vec::new();
    for record in &records {
        if record.owner.eq_ignore_case(origin)
            && (record.rtype == Rtype::DNSKEY
                || (record.rtype == Rtype::RRSIG
                    && Rrsig::from_rdata(&record.rdata).is_ok_and(|s| s.type_covered == Rtype::DNSKEY)))
        {
            apex_dnskey.push(record.clone());
        }
        if record.rtype != Rtype::RRSIG {
            continue;
        }
        let Ok(rrsig) = Rrsig::from_rdata(&record.rdata) else {
            continue;
        };
        let window = verify::expiry::Window::of(&rrsig, now);
        if window.inception <= now && now <= window.expiration {
            windows
                .entry((record.owner.to_lowercase().as_wire().to_vec(), rrsig.type_covered.0))
                .or_insert_with(|| (record.owner.clone(), Vec::new()))
                .1
                .push((rrsig.key_tag, window.expiration));
        }
    }
    crate::timing::phase("expiry windows");
    let dnskey_sets = checks::group(&apex_dnskey);
    if let Some(set) = dnskey_sets.iter().find(|s| s.rtype == Rtype::DNSKEY) {
        result.keys = checks::dnskeys(set);
        result.dnskey_signers = checks::verify_rrset(origin, set, &result.keys, now).valid_keys;
    }

    let report = verify::verify_zone(
        origin,
        records,
        &verify::Options {
            at: now,
            min_remaining: None,
        },
        // Monitoring holds no private keys: it checks as a resolver would.
        &[],
    );
    result.rrsets_checked = report.stats.rrsets;
    let failed: HashSet<(Vec<u8>, u16, u16)> = report
        .failures
        .iter()
        .filter_map(|f| {
            f.key_tag
                .map(|t| (f.owner.to_lowercase().as_wire().to_vec(), f.rtype.0, t))
        })
        .collect();
    for ((owner_key, rtype), (owner, sigs)) in &windows {
        let valid_until = sigs
            .iter()
            .filter(|(tag, _)| !failed.contains(&(owner_key.clone(), *rtype, *tag)))
            .map(|&(_, at)| at)
            .max();
        if let Some(at) = valid_until {
            note_expiry(&mut result, origin, owner, Rtype(*rtype), at);
        }
    }

    let mut by_status: BTreeMap<Status, Vec<&verify::Failure>> = BTreeMap::new();
    for failure in &report.failures {
        by_status
            .entry(problem_status(&failure.problem))
            .or_default()
            .push(failure);
    }
    for (status, failures) in by_status.iter().rev() {
        for failure in failures.iter().take(LISTED) {
            findings.push(Finding {
                status: *status,
                source: label.into(),
                check: "signatures",
                message: failure.to_string(),
            });
        }
        if failures.len() > LISTED {
            findings.push(Finding {
                status: *status,
                source: label.into(),
                check: "signatures",
                message: format!("... and {} more problems like these", failures.len() - LISTED),
            });
        }
    }
    if report.failures.is_empty() {
        findings.push(Finding {
            status: Status::Ok,
            source: label.into(),
            check: "signatures",
            message: format!(
                "{} ({}): {} signatures on {} RRsets valid at {}",
                match mode {
                    Mode::Axfr => "zone transfer",
                    _ => "whole zone",
                },
                serial_text(result.serial),
                report.stats.valid_signatures,
                report.stats.rrsets,
                format_human(now)
            ),
        });
    }
    (result, findings)
}

fn serial_text(serial: Option<u32>) -> String {
    serial.map_or_else(|| "no SOA".to_string(), |s| format!("serial {s}"))
}

/// The SERIAL field of SOA RDATA: after MNAME and RNAME.
fn soa_serial(rdata: &[u8]) -> Option<u32> {
    let (_, used) = Name::read_wire(rdata).ok()?;
    let (_, used2) = Name::read_wire(rdata.get(used..)?).ok()?;
    let at = used + used2;
    Some(u32::from_be_bytes(rdata.get(at..at + 4)?.try_into().ok()?))
}

/// Records when an RRset's signatures run out, keeping the earliest of
/// the DNSKEY RRset and of the rest.
fn note_expiry(result: &mut SourceResult, origin: &Name, owner: &Name, rtype: Rtype, at: i64) {
    let slot = if rtype == Rtype::DNSKEY && owner.eq_ignore_case(origin) {
        &mut result.dnskey_expiry
    } else {
        &mut result.other_expiry
    };
    if slot.as_ref().is_none_or(|e| at < e.at) {
        *slot = Some(Expiry {
            owner: owner.to_string(),
            rtype: rtype.to_string(),
            at,
        });
    }
}

/// A server that does not allow AXFR: the apex, denial proofs, samples.
fn check_server(settings: &Settings, server: &ServerSpec, samples: &[(Name, Rtype)]) -> (SourceResult, Vec<Finding>) {
    let origin = &settings.origin;
    let label = server.label.as_str();
    let mut result = SourceResult::new(label, "server");
    let finding = |status: Status, check: &'static str, message: String| Finding {
        status,
        source: label.to_string(),
        check,
        message,
    };
    let addr = match &server.addr {
        Ok(addr) => *addr,
        Err(why) => return (result, vec![finding(Status::Unknown, "reach", why.clone())]),
    };
    let limits = &settings.limits;
    let soa = match dns_client::query(addr, origin, Rtype::SOA, limits) {
        Ok(response) => response,
        Err(e) => return (result, vec![finding(Status::Unknown, "reach", e.to_string())]),
    };
    result.reachable = true;
    if soa.rcode != ResponseCode::NoError || !soa.authoritative {
        let message = format!(
            "not authoritative for {origin}: answered {}{}",
            soa.rcode,
            if soa.authoritative { "" } else { " without the AA flag" }
        );
        return (result, vec![finding(Status::Critical, "authority", message)]);
    }
    result.serial = soa
        .answers
        .iter()
        .find(|r| r.rtype == Rtype::SOA && r.owner.eq_ignore_case(origin))
        .and_then(|r| soa_serial(&r.rdata));
    let mut findings = Vec::new();

    let mut axfr_note = String::new();
    if settings.axfr {
        match dns_client::axfr(addr, origin, limits) {
            Ok(records) => {
                let (mut full, found) = analyze_full(settings, label, "server", Mode::Axfr, records);
                // The SOA query's serial is what resolvers see now.
                full.serial = result.serial.or(full.serial);
                return (full, found);
            }
            Err(AxfrError::NotAllowed(why)) => axfr_note = format!("AXFR not allowed ({why}); sampled"),
            Err(AxfrError::Failed(why)) => {
                findings.push(finding(
                    Status::Warning,
                    "axfr",
                    format!("zone transfer failed, sampled instead: {why}"),
                ));
                axfr_note = "sampled".into();
            }
        }
    }
    result.mode = Some(Mode::Sampled);

    // The apex DNSKEY RRset first: every other signature is checked with it.
    let dnskey = match dns_client::query(addr, origin, Rtype::DNSKEY, limits) {
        Ok(r) => r,
        Err(e) => {
            findings.push(finding(Status::Unknown, "reach", format!("DNSKEY query: {e}")));
            return (result, findings);
        }
    };
    let dnskey_sets = checks::group(&dnskey.answers);
    let Some(dnskey_set) = dnskey_sets
        .iter()
        .find(|s| s.rtype == Rtype::DNSKEY && s.owner.eq_ignore_case(origin))
    else {
        findings.push(finding(
            Status::Critical,
            "signatures",
            format!("no DNSKEY RRset at {origin} (answered {})", dnskey.rcode),
        ));
        return (result, findings);
    };
    result.keys = checks::dnskeys(dnskey_set);
    let mut problems: Vec<(Status, String)> = Vec::new();
    let mut checked = 0usize;
    let mut check_sets = |sets: Vec<SignedRRset>, result: &mut SourceResult, problems: &mut Vec<(Status, String)>| {
        for set in sets {
            // Delegation NS sets and glue are not signed by this zone.
            if set.signatures.is_empty() && set.rtype == Rtype::NS && !set.owner.eq_ignore_case(origin) {
                continue;
            }
            checked += 1;
            let verdict = checks::verify_rrset(origin, &set, &result.keys, settings.now);
            if set.rtype == Rtype::DNSKEY && set.owner.eq_ignore_case(origin) {
                result.dnskey_signers = verdict.valid_keys.clone();
            }
            match verdict.valid_until {
                Some(at) => note_expiry(result, origin, &set.owner, set.rtype, at),
                None => problems.push((
                    Status::Critical,
                    format!(
                        "{} {}: no valid signature ({})",
                        set.owner,
                        set.rtype,
                        verdict.problems.join("; ")
                    ),
                )),
            }
        }
    };
    check_sets(dnskey_sets.clone(), &mut result, &mut problems);
    check_sets(checks::group(&soa.answers), &mut result, &mut problems);

    let mut queries: Vec<(Name, Rtype)> = [Rtype::NS, Rtype::CDS, Rtype::CDNSKEY]
        .iter()
        .map(|&t| (origin.clone(), t))
        .collect();
    queries.extend(samples.iter().cloned());
    for (qname, qtype) in &queries {
        let at_apex = qname.eq_ignore_case(origin);
        // A name of the file that the server lacks is most likely a server
        // behind the file (the serial check says so too): a warning. The
        // apex NS RRset missing is a broken zone.
        let missing = |what: String| {
            if at_apex {
                (Status::Critical, format!("{qname} {qtype}: {what}"))
            } else {
                (
                    Status::Warning,
                    format!("{qname} {qtype}: {what}, but the zone file has it (server behind the file?)"),
                )
            }
        };
        match dns_client::query(addr, qname, *qtype, limits) {
            Ok(r) if r.rcode == ResponseCode::NoError => {
                let optional = matches!(*qtype, Rtype::CDS | Rtype::CDNSKEY);
                if !optional && !r.answers.iter().any(|rec| rec.rtype == *qtype) {
                    problems.push(missing("no data".into()));
                }
                check_sets(checks::group(&r.answers), &mut result, &mut problems);
                check_sets(checks::group(&r.authorities), &mut result, &mut problems);
            }
            Ok(r) if r.rcode == ResponseCode::NXDomain => {
                problems.push(missing("NXDOMAIN".into()));
                check_sets(checks::group(&r.authorities), &mut result, &mut problems);
            }
            Ok(r) => problems.push((Status::Critical, format!("{qname} {qtype}: answered {}", r.rcode))),
            Err(e) => problems.push((Status::Unknown, format!("{qname} {qtype}: {e}"))),
        }
    }
    let mut proofs = 0;
    for _ in 0..settings.random_names {
        let Some(qname) = random_name(origin) else { break };
        match dns_client::query(addr, &qname, Rtype::A, limits) {
            Ok(r) if r.rcode == ResponseCode::NXDomain => {
                check_sets(checks::group(&r.authorities), &mut result, &mut problems);
                match checks::nxdomain_proven(origin, &qname, &r.authorities) {
                    DenialVerdict::Proven => proofs += 1,
                    DenialVerdict::Missing(why) => {
                        problems.push((Status::Critical, format!("{qname} A: NXDOMAIN not proven: {why}")))
                    }
                }
            }
            // A wildcard answers every name: its signatures are what counts.
            Ok(r) if r.rcode == ResponseCode::NoError => {
                check_sets(checks::group(&r.answers), &mut result, &mut problems);
                check_sets(checks::group(&r.authorities), &mut result, &mut problems);
                proofs += 1;
            }
            Ok(r) => problems.push((Status::Critical, format!("{qname} A: answered {}", r.rcode))),
            Err(e) => problems.push((Status::Unknown, format!("{qname} A: {e}"))),
        }
    }
    result.rrsets_checked = checked;
    let ok = problems.is_empty();
    for (status, message) in problems {
        findings.push(finding(status, "signatures", message));
    }
    if ok {
        findings.push(finding(
            Status::Ok,
            "signatures",
            format!(
                "{} ({}): {checked} RRsets valid at {}, {proofs} denial proofs, {} sampled names",
                if axfr_note.is_empty() {
                    "sampled".to_string()
                } else {
                    axfr_note
                },
                serial_text(result.serial),
                format_human(settings.now),
                samples.len()
            ),
        ));
    }
    (result, findings)
}

/// Expiry of the DNSKEY RRset and of the rest against the thresholds.
fn expiry_findings(source: &SourceResult, now: i64, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut one = |expiry: &Option<Expiry>, what: &str, warning: i64, critical: i64| {
        let Some(e) = expiry else { return };
        let left = e.at - now;
        let status = if left < critical {
            Status::Critical
        } else if left < warning {
            Status::Warning
        } else {
            Status::Ok
        };
        let limit = match status {
            Status::Critical => format!("; critical under {}", format_duration(critical)),
            Status::Warning => format!("; warning under {}", format_duration(warning)),
            _ => String::new(),
        };
        out.push(Finding {
            status,
            source: source.source.clone(),
            check: "expiry",
            message: format!(
                "{what} signatures valid for {} (until {}, {} {}){limit}",
                format_duration(left),
                format_human(e.at),
                e.owner,
                e.rtype
            ),
        });
    };
    one(
        &source.dnskey_expiry,
        "DNSKEY RRset",
        t.dnskey_warning,
        t.dnskey_critical,
    );
    one(&source.other_expiry, "other RRsets'", t.warning, t.critical);
    out
}

fn tags(tags: &[u16]) -> String {
    if tags.is_empty() {
        return "none".into();
    }
    tags.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

fn ds_finding(origin: &Name, source: &SourceResult, ds: &DsSet) -> Finding {
    let (status, message) = match checks::check_ds(origin, &ds.records, &source.keys, &source.dnskey_signers) {
        DsVerdict::Secure { ds_tags, unmatched } => (
            Status::Ok,
            format!(
                "DS {} ({}) matches a key that signs the DNSKEY RRset{}",
                tags(&ds_tags),
                ds.source,
                if unmatched.is_empty() {
                    String::new()
                } else {
                    format!("; DS {} match no key (pre-published?)", tags(&unmatched))
                }
            ),
        ),
        DsVerdict::MatchedKeyDoesNotSign { ds_tags, signers } => (
            Status::Critical,
            format!(
                "DS {} ({}) matches keys that do not sign the DNSKEY RRset (valid signers: {}): validation fails",
                tags(&ds_tags),
                ds.source,
                tags(&signers)
            ),
        ),
        DsVerdict::NoMatch { ds_tags, key_tags } => (
            Status::Critical,
            format!(
                "no DS of {} (tags {}) matches a DNSKEY (tags {}): the chain of trust is broken",
                ds.source,
                tags(&ds_tags),
                tags(&key_tags)
            ),
        ),
    };
    Finding {
        status,
        source: source.source.clone(),
        check: "ds",
        message,
    }
}

/// Serials of every source that answered must agree.
fn serial_findings(sources: &[SourceResult]) -> Vec<Finding> {
    let serials: Vec<(&str, u32)> = sources
        .iter()
        .filter_map(|s| s.serial.map(|v| (s.source.as_str(), v)))
        .collect();
    let Some(&(_, first)) = serials.first() else {
        return Vec::new();
    };
    let list = serials
        .iter()
        .map(|(s, v)| format!("{s} has {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if serials.iter().all(|&(_, v)| v == first) {
        if serials.len() < 2 {
            return Vec::new();
        }
        vec![Finding {
            status: Status::Ok,
            source: "serial".into(),
            check: "serial",
            message: format!("{} sources agree on serial {first}", serials.len()),
        }]
    } else {
        vec![Finding {
            status: Status::Warning,
            source: "serial".into(),
            check: "serial",
            message: format!("SOA serials differ: {list}"),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_wins_and_unknown_is_below_warning() {
        assert!(Status::Critical > Status::Warning);
        assert!(Status::Warning > Status::Unknown);
        assert!(Status::Unknown > Status::Ok);
        assert_eq!(Status::Unknown.exit_code(), 3);
    }

    #[test]
    fn soa_serial_is_read_after_the_two_names() {
        let rdata =
            keybundles::rdata::parse_rdata_str(Rtype::SOA, "ns1.example. h.example. 2026112501 1 2 3 4", &Name::root())
                .unwrap();
        assert_eq!(soa_serial(&rdata), Some(2026112501));
        assert_eq!(soa_serial(&rdata[..5]), None);
    }

    fn source(name: &str, serial: Option<u32>) -> SourceResult {
        let mut s = SourceResult::new(name, "server");
        s.serial = serial;
        s.reachable = true;
        s
    }

    #[test]
    fn differing_serials_name_every_source() {
        let f = serial_findings(&[source("a:53", Some(1)), source("b:53", Some(2)), source("c:53", None)]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Warning);
        assert!(
            f[0].message.contains("a:53 has 1") && f[0].message.contains("b:53 has 2"),
            "{}",
            f[0].message
        );
        let f = serial_findings(&[source("a:53", Some(1)), source("b:53", Some(1))]);
        assert_eq!(f[0].status, Status::Ok);
    }

    #[test]
    fn expiry_thresholds_apply_per_rrset_kind() {
        let now = 1_800_000_000;
        let mut s = source("a:53", Some(1));
        s.dnskey_expiry = Some(Expiry {
            owner: "example.".into(),
            rtype: "DNSKEY".into(),
            at: now + 5 * 86400,
        });
        s.other_expiry = Some(Expiry {
            owner: "www.example.".into(),
            rtype: "A".into(),
            at: now + 5 * 86400,
        });
        let f = expiry_findings(&s, now, &Thresholds::default());
        assert_eq!(
            f.iter().map(|f| f.status).collect::<Vec<_>>(),
            vec![Status::Warning, Status::Ok]
        );
        s.dnskey_expiry.as_mut().unwrap().at = now + 2 * 86400;
        s.other_expiry.as_mut().unwrap().at = now + 12 * 3600;
        let f = expiry_findings(&s, now, &Thresholds::default());
        assert_eq!(
            f.iter().map(|f| f.status).collect::<Vec<_>>(),
            vec![Status::Critical, Status::Critical]
        );
        assert!(f[0].message.contains("critical under 3d"), "{}", f[0].message);
    }
}
