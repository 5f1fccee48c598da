//! The signing paths small tokens need, in process against SoftHSMv2: RSA through
//! CKM_SHA256_RSA_PKCS and through CKM_RSA_PKCS over a host-built DigestInfo must give the same
//! (deterministic PKCS#1 v1.5) signature, verifying against the DNSKEY; ECDSA hashes on the host
//! and signs with raw CKM_ECDSA, giving the fixed r||s DNSSEC format.
//!
//! One test only: a PKCS#11 module is initialised once per process, with this test's token dir.

mod ceremony_support;

use ceremony::cryptoki::mechanism::MechanismType;
use ceremony::dnskey_from_token;
use ceremony::dnssec::{verify, Algorithm};
use ceremony::keygen::{self, KeySpec};
use ceremony::pin::Pin;
use ceremony::sign::{sign, sign_with, SigningKey};
use ceremony::token::{Module, Role, Selector};

#[test]
fn rsa_digestinfo_fallback_and_raw_ecdsa() {
    let hsm = ceremony_support::Hsm::new(&["mech"]);
    // This test binary has no other test: setting the variable before C_Initialize is safe.
    std::env::set_var("SOFTHSM2_CONF", &hsm.conf);
    let module = Module::load(std::path::Path::new(&hsm.module)).unwrap();
    let mut token = module.token(&Selector::Label("mech".into())).unwrap();
    token
        .login(Role::User, &Pin::new(ceremony_support::PIN.into()))
        .unwrap();

    for (label, algorithm) in [("rsa", Algorithm::RsaSha256), ("p256", Algorithm::EcdsaP256Sha256)] {
        let spec = KeySpec {
            algorithm,
            bits: 2048,
            label: label.into(),
            id: vec![1, 2, 3],
            wrappable: false,
        };
        keygen::generate(&token, &spec).unwrap();
    }
    let message = b"DNSKEY RRset signing input stand-in";

    let rsa = dnskey_from_token::load(&token, "rsa").unwrap();
    let key = SigningKey::from(&rsa);
    let combined = sign_with(&token, key, message, MechanismType::SHA256_RSA_PKCS).unwrap();
    let raw = sign_with(&token, key, message, MechanismType::RSA_PKCS).unwrap();
    assert_eq!(combined, raw, "host DigestInfo + CKM_RSA_PKCS == CKM_SHA256_RSA_PKCS");
    assert_eq!(raw.len(), 256);
    verify(&rsa.dnskey, message, &raw).unwrap();
    assert!(verify(&rsa.dnskey, b"another message", &raw).is_err());

    let p256 = dnskey_from_token::load(&token, "p256").unwrap();
    assert_eq!(p256.dnskey.public_key.len(), 64, "x||y from CKA_EC_POINT");
    let sig = sign(&token, SigningKey::from(&p256), message).unwrap();
    assert_eq!(sig.len(), 64, "r||s");
    verify(&p256.dnskey, message, &sig).unwrap();

    // A mechanism the token lacks is refused by name.
    let err = sign_with(&token, SigningKey::from(&p256), message, MechanismType::ECDSA_SHA256).unwrap_err();
    assert!(err.to_string().contains("not supported by this token"), "{err}");
}
