//! DNSSEC signing algorithms Signet signs with (IANA "DNS Security Algorithm
//! Numbers"; RFC 5702, RFC 6605, RFC 8080; recommendations of RFC 8624).

use std::fmt;

/// An algorithm Signet can sign and verify with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// 8, RSA/SHA-256 (RFC 5702).
    RsaSha256,
    /// 13, ECDSA P-256 with SHA-256 (RFC 6605).
    EcdsaP256Sha256,
    /// 14, ECDSA P-384 with SHA-384 (RFC 6605).
    EcdsaP384Sha384,
    /// 15, Ed25519 (RFC 8080).
    Ed25519,
}

impl Algorithm {
    pub const ALL: [Algorithm; 4] = [
        Algorithm::RsaSha256,
        Algorithm::EcdsaP256Sha256,
        Algorithm::EcdsaP384Sha384,
        Algorithm::Ed25519,
    ];

    /// The algorithm with this number, if Signet supports it.
    pub fn from_number(number: u8) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.number() == number)
    }

    /// The IANA number.
    pub fn number(self) -> u8 {
        match self {
            Algorithm::RsaSha256 => 8,
            Algorithm::EcdsaP256Sha256 => 13,
            Algorithm::EcdsaP384Sha384 => 14,
            Algorithm::Ed25519 => 15,
        }
    }

    /// The mnemonic, as in BIND key files (`Algorithm: 13 (ECDSAP256SHA256)`).
    pub fn mnemonic(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "RSASHA256",
            Algorithm::EcdsaP256Sha256 => "ECDSAP256SHA256",
            Algorithm::EcdsaP384Sha384 => "ECDSAP384SHA384",
            Algorithm::Ed25519 => "ED25519",
        }
    }

    /// Length of the public key in DNSKEY form for the fixed-size algorithms.
    pub fn fixed_public_key_len(self) -> Option<usize> {
        match self {
            Algorithm::RsaSha256 => None,
            Algorithm::EcdsaP256Sha256 => Some(64),
            Algorithm::EcdsaP384Sha384 => Some(96),
            Algorithm::Ed25519 => Some(32),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.mnemonic())
    }
}
