//! MediaMTX HTTP authentication (`authMethod: http`, `authHTTPAddress:
//! http://127.0.0.1:PORT/mediamtx/auth`).
//!
//! Request: `{"user", "password", "token", "ip", "action", "path", "protocol", "id", "query"}` with
//! `action` one of `publish`, `read`, `playback`, `api`, `metrics`, `pprof` and `protocol` one of
//! `rtsp`, `rtmp`, `hls`, `webrtc`, `srt`. MediaMTX allows on any 2xx and denies on anything else;
//! this service answers `200 {"subject": principal}` or `401 {"error": "…", "reason": code}`
//! (401 also makes MediaMTX ask an RTSP client for credentials it has not sent yet).
//!
//! `api`, `metrics` and `pprof` are not stream access; they are denied with `role_forbidden` (list
//! them in MediaMTX's `authHTTPExclude`, as its default configuration does). `webrtc` maps to the
//! model's `whip` for `publish` and `whep` for `read`/`playback`; `hls` is outside the model, so
//! only users without a transport restriction may use it.

use std::sync::Arc;

use authbench_core::{DenyReason, Role, Secret, StreamPath, Transport};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use super::admin::PeerAddr;
use super::{decide, error, parse, peer_ip, refused};
use crate::decide::{Ask, Refusal, TransportInfo, refuse};
use crate::state::Shared;
use crate::stats::Endpoint;

/// The body MediaMTX posts. Unknown fields are ignored.
#[derive(Deserialize)]
struct MtxRequest {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    password: Option<Secret>,
    #[serde(default)]
    token: Option<Secret>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
}

fn transport(protocol: &str, role: Role) -> TransportInfo {
    match (protocol, role) {
        ("rtmp", _) => TransportInfo::Known(Transport::Rtmp),
        ("rtsp", _) => TransportInfo::Known(Transport::Rtsp),
        ("srt", _) => TransportInfo::Known(Transport::Srt),
        ("webrtc", Role::Publisher) => TransportInfo::Known(Transport::Whip),
        ("webrtc", Role::Subscriber) => TransportInfo::Known(Transport::Whep),
        (other, _) => TransportInfo::Other(other.to_owned()),
    }
}

pub(super) async fn auth(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    let req: MtxRequest = match parse(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let role = match req.action.as_deref() {
        Some("publish") => Role::Publisher,
        Some("read" | "playback") => Role::Subscriber,
        Some("api" | "metrics" | "pprof") => {
            return deny(
                &shared,
                refuse(
                    DenyReason::RoleForbidden,
                    "this service grants stream access only",
                ),
            );
        }
        _ => return error(StatusCode::BAD_REQUEST, "unknown action"),
    };
    let Some(path) = req.path.as_deref().and_then(|p| StreamPath::new(p).ok()) else {
        return error(StatusCode::BAD_REQUEST, "path is not a stream path");
    };
    let ask = Ask {
        username: req.user.as_deref().unwrap_or_default(),
        password: req.password.as_ref().map_or("", Secret::expose),
        token: req.token.as_ref().map_or("", Secret::expose),
        role,
        transport: transport(req.protocol.as_deref().unwrap_or_default(), role),
        path: &path,
        peer: peer_ip(peer),
    };
    match decide(&shared, ask).await {
        Ok(principal) => {
            shared.stats.allow(Endpoint::MediaMtx);
            Json(json!({ "subject": principal })).into_response()
        }
        Err(refusal) => deny(&shared, refusal),
    }
}

/// `401`: MediaMTX refuses the client on any status but 2xx.
fn deny(shared: &Shared, refusal: Refusal) -> Response {
    refused(
        shared,
        Endpoint::MediaMtx,
        StatusCode::UNAUTHORIZED,
        &refusal,
    )
}
