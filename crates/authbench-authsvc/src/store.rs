//! The user store: identities with hashed passwords and a revoked flag, changed at run time by the
//! admin API.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use authbench_core::{Identities, Identity, Secret};

use crate::password::{Hasher, PasswordHash, RandomError};

/// One user as the store keeps them. Replaced whole on change (copy on write), so a decision in
/// flight keeps the consistent state it started with.
#[derive(Debug)]
pub(crate) struct UserRecord {
    /// Roles, rooms, transports and tenant. Its `password` field is always empty.
    pub(crate) identity: Identity,
    pub(crate) hash: PasswordHash,
    pub(crate) revoked: bool,
}

/// Why an admin operation on a user failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// No user has this name.
    #[error("no user named `{0}`")]
    UnknownUser(String),
    /// A new password must not be empty.
    #[error("the new password for `{0}` is empty")]
    EmptyPassword(String),
    /// The random number generator failed while salting the new password.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// The outcome of a password check.
pub(crate) enum Check {
    /// Name and password match.
    Ok(Arc<UserRecord>),
    /// No such user (a dummy hash was still computed, so this takes as long as a wrong password).
    UnknownUser,
    /// The password does not match.
    BadPassword,
}

#[derive(Debug)]
pub(crate) struct UserStore {
    users: RwLock<HashMap<String, Arc<UserRecord>>>,
    hasher: Hasher,
    /// Checked against for unknown users, so they cost as much as a wrong password.
    dummy: PasswordHash,
}

impl UserStore {
    pub(crate) fn new(identities: &Identities, hasher: Hasher) -> Result<Self, RandomError> {
        let mut users = HashMap::with_capacity(identities.len());
        for (name, identity) in identities {
            let hash = hasher.hash(identity.password.expose())?;
            let record = UserRecord {
                identity: Identity {
                    password: Secret::default(),
                    ..identity.clone()
                },
                hash,
                revoked: identity.revoked,
            };
            users.insert(name.clone(), Arc::new(record));
        }
        let dummy = hasher.hash("authbench dummy password")?;
        Ok(UserStore {
            users: RwLock::new(users),
            hasher,
            dummy,
        })
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Arc<UserRecord>> {
        self.users
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Checks a name and password. An empty stored password never matches.
    pub(crate) fn check_password(&self, name: &str, password: &str) -> Check {
        match self.lookup(name) {
            None => {
                let _ = self.hasher.verify(password, &self.dummy);
                Check::UnknownUser
            }
            Some(record) => {
                if self.hasher.verify(password, &record.hash) && !password.is_empty() {
                    Check::Ok(record)
                } else {
                    Check::BadPassword
                }
            }
        }
    }

    pub(crate) fn set_revoked(&self, name: &str, revoked: bool) -> Result<(), UserError> {
        self.update(name, |old| {
            Ok(UserRecord {
                identity: old.identity.clone(),
                hash: old.hash.clone(),
                revoked,
            })
        })
    }

    pub(crate) fn set_password(&self, name: &str, password: &str) -> Result<(), UserError> {
        if password.is_empty() {
            return Err(UserError::EmptyPassword(name.to_owned()));
        }
        // Hash outside the lock: with a slow scheme this takes a while.
        let hash = self.hasher.hash(password)?;
        self.update(name, move |old| {
            Ok(UserRecord {
                identity: old.identity.clone(),
                hash,
                revoked: old.revoked,
            })
        })
    }

    fn update(
        &self,
        name: &str,
        change: impl FnOnce(&UserRecord) -> Result<UserRecord, UserError>,
    ) -> Result<(), UserError> {
        let mut users = self.users.write().unwrap_or_else(PoisonError::into_inner);
        let slot = users
            .get_mut(name)
            .ok_or_else(|| UserError::UnknownUser(name.to_owned()))?;
        *slot = Arc::new(change(slot)?);
        Ok(())
    }
}
