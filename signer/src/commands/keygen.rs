//! `signer keygen`: make a key pair in BIND key-file format.

use std::process::ExitCode;

use anyhow::{anyhow, Context as _};
use keybundles::algorithm::Algorithm;
use keybundles::ds::DigestType;

use super::parse_origin;
use crate::cli::KeygenArgs;
use crate::keys;
use crate::Context;

pub fn run(ctx: &Context, args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let origin = parse_origin(&args.origin)?;
    let algorithm = Algorithm::from_number(args.algorithm).ok_or_else(|| {
        anyhow!(
            "algorithm {} is not supported: use 8 (RSASHA256), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384) or 15 (ED25519)",
            args.algorithm
        )
    })?;
    let key = keys::generate(algorithm, args.bits, args.ksk).context("making the key")?;
    let stem = keys::write_key_files(&args.dir, &origin, &key, ctx.now)
        .with_context(|| format!("writing the key files into {}", args.dir.display()))?;
    println!("{}", stem.display());
    println!("{origin} IN DNSKEY {}", key.dnskey);
    println!(
        "; key tag {}, algorithm {algorithm}, flags {}",
        key.dnskey.key_tag(),
        key.dnskey.flags
    );
    if args.ksk {
        println!("{origin} IN DS {}", key.dnskey.ds(&origin, DigestType::Sha256));
    }
    Ok(ExitCode::SUCCESS)
}
