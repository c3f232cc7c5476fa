//! [`JwtAuthenticator`]: the `jwt` mode's [`Authenticator`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::redact;
use authbench_core::{
    Allow, AuthRequest, Authenticator, Capabilities, Capability, Clock, Credentials, Decision,
    Deny, DenyReason, async_trait,
};
use jsonwebtoken::Algorithm;

use crate::build;
use crate::cache::{VerifiedCache, token_digest};
use crate::claims::{ClaimSpec, parse_claims};
use crate::config::{EffectiveClaimNames, JwtConfig, Profile};
use crate::error::JwtConfigError;
use crate::jwks::{RemoteKeys, RemoteSource};
use crate::keys::{KeySet, VerifyKey};
use crate::profile::{Grants, RegexCache, grants};
use crate::replay::ReplayCache;
use crate::tenant::Tenants;
use crate::token::{b64, has_jwt_shape, parse_header, split};
use crate::verify::deny_from_jwt_error;

/// A token whose signature verified, with its claims parsed. Cached by the verified-token cache;
/// everything time- or request-dependent is checked afresh on each use.
#[derive(Debug)]
pub(crate) struct Verified {
    pub exp: Option<u64>,
    pub nbf: Option<u64>,
    pub iat: Option<u64>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Option<Vec<String>>,
    pub jti: Option<String>,
    /// The tenant claim, when the profile reads one.
    pub tenant: Result<Option<String>, Deny>,
    /// What the profile's claims allow (or why they cannot be read).
    pub grants: Result<Grants, Deny>,
}

/// Validates JWTs locally: signature with configured or fetched keys, time claims against the
/// injected clock, issuer and audience, then the profile's role / room / transport rules,
/// tenants and one-time use.
///
/// The token is `credentials.token`; when absent (and `token_in_password` is on, the default) a
/// password with the JWT shape is taken as the token, as MediaMTX does for RTSP/RTMP
/// `user:pass` and SRT `publish:path:user:TOKEN`.
pub struct JwtAuthenticator {
    profile: Profile,
    algorithms: Vec<Algorithm>,
    static_keys: KeySet,
    remote: Option<RemoteKeys>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: Duration,
    max_ttl: Option<Duration>,
    exp_required: bool,
    names: EffectiveClaimNames,
    spec: ClaimSpec,
    tenants: Option<Tenants>,
    replay: Option<ReplayCache>,
    cache: Option<VerifiedCache<Verified>>,
    regexes: RegexCache,
    token_in_password: bool,
    clock: Arc<dyn Clock>,
    capabilities: Capabilities,
}

impl std::fmt::Debug for JwtAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthenticator")
            .field("profile", &self.profile)
            .field("algorithms", &self.algorithms)
            .field("static_keys", &self.static_keys.len())
            .field("remote", &self.remote.is_some())
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

impl JwtAuthenticator {
    /// Builds the authenticator; with `jwks_url` / `oidc_discovery` it fetches the keys once
    /// (a failure is logged, not fatal: decisions are `backend_unavailable` until a fetch works).
    pub async fn from_config(
        cfg: &JwtConfig,
        base_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JwtConfigError> {
        let auth = Self::build(cfg, base_dir, clock)?;
        if let Some(remote) = &auth.remote
            && !remote.fetch(auth.clock.now()).await
        {
            tracing::warn!(
                error = remote.last_error().unwrap_or_default(),
                "no JWKS yet; jwt decisions are backend_unavailable until a fetch succeeds"
            );
        }
        Ok(auth)
    }

    /// Builds an authenticator from a config with local keys only (no `jwks_url` /
    /// `oidc_discovery`), without an async runtime.
    pub fn from_static_config(
        cfg: &JwtConfig,
        base_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JwtConfigError> {
        if cfg.has_remote_keys() {
            return Err(JwtConfigError::RemoteNeedsAsync);
        }
        Self::build(cfg, base_dir, clock)
    }

    fn build(
        cfg: &JwtConfig,
        base_dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, JwtConfigError> {
        let algorithms: Vec<Algorithm> = build::algorithms(cfg)?
            .into_iter()
            .map(Algorithm::from)
            .collect();
        build::check_options(cfg)?;
        let spec = build::claim_spec(cfg)?;
        let keys = build::static_keys(cfg, base_dir)?;
        let remote = match (&cfg.jwks_url, &cfg.oidc_discovery) {
            (Some(url), _) => {
                Some(
                    RemoteSource::jwks(url).ok_or_else(|| JwtConfigError::BadUrl {
                        key: "jwks_url",
                        url: redact::url(url),
                    })?,
                )
            }
            (None, Some(url)) => {
                Some(
                    RemoteSource::discovery(url).ok_or_else(|| JwtConfigError::BadUrl {
                        key: "oidc_discovery",
                        url: redact::url(url),
                    })?,
                )
            }
            (None, None) => None,
        };
        let remote = remote
            .map(|source| {
                RemoteKeys::new(
                    source,
                    cfg.jwks_timeout,
                    cfg.jwks_refresh,
                    cfg.jwks_min_refetch,
                )
                .map_err(JwtConfigError::HttpClient)
            })
            .transpose()?;
        if remote.is_none() {
            if keys.is_empty() {
                return Err(JwtConfigError::NoKeySource);
            }
            build::check_coverage(&algorithms, &keys)?;
        }
        let mut capabilities = Capabilities::none()
            .with(Capability::Roles)
            .with(Capability::Rooms)
            .with(Capability::Expiry)
            .with(Capability::OfflineDecision);
        if cfg.profile != Profile::Mediamtx {
            capabilities = capabilities.with(Capability::Transports);
        }
        if !cfg.tenants.is_empty() {
            capabilities = capabilities.with(Capability::Tenants);
        }
        if cfg.replay.is_some() {
            capabilities = capabilities.with(Capability::OneTimeUse);
        }
        Ok(JwtAuthenticator {
            profile: cfg.profile,
            algorithms,
            static_keys: KeySet::new(keys),
            remote,
            issuers: cfg.issuers.clone(),
            audiences: cfg.audiences.clone(),
            leeway: cfg.leeway,
            max_ttl: cfg.max_ttl,
            exp_required: cfg.exp_required(),
            names: cfg.claim_names(),
            spec,
            tenants: Tenants::from_config(cfg),
            replay: cfg.replay.as_ref().map(|r| ReplayCache::new(r.max_entries)),
            cache: cfg
                .cache
                .as_ref()
                .map(|c| VerifiedCache::new(c.max_entries)),
            regexes: RegexCache::default(),
            token_in_password: cfg.token_in_password,
            clock,
            capabilities,
        })
    }

    /// JWKS fetches started so far (0 without a remote key source).
    pub fn jwks_fetch_count(&self) -> u64 {
        self.remote.as_ref().map_or(0, RemoteKeys::fetch_count)
    }

    /// Tokens held by the verified-token cache (0 when it is off).
    pub fn cached_tokens(&self) -> usize {
        self.cache.as_ref().map_or(0, VerifiedCache::len)
    }

    /// The token to validate: `credentials.token`, else a JWT-shaped password.
    fn pick_token<'a>(&self, creds: &'a Credentials) -> Option<&'a str> {
        if let Some(t) = creds.token.as_ref().filter(|t| !t.is_empty()) {
            return Some(t.expose());
        }
        creds
            .password
            .as_ref()
            .map(|p| p.expose())
            .filter(|p| self.token_in_password && has_jwt_shape(p))
    }

    /// The whole decision.
    async fn decide(&self, req: &AuthRequest) -> Result<Allow, Deny> {
        let Some(token) = self.pick_token(&req.credentials) else {
            return Err(Deny::new(
                DenyReason::MissingCredentials,
                "no token presented",
            ));
        };
        let now = self.clock.now();
        if let Some(remote) = &self.remote
            && remote.wants_refresh(now)
        {
            remote.fetch(now).await;
        }
        let verified = self.verified(token, now).await?;
        self.check(&verified, req, now)
    }

    fn generation(&self) -> u64 {
        self.remote.as_ref().map_or(0, |r| r.snapshot().generation)
    }

    /// Signature and parsing, through the verified-token cache when it is on.
    async fn verified(&self, token: &str, now: Duration) -> Result<Arc<Verified>, Deny> {
        let Some(cache) = &self.cache else {
            return self.verify_token(token, now).await.map(Arc::new);
        };
        let digest = token_digest(token);
        let generation = self.generation();
        if let Some(hit) = cache.get(&digest, now.as_secs(), generation) {
            return Ok(hit);
        }
        let v = Arc::new(self.verify_token(token, now).await?);
        if let Some(exp) = v.exp {
            let keep_until = exp.saturating_add(self.leeway.as_secs());
            cache.insert(
                digest,
                Arc::clone(&v),
                now.as_secs(),
                keep_until,
                generation,
            );
        }
        Ok(v)
    }

    async fn verify_token(&self, token: &str, now: Duration) -> Result<Verified, Deny> {
        let parts = split(token)?;
        let header = parse_header(parts.header)?;
        if !self.algorithms.contains(&header.alg) {
            return Err(Deny::new(
                DenyReason::AlgorithmNotAllowed,
                format!("token alg {:?} is not in the allowed list", header.alg),
            ));
        }
        // RFC 7515 §5.2 steps 6 and 7: payload and signature are base64url-decoded before the
        // signature is validated, so a part that does not decode is malformed whatever its
        // signature. The payload's JSON is parsed only after the signature holds.
        let payload = b64(parts.payload, "payload")?;
        b64(parts.signature, "signature")?;
        let snapshot = self
            .select_keys(header.alg, header.kid.as_deref(), now)
            .await?;
        let candidates = candidates(
            &self.static_keys,
            snapshot.as_deref(),
            header.alg,
            header.kid.as_deref(),
        )?;
        let mut verified = false;
        for key in candidates {
            match jsonwebtoken::crypto::verify(
                parts.signature,
                parts.signing_input.as_bytes(),
                &key.key,
                header.alg,
            ) {
                Ok(true) => {
                    verified = true;
                    break;
                }
                Ok(false) => {}
                Err(e) => return Err(deny_from_jwt_error(&e)),
            }
        }
        if !verified {
            return Err(Deny::new(
                DenyReason::BadSignature,
                "token signature does not verify",
            ));
        }
        let claims = parse_claims(&payload, &self.spec)
            .map_err(|detail| Deny::new(DenyReason::MalformedCredentials, detail))?;
        let tenant = match &claims.tenant {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Deny::new(
                DenyReason::MalformedCredentials,
                format!("claim `{}` is not a string", self.names.tenant),
            )),
        };
        let grants = grants(self.profile, &claims, &self.regexes, &self.names);
        Ok(Verified {
            exp: claims.exp,
            nbf: claims.nbf,
            iat: claims.iat,
            iss: claims.iss,
            sub: claims.sub,
            aud: claims.aud,
            jti: claims.jti,
            tenant,
            grants,
        })
    }

    /// Brings remote keys up to date for this token (a re-fetch on an unknown `kid`, rate
    /// limited) and returns the remote snapshot to select from.
    async fn select_keys(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
        now: Duration,
    ) -> Result<Option<Arc<crate::jwks::Snapshot>>, Deny> {
        let Some(remote) = &self.remote else {
            return Ok(None);
        };
        let mut snap = remote.snapshot();
        if let Some(kid) = kid
            && !self.static_keys.has_kid(kid)
            && !snap.keys.has_kid(kid)
        {
            // Possibly a rotated key: fetch once (the rate limit decides), then look again.
            if remote.fetch(now).await {
                snap = remote.snapshot();
            }
        }
        if snap.keys.is_empty() && self.static_keys.iter().all(|k| !k.fits(alg)) {
            return Err(Deny::new(
                DenyReason::BackendUnavailable,
                format!(
                    "no keys: the JWKS could not be fetched ({})",
                    remote
                        .last_error()
                        .unwrap_or_else(|| "not fetched yet".to_owned())
                ),
            ));
        }
        Ok(Some(snap))
    }

    /// Time, issuer, audience, tenant, profile and replay checks.
    fn check(&self, v: &Verified, req: &AuthRequest, now: Duration) -> Result<Allow, Deny> {
        let leeway = self.leeway;
        match v.exp {
            None if self.exp_required => {
                return Err(Deny::new(DenyReason::MissingClaim, "token has no `exp`"));
            }
            Some(exp) if secs(exp).checked_add(leeway).is_some_and(|end| now >= end) => {
                return Err(Deny::new(
                    DenyReason::Expired,
                    format!("token expired at {exp}"),
                ));
            }
            _ => {}
        }
        let horizon = now.saturating_add(leeway);
        if let Some(nbf) = v.nbf
            && secs(nbf) > horizon
        {
            return Err(Deny::new(
                DenyReason::NotYetValid,
                format!("token is not valid before {nbf}"),
            ));
        }
        if let Some(iat) = v.iat
            && secs(iat) > horizon
        {
            return Err(Deny::new(
                DenyReason::NotYetValid,
                format!("token is issued in the future ({iat})"),
            ));
        }
        if let (Some(max), Some(exp)) = (self.max_ttl, v.exp)
            && secs(exp) > horizon.saturating_add(max)
        {
            return Err(Deny::new(
                DenyReason::TtlTooLong,
                format!(
                    "token expires {}s from now, more than max_ttl {}s",
                    exp.saturating_sub(now.as_secs()),
                    max.as_secs()
                ),
            ));
        }
        self.check_issuer(v)?;
        if !self.audiences.is_empty() {
            let Some(aud) = &v.aud else {
                return Err(Deny::new(DenyReason::MissingClaim, "token has no `aud`"));
            };
            if !aud.iter().any(|a| self.audiences.contains(a)) {
                return Err(Deny::new(
                    DenyReason::AudienceMismatch,
                    "token audience is not accepted",
                ));
            }
        }
        if let Some(tenants) = &self.tenants {
            tenants.check(v, &req.path)?;
        }
        if self.replay.is_some() && v.jti.is_none() {
            return Err(Deny::new(
                DenyReason::MissingClaim,
                "one-time tokens need a `jti`",
            ));
        }
        match &v.grants {
            Ok(g) => g.check(req.action, req.transport, &req.path)?,
            Err(d) => return Err(d.clone()),
        }
        if let (Some(replay), Some(jti)) = (&self.replay, &v.jti) {
            // Remembered as long as the token could be accepted; exp is required with replay on.
            let forget_at = v.exp.unwrap_or(u64::MAX).saturating_add(leeway.as_secs());
            replay.record(v.iss.as_deref(), jti, now.as_secs(), forget_at)?;
        }
        Ok(Allow {
            // An empty `sub` names nobody, as an absent one does.
            principal: v
                .sub
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "anonymous".to_owned()),
            expires_at: v.exp.map(secs),
            note: None,
        })
    }

    fn check_issuer(&self, v: &Verified) -> Result<(), Deny> {
        let discovered = self
            .remote
            .as_ref()
            .and_then(|r| r.snapshot().issuer.clone());
        let expected: Vec<&str> = if self.issuers.is_empty() {
            discovered.iter().map(String::as_str).collect()
        } else {
            self.issuers.iter().map(String::as_str).collect()
        };
        if expected.is_empty() {
            return Ok(());
        }
        let Some(iss) = &v.iss else {
            return Err(Deny::new(DenyReason::MissingClaim, "token has no `iss`"));
        };
        if !expected.contains(&iss.as_str()) {
            let shown: String = iss.chars().take(64).collect();
            return Err(Deny::new(
                DenyReason::IssuerNotAllowed,
                format!("issuer `{shown}` is not accepted"),
            ));
        }
        Ok(())
    }
}

/// The keys to try for a token, in order. A key with the token's `kid` is preferred; keys
/// without a `kid` (secret, PEM files) serve any token. Keys that exist but cannot verify `alg`
/// make the token `algorithm_not_allowed`; no key at all is `unknown_key`.
fn candidates<'a>(
    static_keys: &'a KeySet,
    remote: Option<&'a crate::jwks::Snapshot>,
    alg: Algorithm,
    kid: Option<&'a str>,
) -> Result<Vec<&'a VerifyKey>, Deny> {
    let all = || {
        static_keys
            .iter()
            .chain(remote.into_iter().flat_map(|s| s.keys.iter()))
    };
    let pool: Vec<&VerifyKey> = match kid {
        Some(kid) => {
            let named: Vec<_> = all().filter(|k| k.kid.as_deref() == Some(kid)).collect();
            if named.is_empty() {
                all().filter(|k| k.kid.is_none()).collect()
            } else {
                named
            }
        }
        None => all().collect(),
    };
    if pool.is_empty() {
        let shown: String = kid.unwrap_or_default().chars().take(64).collect();
        return Err(Deny::new(
            DenyReason::UnknownKey,
            format!("no key has kid `{shown}`"),
        ));
    }
    let fitting: Vec<_> = pool.into_iter().filter(|k| k.fits(alg)).collect();
    if fitting.is_empty() {
        return Err(Deny::new(
            DenyReason::AlgorithmNotAllowed,
            format!("no key for this token verifies {alg:?} (the key is of another type)"),
        ));
    }
    Ok(fitting)
}

#[async_trait]
impl Authenticator for JwtAuthenticator {
    fn mode(&self) -> &str {
        "jwt"
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        match self.decide(req).await {
            Ok(allow) => Decision::Allow(allow),
            Err(deny) => Decision::Deny(deny),
        }
    }
}
