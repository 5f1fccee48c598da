//! The DNSSEC math the ceremony uses comes from `keybundles` (shared bit for bit with the
//! signer); this module re-exports it and adds the few ceremony-side helpers: reading DNSKEY RRs
//! from a file, the DNSKEY record for an owner, and RRSIG presentation form.

use std::path::Path;

use data_encoding::BASE64;
use keybundles::zonefile::ZoneReader;
use keybundles::{Class, Name, Record, Rtype};
use thiserror::Error;

pub use keybundles::algorithm::Algorithm;
pub use keybundles::crypto::{rsa_public_components, rsa_public_key, verify, VerifyError};
pub use keybundles::dnskey::Dnskey;
pub use keybundles::ds::{DigestType, Ds};
pub use keybundles::rrsig::{signing_input, Rrsig};

const DNSKEY: Rtype = Rtype(48);

#[derive(Debug, Error)]
pub enum DnskeyFileError {
    #[error("{0}")]
    Syntax(String),
    #[error("{0}: malformed DNSKEY RDATA")]
    Rdata(String),
    #[error("no DNSKEY record in {0}")]
    Empty(String),
}

/// Every DNSKEY RR in master-file text (a BIND `.key` file or any zone text; relative names are
/// completed with `origin`; other record types are skipped). Owners come back lowercase.
pub fn read_dnskeys(text: &str, source: &Path, origin: &Name) -> Result<Vec<(Name, Dnskey)>, DnskeyFileError> {
    // BIND .key files carry no TTL and no $TTL: give the reader a default.
    let text = format!("$TTL 3600\n{text}");
    let mut out = Vec::new();
    for entry in ZoneReader::from_str(&text, source, origin) {
        let entry = entry.map_err(|e| DnskeyFileError::Syntax(e.to_string()))?;
        if entry.record.rtype != DNSKEY {
            continue;
        }
        let key = Dnskey::from_rdata(&entry.record.rdata)
            .map_err(|_| DnskeyFileError::Rdata(format!("{}:{}", source.display(), entry.location.line)))?;
        out.push((entry.record.owner, key));
    }
    if out.is_empty() {
        return Err(DnskeyFileError::Empty(source.display().to_string()));
    }
    Ok(out)
}

/// DNSKEY RDATA in presentation form ("257 3 13 base64…") back into a `Dnskey`.
pub fn parse_dnskey_rdata(text: &str) -> Result<Dnskey, DnskeyFileError> {
    let keys = read_dnskeys(&format!(". 0 IN DNSKEY {text}\n"), Path::new("DNSKEY"), &Name::root())?;
    Ok(keys.into_iter().next().expect("one key").1)
}

/// A KSK (flags 257, protocol 3).
pub fn ksk(algorithm: Algorithm, public_key: Vec<u8>) -> Dnskey {
    Dnskey::new(algorithm, public_key, true)
}

/// A DNSKEY record owned by `owner`.
pub fn dnskey_record(owner: &Name, ttl: u32, key: &Dnskey) -> Record {
    Record::new(owner.clone(), Class(1), ttl, DNSKEY, key.to_rdata())
}

/// "owner TTL IN RRSIG …" presentation form of an RRSIG owned by `owner`.
pub fn rrsig_presentation(owner: &Name, rrsig: &Rrsig) -> String {
    let t = |s: u32| {
        chrono::DateTime::from_timestamp(i64::from(s), 0)
            .map(|d| d.format("%Y%m%d%H%M%S").to_string())
            .unwrap_or_default()
    };
    format!(
        "{} {} IN RRSIG {} {} {} {} {} {} {} {} {}",
        owner,
        rrsig.original_ttl,
        rrsig.type_covered,
        rrsig.algorithm,
        rrsig.labels,
        rrsig.original_ttl,
        t(rrsig.expiration),
        t(rrsig.inception),
        rrsig.key_tag,
        rrsig.signer,
        BASE64.encode(&rrsig.signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4034 §5.4 example, spread over lines with parentheses and a comment.
    const DNSKEY_TEXT: &str = "dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9Xz
                                                 fwJr1AYtsmx3TGkJaNXVbfi/
                                                 2pHm822aJ5iI9BMzNXxeYCmZ
                                                 DRD99WYwYqUSdjMmmAphXdvx
                                                 egXd/M5+X7OrzKBaMbCVdFLU
                                                 Uh6DhweJBjEVv5f2wwjM9Xzc
                                                 nOf+EPbtG9DMBmADjFDc2w/r
                                                 ljwvFw==
                                                 ) ;  key id = 60485
";

    #[test]
    fn reads_dnskeys_from_master_file_text() {
        let origin = Name::parse("example.com.", None).unwrap();
        let keys = read_dnskeys(DNSKEY_TEXT, Path::new("t"), &origin).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0.to_string(), "dskey.example.com.");
        assert_eq!(keys[0].1.key_tag(), 60485);
        // A BIND .key file: comment, no TTL.
        let bind = "; This is a key-signing key\nexample.com. IN DNSKEY 257 3 13 AQID\n";
        let keys = read_dnskeys(bind, Path::new("K.key"), &origin).unwrap();
        assert_eq!(keys[0].1.flags, 257);
        assert!(read_dnskeys("example.com. 60 IN A 192.0.2.1\n", Path::new("a"), &origin).is_err());
    }

    #[test]
    fn rdata_round_trip() {
        let k = parse_dnskey_rdata("257 3 13 AQID").unwrap();
        assert_eq!(k.public_key, vec![1, 2, 3]);
        assert_eq!(k.to_string(), "257 3 13 AQID");
    }
}
