//! The media probe: an [`Authenticator`] that decides by asking a real media server.
//!
//! For each request the probe performs the client side of the request's transport against the
//! server named in the `media:` config, with the request's credentials, only as far as the
//! server's verdict, and then closes cleanly (each module's docs give the details):
//!
//! | transport | allowed when | refused when |
//! |---|---|---|
//! | RTMP | `NetStream.Publish.Start` / `NetStream.Play.Start` | `_error`, a rejection status, the connection dropped |
//! | RTSP | `ANNOUNCE` / `DESCRIBE` answered 2xx (after a Basic or Digest challenge) | 401 / 403 / other refusals |
//! | WHIP / WHEP | `201 Created` for the SDP offer (the session is then deleted) | any `4xx` (a `5xx` is `backend_unavailable`) |
//! | SRT | the caller handshake completes | a handshake rejection (with its code) |
//!
//! # Decisions
//!
//! * The server refusing is [`DenyReason::ServerRefused`], with what the server said (status code,
//!   description, HTTP status) in the detail. Reasons are the server's own: the probe cannot tell
//!   an expired token from a wrong room, so it never claims to.
//! * No server listening is [`DenyReason::BackendUnavailable`]; no verdict within the timeout is
//!   [`DenyReason::BackendTimeout`]; an answer that is not the protocol (garbage, an oversized
//!   message) is [`DenyReason::BackendProtocolError`].
//! * A transport with no endpoint in the config is `backend_unavailable`: the probe fails closed.
//! * What the request carries of the configured kind ([`Present`]) is sent as a client of this
//!   server would send it; nothing else is. A request with none is still sent, without
//!   credentials, so the server decides (an open server admits it).
//! * The names the credentials go under are the config's: [`QueryNames`] in the RTMP query, the
//!   RTSP URL and a WHIP / WHEP template's `{credentials}`; [`StreamidKeys`] in the SRT streamid.
//!   The defaults are the names `authbench_core::connect` reads; MediaMTX reads others (see
//!   `docs/media-servers.md`).
//!
//! # Transport modules
//!
//! Each transport lives in its own module exposing one function, called by
//! [`MediaAuthenticator`]'s dispatch (`whip::probe` serves WHEP as well):
//!
//! ```text
//! rtmp::probe(endpoint: &str, req: &AuthRequest, present: Present, place: RtmpCredentials,
//!             names: &QueryNames, timeout: Duration) -> Probed
//! rtsp::probe(endpoint: &str, req: &AuthRequest, present: Present, names: &QueryNames,
//!             timeout: Duration) -> Probed
//! whip::probe(endpoint: &str, req: &AuthRequest, present: Present, names: &QueryNames,
//!             timeout: Duration) -> Probed
//! srt::probe(endpoint: &str, req: &AuthRequest, present: Present, keys: &StreamidKeys,
//!            timeout: Duration) -> Probed
//! ```
//!
//! (each `pub(crate) async fn`). `endpoint` is the config's string for that transport, already
//! checked by [`MediaConfig::validate`]; `place` is the config's [`RtmpCredentials`], `names` its
//! [`QueryNames`], `keys` its [`StreamidKeys`]. The probe must return the verdict within
//! `timeout` (connect included), with the closing of the session it opened as a future
//! (`Probed::close`) that [`MediaAuthenticator`] runs in the background: closing is bounded by
//! [`CLEANUP_TIMEOUT`] and never changes the verdict. The `template` module fills in WHIP / WHEP
//! URL templates. Helpers shared by the modules (crate-private): `credential_query`, `refused`,
//! `principal`, `sanitize` / `redact` (a module that cuts the server's words shorter than a
//! detail cuts redacted text) and `random`.
//!
//! # Time to verdict
//!
//! `authenticate` returns at the verdict; the session closes in the background, and
//! [`Authenticator::settle`] waits for it (runners call it after each timed decision, so the
//! next request meets a server that has let go of the last stream). The probe records how long
//! each verdict took, from opening the connection, per transport and verdict
//! ([`MediaAuthenticator::join_times`]). With a `reference` (the same server or a twin of it with
//! authentication off), `settle` also makes each decided join again there without credentials
//! and records that time beside it: what authentication adds to a join on this server.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod amf0;
mod config;
mod rtmp;
mod rtsp;
mod srt;
mod template;
mod whip;

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authbench_core::duration::format_duration;
use authbench_core::outcome::JoinTimes;
use authbench_core::{
    AuthRequest, Authenticator, Capabilities, Credentials, Decision, DenyReason, Transport,
    async_trait,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio::task::JoinHandle;

pub use config::{
    APP_PLACEHOLDER, CREDENTIALS_PLACEHOLDER, DEFAULT_TIMEOUT, MAX_TIMEOUT, MediaConfig,
    MediaConfigError, NAME_PLACEHOLDER, Present, QueryNames, Reference, RtmpCredentials,
    STREAM_PLACEHOLDER, StreamidKeys,
};

/// The mode name of the media probe.
pub const MODE: &str = "media";
/// Time allowed after a verdict for closing the session (RTMP `deleteStream`, WHIP `DELETE`, RTSP
/// `TEARDOWN`). It never changes the verdict.
pub const CLEANUP_TIMEOUT: Duration = Duration::from_secs(1);
/// Most decided joins waiting to be made again at the reference between two `settle` calls;
/// later ones are not repeated there (a caller that never settles does not grow without bound).
pub const MAX_REFERENCE_DUE: usize = 1024;
/// The principal of an allow when no user name was checked with a password.
pub const ANONYMOUS: &str = "anonymous";
/// Longest server text kept in a deny detail.
const MAX_DETAIL_LEN: usize = 256;

/// An [`Authenticator`] that asks a real media server. Built from a checked [`MediaConfig`].
/// Clones share the sessions being closed and the recorded join times.
#[derive(Debug, Clone)]
pub struct MediaAuthenticator {
    config: MediaConfig,
    timeout: Duration,
    after: Arc<Mutex<AfterVerdicts>>,
}

/// What decisions leave behind: sessions still closing, joins to make again at the reference,
/// and the times to verdict so far.
#[derive(Debug, Default)]
struct AfterVerdicts {
    closing: Vec<JoinHandle<()>>,
    reference_due: Vec<AuthRequest>,
    joins: Vec<JoinTimes>,
}

impl AfterVerdicts {
    fn joins_of(&mut self, transport: Transport) -> &mut JoinTimes {
        let at = match self.joins.iter().position(|j| j.transport == transport) {
            Some(at) => at,
            None => {
                self.joins.push(JoinTimes::new(transport));
                self.joins.len() - 1
            }
        };
        &mut self.joins[at]
    }
}

/// A probe's verdict, and the closing of the session it opened (run after the verdict).
pub(crate) struct Probed {
    pub(crate) decision: Decision,
    pub(crate) close: Option<Close>,
}

/// Closing a session: bounded by [`CLEANUP_TIMEOUT`], never changing the verdict.
pub(crate) type Close = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

impl From<Decision> for Probed {
    fn from(decision: Decision) -> Self {
        Probed {
            decision,
            close: None,
        }
    }
}

impl MediaAuthenticator {
    /// An authenticator for `config`, which must pass [`MediaConfig::validate`].
    pub fn new(config: MediaConfig) -> Result<Self, MediaConfigError> {
        config.validate()?;
        let timeout = config.effective_timeout();
        Ok(MediaAuthenticator {
            config,
            timeout,
            after: Arc::default(),
        })
    }

    /// The config this authenticator was built from.
    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    /// The time to verdict of every join decided so far, per transport in [`Transport::ALL`]
    /// order: admitted and refused joins (from opening the connection to the verdict), and the
    /// same joins at the reference, made by [`Authenticator::settle`]. A decision that was not
    /// the server's (nothing listening, no answer in time, garbage) measures no join and is not
    /// recorded.
    pub fn join_times(&self) -> Vec<JoinTimes> {
        let after = self.lock();
        Transport::ALL
            .into_iter()
            .filter_map(|t| after.joins.iter().find(|j| j.transport == t).cloned())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AfterVerdicts> {
        // A panic elsewhere cannot leave these lists half-written: each push is one step.
        self.after.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Asks the server at `endpoint`, bounded whatever happens inside, and times the verdict.
    async fn ask(&self, req: &AuthRequest, endpoint: &str) -> (Probed, Duration) {
        let started = Instant::now();
        // A backstop over the modules' own deadlines: a verdict comes in bounded time, a deny.
        let bound = self.timeout + Duration::from_secs(1);
        let probed = match tokio::time::timeout(bound, self.dispatch(req, endpoint)).await {
            Ok(probed) => probed,
            Err(_) => Probed::from(Decision::deny(
                DenyReason::BackendTimeout,
                format!(
                    "no {} verdict within {}",
                    req.transport,
                    format_duration(self.timeout)
                ),
            )),
        };
        (probed, started.elapsed())
    }

    async fn dispatch(&self, req: &AuthRequest, endpoint: &str) -> Probed {
        let timeout = self.timeout;
        let c = &self.config;
        let (present, names) = (c.present, &c.query_names);
        match req.transport {
            Transport::Rtmp => {
                rtmp::probe(endpoint, req, present, c.rtmp_credentials, names, timeout).await
            }
            Transport::Rtsp => rtsp::probe(endpoint, req, present, names, timeout).await,
            Transport::Whip | Transport::Whep => {
                whip::probe(endpoint, req, present, names, timeout).await
            }
            Transport::Srt => srt::probe(endpoint, req, present, &c.streamid_keys, timeout).await,
        }
    }

    /// Makes `req` (without credentials) at the reference and records the time to its verdict;
    /// the session is closed before the next one.
    async fn ask_reference(&self, req: &AuthRequest) {
        let Some(endpoint) = self.config.reference_endpoint(req.transport) else {
            return;
        };
        let (probed, took) = self.ask(req, endpoint).await;
        if let Some(close) = probed.close {
            close.await;
        }
        let mut after = self.lock();
        let joins = after.joins_of(req.transport);
        match &probed.decision {
            Decision::Allow(_) => joins.open.push(took),
            Decision::Deny(deny) => {
                joins.open_failed += 1;
                if joins.open_failure.is_none() {
                    joins.open_failure = Some(format!("deny({}): {}", deny.reason, deny.detail));
                }
            }
        }
    }
}

#[async_trait]
impl Authenticator for MediaAuthenticator {
    fn mode(&self) -> &str {
        MODE
    }

    /// None claimed: what the server enforces (roles, rooms, expiry, revocation …) depends on its
    /// own configuration, which the probe cannot see, and every decision is a network call.
    /// Scenarios needing a capability show "cannot express" rather than an allow the probe cannot
    /// vouch for; the server's actual answers are still reported.
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    /// Returns at the server's verdict; the session closes in the background until
    /// [`settle`](Authenticator::settle).
    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let Some(endpoint) = self.config.endpoint(req.transport) else {
            return Decision::deny(
                DenyReason::BackendUnavailable,
                format!("no {} endpoint in the media config", req.transport),
            );
        };
        let (probed, took) = self.ask(req, endpoint).await;
        let mut after = self.lock();
        if let Some(close) = probed.close {
            after.closing.retain(|h| !h.is_finished());
            after.closing.push(tokio::spawn(close));
        }
        // Only the server's own verdicts time a join: a failure to reach it measures nothing.
        let Some(times) = (match probed.decision.reason() {
            None => Some(&mut after.joins_of(req.transport).admitted),
            Some(DenyReason::ServerRefused) => Some(&mut after.joins_of(req.transport).refused),
            Some(_) => None,
        }) else {
            return probed.decision;
        };
        times.push(took);
        if self.config.reference_endpoint(req.transport).is_some()
            && after.reference_due.len() < MAX_REFERENCE_DUE
        {
            let mut open = req.clone();
            open.credentials = Credentials::none();
            after.reference_due.push(open);
        }
        probed.decision
    }

    /// Waits for the sessions still closing, then makes each join decided since the last call
    /// again at the reference (one at a time, each closed before the next), recording its time.
    async fn settle(&self) {
        let closing = std::mem::take(&mut self.lock().closing);
        for handle in closing {
            // A close that panicked has nothing left to wait for.
            let _ = handle.await;
        }
        let due = std::mem::take(&mut self.lock().reference_due);
        for req in &due {
            self.ask_reference(req).await;
        }
    }
}

/// Characters escaped in a query value: everything but unreserved ones (RFC 3986).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The credential query a client of this server sends (`username=u&password=p` or `token=t`
/// under the default [`QueryNames`], the names `authbench_core::connect` reads; values
/// percent-encoded), or `None` when the request carries nothing of the `present` kind. Contains
/// secrets: never log it.
pub(crate) fn credential_query(
    req: &AuthRequest,
    present: Present,
    names: &QueryNames,
) -> Option<String> {
    let enc = |v: &str| utf8_percent_encode(v, QUERY_VALUE).to_string();
    let c = &req.credentials;
    match present {
        Present::Password => {
            let mut pairs = Vec::new();
            if let Some(user) = &c.username {
                pairs.push(format!("{}={}", names.user, enc(user)));
            }
            if let Some(password) = &c.password {
                pairs.push(format!("{}={}", names.password, enc(password.expose())));
            }
            (!pairs.is_empty()).then(|| pairs.join("&"))
        }
        Present::Token => c
            .token
            .as_ref()
            .map(|t| format!("{}={}", names.token, enc(t.expose()))),
    }
}

/// Who an allow names: the user name when it was sent with a password (what the server checked),
/// otherwise [`ANONYMOUS`] (a token's subject is the server's knowledge, not the probe's).
pub(crate) fn principal(req: &AuthRequest, present: Present) -> String {
    let c = &req.credentials;
    match (present, &c.username, &c.password) {
        (Present::Password, Some(user), Some(p)) if !user.is_empty() && !p.is_empty() => {
            user.clone()
        }
        _ => ANONYMOUS.to_owned(),
    }
}

/// A `server_refused` deny carrying the server's own words, made safe for a detail: any secret of
/// the request that the server echoed replaced by `[redacted]`, then control characters
/// replaced and at most 256 characters kept. Pass the whole text: a caller that cut it first
/// could leave part of a secret that no longer matches.
pub(crate) fn refused(req: &AuthRequest, server_said: &str) -> Decision {
    Decision::deny(DenyReason::ServerRefused, sanitize(req, server_said))
}

/// `text` as a deny detail: every secret of `req` it contains (raw or percent-encoded) replaced
/// by `[redacted]`, control characters replaced by spaces, at most 256 characters. The secrets
/// are replaced before the text is cut, so a secret across the cut cannot survive in part.
pub(crate) fn sanitize(req: &AuthRequest, text: &str) -> String {
    redact(req, text)
        .chars()
        .take(MAX_DETAIL_LEN)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` with every secret of `req` it contains (raw or percent-encoded) replaced by
/// `[redacted]`, and nothing else changed. A module that shows less of the server's words than
/// [`sanitize`] keeps cuts the result of this, never the raw text.
pub(crate) fn redact(req: &AuthRequest, text: &str) -> String {
    let mut shown = text.to_owned();
    let c = &req.credentials;
    for secret in [&c.password, &c.token].into_iter().flatten() {
        let raw = secret.expose();
        let encoded = utf8_percent_encode(raw, QUERY_VALUE).to_string();
        shown = redact_word(&shown, raw);
        shown = redact_word(&shown, &encoded);
    }
    shown
}

/// `N` bytes nobody can predict, for protocol fields that only have to differ between sessions
/// and be unguessable to the server: the RTMP handshake's random field, the SDP offer's ICE
/// values and fingerprint, the RTSP Digest cnonce, the SRT socket id and initial sequence
/// number. Never a key or a secret: the bytes come from std's randomly keyed hasher (keys drawn
/// from the OS, a fresh one for each call) fed the time and a counter.
pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut out = [0u8; N];
    for (i, piece) in out.chunks_mut(8).enumerate() {
        h.write_usize(i);
        let v = h.finish().to_le_bytes();
        piece.copy_from_slice(&v[..piece.len()]);
    }
    out
}

/// `text` with each occurrence of `secret` that stands as a word replaced: where the secret
/// starts (ends) with a letter or digit, the character before (after) it must not be one, so a
/// short secret such as `t` does not eat the `t`s of `NetStream`.
fn redact_word(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let guard_start = alnum(secret.chars().next());
    let guard_end = alnum(secret.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let end = at + secret.len();
        let before = rest[..at].chars().next_back();
        let after = rest[end..].chars().next();
        if (guard_start && alnum(before)) || (guard_end && alnum(after)) {
            // Not a word: keep one character and look again after it.
            let step = rest[at..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..at + step]);
            rest = &rest[at + step..];
        } else {
            out.push_str(&rest[..at]);
            out.push_str(authbench_core::redact::REDACTED);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Action, Credentials, StreamPath};

    fn req(credentials: Credentials) -> AuthRequest {
        AuthRequest::new(
            Action::Publish,
            Transport::Rtmp,
            StreamPath::new("live/room1/cam1").expect("path"),
            credentials,
        )
    }

    #[test]
    fn the_credential_query_carries_the_configured_kind_only() {
        let mut c = Credentials::user_password("al ice", "p&ss=1");
        c.token = Some("t.o.k".into());
        let r = req(c);
        let names = QueryNames::default();
        assert_eq!(
            credential_query(&r, Present::Password, &names).as_deref(),
            Some("username=al%20ice&password=p%26ss%3D1")
        );
        assert_eq!(
            credential_query(&r, Present::Token, &names).as_deref(),
            Some("token=t.o.k")
        );
        assert_eq!(
            credential_query(&req(Credentials::none()), Present::Token, &names),
            None
        );
    }

    #[test]
    fn the_credential_query_uses_the_configured_names() {
        let mut c = Credentials::user_password("alice", "pw");
        c.token = Some("e.y.J".into());
        let r = req(c);
        let mediamtx = QueryNames {
            user: "user".into(),
            password: "pass".into(),
            token: "jwt".into(),
        };
        assert_eq!(
            credential_query(&r, Present::Password, &mediamtx).as_deref(),
            Some("user=alice&pass=pw")
        );
        assert_eq!(
            credential_query(&r, Present::Token, &mediamtx).as_deref(),
            Some("jwt=e.y.J")
        );
    }

    #[test]
    fn a_refusal_detail_never_repeats_a_secret() {
        let r = req(Credentials::user_password("alice", "s3cr&t"));
        let d = refused(&r, "bad password s3cr&t (s3cr%26t)\r\n");
        assert_eq!(d.reason(), Some(DenyReason::ServerRefused));
        let Decision::Deny(deny) = d else {
            panic!("deny expected")
        };
        assert_eq!(deny.detail, "bad password [redacted] ([redacted])  ");
    }

    #[test]
    fn a_short_secret_is_redacted_as_a_word_only() {
        let r = req(Credentials::token("t"));
        assert_eq!(
            sanitize(&r, "NetStream.Play.Failed: token t rejected (t)"),
            "NetStream.Play.Failed: token [redacted] rejected ([redacted])"
        );
        let r = req(Credentials::user_password("bob", "red"));
        assert_eq!(
            sanitize(&r, "red: [redacted] red"),
            "[redacted]: [redacted] [redacted]"
        );
    }

    #[test]
    fn the_probe_is_mode_media_and_claims_no_capability() {
        let auth = MediaAuthenticator::new(
            MediaConfig::new(Present::Token).with_whep("http://127.0.0.1:8889/{stream}/whep"),
        )
        .expect("valid");
        assert_eq!(auth.mode(), "media");
        assert_eq!(auth.capabilities().iter().count(), 0);
        assert_eq!(
            MediaAuthenticator::new(MediaConfig::new(Present::Token)).err(),
            Some(MediaConfigError::NoEndpoint)
        );
    }

    #[test]
    fn random_bytes_differ_from_call_to_call_and_fill_odd_lengths() {
        let (a, b): ([u8; 32], [u8; 32]) = (random(), random());
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
        let odd: [u8; 13] = random();
        // The last, partial word is filled too (13 zero bytes: a 2^-104 chance).
        assert_ne!(odd, [0; 13]);
    }

    #[test]
    fn the_principal_is_the_user_checked_with_a_password() {
        let r = req(Credentials::user_password("alice", "pw"));
        assert_eq!(principal(&r, Present::Password), "alice");
        assert_eq!(principal(&r, Present::Token), ANONYMOUS);
    }
}
