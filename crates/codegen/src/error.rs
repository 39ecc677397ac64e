//! The one error type of the generator: every failure names the spec file,
//! where in it the problem is, and what was expected.

use std::fmt;
use std::path::PathBuf;

/// Where in a spec a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file.
    File,
    /// A line and column of the YAML text (1-based).
    Line { line: usize, column: usize },
    /// A JSON pointer into the parsed document (RFC 6901).
    Pointer(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Line { line, column } => write!(f, ":{line}:{column}"),
            Location::Pointer(p) if p.is_empty() => write!(f, " at #"),
            Location::Pointer(p) => write!(f, " at #{p}"),
        }
    }
}

/// A problem with one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    pub location: Location,
    pub message: String,
}

impl SpecError {
    pub fn at(
        file: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SpecError {
            file: file.into(),
            location: Location::Pointer(pointer.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}: {}",
            self.file.display(),
            self.location,
            self.message
        )
    }
}

/// Everything that can stop a generation run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", display_all(.0))]
    Spec(Vec<SpecError>),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

fn display_all(errors: &[SpecError]) -> String {
    errors
        .iter()
        .map(|e| format!("error: {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Spec(vec![e])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
