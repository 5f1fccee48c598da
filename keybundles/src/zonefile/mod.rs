//! A streaming RFC 1035 §5 master-file reader.
//!
//! Handles `$ORIGIN`, `$TTL` (RFC 2308 §4, with BIND's units), `$INCLUDE`
//! (nested, relative to the including file, origin restored afterwards,
//! cycles refused), parentheses, comments, `@`, relative names, owners
//! carried over by leading whitespace, TTL and class in either order,
//! escapes and RFC 3597 `TYPEnnn`/`CLASSnnn`/`\#`.
//!
//! Owner names are returned lowercase; RDATA is canonical wire form (see
//! [`crate::rdata`]). Every problem is reported with file and line: lines
//! are never dropped silently. The reader streams through a large
//! `BufReader` and reuses its buffers, so it allocates little more than
//! the records it returns.

mod error;
pub(crate) mod lexer;
mod ttl;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{Location, Warning, ZoneFileError, ZoneFileErrorKind};
pub use lexer::Token;
pub use ttl::parse_ttl;

use crate::name::Name;
use crate::rdata;
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use lexer::{LexError, ParenState, Span};

/// A record and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub record: Record,
    pub location: Location,
}

const BUFFER_SIZE: usize = 1 << 20;
/// Longest entry (all lines of a parenthesised record) accepted.
const MAX_ENTRY_LEN: usize = 1 << 20;
const MAX_INCLUDE_DEPTH: usize = 20;
/// Largest TTL a zone may give (RFC 2181 §8).
const MAX_SANE_TTL: u32 = 0x7fff_ffff;

/// One open file (or in-memory text).
struct Source {
    reader: Box<dyn BufRead + Send>,
    file: Arc<Path>,
    /// For include-cycle detection: the file's canonical path; `None` for
    /// text in memory and for a resumed piece of a file (found when an
    /// `$INCLUDE` asks).
    identity: Option<PathBuf>,
    line: usize,
    /// The origin to restore when this source ends.
    saved_origin: Name,
    at_start: bool,
}

/// What a reader carries from one entry to the next: enough to resume
/// reading at a later entry boundary of the same file, so that pieces of a
/// large file can be read on several threads (see [`split_points`]).
#[derive(Clone, Debug)]
pub struct ReaderState {
    origin: Name,
    dollar_ttl: Option<u32>,
    last_ttl: Option<u32>,
    last_owner: Option<Name>,
}

impl ReaderState {
    /// True when an entry read after `self` means the same as after
    /// `other`: same origin, same `$TTL`, and — with no `$TTL`, when a
    /// record without TTL takes the last one given (RFC 1035 §5.1) — the
    /// same last TTL. (The previous owner does not count: only an entry
    /// starting with whitespace uses it.)
    pub fn same_context(&self, other: &ReaderState) -> bool {
        self.same_directives(other) && (self.dollar_ttl.is_some() || self.last_ttl == other.last_ttl)
    }

    /// True when `$ORIGIN` and `$TTL` are the same: all that an entry read
    /// after `self` depends on if it never takes the last TTL given (see
    /// [`ZoneReader::used_inherited_ttl`]).
    pub fn same_directives(&self, other: &ReaderState) -> bool {
        self.origin == other.origin && self.dollar_ttl == other.dollar_ttl
    }

    /// Takes the last TTL given from `earlier`: the state after a piece of
    /// a file that gave no TTL of its own ([`ZoneReader::gave_ttl`]) and
    /// was read resumed from another state than `earlier`.
    pub fn inherit_last_ttl(&mut self, earlier: &ReaderState) {
        self.last_ttl = earlier.last_ttl;
    }
}

/// Reads records from a zone file, one [`Entry`] at a time.
pub struct ZoneReader {
    stack: Vec<Source>,
    origin: Name,
    dollar_ttl: Option<u32>,
    last_ttl: Option<u32>,
    last_owner: Option<Name>,
    /// Text of the last explicit owner, valid for the current origin.
    last_owner_text: Vec<u8>,
    buf: Vec<u8>,
    spans: Vec<Span>,
    tokens: Vec<Token<'static>>,
    rdata: Vec<u8>,
    name_buf: Vec<u8>,
    warnings: Vec<Warning>,
    /// The input ended inside parentheses.
    ended_in_parentheses: bool,
    /// A record took (or found none of) the last TTL this reader started
    /// with: with no `$TTL`, before any record gave a TTL.
    used_inherited_ttl: bool,
    /// A record gave a TTL.
    gave_ttl: bool,
}

/// Reuses a vector's allocation for tokens of another lifetime.
fn recycle<'b>(mut v: Vec<Token<'_>>) -> Vec<Token<'b>> {
    v.clear();
    v.into_iter().map(|_| Token::new(&[], false)).collect()
}

impl ZoneReader {
    /// Opens a zone file; relative names are completed with `origin`.
    pub fn open(path: &Path, origin: &Name) -> Result<ZoneReader, ZoneFileError> {
        let file: Arc<Path> = path.into();
        let source = open_source(path, file.clone(), origin).map_err(|kind| ZoneFileError {
            location: Location { file, line: 0 },
            kind,
        })?;
        Ok(ZoneReader::with_source(source, origin))
    }

    /// Reads zone text held in memory; `source` names it in locations and
    /// is the base for relative `$INCLUDE` paths.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, source: &Path, origin: &Name) -> ZoneReader {
        ZoneReader::from_bytes(text.as_bytes().to_vec(), source, origin)
    }

    /// Like [`ZoneReader::from_str`] for octets that may not be UTF-8.
    pub fn from_bytes(bytes: Vec<u8>, source: &Path, origin: &Name) -> ZoneReader {
        let source = Source {
            reader: Box::new(std::io::Cursor::new(bytes)),
            file: source.into(),
            identity: None,
            line: 0,
            saved_origin: origin.clone(),
            at_start: true,
        };
        ZoneReader::with_source(source, origin)
    }

    fn with_source(source: Source, origin: &Name) -> ZoneReader {
        ZoneReader {
            stack: vec![source],
            origin: origin.clone(),
            dollar_ttl: None,
            last_ttl: None,
            last_owner: None,
            last_owner_text: Vec::new(),
            buf: Vec::with_capacity(4096),
            spans: Vec::with_capacity(64),
            tokens: Vec::with_capacity(64),
            rdata: Vec::with_capacity(1024),
            name_buf: Vec::with_capacity(256),
            warnings: Vec::new(),
            ended_in_parentheses: false,
            used_inherited_ttl: false,
            gave_ttl: false,
        }
    }

    /// Resumes reading a file whose earlier part another reader has read:
    /// `reader` yields the file from an entry boundary on, which is line
    /// `first_line` of `file`, and `state` is that reader's
    /// [`ZoneReader::state`] at the boundary.
    pub fn resume(
        reader: Box<dyn BufRead + Send>,
        file: Arc<Path>,
        first_line: usize,
        state: &ReaderState,
    ) -> ZoneReader {
        let source = Source {
            reader,
            // Found when an $INCLUDE needs it: resuming is done for every
            // piece of a file, and most files include nothing.
            identity: None,
            file,
            line: first_line.saturating_sub(1),
            saved_origin: state.origin.clone(),
            at_start: first_line <= 1,
        };
        let mut reader = ZoneReader::with_source(source, &state.origin);
        reader.dollar_ttl = state.dollar_ttl;
        reader.last_ttl = state.last_ttl;
        reader.last_owner = state.last_owner.clone();
        reader
    }

    /// The state before the first entry of a zone file for `origin`.
    pub fn initial_state(origin: &Name) -> ReaderState {
        ReaderState {
            origin: origin.clone(),
            dollar_ttl: None,
            last_ttl: None,
            last_owner: None,
        }
    }

    /// The state to [`resume`](ZoneReader::resume) from, after the last
    /// entry read.
    pub fn state(&self) -> ReaderState {
        ReaderState {
            origin: self.origin.clone(),
            dollar_ttl: self.dollar_ttl,
            last_ttl: self.last_ttl,
            last_owner: self.last_owner.clone(),
        }
    }

    /// True when the input ended inside parentheses. Reading a piece of a
    /// file, that means the piece was cut inside a multi-line entry.
    pub fn ended_in_parentheses(&self) -> bool {
        self.ended_in_parentheses
    }

    /// True when a record, with no `$TTL` in force, took its TTL from (or
    /// found none in) the state the reader started or resumed with, before
    /// any record gave one: only then does a resumed piece depend on the
    /// last TTL of what came before it (RFC 1035 §5.1).
    pub fn used_inherited_ttl(&self) -> bool {
        self.used_inherited_ttl
    }

    /// True when a record gave a TTL, so [`ZoneReader::state`] holds a last
    /// TTL of this reader's own.
    pub fn gave_ttl(&self) -> bool {
        self.gave_ttl
    }

    /// Warnings so far.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Takes the warnings so far.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The current origin.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    fn location(&self, line: usize) -> Location {
        match self.stack.last() {
            Some(s) => Location {
                file: s.file.clone(),
                line,
            },
            None => Location {
                file: Arc::from(Path::new("")),
                line,
            },
        }
    }

    fn error(&self, line: usize, kind: ZoneFileErrorKind) -> ZoneFileError {
        ZoneFileError {
            location: self.location(line),
            kind,
        }
    }

    /// Reads the next entry (all lines up to balanced parentheses) into
    /// `buf`/`spans`. Returns its first line, or `None` at the end of the
    /// current source.
    fn read_entry(&mut self) -> Result<Option<usize>, ZoneFileError> {
        self.buf.clear();
        self.spans.clear();
        let mut parens = ParenState::default();
        let mut first_line = 0;
        let Some(source) = self.stack.last_mut() else {
            return Ok(None);
        };
        loop {
            let from = self.buf.len();
            // Never buffer more than one overlong entry (binary files may
            // have no newlines at all).
            let limit = (MAX_ENTRY_LEN + 1).saturating_sub(self.buf.len()) as u64;
            let read = (&mut source.reader).take(limit).read_until(b'\n', &mut self.buf);
            let n = match read {
                Ok(n) => n,
                Err(e) => {
                    let kind = ZoneFileErrorKind::Io {
                        path: source.file.to_path_buf(),
                        message: e.to_string(),
                    };
                    let line = source.line + 1;
                    // Give up on this source.
                    source.reader = Box::new(std::io::empty());
                    return Err(self.error(line, kind));
                }
            };
            if n == 0 {
                if parens.depth > 0 {
                    self.ended_in_parentheses = true;
                    let line = parens.open_line;
                    return Err(self.error(
                        line,
                        ZoneFileErrorKind::Syntax("'(' opened here is never closed (unbalanced parentheses)".into()),
                    ));
                }
                return Ok(if self.spans.is_empty() { None } else { Some(first_line) });
            }
            source.line += 1;
            if source.at_start {
                source.at_start = false;
                if self.buf.starts_with(b"\xef\xbb\xbf") {
                    self.buf.drain(..3);
                }
            }
            if from == 0 {
                first_line = source.line;
            }
            if self.buf.len() > MAX_ENTRY_LEN {
                let line = first_line;
                let kind = ZoneFileErrorKind::Syntax(format!(
                    "entry longer than {MAX_ENTRY_LEN} octets (binary data or a missing ')'?)"
                ));
                // Skip the rest of this overlong line.
                if self.buf.last() != Some(&b'\n') {
                    let _ = skip_line(&mut source.reader);
                }
                self.buf.clear();
                self.spans.clear();
                return Err(self.error(line, kind));
            }
            let line = source.line;
            if let Err(e) = lexer::lex(&self.buf, from, line, &mut self.spans, &mut parens) {
                let kind = match e {
                    LexError::Binary(_) | LexError::BadUtf8 => ZoneFileErrorKind::Binary(e.to_string()),
                    _ => ZoneFileErrorKind::Syntax(e.to_string()),
                };
                // Resynchronise: drop this entry; if a '(' was open, skip to
                // its ')' is not knowable, so just restart at the next line.
                self.buf.clear();
                self.spans.clear();
                return Err(self.error(line, kind));
            }
            if parens.depth == 0 {
                if !self.spans.is_empty() {
                    return Ok(Some(first_line));
                }
                // Blank or comment-only line.
                self.buf.clear();
            }
        }
    }

    fn process_entry(&mut self, first_line: usize) -> Result<Option<Record>, ZoneFileErrorKind> {
        let buf = std::mem::take(&mut self.buf);
        let mut tokens = recycle(std::mem::take(&mut self.tokens));
        tokens.extend(self.spans.iter().map(|s| s.token(&buf)));
        let leading_ws = matches!(buf.first(), Some(b' ' | b'\t'));
        // An unescaped '$' cannot start a name, so this is a directive even
        // when indented.
        let result = if tokens[0].text.first() == Some(&b'$') && !tokens[0].quoted {
            self.directive(&tokens).map(|()| None)
        } else {
            self.record(&tokens, leading_ws, first_line).map(Some)
        };
        self.tokens = recycle(tokens);
        self.buf = buf;
        result
    }

    fn parse_name(&mut self, what: &'static str, text: &[u8], lower: bool) -> Result<Name, ZoneFileErrorKind> {
        self.name_buf.clear();
        rdata::encode_name(text, &self.origin, lower, &mut self.name_buf)
            .and_then(|()| Name::from_wire(&self.name_buf))
            .map_err(|error| ZoneFileErrorKind::Name {
                what,
                text: String::from_utf8_lossy(text).into_owned(),
                error,
            })
    }

    fn directive(&mut self, tokens: &[Token<'_>]) -> Result<(), ZoneFileErrorKind> {
        let syntax = |m: String| ZoneFileErrorKind::Syntax(m);
        let name = tokens[0].text;
        let args = &tokens[1..];
        if name.eq_ignore_ascii_case(b"$ORIGIN") {
            let [arg] = args else {
                return Err(syntax("$ORIGIN needs exactly one domain name".into()));
            };
            self.origin = self.parse_name("$ORIGIN", arg.text, false)?;
            self.last_owner_text.clear();
            Ok(())
        } else if name.eq_ignore_ascii_case(b"$TTL") {
            let [arg] = args else {
                return Err(syntax("$TTL needs exactly one TTL".into()));
            };
            let ttl = parse_ttl(arg.text).ok_or_else(|| {
                syntax(format!(
                    "$TTL: expected a TTL (seconds, or units like 1h30m), found '{}'",
                    String::from_utf8_lossy(arg.text)
                ))
            })?;
            self.dollar_ttl = Some(Self::check_ttl(ttl)?);
            Ok(())
        } else if name.eq_ignore_ascii_case(b"$INCLUDE") {
            let (file, origin) = match args {
                [file] => (file, None),
                [file, origin] => (file, Some(origin)),
                _ => return Err(syntax("$INCLUDE needs a file name and an optional origin".into())),
            };
            let new_origin = match origin {
                Some(o) => self.parse_name("$INCLUDE origin", o.text, false)?,
                None => self.origin.clone(),
            };
            let mut decoded = Vec::new();
            crate::rdata::decode_string(file.text, &mut decoded)
                .ok_or_else(|| syntax("$INCLUDE: bad escape in file name".into()))?;
            let rel = PathBuf::from(String::from_utf8_lossy(&decoded).into_owned());
            let path = match self.stack.last().and_then(|s| s.file.parent()) {
                Some(dir) if rel.is_relative() => dir.join(&rel),
                _ => rel,
            };
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                return Err(syntax(format!("$INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep")));
            }
            let mut source = open_source(&path, path.as_path().into(), &self.origin)?;
            if let Some(id) = &source.identity {
                let open_as = |s: &Source| s.identity.clone().or_else(|| std::fs::canonicalize(&s.file).ok());
                if self.stack.iter().any(|s| open_as(s).as_ref() == Some(id)) {
                    return Err(syntax(format!(
                        "$INCLUDE cycle: {} is already being read",
                        path.display()
                    )));
                }
            }
            source.saved_origin = self.origin.clone();
            self.stack.push(source);
            self.origin = new_origin;
            self.last_owner_text.clear();
            Ok(())
        } else {
            Err(syntax(format!(
                "unknown directive '{}' (Signet understands $ORIGIN, $TTL and $INCLUDE)",
                String::from_utf8_lossy(name)
            )))
        }
    }

    /// Refuses a TTL with its top bit set. Resolvers take such a TTL as 0
    /// (RFC 2181 §8) and so does BIND loading the zone, while the RRSIG
    /// would carry it as the original TTL: a typo, never what was meant.
    fn check_ttl(ttl: u32) -> Result<u32, ZoneFileErrorKind> {
        if ttl > MAX_SANE_TTL {
            return Err(ZoneFileErrorKind::Syntax(format!(
                "TTL {ttl} is over 2147483647, the largest RFC 2181 §8 allows (resolvers, and BIND loading \
                 the zone, would take it as 0)"
            )));
        }
        Ok(ttl)
    }

    fn record(&mut self, tokens: &[Token<'_>], leading_ws: bool, line: usize) -> Result<Record, ZoneFileErrorKind> {
        let syntax = |m: String| ZoneFileErrorKind::Syntax(m);
        let mut i = 0;
        let owner = if leading_ws {
            self.last_owner.clone().ok_or_else(|| {
                syntax("the line starts with whitespace but there is no previous owner name to repeat".into())
            })?
        } else {
            let text = tokens[0].text;
            i = 1;
            if tokens[0].quoted {
                return Err(syntax("an owner name cannot be quoted".into()));
            }
            match &self.last_owner {
                Some(last) if !self.last_owner_text.is_empty() && self.last_owner_text == text => last.clone(),
                _ => {
                    let owner = self.parse_name("owner name", text, true)?;
                    self.last_owner_text.clear();
                    self.last_owner_text.extend_from_slice(text);
                    // Most owners hold no '*': only those are split into labels.
                    if text.contains(&b'*') && owner.labels().skip(1).any(|label| label == b"*") {
                        let location = self.location(line);
                        self.warnings.push(Warning {
                            location,
                            message: format!(
                                "{owner} has a '*' label that is not its first: it is not a wildcard, only a \
                                 name with an asterisk in it (RFC 4592 §2.1.1)"
                            ),
                        });
                    }
                    owner
                }
            }
        };
        self.last_owner = Some(owner.clone());
        let (mut ttl, mut class) = (None, None);
        while let Some(t) = tokens.get(i) {
            if t.quoted {
                break;
            }
            if ttl.is_none() && t.text.first().is_some_and(u8::is_ascii_digit) {
                let value = parse_ttl(t.text).ok_or_else(|| {
                    syntax(format!(
                        "expected a TTL (seconds, or units like 1h30m), found '{}'",
                        String::from_utf8_lossy(t.text)
                    ))
                })?;
                ttl = Some(value);
            } else if class.is_none() {
                match class_from(t.text) {
                    Some(c) => class = Some(c),
                    None => break,
                }
            } else {
                break;
            }
            i += 1;
        }
        if let Some(class) = class {
            if class != Class::IN {
                return Err(syntax(format!(
                    "class {class} is not supported: Signet signs class IN zones only"
                )));
            }
        }
        let type_token = tokens.get(i).ok_or_else(|| {
            syntax("missing record type (expected e.g. A, NS or TXT after the owner, TTL and class)".into())
        })?;
        let rtype = Some(type_token)
            .filter(|t| !t.quoted)
            .and_then(|t| t.as_str())
            .and_then(Rtype::from_mnemonic)
            .ok_or_else(|| {
                let found = String::from_utf8_lossy(type_token.text);
                let hint = if type_token.text.first().is_some_and(u8::is_ascii_digit) {
                    if ttl.is_some() {
                        " (a second TTL, or RDATA with the type left out?)"
                    } else {
                        ""
                    }
                } else if class.is_some() && class_from(type_token.text).is_some() {
                    " (a second class?)"
                } else {
                    " (is the type missing?)"
                };
                syntax(format!("expected a record type, found '{found}'{hint}"))
            })?;
        if rtype.is_meta() || rtype.0 == 0 {
            return Err(syntax(format!("type {rtype} cannot appear in a zone file")));
        }
        let ttl = match ttl {
            Some(t) => {
                Self::check_ttl(t)?;
                self.last_ttl = Some(t);
                self.gave_ttl = true;
                t
            }
            None => {
                if self.dollar_ttl.is_none() && !self.gave_ttl {
                    self.used_inherited_ttl = true;
                }
                self.dollar_ttl
                    .or(self.last_ttl)
                    .ok_or_else(|| syntax("no TTL given and no $TTL".into()))?
            }
        };
        self.rdata.clear();
        rdata::parse_rdata_into(rtype, &tokens[i + 1..], &self.origin, &mut self.rdata)
            .map_err(ZoneFileErrorKind::Rdata)?;
        Ok(Record {
            owner,
            class: Class::IN,
            ttl,
            rtype,
            rdata: self.rdata.as_slice().into(),
        })
    }
}

/// Up to `pieces - 1` offsets in `text`, in increasing order, spread
/// evenly, each at the start of a line that begins a record with an
/// explicit owner (not blank, not a comment, not a directive, not a
/// continuation starting with whitespace). Reading from such a line needs
/// no previous owner — provided the line is not inside parentheses, which
/// only reading the preceding text can tell: a reader of the piece before
/// a split point that [`ended_in_parentheses`](ZoneReader::ended_in_parentheses)
/// shows the point was inside an entry.
pub fn split_points(text: &[u8], pieces: usize) -> Vec<usize> {
    let mut points = Vec::new();
    let step = text.len() / pieces.max(1);
    if step == 0 {
        return points;
    }
    let mut at = step;
    while at < text.len() {
        let Some(point) = next_owner_line(text, at) else {
            break;
        };
        points.push(point);
        at = (point + step).max(at + step);
    }
    points
}

/// The first line start at or after `from` (not counting `from` itself
/// unless a line starts there) whose first octet can begin an owner name.
pub fn next_owner_line(text: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    if at > 0 && text.get(at - 1) != Some(&b'\n') {
        at += text.get(at..)?.iter().position(|&b| b == b'\n')? + 1;
    }
    loop {
        match text.get(at)? {
            b' ' | b'\t' | b';' | b'$' | b'\n' | b'\r' | b'(' | b')' | b'"' => {
                at += text.get(at..)?.iter().position(|&b| b == b'\n')? + 1;
            }
            _ => return Some(at),
        }
    }
}

/// `IN`, `CH`, `HS`, `CLASSnnn`, without allocating for the common case.
fn class_from(text: &[u8]) -> Option<Class> {
    if text.eq_ignore_ascii_case(b"IN") {
        return Some(Class::IN);
    }
    if text.len() > 10 {
        return None;
    }
    std::str::from_utf8(text).ok().and_then(Class::from_mnemonic)
}

/// Discards input up to and including the next newline.
fn skip_line(reader: &mut dyn BufRead) -> std::io::Result<()> {
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(pos) = chunk.iter().position(|&b| b == b'\n') {
            reader.consume(pos + 1);
            return Ok(());
        }
        let len = chunk.len();
        reader.consume(len);
    }
}

/// Opens a zone file for reading, refusing directories, with the errors
/// [`ZoneReader::open`] gives.
pub fn open_file(path: &Path) -> Result<File, ZoneFileError> {
    open_handle(path).map_err(|kind| ZoneFileError {
        location: Location {
            file: path.into(),
            line: 0,
        },
        kind,
    })
}

fn open_handle(path: &Path) -> Result<File, ZoneFileErrorKind> {
    let io_error = |e: std::io::Error| ZoneFileErrorKind::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let handle = File::open(path).map_err(io_error)?;
    if handle.metadata().map_err(io_error)?.is_dir() {
        return Err(ZoneFileErrorKind::Io {
            path: path.to_path_buf(),
            message: "is a directory".into(),
        });
    }
    Ok(handle)
}

fn open_source(path: &Path, file: Arc<Path>, origin: &Name) -> Result<Source, ZoneFileErrorKind> {
    let handle = open_handle(path)?;
    Ok(Source {
        reader: Box::new(BufReader::with_capacity(BUFFER_SIZE, handle)),
        file,
        identity: std::fs::canonicalize(path).ok(),
        line: 0,
        saved_origin: origin.clone(),
        at_start: true,
    })
}

impl Iterator for ZoneReader {
    type Item = Result<Entry, ZoneFileError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let first_line = match self.read_entry() {
                Err(e) => return Some(Err(e)),
                Ok(Some(line)) => line,
                Ok(None) => {
                    let done = self.stack.pop()?;
                    if self.stack.is_empty() {
                        return None;
                    }
                    self.origin = done.saved_origin;
                    self.last_owner_text.clear();
                    continue;
                }
            };
            // The source may change during processing ($INCLUDE), so take
            // the location first.
            let location = self.location(first_line);
            match self.process_entry(first_line) {
                Ok(Some(record)) => return Some(Ok(Entry { record, location })),
                Ok(None) => {}
                Err(kind) => return Some(Err(ZoneFileError { location, kind })),
            }
        }
    }
}
