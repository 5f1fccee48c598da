//! When a signature that is still good is made again anyway: the
//! re-signing schedule.
//!
//! A refresh threshold alone ("make again what expires within 5 days")
//! keeps a zone that was signed at once coming due at once. Jitter spreads
//! the expirations over half a day, but a job that runs daily rounds that
//! half day away: every signature is found due in the same run, nine days
//! after the first signing and every nine days after that, for ever (seen
//! with `signer sign --previous --now`, day by day, before this schedule).
//!
//! So each RRset has its own moment in a cycle of `validity − jitter −
//! refresh`, a fixed function of its owner and type like the jitter. A
//! kept signature is made again in the first run after its RRset's moment
//! has come round since the signature's inception. Every RRset is then
//! signed once per cycle, and a run every P hours signs about P/cycle of
//! the zone, from the first cycle on, whatever P is. The cycle is short
//! enough that the moment always comes before the refresh threshold would
//! (see [`Schedule::new`]), which stays as the safety net for signatures
//! made under another policy. docs/signing.md, "Re-signing schedule".

use keybundles::Rtype;

/// An RRset's fixed hash: FNV-1a over its owner in wire form and its type,
/// octets lowercased. Fast, stable across versions and platforms, so the
/// jitter and the schedule it feeds can be recomputed by anyone.
pub fn rrset_hash(owner_wire: &[u8], rtype: Rtype) -> u64 {
    let mut hash = Fnv::new();
    hash.add(owner_wire);
    hash.add(&rtype.0.to_be_bytes());
    hash.0
}

/// [`rrset_hash`] of an owner given as its labels, left to right, without
/// the root's: its wire form is each label after its length, then a zero.
/// For owners read as text (`changes::keep_rule`), hashed without building
/// a name. Each label must be 1 to 63 octets, as in any name.
pub fn rrset_hash_of_labels<'l>(labels: impl Iterator<Item = &'l [u8]>, rtype: Rtype) -> u64 {
    let mut hash = Fnv::new();
    for label in labels {
        debug_assert!((1..=63).contains(&label.len()), "a label of {} octets", label.len());
        hash.add(&[label.len() as u8]);
        hash.add(label);
    }
    hash.add(&[0]);
    hash.add(&rtype.0.to_be_bytes());
    hash.0
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn add(&mut self, octets: &[u8]) {
        for &b in octets {
            self.0 = (self.0 ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The shortest cycle worth keeping to: below it the schedule is off and
/// the refresh threshold alone decides (a policy that leaves so little
/// room re-signs nearly everything each run anyway).
const MIN_CYCLE: i64 = 3600;

/// The re-signing schedule of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Seconds between two moments of an RRset; 0: no schedule.
    cycle: i64,
    /// The inception of the signatures made in this run: moments are
    /// counted in inception time, so a signature's own inception says
    /// when it was made, whatever the inception offset.
    inception: i64,
}

impl Schedule {
    /// No schedule: only the refresh threshold makes a good signature again.
    pub const NONE: Schedule = Schedule { cycle: 0, inception: 0 };

    /// The schedule of a run whose new signatures have `inception` and are
    /// valid for `validity` from now, expirations spread over `jitter`,
    /// kept while they have more than `refresh` left.
    ///
    /// The cycle is `validity − jitter − refresh`: a signature made under
    /// this policy then still has more than `refresh` left when its
    /// RRset's moment comes, so the threshold never makes it again first
    /// (which would put it off its moment and make it twice). It is
    /// rounded down to whole hours: with `--expiration` given as a date,
    /// the validity left shrinks by the second, and every moment (a hash
    /// modulo the cycle) would move with it.
    pub fn new(validity: i64, jitter: i64, refresh: i64, inception: i64) -> Schedule {
        let cycle = validity.saturating_sub(jitter.max(0)).saturating_sub(refresh.max(0));
        let cycle = cycle - cycle.rem_euclid(MIN_CYCLE);
        if cycle < MIN_CYCLE {
            return Schedule::NONE;
        }
        Schedule { cycle, inception }
    }

    /// The cycle in seconds; 0 when there is no schedule.
    pub fn cycle(&self) -> i64 {
        self.cycle
    }

    /// True when the RRset with hash `rrset` ([`rrset_hash`]) has had its
    /// moment since a signature with inception `signed` was made: make it
    /// again.
    pub fn is_due(&self, rrset: u64, signed: i64) -> bool {
        if self.cycle <= 0 {
            return false;
        }
        // The high half: the jitter takes its offset from the low one.
        let phase = ((rrset >> 32) % self.cycle as u64) as i64;
        let last_moment = self.inception - (self.inception - phase).rem_euclid(self.cycle);
        signed < last_moment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_without_room_has_no_schedule() {
        let day = 86_400;
        assert_eq!(Schedule::new(14 * day, day / 2, 5 * day, 0).cycle(), 8 * day + day / 2);
        assert_eq!(Schedule::new(5 * day, 0, 5 * day, 0), Schedule::NONE);
        assert_eq!(Schedule::new(day, 2 * day, 0, 0), Schedule::NONE);
        // A validity that shrinks by the second keeps its cycle for the hour.
        let cycle = Schedule::new(14 * day - 1, 0, 5 * day, 0).cycle();
        assert_eq!(cycle, 9 * day - 3600);
        assert_eq!(Schedule::new(14 * day - 3599, 0, 5 * day, 0).cycle(), cycle);
        assert!(!Schedule::NONE.is_due(12_345, i64::MIN));
    }

    /// Each RRset comes due once per cycle, at its own moment: a run every
    /// `step` finds about step/cycle of them due, from the first cycle on.
    #[test]
    fn rrsets_come_due_once_per_cycle_spread_over_it() {
        let (day, hour) = (86_400, 3_600);
        let cycle_of = |inception| Schedule::new(14 * day, 12 * hour, 5 * day, inception);
        let cycle = cycle_of(0).cycle();
        let hashes: Vec<u64> = (0..20_000)
            .map(|i| rrset_hash(format!("\x05d{i:04}\x03tld\x00").as_bytes(), Rtype::DS))
            .collect();
        let start = 1_800_000_000;
        let mut signed = vec![start; hashes.len()];
        let (mut most, mut total) = (0usize, 0usize);
        let mut at = start;
        while at < start + 5 * cycle {
            at += day;
            let schedule = cycle_of(at);
            let mut due = 0;
            for (hash, signed) in hashes.iter().zip(&mut signed) {
                if schedule.is_due(*hash, *signed) {
                    assert!(at - *signed <= cycle + day, "made again within a cycle and a run");
                    *signed = at;
                    due += 1;
                }
            }
            most = most.max(due);
            total += due;
        }
        let runs = (5 * cycle / day) as usize;
        let share = day as f64 / cycle as f64;
        assert!(
            (most as f64) < hashes.len() as f64 * share * 1.2,
            "at most about {share:.3} of the zone in one run, got {most}"
        );
        let per_run = total as f64 / runs as f64 / hashes.len() as f64;
        assert!(
            (per_run - share).abs() < 0.02,
            "about {share:.3} a run on average, got {per_run:.3}"
        );
        // A signature made at its moment is not due again until the next.
        let schedule = cycle_of(start);
        for &hash in &hashes[..100] {
            assert!(!schedule.is_due(hash, start));
            assert!(schedule.is_due(hash, start - cycle));
        }
    }
}
