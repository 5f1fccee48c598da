//! Which names a signer signs: the apex and authoritative names, the
//! delegation points (DS only), and none of the data below a zone cut
//! (RFC 4035 §2.2, RFC 4034 §4.1.2; DNAME: RFC 6672 §2.3).

use keybundles::{Name, Record, Rtype};

/// What a name is, for signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Apex,
    /// Authoritative data: every RRset is signed.
    Authoritative,
    /// A zone cut: NS is not signed, DS is.
    Delegation {
        has_ds: bool,
    },
    /// Below a zone cut or a DNAME (glue and the like): neither signed nor
    /// in the denial chain, but published as it is.
    Occluded,
}

/// One owner name: the records `start..end` of the sorted zone.
#[derive(Clone, Debug)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: NodeKind,
}

impl Node {
    pub fn owner<'a>(&self, records: &'a [Record]) -> &'a Name {
        &records[self.start].owner
    }

    /// The distinct types at this name.
    pub fn types(&self, records: &[Record]) -> Vec<Rtype> {
        let mut types: Vec<Rtype> = records[self.start..self.end].iter().map(|r| r.rtype).collect();
        types.dedup();
        types
    }

    /// The types the denial records of this name must list (before RRSIG,
    /// NSEC and NSEC3PARAM are added): at a delegation only NS and DS.
    pub fn authoritative_types(&self, records: &[Record]) -> Vec<Rtype> {
        let types = self.types(records);
        match self.kind {
            NodeKind::Delegation { .. } => types
                .into_iter()
                .filter(|t| matches!(*t, Rtype::NS | Rtype::DS))
                .collect(),
            NodeKind::Occluded => Vec::new(),
            _ => types,
        }
    }

    /// The RRsets at this name as `start..end` ranges.
    pub fn rrsets(&self, records: &[Record]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let rtype = records[start].rtype;
            let end = start + records[start..self.end].iter().take_while(|r| r.rtype == rtype).count();
            out.push((start, end));
            start = end;
        }
        out
    }
}

/// Splits sorted records into nodes and classifies each. `warn` hears of
/// data at a delegation point other than NS and DS, which is occluded.
pub fn layout(records: &[Record], apex: &Name, warn: &mut dyn FnMut(String)) -> Vec<Node> {
    let mut nodes = Vec::new();
    // The innermost zone cut or DNAME we are below; in canonical order all
    // names below a cut follow it directly, so one is enough.
    let mut cut: Option<Name> = None;
    let mut start = 0;
    while start < records.len() {
        let owner = &records[start].owner;
        let end = start + records[start..].iter().take_while(|r| &r.owner == owner).count();
        let slice = &records[start..end];
        let has = |t: Rtype| slice.iter().any(|r| r.rtype == t);
        if cut.as_ref().is_some_and(|c| !owner.is_subdomain_of(c)) {
            cut = None;
        }
        let kind = if owner == apex {
            NodeKind::Apex
        } else if cut.is_some() {
            NodeKind::Occluded
        } else if has(Rtype::NS) {
            cut = Some(owner.clone());
            let odd: Vec<String> = slice
                .iter()
                .map(|r| r.rtype)
                .filter(|t| !matches!(*t, Rtype::NS | Rtype::DS))
                .map(|t| t.to_string())
                .collect();
            if !odd.is_empty() {
                warn(format!(
                    "{owner} is a delegation point; its {} record(s) are not authoritative and are published unsigned",
                    odd.join(", ")
                ));
            }
            NodeKind::Delegation { has_ds: has(Rtype::DS) }
        } else {
            if has(Rtype::DNAME) {
                cut = Some(owner.clone());
            }
            NodeKind::Authoritative
        };
        nodes.push(Node { start, end, kind });
        start = end;
    }
    nodes
}
