//! The NSEC3 records of the stretches of an NSEC3 zone (RFC 5155 §7.1).
//!
//! The stretches hold the names that changed and, on the hashes' side,
//! the NSEC3 records of those names and of their predecessors in hash
//! order. The records of the changed names are made from their new data;
//! the other NSEC3 records of the stretches keep their type bitmaps and
//! only relink: each points to the next hash in the new chain, which is
//! either another record made here or the next NSEC3 record outside the
//! stretches, left as it is.

use std::collections::HashSet;

use data_encoding::BASE32HEX_NOPAD;
use keybundles::denial::Nsec3;
use keybundles::nsec3::{owner_for_hash, Nsec3Params, FLAG_OPT_OUT};
use keybundles::{Class, Name, Record, Rtype};
use rayon::prelude::*;

use super::signed_text::SignedText;
use super::stretch::{contains, Stretch};
use crate::signing::{chain_types, in_chain, Node, Nsec3Error};

/// What the NSEC3 records of the stretches are made from.
pub struct StretchChain<'a> {
    pub text: &'a SignedText,
    pub stretches: &'a [Stretch],
    /// Indices of all nodes of the previous zone with an NSEC3 record.
    pub nsec3_nodes: &'a [usize],
    pub apex: &'a Name,
    pub params: &'a Nsec3Params,
    pub opt_out: bool,
    pub ttl: u32,
    /// The NSEC3 records read from the stretches.
    pub old: Vec<Record>,
    /// The names whose NSEC3 records are made again from their data
    /// (lowercase).
    pub remade: HashSet<Name>,
}

/// The hash an NSEC3 owner name stands for: its first label, base32hex.
pub fn hash_of(owner: &Name) -> Option<[u8; 20]> {
    hash_of_label(owner.labels().next()?)
}

/// [`hash_of`] for an owner name in presentation form, as the file has it.
fn hash_of_text(owner: &[u8]) -> Option<[u8; 20]> {
    hash_of_label(owner.split(|&b| b == b'.').next()?)
}

fn hash_of_label(label: &[u8]) -> Option<[u8; 20]> {
    let bytes = BASE32HEX_NOPAD.decode(&label.to_ascii_uppercase()).ok()?;
    bytes.try_into().ok()
}

/// A hash of the chain and the types of its name.
type ChainEntry = ([u8; 20], Vec<Rtype>);

impl StretchChain<'_> {
    /// The NSEC3 records of the stretches, in hash (= canonical) order,
    /// given the stretches' records and names as they will be signed.
    pub fn make(&self, records: &[Record], nodes: &[Node]) -> Result<Vec<Record>, Nsec3Error> {
        let remade_hashes: HashSet<[u8; 20]> = self.remade.par_iter().map(|n| self.params.hash(n)).collect();
        let mut entries: Vec<ChainEntry> = nodes
            .par_iter()
            .filter(|node| in_chain(node, self.opt_out) && self.remade.contains(&node.owner(records).to_lowercase()))
            .map(|node| (self.params.hash(node.owner(records)), chain_types(records, node)))
            .collect();
        let kept: Result<Vec<Option<ChainEntry>>, Nsec3Error> = self
            .old
            .par_iter()
            .map(|record| {
                let hash = hash_of(&record.owner).ok_or_else(|| Nsec3Error::NotHashed(record.owner.clone()))?;
                // Read from the previous zone, which Signet wrote.
                Ok((!remade_hashes.contains(&hash)).then(|| {
                    (
                        hash,
                        Nsec3::from_rdata(&record.rdata).map(|n| n.types).unwrap_or_default(),
                    )
                }))
            })
            .collect();
        entries.extend(kept?.into_iter().flatten());
        entries.par_sort_unstable_by_key(|entry| entry.0);
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            let name = |hash: &[u8; 20]| owner_for_hash(hash, self.apex).unwrap_or_else(|_| self.apex.clone());
            return Err(Nsec3Error::Collision(name(&pair[0].0), name(&pair[1].0)));
        }
        let flags = if self.opt_out { FLAG_OPT_OUT } else { 0 };
        let first_outside = self.outside_from(0);
        // Each record looks up its successor outside the stretches with a
        // binary search over the zone's names: on all threads.
        (0..entries.len())
            .into_par_iter()
            .map(|i| {
                let (hash, types) = &entries[i];
                let owner =
                    owner_for_hash(hash, self.apex).map_err(|_| Nsec3Error::ZoneNameTooLong(self.apex.clone()))?;
                let in_stretches = entries.get(i + 1).map(|e| e.0);
                let outside = self.outside_from(self.text.lower_bound(&owner));
                let next = match (in_stretches, outside) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) => a,
                    (None, Some(b)) => b,
                    // The last hash: back to the first.
                    (None, None) => first_outside.map_or(entries[0].0, |b| b.min(entries[0].0)),
                };
                let rdata = Nsec3 {
                    algorithm: self.params.algorithm,
                    flags,
                    iterations: self.params.iterations,
                    salt: self.params.salt.clone(),
                    next_hashed: next.to_vec(),
                    types: types.clone(),
                }
                .to_rdata();
                Ok(Record::new(owner, Class::IN, self.ttl, Rtype::NSEC3, rdata))
            })
            .collect()
    }

    /// The hash of the first NSEC3 record at or after node `from` that is
    /// outside the stretches (kept as it is), if there is one.
    fn outside_from(&self, from: usize) -> Option<[u8; 20]> {
        let start = self.nsec3_nodes.partition_point(|&k| k < from);
        self.nsec3_nodes[start..]
            .iter()
            .find(|&&k| !contains(self.stretches, k))
            .and_then(|&k| hash_of_text(self.text.owner_text(k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_owner_gives_back_its_hash() {
        let apex: Name = "example.".parse().unwrap();
        let params = Nsec3Params {
            algorithm: keybundles::nsec3::HASH_SHA1,
            iterations: 0,
            salt: Vec::new(),
        };
        let hash = params.hash(&"www.example.".parse().unwrap());
        let owner = owner_for_hash(&hash, &apex).unwrap();
        assert_eq!(hash_of(&owner), Some(hash));
        assert_eq!(hash_of_text(owner.to_string().as_bytes()), Some(hash));
        assert_eq!(hash_of_text(owner.to_string().to_lowercase().as_bytes()), Some(hash));
        assert_eq!(hash_of_text(b"www.example."), None);
        assert_eq!(hash_of(&"www.example.".parse().unwrap()), None);
    }
}
