//! The lean HTTP path: hyper's HTTP/1.1 client straight over a TCP connection per task, request
//! bodies serialised once before the run (cloning a `Bytes` is a reference count), answers read
//! frame by frame into a small stack buffer. No pool, no redirects, no per-request URL parsing.
//!
//! It serves as the raw POST reference beside round-trip mode (the reference service's, or a
//! target's: the same bodies to the same URL) and as the client of the capacity search, where a
//! general-purpose client (reqwest) would measure itself instead of the service. Plain `http`
//! only.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use authbench_core::DenyReason;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::LoadError;
use crate::engine::tasks::AsyncTarget;
use crate::verdict::{Failure, Verdict};

/// Longest answer body looked at; the rest is read and dropped.
const ANSWER_PREFIX: usize = 512;
/// A request that takes longer than this is a failure (so a hung service cannot park a run).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How answers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// Any `200` is an allow (a trivial handler such as `/healthz`).
    Status200,
    /// Red5 Pro round trip: `200` with `"result": true` allows; `false` denies with the
    /// `reason` extension when present.
    Red5pro,
    /// MediaMTX `authMethod: http`: any 2xx allows; `401`/`403` deny (with the `reason`
    /// extension when present).
    Mediamtx,
}

/// POSTs prepared bodies to one URL of a plain-HTTP service over hyper connections.
pub struct RawPost {
    /// `host:port` to connect to (resolved when connecting).
    connect_to: String,
    uri: Uri,
    host: HeaderValue,
    /// Headers the service needs besides the framing ones (an API key): values are secrets.
    extra: Vec<(HeaderName, HeaderValue)>,
    bodies: Vec<(Bytes, usize)>,
    cases: usize,
    answer: AnswerKind,
}

impl std::fmt::Debug for RawPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither bodies (passwords) nor header values (API keys) are shown.
        f.debug_struct("RawPost")
            .field("connect_to", &self.connect_to)
            .field("path", &self.uri.path())
            .field(
                "extra_headers",
                &self
                    .extra
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("bodies", &self.bodies.len())
            .field("answer", &self.answer)
            .finish()
    }
}

impl RawPost {
    /// A target posting `bodies` (each with its case index, cycled by request number) to
    /// `http://addr{path}`.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] for a path that is not a valid URI path or no bodies.
    pub fn new(
        addr: SocketAddr,
        path: &str,
        bodies: Vec<(Bytes, usize)>,
        cases: usize,
        answer: AnswerKind,
    ) -> Result<RawPost, LoadError> {
        if bodies.is_empty() {
            return Err(LoadError::EmptyWorkload);
        }
        let uri = Uri::from_str(path).map_err(|e| LoadError::setup(format!("path `{path}`"), e))?;
        let host = HeaderValue::from_str(&addr.to_string())
            .map_err(|e| LoadError::setup(format!("host `{addr}`"), e))?;
        Ok(RawPost {
            connect_to: addr.to_string(),
            uri,
            host,
            extra: Vec::new(),
            bodies,
            cases,
            answer,
        })
    }

    /// A target posting `bodies` to `url` (plain `http` with a host; no user info: its
    /// credentials would have to be sent as the round-trip client sends them), with `extra`
    /// headers. The host is resolved when connecting, not here.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] for a URL this client cannot request (the message shows the URL's
    /// host only), [`LoadError::EmptyWorkload`] for no bodies.
    pub fn to_url(
        url: &str,
        extra: Vec<(HeaderName, HeaderValue)>,
        bodies: Vec<(Bytes, usize)>,
        cases: usize,
        answer: AnswerKind,
    ) -> Result<RawPost, LoadError> {
        if bodies.is_empty() {
            return Err(LoadError::EmptyWorkload);
        }
        let parsed = Uri::from_str(url.trim())
            .map_err(|e| LoadError::setup("the raw POST's URL does not parse", e))?;
        let (Some(authority), Some(host)) = (parsed.authority(), parsed.host()) else {
            return Err(LoadError::Setup("the raw POST's URL has no host".into()));
        };
        if parsed.scheme_str() != Some("http") {
            return Err(LoadError::Setup(
                format!("{host}: the raw POST speaks plain http only").into(),
            ));
        }
        if authority.as_str().contains('@') {
            return Err(LoadError::Setup(
                format!("{host}: the raw POST does not send a URL's user info").into(),
            ));
        }
        let port = parsed.port_u16().unwrap_or(80);
        let uri = parsed
            .path_and_query()
            .map_or_else(
                || Ok(Uri::from_static("/")),
                |pq| Uri::from_str(pq.as_str()),
            )
            .map_err(|e| LoadError::setup(format!("{host}: path"), e))?;
        let host_header = HeaderValue::from_str(authority.as_str())
            .map_err(|e| LoadError::setup(format!("{host}: host"), e))?;
        Ok(RawPost {
            connect_to: format!("{host}:{port}"),
            uri,
            host: host_header,
            extra,
            bodies,
            cases,
            answer,
        })
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, LoadError> {
        let stream = TcpStream::connect(self.connect_to.as_str())
            .await
            .map_err(|e| LoadError::connect(self.connect_to.clone(), e))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| LoadError::connect(self.connect_to.clone(), e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    async fn send(
        &self,
        sender: &mut SendRequest<Full<Bytes>>,
        body: Bytes,
    ) -> Result<Verdict, Failure> {
        sender.ready().await.map_err(|_| Failure::Connection)?;
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = self.uri.clone();
        let headers = req.headers_mut();
        headers.insert(HOST, self.host.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in &self.extra {
            headers.insert(name.clone(), value.clone());
        }
        let resp = sender
            .send_request(req)
            .await
            .map_err(|_| Failure::Connection)?;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let mut buf = [0u8; ANSWER_PREFIX];
        let mut len = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| Failure::Body)?;
            if let Some(data) = frame.data_ref() {
                let take = data.len().min(ANSWER_PREFIX - len);
                if let (Some(dst), Some(src)) = (buf.get_mut(len..len + take), data.get(..take)) {
                    dst.copy_from_slice(src);
                }
                len += take;
            }
        }
        let body = buf.get(..len).unwrap_or_default();
        match (self.answer, status) {
            (AnswerKind::Status200, 200) => Ok(Verdict::Allow),
            (AnswerKind::Red5pro, 200) => red5_verdict(body),
            (AnswerKind::Mediamtx, 200..=299) => Ok(Verdict::Allow),
            (AnswerKind::Mediamtx, 401 | 403) => Ok(Verdict::Deny(reason(body))),
            _ => Err(Failure::Status(status)),
        }
    }
}

/// Reads a Red5 Pro answer without a JSON parser: the service writes compact JSON.
fn red5_verdict(body: &[u8]) -> Result<Verdict, Failure> {
    let text = std::str::from_utf8(body).map_err(|_| Failure::Body)?;
    if text.contains("\"result\":true") {
        return Ok(Verdict::Allow);
    }
    if !text.contains("\"result\":false") {
        return Err(Failure::Body);
    }
    Ok(Verdict::Deny(reason(body)))
}

/// The `reason` extension of a deny answer (compact JSON), else `backend_rejected`.
fn reason(body: &[u8]) -> DenyReason {
    std::str::from_utf8(body)
        .ok()
        .and_then(|text| text.split_once("\"reason\":\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .and_then(|(code, _)| DenyReason::from_str(code).ok())
        .unwrap_or(DenyReason::BackendRejected)
}

impl AsyncTarget for RawPost {
    type Conn = Option<SendRequest<Full<Bytes>>>;

    fn cases(&self) -> usize {
        self.cases
    }

    async fn connect(&self) -> Result<Self::Conn, LoadError> {
        Ok(Some(self.open().await?))
    }

    async fn call<'a>(&'a self, conn: &'a mut Self::Conn, i: u64) -> (usize, Verdict) {
        let n = self.bodies.len() as u64;
        let Some((body, case)) = usize::try_from(i % n.max(1))
            .ok()
            .and_then(|k| self.bodies.get(k))
        else {
            return (0, Verdict::Failed(Failure::Body));
        };
        if conn.as_ref().is_none_or(SendRequest::is_closed) {
            *conn = self.open().await.ok();
        }
        let Some(sender) = conn.as_mut() else {
            return (*case, Verdict::Failed(Failure::Connection));
        };
        let verdict =
            match tokio::time::timeout(REQUEST_TIMEOUT, self.send(sender, body.clone())).await {
                Ok(Ok(v)) => v,
                Ok(Err(f)) => {
                    if f == Failure::Connection {
                        *conn = None;
                    }
                    Verdict::Failed(f)
                }
                Err(_) => {
                    *conn = None;
                    Verdict::Failed(Failure::Connection)
                }
            };
        (*case, verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red5_answers_are_read() {
        assert_eq!(
            red5_verdict(br#"{"result":true,"subject":"u"}"#),
            Ok(Verdict::Allow)
        );
        assert_eq!(
            red5_verdict(br#"{"result":false,"reason":"bad_password"}"#),
            Ok(Verdict::Deny(DenyReason::BadPassword))
        );
        assert_eq!(
            red5_verdict(br#"{"result":false}"#),
            Ok(Verdict::Deny(DenyReason::BackendRejected))
        );
        assert_eq!(red5_verdict(b"{\"result\": tru"), Err(Failure::Body));
    }
}
