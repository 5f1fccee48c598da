//! RDATA presentation form (RFC 1035 §5.1 and each type's RFC) ⇄
//! uncompressed wire form.
//!
//! One table ([`descriptor`]) lists each supported type's fields; the same
//! table drives parsing, writing and validation of wire form. Every type,
//! known or not, also accepts RFC 3597 generic form `\# <len> <hex>`; types
//! without a descriptor are written in that form.
//!
//! Wire form produced here is canonical (RFC 4034 §6.2, RFC 6840 §5.1):
//! names inside the RDATA of NS, SOA, MX, SRV, RRSIG … are lowercased;
//! names in other types (NSEC next name, SVCB target) keep their case.

mod bitmap;
mod descriptor;
mod error;
mod fields;
mod generic;
mod svcb;
mod text;

pub(crate) use text::{decode_string, encode_name};
mod time;
pub(crate) use time::parse_time;

#[cfg(test)]
mod tests;

use std::fmt;

pub use error::RdataError;
pub use generic::write_generic;

use crate::name::Name;
use crate::record::Record;
use crate::rtype::Rtype;
pub use crate::zonefile::Token;

/// Parses RDATA tokens (as the zone-file lexer yields them) into wire form.
/// Relative names are completed with `origin`; `@` is `origin`.
pub fn parse_rdata(rtype: Rtype, tokens: &[Token<'_>], origin: &Name) -> Result<Vec<u8>, RdataError> {
    let mut out = Vec::new();
    parse_rdata_into(rtype, tokens, origin, &mut out)?;
    Ok(out)
}

/// Like [`parse_rdata`], appending to `out` (which the zone reader reuses).
/// On error `out` may hold partial data.
pub(crate) fn parse_rdata_into(
    rtype: Rtype,
    tokens: &[Token<'_>],
    origin: &Name,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let start = out.len();
    let d = descriptor::descriptor(rtype);
    if generic::is_generic(tokens) {
        generic::parse(rtype, &tokens[1..], out)?;
        if let Some(d) = d {
            // Known type in generic form: check it, then store it canonical.
            let mut scratch = String::new();
            fields::write(rtype, d, &out[start..], &mut scratch)?;
            fields::canonicalize(d, &mut out[start..]);
        }
    } else {
        let d = d.ok_or(RdataError::NeedsGeneric { rtype })?;
        fields::parse(rtype, d, tokens, origin, out)?;
    }
    let len = out.len() - start;
    if len > usize::from(u16::MAX) {
        return Err(RdataError::TooLong { rtype, len });
    }
    Ok(())
}

/// Parses RDATA written as text (quotes, escapes, parentheses and comments
/// allowed), e.g. `10 mail.example.` for MX.
pub fn parse_rdata_str(rtype: Rtype, text: &str, origin: &Name) -> Result<Vec<u8>, RdataError> {
    let bytes = text.as_bytes();
    let spans = crate::zonefile::lexer::lex_all(bytes).map_err(|e| RdataError::Syntax(e.to_string()))?;
    let tokens: Vec<Token<'_>> = spans.iter().map(|s| s.token(bytes)).collect();
    parse_rdata(rtype, &tokens, origin)
}

/// Appends the presentation form of wire-form `rdata` to `out`, checking
/// that the wire form is well formed for `rtype` (nothing is appended on
/// error). Types without a descriptor are written in RFC 3597 form.
pub fn write_rdata(rtype: Rtype, rdata: &[u8], out: &mut String) -> Result<(), RdataError> {
    match descriptor::descriptor(rtype) {
        Some(d) => {
            let start = out.len();
            fields::write(rtype, d, rdata, out).inspect_err(|_| out.truncate(start))
        }
        None => {
            write_generic(rdata, out);
            Ok(())
        }
    }
}

/// Checks that wire-form `rdata` is well formed for `rtype` (always true
/// for types without a descriptor).
pub fn validate_rdata(rtype: Rtype, rdata: &[u8]) -> Result<(), RdataError> {
    let mut scratch = String::new();
    write_rdata(rtype, rdata, &mut scratch)
}

/// The address an A or AAAA record holds; `None` for other types and for
/// RDATA of the wrong length.
pub fn address(rtype: Rtype, rdata: &[u8]) -> Option<std::net::IpAddr> {
    match rtype {
        Rtype::A => <[u8; 4]>::try_from(rdata).ok().map(std::net::IpAddr::from),
        Rtype::AAAA => <[u8; 16]>::try_from(rdata).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

/// True when names inside `rtype`'s RDATA are lowercased in canonical form
/// (RFC 4034 §6.2 as amended by RFC 6840 §5.1).
pub fn has_canonical_lowercase_names(rtype: Rtype) -> bool {
    descriptor::is_canonical_lowercase_type(rtype)
}

impl Record {
    /// Appends `owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata` (no newline) to
    /// `out`; RDATA that does not fit its type's layout is written in RFC
    /// 3597 form. This is what `Display` writes, without `fmt`'s overhead
    /// and without a temporary string per record.
    pub fn write_text(&self, out: &mut String) {
        self.owner.write_text(out);
        out.push('\t');
        self.write_fields(out);
    }

    /// Appends what [`Record::write_text`] writes after the owner and its
    /// tab: `ttl<TAB>class<TAB>type<TAB>rdata`. (Records of one name share
    /// the owner's text, which need not be written for each.)
    pub fn write_fields(&self, out: &mut String) {
        text::push_decimal(out, u64::from(self.ttl));
        out.push('\t');
        self.class.write_text(out);
        out.push('\t');
        self.rtype.write_text(out);
        out.push('\t');
        let start = out.len();
        if write_rdata(self.rtype, &self.rdata, out).is_err() {
            out.truncate(start);
            write_generic(&self.rdata, out);
        }
    }
}

/// `owner<TAB>ttl<TAB>class<TAB>type<TAB>rdata`; RDATA that does not fit its
/// type's layout is written in RFC 3597 form.
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(128);
        self.write_text(&mut text);
        f.write_str(&text)
    }
}
