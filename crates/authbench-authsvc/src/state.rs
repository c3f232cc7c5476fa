//! The service's shared state and the operations on it, used by the HTTP handlers and, without
//! HTTP, by [`ServiceHandle`].

use std::net::IpAddr;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use authbench_core::{DenyReason, Identities, Secret};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::config::{ClaimsInput, ServiceOptions};
use crate::decide::{self, Ask, Refusal, RevokedTokens, refuse};
use crate::faults::{Faults, FaultsError};
use crate::keys::{KeyError, KeyRing};
use crate::lockout::Attempts;
use crate::password::{Hasher, RandomError};
use crate::stats::{Stats, StatsSnapshot};
use crate::store::{Check, UserError, UserRecord, UserStore};

/// Why the service could not be built or started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The random number generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A signing key could not be generated.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The listener could not be bound or used.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: String,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A token the service issued.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The signed JWT (a secret: Debug does not show it).
    pub token: Secret,
    /// Its `kid`.
    pub kid: String,
    /// Its lifetime.
    pub expires_in: Duration,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) options: ServiceOptions,
    pub(crate) store: UserStore,
    keys: RwLock<KeyRing>,
    revoked_tokens: RevokedTokens,
    attempts: Attempts,
    pub(crate) stats: Stats,
    faults: RwLock<Arc<Faults>>,
    /// Bumped whenever the faults change, so a hanging request can notice.
    pub(crate) faults_changed: watch::Sender<u64>,
    issuer: OnceLock<String>,
    base_url: RwLock<String>,
}

impl Shared {
    pub(crate) fn new(
        identities: &Identities,
        options: ServiceOptions,
    ) -> Result<Self, ServiceError> {
        let hasher = Hasher::new(options.password_scheme)?;
        let store = UserStore::new(identities, hasher)?;
        let grace = options.key_grace.unwrap_or(options.token_ttl);
        let issuer = OnceLock::new();
        if let Some(configured) = &options.issuer {
            let _ = issuer.set(configured.clone());
        }
        Ok(Shared {
            keys: RwLock::new(KeyRing::new(grace)?),
            store,
            revoked_tokens: RevokedTokens::new(options.max_revoked_tokens),
            attempts: Attempts::new(options.lockout),
            stats: Stats::default(),
            faults: RwLock::new(Arc::new(Faults::none())),
            faults_changed: watch::channel(0).0,
            issuer,
            base_url: RwLock::new(String::new()),
            options,
        })
    }

    fn now(&self) -> Duration {
        self.options.clock.now()
    }

    /// Records the address of a new listener: the base URL, and the issuer unless one is set.
    pub(crate) fn listening_on(&self, base_url: String) {
        let _ = self.issuer.set(base_url.clone());
        *self
            .base_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = base_url;
    }

    pub(crate) fn base_url(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn issuer(&self) -> String {
        self.issuer
            .get()
            .cloned()
            .unwrap_or_else(|| self.base_url())
    }

    /// Checks a user name and password from `peer`, under the lockout: a locked-out pair is
    /// refused without looking at the password.
    pub(crate) fn check_password(
        &self,
        peer: IpAddr,
        username: &str,
        password: &str,
    ) -> Result<Arc<UserRecord>, Refusal> {
        if self.attempts.is_locked(peer, username, self.now()) {
            return Err(refuse(
                DenyReason::RateLimited,
                "too many failed attempts; try again later",
            ));
        }
        match self.store.check_password(username, password) {
            Check::Ok(r) => {
                self.attempts.succeeded(peer, username);
                Ok(r)
            }
            Check::UnknownUser => {
                self.attempts.failed(peer, username, self.now());
                Err(refuse(DenyReason::UnknownUser, "no such user"))
            }
            Check::BadPassword => {
                self.attempts.failed(peer, username, self.now());
                Err(refuse(
                    DenyReason::BadPassword,
                    "the password does not match",
                ))
            }
        }
    }

    /// Decides one question; `Ok` carries the principal.
    pub(crate) fn decide(&self, ask: &Ask<'_>) -> Result<String, Refusal> {
        if !ask.password.is_empty() && !ask.username.is_empty() {
            let record = self.check_password(ask.peer, ask.username, ask.password)?;
            decide::authorize(&record.identity, record.revoked, ask)?;
            return Ok(ask.username.to_owned());
        }
        if !ask.token.is_empty() {
            let (subject, _) = self.check_token(ask.token)?;
            let record = self.store.lookup(&subject).ok_or_else(|| {
                refuse(DenyReason::UnknownUser, "the token's subject is not a user")
            })?;
            decide::authorize(&record.identity, record.revoked, ask)?;
            return Ok(subject);
        }
        Err(refuse(
            DenyReason::MissingCredentials,
            "neither a user name and password nor a token was presented",
        ))
    }

    /// Verifies one of the service's own tokens; returns its subject and claims.
    pub(crate) fn check_token(&self, token: &str) -> Result<(String, Value), Refusal> {
        let now = self.now();
        let claims = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .verify(token, now)
            .map_err(|e| refuse(e.reason, e.detail))?;
        let issuer = self.issuer();
        let subject = decide::check_claims(
            &claims,
            now.as_secs(),
            &issuer,
            self.options.audience.as_deref(),
        )?
        .to_owned();
        if claims
            .get("jti")
            .and_then(Value::as_str)
            .is_some_and(|jti| self.revoked_tokens.is_revoked(jti))
        {
            return Err(refuse(
                DenyReason::Revoked,
                "the token has been invalidated",
            ));
        }
        Ok((subject, claims))
    }

    /// `/invalidateCredentials`: a token the service issued stops being accepted (until it would
    /// have expired anyway). Anything else is acknowledged and changes nothing.
    pub(crate) fn invalidate_token(&self, token: &str) -> Invalidation {
        let Ok((_, claims)) = self.check_token(token) else {
            return Invalidation::NotApplicable;
        };
        let (Some(jti), Some(exp)) = (
            claims.get("jti").and_then(Value::as_str),
            claims.get("exp").and_then(Value::as_u64),
        ) else {
            return Invalidation::NotApplicable;
        };
        if self.revoked_tokens.revoke(jti, exp, self.now().as_secs()) {
            Invalidation::Done
        } else {
            Invalidation::Full
        }
    }

    /// `/token`: a password check, then a signed token.
    pub(crate) fn token_for_password(
        &self,
        peer: IpAddr,
        username: &str,
        password: &str,
    ) -> Result<IssuedToken, Refusal> {
        if username.is_empty() || password.is_empty() {
            return Err(refuse(
                DenyReason::MissingCredentials,
                "username and password are required",
            ));
        }
        let record = self.check_password(peer, username, password)?;
        if record.revoked {
            return Err(refuse(DenyReason::Revoked, "the user has been revoked"));
        }
        self.issue(username).map_err(|_| {
            refuse(
                DenyReason::BackendUnavailable,
                "the token could not be signed",
            )
        })
    }

    /// Signs a token for `username` with the configured claims.
    pub(crate) fn issue(&self, username: &str) -> Result<IssuedToken, IssueError> {
        let record = self
            .store
            .lookup(username)
            .ok_or_else(|| IssueError::User(UserError::UnknownUser(username.to_owned())))?;
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).map_err(|_| IssueError::Random(RandomError))?;
        let jti = URL_SAFE_NO_PAD.encode(jti);
        let issued_at = self.now().as_secs();
        let ttl = self.options.token_ttl;
        let issuer = self.issuer();
        let claims = (self.options.claims)(&ClaimsInput {
            username,
            identity: &record.identity,
            issuer: &issuer,
            audience: self.options.audience.as_deref(),
            issued_at,
            expires_at: issued_at.saturating_add(ttl.as_secs()),
            jwt_id: &jti,
        });
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        Ok(IssuedToken {
            token: Secret::new(keys.sign(&claims)?),
            kid: keys.current_kid().to_owned(),
            expires_in: ttl,
        })
    }

    pub(crate) fn jwks(&self) -> Value {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .jwks(self.now())
    }

    pub(crate) fn discovery(&self) -> Value {
        let issuer = self.issuer();
        let base = self.base_url();
        json!({
            "issuer": issuer,
            "jwks_uri": format!("{base}{}", crate::PATH_JWKS),
            "token_endpoint": format!("{base}{}", crate::PATH_TOKEN),
            "grant_types_supported": ["password", "client_credentials"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })
    }

    pub(crate) fn rotate_keys(&self) -> Result<String, KeyError> {
        let now = self.now();
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .rotate(now)
    }

    pub(crate) fn faults(&self) -> Arc<Faults> {
        self.faults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        let faults = faults.validated()?;
        *self.faults.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(faults);
        self.faults_changed.send_modify(|g| *g = g.wrapping_add(1));
        Ok(())
    }
}

/// What `/invalidateCredentials` did with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalidation {
    /// The token is one of the service's own, valid until now: it is refused from now on.
    Done,
    /// Not a token the service would accept anyway: nothing to do.
    NotApplicable,
    /// The set of invalidated tokens is full of live entries: the token could not be recorded
    /// and keeps validating.
    Full,
}

/// Why a token could not be issued through [`ServiceHandle::issue_token`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The user does not exist.
    #[error(transparent)]
    User(#[from] UserError),
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The random number generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// The service's operations as plain Rust calls, for scenarios and tests (the admin API does the
/// same over HTTP). Cheap to clone; every clone acts on the same service, whether or not it is
/// listening at the moment.
#[derive(Debug, Clone)]
pub struct ServiceHandle {
    pub(crate) shared: Arc<Shared>,
}

impl ServiceHandle {
    /// Revokes a user: every later decision for them is `revoked`, with password or token.
    pub fn revoke(&self, user: &str) -> Result<(), UserError> {
        self.shared.store.set_revoked(user, true)
    }

    /// Undoes [`revoke`](Self::revoke).
    pub fn restore(&self, user: &str) -> Result<(), UserError> {
        self.shared.store.set_revoked(user, false)
    }

    /// Changes a user's password; the old one stops working on the next request.
    pub fn set_password(&self, user: &str, password: &str) -> Result<(), UserError> {
        self.shared.store.set_password(user, password)
    }

    /// Makes a fresh signing key current; returns its `kid`. The old key stays in the JWKS and
    /// keeps verifying for the grace period ([`ServiceOptions::key_grace`]).
    pub fn rotate_keys(&self) -> Result<String, KeyError> {
        self.shared.rotate_keys()
    }

    /// Replaces the fault set (an empty set, or one with `clear: true`, removes all faults).
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        self.shared.set_faults(faults)
    }

    /// Removes all faults.
    pub fn clear_faults(&self) {
        let _ = self.shared.set_faults(Faults::none());
    }

    /// The fault set in force.
    pub fn faults(&self) -> Faults {
        (*self.shared.faults()).clone()
    }

    /// A copy of the counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// Signs a token for `user` without a password check (what `/token` returns after one).
    pub fn issue_token(&self, user: &str) -> Result<IssuedToken, IssueError> {
        self.shared.issue(user)
    }

    /// The JWKS document the service serves now.
    pub fn jwks(&self) -> Value {
        self.shared.jwks()
    }

    /// The issuer of tokens (the configured one, or the base URL of the first listener).
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }
}
