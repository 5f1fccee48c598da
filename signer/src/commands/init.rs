//! `signer init`: start a zone's signing directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use keybundles::algorithm::Algorithm;
use keybundles::ds::DigestType;

use super::parse_origin;
use crate::cli::InitArgs;
use crate::config::{init_text, Config, InitValues, KeyMode};
use crate::keys;
use crate::output::{write_atomically, FileMode};
use crate::Context;

pub fn run(ctx: &Context, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let origin = parse_origin(&args.origin)?;
    let algorithm = Algorithm::from_number(args.algorithm)
        .with_context(|| format!("algorithm {} is not supported: use 8, 13, 14 or 15", args.algorithm))?;
    let config_path = args.dir.join("signer.toml");
    if config_path.exists() {
        bail!(
            "{} exists already; not overwriting a zone's policy",
            config_path.display()
        );
    }
    for sub in ["keys", "bundles", "state"] {
        std::fs::create_dir_all(args.dir.join(sub))
            .with_context(|| format!("making {}", args.dir.join(sub).display()))?;
    }
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{}", args.dir.display()))?;

    let mode = if args.trust_anchor.is_some() {
        KeyMode::OfflineKsk
    } else {
        KeyMode::Software
    };
    let trust_anchor = match &args.trust_anchor {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            let name = "trust-anchor.txt";
            write_atomically(&dir.join(name), FileMode::Public, |w| w.write_all(text.as_bytes()))?;
            Some(name.to_string())
        }
        None => None,
    };
    let unsigned = args.zone.as_deref().map(|p| relative_to(&dir, p)).transpose()?;
    let publish_to = args.publish_to.as_deref().map(|p| relative_to(&dir, p)).transpose()?;
    let text = init_text(&InitValues {
        origin: &origin,
        mode,
        algorithm: algorithm.number(),
        unsigned: unsigned.as_deref(),
        publish_to: publish_to.as_deref(),
        trust_anchor: trust_anchor.as_deref(),
    });
    // Prove the file we are about to write reads back.
    Config::parse(&text, &config_path).context("the new configuration does not read back (a bug)")?;

    if mode == KeyMode::Software {
        for ksk in [true, false] {
            let key = keys::generate(algorithm, None, ksk).context("making a key")?;
            let stem = keys::write_key_files(&dir.join("keys"), &origin, &key, ctx.now)?;
            let role = if ksk { "KSK" } else { "ZSK" };
            println!("{role} {} (key tag {})", stem.display(), key.dnskey.key_tag());
            if ksk {
                println!(
                    "  give your parent this DS: {origin} IN DS {}",
                    key.dnskey.ds(&origin, DigestType::Sha256)
                );
            }
        }
    }
    write_atomically(&config_path, FileMode::Public, |w| w.write_all(text.as_bytes()))?;
    println!("wrote {}", config_path.display());
    if mode == KeyMode::OfflineKsk {
        println!(
            "offline-KSK mode: plan ZSKs and write a key signing request with `signer --config {} ksr`",
            config_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `path` as it should appear in signer.toml: relative to `dir` when
/// inside it, otherwise absolute.
fn relative_to(dir: &Path, path: &Path) -> anyhow::Result<String> {
    let absolute: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().context("current directory")?.join(path)
    };
    let absolute = absolute.canonicalize().unwrap_or(absolute);
    Ok(absolute
        .strip_prefix(dir)
        .map(Path::to_path_buf)
        .unwrap_or(absolute)
        .display()
        .to_string())
}
