//! The `file:` section of the deployment config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Shortest accepted `reload_interval`: polling a file faster than this buys nothing.
pub const MIN_RELOAD_INTERVAL: Duration = Duration::from_millis(100);

/// Which format the credentials file (`htpasswd:`) is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Apache htpasswd: `user:hash` per line.
    #[default]
    Htpasswd,
    /// Red5 Pro's simple-auth credentials file: `username password` per line, plaintext.
    /// Needs `danger_plaintext: true`.
    Red5proPlaintext,
}

/// File mode configuration, the `file:` section of a deployment config:
///
/// ```yaml
/// file:
///   htpasswd: users.htpasswd       # required; relative to the config file
///   groups: users.htgroup          # optional: "publishers: alice bob" / "subscribers: carol"
///   format: htpasswd               # or red5pro_plaintext (needs danger_plaintext)
///   danger_plaintext: false        # accept plaintext passwords (htpasswd -p, Red5 Pro file)
///   reload_interval: 5s            # optional: poll the files and reload when they change
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The credentials file (htpasswd, or Red5 Pro's file with `format: red5pro_plaintext`).
    pub htpasswd: PathBuf,
    /// The optional group file. With it, users need the `publishers` / `subscribers` group for
    /// each action; without it every valid user may publish and subscribe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<PathBuf>,
    /// The credentials file's format.
    #[serde(default)]
    pub format: FileFormat,
    /// Accept plaintext passwords. Dangerous: anyone who reads the file has every password.
    #[serde(default)]
    pub danger_plaintext: bool,
    /// Poll the files this often and swap in a changed version (at least 100ms).
    #[serde(
        default,
        with = "authbench_core::duration::serde_human_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub reload_interval: Option<Duration>,
}

impl FileConfig {
    /// An htpasswd file with no group file, no plaintext and no reload watcher.
    pub fn new(htpasswd: impl Into<PathBuf>) -> Self {
        FileConfig {
            htpasswd: htpasswd.into(),
            groups: None,
            format: FileFormat::Htpasswd,
            danger_plaintext: false,
            reload_interval: None,
        }
    }

    /// The same configuration with a group file.
    pub fn with_groups(mut self, groups: impl Into<PathBuf>) -> Self {
        self.groups = Some(groups.into());
        self
    }

    /// The same configuration polling for changes every `interval`.
    pub fn with_reload_interval(mut self, interval: Duration) -> Self {
        self.reload_interval = Some(interval);
        self
    }

    /// The paths resolved against `base_dir` (absolute paths stay as they are).
    pub(crate) fn resolved(&self, base_dir: &Path) -> (PathBuf, Option<PathBuf>) {
        (
            base_dir.join(&self.htpasswd),
            self.groups.as_ref().map(|g| base_dir.join(g)),
        )
    }
}
