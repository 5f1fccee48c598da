//! Writing files so that a reader sees the old file or the whole new one,
//! never a half-written one: a temporary file in the same directory,
//! fsync, rename over the target, fsync the directory.

use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::path::{Path, PathBuf};

/// Permissions for a new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// 0644: zones, public keys, reports.
    Public,
    /// 0600: private keys and anything else secret.
    Secret,
}

/// Writes `path` atomically with what `fill` writes. If `fill` fails (or
/// the process dies), the temporary file is removed (or left under a
/// `.tmp` name) and `path` is untouched.
pub fn write_atomically<F>(path: &Path, mode: FileMode, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    write_atomically_checked(path, mode, fill, None)
}

/// A last look at a file once it is written and synced, before it replaces
/// the old one: an error leaves the old file in place. It gets the
/// temporary file's path.
pub type Check<'a> = &'a dyn Fn(&Path) -> io::Result<()>;

/// [`write_atomically`], with `check` run on the written file before the
/// rename (`signer sign --verify`).
pub fn write_atomically_checked<F>(path: &Path, mode: FileMode, fill: F, check: Option<Check<'_>>) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let staged = stage(path, mode, fill)?;
    if let Some(check) = check {
        check(staged.temp.path())?;
    }
    staged.commit()
}

/// A new file written in full and synced beside the one it is to replace,
/// under a temporary name: [`Staged::commit`] renames it into place,
/// dropping it removes it. `signer publish` writes the zone this way while
/// its guardrails run, and only commits if they pass.
pub struct Staged {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
    mode: FileMode,
}

/// Writes what `fill` writes to a temporary file beside `path`, and syncs
/// it; `path` is not touched yet.
pub fn stage<F>(path: &Path, mode: FileMode, fill: F) -> io::Result<Staged>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile creates the file 0600 and deletes it if we return early.
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(directory_of(path))?;
    {
        let mut writer = Buffered::new(EarlyWriteback::new(temp.as_file()));
        fill(&mut writer)?;
        writer.flush()?;
    }
    crate::timing::phase("write");
    temp.as_file().sync_all()?;
    crate::timing::phase("sync");
    Ok(Staged {
        temp,
        path: path.to_path_buf(),
        mode,
    })
}

impl Staged {
    /// Renames the staged file over its target, durably.
    pub fn commit(self) -> io::Result<()> {
        if self.mode == FileMode::Public {
            set_mode(self.temp.as_file(), 0o644)?;
        }
        self.temp.persist(&self.path).map_err(|e| e.error)?;
        sync_dir(directory_of(&self.path))
    }
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes all of `slices`, a megabyte or so per system call
/// (`Write::write_all_vectored` is not stable yet).
pub fn write_all_vectored(w: &mut dyn Write, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    // Advancing drops the slices written, and empty ones on the way, so
    // a write of nothing never stands for a full disk.
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        // At most about a megabyte a call: writes of 4 MB at once took
        // 18 ms instead of 5 in one run of three on the test host (with
        // twice the system time; the cause was not pinned down), 1 MB
        // writes never did.
        let mut total = 0;
        let count = slices
            .iter()
            .take_while(|s| {
                total += s.len();
                total <= BUFFER
            })
            .count()
            .max(1);
        match w.write_vectored(&slices[..count]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write the whole output",
                ))
            }
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Octets buffered before a write to the file.
const BUFFER: usize = 1 << 20;

/// Vectored writes at least this long go to the file without a stop in
/// the buffer.
const DIRECT: usize = 64 << 10;

/// A buffer in front of the file, like `std::io::BufWriter`, that also
/// passes long vectored writes straight to the kernel (`BufWriter` can only
/// do that for writers whose `is_write_vectored`, an unstable method, says
/// so). Re-signing from a diff writes most of a signed TLD as slices of
/// the mapped previous file: through a buffer, every octet was copied once
/// more.
struct Buffered<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> Buffered<W> {
    fn new(inner: W) -> Self {
        Buffered {
            inner,
            buffer: Vec::with_capacity(BUFFER),
        }
    }

    fn flush_buffer(&mut self) -> io::Result<()> {
        let result = self.inner.write_all(&self.buffer);
        self.buffer.clear();
        result
    }
}

impl<W: Write> Write for Buffered<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buffer.len() + data.len() > BUFFER {
            self.flush_buffer()?;
        }
        if data.len() >= BUFFER {
            return self.inner.write(data);
        }
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn write_vectored(&mut self, slices: &[IoSlice<'_>]) -> io::Result<usize> {
        let total: usize = slices.iter().map(|s| s.len()).sum();
        if total < DIRECT {
            for slice in slices {
                self.write_all(slice)?;
            }
            return Ok(total);
        }
        self.flush_buffer()?;
        self.inner.write_vectored(slices)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buffer()?;
        self.inner.flush()
    }
}

/// Octets written between two starts of writeback.
const WRITEBACK_STEP: u64 = 32 << 20;

/// A file being written that asks the kernel to start writing each
/// [`WRITEBACK_STEP`] to disk as soon as it is written (Linux
/// `sync_file_range`, which does not wait). The fsync before the rename
/// then waits for the last step only, not for the whole of a signed TLD
/// (hundreds of MB) while every core sits idle. Only a hint: durability
/// still comes from that fsync alone.
struct EarlyWriteback<'a> {
    file: &'a File,
    written: u64,
    started: u64,
}

impl<'a> EarlyWriteback<'a> {
    fn new(file: &'a File) -> Self {
        EarlyWriteback {
            file,
            written: 0,
            started: 0,
        }
    }

    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::unix::io::AsRawFd;
        let (Ok(offset), Ok(length)) = (
            libc::off64_t::try_from(self.started),
            libc::off64_t::try_from(self.written - self.started),
        ) else {
            return;
        };
        // SAFETY: a plain system call on a descriptor this struct borrows;
        // no memory is passed. A failure only means no early writeback.
        let _ = unsafe { libc::sync_file_range(self.file.as_raw_fd(), offset, length, libc::SYNC_FILE_RANGE_WRITE) };
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {}

    /// Counts `n` octets written, starting writeback every step.
    fn wrote(&mut self, n: usize) -> usize {
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_STEP {
            self.start_writeback();
        }
        n
    }
}

impl Write for EarlyWriteback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&mut self.file).write(buf)?;
        Ok(self.wrote(n))
    }

    fn write_vectored(&mut self, slices: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = (&mut self.file).write_vectored(slices)?;
        Ok(self.wrote(n))
    }

    fn flush(&mut self) -> io::Result<()> {
        (&mut self.file).flush()
    }
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Makes the rename durable (POSIX: the directory entry lives in the directory).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_longer_than_several_writeback_steps_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone");
        let piece: Vec<u8> = (0..=250u8).collect();
        let pieces = (3 * WRITEBACK_STEP as usize) / piece.len() + 7;
        write_atomically(&path, FileMode::Public, |w| {
            for _ in 0..pieces {
                w.write_all(&piece)?;
            }
            Ok(())
        })
        .unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(written.len(), pieces * piece.len());
        assert!(written.chunks(piece.len()).all(|c| c == piece.as_slice()));
    }

    #[test]
    fn vectored_writes_pass_the_buffer_and_keep_the_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone");
        let big: Vec<u8> = (0..3 * BUFFER + 17).map(|i| (i % 251) as u8).collect();
        let mut expected = Vec::new();
        write_atomically(&path, FileMode::Public, |w| {
            w.write_all(b"head\n")?;
            // Short slices (buffered), empty ones, and more than a
            // megabyte in one call (passed on a megabyte at a time).
            let parts: [&[u8]; 6] = [b"a", b"", &big[..DIRECT], b"", &big, b"tail"];
            write_all_vectored(w, &mut parts.map(IoSlice::new))?;
            write_all_vectored(w, &mut [IoSlice::new(b"x"), IoSlice::new(b"")])?;
            write_all_vectored(w, &mut [])?;
            w.write_all(b"end\n")
        })
        .unwrap();
        for part in [&b"head\na"[..], &big[..DIRECT], &big, b"tail", b"x", b"end\n"] {
            expected.extend_from_slice(part);
        }
        assert!(std::fs::read(&path).unwrap() == expected);
    }

    #[test]
    fn failure_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone");
        write_atomically(&path, FileMode::Public, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, FileMode::Public, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_staged_file_replaces_the_old_one_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone");
        write_atomically(&path, FileMode::Public, |w| w.write_all(b"old")).unwrap();
        let staged = stage(&path, FileMode::Public, |w| w.write_all(b"refused")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "the staged file is beside it"
        );
        drop(staged);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a dropped stage leaves nothing"
        );
        let staged = stage(&path, FileMode::Public, |w| w.write_all(b"new")).unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
    }

    #[test]
    fn a_failed_check_leaves_the_old_file_and_sees_the_new_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone");
        write_atomically(&path, FileMode::Public, |w| w.write_all(b"old")).unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let refuse = |written: &Path| {
            *seen.borrow_mut() = std::fs::read(written)?;
            Err(io::Error::other("does not verify"))
        };
        let err = write_atomically_checked(&path, FileMode::Public, |w| w.write_all(b"new zone"), Some(&refuse));
        assert_eq!(err.unwrap_err().to_string(), "does not verify");
        assert_eq!(seen.borrow().as_slice(), b"new zone");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let accept = |_: &Path| Ok(());
        write_atomically_checked(&path, FileMode::Public, |w| w.write_all(b"new zone"), Some(&accept)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new zone");
    }
}
