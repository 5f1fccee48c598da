//! RFC 3597 §5 generic RDATA: `\# <length> <hex…>`.

use std::fmt::Write;

use data_encoding::HEXUPPER;

use super::error::{shown, RdataError};
use super::fields::decode_hex_chunks;
use super::text::parse_decimal;
use crate::rtype::Rtype;
use crate::zonefile::Token;

/// True when the first RDATA token is the unquoted `\#` marker.
pub(crate) fn is_generic(tokens: &[Token<'_>]) -> bool {
    tokens.first().is_some_and(|t| !t.quoted && t.text == b"\\#")
}

/// Parses the tokens after `\#`.
pub(crate) fn parse(rtype: Rtype, tokens: &[Token<'_>], out: &mut Vec<u8>) -> Result<(), RdataError> {
    let err = |message: String| RdataError::Generic { rtype, message };
    let len_token = tokens
        .first()
        .ok_or_else(|| err("missing the RDATA length after \\#".into()))?;
    let len = parse_decimal(len_token.text, 65535).ok_or_else(|| {
        err(format!(
            "expected the RDATA length (a number 0-65535) after \\#, found '{}'",
            shown(len_token.text)
        ))
    })? as usize;
    let hex = &tokens[1..];
    let bytes = decode_hex_chunks(hex).ok_or_else(|| {
        let bad = hex
            .iter()
            .find(|t| !t.text.iter().all(u8::is_ascii_hexdigit))
            .map_or("an odd number of hex digits".to_string(), |t| {
                format!("'{}'", shown(t.text))
            });
        err(format!("expected hexadecimal RDATA, found {bad}"))
    })?;
    if bytes.len() != len {
        return Err(err(format!(
            "the length says {len} octets but the hex data has {}",
            bytes.len()
        )));
    }
    out.extend_from_slice(&bytes);
    Ok(())
}

/// Writes `\# <length> <HEX>` (`\# 0` when empty).
pub fn write_generic(rdata: &[u8], out: &mut String) {
    let _ = write!(out, "\\# {}", rdata.len());
    if !rdata.is_empty() {
        out.push(' ');
        HEXUPPER.encode_append(rdata, out);
    }
}
