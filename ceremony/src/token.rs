//! The PKCS#11 layer: load a module, pick a token by label or slot, open a session, log in, and
//! find objects by label — with errors an operator can act on.
//!
//! Only standard PKCS#11 calls are used (no vendor extensions), so the same code drives a smart
//! card through OpenSC, a network or USB HSM, or SoftHSMv2.

use std::path::{Path, PathBuf};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::MechanismType;
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use thiserror::Error;

use crate::pin::Pin;

/// Which token to use.
#[derive(Clone, Debug)]
pub enum Selector {
    /// The token whose label is this (`--token`).
    Label(String),
    /// The token in this slot (`--slot`).
    Slot(u64),
    /// The only token present.
    Only,
}

#[derive(Debug, Error)]
pub enum TokenError {
    #[error("no PKCS#11 module at {path}: {reason} (give the module with --module or SIGNET_PKCS11_MODULE)")]
    NoModule { path: PathBuf, reason: String },
    #[error("PKCS#11 module {path} did not initialise: {source}")]
    Init { path: PathBuf, source: CkError },
    #[error("no token labelled \"{label}\" in module {module} (tokens present: {present})")]
    NoTokenWithLabel {
        label: String,
        module: PathBuf,
        present: String,
    },
    #[error("no token in slot {slot} of module {module} (tokens present: {present})")]
    NoTokenInSlot {
        slot: u64,
        module: PathBuf,
        present: String,
    },
    #[error("no token present in module {module} (is the card inserted / the token initialised?)")]
    NoTokens { module: PathBuf },
    #[error("several tokens in module {module} ({present}): choose one with --token LABEL or --slot N")]
    WhichToken { module: PathBuf, present: String },
    #[error("{count} tokens labelled \"{label}\" in module {module}: choose one with --slot N ({present})")]
    DuplicateTokenLabel {
        label: String,
        count: usize,
        module: PathBuf,
        present: String,
    },
    #[error("wrong {who} PIN for token \"{token}\" (slot {slot}): {tries}")]
    WrongPin {
        who: &'static str,
        token: String,
        slot: u64,
        tries: String,
    },
    #[error(
        "{who} PIN is LOCKED on token \"{token}\" (slot {slot}): no further tries; the security officer must \
         reset it"
    )]
    PinLocked {
        who: &'static str,
        token: String,
        slot: u64,
    },
    #[error("mechanism {mechanism} is not supported by this token (\"{token}\", slot {slot}, module {module})")]
    MechanismNotSupported {
        mechanism: String,
        token: String,
        slot: u64,
        module: PathBuf,
    },
    #[error("no {class} labelled \"{key}\" on token \"{token}\" (slot {slot})")]
    KeyNotFound {
        class: &'static str,
        key: String,
        token: String,
        slot: u64,
    },
    #[error("{count} objects of class {class} labelled \"{key}\" on token \"{token}\" (slot {slot}): labels must be unique, refusing to guess")]
    DuplicateKeyLabel {
        class: &'static str,
        key: String,
        count: usize,
        token: String,
        slot: u64,
    },
    #[error("a key labelled \"{key}\" already exists on token \"{token}\" (slot {slot}); choose another label")]
    LabelTaken { key: String, token: String, slot: u64 },
    #[error("{operation} failed on token \"{token}\" (slot {slot}): {source}")]
    Pkcs11 {
        operation: String,
        token: String,
        slot: u64,
        source: CkError,
    },
}

/// The module path, from `--module` / `SIGNET_PKCS11_MODULE`, or the first usual location.
pub fn default_module() -> PathBuf {
    for p in [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    ] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    PathBuf::from("/usr/lib/softhsm/libsofthsm2.so")
}

/// A loaded and initialised PKCS#11 module.
pub struct Module {
    pub ctx: Pkcs11,
    pub path: PathBuf,
}

/// What `token list` shows for one slot.
#[derive(Debug, Clone)]
pub struct TokenSummary {
    pub slot: u64,
    pub label: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub mechanisms: Vec<MechanismType>,
}

impl Module {
    pub fn load(path: &Path) -> Result<Module, TokenError> {
        if !path.exists() {
            return Err(TokenError::NoModule {
                path: path.to_path_buf(),
                reason: "no such file".into(),
            });
        }
        let ctx = Pkcs11::new(path).map_err(|e| TokenError::NoModule {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .map_err(|source| TokenError::Init {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Module {
            ctx,
            path: path.to_path_buf(),
        })
    }

    fn init_err(&self, source: CkError) -> TokenError {
        TokenError::Init {
            path: self.path.clone(),
            source,
        }
    }

    /// Every slot with a token: label, serial, and the mechanisms it offers.
    pub fn tokens(&self) -> Result<Vec<TokenSummary>, TokenError> {
        let mut out = Vec::new();
        for slot in self.ctx.get_slots_with_token().map_err(|e| self.init_err(e))? {
            let info = self.ctx.get_token_info(slot).map_err(|e| self.init_err(e))?;
            if !info.token_initialized() {
                continue;
            }
            out.push(TokenSummary {
                slot: slot.id(),
                label: info.label().trim().to_string(),
                serial: info.serial_number().trim().to_string(),
                manufacturer: info.manufacturer_id().trim().to_string(),
                model: info.model().trim().to_string(),
                mechanisms: self.ctx.get_mechanism_list(slot).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Picks the token, without logging in.
    pub fn token(&self, selector: &Selector) -> Result<Token, TokenError> {
        let slots = self.ctx.get_slots_with_token().map_err(|e| self.init_err(e))?;
        let mut found = Vec::new();
        for slot in slots {
            let info = self.ctx.get_token_info(slot).map_err(|e| self.init_err(e))?;
            // Blank tokens (e.g. SoftHSM's spare slot) are never the one meant.
            if !info.token_initialized() {
                continue;
            }
            found.push((
                slot,
                info.label().trim().to_string(),
                info.serial_number().trim().to_string(),
            ));
        }
        let present = if found.is_empty() {
            "none".to_string()
        } else {
            found
                .iter()
                .map(|(s, l, _)| format!("\"{l}\" in slot {}", s.id()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let chosen: Vec<_> = match selector {
            Selector::Label(label) => found.iter().filter(|(_, l, _)| l == label).collect(),
            Selector::Slot(n) => found.iter().filter(|(s, _, _)| s.id() == *n).collect(),
            Selector::Only => found.iter().collect(),
        };
        match (chosen.len(), selector) {
            (1, _) => {
                let (slot, label, serial) = chosen[0].clone();
                Ok(Token {
                    ctx: self.ctx.clone(),
                    module: self.path.clone(),
                    slot,
                    label,
                    serial,
                    session: None,
                })
            }
            (0, Selector::Label(label)) => Err(TokenError::NoTokenWithLabel {
                label: label.clone(),
                module: self.path.clone(),
                present,
            }),
            (0, Selector::Slot(slot)) => Err(TokenError::NoTokenInSlot {
                slot: *slot,
                module: self.path.clone(),
                present,
            }),
            (0, Selector::Only) => Err(TokenError::NoTokens {
                module: self.path.clone(),
            }),
            (n, Selector::Label(label)) => Err(TokenError::DuplicateTokenLabel {
                label: label.clone(),
                count: n,
                module: self.path.clone(),
                present,
            }),
            _ => Err(TokenError::WhichToken {
                module: self.path.clone(),
                present,
            }),
        }
    }
}

/// One token, and once logged in, its session.
pub struct Token {
    ctx: Pkcs11,
    pub module: PathBuf,
    pub slot: Slot,
    pub label: String,
    pub serial: String,
    session: Option<Session>,
}

/// Who logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    SecurityOfficer,
}

impl Token {
    /// A closure turning a PKCS#11 failure of `operation` into an error naming this token.
    pub fn err<'a>(&'a self, operation: &'a str) -> impl Fn(CkError) -> TokenError + 'a {
        move |source| TokenError::Pkcs11 {
            operation: operation.to_string(),
            token: self.label.clone(),
            slot: self.slot.id(),
            source,
        }
    }

    pub fn mechanisms(&self) -> Result<Vec<MechanismType>, TokenError> {
        self.ctx
            .get_mechanism_list(self.slot)
            .map_err(self.err("C_GetMechanismList"))
    }

    pub fn supports(&self, mechanism: MechanismType) -> Result<bool, TokenError> {
        Ok(self.mechanisms()?.contains(&mechanism))
    }

    pub fn require(&self, mechanism: MechanismType) -> Result<(), TokenError> {
        if self.supports(mechanism)? {
            Ok(())
        } else {
            Err(self.unsupported(mechanism))
        }
    }

    pub fn unsupported(&self, mechanism: MechanismType) -> TokenError {
        TokenError::MechanismNotSupported {
            mechanism: mechanism.to_string(),
            token: self.label.clone(),
            slot: self.slot.id(),
            module: self.module.clone(),
        }
    }

    /// Opens a read-write session and logs in. A wrong PIN reports what the token says about the
    /// tries left (CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED, or the SO equivalents).
    pub fn login(&mut self, role: Role, pin: &Pin) -> Result<(), TokenError> {
        let session = self.ctx.open_rw_session(self.slot).map_err(self.err("C_OpenSession"))?;
        let who = match role {
            Role::User => "user",
            Role::SecurityOfficer => "security officer",
        };
        let user_type = match role {
            Role::User => UserType::User,
            Role::SecurityOfficer => UserType::So,
        };
        let auth = AuthPin::new(pin.expose().into());
        match session.login(user_type, Some(&auth)) {
            Ok(()) => {}
            Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange | RvError::PinInvalid, _)) => {
                return Err(self.wrong_pin(role, who));
            }
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
                return Err(TokenError::PinLocked {
                    who,
                    token: self.label.clone(),
                    slot: self.slot.id(),
                })
            }
            Err(e) => return Err(self.err("C_Login")(e)),
        }
        self.session = Some(session);
        Ok(())
    }

    fn wrong_pin(&self, role: Role, who: &'static str) -> TokenError {
        let tries = match self.ctx.get_token_info(self.slot) {
            Ok(info) => {
                let (low, last, locked) = match role {
                    Role::User => (
                        info.user_pin_count_low(),
                        info.user_pin_final_try(),
                        info.user_pin_locked(),
                    ),
                    Role::SecurityOfficer => (info.so_pin_count_low(), info.so_pin_final_try(), info.so_pin_locked()),
                };
                if locked {
                    return TokenError::PinLocked {
                        who,
                        token: self.label.clone(),
                        slot: self.slot.id(),
                    };
                }
                if last {
                    "the token says ONE try is left before the PIN locks".to_string()
                } else if low {
                    "the token says few tries are left (count low)".to_string()
                } else {
                    "the token does not report a low try count".to_string()
                }
            }
            Err(_) => "the token does not say how many tries are left".to_string(),
        };
        TokenError::WrongPin {
            who,
            token: self.label.clone(),
            slot: self.slot.id(),
            tries,
        }
    }

    /// The logged-in session (panics if `login` was not called: a programming error).
    pub fn session(&self) -> &Session {
        self.session.as_ref().expect("Token::login must be called first")
    }

    /// The single object of `class` labelled `key`, or `None`; several are an error.
    pub fn find_one(&self, class: ObjectClass, key: &str) -> Result<Option<ObjectHandle>, TokenError> {
        let found = self
            .session()
            .find_objects(&[Attribute::Class(class), Attribute::Label(key.as_bytes().to_vec())])
            .map_err(self.err("C_FindObjects"))?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found[0])),
            count => Err(TokenError::DuplicateKeyLabel {
                class: class_name(class),
                key: key.to_string(),
                count,
                token: self.label.clone(),
                slot: self.slot.id(),
            }),
        }
    }

    /// Like `find_one`, but absence is an error.
    pub fn require_one(&self, class: ObjectClass, key: &str) -> Result<ObjectHandle, TokenError> {
        self.find_one(class, key)?.ok_or_else(|| TokenError::KeyNotFound {
            class: class_name(class),
            key: key.to_string(),
            token: self.label.clone(),
            slot: self.slot.id(),
        })
    }

    /// Refuses a label that any object on the token already carries.
    pub fn ensure_label_free(&self, key: &str) -> Result<(), TokenError> {
        let found = self
            .session()
            .find_objects(&[Attribute::Label(key.as_bytes().to_vec())])
            .map_err(self.err("C_FindObjects"))?;
        if found.is_empty() {
            Ok(())
        } else {
            Err(TokenError::LabelTaken {
                key: key.to_string(),
                token: self.label.clone(),
                slot: self.slot.id(),
            })
        }
    }

    /// Labels of every private key on the token, sorted.
    pub fn private_key_labels(&self) -> Result<Vec<String>, TokenError> {
        let s = self.session();
        let mut labels = Vec::new();
        for h in s
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .map_err(self.err("C_FindObjects"))?
        {
            for a in s
                .get_attributes(h, &[cryptoki::object::AttributeType::Label])
                .map_err(self.err("C_GetAttributeValue"))?
            {
                if let Attribute::Label(l) = a {
                    labels.push(String::from_utf8_lossy(&l).into_owned());
                }
            }
        }
        labels.sort();
        Ok(labels)
    }

    /// Random bytes from the token's RNG.
    pub fn random(&self, len: usize) -> Result<Vec<u8>, TokenError> {
        self.session()
            .generate_random_vec(len as u32)
            .map_err(self.err("C_GenerateRandom"))
    }
}

fn class_name(class: ObjectClass) -> &'static str {
    if class == ObjectClass::PRIVATE_KEY {
        "private key"
    } else if class == ObjectClass::PUBLIC_KEY {
        "public key"
    } else if class == ObjectClass::SECRET_KEY {
        "secret key"
    } else {
        "object"
    }
}

/// The DNSSEC-relevant mechanisms shown by `token list`.
pub const DNSSEC_MECHANISMS: &[MechanismType] = &[
    MechanismType::RSA_PKCS_KEY_PAIR_GEN,
    MechanismType::RSA_PKCS,
    MechanismType::SHA256_RSA_PKCS,
    MechanismType::ECC_KEY_PAIR_GEN,
    MechanismType::ECDSA,
    MechanismType::ECDSA_SHA256,
    MechanismType::ECDSA_SHA384,
    MechanismType::ECC_EDWARDS_KEY_PAIR_GEN,
    MechanismType::EDDSA,
    MechanismType::AES_KEY_GEN,
    MechanismType::AES_KEY_WRAP,
    MechanismType::AES_KEY_WRAP_PAD,
];
