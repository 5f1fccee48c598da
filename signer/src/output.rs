//! Writing files so that a reader sees the old file or the whole new one,
//! never a half-written one: a temporary file in the same directory,
//! fsync, rename over the target, fsync the directory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile creates the file 0600 and deletes it if we return early.
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut writer = BufWriter::with_capacity(1 << 20, EarlyWriteback::new(temp.as_file()));
        fill(&mut writer)?;
        writer.flush()?;
    }
    temp.as_file().sync_all()?;
    if mode == FileMode::Public {
        set_mode(temp.as_file(), 0o644)?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
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
}

impl Write for EarlyWriteback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&mut self.file).write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_STEP {
            self.start_writeback();
        }
        Ok(n)
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
}
