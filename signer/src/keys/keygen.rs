//! Making new key pairs and writing them as BIND key files.

use std::path::{Path, PathBuf};

use data_encoding::BASE64;
use keybundles::algorithm::Algorithm;
use keybundles::crypto::{rsa_public_key, KeyError, RsaPrivateParts, SigningKey};
use keybundles::dnskey::Dnskey;
use keybundles::Name;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING};

use crate::output::{write_atomically, FileMode};

/// A freshly made key: its DNSKEY and the text of its `.private` file.
pub struct GeneratedKey {
    pub dnskey: Dnskey,
    private_fields: PrivateFields,
}

/// Makes a new key pair. `bits` applies to RSA only (2048 to 4096).
pub fn generate(algorithm: Algorithm, bits: Option<usize>, ksk: bool) -> Result<GeneratedKey, KeyError> {
    let rng = SystemRandom::new();
    let (public_key, private_fields) = match algorithm {
        Algorithm::RsaSha256 => generate_rsa(bits.unwrap_or(2048))?,
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => {
            let alg = if algorithm == Algorithm::EcdsaP256Sha256 {
                &ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|_| KeyError::SigningFailed)?;
            let key = SigningKey::from_ecdsa_pkcs8(algorithm, pkcs8.as_ref())?;
            let scalar = ec_private_scalar(pkcs8.as_ref())
                .ok_or_else(|| KeyError::Rejected("could not read the generated EC key".into()))?;
            (key.public_key().to_vec(), vec![("PrivateKey", scalar)])
        }
        Algorithm::Ed25519 => {
            let mut seed = [0u8; 32];
            rng.fill(&mut seed).map_err(|_| KeyError::SigningFailed)?;
            let key = SigningKey::from_ed25519(&seed, None)?;
            (key.public_key().to_vec(), vec![("PrivateKey", seed.to_vec())])
        }
    };
    if bits.is_some() && algorithm != Algorithm::RsaSha256 {
        return Err(KeyError::Rejected(format!(
            "--bits applies to RSA (algorithm 8) only, not {algorithm}"
        )));
    }
    Ok(GeneratedKey {
        dnskey: Dnskey::new(algorithm, public_key, ksk),
        private_fields,
    })
}

/// Named private-key fields as they appear in a `.private` file.
type PrivateFields = Vec<(&'static str, Vec<u8>)>;

fn generate_rsa(bits: usize) -> Result<(Vec<u8>, PrivateFields), KeyError> {
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    if !(2048..=4096).contains(&bits) {
        return Err(KeyError::Rejected(format!(
            "RSA keys must be 2048 to 4096 bits, not {bits}"
        )));
    }
    let mut key =
        rsa::RsaPrivateKey::new(&mut rand_core::OsRng, bits).map_err(|e| KeyError::Rejected(e.to_string()))?;
    key.precompute().map_err(|e| KeyError::Rejected(e.to_string()))?;
    let primes = key.primes();
    let (p, q) = (&primes[0], &primes[1]);
    let one = rsa::BigUint::from(1u8);
    let dp = key.d() % (p - &one);
    let dq = key.d() % (q - &one);
    let qinv = key
        .crt_coefficient()
        .ok_or_else(|| KeyError::Rejected("no CRT coefficient".into()))?;
    let fields = vec![
        ("Modulus", key.n().to_bytes_be()),
        ("PublicExponent", key.e().to_bytes_be()),
        ("PrivateExponent", key.d().to_bytes_be()),
        ("Prime1", p.to_bytes_be()),
        ("Prime2", q.to_bytes_be()),
        ("Exponent1", dp.to_bytes_be()),
        ("Exponent2", dq.to_bytes_be()),
        ("Coefficient", qinv.to_bytes_be()),
    ];
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    };
    // Load it as a signing key once: proves Signet can sign with what we write.
    SigningKey::from_rsa(&RsaPrivateParts {
        modulus: field("Modulus"),
        public_exponent: field("PublicExponent"),
        private_exponent: field("PrivateExponent"),
        prime1: field("Prime1"),
        prime2: field("Prime2"),
        exponent1: field("Exponent1"),
        exponent2: field("Exponent2"),
        coefficient: field("Coefficient"),
    })?;
    Ok((rsa_public_key(field("PublicExponent"), field("Modulus")), fields))
}

/// Reads the private scalar out of a PKCS#8 v1 ECPrivateKey (RFC 5915) as
/// ring generates it: SEQ{ INT 0, SEQ{oids}, OCTET STRING{ SEQ{ INT 1,
/// OCTET STRING scalar, … } } }.
fn ec_private_scalar(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (outer, _) = der_tlv(pkcs8, 0x30)?;
    let (_, rest) = der_tlv(outer, 0x02)?;
    let (_, rest) = der_tlv(rest, 0x30)?;
    let (inner, _) = der_tlv(rest, 0x04)?;
    let (ec, _) = der_tlv(inner, 0x30)?;
    let (_, rest) = der_tlv(ec, 0x02)?;
    let (scalar, _) = der_tlv(rest, 0x04)?;
    Some(scalar.to_vec())
}

/// One DER TLV with the expected tag: (contents, what follows).
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        let (bytes, rest) = rest.split_at_checked(n)?;
        (bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)), rest)
    };
    rest.split_at_checked(len)
}

/// Writes `K<origin>+<alg>+<tag>.key` and `.private` (mode 0600) into
/// `dir`, each atomically; returns the stem. Refuses to overwrite.
pub fn write_key_files(dir: &Path, origin: &Name, key: &GeneratedKey, now: i64) -> std::io::Result<PathBuf> {
    let tag = key.dnskey.key_tag();
    let stem = dir.join(format!("K{origin}+{:03}+{tag:05}", key.dnskey.algorithm));
    let private_path = PathBuf::from(format!("{}.private", stem.display()));
    let public_path = PathBuf::from(format!("{}.key", stem.display()));
    for path in [&public_path, &private_path] {
        if path.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists already; not overwriting a key", path.display()),
            ));
        }
    }
    let created = keybundles::time::format_compact(now);
    let role = if key.dnskey.is_sep() {
        "key-signing"
    } else {
        "zone-signing"
    };
    let algorithm = Algorithm::from_number(key.dnskey.algorithm).map_or_else(|| "?".to_string(), |a| a.to_string());
    let mut private = format!("Private-key-format: v1.3\nAlgorithm: {algorithm}\n");
    for (name, value) in &key.private_fields {
        private.push_str(&format!("{name}: {}\n", BASE64.encode(value)));
    }
    private.push_str(&format!(
        "Created: {created}\nPublish: {created}\nActivate: {created}\n"
    ));
    write_atomically(&private_path, FileMode::Secret, |w| w.write_all(private.as_bytes()))?;
    let public = format!(
        "; This is a {role} key, keyid {tag}, for {origin}\n; Created: {created}\n{origin} IN DNSKEY {}\n",
        key.dnskey
    );
    write_atomically(&public_path, FileMode::Public, |w| w.write_all(public.as_bytes()))?;
    Ok(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_back_from_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let origin: Name = "example.".parse().unwrap();
        for (alg, ksk) in [
            (Algorithm::EcdsaP256Sha256, true),
            (Algorithm::EcdsaP384Sha384, false),
            (Algorithm::Ed25519, false),
        ] {
            let key = generate(alg, None, ksk).unwrap();
            let stem = write_key_files(dir.path(), &origin, &key, 1_700_000_000).unwrap();
            let loaded = crate::keys::load(&stem).unwrap();
            assert_eq!(loaded.dnskey, key.dnskey);
            assert_eq!(loaded.is_ksk(), ksk);
            // the same key again is refused, not overwritten
            assert!(write_key_files(dir.path(), &origin, &key, 1_700_000_000).is_err());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(format!("{}.private", stem.display()))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600);
            }
        }
        assert!(generate(Algorithm::Ed25519, Some(2048), false).is_err());
        assert!(generate(Algorithm::RsaSha256, Some(1024), false).is_err());
    }
}
