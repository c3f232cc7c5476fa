//! The `jwt` mode of authbench: tokens validated locally, the way Red5 Pro's JWT validator and
//! MediaMTX's `authMethod: jwt` do it.
//!
//! * [`JwtAuthenticator`] implements [`authbench_core::Authenticator`]: signature (HS256/384/512,
//!   RS256/384/512, PS256/384/512, ES256/384, EdDSA; the allowed list is explicit and a token
//!   whose `alg` does not fit its key is `algorithm_not_allowed`), time claims against the
//!   injected clock, issuer, audience, then the claim [`Profile`]'s rules, tenants and one-time
//!   use.
//! * Keys: a shared secret (at least 32 bytes), PEM public keys, a JWKS file, a JWKS URL or OIDC
//!   discovery (see *Keys over HTTP* below).
//! * [`TokenMinter`] and [`claims_for`] make tokens in a profile's shape from an
//!   [`authbench_core::Identity`].
//! * [`JwtConfig`] is the `jwt:` section of a deployment config: typed ([`Profile`],
//!   [`Algorithm`], …) so a misspelt name is a parse error listing the allowed ones, and
//!   buildable in Rust ([`JwtConfig::new`], `with_*` methods, public fields). The `schemars`
//!   feature derives its JSON Schema (durations and paths as strings).
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use authbench_core::{
//!     Action, AuthRequest, Authenticator, Credentials, DenyReason, Identity, ManualClock,
//!     StreamPath, Transport,
//! };
//! use authbench_jwt::{Algorithm, JwtAuthenticator, JwtConfig, Profile, TokenMinter};
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     use std::task::{Context, Poll, Waker};
//! #     let mut f = std::pin::pin!(f);
//! #     loop {
//! #         if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
//! #             return v;
//! #         }
//! #     }
//! # }
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("hs.secret"), "a-shared-secret-of-at-least-32-bytes")?;
//! let mut cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256]);
//! cfg.secret_file = Some("hs.secret".into());
//! cfg.max_ttl = Some(Duration::from_secs(300));
//!
//! let t0 = 1_700_000_000;
//! let clock = Arc::new(ManualClock::at_secs(t0));
//! let auth = JwtAuthenticator::from_static_config(&cfg, dir.path(), clock.clone())?;
//! let minter = TokenMinter::from_config(&cfg, dir.path())?;
//! let token = minter.mint("alice", &Identity::default(), t0, Duration::from_secs(60))?;
//!
//! let path = StreamPath::new("live/room1/cam1")?;
//! let req = AuthRequest::new(Action::Publish, Transport::Rtmp, path, Credentials::token(token.as_str()));
//! assert!(block_on(auth.authenticate(&req)).is_allow());
//! clock.advance(Duration::from_secs(60));
//! assert_eq!(block_on(auth.authenticate(&req)).reason(), Some(DenyReason::Expired));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Decision order
//!
//! 1. token: `credentials.token`, else a JWT-shaped password (MediaMTX accepts a JWT as the
//!    password of RTSP/RTMP `user:pass` and SRT `publish:path:user:TOKEN`); none →
//!    `missing_credentials`;
//! 2. size ≤ 8 KiB, three base64url parts, header a JSON object without `crit` →
//!    else `malformed_credentials`;
//! 3. `alg` supported and allowed → else `algorithm_not_allowed`; then the payload and the
//!    signature decode as base64url (no padding, no stray characters or bits) → else
//!    `malformed_credentials` (RFC 7515 §5.2 decodes every part before validating the
//!    signature);
//! 4. key by `kid` (re-fetching a JWKS once, rate limited, for an unknown one) → `unknown_key`,
//!    `algorithm_not_allowed` (key of another type), `backend_unavailable` (no keys at all);
//! 5. signature → `bad_signature`; only then the claims: a JSON object with well-typed
//!    registered claims → else `malformed_credentials`, so a payload that decodes but is not
//!    JSON is `bad_signature` under a wrong signature (steps 2–5 are skipped on a verified-token
//!    cache hit);
//! 6. `exp` (required unless the profile is mediamtx) → `missing_claim`, `expired`; `nbf` and a
//!    future `iat` → `not_yet_valid`; `exp` beyond now + `max_ttl` → `ttl_too_long` (all with
//!    `leeway`; `now ≥ exp + leeway` is expired);
//! 7. `iss` (when issuers are configured or discovered) → `missing_claim`, `issuer_not_allowed`;
//!    `aud` (when audiences are configured) → `missing_claim`, `audience_mismatch`;
//! 8. tenant → `tenant_mismatch`; profile rules → `role_forbidden`, `transport_forbidden`,
//!    `room_forbidden`; one-time use → `missing_claim` (no `jti`), `token_replayed`,
//!    `replay_cache_full`.

//!
//! # Profiles
//!
//! * `red5pro` (Red5 Pro's JWT validator): `roles` is a comma-separated string (an array is
//!   accepted too) of `red5-publisher` / `red5-subscriber`; other roles are ignored, so a claim
//!   naming only others grants nothing; absent means both. `red5-room` lists rooms, compared
//!   exactly with the scope under the app ([`StreamPath::room`](authbench_core::StreamPath::room):
//!   `live/room1/cam1` → `room1`); absent means any, and a stream with no room matches no list.
//!   `red5-transport` lists `RTMP,RTSP,WHIP,WHEP,SRT`, case-insensitive; absent means any.
//!   `exp` is required; `iss` must match exactly (case-sensitive) when `issuers` is set;
//!   `max_ttl` plays `jwtTtlMinutes`.
//! * `mediamtx` (MediaMTX `authMethod: jwt`): the `mediamtx_permissions` claim (name
//!   configurable, MediaMTX's `authJWTClaimKey`) is a list of `{action, path}`, or a string
//!   holding that JSON. `publish` grants publish, `read` grants subscribe; `playback`, `api`,
//!   `metrics`, `pprof` grant no live stream. An empty or absent path is any path, `~re` is a
//!   regular expression matched unanchored against the whole path (as Go's `MatchString`),
//!   anything else must equal the path. Expressions are size-limited and compiled once; a bad one
//!   never matches (a deny, not a panic). No permission for the action is `role_forbidden`, none
//!   matching the path `room_forbidden`; an absent claim is `missing_claim`. `exp` is optional,
//!   as in MediaMTX. Transports cannot be restricted.
//! * `generic`: claim names from `claims:`; roles `publisher` / `subscriber` (string,
//!   comma-separated string or array); rooms a list of globs where `*` matches any run of
//!   characters; transports a list, case-insensitive; a tenant claim.
//!
//! Tenants (`tenants:`, keyed by issuer or, with `tenant_from: claim`, by the tenant claim) own
//! room prefixes (a prefix followed by the end of the room or a separator, the reference service's
//! rule: `acme` owns `acme-1`, never `acmeevil`); a token of one tenant for a room of another is
//! `tenant_mismatch`, and so is an unknown tenant or a stream without a room.
//!
//! # Keys over HTTP
//!
//! With `jwks_url` or `oidc_discovery`, the key set is fetched by the constructor and then
//! refreshed lazily on the request path, decided with the injected clock (so tests need no
//! background task and no sleeping):
//!
//! * keys older than `jwks_refresh` are re-fetched by the next request;
//! * a token whose `kid` is unknown triggers one re-fetch (key rotation);
//! * whatever the trigger, at most one fetch starts per `jwks_min_refetch`, so clients cannot
//!   make the server download keys at will with made-up `kid`s;
//! * fetches are single-flight: concurrent requests wait for the one under way;
//! * a failed fetch keeps the last good keys; with no keys at all decisions are
//!   `backend_unavailable`;
//! * only `kid` selects a key: `jku`, `x5u`, `jwk` and `x5c` headers are never read.
//!
//! OIDC discovery takes `jwks_uri` and `issuer` from the provider configuration, checks that the
//! issuer is the one the document was found under, and expects that issuer in tokens when
//! `issuers` is empty.
//!
//! # One-time tokens and the verified-token cache
//!
//! `replay: {max_entries: N}` remembers each `jti` (scoped by `iss`) until its token's `exp` plus
//! leeway; `exp` and `jti` become required. Expired entries are dropped when room is needed; when
//! all `N` are unexpired the cache fails closed with `replay_cache_full`. `cache: {max_entries:
//! N}` keeps verified tokens by SHA-256 until their `exp`: a hit skips signature verification
//! and parsing only; time, issuer, audience, tenant, profile and replay checks still run.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod algorithm;
mod build;
mod cache;
mod claims;
mod config;
mod error;
mod jwks;
mod keys;
mod mint;
mod profile;
mod replay;
mod tenant;
mod token;
mod validator;
mod verify;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use config::{
    CacheConfig, ClaimNames, EffectiveClaimNames, JwtConfig, Profile, ReplayConfig, TenantConfig,
    TenantSource,
};
pub use error::{JwtConfigError, MintError};
pub use keys::{MAX_JWKS_BYTES, MAX_JWKS_KEYS, MIN_HMAC_SECRET_LEN};
pub use mint::{TokenMinter, claims_for, random_jti};
pub use profile::{MAX_LIST_ENTRIES, MAX_REGEX_LEN};
pub use replay::MAX_JTI_LEN;
pub use token::{MAX_TOKEN_LEN, has_jwt_shape};
pub use validator::JwtAuthenticator;
