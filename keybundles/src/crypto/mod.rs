//! Signature creation (software keys) and verification for DNSSEC
//! algorithms 8, 13, 14 and 15.
//!
//! The backend is `aws-lc-rs` for all four algorithms, chosen by measured
//! speed (issue 8, docs/performance.md): it is never slower than `ring`, and
//! on the hosts measured it signs ECDSA P-384 about 4x faster, Ed25519 about
//! 2.7x, and — on CPUs with AVX-512 IFMA — RSA-2048 about 1.8x and P-256
//! about 8% faster. Signatures of either library verify with the other.
//! P-256 signatures are made from AWS-LC's pieces with nonces prepared in
//! batches ([`presign`]), about 1.6x faster than `aws-lc-rs`'s own signing.
//!
//! DNSSEC signature encodings: RSA PKCS#1 v1.5 (RFC 5702 §3), ECDSA as the
//! fixed-width concatenation r‖s (RFC 6605 §4), Ed25519 raw (RFC 8080 §4).

mod keyed;
mod p256_ops;
mod presign;

pub use keyed::{invert_signatures, KeyedVerifier, SignatureInverse};

use presign::P256Signer;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _};
use zeroize::Zeroizing;

use crate::algorithm::Algorithm;
use crate::dnskey::Dnskey;

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("algorithm {0} is not supported")]
    UnsupportedAlgorithm(u8),
    #[error("the public key is malformed for algorithm {0}")]
    BadPublicKey(u8),
    #[error("the signature does not verify")]
    BadSignature,
}

/// Why a private key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the private key was rejected: {0}")]
    Rejected(String),
    #[error("the private key does not match the public key")]
    Mismatch,
    #[error("signing failed")]
    SigningFailed,
}

/// Splits an RFC 3110 RSA public key into (exponent, modulus).
pub fn rsa_public_components(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (exp_len, rest) = if first == 0 {
        let (len, rest) = rest.split_at_checked(2)?;
        (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
    } else {
        (usize::from(first), rest)
    };
    let (exponent, modulus) = rest.split_at_checked(exp_len)?;
    if exponent.is_empty() || modulus.is_empty() {
        return None;
    }
    Some((exponent, modulus))
}

/// Encodes an RSA public key in RFC 3110 form.
pub fn rsa_public_key(exponent: &[u8], modulus: &[u8]) -> Vec<u8> {
    let exponent = strip_zeros(exponent);
    let modulus = strip_zeros(modulus);
    let mut out = Vec::with_capacity(3 + exponent.len() + modulus.len());
    if exponent.len() <= 255 {
        out.push(exponent.len() as u8);
    } else {
        out.push(0);
        out.extend_from_slice(&(exponent.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(exponent);
    out.extend_from_slice(modulus);
    out
}

/// The signing parameters of an ECDSA algorithm (fixed-width r‖s output).
fn ecdsa_signing(algorithm: Algorithm) -> Result<&'static signature::EcdsaSigningAlgorithm, KeyError> {
    match algorithm {
        Algorithm::EcdsaP256Sha256 => Ok(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::EcdsaP384Sha384 => Ok(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => Err(KeyError::Rejected(format!("{algorithm} is not an ECDSA algorithm"))),
    }
}

/// How many bits a big-endian unsigned integer needs.
fn bit_length(bytes: &[u8]) -> usize {
    let bytes = strip_zeros(bytes);
    match bytes.first() {
        Some(&first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// The DER `RSAPrivateKey` (RFC 8017 A.1.2, two primes) of BIND's
/// components: `aws-lc-rs` builds RSA key pairs from DER, not from parts.
/// It holds the private key, so it is wiped when dropped, and its buffers
/// are sized up front so that no reallocation leaves a copy behind.
fn rsa_private_key_der(parts: &RsaPrivateParts<'_>) -> Zeroizing<Vec<u8>> {
    let integers = [
        &[0u8][..], // version: two-prime
        parts.modulus,
        parts.public_exponent,
        parts.private_exponent,
        parts.prime1,
        parts.prime2,
        parts.exponent1,
        parts.exponent2,
        parts.coefficient,
    ];
    // Per INTEGER at most a tag, 4 length octets and a padding zero.
    let room = integers.iter().map(|i| i.len() + 6).sum::<usize>();
    let mut body = Zeroizing::new(Vec::with_capacity(room));
    for integer in integers {
        let digits = strip_zeros(integer);
        // A set high bit would make the INTEGER negative: pad with a zero.
        let pad = digits.first().is_some_and(|&b| b & 0x80 != 0);
        der_header(&mut body, 0x02, digits.len() + usize::from(pad));
        if pad {
            body.push(0);
        }
        body.extend_from_slice(digits);
    }
    let mut der = Zeroizing::new(Vec::with_capacity(body.len() + 6));
    der_header(&mut der, 0x30, body.len());
    der.extend_from_slice(&body);
    der
}

/// A DER tag and definite length (X.690 §8.1.3).
fn der_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let octets = len.to_be_bytes();
        let significant = strip_zeros(&octets);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[first..]
}

/// Verifies `signature` over `message` with the public key in `dnskey`.
pub fn verify(dnskey: &Dnskey, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let algorithm =
        Algorithm::from_number(dnskey.algorithm).ok_or(VerifyError::UnsupportedAlgorithm(dnskey.algorithm))?;
    let bad_key = VerifyError::BadPublicKey(dnskey.algorithm);
    let key = &dnskey.public_key;
    // Each backend has its own error type: both mean "does not verify".
    let verified = match algorithm {
        Algorithm::RsaSha256 => {
            let (e, n) = rsa_public_components(key).ok_or(bad_key)?;
            // 1024-bit RSA keys still exist in the wild; reading their
            // signatures is allowed, making new ones is not (see SigningKey).
            signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                    message,
                    signature,
                )
                .is_ok()
        }
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => {
            if Some(key.len()) != algorithm.fixed_public_key_len() {
                return Err(bad_key);
            }
            let mut point = Vec::with_capacity(key.len() + 1);
            point.push(0x04);
            point.extend_from_slice(key);
            let parameters = if algorithm == Algorithm::EcdsaP256Sha256 {
                &signature::ECDSA_P256_SHA256_FIXED
            } else {
                &signature::ECDSA_P384_SHA384_FIXED
            };
            signature::UnparsedPublicKey::new(parameters, &point)
                .verify(message, signature)
                .is_ok()
        }
        Algorithm::Ed25519 => {
            if key.len() != 32 {
                return Err(bad_key);
            }
            signature::UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(message, signature)
                .is_ok()
        }
    };
    if verified {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// The private half of an RSA key, big-endian integers as in BIND's
/// private-key files.
pub struct RsaPrivateParts<'a> {
    pub modulus: &'a [u8],
    pub public_exponent: &'a [u8],
    pub private_exponent: &'a [u8],
    pub prime1: &'a [u8],
    pub prime2: &'a [u8],
    pub exponent1: &'a [u8],
    pub exponent2: &'a [u8],
    pub coefficient: &'a [u8],
}

/// Makes AWS-LC's random number generator ready before the first signature.
///
/// AWS-LC seeds its generator from CPU timing jitter the first time the
/// process uses it: about 20 ms on one thread, while every other signing
/// thread waits for it. A signer runs this on a spare thread while it
/// reads the zone, so the signing threads start at once — when its keys
/// use that generator at all ([`SigningKey::draws_from_aws_lc_random`]).
/// P-256 nonces come from the operating system's generator ([`presign`]).
/// Only through [`RandomWarmUp`], which waits for the thread: spawned and
/// left, it could still be inside AWS-LC when the process exits.
fn warm_up_random() {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut byte = [0u8; 1];
    // A failure here shows again, and is reported, at the first signature.
    let _ = SystemRandom::new().fill(&mut byte);
}

/// [`warm_up_random`] running on a thread of its own; dropping this waits
/// for it. The process must not exit while that thread is inside AWS-LC:
/// AWS-LC frees every thread's generator state as the process exits,
/// under a thread still seeding its own — a signer publishing a small zone
/// finishes within the 20 ms the seeding takes.
pub struct RandomWarmUp(Option<std::thread::JoinHandle<()>>);

impl RandomWarmUp {
    /// Starts the warm-up.
    pub fn start() -> RandomWarmUp {
        RandomWarmUp(Some(std::thread::spawn(warm_up_random)))
    }

    /// No warm-up (the keys do not draw from AWS-LC's generator).
    pub fn none() -> RandomWarmUp {
        RandomWarmUp(None)
    }
}

impl Drop for RandomWarmUp {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// The key pair.
enum Inner {
    Rsa(signature::RsaKeyPair),
    /// P-384: AWS-LC's signing as it comes.
    Ecdsa(signature::EcdsaKeyPair),
    /// P-256: from nonces prepared in batches ([`presign`]).
    P256(P256Signer),
    Ed25519(signature::Ed25519KeyPair),
}

/// A private key held in memory, able to make DNSSEC signatures.
///
/// `SigningKey` is `Send + Sync`: one key serves every signing thread.
pub struct SigningKey {
    algorithm: Algorithm,
    public_key: Vec<u8>,
    inner: Inner,
    rng: SystemRandom,
}

impl SigningKey {
    /// An RSA/SHA-256 key from its components (2048 to 8192 bits).
    pub fn from_rsa(parts: &RsaPrivateParts<'_>) -> Result<SigningKey, KeyError> {
        let bits = bit_length(parts.modulus);
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError::Rejected(format!(
                "RSA: the modulus has {bits} bits; Signet signs with 2048- to 8192-bit keys"
            )));
        }
        let der = rsa_private_key_der(parts);
        let pair = signature::RsaKeyPair::from_der(&der).map_err(|e| KeyError::Rejected(format!("RSA: {e}")))?;
        let public_key = rsa_public_key(parts.public_exponent, parts.modulus);
        let key = SigningKey {
            algorithm: Algorithm::RsaSha256,
            public_key,
            inner: Inner::Rsa(pair),
            rng: SystemRandom::new(),
        };
        key.self_test()?;
        Ok(key)
    }

    /// An ECDSA key from its private scalar and DNSKEY public key (x‖y).
    pub fn from_ecdsa(algorithm: Algorithm, private: &[u8], public_key: &[u8]) -> Result<SigningKey, KeyError> {
        let mut point = vec![0x04];
        point.extend_from_slice(public_key);
        let pair = signature::EcdsaKeyPair::from_private_key_and_public_key(ecdsa_signing(algorithm)?, private, &point)
            .map_err(|_| KeyError::Mismatch)?;
        SigningKey::from_ecdsa_pair(algorithm, pair, public_key.to_vec())
    }

    /// An ECDSA key from a PKCS#8 document (as `ring` and `aws-lc-rs` generate them).
    pub fn from_ecdsa_pkcs8(algorithm: Algorithm, pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = signature::EcdsaKeyPair::from_pkcs8(ecdsa_signing(algorithm)?, pkcs8)
            .map_err(|e| KeyError::Rejected(e.to_string()))?;
        // The uncompressed point without its 0x04 prefix (RFC 6605 §4).
        let public_key = pair.public_key().as_ref().get(1..).unwrap_or_default().to_vec();
        SigningKey::from_ecdsa_pair(algorithm, pair, public_key)
    }

    /// An ECDSA key checked by `aws-lc-rs`; P-256 keys then sign from
    /// prepared nonces ([`presign`]), P-384 keys through `aws-lc-rs`.
    fn from_ecdsa_pair(
        algorithm: Algorithm,
        pair: signature::EcdsaKeyPair,
        public_key: Vec<u8>,
    ) -> Result<SigningKey, KeyError> {
        use aws_lc_rs::encoding::AsBigEndian as _;
        let inner = if algorithm == Algorithm::EcdsaP256Sha256 {
            let private = pair.private_key().as_be_bytes().map_err(|_| KeyError::SigningFailed)?;
            Inner::P256(P256Signer::new(private.as_ref(), &public_key)?)
        } else {
            Inner::Ecdsa(pair)
        };
        let key = SigningKey {
            algorithm,
            public_key,
            inner,
            rng: SystemRandom::new(),
        };
        key.self_test()?;
        Ok(key)
    }

    /// An Ed25519 key from its 32-octet seed; `public_key`, when given, must match.
    pub fn from_ed25519(seed: &[u8], public_key: Option<&[u8]>) -> Result<SigningKey, KeyError> {
        use signature::Ed25519KeyPair;
        let pair = match public_key {
            Some(public) => Ed25519KeyPair::from_seed_and_public_key(seed, public).map_err(|_| KeyError::Mismatch)?,
            None => Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| KeyError::Rejected(e.to_string()))?,
        };
        let public_key = pair.public_key().as_ref().to_vec();
        Ok(SigningKey {
            algorithm: Algorithm::Ed25519,
            public_key,
            inner: Inner::Ed25519(pair),
            rng: SystemRandom::new(),
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// True when signing draws from AWS-LC's random generator: RSA (its
    /// blinding) and P-384 (its nonces). P-256 nonces come from the
    /// operating system's generator and Ed25519 needs none (RFC 8032).
    pub fn draws_from_aws_lc_random(&self) -> bool {
        matches!(self.inner, Inner::Rsa(_) | Inner::Ecdsa(_))
    }

    /// The public key in DNSKEY encoding.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// A verifier of this key's signatures that uses its private half, at
    /// about the cost of a signature instead of three (see
    /// [`KeyedVerifier`]). None for keys other than ECDSA P-256.
    pub fn keyed_verifier(&self) -> Option<KeyedVerifier> {
        match &self.inner {
            Inner::P256(signer) => signer.keyed_verifier(&self.public_key),
            _ => None,
        }
    }

    /// Signs `message`, returning the signature in DNSSEC encoding.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
                    .map_err(|_| KeyError::SigningFailed)?;
                Ok(sig)
            }
            Inner::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::SigningFailed),
            Inner::P256(signer) => signer.sign(message).map(|s| s.to_vec()),
            Inner::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// Signs a fixed message and verifies it with the public key, so that a
    /// key file whose halves do not belong together is caught at load time.
    fn self_test(&self) -> Result<(), KeyError> {
        let dnskey = Dnskey::new(self.algorithm, self.public_key.clone(), false);
        let message = b"signet key self-test";
        let sig = self.sign(message)?;
        verify(&dnskey, message, &sig).map_err(|_| KeyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_encoding::BASE64;

    fn round_trip(key: &SigningKey) {
        let dnskey = Dnskey::new(key.algorithm(), key.public_key().to_vec(), true);
        let sig = key.sign(b"hello").unwrap();
        verify(&dnskey, b"hello", &sig).unwrap();
        assert_eq!(verify(&dnskey, b"hellO", &sig), Err(VerifyError::BadSignature));
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert_eq!(verify(&dnskey, b"hello", &bad), Err(VerifyError::BadSignature));
    }

    #[test]
    fn software_keys_sign_and_verify() {
        let rng = SystemRandom::new();
        for alg in [Algorithm::EcdsaP256Sha256, Algorithm::EcdsaP384Sha384] {
            let ring_alg = if alg == Algorithm::EcdsaP256Sha256 {
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(ring_alg, &rng).unwrap();
            round_trip(&SigningKey::from_ecdsa_pkcs8(alg, pkcs8.as_ref()).unwrap());
        }
        round_trip(&SigningKey::from_ed25519(&[7u8; 32], None).unwrap());
    }

    /// RFC 8080 §6.1: the example seed yields the RFC's public key and key
    /// tag 3613. (Whole signatures are proven against ldns, BIND and Knot
    /// in the cross-crate tests, not against a constant here.)
    #[test]
    fn rfc8080_ed25519_key() {
        let seed = BASE64.decode(b"ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=").unwrap();
        let key = SigningKey::from_ed25519(&seed, None).unwrap();
        assert_eq!(
            BASE64.encode(key.public_key()),
            "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4="
        );
        let dnskey = Dnskey::new(Algorithm::Ed25519, key.public_key().to_vec(), true);
        assert_eq!(dnskey.key_tag(), 3613);
        round_trip(&key);
        // A public key that does not belong to the seed is refused.
        assert!(matches!(
            SigningKey::from_ed25519(&seed, Some(&[0u8; 32])),
            Err(KeyError::Mismatch)
        ));
    }

    /// The backend moved from ring to aws-lc-rs; signatures must still pass
    /// between the two (and so between Signet releases on either).
    #[test]
    fn p256_signatures_pass_between_ring_and_aws_lc_rs() {
        let rng = ring::rand::SystemRandom::new();
        let ring_alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(ring_alg, &rng).unwrap();
        let ring_key = ring::signature::EcdsaKeyPair::from_pkcs8(ring_alg, pkcs8.as_ref(), &rng).unwrap();
        let ours = SigningKey::from_ecdsa_pkcs8(Algorithm::EcdsaP256Sha256, pkcs8.as_ref()).unwrap();

        let from_ring = ring_key.sign(&rng, b"message").unwrap();
        let dnskey = Dnskey::new(Algorithm::EcdsaP256Sha256, ours.public_key().to_vec(), true);
        verify(&dnskey, b"message", from_ring.as_ref()).unwrap();

        let from_ours = ours.sign(b"message").unwrap();
        let point = ring::signature::KeyPair::public_key(&ring_key).as_ref().to_vec();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &point)
            .verify(b"message", &from_ours)
            .unwrap();
    }

    #[test]
    fn rsa_private_key_der_layout() {
        let parts = RsaPrivateParts {
            modulus: &[0x00, 0x80], // leading zero dropped, then one added: high bit
            public_exponent: &[1, 0, 1],
            private_exponent: &[0x7f],
            prime1: &[2],
            prime2: &[3],
            exponent1: &[4],
            exponent2: &[5],
            coefficient: &[0],
        };
        let der = rsa_private_key_der(&parts);
        assert_eq!(
            *der,
            [
                0x30, 30, 2, 1, 0, 2, 2, 0, 0x80, 2, 3, 1, 0, 1, 2, 1, 0x7f, 2, 1, 2, 2, 1, 3, 2, 1, 4, 2, 1, 5, 2, 1,
                0
            ]
        );
        let mut long = Vec::new();
        der_header(&mut long, 0x30, 0x1234);
        assert_eq!(long, [0x30, 0x82, 0x12, 0x34]);
        assert_eq!(bit_length(&[0, 0, 0x01, 0xff]), 9);
        assert_eq!(bit_length(&[0x80; 256]), 2048);
    }

    #[test]
    fn rsa_keys_outside_2048_to_8192_bits_are_refused_by_size() {
        let modulus = [0xffu8; 128]; // 1024 bits
        let parts = RsaPrivateParts {
            modulus: &modulus,
            public_exponent: &[1, 0, 1],
            private_exponent: &[1],
            prime1: &[1],
            prime2: &[1],
            exponent1: &[1],
            exponent2: &[1],
            coefficient: &[1],
        };
        match SigningKey::from_rsa(&parts) {
            Err(KeyError::Rejected(why)) => assert!(why.contains("1024 bits"), "{why}"),
            other => panic!("expected a refusal by size, got {:?}", other.err()),
        }
    }

    #[test]
    fn rsa_public_key_encoding() {
        let key = rsa_public_key(&[1, 0, 1], &[0, 0xc0, 0xff]);
        assert_eq!(key, vec![3, 1, 0, 1, 0xc0, 0xff]);
        assert_eq!(
            rsa_public_components(&key),
            Some((&[1u8, 0, 1][..], &[0xc0u8, 0xff][..]))
        );
        assert_eq!(rsa_public_components(&[5, 1]), None);
    }
}
