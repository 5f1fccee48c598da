//! `signer sign`: sign a zone file with key files.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use data_encoding::HEXLOWER_PERMISSIVE;
use keybundles::nsec3::Nsec3Params;
use keybundles::time::{format_human, parse_time};

use super::keygen::parse_origin;
use crate::cli::SignArgs;
use crate::output::{write_atomically, FileMode};
use crate::signing::{sign_zone, Denial, SigningPolicy};
use crate::zone::LoadOptions;
use crate::{keys, progress, zone, Context};

/// Default signature validity: 14 days from now.
const DEFAULT_VALIDITY: i64 = 14 * 86400;
/// Default inception backdating: one hour, for clocks a little behind.
const DEFAULT_BACKDATE: i64 = 3600;

pub fn run(ctx: &Context, args: &SignArgs) -> anyhow::Result<ExitCode> {
    let origin = parse_origin(&args.origin)?;
    let policy = policy_from_args(ctx, args)?;
    let keys = args
        .keys
        .iter()
        .map(|path| keys::load(path).with_context(|| format!("loading key {}", path.display())))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let mut warn = |message: String| ctx.warn(message);
    let zone = zone::load(&args.zonefile, &origin, &LoadOptions::default(), &mut warn)?;
    let started = std::time::Instant::now();
    let bar = progress::bar(0, "signing", ctx.quiet);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("starting the signing threads")?;
    let signed = pool.install(|| sign_zone(zone, &keys, &policy, &bar, &mut warn))?;

    write_atomically(&args.output, FileMode::Public, |w| write_zone(w, &signed.records))
        .with_context(|| format!("writing {}", args.output.display()))?;
    if !ctx.quiet {
        eprintln!(
            "signer: signed {} with {} signatures in {:.1} s ({} threads); signatures valid {} to {}; wrote {}",
            origin,
            signed.signatures,
            started.elapsed().as_secs_f64(),
            pool.current_num_threads(),
            format_human(policy.inception),
            format_human(policy.expiration),
            args.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn policy_from_args(ctx: &Context, args: &SignArgs) -> anyhow::Result<SigningPolicy> {
    let inception = match &args.inception {
        Some(text) => parse_time(text, ctx.now).context("--inception")?,
        None => ctx.now - DEFAULT_BACKDATE,
    };
    let expiration = match &args.expiration {
        Some(text) => parse_time(text, ctx.now).context("--expiration")?,
        None => ctx.now + DEFAULT_VALIDITY,
    };
    if expiration <= ctx.now {
        bail!(
            "--expiration {} is not in the future (now is {})",
            format_human(expiration),
            format_human(ctx.now)
        );
    }
    let denial = if args.nsec3 {
        let salt = if args.salt == "-" {
            Vec::new()
        } else {
            HEXLOWER_PERMISSIVE
                .decode(args.salt.as_bytes())
                .with_context(|| format!("--salt '{}' is not hex", args.salt))?
        };
        if salt.len() > 255 {
            bail!("--salt is {} octets; at most 255 fit", salt.len());
        }
        if args.iterations > 0 || !salt.is_empty() {
            ctx.warn("RFC 9276 recommends 0 extra NSEC3 iterations and no salt; many resolvers treat high iteration counts as insecure");
        }
        Denial::Nsec3 {
            params: Nsec3Params {
                algorithm: keybundles::nsec3::HASH_SHA1,
                iterations: args.iterations,
                salt,
            },
            opt_out: args.opt_out,
        }
    } else {
        Denial::Nsec
    };
    Ok(SigningPolicy {
        inception,
        expiration,
        denial,
    })
}

/// Writes records in presentation form, one per line.
pub fn write_zone(w: &mut dyn Write, records: &[keybundles::Record]) -> std::io::Result<()> {
    let mut line = String::with_capacity(512);
    for record in records {
        line.clear();
        use std::fmt::Write as _;
        let _ = writeln!(line, "{record}");
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}
