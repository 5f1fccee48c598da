//! A KSR or SKR file in memory: its bundles, their records, and the
//! `;; Signet …` notes Signet adds (which Knot reads as comments).

use std::path::PathBuf;

use crate::dnskey::Dnskey;
use crate::rrsig::Rrsig;
use crate::{Name, Record, Rtype};

use super::error::BundleRef;

/// Which of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `KeySigningRequest`: DNSKEY records of the ZSKs only.
    Request,
    /// `SignedKeyResponse`: DNSKEY, CDNSKEY, CDS and RRSIG records.
    Response,
}

impl Kind {
    /// The word in the header comments.
    pub fn header_word(self) -> &'static str {
        match self {
            Kind::Request => "KeySigningRequest",
            Kind::Response => "SignedKeyResponse",
        }
    }

    /// "KSR" or "SKR", for messages.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Request => "KSR",
            Kind::Response => "SKR",
        }
    }

    /// The record types a bundle of this kind may hold.
    pub fn allows(self, rtype: Rtype) -> bool {
        match self {
            Kind::Request => rtype == Rtype::DNSKEY,
            Kind::Response => matches!(rtype, Rtype::DNSKEY | Rtype::CDNSKEY | Rtype::CDS | Rtype::RRSIG),
        }
    }
}

/// The format version Signet writes and reads.
pub const VERSION: &str = "1.0";

/// One bundle: the records in force from `start` until the next bundle's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The instant in the header, unix seconds.
    pub start: i64,
    /// The header's line in the file.
    pub line: usize,
    /// The records, in file order.
    pub records: Vec<Record>,
    /// For each record, the key tag stated in its trailing comment
    /// (`; ZSK, …, id = 63363`), if any.
    pub stated_tags: Vec<Option<u16>>,
}

impl Bundle {
    pub fn new(start: i64, records: Vec<Record>) -> Bundle {
        let stated_tags = vec![None; records.len()];
        Bundle {
            start,
            line: 0,
            records,
            stated_tags,
        }
    }

    /// The records of one type.
    pub fn rrset(&self, rtype: Rtype) -> Vec<&Record> {
        self.records.iter().filter(|r| r.rtype == rtype).collect()
    }

    /// Every DNSKEY in the bundle (malformed RDATA skipped; the parser
    /// refuses it anyway).
    pub fn dnskeys(&self) -> Vec<Dnskey> {
        self.rrset(Rtype::DNSKEY)
            .into_iter()
            .filter_map(|r| Dnskey::from_rdata(&r.rdata).ok())
            .collect()
    }

    /// The zone-signing keys (SEP bit clear).
    pub fn zsks(&self) -> Vec<Dnskey> {
        self.dnskeys().into_iter().filter(|k| !k.is_sep()).collect()
    }

    /// The key-signing keys (SEP bit set), revoked ones included.
    pub fn ksks(&self) -> Vec<Dnskey> {
        self.dnskeys().into_iter().filter(|k| k.is_sep()).collect()
    }

    /// Sorted key tags of the ZSKs.
    pub fn zsk_tags(&self) -> Vec<u16> {
        let mut tags: Vec<u16> = self.zsks().iter().map(Dnskey::key_tag).collect();
        tags.sort_unstable();
        tags
    }

    /// Every RRSIG, parsed (malformed ones skipped; the parser refuses them).
    pub fn rrsigs(&self) -> Vec<Rrsig> {
        self.rrset(Rtype::RRSIG)
            .into_iter()
            .filter_map(|r| Rrsig::from_rdata(&r.rdata).ok())
            .collect()
    }

    /// The latest inception and earliest expiration of the bundle's
    /// RRSIGs (unix seconds, read around `start`), or `None` when there
    /// are none: the window in which all of them are valid.
    pub fn signature_window(&self) -> Option<(i64, i64)> {
        let sigs = self.rrsigs();
        let inception = sigs
            .iter()
            .map(|s| crate::time::from_serial(s.inception, self.start))
            .max()?;
        let expiration = sigs
            .iter()
            .map(|s| crate::time::from_serial(s.expiration, self.start))
            .min()?;
        Some((inception, expiration))
    }

    /// The DNSKEY RRset's TTL, if there is one.
    pub fn dnskey_ttl(&self) -> Option<u32> {
        self.records.iter().find(|r| r.rtype == Rtype::DNSKEY).map(|r| r.ttl)
    }
}

/// A parsed KSR or SKR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    pub kind: Kind,
    /// Where it was read from (or will be written to), for messages.
    pub source: PathBuf,
    pub bundles: Vec<Bundle>,
    /// `;; Signet KEY VALUE` lines, in order.
    pub notes: Vec<(String, String)>,
    /// The closing comment (`generated at … by …`), as read.
    pub trailer: String,
    /// SHA-256 of the file's bytes (zero for files built in memory).
    pub sha256: [u8; 32],
}

impl BundleFile {
    pub fn new(kind: Kind, source: PathBuf, bundles: Vec<Bundle>) -> BundleFile {
        BundleFile {
            kind,
            source,
            bundles,
            notes: Vec::new(),
            trailer: String::new(),
            sha256: [0; 32],
        }
    }

    /// The zone: the owner of the first record (the parser checks that
    /// every record has the same owner).
    pub fn zone(&self) -> Option<&Name> {
        self.bundles
            .iter()
            .flat_map(|b| b.records.first())
            .map(|r| &r.owner)
            .next()
    }

    /// The value of the first `;; Signet KEY VALUE` note with this key.
    pub fn note(&self, key: &str) -> Option<&str> {
        self.notes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// How to name bundle `index` (0-based) in messages.
    pub fn bundle_ref(&self, index: usize) -> BundleRef {
        BundleRef {
            index: index + 1,
            count: self.bundles.len(),
            start: self.bundles[index].start,
            line: self.bundles[index].line,
        }
    }

    /// Lowercase hex of [`BundleFile::sha256`]: the file's identity.
    pub fn sha256_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.sha256)
    }

    /// The instant bundle `index` stops being in force: the next
    /// bundle's start, or `None` for the last.
    pub fn next_start(&self, index: usize) -> Option<i64> {
        self.bundles.get(index + 1).map(|b| b.start)
    }
}
