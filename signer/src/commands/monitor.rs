//! `signer monitor --origin ORIGIN [--zone-file FILE] [--server ADDR[:PORT] …]
//! [--ns] [--ds FILE] [--parent-server ADDR[:PORT] …] [--json] [--prometheus FILE]`
//!
//! A Nagios plugin: the first line is `DNSSEC OK|WARNING|CRITICAL|UNKNOWN -
//! summary | perfdata`, details follow, and the exit code is 0, 1, 2 or 3.
//! Whatever goes wrong (bad arguments, unreadable files) is reported as
//! UNKNOWN in the same form, never as a bare error, so that a monitoring
//! system shows it for what it is.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Args;
use keybundles::dnskey::Dnskey;
use keybundles::ds::{DigestType, Ds};
use keybundles::time::parse_duration;
use keybundles::zonefile::ZoneReader;
use keybundles::{Name, Rtype};

use super::parse_origin;
use crate::config::KeyMode;
use crate::monitor::checks::DsSet;
use crate::monitor::dns_client::{self, Limits};
use crate::monitor::{self, report, runway, Finding, ServerSpec, Settings, Status, Thresholds};
use crate::output::{write_atomically, FileMode};
use crate::Context;

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The zone, e.g. example. Default: the config's zone.origin.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,

    /// A signed zone file to check in full (e.g. what the hidden primary
    /// loads). Its serial is compared with the servers', and names are
    /// sampled from it for servers that refuse AXFR.
    #[arg(long, value_name = "FILE")]
    pub zone_file: Option<PathBuf>,

    /// An authoritative server to check: 192.0.2.1, 192.0.2.1:5353,
    /// [2001:db8::1]:53 or a host name. Repeat for several.
    #[arg(long = "server", value_name = "ADDR[:PORT]")]
    pub servers: Vec<String>,

    /// Also check every name server of the zone file's apex NS set (their
    /// addresses from the file's glue, else the system resolver).
    #[arg(long, requires = "zone_file")]
    pub ns: bool,

    /// The DS records the parent publishes (zone-file format; DNSKEY
    /// records are accepted too). Default: the config's guardrails.parent_ds,
    /// else in offline-KSK mode its keys.trust_anchor.
    #[arg(long, value_name = "FILE")]
    pub ds: Option<PathBuf>,

    /// A server of the parent zone to ask for the zone's DS RRset. Repeat
    /// for several; the first that answers is used.
    #[arg(long = "parent-server", value_name = "ADDR[:PORT]")]
    pub parent_servers: Vec<String>,

    /// Print the outcome as JSON instead of Nagios plugin output.
    #[arg(long)]
    pub json: bool,

    /// Also write the outcome for Prometheus' node_exporter textfile
    /// collector to FILE (atomically: written beside it, then renamed).
    #[arg(long, value_name = "FILE")]
    pub prometheus: Option<PathBuf>,

    /// Wait at most this long for one UDP answer, one TCP connect or read.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub timeout: String,

    /// UDP tries after the first, before TCP is tried.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,

    /// The whole run ends within this time, whatever the servers do.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub deadline: String,

    /// Do not try zone transfers; sample every server.
    #[arg(long)]
    pub no_axfr: bool,

    /// Names of the zone file to query on servers that refuse AXFR.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub samples: usize,

    /// Random non-existent names whose denial proofs are checked per server.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub random_names: usize,

    /// WARNING when an RRset other than DNSKEY has less than this left.
    /// Default: the config's monitor.warning, or 3d.
    #[arg(long, value_name = "DURATION")]
    pub warning: Option<String>,

    /// CRITICAL when an RRset other than DNSKEY has less than this left.
    /// Default: the config's monitor.critical, or 1d.
    #[arg(long, value_name = "DURATION")]
    pub critical: Option<String>,

    /// WARNING when the DNSKEY RRset has less than this left. Default: the
    /// config's monitor.dnskey_warning, or 7d.
    #[arg(long, value_name = "DURATION")]
    pub dnskey_warning: Option<String>,

    /// CRITICAL when the DNSKEY RRset has less than this left. Default: the
    /// config's monitor.dnskey_critical, or 3d.
    #[arg(long, value_name = "DURATION")]
    pub dnskey_critical: Option<String>,
}

pub fn run(ctx: &Context, args: &MonitorArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let settings = match settings(ctx, args, started) {
        Ok(s) => s,
        Err(err) => {
            if let Some(path) = &args.prometheus {
                // Keep the textfile truthful: this run could not check.
                let zone = match &args.origin {
                    Some(text) => parse_origin(text).map(|n| n.to_string()).ok(),
                    None => ctx.config.as_ref().map(|c| c.origin.to_string()),
                };
                let text = report::prometheus_unknown(zone.as_deref().unwrap_or(""), ctx.now);
                if let Err(e) = write_atomically(path, FileMode::Public, |w| w.write_all(text.as_bytes())) {
                    return Ok(unknown(
                        &err.context(format!("and cannot write {}: {e}", path.display())),
                        args.json,
                    ));
                }
            }
            return Ok(unknown(&err, args.json));
        }
    };
    let step = crate::progress::Steps::one(format!("checking {}", settings.origin), ctx.quiet);
    let mut outcome = monitor::monitor(&settings);
    drop(step);
    if let Some(path) = &args.prometheus {
        let text = report::prometheus(&outcome);
        if let Err(e) = write_atomically(path, FileMode::Public, |w| w.write_all(text.as_bytes())) {
            outcome.findings.push(Finding {
                status: Status::Unknown,
                source: path.display().to_string(),
                check: "prometheus",
                message: format!("cannot write the textfile: {e}"),
            });
            outcome.findings.sort_by_key(|f| std::cmp::Reverse(f.status));
            outcome.status = outcome.status.max(Status::Unknown);
        }
    }
    if !(ctx.quiet && outcome.status == Status::Ok) {
        if args.json {
            println!("{}", report::json(&outcome));
        } else {
            print!("{}", report::nagios(&outcome));
        }
    }
    Ok(ExitCode::from(outcome.status.exit_code()))
}

/// Reports an error that stopped the check as a plugin would: UNKNOWN, exit 3.
pub fn unknown(err: &anyhow::Error, json: bool) -> ExitCode {
    let message = keybundles::causes::said_once(err.chain().map(ToString::to_string)).join(": ");
    if json {
        let doc = serde_json::json!({"status": "UNKNOWN", "code": 3, "summary": message, "error": message});
        println!("{doc}");
    } else {
        println!("DNSSEC UNKNOWN - cannot check: {message}");
    }
    ExitCode::from(Status::Unknown.exit_code())
}

fn duration_arg(text: &str, flag: &str) -> anyhow::Result<i64> {
    parse_duration(text).with_context(|| format!("--{flag}"))
}

fn settings(ctx: &Context, args: &MonitorArgs, started: Instant) -> anyhow::Result<Settings> {
    let config = ctx.config.as_ref();
    let origin = match (&args.origin, config) {
        (Some(text), _) => parse_origin(text)?,
        (None, Some(config)) => config.origin.clone(),
        (None, None) => bail!("--origin is needed (or --config with zone.origin)"),
    };
    let mut thresholds = config.map(|c| Thresholds::from_config(&c.monitor)).unwrap_or_default();
    for (value, flag, slot) in [
        (&args.warning, "warning", &mut thresholds.warning),
        (&args.critical, "critical", &mut thresholds.critical),
        (&args.dnskey_warning, "dnskey-warning", &mut thresholds.dnskey_warning),
        (
            &args.dnskey_critical,
            "dnskey-critical",
            &mut thresholds.dnskey_critical,
        ),
    ] {
        if let Some(text) = value {
            *slot = duration_arg(text, flag)?;
        }
    }
    if thresholds.critical > thresholds.warning || thresholds.dnskey_critical > thresholds.dnskey_warning {
        bail!("a critical threshold is longer than its warning threshold; critical must be the shorter");
    }
    let timeout = duration_arg(&args.timeout, "timeout")?;
    let deadline = duration_arg(&args.deadline, "deadline")?;
    if timeout <= 0 || deadline <= 0 {
        bail!("--timeout and --deadline must be more than 0 seconds");
    }
    let limits = Limits {
        timeout: Duration::from_secs(timeout as u64),
        retries: args.retries,
        deadline: started + Duration::from_secs(deadline as u64),
    };
    if let Some(path) = &args.zone_file {
        if !path.is_file() {
            bail!("--zone-file {}: no such file", path.display());
        }
    }
    let mut servers = Vec::new();
    for text in &args.servers {
        match parse_server(text, limits.timeout) {
            Ok(addrs) => servers.extend(addrs.into_iter().map(|a| ServerSpec {
                label: a.to_string(),
                addr: Ok(a),
            })),
            Err(why) => servers.push(ServerSpec {
                label: text.clone(),
                addr: Err(why),
            }),
        }
    }
    if args.ns {
        if let Some(path) = &args.zone_file {
            servers.extend(ns_servers(path, &origin, limits.timeout)?);
        }
    }
    if servers.is_empty() && args.zone_file.is_none() {
        bail!("nothing to check: give --zone-file FILE and/or --server ADDR[:PORT]");
    }

    let mut ds = Vec::new();
    // The DS the parent should have: --ds, else the configured parent DS,
    // else (offline-KSK mode) the KSK's trust anchor.
    let configured = config.and_then(|c| c.guardrails.parent_ds.as_ref());
    let anchor = config
        .filter(|c| c.keys.mode == KeyMode::OfflineKsk)
        .and_then(|c| c.keys.trust_anchor.as_ref());
    match (&args.ds, configured, anchor) {
        (Some(path), _, _) => ds.push(read_ds(path, &origin, "--ds")?),
        (None, Some(path), _) => ds.push(read_ds(path, &origin, "guardrails.parent_ds")?),
        (None, None, Some(path)) => ds.push(read_ds(path, &origin, "keys.trust_anchor")?),
        (None, None, None) => {}
    }
    if !args.parent_servers.is_empty() {
        ds.push(parent_ds(&args.parent_servers, &origin, &limits)?);
    }
    Ok(Settings {
        origin,
        now: ctx.now,
        zone_file: args.zone_file.clone(),
        servers,
        ds,
        thresholds,
        limits,
        axfr: !args.no_axfr,
        samples: args.samples,
        random_names: args.random_names,
        runway: runway::from_config(config, ctx.now),
    })
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT` or `HOST[:PORT]`; port 53 by default.
/// Host names go through the system resolver, bounded by `timeout`.
fn parse_server(text: &str, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, 53)]);
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("{text}: '{port}' is not a port"))?,
        ),
        None => (text, 53),
    };
    if host.is_empty() {
        return Err(format!("'{text}' is not an address"));
    }
    resolve(host, port, timeout)
}

/// The system resolver, in a thread so that a hung resolver cannot hold
/// the run past `timeout`.
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let target = (host.to_string(), port);
    std::thread::spawn(move || {
        let _ = tx.send(target.to_socket_addrs().map(Vec::from_iter));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(format!("{host}: no address")),
        Ok(Err(e)) => Err(format!("{host}: cannot resolve: {e}")),
        Err(_) => Err(format!("{host}: the resolver did not answer within {timeout:?}")),
    }
}

/// The apex NS set of the zone file, with addresses from its glue or the
/// system resolver.
fn ns_servers(path: &Path, origin: &Name, timeout: Duration) -> anyhow::Result<Vec<ServerSpec>> {
    // On all cores: a TLD's signed zone is hundreds of MB.
    let records = crate::zone::read_records_unlocated(path, origin)
        .with_context(|| format!("cannot read {}", path.display()))?
        .records;
    let mut ns = Vec::new();
    let mut glue: Vec<(Name, IpAddr)> = Vec::new();
    for record in records {
        if record.rtype == Rtype::NS && record.owner.eq_ignore_case(origin) {
            if let Ok((target, _)) = Name::read_wire(&record.rdata) {
                ns.push(target);
            }
        } else if let Some(addr) = keybundles::rdata::address(record.rtype, &record.rdata) {
            glue.push((record.owner, addr));
        }
    }
    if ns.is_empty() {
        bail!("--ns: {} has no NS records at {origin}", path.display());
    }
    let mut servers = Vec::new();
    for name in ns {
        let addrs: Vec<SocketAddr> = glue
            .iter()
            .filter(|(owner, _)| owner.eq_ignore_case(&name))
            .map(|(_, ip)| SocketAddr::new(*ip, 53))
            .collect();
        let addrs = if addrs.is_empty() {
            let host = name.to_string();
            resolve(host.trim_end_matches('.'), 53, timeout)
        } else {
            Ok(addrs)
        };
        match addrs {
            Ok(addrs) => servers.extend(addrs.into_iter().map(|a| ServerSpec {
                label: format!("{a} ({name})"),
                addr: Ok(a),
            })),
            Err(why) => servers.push(ServerSpec {
                label: name.to_string(),
                addr: Err(why),
            }),
        }
    }
    Ok(servers)
}

/// DS records for `origin` from a file; DNSKEY records are turned into
/// their SHA-256 DS.
fn read_ds(path: &Path, origin: &Name, what: &str) -> anyhow::Result<DsSet> {
    let text = std::fs::read(path).with_context(|| format!("{what}: cannot read {}", path.display()))?;
    // DS lines as registries and `signer keygen` print them have no TTL:
    // a default is put in front (and taken off the line numbers again).
    let mut bytes = b"$TTL 0\n".to_vec();
    bytes.extend_from_slice(&text);
    let mut reader = ZoneReader::from_bytes(bytes, path, origin);
    let mut records = Vec::new();
    for entry in reader.by_ref() {
        let mut entry = entry.map_err(|mut e| {
            e.location.line = e.location.line.saturating_sub(1);
            anyhow::Error::new(e).context(what.to_string())
        })?;
        entry.location.line = entry.location.line.saturating_sub(1);
        let record = entry.record;
        if !record.owner.eq_ignore_case(origin) {
            continue;
        }
        match record.rtype {
            Rtype::DS => records.push(Ds::from_rdata(&record.rdata).with_context(|| format!("{}", entry.location))?),
            Rtype::DNSKEY => {
                let key = Dnskey::from_rdata(&record.rdata).with_context(|| format!("{}", entry.location))?;
                records.push(key.ds(origin, DigestType::Sha256));
            }
            _ => {}
        }
    }
    if records.is_empty() {
        bail!("{what}: {} has no DS or DNSKEY records for {origin}", path.display());
    }
    Ok(DsSet {
        source: path.display().to_string(),
        records,
    })
}

/// The DS RRset for `origin` as the first answering parent server has it.
fn parent_ds(servers: &[String], origin: &Name, limits: &Limits) -> anyhow::Result<DsSet> {
    let mut problems = Vec::new();
    for text in servers {
        let addrs = match parse_server(text, limits.timeout) {
            Ok(addrs) => addrs,
            Err(why) => {
                problems.push(why);
                continue;
            }
        };
        for addr in addrs {
            match dns_client::query(addr, origin, Rtype::DS, limits) {
                Ok(r) => {
                    let records: Vec<Ds> = r
                        .answers
                        .iter()
                        .filter(|rec| rec.rtype == Rtype::DS && rec.owner.eq_ignore_case(origin))
                        .filter_map(|rec| Ds::from_rdata(&rec.rdata).ok())
                        .collect();
                    if records.is_empty() {
                        bail!(
                            "parent server {addr} has no DS records for {origin} (answered {})",
                            r.rcode
                        );
                    }
                    return Ok(DsSet {
                        source: format!("parent {addr}"),
                        records,
                    });
                }
                Err(e) => problems.push(format!("{addr}: {e}")),
            }
        }
    }
    bail!("no parent server answered for the DS RRset: {}", problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_in_every_form() {
        let t = Duration::from_secs(1);
        assert_eq!(
            parse_server("192.0.2.1", t).unwrap(),
            vec!["192.0.2.1:53".parse().unwrap()]
        );
        assert_eq!(
            parse_server("192.0.2.1:5353", t).unwrap(),
            vec!["192.0.2.1:5353".parse().unwrap()]
        );
        assert_eq!(
            parse_server("2001:db8::1", t).unwrap(),
            vec!["[2001:db8::1]:53".parse().unwrap()]
        );
        assert_eq!(
            parse_server("[2001:db8::1]:5353", t).unwrap(),
            vec!["[2001:db8::1]:5353".parse().unwrap()]
        );
        assert_eq!(
            parse_server("localhost:5353", t).unwrap().first().map(SocketAddr::port),
            Some(5353)
        );
        assert!(parse_server("host:port", t)
            .unwrap_err()
            .contains("'port' is not a port"));
        assert!(parse_server(":53", t).is_err());
    }

    #[test]
    fn ds_files_without_ttl_and_with_dnskeys_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let origin: Name = "example.".parse().unwrap();
        let path = dir.path().join("parent.ds");
        std::fs::write(
            &path,
            "example. IN DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n\
             example. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n\
             other. IN DS 1 13 2 00\n",
        )
        .unwrap();
        let set = read_ds(&path, &origin, "--ds").unwrap();
        assert_eq!(set.records.len(), 2);
        assert_eq!(set.records[0].key_tag, 60485);
        // A mistake is reported with the line as the operator sees it.
        std::fs::write(&path, "; parent DS\nexample. IN DS 60485 13 2 XYZ\n").unwrap();
        let err = format!("{:#}", read_ds(&path, &origin, "--ds").unwrap_err());
        assert!(err.contains("parent.ds:2"), "{err}");
        std::fs::write(&path, "other. IN DS 1 13 2 00\n").unwrap();
        assert!(read_ds(&path, &origin, "--ds")
            .unwrap_err()
            .to_string()
            .contains("no DS or DNSKEY"));
    }
}
