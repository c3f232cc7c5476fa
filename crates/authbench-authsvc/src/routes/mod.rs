//! The HTTP endpoints. Faults and request counting happen in front of this router
//! (see `server.rs`); handlers only decide and answer.

pub(crate) mod admin;
mod issuer;
mod mediamtx;
pub(crate) mod nginx_rtmp;
mod red5pro;
pub(crate) mod srs;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use authbench_core::{Role, Secret, StreamPath};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::json;

use crate::decide::{Ask, Refusal, TransportInfo};
use crate::password::PasswordScheme;
use crate::state::Shared;
use crate::stats::Endpoint;

/// Largest request body accepted, in bytes.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let admin = admin::router(shared.clone());
    Router::new()
        .route(crate::PATH_VALIDATE, post(red5pro::validate))
        .route(crate::PATH_INVALIDATE, post(red5pro::invalidate))
        .route(crate::PATH_MEDIAMTX, post(mediamtx::auth))
        .route(
            crate::PATH_NGINX_RTMP,
            post(nginx_rtmp::notify).get(nginx_rtmp::notify),
        )
        .route(crate::PATH_SRS, post(srs::hook))
        .route(crate::PATH_TOKEN, post(issuer::token))
        .route(crate::PATH_JWKS, get(issuer::jwks))
        .route(crate::PATH_DISCOVERY, get(issuer::discovery))
        .route(crate::PATH_HEALTH, get(health).post(health))
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(shared)
}

async fn health() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such endpoint")
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not answer this method",
    )
}

/// The client's address as the server put it on the request; the unspecified address when it
/// is missing (requests that did not come through the listener). Taken as an optional
/// `Extension` rather than from `Extensions`, which would clone the request's extension map.
pub(crate) fn peer_ip(peer: Option<Extension<admin::PeerAddr>>) -> IpAddr {
    peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |Extension(p)| {
        p.0.ip().to_canonical()
    })
}

/// A refusal counted for `endpoint` and answered with `status` and [`refusal_body`].
pub(crate) fn refused(
    shared: &Shared,
    endpoint: Endpoint,
    status: StatusCode,
    refusal: &Refusal,
) -> Response {
    (status, axum::Json(refusal_body(shared, endpoint, refusal))).into_response()
}

/// Counts a refusal for `endpoint` and gives its answer's body: `{"error": "authentication
/// failed"}`, plus `"reason"` when the service exposes reasons (the media servers asking read
/// only the status, or SRS its `code`).
pub(crate) fn refusal_body(
    shared: &Shared,
    endpoint: Endpoint,
    refusal: &Refusal,
) -> serde_json::Value {
    shared.stats.deny(endpoint, refusal.reason);
    tracing::debug!(?endpoint, reason = %refusal.reason, detail = %refusal.detail, "refused");
    let mut body = json!({ "error": "authentication failed" });
    if shared.options.expose_reasons {
        body["reason"] = refusal.reason.code().into();
    }
    body
}

/// A JSON error answer `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// Parses a JSON body, or the `400` answer saying why not (without echoing the body: it may
/// hold a password).
pub(crate) fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "the JSON body has a field of the wrong type",
            _ => "the body is not a JSON object",
        };
        Box::new(error(StatusCode::BAD_REQUEST, what))
    })
}

/// Like [`parse`], for bodies with a fixed set of fields: a field that appears twice or is not
/// one of `fields` is reported as such (an unknown field's name is not echoed; it is the
/// client's text).
pub(crate) fn parse_exact<T: DeserializeOwned>(
    body: &[u8],
    fields: &'static [&'static str],
) -> Result<T, Box<Response>> {
    let keys = match serde_json::from_slice::<Keys>(body) {
        Ok(k) => k.0,
        Err(_) => {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "the body is not a JSON object",
            )));
        }
    };
    if let Some(problem) = field_problem(&keys, fields) {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            &problem.to_string(),
        )));
    }
    parse(body)
}

/// What is wrong with the fields of a JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldProblem {
    /// A known field appears more than once.
    Duplicate(&'static str),
    /// A field outside the expected set.
    Unknown(&'static [&'static str]),
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Duplicate(name) => {
                write!(f, "the JSON body has the field `{name}` more than once")
            }
            FieldProblem::Unknown(fields) => write!(
                f,
                "the JSON body has an unknown field (expected only: {})",
                fields.join(", ")
            ),
        }
    }
}

fn field_problem(keys: &[String], fields: &'static [&'static str]) -> Option<FieldProblem> {
    for (i, key) in keys.iter().enumerate() {
        let Some(known) = fields.iter().find(|f| **f == key.as_str()) else {
            return Some(FieldProblem::Unknown(fields));
        };
        if keys[..i].contains(key) {
            return Some(FieldProblem::Duplicate(known));
        }
    }
    None
}

/// The keys of a JSON object, in order, duplicates included (values are skipped).
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(KeysVisitor)
    }
}

/// An [`Ask`] that owns its data, so a slow password check can move to a blocking thread.
struct OwnedAsk {
    username: String,
    password: Secret,
    token: Secret,
    role: Role,
    transport: TransportInfo,
    path: StreamPath,
    peer: IpAddr,
}

impl OwnedAsk {
    fn new(ask: &Ask<'_>) -> Self {
        OwnedAsk {
            username: ask.username.to_owned(),
            password: ask.password.into(),
            token: ask.token.into(),
            role: ask.role,
            transport: ask.transport.clone(),
            path: ask.path.clone(),
            peer: ask.peer,
        }
    }

    fn as_ask(&self) -> Ask<'_> {
        Ask {
            username: &self.username,
            password: self.password.expose(),
            token: self.token.expose(),
            role: self.role,
            transport: self.transport.clone(),
            path: &self.path,
            peer: self.peer,
        }
    }
}

/// Decides `ask`: in place, on the borrowed request, with the fast password hash; with a
/// deliberately slow one on a blocking thread, from an owned copy.
pub(crate) async fn decide(shared: &Arc<Shared>, ask: Ask<'_>) -> Result<String, Refusal> {
    if matches!(shared.options.password_scheme, PasswordScheme::HmacSha256) {
        return shared.decide(&ask);
    }
    let owned = OwnedAsk::new(&ask);
    off_thread(shared, move |s| s.decide(&owned.as_ask()))
        .await
        .unwrap_or_else(|| {
            Err(crate::decide::refuse(
                authbench_core::DenyReason::BackendUnavailable,
                "the decision task failed",
            ))
        })
}

/// Runs `f`, on a blocking thread when the password scheme is deliberately slow; `None` when
/// that thread failed.
pub(crate) async fn off_thread<T, F>(shared: &Arc<Shared>, f: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce(&Shared) -> T + Send + 'static,
{
    match shared.options.password_scheme {
        PasswordScheme::HmacSha256 => Some(f(shared)),
        PasswordScheme::Pbkdf2Sha256 { .. } => {
            let s = shared.clone();
            tokio::task::spawn_blocking(move || f(&s)).await.ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN_FIELDS: &[&str] = &["username", "password"];

    fn keys(body: &str) -> Vec<String> {
        serde_json::from_str::<Keys>(body).expect("object").0
    }

    #[test]
    fn duplicate_and_unknown_fields_are_named_as_such() {
        assert_eq!(
            field_problem(&keys(r#"{"username": "a", "password": "b"}"#), TOKEN_FIELDS),
            None
        );
        assert_eq!(
            field_problem(
                &keys(r#"{"username": "a", "password": "b", "username": "c"}"#),
                TOKEN_FIELDS
            ),
            Some(FieldProblem::Duplicate("username"))
        );
        let unknown = field_problem(
            &keys(r#"{"username": "a", "pass-secret-word": "b"}"#),
            TOKEN_FIELDS,
        );
        assert_eq!(unknown, Some(FieldProblem::Unknown(TOKEN_FIELDS)));
        let shown = unknown.map(|p| p.to_string()).unwrap_or_default();
        assert!(!shown.contains("pass-secret-word"), "{shown}");
        assert!(serde_json::from_str::<Keys>("[1]").is_err());
    }
}
