//! Load and configuration errors. Each names the file (and line) and the problem; none carries a
//! password or any part of a hash.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why the file authenticator could not be built or reloaded. Every variant is a configuration
/// error (the command line maps it to exit status 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A file is larger than [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES).
    #[error("{}: larger than the {limit}-byte limit for credential files", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A line of a file is wrong.
    #[error("{}:{line}: {problem}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// The configuration itself is inconsistent (e.g. a plaintext format without the danger
    /// switch).
    #[error("file mode configuration: {0}")]
    Config(String),
    /// The background reload thread could not be started.
    #[error("cannot start the file reload watcher: {0}")]
    Watcher(#[source] io::Error),
}

impl FileError {
    /// The file the error is about, if it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FileError::Io { path, .. }
            | FileError::TooLarge { path, .. }
            | FileError::Line { path, .. } => Some(path),
            FileError::Config(_) | FileError::Watcher(_) => None,
        }
    }

    /// The 1-based line number, for a [`FileError::Line`].
    pub fn line(&self) -> Option<usize> {
        match self {
            FileError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// What is wrong with the line, for a [`FileError::Line`].
    pub fn problem(&self) -> Option<&LineProblem> {
        match self {
            FileError::Line { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// What is wrong with one line of an htpasswd, group or Red5 Pro credentials file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineProblem {
    /// The line is not valid UTF-8.
    NotUtf8,
    /// The line holds a NUL byte. A C reader (Apache) ends the line there and would read a
    /// different name or hash, so the line is refused.
    NulByte,
    /// No `:` between user (or group) name and the rest.
    NoColon,
    /// The user name before `:` is empty.
    EmptyUser,
    /// The group name before `:` is empty.
    EmptyGroup,
    /// The user already appeared on an earlier line.
    DuplicateUser {
        /// The user name (not secret).
        user: String,
        /// Where it first appeared.
        first_line: usize,
    },
    /// The hash matches no supported scheme.
    UnknownScheme,
    /// A `$2x$` bcrypt hash, which is not supported.
    UnsupportedScheme(&'static str),
    /// The value would be a plaintext password and `danger_plaintext` is off.
    PlaintextRefused,
    /// Plaintext (behind `danger_plaintext`) followed by another `:`. Apache ends the value at
    /// that `:` and would take only the part before it as the password, while the text after
    /// it may be the hash that was meant (`user:pw:{SHA}…`): the line is refused, never split.
    PlaintextWithColon,
    /// The scheme is recognised and the hash is malformed.
    MalformedHash {
        /// The scheme (`bcrypt`, `apr1`, …).
        scheme: &'static str,
        /// What is wrong.
        why: &'static str,
    },
    /// A user with an empty hash (htpasswd) or no password (Red5 Pro format).
    EmptyPassword,
    /// Red5 Pro format: backslash escapes and continuation lines are not read.
    BackslashEscape,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineProblem::NotUtf8 => f.write_str("line is not valid UTF-8"),
            LineProblem::NulByte => f.write_str("line holds a NUL byte"),
            LineProblem::NoColon => f.write_str("no `:` on the line (expected `name:value`)"),
            LineProblem::EmptyUser => f.write_str("empty user name"),
            LineProblem::EmptyGroup => f.write_str("empty group name"),
            LineProblem::DuplicateUser { user, first_line } => {
                write!(
                    f,
                    "duplicate user `{user}` (first defined on line {first_line})"
                )
            }
            LineProblem::UnknownScheme => f.write_str(
                "unknown hash scheme (supported: $2y$/$2b$/$2a$ bcrypt, $apr1$, $1$, {SHA}, $5$, \
                 $6$, 13-character DES crypt)",
            ),
            LineProblem::UnsupportedScheme(what) => write!(f, "unsupported hash scheme: {what}"),
            LineProblem::PlaintextRefused => f.write_str(
                "not a known hash scheme; plaintext passwords are refused unless \
                 `danger_plaintext: true` is set",
            ),
            LineProblem::PlaintextWithColon => f.write_str(
                "a plaintext password followed by `:` is ambiguous (Apache would read only the \
                 part before the `:`); hash the password or remove the extra field",
            ),
            LineProblem::MalformedHash { scheme, why } => {
                write!(f, "malformed {scheme} hash: {why}")
            }
            LineProblem::EmptyPassword => f.write_str("user has no password"),
            LineProblem::BackslashEscape => {
                f.write_str("backslash escapes and continuation lines are not supported")
            }
        }
    }
}

impl From<crate::scheme::HashError> for LineProblem {
    fn from(e: crate::scheme::HashError) -> Self {
        use crate::scheme::HashError;
        match e {
            HashError::Empty => LineProblem::EmptyPassword,
            HashError::UnknownScheme => LineProblem::UnknownScheme,
            HashError::UnsupportedBcryptVariant => {
                LineProblem::UnsupportedScheme("bcrypt $2x$ (rehash with $2y$ or $2b$)")
            }
            HashError::PlaintextRefused => LineProblem::PlaintextRefused,
            HashError::Malformed { scheme, why } => LineProblem::MalformedHash { scheme, why },
        }
    }
}
