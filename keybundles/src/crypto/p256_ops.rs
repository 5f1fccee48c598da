//! P-256 operations shared by verification by the key's holder
//! ([`super::keyed`]) and signing from precomputed nonces
//! ([`super::presign`]): AWS-LC's constant-time multiplication of the
//! generator, which `aws-lc-rs` does not expose, and scalars from octets.

use std::ptr;

use aws_lc_sys as sys;
use p256::elliptic_curve::ff::{Field as _, PrimeField as _};
use p256::{FieldBytes, Scalar};
use zeroize::{Zeroize as _, Zeroizing};

use super::KeyError;

/// Octets in a P-256 coordinate or scalar.
pub(super) const WIDTH: usize = 32;

/// A scalar from big-endian octets, if it is below the group order.
pub(super) fn scalar_of(octets: &[u8]) -> Option<Scalar> {
    if octets.len() != WIDTH {
        return None;
    }
    Scalar::from_repr(*FieldBytes::from_slice(octets)).into()
}

/// The inverses of `values`, in order, for one inversion in all
/// (Montgomery's trick: three multiplications each). `invert` inverts the
/// product: constant-time for secret values (nonces), variable-time will do
/// for public ones (signatures' s). The partial products are wiped. None if
/// the product has no inverse, which only a zero among `values` causes.
pub(super) fn invert_all(
    values: &[Scalar],
    invert: impl FnOnce(&Scalar) -> Option<Scalar>,
) -> Option<Zeroizing<Vec<Scalar>>> {
    // prefix[i] = v₀·v₁·…·vᵢ₋₁
    let mut prefix = Zeroizing::new(Vec::with_capacity(values.len()));
    let mut product = Zeroizing::new(Scalar::ONE);
    for v in values {
        prefix.push(*product);
        *product *= v;
    }
    let mut inverse = Zeroizing::new(invert(&product)?);
    let mut inverses = Zeroizing::new(vec![Scalar::ZERO; values.len()]);
    for ((slot, v), before) in inverses.iter_mut().zip(values).zip(prefix.iter()).rev() {
        // inverse = (v₀·…·vᵢ)⁻¹, so vᵢ⁻¹ = inverse · (v₀·…·vᵢ₋₁).
        *slot = *inverse * before;
        *inverse *= v;
    }
    Some(inverses)
}

/// The private scalar d (big-endian octets), refused unless it lies in
/// [1, n-1] and d·G is exactly `public_key` (x‖y): a key whose halves do
/// not belong together never signs or verifies.
pub(super) fn private_scalar_for(private: &[u8], public_key: &[u8]) -> Result<Zeroizing<Scalar>, KeyError> {
    let scalar = scalar_of(private)
        .filter(|d| !bool::from(d.is_zero()))
        .ok_or_else(|| KeyError::Rejected("the P-256 private scalar is out of range".into()))?;
    let private = Zeroizing::new(scalar);
    let derived = multiply_generator(&private).ok_or(KeyError::SigningFailed)?;
    if derived.as_slice() != public_key {
        return Err(KeyError::Mismatch);
    }
    Ok(private)
}

/// k·G as x‖y, with AWS-LC's constant-time multiplication of the
/// generator. None only if AWS-LC fails (out of memory) or k·G is the
/// point at infinity.
pub(super) fn multiply_generator(k: &Scalar) -> Option<[u8; 2 * WIDTH]> {
    let mut out = [0u8; 2 * WIDTH];
    let (x, y) = out.split_at_mut(WIDTH);
    with_multiplier(|m| m.multiply(k, x, Some(y)))?;
    Some(out)
}

/// x(k·G) alone: what a signature needs, without the work for y.
pub(super) fn generator_x(k: &Scalar) -> Option<[u8; WIDTH]> {
    let mut x = [0u8; WIDTH];
    with_multiplier(|m| m.multiply(k, &mut x, None))?;
    Some(x)
}

thread_local! {
    /// This thread's AWS-LC objects for generator multiplication, made on
    /// first use: a signature's worth of work should not pay for six
    /// allocations and frees.
    static MULTIPLIER: std::cell::RefCell<Option<Multiplier>> = const { std::cell::RefCell::new(None) };
}

fn with_multiplier(f: impl FnOnce(&mut Multiplier) -> Option<()>) -> Option<()> {
    MULTIPLIER.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = Some(Multiplier::new()?);
        }
        f(slot.as_mut()?)
    })
}

/// The AWS-LC objects one thread reuses for k·G.
struct Multiplier {
    group: *const sys::EC_GROUP,
    point: Point,
    k: Bignum,
    x: Bignum,
    y: Bignum,
    ctx: BnCtx,
}

impl Multiplier {
    fn new() -> Option<Multiplier> {
        // SAFETY: EC_group_p256 returns AWS-LC's static P-256 group.
        let group = unsafe { sys::EC_group_p256() };
        Some(Multiplier {
            group,
            // SAFETY: `group` is a valid group.
            point: unsafe { Point::new(group)? },
            k: Bignum::new()?,
            x: Bignum::new()?,
            y: Bignum::new()?,
            ctx: BnCtx::new()?,
        })
    }

    /// Writes x (and y, if asked) of k·G, big-endian.
    fn multiply(&mut self, k: &Scalar, x_out: &mut [u8], y_out: Option<&mut [u8]>) -> Option<()> {
        let mut k_octets = k.to_repr();
        // SAFETY: every pointer is owned by `self` and live; the group is
        // AWS-LC's static P-256 group; the output slices are WIDTH long.
        let done = unsafe {
            let set = !sys::BN_bin2bn(k_octets.as_ptr(), k_octets.len(), self.k.0).is_null();
            k_octets.zeroize();
            let multiplied =
                set && sys::EC_POINT_mul(self.group, self.point.0, self.k.0, ptr::null(), ptr::null(), self.ctx.0) == 1;
            // The nonce leaves AWS-LC's memory as soon as it is used.
            sys::BN_clear(self.k.0);
            let y = if y_out.is_some() { self.y.0 } else { ptr::null_mut() };
            multiplied
                && sys::EC_POINT_get_affine_coordinates_GFp(self.group, self.point.0, self.x.0, y, self.ctx.0) == 1
                && x_out.len() == WIDTH
                && sys::BN_bn2bin_padded(x_out.as_mut_ptr(), WIDTH, self.x.0) == 1
                && y_out.is_none_or(|y_out| {
                    y_out.len() == WIDTH && sys::BN_bn2bin_padded(y_out.as_mut_ptr(), WIDTH, self.y.0) == 1
                })
        };
        done.then_some(())
    }
}

/// An owned AWS-LC `BN_CTX`, freed on drop.
struct BnCtx(*mut sys::BN_CTX);

impl BnCtx {
    fn new() -> Option<BnCtx> {
        // SAFETY: BN_CTX_new has no preconditions; null means out of memory.
        let ctx = unsafe { sys::BN_CTX_new() };
        (!ctx.is_null()).then_some(BnCtx(ctx))
    }
}

impl Drop for BnCtx {
    fn drop(&mut self) {
        // SAFETY: the pointer came from BN_CTX_new and is freed only here.
        unsafe { sys::BN_CTX_free(self.0) }
    }
}

/// An owned AWS-LC `BIGNUM`, wiped and freed on drop (it may hold a nonce).
struct Bignum(*mut sys::BIGNUM);

impl Bignum {
    fn new() -> Option<Bignum> {
        // SAFETY: BN_new has no preconditions; null means out of memory.
        let bn = unsafe { sys::BN_new() };
        (!bn.is_null()).then_some(Bignum(bn))
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
