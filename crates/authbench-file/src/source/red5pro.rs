//! Red5 Pro's simple-auth credentials file (`simple-auth-plugin.credentials`): `username
//! password` per line, `#` comments. Red5 Pro reads it as a Java properties file, so `!`
//! comments and `=` or `:` between name and password are accepted too. Backslash escapes and
//! continuation lines are refused rather than half-understood. Passwords are plaintext, so this
//! format is read only behind the `danger_plaintext` switch.

use std::collections::HashMap;
use std::path::Path;

use super::{line_error, lines};
use crate::error::{FileError, LineProblem};
use crate::scheme::StoredHash;

/// Users and their (plaintext) passwords, as stored hashes.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<HashMap<String, StoredHash>, FileError> {
    let mut users: HashMap<String, (StoredHash, usize)> = HashMap::new();
    for line in lines(path, bytes, &['#', '!']) {
        let (number, text) = line?;
        if text.contains('\\') {
            return Err(line_error(path, number, LineProblem::BackslashEscape));
        }
        let end = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == ':')
            .unwrap_or(text.len());
        let (user, rest) = text.split_at(end);
        let rest = rest.trim_start();
        let password = rest.strip_prefix(['=', ':']).unwrap_or(rest).trim_start();
        if user.is_empty() {
            return Err(line_error(path, number, LineProblem::EmptyUser));
        }
        if password.is_empty() {
            return Err(line_error(path, number, LineProblem::EmptyPassword));
        }
        if let Some((_, first_line)) = users.get(user) {
            let problem = LineProblem::DuplicateUser {
                user: user.to_owned(),
                first_line: *first_line,
            };
            return Err(line_error(path, number, problem));
        }
        users.insert(user.to_owned(), (StoredHash::plaintext(password), number));
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
    fn reads_the_documented_form_and_properties_separators() {
        let text =
            b"#Simple auth credentials file\n! also a comment\ntestuser testpass\nb=pw b\nc : x\n";
        let users = parse(Path::new("c"), text).expect("parses");
        assert!(users.get("testuser").is_some_and(|h| h.verify(b"testpass")));
        assert!(users.get("b").is_some_and(|h| h.verify(b"pw b")));
        assert!(users.get("c").is_some_and(|h| h.verify(b"x")));
    }

    #[test]
    fn refuses_what_it_cannot_read_exactly() {
        let cases: [(&[u8], LineProblem); 3] = [
            (b"a b\nlonely\n", LineProblem::EmptyPassword),
            (
                b"a b\na c\n",
                LineProblem::DuplicateUser {
                    user: "a".into(),
                    first_line: 1,
                },
            ),
            (b"a b\\\n c\n", LineProblem::BackslashEscape),
        ];
        for (text, problem) in cases {
            let err = parse(Path::new("c"), text).expect_err("refused");
            assert_eq!(err.problem(), Some(&problem));
        }
    }
}
