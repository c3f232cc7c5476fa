//! Connect parsing: from what a streaming client really sends to an [`AuthRequest`].
//!
//! | transport | what is read |
//! |---|---|
//! | RTMP | `rtmp[s]://host[:port]/app/room/stream?username=…&password=…&token=…` (Red5 Pro's query form; the token-only form too) |
//! | RTSP | `rtsp[s]://user:pass@host/…`, the same query keys, and an `Authorization: Basic …` / `Bearer …` header |
//! | WHIP / WHEP | `Authorization: Bearer …` (or `Basic …`) on the HTTP request, query keys too; the stream path from the URL path |
//! | SRT | the `streamid`: SRT access-control form `#!::r=live/room1/cam1,m=publish,u=alice,p=…` or MediaMTX's `publish:live/room1/cam1:user:pass` |
//!
//! Query keys: `username` (or `user`), `password` (or `pass`), `token` (or `jwt`); values are
//! percent-decoded, `+` is a space (as Red5 Pro's and MediaMTX's decoders do). A credential given
//! twice (say in the URL userinfo and in the header) is ambiguous and refused.
//!
//! WHIP / WHEP paths: a trailing `/whip` or `/whep` segment (MediaMTX: `/live/cam1/whip`) and a
//! `whip/endpoint/` or `whep/endpoint/` part after the app (Red5 Pro:
//! `/live/whip/endpoint/cam1`) are endpoint markers, not part of the stream path.
//!
//! SRT access-control keys (`#!::` form, comma-separated `key=value`): `r` the stream path
//! (required), `m` the mode — `publish`, or `request` (subscribe, the default); `bidirectional`
//! is refused —, `u` the user name, and two keys the SRT specification leaves to the application:
//! `p` the password and `s` (session id) a token. `t` must be `stream` when given; `h` is
//! ignored. Unknown keys are ignored, as the specification asks. Any key given twice is refused:
//! with `m=request,m=publish` one server reads a subscribe and another a publish.
//!
//! Deny details name what was wrong, never what was sent: a scheme, a streamid action or mode
//! that cannot be read may be a misplaced user name or password.
//!
//! Garbage (bad encoding, oversized input, an unknown `Authorization` scheme, a stream path that is
//! not a path) is an `Err(Deny)` with [`DenyReason::MalformedCredentials`]; no credentials at all
//! is a valid request with empty [`Credentials`], which a mode denies as `missing_credentials`.
//! Nothing here panics.

use base64::Engine;
use percent_encoding::percent_decode_str;

use crate::{Action, AuthRequest, Credentials, Deny, DenyReason, Secret, StreamPath, Transport};

/// Longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 4 * 1024;
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Longest SRT streamid accepted, in bytes (the SRT protocol's own limit).
pub const MAX_STREAMID_LEN: usize = 512;
/// Longest `Authorization` header value accepted, in bytes.
pub const MAX_AUTHORIZATION_LEN: usize = MAX_TOKEN_LEN + 64;

/// What a client sent when it connected, before parsing.
#[derive(Debug, Clone, Copy)]
pub struct ClientConnect<'a> {
    /// The protocol.
    pub transport: Transport,
    /// The action, where the protocol does not imply it (RTMP publish vs play, RTSP RECORD vs
    /// PLAY). WHIP is always publish, WHEP subscribe, SRT takes it from the streamid; giving a
    /// different one there is refused.
    pub action: Option<Action>,
    /// The URL the client connected to (RTMP, RTSP, WHIP, WHEP).
    pub url: Option<&'a str>,
    /// The value of the `Authorization` header (RTSP, WHIP, WHEP).
    pub authorization: Option<&'a str>,
    /// The SRT streamid.
    pub streamid: Option<&'a str>,
}

/// Parses what a client sent into an [`AuthRequest`]; see the [module docs](self) for the forms.
pub fn parse(connect: &ClientConnect<'_>) -> Result<AuthRequest, Deny> {
    let implied = implied_action(connect.transport, connect.action)?;
    match connect.transport {
        Transport::Srt => {
            if connect.url.is_some() || connect.authorization.is_some() {
                return Err(malformed("SRT carries credentials in the streamid only"));
            }
            let streamid = connect
                .streamid
                .ok_or_else(|| malformed("SRT needs a streamid"))?;
            let req = srt(streamid)?;
            match connect.action {
                Some(given) if given != req.action => Err(malformed(format!(
                    "the streamid asks to {}, not to {given}",
                    req.action
                ))),
                _ => Ok(req),
            }
        }
        transport => {
            if connect.streamid.is_some() {
                return Err(malformed(format!("{transport} has no streamid")));
            }
            let action = implied.or(connect.action).ok_or_else(|| {
                malformed(format!(
                    "{transport} needs the action (publish or subscribe)"
                ))
            })?;
            let url = connect.url.ok_or_else(|| {
                malformed(format!("{transport} needs the URL the client connected to"))
            })?;
            from_url(transport, action, url, connect.authorization)
        }
    }
}

/// The action a transport implies, checked against the one given: WHIP is always publish and
/// WHEP always subscribe, so giving the other one is a `malformed_credentials` deny; the other
/// transports imply none (`Ok(None)`). [`parse`] applies it, and so must any caller that builds
/// an [`AuthRequest`] from a stream path and credentials given apart.
pub fn implied_action(transport: Transport, given: Option<Action>) -> Result<Option<Action>, Deny> {
    let implied = match transport {
        Transport::Whip => Some(Action::Publish),
        Transport::Whep => Some(Action::Subscribe),
        _ => None,
    };
    if let (Some(implied), Some(given)) = (implied, given)
        && implied != given
    {
        return Err(malformed(format!(
            "{transport} is always {implied}, not {given}"
        )));
    }
    Ok(implied)
}

/// An RTMP connect: `rtmp://host/app/room/stream?username=…&password=…` or `?token=…`.
pub fn rtmp(url: &str, action: Action) -> Result<AuthRequest, Deny> {
    from_url(Transport::Rtmp, action, url, None)
}

/// An RTSP connect: credentials from the URL userinfo, the query, or the `Authorization` header.
pub fn rtsp(url: &str, action: Action, authorization: Option<&str>) -> Result<AuthRequest, Deny> {
    from_url(Transport::Rtsp, action, url, authorization)
}

/// A WHIP (publish) or WHEP (subscribe) HTTP request.
pub fn whip_whep(
    transport: Transport,
    url: &str,
    authorization: Option<&str>,
) -> Result<AuthRequest, Deny> {
    parse(&ClientConnect {
        transport,
        action: None,
        url: Some(url),
        authorization,
        streamid: None,
    })
}

/// HTTP authentication schemes (the IANA registry, and NTLM and AWS's) named in error details.
const KNOWN_SCHEMES: [&str; 16] = [
    "Basic",
    "Bearer",
    "Concealed",
    "Digest",
    "DPoP",
    "GNAP",
    "HOBA",
    "Mutual",
    "Negotiate",
    "OAuth",
    "PrivateToken",
    "SCRAM-SHA-1",
    "SCRAM-SHA-256",
    "vapid",
    "NTLM",
    "AWS4-HMAC-SHA256",
];

/// Credentials from an `Authorization` header value: `Basic base64(user:pass)` or `Bearer token`.
pub fn authorization(value: &str) -> Result<Credentials, Deny> {
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(malformed(format!(
            "the Authorization header is longer than {MAX_AUTHORIZATION_LEN} bytes"
        )));
    }
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Credentials::token(checked_token(rest)?))
    } else if scheme.eq_ignore_ascii_case("basic") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .map_err(|_| malformed("the Basic credentials are not valid base64"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| malformed("the Basic credentials are not UTF-8"))?;
        let (user, pass) = text.split_once(':').ok_or_else(|| {
            malformed("the Basic credentials have no `:` between user and password")
        })?;
        Ok(Credentials::user_password(user, pass))
    } else if scheme.is_empty() {
        Err(malformed("the Authorization header is empty"))
    } else {
        // Digest would need the server's nonce. The scheme is echoed only when it is a known
        // one: a bare token or password sent without `Bearer` must not land in the detail.
        let shown = KNOWN_SCHEMES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(scheme))
            .copied()
            .unwrap_or("(not shown)");
        Err(malformed(format!(
            "the Authorization scheme `{shown}` is not supported (use Basic or Bearer)"
        )))
    }
}

/// An SRT streamid, in the access-control form (`#!::r=…,m=…`) or MediaMTX's (`publish:path:user:pass`).
pub fn srt(streamid: &str) -> Result<AuthRequest, Deny> {
    if streamid.len() > MAX_STREAMID_LEN {
        return Err(malformed(format!(
            "the streamid is longer than {MAX_STREAMID_LEN} bytes"
        )));
    }
    if let Some(body) = streamid.strip_prefix("#!::") {
        srt_access_control(body)
    } else {
        srt_mediamtx(streamid)
    }
}

fn srt_access_control(body: &str) -> Result<AuthRequest, Deny> {
    let mut resource = None;
    let mut action = Action::Subscribe;
    let mut creds = CredentialsBuilder::default();
    let mut seen: Vec<&str> = Vec::new();
    for pair in body.split(',').filter(|p| !p.is_empty()) {
        // Neither the item nor its value is echoed: a password holding `,m=` or `,t=` puts its
        // tail where a key's value goes, and a misplaced password would land in the detail.
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| malformed("a streamid item has no `=` (expected key=value)"))?;
        // Any key given twice is ambiguous: a server that reads the first `m=` and one that
        // reads the last would disagree on the action. Unknown keys are bounded by the length
        // cap, so the linear search stays small.
        if seen.contains(&key) {
            // Only a key the specification defines is named; any other might be client text.
            return Err(malformed(
                match ["r", "m", "u", "p", "s", "t", "h"]
                    .iter()
                    .find(|k| **k == key)
                {
                    Some(k) => format!("the streamid key `{k}` is given more than once"),
                    None => "a streamid key is given more than once".to_owned(),
                },
            ));
        }
        seen.push(key);
        match key {
            "r" => resource = Some(value.to_owned()),
            "m" => {
                action = match value {
                    "publish" => Action::Publish,
                    "request" => Action::Subscribe,
                    "bidirectional" => {
                        return Err(malformed(
                            "the streamid mode `bidirectional` is not supported",
                        ));
                    }
                    _ => {
                        return Err(malformed(
                            "the streamid mode `m=` is not `publish` or `request`",
                        ));
                    }
                }
            }
            "t" if value != "stream" => {
                return Err(malformed("the streamid type `t=` is not `stream`"));
            }
            "u" => creds.username(value.to_owned())?,
            "p" => creds.password(value.to_owned())?,
            "s" => creds.token(value.to_owned())?,
            _ => {}
        }
    }
    let resource = resource.ok_or_else(|| malformed("the streamid has no `r=` resource"))?;
    Ok(AuthRequest::new(
        action,
        Transport::Srt,
        stream_path(&resource)?,
        creds.finish(),
    ))
}

fn srt_mediamtx(streamid: &str) -> Result<AuthRequest, Deny> {
    let parts: Vec<&str> = streamid.split(':').collect();
    let (action, path) = match parts.as_slice() {
        [action, path, ..] => (*action, *path),
        _ => {
            return Err(malformed(
                "the streamid is neither `#!::r=…` nor `publish:path[:user:pass][:query]`",
            ));
        }
    };
    let action = match action {
        "publish" => Action::Publish,
        "read" => Action::Subscribe,
        _ => {
            // Not echoed: swapped fields would put a user name or password here.
            return Err(malformed(
                "the streamid action (before the first `:`) is not `publish` or `read`",
            ));
        }
    };
    let mut creds = CredentialsBuilder::default();
    let query = match parts.as_slice() {
        [_, _] => None,
        [_, _, query] => Some(*query),
        [_, _, user, pass] => {
            creds.username((*user).to_owned())?;
            creds.password((*pass).to_owned())?;
            None
        }
        [_, _, user, pass, query] => {
            creds.username((*user).to_owned())?;
            creds.password((*pass).to_owned())?;
            Some(*query)
        }
        _ => return Err(malformed("the streamid has too many `:` parts")),
    };
    if let Some(query) = query {
        read_query(query, &mut creds)?;
    }
    Ok(AuthRequest::new(
        action,
        Transport::Srt,
        stream_path(path)?,
        creds.finish(),
    ))
}

fn from_url(
    transport: Transport,
    action: Action,
    url: &str,
    header: Option<&str>,
) -> Result<AuthRequest, Deny> {
    if url.len() > MAX_URL_LEN {
        return Err(malformed(format!(
            "the URL is longer than {MAX_URL_LEN} bytes"
        )));
    }
    let parts = split_url(url)?;
    let schemes: &[&str] = match transport {
        Transport::Rtmp => &["rtmp", "rtmps"],
        Transport::Rtsp => &["rtsp", "rtsps"],
        _ => &["http", "https"],
    };
    if !schemes.iter().any(|s| s.eq_ignore_ascii_case(parts.scheme)) {
        // The text before `://` is not echoed: in `user:pass@rtmp://…` it is the credentials.
        return Err(malformed(format!(
            "a {transport} URL starts with {}://; this one has another scheme",
            schemes.join("://, ")
        )));
    }

    let mut creds = CredentialsBuilder::default();
    if let Some(userinfo) = parts.userinfo {
        let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        creds.username(decode(user, false)?)?;
        if !pass.is_empty() {
            creds.password(decode(pass, false)?)?;
        }
    }
    if let Some(query) = parts.query {
        read_query(query, &mut creds)?;
    }
    if let Some(header) = header {
        creds.merge(authorization(header)?)?;
    }

    let path = decode(parts.path, false)?;
    let path = match transport {
        Transport::Whip | Transport::Whep => strip_webrtc_markers(&path, transport),
        _ => path,
    };
    Ok(AuthRequest::new(
        action,
        transport,
        stream_path(&path)?,
        creds.finish(),
    ))
}

struct UrlParts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
}

fn split_url(url: &str) -> Result<UrlParts<'_>, Deny> {
    if url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(malformed("the URL contains a space or a control character"));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| malformed("the URL has no scheme (expected e.g. rtmp://host/app/stream)"))?;
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let userinfo = authority.rsplit_once('@').map(|(u, _)| u);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        return Err(malformed("the URL has no host"));
    }
    Ok(UrlParts {
        scheme,
        userinfo,
        path,
        query,
    })
}

fn strip_webrtc_markers(path: &str, transport: Transport) -> String {
    let marker = transport.as_str();
    let trimmed = path.trim_end_matches('/');
    if let Some(rest) = trimmed
        .strip_suffix(marker)
        .and_then(|r| r.strip_suffix('/'))
    {
        return rest.to_owned();
    }
    let red5 = format!("/{marker}/endpoint/");
    match trimmed.split_once(&red5) {
        Some((app, stream)) => format!("{app}/{stream}"),
        None => trimmed.to_owned(),
    }
}

fn read_query(query: &str, creds: &mut CredentialsBuilder) -> Result<(), Deny> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match decode(key, true)?.as_str() {
            "username" | "user" => creds.username(decode(value, true)?)?,
            "password" | "pass" => creds.password(decode(value, true)?)?,
            "token" | "jwt" => creds.token(decode(value, true)?)?,
            _ => {}
        }
    }
    Ok(())
}

/// Collects credentials from several places, refusing any field given twice.
#[derive(Default)]
struct CredentialsBuilder(Credentials);

impl CredentialsBuilder {
    fn username(&mut self, user: String) -> Result<(), Deny> {
        if user.is_empty() {
            return Ok(());
        }
        set_once(&mut self.0.username, user, "user name")
    }

    fn password(&mut self, pass: String) -> Result<(), Deny> {
        set_once(&mut self.0.password, Secret::new(pass), "password")
    }

    fn token(&mut self, token: String) -> Result<(), Deny> {
        let token = checked_token(&token)?;
        set_once(&mut self.0.token, Secret::new(token), "token")
    }

    fn merge(&mut self, other: Credentials) -> Result<(), Deny> {
        if let Some(u) = other.username {
            self.username(u)?;
        }
        if let Some(p) = other.password {
            set_once(&mut self.0.password, p, "password")?;
        }
        if let Some(t) = other.token {
            set_once(&mut self.0.token, t, "token")?;
        }
        Ok(())
    }

    fn finish(self) -> Credentials {
        self.0
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), Deny> {
    if slot.is_some() {
        return Err(malformed(format!("the {what} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn checked_token(token: &str) -> Result<&str, Deny> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed(format!(
            "the token is longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    if token.is_empty() {
        return Err(malformed("the token is empty"));
    }
    Ok(token)
}

fn decode(text: &str, plus_is_space: bool) -> Result<String, Deny> {
    let spaced;
    let text = if plus_is_space && text.contains('+') {
        spaced = text.replace('+', " ");
        spaced.as_str()
    } else {
        text
    };
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| malformed("a percent-encoded part of the URL is not UTF-8"))
}

fn stream_path(path: &str) -> Result<StreamPath, Deny> {
    StreamPath::new(path).map_err(|e| malformed(format!("bad stream path: {e}")))
}

fn malformed(detail: impl Into<String>) -> Deny {
    Deny::new(DenyReason::MalformedCredentials, detail)
}

#[cfg(test)]
mod tests;
