//! The deployment config: one section per mode, the identities, and the reference service's
//! options. `authbench decide --config`, `authbench token --config` and `authbench serve --config`
//! read it; paths inside it are relative to the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use authbench_authsvc::ServiceConfig;
use authbench_core::{Authenticator, Clock, Identities};
use authbench_file::{FileAuthenticator, FileConfig};
use authbench_jwt::{JwtAuthenticator, JwtConfig};
use authbench_roundtrip::{RoundTripAuthenticator, RoundTripConfig};
use serde::Deserialize;

use crate::Mode;
use crate::yaml::{self, YamlError};

/// The deployment config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    /// File mode: htpasswd (+ group) file.
    #[serde(default)]
    pub file: Option<FileConfig>,
    /// JWT mode: keys, claim profile, issuers, audiences, TTL cap.
    #[serde(default)]
    pub jwt: Option<JwtConfig>,
    /// Round-trip mode: the auth service's URL, wire protocol, timeout.
    #[serde(default)]
    pub roundtrip: Option<RoundTripConfig>,
    /// The reference auth service (`authbench serve`).
    #[serde(default)]
    pub service: Option<ServiceConfig>,
    /// The users (for the reference service and `authbench token`).
    #[serde(default)]
    pub identities: Identities,
}

/// A config and the folder its relative paths start from.
#[derive(Debug)]
pub struct LoadedConfig {
    /// The parsed config.
    pub config: DeploymentConfig,
    /// The file it came from.
    pub path: PathBuf,
    /// The folder relative paths in it are resolved against.
    pub base_dir: PathBuf,
}

/// Why an authenticator could not be built from a config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The YAML itself is wrong.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// The config has no section for the mode asked for.
    #[error("{file}: has no `{mode}:` section")]
    MissingSection {
        /// The config file.
        file: String,
        /// The mode asked for.
        mode: Mode,
    },
    /// The mode refused its section.
    #[error("{file}: `{mode}:` section: {message}")]
    Mode {
        /// The config file.
        file: String,
        /// The mode.
        mode: Mode,
        /// What the mode said.
        message: String,
    },
}

/// Reads a deployment config.
pub fn load(path: &Path) -> Result<LoadedConfig, YamlError> {
    let config = yaml::load(path)?;
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(LoadedConfig {
        config,
        path: path.to_owned(),
        base_dir,
    })
}

/// Builds the authenticator for `mode` from the config's section for it.
pub async fn build_authenticator(
    mode: Mode,
    loaded: &LoadedConfig,
    clock: Arc<dyn Clock>,
) -> Result<Arc<dyn Authenticator>, ConfigError> {
    let file = loaded.path.display().to_string();
    let missing = || ConfigError::MissingSection {
        file: file.clone(),
        mode,
    };
    let refused = |message: String| ConfigError::Mode {
        file: file.clone(),
        mode,
        message,
    };
    match mode {
        Mode::File => {
            let section = loaded.config.file.as_ref().ok_or_else(missing)?;
            let auth = FileAuthenticator::from_config(section, &loaded.base_dir)
                .map_err(|e| refused(e.to_string()))?;
            Ok(Arc::new(auth))
        }
        Mode::Jwt => {
            let section = loaded.config.jwt.as_ref().ok_or_else(missing)?;
            let auth = JwtAuthenticator::from_config(section, &loaded.base_dir, clock)
                .await
                .map_err(|e| refused(e.to_string()))?;
            Ok(Arc::new(auth))
        }
        Mode::Roundtrip => {
            let section = loaded.config.roundtrip.as_ref().ok_or_else(missing)?;
            let auth = RoundTripAuthenticator::from_config(section, &loaded.base_dir, clock)
                .map_err(|e| refused(e.to_string()))?;
            Ok(Arc::new(auth))
        }
    }
}
