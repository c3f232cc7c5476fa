//! The heart of authbench: the [`Authenticator`] trait every auth mode implements, the domain
//! model it speaks ([`AuthRequest`] in, [`Decision`] out), an injected [`Clock`], and [`connect`]
//! parsing that turns what a streaming client really sends into an [`AuthRequest`].
//!
//! This crate does no I/O: no network, no file system, no async runtime.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod capabilities;
mod clock;
pub mod connect;
mod decision;
pub mod duration;
mod identity;
mod mode;
mod model;
pub mod outcome;
pub mod redact;
pub mod tenant;

pub use capabilities::{Capabilities, Capability};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decision::{Allow, Decision, Deny, DenyReason};
pub use identity::{Identities, Identity, Role};
pub use mode::Mode;
pub use model::{
    Action, AuthRequest, Credentials, MAX_STREAM_PATH_LEN, Secret, StreamPath, StreamPathError,
    Transport,
};

/// Re-exported so implementors write `#[authbench_core::async_trait]` without a direct dependency.
pub use async_trait::async_trait;

/// Decides whether one publish or subscribe request may proceed.
///
/// Every authentication mode (`jwt`, `roundtrip`, `file`, and any mode a user adds) implements this
/// trait; scenarios, benchmarks and the command line only ever talk to an `Arc<dyn Authenticator>`.
///
/// # Contract
///
/// * [`authenticate`](Authenticator::authenticate) returns a [`Decision`] for every request. It
///   never panics and never returns an error type: *a decision that cannot be made is a deny*.
/// * **Fail closed.** Infrastructure failures are denies with a precise reason, never allows:
///   an unreachable backend is [`DenyReason::BackendUnavailable`], a slow one
///   [`DenyReason::BackendTimeout`], a nonsensical answer [`DenyReason::BackendProtocolError`],
///   a key source with no keys `BackendUnavailable`. Anything that lets a request in on error
///   belongs in a module named `danger` and is never reached by a default constructor.
/// * **Precise reasons.** Use the most specific [`DenyReason`]: `unknown_user` vs `bad_password`,
///   `expired` vs `bad_signature`. Callers (tests, reports) key logic on the code, never on
///   [`Deny::detail`], which is for humans.
/// * **Missing vs malformed.** No credentials of the kind the mode needs is
///   `missing_credentials`; something presented that cannot be parsed is `malformed_credentials`.
/// * **Secrets stay secret.** Passwords, tokens and keys never appear in `detail`, `principal`,
///   logs or `Debug` output. [`Secret`] helps: its `Debug` prints `[redacted]`.
/// * **Time comes from the injected [`Clock`]**, never from `SystemTime::now()` directly, so
///   expiry is testable without sleeping.
/// * The authenticator is shared across tasks (`Send + Sync`) and called concurrently; interior
///   state (caches, replay sets, reloaded files) must be safe under concurrent calls, and a reload
///   must not fail a request in flight.
///
/// # Implementing
///
/// Return [`mode`](Authenticator::mode) as a short lower-case name (`"jwt"`); it labels reports.
/// Report in [`capabilities`](Authenticator::capabilities) only what the *configured* instance
/// can enforce: a file authenticator without a group file cannot express roles, and a scenario
/// that needs roles then shows "cannot express" for it instead of a misleading allow.
///
/// # Pitfalls
///
/// * Do not compare secrets with `==`; use a constant-time comparison.
/// * Do not answer faster for an unknown user than for a wrong password: the difference tells an
///   attacker which users exist.
/// * Do not `unwrap()` anything reachable from request data; a hostile client controls it.
///
/// # Example
///
/// A mode that lets in anyone presenting the password `open sesame`, publish only:
///
/// ```
/// use authbench_core::{
///     async_trait, Action, AuthRequest, Authenticator, Capabilities, Capability, Credentials,
///     Decision, DenyReason, StreamPath, Transport,
/// };
///
/// struct Sesame;
///
/// #[async_trait]
/// impl Authenticator for Sesame {
///     fn mode(&self) -> &str {
///         "sesame"
///     }
///
///     fn capabilities(&self) -> Capabilities {
///         Capabilities::none().with(Capability::Roles).with(Capability::OfflineDecision)
///     }
///
///     async fn authenticate(&self, req: &AuthRequest) -> Decision {
///         let Some(password) = &req.credentials.password else {
///             return Decision::deny(DenyReason::MissingCredentials, "no password presented");
///         };
///         if password.expose() != "open sesame" {
///             return Decision::deny(DenyReason::BadPassword, "wrong password");
///         }
///         if req.action != Action::Publish {
///             return Decision::deny(DenyReason::RoleForbidden, "sesame users may only publish");
///         }
///         Decision::allow(req.credentials.username.clone().unwrap_or_default())
///     }
/// }
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     use std::task::{Context, Poll, Waker};
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
/// #             return v;
/// #         }
/// #     }
/// # }
/// let auth: std::sync::Arc<dyn Authenticator> = std::sync::Arc::new(Sesame);
/// let path = StreamPath::new("live/room1/cam1").unwrap();
/// let req = AuthRequest::new(
///     Action::Subscribe,
///     Transport::Rtmp,
///     path,
///     Credentials::user_password("ali", "open sesame"),
/// );
/// let decision = block_on(auth.authenticate(&req));
/// assert_eq!(decision.reason(), Some(DenyReason::RoleForbidden));
/// ```
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// A short lower-case name for the mode (`jwt`, `roundtrip`, `file`, …).
    fn mode(&self) -> &str;

    /// What this configured instance can enforce.
    fn capabilities(&self) -> Capabilities;

    /// Decides one request. Never panics; every failure is a deny with a precise reason.
    /// Returns as soon as the decision is known: work that does not change it (closing a media
    /// session after the server's verdict) may go on in the background until
    /// [`settle`](Authenticator::settle).
    async fn authenticate(&self, req: &AuthRequest) -> Decision;

    /// Waits for the work earlier decisions left running, so the next request meets a quiet
    /// server (a media server still closing the last session may refuse the next publish of the
    /// same stream). Not part of a decision's latency: runners time
    /// [`authenticate`](Authenticator::authenticate) and call this after, untimed. The default has
    /// nothing to wait for.
    async fn settle(&self) {}
}
