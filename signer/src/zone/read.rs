//! Reading a zone file on all threads.
//!
//! Parsing a 1 M-delegation TLD (170 MB of text) on one thread takes over a
//! second while every other core waits, so the file is read in windows of
//! [`WINDOW`] octets, and each window is cut into pieces read in parallel.
//! Pieces start at lines that begin a record with an explicit owner
//! ([`split_points`]); each piece's reader is resumed from the state
//! ($ORIGIN, $TTL, last TTL and owner) the previous window ended in.
//!
//! A piece's result only stands if every piece before it in the window
//! ended outside parentheses (else the cut fell inside a multi-line entry)
//! and left what the piece depends on as it was at the window's start:
//! `$ORIGIN` and `$TTL` always, and — with no `$TTL` — the last TTL given,
//! if the piece has a record without a TTL before its first TTL (RFC 1035
//! §5.1). When that fails, the window is read again by one
//! reader — and if even the window's end falls inside an entry, the rest
//! of the file is. So the records, warnings and first error are always
//! exactly those of reading the file from start to end with one reader.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use super::locations::{Files, Line};
use keybundles::zonefile::Location;
use keybundles::zonefile::{
    next_owner_line, open_file, split_points, Entry, ReaderState, Warning, ZoneFileError, ZoneFileErrorKind, ZoneReader,
};
use keybundles::{Name, Record};
use rayon::prelude::*;

/// Octets read per window: large enough to give every thread several
/// pieces, small next to the parsed zone (which is what takes memory).
const WINDOW: usize = 32 << 20;
/// Pieces per thread and window, so uneven pieces even out.
const PIECES_PER_THREAD: usize = 4;

/// The records of a zone file, and where each was read.
#[derive(Debug, Default, PartialEq)]
pub struct ReadRecords {
    pub records: Vec<Record>,
    /// `files.location(lines[i])` is where `records[i]` was read. Kept
    /// apart so that it can be dropped after the checks without copying
    /// the records.
    pub lines: Vec<Line>,
    pub files: Files,
    pub warnings: Vec<Warning>,
    /// False when the caller has no use for `lines` (a signed zone read
    /// whole): they are then not kept, which saves 8 octets of fresh
    /// memory per record.
    keep_locations: bool,
}

/// Every record of the zone file at `path` (relative names completed with
/// `origin`), and the reader's warnings.
pub fn read_records(path: &Path, origin: &Name) -> Result<ReadRecords, ZoneFileError> {
    read_in_windows(open_file(path)?, path, origin, WINDOW, true, &mut Paths::default())
}

/// [`read_records`] without the locations (`lines` is left empty), for
/// callers that report problems by owner name, not by line: the verifier
/// and the reading of a previous signed zone.
pub fn read_records_unlocated(path: &Path, origin: &Name) -> Result<ReadRecords, ZoneFileError> {
    read_in_windows(open_file(path)?, path, origin, WINDOW, false, &mut Paths::default())
}

/// [`read_records_unlocated`] for zone-file text already in memory (a
/// zone about to be published, read back the way a server will read it);
/// `name` is the file it stands for, in errors and for `$INCLUDE`.
pub fn read_text_unlocated(text: Arc<Vec<u8>>, name: &Path, origin: &Name) -> Result<ReadRecords, ZoneFileError> {
    read_in_windows(
        Cursor::new(SharedText(text)),
        name,
        origin,
        WINDOW,
        false,
        &mut Paths::default(),
    )
}

/// Octets a reader can own while the caller keeps them too.
struct SharedText(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// How the windows were read (for tests: proof the parallel path runs).
#[derive(Debug, Default)]
struct Paths {
    in_pieces: usize,
    retried_whole: usize,
    rest_by_one_reader: usize,
}

/// Reads `file` — the zone file `path`, opened, or its text — window by
/// window.
fn read_in_windows<R: Read + Send + 'static>(
    mut file: R,
    path: &Path,
    origin: &Name,
    window_size: usize,
    keep_locations: bool,
    paths: &mut Paths,
) -> Result<ReadRecords, ZoneFileError> {
    let file_name: Arc<Path> = path.into();
    let io_error = |e: std::io::Error, line: usize| ZoneFileError {
        location: Location {
            file: file_name.clone(),
            line,
        },
        kind: ZoneFileErrorKind::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    };
    let mut out = Output {
        keep_locations,
        files: Files::new(file_name.clone()),
        ..Output::default()
    };
    let mut state = ZoneReader::initial_state(origin);
    let mut pending: Vec<u8> = Vec::with_capacity(window_size + (window_size >> 2));
    let mut line = 1usize;
    let mut eof = false;
    let mut first = true;
    // The previous window's pieces, moved into `out` while this window is
    // parsed (see `overlapped`).
    let mut deferred: Option<Vec<Piece>> = None;
    // The buffer the next window is read into, reused window after window.
    let mut spare: Vec<u8> = Vec::new();
    loop {
        // (After the first window, the octets were read beside parsing.)
        fill(&mut file, &mut pending, window_size, &mut eof).map_err(|e| io_error(e, line))?;
        if pending.is_empty() {
            break;
        }
        // Cut the window at an owner line in its last quarter (all of it
        // at the end of the file).
        let cut = if eof {
            Some(pending.len())
        } else {
            next_owner_line(&pending, pending.len() - pending.len() / 4)
        };
        let Some(cut) = cut else {
            // No place to cut (an entry longer than a quarter window?):
            // one reader for the rest.
            flush(&mut out, &mut deferred)?;
            paths.rest_by_one_reader += 1;
            return read_rest_serially(pending, file, &file_name, line, &state, out);
        };
        // The first window's header ($ORIGIN, $TTL, comments before the
        // first record) is read on its own: its directives set the state
        // every piece starts from.
        let mut start = 0;
        if first {
            first = false;
            let header_end = next_owner_line(&pending[..cut], 0).unwrap_or(cut);
            let header = read_piece(&pending[..header_end], &file_name, line, &state);
            match out.accept_serial(header, eof && header_end == cut) {
                Some(Ok(next)) => state = next,
                Some(Err(error)) => return Err(error),
                None => return read_rest_serially(pending, file, &file_name, line, &state, out),
            }
            line += count_lines(&pending[..header_end]);
            start = header_end;
        }
        // What follows the window is the start of the next one.
        let mut next = std::mem::take(&mut spare);
        next.clear();
        next.extend_from_slice(&pending[cut..]);
        let window = &pending[start..cut];
        let window_is_last = eof && cut == pending.len();
        let (result, background) = overlapped(
            || read_window(window, &file_name, line, &state, window_is_last),
            || {
                let accepted = flush(&mut out, &mut deferred);
                let filled = fill(&mut file, &mut next, window_size, &mut eof);
                (accepted, filled, count_lines(window))
            },
        );
        let (accepted, filled, window_lines) = background;
        accepted?;
        match result {
            WindowResult::Read(pieces) => {
                paths.in_pieces += 1;
                if pieces.iter().any(|piece| piece.error.is_some()) {
                    out.accept_pieces(pieces)?;
                } else {
                    state = pieces.last().map_or(state, |piece| piece.state.clone());
                    deferred = Some(pieces);
                }
            }
            WindowResult::Retry => {
                paths.retried_whole += 1;
                let piece = read_piece(window, &file_name, line, &state);
                match out.accept_serial(piece, window_is_last) {
                    Some(Ok(next)) => state = next,
                    Some(Err(error)) => return Err(error),
                    None => {
                        // The rest of the file, from this window on, by one
                        // reader: the next window's octets are already read.
                        pending.truncate(cut);
                        pending.drain(..start);
                        pending.extend_from_slice(&next);
                        paths.rest_by_one_reader += 1;
                        return read_rest_serially(pending, file, &file_name, line, &state, out);
                    }
                }
            }
        }
        line += window_lines;
        filled.map_err(|e| io_error(e, line))?;
        spare = std::mem::replace(&mut pending, next);
    }
    flush(&mut out, &mut deferred)?;
    Ok(out)
}

/// Runs `parse` (which spreads over the rayon pool) and, beside it on a
/// thread of its own, `serial`: moving the previous window's records into
/// place and reading the next window's octets, work that would otherwise
/// leave every core but one idle between windows.
fn overlapped<A: Send, B: Send>(parse: impl FnOnce() -> A + Send, serial: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let background = scope.spawn(serial);
        let parsed = parse();
        let serial_result = match background.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (parsed, serial_result)
    })
}

/// Reads from `file` until `buffer` holds `window_size` octets or the file
/// ends.
fn fill(file: &mut impl Read, buffer: &mut Vec<u8>, window_size: usize, eof: &mut bool) -> std::io::Result<()> {
    while !*eof && buffer.len() < window_size {
        let want = window_size - buffer.len();
        let read = file.by_ref().take(want as u64).read_to_end(buffer)?;
        *eof = read == 0;
    }
    Ok(())
}

/// Moves deferred pieces into `out`.
fn flush(out: &mut Output, deferred: &mut Option<Vec<Piece>>) -> Result<(), ZoneFileError> {
    match deferred.take() {
        Some(pieces) => out.accept_pieces(pieces).map(|_| ()),
        None => Ok(()),
    }
}

/// What has been read so far. Pieces are moved in window by window, so
/// only two windows' pieces (one being parsed, one being moved in) exist
/// beside it.
type Output = ReadRecords;

impl ReadRecords {
    fn push(&mut self, entry: Entry) {
        if self.keep_locations {
            let line = self.files.line(&entry.location);
            self.lines.push(line);
        }
        self.records.push(entry.record);
    }

    /// Moves a piece's records (and their lines) to the end.
    fn append(&mut self, piece: &mut Piece) {
        if self.keep_locations {
            self.files.adopt(&piece.files, &mut piece.lines);
            self.lines.append(&mut piece.lines);
        }
        self.records.append(&mut piece.records);
    }

    /// Takes a piece read alone: its error if it has one, `None` if it
    /// ended inside parentheses before the end of the file (the caller
    /// must read on across the cut), else the state after it.
    fn accept_serial(&mut self, mut piece: Piece, is_last: bool) -> Option<Result<ReaderState, ZoneFileError>> {
        if piece.ended_in_parentheses && !is_last {
            return None;
        }
        if let Some(error) = piece.error {
            return Some(Err(error));
        }
        self.append(&mut piece);
        self.warnings.extend(piece.warnings);
        Some(Ok(piece.state))
    }

    /// Takes the pieces of a window that [`read_window`] found consistent;
    /// returns the state after the last one.
    fn accept_pieces(&mut self, pieces: Vec<Piece>) -> Result<Option<ReaderState>, ZoneFileError> {
        let mut state = None;
        for mut piece in pieces {
            if let Some(error) = piece.error {
                return Err(error);
            }
            self.append(&mut piece);
            self.warnings.extend(piece.warnings);
            state = Some(piece.state);
        }
        Ok(state)
    }
}

/// One piece's reading.
struct Piece {
    records: Vec<Record>,
    /// Where each record was read, against `files`.
    lines: Vec<Line>,
    files: Files,
    warnings: Vec<Warning>,
    /// The first error; reading stops there.
    error: Option<ZoneFileError>,
    ended_in_parentheses: bool,
    /// The piece depends on the last TTL given before it (see
    /// [`ZoneReader::used_inherited_ttl`]).
    used_inherited_ttl: bool,
    /// The piece gave a TTL of its own.
    gave_ttl: bool,
    /// The state after the piece (after its error, if it has one).
    state: ReaderState,
}

enum WindowResult {
    /// Every piece stands (errors included).
    Read(Vec<Piece>),
    /// A cut fell inside an entry or after a directive: read it again whole.
    Retry,
}

/// Reads `window` (starting at line `line`) in pieces, in parallel.
fn read_window(window: &[u8], file: &Arc<Path>, line: usize, state: &ReaderState, is_last: bool) -> WindowResult {
    let mut bounds = vec![0];
    bounds.extend(split_points(window, rayon::current_num_threads() * PIECES_PER_THREAD));
    bounds.push(window.len());
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    let lines: Vec<usize> = ranges.par_iter().map(|&(s, e)| count_lines(&window[s..e])).collect();
    let first_lines: Vec<usize> = lines
        .iter()
        .scan(line, |next, n| {
            let first = *next;
            *next += n;
            Some(first)
        })
        .collect();
    let mut pieces: Vec<Piece> = ranges
        .par_iter()
        .zip(first_lines.par_iter())
        .map(|(&(s, e), &first_line)| read_piece(&window[s..e], file, first_line, state))
        .collect();
    let count = pieces.len();
    // Every piece was read from the window's `state`. Piece i stands when
    // what it depends on is the same in the state the pieces before it
    // really leave: $ORIGIN and $TTL always; the last TTL given only if
    // it took one from there (Signet's own output, with a TTL on every
    // line and no $TTL, never does).
    let mut true_start = state.clone();
    for (i, piece) in pieces.iter_mut().enumerate() {
        let last = i + 1 == count;
        if piece.ended_in_parentheses && !(last && is_last) {
            return WindowResult::Retry;
        }
        let stands = if piece.used_inherited_ttl {
            true_start.same_context(state)
        } else {
            true_start.same_directives(state)
        };
        if !stands {
            return WindowResult::Retry;
        }
        if !piece.gave_ttl {
            piece.state.inherit_last_ttl(&true_start);
        }
        if piece.error.is_some() {
            // Everything before this piece stands, so its error is the
            // one a single reader would have stopped at.
            break;
        }
        true_start = piece.state.clone();
    }
    WindowResult::Read(pieces)
}

/// Reads one piece of text, which is line `first_line` of `file` on.
fn read_piece(text: &[u8], file: &Arc<Path>, first_line: usize, state: &ReaderState) -> Piece {
    let source: Box<dyn BufRead + Send> = Box::new(Cursor::new(text.to_vec()));
    // A copy of the file name per piece: every record holds a reference
    // to it, and one counter shared by all threads would bounce between
    // their caches millions of times.
    let own_name: Arc<Path> = Arc::from(&**file);
    let mut files = Files::new(own_name.clone());
    let mut reader = ZoneReader::resume(source, own_name, first_line, state);
    let mut records = Vec::with_capacity(text.len() / 50);
    let mut lines = Vec::with_capacity(text.len() / 50);
    let mut error = None;
    for entry in reader.by_ref() {
        match entry {
            Ok(Entry { record, location }) => {
                lines.push(files.line(&location));
                records.push(record);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Piece {
        records,
        lines,
        files,
        warnings: reader.take_warnings(),
        error,
        ended_in_parentheses: reader.ended_in_parentheses(),
        used_inherited_ttl: reader.used_inherited_ttl(),
        gave_ttl: reader.gave_ttl(),
        state: reader.state(),
    }
}

/// Reads `pending` and the rest of `file` with one reader.
fn read_rest_serially(
    pending: Vec<u8>,
    file: impl Read + Send + 'static,
    file_name: &Arc<Path>,
    line: usize,
    state: &ReaderState,
    mut out: Output,
) -> Result<ReadRecords, ZoneFileError> {
    let rest = Cursor::new(pending).chain(file);
    let source: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(1 << 20, rest));
    let mut reader = ZoneReader::resume(source, file_name.clone(), line, state);
    for entry in reader.by_ref() {
        out.push(entry?);
    }
    out.warnings.extend(reader.take_warnings());
    Ok(out)
}

/// Newlines in `text`: a vectorised search (a window is 32 MB; counting
/// octet by octet was a tenth of reading a zone).
fn count_lines(text: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', text).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ReadRecords {
        fn locations(&self) -> Vec<Location> {
            self.lines.iter().map(|&line| self.files.location(line)).collect()
        }
    }

    /// What one reader makes of the file, start to end, stopping at the
    /// first error as `zone::load` does.
    fn read_serially(path: &Path, origin: &Name) -> Result<ReadRecords, ZoneFileError> {
        let mut reader = ZoneReader::open(path, origin)?;
        let mut out = ReadRecords {
            keep_locations: true,
            ..ReadRecords::default()
        };
        for entry in reader.by_ref() {
            out.push(entry?);
        }
        out.warnings = reader.take_warnings();
        Ok(out)
    }

    /// A zone with every cross-line dependency the pieces must respect:
    /// parentheses over many lines (some holding quotes, `;` and `(`),
    /// owners carried over by leading whitespace, inherited TTLs with no
    /// $TTL, $TTL and $ORIGIN changing mid-file, an $INCLUDE, CRLF lines.
    fn tricky_zone(dir: &Path, blocks: usize) -> String {
        std::fs::write(dir.join("inc.zone"), "included 300 A 192.0.2.99\n  TXT \"in\"\n").unwrap();
        let mut text =
            String::from("\u{feff}; header\n$ORIGIN example.\n@ 3600 IN SOA ns1 host (\n 1 2 3 4 5 )\n@ NS ns1\n");
        for i in 0..blocks {
            text.push_str(&format!("n{i} A 192.0.2.1\n   AAAA 2001:db8::1\n"));
            text.push_str(&format!("t{i} TXT ( \"a ( b ; c\"\n  \"d\" )\n"));
            text.push_str(&format!("m{i} MX (\n 10\n\n ; comment inside\n mail{i} )\r\n"));
            if i % 5 == 4 {
                text.push_str(&format!("e{i} {} A 192.0.2.5\n", 200 + i));
            }
            if i % 6 == 5 {
                // Not a wildcard: the reader warns, wherever the piece is.
                text.push_str(&format!("x.*.w{i} A 192.0.2.6\n"));
            }
            match i % 7 {
                0 => text.push_str(&format!("$TTL {}\n", 100 + i)),
                1 => text.push_str(&format!("$ORIGIN sub{i}.example.\n")),
                2 => text.push_str("$ORIGIN example.\n"),
                3 => text.push_str("$INCLUDE inc.zone\n"),
                _ => {}
            }
        }
        text
    }

    fn check_same(text: &str, name: &str) -> Paths {
        let mut paths = Paths::default();
        let dir = tempfile::tempdir().unwrap();
        let _ = tricky_zone(dir.path(), 0);
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let origin: Name = "example.".parse().unwrap();
        let serial = read_serially(&path, &origin);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        for window in [16, 37, 100, 333, 1000, 4096, 1 << 20] {
            let parallel = pool.install(|| {
                open_file(&path).and_then(|f| read_in_windows(f, &path, &origin, window, true, &mut paths))
            });
            match (&serial, &parallel) {
                (Ok(s), Ok(p)) => {
                    assert_eq!(s.records, p.records, "records, window {window}");
                    let wildcards = s.records.iter().filter(|r| r.owner.to_string().contains(".*.")).count();
                    assert_eq!(s.warnings.len(), wildcards, "{:?}", s.warnings);
                    assert_eq!(s.locations(), p.locations(), "locations, window {window}");
                    assert_eq!(
                        format!("{:?}", s.warnings),
                        format!("{:?}", p.warnings),
                        "warnings, window {window}"
                    );
                }
                (Err(s), Err(p)) => assert_eq!(s.to_string(), p.to_string(), "error, window {window}"),
                _ => panic!("window {window}: serial {serial:?} but in pieces {parallel:?}"),
            }
            let unlocated = pool.install(|| {
                open_file(&path).and_then(|f| read_in_windows(f, &path, &origin, window, false, &mut paths))
            });
            match (&parallel, &unlocated) {
                (Ok(p), Ok(u)) => {
                    assert_eq!(p.records, u.records, "records without locations, window {window}");
                    assert!(u.lines.is_empty(), "locations kept, window {window}");
                }
                (Err(p), Err(u)) => assert_eq!(p.to_string(), u.to_string(), "error, window {window}"),
                _ => panic!("window {window}: with locations {parallel:?}, without {unlocated:?}"),
            }
            // The same text from memory, as `signer publish` reads back
            // what it is about to publish.
            let shared = Cursor::new(SharedText(Arc::new(text.as_bytes().to_vec())));
            let in_memory = pool.install(|| read_in_windows(shared, &path, &origin, window, false, &mut paths));
            match (&unlocated, &in_memory) {
                (Ok(u), Ok(m)) => assert_eq!(u.records, m.records, "records from memory, window {window}"),
                (Err(u), Err(m)) => assert_eq!(u.to_string(), m.to_string(), "error from memory, window {window}"),
                _ => panic!("window {window}: from the file {unlocated:?}, from memory {in_memory:?}"),
            }
        }
        paths
    }

    #[test]
    fn pieces_read_like_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let text = tricky_zone(dir.path(), 60);
        let paths = check_same(&text, "zone");
        // Every way through the windows is taken, one after another: in
        // pieces (the records moved into place while the next window is
        // parsed), a window re-read whole, the rest of the file by one
        // reader.
        assert!(
            paths.in_pieces > 0 && paths.retried_whole > 0 && paths.rest_by_one_reader > 0,
            "{paths:?}"
        );
        // Inherited TTLs without $TTL: every piece depends on the last.
        let no_ttl = text.replace("$TTL", "; no $TTL");
        check_same(&no_ttl, "zone");
        // Big uniform zone: most windows really are read in pieces.
        let mut plain = String::from("$ORIGIN example.\n$TTL 300\n@ SOA ns1 host 1 2 3 4 5\n@ NS ns1\n");
        for i in 0..3000 {
            plain.push_str(&format!("d{i} NS ns1.d{i}\nns1.d{i} A 192.0.2.{}\n", i % 250));
        }
        let paths = check_same(&plain, "zone");
        assert!(
            paths.in_pieces > 20 && paths.retried_whole < paths.in_pieces,
            "{paths:?}"
        );
        // Signet's own output: no $TTL, a TTL on every line, TTLs that
        // differ. No piece depends on the one before, so none is re-read.
        let mut signed = String::from("example. 3600 IN SOA ns1 host 1 2 3 4 5\nexample. 3600 IN NS ns1\n");
        for i in 0..3000 {
            signed.push_str(&format!("d{i}.example. {} IN NS ns1.d{i}\n", 100 + i % 7));
        }
        let paths = check_same(&signed, "zone");
        assert!(paths.in_pieces > 20 && paths.retried_whole == 0, "{paths:?}");
        // The same with, now and then, a record that takes the last TTL:
        // those pieces must see the TTL the piece before them left.
        let mut inheriting = signed.clone();
        for i in (0..3000).step_by(97) {
            inheriting = inheriting.replace(
                &format!("d{i}.example. {} IN NS", 100 + i % 7),
                &format!("d{i}.example. IN NS"),
            );
        }
        check_same(&inheriting, "zone");
    }

    #[test]
    fn pieces_report_the_first_error_like_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let text = tricky_zone(dir.path(), 60);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for bad_line in [7, lines.len() / 2, lines.len() - 2] {
            let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            broken[bad_line] = "bad A 300.0.0.1\n".into();
            check_same(&broken.concat(), "zone");
        }
        // A parenthesis that never closes, near the end.
        check_same(&format!("{text}late MX ( 10\n mail\n"), "zone");
        // An error both early and late: the early one wins.
        check_same(&format!("{}\nworse A\n", text.replacen("n3 A", "n3 BOGUS", 1)), "zone");
    }
}
