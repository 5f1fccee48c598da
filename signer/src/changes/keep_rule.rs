//! Which signatures of the previous signed zone may stay, judged from
//! their text: a re-signing reads every RRSIG line of a signed TLD
//! (over a million) and decodes none of them.

use keybundles::time::{format_compact, from_serial, parse_rrsig_time};
use keybundles::{Name, Rtype};

use super::signed_text::is_plain_name;
use crate::signing::schedule::{rrset_hash, rrset_hash_of_labels, Schedule};

/// What makes a signature still good enough to keep.
#[derive(Clone, Debug)]
pub struct KeepRule {
    pub now: i64,
    /// Signatures expiring within this many seconds of `now` are due.
    pub refresh: i64,
    /// (key tag, algorithm) of every key that signs now.
    pub keys: Vec<(u16, u8)>,
    /// The apex as the RRSIG signer field writes it, lowercase.
    pub signer: String,
    /// Signatures whose RRset's moment has come are made again.
    pub schedule: Schedule,
}

/// A time in RRSIG presentation form, `YYYYMMDDHHmmSS`: between two such
/// texts, text order is time order.
type TimeText = [u8; 14];

/// A [`KeepRule`] made ready for text: its instants written as RRSIG
/// times and its keys as decimal numbers, so that a signature as Signet
/// writes it is judged by comparing octets, with no number parsed.
/// Parsing the two times and two numbers of each RRSIG was a third of
/// the scan of a signed TLD. Anything else — a time outside
/// [`TimeText`]'s plain form, a key written another way — is judged by
/// [`keeps`], which parses; both give the same answer.
pub(super) struct TextRule<'r> {
    rule: &'r KeepRule,
    /// The instants compared with, when all of them have the plain form.
    times: Option<RuleTimes>,
    /// (key tag, algorithm) of each key of the rule, in decimal.
    keys: Vec<(String, String)>,
}

struct RuleTimes {
    now: TimeText,
    /// `now + refresh`: a signature must expire after it to stay.
    fresh_until: TimeText,
    /// The span around `now` in which serial-number arithmetic (RFC 1982,
    /// as [`from_serial`] applies it) reads each time as itself: 34 years
    /// either way, within 1970–2106.
    earliest: TimeText,
    latest: TimeText,
}

impl RuleTimes {
    /// `None` when one of the instants has no plain `YYYYMMDDHHmmSS` form
    /// (before year 1000 or after 9999): then every RRSIG is parsed.
    fn new(rule: &KeepRule) -> Option<RuleTimes> {
        const SPAN: i64 = 1 << 30;
        let text = |unix: i64| -> Option<TimeText> { format_compact(unix).into_bytes().try_into().ok() };
        Some(RuleTimes {
            now: text(rule.now)?,
            fresh_until: text(rule.now.checked_add(rule.refresh)?)?,
            earliest: text(rule.now.saturating_sub(SPAN).max(0))?,
            latest: text(rule.now.saturating_add(SPAN).min(i64::from(u32::MAX)))?,
        })
    }
}

impl<'r> TextRule<'r> {
    pub(super) fn new(rule: &'r KeepRule) -> TextRule<'r> {
        TextRule {
            rule,
            times: RuleTimes::new(rule),
            keys: rule.keys.iter().map(|(t, a)| (t.to_string(), a.to_string())).collect(),
        }
    }

    /// True when the RRSIG with owner `owner` and presentation RDATA
    /// `rdata` may stay: the answer of [`keeps`], mostly without parsing.
    pub(super) fn keeps(&self, owner: &[u8], rdata: &[u8]) -> bool {
        self.judge_as_text(owner, rdata)
            .unwrap_or_else(|| keeps(owner, rdata, self.rule))
    }

    /// [`keeps`]'s answer for an RRSIG in the plain form, `None` for any other.
    fn judge_as_text(&self, owner: &[u8], rdata: &[u8]) -> Option<bool> {
        let times = self.times.as_ref()?;
        // RFC 4034 §3.2's field order, split as `keeps` splits it.
        let mut fields = Fields::new(rdata, b' ');
        let mut next = || fields.next();
        let (covered, algorithm, _labels, _ttl) = (next()?, next()?, next()?, next()?);
        let (expiration, inception, tag, signer) = (next()?, next()?, next()?, next()?);
        if !self
            .keys
            .iter()
            .any(|(t, a)| t.as_bytes() == tag && a.as_bytes() == algorithm)
        {
            return None;
        }
        let expiration = plain_time(expiration, times)?;
        let inception = plain_time(inception, times)?;
        let current = signer.eq_ignore_ascii_case(self.rule.signer.as_bytes())
            && inception <= &times.now
            && expiration > &times.fresh_until;
        if !current || self.rule.schedule.cycle() == 0 {
            return Some(current);
        }
        // A plain time within the span reads as itself: no serial arithmetic.
        let signed = i64::from(parse_rrsig_time(inception)?);
        Some(self.rule.before_its_moment(owner, covered, signed))
    }
}

impl KeepRule {
    /// The schedule's part of the rule, for a signature made at `signed`
    /// over the RRset of `owner` and type `covered` as the file writes
    /// them: true while the RRset's moment has not come round since. An
    /// owner or type that does not read is never kept.
    fn before_its_moment(&self, owner: &[u8], covered: &[u8], signed: i64) -> bool {
        if self.schedule.cycle() == 0 {
            return true;
        }
        let Some(rtype) = std::str::from_utf8(covered).ok().and_then(Rtype::from_mnemonic) else {
            return false;
        };
        let hash = rrset_hash_of_text(owner, rtype).or_else(|| {
            let name = Name::parse(std::str::from_utf8(owner).ok()?, None).ok()?;
            Some(rrset_hash(name.as_wire(), rtype))
        });
        hash.is_some_and(|hash| !self.schedule.is_due(hash, signed))
    }
}

/// `text` as a [`TimeText`] when it is one that every reader takes as
/// the same instant: 14 digits, a day no later than the 28th (so valid
/// in every month; other days are left to the parse), within the span
/// where serial-number arithmetic changes nothing.
fn plain_time<'t>(text: &'t [u8], times: &RuleTimes) -> Option<&'t TimeText> {
    let time: &TimeText = text.try_into().ok()?;
    if !time.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |at: usize| (time[at] - b'0') * 10 + (time[at + 1] - b'0');
    let (month, day, hour, minute, second) = (two(4), two(6), two(8), two(10), two(12));
    let plain = (1..=12).contains(&month) && (1..=28).contains(&day) && hour <= 23 && minute <= 59 && second <= 59;
    (plain && time >= &times.earliest && time <= &times.latest).then_some(time)
}

/// [`rrset_hash`] of an owner as the file writes it, when it is a plain
/// name ([`is_plain_name`]: its labels are its text as it stands, no
/// escapes); `None` for any other, which [`keeps`] parses.
fn rrset_hash_of_text(owner: &[u8], rtype: Rtype) -> Option<u64> {
    if !is_plain_name(owner) {
        return None;
    }
    // Without the root's dot; the root itself has no label.
    let labels = &owner[..owner.len() - 1];
    Some(rrset_hash_of_labels(
        labels.split(|&b| b == b'.').filter(|label| !label.is_empty()),
        rtype,
    ))
}

/// The fields of an RRSIG's RDATA split at spaces. The fields read are
/// short, so a loop finds each space (a closure-per-octet split was a
/// tenth of a re-signing's CPU time; a vectorised search per field costs
/// more than these few octets, measured again for fd77ea5).
struct Fields<'a> {
    rest: Option<&'a [u8]>,
    separator: u8,
}

impl<'a> Fields<'a> {
    fn new(text: &'a [u8], separator: u8) -> Fields<'a> {
        Fields {
            rest: Some(text),
            separator,
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let text = self.rest?;
        match text.iter().position(|&b| b == self.separator) {
            Some(at) => {
                self.rest = Some(&text[at + 1..]);
                Some(&text[..at])
            }
            None => self.rest.take(),
        }
    }
}

/// True when the RRSIG with owner `owner` and presentation RDATA `rdata`
/// may stay: the same rule as `signing::reuse`, read from text (RFC 4034
/// §3.2 field order: type covered, algorithm, labels, original TTL,
/// expiration, inception, key tag, signer, signature).
fn keeps(owner: &[u8], rdata: &[u8], rule: &KeepRule) -> bool {
    let mut fields = Fields::new(rdata, b' ');
    let (covered, algorithm, _labels, _ttl, expiration, inception, tag, signer) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    );
    let number = |field: Option<&[u8]>| -> Option<u32> { std::str::from_utf8(field?).ok()?.parse().ok() };
    let (Some(algorithm), Some(tag)) = (number(algorithm), number(tag)) else {
        return false;
    };
    let (Some(expiration), Some(inception)) = (
        expiration.and_then(parse_rrsig_time),
        inception.and_then(parse_rrsig_time),
    ) else {
        return false;
    };
    let key_signs = rule
        .keys
        .iter()
        .any(|&(t, a)| u32::from(t) == tag && u32::from(a) == algorithm);
    let signed = from_serial(inception, rule.now);
    key_signs
        && signer.is_some_and(|s| s.eq_ignore_ascii_case(rule.signer.as_bytes()))
        && signed <= rule.now
        && from_serial(expiration, rule.now) - rule.now > rule.refresh
        && rule.before_its_moment(owner, covered.unwrap_or_default(), signed)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The rule the tests of this directory judge by.
    pub(in crate::changes) fn rule() -> KeepRule {
        KeepRule {
            // 2026-12-07 00:00:00 UTC
            now: 1_796_601_600,
            refresh: 5 * 86400,
            keys: vec![(39652, 13), (7, 8)],
            signer: "tld.".into(),
            schedule: Schedule::NONE,
        }
    }

    /// Both judges, which must agree, on an RRSIG owned by the apex.
    fn judged(rdata: &[u8], rule: &KeepRule) -> bool {
        judged_at(b"tld.", rdata, rule)
    }

    /// Both judges on an RRSIG owned by `owner`.
    fn judged_at(owner: &[u8], rdata: &[u8], rule: &KeepRule) -> bool {
        let (parsed, as_text) = (keeps(owner, rdata, rule), TextRule::new(rule).keeps(owner, rdata));
        assert_eq!(
            parsed,
            as_text,
            "the two judges disagree on {} {}",
            String::from_utf8_lossy(owner),
            String::from_utf8_lossy(rdata)
        );
        as_text
    }

    #[test]
    fn keeps_only_current_signatures_by_signing_keys() {
        let rule = rule();
        assert!(judged(
            b"SOA 13 1 86400 20261220000000 20261206000000 39652 tld. AAAA",
            &rule
        ));
        assert!(judged(
            b"NS 13 1 86400 20261220000000 20261206000000 39652 TLD. AAAA",
            &rule
        ));
        assert!(
            judged(b"SOA 13 1 86400 20261220000000 20261207000000 39652 tld. AAAA", &rule),
            "valid from exactly now"
        );
        let refused: [(&[u8], &str); 9] = [
            (
                b"SOA 13 1 86400 20261220000000 20261208000000 39652 tld. AAAA",
                "not yet valid",
            ),
            (
                b"SOA 13 1 86400 20261211000000 20261206000000 39652 tld. AAAA",
                "due for refresh",
            ),
            (
                b"SOA 13 1 86400 20261212000000 20261206000000 39652 tld. AAAA",
                "exactly at the refresh line",
            ),
            (
                b"SOA 13 1 86400 20261220000000 20261206000000 39652 other. AAAA",
                "other signer",
            ),
            (
                b"SOA 8 1 86400 20261220000000 20261206000000 39652 tld. AAAA",
                "other algorithm",
            ),
            (
                b"SOA 13 1 86400 20261220000000 20261206000000 39653 tld. AAAA",
                "other key",
            ),
            (
                b"SOA 13 1 86400 20261299000000 20261206000000 39652 tld. AAAA",
                "no such month",
            ),
            (
                b"SOA 13 1 86400 20261231240000 20261206000000 39652 tld. AAAA",
                "no such hour",
            ),
            (b"SOA 13 1", "truncated"),
        ];
        for (rdata, why) in refused {
            assert!(!judged(rdata, &rule), "{why}");
        }
    }

    #[test]
    fn the_text_judge_leaves_other_forms_to_the_parse() {
        let rule = rule();
        let text = TextRule::new(&rule);
        let plain = b"SOA 13 1 86400 20261220000000 20261206000000 39652 tld. AAAA";
        assert_eq!(text.judge_as_text(b"tld.", plain), Some(true));
        let due = b"SOA 13 1 86400 20261211000000 20261206000000 39652 tld. AAAA";
        assert_eq!(text.judge_as_text(b"tld.", due), Some(false));
        let other_forms: [&[u8]; 6] = [
            // Seconds since 1970 (RFC 4034 §3.2 allows them).
            b"SOA 13 1 86400 1797811200 1796515200 39652 tld. AAAA",
            // The 29th to the 31st depend on the month.
            b"SOA 13 1 86400 20270129000000 20261206000000 39652 tld. AAAA",
            b"SOA 13 1 86400 20270230000000 20261206000000 39652 tld. AAAA",
            // A key tag or algorithm with a leading zero.
            b"SOA 013 1 86400 20261220000000 20261206000000 39652 tld. AAAA",
            // Further than 34 years from now.
            b"SOA 13 1 86400 20661220000000 20261206000000 39652 tld. AAAA",
            b"SOA 13 1 86400 20261220000000 19701206000000 39652 tld. AAAA",
        ];
        for rdata in other_forms {
            assert_eq!(
                text.judge_as_text(b"tld.", rdata),
                None,
                "{}",
                String::from_utf8_lossy(rdata)
            );
            judged(rdata, &rule);
        }
        assert!(judged(b"SOA 13 1 86400 1797811200 1796515200 39652 tld. AAAA", &rule));
        assert!(judged(
            b"SOA 013 1 86400 20261220000000 20261206000000 39652 tld. AAAA",
            &rule
        ));
        assert!(
            !judged(b"SOA 13 1 86400 20270230000000 20261206000000 39652 tld. AAAA", &rule),
            "February 30th"
        );
        assert!(judged(
            b"SOA 13 1 86400 20270129000000 20261206000000 39652 tld. AAAA",
            &rule
        ));
    }

    #[test]
    fn both_judges_agree_on_every_time_around_the_lines() {
        // Expirations and inceptions every 7 hours 13 minutes across two
        // months each side of now and of the refresh line, refresh times
        // from none to a year, and a rule at an instant whose text is
        // plain and one at the end of a month.
        for now in [1_796_601_600, 1_798_675_199] {
            for refresh in [0, 3600, 5 * 86400, 365 * 86400] {
                let rule = KeepRule { now, refresh, ..rule() };
                let mut at = now - 60 * 86400;
                while at < now + refresh + 60 * 86400 {
                    let t = format_compact(at);
                    let (early, late) = (format_compact(now - 86400), format_compact(now + 40 * 86400));
                    judged(format!("A 13 2 3600 {t} {early} 39652 tld. AAAA").as_bytes(), &rule);
                    judged(format!("A 13 2 3600 {late} {t} 39652 tld. AAAA").as_bytes(), &rule);
                    at += 7 * 3600 + 13 * 60;
                }
            }
        }
    }

    #[test]
    fn the_hash_of_an_owners_text_is_the_hash_of_its_wire_form() {
        let texts = [
            "tld.",
            "a.tld.",
            "NS1.D123.Tld.",
            ".",
            "*.x-y.example.",
            "a_b.c.",
            "xn--nxasmq6b.tld.",
        ];
        for text in texts {
            let name: Name = text.parse().unwrap();
            for rtype in [Rtype::A, Rtype::DS, Rtype::NSEC3, Rtype(65_534)] {
                assert_eq!(
                    rrset_hash_of_text(text.as_bytes(), rtype),
                    Some(rrset_hash(name.as_wire(), rtype)),
                    "{text} {rtype:?}"
                );
            }
        }
        for text in ["a.tld", "a..tld.", "a\\.b.tld.", "a b.tld.", ""] {
            assert_eq!(rrset_hash_of_text(text.as_bytes(), Rtype::A), None, "{text:?}");
        }
        let long = format!("{}.tld.", "a".repeat(64));
        assert_eq!(rrset_hash_of_text(long.as_bytes(), Rtype::A), None);
    }

    /// With a schedule, the text judge, the parsing judge and the judge of
    /// `--previous` alone (`signing::reuse`, on wire form) agree for every
    /// owner form, type and signing moment across several cycles: a
    /// disagreement would splice in a signature the whole re-signing makes
    /// again, or the other way round.
    #[test]
    fn the_schedule_is_applied_alike_to_text_and_to_records() {
        use crate::keys;
        use crate::signing::PreviousSignatures;
        use keybundles::algorithm::Algorithm;
        use keybundles::rrsig::Rrsig;
        use keybundles::time::to_serial;
        use keybundles::{Class, Record};

        let (day, hour) = (86_400, 3_600);
        let dir = tempfile::tempdir().unwrap();
        let apex: Name = "tld.".parse().unwrap();
        let generated = keys::generate(Algorithm::EcdsaP256Sha256, None, false).unwrap();
        let key = keys::load(&keys::write_key_files(dir.path(), &apex, &generated, 0).unwrap()).unwrap();
        let now = 1_796_601_600;
        let schedule = Schedule::new(14 * day, 12 * hour, 5 * day, now - hour);
        let rule = KeepRule {
            keys: vec![(key.key_tag(), 13)],
            schedule,
            ..rule()
        };
        let owners = [
            "tld.",
            "d1.tld.",
            "D2.Tld.",
            "ns1.d3.tld.",
            "*.d4.tld.",
            "a\\.b.tld.",
            "\\065x.tld.",
            "xn--bcher-kva.tld.",
        ];
        let types = [Rtype::SOA, Rtype::DS, Rtype::NSEC, Rtype::NSEC3, Rtype(65_534)];
        let (mut kept, mut due) = (0, 0);
        for owner_text in owners {
            let owner: Name = owner_text.parse().unwrap();
            for rtype in types {
                // Signing moments from two cycles ago to now, every 5h 17m.
                let mut signed = now - hour - 2 * schedule.cycle();
                while signed <= now - hour {
                    let rrsig = Rrsig {
                        type_covered: rtype,
                        algorithm: 13,
                        labels: owner.rrsig_labels(),
                        original_ttl: 3600,
                        expiration: to_serial(now + 6 * day),
                        inception: to_serial(signed),
                        key_tag: key.key_tag(),
                        signer: apex.clone(),
                        signature: vec![1, 2, 3],
                    };
                    let data = Record::new(owner.clone(), Class::IN, 3600, rtype, vec![0, 1, 2, 3]);
                    let signature = Record::new(owner.clone(), Class::IN, 3600, Rtype::RRSIG, rrsig.to_rdata());
                    let text = signature.to_string();
                    let rdata = text.rsplit('\t').next().unwrap();
                    let as_text = judged_at(owner_text.as_bytes(), rdata.as_bytes(), &rule);
                    let index =
                        PreviousSignatures::new(vec![data.clone(), signature], &apex, now, rule.refresh, schedule);
                    let as_records = index.reusable(std::slice::from_ref(&data), &key).is_some();
                    assert_eq!(as_text, as_records, "{owner_text} {rtype:?} signed at {signed}");
                    assert_eq!(
                        as_records,
                        !schedule.is_due(crate::signing::schedule::rrset_hash(owner.as_wire(), rtype), signed)
                    );
                    if as_text {
                        kept += 1;
                    } else {
                        due += 1;
                    }
                    signed += 5 * hour + 17 * 60;
                }
            }
        }
        assert!(kept > 0 && due > 0, "both answers were tried: {kept} kept, {due} due");
    }
}
