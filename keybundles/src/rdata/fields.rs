//! Descriptor-driven conversion: presentation tokens → wire, and wire →
//! presentation (which doubles as wire validation).

use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXUPPER};

use super::descriptor::{algorithm_from_mnemonic, Descriptor, Field, Kind};
use super::error::{shown, RdataError};
use super::text::{decode_string, encode_name, parse_decimal, push_decimal, push_ipv4, push_ipv6, write_quoted};
use super::{bitmap, svcb, time};
use crate::name::Name;
use crate::rtype::Rtype;
use crate::zonefile::Token;

/// Parses `tokens` as the fields of `d`, appending wire form to `out`.
pub(crate) fn parse(
    rtype: Rtype,
    d: &Descriptor,
    tokens: &[Token<'_>],
    origin: &Name,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let mut i = 0;
    for field in d.fields {
        if field.kind.to_end() {
            let rest = &tokens[i.min(tokens.len())..];
            if rest.is_empty() && !field.kind.may_be_empty() {
                return Err(missing(rtype, field));
            }
            parse_to_end(rtype, field, rest, origin, out)?;
            i = tokens.len();
            continue;
        }
        let token = tokens.get(i).ok_or_else(|| missing(rtype, field))?;
        i += 1;
        parse_one(rtype, field, token, origin, d.canonical, out)?;
    }
    if let Some(extra) = tokens.get(i) {
        return Err(RdataError::Extra {
            rtype,
            found: shown(extra.text),
        });
    }
    Ok(())
}

fn missing(rtype: Rtype, field: &Field) -> RdataError {
    RdataError::Missing {
        rtype,
        field: field.name,
        expected: field.kind.expected(),
    }
}

fn invalid(rtype: Rtype, field: &Field, found: &[u8]) -> RdataError {
    RdataError::Invalid {
        rtype,
        field: field.name,
        expected: field.kind.expected(),
        found: shown(found),
    }
}

fn bad_value(rtype: Rtype, field: &Field, message: impl Into<String>) -> RdataError {
    RdataError::BadValue {
        rtype,
        field: field.name,
        message: message.into(),
    }
}

fn text_str<'a>(rtype: Rtype, field: &Field, text: &'a [u8]) -> Result<&'a str, RdataError> {
    std::str::from_utf8(text).map_err(|_| invalid(rtype, field, text))
}

fn parse_one(
    rtype: Rtype,
    field: &Field,
    token: &Token<'_>,
    origin: &Name,
    canonical: bool,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let text = token.text;
    let number = |max: u64| parse_decimal(text, max).ok_or_else(|| invalid(rtype, field, text));
    match field.kind {
        Kind::Name => {
            let start = out.len();
            encode_name(text, origin, canonical, out).map_err(|error| {
                out.truncate(start);
                RdataError::Name {
                    rtype,
                    field: field.name,
                    found: shown(text),
                    error,
                }
            })?;
        }
        Kind::U8 => out.push(number(255)? as u8),
        Kind::U16 => out.extend_from_slice(&(number(65535)? as u16).to_be_bytes()),
        Kind::U32 => out.extend_from_slice(&(number(u64::from(u32::MAX))? as u32).to_be_bytes()),
        Kind::Ttl => {
            let ttl = crate::zonefile::parse_ttl(text).ok_or_else(|| invalid(rtype, field, text))?;
            out.extend_from_slice(&ttl.to_be_bytes());
        }
        Kind::Time => {
            let t = time::parse_time(text).ok_or_else(|| invalid(rtype, field, text))?;
            out.extend_from_slice(&t.to_be_bytes());
        }
        Kind::Alg => {
            let alg = match parse_decimal(text, 255) {
                Some(n) => n as u8,
                None => algorithm_from_mnemonic(text).ok_or_else(|| invalid(rtype, field, text))?,
            };
            out.push(alg);
        }
        Kind::TypeCode => {
            let t = text_str(rtype, field, text)?;
            let covered = Rtype::from_mnemonic(t).ok_or_else(|| invalid(rtype, field, text))?;
            out.extend_from_slice(&covered.0.to_be_bytes());
        }
        Kind::Ipv4 => {
            let a: Ipv4Addr = text_str(rtype, field, text)?
                .parse()
                .map_err(|_| invalid(rtype, field, text))?;
            out.extend_from_slice(&a.octets());
        }
        Kind::Ipv6 => {
            let a: Ipv6Addr = text_str(rtype, field, text)?
                .parse()
                .map_err(|_| invalid(rtype, field, text))?;
            out.extend_from_slice(&a.octets());
        }
        Kind::CharString => push_char_string(rtype, field, text, out)?,
        Kind::HexLen8 => {
            if text == b"-" {
                out.push(0);
            } else {
                let bytes = decode_hex(text).ok_or_else(|| invalid(rtype, field, text))?;
                if bytes.is_empty() || bytes.len() > 255 {
                    return Err(invalid(rtype, field, text));
                }
                out.push(bytes.len() as u8);
                out.extend_from_slice(&bytes);
            }
        }
        Kind::Base32Len8 => {
            let upper = text.to_ascii_uppercase();
            let bytes = BASE32HEX_NOPAD
                .decode(&upper)
                .map_err(|_| invalid(rtype, field, text))?;
            if bytes.is_empty() || bytes.len() > 255 {
                return Err(invalid(rtype, field, text));
            }
            out.push(bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        Kind::CaaTag => {
            if text.is_empty() || text.len() > 255 || !text.iter().all(u8::is_ascii_alphanumeric) {
                return Err(invalid(rtype, field, text));
            }
            out.push(text.len() as u8);
            out.extend_from_slice(text);
        }
        Kind::RestString => {
            decode_string(text, out).ok_or_else(|| invalid(rtype, field, text))?;
        }
        Kind::CharStrings | Kind::Hex | Kind::Base64 | Kind::Bitmap | Kind::SvcParams => {
            // Normally handled by `parse_to_end`; a single token is a list of one.
            parse_to_end(rtype, field, std::slice::from_ref(token), origin, out)?;
        }
    }
    Ok(())
}

fn push_char_string(rtype: Rtype, field: &Field, text: &[u8], out: &mut Vec<u8>) -> Result<(), RdataError> {
    let len_at = out.len();
    out.push(0);
    decode_string(text, out).ok_or_else(|| bad_value(rtype, field, format!("bad escape in '{}'", shown(text))))?;
    let len = out.len() - len_at - 1;
    if len > 255 {
        return Err(bad_value(
            rtype,
            field,
            format!("character string is {len} octets long; the maximum is 255 (split it into several quoted strings)"),
        ));
    }
    out[len_at] = len as u8;
    Ok(())
}

fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() & 1 != 0 {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Hex in whitespace-separated chunks (RFC 3597 §5 allows odd-length chunks
/// as long as the total is even).
pub(crate) fn decode_hex_chunks(tokens: &[Token<'_>]) -> Option<Vec<u8>> {
    let mut joined = Vec::with_capacity(tokens.iter().map(|t| t.text.len()).sum());
    for t in tokens {
        joined.extend_from_slice(t.text);
    }
    decode_hex(&joined)
}

fn parse_to_end(
    rtype: Rtype,
    field: &Field,
    tokens: &[Token<'_>],
    origin: &Name,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    match field.kind {
        Kind::CharStrings => {
            for t in tokens {
                push_char_string(rtype, field, t.text, out)?;
            }
        }
        Kind::Hex => {
            let bytes = decode_hex_chunks(tokens).ok_or_else(|| {
                let bad = tokens
                    .iter()
                    .find(|t| !t.text.iter().all(u8::is_ascii_hexdigit))
                    .map_or_else(|| b"an odd number of digits".as_slice(), |t| t.text);
                invalid(rtype, field, bad)
            })?;
            out.extend_from_slice(&bytes);
        }
        Kind::Base64 => {
            let mut joined = Vec::new();
            for t in tokens {
                joined.extend_from_slice(t.text);
            }
            let bytes = BASE64.decode(&joined).map_err(|_| invalid(rtype, field, &joined))?;
            out.extend_from_slice(&bytes);
        }
        Kind::Bitmap => {
            let mut types = Vec::with_capacity(tokens.len());
            for t in tokens {
                let code = std::str::from_utf8(t.text)
                    .ok()
                    .and_then(Rtype::from_mnemonic)
                    .ok_or_else(|| invalid(rtype, field, t.text))?;
                types.push(code.0);
            }
            bitmap::encode(&mut types, out);
        }
        Kind::SvcParams => svcb::parse(tokens, out).map_err(|m| bad_value(rtype, field, m))?,
        _ => {
            // Not a to-end kind: each token is one such field.
            for t in tokens {
                parse_one(rtype, field, t, origin, false, out)?;
            }
        }
    }
    Ok(())
}

/// Reads fields from wire form.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(slice)
    }
    fn rest(&mut self) -> &'a [u8] {
        let slice = &self.data[self.pos..];
        self.pos = self.data.len();
        slice
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn len8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
}

fn bad_wire(rtype: Rtype, field: &Field, what: &str) -> RdataError {
    RdataError::BadWire {
        rtype,
        message: format!("{}: {what}", field.name),
    }
}

/// Writes wire-form `rdata` in presentation form, checking that it has
/// exactly the layout of `d`.
pub(crate) fn write(rtype: Rtype, d: &Descriptor, rdata: &[u8], out: &mut String) -> Result<(), RdataError> {
    let mut cur = Cursor { data: rdata, pos: 0 };
    let start = out.len();
    for field in d.fields {
        let before = out.len();
        if before > start {
            out.push(' ');
        }
        let truncated = || bad_wire(rtype, field, "truncated");
        match field.kind {
            Kind::Name => {
                let (name, len) =
                    Name::read_wire(&rdata[cur.pos..]).map_err(|e| bad_wire(rtype, field, &e.to_string()))?;
                cur.pos += len;
                name.write_text(out);
            }
            Kind::U8 | Kind::Alg => {
                push_decimal(out, u64::from(cur.u8().ok_or_else(truncated)?));
            }
            Kind::U16 => {
                push_decimal(out, u64::from(cur.u16().ok_or_else(truncated)?));
            }
            Kind::U32 | Kind::Ttl => {
                push_decimal(out, u64::from(cur.u32().ok_or_else(truncated)?));
            }
            Kind::Time => time::write_time(cur.u32().ok_or_else(truncated)?, out),
            Kind::TypeCode => {
                Rtype(cur.u16().ok_or_else(truncated)?).write_text(out);
            }
            Kind::Ipv4 => {
                let a = cur.take(4).ok_or_else(truncated)?;
                push_ipv4(out, [a[0], a[1], a[2], a[3]]);
            }
            Kind::Ipv6 => {
                let a = cur.take(16).ok_or_else(truncated)?;
                let mut octets = [0u8; 16];
                octets.copy_from_slice(a);
                push_ipv6(out, octets);
            }
            Kind::CharString => write_quoted(cur.len8().ok_or_else(truncated)?, out),
            Kind::CharStrings => {
                if cur.pos == rdata.len() {
                    return Err(bad_wire(rtype, field, "no character strings"));
                }
                let mut first = true;
                while cur.pos < rdata.len() {
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    write_quoted(cur.len8().ok_or_else(truncated)?, out);
                }
            }
            Kind::Hex => {
                let rest = cur.rest();
                if rest.is_empty() {
                    return Err(bad_wire(rtype, field, "empty"));
                }
                HEXUPPER.encode_append(rest, out);
            }
            Kind::Base64 => {
                let rest = cur.rest();
                if rest.is_empty() {
                    return Err(bad_wire(rtype, field, "empty"));
                }
                BASE64.encode_append(rest, out);
            }
            Kind::HexLen8 => {
                let salt = cur.len8().ok_or_else(truncated)?;
                if salt.is_empty() {
                    out.push('-');
                } else {
                    HEXUPPER.encode_append(salt, out);
                }
            }
            Kind::Base32Len8 => {
                let hash = cur.len8().ok_or_else(truncated)?;
                if hash.is_empty() {
                    return Err(bad_wire(rtype, field, "empty hash"));
                }
                BASE32HEX_NOPAD.encode_append(hash, out);
            }
            Kind::Bitmap => bitmap::write(cur.rest(), out).map_err(|m| bad_wire(rtype, field, m))?,
            Kind::SvcParams => svcb::write(cur.rest(), out).map_err(|m| bad_wire(rtype, field, &m))?,
            Kind::CaaTag => {
                let tag = cur.len8().ok_or_else(truncated)?;
                if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                    return Err(bad_wire(rtype, field, "tag must be letters and digits"));
                }
                // Letters and digits only, so valid UTF-8.
                out.push_str(&String::from_utf8_lossy(tag));
            }
            Kind::RestString => write_quoted(cur.rest(), out),
        }
        if out.len() == before + 1 && before > start {
            out.pop();
        }
    }
    if cur.pos != rdata.len() {
        return Err(RdataError::BadWire {
            rtype,
            message: format!("{} unexpected octets after the last field", rdata.len() - cur.pos),
        });
    }
    Ok(())
}

/// Lowercases the names of a canonical type's wire RDATA in place, after
/// checking it with [`write`].
pub(crate) fn canonicalize(d: &Descriptor, rdata: &mut [u8]) {
    if !d.canonical {
        return;
    }
    let mut pos = 0;
    for field in d.fields {
        let Some(rest) = rdata.get_mut(pos..) else { return };
        let len = match field.kind {
            Kind::Name => match Name::read_wire(rest) {
                Ok((_, len)) => {
                    super::text::lowercase_wire_name(&mut rest[..len]);
                    len
                }
                Err(_) => return,
            },
            Kind::U8 | Kind::Alg => 1,
            Kind::U16 | Kind::TypeCode => 2,
            Kind::U32 | Kind::Ttl | Kind::Time | Kind::Ipv4 => 4,
            Kind::Ipv6 => 16,
            Kind::CharString | Kind::HexLen8 | Kind::Base32Len8 | Kind::CaaTag => {
                1 + rest.first().map_or(0, |&n| usize::from(n))
            }
            _ => return,
        };
        pos += len;
    }
}
