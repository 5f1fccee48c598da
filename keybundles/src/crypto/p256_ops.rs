//! P-256 operations shared by verification by the key's holder
//! ([`super::keyed`]) and signing from precomputed nonces
//! ([`super::presign`]): AWS-LC's constant-time multiplication of the
//! generator, which `aws-lc-rs` does not expose, and scalars from octets.

use std::ptr;

use aws_lc_sys as sys;
use p256::elliptic_curve::ff::PrimeField as _;
use p256::{FieldBytes, Scalar};
use zeroize::Zeroize as _;

/// Octets in a P-256 coordinate or scalar.
pub(super) const WIDTH: usize = 32;

/// A scalar from big-endian octets, if it is below the group order.
pub(super) fn scalar_of(octets: &[u8]) -> Option<Scalar> {
    if octets.len() != WIDTH {
        return None;
    }
    Scalar::from_repr(*FieldBytes::from_slice(octets)).into()
}

/// k·G as x‖y, with AWS-LC's constant-time multiplication of the
/// generator. None only if AWS-LC fails (out of memory) or k·G is the
/// point at infinity.
pub(super) fn multiply_generator(k: &Scalar) -> Option<[u8; 2 * WIDTH]> {
    let mut k_octets = k.to_repr();
    let result = Bignum::from_octets(&k_octets).and_then(|k_bn| {
        // SAFETY: every pointer is valid for the call: the group is
        // AWS-LC's static P-256 group, `point` and the bignums are owned
        // by guards that free them after it, and a null BN_CTX makes
        // AWS-LC use its own.
        unsafe {
            let group = sys::EC_group_p256();
            let point = Point::new(group)?;
            if sys::EC_POINT_mul(group, point.0, k_bn.0, ptr::null(), ptr::null(), ptr::null_mut()) != 1 {
                return None;
            }
            let (x, y) = (Bignum::new()?, Bignum::new()?);
            if sys::EC_POINT_get_affine_coordinates_GFp(group, point.0, x.0, y.0, ptr::null_mut()) != 1 {
                return None;
            }
            let mut out = [0u8; 2 * WIDTH];
            let (x_out, y_out) = out.split_at_mut(WIDTH);
            if sys::BN_bn2bin_padded(x_out.as_mut_ptr(), WIDTH, x.0) != 1
                || sys::BN_bn2bin_padded(y_out.as_mut_ptr(), WIDTH, y.0) != 1
            {
                return None;
            }
            Some(out)
        }
    });
    k_octets.zeroize();
    result
}

/// An owned AWS-LC `BIGNUM`, wiped and freed on drop (it may hold a nonce).
struct Bignum(*mut sys::BIGNUM);

impl Bignum {
    fn new() -> Option<Bignum> {
        // SAFETY: BN_new has no preconditions; null means out of memory.
        let bn = unsafe { sys::BN_new() };
        (!bn.is_null()).then_some(Bignum(bn))
    }

    fn from_octets(octets: &[u8]) -> Option<Bignum> {
        let bn = Bignum::new()?;
        // SAFETY: `octets` is valid for its length; `bn.0` is a live BIGNUM.
        let set = unsafe { sys::BN_bin2bn(octets.as_ptr(), octets.len(), bn.0) };
        (!set.is_null()).then_some(bn)
    }
}

impl Drop for Bignum {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_new and is freed only here.
        unsafe { sys::BN_clear_free(self.0) }
    }
}

/// An owned AWS-LC `EC_POINT`, freed on drop.
struct Point(*mut sys::EC_POINT);

impl Point {
    /// # Safety
    /// `group` must be a valid EC_GROUP.
    unsafe fn new(group: *const sys::EC_GROUP) -> Option<Point> {
        // SAFETY: the caller passes a valid group.
        let point = unsafe { sys::EC_POINT_new(group) };
        (!point.is_null()).then_some(Point(point))
    }
}

impl Drop for Point {
    fn drop(&mut self) {
        // SAFETY: the pointer came from EC_POINT_new and is freed only here.
        unsafe { sys::EC_POINT_free(self.0) }
    }
}
