//! Emitting the signed zone in output order, chunk by chunk.
//!
//! Nodes (owner names) are split into chunks; chunks are signed in
//! parallel, each producing its records already in output order, and are
//! handed on in order (see `pipeline`). So the signed zone is never sorted
//! again and never has to be held in memory whole: peak memory is the
//! unsigned zone plus a few chunks per thread.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use keybundles::{Record, Rtype};

use super::layout::{Node, NodeKind};
use super::{nsec, RrsetSigner, SignError};

/// Owner names (and NSEC3 records) per chunk: large enough that
/// scheduling costs nothing next to signing, small enough to spread over
/// many cores.
pub const CHUNK_ITEMS: usize = 512;

/// A record of the signed zone: the unsigned zone's own records are
/// borrowed, not copied (most of the output), signatures and NSEC records
/// are new.
pub type Emitted<'a> = Cow<'a, Record>;

/// What a chunk needs to know about the whole zone.
pub struct ChunkContext<'a> {
    pub records: &'a [Record],
    pub nodes: &'a [Node],
    /// NSEC mode: NSEC TTL. NSEC3 mode: None (the chain is in `nsec3`).
    pub nsec_ttl: Option<u32>,
    /// NSEC3 records in canonical (= hash) order.
    pub nsec3: &'a [Record],
    /// Where the NSEC chain leaves `nodes` for names not in them (see
    /// `nsec::record_for`); empty for a whole zone.
    pub chain_bounds: &'a [keybundles::Name],
    pub signer: &'a RrsetSigner<'a>,
    pub signatures: &'a AtomicUsize,
    pub reused: &'a AtomicUsize,
}

impl<'a> ChunkContext<'a> {
    /// Cuts the zone into chunks of about [`CHUNK_ITEMS`] owner names and
    /// NSEC3 records each, in output order: `(nodes, nsec3)` ranges. The
    /// NSEC3 records are counted because they are not spread like the
    /// names: hashed owners sort before or after a TLD's `d…` names in
    /// long runs, and a chunk holding such a run would leave one thread
    /// signing it while the others wait.
    pub fn plan_chunks(&self) -> Vec<(Range<usize>, Range<usize>)> {
        let (nodes, nsec3) = (self.nodes.len(), self.nsec3.len());
        let mut chunks = Vec::with_capacity((nodes + nsec3) / CHUNK_ITEMS + 1);
        let (mut node, mut record, mut start, mut taken) = (0, 0, (0, 0), 0);
        while node < nodes || record < nsec3 {
            // The same rule as `emit`: an NSEC3 record goes before the
            // first name it sorts below.
            let record_first = record < nsec3
                && (node == nodes
                    || self.nsec3[record]
                        .owner
                        .canonical_cmp(self.nodes[node].owner(self.records))
                        == Ordering::Less);
            if record_first {
                record += 1;
            } else {
                node += 1;
            }
            taken += 1;
            if taken == CHUNK_ITEMS {
                chunks.push((start.0..node, start.1..record));
                start = (node, record);
                taken = 0;
            }
        }
        if taken > 0 {
            chunks.push((start.0..node, start.1..record));
        }
        chunks
    }

    /// The records of nodes `range`, with their signatures and denial
    /// records, and the NSEC3 records `nsec3_range`, in output order.
    pub fn emit(
        &self,
        range: std::ops::Range<usize>,
        nsec3_range: std::ops::Range<usize>,
    ) -> Result<Vec<Emitted<'a>>, SignError> {
        let mut out = Vec::with_capacity((range.len() * 5).max(16));
        let mut signatures = Vec::new();
        let mut next_nsec3 = nsec3_range.start;
        let nsec3 = self.nsec3;
        for index in range {
            let node = &self.nodes[index];
            let owner = node.owner(self.records);
            while next_nsec3 < nsec3_range.end && nsec3[next_nsec3].owner.canonical_cmp(owner) == Ordering::Less {
                self.signed_rrset(std::slice::from_ref(&nsec3[next_nsec3]), &mut signatures, &mut out)?;
                next_nsec3 += 1;
            }
            self.emit_node(index, node, &mut signatures, &mut out)?;
        }
        for record in &nsec3[next_nsec3..nsec3_range.end] {
            self.signed_rrset(std::slice::from_ref(record), &mut signatures, &mut out)?;
        }
        Ok(out)
    }

    fn emit_node(
        &self,
        index: usize,
        node: &Node,
        signatures: &mut Vec<Record>,
        out: &mut Vec<Emitted<'a>>,
    ) -> Result<(), SignError> {
        let rrsets = node.rrsets(self.records);
        let signed = |rtype: Rtype| match node.kind {
            NodeKind::Apex | NodeKind::Authoritative => true,
            NodeKind::Delegation { .. } => rtype == Rtype::DS,
            NodeKind::Occluded => false,
        };
        let nsec = match (self.nsec_ttl, node.kind) {
            (Some(ttl), kind) if kind != NodeKind::Occluded => Some(nsec::record_for(
                self.records,
                self.nodes,
                index,
                ttl,
                self.chain_bounds,
            )),
            _ => None,
        };
        // Output order at a name: SOA first, then types by number (NSEC
        // among them), each RRset followed by its RRSIGs.
        let soa = rrsets.iter().position(|&(s, _)| self.records[s].rtype == Rtype::SOA);
        let order = soa.into_iter().chain((0..rrsets.len()).filter(|&i| Some(i) != soa));
        let mut nsec = nsec;
        let records = self.records;
        for i in order {
            let (start, end) = rrsets[i];
            let rrset = &records[start..end];
            // The SOA (type 6) comes first and is below NSEC (47), so NSEC
            // goes before the first RRset of a higher type.
            if let Some(record) = nsec.take_if(|_| rrset[0].rtype > Rtype::NSEC) {
                self.signed_new_record(record, signatures, out)?;
            }
            if signed(rrset[0].rtype) {
                self.signed_rrset(rrset, signatures, out)?;
            } else {
                out.extend(rrset.iter().map(Cow::Borrowed));
            }
        }
        if let Some(record) = nsec {
            self.signed_new_record(record, signatures, out)?;
        }
        Ok(())
    }

    /// Appends an RRset of the zone (borrowed) and its signatures.
    /// `signatures` is scratch space, reused from RRset to RRset.
    fn signed_rrset(
        &self,
        rrset: &'a [Record],
        signatures: &mut Vec<Record>,
        out: &mut Vec<Emitted<'a>>,
    ) -> Result<(), SignError> {
        out.extend(rrset.iter().map(Cow::Borrowed));
        self.sign(rrset, signatures, out)
    }

    /// Appends a record made for this chunk (an NSEC) and its signatures.
    fn signed_new_record(
        &self,
        record: Record,
        signatures: &mut Vec<Record>,
        out: &mut Vec<Emitted<'a>>,
    ) -> Result<(), SignError> {
        let rrset = [record];
        let result = self.sign_to(&rrset, signatures);
        let [record] = rrset;
        out.push(Cow::Owned(record));
        result?;
        out.extend(signatures.drain(..).map(Cow::Owned));
        Ok(())
    }

    fn sign(
        &self,
        rrset: &[Record],
        signatures: &mut Vec<Record>,
        out: &mut Vec<Emitted<'a>>,
    ) -> Result<(), SignError> {
        self.sign_to(rrset, signatures)?;
        out.extend(signatures.drain(..).map(Cow::Owned));
        Ok(())
    }

    /// Makes (or keeps) the RRSIGs of `rrset` into the empty `signatures`.
    fn sign_to(&self, rrset: &[Record], signatures: &mut Vec<Record>) -> Result<(), SignError> {
        signatures.clear();
        self.signer.sign_into(rrset, self.reused, signatures)?;
        self.signatures.fetch_add(signatures.len(), AtomicOrdering::Relaxed);
        Ok(())
    }
}
