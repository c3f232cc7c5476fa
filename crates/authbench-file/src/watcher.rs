//! The optional background reload: a plain thread that polls the files' stamps.
//!
//! A thread rather than a tokio task: it needs no runtime (the authenticator may be driven by
//! any executor, or built before a runtime exists), reloading does blocking file I/O and
//! hashing, and a timer-less runtime cannot make it panic. It stops when the authenticator is
//! dropped (its channel disconnects) and holds only a weak reference, so it never keeps the
//! store alive.

use std::sync::Weak;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use crate::error::FileError;
use crate::reload::Shared;

/// Keeps the watcher thread running; dropping it stops the thread at its next wake-up.
pub(crate) struct Watcher {
    _stop: Sender<()>,
    pub(crate) interval: Duration,
}

pub(crate) fn spawn(shared: Weak<Shared>, interval: Duration) -> Result<Watcher, FileError> {
    let (stop, stopped) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("authbench-file-reload".into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                let Some(shared) = shared.upgrade() else {
                    break;
                };
                // A failure is logged inside and the previous version stays in force.
                let _ = shared.reload(true);
            }
        })
        .map_err(FileError::Watcher)?;
    Ok(Watcher {
        _stop: stop,
        interval,
    })
}
