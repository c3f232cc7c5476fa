//! The deployment config: one section per mode, the identities, and the reference service's
//! options. `authbench decide --config`, `authbench token --config` and `authbench serve --config`
//! read it; paths inside it are relative to the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use authbench_authsvc::{ClaimsFn, ClaimsInput, ServiceConfig};
use authbench_core::{Authenticator, Clock, Identities};
use authbench_file::{FileAuthenticator, FileConfig};
use authbench_jwt::{JwtAuthenticator, JwtConfig};
use authbench_roundtrip::{RoundTripAuthenticator, RoundTripConfig};
use serde::Deserialize;
use serde_json::{Value, json};

use authbench_core::Mode;
use authbench_scenario::yaml::{self, YamlError};

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
#[non_exhaustive]
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
    #[error("{file}: `{mode}:` section: {source}")]
    Mode {
        /// The config file.
        file: String,
        /// The mode.
        mode: Mode,
        /// The mode's own error (a file, JWT or round-trip configuration error).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
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
    let refused = |source: Box<dyn std::error::Error + Send + Sync>| ConfigError::Mode {
        file: file.clone(),
        mode,
        source,
    };
    match mode {
        Mode::File => {
            let section = loaded.config.file.as_ref().ok_or_else(missing)?;
            let auth = FileAuthenticator::from_config(section, &loaded.base_dir)
                .map_err(|e| refused(e.into()))?;
            Ok(Arc::new(auth))
        }
        Mode::Jwt => {
            let section = loaded.config.jwt.as_ref().ok_or_else(missing)?;
            let auth = JwtAuthenticator::from_config(section, &loaded.base_dir, clock)
                .await
                .map_err(|e| refused(e.into()))?;
            Ok(Arc::new(auth))
        }
        Mode::Roundtrip => {
            let section = loaded.config.roundtrip.as_ref().ok_or_else(missing)?;
            let auth = RoundTripAuthenticator::from_config(section, &loaded.base_dir, clock)
                .map_err(|e| refused(e.into()))?;
            Ok(Arc::new(auth))
        }
    }
}

/// How the reference service shapes the tokens it issues for a deployment whose validators use
/// `jwt`: the claim profile's layout (Red5 Pro's comma-separated `roles`, MediaMTX's
/// `mediamtx_permissions`, …), with the service's own issuer, audience and token id. Only the
/// claims are taken from `jwt`; the service signs with its own keys.
pub fn issued_claims(jwt: JwtConfig) -> ClaimsFn {
    Arc::new(move |input: &ClaimsInput<'_>| profile_claims(&jwt, input))
}

/// The claims of a token the reference service issues: the JWT profile's shape, with the
/// service's own issuer, audience and token id.
fn profile_claims(profile_config: &JwtConfig, input: &ClaimsInput<'_>) -> Value {
    let mut claims = authbench_jwt::claims_for(
        profile_config,
        input.username,
        input.identity,
        input.issued_at,
        input.expires_at,
    );
    if let Value::Object(map) = &mut claims {
        map.insert("iss".into(), json!(input.issuer));
        match input.audience {
            Some(aud) => map.insert("aud".into(), json!(aud)),
            None => map.remove("aud"),
        };
        map.insert("jti".into(), json!(input.jwt_id));
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_section_keeps_the_mode_error_as_its_source() {
        let dir = std::env::temp_dir().join(format!("authbench-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("deploy.yaml");
        std::fs::write(&path, "file:\n  htpasswd: missing.htpasswd\n").expect("write");
        let loaded = load(&path).expect("parses");
        let result =
            build_authenticator(Mode::File, &loaded, Arc::new(authbench_core::SystemClock)).await;
        let _ = std::fs::remove_dir_all(&dir);
        let Err(err) = result else {
            panic!("a missing htpasswd file was accepted");
        };
        let ConfigError::Mode { mode, source, .. } = &err else {
            panic!("expected ConfigError::Mode, got {err:?}");
        };
        assert_eq!(*mode, Mode::File);
        let file_error = source
            .downcast_ref::<authbench_file::FileError>()
            .expect("the file mode's own error is kept");
        assert!(
            matches!(file_error, authbench_file::FileError::Io { .. }),
            "{file_error:?}"
        );
        assert!(err.to_string().contains("missing.htpasswd"), "{err}");
    }
}
