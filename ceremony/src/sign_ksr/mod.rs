//! `ceremony sign-ksr`: check a key signing request the way the root KSK
//! ceremony does, show it to the room, sign its bundles on the token, check
//! every signature in software, and write the signed key response.
//!
//! * [`policy`] — the ceremony's `--policy` file, KSK rollover slots;
//! * [`checks`] — the checks on the KSR before anything is signed;
//! * [`response`] — building, signing and verifying the SKR;
//! * [`table`] — what is shown to the witnesses.

pub mod checks;
pub mod policy;
pub mod response;
pub mod table;

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use keybundles::bundle::{self, Kind};
use keybundles::dnskey::Dnskey;

use crate::commands::{open_token, read_input, refuse_existing, write_new, zone_name, Global};
use crate::confirm::confirm;
use crate::dnskey_from_token;
use crate::token::Role;
use crate::transcript::Event;
use policy::Policy;
use response::Ksk;

#[derive(Debug, Args)]
pub struct SignKsrArgs {
    /// The key signing request (from `signer ksr` or Knot's `keymgr generate-ksr`).
    #[arg(value_name = "KSR")]
    pub ksr: PathBuf,
    /// Label of a KSK on the token; repeat for a rollover (see --policy).
    #[arg(long = "ksk", value_name = "LABEL", required = true)]
    pub ksks: Vec<String>,
    /// The zone; default: the policy's `zone`. One of the two is required.
    #[arg(long)]
    pub zone: Option<String>,
    /// The SKR of the previous ceremony: no replay, and the chain continues.
    #[arg(long, value_name = "FILE")]
    pub previous_skr: Option<PathBuf>,
    /// Signing policy (TOML): approved ZSKs, validity, horizon, KSK rollover slots.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Check as if it were TIME (YYYYMMDDHHMMSS or unix seconds): rehearsals only.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Where to write the signed key response (must not exist).
    #[arg(long, value_name = "SKR")]
    pub output: PathBuf,
}

fn text_of(bytes: Vec<u8>, path: &std::path::Path) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow!("{} is not text", path.display()))
}

pub fn run(g: &Global, ev: &mut Event, a: &SignKsrArgs) -> Result<()> {
    refuse_existing(&a.output)?;
    let system = chrono::Utc::now().timestamp();
    let now = match &a.now {
        Some(t) => keybundles::time::parse_time(t, system).context("--now")?,
        None => system,
    };
    let policy = match &a.policy {
        Some(path) => Policy::parse(&text_of(read_input(ev, path)?, path)?, path)?,
        None => Policy::default(),
    };
    let zone = match (&a.zone, &policy.zone) {
        (Some(z), Some(p)) if zone_name(z)? != zone_name(p)? => {
            bail!("--zone {z} differs from the policy's zone {p}")
        }
        (Some(z), _) | (None, Some(z)) => zone_name(z)?,
        (None, None) => bail!("give --zone, or a --policy file with `zone`"),
    };
    ev.detail("zone", zone.to_string());
    let ksr_bytes = read_input(ev, &a.ksr)?;
    let ksr = bundle::parse(&text_of(ksr_bytes, &a.ksr)?, &a.ksr, Kind::Request)?;
    let previous = match &a.previous_skr {
        Some(path) => Some(bundle::parse(
            &text_of(read_input(ev, path)?, path)?,
            path,
            Kind::Response,
        )?),
        None => None,
    };
    checks::check_ksr(&ksr, &zone, &policy, previous.as_ref(), now)?;
    let slots = (1..=ksr.bundles.len())
        .map(|n| policy.slot_for(n, &a.ksks))
        .collect::<Result<Vec<_>>>()?;
    let windows = checks::windows(&ksr, &policy);
    ev.detail("ksr_sha256", ksr.sha256_hex());
    ev.detail("bundles", ksr.bundles.len());

    let token = open_token(g, ev, Role::User)?;
    let mut loaded = Vec::new();
    for label in &a.ksks {
        ev.key(label);
        let key = dnskey_from_token::load(&token, label)?;
        if !key.dnskey.is_sep() {
            bail!("key \"{label}\" is not a KSK (flags {})", key.dnskey.flags);
        }
        crate::sign::signing_mechanism(&token, key.algorithm)?;
        loaded.push(key);
    }
    let ksks: Vec<Ksk> = a
        .ksks
        .iter()
        .zip(&loaded)
        .map(|(label, key)| Ksk { label, key })
        .collect();
    if let Some(prev) = &previous {
        let keys: Vec<Dnskey> = ksks.iter().map(Ksk::dnskey).collect();
        checks::check_previous_signed(prev, &keys)
            .context("the previous SKR's last bundle is not signed by these KSKs")?;
    }
    let planned = response::plan(&ksr, &zone, &ksks, &slots, &policy, &windows)?;

    print!("{}", table::show(&ksr, &zone, &ksks, &planned));
    confirm(
        &format!(
            "sign the {} bundles of this KSR for {zone} with KSK(s) {} on token \"{}\" (serial {})",
            ksr.bundles.len(),
            ksks.iter()
                .map(|k| format!("\"{}\" ({})", k.label, k.key.dnskey.key_tag()))
                .collect::<Vec<_>>()
                .join(", "),
            token.label,
            token.serial
        ),
        g.yes,
    )?;
    let bundles = response::sign_all(&token, &zone, &ksks, planned)?;
    let skr = response::file(bundles, &ksr, &zone, &a.output);
    response::verify_response(&skr, &ksks, &policy).context("the SKR does not verify (nothing was written)")?;
    let text = bundle::write(&skr, &format!("Signet ceremony {}", env!("CARGO_PKG_VERSION")), now);
    bundle::parse(&text, &a.output, Kind::Response)
        .context("the SKR does not read back (a bug; nothing was written)")?;
    write_new(ev, &a.output, text.as_bytes())?;
    let skr_hash = crate::hex::sha256(text.as_bytes());
    ev.detail("skr_sha256", crate::hex::lower(&skr_hash));
    ev.detail(
        "ksk_tags",
        ksks.iter().map(|k| k.key.dnskey.key_tag()).collect::<Vec<_>>(),
    );
    ev.detail(
        "period",
        format!(
            "{} to {}",
            keybundles::time::format_compact(ksr.bundles[0].start),
            keybundles::time::format_compact(ksr.bundles[ksr.bundles.len() - 1].start)
        ),
    );
    println!(
        "wrote {} ({} bundles, every signature verified); its SHA-256:\n  {}",
        a.output.display(),
        skr.bundles.len(),
        crate::pgpwords::show(&skr_hash)
    );
    Ok(())
}
