//! DNSSEC record math the ceremony needs: DNSKEY, key tag, DS, RRSIG signing input, and signature
//! verification against a DNSKEY.
//!
//! TEMPORARY LOCAL COPY: the shared versions belong in the `keybundles` crate
//! (`keybundles::dnskey`, `::ds`, `::algorithm`, `::crypto::verify`, `::rrsig`), which was not
//! there yet when this was written. The names and shapes follow the agreed keybundles API so that
//! switching is a matter of replacing this module with re-exports.

use std::fmt;

use data_encoding::BASE64;
use keybundles::{Class, Name, Record, Rtype};
use thiserror::Error;

/// DNSSEC algorithm numbers (RFC 8624) that the ceremony can put on a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RsaSha256 = 8,
    EcdsaP256Sha256 = 13,
    EcdsaP384Sha384 = 14,
    Ed25519 = 15,
}

impl Algorithm {
    pub fn from_number(n: u8) -> Option<Algorithm> {
        Some(match n {
            8 => Algorithm::RsaSha256,
            13 => Algorithm::EcdsaP256Sha256,
            14 => Algorithm::EcdsaP384Sha384,
            15 => Algorithm::Ed25519,
            _ => return None,
        })
    }

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn mnemonic(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "RSASHA256",
            Algorithm::EcdsaP256Sha256 => "ECDSAP256SHA256",
            Algorithm::EcdsaP384Sha384 => "ECDSAP384SHA384",
            Algorithm::Ed25519 => "ED25519",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.mnemonic())
    }
}

/// DS digest types (RFC 4509, RFC 6605).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestType {
    Sha256 = 2,
    Sha384 = 4,
}

/// DNSKEY RDATA (RFC 4034 §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dnskey {
    pub flags: u16,
    pub protocol: u8,
    pub algorithm: u8,
    pub public_key: Vec<u8>,
}

/// DS RDATA (RFC 4034 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ds {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub digest: Vec<u8>,
}

impl fmt::Display for Ds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.key_tag,
            self.algorithm,
            self.digest_type,
            crate::hex::upper(&self.digest)
        )
    }
}

pub const FLAG_ZONE: u16 = 0x0100;
pub const FLAG_SEP: u16 = 0x0001;

impl Dnskey {
    /// A KSK: ZONE and SEP set (flags 257), protocol 3.
    pub fn ksk(algorithm: Algorithm, public_key: Vec<u8>) -> Dnskey {
        Dnskey {
            flags: FLAG_ZONE | FLAG_SEP,
            protocol: 3,
            algorithm: algorithm.number(),
            public_key,
        }
    }

    pub fn to_rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.public_key.len());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.push(self.protocol);
        out.push(self.algorithm);
        out.extend_from_slice(&self.public_key);
        out
    }

    pub fn from_rdata(rdata: &[u8]) -> Option<Dnskey> {
        if rdata.len() < 5 {
            return None;
        }
        Some(Dnskey {
            flags: u16::from_be_bytes([rdata[0], rdata[1]]),
            protocol: rdata[2],
            algorithm: rdata[3],
            public_key: rdata[4..].to_vec(),
        })
    }

    /// RFC 4034 Appendix B.
    pub fn key_tag(&self) -> u16 {
        let rdata = self.to_rdata();
        let mut ac: u32 = 0;
        for (i, &b) in rdata.iter().enumerate() {
            ac += if i & 1 == 0 { (b as u32) << 8 } else { b as u32 };
        }
        ac += (ac >> 16) & 0xffff;
        (ac & 0xffff) as u16
    }

    pub fn is_sep(&self) -> bool {
        self.flags & FLAG_SEP != 0
    }

    /// RFC 4034 §5.1.4: digest over the canonical owner name and the DNSKEY RDATA.
    pub fn ds(&self, owner: &Name, digest_type: DigestType) -> Ds {
        let mut input = owner.to_lowercase().as_wire().to_vec();
        input.extend_from_slice(&self.to_rdata());
        let alg = match digest_type {
            DigestType::Sha256 => &ring::digest::SHA256,
            DigestType::Sha384 => &ring::digest::SHA384,
        };
        Ds {
            key_tag: self.key_tag(),
            algorithm: self.algorithm,
            digest_type: digest_type as u8,
            digest: ring::digest::digest(alg, &input).as_ref().to_vec(),
        }
    }
}

impl fmt::Display for Dnskey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.flags,
            self.protocol,
            self.algorithm,
            BASE64.encode(&self.public_key)
        )
    }
}

#[derive(Debug, Error)]
pub enum DnskeyFileError {
    #[error("{line}: not a DNSKEY record: {reason}")]
    Syntax { line: usize, reason: String },
    #[error("no DNSKEY record in the file")]
    Empty,
}

/// Reads every DNSKEY RR from a BIND `.key` file or any master-file text holding DNSKEY RRs (one
/// RR per logical line; parentheses may span lines; `;` comments). Other record types are skipped.
pub fn read_dnskeys(text: &str) -> Result<Vec<(String, Dnskey)>, DnskeyFileError> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start_line = 0;
    let mut depth = 0i32;
    let mut has_owner = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("");
        if depth == 0 {
            logical.clear();
            start_line = n + 1;
            has_owner = !raw.starts_with(char::is_whitespace);
        }
        for c in line.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => logical.push(c),
            }
        }
        logical.push(' ');
        if depth > 0 {
            continue;
        }
        depth = 0;
        let tokens: Vec<&str> = logical.split_whitespace().collect();
        let Some(pos) = tokens.iter().position(|t| t.eq_ignore_ascii_case("DNSKEY")) else {
            continue;
        };
        let syntax = |reason: &str| DnskeyFileError::Syntax {
            line: start_line,
            reason: reason.to_string(),
        };
        let owner = if pos > 0 && has_owner {
            tokens[0].to_string()
        } else {
            String::new()
        };
        let fields = &tokens[pos + 1..];
        if fields.len() < 4 {
            return Err(syntax("expected flags, protocol, algorithm and a public key"));
        }
        let flags = fields[0].parse().map_err(|_| syntax("bad flags"))?;
        let protocol = fields[1].parse().map_err(|_| syntax("bad protocol"))?;
        let algorithm = fields[2].parse().map_err(|_| syntax("bad algorithm"))?;
        let public_key = BASE64
            .decode(fields[3..].concat().as_bytes())
            .map_err(|e| syntax(&format!("bad base64 public key: {e}")))?;
        out.push((
            owner,
            Dnskey {
                flags,
                protocol,
                algorithm,
                public_key,
            },
        ));
    }
    if out.is_empty() {
        return Err(DnskeyFileError::Empty);
    }
    Ok(out)
}

#[derive(Debug, Error)]
pub enum VerifyError {
    #[error("algorithm {0} is not supported for verification")]
    UnsupportedAlgorithm(u8),
    #[error("malformed public key in the DNSKEY")]
    BadPublicKey,
    #[error("signature does not verify against DNSKEY with key tag {0}")]
    BadSignature(u16),
}

/// Splits an RFC 3110 RSA public key into (exponent, modulus).
pub fn rsa_components(public_key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = public_key.split_first()?;
    let (elen, rest) = if first == 0 {
        if rest.len() < 2 {
            return None;
        }
        (u16::from_be_bytes([rest[0], rest[1]]) as usize, &rest[2..])
    } else {
        (first as usize, rest)
    };
    if elen == 0 || rest.len() <= elen {
        return None;
    }
    Some(rest.split_at(elen))
}

/// Verifies a DNSSEC-format signature (ECDSA r||s, RSA PKCS#1 v1.5, Ed25519 raw) over `message`.
pub fn verify(dnskey: &Dnskey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    use ring::signature as sig;
    let bad = || VerifyError::BadSignature(dnskey.key_tag());
    let mut uncompressed = vec![4u8];
    uncompressed.extend_from_slice(&dnskey.public_key);
    match Algorithm::from_number(dnskey.algorithm) {
        Some(Algorithm::RsaSha256) => {
            let (e, n) = rsa_components(&dnskey.public_key).ok_or(VerifyError::BadPublicKey)?;
            sig::RsaPublicKeyComponents { n, e }
                .verify(&sig::RSA_PKCS1_2048_8192_SHA256, message, signature)
                .map_err(|_| bad())
        }
        Some(Algorithm::EcdsaP256Sha256) => sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, &uncompressed)
            .verify(message, signature)
            .map_err(|_| bad()),
        Some(Algorithm::EcdsaP384Sha384) => sig::UnparsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, &uncompressed)
            .verify(message, signature)
            .map_err(|_| bad()),
        Some(Algorithm::Ed25519) => sig::UnparsedPublicKey::new(&sig::ED25519, &dnskey.public_key)
            .verify(message, signature)
            .map_err(|_| bad()),
        None => Err(VerifyError::UnsupportedAlgorithm(dnskey.algorithm)),
    }
}

/// RRSIG RDATA (RFC 4034 §3) for one RRset.
#[derive(Clone, Debug)]
pub struct Rrsig {
    pub type_covered: Rtype,
    pub algorithm: u8,
    pub labels: u8,
    pub original_ttl: u32,
    pub expiration: u32,
    pub inception: u32,
    pub key_tag: u16,
    pub signer: Name,
    pub signature: Vec<u8>,
}

impl Rrsig {
    /// RDATA without the signature field: the first part of the signing input.
    pub fn rdata_without_signature(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.type_covered.0.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        out.extend_from_slice(self.signer.to_lowercase().as_wire());
        out
    }

    /// Presentation form of the whole RR, owned by `owner`.
    pub fn to_presentation(&self, owner: &Name) -> String {
        let t = |s: u32| {
            chrono::DateTime::from_timestamp(s as i64, 0)
                .map(|d| d.format("%Y%m%d%H%M%S").to_string())
                .unwrap_or_default()
        };
        format!(
            "{} {} IN RRSIG {} {} {} {} {} {} {} {} {}",
            owner,
            self.original_ttl,
            self.type_covered,
            self.algorithm,
            self.labels,
            self.original_ttl,
            t(self.expiration),
            t(self.inception),
            self.key_tag,
            self.signer,
            BASE64.encode(&self.signature)
        )
    }
}

/// RFC 4034 §3.1.8.1: RRSIG RDATA (sans signature) followed by the RRset in canonical form and
/// canonical order. All `records` must be one RRset (same owner, class and type).
pub fn signing_input(rrsig: &Rrsig, records: &[Record]) -> Vec<u8> {
    let mut out = rrsig.rdata_without_signature();
    let mut rrs: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            let mut one = Vec::new();
            r.write_canonical(&mut one, &r.owner.to_lowercase(), rrsig.original_ttl);
            one
        })
        .collect();
    // Same owner/type/class/TTL prefix, so ordering the whole encodings orders by RDATA.
    rrs.sort();
    rrs.dedup();
    for rr in rrs {
        out.extend_from_slice(&rr);
    }
    out
}

/// A DNSKEY record owned by `owner`.
pub fn dnskey_record(owner: &Name, ttl: u32, key: &Dnskey) -> Record {
    Record::new(owner.clone(), Class(1), ttl, Rtype(48), key.to_rdata())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4034 §5.4 example.
    const DNSKEY: &str = "dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz
                                                 fwJr1AYtsmx3TGkJaNXVbfi/
                                                 2pHm822aJ5iI9BMzNXxeYCmZ
                                                 DRD99WYwYqUSdjMmmAphXdvx
                                                 egXd/M5+X7OrzKBaMbCVdFLU
                                                 Uh6DhweJBjEVv5f2wwjM9Xzc
                                                 nOf+EPbtG9DMBmADjFDc2w/r
                                                 ljwvFw==
                                                 ) ;  key id = 60485";

    #[test]
    fn rfc4034_key_tag_and_ds() {
        let keys = read_dnskeys(DNSKEY).unwrap();
        assert_eq!(keys.len(), 1);
        let (owner, key) = &keys[0];
        assert_eq!(owner, "dskey.example.com.");
        assert_eq!(key.key_tag(), 60485);
        // The RFC's SHA-1 DS is 2BB183AF5F22588179A53B0A98631FAD1A292118; check SHA-1 by hand.
        let mut input = Name::parse("dskey.example.com.", None).unwrap().as_wire().to_vec();
        input.extend_from_slice(&key.to_rdata());
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
        assert_eq!(
            crate::hex::upper(sha1.as_ref()),
            "2BB183AF5F22588179A53B0A98631FAD1A292118"
        );
    }

    #[test]
    fn rfc3110_components() {
        let key = [1u8, 3, 0xAA, 0xBB];
        assert_eq!(rsa_components(&key), Some((&[3u8][..], &[0xAA, 0xBB][..])));
        let long = [0u8, 0, 1, 3, 0xAA];
        assert_eq!(rsa_components(&long), Some((&[3u8][..], &[0xAA][..])));
        assert_eq!(rsa_components(&[2, 1]), None);
    }
}
