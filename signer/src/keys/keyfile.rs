//! Reading BIND/ldns key files.

use std::path::Path;

use data_encoding::BASE64;
use keybundles::algorithm::Algorithm;
use keybundles::crypto::{KeyError, RsaPrivateParts, SigningKey};
use keybundles::dnskey::Dnskey;
use keybundles::Name;

use super::KeyFileError;

/// Reads the DNSKEY record from a `.key` file: comment lines, then
/// `owner [TTL] [class] DNSKEY flags protocol algorithm base64…`, where the
/// base64 may be split by spaces (BIND) and followed by a comment (ldns).
pub fn parse_public_file(text: &str, path: &Path) -> Result<(Name, Dnskey), KeyFileError> {
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let syntax = |message: String| KeyFileError::Syntax {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let owner = Name::parse(tokens[0], None).map_err(|e| syntax(format!("owner '{}': {e}", tokens[0])))?;
        let at = tokens
            .iter()
            .position(|t| t.eq_ignore_ascii_case("DNSKEY"))
            .ok_or_else(|| syntax("expected a DNSKEY record".into()))?;
        let fields = &tokens[at + 1..];
        if fields.len() < 4 {
            return Err(syntax("DNSKEY needs flags, protocol, algorithm and the key".into()));
        }
        let bad = |t: &str, what: &str| syntax(format!("DNSKEY {what}: '{t}' is not a number"));
        let flags: u16 = fields[0].parse().map_err(|_| bad(fields[0], "flags"))?;
        let protocol: u8 = fields[1].parse().map_err(|_| bad(fields[1], "protocol"))?;
        let algorithm: u8 = fields[2].parse().map_err(|_| bad(fields[2], "algorithm"))?;
        let public_key = BASE64
            .decode(fields[3..].concat().as_bytes())
            .map_err(|e| syntax(format!("DNSKEY key: bad base64 ({e})")))?;
        return Ok((
            owner,
            Dnskey {
                flags,
                protocol,
                algorithm,
                public_key,
            },
        ));
    }
    Err(KeyFileError::Invalid {
        path: path.to_path_buf(),
        message: "no DNSKEY record in the file".into(),
    })
}

/// The fields of a `.private` file Signet uses.
pub struct PrivateKeyFields {
    pub algorithm: u8,
    fields: Vec<(String, Vec<u8>)>,
    path: std::path::PathBuf,
}

/// Reads a `.private` file (`Private-key-format: v1.2` or `v1.3`).
pub fn parse_private_file(text: &str, path: &Path) -> Result<PrivateKeyFields, KeyFileError> {
    let mut algorithm = None;
    let mut fields = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let syntax = |message: String| KeyFileError::Syntax {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| syntax("expected 'Field: value'".into()))?;
        let value = value.trim();
        match key {
            "Private-key-format" if !value.starts_with("v1.") => {
                return Err(syntax(format!("unsupported private-key format {value}")));
            }
            "Algorithm" => {
                let number = value.split_whitespace().next().unwrap_or("");
                algorithm = Some(
                    number
                        .parse::<u8>()
                        .map_err(|_| syntax(format!("bad algorithm '{value}'")))?,
                );
            }
            "Modulus" | "PublicExponent" | "PrivateExponent" | "Prime1" | "Prime2" | "Exponent1" | "Exponent2"
            | "Coefficient" | "PrivateKey" => {
                let bytes = BASE64
                    .decode(value.as_bytes())
                    .map_err(|e| syntax(format!("{key}: bad base64 ({e})")))?;
                fields.push((key.to_string(), bytes));
            }
            // Timing metadata (Created, Publish, Activate, …) and
            // engine/label fields are not needed to sign.
            _ => {}
        }
    }
    let algorithm = algorithm.ok_or_else(|| KeyFileError::Invalid {
        path: path.to_path_buf(),
        message: "no 'Algorithm:' line".into(),
    })?;
    Ok(PrivateKeyFields {
        algorithm,
        fields,
        path: path.to_path_buf(),
    })
}

impl PrivateKeyFields {
    fn field(&self, name: &str) -> Result<&[u8], KeyError> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
            .ok_or_else(|| KeyError::Rejected(format!("{}: missing field '{name}'", self.path.display())))
    }

    /// The signing key these fields describe; `public_key` is the DNSKEY's
    /// key, which ECDSA and Ed25519 need to rebuild the pair.
    pub fn signing_key(&self, public_key: &[u8]) -> Result<SigningKey, KeyError> {
        let algorithm = Algorithm::from_number(self.algorithm).ok_or_else(|| {
            KeyError::Rejected(format!(
                "algorithm {} is not supported (use 8, 13, 14 or 15)",
                self.algorithm
            ))
        })?;
        match algorithm {
            Algorithm::RsaSha256 => SigningKey::from_rsa(&RsaPrivateParts {
                modulus: self.field("Modulus")?,
                public_exponent: self.field("PublicExponent")?,
                private_exponent: self.field("PrivateExponent")?,
                prime1: self.field("Prime1")?,
                prime2: self.field("Prime2")?,
                exponent1: self.field("Exponent1")?,
                exponent2: self.field("Exponent2")?,
                coefficient: self.field("Coefficient")?,
            }),
            Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => {
                SigningKey::from_ecdsa(algorithm, self.field("PrivateKey")?, public_key)
            }
            Algorithm::Ed25519 => SigningKey::from_ed25519(self.field("PrivateKey")?, Some(public_key)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bind_and_ldns_public_files() {
        let bind = "; This is a key-signing key, keyid 42317, for example.\n\
                    example. IN DNSKEY 257 3 13 7Y8qSYrS1mmA5hgRBUyvKWZUcf+BMWrjNsRgl7+1pWmbNuQ4J8tlAr4O TCQazJi0OMyTj7BL1+O2KliPiOVjvQ==\n";
        let (owner, key) = parse_public_file(bind, Path::new("K.key")).unwrap();
        assert_eq!(owner.to_string(), "example.");
        assert_eq!(key.key_tag(), 42317);
        let ldns = "example.\tIN\tDNSKEY\t257 3 13 7Y8qSYrS1mmA5hgRBUyvKWZUcf+BMWrjNsRgl7+1pWmbNuQ4J8tlAr4OTCQazJi0OMyTj7BL1+O2KliPiOVjvQ== ;{id = 42317 (ksk), size = 256b}\n";
        assert_eq!(parse_public_file(ldns, Path::new("K.key")).unwrap().1, key);
    }

    #[test]
    fn names_the_line_of_a_bad_public_file() {
        let err = parse_public_file("; c\nexample. IN DNSKEY 257 x 13 AAAA\n", Path::new("K.key")).unwrap_err();
        assert_eq!(err.to_string(), "K.key:2: DNSKEY protocol: 'x' is not a number");
        let err = parse_public_file("; only comments\n", Path::new("K.key")).unwrap_err();
        assert!(err.to_string().contains("no DNSKEY record"));
    }

    #[test]
    fn reads_ecdsa_private_file_and_checks_it_against_the_public_key() {
        let public = "example. IN DNSKEY 257 3 13 7Y8qSYrS1mmA5hgRBUyvKWZUcf+BMWrjNsRgl7+1pWmbNuQ4J8tlAr4O TCQazJi0OMyTj7BL1+O2KliPiOVjvQ==";
        let private = "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: w/OQzpka1xr1aJrCQcGWjBScXEd2/1IWnZbYTMUttcU=\nCreated: 20261125022553\n";
        let (_, dnskey) = parse_public_file(public, Path::new("K.key")).unwrap();
        let fields = parse_private_file(private, Path::new("K.private")).unwrap();
        let key = fields.signing_key(&dnskey.public_key).unwrap();
        assert_eq!(key.public_key(), dnskey.public_key.as_slice());
        let mut other = dnskey.public_key.clone();
        other[5] ^= 1;
        assert!(fields.signing_key(&other).is_err());
    }

    #[test]
    fn private_file_errors_name_the_line() {
        let err = parse_private_file("Private-key-format: v1.3\nAlgorithm 13\n", Path::new("K.private"))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "K.private:2: expected 'Field: value'");
        let err = parse_private_file("Private-key-format: v1.3\n", Path::new("K.private"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("no 'Algorithm:' line"));
    }
}
