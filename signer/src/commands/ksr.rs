//! `signer ksr`: plan ZSKs for a period and write the key signing request.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::Args;
use keybundles::bundle::{self, Kind};
use keybundles::time::{format_compact, format_human, parse_time};

use super::bundles::offline_config;
use crate::bundles::{request, BundleStore, TrustAnchor, ZskPlan};
use crate::output::{write_atomically, FileMode};
use crate::Context;

#[derive(Debug, Args)]
pub struct KsrArgs {
    /// Start of the period. Default: the start of the last imported bundle
    /// (so the new SKR continues the old one), or now when none is imported.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// End of the period, e.g. +90d or 20270301000000.
    #[arg(long, value_name = "TIME")]
    pub to: String,

    /// Where to write the KSR (take it to the ceremony).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(ctx: &Context, args: &KsrArgs) -> anyhow::Result<ExitCode> {
    let config = offline_config(ctx)?;
    let anchor_path = config.keys.trust_anchor.as_ref().context("keys.trust_anchor")?;
    let anchor = TrustAnchor::load(anchor_path, &config.origin)?;
    if !anchor.algorithms().contains(&config.zsk.algorithm) {
        bail!(
            "{}: [zsk] algorithm {} differs from the KSK's ({:?} in {}); both must use one algorithm",
            config.path.display(),
            config.zsk.algorithm,
            anchor.algorithms(),
            anchor_path.display()
        );
    }
    let store = BundleStore::load(&config.keys.bundle_dir)?;
    let from = match &args.from {
        Some(text) => parse_time(text, ctx.now).context("--from")?,
        None => store.bundles().last().map_or(ctx.now, |b| b.start),
    };
    let to = parse_time(&args.to, ctx.now).context("--to")?;
    if to <= from {
        bail!("--to {} is not after --from {}", format_human(to), format_human(from));
    }
    let mut plan = ZskPlan::load(&config.keys.key_dir)?;
    let made = plan.extend(config, from, to, ctx.now)?;
    let mut ksr = request::build(config, &plan, from, to)?;
    ksr.source = args.output.clone();
    ksr.notes.push((
        "request".into(),
        format!("{} {} {}", config.origin, format_compact(from), format_compact(to)),
    ));
    let text = bundle::write(&ksr, &format!("Signet signer {}", env!("CARGO_PKG_VERSION")), ctx.now);
    bundle::parse(&text, &args.output, Kind::Request).context("the KSR does not read back (a bug)")?;

    plan.save()?;
    let kept = store.save_request(from, &text)?;
    write_atomically(&args.output, FileMode::Public, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", args.output.display()))?;

    if !ctx.quiet {
        for stem in &made {
            eprintln!("signer: made ZSK {}", config.keys.key_dir.join(stem).display());
        }
        println!(
            "KSR for {} from {} to {}: {} bundles",
            config.origin,
            format_human(from),
            format_human(to),
            ksr.bundles.len()
        );
        for b in &ksr.bundles {
            let tags: Vec<String> = plan
                .published_at(b.start)
                .iter()
                .map(|z| format!("{}{}", z.tag(), if z.active_at(b.start) { "*" } else { "" }))
                .collect();
            println!("  {}  ZSKs {}", format_human(b.start), tags.join(" "));
        }
        println!("(* = signs from then on)");
        println!("wrote {} (copy kept as {})", args.output.display(), kept.display());
    }
    Ok(ExitCode::SUCCESS)
}
