//! The `jwt:` section of the deployment config. Its keys are a contract: scenarios, the command line
//! and users' files are written against them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use authbench_core::duration::{serde_human, serde_human_opt};
use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;

/// Which server's claim layout tokens follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Red5 Pro's JWT validator: `roles`, `red5-room`, `red5-transport` (comma-separated strings),
    /// `exp` required and capped by `max_ttl` (Red5 Pro's `jwtTtlMinutes`).
    #[default]
    Red5pro,
    /// MediaMTX's `authMethod: jwt`: a `mediamtx_permissions` list of `{action, path}`.
    Mediamtx,
    /// Configurable claim names for roles, rooms (globs), transports and tenant.
    Generic,
}

impl Profile {
    /// The lower-case name used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Red5pro => "red5pro",
            Profile::Mediamtx => "mediamtx",
            Profile::Generic => "generic",
        }
    }
}

/// Where the tenant of a token comes from, for the `tenants` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum TenantSource {
    /// `tenants` is keyed by the token's `iss` (one issuer per tenant).
    #[default]
    Issuer,
    /// `tenants` is keyed by the value of the tenant claim (`claims.tenant`, default `tenant`).
    Claim,
}

/// One tenant: which rooms its tokens may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant's name as identities carry it (`Identity::tenant`); used when minting to pick
    /// the issuer of a tenant. Optional for validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Room prefixes this tenant owns: a prefix owns the room equal to it and the rooms where a
    /// separator (`/ - _ . :`) follows it (`acme` owns `live/acme-1/cam`, not `live/acmeevil/cam`;
    /// `acme-` owns `live/acme-1/cam`). An empty prefix is refused. A room outside every prefix,
    /// or a stream with no room, is `tenant_mismatch`.
    pub rooms: Vec<String>,
}

impl TenantConfig {
    /// A tenant without a name owning the room prefixes `rooms`.
    pub fn new<I, S>(rooms: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TenantConfig {
            name: None,
            rooms: rooms.into_iter().map(Into::into).collect(),
        }
    }

    /// The same tenant with the name identities carry (`Identity::tenant`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Claim names, when they differ from the profile's defaults.
///
/// Defaults: red5pro `roles` / `red5-room` / `red5-transport` / `tenant`; mediamtx
/// `mediamtx_permissions` / `tenant`; generic `roles` / `rooms` / `transports` / `tenant`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimNames {
    /// Roles claim (red5pro, generic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<String>,
    /// Rooms claim (red5pro, generic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rooms: Option<String>,
    /// Transports claim (red5pro, generic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<String>,
    /// Tenant claim (used with `tenant_from: claim`, and minted in the generic profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Permissions claim (mediamtx; MediaMTX's `authJWTClaimKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
}

/// One-time tokens: remember each `jti` until the token's `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    /// Most `jti` values held at once. When every slot holds an unexpired token, new one-time
    /// tokens are refused with `replay_cache_full` (fail closed) until some expire.
    pub max_entries: usize,
}

impl ReplayConfig {
    /// Replay protection remembering at most `max_entries` token ids.
    pub fn new(max_entries: usize) -> Self {
        ReplayConfig { max_entries }
    }
}

/// Verified-token cache: skip signature verification for a token seen before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Most tokens held at once.
    pub max_entries: usize,
}

impl CacheConfig {
    /// A verified-token cache holding at most `max_entries` tokens.
    pub fn new(max_entries: usize) -> Self {
        CacheConfig { max_entries }
    }
}

fn default_jwks_refresh() -> Duration {
    Duration::from_secs(300)
}

fn default_jwks_min_refetch() -> Duration {
    Duration::from_secs(30)
}

fn default_jwks_timeout() -> Duration {
    Duration::from_secs(5)
}

fn default_true() -> bool {
    true
}

/// The `jwt:` section. Paths are relative to the config file (`base_dir` of the constructor).
///
/// ```yaml
/// jwt:
///   profile: red5pro               # red5pro | mediamtx | generic
///   algorithms: [HS256]
///   secret_file: hs256.secret      # or secret_env: JWT_SECRET
///   public_keys: [rsa.pub.pem]     # PEM files (RSA, EC P-256/P-384, Ed25519)
///   jwks_file: jwks.json           # or jwks_url: http://…  or oidc_discovery: http://…
///   issuers: [https://idp.example.test]
///   audiences: [streaming]
///   leeway: 0s
///   max_ttl: 5m
/// ```
///
/// In Rust, with [`JwtConfig::new`] (or [`Default`]), the `with_*` methods and the public fields:
///
/// ```
/// use std::time::Duration;
///
/// use authbench_jwt::{Algorithm, JwtConfig, Profile, TenantConfig};
///
/// let cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256])
///     .with_secret_file("hs256.secret")
///     .with_issuer("https://acme.example.test")
///     .with_tenant("https://acme.example.test", TenantConfig::new(["acme-"]).with_name("acme"))
///     .with_audience("streaming")
///     .with_max_ttl(Duration::from_secs(300));
/// let lenient = JwtConfig { leeway: Duration::from_secs(5), ..cfg.clone() };
/// assert_eq!(lenient.algorithms, [Algorithm::HS256]);
/// ```
///
/// `Debug` shows `jwks_url` and `oidc_discovery` through [`authbench_core::redact::url`]: a key
/// endpoint is often reached with a token in its query or a password in its user info.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// Claim layout (`red5pro` by default).
    #[serde(default)]
    pub profile: Profile,
    /// Accepted `alg` values, e.g. `[HS256, RS256]`. Required; `none` is never accepted (it is
    /// not an [`Algorithm`]).
    pub algorithms: Vec<Algorithm>,
    /// File holding the HMAC secret (raw bytes; surrounding whitespace is trimmed). At least 32 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    /// Environment variable holding the HMAC secret. At least 32 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// PEM public keys (SPKI or PKCS#1 RSA, SPKI EC, SPKI Ed25519). They match tokens with any `kid`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_keys: Vec<PathBuf>,
    /// A local JWKS file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<PathBuf>,
    /// A JWKS URL, fetched at start, refreshed when stale and on an unknown `kid` (rate limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// An OIDC issuer URL (or its `/.well-known/openid-configuration` URL): gives `jwks_uri` and
    /// the expected `iss` (when `issuers` is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_discovery: Option<String>,
    /// Accepted `iss` values (exact, case-sensitive). Empty: `iss` is not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    /// Accepted `aud` values; a token must name one. Empty: `aud` is not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Clock skew allowed on `exp`, `nbf`, `iat` and the TTL cap.
    #[serde(default, with = "serde_human")]
    #[cfg_attr(feature = "schemars", schemars(with = "String"))]
    pub leeway: Duration,
    /// Longest lifetime left a token may claim: `exp` later than now + `max_ttl` is `ttl_too_long`
    /// (Red5 Pro's `jwtTtlMinutes`). Requires `exp`.
    #[serde(
        default,
        with = "serde_human_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    pub max_ttl: Option<Duration>,
    /// Whether `exp` is required. Default: yes for red5pro and generic, no for mediamtx (as MediaMTX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_exp: Option<bool>,
    /// Claim names that differ from the profile's defaults.
    #[serde(default)]
    pub claims: ClaimNames,
    /// Tenants by issuer (or by tenant claim, see `tenant_from`): `{"https://a.example": {rooms: ["acme-"]}}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tenants: BTreeMap<String, TenantConfig>,
    /// What `tenants` is keyed by: `issuer` (default) or `claim`.
    #[serde(default)]
    pub tenant_from: TenantSource,
    /// One-time tokens (replay protection); off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayConfig>,
    /// Verified-token cache; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheConfig>,
    /// JWKS over HTTP: keys older than this are refreshed (on the request path).
    #[serde(default = "default_jwks_refresh", with = "serde_human")]
    #[cfg_attr(feature = "schemars", schemars(with = "String"))]
    pub jwks_refresh: Duration,
    /// JWKS over HTTP: at most one fetch per this period, whatever asks for it (stale keys, an
    /// unknown `kid`, no keys yet), so clients cannot make the server download keys at will.
    #[serde(default = "default_jwks_min_refetch", with = "serde_human")]
    #[cfg_attr(feature = "schemars", schemars(with = "String"))]
    pub jwks_min_refetch: Duration,
    /// JWKS over HTTP: time limit of one fetch (discovery and key set each).
    #[serde(default = "default_jwks_timeout", with = "serde_human")]
    #[cfg_attr(feature = "schemars", schemars(with = "String"))]
    pub jwks_timeout: Duration,
    /// Accept a JWT presented as the password (MediaMTX: RTSP/RTMP `user:pass`, SRT
    /// `publish:path:user:TOKEN`) when no token was sent and the password has the JWT shape.
    #[serde(default = "default_true")]
    pub token_in_password: bool,
    /// PEM private key for minting with an asymmetric algorithm (not used to validate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<PathBuf>,
    /// `kid` header put on minted tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_kid: Option<String>,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every field, so nothing is hidden by accident; the URLs redacted.
        let JwtConfig {
            profile,
            algorithms,
            secret_file,
            secret_env,
            public_keys,
            jwks_file,
            jwks_url,
            oidc_discovery,
            issuers,
            audiences,
            leeway,
            max_ttl,
            require_exp,
            claims,
            tenants,
            tenant_from,
            replay,
            cache,
            jwks_refresh,
            jwks_min_refetch,
            jwks_timeout,
            token_in_password,
            signing_key,
            signing_kid,
        } = self;
        let redacted = |u: &Option<String>| u.as_deref().map(authbench_core::redact::url);
        f.debug_struct("JwtConfig")
            .field("profile", profile)
            .field("algorithms", algorithms)
            .field("secret_file", secret_file)
            .field("secret_env", secret_env)
            .field("public_keys", public_keys)
            .field("jwks_file", jwks_file)
            .field("jwks_url", &redacted(jwks_url))
            .field("oidc_discovery", &redacted(oidc_discovery))
            .field("issuers", issuers)
            .field("audiences", audiences)
            .field("leeway", leeway)
            .field("max_ttl", max_ttl)
            .field("require_exp", require_exp)
            .field("claims", claims)
            .field("tenants", tenants)
            .field("tenant_from", tenant_from)
            .field("replay", replay)
            .field("cache", cache)
            .field("jwks_refresh", jwks_refresh)
            .field("jwks_min_refetch", jwks_min_refetch)
            .field("jwks_timeout", jwks_timeout)
            .field("token_in_password", token_in_password)
            .field("signing_key", signing_key)
            .field("signing_kid", signing_kid)
            .finish()
    }
}

/// Every key at the value a `jwt:` section without it gets, and no algorithm: a config is not
/// usable until `algorithms` and a key source are set (the constructors say
/// [`JwtConfigError::NoAlgorithms`](crate::JwtConfigError::NoAlgorithms) otherwise).
impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            profile: Profile::default(),
            algorithms: Vec::new(),
            secret_file: None,
            secret_env: None,
            public_keys: Vec::new(),
            jwks_file: None,
            jwks_url: None,
            oidc_discovery: None,
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::ZERO,
            max_ttl: None,
            require_exp: None,
            claims: ClaimNames::default(),
            tenants: BTreeMap::new(),
            tenant_from: TenantSource::default(),
            replay: None,
            cache: None,
            jwks_refresh: default_jwks_refresh(),
            jwks_min_refetch: default_jwks_min_refetch(),
            jwks_timeout: default_jwks_timeout(),
            token_in_password: default_true(),
            signing_key: None,
            signing_kid: None,
        }
    }
}

impl JwtConfig {
    /// A config with the given profile and algorithms and every other key at its default.
    pub fn new(profile: Profile, algorithms: &[Algorithm]) -> Self {
        JwtConfig {
            profile,
            algorithms: algorithms.to_vec(),
            ..JwtConfig::default()
        }
    }

    /// The same config reading the HMAC secret from `path` (`secret_file`).
    pub fn with_secret_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.secret_file = Some(path.into());
        self
    }

    /// The same config with keys and the expected issuer from OIDC discovery (`oidc_discovery`).
    pub fn with_oidc_discovery(mut self, url: impl Into<String>) -> Self {
        self.oidc_discovery = Some(url.into());
        self
    }

    /// The same config also accepting tokens from `issuer` (`issuers`).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// The same config also accepting tokens for `audience` (`audiences`).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The same config capping the lifetime left in a token (`max_ttl`).
    pub fn with_max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = Some(max_ttl);
        self
    }

    /// The same config with one-time tokens, remembering at most `max_entries` ids (`replay`).
    pub fn with_replay(mut self, max_entries: usize) -> Self {
        self.replay = Some(ReplayConfig::new(max_entries));
        self
    }

    /// The same config with the tenant keyed by `key` (an issuer, or a tenant claim value with
    /// `tenant_from: claim`) in `tenants`, replacing one already there.
    pub fn with_tenant(mut self, key: impl Into<String>, tenant: TenantConfig) -> Self {
        self.tenants.insert(key.into(), tenant);
        self
    }

    /// Whether keys come over HTTP (`jwks_url` or `oidc_discovery`).
    pub fn has_remote_keys(&self) -> bool {
        self.jwks_url.is_some() || self.oidc_discovery.is_some()
    }

    /// Whether `exp` must be present: as configured, else per profile, and always when `max_ttl`
    /// or replay protection need it.
    pub fn exp_required(&self) -> bool {
        let by_profile = self
            .require_exp
            .unwrap_or(self.profile != Profile::Mediamtx);
        by_profile || self.max_ttl.is_some() || self.replay.is_some()
    }

    /// The effective claim names for this profile.
    pub fn claim_names(&self) -> EffectiveClaimNames {
        let (roles, rooms, transports) = match self.profile {
            Profile::Red5pro => ("roles", "red5-room", "red5-transport"),
            Profile::Mediamtx | Profile::Generic => ("roles", "rooms", "transports"),
        };
        EffectiveClaimNames {
            roles: self
                .claims
                .roles
                .clone()
                .unwrap_or_else(|| roles.to_owned()),
            rooms: self
                .claims
                .rooms
                .clone()
                .unwrap_or_else(|| rooms.to_owned()),
            transports: self
                .claims
                .transports
                .clone()
                .unwrap_or_else(|| transports.to_owned()),
            tenant: self
                .claims
                .tenant
                .clone()
                .unwrap_or_else(|| "tenant".to_owned()),
            permissions: self
                .claims
                .permissions
                .clone()
                .unwrap_or_else(|| "mediamtx_permissions".to_owned()),
        }
    }
}

/// Claim names after applying the profile's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveClaimNames {
    /// Roles claim.
    pub roles: String,
    /// Rooms claim.
    pub rooms: String,
    /// Transports claim.
    pub transports: String,
    /// Tenant claim.
    pub tenant: String,
    /// MediaMTX permissions claim.
    pub permissions: String,
}
