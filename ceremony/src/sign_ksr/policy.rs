//! The ceremony's signing policy for KSRs (`--policy FILE`, TOML): what
//! ZSKs are approved, how long signatures last, and — for a KSK rollover —
//! which KSK is published, signs, or is revoked in each bundle slot.
//!
//! ```toml
//! zone = "example.com."
//! algorithms = [13]            # approved ZSK algorithms
//! rsa_min_bits = 2048
//! rsa_max_bits = 4096
//! signature_validity = "21d"   # each bundle's RRSIGs: inception - 1h ...
//! inception_offset = "1h"      # ... to inception + validity
//! min_validity = "7d"
//! max_validity = "30d"
//! min_overlap = "0"            # beyond the DNSKEY TTL, into the next bundle
//! max_overlap = "21d"
//! horizon = "180d"             # no signature may expire later than now + this
//! cds = true                   # publish CDS/CDNSKEY for the signing KSK(s)
//!
//! [[slot]]                     # bundles 1 to 4: old KSK signs, new one pre-published
//! bundles = "1-4"
//! publish = ["ksk-2026", "ksk-2027"]
//! sign = ["ksk-2026"]
//! [[slot]]                     # from bundle 5: the new KSK signs ...
//! bundles = "5-"
//! publish = ["ksk-2027"]
//! sign = ["ksk-2027"]
//! revoke = ["ksk-2026"]        # ... and the old one is revoked (RFC 5011)
//! ```

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use keybundles::bundle::checks::{ValidityRules, ZskRules};
use keybundles::time::parse_duration;
use serde::Deserialize;

/// What each KSK does in a slot of bundles.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// 1-based bundle numbers: "3", "1-4" or "5-" (to the end).
    pub bundles: String,
    /// Published with flags 257.
    #[serde(default)]
    pub publish: Vec<String>,
    /// Sign the DNSKEY, CDNSKEY and CDS RRsets (must be published).
    #[serde(default)]
    pub sign: Vec<String>,
    /// Published with the REVOKE bit (flags 385) and self-signing the
    /// DNSKEY RRset (RFC 5011 §2.1).
    #[serde(default)]
    pub revoke: Vec<String>,
}

impl Slot {
    fn range(&self) -> Result<(usize, usize)> {
        let text = self.bundles.trim();
        let num = |s: &str| {
            s.trim()
                .parse::<usize>()
                .with_context(|| format!("slot bundles \"{text}\""))
        };
        let (a, b) = match text.split_once('-') {
            Some((a, "")) => (num(a)?, usize::MAX),
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(text)?, num(text)?),
        };
        if a == 0 || b < a {
            bail!("slot bundles \"{text}\": use 1-based numbers like \"1-4\" or \"5-\"");
        }
        Ok((a, b))
    }

    pub fn covers(&self, number: usize) -> bool {
        self.range().is_ok_and(|(a, b)| a <= number && number <= b)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    zone: Option<String>,
    algorithms: Option<Vec<u8>>,
    rsa_min_bits: Option<usize>,
    rsa_max_bits: Option<usize>,
    signature_validity: Option<String>,
    inception_offset: Option<String>,
    min_validity: Option<String>,
    max_validity: Option<String>,
    min_overlap: Option<String>,
    max_overlap: Option<String>,
    horizon: Option<String>,
    cds: Option<bool>,
    #[serde(default)]
    slot: Vec<Slot>,
}

/// The policy in force (defaults without `--policy`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub zone: Option<String>,
    pub zsks: ZskRules,
    pub signature_validity: i64,
    pub inception_offset: i64,
    pub validity: ValidityRules,
    pub horizon: i64,
    pub cds: bool,
    pub slots: Vec<Slot>,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            zone: None,
            zsks: ZskRules::default(),
            signature_validity: 21 * 86400,
            inception_offset: 3600,
            validity: ValidityRules {
                min_validity: 7 * 86400,
                max_validity: 30 * 86400,
                min_overlap: 0,
                max_overlap: 21 * 86400,
            },
            horizon: 180 * 86400,
            cds: true,
            slots: Vec::new(),
        }
    }
}

impl Policy {
    pub fn parse(text: &str, path: &Path) -> Result<Policy> {
        let raw: RawPolicy = toml::from_str(text).with_context(|| format!("policy {}", path.display()))?;
        let mut p = Policy::default();
        let dur = |v: &Option<String>, name: &str, default: i64| -> Result<i64> {
            match v {
                Some(t) => parse_duration(t).with_context(|| format!("policy {}: {name}", path.display())),
                None => Ok(default),
            }
        };
        p.zone = raw.zone;
        if let Some(a) = raw.algorithms {
            p.zsks.algorithms = a;
        }
        p.zsks.rsa_min_bits = raw.rsa_min_bits.unwrap_or(p.zsks.rsa_min_bits);
        p.zsks.rsa_max_bits = raw.rsa_max_bits.unwrap_or(p.zsks.rsa_max_bits);
        p.signature_validity = dur(&raw.signature_validity, "signature_validity", p.signature_validity)?;
        p.inception_offset = dur(&raw.inception_offset, "inception_offset", p.inception_offset)?;
        p.validity.min_validity = dur(&raw.min_validity, "min_validity", p.validity.min_validity)?;
        p.validity.max_validity = dur(&raw.max_validity, "max_validity", p.validity.max_validity)?;
        p.validity.min_overlap = dur(&raw.min_overlap, "min_overlap", p.validity.min_overlap)?;
        p.validity.max_overlap = dur(&raw.max_overlap, "max_overlap", p.validity.max_overlap)?;
        p.horizon = dur(&raw.horizon, "horizon", p.horizon)?;
        p.cds = raw.cds.unwrap_or(p.cds);
        for slot in &raw.slot {
            slot.range().with_context(|| format!("policy {}", path.display()))?;
        }
        p.slots = raw.slot;
        Ok(p)
    }

    /// What the KSKs do in bundle `number` (1-based): without slots, every
    /// `--ksk` key is published and signs.
    pub fn slot_for(&self, number: usize, ksks: &[String]) -> Result<Slot> {
        if self.slots.is_empty() {
            return Ok(Slot {
                bundles: number.to_string(),
                publish: ksks.to_vec(),
                sign: ksks.to_vec(),
                revoke: Vec::new(),
            });
        }
        let slot = self
            .slots
            .iter()
            .find(|s| s.covers(number))
            .with_context(|| format!("the policy's [[slot]] tables say nothing about bundle {number}"))?;
        for label in slot.publish.iter().chain(&slot.sign).chain(&slot.revoke) {
            if !ksks.contains(label) {
                bail!(
                    "the policy's slot \"{}\" names KSK \"{label}\", which is not given with --ksk",
                    slot.bundles
                );
            }
        }
        if let Some(l) = slot.sign.iter().find(|l| !slot.publish.contains(l)) {
            bail!("slot \"{}\": KSK \"{l}\" signs but is not published", slot.bundles);
        }
        if let Some(l) = slot.revoke.iter().find(|l| slot.publish.contains(l)) {
            bail!("slot \"{}\": KSK \"{l}\" is both published and revoked", slot.bundles);
        }
        if slot.sign.is_empty() {
            bail!("slot \"{}\": no KSK signs", slot.bundles);
        }
        Ok(slot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollover_slots() {
        let text = r#"
zone = "example."
[[slot]]
bundles = "1-2"
publish = ["old", "new"]
sign = ["old"]
[[slot]]
bundles = "3-"
publish = ["new"]
sign = ["new"]
revoke = ["old"]
"#;
        let p = Policy::parse(text, Path::new("p.toml")).unwrap();
        let ksks = vec!["old".to_string(), "new".to_string()];
        assert_eq!(p.slot_for(2, &ksks).unwrap().sign, vec!["old"]);
        assert_eq!(p.slot_for(9, &ksks).unwrap().revoke, vec!["old"]);
        assert!(p.slot_for(1, &ksks[..1]).is_err());
        assert!(Policy::parse("bogus = 1", Path::new("p")).is_err());
        assert!(Policy::parse("[[slot]]\nbundles = \"4-2\"\n", Path::new("p")).is_err());
        let d = Policy::default();
        assert_eq!(d.slot_for(7, &ksks).unwrap().publish, ksks);
    }
}
