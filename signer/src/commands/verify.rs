//! `signer verify SIGNEDFILE --origin ORIGIN [--at TIME] [--min-remaining DURATION] [--key PATH…]`
//!
//! Exit status: 0 when the zone verifies, 1 when it has problems (the first
//! ones are printed as `owner type key-tag reason`, then a count), 2 when it
//! could not be checked (unreadable file, bad arguments: an error is
//! returned and `main` prints it).

use std::process::ExitCode;

use anyhow::Context as _;
use keybundles::time::{format_duration, format_human, parse_duration, parse_time};

use super::parse_origin;
use crate::cli::VerifyArgs;
use crate::verify::{verify_file, Denial, Options, Report};
use crate::Context;

/// Failures printed before the count.
const SHOWN: usize = 20;

pub fn run(ctx: &Context, args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let origin = parse_origin(&args.origin)?;
    let at = match &args.at {
        Some(text) => parse_time(text, ctx.now).context("--at")?,
        None => ctx.now,
    };
    let min_remaining = match &args.min_remaining {
        Some(text) => Some(parse_duration(text).context("--min-remaining")?),
        None => None,
    };
    let held_keys = super::load_keys(&args.keys)?;
    let step = crate::progress::Steps::one(format!("verifying {}", args.signedfile.display()), ctx.quiet);
    let (report, warnings) = verify_file(
        &args.signedfile,
        &origin,
        &Options { at, min_remaining },
        &crate::keys::keyed_verifiers(&held_keys),
    )?;
    drop(step);
    for warning in warnings {
        ctx.warn(warning);
    }
    if report.is_ok() {
        if !ctx.quiet {
            print_summary(&report);
        }
        return Ok(ExitCode::SUCCESS);
    }
    print_failures(&report);
    Ok(ExitCode::from(1))
}

/// The first problems, one per line as `owner type key-tag reason`, then
/// their count (on stdout: they are the command's answer).
pub fn print_failures(report: &Report) {
    for failure in report.failures.iter().take(SHOWN) {
        println!("{failure}");
    }
    let count = report.failures.len();
    if count > SHOWN {
        println!("... and {} more", count - SHOWN);
    }
    println!(
        "{}: {count} problem{} found ({} of {} signatures valid at {})",
        report.origin,
        if count == 1 { "" } else { "s" },
        report.stats.valid_signatures,
        report.stats.signatures,
        format_human(report.options.at),
    );
}

fn print_summary(report: &Report) {
    let keys: Vec<String> = report
        .keys
        .iter()
        .map(|k| format!("{}/{}{}", k.key_tag, k.algorithm, if k.is_sep() { " SEP" } else { "" }))
        .collect();
    let denial = match &report.denial {
        Denial::Nsec => "NSEC".to_string(),
        Denial::Nsec3 { params, opt_out } => format!(
            "NSEC3 (iterations {}, salt {}{})",
            params.iterations,
            if params.salt.is_empty() {
                "-".to_string()
            } else {
                data_encoding::HEXLOWER.encode(&params.salt)
            },
            if *opt_out { ", opt-out" } else { "" }
        ),
        Denial::None | Denial::Both => "none".to_string(),
    };
    println!(
        "{}: OK: {} signatures on {} RRsets valid at {}; keys {}; {}",
        report.origin,
        report.stats.signatures,
        report.stats.rrsets,
        format_human(report.options.at),
        keys.join(", "),
        denial,
    );
    if let Some(e) = &report.earliest_expiration {
        println!(
            "earliest expiration: {} ({} {} {}, {} after the time checked)",
            format_human(e.expiration),
            e.owner,
            e.rtype,
            e.key_tag,
            format_duration(e.expiration - report.options.at),
        );
    }
}
