//! The admin API. Loopback peers only (others get `403`); when an admin key is configured, also
//! `Authorization: Bearer <key>` (else `401`).
//!
//! | request | body | answer |
//! |---|---|---|
//! | `POST /admin/users/{name}/revoke` | – | `{"user", "revoked": true}` (404 unknown user) |
//! | `POST /admin/users/{name}/restore` | – | `{"user", "revoked": false}` |
//! | `POST /admin/users/{name}/password` | `{"password"}` | `{"user", "password_changed": true}` |
//! | `POST /admin/keys/rotate` | – | `{"kid", "keys": n}` (n keys now in the JWKS) |
//! | `POST /admin/faults` | a [`Faults`] set | `{"faults": …}` as applied (400 when invalid) |
//! | `GET /admin/faults` | – | `{"faults": …}` |
//! | `GET /admin/stats` | – | a [`StatsSnapshot`](crate::StatsSnapshot) |

use std::net::SocketAddr;
use std::sync::Arc;

use authbench_core::Secret;
use aws_lc_rs::digest;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{error, parse_exact};
use crate::faults::Faults;
use crate::state::Shared;
use crate::store::UserError;

/// The peer address of a connection, put on each request by the server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

pub(super) fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/admin/users/{name}/revoke", post(revoke))
        .route("/admin/users/{name}/restore", post(restore))
        .route("/admin/users/{name}/password", post(password))
        .route("/admin/keys/rotate", post(rotate))
        .route("/admin/faults", post(set_faults).get(get_faults))
        .route("/admin/stats", get(stats))
        .route_layer(middleware::from_fn_with_state(shared, guard))
}

fn digest_of(bytes: &[u8]) -> digest::Digest {
    digest::digest(&digest::SHA256, bytes)
}

/// Loopback peers only; then the admin key, if one is configured, in constant time (digests of
/// equal length are compared, so not even the key's length leaks).
async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let loopback = req
        .extensions()
        .get::<PeerAddr>()
        // A dual-stack listener sees IPv4 loopback as ::ffff:127.0.0.1.
        .is_some_and(|p| p.0.ip().to_canonical().is_loopback());
    if !loopback {
        return error(
            StatusCode::FORBIDDEN,
            "the admin API answers loopback clients only",
        );
    }
    if let Some(key) = &shared.options.admin_key
        && !presented_key_matches(&req, key)
    {
        return error(StatusCode::UNAUTHORIZED, "a valid admin key is required");
    }
    next.run(req).await
}

fn presented_key_matches(req: &Request, key: &Secret) -> bool {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let a = digest_of(presented.as_bytes());
    let b = digest_of(key.expose().as_bytes());
    bool::from(a.as_ref().ct_eq(b.as_ref())) && !presented.is_empty()
}

fn user_error(e: &UserError) -> Response {
    match e {
        UserError::UnknownUser(_) => error(StatusCode::NOT_FOUND, &e.to_string()),
        UserError::EmptyPassword(_) => error(StatusCode::BAD_REQUEST, &e.to_string()),
        UserError::Random(_) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// The `{name}` of the path, or the JSON `400` answer when it is not a valid path segment
/// (bad percent-encoding, not UTF-8).
fn user_name(path: Result<Path<String>, PathRejection>) -> Result<String, Box<Response>> {
    path.map(|Path(name)| name).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "the user name in the path is not valid",
        ))
    })
}

async fn revoke(
    State(shared): State<Arc<Shared>>,
    name: Result<Path<String>, PathRejection>,
) -> Response {
    set_revoked(&shared, name, true)
}

async fn restore(
    State(shared): State<Arc<Shared>>,
    name: Result<Path<String>, PathRejection>,
) -> Response {
    set_revoked(&shared, name, false)
}

/// Revokes (`true`) or restores (`false`) the user named in the path.
fn set_revoked(
    shared: &Shared,
    name: Result<Path<String>, PathRejection>,
    revoked: bool,
) -> Response {
    let name = match user_name(name) {
        Ok(n) => n,
        Err(resp) => return *resp,
    };
    match shared.store.set_revoked(&name, revoked) {
        Ok(()) => Json(json!({"user": name, "revoked": revoked})).into_response(),
        Err(e) => user_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: Secret,
}

async fn password(
    State(shared): State<Arc<Shared>>,
    name: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let name = match user_name(name) {
        Ok(n) => n,
        Err(resp) => return *resp,
    };
    let body: PasswordBody = match parse_exact(&body, &["password"]) {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    match shared.store.set_password(&name, body.password.expose()) {
        Ok(()) => Json(json!({"user": name, "password_changed": true})).into_response(),
        Err(e) => user_error(&e),
    }
}

async fn rotate(State(shared): State<Arc<Shared>>) -> Response {
    match shared.rotate_keys() {
        Ok(kid) => {
            let keys = shared.jwks()["keys"].as_array().map_or(0, Vec::len);
            Json(json!({"kid": kid, "keys": keys})).into_response()
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid fault set: {e}")),
    };
    match shared.set_faults(faults) {
        Ok(()) => Json(json!({"faults": *shared.faults()})).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({"faults": *shared.faults()})).into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.stats.snapshot()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServiceOptions;
    use authbench_core::Identities;
    use axum::body::Body;
    use tower_service::Service;

    async fn call_as(peer: &str, path: &str) -> StatusCode {
        let shared =
            Arc::new(Shared::new(&Identities::new(), ServiceOptions::default()).expect("state"));
        let mut router = crate::routes::router(shared);
        let mut req = axum::http::Request::get(path)
            .body(Body::empty())
            .expect("request");
        req.extensions_mut()
            .insert(PeerAddr(peer.parse().expect("addr")));
        match router.call(req).await {
            Ok(resp) => resp.status(),
            Err(never) => match never {},
        }
    }

    #[tokio::test]
    async fn non_loopback_peers_are_refused() {
        assert_eq!(
            call_as("192.0.2.7:4000", "/admin/stats").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call_as("[2001:db8::1]:4000", "/admin/stats").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call_as("127.0.0.1:4000", "/admin/stats").await,
            StatusCode::OK
        );
        assert_eq!(call_as("[::1]:4000", "/admin/stats").await, StatusCode::OK);
        // Non-admin endpoints do not care where the peer is.
        assert_eq!(call_as("192.0.2.7:4000", "/healthz").await, StatusCode::OK);
    }

    #[tokio::test]
    async fn path_tricks_from_non_loopback_peers_never_reach_the_admin_api() {
        for path in [
            "/admin/stats",
            "/admin/../admin/stats",
            "/healthz/../admin/stats",
            "/admin/./stats",
            "/admin//stats",
            "//admin/stats",
            "/admin/stats/",
            "/admin%2fstats",
            "/%61dmin/stats",
            "/Admin/stats",
            "/admin/faults",
        ] {
            let status = call_as("192.0.2.7:4000", path).await;
            assert!(
                matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{path}: {status}"
            );
        }
        // The IPv4-mapped form of a public address is not loopback either.
        assert_eq!(
            call_as("[::ffff:192.0.2.7]:4000", "/admin/stats").await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            call_as("[::ffff:127.0.0.1]:4000", "/admin/stats").await,
            StatusCode::OK
        );
    }
}
