//! SRS HTTP callbacks: `http_hooks { enabled on; on_publish http://127.0.0.1:PORT/srs;
//! on_play http://127.0.0.1:PORT/srs; }`, answered at `POST /srs`.
//!
//! What SRS sends (checked against `trunk/src/app/srs_app_http_hooks.cpp` and the ossrs
//! HTTP-callback documentation, v3 to v6): a JSON object `{"server_id", "service_id", "action",
//! "client_id", "ip", "vhost", "app", "tcUrl", "stream", "param", "stream_url", "stream_id"}`
//! (`on_play` adds `"pageUrl"`), where `param` is the query the client put after the stream name
//! (`?username=…&password=…`). SRS lets the client on only when the answer is HTTP `200` with the
//! body `0` or a JSON object whose integer `code` is `0`; any other answer refuses it. Unknown
//! fields are ignored: SRS versions add fields.
//!
//! How the service reads it: the stream path is `app/stream`, the credentials come from `param`
//! by the connect parsing `authbench decide --url` uses, and the transport from the `tcUrl`
//! scheme (`rtmp`, `srt`, `webrtc` — WHIP for `on_publish`, WHEP for `on_play` — or `rtsp`;
//! another scheme, or none, is a transport outside the model, allowed only to users without a
//! transport restriction). The failed-attempt lockout is keyed by the TCP peer (the SRS server),
//! not the forwarded `ip`, which anyone reaching this endpoint could write.
//!
//! Answers: `200 {"code": 0, "subject": principal}` allows. A refusal is the documented one, HTTP
//! `200` with a non-zero code: `{"code": 403, "error", "reason"?}` (`reason` only when the service
//! exposes reasons). `on_unpublish`, `on_stop`, `on_close`, `on_dvr`, `on_hls` and
//! `on_hls_notify` are acknowledged with `0` and decide nothing; `on_connect`, which names no
//! stream, and any other action is a `400` (which SRS also takes as a refusal).

use std::sync::Arc;

use authbench_core::{Action, AuthRequest, Deny, DenyReason, Role, Secret, Transport, connect};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use super::admin::PeerAddr;
use super::{decide, error, peer_ip, refusal_body};
use crate::decide::{Ask, Refusal, TransportInfo, refuse};
use crate::state::Shared;
use crate::stats::Endpoint;

/// The code of a refusal: any non-zero code refuses; this one says "forbidden".
const REFUSED_CODE: u16 = 403;

/// The fields of a callback this endpoint reads. No `Debug`: `param` holds the password.
#[derive(Deserialize)]
struct SrsHook {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    param: Option<String>,
    #[serde(default, rename = "tcUrl")]
    tc_url: Option<String>,
}

/// What a callback asks.
enum Call {
    /// A publish or play to decide, with the transport the `tcUrl` shows.
    Decide(AuthRequest, TransportInfo),
    /// A callback that decides nothing.
    Notice,
}

/// Why a callback cannot be answered with a decision.
enum Problem {
    BadRequest(&'static str),
    Malformed(Deny),
}

/// The transport a `tcUrl` shows.
fn transport(tc_url: Option<&str>, action: Action) -> TransportInfo {
    let scheme = tc_url
        .and_then(|u| u.split_once("://"))
        .map(|(s, _)| s.to_ascii_lowercase());
    match (scheme.as_deref(), action) {
        (Some("rtmp" | "rtmps"), _) => TransportInfo::Known(Transport::Rtmp),
        (Some("srt"), _) => TransportInfo::Known(Transport::Srt),
        (Some("rtsp" | "rtsps"), _) => TransportInfo::Known(Transport::Rtsp),
        (Some("webrtc"), Action::Publish) => TransportInfo::Known(Transport::Whip),
        (Some("webrtc"), Action::Subscribe) => TransportInfo::Known(Transport::Whep),
        // Not echoed beyond a short scheme: the tcUrl is the client's text.
        (Some(other), _)
            if other.len() <= 16 && other.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            TransportInfo::Other(other.to_owned())
        }
        _ => TransportInfo::Other("unknown".to_owned()),
    }
}

fn read(hook: &SrsHook) -> Result<Call, Problem> {
    let action = match hook.action.as_deref() {
        Some("on_publish") => Action::Publish,
        Some("on_play") => Action::Subscribe,
        Some("on_unpublish" | "on_stop" | "on_close" | "on_dvr" | "on_hls" | "on_hls_notify") => {
            return Ok(Call::Notice);
        }
        Some("on_connect") => {
            return Err(Problem::BadRequest(
                "on_connect names no stream: point on_publish and on_play here",
            ));
        }
        Some(_) => return Err(Problem::BadRequest("unknown action")),
        None => return Err(Problem::BadRequest("no action: not an SRS callback")),
    };
    let app = hook
        .app
        .as_deref()
        .filter(|a| !a.is_empty())
        .ok_or(Problem::BadRequest("no app: not an SRS callback"))?;
    let path = match hook.stream.as_deref().filter(|s| !s.is_empty()) {
        Some(stream) => format!("{app}/{stream}"),
        None => app.to_owned(),
    };
    let query = hook.param.as_deref().unwrap_or_default();
    let query = query.strip_prefix('?').unwrap_or(query);
    // The URL the client used, read as `decide --url` reads it. App and stream arrive decoded
    // from SRS; a `%` in them would be decoded again, which only narrows what parses.
    let url = if query.is_empty() {
        format!("rtmp://srs/{path}")
    } else {
        format!("rtmp://srs/{path}?{query}")
    };
    let mut req = connect::rtmp(&url, action).map_err(Problem::Malformed)?;
    let transport = transport(hook.tc_url.as_deref(), action);
    if let TransportInfo::Known(t) = &transport {
        req.transport = *t;
    }
    Ok(Call::Decide(req, transport))
}

/// The request an SRS `on_publish` / `on_play` callback (its JSON body) asks about, read as
/// `POST /srs` reads it: the transport from the `tcUrl` scheme (RTMP when it shows none of the
/// model's), the rest as `authbench decide --url` reads `rtmp://…/app/stream?param`. A callback
/// that asks nothing, is not one, or does not parse is a `malformed_credentials` deny.
pub fn srs_request(body: &[u8]) -> Result<AuthRequest, Deny> {
    let malformed = |why: &str| Deny::new(DenyReason::MalformedCredentials, why);
    let hook: SrsHook =
        serde_json::from_slice(body).map_err(|_| malformed("the body is not a JSON object"))?;
    match read(&hook) {
        Ok(Call::Decide(req, _)) => Ok(req),
        Ok(Call::Notice) => Err(malformed("this callback asks for no decision")),
        Err(Problem::BadRequest(why)) => Err(malformed(why)),
        Err(Problem::Malformed(deny)) => Err(deny),
    }
}

pub(super) async fn hook(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    let hook: SrsHook = match super::parse(&body) {
        Ok(h) => h,
        Err(resp) => return *resp,
    };
    let (req, transport) = match read(&hook) {
        Ok(Call::Decide(req, transport)) => (req, transport),
        // SRS compares the body with `0` byte for byte.
        Ok(Call::Notice) => return "0".into_response(),
        Err(Problem::BadRequest(why)) => return error(StatusCode::BAD_REQUEST, why),
        Err(Problem::Malformed(deny)) => {
            return answer_deny(&shared, refuse(deny.reason, deny.detail));
        }
    };
    let c = &req.credentials;
    let ask = Ask {
        username: c.username.as_deref().unwrap_or_default(),
        password: c.password.as_ref().map_or("", Secret::expose),
        token: c.token.as_ref().map_or("", Secret::expose),
        role: match req.action {
            Action::Publish => Role::Publisher,
            Action::Subscribe => Role::Subscriber,
        },
        transport,
        path: &req.path,
        peer: peer_ip(peer),
    };
    match decide(&shared, ask).await {
        Ok(principal) => {
            shared.stats.allow(Endpoint::Srs);
            Json(json!({ "code": 0, "subject": principal })).into_response()
        }
        Err(refusal) => answer_deny(&shared, refusal),
    }
}

/// `200` with a non-zero `code`: SRS refuses the client on anything but `0`.
fn answer_deny(shared: &Shared, refusal: Refusal) -> Response {
    let mut body = refusal_body(shared, Endpoint::Srs, &refusal);
    body["code"] = REFUSED_CODE.into();
    Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn hook(json: Value) -> SrsHook {
        serde_json::from_value(json).expect("hook")
    }

    #[test]
    fn publish_reads_as_decide_url_and_takes_the_transport_from_tc_url() {
        let h = hook(
            json!({"action": "on_publish", "client_id": 7, "ip": "127.0.0.1",
            "vhost": "__defaultVhost__", "app": "live/room1", "stream": "cam1",
            "tcUrl": "srt://127.0.0.1:10080/live/room1",
            "param": "?username=alice&password=p%26w&vhost=x"}),
        );
        let Ok(Call::Decide(req, transport)) = read(&h) else {
            panic!("not decided");
        };
        let want = connect::rtmp(
            "rtmp://h/live/room1/cam1?username=alice&password=p%26w",
            Action::Publish,
        )
        .expect("parses");
        assert_eq!(req.path, want.path);
        assert_eq!(req.credentials, want.credentials);
        assert_eq!(transport, TransportInfo::Known(Transport::Srt));
        assert_eq!(req.transport, Transport::Srt);
    }

    #[test]
    fn transports_by_scheme() {
        let t = |u: Option<&str>, a| transport(u, a);
        assert_eq!(
            t(Some("webrtc://h/live"), Action::Publish),
            TransportInfo::Known(Transport::Whip)
        );
        assert_eq!(
            t(Some("webrtc://h/live"), Action::Subscribe),
            TransportInfo::Known(Transport::Whep)
        );
        assert_eq!(
            t(Some("RTMP://h/live"), Action::Subscribe),
            TransportInfo::Known(Transport::Rtmp)
        );
        assert_eq!(
            t(Some("http://h/live"), Action::Subscribe),
            TransportInfo::Other("http".into())
        );
        assert_eq!(
            t(None, Action::Publish),
            TransportInfo::Other("unknown".into())
        );
        assert_eq!(
            t(Some("pass word://x"), Action::Publish),
            TransportInfo::Other("unknown".into())
        );
    }

    #[test]
    fn other_actions_and_garbage() {
        assert!(matches!(
            read(&hook(
                json!({"action": "on_unpublish", "app": "live", "stream": "x"})
            )),
            Ok(Call::Notice)
        ));
        for bad in [
            json!({"action": "on_connect", "app": "live", "tcUrl": "rtmp://h/live"}),
            json!({"action": "on_bogus", "app": "live", "stream": "x"}),
            json!({"app": "live", "stream": "x"}),
            json!({"action": "on_play", "stream": "x"}),
        ] {
            assert!(matches!(read(&hook(bad)), Err(Problem::BadRequest(_))));
        }
        let twice = hook(json!({"action": "on_play", "app": "live", "stream": "x",
            "param": "?token=a&jwt=b"}));
        assert!(
            matches!(read(&twice), Err(Problem::Malformed(d)) if d.reason == DenyReason::MalformedCredentials)
        );
        assert_eq!(
            srs_request(b"[1]").map_err(|d| d.reason).err(),
            Some(DenyReason::MalformedCredentials)
        );
    }
}
