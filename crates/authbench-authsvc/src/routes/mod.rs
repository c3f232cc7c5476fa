//! The HTTP endpoints. Faults and request counting happen in front of this router
//! (see `server.rs`); handlers only decide and answer.

pub(crate) mod admin;
mod issuer;
mod mediamtx;
mod red5pro;

use std::sync::Arc;

use authbench_core::{Role, Secret, StreamPath};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::decide::{Ask, Refusal, TransportInfo};
use crate::password::PasswordScheme;
use crate::state::Shared;

/// Largest request body accepted, in bytes.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let admin = admin::router(shared.clone());
    Router::new()
        .route(crate::PATH_VALIDATE, post(red5pro::validate))
        .route(crate::PATH_INVALIDATE, post(red5pro::invalidate))
        .route(crate::PATH_MEDIAMTX, post(mediamtx::auth))
        .route(crate::PATH_TOKEN, post(issuer::token))
        .route(crate::PATH_JWKS, get(issuer::jwks))
        .route(crate::PATH_DISCOVERY, get(issuer::discovery))
        .route(crate::PATH_HEALTH, get(health).post(health))
        .merge(admin)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(shared)
}

async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint")
}

/// A JSON error answer `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// Parses a JSON body, or the `400` answer saying why not (without echoing the body: it may
/// hold a password).
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "the JSON body has a field of the wrong type",
            _ => "the body is not a JSON object",
        };
        Box::new(error(StatusCode::BAD_REQUEST, what))
    })
}

/// An [`Ask`] that owns its data, so a slow password check can move to a blocking thread.
pub(crate) struct OwnedAsk {
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) token: Secret,
    pub(crate) role: Role,
    pub(crate) transport: TransportInfo,
    pub(crate) path: StreamPath,
}

impl OwnedAsk {
    fn as_ask(&self) -> Ask<'_> {
        Ask {
            username: &self.username,
            password: self.password.expose(),
            token: self.token.expose(),
            role: self.role,
            transport: self.transport.clone(),
            path: &self.path,
        }
    }
}

/// Decides `ask`, on a blocking thread when the password scheme is deliberately slow.
pub(crate) async fn decide(shared: &Arc<Shared>, ask: OwnedAsk) -> Result<String, Refusal> {
    match shared.options.password_scheme {
        PasswordScheme::HmacSha256 => shared.decide(&ask.as_ask()),
        PasswordScheme::Pbkdf2Sha256 { .. } => {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || shared.decide(&ask.as_ask()))
                .await
                .unwrap_or_else(|_| {
                    Err(crate::decide::refuse(
                        authbench_core::DenyReason::BackendUnavailable,
                        "the decision task failed",
                    ))
                })
        }
    }
}
