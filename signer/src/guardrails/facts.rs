//! The facts about a signed zone the guardrails compare: serial, counts,
//! and every signature's validity window, per RRset.

use std::collections::HashMap;

use keybundles::dnskey::Dnskey;
use keybundles::time::from_serial;
use keybundles::{Name, Rtype};

use crate::verify::{NameKind, Node, ZoneView};

/// One signature's times and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigTimes {
    pub key_tag: u16,
    pub algorithm: u8,
    pub inception: i64,
    pub expiration: i64,
}

/// A signed zone, summarised.
#[derive(Debug, Clone, Default)]
pub struct ZoneFacts {
    pub serial: Option<u32>,
    /// Every record, signatures and denial records included.
    pub records: usize,
    /// Records the operator wrote: not RRSIG, NSEC, NSEC3, NSEC3PARAM,
    /// DNSKEY, CDS or CDNSKEY (those change with keys and denial mode).
    pub data_records: usize,
    /// Zone cuts below the apex.
    pub delegations: usize,
    pub signatures: usize,
    /// Signatures by (owner, type covered).
    pub signed: HashMap<(Name, Rtype), Vec<SigTimes>>,
    /// The latest inception of any signature.
    pub max_inception: Option<i64>,
    /// The apex DNSKEY RRset.
    pub dnskeys: Vec<Dnskey>,
}

impl ZoneFacts {
    /// Summarises `view`, reading RRSIG serial times around `at`.
    pub fn of(view: &ZoneView, at: i64) -> ZoneFacts {
        let mut facts = ZoneFacts {
            records: view.record_count,
            ..ZoneFacts::default()
        };
        if let Some(apex) = view.apex() {
            facts.serial = apex
                .rrset(Rtype::SOA)
                .and_then(|s| s.records.first())
                .and_then(|r| soa_serial(&r.rdata));
            if let Some(keys) = apex.rrset(Rtype::DNSKEY) {
                facts.dnskeys = keys
                    .records
                    .iter()
                    .filter_map(|r| Dnskey::from_rdata(&r.rdata).ok())
                    .collect();
            }
        }
        let mut add = |node: &Node| {
            for set in &node.rrsets {
                let generated =
                    set.rtype.is_dnssec_generated() || matches!(set.rtype, Rtype::DNSKEY | Rtype::CDS | Rtype::CDNSKEY);
                if !generated {
                    facts.data_records += set.records.len();
                }
            }
            if node.kind == NameKind::Delegation {
                facts.delegations += 1;
            }
            for sig in &node.signatures {
                let times = SigTimes {
                    key_tag: sig.rrsig.key_tag,
                    algorithm: sig.rrsig.algorithm,
                    inception: from_serial(sig.rrsig.inception, at),
                    expiration: from_serial(sig.rrsig.expiration, at),
                };
                facts.signatures += 1;
                facts.max_inception = Some(facts.max_inception.map_or(times.inception, |m| m.max(times.inception)));
                facts
                    .signed
                    .entry((node.name.clone(), sig.rrsig.type_covered))
                    .or_default()
                    .push(times);
            }
        };
        view.nodes.iter().for_each(&mut add);
        view.nsec3_nodes.iter().for_each(&mut add);
        facts
    }

    /// The key tags in the DNSKEY RRset.
    pub fn key_tags(&self) -> Vec<u16> {
        self.dnskeys.iter().map(Dnskey::key_tag).collect()
    }
}

/// The serial of SOA RDATA (MNAME, RNAME, then SERIAL).
pub fn soa_serial(rdata: &[u8]) -> Option<u32> {
    let offset = soa_serial_offset(rdata)?;
    let b = rdata.get(offset..offset + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Where SOA RDATA's SERIAL field starts.
pub fn soa_serial_offset(rdata: &[u8]) -> Option<usize> {
    let (_, m) = Name::read_wire(rdata).ok()?;
    let (_, r) = Name::read_wire(rdata.get(m..)?).ok()?;
    (rdata.len() >= m + r + 20).then_some(m + r)
}
