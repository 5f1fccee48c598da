//! Domain names in uncompressed wire form (RFC 1035 §3.1).
//!
//! A [`Name`] always ends with the root label, so it is always absolute.
//! Signet stores owner names in lowercase — their canonical form (RFC 4034
//! §6.2) — so equality and hashing are plain byte comparisons; use
//! [`Name::canonical_cmp`] for DNSSEC ordering (RFC 4034 §6.1).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::octets::Octets;

/// Longest label, in octets (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name in wire form, in octets, root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// Why a name could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("label '{0}' is longer than 63 octets")]
    LabelTooLong(String),
    #[error("name is longer than 255 octets in wire form")]
    NameTooLong,
    #[error("empty label in '{0}' (two dots in a row)")]
    EmptyLabel(String),
    #[error("bad escape in '{0}' (use \\X or \\DDD with DDD at most 255)")]
    BadEscape(String),
    #[error("relative name '{0}' with no origin to complete it")]
    Relative(String),
    #[error("malformed name in wire form")]
    BadWire,
}

/// An absolute domain name in uncompressed wire form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Octets);

impl Name {
    /// The root name, `.`.
    pub fn root() -> Name {
        Name(Octets::from([0u8]))
    }

    /// Builds a name from uncompressed wire bytes (no compression pointers),
    /// checking label and name lengths.
    pub fn from_wire(bytes: &[u8]) -> Result<Name, NameError> {
        let len = wire_name_len(bytes)?;
        if len != bytes.len() {
            return Err(NameError::BadWire);
        }
        Ok(Name(bytes.into()))
    }

    /// Reads one uncompressed name from the front of `bytes`; returns the
    /// name and how many octets it took.
    pub fn read_wire(bytes: &[u8]) -> Result<(Name, usize), NameError> {
        let len = wire_name_len(bytes)?;
        Ok((Name(bytes[..len].into()), len))
    }

    /// Parses a name in presentation form. A name without a trailing dot is
    /// relative and completed with `origin`; `@` is not handled here (it is
    /// a master-file convention, see the zone-file reader).
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        if text == "." {
            return Ok(Name::root());
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label = Vec::with_capacity(MAX_LABEL_LEN);
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut absolute = false;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'.' => {
                    if label.is_empty() {
                        return Err(NameError::EmptyLabel(text.into()));
                    }
                    push_label(&mut wire, &label, text)?;
                    label.clear();
                    if i + 1 == bytes.len() {
                        absolute = true;
                    }
                    i += 1;
                }
                b'\\' => {
                    let (byte, used) =
                        parse_escape(&bytes[i + 1..]).ok_or_else(|| NameError::BadEscape(text.into()))?;
                    label.push(byte);
                    i += 1 + used;
                }
                _ => {
                    label.push(c);
                    i += 1;
                }
            }
        }
        if !label.is_empty() {
            push_label(&mut wire, &label, text)?;
        }
        if absolute {
            wire.push(0);
        } else {
            let origin = origin.ok_or_else(|| NameError::Relative(text.into()))?;
            wire.extend_from_slice(&origin.0);
        }
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name(wire.into()))
    }

    /// The name in uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        &self.0
    }

    /// Octets in wire form.
    pub fn wire_len(&self) -> usize {
        self.0.len()
    }

    /// True for `.`.
    pub fn is_root(&self) -> bool {
        self.0.len() == 1
    }

    /// The labels from left (most specific) to right, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: &self.0 }
    }

    /// Number of labels, not counting the root.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// True when the leftmost label is `*` (RFC 4592).
    pub fn is_wildcard(&self) -> bool {
        self.0.len() > 2 && self.0[0] == 1 && self.0[1] == b'*'
    }

    /// The RRSIG Labels field for this owner (RFC 4034 §3.1.3): labels not
    /// counting the root nor a leading wildcard label.
    pub fn rrsig_labels(&self) -> u8 {
        let n = self.label_count() - usize::from(self.is_wildcard());
        n as u8
    }

    /// This name with ASCII letters folded to lowercase.
    pub fn to_lowercase(&self) -> Name {
        let mut out = self.0.clone();
        let mut i = 0;
        while out[i] != 0 {
            let len = out[i] as usize;
            out[i + 1..=i + len].make_ascii_lowercase();
            i += len + 1;
        }
        Name(out)
    }

    /// True when both names are the same but for ASCII case.
    pub fn eq_ignore_case(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    /// True when the name is all lowercase already.
    pub fn is_lowercase(&self) -> bool {
        self.labels().all(|l| !l.iter().any(u8::is_ascii_uppercase))
    }

    /// True when `self` equals `ancestor` or lies below it (case-insensitive).
    pub fn is_subdomain_of(&self, ancestor: &Name) -> bool {
        let (mine, theirs) = (self.0.len(), ancestor.0.len());
        if theirs > mine {
            return false;
        }
        // The suffix must start on a label boundary.
        let start = mine - theirs;
        let mut i = 0;
        while i < start {
            i += self.0[i] as usize + 1;
        }
        i == start && self.0[start..].eq_ignore_ascii_case(&ancestor.0)
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = self.0[0] as usize + 1;
        Some(Name(self.0[skip..].into()))
    }

    /// `label` prepended to this name, e.g. `*` to make a wildcard.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel(String::from_utf8_lossy(label).into()));
        }
        let mut wire = Vec::with_capacity(self.0.len() + label.len() + 1);
        push_label(&mut wire, label, &String::from_utf8_lossy(label))?;
        wire.extend_from_slice(&self.0);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name(wire.into()))
    }

    /// DNSSEC canonical ordering (RFC 4034 §6.1): compare label by label
    /// from the right, each label as lowercase octets, shorter label first.
    /// Allocation-free: a signer sorts millions of names.
    pub fn canonical_cmp(&self, other: &Name) -> Ordering {
        // Sorting a zone compares records of one owner name with each other
        // most of the time.
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        let (mut a, mut b) = ([0u8; 128], [0u8; 128]);
        let na = self.label_offsets(&mut a);
        let nb = other.label_offsets(&mut b);
        for (&ia, &ib) in a[..na].iter().rev().zip(b[..nb].iter().rev()) {
            let la = &self.0[usize::from(ia) + 1..=usize::from(ia) + usize::from(self.0[usize::from(ia)])];
            let lb = &other.0[usize::from(ib) + 1..=usize::from(ib) + usize::from(other.0[usize::from(ib)])];
            let ord = cmp_label_ignore_case(la, lb);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        na.cmp(&nb)
    }

    /// Fills `offsets` with the start of each label (leftmost first) and
    /// returns the label count. A name has at most 127 labels.
    fn label_offsets(&self, offsets: &mut [u8; 128]) -> usize {
        let mut n = 0;
        let mut i = 0;
        while self.0[i] != 0 {
            offsets[n] = i as u8;
            n += 1;
            i += usize::from(self.0[i]) + 1;
        }
        n
    }

    /// A byte string whose plain ordering equals [`Name::canonical_cmp`]:
    /// lowercase labels from the right, each followed by a 0 separator.
    /// Sorting millions of names by a precomputed key is much faster than
    /// comparing label lists again and again.
    pub fn canonical_sort_key(&self) -> Vec<u8> {
        let labels: Vec<&[u8]> = self.labels().collect();
        let mut key = Vec::with_capacity(self.0.len());
        for label in labels.iter().rev() {
            // Label octets are shifted by one so that the separator 0 sorts
            // below every octet, making shorter labels sort first.
            key.extend(
                label
                    .iter()
                    .map(|b| u16::from(b.to_ascii_lowercase()) + 1)
                    .flat_map(u16::to_be_bytes),
            );
            key.extend_from_slice(&[0, 0]);
        }
        key
    }
}

fn cmp_label_ignore_case(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let ord = x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase());
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

fn push_label(wire: &mut Vec<u8>, label: &[u8], text: &str) -> Result<(), NameError> {
    if label.len() > MAX_LABEL_LEN {
        let shown = String::from_utf8_lossy(label).into_owned();
        let _ = text;
        return Err(NameError::LabelTooLong(shown));
    }
    wire.push(label.len() as u8);
    wire.extend_from_slice(label);
    Ok(())
}

/// Decodes the escape after a backslash: `\DDD` (decimal octet) or `\X`.
/// Returns the octet and how many input bytes it used.
pub(crate) fn parse_escape(rest: &[u8]) -> Option<(u8, usize)> {
    let first = *rest.first()?;
    if first.is_ascii_digit() {
        if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = u32::from(rest[0] - b'0') * 100 + u32::from(rest[1] - b'0') * 10 + u32::from(rest[2] - b'0');
        u8::try_from(value).ok().map(|b| (b, 3))
    } else {
        Some((first, 1))
    }
}

/// Length of the uncompressed name at the front of `bytes`.
fn wire_name_len(bytes: &[u8]) -> Result<usize, NameError> {
    let mut i = 0;
    loop {
        let len = *bytes.get(i).ok_or(NameError::BadWire)? as usize;
        if len == 0 {
            i += 1;
            break;
        }
        if len > MAX_LABEL_LEN {
            return Err(NameError::BadWire);
        }
        i += len + 1;
        if i >= bytes.len() {
            return Err(NameError::BadWire);
        }
    }
    if i > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    Ok(i)
}

/// Iterator over a name's labels, leftmost first, root excluded.
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.rest.first()? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.rest[1..=len];
        self.rest = &self.rest[len + 1..];
        Some(label)
    }
}

/// True for an octet written as itself in a label (no escape needed).
fn is_plain_label_octet(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'.' | b'\\' | b'(' | b')' | b';' | b'"' | b'$' | b'@')
}

/// A label that needs no escapes, as text: most labels, copied whole
/// instead of octet by octet (writing zone files is on the hot path).
fn plain_label(label: &[u8]) -> Option<&str> {
    if label.iter().all(|&b| is_plain_label_octet(b)) {
        std::str::from_utf8(label).ok()
    } else {
        None
    }
}

/// Writes one label in presentation form, escaping what must be escaped
/// (RFC 4343 §2.1; the same choices as BIND and ldns).
pub(crate) fn write_label(out: &mut impl fmt::Write, label: &[u8]) -> fmt::Result {
    if let Some(text) = plain_label(label) {
        return out.write_str(text);
    }
    for &b in label {
        match b {
            b'.' | b'\\' | b'(' | b')' | b';' | b'"' | b'$' | b'@' => {
                out.write_char('\\')?;
                out.write_char(b as char)?;
            }
            0x21..=0x7e => out.write_char(b as char)?,
            _ => write!(out, "\\{b:03}")?,
        }
    }
    Ok(())
}

impl Name {
    /// Appends the presentation form (what `Display` writes) to `out`
    /// without going through `fmt`: zone files are written a name at a time.
    pub fn write_text(&self, out: &mut String) {
        if self.is_root() {
            out.push('.');
            return;
        }
        for label in self.labels() {
            match plain_label(label) {
                Some(text) => out.push_str(text),
                None => {
                    let _ = write_label(out, label);
                }
            }
            out.push('.');
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            write_label(f, label)?;
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl FromStr for Name {
    type Err = NameError;
    /// Parses an absolute name; a relative one is an error.
    fn from_str(s: &str) -> Result<Name, NameError> {
        Name::parse(s, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_displays_with_escapes() {
        let name = n("a\\.b.c\\032d.example.");
        assert_eq!(name.label_count(), 3);
        assert_eq!(name.to_string(), "a\\.b.c\\032d.example.");
        assert_eq!(n(".").to_string(), ".");
        assert_eq!(Name::parse("www", Some(&n("example."))).unwrap(), n("www.example."));
    }

    #[test]
    fn write_text_matches_display() {
        for text in [
            ".",
            "example.",
            "a\\.b.c\\032d.example.",
            "\\000\\255.x\\@y\\$z\\;.",
            "_dmarc.Ex-ample.",
        ] {
            let name = n(text);
            let mut written = String::from("prefix ");
            name.write_text(&mut written);
            assert_eq!(written, format!("prefix {name}"), "{text}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        let long = "a".repeat(64);
        assert!(matches!(
            Name::parse(&format!("{long}.example."), None),
            Err(NameError::LabelTooLong(_))
        ));
        let many = "abcdefghi.".repeat(26);
        assert_eq!(Name::parse(&many, None), Err(NameError::NameTooLong));
        assert!(matches!(Name::parse("a..b.", None), Err(NameError::EmptyLabel(_))));
        assert!(matches!(Name::parse("a\\25x.", None), Err(NameError::BadEscape(_))));
        assert!(matches!(Name::parse("a\\256.", None), Err(NameError::BadEscape(_))));
        assert!(matches!(Name::parse("rel", None), Err(NameError::Relative(_))));
    }

    /// RFC 4034 §6.1's example, in its order.
    #[test]
    fn canonical_order_rfc4034_example() {
        let ordered = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        let names: Vec<Name> = ordered.iter().map(|s| n(s)).collect();
        for pair in names.windows(2) {
            assert_eq!(
                pair[0].canonical_cmp(&pair[1]),
                Ordering::Less,
                "{} < {}",
                pair[0],
                pair[1]
            );
            assert!(
                pair[0].canonical_sort_key() < pair[1].canonical_sort_key(),
                "key {} < {}",
                pair[0],
                pair[1]
            );
        }
        let mut shuffled = names.clone();
        shuffled.reverse();
        shuffled.sort_by(Name::canonical_cmp);
        assert_eq!(shuffled, names);
    }

    #[test]
    fn subdomains_parents_and_wildcards() {
        assert!(n("a.b.example.").is_subdomain_of(&n("EXAMPLE.")));
        assert!(n("example.").is_subdomain_of(&n("example.")));
        assert!(!n("badexample.").is_subdomain_of(&n("example.")));
        assert!(!n("example.").is_subdomain_of(&n("a.example.")));
        assert_eq!(n("a.b.").parent(), Some(n("b.")));
        let wild = n("*.example.");
        assert!(wild.is_wildcard());
        assert_eq!(wild.rrsig_labels(), 1);
        assert_eq!(n("WWW.Example.").to_lowercase(), n("www.example."));
    }
}
