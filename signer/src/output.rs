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
        let mut writer = BufWriter::with_capacity(1 << 20, temp.as_file());
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
