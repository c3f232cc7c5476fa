//! The authbench reference auth service: a real HTTP server that answers the four round-trip
//! wire protocols streaming servers speak (Red5 Pro, MediaMTX, nginx-rtmp, SRS), issues JWTs for
//! JWT mode, and can be revoked, rotated, slowed down and broken on demand, so the three
//! authentication modes can be compared on the same users.
//!
//! # Endpoints
//!
//! | endpoint | what |
//! |---|---|
//! | `POST /validateCredentials` | Red5 Pro Round-Trip validation (see `routes/red5pro.rs`): `{"username", "password", "token", "type": "publisher"\|"subscriber", "streamID", "scope"?}` → `200 {"result": bool}` (+ `"subject"` on allow, `"reason"` on deny) |
//! | `POST /invalidateCredentials` | Red5 Pro invalidation on publisher disconnect → `200 {"result": true}`; a token the service issued stops being accepted (`503 {"result": false, "error"}` when the set of invalidated tokens is full of live ones: never a success that is not one) |
//! | `POST /nginx-rtmp` (and `GET` for `notify_method get`) | nginx-rtmp `on_publish` / `on_play` (see `routes/nginx_rtmp.rs`): the module's form fields (`call`, `app`, `name`, `tcurl`, `addr`, …) and the client's own query arguments (`username`, `password`, `token`) → `200 {"subject"}` or `403 {"error", "reason"}` |
//! | `POST /srs` | SRS `http_hooks` `on_publish` / `on_play` (see `routes/srs.rs`): `{"action", "app", "stream", "param", "tcUrl", …}` → `200 {"code": 0, "subject"}` or `200 {"code": 403, "error", "reason"}` |
//! | `POST /mediamtx/auth` | MediaMTX `authMethod: http` (`authHTTPAddress`): `{"user", "password", "token", "ip", "action", "path", "protocol", "id", "query"}` → `200 {"subject"}` or `401 {"error", "reason"}` |
//! | `POST /token` | an OAuth 2.0 token endpoint (RFC 6749, see `routes/issuer.rs`): a form body `grant_type=password&username=…&password=…` or `grant_type=client_credentials`, the client being a user authenticated by `client_secret_basic` or `client_secret_post` → `{"access_token", "token_type": "Bearer", "expires_in", "kid"}`, else `400 {"error": "invalid_request" \| "unsupported_grant_type" \| "invalid_grant"}` or `401 {"error": "invalid_client"}` with a `Basic` challenge; a JSON body `{"username", "password"}` is accepted too (a duplicate or unknown field is a `400` that says so). Never cached (`Cache-Control: no-store`) |
//! | `GET /.well-known/jwks.json` | the signing keys (ES256, P-256) |
//! | `GET /.well-known/openid-configuration` | `issuer`, `jwks_uri`, `token_endpoint`, `grant_types_supported`, `token_endpoint_auth_methods_supported`, … |
//! | `GET`/`POST /healthz` | `{"status": "ok"}`, touches no state (a reference for raw HTTP cost) |
//! | `/admin/…` | revocation, passwords, key rotation, faults, stats: loopback only (see [`ServiceHandle`] for the same as Rust calls) |
//!
//! Request bodies are limited to [`MAX_REQUEST_BODY`] bytes (`413`); connections to
//! [`ServiceOptions::max_connections`]; request headers must arrive within
//! [`ServiceOptions::header_read_timeout`] (10 s by default, else the connection is closed) and
//! the body within [`ServiceOptions::body_read_timeout`] after them (10 s by default, else `408`
//! and the connection is closed), so a client that stops sending cannot hold a connection.
//! Every error answer, including those, is JSON: `{"error": message}`.
//!
//! Password checks on `/token` (resource owner passwords and client secrets alike) and the
//! validation endpoints can be guarded by a failed-attempt lockout per (client address, user
//! name) ([`ServiceOptions::lockout`], [`Lockout`]): a locked-out attempt is refused without
//! checking the password, as `rate_limited` when reasons are exposed and as an ordinary deny when
//! they are not.
//!
//! # Decisions
//!
//! Users come from [`authbench_core::Identities`]. A request is decided on the user name and
//! password, or else on a token this service issued (signature, `kid`, `exp`, `nbf`, `iss`, `aud`,
//! then the user named by `sub`), then on the user's *current* state: revoked, role, room, tenant,
//! transport, in that order, each with its own [`DenyReason`](authbench_core::DenyReason). Red5
//! Pro's wire format carries no transport, so transport restrictions are not applied to it.
//!
//! # Example
//!
//! ```
//! use authbench_authsvc::{AuthService, ServiceOptions};
//! use authbench_core::{Identities, Identity};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut users = Identities::new();
//! users.insert("alice".into(), Identity { password: "pw".into(), ..Identity::default() });
//! let service = AuthService::new(&users, ServiceOptions::default())?;
//! let running = service.spawn_loopback().await?;
//! println!("Red5 Pro round trip at {}", running.url(authbench_authsvc::PATH_VALIDATE));
//! running.revoke("alice")?;
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod config;
mod decide;
pub mod faults;
mod keys;
mod lockout;
mod password;
mod routes;
mod server;
mod state;
mod stats;
mod store;

pub use config::{
    ClaimsFn, ClaimsInput, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_LISTEN,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_REVOKED_TOKENS, DEFAULT_PBKDF2_ITERATIONS,
    DEFAULT_SERVE_LOCKOUT, DEFAULT_TOKEN_TTL, LockoutConfig, PasswordHashName, ServiceConfig,
    ServiceConfigError, ServiceOptions, default_claims,
};
pub use faults::{Faults, FaultsError, Latency};
pub use keys::{KeyError, MAX_RETIRED};
pub use lockout::Lockout;
pub use password::{PasswordScheme, RandomError};
pub use routes::MAX_REQUEST_BODY;
pub use routes::nginx_rtmp::nginx_rtmp_request;
pub use routes::srs::srs_request;
pub use server::{AuthService, RunningService};
pub use state::{IssueError, IssuedToken, ServiceError, ServiceHandle};
pub use stats::StatsSnapshot;
pub use store::UserError;

/// Red5 Pro round-trip validation.
pub const PATH_VALIDATE: &str = "/validateCredentials";
/// Red5 Pro round-trip invalidation.
pub const PATH_INVALIDATE: &str = "/invalidateCredentials";
/// MediaMTX HTTP authentication (`authHTTPAddress`).
pub const PATH_MEDIAMTX: &str = "/mediamtx/auth";
/// nginx-rtmp-module `on_publish` / `on_play` notifications.
pub const PATH_NGINX_RTMP: &str = "/nginx-rtmp";
/// SRS `http_hooks` `on_publish` / `on_play` callbacks.
pub const PATH_SRS: &str = "/srs";
/// Token issuance.
pub const PATH_TOKEN: &str = "/token";
/// The JWKS.
pub const PATH_JWKS: &str = "/.well-known/jwks.json";
/// OpenID Connect discovery.
pub const PATH_DISCOVERY: &str = "/.well-known/openid-configuration";
/// Health check.
pub const PATH_HEALTH: &str = "/healthz";
