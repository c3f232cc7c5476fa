//! The token issuer: the "separate authentication service" of JWT mode.
//!
//! * `POST /token` `{"username", "password"}` (OAuth 2 style `grant_type`/`scope` are accepted
//!   and ignored) → `200 {"access_token", "token_type": "Bearer", "expires_in", "kid"}`, or
//!   `401 {"error": "invalid_grant", "reason": code}`.
//! * `GET /.well-known/jwks.json` → `{"keys": [{"kty": "EC", "crv": "P-256", "x", "y", "kid",
//!   "use": "sig", "alg": "ES256"}, …]}`: the current key first, then retired keys in their grace
//!   period.
//! * `GET /.well-known/openid-configuration` → `{"issuer", "jwks_uri", "token_endpoint", …}`.

use std::sync::Arc;

use authbench_core::{DenyReason, Secret};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::{parse_exact, peer_ip};
use crate::password::PasswordScheme;
use crate::state::Shared;
use crate::stats::Endpoint;

/// The fields `/token` accepts.
const TOKEN_FIELDS: &[&str] = &["username", "password", "grant_type", "scope"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    username: String,
    password: Secret,
    // Accepted for OAuth 2 clients, not used.
    #[serde(default, rename = "grant_type")]
    _grant_type: Option<IgnoredAny>,
    #[serde(default, rename = "scope")]
    _scope: Option<IgnoredAny>,
}

pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    extensions: Extensions,
    body: Bytes,
) -> Response {
    let req: TokenRequest = match parse_exact(&body, TOKEN_FIELDS) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let peer = peer_ip(&extensions);
    let issued = match shared.options.password_scheme {
        PasswordScheme::HmacSha256 => {
            shared.token_for_password(peer, &req.username, req.password.expose())
        }
        PasswordScheme::Pbkdf2Sha256 { .. } => {
            let s = shared.clone();
            tokio::task::spawn_blocking(move || {
                s.token_for_password(peer, &req.username, req.password.expose())
            })
            .await
            .unwrap_or_else(|_| {
                Err(crate::decide::refuse(
                    DenyReason::BackendUnavailable,
                    "the task failed",
                ))
            })
        }
    };
    match issued {
        Ok(t) => {
            shared.stats.allow(Endpoint::Token);
            Json(json!({
                "access_token": t.token.expose(),
                "token_type": "Bearer",
                "expires_in": t.expires_in.as_secs(),
                "kid": t.kid,
            }))
            .into_response()
        }
        Err(r) if r.reason == DenyReason::BackendUnavailable => super::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the token could not be signed",
        ),
        Err(r) => {
            shared.stats.deny(Endpoint::Token, r.reason);
            let mut body = Map::new();
            body.insert("error".into(), Value::String("invalid_grant".into()));
            if shared.options.expose_reasons {
                body.insert("reason".into(), Value::String(r.reason.code().into()));
            }
            (StatusCode::UNAUTHORIZED, Json(Value::Object(body))).into_response()
        }
    }
}

pub(super) async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.jwks()).into_response()
}

pub(super) async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.discovery()).into_response()
}
