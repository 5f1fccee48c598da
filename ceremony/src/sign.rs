//! Signing on the token, producing DNSSEC signature formats, using only what small cards offer:
//! ECDSA hashes on the host and signs with raw CKM_ECDSA; RSA uses CKM_SHA256_RSA_PKCS or, when
//! the token lacks it, CKM_RSA_PKCS over a host-built DigestInfo; Ed25519 uses CKM_EDDSA.
//!
//! [`sign_rrset`] makes an RRSIG over one RRset; it is the building block for signing the DNSKEY
//! RRset at a ceremony and, later, for signing the bundles of a KSR.

use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::ObjectHandle;
use keybundles::{Name, Record};

use crate::dnskey_from_token::TokenKey;
use crate::dnssec::{signing_input, Algorithm, Rrsig};
use crate::token::{Token, TokenError};

/// DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
pub const SHA256_DIGEST_INFO: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
];

/// The mechanism this token will sign with for `algorithm`, or "not supported by this token".
pub fn signing_mechanism(token: &Token, algorithm: Algorithm) -> Result<MechanismType, TokenError> {
    let have = token.mechanisms()?;
    let choice: &[MechanismType] = match algorithm {
        Algorithm::RsaSha256 => &[MechanismType::SHA256_RSA_PKCS, MechanismType::RSA_PKCS],
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => &[MechanismType::ECDSA],
        Algorithm::Ed25519 => &[MechanismType::EDDSA],
    };
    choice
        .iter()
        .copied()
        .find(|m| have.contains(m))
        .ok_or_else(|| token.unsupported(choice[0]))
}

/// A private key on the token, as far as signing needs it.
#[derive(Clone, Copy, Debug)]
pub struct SigningKey<'a> {
    pub label: &'a str,
    pub private: ObjectHandle,
    pub algorithm: Algorithm,
}

impl<'a> From<&'a TokenKey> for SigningKey<'a> {
    fn from(k: &'a TokenKey) -> SigningKey<'a> {
        SigningKey {
            label: &k.label,
            private: k.private,
            algorithm: k.algorithm,
        }
    }
}

/// Signs `message` with the key, returning the signature in DNSSEC wire format.
pub fn sign(token: &Token, key: SigningKey<'_>, message: &[u8]) -> Result<Vec<u8>, TokenError> {
    let mechanism_type = signing_mechanism(token, key.algorithm)?;
    sign_with(token, key, message, mechanism_type)
}

/// Like [`sign`] with the mechanism chosen by the caller (for RSA: CKM_SHA256_RSA_PKCS, or
/// CKM_RSA_PKCS over a host-built DigestInfo, as small cards need).
pub fn sign_with(
    token: &Token,
    key: SigningKey<'_>,
    message: &[u8],
    mechanism_type: MechanismType,
) -> Result<Vec<u8>, TokenError> {
    if !token.supports(mechanism_type)? {
        return Err(token.unsupported(mechanism_type));
    }
    let session = token.session();
    let op = format!("C_Sign ({mechanism_type}) with key \"{}\"", key.label);
    let signature = match key.algorithm {
        Algorithm::RsaSha256 if mechanism_type == MechanismType::SHA256_RSA_PKCS => {
            session.sign(&Mechanism::Sha256RsaPkcs, key.private, message)
        }
        Algorithm::RsaSha256 => {
            let mut info = SHA256_DIGEST_INFO.to_vec();
            info.extend_from_slice(ring::digest::digest(&ring::digest::SHA256, message).as_ref());
            session.sign(&Mechanism::RsaPkcs, key.private, &info)
        }
        Algorithm::EcdsaP256Sha256 => {
            let digest = ring::digest::digest(&ring::digest::SHA256, message);
            session.sign(&Mechanism::Ecdsa, key.private, digest.as_ref())
        }
        Algorithm::EcdsaP384Sha384 => {
            let digest = ring::digest::digest(&ring::digest::SHA384, message);
            session.sign(&Mechanism::Ecdsa, key.private, digest.as_ref())
        }
        Algorithm::Ed25519 => session.sign(
            &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
            key.private,
            message,
        ),
    }
    .map_err(token.err(&op))?;
    Ok(signature)
}

/// Validity window of a signature, in seconds since the epoch (RFC 4034 serial arithmetic is
/// the verifier's business; here both are plain 32-bit times).
#[derive(Clone, Copy, Debug)]
pub struct Validity {
    pub inception: u32,
    pub expiration: u32,
}

/// Makes the RRSIG over `rrset` (one owner, class and type) with the token key, signer `signer`.
pub fn sign_rrset(
    token: &Token,
    key: &TokenKey,
    signer: &Name,
    rrset: &[Record],
    ttl: u32,
    validity: Validity,
) -> Result<Rrsig, TokenError> {
    let first = rrset.first().expect("an RRset has at least one record");
    let mut rrsig = Rrsig {
        type_covered: first.rtype,
        algorithm: key.algorithm.number(),
        labels: first.owner.rrsig_labels(),
        original_ttl: ttl,
        expiration: validity.expiration,
        inception: validity.inception,
        key_tag: key.dnskey.key_tag(),
        signer: signer.clone(),
        signature: Vec::new(),
    };
    let refs: Vec<&Record> = rrset.iter().collect();
    let input = signing_input(&rrsig, &refs);
    rrsig.signature = sign(token, key.into(), &input)?;
    Ok(rrsig)
}
