//! Building the SKR: for each KSR bundle, the DNSKEY RRset (its ZSKs plus
//! the KSKs the slot publishes or revokes), the CDNSKEY and CDS RRsets of
//! the signing KSKs, and RRSIGs made on the token — each verified in
//! software against the KSK's public key before anything is written.

use anyhow::{anyhow, Context as _, Result};
use keybundles::bundle::checks::{check_cds, check_windows, verify_signatures};
use keybundles::bundle::{Bundle, BundleFile, Kind};
use keybundles::dnskey::{Dnskey, FLAG_REVOKE};
use keybundles::ds::DigestType;
use keybundles::rrsig::{signing_input, Rrsig};
use keybundles::time::to_serial;
use keybundles::{Class, Name, Record, Rtype};

use super::policy::{Policy, Slot};
use crate::dnskey_from_token::TokenKey;
use crate::sign;
use crate::token::Token;

/// A KSK on the token and the DNSKEY forms it appears in.
pub struct Ksk<'a> {
    pub label: &'a str,
    pub key: &'a TokenKey,
}

impl Ksk<'_> {
    pub fn dnskey(&self) -> Dnskey {
        self.key.dnskey.clone()
    }

    pub fn revoked(&self) -> Dnskey {
        let mut k = self.key.dnskey.clone();
        k.flags |= FLAG_REVOKE;
        k
    }
}

/// What one bundle will hold, before signing: its records and who signs.
pub struct Planned {
    pub start: i64,
    pub records: Vec<Record>,
    /// (KSK, DNSKEY form it signs as, signs CDS/CDNSKEY too)
    pub signers: Vec<(usize, Dnskey, bool)>,
    pub window: (i64, i64),
}

/// The unsigned SKR bundles.
pub fn plan(
    ksr: &BundleFile,
    zone: &Name,
    ksks: &[Ksk<'_>],
    slots: &[Slot],
    policy: &Policy,
    windows: &[(i64, i64)],
) -> Result<Vec<Planned>> {
    let index = |label: &str| {
        ksks.iter()
            .position(|k| k.label == label)
            .ok_or_else(|| anyhow!("KSK \"{label}\" not loaded"))
    };
    let mut out = Vec::new();
    for ((bundle, slot), &window) in ksr.bundles.iter().zip(slots).zip(windows) {
        let ttl = bundle.dnskey_ttl().unwrap_or(3600);
        let rr = |rtype: Rtype, rdata: Vec<u8>| Record::new(zone.clone(), Class::IN, ttl, rtype, rdata);
        let mut records: Vec<Record> = bundle
            .records
            .iter()
            .map(|r| rr(Rtype::DNSKEY, r.rdata.to_vec()))
            .collect();
        let mut signers = Vec::new();
        for label in &slot.publish {
            let k = &ksks[index(label)?];
            records.push(rr(Rtype::DNSKEY, k.dnskey().to_rdata()));
            if slot.sign.contains(label) {
                signers.push((index(label)?, k.dnskey(), true));
                if policy.cds {
                    records.push(rr(Rtype::CDNSKEY, k.dnskey().to_rdata()));
                    records.push(rr(Rtype::CDS, k.dnskey().ds(zone, DigestType::Sha256).to_rdata()));
                }
            }
        }
        for label in &slot.revoke {
            let k = &ksks[index(label)?];
            records.push(rr(Rtype::DNSKEY, k.revoked().to_rdata()));
            signers.push((index(label)?, k.revoked(), false));
        }
        out.push(Planned {
            start: bundle.start,
            records,
            signers,
            window,
        });
    }
    Ok(out)
}

/// Signs every planned bundle on the token and verifies each signature in
/// software right away.
pub fn sign_all(token: &Token, zone: &Name, ksks: &[Ksk<'_>], planned: Vec<Planned>) -> Result<Vec<Bundle>> {
    let mut bundles = Vec::new();
    for (n, p) in planned.into_iter().enumerate() {
        let mut records = p.records.clone();
        for (ksk, form, all) in &p.signers {
            let types: &[Rtype] = if *all {
                &[Rtype::DNSKEY, Rtype::CDNSKEY, Rtype::CDS]
            } else {
                &[Rtype::DNSKEY]
            };
            for &rtype in types {
                let rrset: Vec<&Record> = p.records.iter().filter(|r| r.rtype == rtype).collect();
                let Some(first) = rrset.first() else { continue };
                let mut rrsig = Rrsig {
                    type_covered: rtype,
                    algorithm: form.algorithm,
                    labels: zone.rrsig_labels(),
                    original_ttl: first.ttl,
                    expiration: to_serial(p.window.1),
                    inception: to_serial(p.window.0),
                    key_tag: form.key_tag(),
                    signer: zone.clone(),
                    signature: Vec::new(),
                };
                let input = signing_input(&rrsig, &rrset);
                rrsig.signature = sign::sign(token, ksks[*ksk].key.into(), &input)
                    .with_context(|| format!("signing bundle {} {rtype} with \"{}\"", n + 1, ksks[*ksk].label))?;
                keybundles::crypto::verify(form, &input, &rrsig.signature).map_err(|e| {
                    anyhow!(
                        "bundle {}: the token's signature over {rtype} by \"{}\" (key tag {}) does not verify in software: {e}",
                        n + 1,
                        ksks[*ksk].label,
                        form.key_tag()
                    )
                })?;
                records.push(Record::new(
                    zone.clone(),
                    Class::IN,
                    first.ttl,
                    Rtype::RRSIG,
                    rrsig.to_rdata(),
                ));
            }
        }
        bundles.push(Bundle::new(p.start, records));
    }
    Ok(bundles)
}

/// The whole SKR checked again as the online side will: every RRSIG
/// verifies, each RRset is signed by one of our KSKs, CDS/CDNSKEY match,
/// and the validity windows are within the policy.
pub fn verify_response(skr: &BundleFile, ksks: &[Ksk<'_>], policy: &Policy) -> Result<()> {
    let ours = |k: &Dnskey| {
        ksks.iter()
            .any(|o| o.key.dnskey.public_key == k.public_key && o.key.dnskey.algorithm == k.algorithm)
    };
    for i in 0..skr.bundles.len() {
        verify_signatures(skr, i, &ours)?;
        check_cds(skr, i)?;
    }
    let windows = keybundles::bundle::checks::signature_windows(skr)?;
    check_windows(skr, &windows, &policy.validity)?;
    Ok(())
}

/// An SKR file around `bundles`.
pub fn file(bundles: Vec<Bundle>, ksr: &BundleFile, zone: &Name, output: &std::path::Path) -> BundleFile {
    let mut skr = BundleFile::new(Kind::Response, output.to_path_buf(), bundles);
    skr.notes.push(("zone".into(), zone.to_string()));
    skr.notes.push(("ksr-sha256".into(), ksr.sha256_hex()));
    skr
}
