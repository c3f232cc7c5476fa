//! File mode for authbench: publish / subscribe decisions from an Apache htpasswd file and an
//! optional Apache group file — the behaviour of Red5 Pro's file validator and MediaMTX's
//! `internal` users, with real hash schemes.
//!
//! * [`FileAuthenticator`] implements [`authbench_core::Authenticator`]; build it with
//!   [`FileAuthenticator::from_config`] (the `file:` section, [`FileConfig`]) or
//!   [`FileAuthenticator::from_paths`].
//! * Schemes ([`Scheme`]): bcrypt (`$2y$`, `$2b$`, `$2a$`), apr1 (`$apr1$`) and `$1$`
//!   MD5-crypt, `{SHA}`, SHA-256/512-crypt (`$5$`, `$6$`, with `rounds=`), DES crypt (13
//!   characters, reported weak). Plaintext only through [`danger`] or `danger_plaintext: true`.
//!   Every hash is parsed when the file is loaded, so a malformed entry is a load error naming
//!   `file:line`, and verification cannot panic. Digests are compared in constant time.
//! * Files are read whole, up to [`MAX_FILE_BYTES`]; CRLF line ends, a UTF-8 byte-order mark,
//!   blank lines and `#` comments are fine; a NUL byte is a line error.
//! * [`FileAuthenticator::reload`] and [`FileAuthenticator::reload_if_changed`] swap in a new
//!   version atomically and keep the old one when the new one is broken; `reload_interval`
//!   polls in the background.
//! * [`fixture`] writes htpasswd, group and Red5 Pro files from [`authbench_core::Identities`].
//! * The `schemars` feature derives the JSON Schema of [`FileConfig`] (paths and durations as
//!   strings), for editors and `authbench validate`.
//!
//! # Example
//!
//! ```
//! use authbench_core::{Action, AuthRequest, Authenticator, Credentials, DenyReason, StreamPath, Transport};
//! use authbench_file::{FileAuthenticator, FileConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Paths in the config are relative to the config file's directory.
//! let config_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
//! let config = FileConfig::new("apache.htpasswd").with_groups("groups.htgroup");
//! let auth = FileAuthenticator::from_config(&config, &config_dir)?;
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let path = StreamPath::new("live/room1/cam1")?;
//! let creds = Credentials::user_password("apr1_user", "apr1-secret");
//! let publish = AuthRequest::new(Action::Publish, Transport::Rtmp, path.clone(), creds.clone());
//! let subscribe = AuthRequest::new(Action::Subscribe, Transport::Rtmp, path, creds);
//!
//! let decision = runtime.block_on(auth.authenticate(&publish));
//! assert_eq!(decision.principal(), Some("apr1_user"));
//! // `apr1_user` is in `publishers` only.
//! let decision = runtime.block_on(auth.authenticate(&subscribe));
//! assert_eq!(decision.reason(), Some(DenyReason::RoleForbidden));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod authenticator;
mod config;
pub mod danger;
mod error;
pub mod fixture;
mod reload;
mod scheme;
mod source;
mod store;
mod watcher;

pub use authenticator::{FileAuthenticator, MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
pub use config::{FileConfig, FileFormat, MIN_RELOAD_INTERVAL};
pub use error::{FileError, LineProblem};
pub use reload::ReloadOutcome;
pub use scheme::{HashingError, Scheme};
pub use source::MAX_FILE_BYTES;
pub use source::htgroup::{PUBLISHERS_GROUP, SUBSCRIBERS_GROUP};
