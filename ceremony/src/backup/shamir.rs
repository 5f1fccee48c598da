//! Shamir secret sharing, M of N, over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1 (0x11B),
//! byte by byte. Share `x` coordinates are 1..=N; the secret is the polynomial's value at 0.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ShamirError {
    #[error("threshold {threshold} must be at least 2 and at most the number of shares {shares} (at most 255)")]
    BadParameters { threshold: usize, shares: usize },
    #[error("share numbers must be distinct and non-zero (got {0:?})")]
    BadIndices(Vec<u8>),
    #[error("shares have different lengths")]
    LengthMismatch,
    #[error("no shares given")]
    Empty,
}

/// Multiplication in GF(2^8) modulo 0x11B (Russian-peasant, constant-time in the operands).
pub fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    for _ in 0..8 {
        p ^= a & 0u8.wrapping_sub(b & 1);
        let hi = a >> 7;
        a = (a << 1) ^ (0x1B & 0u8.wrapping_sub(hi));
        b >>= 1;
    }
    p
}

/// Multiplicative inverse (a^254); `gf_inv(0)` is 0.
pub fn gf_inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e > 0 {
        if e & 1 == 1 {
            result = gf_mul(result, base);
        }
        base = gf_mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `shares` shares, any `threshold` of which rebuild it. `random` fills the
/// polynomial coefficients (`threshold - 1` bytes per secret byte).
pub fn split_with(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    mut random: impl FnMut(&mut [u8]),
) -> Result<Vec<(u8, Vec<u8>)>, ShamirError> {
    if threshold < 2 || threshold > shares || shares > 255 {
        return Err(ShamirError::BadParameters { threshold, shares });
    }
    let mut out: Vec<(u8, Vec<u8>)> = (1..=shares as u8)
        .map(|x| (x, Vec::with_capacity(secret.len())))
        .collect();
    let mut coefficients = vec![0u8; threshold - 1];
    for &s in secret {
        random(&mut coefficients);
        for (x, ys) in out.iter_mut() {
            // Horner: ((c_{m-1} x + c_{m-2}) x + …) x + s
            let mut y = 0u8;
            for &c in coefficients.iter().rev() {
                y = gf_mul(y, *x) ^ c;
            }
            ys.push(gf_mul(y, *x) ^ s);
        }
    }
    coefficients.iter_mut().for_each(|c| *c = 0);
    Ok(out)
}

/// Splits with the system's cryptographic RNG.
pub fn split(secret: &[u8], threshold: usize, shares: usize) -> Result<Vec<(u8, Vec<u8>)>, ShamirError> {
    use ring::rand::{SecureRandom, SystemRandom};
    let rng = SystemRandom::new();
    split_with(secret, threshold, shares, |buf| {
        rng.fill(buf).expect("the system RNG failed")
    })
}

/// Lagrange interpolation at 0. With fewer shares than the threshold the result is a wrong
/// value, not an error: callers check the count and a key check value.
pub fn combine(shares: &[(u8, Vec<u8>)]) -> Result<Vec<u8>, ShamirError> {
    let first = shares.first().ok_or(ShamirError::Empty)?;
    let xs: Vec<u8> = shares.iter().map(|(x, _)| *x).collect();
    let mut sorted = xs.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != xs.len() || xs.contains(&0) {
        return Err(ShamirError::BadIndices(xs));
    }
    if shares.iter().any(|(_, y)| y.len() != first.1.len()) {
        return Err(ShamirError::LengthMismatch);
    }
    // Lagrange basis at 0: l_j = prod_{m != j} x_m / (x_m - x_j); minus is xor in GF(2^8).
    let basis: Vec<u8> = xs
        .iter()
        .enumerate()
        .map(|(j, &xj)| {
            xs.iter()
                .enumerate()
                .filter(|&(m, _)| m != j)
                .fold(1u8, |acc, (_, &xm)| gf_mul(acc, gf_mul(xm, gf_inv(xm ^ xj))))
        })
        .collect();
    Ok((0..first.1.len())
        .map(|i| {
            shares
                .iter()
                .zip(&basis)
                .fold(0u8, |acc, ((_, y), &l)| acc ^ gf_mul(y[i], l))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_vectors() {
        // FIPS-197 §4.2: {57}·{83} = {c1}; {57}·{13} = {fe}; AES S-box inverse pairs.
        assert_eq!(gf_mul(0x57, 0x83), 0xC1);
        assert_eq!(gf_mul(0x57, 0x13), 0xFE);
        assert_eq!(gf_inv(0x53), 0xCA);
        assert_eq!(gf_inv(0x01), 0x01);
        for a in 1..=255u8 {
            assert_eq!(gf_mul(a, gf_inv(a)), 1, "inverse of {a:#x}");
        }
    }

    #[test]
    fn fixed_polynomial_vector() {
        // f(x) = 0x2A + 0x07·x: f(1)=0x2D, f(2)=0x24, f(3)=0x23 (7·3 = 0x09).
        let shares = split_with(&[0x2A], 2, 3, |b| b.fill(0x07)).unwrap();
        assert_eq!(shares, vec![(1, vec![0x2D]), (2, vec![0x24]), (3, vec![0x23])]);
        assert_eq!(combine(&shares[1..]).unwrap(), vec![0x2A]);
        // f(x) = 0x11 + 0x02 x + 0x03 x^2 at x = 2: 0x11 ^ 0x04 ^ 3·4(=0x0C) = 0x19.
        let shares = split_with(&[0x11], 3, 3, |b| b.copy_from_slice(&[0x02, 0x03])).unwrap();
        assert_eq!(shares[1], (2, vec![0x19]));
        assert_eq!(combine(&shares).unwrap(), vec![0x11]);
    }

    #[test]
    fn every_threshold_subset_rebuilds_and_fewer_do_not() {
        let secret: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
        for (m, n) in [(2, 2), (2, 3), (3, 5), (4, 7), (5, 5)] {
            let shares = split(&secret, m, n).unwrap();
            for mask in 0u32..(1 << n) {
                let subset: Vec<_> = (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| shares[i].clone())
                    .collect();
                if subset.is_empty() {
                    continue;
                }
                let got = combine(&subset).unwrap();
                if subset.len() >= m {
                    assert_eq!(got, secret, "{m}-of-{n} subset {mask:b}");
                } else {
                    assert_ne!(got, secret, "{m}-of-{n} subset {mask:b} must not rebuild");
                }
            }
        }
    }

    #[test]
    fn parameters_and_indices_are_checked() {
        assert!(split(&[1], 1, 3).is_err());
        assert!(split(&[1], 4, 3).is_err());
        let s = split(&[1, 2], 2, 3).unwrap();
        assert!(matches!(
            combine(&[s[0].clone(), s[0].clone()]),
            Err(ShamirError::BadIndices(_))
        ));
        assert_eq!(combine(&[]), Err(ShamirError::Empty));
    }
}
