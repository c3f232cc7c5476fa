//! [`FileAuthenticator`]: the [`Authenticator`] of file mode.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authbench_core::{
    Allow, AuthRequest, Authenticator, Capabilities, Capability, Decision, DenyReason, Role,
    async_trait,
};

use crate::config::{FileConfig, FileFormat, MIN_RELOAD_INTERVAL};
use crate::error::FileError;
use crate::reload::{ReloadOutcome, Shared};
use crate::scheme::Scheme;
use crate::source::htgroup;
use crate::store::{Check, Sources};
use crate::watcher::{self, Watcher};

/// Longest user name accepted; longer is `malformed_credentials` (Apache's htpasswd allows 255).
pub const MAX_USERNAME_BYTES: usize = 256;
/// Longest password accepted; longer is `malformed_credentials`. SHA-crypt and MD5-crypt work
/// grows with the password's length, so an unbounded one would let a client buy CPU time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// File mode: username and password checked against an htpasswd file, roles from an optional
/// Apache group file.
///
/// * Credentials: `username` + `password`; either absent (or an empty user name) is
///   `missing_credentials`; too long is `malformed_credentials`; an unknown user is
///   `unknown_user`, a wrong password `bad_password`; a user outside the action's group (only
///   when a group file is configured) `role_forbidden`. The principal is the user name.
/// * Unknown users cost a verification of a dummy hash of the file's dominant scheme and cost,
///   so timing does not tell which users exist.
/// * An allow for a weak scheme (DES crypt, apr1 / `$1$` MD5-crypt, `{SHA}`, plaintext) carries
///   a note such as `weak hash scheme: DES crypt`.
/// * [`reload`](Self::reload) / [`reload_if_changed`](Self::reload_if_changed) swap in a new
///   version atomically; a broken new file leaves the previous version in force (and is logged
///   with `tracing::warn!`). Requests in flight finish on the version they started with.
///   Replace files by writing a new file and renaming it over the old one: a file rewritten in
///   place can be read half-written, and if the cut falls on a line boundary that half is a valid
///   (shorter) file.
/// * Timing equalisation is exact for users of the file's dominant scheme and cost; in a file
///   mixing schemes, users of the other schemes answer faster or slower than unknown users.
/// * What it cannot do: expiry, rooms, transports, tenants, one-time use and revocation.
///   Removing a user (or changing a password) takes effect only once the file has changed and
///   been reloaded.
pub struct FileAuthenticator {
    shared: Arc<Shared>,
    watcher: Option<Watcher>,
}

impl FileAuthenticator {
    /// Builds the authenticator from the `file:` config section; relative paths are resolved
    /// against `base_dir` (the config file's directory). Starts the reload watcher thread when
    /// `reload_interval` is set.
    ///
    /// # Errors
    ///
    /// A [`FileError`] naming `file:line` and the problem for a bad file, or the inconsistency
    /// for a bad configuration (plaintext format without `danger_plaintext`, too short a
    /// `reload_interval`).
    pub fn from_config(config: &FileConfig, base_dir: &Path) -> Result<Self, FileError> {
        if config.format == FileFormat::Red5proPlaintext && !config.danger_plaintext {
            return Err(FileError::Config(
                "`format: red5pro_plaintext` holds plaintext passwords; set \
                 `danger_plaintext: true` to read it"
                    .into(),
            ));
        }
        let (htpasswd, groups) = config.resolved(base_dir);
        let mut auth = Self::load(Sources {
            htpasswd,
            groups,
            format: config.format,
            allow_plaintext: config.danger_plaintext,
        })?;
        if let Some(interval) = config.reload_interval {
            auth.start_watcher(interval)?;
        }
        Ok(auth)
    }

    /// Builds the authenticator from an htpasswd file and an optional group file. Plaintext
    /// entries are refused (see [`crate::danger`]).
    ///
    /// # Errors
    ///
    /// A [`FileError`] naming `file:line` and the problem.
    pub fn from_paths(
        htpasswd: impl Into<PathBuf>,
        groups: Option<PathBuf>,
    ) -> Result<Self, FileError> {
        Self::load(Sources {
            htpasswd: htpasswd.into(),
            groups,
            format: FileFormat::Htpasswd,
            allow_plaintext: false,
        })
    }

    pub(crate) fn load(sources: Sources) -> Result<Self, FileError> {
        Ok(FileAuthenticator {
            shared: Arc::new(Shared::load(sources)?),
            watcher: None,
        })
    }

    /// Polls the files every `interval` on a background thread and swaps in changed versions
    /// (replacing a watcher already running). The thread ends when the authenticator is dropped.
    ///
    /// # Errors
    ///
    /// [`FileError::Config`] for an interval under 100ms, [`FileError::Watcher`] when the thread
    /// cannot be started.
    pub fn start_watcher(&mut self, interval: Duration) -> Result<(), FileError> {
        if interval < MIN_RELOAD_INTERVAL {
            return Err(FileError::Config(format!(
                "reload_interval must be at least {}",
                authbench_core::duration::format_duration(MIN_RELOAD_INTERVAL)
            )));
        }
        self.watcher = Some(watcher::spawn(Arc::downgrade(&self.shared), interval)?);
        Ok(())
    }

    /// Reads the files again and swaps the new version in.
    ///
    /// # Errors
    ///
    /// The load error; the previous version then stays in force.
    pub fn reload(&self) -> Result<ReloadOutcome, FileError> {
        self.shared.reload(false)
    }

    /// Like [`reload`](Self::reload), but only when a file's size, modification time or inode
    /// changed since the last attempt (good or bad).
    ///
    /// # Errors
    ///
    /// The load error; the previous version then stays in force.
    pub fn reload_if_changed(&self) -> Result<ReloadOutcome, FileError> {
        self.shared.reload(true)
    }

    /// Users in the version in force.
    pub fn user_count(&self) -> usize {
        self.shared.current.load().user_count()
    }

    /// The most common scheme and cost in the version in force (what unknown users are timed
    /// against).
    pub fn dominant_scheme(&self) -> (Scheme, u32) {
        self.shared.current.load().dominant()
    }

    /// Whether a group file is configured (and so roles are enforced).
    pub fn has_groups(&self) -> bool {
        self.shared.sources.groups.is_some()
    }

    /// The credentials file.
    pub fn htpasswd_path(&self) -> &Path {
        &self.shared.sources.htpasswd
    }
}

impl fmt::Debug for FileAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let store = self.shared.current.load();
        let sources = &self.shared.sources;
        f.debug_struct("FileAuthenticator")
            .field("htpasswd", &sources.htpasswd)
            .field("groups", &sources.groups)
            .field("format", &sources.format)
            .field("danger_plaintext", &sources.allow_plaintext)
            .field("users", &store.user_count())
            .field("dominant_scheme", &store.dominant())
            .field(
                "reload_interval",
                &self.watcher.as_ref().map(|w| w.interval),
            )
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Authenticator for FileAuthenticator {
    fn mode(&self) -> &str {
        "file"
    }

    fn capabilities(&self) -> Capabilities {
        let caps = Capabilities::none()
            .with(Capability::PasswordChange)
            .with(Capability::OfflineDecision);
        if self.has_groups() {
            caps.with(Capability::Roles)
        } else {
            caps
        }
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let creds = &req.credentials;
        let (Some(user), Some(password)) = (creds.username.as_deref(), creds.password.as_ref())
        else {
            return Decision::deny(
                DenyReason::MissingCredentials,
                "file mode needs a user name and a password",
            );
        };
        if user.is_empty() {
            return Decision::deny(DenyReason::MissingCredentials, "the user name is empty");
        }
        if user.len() > MAX_USERNAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
            return Decision::deny(
                DenyReason::MalformedCredentials,
                format!(
                    "user name over {MAX_USERNAME_BYTES} bytes or password over \
                     {MAX_PASSWORD_BYTES} bytes"
                ),
            );
        }
        let role = Role::for_action(req.action);
        let store = self.shared.current.load_full();

        // bcrypt, SHA-crypt and MD5-crypt take from a tenth of a millisecond to hundreds of
        // milliseconds by design; run inline they would stall every other task on this async
        // worker thread (tokio's rule of thumb: at most 10-100µs between awaits). So inside a
        // tokio runtime they go to the blocking pool. Cheap schemes ({SHA}, DES, plaintext:
        // microseconds) stay inline, where the hand-off would cost more than the work. Outside tokio (another executor) everything runs inline. An unknown user takes
        // the same path as a user of the dominant scheme, since its dummy hash has that scheme.
        let in_tokio = tokio::runtime::Handle::try_current().is_ok();
        let check = if in_tokio && store.scheme_for(user).is_expensive() {
            let user = user.to_owned();
            let password = password.clone();
            let task = tokio::task::spawn_blocking(move || {
                store.check(&user, password.expose().as_bytes(), role)
            });
            match task.await {
                Ok(check) => check,
                Err(_) => {
                    return Decision::deny(
                        DenyReason::BackendUnavailable,
                        "password verification did not complete (runtime shutting down)",
                    );
                }
            }
        } else {
            store.check(user, password.expose().as_bytes(), role)
        };

        match check {
            Check::Allow { note } => Decision::Allow(Allow {
                principal: user.to_owned(),
                expires_at: None,
                note: note.map(str::to_owned),
            }),
            Check::UnknownUser => Decision::deny(
                DenyReason::UnknownUser,
                "no such user in the credentials file",
            ),
            Check::BadPassword => {
                Decision::deny(DenyReason::BadPassword, "the password does not match")
            }
            Check::RoleForbidden(role) => Decision::deny(
                DenyReason::RoleForbidden,
                format!(
                    "{} needs membership of the `{}` group",
                    req.action,
                    htgroup::group_for(role)
                ),
            ),
        }
    }
}
