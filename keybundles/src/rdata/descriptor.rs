//! The table that drives parsing, writing and wire validation: each RR type
//! is a list of typed fields (the approach of NLnet Labs' `domain` crate).

use crate::rtype::Rtype;

/// The shape of one RDATA field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An uncompressed domain name.
    Name,
    U8,
    U16,
    U32,
    /// A 32-bit number of seconds; units (`1h30m`) accepted on input.
    Ttl,
    /// RRSIG inception/expiration: `YYYYMMDDHHMMSS` or seconds since 1970.
    Time,
    /// DNSSEC algorithm number (or mnemonic on input, RFC 4034 App. A.1).
    Alg,
    /// A 16-bit RR type, written as a mnemonic (RRSIG type covered).
    TypeCode,
    Ipv4,
    Ipv6,
    /// One length-prefixed character string.
    CharString,
    /// One or more character strings up to the end (TXT).
    CharStrings,
    /// Hexadecimal up to the end, possibly split into chunks.
    Hex,
    /// Base64 up to the end, possibly split into chunks.
    Base64,
    /// A length octet then octets, in hex; `-` is empty (NSEC3 salt).
    HexLen8,
    /// A length octet then octets, in base32hex (NSEC3 next hashed owner).
    Base32Len8,
    /// An NSEC-style type bitmap up to the end (RFC 4034 §4.1.2).
    Bitmap,
    /// SVCB/HTTPS parameters up to the end (RFC 9460 §2.2).
    SvcParams,
    /// CAA tag: a length octet then letters and digits (RFC 8659 §4.1).
    CaaTag,
    /// The rest of the RDATA as one string without a length octet
    /// (CAA value, URI target).
    RestString,
}

impl Kind {
    /// What the operator should have written, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Kind::Name => "a domain name",
            Kind::U8 => "a number 0-255",
            Kind::U16 => "a number 0-65535",
            Kind::U32 => "a number 0-4294967295",
            Kind::Ttl => "a TTL (seconds, or units like 1h30m)",
            Kind::Time => "a time as YYYYMMDDHHMMSS (UTC) or seconds since 1970",
            Kind::Alg => "an algorithm number 0-255 or mnemonic",
            Kind::TypeCode => "a record type",
            Kind::Ipv4 => "an IPv4 address",
            Kind::Ipv6 => "an IPv6 address",
            Kind::CharString => "a character string of at most 255 octets",
            Kind::CharStrings => "one or more character strings",
            Kind::Hex => "hexadecimal digits",
            Kind::Base64 => "base64 data",
            Kind::HexLen8 => "a hexadecimal salt of at most 255 octets, or '-'",
            Kind::Base32Len8 => "a base32hex hash",
            Kind::Bitmap => "record types",
            Kind::SvcParams => "SvcParams (key=value)",
            Kind::CaaTag => "a tag of letters and digits",
            Kind::RestString => "a string",
        }
    }

    /// True for fields that take all remaining tokens.
    pub(crate) fn to_end(self) -> bool {
        matches!(
            self,
            Kind::CharStrings | Kind::Hex | Kind::Base64 | Kind::Bitmap | Kind::SvcParams
        )
    }

    /// True for to-end fields that may be empty.
    pub(crate) fn may_be_empty(self) -> bool {
        matches!(self, Kind::Bitmap | Kind::SvcParams)
    }
}

/// One named field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

/// An RR type's RDATA layout.
#[derive(Debug)]
pub(crate) struct Descriptor {
    pub fields: &'static [Field],
    /// Names in this type's RDATA are lowercased in canonical form
    /// (RFC 4034 §6.2 item 3 as amended by RFC 6840 §5.1).
    pub canonical: bool,
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind }
}

macro_rules! desc {
    ($canonical:expr; $($name:expr => $kind:ident),* $(,)?) => {
        {
            const D: Descriptor = Descriptor { fields: &[$(f($name, Kind::$kind)),*], canonical: $canonical };
            &D
        }
    };
}

/// RFC 4034 §6.2 as amended by RFC 6840 §5.1 (NSEC removed): the types
/// whose embedded names are lowercased in canonical form.
pub(crate) fn is_canonical_lowercase_type(rtype: Rtype) -> bool {
    matches!(
        rtype,
        Rtype::NS
            | Rtype::MD
            | Rtype::MF
            | Rtype::CNAME
            | Rtype::SOA
            | Rtype::MB
            | Rtype::MG
            | Rtype::MR
            | Rtype::PTR
            | Rtype::MINFO
            | Rtype::MX
            | Rtype::RP
            | Rtype::AFSDB
            | Rtype::RT
            | Rtype::SIG
            | Rtype::PX
            | Rtype::NXT
            | Rtype::NAPTR
            | Rtype::KX
            | Rtype::SRV
            | Rtype::DNAME
            | Rtype::A6
            | Rtype::RRSIG
    )
}

/// The layout of `rtype`, or `None` when only RFC 3597 form is supported.
pub(crate) fn descriptor(rtype: Rtype) -> Option<&'static Descriptor> {
    Some(match rtype {
        Rtype::A => desc!(false; "address" => Ipv4),
        Rtype::AAAA => desc!(false; "address" => Ipv6),
        Rtype::NS => desc!(true; "name server" => Name),
        Rtype::MD | Rtype::MF => desc!(true; "host" => Name),
        Rtype::CNAME => desc!(true; "target" => Name),
        Rtype::DNAME => desc!(true; "target" => Name),
        Rtype::PTR => desc!(true; "target" => Name),
        Rtype::MB | Rtype::MG | Rtype::MR => desc!(true; "mailbox" => Name),
        Rtype::SOA => desc!(true;
            "primary server" => Name, "responsible mailbox" => Name, "serial" => U32,
            "refresh" => Ttl, "retry" => Ttl, "expire" => Ttl, "minimum" => Ttl),
        Rtype::MINFO => desc!(true; "responsible mailbox" => Name, "error mailbox" => Name),
        Rtype::RP => desc!(true; "mailbox" => Name, "TXT name" => Name),
        Rtype::MX => desc!(true; "preference" => U16, "exchange" => Name),
        Rtype::AFSDB => desc!(true; "subtype" => U16, "host" => Name),
        Rtype::RT => desc!(true; "preference" => U16, "host" => Name),
        Rtype::KX => desc!(true; "preference" => U16, "exchanger" => Name),
        Rtype::PX => desc!(true; "preference" => U16, "MAP822" => Name, "MAPX400" => Name),
        Rtype::TXT | Rtype::SPF => desc!(false; "text" => CharStrings),
        Rtype::HINFO => desc!(false; "CPU" => CharString, "OS" => CharString),
        Rtype::SRV => desc!(true;
            "priority" => U16, "weight" => U16, "port" => U16, "target" => Name),
        Rtype::NAPTR => desc!(true;
            "order" => U16, "preference" => U16, "flags" => CharString,
            "services" => CharString, "regexp" => CharString, "replacement" => Name),
        Rtype::CAA => desc!(false; "flags" => U8, "tag" => CaaTag, "value" => RestString),
        Rtype::URI => desc!(false; "priority" => U16, "weight" => U16, "target" => RestString),
        Rtype::TLSA | Rtype::SMIMEA => desc!(false;
            "certificate usage" => U8, "selector" => U8, "matching type" => U8,
            "certificate association data" => Hex),
        Rtype::SSHFP => desc!(false; "algorithm" => U8, "fingerprint type" => U8, "fingerprint" => Hex),
        Rtype::DS | Rtype::CDS => desc!(false;
            "key tag" => U16, "algorithm" => Alg, "digest type" => U8, "digest" => Hex),
        Rtype::DNSKEY | Rtype::CDNSKEY => desc!(false;
            "flags" => U16, "protocol" => U8, "algorithm" => Alg, "public key" => Base64),
        Rtype::OPENPGPKEY => desc!(false; "public key" => Base64),
        Rtype::SVCB | Rtype::HTTPS => desc!(false;
            "priority" => U16, "target" => Name, "parameters" => SvcParams),
        Rtype::ZONEMD => desc!(false;
            "serial" => U32, "scheme" => U8, "hash algorithm" => U8, "digest" => Hex),
        Rtype::RRSIG => desc!(true;
            "type covered" => TypeCode, "algorithm" => Alg, "labels" => U8,
            "original TTL" => Ttl, "expiration" => Time, "inception" => Time,
            "key tag" => U16, "signer name" => Name, "signature" => Base64),
        Rtype::NSEC => desc!(false; "next name" => Name, "type bitmap" => Bitmap),
        Rtype::NSEC3 => desc!(false;
            "hash algorithm" => U8, "flags" => U8, "iterations" => U16, "salt" => HexLen8,
            "next hashed owner" => Base32Len8, "type bitmap" => Bitmap),
        Rtype::NSEC3PARAM => desc!(false;
            "hash algorithm" => U8, "flags" => U8, "iterations" => U16, "salt" => HexLen8),
        Rtype::CSYNC => desc!(false; "SOA serial" => U32, "flags" => U16, "type bitmap" => Bitmap),
        _ => return None,
    })
}

/// DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers").
pub(crate) fn algorithm_from_mnemonic(text: &[u8]) -> Option<u8> {
    const ALGS: &[(&str, u8)] = &[
        ("RSAMD5", 1),
        ("DH", 2),
        ("DSA", 3),
        ("RSASHA1", 5),
        ("DSA-NSEC3-SHA1", 6),
        ("RSASHA1-NSEC3-SHA1", 7),
        ("RSASHA256", 8),
        ("RSASHA512", 10),
        ("ECC-GOST", 12),
        ("ECDSAP256SHA256", 13),
        ("ECDSAP384SHA384", 14),
        ("ED25519", 15),
        ("ED448", 16),
        ("INDIRECT", 252),
        ("PRIVATEDNS", 253),
        ("PRIVATEOID", 254),
    ];
    ALGS.iter()
        .find(|(m, _)| m.as_bytes().eq_ignore_ascii_case(text))
        .map(|&(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every descriptor with names lowercases them exactly when RFC 4034
    /// §6.2 / RFC 6840 §5.1 says so.
    #[test]
    fn canonical_flag_matches_rfc_list() {
        for code in 0..=u16::MAX {
            let rtype = Rtype(code);
            if let Some(d) = descriptor(rtype) {
                let has_names = d.fields.iter().any(|f| f.kind == Kind::Name);
                if has_names {
                    assert_eq!(d.canonical, is_canonical_lowercase_type(rtype), "{rtype}");
                }
                // To-end fields come last.
                for field in &d.fields[..d.fields.len() - 1] {
                    assert!(!field.kind.to_end(), "{rtype} {}", field.name);
                }
            }
        }
    }
}
