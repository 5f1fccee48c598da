//! Resource-record types and classes, with their mnemonics.
//!
//! Signet keeps its own table rather than hickory-proto's `RecordType`
//! because it must round-trip every type an operator may write, including
//! ZONEMD and RFC 3597 `TYPEnnn` for types it does not know.

use std::fmt;

/// An RR TYPE code (RFC 1035 §3.2.2 and the IANA registry).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rtype(pub u16);

macro_rules! rtypes {
    ($($name:ident = $code:expr),* $(,)?) => {
        impl Rtype {
            $(pub const $name: Rtype = Rtype($code);)*
        }
        const MNEMONICS: &[(&str, u16)] = &[$((stringify!($name), $code)),*];
    };
}

rtypes! {
    A = 1, NS = 2, MD = 3, MF = 4, CNAME = 5, SOA = 6, MB = 7, MG = 8, MR = 9, NULL = 10,
    WKS = 11, PTR = 12, HINFO = 13, MINFO = 14, MX = 15, TXT = 16, RP = 17, AFSDB = 18,
    RT = 21, SIG = 24, KEY = 25, PX = 26, AAAA = 28, LOC = 29, NXT = 30, SRV = 33, NAPTR = 35,
    KX = 36, CERT = 37, A6 = 38, DNAME = 39, OPT = 41, APL = 42, DS = 43, SSHFP = 44,
    IPSECKEY = 45, RRSIG = 46, NSEC = 47, DNSKEY = 48, DHCID = 49, NSEC3 = 50,
    NSEC3PARAM = 51, TLSA = 52, SMIMEA = 53, HIP = 55, CDS = 59, CDNSKEY = 60,
    OPENPGPKEY = 61, CSYNC = 62, ZONEMD = 63, SVCB = 64, HTTPS = 65, SPF = 99, EUI48 = 108,
    EUI64 = 109, TKEY = 249, TSIG = 250, IXFR = 251, AXFR = 252, ANY = 255, URI = 256,
    CAA = 257,
}

/// The types that make up nearly every line of a signed TLD, most
/// frequent first: looked up before the whole table, both ways.
const COMMON: &[(&str, Rtype)] = &[
    ("NS", Rtype::NS),
    ("RRSIG", Rtype::RRSIG),
    ("NSEC", Rtype::NSEC),
    ("A", Rtype::A),
    ("AAAA", Rtype::AAAA),
    ("DS", Rtype::DS),
    ("NSEC3", Rtype::NSEC3),
    ("SOA", Rtype::SOA),
    ("DNSKEY", Rtype::DNSKEY),
    ("CNAME", Rtype::CNAME),
    ("MX", Rtype::MX),
    ("TXT", Rtype::TXT),
];

impl Rtype {
    /// Parses a mnemonic (`AAAA`, case-insensitive) or RFC 3597 `TYPEnnn`.
    pub fn from_mnemonic(text: &str) -> Option<Rtype> {
        if let Some(rtype) = Rtype::common_from_mnemonic(text.as_bytes()) {
            return Some(rtype);
        }
        if let Some(&(_, code)) = MNEMONICS.iter().find(|(m, _)| m.eq_ignore_ascii_case(text)) {
            return Some(Rtype(code));
        }
        let digits = text
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("TYPE"))
            .map(|_| &text[4..])?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(Rtype)
    }

    /// `text` looked up in [`COMMON`], case-insensitively (once per record
    /// of a zone file, so the whole table is not walked for these).
    fn common_from_mnemonic(text: &[u8]) -> Option<Rtype> {
        let mut upper = [0u8; 6];
        let upper = upper.get_mut(..text.len())?;
        for (u, b) in upper.iter_mut().zip(text) {
            *u = b.to_ascii_uppercase();
        }
        COMMON
            .iter()
            .find(|(m, _)| m.as_bytes() == &*upper)
            .map(|&(_, rtype)| rtype)
    }

    /// The mnemonic, if this type has one.
    pub fn mnemonic(self) -> Option<&'static str> {
        if let Some(&(mnemonic, _)) = COMMON.iter().find(|(_, rtype)| *rtype == self) {
            return Some(mnemonic);
        }
        MNEMONICS.iter().find(|(_, c)| *c == self.0).map(|(m, _)| *m)
    }

    /// Types whose RDATA must never be signed data in a zone: meta types and
    /// types only meaningful in messages (RFC 6895 §3.1).
    pub fn is_meta(self) -> bool {
        matches!(self.0, 41 | 128..=255)
    }

    /// Records a signer makes itself and drops from its input (RFC 4035 §2).
    pub fn is_dnssec_generated(self) -> bool {
        matches!(self, Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3 | Rtype::NSEC3PARAM)
    }
}

impl Rtype {
    /// Appends the mnemonic (or `TYPEnnn`, RFC 3597) to `out`.
    pub fn write_text(self, out: &mut String) {
        match self.mnemonic() {
            Some(m) => out.push_str(m),
            None => {
                use fmt::Write as _;
                let _ = write!(out, "TYPE{}", self.0);
            }
        }
    }
}

impl fmt::Display for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(m) => f.write_str(m),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

impl fmt::Debug for Rtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An RR CLASS (RFC 1035 §3.2.4). Zones Signet signs are class IN.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Class(pub u16);

impl Class {
    pub const IN: Class = Class(1);
    pub const CH: Class = Class(3);
    pub const HS: Class = Class(4);

    /// Parses `IN`, `CH`, `HS` or RFC 3597 `CLASSnnn`, case-insensitive.
    pub fn from_mnemonic(text: &str) -> Option<Class> {
        match text.to_ascii_uppercase().as_str() {
            "IN" => Some(Class::IN),
            "CH" => Some(Class::CH),
            "HS" => Some(Class::HS),
            upper => upper
                .strip_prefix("CLASS")
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse().ok())
                .map(Class),
        }
    }
}

impl Class {
    /// Appends the mnemonic (or `CLASSnnn`, RFC 3597) to `out`.
    pub fn write_text(self, out: &mut String) {
        match self.0 {
            1 => out.push_str("IN"),
            _ => {
                use fmt::Write as _;
                let _ = write!(out, "{self}");
            }
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("IN"),
            3 => f.write_str("CH"),
            4 => f.write_str("HS"),
            n => write!(f, "CLASS{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_round_trip() {
        assert_eq!(Rtype::from_mnemonic("aaaa"), Some(Rtype::AAAA));
        assert_eq!(Rtype::from_mnemonic("TYPE65280"), Some(Rtype(65280)));
        assert_eq!(Rtype::from_mnemonic("type1"), Some(Rtype::A));
        assert_eq!(Rtype::from_mnemonic("TYPE"), None);
        assert_eq!(Rtype::from_mnemonic("TYPE99999"), None);
        assert_eq!(Rtype::from_mnemonic("BOGUS"), None);
        assert_eq!(Rtype(65280).to_string(), "TYPE65280");
        assert_eq!(Rtype::ZONEMD.to_string(), "ZONEMD");
        assert_eq!(Class::from_mnemonic("class1"), Some(Class::IN));
        assert_eq!(Class(254).to_string(), "CLASS254");
    }

    #[test]
    fn fast_paths_agree_with_the_table() {
        for &(mnemonic, code) in MNEMONICS {
            let lower = mnemonic.to_ascii_lowercase();
            assert_eq!(Rtype::from_mnemonic(mnemonic), Some(Rtype(code)), "{mnemonic}");
            assert_eq!(Rtype::from_mnemonic(&lower), Some(Rtype(code)), "{lower}");
            assert_eq!(Rtype(code).mnemonic(), Some(mnemonic), "{code}");
        }
        for text in ["", "AA", "NSEC4", "DNSKEYS", "RRSIGX", "nse"] {
            assert_eq!(Rtype::from_mnemonic(text), None, "{text:?}");
        }
    }
}
