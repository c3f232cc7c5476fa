//! The request bodies of an export, made by round-trip mode's own client: every request of the
//! workload is decided by a [`RoundTripAuthenticator`] configured like the real one but pointed
//! at a capturing server on 127.0.0.1, which keeps what arrived (path, headers, body) and allows.
//! The locustfile then replays exactly those bytes: whatever the protocol (Red5 Pro, MediaMTX,
//! nginx-rtmp, SRS), the headers configured and the `Authorization` taken from the URL's user
//! info, the bodies are the mode's, not a second implementation of its wire format.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::{Authenticator, SystemClock};
use authbench_roundtrip::{RoundTripAuthenticator, RoundTripConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::LoadError;
use crate::verdict::Workload;

/// Largest request head or body accepted by the capturing server.
const MAX_CAPTURED: usize = 64 * 1024;
/// How long one captured request may take (loopback: far more than enough).
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(10);

/// One request as round-trip mode sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Captured {
    /// The request target: path and query, as sent.
    pub target: String,
    /// Headers other than those framing the request (`Host`, `Content-Length`, `Connection`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// The service URL split into what the capture replaces (scheme, host, port) and what it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitUrl {
    /// `http://host:port` or `https://host:port`.
    pub origin: String,
    /// `user:password@` when the URL has user info (sent as `Authorization: Basic`).
    pub userinfo: Option<String>,
    /// Path and query (`/validateCredentials?key=…`), `/` at least.
    pub rest: String,
}

/// Splits an `http` or `https` URL; `None` for anything else.
pub(crate) fn split_url(url: &str) -> Option<SplitUrl> {
    let url = url.split_once('#').map_or(url, |(u, _)| u);
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (authority.get(..at), authority.get(at + 1..)?),
        None => (None, authority),
    };
    if hostport.is_empty() {
        return None;
    }
    // A port is there when the text after the last colon is digits and not inside brackets.
    let has_port = hostport.rsplit_once(':').is_some_and(|(h, p)| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with('[')
    });
    let origin = if has_port {
        format!("{scheme}://{hostport}")
    } else {
        format!("{scheme}://{hostport}:{default_port}")
    };
    let rest = if tail.starts_with('/') {
        tail.to_owned()
    } else {
        format!("/{tail}")
    };
    Some(SplitUrl {
        origin,
        userinfo: userinfo.map(str::to_owned),
        rest,
    })
}

/// Sends every request of `workload` through round-trip mode configured as `config` (its URL
/// moved to a capturing server on loopback) and returns what arrived, in workload order.
///
/// # Errors
///
/// [`LoadError::Setup`] when the URL is not http(s), the client cannot be built, or a request
/// does not reach the capturing server (round-trip mode refuses some requests before asking:
/// Red5 Pro's without user name and password).
pub(crate) async fn capture(
    config: &RoundTripConfig,
    workload: &Workload,
) -> Result<Vec<Captured>, LoadError> {
    let what = "capturing the round-trip bodies";
    let split = split_url(&config.url).ok_or_else(|| {
        LoadError::Setup(
            format!(
                "roundtrip.url {}: not an http or https URL",
                authbench_core::redact::url(&config.url)
            )
            .into(),
        )
    })?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| LoadError::setup(what, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| LoadError::setup(what, e))?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let got = tokio::time::timeout(CAPTURE_TIMEOUT, serve_one(stream)).await;
                let _ = tx.send(got.unwrap_or_else(|_| Err("timed out".to_owned())));
            });
        }
    });

    let mut local = config.clone();
    local.url = match &split.userinfo {
        Some(u) => format!("http://{u}@{addr}{}", split.rest),
        None => format!("http://{addr}{}", split.rest),
    };
    // Each request must reach the server once: no cache, no retries, no lazy admission, and
    // plain HTTP to the capturing server (the body does not depend on the scheme).
    local.cache_ttl = None;
    local.retries = 0;
    local.danger_lazy_auth = false;
    local.ca_file = None;
    local.invalidate_url = None;
    local.timeout = Some(CAPTURE_TIMEOUT);
    let auth = RoundTripAuthenticator::from_config(&local, Path::new("."), Arc::new(SystemClock))
        .map_err(|e| LoadError::setup(what, e))?;

    let mut out = Vec::with_capacity(workload.requests.len());
    let result = async {
        for (i, (req, _)) in workload.requests.iter().enumerate() {
            let decision = auth.authenticate(req).await;
            // The server reports after answering: wait for it rather than race it.
            match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
                Ok(Some(Ok(c))) => out.push(c),
                Ok(Some(Err(e))) => {
                    return Err(LoadError::Setup(
                        format!("{what}: request {i}: {e}").into(),
                    ));
                }
                Ok(None) | Err(_) => {
                    let why = decision
                        .reason()
                        .map_or_else(|| "allow".to_owned(), |r| r.to_string());
                    return Err(LoadError::Setup(
                        format!(
                            "{what}: request {i} never reached the service (round-trip mode decided {why} before asking)"
                        )
                        .into(),
                    ));
                }
            }
        }
        Ok(())
    }
    .await;
    server.abort();
    result.map(|()| out)
}

/// Reads one request from `stream`, answers an allow in every protocol's terms (`200`, JSON
/// `{"result": true, "code": 0}`), and returns what was asked.
async fn serve_one(mut stream: TcpStream) -> Result<Captured, String> {
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > MAX_CAPTURED {
            return Err("request head too large".into());
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the request head".into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = std::str::from_utf8(buf.get(..head_end).unwrap_or_default())
        .map_err(|_| "request head is not UTF-8".to_owned())?
        .to_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some("POST"), Some(target)) = (parts.next(), parts.next()) else {
        return Err("not a POST request".into());
    };
    let mut length = None;
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err("malformed header line".into());
        };
        let (name, value) = (name.trim(), value.trim());
        match name.to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| "bad Content-Length".to_owned())?,
                );
            }
            "transfer-encoding" => return Err("chunked bodies are not captured".into()),
            "host" | "connection" | "keep-alive" => {}
            _ => headers.push((name.to_owned(), value.to_owned())),
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_CAPTURED {
        return Err("body too large".into());
    }
    let mut body = buf.get(head_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the body".into());
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    body.truncate(length);
    let answer = br#"{"result":true,"code":0}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.write_all(answer).await;
    let _ = stream.shutdown().await;
    Ok(Captured {
        target: target.to_owned(),
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_and_rest() {
        let s = split_url("http://127.0.0.1:8089/validateCredentials").expect("url");
        assert_eq!(s.origin, "http://127.0.0.1:8089");
        assert_eq!(s.rest, "/validateCredentials");
        assert_eq!(s.userinfo, None);
        let s = split_url("HTTPS://u:p@auth.example/v?k=1#f").expect("url");
        assert_eq!(s.origin, "https://auth.example:443");
        assert_eq!(s.rest, "/v?k=1");
        assert_eq!(s.userinfo.as_deref(), Some("u:p"));
        let s = split_url("http://[::1]:9000").expect("url");
        assert_eq!(s.origin, "http://[::1]:9000");
        assert_eq!(s.rest, "/");
        assert_eq!(split_url("ftp://x/y"), None);
        assert_eq!(split_url("http:///y"), None);
        assert_eq!(split_url("no scheme"), None);
    }
}
