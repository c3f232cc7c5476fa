//! Options of the service ([`ServiceOptions`], built in code) and the `service:` section of a
//! deployment config ([`ServiceConfig`], read from YAML), plus the injectable claims of issued
//! tokens ([`ClaimsFn`]).

use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::duration::serde_human_opt;
use authbench_core::{Clock, Identity, Role, Secret, SystemClock};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::lockout::Lockout;
use crate::password::PasswordScheme;

/// Where `authbench serve` listens when neither `--listen` nor `service.listen` says otherwise
/// (the address the deployment config examples point `roundtrip.url` at).
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8089,
));

/// Default lifetime of issued tokens.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(300);
/// Default cap on simultaneously open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default PBKDF2 iteration count when `password_hash: pbkdf2_sha256` is chosen.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 10_000;
/// Default time a client has to send its request headers.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send its request body, once the headers are in.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on token ids invalidated through `/invalidateCredentials` and not yet expired.
pub const DEFAULT_MAX_REVOKED_TOKENS: usize = 100_000;
/// The lockout `authbench serve` applies when its config does not say otherwise: 10 failed
/// attempts per (client address, user name) within 5 minutes.
pub const DEFAULT_SERVE_LOCKOUT: Lockout = Lockout {
    max_failures: NonZeroU32::MIN.saturating_add(9),
    window: Duration::from_secs(300),
};

/// What a [`ClaimsFn`] gets to build the claims of one issued token.
#[derive(Debug, Clone, Copy)]
pub struct ClaimsInput<'a> {
    /// The user name (the default claims put it in `sub`).
    pub username: &'a str,
    /// The user's identity as the store holds it now (its `password` is empty).
    pub identity: &'a Identity,
    /// The issuer (`iss`): the configured one, or the service's base URL.
    pub issuer: &'a str,
    /// The configured audience (`aud`), if any.
    pub audience: Option<&'a str>,
    /// Issued at, seconds since the epoch, from the injected clock.
    pub issued_at: u64,
    /// Expires at, seconds since the epoch (`issued_at` + token TTL).
    pub expires_at: u64,
    /// A fresh random token id (`jti`).
    pub jwt_id: &'a str,
}

/// Builds the claims of an issued token. The service verifies its own tokens by signature, `kid`,
/// `exp` (required), `nbf` (if present), `iss` and `aud` (when configured), and looks the user up
/// by `sub` (required), then applies the user's *current* roles, rooms, transports, tenant and
/// revocation; so a custom `ClaimsFn` must keep `sub` and `exp` for the service to accept its own
/// tokens, but may shape everything else as a claim profile needs.
pub type ClaimsFn = Arc<dyn Fn(&ClaimsInput<'_>) -> Value + Send + Sync>;

/// The default claims: `sub`, `iss`, `aud` (if configured), `iat`, `exp`, `jti`, `roles` (the
/// effective roles: both when the identity lists none), and `rooms`, `transports` and `tenant`
/// only when the identity restricts them (an absent claim means "any").
pub fn default_claims(input: &ClaimsInput<'_>) -> Value {
    let id = input.identity;
    let roles: Vec<Role> = [Role::Publisher, Role::Subscriber]
        .into_iter()
        .filter(|r| id.has_role(*r))
        .collect();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(input.username));
    claims.insert("iss".into(), json!(input.issuer));
    if let Some(aud) = input.audience {
        claims.insert("aud".into(), json!(aud));
    }
    claims.insert("iat".into(), json!(input.issued_at));
    claims.insert("exp".into(), json!(input.expires_at));
    claims.insert("jti".into(), json!(input.jwt_id));
    claims.insert("roles".into(), json!(roles));
    if !id.rooms.is_empty() {
        claims.insert("rooms".into(), json!(id.rooms));
    }
    if !id.transports.is_empty() {
        claims.insert("transports".into(), json!(id.transports));
    }
    if let Some(tenant) = &id.tenant {
        claims.insert("tenant".into(), json!(tenant));
    }
    Value::Object(claims)
}

/// How the service is set up, in code. `ServiceOptions::default()` is a working service on the
/// system clock; tests inject a `ManualClock`.
///
/// The defaults suit a service started in process by tests, scenarios and benchmarks, which send
/// many denies from `127.0.0.1` on purpose and compare reason codes: no lockout, and deny reasons
/// exposed. `authbench serve` builds its options from a [`ServiceConfig`], whose defaults are the
/// safer ones for a service other programs reach: reasons hidden and a lockout on.
#[derive(Clone)]
#[non_exhaustive]
pub struct ServiceOptions {
    /// Time for `iat`/`exp`, token checks and key grace periods.
    pub clock: Arc<dyn Clock>,
    /// Lifetime of issued tokens (default 5 minutes).
    pub token_ttl: Duration,
    /// How long a retired signing key stays in the JWKS and keeps verifying after a rotation;
    /// `None` means the token TTL, so every token it signed can be checked until it expires.
    pub key_grace: Option<Duration>,
    /// The `iss` of issued tokens and of the discovery document; `None` means the base URL of
    /// the first listener (`http://127.0.0.1:PORT`).
    pub issuer: Option<String>,
    /// The `aud` of issued tokens, also required of presented tokens when set.
    pub audience: Option<String>,
    /// When set, admin requests must carry `Authorization: Bearer <key>` (compared in constant
    /// time) besides coming from a loopback address.
    pub admin_key: Option<Secret>,
    /// Builds the claims of issued tokens (default [`default_claims`]).
    pub claims: ClaimsFn,
    /// Whether deny answers carry the machine-readable `reason` extension (default true here,
    /// false for `authbench serve`, see [`ServiceConfig`]). Off, the service answers like a plain
    /// Red5 Pro / MediaMTX backend: allow or deny, nothing more, so an unknown user and a wrong
    /// password cannot be told apart.
    pub expose_reasons: bool,
    /// How passwords are stored (default HMAC-SHA-256; see [`PasswordScheme`]).
    pub password_scheme: PasswordScheme,
    /// Connections served at once; further ones wait to be accepted (default 1024).
    pub max_connections: usize,
    /// How long a client may take to send its request headers (default 10 s); the connection
    /// is closed when they are late.
    pub header_read_timeout: Duration,
    /// How long a client may take to send its request body once the headers are in (default
    /// 10 s); a late body is answered `408` and the connection closed.
    pub body_read_timeout: Duration,
    /// Token ids `/invalidateCredentials` keeps until their tokens expire (default 100,000).
    /// When they are all live, a further invalidation is refused with `503`, never acknowledged.
    pub max_revoked_tokens: usize,
    /// Failed-attempt lockout for password checks on `/token` and the validation endpoints
    /// (default none here; [`DEFAULT_SERVE_LOCKOUT`] for `authbench serve`).
    pub lockout: Option<Lockout>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            clock: Arc::new(SystemClock),
            token_ttl: DEFAULT_TOKEN_TTL,
            key_grace: None,
            issuer: None,
            audience: None,
            admin_key: None,
            claims: Arc::new(default_claims),
            expose_reasons: true,
            password_scheme: PasswordScheme::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_revoked_tokens: DEFAULT_MAX_REVOKED_TOKENS,
            lockout: None,
        }
    }
}

impl ServiceOptions {
    /// Default options on the given clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        ServiceOptions {
            clock,
            ..ServiceOptions::default()
        }
    }
}

impl fmt::Debug for ServiceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceOptions")
            .field("clock", &self.clock)
            .field("token_ttl", &self.token_ttl)
            .field("key_grace", &self.key_grace)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("admin_key", &self.admin_key.as_ref().map(|_| "[redacted]"))
            .field("claims", &"<fn>")
            .field("expose_reasons", &self.expose_reasons)
            .field("password_scheme", &self.password_scheme)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_revoked_tokens", &self.max_revoked_tokens)
            .field("lockout", &self.lockout)
            .finish()
    }
}

/// Password hashing as the config file names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordHashName {
    /// [`PasswordScheme::HmacSha256`].
    HmacSha256,
    /// [`PasswordScheme::Pbkdf2Sha256`] with `pbkdf2_iterations`.
    Pbkdf2Sha256,
}

/// The optional `service:` section of a deployment config (`authbench serve --config FILE`).
///
/// ```yaml
/// service:
///   listen: 127.0.0.1:8089        # the --listen flag wins over this
///   admin_key_env: AUTHSVC_ADMIN_KEY
///   token_ttl: 5m
///   key_grace: 10m                # default: token_ttl
///   issuer: https://auth.example.test
///   audience: streaming
///   expose_reasons: false         # true adds the deny reason code to answers
///   password_hash: hmac_sha256    # or pbkdf2_sha256
///   pbkdf2_iterations: 10000
///   max_connections: 1024
///   header_read_timeout: 10s
///   body_read_timeout: 10s
///   max_revoked_tokens: 100000
///   lockout: {max_failures: 10, window: 5m}   # max_failures: 0 turns it off
/// ```
///
/// Unlike [`ServiceOptions::default`], a config section leaves deny reasons out of answers
/// unless `expose_reasons: true` (they tell an unknown user from a wrong password) and locks a
/// (client address, user name) pair out after [`DEFAULT_SERVE_LOCKOUT`] unless `lockout` says
/// otherwise. A load test of such a service from one address with wrong passwords is throttled
/// by design: give it `lockout: {max_failures: 0}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Address to listen on.
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// Name of the environment variable holding the admin key.
    #[serde(default)]
    pub admin_key_env: Option<String>,
    /// Lifetime of issued tokens.
    #[serde(default, with = "serde_human_opt")]
    pub token_ttl: Option<Duration>,
    /// Grace period of retired signing keys.
    #[serde(default, with = "serde_human_opt")]
    pub key_grace: Option<Duration>,
    /// Issuer of tokens and of the discovery document.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Audience of issued tokens.
    #[serde(default)]
    pub audience: Option<String>,
    /// Whether deny answers carry a `reason` (default false).
    #[serde(default)]
    pub expose_reasons: Option<bool>,
    /// Password hashing scheme.
    #[serde(default)]
    pub password_hash: Option<PasswordHashName>,
    /// PBKDF2 iterations (only with `password_hash: pbkdf2_sha256`).
    #[serde(default)]
    pub pbkdf2_iterations: Option<u32>,
    /// Cap on simultaneously open connections.
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// Time a client has to send its request headers.
    #[serde(default, with = "serde_human_opt")]
    pub header_read_timeout: Option<Duration>,
    /// Time a client has to send its request body.
    #[serde(default, with = "serde_human_opt")]
    pub body_read_timeout: Option<Duration>,
    /// Cap on invalidated token ids kept until they expire.
    #[serde(default)]
    pub max_revoked_tokens: Option<usize>,
    /// Failed-attempt lockout (default [`DEFAULT_SERVE_LOCKOUT`]).
    #[serde(default)]
    pub lockout: Option<LockoutConfig>,
}

/// The `lockout:` key of a [`ServiceConfig`].
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutConfig {
    /// Failed attempts per (client address, user name) within the window that lock the pair out;
    /// `0` turns the lockout off.
    #[serde(default)]
    pub max_failures: Option<u32>,
    /// How long a window lasts, from its first failure.
    #[serde(default, with = "serde_human_opt")]
    pub window: Option<Duration>,
}

/// Why a [`ServiceConfig`] cannot become [`ServiceOptions`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceConfigError {
    /// `admin_key_env` names a variable that is not set (or is empty).
    #[error("service.admin_key_env: environment variable `{0}` is not set or empty")]
    AdminKeyMissing(String),
    /// A value is out of range.
    #[error("service.{field}: {problem}")]
    Invalid {
        /// The offending key.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
}

impl ServiceConfig {
    /// Options from this section, reading the admin key from the process environment.
    pub fn options(&self, clock: Arc<dyn Clock>) -> Result<ServiceOptions, ServiceConfigError> {
        self.options_with_env(clock, |name| std::env::var(name).ok())
    }

    /// Options from this section, reading environment variables through `env`.
    pub fn options_with_env(
        &self,
        clock: Arc<dyn Clock>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServiceOptions, ServiceConfigError> {
        let mut o = ServiceOptions::with_clock(clock);
        if let Some(var) = &self.admin_key_env {
            let key = env(var)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| ServiceConfigError::AdminKeyMissing(var.clone()))?;
            o.admin_key = Some(Secret::new(key));
        }
        if let Some(ttl) = self.token_ttl {
            if ttl.is_zero() {
                return Err(ServiceConfigError::Invalid {
                    field: "token_ttl",
                    problem: "must be longer than zero",
                });
            }
            o.token_ttl = ttl;
        }
        o.key_grace = self.key_grace;
        o.issuer.clone_from(&self.issuer);
        o.audience.clone_from(&self.audience);
        o.expose_reasons = self.expose_reasons.unwrap_or(false);
        o.password_scheme = match (self.password_hash, self.pbkdf2_iterations) {
            (None | Some(PasswordHashName::HmacSha256), None) => PasswordScheme::HmacSha256,
            (None | Some(PasswordHashName::HmacSha256), Some(_)) => {
                return Err(ServiceConfigError::Invalid {
                    field: "pbkdf2_iterations",
                    problem: "only applies with password_hash: pbkdf2_sha256",
                });
            }
            (Some(PasswordHashName::Pbkdf2Sha256), n) => PasswordScheme::Pbkdf2Sha256 {
                iterations: NonZeroU32::new(n.unwrap_or(DEFAULT_PBKDF2_ITERATIONS)).ok_or(
                    ServiceConfigError::Invalid {
                        field: "pbkdf2_iterations",
                        problem: "must be at least 1",
                    },
                )?,
            },
        };
        if let Some(max) = self.max_connections {
            if max == 0 {
                return Err(ServiceConfigError::Invalid {
                    field: "max_connections",
                    problem: "must be at least 1",
                });
            }
            o.max_connections = max;
        }
        for (field, value, target) in [
            (
                "header_read_timeout",
                self.header_read_timeout,
                &mut o.header_read_timeout,
            ),
            (
                "body_read_timeout",
                self.body_read_timeout,
                &mut o.body_read_timeout,
            ),
        ] {
            if let Some(d) = value {
                if d.is_zero() {
                    return Err(ServiceConfigError::Invalid {
                        field,
                        problem: "must be longer than zero",
                    });
                }
                *target = d;
            }
        }
        if let Some(max) = self.max_revoked_tokens {
            if max == 0 {
                return Err(ServiceConfigError::Invalid {
                    field: "max_revoked_tokens",
                    problem: "must be at least 1",
                });
            }
            o.max_revoked_tokens = max;
        }
        let lockout = self.lockout.unwrap_or_default();
        let window = lockout.window.unwrap_or(DEFAULT_SERVE_LOCKOUT.window);
        if window.is_zero() {
            return Err(ServiceConfigError::Invalid {
                field: "lockout.window",
                problem: "must be longer than zero",
            });
        }
        o.lockout = match lockout.max_failures {
            None => Some(Lockout::new(DEFAULT_SERVE_LOCKOUT.max_failures, window)),
            Some(n) => NonZeroU32::new(n).map(|n| Lockout::new(n, window)),
        };
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_claims_carry_the_identity() {
        let id = Identity {
            roles: vec![Role::Publisher],
            rooms: vec!["room1".into()],
            tenant: Some("acme".into()),
            ..Identity::default()
        };
        let c = default_claims(&ClaimsInput {
            username: "alice",
            identity: &id,
            issuer: "http://i",
            audience: Some("streaming"),
            issued_at: 10,
            expires_at: 70,
            jwt_id: "j",
        });
        assert_eq!(c["sub"], "alice");
        assert_eq!(c["aud"], "streaming");
        assert_eq!(c["exp"], 70);
        assert_eq!(c["roles"], json!(["publisher"]));
        assert_eq!(c["rooms"], json!(["room1"]));
        assert_eq!(c["tenant"], "acme");
        assert!(c.get("transports").is_none());
    }

    #[test]
    fn serve_defaults_hide_reasons_and_lock_out_guessers() {
        let o = ServiceConfig::default()
            .options_with_env(Arc::new(SystemClock), |_| None)
            .expect("valid");
        assert!(!o.expose_reasons);
        assert_eq!(o.lockout, Some(DEFAULT_SERVE_LOCKOUT));
        assert_eq!(o.body_read_timeout, DEFAULT_BODY_READ_TIMEOUT);
        assert_eq!(o.max_revoked_tokens, DEFAULT_MAX_REVOKED_TOKENS);
        // In code the defaults suit tests and benchmarks: reasons shown, no lockout.
        let code = ServiceOptions::default();
        assert!(code.expose_reasons);
        assert_eq!(code.lockout, None);
    }

    #[test]
    fn config_reads_the_hardening_keys_from_yaml() {
        let parse = |yaml: &str| -> ServiceOptions {
            serde_saphyr::from_str::<ServiceConfig>(yaml)
                .expect("yaml")
                .options_with_env(Arc::new(SystemClock), |_| None)
                .expect("valid")
        };
        let o = parse(
            "expose_reasons: true\nheader_read_timeout: 2s\nbody_read_timeout: 3s\n\
             max_revoked_tokens: 5\nlockout: {max_failures: 4, window: 1m}\n",
        );
        assert!(o.expose_reasons);
        assert_eq!(o.header_read_timeout, Duration::from_secs(2));
        assert_eq!(o.body_read_timeout, Duration::from_secs(3));
        assert_eq!(o.max_revoked_tokens, 5);
        assert_eq!(
            o.lockout,
            Some(Lockout::new(
                NonZeroU32::new(4).expect("non-zero"),
                Duration::from_secs(60)
            ))
        );
        assert_eq!(parse("lockout: {max_failures: 0}\n").lockout, None);
        assert_eq!(
            parse("lockout: {window: 10s}\n").lockout.map(|l| l.window),
            Some(Duration::from_secs(10))
        );
        for bad in [
            "body_read_timeout: 0s\n",
            "max_revoked_tokens: 0\n",
            "lockout: {max_failures: 3, window: 0s}\n",
        ] {
            let cfg: ServiceConfig = serde_saphyr::from_str(bad).expect("yaml");
            assert!(
                matches!(
                    cfg.options_with_env(Arc::new(SystemClock), |_| None),
                    Err(ServiceConfigError::Invalid { .. })
                ),
                "{bad}"
            );
        }
        assert!(serde_saphyr::from_str::<ServiceConfig>("lockout: {tries: 3}\n").is_err());
    }

    #[test]
    fn config_reads_env_and_rejects_nonsense() {
        let cfg = ServiceConfig {
            admin_key_env: Some("K".into()),
            token_ttl: Some(Duration::from_secs(60)),
            ..ServiceConfig::default()
        };
        let o = cfg
            .options_with_env(Arc::new(SystemClock), |_| Some("s3cret".into()))
            .expect("valid");
        assert_eq!(o.admin_key.as_ref().map(Secret::expose), Some("s3cret"));
        assert!(!format!("{o:?}").contains("s3cret"));
        let err = cfg
            .options_with_env(Arc::new(SystemClock), |_| None)
            .expect_err("unset");
        assert!(err.to_string().contains("`K`"));
        let bad = ServiceConfig {
            pbkdf2_iterations: Some(5),
            ..ServiceConfig::default()
        };
        assert!(
            bad.options_with_env(Arc::new(SystemClock), |_| None)
                .is_err()
        );
    }
}
