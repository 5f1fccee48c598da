//! `signer bundles status`: the imported key bundles, which one is live,
//! and when the last one ends (the date the next ceremony must beat).

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use keybundles::dnskey::Dnskey;
use keybundles::time::{format_duration, format_human};

use crate::bundles::signing::unverified_bundles;
use crate::bundles::{BundleStore, ZskPlan};
use crate::config::{Config, KeyMode};
use crate::Context;

#[derive(Debug, Args)]
pub struct BundlesArgs {
    #[command(subcommand)]
    pub command: BundlesCommand,
}

#[derive(Debug, Subcommand)]
pub enum BundlesCommand {
    /// List the imported bundles, mark the live one, and say when the last
    /// ends. The signatures of every bundle not yet over are checked against
    /// the trust anchor, as signing checks the live one. Exit 1 when no
    /// bundle covers now or one does not verify (signing would be refused,
    /// now or when it is due).
    Status,
}

/// The configuration, which must be in offline-KSK mode.
pub fn offline_config(ctx: &Context) -> anyhow::Result<&Config> {
    let Some(config) = ctx.config.as_ref() else {
        bail!("give --config with the zone's signer.toml");
    };
    if config.keys.mode != KeyMode::OfflineKsk {
        bail!(
            "{}: keys.mode is not \"offline-ksk\": key bundles are for zones whose KSK is offline",
            config.path.display()
        );
    }
    Ok(config)
}

pub fn run(ctx: &Context, args: &BundlesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        BundlesCommand::Status => status(ctx),
    }
}

fn status(ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = offline_config(ctx)?;
    let store = BundleStore::load(&config.keys.bundle_dir)?;
    let plan = ZskPlan::load(&config.keys.key_dir)?;
    let Some(file) = &store.file else {
        println!(
            "no key bundles imported for {} in {}",
            config.origin,
            config.keys.bundle_dir.display()
        );
        return Ok(ExitCode::from(1));
    };
    let live = store.at(ctx.now);
    let broken = unverified_bundles(config, &store, ctx.now)?;
    println!(
        "key bundles for {} ({}), now {}:",
        config.origin,
        store.path().display(),
        format_human(ctx.now)
    );
    println!(
        "     #  from                     until                    ZSKs (* signs)      KSKs          signatures expire"
    );
    for (i, b) in file.bundles.iter().enumerate() {
        let zsks: Vec<String> = b
            .zsks()
            .iter()
            .map(|k| {
                let signs = plan.zsks.iter().any(|z| z.dnskey == *k && z.active_at(b.start));
                format!("{}{}", k.key_tag(), if signs { "*" } else { "" })
            })
            .collect();
        let ksks: Vec<String> = b
            .ksks()
            .iter()
            .map(|k: &Dnskey| format!("{}{}", k.key_tag(), if k.is_revoked() { "(R)" } else { "" }))
            .collect();
        let expires = b.signature_window().map_or("-".to_string(), |(_, e)| format_human(e));
        println!(
            "{} {:>3}  {}  {}  {:<18}  {:<12}  {}{}",
            if live == Some(i) { "live" } else { "    " },
            i + 1,
            format_human(b.start),
            format_human(store.end_of(i)),
            zsks.join(" "),
            ksks.join(" "),
            expires,
            if broken.iter().any(|(j, _)| *j == i) {
                "  DOES NOT VERIFY"
            } else {
                ""
            }
        );
    }
    let end = store.last_end().unwrap_or(ctx.now);
    let left = end - ctx.now;
    println!(
        "the last bundle ends {} ({}): the next ceremony must sign a KSR, and its SKR be imported, before then",
        format_human(end),
        if left > 0 {
            format!("in {}", format_duration(left))
        } else {
            format!("{} ago", format_duration(-left))
        }
    );
    for (i, error) in &broken {
        eprintln!(
            "signer: {error}; signing is refused while it is in force, {} to {}. The store was changed since \
             it was imported: import the SKR again (signer import-skr; {} keeps every SKR accepted)",
            format_human(file.bundles[*i].start),
            format_human(store.end_of(*i)),
            config.keys.bundle_dir.join("imported").display()
        );
    }
    if live.is_none() {
        eprintln!(
            "signer: no bundle covers {}: signing is refused until one does",
            format_human(ctx.now)
        );
        return Ok(ExitCode::from(1));
    }
    if !broken.is_empty() {
        return Ok(ExitCode::from(1));
    }
    if left < config.guardrails.bundle_runway_warning {
        ctx.warn(format!(
            "less than {} of bundles left (guardrails.bundle_runway_warning)",
            format_duration(config.guardrails.bundle_runway_warning)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
