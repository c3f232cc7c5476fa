//! Sending one question: pooled keep-alive connections, one deadline per attempt, retries after
//! connection errors only, redirects never followed, answers read with a size cap. Every failure
//! becomes a deny with a precise infrastructure reason.
//!
//! The decision path is a bare hyper HTTP/1 connection per request in flight, kept alive in a
//! small pool per target, rather than a general-purpose client library: on loopback the library's
//! own layers cost more than the round trip itself. What such a library would add is done here
//! explicitly: user info in the URL becomes `Authorization: Basic`, no proxy is read from the
//! environment (an auth backend is reached directly), redirects are answers, never followed, and
//! a request that a pooled connection closed before it was sent is sent again on a new one. TLS
//! is rustls with the aws-lc-rs backend, verifying against the platform's roots plus the optional
//! `ca_file`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use authbench_core::{Deny, DenyReason, Secret};
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue,
    LOCATION, USER_AGENT,
};
use hyper::{Method, Request, Response, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use url::Url;

use crate::config::{RESERVED_HEADERS, RoundTripConfigError};

/// Largest answer read, in bytes; a longer one is a protocol error.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Most idle connections kept per target.
const MAX_IDLE: usize = 256;

const USER_AGENT_VALUE: &str = concat!("authbench-roundtrip/", env!("CARGO_PKG_VERSION"));

type Conn = SendRequest<Full<Bytes>>;

/// An answer: status and body (at most [`MAX_ANSWER_BYTES`]).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    /// The `Location` of a redirect, when redirects are answers (see
    /// [`Target::redirects_are_answers`]) and it is text.
    pub(crate) location: Option<String>,
}

/// The host to connect to.
enum Host {
    Name(String),
    Ip(IpAddr),
}

/// Where a question goes: the host and port, the request target (path and query), the `Host`
/// and `Authorization` headers (the latter from the URL's user info), the URL as it may be shown
/// (user info and query values redacted), and the idle keep-alive connections to it.
pub(crate) struct Target {
    https: bool,
    host: Host,
    port: u16,
    path: Uri,
    authorization: Option<HeaderValue>,
    /// Every header a request to this target carries, built once: each request clones it
    /// instead of hashing and inserting them one by one.
    headers: HeaderMap,
    /// Whether a 3xx is an answer (nginx-rtmp reads it as one) instead of a protocol error.
    redirects_answer: bool,
    shown: String,
    idle: Mutex<Vec<Conn>>,
}

impl Target {
    /// `url` must be an absolute http(s) URL with a host (checked by the caller). `text` is the
    /// configured value, for the shown form.
    pub(crate) fn new(
        key: &'static str,
        url: &Url,
        text: &str,
    ) -> Result<Self, RoundTripConfigError> {
        let shown = authbench_core::redact::url(text);
        let unusable = |problem: &str| RoundTripConfigError::Url {
            key,
            url: shown.clone(),
            problem: problem.to_owned(),
        };
        let https = url.scheme() == "https";
        let host = match url.host() {
            Some(url::Host::Domain(d)) => Host::Name(d.to_owned()),
            Some(url::Host::Ipv4(ip)) => Host::Ip(ip.into()),
            Some(url::Host::Ipv6(ip)) => Host::Ip(ip.into()),
            None => return Err(unusable("no host")),
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| unusable("no port"))?;
        let host_str = url.host_str().unwrap_or_default();
        let host_header = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let host_header = HeaderValue::try_from(host_header)
            .map_err(|_| unusable("the host cannot be sent in a Host header"))?;
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let path = target
            .parse::<Uri>()
            .map_err(|source| RoundTripConfigError::Uri {
                key,
                url: shown.clone(),
                source,
            })?;
        let authorization = basic_auth(url);
        let mut headers = HeaderMap::with_capacity(8);
        headers.insert(HOST, host_header);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if let Some(auth) = &authorization {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        Ok(Target {
            https,
            host,
            port,
            path,
            authorization,
            headers,
            redirects_answer: false,
            shown,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Adds the configured extra headers (checked by [`extra_headers`]), after the client's
    /// own, so `Accept` or `User-Agent` may be replaced.
    pub(crate) fn with_headers(mut self, extra: &[(HeaderName, HeaderValue)]) -> Self {
        for (name, value) in extra {
            self.headers.insert(name.clone(), value.clone());
        }
        self
    }

    /// Sends bodies as `content_type` instead of JSON (nginx-rtmp posts a form).
    pub(crate) fn with_content_type(mut self, content_type: &'static str) -> Self {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self
    }

    /// Reads a 3xx as an answer, with its `Location`, instead of a protocol error. Redirects are
    /// still never followed.
    pub(crate) fn redirects_are_answers(mut self) -> Self {
        self.redirects_answer = true;
        self
    }

    /// Whether the URL's user info is sent as `Authorization`.
    pub(crate) fn has_authorization(&self) -> bool {
        self.authorization.is_some()
    }

    /// The URL with its secrets redacted.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
    }

    fn checkout(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(conn) = idle.pop() {
            if !conn.is_closed() {
                return Some(conn);
            }
        }
        None
    }

    fn checkin(&self, conn: Conn) {
        if conn.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// `http://user:pass@host/…` → `Basic base64(user:pass)` (percent-decoded), marked sensitive.
fn basic_auth(url: &Url) -> Option<HeaderValue> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).collect::<Vec<u8>>();
    let mut pair = decode(url.username());
    pair.push(b':');
    if let Some(password) = url.password() {
        pair.extend(decode(password));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The configured extra headers, checked: valid names and non-empty valid values, none that
/// the client sets itself, no name twice (names are case-insensitive), and no `Authorization`
/// when a URL's user info already becomes one (`url_authorization`). Values are marked
/// sensitive. Errors name the header, never its value.
pub(crate) fn extra_headers(
    configured: &BTreeMap<String, Secret>,
    url_authorization: bool,
) -> Result<Vec<(HeaderName, HeaderValue)>, RoundTripConfigError> {
    let refused = |name: &str, problem: &'static str| RoundTripConfigError::HeaderRefused {
        name: name.to_owned(),
        problem,
    };
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(configured.len());
    for (text, value) in configured {
        let name = HeaderName::try_from(text.as_str()).map_err(|source| {
            RoundTripConfigError::HeaderName {
                name: text.clone(),
                source,
            }
        })?;
        if RESERVED_HEADERS.contains(&name.as_str()) {
            return Err(refused(
                text,
                "is set by the client itself and cannot be configured",
            ));
        }
        if name == AUTHORIZATION && url_authorization {
            return Err(refused(
                text,
                "conflicts with the user info in the URL, which is sent as Authorization",
            ));
        }
        if headers.iter().any(|(n, _)| *n == name) {
            return Err(refused(
                text,
                "is configured twice (header names ignore case)",
            ));
        }
        if value.is_empty() {
            return Err(RoundTripConfigError::HeaderValue {
                name: text.clone(),
                problem: "is empty",
                source: None,
            });
        }
        let mut value = HeaderValue::try_from(value.expose()).map_err(|source| {
            RoundTripConfigError::HeaderValue {
                name: text.clone(),
                problem: "holds a character a header cannot carry (a control character such as a line break)",
                source: Some(source),
            }
        })?;
        value.set_sensitive(true);
        headers.push((name, value));
    }
    Ok(headers)
}

/// The HTTP side of the authenticator.
pub(crate) struct Sender {
    tls: TlsConnector,
    timeout: Duration,
    retries: u32,
}

/// Extra trusted CA certificates from a PEM file.
fn extra_roots(path: &Path) -> Result<Vec<CertificateDer<'static>>, RoundTripConfigError> {
    let pem = std::fs::read(path).map_err(|source| RoundTripConfigError::CaFileRead {
        path: path.to_owned(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| RoundTripConfigError::CaFileParse {
            path: path.to_owned(),
            source: Some(source),
        })?;
    if certs.is_empty() {
        return Err(RoundTripConfigError::CaFileParse {
            path: path.to_owned(),
            source: None,
        });
    }
    Ok(certs)
}

/// rustls with aws-lc-rs, verifying with the platform's roots plus `extra`.
fn tls_config(extra: Vec<CertificateDer<'static>>) -> Result<ClientConfig, RoundTripConfigError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
    }
    .map_err(RoundTripConfigError::Tls)?;
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(RoundTripConfigError::Tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// Why no connection could be made (a connect error, retried).
fn connect_failed(target: &Target, e: &(dyn std::error::Error + 'static)) -> Failure {
    Failure::Connect(Deny::new(
        DenyReason::BackendUnavailable,
        format!("cannot connect to {}: {}", target.shown(), root_cause(e)),
    ))
}

impl Sender {
    pub(crate) fn new(
        timeout: Duration,
        retries: u32,
        ca_file: Option<&Path>,
    ) -> Result<Self, RoundTripConfigError> {
        let extra = match ca_file {
            Some(path) => extra_roots(path)?,
            None => Vec::new(),
        };
        Ok(Sender {
            tls: TlsConnector::from(Arc::new(tls_config(extra)?)),
            timeout,
            retries,
        })
    }

    /// Posts `body` as JSON to `target`; retries after connection errors. Returns the answer and
    /// the number of attempts made.
    pub(crate) async fn post(&self, target: &Target, body: Bytes) -> (Result<Reply, Deny>, u32) {
        let mut body = body;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The last attempt allowed takes the body; only one that may be retried copies it.
            let this = if attempt > self.retries {
                std::mem::take(&mut body)
            } else {
                body.clone()
            };
            match self.attempt(target, this).await {
                Err(Failure::Connect(deny)) if attempt <= self.retries => {
                    tracing::debug!(attempt, detail = %deny.detail, "auth service unreachable, retrying");
                    // Short growing pause: a restarting service gets a moment, the caller no delay
                    // worth measuring.
                    let pause = Duration::from_millis(10u64 << attempt.min(4))
                        .min(Duration::from_millis(100));
                    tokio::time::sleep(pause).await;
                }
                Err(Failure::Connect(deny) | Failure::Other(deny)) => {
                    let deny = if attempt > 1 {
                        Deny::new(
                            deny.reason,
                            format!("{} (after {attempt} attempts)", deny.detail),
                        )
                    } else {
                        deny
                    };
                    return (Err(deny), attempt);
                }
                Ok(reply) => return (Ok(reply), attempt),
            }
        }
    }

    /// A new connection to `target` (TCP, then TLS for https), its connection task spawned.
    async fn connect(&self, target: &Target) -> Result<Conn, Failure> {
        let tcp = match &target.host {
            Host::Ip(ip) => TcpStream::connect((*ip, target.port)).await,
            Host::Name(name) => TcpStream::connect((name.as_str(), target.port)).await,
        }
        .map_err(|e| connect_failed(target, &e))?;
        // Without it a small request may wait for a delayed ACK; failing to set it is harmless.
        let _ = tcp.set_nodelay(true);
        if target.https {
            let name = match &target.host {
                Host::Ip(ip) => ServerName::IpAddress((*ip).into()),
                Host::Name(name) => {
                    ServerName::try_from(name.clone()).map_err(|e| connect_failed(target, &e))?
                }
            };
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| connect_failed(target, &e))?;
            handshake(target, TokioIo::new(tls)).await
        } else {
            handshake(target, TokioIo::new(tcp)).await
        }
    }

    fn request(target: &Target, body: Bytes) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = target.path.clone();
        *req.headers_mut() = target.headers.clone();
        req
    }

    /// Sends the request on a pooled connection if one is ready, else on a new one; a request a
    /// pooled connection refused before sending it goes out again on a new connection.
    async fn send(
        &self,
        target: &Target,
        body: Bytes,
    ) -> Result<(Conn, Response<hyper::body::Incoming>), Failure> {
        let mut req = Self::request(target, body);
        if let Some(mut conn) = target.checkout()
            && conn.ready().await.is_ok()
        {
            match conn.try_send_request(req).await {
                Ok(resp) => return Ok((conn, resp)),
                Err(mut e) => match e.take_message() {
                    Some(unsent) => req = unsent,
                    None => return Err(answer_failed(e.error())),
                },
            }
        }
        let mut conn = self.connect(target).await?;
        conn.ready().await.map_err(|e| connect_failed(target, &e))?;
        match conn.send_request(req).await {
            Ok(resp) => Ok((conn, resp)),
            Err(e) => Err(answer_failed(&e)),
        }
    }

    async fn attempt(&self, target: &Target, body: Bytes) -> Result<Reply, Failure> {
        let exchange = async {
            let (conn, resp) = self.send(target, body).await?;
            let status = resp.status();
            let location = (status.is_redirection() && target.redirects_answer)
                .then(|| {
                    resp.headers()
                        .get(LOCATION)?
                        .to_str()
                        .ok()
                        .map(str::to_owned)
                })
                .flatten();
            if status.is_redirection() && !target.redirects_answer {
                return Err(Failure::Other(Deny::new(
                    DenyReason::BackendProtocolError,
                    format!(
                        "the auth service answered a redirect (HTTP {}), which is never followed",
                        status.as_u16()
                    ),
                )));
            }
            let declared = resp
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
                return Err(too_large());
            }
            let mut incoming = resp.into_body();
            // An answer usually arrives in one frame, kept as it is; later frames are joined.
            let mut first = Bytes::new();
            let mut joined: Option<BytesMut> = None;
            while let Some(frame) = incoming.frame().await {
                let frame = frame.map_err(|e| unreadable(&e))?;
                if let Ok(chunk) = frame.into_data() {
                    let have = joined.as_ref().map_or(first.len(), BytesMut::len);
                    if have + chunk.len() > MAX_ANSWER_BYTES {
                        return Err(too_large());
                    }
                    match &mut joined {
                        Some(all) => all.extend_from_slice(&chunk),
                        None if first.is_empty() => first = chunk,
                        None => {
                            let mut all = BytesMut::with_capacity(have + chunk.len());
                            all.extend_from_slice(&first);
                            all.extend_from_slice(&chunk);
                            joined = Some(all);
                        }
                    }
                }
            }
            let body = joined.map_or(first, BytesMut::freeze);
            // Only a connection whose answer was read whole goes back to the pool.
            target.checkin(conn);
            Ok(Reply {
                status: status.as_u16(),
                body,
                location,
            })
        };
        // One deadline for the whole attempt: connect, send, answer and body.
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Other(timed_out(self.timeout))),
        }
    }
}

/// The HTTP/1 handshake on a connected stream; the connection runs on its own task.
async fn handshake<T>(target: &Target, io: TokioIo<T>) -> Result<Conn, Failure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (send, conn) = http1::handshake(io)
        .await
        .map_err(|e| connect_failed(target, &e))?;
    tokio::spawn(async move {
        // The error, if any, has reached the request that was in flight.
        let _ = conn.await;
    });
    Ok(send)
}

/// A failed attempt: connection errors may be retried, nothing else.
enum Failure {
    Connect(Deny),
    Other(Deny),
}

fn too_large() -> Failure {
    Failure::Other(Deny::new(
        DenyReason::BackendProtocolError,
        format!("the answer is longer than {MAX_ANSWER_BYTES} bytes"),
    ))
}

fn timed_out(after: Duration) -> Deny {
    Deny::new(
        DenyReason::BackendTimeout,
        format!(
            "the auth service did not answer within {}",
            authbench_core::duration::format_duration(after)
        ),
    )
}

/// The innermost error's message (an OS error, a TLS alert, a parse error), which names what
/// went wrong without the URL.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut source = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// A request that got no usable answer head.
fn answer_failed(e: &hyper::Error) -> Failure {
    if e.is_parse() {
        // Bytes came back, but not an HTTP answer: a broken answer, not "no answer".
        return Failure::Other(Deny::new(
            DenyReason::BackendProtocolError,
            format!("the answer is not valid HTTP: {}", root_cause(e)),
        ));
    }
    if e.is_timeout() {
        return Failure::Other(Deny::new(
            DenyReason::BackendTimeout,
            "the auth service did not answer in time",
        ));
    }
    Failure::Other(Deny::new(
        DenyReason::BackendUnavailable,
        format!(
            "the auth service closed the connection without an answer: {}",
            root_cause(e)
        ),
    ))
}

/// An error while reading the body of an answer whose head arrived.
fn unreadable(e: &hyper::Error) -> Failure {
    let what = if e.is_parse() {
        "the answer is not valid HTTP"
    } else {
        "the answer could not be read"
    };
    Failure::Other(Deny::new(
        DenyReason::BackendProtocolError,
        format!("{what}: {}", root_cause(e)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_becomes_basic_auth_and_leaves_the_uri() {
        let text = "http://svc:p%40ss@127.0.0.1:8089/validateCredentials?api_key=SECRET#frag";
        let url = Url::parse(text).expect("url");
        let t = Target::new("url", &url, text).expect("target");
        assert_eq!(t.path.to_string(), "/validateCredentials?api_key=SECRET");
        assert_eq!(
            t.headers.get(HOST).map(HeaderValue::as_bytes),
            Some(&b"127.0.0.1:8089"[..])
        );
        let auth = t.authorization.as_ref().expect("basic auth");
        assert!(auth.is_sensitive());
        // base64("svc:p@ss")
        assert_eq!(auth.to_str().expect("ascii"), "Basic c3ZjOnBAc3M=");
        assert_eq!(
            t.shown(),
            "http://[redacted]@127.0.0.1:8089/validateCredentials?api_key=[redacted]"
        );
        let plain = Url::parse("http://h/x").expect("url");
        assert!(
            Target::new("url", &plain, "http://h/x")
                .expect("target")
                .authorization
                .is_none()
        );
    }
}
