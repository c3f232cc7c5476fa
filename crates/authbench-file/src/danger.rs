//! Dangerous ways to build a [`FileAuthenticator`]: reading plaintext passwords.
//!
//! A plaintext credentials file gives every password to whoever can read the file (a backup, a
//! support bundle, a misconfigured web root). Nothing outside this module, and no default,
//! reaches these; the config key that does the same is named `danger_plaintext`. Every allow for
//! a plaintext entry carries the note `weak hash scheme: plaintext`.

use std::path::PathBuf;

use crate::config::FileFormat;
use crate::error::FileError;
use crate::{FileAuthenticator, store::Sources};

/// An htpasswd file in which entries that are not a known hash are taken as plaintext passwords
/// (`htpasswd -p`). A value starting with `$` or `{` of an unknown scheme is still refused, and a
/// 13-character value of `./0-9A-Za-z` is read as DES crypt, as Apache on Unix does. A
/// plaintext value followed by another `:` is refused
/// ([`LineProblem::PlaintextWithColon`](crate::LineProblem::PlaintextWithColon)), never split.
///
/// # Errors
///
/// A [`FileError`] naming `file:line` and the problem.
pub fn htpasswd_allowing_plaintext(
    htpasswd: impl Into<PathBuf>,
    groups: Option<PathBuf>,
) -> Result<FileAuthenticator, FileError> {
    FileAuthenticator::load(Sources {
        htpasswd: htpasswd.into(),
        groups,
        format: FileFormat::Htpasswd,
        allow_plaintext: true,
    })
}

/// Red5 Pro's simple-auth credentials file (`username password` per line, `#` comments), as an
/// import format.
///
/// # Errors
///
/// A [`FileError`] naming `file:line` and the problem.
pub fn red5pro_plaintext(
    credentials: impl Into<PathBuf>,
    groups: Option<PathBuf>,
) -> Result<FileAuthenticator, FileError> {
    FileAuthenticator::load(Sources {
        htpasswd: credentials.into(),
        groups,
        format: FileFormat::Red5proPlaintext,
        allow_plaintext: true,
    })
}
