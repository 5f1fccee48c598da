//! ZSK planning: ZSKs are made ahead of time, each with a schedule
//! (RFC 6781 §4.1.1.1, pre-publish rollover):
//!
//! ```text
//!   publish ── activate ───────── retire ───────────────── remove
//!   (in the DNSKEY set)  (signs)   (stops signing)          (leaves the set)
//! ```
//!
//! A successor is published `dnskey_ttl + publish_safety` before it
//! takes over, so every cache knows it before its first signature; the
//! old key stays published until the last signature it made has expired
//! (`signatures.validity`) plus `retire_safety`.
//!
//! Key files (BIND format) live in the config's `key_dir`; the schedule in
//! `key_dir/zsk-plan.toml`, which `signer ksr` extends as needed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use keybundles::algorithm::Algorithm;
use keybundles::dnskey::Dnskey;
use keybundles::time::{format_compact, format_human, parse_time};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::keys;
use crate::output::{write_atomically, FileMode};

/// The plan's file name inside `key_dir`.
pub const PLAN_FILE: &str = "zsk-plan.toml";

/// One planned ZSK as stored (times as YYYYMMDDHHMMSS, UTC).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredZsk {
    key: String,
    tag: u16,
    publish: String,
    activate: String,
    retire: String,
    remove: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredPlan {
    #[serde(default)]
    zsk: Vec<StoredZsk>,
}

/// One planned ZSK.
#[derive(Debug, Clone)]
pub struct PlannedZsk {
    /// Key-file stem inside `key_dir`, e.g. `Kexample.+013+12345`.
    pub key: String,
    pub dnskey: Dnskey,
    pub publish: i64,
    pub activate: i64,
    pub retire: i64,
    pub remove: i64,
}

impl PlannedZsk {
    pub fn tag(&self) -> u16 {
        self.dnskey.key_tag()
    }

    /// In the DNSKEY RRset at `t`.
    pub fn published_at(&self, t: i64) -> bool {
        self.publish <= t && t < self.remove
    }

    /// Signs at `t`.
    pub fn active_at(&self, t: i64) -> bool {
        self.activate <= t && t < self.retire
    }
}

/// The ZSK schedule of a zone.
#[derive(Debug, Clone)]
pub struct ZskPlan {
    pub key_dir: PathBuf,
    pub zsks: Vec<PlannedZsk>,
}

impl ZskPlan {
    /// Reads `key_dir/zsk-plan.toml` (an empty plan if it does not exist)
    /// and each planned key's public key file.
    pub fn load(key_dir: &Path) -> anyhow::Result<ZskPlan> {
        let path = key_dir.join(PLAN_FILE);
        let stored: StoredPlan = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("{}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StoredPlan::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let mut zsks = Vec::new();
        for z in stored.zsk {
            let time = |field: &str, text: &str| {
                parse_time(text, 0).with_context(|| format!("{}: key {}: {field}", path.display(), z.key))
            };
            let key_path = key_dir.join(format!("{}.key", z.key));
            let text =
                std::fs::read_to_string(&key_path).with_context(|| format!("{}: key {}", path.display(), z.key))?;
            let (_, dnskey) = keys::parse_public_file(&text, &key_path)?;
            if dnskey.key_tag() != z.tag {
                bail!(
                    "{}: key {} has tag {}, the plan says {}",
                    path.display(),
                    z.key,
                    dnskey.key_tag(),
                    z.tag
                );
            }
            zsks.push(PlannedZsk {
                publish: time("publish", &z.publish)?,
                activate: time("activate", &z.activate)?,
                retire: time("retire", &z.retire)?,
                remove: time("remove", &z.remove)?,
                key: z.key,
                dnskey,
            });
        }
        Ok(ZskPlan {
            key_dir: key_dir.to_path_buf(),
            zsks,
        })
    }

    /// Writes the plan back (atomically).
    pub fn save(&self) -> anyhow::Result<()> {
        let stored = StoredPlan {
            zsk: self
                .zsks
                .iter()
                .map(|z| StoredZsk {
                    key: z.key.clone(),
                    tag: z.tag(),
                    publish: format_compact(z.publish),
                    activate: format_compact(z.activate),
                    retire: format_compact(z.retire),
                    remove: format_compact(z.remove),
                })
                .collect(),
        };
        let text = format!(
            "# ZSK plan, kept by `signer ksr` (times UTC, YYYYMMDDHHMMSS).\n\
             # publish: enters the DNSKEY RRset; activate: signs; retire: stops\n\
             # signing; remove: leaves the DNSKEY RRset. Do not edit keys that\n\
             # are already in a KSR.\n\n{}",
            toml::to_string(&stored).context("writing the ZSK plan")?
        );
        let path = self.key_dir.join(PLAN_FILE);
        write_atomically(&path, FileMode::Public, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))
    }

    /// The ZSKs in the DNSKEY RRset at `t`.
    pub fn published_at(&self, t: i64) -> Vec<&PlannedZsk> {
        self.zsks.iter().filter(|z| z.published_at(t)).collect()
    }

    /// The ZSKs that sign at `t`.
    pub fn active_at(&self, t: i64) -> Vec<&PlannedZsk> {
        self.zsks.iter().filter(|z| z.active_at(t)).collect()
    }

    /// Every instant in `(from, to)` at which the DNSKEY RRset or the
    /// signing key changes.
    pub fn events_between(&self, from: i64, to: i64) -> Vec<i64> {
        let mut events: Vec<i64> = self
            .zsks
            .iter()
            .flat_map(|z| [z.publish, z.activate, z.retire, z.remove])
            .filter(|&t| from < t && t < to)
            .collect();
        events.sort_unstable();
        events.dedup();
        events
    }

    /// Makes and schedules ZSKs so that one signs at every instant of
    /// `[from, to]` and every successor published before `to` exists.
    /// Returns the new keys' stems. Key files are written at once; the
    /// plan file by [`ZskPlan::save`].
    pub fn extend(&mut self, config: &Config, from: i64, to: i64, now: i64) -> anyhow::Result<Vec<String>> {
        let zsk = &config.zsk;
        let algorithm = Algorithm::from_number(zsk.algorithm).with_context(|| {
            format!(
                "{}: [zsk] algorithm {} is not supported",
                config.path.display(),
                zsk.algorithm
            )
        })?;
        if zsk.lifetime <= 0 || zsk.bundle_interval <= 0 {
            bail!(
                "{}: [zsk] lifetime and bundle_interval must be positive",
                config.path.display()
            );
        }
        let lead = i64::from(zsk.dnskey_ttl) + zsk.publish_safety;
        let linger = config.signatures.validity + zsk.retire_safety;
        if lead >= zsk.lifetime {
            bail!(
                "{}: [zsk] lifetime must be longer than dnskey_ttl + publish_safety",
                config.path.display()
            );
        }
        if let Some(first) = self.zsks.first() {
            if from < first.activate {
                bail!(
                    "--from {} is before the first planned ZSK signs ({}); plan from then on",
                    format_human(from),
                    format_human(first.activate)
                );
            }
        }
        let mut made = Vec::new();
        loop {
            let (publish, activate) = match self.zsks.last() {
                None => (from, from),
                Some(last) if last.retire > to + lead => break,
                Some(last) => (last.retire - lead, last.retire),
            };
            let bits = (algorithm == Algorithm::RsaSha256).then_some(zsk.bits);
            let key = keys::generate(algorithm, bits, false).context("making a ZSK")?;
            let stem = keys::write_key_files(&config.keys.key_dir, &config.origin, &key, now)
                .with_context(|| format!("writing a ZSK into {}", config.keys.key_dir.display()))?;
            let name = stem
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let retire = activate + zsk.lifetime;
            self.zsks.push(PlannedZsk {
                key: name.clone(),
                dnskey: key.dnskey.clone(),
                publish,
                activate,
                retire,
                remove: retire + linger,
            });
            made.push(name);
        }
        Ok(made)
    }
}
