//! The `media:` section of a target file: where the media server listens for each transport and
//! what its clients present.
//!
//! ```yaml
//! media:
//!   rtmp: rtmp://127.0.0.1:1935        # the request's stream path is appended
//!   rtsp: rtsp://127.0.0.1:8554
//!   whip: http://127.0.0.1:8889/{stream}/whip
//!   whep: http://127.0.0.1:8889/{stream}/whep
//!   srt:  srt://127.0.0.1:8890
//!   present: password                  # password | token: what clients of this server send
//!   timeout: 5s                        # connect to verdict, per request (default 5s)
//!   rtmp_credentials: stream           # stream (ffmpeg, default) | connect (OBS, Red5 Pro SDKs)
//!   query_names: {user: username, password: password, token: token}  # the defaults
//!   streamid_keys: {user: u, password: p, token: s}                    # the defaults
//!   reference:                         # optional: the same server (or a twin) with auth off
//!     rtmp: rtmp://127.0.0.1:1936
//! ```
//!
//! A WHIP / WHEP template holds `{stream}` (the whole path, `live/room1/cam1`) or `{name}` (its
//! last segment, `cam1`), and may hold `{app}` (the path up to the last segment, `live/room1`;
//! empty for a one-segment path) and, in its query only, `{credentials}` (the credential query
//! under `query_names`, empty without credentials): `https://HOST/{app}/whip/endpoint/{name}`
//! for Red5 Pro, `http://HOST:1985/rtc/v1/whip/?app={app}&stream={name}&{credentials}` for SRS.
//! `query_names` and `streamid_keys` name what the credentials go under; each of their three
//! keys is optional. For MediaMTX: `query_names: {user: user, password: pass, token: jwt}` and
//! `streamid_keys: {password: s}`.

use std::fmt;
use std::time::Duration;

use authbench_core::duration::serde_human_opt;
use authbench_core::{Transport, redact};
use serde::{Deserialize, Serialize};

/// Default time from connecting to the server's verdict.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest accepted timeout: a probe that waits longer is not measuring a join.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
/// The placeholder in a WHIP / WHEP URL template replaced by the request's stream path.
pub const STREAM_PLACEHOLDER: &str = "{stream}";
/// The placeholder in a WHIP / WHEP URL template replaced by the stream path up to its last
/// segment (`live/room1` of `live/room1/cam1`; empty for a one-segment path).
pub const APP_PLACEHOLDER: &str = "{app}";
/// The placeholder in a WHIP / WHEP URL template replaced by the stream path's last segment
/// (`cam1` of `live/room1/cam1`).
pub const NAME_PLACEHOLDER: &str = "{name}";
/// The placeholder in a WHIP / WHEP URL template's query replaced by the credential query
/// (`username=u&password=p` or `token=t`, with the configured [`QueryNames`]; empty without
/// credentials).
pub const CREDENTIALS_PLACEHOLDER: &str = "{credentials}";

/// What the clients of this media server present, and so what the probe sends for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Present {
    /// A user name and password: query arguments named by `query_names` (`username` /
    /// `password` by default), the answer to an RTSP challenge, Basic authorization on WHIP /
    /// WHEP, the `streamid_keys` keys in an SRT streamid.
    Password,
    /// A token: the query argument named by `query_names` (`token` by default), `Authorization:
    /// Bearer` on WHIP / WHEP, the `streamid_keys` token key in an SRT streamid.
    Token,
}

impl Present {
    /// The config name (`password`, `token`).
    pub fn as_str(self) -> &'static str {
        match self {
            Present::Password => "password",
            Present::Token => "token",
        }
    }
}

/// Where an RTMP client puts the credential query. A client habit, not a protocol rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum RtmpCredentials {
    /// ffmpeg's habit: for `rtmp://h/live/room1/cam1?username=u&password=p` it connects with app
    /// `live/room1` and tcUrl `rtmp://h/live/room1` (no query) and publishes or plays
    /// `cam1?username=u&password=p`.
    #[default]
    Stream,
    /// OBS's and the Red5 Pro SDKs' habit: the query goes on the connect app and tcUrl
    /// (`live/room1?username=u&password=p`); the stream name is bare.
    Connect,
}

/// The query argument names the probe writes the credentials under: in the RTMP query (either
/// placement), in the RTSP URL (`token` only) and in a WHIP / WHEP template's `{credentials}`.
/// Each defaults to the name `authbench_core::connect` and authbench's hook services read.
/// MediaMTX reads `user`, `pass` and (with its JWT method) `jwt`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct QueryNames {
    /// The user name's argument (default `username`).
    pub user: String,
    /// The password's argument (default `password`).
    pub password: String,
    /// The token's argument (default `token`).
    pub token: String,
}

impl Default for QueryNames {
    fn default() -> Self {
        QueryNames {
            user: "username".into(),
            password: "password".into(),
            token: "token".into(),
        }
    }
}

/// The keys the probe writes the credentials under in an SRT access-control streamid
/// (`#!::r=…,m=…,KEY=VALUE`). Each defaults to the key `authbench_core::connect::srt` reads.
/// MediaMTX reads `u` for the user and `s` (the standard "session" key) for the password or
/// token, and refuses a streamid with a key it does not know, such as `p`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct StreamidKeys {
    /// The user name's key (default `u`).
    pub user: String,
    /// The password's key (default `p`).
    pub password: String,
    /// The token's key (default `s`).
    pub token: String,
}

impl Default for StreamidKeys {
    fn default() -> Self {
        StreamidKeys {
            user: "u".into(),
            password: "p".into(),
            token: "s".into(),
        }
    }
}

/// The `media:` section. At least one transport endpoint must be given. `Debug` shows endpoints
/// through [`authbench_core::redact::url`], so a credential written into one never reaches a log.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    /// `rtmp://host:port`; the request's stream path is appended.
    #[serde(default)]
    pub rtmp: Option<String>,
    /// `rtsp://host:port`; the request's stream path is appended.
    #[serde(default)]
    pub rtsp: Option<String>,
    /// WHIP endpoint template, `http(s)://…` with `{stream}` (the stream path) or `{name}` (its
    /// last segment), and optionally `{app}` (the path up to the last segment) and, in the query,
    /// `{credentials}` (the credential query).
    #[serde(default)]
    pub whip: Option<String>,
    /// WHEP endpoint template, the same placeholders as `whip`.
    #[serde(default)]
    pub whep: Option<String>,
    /// `srt://host:port`.
    #[serde(default)]
    pub srt: Option<String>,
    /// What clients of this server present.
    pub present: Present,
    /// Time from connecting to the server's verdict (default 5s, at most 300s).
    #[serde(default, with = "serde_human_opt")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub timeout: Option<Duration>,
    /// Where the RTMP probe puts the credential query (default `stream`, ffmpeg's habit).
    #[serde(default)]
    pub rtmp_credentials: RtmpCredentials,
    /// The query argument names of the credentials (RTMP query, RTSP URL, WHIP / WHEP
    /// `{credentials}`); default `username`, `password`, `token`.
    #[serde(default)]
    pub query_names: QueryNames,
    /// The SRT streamid keys of the credentials; default `u`, `p`, `s`.
    #[serde(default)]
    pub streamid_keys: StreamidKeys,
    /// The same server, or a twin of it, with authentication off: each join decided is made
    /// again there without credentials, so a report shows what authentication adds to it.
    #[serde(default)]
    pub reference: Option<Reference>,
}

/// The `media.reference` endpoints: the same forms as the section's own, for a server that
/// admits the same joins without credentials (for nginx-rtmp, a second `server` block with the
/// same applications and no `on_publish` / `on_play`). Each must have a counterpart in the
/// section: a reference is only made for a join the server itself was asked.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// `rtmp://host:port` of the open twin.
    #[serde(default)]
    pub rtmp: Option<String>,
    /// `rtsp://host:port` of the open twin.
    #[serde(default)]
    pub rtsp: Option<String>,
    /// WHIP endpoint template of the open twin (the placeholders of `media.whip`).
    #[serde(default)]
    pub whip: Option<String>,
    /// WHEP endpoint template of the open twin (the placeholders of `media.whep`).
    #[serde(default)]
    pub whep: Option<String>,
    /// `srt://host:port` of the open twin.
    #[serde(default)]
    pub srt: Option<String>,
}

impl Reference {
    /// The reference endpoint for `transport`, if any.
    pub fn endpoint(&self, transport: Transport) -> Option<&str> {
        match transport {
            Transport::Rtmp => self.rtmp.as_deref(),
            Transport::Rtsp => self.rtsp.as_deref(),
            Transport::Whip => self.whip.as_deref(),
            Transport::Whep => self.whep.as_deref(),
            Transport::Srt => self.srt.as_deref(),
        }
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |t| self.endpoint(t).map(redact::url);
        f.debug_struct("Reference")
            .field("rtmp", &shown(Transport::Rtmp))
            .field("rtsp", &shown(Transport::Rtsp))
            .field("whip", &shown(Transport::Whip))
            .field("whep", &shown(Transport::Whep))
            .field("srt", &shown(Transport::Srt))
            .finish()
    }
}

impl fmt::Debug for MediaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| v.as_deref().map(redact::url);
        f.debug_struct("MediaConfig")
            .field("rtmp", &shown(&self.rtmp))
            .field("rtsp", &shown(&self.rtsp))
            .field("whip", &shown(&self.whip))
            .field("whep", &shown(&self.whep))
            .field("srt", &shown(&self.srt))
            .field("present", &self.present)
            .field("timeout", &self.timeout)
            .field("rtmp_credentials", &self.rtmp_credentials)
            .field("query_names", &self.query_names)
            .field("streamid_keys", &self.streamid_keys)
            .field("reference", &self.reference)
            .finish()
    }
}

/// Why a `media:` section cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaConfigError {
    /// No transport has an endpoint.
    #[error("media: no endpoint given (set at least one of rtmp, rtsp, whip, whep, srt)")]
    NoEndpoint,
    /// An endpoint is not a usable URL for its transport. The URL itself is not repeated: it may
    /// carry a credential.
    #[error("media.{key}: {problem}")]
    BadEndpoint {
        /// The config key (`rtmp`, `whip`, `reference.rtmp`, …).
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A credential name in `query_names` or `streamid_keys` cannot be written where it goes.
    #[error("media.{key}: {problem}")]
    BadName {
        /// The config key (`query_names.user`, `streamid_keys.password`, …).
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The timeout is zero or longer than [`MAX_TIMEOUT`].
    #[error("media.timeout: must be more than 0s and at most {}s", MAX_TIMEOUT.as_secs())]
    BadTimeout,
}

impl MediaConfig {
    /// A config with the given presentation and no endpoints (add them with the `with_*` methods).
    pub fn new(present: Present) -> Self {
        MediaConfig {
            rtmp: None,
            rtsp: None,
            whip: None,
            whep: None,
            srt: None,
            present,
            timeout: None,
            rtmp_credentials: RtmpCredentials::default(),
            query_names: QueryNames::default(),
            streamid_keys: StreamidKeys::default(),
            reference: None,
        }
    }

    /// Sets the RTMP endpoint (`rtmp://host:port`).
    pub fn with_rtmp(mut self, url: impl Into<String>) -> Self {
        self.rtmp = Some(url.into());
        self
    }

    /// Sets the RTSP endpoint (`rtsp://host:port`).
    pub fn with_rtsp(mut self, url: impl Into<String>) -> Self {
        self.rtsp = Some(url.into());
        self
    }

    /// Sets the WHIP URL template (with `{stream}` or `{name}`; see [`MediaConfig::whip`]).
    pub fn with_whip(mut self, template: impl Into<String>) -> Self {
        self.whip = Some(template.into());
        self
    }

    /// Sets the WHEP URL template (with `{stream}` or `{name}`; see [`MediaConfig::whip`]).
    pub fn with_whep(mut self, template: impl Into<String>) -> Self {
        self.whep = Some(template.into());
        self
    }

    /// Sets the SRT endpoint (`srt://host:port`).
    pub fn with_srt(mut self, url: impl Into<String>) -> Self {
        self.srt = Some(url.into());
        self
    }

    /// Sets the time allowed from connecting to the verdict.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets where the RTMP probe puts the credential query.
    pub fn with_rtmp_credentials(mut self, place: RtmpCredentials) -> Self {
        self.rtmp_credentials = place;
        self
    }

    /// Sets the query argument names of the credentials.
    pub fn with_query_names(mut self, names: QueryNames) -> Self {
        self.query_names = names;
        self
    }

    /// Sets the SRT streamid keys of the credentials.
    pub fn with_streamid_keys(mut self, keys: StreamidKeys) -> Self {
        self.streamid_keys = keys;
        self
    }

    /// Sets the reference: the same server (or a twin) with authentication off.
    pub fn with_reference(mut self, reference: Reference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// The reference endpoint for `transport`, if any.
    pub(crate) fn reference_endpoint(&self, transport: Transport) -> Option<&str> {
        self.reference.as_ref()?.endpoint(transport)
    }

    /// The endpoint configured for `transport`, if any.
    pub fn endpoint(&self, transport: Transport) -> Option<&str> {
        match transport {
            Transport::Rtmp => self.rtmp.as_deref(),
            Transport::Rtsp => self.rtsp.as_deref(),
            Transport::Whip => self.whip.as_deref(),
            Transport::Whep => self.whep.as_deref(),
            Transport::Srt => self.srt.as_deref(),
        }
    }

    /// The effective timeout: the configured one, or [`DEFAULT_TIMEOUT`].
    pub(crate) fn effective_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Checks the section: at least one endpoint; the timeout (more than zero, at most
    /// [`MAX_TIMEOUT`]); the `query_names` (non-empty, unreserved URL characters only, the user's
    /// differing from the password's) and `streamid_keys` (non-empty, nothing that breaks the
    /// `#!::k=v,…` form, not `r` or `m`, the user's differing from the password's); each endpoint's
    /// shape for its transport (scheme, host, no credentials, a port for SRT, nothing after
    /// `host:port` for RTMP / RTSP / SRT, a valid template for WHIP / WHEP); and the `reference`,
    /// when given: at least one endpoint, each with a counterpart in the section and the same
    /// shape checks.
    pub fn validate(&self) -> Result<(), MediaConfigError> {
        if Transport::ALL.iter().all(|t| self.endpoint(*t).is_none()) {
            return Err(MediaConfigError::NoEndpoint);
        }
        let timeout = self.effective_timeout();
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(MediaConfigError::BadTimeout);
        }
        check_query_names(&self.query_names)?;
        check_streamid_keys(&self.streamid_keys)?;
        for t in Transport::ALL {
            if let Some(endpoint) = self.endpoint(t) {
                check_endpoint(t, endpoint).map_err(|problem| MediaConfigError::BadEndpoint {
                    key: t.as_str(),
                    problem,
                })?;
            }
        }
        let Some(reference) = &self.reference else {
            return Ok(());
        };
        if Transport::ALL
            .iter()
            .all(|t| reference.endpoint(*t).is_none())
        {
            return Err(MediaConfigError::BadEndpoint {
                key: "reference",
                problem: "no endpoint given (set at least one of rtmp, rtsp, whip, whep, srt)"
                    .into(),
            });
        }
        for t in Transport::ALL {
            let Some(endpoint) = reference.endpoint(t) else {
                continue;
            };
            let key = reference_key(t);
            if self.endpoint(t).is_none() {
                return Err(MediaConfigError::BadEndpoint {
                    key,
                    problem: format!("there is no media.{t} for it to be the reference of"),
                });
            }
            check_endpoint(t, endpoint)
                .map_err(|problem| MediaConfigError::BadEndpoint { key, problem })?;
        }
        Ok(())
    }
}

/// The config key of a reference endpoint.
fn reference_key(transport: Transport) -> &'static str {
    match transport {
        Transport::Rtmp => "reference.rtmp",
        Transport::Rtsp => "reference.rtsp",
        Transport::Whip => "reference.whip",
        Transport::Whep => "reference.whep",
        Transport::Srt => "reference.srt",
    }
}

/// Checks the query argument names: non-empty, only unreserved URL characters (RFC 3986: letters,
/// digits, `-` `.` `_` `~`, so a name is written as is), and the user's differs from the
/// password's (a token may share the password's name: servers that take a token as a password).
fn check_query_names(names: &QueryNames) -> Result<(), MediaConfigError> {
    let bad = |key, problem: String| MediaConfigError::BadName { key, problem };
    for (key, name) in [
        ("query_names.user", &names.user),
        ("query_names.password", &names.password),
        ("query_names.token", &names.token),
    ] {
        if name.is_empty() {
            return Err(bad(key, "empty".into()));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(bad(
                key,
                format!(
                    "`{}` holds {c:?}: only letters, digits, `-`, `.`, `_` and `~` are written as is in a query",
                    name.escape_debug()
                ),
            ));
        }
    }
    if names.user == names.password {
        return Err(bad(
            "query_names.password",
            format!("`{}` is also the user name's argument", names.password),
        ));
    }
    Ok(())
}

/// Checks the streamid keys: non-empty, none of `,` `=` `#` `:`, whitespace or control
/// characters (they would break the `#!::k=v,…` form), not `r` or `m` (the probe writes the
/// path and mode there), and the user's differs from the password's (a token may share the
/// password's key).
fn check_streamid_keys(keys: &StreamidKeys) -> Result<(), MediaConfigError> {
    let bad = |key, problem: String| MediaConfigError::BadName { key, problem };
    for (key, name) in [
        ("streamid_keys.user", &keys.user),
        ("streamid_keys.password", &keys.password),
        ("streamid_keys.token", &keys.token),
    ] {
        if name.is_empty() {
            return Err(bad(key, "empty".into()));
        }
        if let Some(c) = name
            .chars()
            .find(|c| matches!(c, ',' | '=' | '#' | ':') || c.is_whitespace() || c.is_control())
        {
            return Err(bad(
                key,
                format!(
                    "`{}` holds {c:?}, which an SRT access-control streamid (`#!::k=v,…`) cannot carry in a key",
                    name.escape_debug()
                ),
            ));
        }
        if matches!(name.as_str(), "r" | "m") {
            return Err(bad(
                key,
                format!(
                    "`{name}` is the streamid's {} key",
                    if name == "r" { "resource" } else { "mode" }
                ),
            ));
        }
    }
    if keys.user == keys.password {
        return Err(bad(
            "streamid_keys.password",
            format!("`{}` is also the user name's key", keys.password),
        ));
    }
    Ok(())
}

/// Checks one endpoint's shape: the scheme its transport speaks, a host, a port for SRT (which has
/// no default one), and for the stream-style endpoints nothing after `host:port` (the request's
/// path is appended there).
fn check_endpoint(transport: Transport, endpoint: &str) -> Result<(), String> {
    let parsed = url::Url::parse(endpoint).map_err(|e| format!("not a URL ({e})"))?;
    let schemes: &[&str] = match transport {
        Transport::Rtmp => &["rtmp"],
        Transport::Rtsp => &["rtsp"],
        Transport::Whip | Transport::Whep => &["http", "https"],
        Transport::Srt => &["srt"],
    };
    if !schemes.contains(&parsed.scheme()) {
        return Err(format!(
            "scheme `{}` is not {}",
            parsed.scheme(),
            schemes.join(" or ")
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "credentials do not belong in the endpoint; they come from each request".into(),
        );
    }
    if transport == Transport::Srt && parsed.port().is_none() {
        return Err("no port: SRT has no default port (srt://host:port)".into());
    }
    match transport {
        Transport::Whip | Transport::Whep => {
            crate::template::check(endpoint)?;
        }
        _ => {
            if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
                return Err("only scheme://host:port: the stream path is appended".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_per_transport() {
        let ok = MediaConfig::new(Present::Password)
            .with_rtmp("rtmp://127.0.0.1:1935")
            .with_whip("http://127.0.0.1:8889/{stream}/whip");
        assert_eq!(ok.validate(), Ok(()));
        let bad = |c: MediaConfig| c.validate().err();
        assert_eq!(
            bad(MediaConfig::new(Present::Token)),
            Some(MediaConfigError::NoEndpoint)
        );
        assert!(matches!(
            bad(MediaConfig::new(Present::Token).with_rtmp("http://127.0.0.1:1935")),
            Some(MediaConfigError::BadEndpoint { key: "rtmp", .. })
        ));
        assert!(matches!(
            bad(MediaConfig::new(Present::Token).with_rtmp("rtmp://127.0.0.1:1935/live")),
            Some(MediaConfigError::BadEndpoint { key: "rtmp", .. })
        ));
        assert!(matches!(
            bad(MediaConfig::new(Present::Token).with_whep("http://127.0.0.1:8889/whep")),
            Some(MediaConfigError::BadEndpoint { key: "whep", .. })
        ));
        assert_eq!(
            bad(MediaConfig::new(Present::Token)
                .with_srt("srt://127.0.0.1:8890")
                .with_timeout(Duration::ZERO)),
            Some(MediaConfigError::BadTimeout)
        );
    }

    #[test]
    fn the_timeout_error_names_the_longest_accepted_timeout() {
        let too_long = MediaConfig::new(Present::Token)
            .with_srt("srt://127.0.0.1:8890")
            .with_timeout(MAX_TIMEOUT + Duration::from_secs(1));
        assert_eq!(too_long.validate(), Err(MediaConfigError::BadTimeout));
        assert_eq!(
            MediaConfigError::BadTimeout.to_string(),
            format!(
                "media.timeout: must be more than 0s and at most {}s",
                MAX_TIMEOUT.as_secs()
            )
        );
        let longest = MediaConfig::new(Present::Token)
            .with_srt("srt://127.0.0.1:8890")
            .with_timeout(MAX_TIMEOUT);
        assert_eq!(longest.validate(), Ok(()));
    }

    #[test]
    fn an_srt_endpoint_needs_a_port_and_so_does_its_reference() {
        let srt = |url: &str| MediaConfig::new(Present::Token).with_srt(url);
        assert_eq!(srt("srt://127.0.0.1:8890").validate(), Ok(()));
        for url in ["srt://127.0.0.1", "srt://srt.example/", "srt://[::1]"] {
            assert_eq!(
                srt(url).validate().map_err(|e| e.to_string()),
                Err("media.srt: no port: SRT has no default port (srt://host:port)".into()),
                "{url}"
            );
        }
        let reference = srt("srt://127.0.0.1:8890").with_reference(Reference {
            srt: Some("srt://127.0.0.1".into()),
            ..Reference::default()
        });
        assert_eq!(
            reference.validate().map_err(|e| e.to_string()),
            Err("media.reference.srt: no port: SRT has no default port (srt://host:port)".into())
        );
        // RTMP and RTSP have default ports.
        let defaults = MediaConfig::new(Present::Token)
            .with_rtmp("rtmp://127.0.0.1")
            .with_rtsp("rtsp://127.0.0.1");
        assert_eq!(defaults.validate(), Ok(()));
    }

    #[test]
    fn a_reference_needs_an_endpoint_its_section_has_and_the_same_shape() {
        let base = || MediaConfig::new(Present::Password).with_rtmp("rtmp://127.0.0.1:1935");
        let with = |r: Reference| base().with_reference(r).validate().err();
        let rtmp = |url: &str| Reference {
            rtmp: Some(url.into()),
            ..Reference::default()
        };
        assert_eq!(with(rtmp("rtmp://127.0.0.1:1936")), None);
        let key_of = |e: Option<MediaConfigError>| match e {
            Some(MediaConfigError::BadEndpoint { key, problem }) => format!("{key}: {problem}"),
            other => format!("{other:?}"),
        };
        assert_eq!(
            key_of(with(Reference::default())),
            "reference: no endpoint given (set at least one of rtmp, rtsp, whip, whep, srt)"
        );
        assert_eq!(
            key_of(with(Reference {
                srt: Some("srt://127.0.0.1:8891".into()),
                ..Reference::default()
            })),
            "reference.srt: there is no media.srt for it to be the reference of"
        );
        assert_eq!(
            key_of(with(rtmp("rtmp://127.0.0.1:1936/live"))),
            "reference.rtmp: only scheme://host:port: the stream path is appended"
        );
        let err = with(rtmp("rtmp://u:hunter2@127.0.0.1:1936")).expect("credentials");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let shown = format!("{:?}", base().with_reference(rtmp("rtmp://u:hunter2@h:1")));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    fn parse(yaml: &str) -> Result<MediaConfig, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn the_documented_yaml_parses_to_the_same_config_as_rust() {
        let yaml = "rtmp: rtmp://127.0.0.1:1935\n\
                    rtsp: rtsp://127.0.0.1:8554\n\
                    whip: http://127.0.0.1:8889/{stream}/whip\n\
                    whep: http://127.0.0.1:8889/{stream}/whep\n\
                    srt: srt://127.0.0.1:8890\n\
                    present: password\n\
                    timeout: 2s\n\
                    rtmp_credentials: connect\n\
                    reference: {rtmp: 'rtmp://127.0.0.1:1936'}\n";
        let built = MediaConfig::new(Present::Password)
            .with_rtmp("rtmp://127.0.0.1:1935")
            .with_rtsp("rtsp://127.0.0.1:8554")
            .with_whip("http://127.0.0.1:8889/{stream}/whip")
            .with_whep("http://127.0.0.1:8889/{stream}/whep")
            .with_srt("srt://127.0.0.1:8890")
            .with_timeout(Duration::from_secs(2))
            .with_rtmp_credentials(RtmpCredentials::Connect)
            .with_reference(Reference {
                rtmp: Some("rtmp://127.0.0.1:1936".into()),
                ..Reference::default()
            });
        assert_eq!(parse(yaml), Ok(built));
    }

    #[test]
    fn defaults_are_five_seconds_and_ffmpegs_placement() {
        let c = parse("rtmp: rtmp://127.0.0.1:1935\npresent: token\n").expect("valid");
        assert_eq!(c.effective_timeout(), DEFAULT_TIMEOUT);
        assert_eq!(c.rtmp_credentials, RtmpCredentials::Stream);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn unknown_keys_bad_values_and_a_missing_present_are_errors() {
        let err = parse("rtmp: rtmp://h:1\npresent: token\nrtmp_url: x\n").expect_err("typo");
        assert!(err.contains("rtmp_url"), "{err}");
        let err = parse("rtmp: rtmp://h:1\npresent: cookie\n").expect_err("bad present");
        assert!(err.contains("cookie"), "{err}");
        let err = parse("rtmp: rtmp://h:1\n").expect_err("no present");
        assert!(err.contains("present"), "{err}");
        let err = parse("rtmp: rtmp://h:1\npresent: token\ntimeout: soon\n").expect_err("duration");
        assert!(err.contains("soon"), "{err}");
    }

    #[test]
    fn the_documented_names_parse_each_defaulting_on_its_own() {
        let c = parse(
            "rtmp: rtmp://127.0.0.1:1935\n\
             present: password\n\
             query_names: {user: user, password: pass, token: jwt}\n\
             streamid_keys: {user: u, password: s, token: s}\n",
        )
        .expect("valid");
        assert_eq!(
            c.query_names,
            QueryNames {
                user: "user".into(),
                password: "pass".into(),
                token: "jwt".into()
            }
        );
        assert_eq!(
            c.streamid_keys,
            StreamidKeys {
                user: "u".into(),
                password: "s".into(),
                token: "s".into()
            }
        );
        assert_eq!(c.validate(), Ok(()));
        let c =
            parse("srt: srt://h:1\npresent: token\nstreamid_keys: {password: s}\n").expect("valid");
        assert_eq!(
            (
                c.streamid_keys.user.as_str(),
                c.streamid_keys.password.as_str()
            ),
            ("u", "s")
        );
        assert_eq!(c.streamid_keys.token, "s");
        assert_eq!(c.query_names, QueryNames::default());
        let err =
            parse("rtmp: rtmp://h:1\npresent: token\nquery_names: {usr: x}\n").expect_err("typo");
        assert!(err.contains("usr"), "{err}");
    }

    #[test]
    fn names_are_checked_and_the_error_names_the_key() {
        let with = |q: QueryNames, k: StreamidKeys| {
            MediaConfig::new(Present::Password)
                .with_rtmp("rtmp://127.0.0.1:1935")
                .with_query_names(q)
                .with_streamid_keys(k)
                .validate()
                .err()
                .map(|e| e.to_string())
        };
        let q = |user: &str, password: &str, token: &str| QueryNames {
            user: user.into(),
            password: password.into(),
            token: token.into(),
        };
        let k = |user: &str, password: &str, token: &str| StreamidKeys {
            user: user.into(),
            password: password.into(),
            token: token.into(),
        };
        let dq = QueryNames::default;
        let dk = StreamidKeys::default;
        assert_eq!(with(q("user", "pass", "pass"), k("u", "s", "s")), None);
        assert_eq!(
            with(q("", "pass", "jwt"), dk()).as_deref(),
            Some("media.query_names.user: empty")
        );
        assert_eq!(
            with(q("user", "pa ss", "jwt"), dk()).as_deref(),
            Some(
                "media.query_names.password: `pa ss` holds ' ': only letters, digits, `-`, `.`, `_` and `~` are written as is in a query"
            )
        );
        assert!(
            with(q("user", "pass", "j&wt"), dk())
                .is_some_and(|e| e.starts_with("media.query_names.token: `j&wt` holds '&'"))
        );
        assert_eq!(
            with(q("id", "id", "t"), dk()).as_deref(),
            Some("media.query_names.password: `id` is also the user name's argument")
        );
        assert_eq!(
            with(dq(), k("u", "", "s")).as_deref(),
            Some("media.streamid_keys.password: empty")
        );
        for bad in ["a,b", "a=b", "#", "a:b", "a b", "a\tb"] {
            let e = with(dq(), k(bad, "s", "s")).expect("refused");
            assert!(e.starts_with("media.streamid_keys.user: `"), "{bad}: {e}");
        }
        assert_eq!(
            with(dq(), k("u", "s", "r")).as_deref(),
            Some("media.streamid_keys.token: `r` is the streamid's resource key")
        );
        assert_eq!(
            with(dq(), k("m", "s", "s")).as_deref(),
            Some("media.streamid_keys.user: `m` is the streamid's mode key")
        );
        assert_eq!(
            with(dq(), k("s", "s", "t")).as_deref(),
            Some("media.streamid_keys.password: `s` is also the user name's key")
        );
    }

    #[test]
    fn whip_templates_take_app_name_and_credentials_and_refuse_unknown_placeholders() {
        let check = |t: &str| {
            MediaConfig::new(Present::Password)
                .with_whip(t)
                .validate()
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(check("https://h/{app}/whip/endpoint/{name}"), None);
        assert_eq!(
            check("http://h:1985/rtc/v1/whip/?app={app}&stream={name}&{credentials}"),
            None
        );
        assert_eq!(
            check("http://h/{app}/{nme}/whip").as_deref(),
            Some(
                "media.whip: unknown placeholder `{nme}` (known: {stream}, {app}, {name}, {credentials})"
            )
        );
        assert_eq!(
            check("http://h/{app}/whip").as_deref(),
            Some("media.whip: the template has neither {stream} nor {name}")
        );
        assert_eq!(
            check("http://h/{credentials}/{stream}").as_deref(),
            Some("media.whip: {credentials} belongs in the query (after `?`), never in the path")
        );
        let reference = MediaConfig::new(Present::Password)
            .with_whep("http://h/{stream}/whep")
            .with_reference(Reference {
                whep: Some("http://h2/{streem}/whep".into()),
                ..Reference::default()
            })
            .validate()
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            reference.as_deref(),
            Some(
                "media.reference.whep: unknown placeholder `{streem}` (known: {stream}, {app}, {name}, {credentials})"
            )
        );
    }

    #[test]
    fn an_endpoint_with_credentials_is_refused_without_repeating_them() {
        let err = MediaConfig::new(Present::Password)
            .with_rtsp("rtsp://admin:hunter2@127.0.0.1:8554")
            .validate()
            .expect_err("credentials in endpoint");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let shown = format!(
            "{:?}",
            MediaConfig::new(Present::Password).with_rtsp("rtsp://admin:hunter2@127.0.0.1:8554")
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
