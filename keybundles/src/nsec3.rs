//! NSEC3 owner hashing (RFC 5155 §5) and parameters (RFC 9276).

use data_encoding::BASE32HEX_NOPAD;
use ring::digest;

use crate::name::{Name, NameError};

/// The only NSEC3 hash algorithm defined: SHA-1 (RFC 5155 §11).
pub const HASH_SHA1: u8 = 1;
/// NSEC3 flag: opt-out (RFC 5155 §3.1.2.1).
pub const FLAG_OPT_OUT: u8 = 1;

/// NSEC3 hashing parameters, as in NSEC3PARAM.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nsec3Params {
    pub algorithm: u8,
    pub iterations: u16,
    pub salt: Vec<u8>,
}

impl Default for Nsec3Params {
    /// RFC 9276 §3.1: SHA-1, no extra iterations, empty salt.
    fn default() -> Self {
        Nsec3Params {
            algorithm: HASH_SHA1,
            iterations: 0,
            salt: Vec::new(),
        }
    }
}

impl Nsec3Params {
    /// IH(salt, owner, iterations) of RFC 5155 §5, over the lowercase owner.
    pub fn hash(&self, owner: &Name) -> [u8; 20] {
        let owner = owner.to_lowercase();
        let mut input = Vec::with_capacity(owner.wire_len() + self.salt.len());
        input.extend_from_slice(owner.as_wire());
        input.extend_from_slice(&self.salt);
        let mut out = [0u8; 20];
        out.copy_from_slice(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &input).as_ref());
        for _ in 0..self.iterations {
            let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
            ctx.update(&out);
            ctx.update(&self.salt);
            out.copy_from_slice(ctx.finish().as_ref());
        }
        out
    }

    /// The NSEC3 owner for `name` in `zone`: base32hex(hash) as a label.
    pub fn hashed_owner(&self, name: &Name, zone: &Name) -> Result<Name, NameError> {
        owner_for_hash(&self.hash(name), zone)
    }

    /// NSEC3PARAM RDATA (RFC 5155 §4.2), flags 0.
    pub fn to_nsec3param_rdata(&self) -> Vec<u8> {
        let mut out = vec![self.algorithm, 0];
        out.extend_from_slice(&self.iterations.to_be_bytes());
        out.push(self.salt.len() as u8);
        out.extend_from_slice(&self.salt);
        out
    }
}

/// The NSEC3 owner name for an already computed hash: base32hex, in
/// lowercase, as a label below `zone`. Fails only for zone names so long
/// (over 222 octets) that a 32-octet label no longer fits.
pub fn owner_for_hash(hash: &[u8], zone: &Name) -> Result<Name, NameError> {
    let label = BASE32HEX_NOPAD.encode(hash).to_ascii_lowercase();
    zone.prepend(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5155 Appendix A: salt AABBCCDD, 12 iterations.
    #[test]
    fn rfc5155_appendix_a_hashes() {
        let params = Nsec3Params {
            algorithm: 1,
            iterations: 12,
            salt: vec![0xaa, 0xbb, 0xcc, 0xdd],
        };
        let zone: Name = "example.".parse().unwrap();
        let cases = [
            ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
            ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
            ("ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"),
            ("ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"),
            ("ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r"),
            ("w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"),
            ("*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
            ("x.w.example.", "b4um86eghhds6nea196smvmlo4ors995"),
            ("y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc"),
            ("x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"),
            ("xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"),
        ];
        for (name, hash) in cases {
            let owner = params.hashed_owner(&name.parse().unwrap(), &zone).unwrap();
            assert_eq!(owner.to_string(), format!("{hash}.example."), "{name}");
        }
    }
}
