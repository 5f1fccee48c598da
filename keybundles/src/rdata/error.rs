//! Errors of the RDATA codec, worded for the operator who wrote the zone.

use crate::name::NameError;
use crate::rtype::Rtype;

/// Why RDATA could not be parsed or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdataError {
    /// A field is missing from the presentation form.
    #[error("missing RDATA: {rtype} needs {expected} ({field})")]
    Missing {
        rtype: Rtype,
        field: &'static str,
        expected: &'static str,
    },
    /// A field is present but malformed.
    #[error("{rtype} {field}: expected {expected}, found '{found}'")]
    Invalid {
        rtype: Rtype,
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// A field has the right shape but a bad value.
    #[error("{rtype} {field}: {message}")]
    BadValue {
        rtype: Rtype,
        field: &'static str,
        message: String,
    },
    /// A domain name inside RDATA is malformed.
    #[error("{rtype} {field}: bad domain name '{found}': {error}")]
    Name {
        rtype: Rtype,
        field: &'static str,
        found: String,
        error: NameError,
    },
    /// Tokens remain after the last field.
    #[error("{rtype}: unexpected extra RDATA '{found}'")]
    Extra { rtype: Rtype, found: String },
    /// RFC 3597 generic form (`\# <length> <hex>`) is malformed.
    #[error("RFC 3597 generic RDATA for {rtype}: {message}")]
    Generic { rtype: Rtype, message: String },
    /// A type this codec has no presentation format for was not written in
    /// RFC 3597 form.
    #[error(
        "{rtype}: no presentation format is known for this type; write its RDATA in RFC 3597 form: \\# <length> <hex>"
    )]
    NeedsGeneric { rtype: Rtype },
    /// RDATA in wire form does not match the type's layout.
    #[error("{rtype} RDATA in wire form is malformed: {message}")]
    BadWire { rtype: Rtype, message: String },
    /// Over 65535 octets.
    #[error("{rtype} RDATA is {len} octets long; at most 65535 fit in a record")]
    TooLong { rtype: Rtype, len: usize },
    /// Lexical error in text given to [`super::parse_rdata_str`].
    #[error("{0}")]
    Syntax(String),
}

/// A token shown in an error message: lossy UTF-8, shortened.
pub(crate) fn shown(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > MAX {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    } else {
        text.into_owned()
    }
}
