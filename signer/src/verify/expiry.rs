//! Signature validity windows (RFC 4034 §3.1.5, RFC 4035 §5.3.1) and the
//! `--min-remaining` margin.
//!
//! RRSIG times are 32-bit serial numbers (RFC 1982); they are read as the
//! instant closest to the time checked at, so zones keep verifying after
//! 2106.

use keybundles::rrsig::Rrsig;
use keybundles::time::from_serial;

use super::Problem;

/// A signature's validity window in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub inception: i64,
    pub expiration: i64,
}

impl Window {
    /// The window of an RRSIG, its serial times read around `at`.
    pub fn of(rrsig: &Rrsig, at: i64) -> Window {
        Window {
            inception: from_serial(rrsig.inception, at),
            expiration: from_serial(rrsig.expiration, at),
        }
    }

    /// Seconds left at `at` (negative once expired).
    pub fn remaining(&self, at: i64) -> i64 {
        self.expiration - at
    }

    /// What is wrong with this window at `at`, given the margin required.
    /// The first problem is the one that makes the signature unusable, if
    /// any; a signature too close to expiry is still valid.
    pub fn problems(&self, at: i64, min_remaining: Option<i64>) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.inception > self.expiration {
            problems.push(Problem::InceptionAfterExpiration {
                inception: self.inception,
                expiration: self.expiration,
            });
        } else if at < self.inception {
            problems.push(Problem::NotYetValid {
                inception: self.inception,
                at,
            });
        } else if at > self.expiration {
            problems.push(Problem::Expired {
                expiration: self.expiration,
                at,
            });
        }
        if let Some(required) = min_remaining {
            if at <= self.expiration && self.remaining(at) < required {
                problems.push(Problem::ExpiresTooSoon {
                    expiration: self.expiration,
                    at,
                    required,
                });
            }
        }
        problems
    }
}

/// True for the problems that make a signature unusable for validation
/// (as opposed to merely close to expiry).
pub fn is_fatal(problem: &Problem) -> bool {
    !matches!(problem, Problem::ExpiresTooSoon { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use keybundles::time::{parse_time, to_serial};

    fn rrsig(inception: i64, expiration: i64) -> Rrsig {
        Rrsig {
            type_covered: keybundles::Rtype::A,
            algorithm: 13,
            labels: 1,
            original_ttl: 300,
            expiration: to_serial(expiration),
            inception: to_serial(inception),
            key_tag: 1,
            signer: keybundles::Name::root(),
            signature: Vec::new(),
        }
    }

    const DAY: i64 = 86400;

    #[test]
    fn inside_and_at_the_edges() {
        let t0 = parse_time("20261125000000", 0).unwrap();
        let w = Window::of(&rrsig(t0, t0 + 14 * DAY), t0 + DAY);
        assert_eq!(
            w,
            Window {
                inception: t0,
                expiration: t0 + 14 * DAY
            }
        );
        assert!(w.problems(t0, None).is_empty());
        assert!(w.problems(t0 + 14 * DAY, None).is_empty());
        assert!(matches!(w.problems(t0 - 1, None)[..], [Problem::NotYetValid { .. }]));
        assert!(matches!(
            w.problems(t0 + 14 * DAY + 1, None)[..],
            [Problem::Expired { .. }]
        ));
    }

    #[test]
    fn minimum_remaining_margin() {
        let t0 = 1_800_000_000;
        let w = Window::of(&rrsig(t0, t0 + 10 * DAY), t0);
        assert_eq!(w.remaining(t0 + DAY), 9 * DAY);
        assert!(w.problems(t0 + DAY, Some(9 * DAY)).is_empty());
        let p = w.problems(t0 + DAY, Some(9 * DAY + 1));
        assert!(matches!(p[..], [Problem::ExpiresTooSoon { required, .. }] if required == 9 * DAY + 1));
        assert!(!is_fatal(&p[0]));
        // Already expired: reported once, as expired.
        let p = w.problems(t0 + 11 * DAY, Some(DAY));
        assert!(matches!(p[..], [Problem::Expired { .. }]));
        assert!(is_fatal(&p[0]));
    }

    #[test]
    fn serial_arithmetic_across_2106() {
        // 2106-02-07 06:28:15 UTC is 2^32 - 1: a window across it.
        let inception = (1i64 << 32) - DAY;
        let expiration = (1i64 << 32) + 13 * DAY;
        let r = rrsig(inception, expiration);
        assert!(r.expiration < r.inception, "wrapped in 32 bits");
        let w = Window::of(&r, (1i64 << 32) + DAY);
        assert_eq!(w, Window { inception, expiration });
        assert!(w.problems((1i64 << 32) + DAY, Some(DAY)).is_empty());
    }

    #[test]
    fn inception_after_expiration() {
        let t0 = 1_800_000_000;
        let w = Window::of(&rrsig(t0 + DAY, t0), t0);
        assert!(matches!(
            w.problems(t0, None)[..],
            [Problem::InceptionAfterExpiration { .. }]
        ));
    }
}
