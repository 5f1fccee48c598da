//! **plausible**: the zone looks like the zone. SOA and apex NS are
//! present; no record has empty RDATA; and compared with the published
//! zone, neither the operator's records nor the delegations drop by more
//! than `guardrails.max_shrink` (default 10%). Records Signet makes itself
//! (RRSIG, NSEC, NSEC3, NSEC3PARAM) and the key sets (DNSKEY, CDS,
//! CDNSKEY) are left out of the count: they change with keys and denial
//! mode, not with the zone's content.

use keybundles::Rtype;

use super::{Inputs, Outcome, Status};

pub const NAME: &str = "plausible";

/// Types whose RDATA may legitimately be empty.
const MAY_BE_EMPTY: &[Rtype] = &[Rtype::NULL, Rtype::APL];
/// Types whose whole RDATA is one target name, which is never the root.
const POINTS_AT_A_NAME: &[Rtype] = &[Rtype::CNAME, Rtype::DNAME, Rtype::NS, Rtype::PTR];

pub fn check(inputs: &Inputs<'_>) -> Outcome {
    let mut findings = Vec::new();
    let apex = inputs.view.apex();
    if apex.and_then(|a| a.rrset(Rtype::SOA)).is_none() {
        findings.push(format!("no SOA record at the apex {}", inputs.origin));
    }
    if apex.and_then(|a| a.rrset(Rtype::NS)).is_none() {
        findings.push(format!("no NS records at the apex {}", inputs.origin));
    }
    for node in &inputs.view.nodes {
        for set in &node.rrsets {
            if set.records.is_empty() {
                findings.push(format!("{} {}: empty RRset", node.name, set.rtype));
            } else if !MAY_BE_EMPTY.contains(&set.rtype) && set.records.iter().any(|r| r.rdata.is_empty()) {
                findings.push(format!("{} {}: a record with empty RDATA", node.name, set.rtype));
            } else if POINTS_AT_A_NAME.contains(&set.rtype) && set.records.iter().any(|r| r.rdata[..] == [0]) {
                findings.push(format!(
                    "{} {}: points at the root name '.', an empty target",
                    node.name, set.rtype
                ));
            }
        }
    }
    let new = inputs.facts;
    let max_shrink = inputs.config.guardrails.max_shrink;
    let mut compared = String::from("no published zone to compare sizes with");
    if let Some(old) = inputs.published.facts() {
        for (what, was, is) in [
            ("records", old.data_records, new.data_records),
            ("delegations", old.delegations, new.delegations),
        ] {
            if was > 0 && is < was {
                let drop = (was - is) as f64 / was as f64;
                if drop > max_shrink {
                    findings.push(format!(
                        "{what} drop from {was} to {is} ({:.1}%, more than the {:.1}% allowed by guardrails.max_shrink)",
                        drop * 100.0,
                        max_shrink * 100.0
                    ));
                }
            }
        }
        compared = format!(
            "records {} -> {}, delegations {} -> {}",
            old.data_records, new.data_records, old.delegations, new.delegations
        );
    }
    if findings.is_empty() {
        return Outcome::pass(NAME, format!("SOA and apex NS present, no empty records; {compared}"));
    }
    Outcome::new(
        NAME,
        Status::Fail,
        format!(
            "{} problem(s), first: {}; is the input truncated, or generated from an empty source?",
            findings.len(),
            findings[0]
        ),
    )
    .with_findings(findings)
}
