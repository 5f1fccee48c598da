//! A signed zone file as text, indexed by owner name without parsing it.
//!
//! Re-signing from a diff copies most of the previous signed zone as it
//! is; only the names near a change are parsed. That needs the file in
//! the form Signet writes it: one record per line, each with its absolute
//! owner and tab-separated fields, names in canonical order (RFC 4034
//! §6.1), the records of a name together, and Signet's end line last
//! ([`crate::zone::end_line`]), so that a copy cut short is never taken
//! for a smaller zone. One pass on all cores finds where each name
//! starts, checks that form, and notes what is in each name's RRSIGs
//! (times, key tags) — enough to know which names need new signatures,
//! without decoding a single one.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use keybundles::Name;
use memchr::memchr;
use rayon::prelude::*;

pub use super::keep_rule::KeepRule;
use super::keep_rule::TextRule;
use crate::zone::end_line;

/// Why a file cannot be re-signed by splicing (it can still be re-signed whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSpliceable(pub String);

/// One owner name of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextNode {
    /// Byte offset of the name's first line.
    pub offset: usize,
    /// Line number (from 1) of that line.
    pub line: u32,
    /// The name has an NSEC record: it is in the NSEC chain.
    pub has_nsec: bool,
    /// The name owns an NSEC3 record (it is a hashed name).
    pub has_nsec3: bool,
    /// One of its signatures must be made again: due for refresh, not yet
    /// valid, or by a key that no longer signs.
    pub due: bool,
    /// The owner is a plain name ([`is_plain_name`]), compared as text.
    pub plain: bool,
}

/// The octets of a signed zone file.
pub enum Contents {
    /// Mapped from the file: most of a signed TLD is copied to the output
    /// without being looked at twice, so it is never copied into this
    /// process's memory first (on a VM, fresh memory for 400 MB cost more
    /// than everything else a re-signing does).
    Mapped {
        map: memmap2::Mmap,
        file: std::fs::File,
    },
    Owned(Vec<u8>),
}

impl std::ops::Deref for Contents {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Contents::Mapped { map, .. } => map,
            Contents::Owned(bytes) => bytes,
        }
    }
}

/// A signed zone file in memory with an index of its names.
pub struct SignedText {
    pub path: PathBuf,
    pub bytes: Contents,
    pub nodes: Vec<TextNode>,
    /// Where the records end: the offset of the end line
    /// ([`crate::zone::end_line`]), which is not a node.
    pub end: usize,
    /// RRSIG records in the file.
    pub signatures: usize,
    /// The file has NSEC3 or NSEC3PARAM records.
    pub nsec3: bool,
    /// Every [`SAMPLE_STEP`]th owner, where lookups start.
    samples: Samples,
}

/// Nodes between two samples of [`Samples`].
const SAMPLE_STEP: usize = 32;

/// Every [`SAMPLE_STEP`]th node's owner, copied out of the file. A lookup
/// searches these first, in a megabyte or two that stays in cache, and
/// then only the names between two samples in the file: a binary search
/// straight over a mapped signed TLD touched a new page at nearly every
/// step, 2–3 µs a lookup, and a re-signing makes tens of thousands.
#[derive(Default)]
struct Samples {
    entries: Vec<Sample>,
    text: Vec<u8>,
}

struct Sample {
    node: usize,
    /// Where the owner's text is in `Samples::text`.
    text: std::ops::Range<usize>,
    plain: bool,
}

impl Samples {
    fn new(bytes: &[u8], nodes: &[TextNode]) -> Samples {
        let owners: Vec<(usize, &[u8])> = (0..nodes.len())
            .into_par_iter()
            .step_by(SAMPLE_STEP)
            .map(|k| (k, owner_text_at(bytes, nodes[k].offset)))
            .collect();
        let mut samples = Samples {
            entries: Vec::with_capacity(owners.len()),
            text: Vec::with_capacity(owners.iter().map(|o| o.1.len()).sum()),
        };
        for (node, owner) in owners {
            let start = samples.text.len();
            samples.text.extend_from_slice(owner);
            samples.entries.push(Sample {
                node,
                text: start..samples.text.len(),
                plain: nodes[node].plain,
            });
        }
        samples
    }

    /// The nodes that may hold the first owner not before `key`: those
    /// after the last sample before it, up to the first sample that is not.
    fn narrow(&self, key: &NameKey, count: usize) -> std::ops::Range<usize> {
        let s = self
            .entries
            .partition_point(|e| key.is_after(&self.text[e.text.clone()], e.plain));
        let start = s.checked_sub(1).map_or(0, |j| self.entries[j].node + 1);
        let end = self.entries.get(s).map_or(count, |e| e.node);
        start..end
    }
}

/// A name looked up in the file, with its text, so that plain owners are
/// compared as text (see [`plain_names_cmp`]) and never parsed.
pub struct NameKey<'n> {
    name: &'n Name,
    text: String,
    plain: bool,
}

impl<'n> NameKey<'n> {
    pub fn new(name: &'n Name) -> NameKey<'n> {
        let text = name.to_string();
        let plain = is_plain_name(text.as_bytes());
        NameKey { name, text, plain }
    }

    /// Canonical order of `owner` (the text of a file's owner field) and
    /// this name; `None` when `owner` does not parse.
    fn cmp_owner(&self, owner: &[u8], owner_plain: bool) -> Option<Ordering> {
        if owner_plain && self.plain {
            return Some(plain_names_cmp(owner, self.text.as_bytes()));
        }
        let text = std::str::from_utf8(owner).ok()?;
        Some(Name::parse(text, None).ok()?.canonical_cmp(self.name))
    }

    /// True when the owner sorts before this name.
    fn is_after(&self, owner: &[u8], owner_plain: bool) -> bool {
        self.cmp_owner(owner, owner_plain) == Some(Ordering::Less)
    }

    /// True when the owner is this name or below it.
    fn covers(&self, owner: &[u8], owner_plain: bool) -> bool {
        if !(owner_plain && self.plain) {
            let text = std::str::from_utf8(owner).ok();
            return text
                .and_then(|t| Name::parse(t, None).ok())
                .is_some_and(|o| o.is_subdomain_of(self.name));
        }
        let name = self.text.as_bytes();
        if name == b"." {
            return true;
        }
        // "a.tld." is at or below "tld.": the same text, or longer with a
        // dot before the name's text (case aside).
        owner.len() >= name.len()
            && owner[owner.len() - name.len()..].eq_ignore_ascii_case(name)
            && (owner.len() == name.len() || owner[owner.len() - name.len() - 1] == b'.')
    }
}

/// What one piece of the file holds.
#[derive(Default)]
struct PieceScan {
    nodes: Vec<TextNode>,
    lines: u32,
    signatures: usize,
    nsec3: bool,
    problem: Option<(u32, String)>,
}

/// Pieces per thread, so uneven pieces even out.
const PIECES_PER_THREAD: usize = 8;

impl SignedText {
    /// Reads `path` and indexes it; `Ok(Err(..))` when the file is not in
    /// the form splicing needs.
    pub fn read(path: &Path, rule: &KeepRule) -> std::io::Result<Result<SignedText, NotSpliceable>> {
        let file = std::fs::File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            // Mapping one fails with "No such device".
            return Err(std::io::ErrorKind::IsADirectory.into());
        }
        if metadata.len() == 0 {
            return Ok(Err(NotSpliceable(format!("{} is empty", path.display()))));
        }
        // SAFETY: the map is only read. Signet never changes a zone file
        // in place (it writes a new file and renames it over the old), so
        // the file stays as mapped; a program that truncated it meanwhile
        // would stop this one with SIGBUS, never make it write a wrong
        // zone (the output is only renamed into place when whole).
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file)? };
        // Only a hint: reading on without it is correct too.
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(SignedText::index(Contents::Mapped { map, file }, path, rule))
    }

    /// Indexes zone text already in memory.
    pub fn index(bytes: Contents, path: &Path, rule: &KeepRule) -> Result<SignedText, NotSpliceable> {
        SignedText::index_in_pieces(bytes, path, rule, rayon::current_num_threads() * PIECES_PER_THREAD)
    }

    /// [`SignedText::index`] scanning about `pieces` pieces in parallel.
    fn index_in_pieces(
        bytes: Contents,
        path: &Path,
        rule: &KeepRule,
        pieces: usize,
    ) -> Result<SignedText, NotSpliceable> {
        // Only a file that ends as Signet ends it is known to be whole.
        let end =
            end_line::find(&bytes, &rule.signer).map_err(|why| NotSpliceable(format!("{}: {why}", path.display())))?;
        let records = &bytes[..end];
        let pieces = line_pieces(records, pieces);
        let text_rule = TextRule::new(rule);
        let scans: Vec<PieceScan> = pieces
            .par_windows(2)
            .map(|w| scan_piece(&records[w[0]..w[1]], w[0], &text_rule))
            .collect();
        let mut nodes: Vec<TextNode> = Vec::with_capacity(scans.iter().map(|s| s.nodes.len()).sum());
        let (mut lines, mut signatures, mut nsec3) = (0u32, 0, false);
        for scan in scans {
            if let Some((line, problem)) = scan.problem {
                return Err(NotSpliceable(format!("{}:{}: {problem}", path.display(), lines + line)));
            }
            let mut piece_nodes = scan.nodes.into_iter().map(|mut node| {
                node.line += lines;
                node
            });
            // A name whose lines straddle two pieces starts in the first.
            let first = piece_nodes.next();
            if let (Some(last), Some(first)) = (nodes.last().copied(), first) {
                match compare_owners(&bytes, last.offset, first.offset) {
                    Ok(Ordering::Equal) => {
                        let merged = nodes.last_mut().expect("nodes has a last node");
                        merged.has_nsec |= first.has_nsec;
                        merged.has_nsec3 |= first.has_nsec3;
                        merged.due |= first.due;
                    }
                    Ok(Ordering::Less) => nodes.push(first),
                    Ok(Ordering::Greater) => {
                        return Err(NotSpliceable(format!(
                            "{}:{}: names are not in canonical order",
                            path.display(),
                            first.line
                        )))
                    }
                    Err(problem) => return Err(NotSpliceable(format!("{}:{}: {problem}", path.display(), first.line))),
                }
            } else if let Some(first) = first {
                nodes.push(first);
            }
            nodes.extend(piece_nodes);
            lines += scan.lines;
            signatures += scan.signatures;
            nsec3 |= scan.nsec3;
        }
        if nodes.is_empty() {
            return Err(NotSpliceable(format!("{} is empty", path.display())));
        }
        let samples = Samples::new(&bytes, &nodes);
        Ok(SignedText {
            path: path.to_path_buf(),
            bytes,
            nodes,
            end,
            signatures,
            nsec3,
            samples,
        })
    }

    /// The owner of node `index`.
    pub fn owner(&self, index: usize) -> Name {
        // Indexing checked every node's owner: plain (`is_plain_name`),
        // which always parses, or parsed.
        owner_at(&self.bytes, self.nodes[index].offset).unwrap_or_else(|_| Name::root())
    }

    /// Byte range of nodes `first..end` (to the end line when `end` is the
    /// node count; empty at `first` when `end` is `first`).
    pub fn byte_range(&self, first: usize, end: usize) -> std::ops::Range<usize> {
        let at = |k: usize| self.nodes.get(k).map_or(self.end, |n| n.offset);
        at(first)..at(end)
    }

    /// The index of the first node whose owner is not before `name`.
    pub fn lower_bound(&self, name: &Name) -> usize {
        self.lower_bound_key(&NameKey::new(name))
    }

    /// [`SignedText::lower_bound`] for a name already made a key.
    pub fn lower_bound_key(&self, key: &NameKey<'_>) -> usize {
        let range = self.samples.narrow(key, self.nodes.len());
        let start = range.start;
        start
            + self.nodes[range]
                .partition_point(|node| key.is_after(owner_text_at(&self.bytes, node.offset), node.plain))
    }

    /// True when node `index`'s owner is `key`'s name or below it.
    pub fn is_at_or_below(&self, index: usize, key: &NameKey<'_>) -> bool {
        let node = &self.nodes[index];
        key.covers(owner_text_at(&self.bytes, node.offset), node.plain)
    }

    /// True when node `index`'s owner is `key`'s name (case aside).
    pub fn is_named(&self, index: usize, key: &NameKey<'_>) -> bool {
        self.compare_node(index, key) == Some(Ordering::Equal)
    }

    /// Canonical order of node `index`'s owner and `key`'s name; `None`
    /// when the owner does not parse (indexing refuses such a file).
    pub fn compare_node(&self, index: usize, key: &NameKey<'_>) -> Option<Ordering> {
        let node = &self.nodes[index];
        key.cmp_owner(owner_text_at(&self.bytes, node.offset), node.plain)
    }

    /// Gives the memory holding the text in `range` back to the kernel:
    /// it has been copied into the output and is not needed again soon.
    ///
    /// The output's new pages then come from those just freed. On the VMs
    /// measured, pages the guest has not touched for a while cost a fault
    /// into the host each, and writing 428 MB of output into them took up
    /// to a second of system time. Reading the range again stays correct:
    /// the map fetches it from the file (which Signet never changes in
    /// place), only slower. A no-op for text not mapped from a file.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let Contents::Mapped { map, file } = &self.bytes else {
            return;
        };
        // A multiple of every page size Linux uses (4, 16 and 64 KiB):
        // madvise takes only whole pages.
        const ALIGN: usize = 64 << 10;
        let start = range.start.div_ceil(ALIGN) * ALIGN;
        let end = range.end.min(map.len()) / ALIGN * ALIGN;
        if end <= start {
            return;
        }
        // SAFETY: the map is private and read-only, so none of its pages
        // was ever written: MADV_DONTNEED drops this process's page-table
        // entries for the range, and the next read of any address there,
        // through any reference, faults the file's same octets back in
        // (Signet never changes a zone file in place; see `read`).
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::io::AsRawFd;
            if let (Ok(offset), Ok(length)) = (libc::off_t::try_from(start), libc::off_t::try_from(end - start)) {
                // SAFETY: a plain system call on a descriptor this struct
                // owns; no memory is passed. It drops clean cached pages of
                // the range that no one maps; a failure only keeps them.
                let _ = unsafe { libc::posix_fadvise(file.as_raw_fd(), offset, length, libc::POSIX_FADV_DONTNEED) };
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = file;
    }

    /// The owner field of node `index` as written.
    pub fn owner_text(&self, index: usize) -> &[u8] {
        owner_text_at(&self.bytes, self.nodes[index].offset)
    }
}

/// Cuts `bytes` at line starts into about `count` pieces: the cut
/// positions, first 0 and last `bytes.len()`.
fn line_pieces(bytes: &[u8], count: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let step = (bytes.len() / count.max(1)).max(1);
    let mut at = step;
    while at < bytes.len() {
        match memchr(b'\n', &bytes[at..]) {
            Some(i) if at + i + 1 < bytes.len() => {
                if at + i + 1 > *cuts.last().unwrap_or(&0) {
                    cuts.push(at + i + 1);
                }
                at = at + i + 1 + step;
            }
            _ => break,
        }
    }
    cuts.push(bytes.len());
    cuts.dedup();
    if cuts.len() == 1 {
        cuts.push(0);
    }
    cuts
}

/// The owner field of the line at `offset`, as a name.
fn owner_at(bytes: &[u8], offset: usize) -> Result<Name, String> {
    let line = &bytes[offset..];
    let end = memchr(b'\t', line).ok_or("no tab after the owner")?;
    let text = std::str::from_utf8(&line[..end]).map_err(|_| "the owner is not UTF-8".to_string())?;
    Name::parse(text, None).map_err(|e| format!("owner '{text}': {e}"))
}

/// The owner field of the line at `offset`, as text.
fn owner_text_at(bytes: &[u8], offset: usize) -> &[u8] {
    let line = &bytes[offset..];
    &line[..memchr(b'\t', line).unwrap_or(line.len())]
}

/// Canonical order of the owners of the lines at `a` and `b`.
fn compare_owners(bytes: &[u8], a: usize, b: usize) -> Result<Ordering, String> {
    if let Some(order) = canonical_text_cmp(owner_text_at(bytes, a), owner_text_at(bytes, b)) {
        return Ok(order);
    }
    Ok(owner_at(bytes, a)?.canonical_cmp(&owner_at(bytes, b)?))
}

/// True for an absolute name in presentation form that the name parser
/// would take as it is: printable ASCII without escapes, no empty label,
/// labels of at most 63 octets and at most 255 octets in wire form (RFC
/// 1035 §2.3.4). Such names need no parse to be compared or trusted.
pub(super) fn is_plain_name(name: &[u8]) -> bool {
    if name == b"." {
        return true;
    }
    if !name.ends_with(b".") || name.len() >= 255 {
        return false;
    }
    // One pass: this runs for every name of a signed zone.
    let mut label = 0;
    for &b in name {
        if b == b'.' {
            if !(1..=63).contains(&label) {
                return false;
            }
            label = 0;
        } else if b.is_ascii_graphic() && b != b'\\' {
            label += 1;
        } else {
            return false;
        }
    }
    true
}

/// Canonical order (RFC 4034 §6.1) of two absolute names in presentation
/// form, read as they are — labels from the right, each compared as
/// lowercase octets — which saves parsing millions of names. `None` unless
/// both are plain ([`is_plain_name`]): only a parse reads the others.
fn canonical_text_cmp(a: &[u8], b: &[u8]) -> Option<Ordering> {
    if !is_plain_name(a) || !is_plain_name(b) {
        return None;
    }
    Some(plain_names_cmp(a, b))
}

/// [`canonical_text_cmp`] of two plain names. One pass from the right
/// over what they have in common (a TLD's names share all but their first
/// label or two), then one comparison of the first labels that differ.
fn plain_names_cmp(a: &[u8], b: &[u8]) -> Ordering {
    // Without the root's dot: "" is the root, "a.tld" a name.
    let a = &a[..a.len().saturating_sub(1)];
    let b = &b[..b.len().saturating_sub(1)];
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 && a[i - 1].eq_ignore_ascii_case(&b[j - 1]) {
        i -= 1;
        j -= 1;
    }
    // a[i..] and b[j..] are the same text, dots at the same places from
    // the right: the labels right of the ones holding i and j are equal.
    let ((a_start, a_label), (b_start, b_label)) = (label_around(a, i), label_around(b, j));
    let order = (a_label.iter().map(u8::to_ascii_lowercase)).cmp(b_label.iter().map(u8::to_ascii_lowercase));
    // Equal labels: the text ran out in one name (or both), and the name
    // with no label left of them sorts first.
    order.then((b_start == 0).cmp(&(a_start == 0)))
}

/// Where the label holding position `at` of a name (without the root's
/// dot) starts, and the label. Labels are short: plain loops, no search
/// routine to call.
fn label_around(name: &[u8], at: usize) -> (usize, &[u8]) {
    let end = name[at..]
        .iter()
        .position(|&c| c == b'.')
        .map_or(name.len(), |k| at + k);
    let start = name[..at].iter().rposition(|&c| c == b'.').map_or(0, |dot| dot + 1);
    (start, &name[start..end])
}

/// Scans the lines of one piece (which starts at `base` in the file).
fn scan_piece(piece: &[u8], base: usize, rule: &TextRule<'_>) -> PieceScan {
    let mut scan = PieceScan::default();
    let mut at = 0;
    let mut owner: &[u8] = &[];
    while at < piece.len() {
        scan.lines += 1;
        match scan_line(&piece[at..], base + at, &mut owner, rule, &mut scan) {
            Ok(length) => at += length + 1,
            Err(problem) => {
                scan.problem = Some((scan.lines, problem));
                return scan;
            }
        }
    }
    scan
}

const NOT_FIVE_FIELDS: &str = "not five tab-separated fields (owner, TTL, class, type, data)";

/// Takes the line `text` starts with: a new name starts a node; NSEC and
/// RRSIG records mark it. Returns the line's length.
///
/// This runs for every line of a signed TLD (millions), so the short
/// fields are found by plain loops and a line that repeats the owner of
/// the line before is recognised by comparing it, not by splitting it.
fn scan_line<'a>(
    text: &'a [u8],
    offset: usize,
    owner: &mut &'a [u8],
    rule: &TextRule<'_>,
    scan: &mut PieceScan,
) -> Result<usize, String> {
    match text.first() {
        None | Some(b'\n') => return Err("an empty line".into()),
        Some(b) if b.is_ascii_whitespace() => return Err("a line without its owner".into()),
        Some(b';' | b'$') => return Err("a comment or directive".into()),
        _ => {}
    }
    let repeated =
        !owner.is_empty() && text.get(owner.len()) == Some(&b'\t') && same_octets(&text[..owner.len()], owner);
    let owner_end = if repeated {
        owner.len()
    } else {
        field_end(text, 0).ok_or(NOT_FIVE_FIELDS)?
    };
    let ttl_end = field_end(text, owner_end + 1).ok_or(NOT_FIVE_FIELDS)?;
    let class_end = field_end(text, ttl_end + 1).ok_or(NOT_FIVE_FIELDS)?;
    let type_end = field_end(text, class_end + 1).ok_or(NOT_FIVE_FIELDS)?;
    let rdata_start = type_end + 1;
    let end = rdata_start + memchr(b'\n', &text[rdata_start..]).unwrap_or(text.len() - rdata_start);
    let (rtype, rdata) = (&text[class_end + 1..type_end], &text[rdata_start..end]);
    if !repeated {
        let this_owner = &text[..owner_end];
        // Each owner is looked at once: whether it is plain is kept.
        let plain = is_plain_name(this_owner);
        let order = match scan.nodes.last() {
            Some(previous) if plain && previous.plain => plain_names_cmp(owner, this_owner),
            _ => {
                let name = owner_at(text, 0)?;
                match std::str::from_utf8(owner).ok().and_then(|t| Name::parse(t, None).ok()) {
                    Some(previous) => previous.canonical_cmp(&name),
                    None => Ordering::Less,
                }
            }
        };
        if order != Ordering::Less && !owner.is_empty() {
            return Err("names are not in canonical order".into());
        }
        *owner = this_owner;
        scan.nodes.push(TextNode {
            offset,
            line: scan.lines,
            has_nsec: false,
            has_nsec3: false,
            due: false,
            plain,
        });
    }
    let node = scan.nodes.last_mut().expect("a node was started above");
    match rtype {
        b"NSEC" => node.has_nsec = true,
        b"NSEC3" => {
            node.has_nsec3 = true;
            scan.nsec3 = true;
        }
        b"NSEC3PARAM" => scan.nsec3 = true,
        b"RRSIG" => {
            scan.signatures += 1;
            if !rule.keeps(owner, rdata) {
                node.due = true;
            }
        }
        _ => {}
    }
    Ok(end)
}

/// `a == b` for slices of the same length, eight octets at a time and
/// inline: a library call to compare a line's owner with the one before
/// cost more than the comparison, millions of times.
fn same_octets(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a8, mut b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |chunk: &[u8]| chunk.try_into().map_or(0, u64::from_ne_bytes);
    (&mut a8).zip(&mut b8).all(|(x, y)| word(x) == word(y))
        && a8.remainder().iter().zip(b8.remainder()).all(|(x, y)| x == y)
}

/// Where the field starting at `from` ends: the position of the next tab
/// on the line, or `None` when the line ends first. For the short fields
/// (owner, TTL, class, type), where a loop beats a vectorised search.
fn field_end(text: &[u8], from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let at = rest.iter().position(|&b| b == b'\t' || b == b'\n')?;
    (rest[at] == b'\t').then_some(from + at)
}

#[cfg(test)]
mod tests {
    use super::super::keep_rule::tests::rule;
    use super::*;

    const ZONE: &str = "tld.\t86400\tIN\tSOA\tns1.tld. h.tld. 1 1800 900 604800 3600\n\
tld.\t86400\tIN\tRRSIG\tSOA 13 1 86400 20261220000000 20261206000000 39652 tld. AAAA\n\
tld.\t3600\tIN\tNSEC\ta.tld. NS SOA RRSIG NSEC DNSKEY\n\
a.tld.\t86400\tIN\tNS\tns1.a.tld.\n\
a.tld.\t3600\tIN\tNSEC\tb.tld. NS RRSIG NSEC\n\
a.tld.\t3600\tIN\tRRSIG\tNSEC 13 2 3600 20261210000000 20261206000000 39652 tld. AAAA\n\
ns1.a.tld.\t86400\tIN\tA\t192.0.2.1\n\
b.tld.\t86400\tIN\tDS\t1 13 2 00\n\
b.tld.\t86400\tIN\tRRSIG\tDS 13 2 86400 20261220000000 20261206000000 11111 tld. AAAA\n";

    /// `records` as a whole signed zone file: with the end line.
    fn whole(records: &str) -> Vec<u8> {
        format!("{records}; end of zone tld.\n").into_bytes()
    }

    #[test]
    fn released_text_reads_the_same_from_the_file_again() {
        // Many names, so that the file spans many pages.
        let mut records = String::from(ZONE);
        for i in 0..4000 {
            records.push_str(&format!("c{i:05}.tld.\t86400\tIN\tNS\tns1.provider.example.\n"));
        }
        let text = whole(&records);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z");
        std::fs::write(&path, &text).unwrap();
        let signed = SignedText::read(&path, &rule()).unwrap().unwrap();
        assert!(matches!(signed.bytes, Contents::Mapped { .. }));
        let before = signed.owner(4000);
        // Unaligned ends, the whole file, and past its end.
        signed.release(100..60_000);
        signed.release(0..signed.bytes.len());
        signed.release(0..usize::MAX);
        assert_eq!(&signed.bytes[..], &text[..]);
        assert_eq!(signed.owner(4000), before);
    }

    #[test]
    fn finds_names_chain_members_and_due_signatures_in_any_pieces() {
        let bytes = whole(ZONE);
        let expected = [
            // (line, has NSEC, due)
            (1, true, false),
            // Expires in 3 days: within the 5-day refresh.
            (4, true, true),
            (7, false, false),
            // Signed by a key that no longer signs.
            (8, false, true),
        ];
        for pieces in [1, 2, 3, 7, 50] {
            assert!(
                pieces < 4 || line_pieces(&bytes, pieces).len() > 4,
                "{pieces} pieces were not cut"
            );
            let text =
                SignedText::index_in_pieces(Contents::Owned(bytes.clone()), Path::new("z"), &rule(), pieces).unwrap();
            let got: Vec<(u32, bool, bool)> = text.nodes.iter().map(|n| (n.line, n.has_nsec, n.due)).collect();
            assert_eq!(got, expected, "{pieces} pieces");
            assert_eq!(text.signatures, 3);
            assert!(!text.nsec3);
            assert_eq!(text.owner(2), "ns1.a.tld.".parse().unwrap());
            assert_eq!(text.lower_bound(&"a0.tld.".parse().unwrap()), 3);
            assert_eq!(
                &text.bytes[text.byte_range(1, 3)],
                &bytes[ZONE.find("\na.tld.").unwrap() + 1..ZONE.find("\nb.tld.").unwrap() + 1]
            );
        }
    }

    /// A zone of `count` delegations in canonical order, with glue below
    /// some, an owner in capitals and one that only a parse reads (an
    /// escape): enough names for many samples.
    fn many_names(count: usize) -> (Vec<u8>, Vec<Name>) {
        let mut names: Vec<Name> = vec!["tld.".parse().unwrap()];
        for i in 0..count {
            let label = match i {
                7 => format!("D{i:05}"),
                11 => format!("d{i:05}\\.x"),
                _ => format!("d{i:05}"),
            };
            names.push(format!("{label}.tld.").parse().unwrap());
            if i % 3 == 0 {
                names.push(format!("ns1.{label}.tld.").parse().unwrap());
            }
        }
        names.sort_by(|a, b| a.canonical_cmp(b));
        let mut text = String::new();
        for name in &names {
            text.push_str(&format!("{name}\t86400\tIN\tA\t192.0.2.1\n"));
            text.push_str(&format!("{name}\t86400\tIN\tAAAA\t2001:db8::1\n"));
        }
        (whole(&text), names)
    }

    #[test]
    fn lookups_through_the_samples_agree_with_a_walk_over_parsed_names() {
        let (bytes, names) = many_names(10 * SAMPLE_STEP);
        let text = SignedText::index(Contents::Owned(bytes), Path::new("z"), &rule()).unwrap();
        assert_eq!(text.nodes.len(), names.len());
        assert!(text.samples.entries.len() > 5, "several samples");
        let mut probes: Vec<Name> = names.clone();
        for extra in [
            ".",
            "a.",
            "zz.",
            "tld.",
            "0.tld.",
            "d00005.tld.",
            "d000050.tld.",
            "zzz.tld.",
            "x.ns1.d00003.tld.",
        ] {
            probes.push(extra.parse().unwrap());
        }
        probes.push("D00300.TLD.".parse().unwrap());
        probes.push("d00011\\.x.tld.".parse().unwrap());
        for probe in &probes {
            let expected = names.partition_point(|n| n.canonical_cmp(probe) == Ordering::Less);
            assert_eq!(text.lower_bound(probe), expected, "{probe}");
            let key = NameKey::new(probe);
            for (k, name) in names.iter().enumerate() {
                let below = name.is_subdomain_of(probe);
                assert_eq!(text.is_at_or_below(k, &key), below, "{name} at or below {probe}");
                assert_eq!(text.is_named(k, &key), name.eq_ignore_case(probe), "{name} is {probe}");
            }
        }
    }

    #[test]
    fn text_order_is_the_canonical_order_of_the_names() {
        let names = [
            ".",
            "tld.",
            "TLD.",
            "a.tld.",
            "A.tld.",
            "a-b.tld.",
            "a0.tld.",
            "a_b.tld.",
            "aa.tld.",
            "b.a.tld.",
            "*.a.tld.",
            "z.tld.",
            "0.tld.",
            "ab.",
            "tld.ab.",
            "x.y.z.",
            "b.tld.",
            "ab.tld.",
            "Ab.tld.",
            "b.ab.tld.",
            "a.b.tld.",
            "x.a.b.tld.",
            "bb.tld.",
            "a.",
            "A.",
            "ba.",
            "d000123.tld.",
            "ns1.d000123.tld.",
            "ns1.D000123.tld.",
            "d0001230.tld.",
            "td.",
            "ld.",
        ];
        for a in names {
            for b in names {
                let parsed = a.parse::<Name>().unwrap().canonical_cmp(&b.parse::<Name>().unwrap());
                assert_eq!(
                    canonical_text_cmp(a.as_bytes(), b.as_bytes()),
                    Some(parsed),
                    "{a} vs {b}"
                );
            }
        }
        assert_eq!(
            canonical_text_cmp(b"a\\.b.tld.", b"tld."),
            None,
            "escapes are left to the parser"
        );
        assert_eq!(canonical_text_cmp(b"www", b"tld."), None, "relative names too");
        for bad in [&b"a..tld."[..], b"\xc3\xa9.tld.", &[b'a'; 64][..]] {
            assert_eq!(canonical_text_cmp(bad, b"tld."), None, "{bad:?} is left to the parser");
        }
        let long = [&b"a".repeat(63)[..], b"."].concat().repeat(4);
        assert!(!is_plain_name(&long), "over 255 octets");
    }

    #[test]
    fn refuses_other_forms_naming_the_line() {
        let cases = [
            (
                ZONE.replace("a.tld.\t86400\tIN\tNS", "\t86400\tIN\tNS"),
                ":4:",
                "without its owner",
            ),
            (
                ZONE.replace("b.tld.\t86400\tIN\tDS", "0.tld.\t86400\tIN\tDS"),
                ":8:",
                "canonical order",
            ),
            (format!("$ORIGIN tld.\n{ZONE}"), ":1:", "directive"),
            (
                ZONE.replace("tld.\t3600\tIN\tNSEC\ta", "tld. 3600 IN NSEC a"),
                ":3:",
                "tab-separated",
            ),
            (format!("{ZONE}\n\n"), ":10:", "empty line"),
            (
                ZONE.replace("b.tld.\t86400\tIN\tDS", "b..tld.\t86400\tIN\tDS"),
                ":8:",
                "owner 'b..tld.'",
            ),
            // An end line anywhere but last is a comment like any other.
            (
                ZONE.replace("b.tld.\t86400\tIN\tDS", "; end of zone tld.\nb.tld.\t86400\tIN\tDS"),
                ":8:",
                "a comment",
            ),
        ];
        for (text, line, words) in cases {
            let error = SignedText::index(Contents::Owned(whole(&text)), Path::new("z"), &rule())
                .err()
                .unwrap_or_else(|| panic!("accepted {text}"))
                .0;
            assert!(error.contains(line) && error.contains(words), "{error}");
        }
    }

    #[test]
    fn refuses_a_file_cut_short_or_ending_another_zone() {
        let full = whole(ZONE);
        // Cut after a whole line, inside one, and inside the end line.
        for cut in [ZONE.find("\nb.tld.").unwrap() + 1, ZONE.len() - 3, full.len() - 1] {
            let error = SignedText::index(Contents::Owned(full[..cut].to_vec()), Path::new("z"), &rule())
                .err()
                .unwrap_or_else(|| panic!("accepted the file cut at {cut}"))
                .0;
            assert!(error.starts_with("z: ") && error.contains("cut short"), "{error}");
        }
        let other = format!("{ZONE}; end of zone example.\n");
        let error = SignedText::index(Contents::Owned(other.into_bytes()), Path::new("z"), &rule())
            .err()
            .expect("another zone's end")
            .0;
        assert_eq!(error, "z: it ends the zone example., not tld.");
    }

    #[test]
    fn a_name_split_between_pieces_is_one_node_and_order_is_checked_across() {
        let bytes = ZONE.as_bytes().to_vec();
        // Cut inside the apex's lines and inside a.tld.'s.
        let cut1 = ZONE.find("tld.\t86400\tIN\tRRSIG").unwrap();
        let cut2 = ZONE.find("a.tld.\t3600\tIN\tNSEC").unwrap();
        let scans = [
            scan_piece(&bytes[..cut1], 0, &TextRule::new(&rule())),
            scan_piece(&bytes[cut1..cut2], cut1, &TextRule::new(&rule())),
            scan_piece(&bytes[cut2..], cut2, &TextRule::new(&rule())),
        ];
        assert_eq!(scans.iter().map(|s| s.nodes.len()).sum::<usize>(), 6);
    }
}
