//! The RTSP client side (RFC 2326; RTSP 1.0 is what deployed servers speak): `ANNOUNCE` with a
//! minimal SDP to publish, `DESCRIBE` (`Accept: application/sdp`) to subscribe, on TCP.
//!
//! The first request goes without credentials, as real clients send it (RTSP clients answer
//! challenges; they do not volunteer passwords). A `401` with a `WWW-Authenticate` challenge is
//! answered once, on the same connection (a new one when the server closed it):
//!
//! * `Digest` (RFC 2617 / 7616, algorithm MD5, `qop=auth` when offered) is preferred over `Basic`
//!   when both are offered; other schemes and algorithms are not spoken, and a challenge made
//!   only of them is a `backend_protocol_error` (the probe could not present anything).
//! * `present: password` answers with the request's user name and password.
//! * `present: token`: the token goes in the request URL as `?token=…` (under the config's
//!   `query_names.token`: `token`, a key `authbench_core::connect` reads, by default; `jwt` is
//!   what MediaMTX's JWT method reads), and a challenge is answered with the token
//!   as the password and the request's user name (or `token` when it has none), the form of
//!   servers that take "a JWT as the password with any user".
//!
//! Verdicts: a 2xx is an allow (then `TEARDOWN` when the server opened a session, and the
//! connection is closed), naming the user only when the password was sent (a server that never
//! challenged checked nobody: the principal is `anonymous`). A second `401` or a `403` is `server_refused` with the status line; a
//! `404` is the server refusing the session for a stream it does not have; any other status is
//! `server_refused` with the status. The server closing the connection before answering is a
//! refusal too. A reply that is not RTSP, a header block over [`MAX_HEAD_LEN`] or a body over
//! [`MAX_BODY_LEN`] is `backend_protocol_error`; no reply in time is `backend_timeout`; no
//! connection is `backend_unavailable`.

use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use authbench_core::duration::format_duration;
use authbench_core::{Action, AuthRequest, Decision, DenyReason};
use base64::Engine as _;
use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::{
    ANONYMOUS, CLEANUP_TIMEOUT, Close, Present, Probed, QueryNames, principal, redact, refused,
    sanitize,
};

/// Longest reply header block accepted (status line and headers), in bytes.
pub(crate) const MAX_HEAD_LEN: usize = 16 * 1024;
/// Longest reply body accepted (an SDP), in bytes.
pub(crate) const MAX_BODY_LEN: usize = 64 * 1024;
/// The port when the endpoint names none (RFC 2326 §3.2).
const DEFAULT_PORT: u16 = 554;
/// The user name sent with a token when the request has none: servers that take a token as the
/// password accept any user.
const TOKEN_USER: &str = "token";
/// Most of a status line quoted in a protocol error's detail, counted after the request's
/// secrets are redacted from it.
const SHOWN_STATUS_LINE_LEN: usize = 64;
/// How much is read from the socket at a time.
const READ_CHUNK: usize = 8 * 1024;

/// Characters escaped in the stream path of the request URL (RFC 3986 path characters stay).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The minimal SDP of an `ANNOUNCE`: one H.264 video stream, which every RTSP server that takes
/// publishers accepts. No media is ever sent.
const ANNOUNCE_SDP: &str = "v=0\r\n\
o=- 0 0 IN IP4 127.0.0.1\r\n\
s=authbench\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=video 0 RTP/AVP 96\r\n\
a=rtpmap:96 H264/90000\r\n\
a=fmtp:96 packetization-mode=1\r\n\
a=control:streamid=0\r\n";

/// Asks the RTSP server at `endpoint` (`rtsp://host:port`) whether `req` may publish (`ANNOUNCE`)
/// or subscribe (`DESCRIBE`) its stream path, within `timeout`.
pub(crate) async fn probe(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    names: &QueryNames,
    timeout: Duration,
) -> Probed {
    let deadline = Instant::now() + timeout;
    match run(endpoint, req, present, names, timeout, deadline).await {
        Ok(probed) => probed,
        Err(decision) => decision.into(),
    }
}

async fn run(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    names: &QueryNames,
    timeout: Duration,
    deadline: Instant,
) -> Result<Probed, Decision> {
    let target = Target::parse(endpoint)?;
    let method = match req.action {
        Action::Publish => "ANNOUNCE",
        Action::Subscribe => "DESCRIBE",
    };
    let mut uri = format!(
        "{}/{}",
        endpoint.trim_end_matches('/'),
        utf8_percent_encode(req.path.as_str(), PATH)
    );
    if present == Present::Token
        && let Some(token) = &req.credentials.token
    {
        let _ = write!(uri, "?{}=", names.token);
        uri.extend(utf8_percent_encode(token.expose(), crate::QUERY_VALUE));
    }
    let fail = |f: Failure| f.decision(req, method, &target, timeout);

    let mut conn = Conn::open(&target, deadline).await.map_err(fail)?;
    let first = conn
        .exchange(method, &uri, None, deadline)
        .await
        .map_err(fail)?;
    let (reply, answered) = if first.status == 401 {
        let answer = answer_challenge(req, present, &first, method, &uri)?;
        // A server may close the connection after a challenge; the answer then goes on a new one.
        if first.closes() {
            conn = Conn::open(&target, deadline).await.map_err(fail)?;
        }
        let second = match conn
            .exchange(method, &uri, Some(&answer.header), deadline)
            .await
        {
            Err(Failure::Closed) if !first.closes() => {
                conn = Conn::open(&target, deadline).await.map_err(fail)?;
                conn.exchange(method, &uri, Some(&answer.header), deadline)
                    .await
                    .map_err(fail)?
            }
            other => other.map_err(fail)?,
        };
        (second, Some(answer))
    } else {
        (first, None)
    };

    let decision = match reply.status {
        // The user name is only named when the password went to the server: an open server that
        // never challenged checked nobody.
        200..=299 if answered.is_some() => Decision::allow(principal(req, present)),
        200..=299 => Decision::allow(ANONYMOUS),
        401 | 403 if answered.is_some() => refused(
            req,
            &format!(
                "{} (after answering the {} challenge)",
                reply.status_line,
                answered.as_ref().map_or("", |a| a.scheme)
            ),
        ),
        404 => refused(
            req,
            &format!(
                "{}: the server refused the session (it has no stream at this path)",
                reply.status_line
            ),
        ),
        _ => refused(req, &reply.status_line),
    };
    // After the verdict: bounded, and whatever happens it does not change the verdict.
    let close = decision.is_allow().then(|| -> Close {
        let auth = answered.map(|a| a.header);
        Box::pin(async move { conn.teardown(&uri, &reply, auth.as_deref()).await })
    });
    Ok(Probed { decision, close })
}

/// Where to connect.
struct Target {
    host: String,
    port: u16,
}

impl Target {
    fn parse(endpoint: &str) -> Result<Self, Decision> {
        let unusable = || {
            Decision::deny(
                DenyReason::BackendUnavailable,
                "the rtsp endpoint is not an rtsp://host:port URL",
            )
        };
        let url = url::Url::parse(endpoint).map_err(|_| unusable())?;
        let host = url.host_str().ok_or_else(unusable)?;
        // `[::1]` is how a URL writes an IPv6 host; a socket address takes it bare.
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        Ok(Target {
            host,
            port: url.port().unwrap_or(DEFAULT_PORT),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Why an exchange produced no reply to judge.
#[derive(Debug)]
enum Failure {
    /// The TCP connection could not be made.
    Connect(io::Error),
    /// The deadline passed.
    Timeout,
    /// The server closed (or reset) the connection before a reply began.
    Closed,
    /// Another I/O error.
    Io(io::Error),
    /// What came back is not an acceptable RTSP reply.
    Protocol(Problem),
}

/// Why a reply is not acceptable, with the server's status line when that is what is wrong. The
/// line is kept whole here: its secrets are redacted before it is cut for a detail (a secret
/// across the cut would survive in part).
#[derive(Debug)]
struct Problem {
    what: String,
    status_line: Option<String>,
}

impl From<String> for Problem {
    fn from(what: String) -> Self {
        Problem {
            what,
            status_line: None,
        }
    }
}

impl From<&str> for Problem {
    fn from(what: &str) -> Self {
        what.to_owned().into()
    }
}

impl Failure {
    fn decision(
        self,
        req: &AuthRequest,
        method: &str,
        target: &Target,
        timeout: Duration,
    ) -> Decision {
        match self {
            Failure::Connect(e) if e.kind() == io::ErrorKind::ConnectionRefused => Decision::deny(
                DenyReason::BackendUnavailable,
                format!("nothing listens at {target} (connection refused)"),
            ),
            Failure::Connect(e) => Decision::deny(
                DenyReason::BackendUnavailable,
                format!("no connection to {target} ({})", e.kind()),
            ),
            Failure::Timeout => Decision::deny(
                DenyReason::BackendTimeout,
                format!(
                    "no RTSP answer to {method} from {target} within {}",
                    format_duration(timeout)
                ),
            ),
            Failure::Closed => refused(
                req,
                &format!("the server closed the connection without answering {method}"),
            ),
            Failure::Io(e) => Decision::deny(
                DenyReason::BackendUnavailable,
                format!("the connection to {target} failed ({})", e.kind()),
            ),
            // The server's status line may echo a secret: redacted, then cut.
            Failure::Protocol(Problem { what, status_line }) => {
                let quoted = status_line.map_or_else(String::new, |line| {
                    let shown: String = redact(req, &line)
                        .chars()
                        .take(SHOWN_STATUS_LINE_LEN)
                        .collect();
                    format!(" (status line `{shown}`)")
                });
                Decision::deny(
                    DenyReason::BackendProtocolError,
                    sanitize(req, &format!("{what}{quoted} (answer to {method})")),
                )
            }
        }
    }
}

/// One parsed reply.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// The status line, made safe for a detail.
    status_line: String,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True when the server says it closes the connection after this reply.
    fn closes(&self) -> bool {
        self.header("Connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
    }
}

/// A connection with what has been read past the last reply.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    cseq: u32,
}

impl Conn {
    async fn open(target: &Target, deadline: Instant) -> Result<Self, Failure> {
        let stream = timeout_at(
            deadline,
            TcpStream::connect((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| Failure::Timeout)?
        .map_err(Failure::Connect)?;
        // Requests are small and each waits for its answer: send them at once.
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: Vec::new(),
            cseq: 0,
        })
    }

    /// Sends one request and reads its reply.
    async fn exchange(
        &mut self,
        method: &str,
        uri: &str,
        authorization: Option<&str>,
        deadline: Instant,
    ) -> Result<Reply, Failure> {
        self.cseq += 1;
        let mut request = format!(
            "{method} {uri} RTSP/1.0\r\nCSeq: {}\r\nUser-Agent: authbench\r\n",
            self.cseq
        );
        if let Some(auth) = authorization {
            let _ = write!(request, "Authorization: {auth}\r\n");
        }
        match method {
            "ANNOUNCE" => {
                let _ = write!(
                    request,
                    "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{ANNOUNCE_SDP}",
                    ANNOUNCE_SDP.len()
                );
            }
            "DESCRIBE" => request.push_str("Accept: application/sdp\r\n\r\n"),
            _ => request.push_str("\r\n"),
        }
        match timeout_at(deadline, self.stream.write_all(request.as_bytes())).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) if closed(&e) => return Err(Failure::Closed),
            Ok(Err(e)) => return Err(Failure::Io(e)),
            Ok(Ok(())) => {}
        }
        let reply = self.read_reply(deadline).await?;
        if let Some(cseq) = reply.header("CSeq")
            && cseq.trim() != self.cseq.to_string()
        {
            return Err(Failure::Protocol(
                "the reply's CSeq is not the request's".into(),
            ));
        }
        Ok(reply)
    }

    /// Reads one reply: the header block (at most [`MAX_HEAD_LEN`]) and its body (at most
    /// [`MAX_BODY_LEN`], discarded).
    async fn read_reply(&mut self, deadline: Instant) -> Result<Reply, Failure> {
        let (head_len, body_start) = loop {
            if let Some(found) = head_end(&self.buf) {
                break found;
            }
            if self.buf.len() > MAX_HEAD_LEN {
                return Err(Failure::Protocol(
                    format!("the reply's header block is longer than {MAX_HEAD_LEN} bytes").into(),
                ));
            }
            self.fill(deadline).await?;
        };
        if head_len > MAX_HEAD_LEN {
            return Err(Failure::Protocol(
                format!("the reply's header block is longer than {MAX_HEAD_LEN} bytes").into(),
            ));
        }
        let reply = parse_head(self.buf.get(..head_len).unwrap_or_default())?;
        let body_len = match reply.header("Content-Length") {
            None => 0,
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                Failure::Protocol("the reply's Content-Length is not a number".into())
            })?,
        };
        if body_len > MAX_BODY_LEN {
            return Err(Failure::Protocol(
                format!("the reply's body ({body_len} bytes) is longer than {MAX_BODY_LEN} bytes")
                    .into(),
            ));
        }
        while self.buf.len() < body_start + body_len {
            self.fill(deadline).await.map_err(|f| match f {
                Failure::Closed => Failure::Protocol("the reply's body is cut short".into()),
                other => other,
            })?;
        }
        let end = (body_start + body_len).min(self.buf.len());
        self.buf.drain(..end);
        Ok(reply)
    }

    /// Reads what is there (at most [`READ_CHUNK`] bytes) into the buffer.
    async fn fill(&mut self, deadline: Instant) -> Result<(), Failure> {
        let mut chunk = [0u8; READ_CHUNK];
        let n = match timeout_at(deadline, self.stream.read(&mut chunk)).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) if closed(&e) && self.buf.is_empty() => return Err(Failure::Closed),
            Ok(Err(e)) => return Err(Failure::Io(e)),
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            return Err(if self.buf.is_empty() {
                Failure::Closed
            } else {
                Failure::Protocol(
                    "the server closed the connection in the middle of a reply".into(),
                )
            });
        }
        self.buf
            .extend_from_slice(chunk.get(..n).unwrap_or_default());
        Ok(())
    }

    /// Ends the session after an allow: `TEARDOWN` when the server opened one (a `Session`
    /// header), then closes the connection. Bounded by [`CLEANUP_TIMEOUT`]; errors are ignored.
    async fn teardown(mut self, uri: &str, reply: &Reply, authorization: Option<&str>) {
        let deadline = Instant::now() + CLEANUP_TIMEOUT;
        if let Some(session) = reply.header("Session") {
            // `Session: id;timeout=60`: only the id goes back.
            let id = session.split(';').next().unwrap_or_default().trim();
            if !id.is_empty() && !id.chars().any(char::is_control) {
                self.cseq += 1;
                let mut request = format!(
                    "TEARDOWN {uri} RTSP/1.0\r\nCSeq: {}\r\nUser-Agent: authbench\r\nSession: {id}\r\n",
                    self.cseq
                );
                if let Some(auth) = authorization {
                    let _ = write!(request, "Authorization: {auth}\r\n");
                }
                request.push_str("\r\n");
                if let Ok(Ok(())) =
                    timeout_at(deadline, self.stream.write_all(request.as_bytes())).await
                {
                    let _ = self.read_reply(deadline).await;
                }
            }
        }
        let _ = timeout_at(deadline, self.stream.shutdown()).await;
    }
}

/// True for the errors that mean the peer went away.
fn closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// Where the header block ends: (its length without the blank line, where the body starts).
/// Bare `\n` line ends are accepted as well as `\r\n`.
fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf.iter().position(|&b| b == b'\n')?;
    let mut i = lf;
    loop {
        // `i` is at a `\n`; the next line is empty when it is `\n` or `\r\n`.
        match buf.get(i + 1..) {
            Some([b'\n', ..]) => return Some((i + 1, i + 2)),
            Some([b'\r', b'\n', ..]) => return Some((i + 1, i + 3)),
            _ => {}
        }
        i = i + 1 + buf.get(i + 1..)?.iter().position(|&b| b == b'\n')?;
    }
}

/// Parses the status line and headers.
fn parse_head(head: &[u8]) -> Result<Reply, Failure> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let status_line = lines.next().unwrap_or_default().trim_end();
    // The whole line: it is redacted before it is cut to a detail's length.
    let bad = |what: &str| {
        Failure::Protocol(Problem {
            what: what.to_owned(),
            status_line: Some(status_line.to_owned()),
        })
    };
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("RTSP/") || code.len() != 3 {
        return Err(bad("the reply is not RTSP"));
    }
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| bad("the reply's status code is not a number"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the previous header.
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Ok(Reply {
        status,
        status_line: status_line.to_owned(),
        headers,
    })
}

/// The `Authorization` answer to a challenge, and the scheme it answers.
struct Answer {
    scheme: &'static str,
    header: String,
}

/// Builds the answer to the `401` `reply`, or the decision when there is none to give.
fn answer_challenge(
    req: &AuthRequest,
    present: Present,
    reply: &Reply,
    method: &str,
    uri: &str,
) -> Result<Answer, Decision> {
    let c = &req.credentials;
    let (user, secret) = match present {
        Present::Password => (c.username.as_deref().unwrap_or_default(), &c.password),
        Present::Token => (c.username.as_deref().unwrap_or(TOKEN_USER), &c.token),
    };
    let Some(secret) = secret.as_ref() else {
        return Err(refused(
            req,
            &format!(
                "{}: the request has no {} to answer the challenge with",
                reply.status_line,
                present.as_str()
            ),
        ));
    };
    if user.chars().any(char::is_control) || secret.expose().chars().any(char::is_control) {
        return Err(Decision::deny(
            DenyReason::MalformedCredentials,
            "the user name or secret holds a control character, which RTSP cannot carry",
        ));
    }
    let challenges: Vec<Challenge> = reply
        .headers("WWW-Authenticate")
        .flat_map(parse_challenges)
        .collect();
    if challenges.is_empty() {
        return Err(refused(
            req,
            &format!("{} without a WWW-Authenticate challenge", reply.status_line),
        ));
    }
    let digest = challenges.iter().find(|ch| {
        ch.scheme.eq_ignore_ascii_case("Digest")
            && ch
                .param("algorithm")
                .is_none_or(|a| a.eq_ignore_ascii_case("MD5"))
            && ch.param("nonce").is_some()
            && ch
                .param("qop")
                .is_none_or(|q| q.split(',').any(|v| v.trim().eq_ignore_ascii_case("auth")))
    });
    if let Some(ch) = digest {
        return Ok(Answer {
            scheme: "Digest",
            header: digest_answer(ch, user, secret.expose(), method, uri, &cnonce()),
        });
    }
    if challenges
        .iter()
        .any(|ch| ch.scheme.eq_ignore_ascii_case("Basic"))
    {
        if user.contains(':') {
            return Err(Decision::deny(
                DenyReason::MalformedCredentials,
                "a user name with `:` cannot be sent with Basic authentication",
            ));
        }
        let pair = format!("{user}:{}", secret.expose());
        return Ok(Answer {
            scheme: "Basic",
            header: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        });
    }
    let offered: Vec<String> = challenges
        .iter()
        .map(|ch| match ch.param("algorithm") {
            Some(alg) => format!("{} ({alg})", ch.scheme),
            None => ch.scheme.clone(),
        })
        .collect();
    Err(Decision::deny(
        DenyReason::BackendProtocolError,
        sanitize(
            req,
            &format!(
                "the server's challenge offers only {}, which the probe does not answer (it speaks Basic and Digest MD5 with qop auth)",
                offered.join(", ")
            ),
        ),
    ))
}

/// One challenge: a scheme and its parameters.
#[derive(Debug)]
struct Challenge {
    scheme: String,
    params: Vec<(String, String)>,
}

impl Challenge {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits one `WWW-Authenticate` value into challenges (`Digest realm="r", nonce="n", Basic
/// realm="r"`): an item that is a bare token or `token param=…` starts a new challenge.
fn parse_challenges(value: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    for item in split_items(value) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (head, rest) = match item.split_once([' ', '\t']) {
            Some((h, r)) if !h.contains('=') => (Some(h), r.trim()),
            _ if !item.contains('=') => (Some(item), ""),
            _ => (None, item),
        };
        if let Some(scheme) = head {
            out.push(Challenge {
                scheme: scheme.to_owned(),
                params: Vec::new(),
            });
        }
        if rest.is_empty() {
            continue;
        }
        if let (Some(ch), Some((name, raw))) = (out.last_mut(), rest.split_once('=')) {
            ch.params
                .push((name.trim().to_owned(), unquote(raw.trim())));
        }
    }
    out
}

/// Splits on commas outside quoted strings.
fn split_items(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in value.chars() {
        match c {
            _ if escaped => {
                escaped = false;
                current.push(c);
            }
            '\\' if quoted => {
                escaped = true;
                current.push(c);
            }
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items
}

/// The value of a token or quoted-string parameter.
fn unquote(raw: &str) -> String {
    let Some(inner) = raw.strip_prefix('"') else {
        return raw.to_owned();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// A quoted-string for a header value.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn md5_hex(data: &str) -> String {
    let digest = Md5::digest(data.as_bytes());
    let mut out = String::with_capacity(32);
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A client nonce: 64 random bits ([`crate::random`]). It only has to be unpredictable to the
/// server.
fn cnonce() -> String {
    format!("{:016x}", u64::from_le_bytes(crate::random()))
}

/// The Digest answer (RFC 2617 §3.2.2; MD5, `qop=auth` when the server offers it).
fn digest_answer(
    ch: &Challenge,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> String {
    let realm = ch.param("realm").unwrap_or_default();
    let nonce = ch.param("nonce").unwrap_or_default();
    let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let mut header = format!(
        "Digest username={}, realm={}, nonce={}, uri={}",
        quote(user),
        quote(realm),
        quote(nonce),
        quote(uri)
    );
    if ch.param("qop").is_some() {
        let nc = "00000001";
        let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
        let _ = write!(
            header,
            ", response=\"{response}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\""
        );
    } else {
        let response = md5_hex(&format!("{ha1}:{nonce}:{ha2}"));
        let _ = write!(header, ", response=\"{response}\"");
    }
    if let Some(alg) = ch.param("algorithm") {
        let _ = write!(header, ", algorithm={alg}");
    }
    if let Some(opaque) = ch.param("opaque") {
        let _ = write!(header, ", opaque={}", quote(opaque));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_block_ends_at_the_first_blank_line() {
        assert_eq!(
            head_end(b"RTSP/1.0 200 OK\r\nA: b\r\n\r\nbody"),
            Some((23, 25))
        );
        assert_eq!(head_end(b"RTSP/1.0 200 OK\nA: b\n\nbody"), Some((21, 22)));
        assert_eq!(head_end(b"RTSP/1.0 200 OK\r\nA: b\r\n"), None);
        assert_eq!(head_end(b""), None);
    }

    #[test]
    fn challenges_split_into_schemes_and_parameters() {
        let chs = parse_challenges(
            r#"Digest realm="a, \"b\"", nonce="n1", qop="auth,auth-int", Basic realm="x""#,
        );
        assert_eq!(chs.len(), 2);
        assert_eq!(chs[0].scheme, "Digest");
        assert_eq!(chs[0].param("realm"), Some(r#"a, "b""#));
        assert_eq!(chs[0].param("qop"), Some("auth,auth-int"));
        assert_eq!(chs[1].scheme, "Basic");
        assert_eq!(chs[1].param("realm"), Some("x"));
        assert_eq!(
            parse_challenges("Bearer")
                .first()
                .map(|c| c.scheme.as_str()),
            Some("Bearer")
        );
    }

    #[test]
    fn the_digest_answer_matches_rfc_2617s_example() {
        // RFC 2617 §3.5: qop=auth, nc=00000001, cnonce 0a4f113b.
        let ch = Challenge {
            scheme: "Digest".into(),
            params: vec![
                ("realm".into(), "testrealm@host.com".into()),
                ("qop".into(), "auth,auth-int".into()),
                ("nonce".into(), "dcd98b7102dd2f0e8b11d0f600bfb0c093".into()),
                ("opaque".into(), "5ccc069c403ebaf9f0171e9517f40e41".into()),
            ],
        };
        let header = digest_answer(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        );
        assert_eq!(
            header,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=00000001, \
             cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
        );
    }

    #[test]
    fn a_timeout_is_written_as_the_config_writes_it() {
        let req = AuthRequest::new(
            Action::Subscribe,
            authbench_core::Transport::Rtsp,
            authbench_core::StreamPath::new("live/cam1").expect("path"),
            authbench_core::Credentials::none(),
        );
        let target = Target {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
        };
        let decision =
            Failure::Timeout.decision(&req, "DESCRIBE", &target, Duration::from_millis(1500));
        let Decision::Deny(deny) = decision else {
            panic!("deny expected")
        };
        assert_eq!(deny.reason, DenyReason::BackendTimeout);
        assert_eq!(
            deny.detail,
            "no RTSP answer to DESCRIBE from 127.0.0.1:554 within 1500ms"
        );
    }

    #[test]
    fn a_status_line_that_is_not_rtsp_is_a_protocol_error() {
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK"),
            Err(Failure::Protocol(_))
        ));
        assert!(matches!(
            parse_head(b"RTSP/1.0 2x0 OK"),
            Err(Failure::Protocol(_))
        ));
        let reply = parse_head(b"RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n x=1")
            .expect("rtsp");
        assert_eq!(reply.status, 401);
        assert_eq!(reply.header("www-authenticate"), Some("Basic x=1"));
    }
}
