//! Writing KSR and SKR files that Knot's `keymgr sign-ksr` and
//! `keymgr import-skr` read: one header comment per bundle, one RR per
//! line, and the closing `generated at` comment (keymgr handles the last
//! bundle only when it sees that line).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::algorithm::Algorithm;
use crate::dnskey::Dnskey;
use crate::Rtype;

use super::model::{BundleFile, VERSION};

/// `2026-11-25T02:50:04Z`, as in Knot's headers.
pub fn iso8601(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The file's text. `generator` names the program in the closing line
/// (e.g. `Signet signer 0.1.0`); `now` is when it was made.
pub fn write(file: &BundleFile, generator: &str, now: i64) -> String {
    let word = file.kind.header_word();
    let mut out = String::new();
    for (key, value) in &file.notes {
        let _ = writeln!(out, ";; Signet {key} {value}");
    }
    for bundle in &file.bundles {
        let _ = writeln!(
            out,
            ";; {word} {VERSION} {} ({}) =========",
            bundle.start,
            iso8601(bundle.start)
        );
        // DNSKEY first, then CDNSKEY, CDS, and the RRSIGs, as keymgr does.
        for rtype in [Rtype::DNSKEY, Rtype::CDNSKEY, Rtype::CDS, Rtype::RRSIG] {
            for record in bundle.records.iter().filter(|r| r.rtype == rtype) {
                let _ = write!(out, "{record}");
                if rtype == Rtype::DNSKEY {
                    if let Ok(key) = Dnskey::from_rdata(&record.rdata) {
                        let _ = write!(out, " ; {}", describe(&key));
                    }
                }
                out.push('\n');
            }
        }
    }
    let _ = writeln!(out, ";; {word} {VERSION} generated at {} by {generator}", iso8601(now));
    out
}

/// `ZSK, ECDSAP256SHA256 (256b), id = 63363`, the comment Knot writes.
pub fn describe(key: &Dnskey) -> String {
    let role = match (key.is_sep(), key.is_revoked()) {
        (true, true) => "KSK (revoked)",
        (true, false) => "KSK",
        (false, _) => "ZSK",
    };
    let algorithm =
        Algorithm::from_number(key.algorithm).map_or_else(|| key.algorithm.to_string(), |a| a.mnemonic().to_string());
    let bits = key.key_size_bits().map(|b| format!(" ({b}b)")).unwrap_or_default();
    format!("{role}, {algorithm}{bits}, id = {}", key.key_tag())
}
