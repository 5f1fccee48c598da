//! ECDSA P-256 signing from nonces prepared in batches.
//!
//! An ECDSA signature (FIPS 186-5 §6.4.1) over a message with digest `e`
//! is
//!
//! ```text
//!     r = x(k·G) mod n,    s = k⁻¹·(e + r·d) mod n
//! ```
//!
//! for a fresh secret nonce k. Nearly all of the cost is in k·G and k⁻¹,
//! and neither depends on the message or the key: FIPS 186-4 (§4.5, which
//! §6.3 applies to ECDSA) lets k and k⁻¹ be computed in advance, and Intel's
//! IPP Cryptography (`mbx_nistp256_ecdsa_sign_setup`) does exactly this.
//! Prepared in a batch, the inverses cost one modular inversion for the
//! whole batch (Montgomery's trick: 3 multiplications per nonce) where
//! AWS-LC's one-at-a-time signing pays a whole inversion per signature —
//! about a quarter of its time. On the test host a signature drops from
//! about 14.4 µs to about 8.5 µs (docs/performance.md).
//!
//! What keeps it as safe as AWS-LC's own signing:
//!
//! - k is drawn uniformly from [1, n-1] by rejection sampling from the
//!   operating system's generator (`getrandom(2)` on Linux, through
//!   `ring`'s `SystemRandom`), as BoringSSL- and RustCrypto-based signers
//!   draw theirs. Not AWS-LC's generator: that one seeds itself from CPU
//!   timing jitter the first time a process uses it, 20 ms before the
//!   first signature (a twentieth of a re-signing from a diff), while the
//!   kernel's is seeded at boot.
//! - k·G is AWS-LC's constant-time multiplication of the generator, the one
//!   its signing uses; the arithmetic modulo n is `p256`'s constant-time
//!   scalar arithmetic, and the batch inversion is a constant-time
//!   inversion of the product.
//! - Each prepared nonce sits in a per-thread pool, is taken out exactly
//!   once, and is wiped when used or when the thread ends. The pool is not
//!   shared between threads, so no nonce can be handed out twice. A forked
//!   child would inherit the pool; Signet never forks without exec.
//! - The tests hold the result to AWS-LC's signing with the same nonce
//!   (its known-answer hook) and to public-key verification, and every
//!   signed zone in `tests/` is checked by BIND, ldns and Knot.
//!
//! Unlike AWS-LC's signing, the nonce is not hedged with the key and the
//! message (it cannot be: it exists before either is known), so it rests on
//! the random generator alone, as the private keys themselves do.

use std::cell::RefCell;

use p256::elliptic_curve::ff::Field as _;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::PrimeField as _;
use p256::{FieldBytes, Scalar, U256};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, Zeroizing};

use super::p256_ops::{generator_x, invert_all, private_scalar_for, scalar_of, WIDTH};
use super::KeyError;

/// Nonces prepared at a time per thread: the one inversion then costs
/// under 1% of a signature, and a thread that signs only a few RRsets
/// (a small zone) spends about a millisecond on the unused rest.
const BATCH: usize = 128;

/// A P-256 private key that signs from prepared nonces.
pub(super) struct P256Signer {
    /// d, the private scalar.
    private: Zeroizing<Scalar>,
}

impl P256Signer {
    /// A signer for the private scalar `d` (big-endian), refused unless
    /// d·G is exactly `public_key` (x‖y).
    pub(super) fn new(private: &[u8], public_key: &[u8]) -> Result<P256Signer, KeyError> {
        let private = private_scalar_for(private, public_key)?;
        Ok(P256Signer { private })
    }

    /// A verifier of this key's signatures by its private half.
    pub(super) fn keyed_verifier(&self, public_key: &[u8]) -> Option<super::KeyedVerifier> {
        let private = Zeroizing::new(self.private.to_repr());
        super::KeyedVerifier::new(
            crate::algorithm::Algorithm::EcdsaP256Sha256,
            private.as_slice(),
            public_key,
        )
        .ok()
    }

    /// Signs `message` with SHA-256, returning r‖s (RFC 6605 §4).
    pub(super) fn sign(&self, message: &[u8]) -> Result<[u8; 2 * WIDTH], KeyError> {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
        let e = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(digest.as_ref()));
        loop {
            let nonce = take_nonce()?;
            if let Some(signature) = self.sign_with(&nonce, &e) {
                return Ok(signature);
            }
            // s = 0 (probability about 2⁻²⁵⁶): FIPS 186-5 takes a new nonce.
        }
    }

    /// s = k⁻¹·(e + r·d); None if s is zero.
    fn sign_with(&self, nonce: &PreparedNonce, e: &Scalar) -> Option<[u8; 2 * WIDTH]> {
        let s = nonce.k_inverse * (*e + nonce.r * *self.private);
        if bool::from(s.is_zero()) {
            return None;
        }
        let mut out = [0u8; 2 * WIDTH];
        out[..WIDTH].copy_from_slice(&nonce.r.to_repr());
        out[WIDTH..].copy_from_slice(&s.to_repr());
        Some(out)
    }
}

/// A nonce made ready for one signature: r = x(k·G) mod n and k⁻¹ mod n.
/// Secret until used (k⁻¹ and the signature reveal d); wiped on drop.
struct PreparedNonce {
    r: Scalar,
    k_inverse: Scalar,
}

impl Drop for PreparedNonce {
    fn drop(&mut self) {
        self.r.zeroize();
        self.k_inverse.zeroize();
    }
}

thread_local! {
    /// This thread's prepared nonces; each is popped exactly once.
    static POOL: RefCell<Vec<PreparedNonce>> = const { RefCell::new(Vec::new()) };
}

/// The next prepared nonce of this thread, preparing a batch when none
/// is left.
fn take_nonce() -> Result<PreparedNonce, KeyError> {
    POOL.with(|pool| {
        let mut pool = pool.try_borrow_mut().map_err(|_| KeyError::SigningFailed)?;
        if pool.is_empty() {
            let nonces = random_nonces(BATCH)?;
            *pool = prepare(&nonces).ok_or(KeyError::SigningFailed)?;
        }
        pool.pop().ok_or(KeyError::SigningFailed)
    })
}

/// `count` nonces uniform in [1, n-1]: 32 random octets each, drawn
/// again when they are not below n or are zero (rejection sampling, no
/// bias). The octets come in one call to the generator per batch.
fn random_nonces(count: usize) -> Result<Zeroizing<Vec<Scalar>>, KeyError> {
    let rng = SystemRandom::new();
    let mut octets = Zeroizing::new(vec![0u8; count * WIDTH]);
    let mut nonces = Zeroizing::new(Vec::with_capacity(count));
    while nonces.len() < count {
        rng.fill(octets.as_mut_slice()).map_err(|_| KeyError::SigningFailed)?;
        let wanted = count - nonces.len();
        let drawn = octets.chunks_exact(WIDTH).filter_map(scalar_of);
        nonces.extend(drawn.filter(|k| !bool::from(k.is_zero())).take(wanted));
    }
    Ok(nonces)
}

/// Prepares nonces: r from k·G, and every k⁻¹ by one constant-time
/// inversion of the product of all k ([`invert_all`]). Nonces whose r is
/// zero (probability about 2⁻²⁵⁶ each) are dropped. None if AWS-LC fails.
fn prepare(nonces: &[Scalar]) -> Option<Vec<PreparedNonce>> {
    let inverses = invert_all(nonces, |product| product.invert().into())?;
    let mut prepared = Vec::with_capacity(nonces.len());
    for (k, &k_inverse) in nonces.iter().zip(inverses.iter()).rev() {
        let x = generator_x(k)?;
        let r = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(&x));
        if !bool::from(r.is_zero()) {
            prepared.push(PreparedNonce { r, k_inverse });
        }
    }
    Some(prepared)
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsBigEndian as _;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
    use aws_lc_sys as sys;

    use super::*;
    use crate::algorithm::Algorithm;
    use crate::dnskey::Dnskey;

    fn key_pair() -> (EcdsaKeyPair, P256Signer, Dnskey) {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("key");
        let d = pair.private_key().as_be_bytes().expect("scalar");
        let public = pair.public_key().as_ref()[1..].to_vec();
        let signer = P256Signer::new(d.as_ref(), &public).expect("signer");
        let dnskey = Dnskey::new(Algorithm::EcdsaP256Sha256, public, false);
        (pair, signer, dnskey)
    }

    /// AWS-LC's own signature of `digest` with the nonce `k`, as r‖s.
    fn aws_lc_signature(pair: &EcdsaKeyPair, digest: &[u8], k: &Scalar) -> [u8; 64] {
        let d = pair.private_key().as_be_bytes().expect("scalar");
        let k = k.to_repr();
        let mut out = [0u8; 64];
        // SAFETY: test-only use of AWS-LC's known-answer hook; every
        // pointer is valid for the call and every object is freed.
        unsafe {
            let key = sys::EC_KEY_new_by_curve_name(sys::NID_X9_62_prime256v1);
            let d_bn = sys::BN_bin2bn(d.as_ref().as_ptr(), 32, std::ptr::null_mut());
            assert_eq!(sys::EC_KEY_set_private_key(key, d_bn), 1);
            let sig = sys::ECDSA_sign_with_nonce_and_leak_private_key_for_testing(
                digest.as_ptr(),
                digest.len(),
                key,
                k.as_ptr(),
                k.len(),
            );
            assert!(!sig.is_null());
            let (mut r, mut s) = (std::ptr::null(), std::ptr::null());
            sys::ECDSA_SIG_get0(sig, &mut r, &mut s);
            assert_eq!(sys::BN_bn2bin_padded(out.as_mut_ptr(), 32, r), 1);
            assert_eq!(sys::BN_bn2bin_padded(out.as_mut_ptr().add(32), 32, s), 1);
            sys::ECDSA_SIG_free(sig);
            sys::BN_free(d_bn);
            sys::EC_KEY_free(key);
        }
        out
    }

    #[test]
    fn same_signatures_as_aws_lc_with_the_same_nonces() {
        let (pair, signer, _) = key_pair();
        // Batches of several sizes, so the batch inversion is exercised
        // at its edges (one nonce, two, a full batch).
        for size in [1, 2, 7, BATCH] {
            let ks = random_nonces(size).expect("nonces");
            let prepared = prepare(&ks).expect("prepared");
            assert_eq!(prepared.len(), size);
            // `prepare` hands the nonces out last-first.
            for (i, (nonce, k)) in prepared.iter().zip(ks.iter().rev()).enumerate() {
                let message = format!("message {i} of {size}");
                let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message.as_bytes());
                let e = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(digest.as_ref()));
                let ours = signer.sign_with(nonce, &e).expect("signature");
                assert_eq!(ours, aws_lc_signature(&pair, digest.as_ref(), k), "nonce {i} of {size}");
            }
        }
    }

    #[test]
    fn signatures_verify_and_nonces_never_repeat() {
        let (_, signer, dnskey) = key_pair();
        let mut seen_r = std::collections::HashSet::new();
        for i in 0..3 * BATCH + 5 {
            let message = format!("signing input {i}");
            let signature = signer.sign(message.as_bytes()).expect("sign");
            super::super::verify(&dnskey, message.as_bytes(), &signature).expect("verifies");
            assert!(seen_r.insert(signature[..WIDTH].to_vec()), "r repeated at {i}");
            let mut damaged = signature;
            damaged[40] ^= 1;
            assert!(super::super::verify(&dnskey, message.as_bytes(), &damaged).is_err());
        }
    }

    #[test]
    fn threads_draw_from_their_own_pools() {
        let (_, signer, dnskey) = key_pair();
        let signer = &signer;
        let all_r: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    scope.spawn(move || {
                        (0..BATCH + 3)
                            .map(|i| {
                                let signature = signer.sign(format!("{t}/{i}").as_bytes()).expect("sign");
                                signature[..WIDTH].to_vec()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("thread")).collect()
        });
        let distinct: std::collections::HashSet<_> = all_r.iter().collect();
        assert_eq!(distinct.len(), all_r.len(), "a nonce was used twice");
        let signature = signer.sign(b"after the threads").expect("sign");
        assert!(super::super::verify(&dnskey, b"after the threads", &signature).is_ok());
    }

    #[test]
    fn refuses_a_public_key_that_is_not_d_times_g() {
        let (pair, _, _) = key_pair();
        let (_, _, other) = key_pair();
        let d = pair.private_key().as_be_bytes().expect("scalar");
        assert!(matches!(
            P256Signer::new(d.as_ref(), &other.public_key),
            Err(KeyError::Mismatch)
        ));
        assert!(matches!(
            P256Signer::new(&[0; 32], &other.public_key),
            Err(KeyError::Rejected(_))
        ));
    }
}
