//! The trust anchor of an offline-KSK zone: a file of the KSK's DNSKEY
//! records or of the DS records the parent publishes for it. An SKR is
//! accepted only when its KSK matches one of them.

use std::path::{Path, PathBuf};

use keybundles::dnskey::Dnskey;
use keybundles::ds::Ds;
use keybundles::zonefile::ZoneReader;
use keybundles::{Name, Rtype};

/// DNSKEY and DS records of the KSK(s).
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    pub path: PathBuf,
    pub origin: Name,
    pub dnskeys: Vec<Dnskey>,
    pub ds: Vec<Ds>,
}

impl TrustAnchor {
    /// Reads `path` (BIND `.key` files without TTL are fine).
    pub fn load(path: &Path, origin: &Name) -> anyhow::Result<TrustAnchor> {
        let text =
            std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("trust anchor {}: {e}", path.display()))?;
        let text = format!("$TTL 3600\n{text}");
        let mut anchor = TrustAnchor {
            path: path.to_path_buf(),
            origin: origin.clone(),
            dnskeys: Vec::new(),
            ds: Vec::new(),
        };
        for entry in ZoneReader::from_str(&text, path, origin) {
            let entry = entry.map_err(|e| anyhow::anyhow!("trust anchor {e}"))?;
            let record = entry.record;
            if !record.owner.eq_ignore_case(origin) {
                anyhow::bail!(
                    "trust anchor {}: a record for {}, not {origin}",
                    path.display(),
                    record.owner
                );
            }
            match record.rtype {
                Rtype::DNSKEY => anchor.dnskeys.push(
                    Dnskey::from_rdata(&record.rdata)
                        .map_err(|e| anyhow::anyhow!("trust anchor {}: {e}", path.display()))?,
                ),
                Rtype::DS => anchor.ds.push(
                    Ds::from_rdata(&record.rdata)
                        .map_err(|e| anyhow::anyhow!("trust anchor {}: {e}", path.display()))?,
                ),
                _ => {}
            }
        }
        if anchor.dnskeys.is_empty() && anchor.ds.is_empty() {
            anyhow::bail!(
                "trust anchor {} holds no DNSKEY or DS record for {origin}",
                path.display()
            );
        }
        Ok(anchor)
    }

    /// True when `key` is an anchored KSK: listed as a DNSKEY, or matched
    /// by one of the DS records.
    pub fn matches(&self, key: &Dnskey) -> bool {
        key.is_sep() && (self.dnskeys.contains(key) || self.ds.iter().any(|ds| ds.matches(&self.origin, key)))
    }

    /// The algorithms of the anchored keys.
    pub fn algorithms(&self) -> Vec<u8> {
        let mut algs: Vec<u8> = self
            .dnskeys
            .iter()
            .map(|k| k.algorithm)
            .chain(self.ds.iter().map(|d| d.algorithm))
            .collect();
        algs.sort_unstable();
        algs.dedup();
        algs
    }

    /// The anchored key tags, for messages.
    pub fn tags(&self) -> Vec<u16> {
        let mut tags: Vec<u16> = self
            .dnskeys
            .iter()
            .map(Dnskey::key_tag)
            .chain(self.ds.iter().map(|d| d.key_tag))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags
    }
}
