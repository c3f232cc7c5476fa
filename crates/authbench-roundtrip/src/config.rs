//! The `roundtrip:` section of a deployment config.
//!
//! ```yaml
//! roundtrip:
//!   url: http://127.0.0.1:8089/validateCredentials
//!   protocol: red5pro            # red5pro | mediamtx | nginx-rtmp | srs
//!   timeout: 2s                  # per attempt; Red5 Pro's own validator uses 9s
//!   retries: 0                   # extra attempts after connection errors only (at most 5)
//!   cache_ttl: 30s               # cache allows this long (absent or 0: no cache)
//!   cache_max_entries: 10000
//!   ca_file: ca.pem              # extra trusted CA for https (PEM, relative to the config file)
//!   invalidate_url: http://127.0.0.1:8089/invalidateCredentials   # red5pro; derived from url by default
//!   danger_lazy_auth: false      # red5pro lazyAuth: admit first, check later, FAIL OPEN
//!   headers:                     # sent with every validation and invalidation request
//!     X-Api-Key: "…"             # values are secrets: never shown, only sent
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use authbench_core::duration::serde_human_opt;
use authbench_core::{Secret, redact};
use serde::{Deserialize, Serialize};

/// Default time allowed for one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// The timeout Red5 Pro's `RoundTripAuthValidator` uses (connect, pool and socket), for
/// `timeout: 9s` when reproducing it.
pub const RED5PRO_TIMEOUT: Duration = Duration::from_secs(9);
/// Default bound on cached decisions.
pub const DEFAULT_CACHE_MAX_ENTRIES: usize = 10_000;
/// Most retries allowed.
pub const MAX_RETRIES: u32 = 5;

/// The wire protocol spoken to the auth service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Red5 Pro Round-Trip Authentication (`POST validateCredentials`, `{"result": bool}`).
    Red5pro,
    /// MediaMTX `authMethod: http` (`POST authHTTPAddress`, 2xx allows).
    Mediamtx,
    /// nginx-rtmp-module `on_publish` / `on_play` (a form `POST`; 2xx continues, 3xx continues
    /// under the name in `Location`, anything else drops the client).
    #[serde(rename = "nginx-rtmp")]
    NginxRtmp,
    /// SRS `http_hooks` `on_publish` / `on_play` (a JSON `POST`; only `200` with the body `0` or
    /// `{"code": 0}` allows).
    Srs,
}

impl Protocol {
    /// The config name (`red5pro`, `mediamtx`, `nginx-rtmp`, `srs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Red5pro => "red5pro",
            Protocol::Mediamtx => "mediamtx",
            Protocol::NginxRtmp => "nginx-rtmp",
            Protocol::Srs => "srs",
        }
    }
}

/// The `roundtrip:` section. Contract keys: `url`, `protocol`, `timeout`. `Debug` shows the URLs
/// through [`authbench_core::redact::url`]: no user info (`user:password@`), no query values
/// (`?api_key=…`).
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RoundTripConfig {
    /// Where decisions are asked (`http` or `https`).
    pub url: String,
    /// The wire protocol.
    pub protocol: Protocol,
    /// Time allowed for one attempt, connect to last byte (default 2s).
    #[serde(default, with = "serde_human_opt")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub timeout: Option<Duration>,
    /// Extra attempts after a connection error (refused, reset before connecting); never after a
    /// timeout or an answer (default 0, at most 5).
    #[serde(default)]
    pub retries: u32,
    /// How long an allow is reused without asking again (absent or `0`: no cache). A cached allow
    /// outlives a revocation or password change by up to this long: that staleness is the price.
    #[serde(default, with = "serde_human_opt")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub cache_ttl: Option<Duration>,
    /// Most cached allows kept (default 10,000); the oldest go first.
    #[serde(default)]
    pub cache_max_entries: Option<usize>,
    /// A PEM file of extra CA certificates trusted for `https` (besides the system's).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Red5 Pro `invalidateCredentials` URL; by default `url` with its last path segment
    /// `validateCredentials` replaced by `invalidateCredentials`.
    #[serde(default)]
    pub invalidate_url: Option<String>,
    /// Red5 Pro's `lazyAuth`: admit at once and ask in the background. Fails open (see
    /// [`danger`](crate::danger)); red5pro only.
    #[serde(default)]
    pub danger_lazy_auth: bool,
    /// Extra headers sent with every validation and invalidation request (an API key, a bearer
    /// token for the auth service). Values are secrets: `Debug` and errors show only the names.
    /// The headers the client sets itself (see [`RESERVED_HEADERS`]) cannot be overridden.
    #[serde(default)]
    #[cfg_attr(feature = "schemars", schemars(with = "BTreeMap<String, String>"))]
    pub headers: BTreeMap<String, Secret>,
}

/// Headers that `headers` may not set: they frame the request or manage the connection, and the
/// client sets them itself. Compared without regard to case.
pub const RESERVED_HEADERS: [&str; 11] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

impl fmt::Debug for RoundTripConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoundTripConfig")
            .field("url", &redact::url(&self.url))
            .field("protocol", &self.protocol)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("cache_ttl", &self.cache_ttl)
            .field("cache_max_entries", &self.cache_max_entries)
            .field("ca_file", &self.ca_file)
            .field(
                "invalidate_url",
                &self.invalidate_url.as_deref().map(redact::url),
            )
            .field("danger_lazy_auth", &self.danger_lazy_auth)
            // `Secret`'s Debug prints `[redacted]`: names only.
            .field("headers", &self.headers)
            .finish()
    }
}

impl RoundTripConfig {
    /// A config with only the contract keys set (default timeout, no retries, no cache).
    pub fn new(url: impl Into<String>, protocol: Protocol) -> Self {
        RoundTripConfig {
            url: url.into(),
            protocol,
            timeout: None,
            retries: 0,
            cache_ttl: None,
            cache_max_entries: None,
            ca_file: None,
            invalidate_url: None,
            danger_lazy_auth: false,
            headers: BTreeMap::new(),
        }
    }
}

/// Why a [`RoundTripConfig`] cannot become an authenticator. Messages name the config key and
/// show URLs only through [`authbench_core::redact::url`] (no user info, no query values).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoundTripConfigError {
    /// `url` or `invalidate_url` does not parse as a URL.
    #[error("roundtrip.{key}: `{url}` is not a URL: {source}")]
    UrlParse {
        /// `url` or `invalidate_url`.
        key: &'static str,
        /// The value, redacted.
        url: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// `url` or `invalidate_url` is a URL, but not an absolute http(s) URL with a host.
    #[error("roundtrip.{key}: `{url}` is not a usable URL: {problem}")]
    Url {
        /// `url` or `invalidate_url`.
        key: &'static str,
        /// The value, redacted.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// `url` or `invalidate_url` parses as a URL but not as an HTTP request target.
    #[error("roundtrip.{key}: `{url}` cannot be requested: {source}")]
    Uri {
        /// `url` or `invalidate_url`.
        key: &'static str,
        /// The value, redacted.
        url: String,
        /// Why the HTTP client refuses it.
        #[source]
        source: hyper::http::uri::InvalidUri,
    },
    /// A value is out of range or does not fit the protocol.
    #[error("roundtrip.{key}: {problem}")]
    Invalid {
        /// The offending key.
        key: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// A `headers` name is not a valid HTTP header name.
    #[error("roundtrip.headers: `{}` is not a valid header name: {source}", .name.escape_debug())]
    HeaderName {
        /// The configured name.
        name: String,
        /// Why it is not a header name.
        #[source]
        source: hyper::header::InvalidHeaderName,
    },
    /// A `headers` value cannot be sent. The value itself is never shown.
    #[error("roundtrip.headers.{}: the value {problem}", .name.escape_debug())]
    HeaderValue {
        /// The configured name.
        name: String,
        /// What is wrong with the value.
        problem: &'static str,
        /// The HTTP library's refusal, when it refused the value.
        #[source]
        source: Option<hyper::header::InvalidHeaderValue>,
    },
    /// A `headers` entry that may not be set: a header the client sets itself, the same name
    /// twice in different case, or an `Authorization` next to user info in a URL.
    #[error("roundtrip.headers.{}: {problem}", .name.escape_debug())]
    HeaderRefused {
        /// The configured name.
        name: String,
        /// Why it is refused.
        problem: &'static str,
    },
    /// `ca_file` cannot be read.
    #[error("roundtrip.ca_file: cannot read {path}: {source}")]
    CaFileRead {
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `ca_file` holds no usable certificate: a PEM section is broken, or there is none.
    #[error("roundtrip.ca_file: {path} holds no usable PEM certificate{}", pem_problem(.source.as_ref()))]
    CaFileParse {
        /// The resolved path.
        path: PathBuf,
        /// The PEM error; `None` when the file holds no certificate at all.
        #[source]
        source: Option<PemError>,
    },
    /// The TLS client could not be set up (for example the platform's roots cannot be used).
    #[error("roundtrip: cannot set up TLS: {0}")]
    Tls(#[source] tokio_rustls::rustls::Error),
    /// The operating system gave no randomness for the decision cache's key.
    #[error("roundtrip.cache_ttl: no randomness for the cache key: {0}")]
    Randomness(#[source] aws_lc_rs::error::Unspecified),
}

/// The PEM error type of [`RoundTripConfigError::CaFileParse`].
pub type PemError = tokio_rustls::rustls::pki_types::pem::Error;

fn pem_problem(source: Option<&PemError>) -> String {
    source.map_or_else(|| ": none found".to_owned(), |e| format!(": {e}"))
}
