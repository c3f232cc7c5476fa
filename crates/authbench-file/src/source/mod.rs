//! Reading the credential files: a size-capped read that records what was read (for change
//! detection), a line splitter, and one parser per format.

pub(crate) mod htgroup;
pub(crate) mod htpasswd;
pub(crate) mod red5pro;

use std::fs::{self, File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{FileError, LineProblem};

/// Largest credential file read: 16 MiB, about 250,000 bcrypt entries. A larger file is refused
/// rather than read into memory; file mode is not meant for user bases that size.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What identifies one version of a file on disk, for `reload_if_changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    /// The inode, so a same-size replacement within the clock's resolution is still seen.
    inode: u64,
}

impl FileStamp {
    fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }

    /// The stamp of the file at `path` now, or `None` if it cannot be read.
    pub(crate) fn now(path: &Path) -> Option<Self> {
        fs::metadata(path).ok().map(|m| FileStamp::of(&m))
    }
}

/// Reads a whole file, refusing one over [`MAX_FILE_BYTES`]. The stamp comes from the open
/// handle, so it describes the bytes returned even if the path is replaced meanwhile.
pub(crate) fn read_capped(path: &Path) -> Result<(Vec<u8>, FileStamp), FileError> {
    let io = |source| FileError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory, not a file")));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            path: path.to_owned(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok((bytes, FileStamp::of(&meta)))
}

/// The meaningful lines of a file: 1-based number and text with surrounding whitespace (and a
/// CRLF's `\r`, and a UTF-8 byte-order mark) removed. Blank lines and lines starting with one of
/// `comment_marks` are skipped. A line that is not UTF-8 or holds a NUL byte is an error.
pub(crate) fn lines<'a>(
    path: &'a Path,
    bytes: &'a [u8],
    comment_marks: &'a [char],
) -> impl Iterator<Item = Result<(usize, &'a str), FileError>> + 'a {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(move |(index, raw)| {
            let number = index + 1;
            let text = match std::str::from_utf8(raw) {
                Ok(text) => text,
                Err(_) => return Some(Err(line_error(path, number, LineProblem::NotUtf8))),
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with(comment_marks) {
                None
            } else if text.contains('\0') {
                Some(Err(line_error(path, number, LineProblem::NulByte)))
            } else {
                Some(Ok((number, text)))
            }
        })
}

/// A [`FileError::Line`].
pub(crate) fn line_error(path: &Path, line: usize, problem: LineProblem) -> FileError {
    FileError::Line {
        path: PathBuf::from(path),
        line,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_comments_blanks_and_crlf() {
        let text = b"\xEF\xBB\xBFa:1\r\n\r\n  # note\r\n b:2 \r\n";
        let got: Vec<_> = lines(Path::new("f"), text, &['#'])
            .collect::<Result<Vec<_>, _>>()
            .expect("utf-8");
        assert_eq!(got, vec![(1, "a:1"), (4, "b:2")]);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = lines(Path::new("f"), b"a:1\n\xff:2\n", &['#'])
            .find_map(Result::err)
            .expect("error");
        assert_eq!(err.line(), Some(2));
        assert_eq!(err.problem(), Some(&LineProblem::NotUtf8));
    }
}
