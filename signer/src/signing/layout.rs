//! Which names a signer signs: the apex and authoritative names, the
//! delegation points (DS only), and none of the data below a zone cut
//! (RFC 4035 §2.2, RFC 4034 §4.1.2; DNAME: RFC 6672 §2.3).

use keybundles::{Name, Record, Rtype};

use crate::zone::owner_starts;
use rayon::prelude::*;

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
///
/// Runs on all cores, a stretch of records each, every stretch laid out
/// as if nothing above it were a cut; then each seam is mended in order
/// (see [`mend_seam`]). The result does not depend on the thread count.
pub fn layout(records: &[Record], apex: &Name, warn: &mut dyn FnMut(String)) -> Vec<Node> {
    layout_in_pieces(records, apex, rayon::current_num_threads() * 4, warn)
}

pub(super) fn layout_in_pieces(
    records: &[Record],
    apex: &Name,
    pieces: usize,
    warn: &mut dyn FnMut(String),
) -> Vec<Node> {
    let mut laid: Vec<Stretch> = owner_starts(records, pieces)
        .par_windows(2)
        .map(|w| lay_out_stretch(records, w[0], w[1], apex))
        .collect();
    let mut cut_before: Option<Name> = None;
    for stretch in &mut laid {
        mend_seam(stretch, records, cut_before.as_ref());
        cut_before = stretch.cut_at_end.take();
    }
    let mut nodes = Vec::with_capacity(laid.iter().map(|s| s.nodes.len()).sum());
    for stretch in laid {
        nodes.extend(stretch.nodes);
        for (_, warning) in stretch.warnings {
            warn(warning);
        }
    }
    nodes
}

/// The nodes of one stretch of records.
struct Stretch {
    nodes: Vec<Node>,
    /// Warnings, each with the index (in `nodes`) of the node it is about.
    warnings: Vec<(usize, String)>,
    /// The cut or DNAME the stretch's last name is at or below (as laid
    /// out on its own until [`mend_seam`] has run).
    cut_at_end: Option<Name>,
}

/// Lays out records `start..end` as if no name above them were a cut.
fn lay_out_stretch(records: &[Record], start: usize, end: usize, apex: &Name) -> Stretch {
    let mut stretch = Stretch {
        nodes: Vec::with_capacity((end - start) / 2),
        warnings: Vec::new(),
        cut_at_end: None,
    };
    // The innermost zone cut or DNAME we are below; in canonical order all
    // names below a cut follow it directly, so one is enough.
    let cut = &mut stretch.cut_at_end;
    let mut at = start;
    while at < end {
        let owner = &records[at].owner;
        let next = at + records[at..end].iter().take_while(|r| &r.owner == owner).count();
        let slice = &records[at..next];
        let has = |t: Rtype| slice.iter().any(|r| r.rtype == t);
        if cut.as_ref().is_some_and(|c| !owner.is_subdomain_of(c)) {
            *cut = None;
        }
        let kind = if owner == apex {
            NodeKind::Apex
        } else if cut.is_some() {
            NodeKind::Occluded
        } else if has(Rtype::NS) {
            *cut = Some(owner.clone());
            let odd: Vec<String> = slice
                .iter()
                .map(|r| r.rtype)
                .filter(|t| !matches!(*t, Rtype::NS | Rtype::DS))
                .map(|t| t.to_string())
                .collect();
            if !odd.is_empty() {
                stretch.warnings.push((
                    stretch.nodes.len(),
                    format!(
                        "{owner} is a delegation point; its {} record(s) are not authoritative and are published unsigned",
                        odd.join(", ")
                    ),
                ));
            }
            NodeKind::Delegation { has_ds: has(Rtype::DS) }
        } else {
            if has(Rtype::DNAME) {
                *cut = Some(owner.clone());
            }
            NodeKind::Authoritative
        };
        stretch.nodes.push(Node {
            start: at,
            end: next,
            kind,
        });
        at = next;
    }
    stretch
}

/// Makes a stretch laid out on its own what one walk from the apex makes
/// of it, given the cut (or DNAME) `above` that the stretches before it
/// end at or below. All names below a cut follow it directly, so only the
/// stretch's first names can be below `above`: they are occluded, and
/// what laying out on its own said of them (a cut, a warning) is void.
/// From the first name not below `above` on, both walks agree: each has
/// left every cut it was below.
fn mend_seam(stretch: &mut Stretch, records: &[Record], above: Option<&Name>) {
    let Some(above) = above else {
        return;
    };
    let below = stretch
        .nodes
        .iter()
        .take_while(|node| node.owner(records).is_subdomain_of(above))
        .count();
    for node in &mut stretch.nodes[..below] {
        node.kind = NodeKind::Occluded;
    }
    stretch.warnings.retain(|(node, _)| *node >= below);
    // Every name below `above`: the stretch ends below it too.
    if below == stretch.nodes.len() {
        stretch.cut_at_end = Some(above.clone());
    }
}
