//! What is measured besides the modes: the null authenticator (harness overhead), the raw
//! references (a bare `jsonwebtoken::decode`, a bare bcrypt verify), the slowdown wrapper that
//! tests the gate, and the adapter that sends an authenticator's decisions from async tasks.
//!
//! The references implement [`Authenticator`] so they go through exactly the same harness as the
//! modes: the ratio mode / reference then compares the decisions, not two ways of calling them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use authbench_core::{AuthRequest, Authenticator, Capabilities, Decision, DenyReason, async_trait};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;

use crate::LoadError;
use crate::engine::tasks::AsyncTarget;
use crate::verdict::{Verdict, Workload};

/// Allows everything at once: a decision that costs nothing, so a run against it measures the
/// harness alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullAuthenticator;

#[async_trait]
impl Authenticator for NullAuthenticator {
    fn mode(&self) -> &str {
        "null"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    async fn authenticate(&self, _req: &AuthRequest) -> Decision {
        Decision::allow("null")
    }
}

/// The registered claims a plain application decodes.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded to be paid for, not read
struct PlainClaims {
    sub: String,
    exp: u64,
}

/// A bare `jsonwebtoken::decode` of the presented token with the library's default validation
/// (signature, `exp` against the system clock): the floor under jwt mode.
pub struct RawJwtDecode {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for RawJwtDecode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawJwtDecode").finish_non_exhaustive()
    }
}

impl RawJwtDecode {
    /// A decoder for HMAC tokens signed with `secret` and `alg`.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] when jsonwebtoken refuses the secret.
    pub fn hmac(secret: &[u8], alg: Algorithm) -> Result<RawJwtDecode, LoadError> {
        Ok(RawJwtDecode {
            key: DecodingKey::from_secret(secret)
                .map_err(|e| LoadError::setup("raw decode key", e))?,
            validation: Validation::new(alg),
        })
    }
}

#[async_trait]
impl Authenticator for RawJwtDecode {
    fn mode(&self) -> &str {
        "raw-jwt"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let Some(token) = &req.credentials.token else {
            return Decision::deny(DenyReason::MissingCredentials, "no token");
        };
        match jsonwebtoken::decode::<PlainClaims>(token.expose(), &self.key, &self.validation) {
            Ok(data) => Decision::allow(data.claims.sub),
            Err(e) => {
                let reason = match e.kind() {
                    ErrorKind::InvalidSignature => DenyReason::BadSignature,
                    ErrorKind::ExpiredSignature => DenyReason::Expired,
                    ErrorKind::ImmatureSignature => DenyReason::NotYetValid,
                    ErrorKind::InvalidAlgorithm => DenyReason::AlgorithmNotAllowed,
                    _ => DenyReason::MalformedCredentials,
                };
                Decision::deny(reason, "raw decode refused the token")
            }
        }
    }
}

/// A bare `bcrypt::verify` of the presented password against the user's hash: the floor under
/// file mode with bcrypt. Runs inline (no `spawn_blocking`): it is the cost of the hash alone.
pub struct RawBcrypt {
    hashes: HashMap<String, String>,
}

impl std::fmt::Debug for RawBcrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawBcrypt")
            .field("users", &self.hashes.len())
            .finish()
    }
}

impl RawBcrypt {
    /// Reads `user:hash` lines of an htpasswd text.
    pub fn from_htpasswd(text: &str) -> RawBcrypt {
        RawBcrypt {
            hashes: text
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(u, h)| (u.to_owned(), h.trim().to_owned()))
                .collect(),
        }
    }
}

#[async_trait]
impl Authenticator for RawBcrypt {
    fn mode(&self) -> &str {
        "raw-bcrypt"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let c = &req.credentials;
        let (Some(user), Some(password)) = (&c.username, &c.password) else {
            return Decision::deny(DenyReason::MissingCredentials, "no password");
        };
        let Some(hash) = self.hashes.get(user) else {
            return Decision::deny(DenyReason::UnknownUser, "no such user");
        };
        match bcrypt::verify(password.expose(), hash) {
            Ok(true) => Decision::allow(user.clone()),
            Ok(false) => Decision::deny(DenyReason::BadPassword, "wrong password"),
            Err(_) => Decision::deny(DenyReason::MalformedCredentials, "unreadable hash"),
        }
    }
}

/// Makes every decision of `inner` slower by `fraction` of its own duration (0.1 = 10 %), by
/// busy-waiting after it, as a slower implementation would. For testing the regression gate
/// (`authbench bench --inject-slowdown MODE=PCT`); never part of a normal run.
pub struct Slowdown {
    inner: Arc<dyn Authenticator>,
    fraction: f64,
}

impl Slowdown {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Authenticator>, fraction: f64) -> Slowdown {
        Slowdown {
            inner,
            fraction: fraction.max(0.0),
        }
    }
}

#[async_trait]
impl Authenticator for Slowdown {
    fn mode(&self) -> &str {
        self.inner.mode()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let t0 = Instant::now();
        let d = self.inner.authenticate(req).await;
        let until = t0 + t0.elapsed().mul_f64(1.0 + self.fraction);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        d
    }
}

/// An authenticator driven from async tasks (round-trip mode: the decision is an HTTP request
/// made by the mode's own client).
pub struct AuthTarget {
    auth: Arc<dyn Authenticator>,
    workload: Arc<Workload>,
}

impl AuthTarget {
    /// Sends `workload`'s requests to `auth`.
    pub fn new(auth: Arc<dyn Authenticator>, workload: Arc<Workload>) -> AuthTarget {
        AuthTarget { auth, workload }
    }
}

impl AsyncTarget for AuthTarget {
    type Conn = ();

    fn cases(&self) -> usize {
        self.workload.cases.len()
    }

    async fn connect(&self) -> Result<(), LoadError> {
        if self.workload.requests.is_empty() {
            return Err(LoadError::EmptyWorkload);
        }
        Ok(())
    }

    async fn call<'a>(&'a self, _conn: &'a mut (), i: u64) -> (usize, Verdict) {
        match self.workload.get(i) {
            Some((req, case)) => (*case, Verdict::of(&self.auth.authenticate(req).await)),
            None => (0, Verdict::Failed(crate::verdict::Failure::Body)),
        }
    }
}
