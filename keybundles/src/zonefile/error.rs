//! Locations, warnings and errors of the zone-file reader.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::name::NameError;
use crate::rdata::RdataError;

/// A line of a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: Arc<Path>,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// Something suspicious that does not stop the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.location, self.message)
    }
}

/// An error at a line of a zone file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ZoneFileError {
    pub location: Location,
    pub kind: ZoneFileErrorKind,
}

impl fmt::Display for ZoneFileError {
    /// `file:line: what`; a file that could not be read at all (line 0) is
    /// named by the message alone ("cannot read FILE: …"), not as "FILE:0:".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ZoneFileErrorKind::Io { path, .. } if self.location.line == 0 && *self.location.file == **path => {
                write!(f, "{}", self.kind)
            }
            _ => write!(f, "{}: {}", self.location, self.kind),
        }
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZoneFileErrorKind {
    /// A file could not be opened or read.
    #[error("cannot read {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// Control characters or invalid UTF-8: probably not a zone file.
    #[error("{0}")]
    Binary(String),
    /// Malformed line.
    #[error("{0}")]
    Syntax(String),
    /// A malformed owner or directive name.
    #[error("bad {what} '{text}': {error}")]
    Name {
        what: &'static str,
        text: String,
        error: NameError,
    },
    /// Malformed RDATA.
    #[error(transparent)]
    Rdata(#[from] RdataError),
}
