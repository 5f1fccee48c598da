//! `signer import-skr`: check a signed key response and keep its bundles.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use keybundles::bundle::{self, Kind};
use keybundles::time::format_human;

use super::bundles::offline_config;
use crate::bundles::{accept, BundleStore, TrustAnchor, ZskPlan};
use crate::Context;

#[derive(Debug, Args)]
pub struct ImportSkrArgs {
    /// The SKR from the ceremony (or from Knot's `keymgr sign-ksr`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Exit 0 when imported, 1 when the SKR was checked and refused, 2 when
/// it could not be checked.
pub fn run(ctx: &Context, args: &ImportSkrArgs) -> anyhow::Result<ExitCode> {
    let config = offline_config(ctx)?;
    let anchor_path = config.keys.trust_anchor.as_ref().context("keys.trust_anchor")?;
    let anchor = TrustAnchor::load(anchor_path, &config.origin)?;
    let plan = ZskPlan::load(&config.keys.key_dir)?;
    let mut store = BundleStore::load(&config.keys.bundle_dir)?;
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let refused = |e: &dyn std::fmt::Display| {
        eprintln!("signer: SKR refused: {e}");
        Ok(ExitCode::from(1))
    };
    let skr = match bundle::parse(&text, &args.file, Kind::Response) {
        Ok(skr) => skr,
        Err(e) => return refused(&e),
    };
    let request_path = store.request_path(skr.bundles[0].start);
    let request = if request_path.exists() {
        Some(bundle::read(&request_path, Kind::Request)?)
    } else {
        None
    };
    if let Err(e) = accept::check(&config.origin, &anchor, &plan, &store, request.as_ref(), &skr) {
        return refused(&e);
    }
    let merged = store.merged(&skr);
    let replaced = store
        .bundles()
        .iter()
        .filter(|b| b.start >= skr.bundles[0].start)
        .count();
    store.save(merged, &skr, &text, ctx.now)?;
    if !ctx.quiet {
        let first = &store.bundles()[0];
        println!(
            "imported {} bundles from {} ({} to {}){}",
            skr.bundles.len(),
            args.file.display(),
            format_human(skr.bundles[0].start),
            format_human(skr.bundles[skr.bundles.len() - 1].start),
            if replaced > 0 {
                format!(", replacing {replaced} bundles imported before")
            } else {
                String::new()
            }
        );
        println!(
            "bundles now cover {} to {}: the next SKR must be imported before then",
            format_human(first.start),
            format_human(store.last_end().unwrap_or(0))
        );
    }
    Ok(ExitCode::SUCCESS)
}
