//! Token side of the backup: the AES wrapping key and CKM_AES_KEY_WRAP_PAD (RFC 5649).

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use thiserror::Error;

use crate::dnskey_from_token::TokenKey;
use crate::dnssec::{rsa_public_components, Algorithm, Dnskey};
use crate::keygen::{private_template, ED25519_OID, P256_OID, P384_OID};
use crate::token::{Token, TokenError};

pub const DEFAULT_WRAP_LABEL: &str = "signet-backup-wrap";

#[derive(Debug, Error)]
pub enum WrapError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("key \"{key}\" on token \"{token}\" is not extractable: it was generated with --no-backup (or by another tool) and cannot be backed up by wrapping")]
    NotExtractable { key: String, token: String },
    #[error("token \"{token}\" refuses to wrap key \"{key}\" under \"{wrap}\": the key may only be wrapped under a TRUSTED key, and \"{wrap}\" is not (create it with `backup split-key`, which logs in as the security officer)")]
    NotTrusted { key: String, wrap: String, token: String },
    #[error("wrapping {algorithm} private keys with CKM_AES_KEY_WRAP_PAD is not supported by this token (\"{token}\", key \"{key}\"): back this key up with the token's own scheme, or use another algorithm")]
    TypeNotWrappable {
        key: String,
        algorithm: &'static str,
        token: String,
    },
    #[error("the DNSKEY in the backup is malformed for algorithm {0}")]
    BadDnskey(u8),
}

/// Puts the wrapping key on the token as a trusted, sensitive, non-extractable AES key usable for
/// wrap and unwrap only. Needs a security-officer session (only the SO may set CKA_TRUSTED), so
/// the object is public (CKA_PRIVATE false: the SO cannot create private objects); its value can
/// never be read back.
pub fn install_wrap_key(token: &Token, label: &str, key: &[u8]) -> Result<ObjectHandle, TokenError> {
    token.require(MechanismType::AES_KEY_WRAP_PAD)?;
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Trusted(true),
        Attribute::Wrap(true),
        Attribute::Unwrap(true),
        Attribute::Encrypt(false),
        Attribute::Decrypt(false),
        Attribute::Sign(false),
        Attribute::Verify(false),
        Attribute::Derive(false),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Value(key.to_vec()),
    ];
    token
        .session()
        .create_object(&template)
        .map_err(token.err(&format!("C_CreateObject (AES wrapping key \"{label}\")")))
}

/// Wraps `key` under the wrapping key labelled `wrap_label`.
pub fn export(token: &Token, wrap_label: &str, key: &TokenKey) -> Result<Vec<u8>, WrapError> {
    token.require(MechanismType::AES_KEY_WRAP_PAD)?;
    let wrap = token.require_one(ObjectClass::SECRET_KEY, wrap_label)?;
    match token.session().wrap_key(&Mechanism::AesKeyWrapPad, wrap, key.private) {
        Ok(w) => Ok(w),
        Err(CkError::Pkcs11(RvError::KeyUnextractable, _)) => Err(WrapError::NotExtractable {
            key: key.label.clone(),
            token: token.label.clone(),
        }),
        Err(CkError::Pkcs11(RvError::KeyNotWrappable, _)) if !is_trusted(token, wrap) => Err(WrapError::NotTrusted {
            key: key.label.clone(),
            wrap: wrap_label.to_string(),
            token: token.label.clone(),
        }),
        Err(CkError::Pkcs11(RvError::KeyNotWrappable, _)) => Err(WrapError::TypeNotWrappable {
            key: key.label.clone(),
            algorithm: key.algorithm.mnemonic(),
            token: token.label.clone(),
        }),
        Err(e) => Err(token.err(&format!("C_WrapKey of \"{}\" under \"{wrap_label}\"", key.label))(e).into()),
    }
}

fn is_trusted(token: &Token, wrap: ObjectHandle) -> bool {
    matches!(
        token
            .session()
            .get_attributes(wrap, &[cryptoki::object::AttributeType::Trusted])
            .as_deref(),
        Ok([Attribute::Trusted(true)])
    )
}

/// DER OCTET STRING around an EC point (the form PKCS#11 specifies for CKA_EC_POINT).
fn der_octet_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04];
    if bytes.len() < 0x80 {
        out.push(bytes.len() as u8);
    } else {
        out.push(0x81);
        out.push(bytes.len() as u8);
    }
    out.extend_from_slice(bytes);
    out
}

/// Key type and public-key attributes rebuilt from a DNSKEY.
pub fn public_attributes(dnskey: &Dnskey) -> Result<(KeyType, Vec<Attribute>), WrapError> {
    let bad = || WrapError::BadDnskey(dnskey.algorithm);
    let alg = Algorithm::from_number(dnskey.algorithm).ok_or_else(bad)?;
    Ok(match alg {
        Algorithm::RsaSha256 => {
            let (e, n) = rsa_public_components(&dnskey.public_key).ok_or_else(bad)?;
            (
                KeyType::RSA,
                vec![Attribute::Modulus(n.to_vec()), Attribute::PublicExponent(e.to_vec())],
            )
        }
        Algorithm::EcdsaP256Sha256 | Algorithm::EcdsaP384Sha384 => {
            let oid = if alg == Algorithm::EcdsaP256Sha256 {
                P256_OID
            } else {
                P384_OID
            };
            let mut point = vec![0x04];
            point.extend_from_slice(&dnskey.public_key);
            (
                KeyType::EC,
                vec![
                    Attribute::EcParams(oid.to_vec()),
                    Attribute::EcPoint(der_octet_string(&point)),
                ],
            )
        }
        Algorithm::Ed25519 => (
            KeyType::EC_EDWARDS,
            vec![
                Attribute::EcParams(ED25519_OID.to_vec()),
                Attribute::EcPoint(der_octet_string(&dnskey.public_key)),
            ],
        ),
    })
}

/// On the target token: loads the rebuilt wrapping key as a session object (gone when the
/// session closes), unwraps the private key under it, and creates the public key from the DNSKEY.
/// On any failure, whatever was created is destroyed again.
pub fn import(
    token: &Token,
    wrap_key: &[u8],
    wrapped: &[u8],
    label: &str,
    id: &[u8],
    dnskey: &Dnskey,
) -> Result<(ObjectHandle, ObjectHandle), WrapError> {
    token.require(MechanismType::AES_KEY_WRAP_PAD)?;
    let (key_type, public_attrs) = public_attributes(dnskey)?;
    let session = token.session();
    let unwrapping = session
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Unwrap(true),
            Attribute::Wrap(false),
            Attribute::Encrypt(false),
            Attribute::Decrypt(false),
            Attribute::Value(wrap_key.to_vec()),
        ])
        .map_err(token.err("C_CreateObject (session unwrapping key)"))?;
    let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::KeyType(key_type)];
    template.extend(private_template(label, id, true));
    let private = session
        .unwrap_key(&Mechanism::AesKeyWrapPad, unwrapping, wrapped, &template)
        .map_err(token.err(&format!("C_UnwrapKey of \"{label}\"")));
    let _ = session.destroy_object(unwrapping);
    let private = private?;
    let mut public = vec![
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(key_type),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
    ];
    public.extend(public_attrs);
    match session.create_object(&public) {
        Ok(p) => Ok((p, private)),
        Err(e) => {
            let _ = session.destroy_object(private);
            Err(token.err(&format!("C_CreateObject (public key \"{label}\")"))(e).into())
        }
    }
}

/// Removes objects created by a failed step.
pub fn destroy(token: &Token, objects: &[ObjectHandle]) {
    for &o in objects {
        let _ = token.session().destroy_object(o);
    }
}
