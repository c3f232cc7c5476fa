//! Red5 Pro Round-Trip Authentication: `POST /validateCredentials` and
//! `POST /invalidateCredentials`, as the `RoundTripAuthValidator` of the Red5 Pro simple-auth
//! plugin calls them.
//!
//! Request (validate): `{"username", "password", "token" ("" when the client sent none),
//! "type": "publisher"|"subscriber", "streamID" (the stream name), "scope" (the application and
//! room, `live/room1`; newer servers only)}`. Answer: HTTP 200 `{"result": true|false}`; Red5 Pro
//! rejects on anything else. Extensions: on allow `"subject"` (the principal), on deny `"reason"`
//! (a deny reason code) unless the service is configured not to expose reasons.
//!
//! Invalidate (sent when a publisher disconnects): the same fields without `type`; answered
//! `{"result": true}`. A token the service issued that is presented there stops being accepted.
//! When the set of invalidated tokens is full of tokens that have not expired yet
//! ([`ServiceOptions::max_revoked_tokens`](crate::ServiceOptions::max_revoked_tokens)), the
//! token cannot be recorded: the answer is `503 {"result": false, "error": …}`, never a success.

use std::sync::Arc;

use authbench_core::{Role, Secret, StreamPath};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{OwnedAsk, decide, error, parse, peer_ip};
use crate::decide::TransportInfo;
use crate::state::{Invalidation, Shared};
use crate::stats::Endpoint;

/// The body Red5 Pro posts. Unknown fields are ignored: servers add fields over time.
#[derive(Deserialize)]
struct Red5Request {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, rename = "streamID")]
    stream_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// The stream path from Red5 Pro's scope (context path) and stream name.
fn stream_path(scope: Option<&str>, stream: &str) -> Option<StreamPath> {
    let scope = scope.map(|s| s.trim_matches('/')).filter(|s| !s.is_empty());
    match scope {
        Some(scope) => StreamPath::new(&format!("{scope}/{stream}")).ok(),
        None => StreamPath::new(stream).ok(),
    }
}

pub(super) async fn validate(
    State(shared): State<Arc<Shared>>,
    extensions: Extensions,
    body: Bytes,
) -> Response {
    let req: Red5Request = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let role = match req.kind.as_deref() {
        Some("publisher") => Role::Publisher,
        Some("subscriber") => Role::Subscriber,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "type must be publisher or subscriber",
            );
        }
    };
    let Some(path) = req
        .stream_id
        .as_deref()
        .and_then(|s| stream_path(req.scope.as_deref(), s))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "streamID (and scope) do not form a stream path",
        );
    };
    let ask = OwnedAsk {
        username: req.username.unwrap_or_default(),
        password: req.password.unwrap_or_default(),
        token: req.token.unwrap_or_default(),
        role,
        transport: TransportInfo::NotSent,
        path,
        peer: peer_ip(&extensions),
    };
    let mut answer = Map::new();
    match decide(&shared, ask).await {
        Ok(principal) => {
            shared.stats.allow(Endpoint::Validate);
            answer.insert("result".into(), Value::Bool(true));
            answer.insert("subject".into(), Value::String(principal));
        }
        Err(refusal) => {
            shared.stats.deny(Endpoint::Validate, refusal.reason);
            tracing::debug!(reason = %refusal.reason, detail = %refusal.detail, "validateCredentials denied");
            answer.insert("result".into(), Value::Bool(false));
            if shared.options.expose_reasons {
                answer.insert("reason".into(), Value::String(refusal.reason.code().into()));
            }
        }
    }
    Json(Value::Object(answer)).into_response()
}

pub(super) async fn invalidate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let req: Red5Request = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if let Some(token) = req.token.as_ref().filter(|t| !t.is_empty()) {
        let outcome = shared.invalidate_token(token.expose());
        tracing::debug!(?outcome, "invalidateCredentials with a token");
        if outcome == Invalidation::Full {
            tracing::warn!(
                "invalidateCredentials refused: the set of invalidated tokens is full of live entries"
            );
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "result": false,
                    "error": "the set of invalidated tokens is full; the token was not invalidated",
                })),
            )
                .into_response();
        }
    }
    Json(json!({"result": true})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_from_scope_and_stream() {
        let p = stream_path(Some("live/room1"), "cam1").expect("path");
        assert_eq!(p.as_str(), "live/room1/cam1");
        assert_eq!(p.room(), Some("room1"));
        assert_eq!(
            stream_path(Some("/live/"), "cam1").map(|p| p.to_string()),
            Some("live/cam1".into())
        );
        assert_eq!(
            stream_path(None, "cam1").map(|p| p.to_string()),
            Some("cam1".into())
        );
        assert!(stream_path(Some("live"), "").is_none());
        assert!(stream_path(Some("live"), "../x").is_none());
    }
}
