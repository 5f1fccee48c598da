//! `signer.toml`: one zone's signing policy, written by `signer init` and
//! read by every later command (`--config`).
//!
//! Every value has a default here, and `signer init` writes them all out
//! with comments, so an operator sees the whole policy in one file.
//! Relative paths are relative to the directory holding the file.

use std::path::{Path, PathBuf};

use keybundles::time::parse_duration;
use keybundles::Name;
use serde::Deserialize;

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {key} = '{value}': {message}")]
    Value {
        path: PathBuf,
        key: &'static str,
        value: String,
        message: String,
    },
}

/// The whole configuration, paths resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from.
    pub path: PathBuf,
    pub origin: Name,
    pub zone: ZoneSection,
    pub keys: KeysSection,
    pub signatures: SignatureSection,
    pub denial: DenialSection,
    pub zsk: ZskSection,
    pub guardrails: GuardrailSection,
    pub publish: PublishSection,
    pub monitor: MonitorSection,
}

/// `[zone]`: where the zone comes from and goes to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSection {
    pub origin: String,
    /// The unsigned zone file (input).
    #[serde(default)]
    pub unsigned: Option<PathBuf>,
    /// The hidden primary's zone file (output of `signer publish`).
    #[serde(default)]
    pub publish_to: Option<PathBuf>,
}

/// How the zone's keys are held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyMode {
    /// KSK and ZSK are key files in `key_dir` (made by `signer init`).
    Software,
    /// The KSK stays on an offline token; the DNSKEY RRset and its
    /// signatures come from imported key bundles (SKRs).
    OfflineKsk,
}

/// `[keys]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    pub mode: KeyMode,
    /// Where key files live (software keys, pre-generated ZSKs).
    #[serde(default = "default_key_dir")]
    pub key_dir: PathBuf,
    /// Offline-KSK mode: a file of the KSK's DNSKEY or DS records.
    #[serde(default)]
    pub trust_anchor: Option<PathBuf>,
    /// Where imported key bundles are kept.
    #[serde(default = "default_bundle_dir")]
    pub bundle_dir: PathBuf,
}

/// `[signatures]`: validity of the RRSIGs the signer makes itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSection {
    /// Nominal validity, from signing time to expiration.
    #[serde(default = "default_validity", deserialize_with = "duration")]
    pub validity: i64,
    /// Inception is this far in the past, for validators with slow clocks.
    #[serde(default = "default_inception_offset", deserialize_with = "duration")]
    pub inception_offset: i64,
    /// Expirations are spread over [validity - jitter, validity] so a
    /// whole zone never expires (or comes due) in the same second.
    #[serde(default = "default_jitter", deserialize_with = "duration")]
    pub jitter: i64,
    /// With a previous signed zone, signatures with less than this left
    /// are made again; others are kept.
    #[serde(default = "default_refresh", deserialize_with = "duration")]
    pub refresh: i64,
}

/// How non-existence is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DenialMode {
    Nsec,
    Nsec3,
}

/// `[denial]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenialSection {
    #[serde(default = "default_denial")]
    pub mode: DenialMode,
    #[serde(default)]
    pub nsec3_iterations: u16,
    /// Hex, or "-" for none (RFC 9276).
    #[serde(default = "default_salt")]
    pub nsec3_salt: String,
    #[serde(default)]
    pub nsec3_opt_out: bool,
}

/// `[zsk]`: ZSK planning and the key bundles asked of the ceremony.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZskSection {
    #[serde(default = "default_algorithm")]
    pub algorithm: u8,
    /// RSA modulus size, for algorithm 8.
    #[serde(default = "default_bits")]
    pub bits: usize,
    /// How long one ZSK signs before the next takes over.
    #[serde(default = "default_zsk_lifetime", deserialize_with = "duration")]
    pub lifetime: i64,
    /// Length of one key bundle (one DNSKEY RRset signature period).
    #[serde(default = "default_bundle_interval", deserialize_with = "duration")]
    pub bundle_interval: i64,
    /// Validity of the KSK's signatures over each bundle's DNSKEY RRset.
    #[serde(default = "default_dnskey_validity", deserialize_with = "duration")]
    pub dnskey_signature_validity: i64,
    #[serde(default = "default_dnskey_ttl")]
    pub dnskey_ttl: u32,
    /// A new ZSK is published this long before it signs.
    #[serde(default = "default_safety", deserialize_with = "duration")]
    pub publish_safety: i64,
    /// An old ZSK stays published this long after it stopped signing.
    #[serde(default = "default_safety", deserialize_with = "duration")]
    pub retire_safety: i64,
}

/// Whether a guardrail only warns or stops publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Warn,
    Fatal,
}

/// `[guardrails]`: thresholds of the checks between signing and publishing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardrailSection {
    /// expiry-floor: no signature may expire sooner than this from now.
    #[serde(default = "default_min_remaining", deserialize_with = "duration")]
    pub min_remaining: i64,
    /// plausible: largest allowed drop in records or delegations (0.10 = 10%).
    #[serde(default = "default_max_shrink")]
    pub max_shrink: f64,
    /// bundle-runway: warn when the last bundle ends sooner than this.
    #[serde(default = "default_runway", deserialize_with = "duration")]
    pub bundle_runway_warning: i64,
    /// delegations: missing glue, lame or cyclic name servers.
    #[serde(default = "default_delegation_severity")]
    pub delegations: Severity,
    /// trust-chain: the parent's DS records, if known (a file).
    #[serde(default)]
    pub parent_ds: Option<PathBuf>,
}

/// `[publish]`: how the hidden primary is fed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishSection {
    /// Run after the zone file is replaced, e.g. "knotc zone-reload example.".
    #[serde(default)]
    pub reload_command: Option<String>,
    /// Addresses (ADDR or ADDR:PORT) sent a DNS NOTIFY after publication.
    #[serde(default)]
    pub notify: Vec<String>,
    #[serde(default = "default_state_file")]
    pub state_file: PathBuf,
    #[serde(default = "default_lock_file")]
    pub lock_file: PathBuf,
}

/// `[monitor]`: thresholds for `signer monitor`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSection {
    #[serde(default = "default_dnskey_warning", deserialize_with = "duration")]
    pub dnskey_warning: i64,
    #[serde(default = "default_dnskey_critical", deserialize_with = "duration")]
    pub dnskey_critical: i64,
    #[serde(default = "default_other_warning", deserialize_with = "duration")]
    pub warning: i64,
    #[serde(default = "default_other_critical", deserialize_with = "duration")]
    pub critical: i64,
}

fn default_key_dir() -> PathBuf {
    "keys".into()
}
fn default_bundle_dir() -> PathBuf {
    "bundles".into()
}
fn default_validity() -> i64 {
    14 * 86400
}
fn default_inception_offset() -> i64 {
    3600
}
fn default_jitter() -> i64 {
    12 * 3600
}
fn default_refresh() -> i64 {
    5 * 86400
}
fn default_denial() -> DenialMode {
    DenialMode::Nsec
}
fn default_salt() -> String {
    "-".into()
}
fn default_algorithm() -> u8 {
    13
}
fn default_bits() -> usize {
    2048
}
fn default_zsk_lifetime() -> i64 {
    90 * 86400
}
fn default_bundle_interval() -> i64 {
    10 * 86400
}
fn default_dnskey_validity() -> i64 {
    21 * 86400
}
fn default_dnskey_ttl() -> u32 {
    3600
}
fn default_safety() -> i64 {
    86400
}
fn default_min_remaining() -> i64 {
    3 * 86400
}
fn default_max_shrink() -> f64 {
    0.10
}
fn default_runway() -> i64 {
    30 * 86400
}
fn default_delegation_severity() -> Severity {
    Severity::Warn
}
fn default_state_file() -> PathBuf {
    "state/publish-state.json".into()
}
fn default_lock_file() -> PathBuf {
    "state/publish.lock".into()
}
fn default_dnskey_warning() -> i64 {
    7 * 86400
}
fn default_dnskey_critical() -> i64 {
    3 * 86400
}
fn default_other_warning() -> i64 {
    3 * 86400
}
fn default_other_critical() -> i64 {
    86400
}

/// Durations are written as in the CLI: "14d", "1h30m", "3600".
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(s),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

/// The file as written, before paths are resolved.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    zone: ZoneSection,
    keys: KeysSection,
    #[serde(default = "empty_table")]
    signatures: toml::Table,
    #[serde(default = "empty_table")]
    denial: toml::Table,
    #[serde(default = "empty_table")]
    zsk: toml::Table,
    #[serde(default = "empty_table")]
    guardrails: toml::Table,
    #[serde(default = "empty_table")]
    publish: toml::Table,
    #[serde(default = "empty_table")]
    monitor: toml::Table,
}

fn empty_table() -> toml::Table {
    toml::Table::new()
}

fn section<T: serde::de::DeserializeOwned>(table: toml::Table, name: &str, path: &Path) -> Result<T, ConfigError> {
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: format!("[{name}]: {e}"),
        })
}

impl Config {
    /// Reads and checks `path`, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses configuration text as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let origin_text = raw.zone.origin.clone();
        let absolute = if origin_text.ends_with('.') {
            origin_text.clone()
        } else {
            format!("{origin_text}.")
        };
        let origin = Name::parse(&absolute, None)
            .map(|n| n.to_lowercase())
            .map_err(|e| ConfigError::Value {
                path: path.to_path_buf(),
                key: "zone.origin",
                value: origin_text.clone(),
                message: e.to_string(),
            })?;
        let mut zone = raw.zone;
        zone.unsigned = zone.unsigned.map(resolve);
        zone.publish_to = zone.publish_to.map(resolve);
        let mut keys = raw.keys;
        keys.key_dir = resolve(keys.key_dir);
        keys.bundle_dir = resolve(keys.bundle_dir);
        keys.trust_anchor = keys.trust_anchor.map(resolve);
        if keys.mode == KeyMode::OfflineKsk && keys.trust_anchor.is_none() {
            return Err(ConfigError::Value {
                path: path.to_path_buf(),
                key: "keys.mode",
                value: "offline-ksk".into(),
                message: "offline-KSK mode needs keys.trust_anchor (the KSK's DNSKEY or DS records)".into(),
            });
        }
        let mut guardrails: GuardrailSection = section(raw.guardrails, "guardrails", path)?;
        guardrails.parent_ds = guardrails.parent_ds.map(resolve);
        if !(0.0..=1.0).contains(&guardrails.max_shrink) {
            return Err(ConfigError::Value {
                path: path.to_path_buf(),
                key: "guardrails.max_shrink",
                value: guardrails.max_shrink.to_string(),
                message: "must be a fraction between 0 and 1".into(),
            });
        }
        let mut publish: PublishSection = section(raw.publish, "publish", path)?;
        publish.state_file = resolve(publish.state_file);
        publish.lock_file = resolve(publish.lock_file);
        let signatures: SignatureSection = section(raw.signatures, "signatures", path)?;
        if signatures.jitter >= signatures.validity || signatures.refresh >= signatures.validity - signatures.jitter {
            return Err(ConfigError::Value {
                path: path.to_path_buf(),
                key: "signatures.refresh",
                value: keybundles::time::format_duration(signatures.refresh),
                message: "refresh + jitter must be shorter than validity, or every run would re-sign everything".into(),
            });
        }
        Ok(Config {
            path: path.to_path_buf(),
            origin,
            zone,
            keys,
            signatures,
            denial: section(raw.denial, "denial", path)?,
            zsk: section(raw.zsk, "zsk", path)?,
            guardrails,
            publish,
            monitor: section(raw.monitor, "monitor", path)?,
        })
    }
}

/// What `signer init` puts into a new configuration.
pub struct InitValues<'a> {
    pub origin: &'a Name,
    pub mode: KeyMode,
    pub algorithm: u8,
    /// Paths as they should appear in the file (relative to its directory).
    pub unsigned: Option<&'a str>,
    pub publish_to: Option<&'a str>,
    pub trust_anchor: Option<&'a str>,
}

/// The text of a new `signer.toml`, every value at its default, commented.
pub fn init_text(v: &InitValues<'_>) -> String {
    let opt = |key: &str, value: Option<&str>, example: &str| match value {
        Some(value) => format!("{key} = {}", toml_string(value)),
        None => format!("# {key} = {}", toml_string(example)),
    };
    let mode = match v.mode {
        KeyMode::Software => "software",
        KeyMode::OfflineKsk => "offline-ksk",
    };
    format!(
        r#"# Signet signing policy for {origin}
# Written by `signer init`. Every value is shown at its default; change
# what you need. Paths are relative to this file's directory. Durations
# are written like 14d, 36h, 1h30m or plain seconds.

[zone]
origin = "{origin}"
# The unsigned zone file that `signer sign` and `signer publish` read.
{unsigned}
# The hidden primary's zone file that `signer publish` replaces.
{publish_to}

[keys]
# "software": KSK and ZSK are key files in key_dir (made by `signer init`).
# "offline-ksk": the KSK stays on an offline token; the DNSKEY RRset and
# its signatures come from key bundles (SKRs) made at the key ceremony.
mode = "{mode}"
key_dir = "keys"
bundle_dir = "bundles"
# Offline-KSK mode: a file with the KSK's DNSKEY or its DS records.
{trust_anchor}

[signatures]
# Signatures made by the signer are valid this long after signing ...
validity = "14d"
# ... start this long before signing (validators with slow clocks) ...
inception_offset = "1h"
# ... and their expirations are spread over the last `jitter` of the
# validity, so they never all expire in the same second.
jitter = "12h"
# Re-signing keeps signatures with more than this left; each RRset is
# also signed again once per `validity - jitter - refresh`, at a moment of
# its own, so every run re-signs a steady share (docs/signing.md).
refresh = "5d"

[denial]
# "nsec" or "nsec3". NSEC3 defaults follow RFC 9276: no extra
# iterations and no salt.
mode = "nsec"
nsec3_iterations = 0
nsec3_salt = "-"
nsec3_opt_out = false

[zsk]
# ZSKs are planned ahead: each is published `publish_safety` before it
# signs, signs for `lifetime`, and stays published `retire_safety` after.
algorithm = {algorithm}
bits = 2048          # RSA only
lifetime = "90d"
# One key bundle covers this long; the KSK's signatures over each bundle's
# DNSKEY RRset are valid for `dnskey_signature_validity`.
bundle_interval = "10d"
dnskey_signature_validity = "21d"
dnskey_ttl = 3600
publish_safety = "1d"
retire_safety = "1d"

[guardrails]
# expiry-floor: refuse to publish if any signature expires sooner than this.
min_remaining = "3d"
# plausible: refuse if records or delegations drop by more than this fraction.
max_shrink = 0.10
# bundle-runway: warn when the last key bundle ends sooner than this.
bundle_runway_warning = "30d"
# delegations: "warn" or "fatal" for missing glue, lame or cyclic name servers.
delegations = "warn"
# trust-chain: the DS records the parent publishes, if you have them.
# parent_ds = "parent-ds.txt"

[publish]
# Run after the zone file is replaced:
# reload_command = "knotc zone-reload {origin}"
# DNS NOTIFY after publication (ADDR or ADDR:PORT):
notify = []
state_file = "state/publish-state.json"
lock_file = "state/publish.lock"

[monitor]
# `signer monitor` thresholds: the DNSKEY RRset, then everything else.
dnskey_warning = "7d"
dnskey_critical = "3d"
warning = "3d"
critical = "1d"
"#,
        origin = v.origin,
        unsigned = opt("unsigned", v.unsigned, "zone.db"),
        publish_to = opt("publish_to", v.publish_to, "/var/lib/knot/zone.db"),
        trust_anchor = opt("trust_anchor", v.trust_anchor, "ksk.ds"),
        algorithm = v.algorithm,
    )
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(mode: KeyMode, anchor: Option<&str>) -> String {
        let origin: Name = "example.".parse().unwrap();
        init_text(&InitValues {
            origin: &origin,
            mode,
            algorithm: 13,
            unsigned: Some("example.zone"),
            publish_to: None,
            trust_anchor: anchor,
        })
    }

    #[test]
    fn init_text_reads_back_with_defaults_and_resolved_paths() {
        let config = Config::parse(&init(KeyMode::Software, None), Path::new("/srv/signet/signer.toml")).unwrap();
        assert_eq!(config.origin.to_string(), "example.");
        assert_eq!(config.zone.unsigned, Some(PathBuf::from("/srv/signet/example.zone")));
        assert_eq!(config.zone.publish_to, None);
        assert_eq!(config.keys.key_dir, PathBuf::from("/srv/signet/keys"));
        assert_eq!(config.signatures.validity, 14 * 86400);
        assert_eq!(config.zsk.bundle_interval, 10 * 86400);
        assert_eq!(config.guardrails.min_remaining, 3 * 86400);
        assert_eq!(
            config.publish.state_file,
            PathBuf::from("/srv/signet/state/publish-state.json")
        );
        assert_eq!(config.monitor.dnskey_warning, 7 * 86400);
        assert_eq!(config.denial.mode, DenialMode::Nsec);
    }

    #[test]
    fn minimal_file_gets_every_default() {
        let text = "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n";
        let config = Config::parse(text, Path::new("signer.toml")).unwrap();
        assert_eq!(config.signatures.jitter, 12 * 3600);
        assert_eq!(config.zsk.algorithm, 13);
    }

    #[test]
    fn offline_ksk_needs_a_trust_anchor() {
        let err = Config::parse(&init(KeyMode::OfflineKsk, None), Path::new("signer.toml")).unwrap_err();
        assert!(err.to_string().contains("trust_anchor"), "{err}");
        assert!(Config::parse(&init(KeyMode::OfflineKsk, Some("ksk.ds")), Path::new("signer.toml")).is_ok());
    }

    #[test]
    fn mistakes_are_named() {
        let bad_key = "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n[signatures]\nvalidty = \"14d\"\n";
        let err = Config::parse(bad_key, Path::new("signer.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("validty"), "{err}");
        let bad_duration =
            "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n[signatures]\nvalidity = \"14x\"\n";
        let err = Config::parse(bad_duration, Path::new("signer.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("14x"), "{err}");
        let refresh = "[zone]\norigin = \"example\"\n[keys]\nmode = \"software\"\n[signatures]\nrefresh = \"14d\"\n";
        assert!(Config::parse(refresh, Path::new("signer.toml")).is_err());
    }
}
