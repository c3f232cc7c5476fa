//! Sending one question: a pooled hyper client, one deadline per attempt, retries after
//! connection errors only, redirects never followed, answers read with a size cap. Every failure
//! becomes a deny with a precise infrastructure reason.
//!
//! The decision path is a bare pooled hyper client (HTTP/1, keep-alive) rather than a
//! general-purpose client library: on loopback the library's own layers cost more than the round
//! trip itself. What such a library would add is done here explicitly: user info in the URL
//! becomes `Authorization: Basic`, no proxy is read from the environment (an auth backend is
//! reached directly), redirects are answers, never followed. TLS is rustls with the aws-lc-rs
//! backend, verifying against the platform's roots plus the optional `ca_file`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::{Deny, DenyReason};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use url::Url;

use crate::config::RoundTripConfigError;

/// Largest answer read, in bytes; a longer one is a protocol error.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

const USER_AGENT_VALUE: &str = concat!("authbench-roundtrip/", env!("CARGO_PKG_VERSION"));

/// An answer: status and body (at most [`MAX_ANSWER_BYTES`]).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Where a question goes: the request URI (without user info), the `Authorization` header the
/// user info stands for, and the URL as it may be shown (user info and query values redacted).
pub(crate) struct Target {
    uri: Uri,
    authorization: Option<HeaderValue>,
    shown: String,
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
        let authorization = basic_auth(url);
        let mut bare = url.clone();
        // Both only fail for URLs that cannot have user info, which http(s) URLs with a host can.
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        bare.set_fragment(None);
        let uri = bare
            .as_str()
            .parse::<Uri>()
            .map_err(|source| RoundTripConfigError::Uri {
                key,
                url: shown.clone(),
                source,
            })?;
        Ok(Target {
            uri,
            authorization,
            shown,
        })
    }

    /// The URL with its secrets redacted.
    pub(crate) fn shown(&self) -> &str {
        &self.shown
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

/// The HTTP side of the authenticator.
pub(crate) struct Sender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(extra)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Ok(Sender {
            client,
            timeout,
            retries,
        })
    }

    /// Posts `body` as JSON to `target`; retries after connection errors. Returns the answer and
    /// the number of attempts made.
    pub(crate) async fn post(&self, target: &Target, body: Bytes) -> (Result<Reply, Deny>, u32) {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(target, body.clone()).await {
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

    async fn attempt(&self, target: &Target, body: Bytes) -> Result<Reply, Failure> {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = target.uri.clone();
        let headers = req.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if let Some(auth) = &target.authorization {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        let send = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| classify(&e, target))?;
            let status = resp.status();
            if status.is_redirection() {
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
            let mut body = Vec::new();
            while let Some(frame) = incoming.frame().await {
                let frame = frame.map_err(|e| unreadable(&e))?;
                if let Ok(chunk) = frame.into_data() {
                    if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
            }
            Ok(Reply {
                status: status.as_u16(),
                body,
            })
        };
        // One deadline for the whole attempt: connect, send, answer and body.
        match tokio::time::timeout(self.timeout, send).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Other(timed_out(self.timeout))),
        }
    }
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

/// The first hyper error in `e`'s source chain.
fn hyper_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a hyper::Error> {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            return Some(h);
        }
        source = err.source();
    }
    None
}

fn classify(e: &hyper_util::client::legacy::Error, target: &Target) -> Failure {
    if e.is_connect() {
        return Failure::Connect(Deny::new(
            DenyReason::BackendUnavailable,
            format!("cannot connect to {}: {}", target.shown(), root_cause(e)),
        ));
    }
    let hyper = hyper_error(e);
    if hyper.is_some_and(hyper::Error::is_parse) {
        // Bytes came back, but not an HTTP answer: a broken answer, not "no answer".
        return Failure::Other(Deny::new(
            DenyReason::BackendProtocolError,
            format!("the answer is not valid HTTP: {}", root_cause(e)),
        ));
    }
    if hyper.is_some_and(hyper::Error::is_timeout) {
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
        assert_eq!(
            t.uri.to_string(),
            "http://127.0.0.1:8089/validateCredentials?api_key=SECRET"
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
