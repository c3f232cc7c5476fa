//! Target files: authbench's scenarios aimed at the user's own deployment.
//!
//! A target file names the user's components — their round-trip auth service, how their clients
//! get tokens (an OAuth2 grant at their identity provider, an HTTP API, a command, static
//! tokens), their htpasswd files — maps scenario identities to real accounts (secrets from the
//! environment or files, never inline), and gives optional control hooks through which events
//! (a revocation, a password change, a key rotation) reach the target:
//!
//! ```yaml
//! name: staging
//! roundtrip:
//!   url: https://auth.staging.example/validateCredentials
//!   protocol: red5pro
//!   headers: {X-Api-Key: {env: AUTH_API_KEY}}
//! jwt:
//!   algorithms: [RS256]
//!   oidc_discovery: https://idp.staging.example
//!   audiences: [streaming]
//!   tokens:
//!     oauth2: {grant: password}
//! file: {htpasswd: users.htpasswd}
//! identities:
//!   alice: {user: qa-alice, password: {env: QA_ALICE_PW}, client_id: streaming-qa}
//! control:
//!   revoke: {http: {url: "https://admin.staging.example/users/{user}/disable", headers: {Authorization: {env: ADMIN_AUTH}}}}
//! ```
//!
//! This crate reads and checks such files ([`load`]) and provides their building blocks:
//! [`SecretRef`] resolution, the [`TokenSource`] and the [`Control`] hooks. Running scenarios
//! against a target is the harness's job.
//!
//! Secrets never appear in `Debug` output, errors or reports: they are held as
//! [`authbench_core::Secret`], and messages show URLs as written (with placeholders, not
//! values) through [`authbench_core::redact::url`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod call;
pub mod control;
mod de;
pub mod secret;
pub mod spec;
pub mod template;
pub mod tokens;

pub use control::{Control, ControlError, ControlKind, Hook, Vars};
pub use secret::{SecretError, SecretRef};
pub use spec::{LoadedTarget, TargetDescription, TargetError, TargetFile, load, parse};
pub use tokens::{Account, TokenError, TokenSource};
