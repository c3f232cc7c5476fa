//! Hot reload: the current store sits behind an atomic pointer; a reload builds a whole new store
//! and swaps it in, or keeps the old one and says why.

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;

use crate::error::FileError;
use crate::store::{Sources, Stamps, Store};

/// What a reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReloadOutcome {
    /// The files had not changed since the last attempt; nothing was read.
    Unchanged,
    /// A new version was loaded and is now in force.
    Reloaded {
        /// Users in the new version.
        users: usize,
    },
}

/// State shared by the authenticator and its watcher thread.
pub(crate) struct Shared {
    pub(crate) sources: Sources,
    /// The version in force. Requests take an `Arc` of it, so a swap never disturbs a request in
    /// flight: it finishes on the version it started with.
    pub(crate) current: ArcSwap<Store>,
    /// Serialises reloads and remembers the stamps of the last attempt (good or bad), so a broken
    /// file is reported once, not at every poll.
    last_attempt: Mutex<Stamps>,
}

impl Shared {
    pub(crate) fn load(sources: Sources) -> Result<Shared, FileError> {
        let store = Store::load(&sources)?;
        Ok(Shared {
            last_attempt: Mutex::new(store.stamps()),
            current: ArcSwap::from_pointee(store),
            sources,
        })
    }

    /// Reloads; with `only_if_changed`, only when a file's size, mtime or inode moved since the
    /// last attempt.
    pub(crate) fn reload(&self, only_if_changed: bool) -> Result<ReloadOutcome, FileError> {
        let mut last = self
            .last_attempt
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if only_if_changed && self.sources.stamps_now() == *last {
            return Ok(ReloadOutcome::Unchanged);
        }
        match Store::load(&self.sources) {
            Ok(store) => {
                *last = store.stamps();
                let users = store.user_count();
                self.current.store(Arc::new(store));
                tracing::info!(
                    file = %self.sources.htpasswd.display(),
                    users,
                    "file auth: reloaded credentials"
                );
                Ok(ReloadOutcome::Reloaded { users })
            }
            Err(error) => {
                *last = self.sources.stamps_now();
                // The error names file:line and the problem; it never carries a hash or password.
                tracing::warn!(
                    %error,
                    "file auth: new credentials refused; the previous version stays in force"
                );
                Err(error)
            }
        }
    }
}
