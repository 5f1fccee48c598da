//! One publisher per zone: an exclusive flock(2) on the configured lock
//! file, held until the process ends (the kernel drops it when a holder
//! dies, kill -9 included, so a lock is never stale). The holder writes
//! its pid into the file so a waiting publisher can name it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    kind: Kind,
    pub path: PathBuf,
}

impl Drop for Lock {
    /// Clears the holder's name before the lock goes (a holder killed
    /// first leaves its line, but then nobody is blocked to read it).
    fn drop(&mut self) {
        if self.kind == Kind::Exclusive {
            let _ = self.file.set_len(0);
        }
    }
}

/// Exclusive for publishing; shared for a dry run (several may look at
/// once, none while a publisher writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Exclusive,
    Shared,
}

/// Why the lock could not be had.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("lock file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "another publisher holds {path} ({holder}); waited {waited} s. It is running now (the lock dies with its \
         process): let it finish, or see what it is doing. Wait longer with --lock-timeout"
    )]
    Busy { path: PathBuf, holder: String, waited: u64 },
}

impl Lock {
    /// Takes the lock, waiting up to `wait`.
    pub fn acquire(path: &Path, kind: Kind, wait: Duration, now: i64) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let operation = match kind {
            Kind::Exclusive => libc::LOCK_EX,
            Kind::Shared => libc::LOCK_SH,
        } | libc::LOCK_NB;
        let started = Instant::now();
        loop {
            // SAFETY: flock on a file descriptor we own; no memory involved.
            let rc = unsafe { libc::flock(file.as_raw_fd(), operation) };
            if rc == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) && err.kind() != std::io::ErrorKind::Interrupted {
                return Err(io(err));
            }
            if started.elapsed() >= wait {
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    holder: holder(path),
                    waited: started.elapsed().as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut lock = Lock {
            file,
            kind,
            path: path.to_path_buf(),
        };
        if kind == Kind::Exclusive {
            lock.record_holder(now).map_err(io)?;
        }
        Ok(lock)
    }

    fn record_holder(&mut self, now: i64) -> std::io::Result<()> {
        let text = format!(
            "pid {} since {} (signer publish)\n",
            std::process::id(),
            keybundles::time::format_human(now)
        );
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
    }
}

/// What the lock file says about its holder.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    match text.trim() {
        "" => "holder unknown: a dry run, or a publisher that has just started".into(),
        t => t.lines().next().unwrap_or(t).to_string(),
    }
}
