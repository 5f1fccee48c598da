//! What the witnesses see before anything is signed: the KSR's SHA-256 in
//! hex and PGP words (to compare with what the online side read out), and
//! one line per bundle with its validity and key tags.

use std::fmt::Write as _;

use keybundles::bundle::BundleFile;
use keybundles::dnskey::Dnskey;
use keybundles::time::format_human;
use keybundles::{Name, Rtype};

use super::response::{Ksk, Planned};

pub fn show(ksr: &BundleFile, zone: &Name, ksks: &[Ksk<'_>], planned: &[Planned]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "KSR {} for {zone}: {} bundles\nKSR SHA-256: {}",
        ksr.source.display(),
        ksr.bundles.len(),
        crate::pgpwords::show(&ksr.sha256)
    );
    let _ = writeln!(
        out,
        "{:>3}  {:<23}  {:<23}  {:<23}  {:<14}  KSKs: published / signing",
        "#", "bundle from", "signatures from", "signatures until", "ZSKs"
    );
    for (i, p) in planned.iter().enumerate() {
        let zsks: Vec<String> = ksr.bundles[i].zsk_tags().iter().map(u16::to_string).collect();
        let published: Vec<String> = p
            .records
            .iter()
            .filter(|r| r.rtype == Rtype::DNSKEY)
            .filter_map(|r| Dnskey::from_rdata(&r.rdata).ok())
            .filter(Dnskey::is_sep)
            .map(|k| format!("{}{}", k.key_tag(), if k.is_revoked() { "(revoked)" } else { "" }))
            .collect();
        let signing: Vec<String> = p
            .signers
            .iter()
            .map(|(k, form, _)| format!("{}={}", ksks[*k].label, form.key_tag()))
            .collect();
        let _ = writeln!(
            out,
            "{:>3}  {:<23}  {:<23}  {:<23}  {:<14}  {} / {}",
            i + 1,
            format_human(p.start),
            format_human(p.window.0),
            format_human(p.window.1),
            zsks.join(" "),
            published.join(" "),
            signing.join(" ")
        );
    }
    out
}
