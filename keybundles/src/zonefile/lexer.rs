//! The master-file lexer (RFC 1035 §5.1).
//!
//! Tokens borrow from the reader's line buffer and keep their backslash
//! escapes undecoded: a name decodes `\.` as a dot inside a label while a
//! character string decodes it as a plain dot, so only the consumer knows
//! how to decode. Quoted tokens have their quotes removed.

/// One token of a master-file entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The raw octets, escapes (`\X`, `\DDD`) not yet decoded; without the
    /// surrounding quotes for a quoted token. Unquoted tokens are UTF-8;
    /// quoted ones may hold any octets but control characters.
    pub text: &'a [u8],
    /// True when the token was written in double quotes.
    pub quoted: bool,
}

impl<'a> Token<'a> {
    pub fn new(text: &'a [u8], quoted: bool) -> Token<'a> {
        Token { text, quoted }
    }

    /// An unquoted token (handy in tests).
    pub fn plain(text: &'a str) -> Token<'a> {
        Token::new(text.as_bytes(), false)
    }

    /// The text, when it is UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.text).ok()
    }
}

/// Where a token lies in the line buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    start: u32,
    end: u32,
    quoted: bool,
}

impl Span {
    pub(crate) fn token<'a>(&self, buf: &'a [u8]) -> Token<'a> {
        Token {
            text: &buf[self.start as usize..self.end as usize],
            quoted: self.quoted,
        }
    }
}

/// Parenthesis state carried across the lines of one entry.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ParenState {
    pub depth: u32,
    /// Line of the outermost open parenthesis.
    pub open_line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LexError {
    #[error("binary data: control character 0x{0:02x} (this does not look like a zone file; write non-printable octets as \\DDD)")]
    Binary(u8),
    #[error("binary data: invalid UTF-8 outside a quoted string")]
    BadUtf8,
    #[error("unterminated quoted string (a string must end with \" on the line where it starts)")]
    UnterminatedQuote,
    #[error("')' without a matching '('")]
    UnbalancedClose,
    #[error("backslash at the end of a line")]
    TrailingBackslash,
    #[error("'(' without a matching ')'")]
    UnclosedParen,
}

/// Octets that may appear in an unquoted token with no special meaning.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0x21;
    while c < 0x7f {
        table[c] = !matches!(c as u8, b'"' | b'\\' | b';' | b'(' | b')');
        c += 1;
    }
    table
};

fn is_control(c: u8) -> bool {
    (c < 0x20 && c != b'\t' && c != b'\r' && c != b'\n') || c == 0x7f
}

/// Scans the end of a quoted string starting after its opening quote;
/// returns the index of the closing quote.
fn scan_quoted(buf: &[u8], mut j: usize) -> Result<usize, LexError> {
    loop {
        match *buf.get(j).ok_or(LexError::UnterminatedQuote)? {
            b'"' => return Ok(j),
            b'\\' => {
                match buf.get(j + 1) {
                    None | Some(b'\n') => return Err(LexError::UnterminatedQuote),
                    Some(&c) if is_control(c) && c != b'\t' => return Err(LexError::Binary(c)),
                    _ => {}
                }
                j += 2;
            }
            b'\n' => return Err(LexError::UnterminatedQuote),
            c if is_control(c) || c == b'\r' => {
                if c == b'\r' && buf.get(j + 1) == Some(&b'\n') {
                    return Err(LexError::UnterminatedQuote);
                }
                return Err(LexError::Binary(c));
            }
            _ => j += 1,
        }
    }
}

/// Splits `buf[from..]` (one or more lines) into token spans, tracking
/// parentheses; `line` is the number of the first line, for `open_line`.
pub(crate) fn lex(
    buf: &[u8],
    from: usize,
    mut line: usize,
    spans: &mut Vec<Span>,
    parens: &mut ParenState,
) -> Result<(), LexError> {
    let n = buf.len();
    let mut i = from;
    while i < n {
        match buf[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b';' => {
                while i < n && buf[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                if parens.depth == 0 {
                    parens.open_line = line;
                }
                parens.depth += 1;
                i += 1;
            }
            b')' => {
                if parens.depth == 0 {
                    return Err(LexError::UnbalancedClose);
                }
                parens.depth -= 1;
                i += 1;
            }
            b'"' => {
                let end = scan_quoted(buf, i + 1)?;
                spans.push(Span {
                    start: (i + 1) as u32,
                    end: end as u32,
                    quoted: true,
                });
                i = end + 1;
            }
            _ => {
                let start = i;
                let mut ascii = true;
                while i < n {
                    // Fast path: printable ASCII that is no delimiter.
                    while i < n && PLAIN[buf[i] as usize] {
                        i += 1;
                    }
                    if i == n {
                        break;
                    }
                    let c = buf[i];
                    match c {
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' => break,
                        b'\\' => {
                            match buf.get(i + 1) {
                                None | Some(b'\n' | b'\r') => return Err(LexError::TrailingBackslash),
                                Some(&c) if is_control(c) => return Err(LexError::Binary(c)),
                                Some(&c) if c >= 0x80 => ascii = false,
                                _ => {}
                            }
                            i += 2;
                        }
                        // A quoted part inside a token, as in alpn="h2,h3".
                        b'"' => i = scan_quoted(buf, i + 1)? + 1,
                        c if is_control(c) => return Err(LexError::Binary(c)),
                        0x80.. => {
                            ascii = false;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                if !ascii && std::str::from_utf8(&buf[start..i]).is_err() {
                    return Err(LexError::BadUtf8);
                }
                spans.push(Span {
                    start: start as u32,
                    end: i as u32,
                    quoted: false,
                });
            }
        }
    }
    Ok(())
}

/// Tokenises a whole text (for [`crate::rdata::parse_rdata_str`]).
pub(crate) fn lex_all(text: &[u8]) -> Result<Vec<Span>, LexError> {
    if text.len() > u32::MAX as usize {
        return Err(LexError::UnterminatedQuote);
    }
    let mut spans = Vec::new();
    let mut parens = ParenState::default();
    lex(text, 0, 1, &mut spans, &mut parens)?;
    if parens.depth != 0 {
        return Err(LexError::UnclosedParen);
    }
    Ok(spans)
}
