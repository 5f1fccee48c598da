//! Key generation on the token: templates for RSA (8), ECDSA P-256 (13) and P-384 (14) and
//! Ed25519 (15). The private key is always sensitive. It is extractable only if a backup by
//! wrapping is wanted, and then only under a trusted wrapping key (CKA_WRAP_WITH_TRUSTED).

use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, ObjectHandle};

use crate::dnssec::Algorithm;
use crate::token::{Token, TokenError};

/// DER OIDs for CKA_EC_PARAMS (RFC 5480, RFC 8410).
pub const P256_OID: &[u8] = &[0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
pub const P384_OID: &[u8] = &[0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22];
pub const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2B, 0x65, 0x70];
/// PKCS#11 3.0 also allows the curve name as a PrintableString.
pub const ED25519_NAME: &[u8] = b"\x13\x0cedwards25519";

/// What to generate.
#[derive(Clone, Debug)]
pub struct KeySpec {
    pub algorithm: Algorithm,
    /// RSA modulus length; ignored for the curves.
    pub bits: u32,
    pub label: String,
    pub id: Vec<u8>,
    /// Allow export wrapped under a trusted key (for `backup export`).
    pub wrappable: bool,
}

pub struct KeyPair {
    pub public: ObjectHandle,
    pub private: ObjectHandle,
}

/// The key-pair generation mechanism for `algorithm`.
pub fn generation_mechanism(algorithm: Algorithm) -> MechanismType {
    match algorithm {
        Algorithm::RsaSha256 => MechanismType::RSA_PKCS_KEY_PAIR_GEN,
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => MechanismType::ECC_KEY_PAIR_GEN,
        Algorithm::Ed25519 => MechanismType::ECC_EDWARDS_KEY_PAIR_GEN,
    }
}

/// The attributes of the public key that define it (to recreate it on another token).
pub fn domain_attributes(algorithm: Algorithm, bits: u32) -> Vec<Attribute> {
    match algorithm {
        Algorithm::RsaSha256 => vec![
            Attribute::ModulusBits((bits as u64).into()),
            Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
        ],
        Algorithm::EcdsaP256Sha256 => vec![Attribute::EcParams(P256_OID.to_vec())],
        Algorithm::EcdsaP384Sha384 => vec![Attribute::EcParams(P384_OID.to_vec())],
        Algorithm::Ed25519 => vec![Attribute::EcParams(ED25519_OID.to_vec())],
    }
}

/// Template for the private half: on the token, private, sensitive, signing only.
/// CKA_WRAP_WITH_TRUSTED is only sent for wrappable keys, so that cards which do not know the
/// attribute can still make `--no-backup` keys.
pub fn private_template(label: &str, id: &[u8], wrappable: bool) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(wrappable),
        Attribute::Sign(true),
        Attribute::Decrypt(false),
        Attribute::Unwrap(false),
        Attribute::Derive(false),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
    ];
    if wrappable {
        template.push(Attribute::WrapWithTrusted(true));
    }
    template
}

/// Generates the key pair. The caller has checked the label is free.
pub fn generate(token: &Token, spec: &KeySpec) -> Result<KeyPair, TokenError> {
    let mechanism_type = generation_mechanism(spec.algorithm);
    token.require(mechanism_type)?;
    // Refuse before generating if the token could not sign with the key afterwards.
    crate::sign::signing_mechanism(token, spec.algorithm)?;
    let mechanism = match spec.algorithm {
        Algorithm::RsaSha256 => Mechanism::RsaPkcsKeyPairGen,
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => Mechanism::EccKeyPairGen,
        Algorithm::Ed25519 => Mechanism::EccEdwardsKeyPairGen,
    };
    let mut public = vec![
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::Encrypt(false),
        Attribute::Wrap(false),
        Attribute::Label(spec.label.as_bytes().to_vec()),
        Attribute::Id(spec.id.clone()),
    ];
    public.extend(domain_attributes(spec.algorithm, spec.bits));
    let private = private_template(&spec.label, &spec.id, spec.wrappable);
    let result = token.session().generate_key_pair(&mechanism, &public, &private);
    let result = match (result, spec.algorithm) {
        // Some modules only know the curve by name.
        (Err(_), Algorithm::Ed25519) => {
            let last = public.len() - 1;
            public[last] = Attribute::EcParams(ED25519_NAME.to_vec());
            token.session().generate_key_pair(&mechanism, &public, &private)
        }
        (r, _) => r,
    };
    let (public, private) = result.map_err(token.err(&format!("C_GenerateKeyPair ({mechanism_type})")))?;
    Ok(KeyPair { public, private })
}
