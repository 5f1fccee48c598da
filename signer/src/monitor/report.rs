//! An [`Outcome`] in the forms monitoring systems read: Nagios plugin
//! output (Nagios, Icinga, Naemon, Sensu …), JSON, and a Prometheus
//! node_exporter textfile-collector file.

use std::fmt::Write as _;

use keybundles::time::format_duration;
use serde::Serialize;

use super::{Outcome, Status};

/// Problems named on the first line before "and N more".
const SUMMARY_ITEMS: usize = 3;

/// The one-line summary: the problems, worst first, or what was checked.
pub fn summary(outcome: &Outcome) -> String {
    let bad: Vec<String> = outcome
        .findings
        .iter()
        .filter(|f| f.status != Status::Ok)
        .map(|f| format!("{}: {}", f.source, f.message))
        .collect();
    if !bad.is_empty() {
        let mut text = bad.iter().take(SUMMARY_ITEMS).cloned().collect::<Vec<_>>().join("; ");
        if bad.len() > SUMMARY_ITEMS {
            let _ = write!(text, " (and {} more)", bad.len() - SUMMARY_ITEMS);
        }
        return format!("{} {text}", outcome.origin);
    }
    let reachable: Vec<_> = outcome.sources.iter().filter(|s| s.reachable).collect();
    let serial = reachable
        .iter()
        .find_map(|s| s.serial)
        .map_or(String::new(), |s| format!(", serial {s}"));
    let mut text = format!(
        "{} {} source{} checked{serial}",
        outcome.origin,
        reachable.len(),
        if reachable.len() == 1 { "" } else { "s" }
    );
    if let Some(left) = min_left(outcome, false) {
        let _ = write!(text, "; signatures valid {} or more", format_duration(left));
    }
    if let Some(left) = min_left(outcome, true) {
        let _ = write!(text, " (DNSKEY {})", format_duration(left));
    }
    if let Some(left) = outcome.runway.seconds {
        let _ = write!(text, "; bundle runway {}", format_duration(left));
    }
    text
}

/// Seconds left before the first RRset (the DNSKEY RRset, or the others)
/// of any source loses its signatures.
fn min_left(outcome: &Outcome, dnskey: bool) -> Option<i64> {
    outcome
        .sources
        .iter()
        .filter_map(|s| {
            if dnskey {
                s.dnskey_expiry.as_ref()
            } else {
                s.other_expiry.as_ref()
            }
        })
        .map(|e| e.at - outcome.now)
        .min()
}

/// A performance-data label: quoted, without the characters that end one.
fn label(text: &str) -> String {
    format!("'{}'", text.replace(['\'', '='], "_"))
}

/// Nagios plugin output: `DNSSEC STATUS - summary | perfdata`, then one
/// line per finding, worst first.
pub fn nagios(outcome: &Outcome) -> String {
    let t = &outcome.thresholds;
    let mut perf = Vec::new();
    // Thresholds as ranges "N:": alert when the value falls below N.
    if let Some(left) = min_left(outcome, true) {
        perf.push(format!(
            "dnskey_expiry={left}s;{}:;{}:",
            t.dnskey_warning, t.dnskey_critical
        ));
    }
    if let Some(left) = min_left(outcome, false) {
        perf.push(format!("rrsig_expiry={left}s;{}:;{}:", t.warning, t.critical));
    }
    for source in &outcome.sources {
        if let Some(serial) = source.serial {
            perf.push(format!("{}={serial}", label(&format!("serial {}", source.source))));
        }
    }
    if let Some(left) = outcome.runway.seconds {
        perf.push(format!("bundle_runway={left}s"));
    }
    let mut out = format!("DNSSEC {} - {}", outcome.status.label(), summary(outcome));
    if !perf.is_empty() {
        let _ = write!(out, " | {}", perf.join(" "));
    }
    out.push('\n');
    for f in &outcome.findings {
        let _ = writeln!(out, "[{}] {}: {}", f.status.label(), f.source, f.message);
    }
    out
}

#[derive(Serialize)]
struct Json<'a> {
    code: u8,
    summary: String,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// The outcome as one JSON document: `code` (the exit code) and `summary`
/// beside the outcome's own fields (`status`, `sources`, `findings` …).
pub fn json(outcome: &Outcome) -> String {
    let doc = Json {
        code: outcome.status.exit_code(),
        summary: summary(outcome),
        outcome,
    };
    // Serialising plain data cannot fail; fall back to a minimal document.
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"status\":\"UNKNOWN\",\"code\":3,\"error\":\"{e}\"}}"))
}

/// A label value in the Prometheus text format.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The Prometheus text exposition format, for node_exporter's textfile
/// collector: status, per-source expiry (unix time), serial and
/// reachability, and the bundle runway in days.
pub fn prometheus(outcome: &Outcome) -> String {
    let zone = escape(&outcome.origin);
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, samples: Vec<(String, String)>| {
        if samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{{zone=\"{zone}\"{labels}}} {value}");
        }
    };
    metric(
        "signet_dnssec_status",
        "Outcome of the last signer monitor run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        vec![(String::new(), outcome.status.exit_code().to_string())],
    );
    metric(
        "signet_dnssec_last_run_timestamp_seconds",
        "When signer monitor last ran (its --now), unix time.",
        vec![(String::new(), outcome.now.to_string())],
    );
    let source = |s: &super::SourceResult| format!(",source=\"{}\"", escape(&s.source));
    metric(
        "signet_dnssec_source_up",
        "1 when the source (zone file or server) could be read.",
        outcome
            .sources
            .iter()
            .map(|s| (source(s), u8::from(s.reachable).to_string()))
            .collect(),
    );
    let mut expiry = Vec::new();
    for s in &outcome.sources {
        if let Some(e) = &s.dnskey_expiry {
            expiry.push((format!("{},rrset=\"dnskey\"", source(s)), e.at.to_string()));
        }
        if let Some(e) = &s.other_expiry {
            expiry.push((format!("{},rrset=\"other\"", source(s)), e.at.to_string()));
        }
    }
    metric(
        "signet_dnssec_earliest_expiry_timestamp_seconds",
        "When the first RRset loses its last valid signature, unix time (DNSKEY RRset and the others).",
        expiry,
    );
    metric(
        "signet_dnssec_soa_serial",
        "SOA serial of the zone per source.",
        outcome
            .sources
            .iter()
            .filter_map(|s| s.serial.map(|v| (source(s), v.to_string())))
            .collect(),
    );
    if let Some(seconds) = outcome.runway.seconds {
        metric(
            "signet_dnssec_bundle_runway_days",
            "Days until the last imported key bundle ends (offline-KSK mode).",
            vec![(String::new(), format!("{:.2}", seconds as f64 / 86400.0))],
        );
    }
    out
}

/// The textfile for a run that could not check anything (bad arguments,
/// unreadable configuration): status 3, so that dashboards do not keep
/// showing the last good run.
pub fn prometheus_unknown(zone: &str, now: i64) -> String {
    let zone = escape(zone);
    format!(
        "# HELP signet_dnssec_status Outcome of the last signer monitor run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n\
         # TYPE signet_dnssec_status gauge\n\
         signet_dnssec_status{{zone=\"{zone}\"}} 3\n\
         # HELP signet_dnssec_last_run_timestamp_seconds When signer monitor last ran (its --now), unix time.\n\
         # TYPE signet_dnssec_last_run_timestamp_seconds gauge\n\
         signet_dnssec_last_run_timestamp_seconds{{zone=\"{zone}\"}} {now}\n"
    )
}
