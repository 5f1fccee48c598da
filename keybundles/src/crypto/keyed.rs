//! ECDSA verification by the holder of the private key: the same answer as
//! a public-key verification, at about the cost of making the signature.
//!
//! A verifier of an ECDSA signature (r, s) over a message with digest `e`
//! computes (FIPS 186-5 §6.4.2)
//!
//! ```text
//!     R = (e·s⁻¹)·G + (r·s⁻¹)·Q
//! ```
//!
//! and accepts when x(R) mod n = r. The second product has a base point,
//! Q, with no precomputed table, and costs about three times a signature
//! (a P-256 verification takes 52 µs where a signature takes 15 µs on the
//! test host). A signer that holds the private scalar `d` with Q = d·G can
//! compute the very same point with one multiplication of the generator:
//!
//! ```text
//!     R = (e·s⁻¹ + r·s⁻¹·d)·G = ((e + r·d)·s⁻¹)·G
//! ```
//!
//! [`KeyedVerifier::new`] first checks Q = d·G against the public key it
//! will answer for, so the identity holds: a signature passes here exactly
//! when it passes [`super::verify`] with that public key. The tests hold
//! the two to that on valid and damaged signatures alike.
//!
//! The scalar (e + r·d)·s⁻¹ is the signature's nonce k, as secret as `d`:
//! it is computed with `p256`'s constant-time field arithmetic, multiplied
//! by AWS-LC's constant-time generator multiplication (the one its signing
//! uses), and wiped after use. Only s⁻¹, of public values, is computed in
//! variable time.
//!
//! Only P-256 (algorithm 13) is done this way, the algorithm Signet
//! defaults to; other keys are verified with their public key.

use p256::elliptic_curve::ff::Field as _;
use p256::elliptic_curve::ops::{Invert as _, Reduce};
use p256::{FieldBytes, Scalar, U256};
use zeroize::Zeroizing;

use super::p256_ops::{generator_x, invert_all, private_scalar_for, scalar_of, WIDTH};
use super::{KeyError, VerifyError};
use crate::algorithm::Algorithm;

/// Verifies the signatures of one P-256 key whose private half is held.
///
/// `KeyedVerifier` is `Send + Sync`: one serves every verifying thread.
pub struct KeyedVerifier {
    /// d, the private scalar.
    private: Zeroizing<Scalar>,
    /// Q = d·G in DNSKEY encoding (x‖y, RFC 6605 §4).
    public_key: Vec<u8>,
}

impl KeyedVerifier {
    /// A verifier for `public_key` (x‖y) from the private scalar `d`
    /// (big-endian). Refused unless d·G is exactly `public_key`.
    pub fn new(algorithm: Algorithm, private: &[u8], public_key: &[u8]) -> Result<KeyedVerifier, KeyError> {
        if algorithm != Algorithm::EcdsaP256Sha256 {
            return Err(KeyError::Rejected(format!(
                "{algorithm}: only ECDSA P-256 keys are verified with their private half"
            )));
        }
        let private = private_scalar_for(private, public_key)?;
        Ok(KeyedVerifier {
            private,
            public_key: public_key.to_vec(),
        })
    }

    /// Always ECDSA P-256 (algorithm 13), for now.
    pub fn algorithm(&self) -> Algorithm {
        Algorithm::EcdsaP256Sha256
    }

    /// The public key it answers for, in DNSKEY encoding.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Verifies a DNSSEC ECDSA P-256 signature (r‖s, RFC 6605 §4) over
    /// `message`: the same verdict as [`super::verify`] with the public key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let inverse = invert_signatures([signature]).pop().unwrap_or(SignatureInverse(None));
        self.verify_with(message, signature, &inverse)
    }

    /// [`KeyedVerifier::verify`] with the signature's s⁻¹ computed ahead by
    /// [`invert_signatures`]. An inverse that is not this signature's
    /// (s·s⁻¹ ≠ 1) makes the signature fail, never pass.
    pub fn verify_with(&self, message: &[u8], signature: &[u8], inverse: &SignatureInverse) -> Result<(), VerifyError> {
        let bad = Err(VerifyError::BadSignature);
        let (Some((r, s)), Some(s_inverse)) = (parse(signature), inverse.0) else {
            return bad;
        };
        if s * s_inverse != Scalar::ONE {
            return bad;
        }
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
        let e = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(digest.as_ref()));
        let k = Zeroizing::new((e + r * *self.private) * s_inverse);
        // k = 0 would make R the point at infinity: never a valid signature.
        if bool::from(k.is_zero()) {
            return bad;
        }
        let Some(x) = generator_x(&k) else {
            return bad;
        };
        let x = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&x));
        if x == r {
            Ok(())
        } else {
            bad
        }
    }
}

/// s⁻¹ mod n of one signature, for [`KeyedVerifier::verify_with`]; empty
/// for a signature that is not r‖s with r and s in [1, n-1].
#[derive(Clone, Copy, Debug)]
pub struct SignatureInverse(Option<Scalar>);

/// (r, s) of a P-256 signature r‖s, if both lie in [1, n-1] (FIPS 186-5
/// §6.4.2 step 2).
fn parse(signature: &[u8]) -> Option<(Scalar, Scalar)> {
    if signature.len() != 2 * WIDTH {
        return None;
    }
    let (r, s) = signature.split_at(WIDTH);
    let (r, s) = (scalar_of(r)?, scalar_of(s)?);
    (!bool::from(r.is_zero()) && !bool::from(s.is_zero())).then_some((r, s))
}

/// The s⁻¹ of many P-256 signatures, in order, for one inversion in all
/// (Montgomery's trick: three multiplications each). An inversion costs
/// about as much as the rest of a keyed verification, so a verifier that
/// checks signatures in batches does this first. s is public: the
/// inversion runs in variable time.
pub fn invert_signatures<'s>(signatures: impl IntoIterator<Item = &'s [u8]>) -> Vec<SignatureInverse> {
    let values: Vec<Option<Scalar>> = signatures.into_iter().map(|sig| parse(sig).map(|(_, s)| s)).collect();
    let valid: Vec<Scalar> = values.iter().flatten().copied().collect();
    // Every s is in [1, n-1] and n is prime: the product is invertible.
    let Some(inverses) = invert_all(&valid, |product| product.invert_vartime().into()) else {
        return vec![SignatureInverse(None); values.len()];
    };
    let mut inverses = inverses.iter().copied();
    values
        .iter()
        .map(|s| SignatureInverse(s.and_then(|_| inverses.next())))
        .collect()
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsBigEndian as _;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};

    use super::*;
    use crate::dnskey::Dnskey;

    /// The group order n of P-256, big-endian (FIPS 186-5 / SEC 2).
    const ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6,
        0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];

    struct Fixture {
        pair: EcdsaKeyPair,
        keyed: KeyedVerifier,
        dnskey: Dnskey,
    }

    fn fixture() -> Fixture {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("key");
        let d = pair.private_key().as_be_bytes().expect("scalar");
        let public = pair.public_key().as_ref()[1..].to_vec();
        let keyed = KeyedVerifier::new(Algorithm::EcdsaP256Sha256, d.as_ref(), &public).expect("verifier");
        let dnskey = Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 13,
            public_key: public,
        };
        Fixture { pair, keyed, dnskey }
    }

    fn sign(f: &Fixture, message: &[u8]) -> Vec<u8> {
        f.pair
            .sign(&SystemRandom::new(), message)
            .expect("sign")
            .as_ref()
            .to_vec()
    }

    /// The verdict of both verifiers, which must agree.
    fn verdict(f: &Fixture, message: &[u8], signature: &[u8]) -> bool {
        let public = super::super::verify(&f.dnskey, message, signature).is_ok();
        let keyed = f.keyed.verify(message, signature).is_ok();
        assert_eq!(public, keyed, "the keyed verifier disagrees with the public key");
        keyed
    }

    #[test]
    fn agrees_with_public_key_verification_on_valid_and_damaged_signatures() {
        let f = fixture();
        for i in 0..200u32 {
            let mut message = format!("message {i} of a DNSSEC signing input").into_bytes();
            let signature = sign(&f, &message);
            assert!(verdict(&f, &message, &signature));
            // One bit flipped in r, in s, and in the message.
            for position in [i as usize % 32, 32 + i as usize % 32] {
                let mut damaged = signature.clone();
                damaged[position] ^= 1 << (i % 8);
                assert!(!verdict(&f, &message, &damaged));
            }
            let at = i as usize % message.len();
            message[at] ^= 0x20;
            assert!(!verdict(&f, &message, &signature));
        }
    }

    #[test]
    fn refuses_out_of_range_and_malformed_signatures() {
        let f = fixture();
        let message = b"the signing input";
        let good = sign(&f, message);
        let (r, s) = good.split_at(32);
        let zero = [0u8; 32];
        for signature in [
            [&zero[..], s].concat(),
            [r, &zero[..]].concat(),
            [&ORDER[..], s].concat(),
            [r, &ORDER[..]].concat(),
            [0xff; 64].to_vec(),
            good[..63].to_vec(),
            [good.as_slice(), &[0]].concat(),
            Vec::new(),
        ] {
            assert!(!verdict(&f, message, &signature), "{signature:02x?}");
        }
        assert!(verdict(&f, message, &good));
    }

    #[test]
    fn refuses_a_public_key_that_is_not_d_times_g() {
        let f = fixture();
        let other = fixture();
        let d = f.pair.private_key().as_be_bytes().expect("scalar");
        let made = KeyedVerifier::new(Algorithm::EcdsaP256Sha256, d.as_ref(), &other.dnskey.public_key);
        assert!(matches!(made, Err(KeyError::Mismatch)));
        for bad_scalar in [[0u8; 32], ORDER, [0xff; 32]] {
            let made = KeyedVerifier::new(Algorithm::EcdsaP256Sha256, &bad_scalar, &f.dnskey.public_key);
            assert!(matches!(made, Err(KeyError::Rejected(_))));
        }
        let made = KeyedVerifier::new(Algorithm::EcdsaP384Sha384, d.as_ref(), &f.dnskey.public_key);
        assert!(matches!(made, Err(KeyError::Rejected(_))));
    }

    #[test]
    fn batch_inverses_give_the_same_verdicts_and_catch_a_wrong_inverse() {
        let f = fixture();
        let mut messages = Vec::new();
        let mut signatures = Vec::new();
        for i in 0..50u32 {
            let message = format!("input {i}").into_bytes();
            let mut signature = sign(&f, &message);
            match i % 10 {
                3 => signature[40] ^= 4,      // damaged s
                5 => signature[32..].fill(0), // s = 0: no inverse
                7 => signature.truncate(63),  // malformed
                _ => {}
            }
            messages.push(message);
            signatures.push(signature);
        }
        let inverses = invert_signatures(signatures.iter().map(Vec::as_slice));
        assert_eq!(inverses.len(), signatures.len());
        for (i, ((message, signature), inverse)) in messages.iter().zip(&signatures).zip(&inverses).enumerate() {
            let batched = f.keyed.verify_with(message, signature, inverse).is_ok();
            assert_eq!(batched, verdict(&f, message, signature), "signature {i}");
            assert_eq!(batched, !matches!(i % 10, 3 | 5 | 7), "signature {i}");
        }
        // Another signature's inverse never lets a signature pass.
        assert!(f.keyed.verify_with(&messages[0], &signatures[0], &inverses[0]).is_ok());
        assert!(f.keyed.verify_with(&messages[0], &signatures[0], &inverses[1]).is_err());
        assert!(invert_signatures([]).is_empty());
    }

    #[test]
    fn signatures_of_another_key_do_not_verify() {
        let f = fixture();
        let other = fixture();
        let message = b"signed by the other key";
        let signature = sign(&other, message);
        assert!(f.keyed.verify(message, &signature).is_err());
        assert!(other.keyed.verify(message, &signature).is_ok());
    }
}
