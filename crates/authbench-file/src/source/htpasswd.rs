//! Apache htpasswd files: `user:hash` per line.
//!
//! The user name ends at the first `:`. As Apache's `mod_authn_file` does, the hash ends at the
//! next `:` and anything after it is ignored (old files carried comments there); no hash scheme
//! contains a `:`. A plaintext value (behind `danger_plaintext`) followed by a `:` is refused:
//! Apache would take only the part before the `:` as the password, while the password may
//! contain one, or the text after it may be the hash that was meant (`user:pw:{SHA}…`).
//!
//! Unlike Apache, which takes the first of two lines for the same user, a duplicate user is a
//! load error: two entries for one user is a mistake worth hearing about.

use std::collections::HashMap;
use std::path::Path;

use super::{line_error, lines};
use crate::error::{FileError, LineProblem};
use crate::scheme::{Scheme, StoredHash};

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
        let (value, trailing) = match rest.split_once(':') {
            Some((value, _)) => (value, true),
            None => (rest, false),
        };
        let hash = StoredHash::parse(value, allow_plaintext)
            .map_err(|e| line_error(path, number, e.into()))?;
        if trailing && hash.scheme() == Scheme::Plaintext {
            return Err(line_error(path, number, LineProblem::PlaintextWithColon));
        }
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

    #[test]
    fn plaintext_is_never_split_at_a_later_colon() {
        let err = parse(
            Path::new("f"),
            b"ali:ce:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n",
            true,
        )
        .expect_err("refused");
        assert_eq!(err.problem(), Some(&LineProblem::PlaintextWithColon));
        // Without a later colon the danger path reads the whole value.
        let users = parse(Path::new("f"), b"ali:ce\n", true).expect("parses");
        assert!(users.get("ali").is_some_and(|h| h.verify(b"ce")));
    }
}
