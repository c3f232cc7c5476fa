//! The `roundtrip` authentication mode: every publish or subscribe is asked of an external HTTP
//! auth service, as Red5 Pro's Round-Trip Authentication validator and MediaMTX's
//! `authMethod: http`, nginx-rtmp's `on_publish`/`on_play` and SRS's `http_hooks` do. The wire
//! formats are described in the `wire` module and followed exactly; the reference service that
//! answers them is `authbench-authsvc`.
//!
//! # Failing closed
//!
//! A decision that cannot be made is a deny with a precise reason, never an allow:
//!
//! | what happened | reason |
//! |---|---|
//! | connection refused / reset while connecting (after `retries` more attempts) | `backend_unavailable` |
//! | connection closed before an answer | `backend_unavailable` |
//! | no complete answer within `timeout` | `backend_timeout` |
//! | red5pro: status other than 200, not JSON, no boolean `result` | `backend_protocol_error` |
//! | mediamtx: status other than 2xx, 401 or 403 | `backend_protocol_error` |
//! | nginx-rtmp: status other than 2xx or 3xx (nginx-rtmp drops the client) | `backend_rejected` |
//! | srs: anything but `200` with the body `0` or `{"code": 0}` (SRS refuses the client) | `backend_rejected` |
//! | an answer that does not parse as HTTP | `backend_protocol_error` |
//! | an answer over 64 KiB (read with a cap, never buffered whole) | `backend_protocol_error` |
//! | a redirect (never followed), except with nginx-rtmp | `backend_protocol_error` |
//! | a clear deny | `backend_rejected`, or the service's `reason` when it is a known client-side code (`revoked`, `bad_password`, …) |
//!
//! Failing closed covers what the protocol defines as an answer, and no more:
//!
//! * **MediaMTX: any 2xx is an allow, whatever the body.** MediaMTX itself allows on any 2xx
//!   status and never reads the body, so a `200` with a garbage or empty body is an allow here
//!   too (the body is read only for an optional `subject`). A service that answers 2xx by
//!   mistake admits everyone; Red5 Pro, by contrast, needs a JSON `{"result": true}`.
//! * **nginx-rtmp: any 2xx or 3xx is an allow.** nginx-rtmp reads only the first digit of the
//!   status: a 3xx lets the client continue under the stream name in `Location` (or relays it
//!   to an `rtmp://` location), so it is an allow here too, whose note names the target. The
//!   redirect is never followed.
//! * Red5 Pro's `lazyAuth`, which admits before asking, lives in [`danger`] behind
//!   `danger_lazy_auth: true`.
//!
//! # Principal
//!
//! An allow names the subject the service authenticated when its answer carries one (`subject`);
//! otherwise the user name, but only when it came with a password; otherwise [`ANONYMOUS`]. A
//! user name the client merely claimed beside a token is never the principal.
//!
//! # Secrets
//!
//! Configured URLs may carry credentials (`https://user:pass@host/…`, `?api_key=…`). They are
//! shown — in errors, deny details, `Debug` and logs — only through
//! [`authbench_core::redact::url`]. User info is sent as `Authorization: Basic`. Configured
//! `headers` (an API key, a bearer token for the service) are sent with every validation and
//! invalidation request; their values are never shown, only their names.
//!
//! # Example
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use authbench_core::{Action, AuthRequest, Authenticator, Credentials, DenyReason, StreamPath,
//!     SystemClock, Transport};
//! use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // Nothing listens on port 9 here: the decision is a deny, never an allow.
//! let cfg = RoundTripConfig::new("http://127.0.0.1:9/validateCredentials", Protocol::Red5pro);
//! let auth = RoundTripAuthenticator::from_config(&cfg, Path::new("."), Arc::new(SystemClock))
//!     .expect("valid config");
//! let req = AuthRequest::new(
//!     Action::Publish,
//!     Transport::Rtmp,
//!     StreamPath::new("live/room1/cam1").unwrap(),
//!     Credentials::user_password("alice", "secret"),
//! );
//! let decision = auth.authenticate(&req).await;
//! assert_eq!(decision.reason(), Some(DenyReason::BackendUnavailable));
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
mod config;
pub mod danger;
mod http;
mod wire;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use authbench_core::{
    Action, Allow, AuthRequest, Authenticator, Capabilities, Capability, Clock, Credentials,
    Decision, Deny, async_trait, redact,
};
use tokio::sync::broadcast;
use url::Url;

pub use config::{
    DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_TIMEOUT, MAX_RETRIES, PemError, Protocol, RED5PRO_TIMEOUT,
    RESERVED_HEADERS, RoundTripConfig, RoundTripConfigError,
};
pub use http::MAX_ANSWER_BYTES;
#[doc(hidden)]
pub use wire::fuzzing;

use cache::{DecisionCache, KeyMaker};
use danger::LazyOutcome;
use http::{Sender, Target};
use wire::Answer;

/// The principal of an allow when the service named no subject and the request carried no user
/// name checked with a password (nobody, or a token the service did not attribute).
pub const ANONYMOUS: &str = "anonymous";
/// The note on an allow answered from the cache.
pub const CACHED_NOTE: &str = "cached decision (may be up to cache_ttl stale)";
/// Longest accepted timeout.
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Counters of what the authenticator did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundTripStats {
    /// Decisions asked of the service (cache misses).
    pub questions: u64,
    /// HTTP attempts made for them (more than `questions` when retries happened).
    pub attempts: u64,
    /// Allows answered from the cache.
    pub cache_hits: u64,
    /// Clients admitted lazily (danger mode).
    pub lazy_admitted: u64,
    /// Lazily admitted clients the service later refused.
    pub lazy_refused_later: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) questions: AtomicU64,
    pub(crate) attempts: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) lazy_admitted: AtomicU64,
    pub(crate) lazy_refused_later: AtomicU64,
}

/// Why [`RoundTripAuthenticator::invalidate`] did nothing useful.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidateError {
    /// The protocol or configuration has no invalidation call.
    #[error("invalidation is not available: {0}")]
    Unsupported(&'static str),
    /// The request could not be sent, or the service did not acknowledge it.
    #[error("invalidation failed: {0}")]
    Failed(Deny),
}

pub(crate) struct Inner {
    protocol: Protocol,
    target: Target,
    url_key: String,
    invalidate_target: Option<Target>,
    sender: Sender,
    cache: Option<(DecisionCache, KeyMaker)>,
    lazy: Option<broadcast::Sender<LazyOutcome>>,
    pub(crate) counters: Counters,
}

/// The round-trip authenticator: one pooled HTTP client asking one auth service.
#[derive(Clone)]
pub struct RoundTripAuthenticator {
    inner: Arc<Inner>,
}

impl fmt::Debug for RoundTripAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoundTripAuthenticator")
            .field("protocol", &self.inner.protocol)
            .field("url", &self.inner.target.shown())
            .field("cache", &self.inner.cache.is_some())
            .field("lazy", &self.inner.lazy.is_some())
            .finish_non_exhaustive()
    }
}

/// Parses a configured URL; errors show it only through [`redact::url`].
fn parse_url(key: &'static str, text: &str) -> Result<Url, RoundTripConfigError> {
    let err = |problem: String| RoundTripConfigError::Url {
        key,
        url: redact::url(text),
        problem,
    };
    let url = Url::parse(text).map_err(|source| RoundTripConfigError::UrlParse {
        key,
        url: redact::url(text),
        source,
    })?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(err(format!("scheme `{other}` is not http or https"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err("no host".into()));
    }
    Ok(url)
}

/// `…/validateCredentials` → `…/invalidateCredentials`.
fn derive_invalidate_url(url: &Url) -> Option<Url> {
    let (dir, last) = url.path().rsplit_once('/')?;
    (last == "validateCredentials").then(|| {
        let mut u = url.clone();
        u.set_path(&format!("{dir}/invalidateCredentials"));
        u.set_query(None);
        u
    })
}

fn invalid(key: &'static str, problem: &'static str) -> RoundTripConfigError {
    RoundTripConfigError::Invalid { key, problem }
}

impl RoundTripAuthenticator {
    /// Builds the authenticator from the `roundtrip:` section. `base_dir` resolves `ca_file`;
    /// `clock` times cached decisions.
    pub fn from_config(
        cfg: &RoundTripConfig,
        base_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, RoundTripConfigError> {
        let url = parse_url("url", &cfg.url)?;
        let timeout = cfg.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(invalid("timeout", "must be longer than 0 and at most 1h"));
        }
        if cfg.retries > MAX_RETRIES {
            return Err(invalid("retries", "must be at most 5"));
        }
        let is_red5 = cfg.protocol == Protocol::Red5pro;
        if !is_red5 && cfg.invalidate_url.is_some() {
            return Err(invalid(
                "invalidate_url",
                "only applies to protocol red5pro",
            ));
        }
        if !is_red5 && cfg.danger_lazy_auth {
            return Err(invalid(
                "danger_lazy_auth",
                "lazyAuth is a Red5 Pro behaviour; use protocol red5pro",
            ));
        }
        let invalidate_target = match &cfg.invalidate_url {
            Some(text) => Some(Target::new(
                "invalidate_url",
                &parse_url("invalidate_url", text)?,
                text,
            )?),
            None if is_red5 => derive_invalidate_url(&url)
                .map(|u| Target::new("invalidate_url", &u, u.as_str()))
                .transpose()?,
            None => None,
        };
        let cache_ttl = cfg.cache_ttl.filter(|t| !t.is_zero());
        let cache = match (cache_ttl, cfg.cache_max_entries) {
            (None, Some(_)) => {
                return Err(invalid("cache_max_entries", "only applies with cache_ttl"));
            }
            (Some(_), Some(0)) => return Err(invalid("cache_max_entries", "must be at least 1")),
            (None, None) => None,
            (Some(ttl), max) => {
                let keys = KeyMaker::new().map_err(RoundTripConfigError::Randomness)?;
                let max = max.unwrap_or(DEFAULT_CACHE_MAX_ENTRIES);
                Some((DecisionCache::new(ttl, max, clock), keys))
            }
        };
        let target = Target::new("url", &url, &cfg.url)?;
        let url_authorization = target.has_authorization()
            || invalidate_target
                .as_ref()
                .is_some_and(Target::has_authorization);
        let headers = http::extra_headers(&cfg.headers, url_authorization)?;
        let target = target.with_headers(&headers);
        let target = match cfg.protocol {
            Protocol::NginxRtmp => target
                .with_content_type("application/x-www-form-urlencoded")
                .redirects_are_answers(),
            _ => target,
        };
        let invalidate_target = invalidate_target.map(|t| t.with_headers(&headers));
        let ca_file = cfg.ca_file.as_ref().map(|p| base_dir.join(p));
        let sender = Sender::new(timeout, cfg.retries, ca_file.as_deref())?;
        let lazy = cfg.danger_lazy_auth.then(|| broadcast::channel(256).0);
        Ok(RoundTripAuthenticator {
            inner: Arc::new(Inner {
                protocol: cfg.protocol,
                url_key: url.to_string(),
                target,
                invalidate_target,
                sender,
                cache,
                lazy,
                counters: Counters::default(),
            }),
        })
    }

    /// The wire protocol.
    pub fn protocol(&self) -> Protocol {
        self.inner.protocol
    }

    /// A copy of the counters.
    pub fn stats(&self) -> RoundTripStats {
        let c = &self.inner.counters;
        RoundTripStats {
            questions: c.questions.load(Ordering::Relaxed),
            attempts: c.attempts.load(Ordering::Relaxed),
            cache_hits: c.cache_hits.load(Ordering::Relaxed),
            lazy_admitted: c.lazy_admitted.load(Ordering::Relaxed),
            lazy_refused_later: c.lazy_refused_later.load(Ordering::Relaxed),
        }
    }

    /// With `danger_lazy_auth`, the outcomes of background checks of lazily admitted clients
    /// (subscribe before authenticating); `None` otherwise.
    pub fn danger_lazy_outcomes(&self) -> Option<broadcast::Receiver<LazyOutcome>> {
        self.inner.lazy.as_ref().map(broadcast::Sender::subscribe)
    }

    /// Tells a Red5 Pro service that a client has gone (`invalidateCredentials`, which Red5 Pro
    /// sends when a publisher disconnects), and forgets cached allows for these credentials.
    pub async fn invalidate(&self, req: &AuthRequest) -> Result<(), InvalidateError> {
        let inner = &self.inner;
        if inner.protocol != Protocol::Red5pro {
            return Err(InvalidateError::Unsupported(
                "only Red5 Pro round trip has an invalidation call",
            ));
        }
        let Some(target) = &inner.invalidate_target else {
            return Err(InvalidateError::Unsupported(
                "no invalidate_url configured and none can be derived from url",
            ));
        };
        let body = wire::red5_body(req, false).map_err(InvalidateError::Failed)?;
        if let Some((cache, keys)) = &inner.cache {
            for action in [Action::Publish, Action::Subscribe] {
                let asked = AuthRequest {
                    action,
                    ..req.clone()
                };
                if let Ok(b) = wire::red5_body(&asked, true) {
                    cache.remove(&keys.make(&inner.url_key, &b));
                }
            }
        }
        let (result, attempts) = inner.sender.post(target, body.into()).await;
        inner
            .counters
            .attempts
            .fetch_add(u64::from(attempts), Ordering::Relaxed);
        match result {
            Ok(reply) if reply.status == 200 => Ok(()),
            Ok(reply) => Err(InvalidateError::Failed(Deny::new(
                authbench_core::DenyReason::BackendProtocolError,
                format!("invalidateCredentials answered HTTP {}", reply.status),
            ))),
            Err(deny) => Err(InvalidateError::Failed(deny)),
        }
    }
}

/// The body round-trip mode sends for `req` over `protocol`, byte for byte: what a raw-POST
/// reference or an exported load test sends so that it differs from a decision only by the
/// client. The deny is what the mode answers when the request cannot be encoded.
pub fn request_body(protocol: Protocol, req: &AuthRequest) -> Result<Vec<u8>, Deny> {
    match protocol {
        Protocol::Red5pro => wire::red5_body(req, true),
        Protocol::Mediamtx => wire::mtx_body(req, true),
        Protocol::NginxRtmp => Ok(wire::nginx_rtmp::body(req, true)),
        Protocol::Srs => wire::srs::body(req, true),
    }
}

impl Inner {
    /// Asks the service (or the cache) about `req`.
    pub(crate) async fn decide(&self, req: &AuthRequest) -> Decision {
        let body = match request_body(self.protocol, req) {
            Ok(b) => b,
            Err(deny) => return Decision::Deny(deny),
        };
        let cache_key = self.cache.as_ref().map(|(cache, keys)| {
            let key = match self.protocol {
                Protocol::Red5pro => keys.make(&self.url_key, &body),
                Protocol::Mediamtx => keys.make(
                    &self.url_key,
                    &wire::mtx_body(req, false).unwrap_or_else(|_| body.clone()),
                ),
                Protocol::NginxRtmp => {
                    keys.make(&self.url_key, &wire::nginx_rtmp::body(req, false))
                }
                Protocol::Srs => keys.make(
                    &self.url_key,
                    &wire::srs::body(req, false).unwrap_or_else(|_| body.clone()),
                ),
            };
            (cache, key)
        });
        if let Some((cache, key)) = &cache_key
            && let Some(principal) = cache.get(key)
        {
            self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Decision::Allow(Allow {
                principal,
                expires_at: None,
                note: Some(CACHED_NOTE.into()),
            });
        }
        self.counters.questions.fetch_add(1, Ordering::Relaxed);
        let (result, attempts) = self.sender.post(&self.target, body.into()).await;
        self.counters
            .attempts
            .fetch_add(u64::from(attempts), Ordering::Relaxed);
        let answer = result.and_then(|reply| match self.protocol {
            Protocol::Red5pro => wire::red5_answer(reply.status, &reply.body),
            Protocol::Mediamtx => {
                wire::mtx_answer(reply.status, &reply.body, !req.credentials.is_empty())
            }
            Protocol::NginxRtmp => Ok(wire::nginx_rtmp::answer(
                reply.status,
                reply.location.as_deref(),
                &reply.body,
            )),
            Protocol::Srs => Ok(wire::srs::answer(reply.status, &reply.body)),
        });
        match answer {
            Ok(Answer::Allow { subject, note }) => {
                let principal = principal(subject, &req.credentials);
                // An allow with a note (an nginx-rtmp redirect) is not cached: a cached allow
                // carries only the principal and would lose where the client was sent.
                if let Some((cache, key)) = cache_key
                    && note.is_none()
                {
                    cache.insert(key, principal.clone());
                }
                Decision::Allow(Allow {
                    principal,
                    expires_at: None,
                    note,
                })
            }
            Ok(Answer::Deny(deny)) | Err(deny) => Decision::Deny(deny),
        }
    }
}

/// Who an allow names: the subject the service authenticated when its answer carries one;
/// otherwise the user name, but only when it came with a password (the credential a service
/// checks); otherwise [`ANONYMOUS`]. A user name sent beside a token (`?user=admin` with a bearer
/// token) names nobody the service checked, so it is never the principal.
fn principal(subject: Option<String>, credentials: &Credentials) -> String {
    let checked_user = || {
        let has_password = credentials.password.as_ref().is_some_and(|p| !p.is_empty());
        credentials
            .username
            .clone()
            .filter(|u| has_password && !u.is_empty())
    };
    subject
        .or_else(checked_user)
        .unwrap_or_else(|| ANONYMOUS.to_owned())
}

#[async_trait]
impl Authenticator for RoundTripAuthenticator {
    fn mode(&self) -> &str {
        "roundtrip"
    }

    /// What the service can decide over this wire format. Red5 Pro's round-trip body carries no
    /// transport, so transport restrictions cannot be expressed with `red5pro`; nginx-rtmp's
    /// carries none either (it serves RTMP only), so neither with `nginx-rtmp`. Revocation and
    /// password changes reach the next decision, or the first after `cache_ttl` with a cache.
    fn capabilities(&self) -> Capabilities {
        let caps = Capabilities::none()
            .with(Capability::Roles)
            .with(Capability::Rooms)
            .with(Capability::Tenants)
            .with(Capability::Revocation)
            .with(Capability::PasswordChange);
        match self.inner.protocol {
            Protocol::Red5pro | Protocol::NginxRtmp => caps,
            Protocol::Mediamtx | Protocol::Srs => caps.with(Capability::Transports),
        }
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let Some(lazy) = &self.inner.lazy else {
            return self.inner.decide(req).await;
        };
        danger::admit_lazily(&self.inner, lazy, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidate_url_is_derived_from_the_validate_url() {
        let u = Url::parse("https://auth.test:8443/api/validateCredentials?x=1").expect("url");
        assert_eq!(
            derive_invalidate_url(&u).map(|u| u.to_string()).as_deref(),
            Some("https://auth.test:8443/api/invalidateCredentials")
        );
        let other = Url::parse("http://a/revalidateCredentials").expect("url");
        assert_eq!(derive_invalidate_url(&other), None);
    }

    #[test]
    fn urls_must_be_http_and_hide_user_info() {
        let err = parse_url("url", "ftp://x/y").expect_err("scheme");
        assert!(err.to_string().contains("roundtrip.url"), "{err}");
        let err = parse_url("url", "https://user:hunter2@/x").expect_err("no host");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(matches!(
            parse_url("url", "not a url"),
            Err(RoundTripConfigError::UrlParse { .. })
        ));
    }

    #[test]
    fn the_principal_is_what_the_service_checked() {
        let user_pw = Credentials::user_password("alice", "pw");
        assert_eq!(principal(Some("carol".into()), &user_pw), "carol");
        assert_eq!(principal(None, &user_pw), "alice");
        let claimed = Credentials {
            username: Some("admin".into()),
            ..Credentials::token("t")
        };
        assert_eq!(principal(Some("carol".into()), &claimed), "carol");
        assert_eq!(principal(None, &claimed), ANONYMOUS);
        assert_eq!(principal(None, &Credentials::none()), ANONYMOUS);
    }
}
