//! Configuration and minting errors. They name the file, variable or key at fault and never carry
//! key or secret material.

use std::path::PathBuf;

use jsonwebtoken::errors::ErrorKind;

/// Why a `jwt:` section cannot be turned into an authenticator or a minter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtConfigError {
    /// `algorithms` is empty.
    #[error("jwt.algorithms is empty: list the accepted algorithms, e.g. [HS256]")]
    NoAlgorithms,
    /// No key source at all.
    #[error(
        "jwt: no key source: set secret_file, secret_env, public_keys, jwks_file, jwks_url or oidc_discovery"
    )]
    NoKeySource,
    /// Two sources for the same thing (`secret_file` and `secret_env`, `jwks_url` and `oidc_discovery`).
    #[error("jwt: {0} and {1} cannot both be set")]
    Conflict(&'static str, &'static str),
    /// A file could not be read.
    #[error("jwt.{key}: cannot read {}: {source}", path.display())]
    Read {
        /// The config key naming the file.
        key: &'static str,
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `secret_env` names a variable that is not set (or not UTF-8).
    #[error("jwt.secret_env: environment variable `{0}` is not set")]
    SecretEnvMissing(String),
    /// The HMAC secret is shorter than 32 bytes (Red5 Pro requires at least 32).
    #[error("jwt: the HMAC secret from {source_name} is {len} bytes; at least 32 are required")]
    WeakSecret {
        /// `secret_file <path>` or `secret_env <VAR>`.
        source_name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// A key file or JWKS entry is not a usable key.
    #[error("jwt.{key}: {location}: {reason}")]
    BadKey {
        /// The config key (`public_keys`, `jwks_file`, `signing_key`, …).
        key: &'static str,
        /// The file (and entry) at fault.
        location: String,
        /// What is wrong, without key material.
        reason: String,
    },
    /// An algorithm is allowed but no configured key can verify it.
    #[error("jwt.algorithms: {alg} is allowed but no configured key can verify it ({needs})")]
    AlgorithmWithoutKey {
        /// The algorithm.
        alg: String,
        /// What kind of key it needs.
        needs: &'static str,
    },
    /// A value is out of range or does not fit the profile.
    #[error("jwt.{key}: {reason}")]
    Invalid {
        /// The config key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A URL cannot be used.
    #[error("jwt.{key}: `{url}` is not an http(s) URL")]
    BadUrl {
        /// The config key.
        key: &'static str,
        /// The URL as configured, with user info and query values redacted
        /// ([`authbench_core::redact::url`]).
        url: String,
    },
    /// The HTTP client could not be built.
    #[error("jwt: cannot build the HTTP client for JWKS")]
    HttpClient(#[source] reqwest::Error),
    /// Remote key sources need the async constructor.
    #[error(
        "jwt: jwks_url / oidc_discovery need the async constructor JwtAuthenticator::from_config"
    )]
    RemoteNeedsAsync,
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MintError {
    /// No key to sign with for any configured algorithm.
    #[error(
        "cannot mint: no signing key fits jwt.algorithms (HS* need secret_file/secret_env, others need signing_key)"
    )]
    NoSigningKey,
    /// The TTL or time overflows.
    #[error("cannot mint: issued_at + ttl overflows")]
    TimeOverflow,
    /// Signing failed (the message describes the failure without key material; the
    /// jsonwebtoken error is the source).
    #[error("cannot mint: signing failed: {}", describe_key_error(.0.kind()))]
    Sign(#[source] jsonwebtoken::errors::Error),
}

/// A short description of a jsonwebtoken error for config messages. Key-parse errors carry no key
/// material; JSON and base64 errors carry positions only.
pub(crate) fn describe_key_error(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::InvalidKeyFormat => "not a key of a supported format".to_owned(),
        ErrorKind::InvalidRsaKey(_) => "not a valid RSA key".to_owned(),
        ErrorKind::InvalidEcdsaKey => "not a valid P-256/P-384 EC key".to_owned(),
        ErrorKind::InvalidEddsaKey => "not a valid Ed25519 key".to_owned(),
        ErrorKind::UnsupportedAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "unsupported key type or algorithm".to_owned()
        }
        ErrorKind::Base64(_) => "bad base64 in the key".to_owned(),
        ErrorKind::Json(e) => format!("bad JSON at line {} column {}", e.line(), e.column()),
        _ => "unusable key".to_owned(),
    }
}
