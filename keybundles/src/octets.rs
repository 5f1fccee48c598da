//! A compact octet string for the millions of small values a zone holds.
//!
//! Most owner names and most RDATA in a TLD are short (a 13-octet name, a
//! 4-octet A, a 16-octet AAAA, a 20-octet NS target), and a heap
//! allocation for each costs at least 32 octets with glibc on top of the
//! 16-octet pointer. [`Octets`] keeps up to [`INLINE`] octets inside its
//! 24 octets and only allocates for longer values, which roughly halves
//! the memory of a loaded zone.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

/// Longest value kept without a heap allocation.
pub const INLINE: usize = 22;

/// An immutable-length octet string, inline when short.
#[derive(Clone)]
pub struct Octets(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Octets {
    /// The octets as a slice.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(bytes) => bytes,
        }
    }

    /// The octets as a mutable slice (the length cannot change).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        match &mut self.0 {
            Repr::Inline { len, bytes } => &mut bytes[..usize::from(*len)],
            Repr::Heap(bytes) => bytes,
        }
    }
}

impl Default for Octets {
    /// The empty octet string (no allocation).
    fn default() -> Octets {
        Octets(Repr::Inline {
            len: 0,
            bytes: [0; INLINE],
        })
    }
}

impl From<&[u8]> for Octets {
    fn from(value: &[u8]) -> Octets {
        if value.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..value.len()].copy_from_slice(value);
            Octets(Repr::Inline {
                len: value.len() as u8,
                bytes,
            })
        } else {
            Octets(Repr::Heap(value.into()))
        }
    }
}

impl From<Vec<u8>> for Octets {
    fn from(value: Vec<u8>) -> Octets {
        if value.len() <= INLINE {
            Octets::from(value.as_slice())
        } else {
            Octets(Repr::Heap(value.into_boxed_slice()))
        }
    }
}

impl From<Box<[u8]>> for Octets {
    fn from(value: Box<[u8]>) -> Octets {
        if value.len() <= INLINE {
            Octets::from(&value[..])
        } else {
            Octets(Repr::Heap(value))
        }
    }
}

impl<const N: usize> From<[u8; N]> for Octets {
    fn from(value: [u8; N]) -> Octets {
        Octets::from(&value[..])
    }
}

impl Deref for Octets {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl DerefMut for Octets {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for Octets {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Octets {
    fn eq(&self, other: &Octets) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Octets {}

impl PartialOrd for Octets {
    fn partial_cmp(&self, other: &Octets) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Octets {
    fn cmp(&self, other: &Octets) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for Octets {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for Octets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_values_behave_alike() {
        assert_eq!(std::mem::size_of::<Octets>(), 24);
        for len in [0, 1, INLINE - 1, INLINE, INLINE + 1, 300] {
            let value: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let octets = Octets::from(value.clone());
            assert_eq!(&*octets, value.as_slice());
            assert_eq!(octets, Octets::from(value.as_slice()));
            assert_eq!(octets, Octets::from(value.clone().into_boxed_slice()));
            let mut changed = octets.clone();
            if let Some(first) = changed.first_mut() {
                *first = 0xff;
                assert!(changed > octets);
            }
        }
        // Slice order across the inline and heap forms: a prefix sorts first.
        assert!(Octets::from(&b"aa"[..]) < Octets::from(vec![b'a'; 40]));
        assert!(Octets::from(&b"ab"[..]) > Octets::from(vec![b'a'; 40]));
    }
}
