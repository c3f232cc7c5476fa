//! Writing credential files from the one identity model, for tests, scenarios and benchmarks.
//!
//! The output is what Apache's `htpasswd` would write (bcrypt as `$2y$`, SHA-crypt without
//! `rounds=` at the default 5000) with fresh random salts. Every identity is written, revoked
//! or not: file mode cannot express revocation, and the fixture does not pretend it can.

use std::fmt::Write as _;

use authbench_core::{Identities, Role};

use crate::scheme::{HashingError, Scheme, hash_with_salt};
use crate::source::htgroup::{PUBLISHERS_GROUP, SUBSCRIBERS_GROUP};

/// Why a fixture could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// The user name cannot appear in the file as is (empty, or with `:`, whitespace, a control
    /// character, or a leading `#`).
    #[error("user name `{0}` cannot be written to a credentials file")]
    BadUserName(String),
    /// The password could not be hashed (cost out of range, or plaintext that the file format
    /// cannot hold).
    #[error("user `{user}`: {source}")]
    Hashing {
        /// The user.
        user: String,
        /// Why.
        #[source]
        source: HashingError,
    },
    /// The operating system's random source failed.
    #[error("no random salt available: {0}")]
    Random(#[source] getrandom::Error),
}

/// Hashes one password as `scheme` with a random salt. `cost` is the bcrypt cost (4..=31) or the
/// SHA-crypt rounds (1000..=999999999) and is ignored by fixed-cost schemes; see
/// [`Scheme::default_cost`].
///
/// # Errors
///
/// [`FixtureError::Hashing`] for a cost out of range or an unrepresentable plaintext,
/// [`FixtureError::Random`] if no randomness is available.
pub fn hash_password(scheme: Scheme, cost: u32, password: &str) -> Result<String, FixtureError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(FixtureError::Random)?;
    hash_with_salt(scheme, cost, password, salt).map_err(|source| FixtureError::Hashing {
        user: String::new(),
        source,
    })
}

/// An htpasswd file with one `user:hash` line per identity, in name order.
///
/// # Errors
///
/// See [`hash_password`]; also [`FixtureError::BadUserName`].
pub fn htpasswd_for(ids: &Identities, scheme: Scheme, cost: u32) -> Result<String, FixtureError> {
    let mut out = String::new();
    for (user, identity) in ids {
        check_user(user)?;
        let hash =
            hash_password(scheme, cost, identity.password.expose()).map_err(|e| match e {
                FixtureError::Hashing { source, .. } => FixtureError::Hashing {
                    user: user.clone(),
                    source,
                },
                other => other,
            })?;
        let _ = writeln!(out, "{user}:{hash}");
    }
    Ok(out)
}

/// An Apache group file: a `publishers:` and a `subscribers:` line listing the identities that
/// hold each role (an identity with no roles listed holds both).
pub fn htgroup_for(ids: &Identities) -> String {
    let members = |role: Role| {
        ids.iter()
            .filter(|(_, identity)| identity.has_role(role))
            .map(|(user, _)| user.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "{PUBLISHERS_GROUP}: {}\n{SUBSCRIBERS_GROUP}: {}\n",
        members(Role::Publisher),
        members(Role::Subscriber)
    )
}

/// A Red5 Pro simple-auth credentials file (`username password` per line, plaintext).
///
/// # Errors
///
/// [`FixtureError::BadUserName`], or [`FixtureError::Hashing`] for a password that is empty,
/// contains a backslash or a line break, or has leading or trailing whitespace.
pub fn red5pro_plaintext_for(ids: &Identities) -> Result<String, FixtureError> {
    let mut out = String::from("#Simple auth credentials file\n");
    for (user, identity) in ids {
        check_user(user)?;
        let password = identity.password.expose();
        if password.is_empty()
            || password.contains(['\\', '\n', '\r'])
            || password.trim() != password
        {
            return Err(FixtureError::Hashing {
                user: user.clone(),
                source: HashingError::PlaintextUnrepresentable,
            });
        }
        let _ = writeln!(out, "{user} {password}");
    }
    Ok(out)
}

fn check_user(user: &str) -> Result<(), FixtureError> {
    let bad = user.is_empty()
        || user.starts_with(['#', '!'])
        || user
            .chars()
            .any(|c| c == ':' || c == '=' || c.is_whitespace() || c.is_control());
    if bad {
        Err(FixtureError::BadUserName(user.to_owned()))
    } else {
        Ok(())
    }
}
