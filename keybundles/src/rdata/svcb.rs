//! SVCB/HTTPS SvcParams (RFC 9460 §2.1, §7 and Appendix A).

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::BASE64;

use super::text::{decode_string, write_escaped};
use crate::zonefile::Token;

const MANDATORY: u16 = 0;
const ALPN: u16 = 1;
const NO_DEFAULT_ALPN: u16 = 2;
const PORT: u16 = 3;
const IPV4HINT: u16 = 4;
const ECH: u16 = 5;
const IPV6HINT: u16 = 6;
const DOHPATH: u16 = 7;
const OHTTP: u16 = 8;

const KEY_NAMES: &[(&str, u16)] = &[
    ("mandatory", MANDATORY),
    ("alpn", ALPN),
    ("no-default-alpn", NO_DEFAULT_ALPN),
    ("port", PORT),
    ("ipv4hint", IPV4HINT),
    ("ech", ECH),
    ("ipv6hint", IPV6HINT),
    ("dohpath", DOHPATH),
    ("ohttp", OHTTP),
];

/// Parses a key name (`alpn`, `key65000`).
fn parse_key(text: &[u8]) -> Result<u16, String> {
    if let Some(&(_, k)) = KEY_NAMES.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(text)) {
        return Ok(k);
    }
    let digits = text
        .strip_prefix(b"key")
        .filter(|d| !d.is_empty() && d.len() <= 5 && d.iter().all(u8::is_ascii_digit))
        .ok_or_else(|| format!("unknown SvcParam key '{}'", super::error::shown(text)))?;
    let n = super::text::parse_decimal(digits, 65535).ok_or("key number over 65535")? as u16;
    if n == 65535 {
        return Err("key65535 is reserved".into());
    }
    Ok(n)
}

fn write_key(key: u16, out: &mut String) {
    match KEY_NAMES.iter().find(|&&(_, k)| k == key) {
        Some((n, _)) => out.push_str(n),
        None => {
            let _ = write!(out, "key{key}");
        }
    }
}

/// Splits a decoded value on unescaped commas, undoing `\,` and `\\`
/// (the value-list of RFC 9460 Appendix A.1).
fn split_list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\\' if i + 1 < value.len() => {
                if let Some(item) = items.last_mut() {
                    item.push(value[i + 1]);
                }
                i += 2;
            }
            b',' => {
                items.push(Vec::new());
                i += 1;
            }
            c => {
                if let Some(item) = items.last_mut() {
                    item.push(c);
                }
                i += 1;
            }
        }
    }
    items
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "value is not text".to_string())
}

/// Parses the parameter tokens into wire form, appended to `out`.
pub(crate) fn parse(tokens: &[Token<'_>], out: &mut Vec<u8>) -> Result<(), String> {
    let mut params: Vec<(u16, Vec<u8>)> = Vec::with_capacity(tokens.len());
    for token in tokens {
        let text = token.text;
        let (key_text, raw) = match text.iter().position(|&b| b == b'=') {
            Some(eq) => (&text[..eq], Some(&text[eq + 1..])),
            None => (text, None),
        };
        let key = parse_key(key_text)?;
        let mut value = Vec::new();
        if let Some(raw) = raw {
            let raw = match raw {
                [b'"', inner @ .., b'"'] => inner,
                _ => raw,
            };
            decode_string(raw, &mut value)
                .ok_or_else(|| format!("bad escape in value of '{}'", super::error::shown(text)))?;
        }
        let show = || super::error::shown(text);
        let has_value = raw.is_some() && !value.is_empty();
        let wire = match key {
            MANDATORY | ALPN | IPV4HINT | IPV6HINT if !has_value => {
                return Err(format!("'{}' needs a value", show()));
            }
            NO_DEFAULT_ALPN | OHTTP if raw.is_some() => return Err(format!("'{}' takes no value", show())),
            MANDATORY => {
                let mut keys = Vec::new();
                for item in split_list(&value) {
                    keys.push(parse_key(&item)?);
                }
                keys.sort_unstable();
                if keys.windows(2).any(|w| w[0] == w[1]) {
                    return Err("mandatory lists a key twice".into());
                }
                if keys.contains(&MANDATORY) {
                    return Err("mandatory must not list itself".into());
                }
                keys.iter().flat_map(|k| k.to_be_bytes()).collect()
            }
            ALPN => {
                let mut wire = Vec::new();
                for id in split_list(&value) {
                    if id.is_empty() || id.len() > 255 {
                        return Err("alpn ids must be 1-255 octets long".into());
                    }
                    wire.push(id.len() as u8);
                    wire.extend_from_slice(&id);
                }
                wire
            }
            PORT => {
                let port = super::text::parse_decimal(&value, 65535)
                    .ok_or_else(|| format!("port: expected a number 0-65535, found '{}'", show()))?;
                (port as u16).to_be_bytes().to_vec()
            }
            IPV4HINT => {
                let mut wire = Vec::new();
                for item in utf8(&value)?.split(',') {
                    let a: Ipv4Addr = item
                        .parse()
                        .map_err(|_| format!("ipv4hint: '{item}' is not an IPv4 address"))?;
                    wire.extend_from_slice(&a.octets());
                }
                wire
            }
            IPV6HINT => {
                let mut wire = Vec::new();
                for item in utf8(&value)?.split(',') {
                    let a: Ipv6Addr = item
                        .parse()
                        .map_err(|_| format!("ipv6hint: '{item}' is not an IPv6 address"))?;
                    wire.extend_from_slice(&a.octets());
                }
                wire
            }
            ECH => BASE64.decode(&value).map_err(|_| "ech: expected base64".to_string())?,
            _ => value,
        };
        if wire.len() > 65535 {
            return Err(format!("value of '{}' too long", show()));
        }
        params.push((key, wire));
    }
    params.sort_by_key(|(k, _)| *k);
    if let Some(w) = params.windows(2).find(|w| w[0].0 == w[1].0) {
        let mut name = String::new();
        write_key(w[0].0, &mut name);
        return Err(format!("key {name} appears twice"));
    }
    check_mandatory(params.iter().map(|(k, v)| (*k, v.as_slice())))?;
    for (key, value) in &params {
        out.extend_from_slice(&key.to_be_bytes());
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(())
}

/// RFC 9460 §8: every key listed in `mandatory` must be present.
fn check_mandatory<'a>(params: impl Iterator<Item = (u16, &'a [u8])> + Clone) -> Result<(), String> {
    let Some((_, list)) = params.clone().find(|&(k, _)| k == MANDATORY) else {
        return Ok(());
    };
    for k in list.chunks_exact(2) {
        let key = u16::from_be_bytes([k[0], k[1]]);
        if !params.clone().any(|(p, _)| p == key) {
            let mut name = String::new();
            write_key(key, &mut name);
            return Err(format!("mandatory lists {name}, which is not present"));
        }
    }
    Ok(())
}

/// Splits wire-form parameters into (key, value) pairs.
fn split_wire(mut wire: &[u8]) -> impl Iterator<Item = (u16, &[u8])> + Clone {
    std::iter::from_fn(move || {
        let [k0, k1, l0, l1, ref rest @ ..] = *wire else {
            return None;
        };
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let value = rest.get(..len)?;
        wire = &rest[len..];
        Some((u16::from_be_bytes([k0, k1]), value))
    })
}

/// Writes parameters in wire form as presentation form, validating them.
pub(crate) fn write(mut wire: &[u8], out: &mut String) -> Result<(), String> {
    check_mandatory(split_wire(wire))?;
    let mut last: Option<u16> = None;
    let mut first = true;
    while !wire.is_empty() {
        let [k0, k1, l0, l1, ref rest @ ..] = *wire else {
            return Err("SvcParams: truncated key or length".into());
        };
        let key = u16::from_be_bytes([k0, k1]);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let value = rest.get(..len).ok_or("SvcParams: truncated value")?;
        wire = &rest[len..];
        if last.is_some_and(|l| key <= l) {
            return Err("SvcParams: keys not in strictly increasing order".into());
        }
        if key == 65535 {
            return Err("SvcParams: reserved key 65535".into());
        }
        last = Some(key);
        if !first {
            out.push(' ');
        }
        first = false;
        write_key(key, out);
        match key {
            MANDATORY => {
                if value.is_empty() || value.len() & 1 != 0 {
                    return Err("SvcParams: bad mandatory list".into());
                }
                out.push('=');
                for (i, k) in value.chunks_exact(2).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_key(u16::from_be_bytes([k[0], k[1]]), out);
                }
            }
            ALPN => {
                if value.is_empty() {
                    return Err("SvcParams: empty alpn".into());
                }
                let mut list = Vec::new();
                let mut rest = value;
                while let [len, ref tail @ ..] = *rest {
                    let id = tail.get(..usize::from(len)).filter(|id| !id.is_empty());
                    let id = id.ok_or("SvcParams: bad alpn id")?;
                    if !list.is_empty() {
                        list.push(b',');
                    }
                    for &b in id {
                        if b == b',' || b == b'\\' {
                            list.push(b'\\');
                        }
                        list.push(b);
                    }
                    rest = &tail[usize::from(len)..];
                }
                out.push_str("=\"");
                write_escaped(&list, out);
                out.push('"');
            }
            NO_DEFAULT_ALPN | OHTTP if !value.is_empty() => {
                return Err("SvcParams: key must have no value".into());
            }
            NO_DEFAULT_ALPN | OHTTP => {}
            PORT => {
                let [a, b] = *value else {
                    return Err("SvcParams: port is not 2 octets".into());
                };
                let _ = write!(out, "={}", u16::from_be_bytes([a, b]));
            }
            IPV4HINT | IPV6HINT => {
                let size = if key == IPV4HINT { 4 } else { 16 };
                if value.is_empty() || value.len() & (size - 1) != 0 {
                    return Err("SvcParams: bad address hint length".into());
                }
                out.push('=');
                for (i, a) in value.chunks_exact(size).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = if size == 4 {
                        write!(out, "{}", Ipv4Addr::new(a[0], a[1], a[2], a[3]))
                    } else {
                        let mut octets = [0u8; 16];
                        octets.copy_from_slice(a);
                        write!(out, "{}", Ipv6Addr::from(octets))
                    };
                }
            }
            ECH => {
                out.push('=');
                out.push_str(&BASE64.encode(value));
            }
            _ => {
                if !value.is_empty() {
                    out.push_str("=\"");
                    write_escaped(value, out);
                    out.push('"');
                }
            }
        }
    }
    Ok(())
}
