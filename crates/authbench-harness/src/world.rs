//! The world one mode runs in: the authenticator under test, how a client of an identity gets its
//! credentials, how an event reaches the deployment, and how many calls its auth service has
//! received. The runner, `authbench bench`, the Criterion benches and the custom-authenticator
//! example only ever talk to a [`World`]; two kinds exist:
//!
//! * the **built-in** world ([`crate::builtin::BuiltinWorld`]): an injected clock, the reference
//!   auth service on loopback, generated files and keys — everything the scenario describes;
//! * a **target** world ([`crate::target::TargetWorlds`], from a target file read by the
//!   `authbench-target` crate): the user's own auth service, identity provider and credential
//!   files, reached as a media server would reach them.

use std::sync::Arc;
use std::time::Duration;

use authbench_core::outcome::{JoinTimes, TargetInfo};
use authbench_core::{AuthRequest, Authenticator, Mode, Secret};
use authbench_scenario::spec::Event;

/// The user name and password a client of an identity presents.
#[derive(Debug, Clone)]
pub struct Account {
    /// The user name.
    pub user: String,
    /// The password (redacted in `Debug`).
    pub password: Secret,
}

/// What a request step asks of a new token.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenOptions<'a> {
    /// A lifetime other than the world's default.
    pub ttl: Option<Duration>,
    /// An audience other than the configured one.
    pub audience: Option<&'a [String]>,
}

/// Why a world could not do what a step asks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// This world cannot do it (an identity with no account, an event with no control); the step
    /// is skipped with this reason, never counted as held or failed.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke while doing it; the mode's run stops with this error.
    #[error("{0}")]
    Failed(String),
}

impl WorldError {
    /// A failure with its context: `context: error`.
    pub fn failed(context: &str, error: impl std::fmt::Display) -> WorldError {
        WorldError::Failed(format!("{context}: {error}"))
    }
}

/// The world one mode runs in (see the module docs).
///
/// # Contract
///
/// * [`authenticator`](World::authenticator) is the one under test; the runner times only its
///   `authenticate` calls.
/// * [`account`](World::account) and [`token`](World::token) give what a client of the identity
///   presents *now* (after the events applied so far); an identity the world has no account for is
///   [`WorldError::Unavailable`].
/// * [`apply`](World::apply) makes an event true in the deployment, or answers
///   [`WorldError::Unavailable`] when it cannot; the runner then skips every later step of the mode,
///   because the deployment no longer is where the scenario says it is.
/// * Secrets never appear in errors.
#[async_trait::async_trait]
pub trait World: Send + Sync {
    /// The mode whose clients and expectations apply.
    fn mode(&self) -> Mode;

    /// What is being tested, for reports: `None` for the built-in world.
    fn target(&self) -> Option<TargetInfo> {
        None
    }

    /// The authenticator under test.
    fn authenticator(&self) -> &Arc<dyn Authenticator>;

    /// Why this world cannot put `req` to its authenticator at all (a media server with no
    /// endpoint for the request's transport), if it cannot; the step is then skipped with the
    /// reason. By default every request can be put.
    fn unsupported(&self, req: &AuthRequest) -> Option<String> {
        let _ = req;
        None
    }

    /// The user name and password of `identity`, as the deployment knows them now.
    fn account(&self, identity: &str) -> Result<Account, WorldError>;

    /// A new token for `identity`.
    async fn token(&self, identity: &str, options: TokenOptions<'_>) -> Result<String, WorldError>;

    /// Makes `event` happen.
    async fn apply(&mut self, event: &Event) -> Result<(), WorldError>;

    /// Requests the auth service has received so far on the endpoints a streaming server would
    /// call (validation, token, keys, discovery), when the world can count them.
    fn service_calls(&self) -> Option<u64>;

    /// Time to verdict of the joins decided so far, per transport, when the authenticator asks a
    /// media server over the wire; empty otherwise.
    fn joins(&self) -> Vec<JoinTimes> {
        Vec::new()
    }

    /// Stops what the world started (services, watchers) and removes its files.
    async fn shutdown(self: Box<Self>);
}
