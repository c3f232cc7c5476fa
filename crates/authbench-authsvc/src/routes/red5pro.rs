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

use std::borrow::Cow;
use std::sync::Arc;

use authbench_core::{Role, StreamPath};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::admin::PeerAddr;
use super::{decide, error, parse, peer_ip};
use crate::decide::{Ask, TransportInfo};
use crate::state::{Invalidation, Shared};
use crate::stats::Endpoint;

/// The body Red5 Pro posts. Unknown fields are ignored: servers add fields over time. Strings
/// borrow from the body when they hold no escapes (the common case), so validating allocates
/// little. No `Debug`: it holds the password.
#[derive(Deserialize)]
struct Red5Request<'a> {
    #[serde(default, borrow)]
    username: Option<Text<'a>>,
    #[serde(default, borrow)]
    password: Option<Text<'a>>,
    #[serde(default, borrow)]
    token: Option<Text<'a>>,
    #[serde(default, borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(default, borrow, rename = "streamID")]
    stream_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    scope: Option<Text<'a>>,
}

/// A JSON string borrowed from the body, or decoded when it has escapes. (serde borrows a
/// `Cow<str>` only when it is the field's whole type, not inside an `Option`.)
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The text of an optional field.
fn text<'a>(field: &'a Option<Text<'_>>) -> Option<&'a str> {
    field.as_ref().map(|t| &*t.0)
}

/// The answer to `validateCredentials`, members in the order a JSON object map would sort them.
#[derive(Serialize)]
struct Red5Answer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    result: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

impl IntoResponse for Red5Answer<'_> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self) {
            Ok(body) => ([(CONTENT_TYPE, "application/json")], body).into_response(),
            Err(_) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the answer could not be encoded",
            ),
        }
    }
}

/// The stream path from Red5 Pro's scope (context path) and stream name.
fn stream_path(scope: Option<&str>, stream: &str) -> Option<StreamPath> {
    let scope = scope.map(|s| s.trim_matches('/')).filter(|s| !s.is_empty());
    match scope {
        Some(scope) => StreamPath::try_from([scope, stream].join("/")).ok(),
        None => StreamPath::new(stream).ok(),
    }
}

pub(super) async fn validate(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    let req: Red5Request<'_> = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let role = match text(&req.kind) {
        Some("publisher") => Role::Publisher,
        Some("subscriber") => Role::Subscriber,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "type must be publisher or subscriber",
            );
        }
    };
    let Some(path) = text(&req.stream_id).and_then(|s| stream_path(text(&req.scope), s)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "streamID (and scope) do not form a stream path",
        );
    };
    let ask = Ask {
        username: text(&req.username).unwrap_or_default(),
        password: text(&req.password).unwrap_or_default(),
        token: text(&req.token).unwrap_or_default(),
        role,
        transport: TransportInfo::NotSent,
        path: &path,
        peer: peer_ip(peer),
    };
    let decided = decide(&shared, ask).await;
    match decided {
        Ok(principal) => {
            shared.stats.allow(Endpoint::Validate);
            Red5Answer {
                reason: None,
                result: true,
                subject: Some(&principal),
            }
            .into_response()
        }
        Err(refusal) => {
            shared.stats.deny(Endpoint::Validate, refusal.reason);
            tracing::debug!(reason = %refusal.reason, detail = %refusal.detail, "validateCredentials denied");
            Red5Answer {
                reason: shared.options.expose_reasons.then(|| refusal.reason.code()),
                result: false,
                subject: None,
            }
            .into_response()
        }
    }
}

pub(super) async fn invalidate(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let req: Red5Request<'_> = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if let Some(token) = text(&req.token).filter(|t| !t.is_empty()) {
        let outcome = shared.invalidate_token(token);
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

    #[test]
    fn request_strings_borrow_unless_escaped() {
        let body = br#"{"username":"alice","password":"pw\"1\u0021","type":"publisher","x":[1]}"#;
        let req: Red5Request<'_> = serde_json::from_slice(body).expect("parses");
        assert!(matches!(req.username, Some(Text(Cow::Borrowed("alice")))));
        assert_eq!(text(&req.password), Some("pw\"1!"));
        assert!(matches!(req.password, Some(Text(Cow::Owned(_)))));
        assert_eq!(text(&req.kind), Some("publisher"));
        assert!(req.token.is_none() && req.stream_id.is_none() && req.scope.is_none());
    }

    #[test]
    fn answers_have_the_red5pro_shape() {
        let text = |a: &Red5Answer<'_>| serde_json::to_string(a).expect("encodes");
        let allow = Red5Answer {
            reason: None,
            result: true,
            subject: Some("alice"),
        };
        assert_eq!(text(&allow), r#"{"result":true,"subject":"alice"}"#);
        let deny = Red5Answer {
            reason: Some("bad_password"),
            result: false,
            subject: None,
        };
        assert_eq!(text(&deny), r#"{"reason":"bad_password","result":false}"#);
        let hidden = Red5Answer {
            reason: None,
            result: false,
            subject: None,
        };
        assert_eq!(text(&hidden), r#"{"result":false}"#);
    }
}
