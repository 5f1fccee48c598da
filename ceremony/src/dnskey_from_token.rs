//! Reads a key's public half from the token and turns it into a DNSKEY: RSA modulus and exponent
//! into RFC 3110 form; CKA_EC_POINT (DER OCTET STRING or raw, told apart by length) into the
//! RFC 6605 x||y or the RFC 8080 Ed25519 key.

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use thiserror::Error;

use crate::dnssec::{ksk, rsa_public_key, Algorithm};
use crate::keygen::{ED25519_NAME, ED25519_OID, P256_OID, P384_OID};
use crate::token::{Token, TokenError};

#[derive(Debug, Error)]
pub enum PublicKeyError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("key \"{key}\" on token \"{token}\": {reason}")]
    Unusable { key: String, token: String, reason: String },
}

/// A DNSSEC key held by the token.
#[derive(Debug, Clone)]
pub struct TokenKey {
    pub label: String,
    pub id: Vec<u8>,
    pub algorithm: Algorithm,
    pub dnskey: crate::dnssec::Dnskey,
    pub public: ObjectHandle,
    pub private: ObjectHandle,
}

/// The public key bytes inside CKA_EC_POINT: either the bare point or a DER OCTET STRING holding
/// it. `raw_len` is the bare point's length (65/97 for uncompressed P-256/P-384, 32 for Ed25519).
pub fn unwrap_ec_point(value: &[u8], raw_len: usize) -> Option<&[u8]> {
    if value.len() == raw_len {
        return Some(value);
    }
    let header: &[u8] = if raw_len < 0x80 {
        &[0x04, raw_len as u8]
    } else {
        &[0x04, 0x81, raw_len as u8]
    };
    if value.len() == raw_len + header.len() && value.starts_with(header) {
        return Some(&value[header.len()..]);
    }
    None
}

/// Finds the key pair labelled `label` and builds its DNSKEY (flags 257).
pub fn load(token: &Token, label: &str) -> Result<TokenKey, PublicKeyError> {
    let private = token.require_one(ObjectClass::PRIVATE_KEY, label)?;
    let public = token.require_one(ObjectClass::PUBLIC_KEY, label)?;
    let unusable = |reason: String| PublicKeyError::Unusable {
        key: label.to_string(),
        token: token.label.clone(),
        reason,
    };
    let attrs = token
        .session()
        .get_attributes(
            public,
            &[
                AttributeType::KeyType,
                AttributeType::Id,
                AttributeType::EcParams,
                AttributeType::EcPoint,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
            ],
        )
        .map_err(token.err("C_GetAttributeValue"))?;
    let (mut key_type, mut id, mut params, mut point, mut modulus, mut exponent) =
        (None, Vec::new(), None, None, None, None);
    for a in attrs {
        match a {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Id(v) => id = v,
            Attribute::EcParams(v) => params = Some(v),
            Attribute::EcPoint(v) => point = Some(v),
            Attribute::Modulus(v) => modulus = Some(v),
            Attribute::PublicExponent(v) => exponent = Some(v),
            _ => {}
        }
    }
    let key_type = key_type.ok_or_else(|| unusable("the public key has no CKA_KEY_TYPE".into()))?;
    let (algorithm, public_key) = if key_type == KeyType::RSA {
        let (Some(n), Some(e)) = (modulus, exponent) else {
            return Err(unusable("RSA public key without modulus or exponent".into()));
        };
        (Algorithm::RsaSha256, rsa_public_key(&e, &n))
    } else if key_type == KeyType::EC || key_type == KeyType::EC_EDWARDS {
        let params = params.ok_or_else(|| unusable("EC key without CKA_EC_PARAMS".into()))?;
        let point = point.ok_or_else(|| unusable("EC key without CKA_EC_POINT".into()))?;
        let (algorithm, raw_len) = if params == P256_OID {
            (Algorithm::EcdsaP256Sha256, 65)
        } else if params == P384_OID {
            (Algorithm::EcdsaP384Sha384, 97)
        } else if params == ED25519_OID || params == ED25519_NAME {
            (Algorithm::Ed25519, 32)
        } else {
            return Err(unusable(format!(
                "curve {} is not one DNSSEC uses",
                crate::hex::upper(&params)
            )));
        };
        let raw = unwrap_ec_point(&point, raw_len).ok_or_else(|| {
            unusable(format!(
                "CKA_EC_POINT of {} bytes is neither a raw point nor a DER OCTET STRING",
                point.len()
            ))
        })?;
        let key = if algorithm == Algorithm::Ed25519 {
            raw.to_vec()
        } else if raw[0] == 0x04 {
            raw[1..].to_vec()
        } else {
            return Err(unusable("EC point is not in uncompressed form".into()));
        };
        (algorithm, key)
    } else {
        return Err(unusable(format!("key type {key_type} is not a DNSSEC signing key")));
    };
    Ok(TokenKey {
        label: label.to_string(),
        id,
        algorithm,
        dnskey: ksk(algorithm, public_key),
        public,
        private,
    })
}

/// The private key labelled `label` and its DNSSEC algorithm, from its own attributes (no public
/// key object needed: a restored key is proven with this alone).
pub fn private_key(token: &Token, label: &str) -> Result<(ObjectHandle, Algorithm), PublicKeyError> {
    let private = token.require_one(ObjectClass::PRIVATE_KEY, label)?;
    let unusable = |reason: String| PublicKeyError::Unusable {
        key: label.to_string(),
        token: token.label.clone(),
        reason,
    };
    let attrs = token
        .session()
        .get_attributes(private, &[AttributeType::KeyType, AttributeType::EcParams])
        .map_err(token.err("C_GetAttributeValue"))?;
    let (mut key_type, mut params) = (None, None);
    for a in attrs {
        match a {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::EcParams(v) => params = Some(v),
            _ => {}
        }
    }
    let algorithm = match (key_type, params.as_deref()) {
        (Some(t), _) if t == KeyType::RSA => Algorithm::RsaSha256,
        (_, Some(p)) if p == P256_OID => Algorithm::EcdsaP256Sha256,
        (_, Some(p)) if p == P384_OID => Algorithm::EcdsaP384Sha384,
        (_, Some(p)) if p == ED25519_OID || p == ED25519_NAME => Algorithm::Ed25519,
        (t, _) => return Err(unusable(format!("key type {t:?} / curve is not a DNSSEC signing key"))),
    };
    Ok((private, algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_point_raw_or_der_by_length() {
        let mut raw = vec![0x04];
        raw.extend([7u8; 64]);
        assert_eq!(unwrap_ec_point(&raw, 65), Some(&raw[..]));
        let mut der = vec![0x04, 65];
        der.extend(&raw);
        assert_eq!(unwrap_ec_point(&der, 65), Some(&raw[..]));
        let ed = [9u8; 32];
        let mut ed_der = vec![0x04, 32];
        ed_der.extend(ed);
        assert_eq!(unwrap_ec_point(&ed, 32), Some(&ed[..]));
        assert_eq!(unwrap_ec_point(&ed_der, 32), Some(&ed[..]));
        assert_eq!(unwrap_ec_point(&ed_der[1..], 32), None);
        let mut long = vec![0x04, 0x81, 200];
        long.extend([1u8; 200]);
        assert_eq!(unwrap_ec_point(&long, 200).map(<[u8]>::len), Some(200));
    }

    #[test]
    fn rfc3110_encoding() {
        assert_eq!(
            rsa_public_key(&[0, 1, 0, 1], &[0, 0xC1, 0x02]),
            vec![3, 1, 0, 1, 0xC1, 0x02]
        );
        let e = vec![1u8; 300];
        let k = rsa_public_key(&e, &[5]);
        assert_eq!(&k[..3], &[0, 1, 44]);
        assert_eq!(crate::dnssec::rsa_public_components(&k), Some((&e[..], &[5u8][..])));
    }
}
