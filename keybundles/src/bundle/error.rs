//! Errors that name the file, the line, the bundle and the reason, so an
//! operator at 3 a.m. knows which bundle of which file is wrong and why.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::time::format_human;

/// Which bundle an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRef {
    /// 1-based position in the file.
    pub index: usize,
    pub count: usize,
    /// The instant in the bundle's header (unix seconds).
    pub start: i64,
    /// The header's line.
    pub line: usize,
}

impl fmt::Display for BundleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bundle {} of {} (from {}, line {})",
            self.index,
            self.count,
            format_human(self.start),
            self.line
        )
    }
}

/// Why a KSR or SKR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BundleError {
    pub file: PathBuf,
    /// A line, when the problem is on one (syntax).
    pub line: Option<usize>,
    pub bundle: Option<BundleRef>,
    pub reason: String,
}

impl BundleError {
    /// A problem with the file as a whole.
    pub fn file(file: &Path, reason: impl Into<String>) -> BundleError {
        BundleError {
            file: file.to_path_buf(),
            line: None,
            bundle: None,
            reason: reason.into(),
        }
    }

    /// A problem on one line.
    pub fn at_line(file: &Path, line: usize, reason: impl Into<String>) -> BundleError {
        BundleError {
            file: file.to_path_buf(),
            line: Some(line),
            bundle: None,
            reason: reason.into(),
        }
    }

    /// A problem with one bundle.
    pub fn bundle(file: &Path, bundle: BundleRef, reason: impl Into<String>) -> BundleError {
        BundleError {
            file: file.to_path_buf(),
            line: None,
            bundle: Some(bundle),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(bundle) = &self.bundle {
            write!(f, ": {bundle}")?;
        }
        write!(f, ": {}", self.reason)
    }
}
