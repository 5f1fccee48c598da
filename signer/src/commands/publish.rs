//! `signer publish`: sign, check every guardrail, publish atomically to the
//! hidden primary, tell the server, record the publication.
//!
//! Exit status: 0 the new zone is live (or, with --dry-run, would be
//! published); 1 a guardrail refused it and nothing was written; 2 it could
//! not be done (bad input or configuration, lock busy, I/O); 3 the zone
//! file was replaced but the reload command or a NOTIFY failed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;

use crate::guardrails::Status;
use crate::publish::{self, Report, Request, Verdict};
use crate::Context;

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The unsigned zone file. Default: the config's zone.unsigned.
    #[arg(long, value_name = "FILE")]
    pub zone: Option<PathBuf>,

    /// The hidden primary's zone file to replace. Default: the config's
    /// zone.publish_to.
    #[arg(long, value_name = "FILE")]
    pub publish_to: Option<PathBuf>,

    /// Run everything but the write, reload, NOTIFY and state update, and
    /// print the same report. Exit 0 if it would publish, 1 if not.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the report as one JSON object on stdout (for machines).
    #[arg(long)]
    pub json: bool,

    /// Pass this failed guardrail for this run only (repeat for several).
    /// Recorded with --reason and the operator in the state file and log.
    /// `valid` cannot be overridden.
    #[arg(long = "override", value_name = "NAME", requires = "reason")]
    pub overrides: Vec<String>,

    /// Why the override is safe, in words for the next engineer.
    #[arg(long, value_name = "TEXT", requires = "overrides")]
    pub reason: Option<String>,

    /// Who is overriding. Default: $SUDO_USER, else $USER.
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,

    /// How long to wait for another publisher of the zone to finish.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub lock_timeout: String,
}

pub fn run(ctx: &Context, args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = ctx.config.as_ref() else {
        bail!("signer publish needs --config with the zone's signer.toml (written by `signer init`)");
    };
    let zone = match (&args.zone, &config.zone.unsigned) {
        (Some(p), _) | (None, Some(p)) => p.clone(),
        (None, None) => bail!("give --zone, or set zone.unsigned in {}", config.path.display()),
    };
    let publish_to = match (&args.publish_to, &config.zone.publish_to) {
        (Some(p), _) | (None, Some(p)) => p.clone(),
        (None, None) => bail!("give --publish-to, or set zone.publish_to in {}", config.path.display()),
    };
    let lock_timeout = keybundles::time::parse_duration(&args.lock_timeout).context("--lock-timeout")?;
    let operator = args
        .operator
        .clone()
        .or_else(|| std::env::var("SUDO_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }));
    let request = Request {
        zone,
        publish_to,
        dry_run: args.dry_run,
        overrides: args.overrides.clone(),
        reason: args.reason.clone(),
        operator,
        lock_timeout: Duration::from_secs(lock_timeout.max(0) as u64),
    };
    let report = publish::publish(ctx, config, &request, &mut |m| ctx.warn(m))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).context("writing JSON")?);
    } else {
        print!("{}", render(&report));
    }
    Ok(match report.verdict {
        Verdict::Published | Verdict::WouldPublish => ExitCode::SUCCESS,
        Verdict::Refused | Verdict::WouldRefuse => ExitCode::from(1),
        Verdict::PublishedNotLive => ExitCode::from(3),
    })
}

/// The report for people: one line per guardrail, findings indented, then
/// the verdict and what to do.
pub fn render(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "signer publish {}{}: input {} (serial {}) -> {} (serial {}{})",
        r.origin,
        if r.dry_run { " (dry run)" } else { "" },
        r.zone,
        r.input_serial,
        r.publish_to,
        r.serial,
        r.live_serial.map(|l| format!(", live {l}")).unwrap_or_default()
    );
    for o in &r.guardrails {
        let _ = writeln!(s, "  {:<10} {:<18} {}", o.status.label(), o.name, o.summary);
        for f in &o.findings {
            let _ = writeln!(s, "  {:<10} {:<18}   - {f}", "", "");
        }
    }
    for o in &r.overrides {
        let _ = writeln!(s, "  override   {:<18} by {}: {}", o.guardrail, o.operator, o.reason);
    }
    for line in &r.server {
        let _ = writeln!(s, "  server     {line}");
    }
    let failed: Vec<&str> = r
        .guardrails
        .iter()
        .filter(|o| o.status == Status::Fail)
        .map(|o| o.name)
        .collect();
    let earliest = r
        .earliest_expiration
        .as_ref()
        .map(|e| format!("; earliest expiry {} ({} {})", e.expiration_text, e.owner, e.rtype))
        .unwrap_or_default();
    let _ = match r.verdict {
        Verdict::Published => writeln!(
            s,
            "PUBLISHED serial {} ({} records, {} signatures of which {} kept{earliest}) in {:.1} s",
            r.serial, r.records, r.signatures, r.reused_signatures, r.elapsed_seconds
        ),
        Verdict::PublishedNotLive => writeln!(
            s,
            "WRITTEN BUT NOT LIVE: {} holds serial {}, but the server was not told (see above); it may still serve the old zone",
            r.publish_to, r.serial
        ),
        Verdict::WouldPublish => writeln!(s, "DRY RUN: would publish serial {}{earliest}", r.serial),
        Verdict::Refused | Verdict::WouldRefuse => writeln!(
            s,
            "{}: {} failed; {} left unchanged{}.\n  After checking the findings, to publish anyway once: \
             signer publish --override {} --reason \"why this is safe\"",
            if r.dry_run { "DRY RUN: would REFUSE" } else { "REFUSED" },
            failed.join(", "),
            r.publish_to,
            r.live_serial.map(|l| format!(" (live serial {l})")).unwrap_or_default(),
            failed.iter().find(|n| **n != "valid").copied().unwrap_or("NAME")
        ),
    };
    s
}
