//! Red5 Pro's `lazyAuth`: **fails open**. Only reached with `danger_lazy_auth: true`.
//!
//! With `lazyAuth` the Red5 Pro round-trip validator admits a publisher or subscriber at once and
//! asks the auth service in a background thread; if the answer is a deny it closes the client's
//! connection, and if the service is down, slow or answers nonsense the client simply stays in.
//! This mode reproduces that: [`authenticate`](authbench_core::Authenticator::authenticate) allows
//! (with a note saying so) as soon as user name and password are present, starts the real decision
//! in the background, and reports its outcome on a channel ([`LazyOutcome`]) where a media server
//! would close the connection. Use it to measure what admitting first costs in security, never as
//! a production setting.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use authbench_core::{Allow, AuthRequest, Decision};
use tokio::sync::broadcast;

use crate::{Inner, wire};

/// What the background check decided about a client that was already admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LazyOutcome {
    /// The request's id, if it had one (the connection to close).
    pub request_id: Option<String>,
    /// The principal admitted before the check.
    pub admitted: String,
    /// The decision the service's answer leads to. A deny means a media server would now close
    /// the connection; an infrastructure deny (`backend_*`) means Red5 Pro would have left the
    /// client in.
    pub decision: Decision,
}

impl LazyOutcome {
    /// Whether a media server would close the connection now: the service clearly said no.
    /// Infrastructure failures leave the client in, as Red5 Pro does.
    pub fn closes_connection(&self) -> bool {
        use authbench_core::DenyReason as R;
        matches!(self.decision.reason(), Some(r) if !matches!(
            r,
            R::BackendUnavailable | R::BackendTimeout | R::BackendProtocolError
        ))
    }
}

/// The note put on allows admitted lazily.
pub const LAZY_NOTE: &str = "lazy_auth: admitted before the auth service answered (fails open)";

/// Red5 Pro lazyAuth: refuse only what Red5 Pro refuses at connect (missing user name or password),
/// admit everything else at once, and decide in the background.
pub(crate) fn admit_lazily(
    inner: &Arc<Inner>,
    outcomes: &broadcast::Sender<LazyOutcome>,
    req: &AuthRequest,
) -> Decision {
    if let Err(deny) = wire::red5_body(req, true) {
        return Decision::Deny(deny);
    }
    let admitted = req.credentials.username.clone().unwrap_or_default();
    inner.counters.lazy_admitted.fetch_add(1, Ordering::Relaxed);
    // Without a runtime there is nothing to run the check on: the client simply stays in, as it
    // would if Red5 Pro's check thread failed.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let inner = inner.clone();
        let tx = outcomes.clone();
        let req = req.clone();
        let admitted = admitted.clone();
        rt.spawn(async move {
            let decision = inner.decide(&req).await;
            let outcome = LazyOutcome {
                request_id: req.request_id.clone(),
                admitted,
                decision,
            };
            if outcome.closes_connection() {
                inner
                    .counters
                    .lazy_refused_later
                    .fetch_add(1, Ordering::Relaxed);
            }
            let _ = tx.send(outcome);
        });
    }
    Decision::Allow(Allow {
        principal: admitted,
        expires_at: None,
        note: Some(LAZY_NOTE.into()),
    })
}
