//! The request side of the model: what a client asks for and what it presents.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the client wants to do with a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send media to the server (RTMP publish, RTSP RECORD/ANNOUNCE, WHIP, SRT `m=publish`).
    Publish,
    /// Receive media from the server (RTMP play, RTSP PLAY, WHEP, SRT `m=request`).
    Subscribe,
}

impl Action {
    /// The stable lower-case name (`publish`, `subscribe`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Subscribe => "subscribe",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    /// Accepts `publish` and `subscribe`, and the words servers use for them (`play`, `read`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "publish" => Ok(Action::Publish),
            "subscribe" | "play" | "read" => Ok(Action::Subscribe),
            _ => Err(format!(
                "unknown action `{s}` (expected publish or subscribe)"
            )),
        }
    }
}

/// The protocol the client connects with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// RTMP (and RTMPS).
    Rtmp,
    /// RTSP (and RTSPS).
    Rtsp,
    /// WebRTC-HTTP ingestion (publish).
    Whip,
    /// WebRTC-HTTP egress (subscribe).
    Whep,
    /// Secure Reliable Transport.
    Srt,
}

impl Transport {
    /// Every transport, in a fixed order.
    pub const ALL: [Transport; 5] = [
        Transport::Rtmp,
        Transport::Rtsp,
        Transport::Whip,
        Transport::Whep,
        Transport::Srt,
    ];

    /// The stable lower-case name (`rtmp`, `rtsp`, `whip`, `whep`, `srt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Rtmp => "rtmp",
            Transport::Rtsp => "rtsp",
            Transport::Whip => "whip",
            Transport::Whep => "whep",
            Transport::Srt => "srt",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transport {
    type Err = String;

    /// Case-insensitive, so Red5 Pro's `RTMP,WHIP` claim values parse too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transport::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown transport `{s}` (expected rtmp, rtsp, whip, whep or srt)")
            })
    }
}

/// Longest stream path accepted, in bytes.
pub const MAX_STREAM_PATH_LEN: usize = 1024;

/// A stream path `app/room.../stream`: `live/room1/cam1` is app `live`, room `room1`, stream `cam1`.
///
/// The room is everything between the app and the stream (Red5 Pro's scope under the application),
/// so `live/a/b/cam1` has room `a/b` and `live/cam1` has none.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamPath {
    raw: String,
}

/// Why a string is not a [`StreamPath`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamPathError {
    /// Nothing was given.
    #[error("the stream path is empty")]
    Empty,
    /// Longer than [`MAX_STREAM_PATH_LEN`].
    #[error("the stream path is longer than {MAX_STREAM_PATH_LEN} bytes")]
    TooLong,
    /// An empty, `.` or `..` segment.
    #[error("the stream path has an empty, `.` or `..` segment")]
    BadSegment,
    /// Whitespace or a control character.
    #[error("the stream path contains whitespace or a control character")]
    BadCharacter,
}

impl StreamPath {
    /// Parses `app/room/stream`; one leading `/` is ignored.
    pub fn new(path: &str) -> Result<Self, StreamPathError> {
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.is_empty() {
            return Err(StreamPathError::Empty);
        }
        if path.len() > MAX_STREAM_PATH_LEN {
            return Err(StreamPathError::TooLong);
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(StreamPathError::BadCharacter);
        }
        if path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(StreamPathError::BadSegment);
        }
        Ok(StreamPath {
            raw: path.to_owned(),
        })
    }

    /// The whole path, without a leading `/`.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The first segment (`live` in `live/room1/cam1`).
    pub fn app(&self) -> &str {
        self.raw.split('/').next().unwrap_or_default()
    }

    /// The last segment (`cam1` in `live/room1/cam1`); the app when there is one segment only.
    pub fn stream(&self) -> &str {
        self.raw.rsplit('/').next().unwrap_or_default()
    }

    /// The segments between app and stream (`room1` in `live/room1/cam1`), if any.
    pub fn room(&self) -> Option<&str> {
        let first = self.raw.find('/')?;
        let last = self.raw.rfind('/')?;
        (last > first).then(|| &self.raw[first + 1..last])
    }

    /// The scope (app plus room, `live/room1`): the path without its stream name.
    pub fn scope(&self) -> &str {
        self.raw.rsplit_once('/').map_or(&self.raw, |(s, _)| s)
    }
}

impl fmt::Display for StreamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for StreamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamPath({:?})", self.raw)
    }
}

impl FromStr for StreamPath {
    type Err = StreamPathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StreamPath::new(s)
    }
}

impl TryFrom<String> for StreamPath {
    type Error = StreamPathError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        StreamPath::new(&s)
    }
}

impl From<StreamPath> for String {
    fn from(p: StreamPath) -> String {
        p.raw
    }
}

/// A secret string (password, token, key). `Debug` prints `[redacted]`; there is no `Display`,
/// and it is not `Serialize`, so it cannot reach a log, an error message or a report by accident.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call this only where the value is used, never to print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes (safe to report).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "A secret (password, token)." })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// What the client presented. Clients may send several at once (Red5 Pro's RTMP query carries
/// `username`, `password` and `token` together); each mode uses what it understands and denies
/// with `missing_credentials` when its own kind is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// A user name, if one was sent. Not secret, but still left out of logs by the modes.
    pub username: Option<String>,
    /// A password, if one was sent.
    pub password: Option<Secret>,
    /// A bearer token (usually a JWT), if one was sent.
    pub token: Option<Secret>,
}

impl Credentials {
    /// No credentials at all.
    pub fn none() -> Self {
        Credentials::default()
    }

    /// A bearer token only.
    pub fn token(token: impl Into<Secret>) -> Self {
        Credentials {
            token: Some(token.into()),
            ..Credentials::default()
        }
    }

    /// A user name and password.
    pub fn user_password(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials {
            username: Some(username.into()),
            password: Some(password.into()),
            token: None,
        }
    }

    /// True when nothing was presented.
    pub fn is_empty(&self) -> bool {
        self.username.is_none() && self.password.is_none() && self.token.is_none()
    }
}

/// One publish or subscribe attempt, as an authenticator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// Publish or subscribe.
    pub action: Action,
    /// The protocol the client used.
    pub transport: Transport,
    /// The stream asked for.
    pub path: StreamPath,
    /// What the client presented.
    pub credentials: Credentials,
    /// The client's address, when known.
    pub client_addr: Option<IpAddr>,
    /// An identifier of this request (a connection id), when the server has one.
    pub request_id: Option<String>,
}

impl AuthRequest {
    /// A request with no client address and no request id.
    pub fn new(
        action: Action,
        transport: Transport,
        path: StreamPath,
        credentials: Credentials,
    ) -> Self {
        AuthRequest {
            action,
            transport,
            path,
            credentials,
            client_addr: None,
            request_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_path_splits_app_room_stream() {
        let p = StreamPath::new("/live/room1/cam1").expect("valid");
        assert_eq!(
            (p.app(), p.room(), p.stream()),
            ("live", Some("room1"), "cam1")
        );
        assert_eq!(p.scope(), "live/room1");
        let p = StreamPath::new("live/a/b/cam1").expect("valid");
        assert_eq!(p.room(), Some("a/b"));
        let p = StreamPath::new("live/cam1").expect("valid");
        assert_eq!((p.app(), p.room(), p.stream()), ("live", None, "cam1"));
    }

    #[test]
    fn stream_path_rejects_garbage() {
        assert_eq!(StreamPath::new(""), Err(StreamPathError::Empty));
        assert_eq!(StreamPath::new("live//x"), Err(StreamPathError::BadSegment));
        assert_eq!(
            StreamPath::new("live/../x"),
            Err(StreamPathError::BadSegment)
        );
        assert_eq!(
            StreamPath::new("live/a b"),
            Err(StreamPathError::BadCharacter)
        );
        assert_eq!(
            StreamPath::new(&"a".repeat(2000)),
            Err(StreamPathError::TooLong)
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials {
            username: Some("alice".into()),
            password: Some("hunter2-password".into()),
            token: Some("eyJ.secret.token".into()),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("secret.token"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn transport_parses_case_insensitively() {
        assert_eq!("WHIP".parse::<Transport>(), Ok(Transport::Whip));
        assert!("quic".parse::<Transport>().is_err());
        assert_eq!("play".parse::<Action>(), Ok(Action::Subscribe));
    }
}
