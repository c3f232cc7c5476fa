//! Apache htpasswd files: `user:hash` per line.
//!
//! As Apache's `mod_authn_file` does, the hash ends at the next `:` and anything after it is
//! ignored (old files carried comments there). Unlike Apache, which takes the first of two
//! lines for the same user, a duplicate user is a load error: two entries for one user is a
//! mistake worth hearing about.

use std::collections::HashMap;
use std::path::Path;

use super::{line_error, lines};
use crate::error::{FileError, LineProblem};
use crate::scheme::StoredHash;

/// Users and their parsed hashes.
pub(crate) fn parse(
    path: &Path,
    bytes: &[u8],
    allow_plaintext: bool,
) -> Result<HashMap<String, StoredHash>, FileError> {
    let mut users: HashMap<String, (StoredHash, usize)> = HashMap::new();
    for line in lines(path, bytes, &['#']) {
        let (number, text) = line?;
        let (user, rest) = text
            .split_once(':')
            .ok_or_else(|| line_error(path, number, LineProblem::NoColon))?;
        if user.is_empty() {
            return Err(line_error(path, number, LineProblem::EmptyUser));
        }
        if let Some((_, first_line)) = users.get(user) {
            let problem = LineProblem::DuplicateUser {
                user: user.to_owned(),
                first_line: *first_line,
            };
            return Err(line_error(path, number, problem));
        }
        let value = rest.split(':').next().unwrap_or_default();
        let hash = StoredHash::parse(value, allow_plaintext)
            .map_err(|e| line_error(path, number, e.into()))?;
        users.insert(user.to_owned(), (hash, number));
    }
    Ok(users
        .into_iter()
        .map(|(user, (hash, _))| (user, hash))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_after_the_hash_are_ignored() {
        let users = parse(
            Path::new("f"),
            b"u:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=:a comment\n",
            false,
        )
        .expect("parses");
        assert!(users.get("u").is_some_and(|h| h.verify(b"pw")));
    }
}
