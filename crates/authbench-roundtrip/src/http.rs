//! Sending one question: a pooled client, a timeout per attempt, retries after connection errors
//! only, redirects never followed, answers read with a size cap. Every failure becomes a deny
//! with a precise infrastructure reason.

use std::path::Path;
use std::time::Duration;

use authbench_core::{Deny, DenyReason};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Client, Url, redirect};

use crate::config::RoundTripConfigError;

/// Largest answer read, in bytes; a longer one is a protocol error.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// An answer: status and body (at most [`MAX_ANSWER_BYTES`]).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// The HTTP side of the authenticator.
#[derive(Debug)]
pub(crate) struct Sender {
    client: Client,
    timeout: Duration,
    retries: u32,
}

/// The URL without user info, for messages.
pub(crate) fn shown(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

fn root_cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

impl Sender {
    pub(crate) fn new(
        timeout: Duration,
        retries: u32,
        ca_file: Option<&Path>,
    ) -> Result<Self, RoundTripConfigError> {
        let mut builder = Client::builder()
            .redirect(redirect::Policy::none())
            // Retries are this module's own (connection errors only); reqwest's would also
            // copy every request in case it is needed.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            // An auth backend is reached directly: a proxy from the environment would add a hop
            // to every decision and distort what is measured.
            .no_proxy()
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .user_agent(concat!("authbench-roundtrip/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|source| RoundTripConfigError::CaFileRead {
                path: path.to_owned(),
                source,
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                RoundTripConfigError::CaFileParse {
                    path: path.to_owned(),
                    problem: e.to_string(),
                }
            })?;
            if certs.is_empty() {
                return Err(RoundTripConfigError::CaFileParse {
                    path: path.to_owned(),
                    problem: "no certificate found".into(),
                });
            }
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder
            .build()
            .map_err(|e| RoundTripConfigError::Client(root_cause(&e)))?;
        Ok(Sender {
            client,
            timeout,
            retries,
        })
    }

    /// Posts `body` as JSON to `url`; retries after connection errors. Returns the answer and
    /// the number of attempts made.
    pub(crate) async fn post(&self, url: &Url, body: &[u8]) -> (Result<Reply, Deny>, u32) {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(url, body).await {
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

    async fn attempt(&self, url: &Url, body: &[u8]) -> Result<Reply, Failure> {
        let send = async {
            let mut resp = self
                .client
                .post(url.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .body(body.to_vec())
                .send()
                .await
                .map_err(|e| classify(&e, url))?;
            let status = resp.status().as_u16();
            if resp.status().is_redirection() {
                return Err(Failure::Other(Deny::new(
                    DenyReason::BackendProtocolError,
                    format!(
                        "the auth service answered a redirect (HTTP {status}), which is never followed"
                    ),
                )));
            }
            if resp
                .content_length()
                .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
            {
                return Err(too_large());
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, url))? {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Reply { status, body })
        };
        // One deadline for the whole attempt: connect, send, answer and body. (A reqwest-level
        // total timeout would add a second boxed timer to every request.)
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

/// Whether the service sent bytes that do not parse as an HTTP answer (an answer, though a broken
/// one: not "no answer").
fn answer_is_not_http(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse)
        {
            return true;
        }
        source = err.source();
    }
    false
}

fn classify(e: &reqwest::Error, url: &Url) -> Failure {
    if e.is_timeout() {
        return Failure::Other(Deny::new(
            DenyReason::BackendTimeout,
            "the auth service did not answer in time",
        ));
    }
    if e.is_connect() {
        return Failure::Connect(Deny::new(
            DenyReason::BackendUnavailable,
            format!("cannot connect to {}: {}", shown(url), root_cause(e)),
        ));
    }
    if answer_is_not_http(e) {
        return Failure::Other(Deny::new(
            DenyReason::BackendProtocolError,
            format!("the answer is not valid HTTP: {}", root_cause(e)),
        ));
    }
    if e.is_body() || e.is_decode() {
        return Failure::Other(Deny::new(
            DenyReason::BackendProtocolError,
            format!("the answer could not be read: {}", root_cause(e)),
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
