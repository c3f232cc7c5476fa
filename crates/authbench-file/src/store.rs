//! One loaded, immutable version of the credential files, and the decision logic over it.

use std::collections::HashMap;
use std::path::PathBuf;

use authbench_core::Role;

use crate::config::FileFormat;
use crate::error::FileError;
use crate::scheme::{Scheme, StoredHash, hash_with_salt};
use crate::source::{self, FileStamp, htgroup, htpasswd, red5pro};

/// Where the store is loaded from.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    pub(crate) htpasswd: PathBuf,
    pub(crate) groups: Option<PathBuf>,
    pub(crate) format: FileFormat,
    pub(crate) allow_plaintext: bool,
}

/// The on-disk versions a store was loaded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamps {
    htpasswd: Option<FileStamp>,
    groups: Option<FileStamp>,
}

impl Sources {
    /// The files' stamps now (`None` for a file that cannot be read).
    pub(crate) fn stamps_now(&self) -> Stamps {
        Stamps {
            htpasswd: FileStamp::now(&self.htpasswd),
            groups: self.groups.as_deref().and_then(FileStamp::now),
        }
    }
}

/// The outcome of checking one user name and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    Allow { note: Option<&'static str> },
    UnknownUser,
    BadPassword,
    RoleForbidden(Role),
}

/// A loaded version of the files.
pub(crate) struct Store {
    users: HashMap<String, StoredHash>,
    roles: Option<HashMap<String, htgroup::RoleSet>>,
    /// Verified for unknown users so they cost what a wrong password costs.
    dummy: StoredHash,
    dominant: (Scheme, u32),
    stamps: Stamps,
}

/// Password the dummy hash is made from. Its value does not matter: an unknown user is denied
/// whatever the dummy verification says.
const DUMMY_PASSWORD: &str = "authbench-file timing dummy";

impl Store {
    /// Reads and parses every file. Any error leaves nothing half-built.
    pub(crate) fn load(sources: &Sources) -> Result<Store, FileError> {
        let (bytes, htpasswd_stamp) = source::read_capped(&sources.htpasswd)?;
        let users = match sources.format {
            FileFormat::Htpasswd => {
                htpasswd::parse(&sources.htpasswd, &bytes, sources.allow_plaintext)?
            }
            FileFormat::Red5proPlaintext => {
                if !sources.allow_plaintext {
                    return Err(FileError::Config(
                        "`format: red5pro_plaintext` holds plaintext passwords; set \
                         `danger_plaintext: true` to read it"
                            .into(),
                    ));
                }
                red5pro::parse(&sources.htpasswd, &bytes)?
            }
        };
        let (roles, groups_stamp) = match &sources.groups {
            Some(path) => {
                let (bytes, stamp) = source::read_capped(path)?;
                (Some(htgroup::parse(path, &bytes)?), Some(stamp))
            }
            None => (None, None),
        };
        let dominant = dominant_scheme(&users);
        Ok(Store {
            dummy: dummy_hash(dominant),
            users,
            roles,
            dominant,
            stamps: Stamps {
                htpasswd: Some(htpasswd_stamp),
                groups: groups_stamp,
            },
        })
    }

    /// The scheme verification will run for `user`: theirs, or the dummy's for an unknown user.
    pub(crate) fn scheme_for(&self, user: &str) -> Scheme {
        self.users.get(user).unwrap_or(&self.dummy).scheme()
    }

    /// Checks `user` / `password` for `role`. The role is looked at only after the password
    /// verified, so a role deny tells nothing to someone without the password.
    pub(crate) fn check(&self, user: &str, password: &[u8], role: Role) -> Check {
        let Some(hash) = self.users.get(user) else {
            // Same work as a wrong password; black_box keeps it from being optimised away.
            std::hint::black_box(self.dummy.verify(std::hint::black_box(password)));
            return Check::UnknownUser;
        };
        if !hash.verify(password) {
            return Check::BadPassword;
        }
        if let Some(roles) = &self.roles {
            let held = roles.get(user).copied().unwrap_or_default();
            if !held.has(role) {
                return Check::RoleForbidden(role);
            }
        }
        Check::Allow {
            note: hash.scheme().weak_note(),
        }
    }

    pub(crate) fn user_count(&self) -> usize {
        self.users.len()
    }

    pub(crate) fn dominant(&self) -> (Scheme, u32) {
        self.dominant
    }

    pub(crate) fn stamps(&self) -> Stamps {
        self.stamps
    }
}

/// The most common (scheme, cost) pair; ties go to the costlier pair, so the dummy never makes
/// unknown users cheaper than the users it stands beside. An empty file gets bcrypt at
/// Apache htpasswd's default cost (there is no user whose existence could leak).
fn dominant_scheme(users: &HashMap<String, StoredHash>) -> (Scheme, u32) {
    let mut counts: HashMap<(Scheme, u32), usize> = HashMap::new();
    for hash in users.values() {
        *counts.entry((hash.scheme(), hash.cost())).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&((scheme, cost), n)| (n, scheme.is_expensive(), cost, scheme))
        .map(|(pair, _)| pair)
        .unwrap_or((Scheme::Bcrypt, Scheme::Bcrypt.default_cost()))
}

/// A hash of [`DUMMY_PASSWORD`] with the given scheme and cost. Plaintext needs no hashing;
/// every other pair comes from a parsed entry, so hashing cannot fail — if it did, the
/// `{SHA}` fallback keeps loading infallible (the dummy only affects timing, never a decision).
fn dummy_hash((scheme, cost): (Scheme, u32)) -> StoredHash {
    if scheme == Scheme::Plaintext {
        return StoredHash::plaintext(DUMMY_PASSWORD);
    }
    hash_with_salt(scheme, cost, DUMMY_PASSWORD, [0x5a; 16])
        .ok()
        .and_then(|h| StoredHash::parse(&h, false).ok())
        .unwrap_or_else(|| StoredHash::plaintext(DUMMY_PASSWORD))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(hashes: &[&str]) -> HashMap<String, StoredHash> {
        hashes
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    format!("u{i}"),
                    StoredHash::parse(h, false).expect("parses"),
                )
            })
            .collect()
    }

    #[test]
    fn dummy_follows_the_dominant_scheme_and_cost() {
        let b5 = "$2y$05$FkezfUoN1RAH/yN5O0bciO5Lcn96TaUM/MQSv8br6KZ3nrtLOB5TK";
        let sha = "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=";
        assert_eq!(dominant_scheme(&users(&[b5, b5, sha])), (Scheme::Bcrypt, 5));
        assert_eq!(dominant_scheme(&users(&[b5, sha, sha])), (Scheme::Sha1, 0));
        // A tie goes to the costlier scheme.
        assert_eq!(dominant_scheme(&users(&[b5, sha])), (Scheme::Bcrypt, 5));
        assert_eq!(dominant_scheme(&HashMap::new()), (Scheme::Bcrypt, 5));
        let dummy = dummy_hash((Scheme::Bcrypt, 5));
        assert_eq!((dummy.scheme(), dummy.cost()), (Scheme::Bcrypt, 5));
        let dummy = dummy_hash((Scheme::Sha512Crypt, 12_000));
        assert_eq!(
            (dummy.scheme(), dummy.cost()),
            (Scheme::Sha512Crypt, 12_000)
        );
    }
}
