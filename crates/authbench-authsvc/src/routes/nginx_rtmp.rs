//! nginx-rtmp-module notifications: `on_publish http://127.0.0.1:PORT/nginx-rtmp;` and
//! `on_play …` (also `on_update`), answered at `POST /nginx-rtmp`, and at `GET /nginx-rtmp` for
//! `notify_method get`.
//!
//! What the module sends (checked against `ngx_rtmp_notify_module.c` and
//! `ngx_rtmp_netcall_module.c`, arut/nginx-rtmp-module 1.2.x as Debian packages it): an
//! `application/x-www-form-urlencoded` body — or the query of a `GET` — with the session's `app`,
//! `flashver`, `swfurl`, `tcurl`, `pageurl`, `addr`, `clientid`, then `call` (`publish`, `play`,
//! `update_publish`, `update_play`, `publish_done`, `play_done`, `done`, `record_done`, …) and
//! the call's own fields (`name`, `type`; `start`, `duration`, `reset`; `time`, `timestamp`),
//! then the client's own query arguments exactly as the client sent them after the stream name.
//! It reads only the first digit of the answer's status: `2xx` continues, `3xx` continues under
//! the name in `Location`, anything else drops the client.
//!
//! How the service reads it: the stream path is `app/name` (`live/room1` + `cam1`), and the
//! credentials are read from the client's arguments by the same connect parsing that
//! `authbench decide --url rtmp://…` uses, on the RTMP URL the client must have used
//! (`rtmp://…/live/room1/cam1?username=…&password=…`), so both give the same request. The
//! module's own fields (the first occurrence of each name) are set aside first. The transport
//! is RTMP. The failed-attempt lockout is keyed by the TCP peer, which is the nginx server, not
//! the forwarded `addr`: anyone who can reach this endpoint could write any `addr`.
//!
//! Answers: `200 {"subject": principal}` allows; `403 {"error", "reason"?}` refuses (`reason` only
//! when the service exposes reasons; nginx-rtmp reads neither body). `publish`/`play` and their
//! `update_*` repeats are decided (with `on_update`, a revocation drops a client within
//! `notify_update_timeout`); `done`, `publish_done`, `play_done`, `record_done`, `update` and
//! `disconnect` are acknowledged with `200 {}` and decide nothing; `connect`, which names no
//! stream, and anything else is a `400` (which drops the client: point `on_publish` / `on_play`
//! here, not `on_connect`).

use std::sync::Arc;

use authbench_core::{Action, AuthRequest, Deny, DenyReason, Role, Secret, Transport, connect};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::admin::PeerAddr;
use super::{decide, error, peer_ip, refused};
use crate::decide::{Ask, Refusal, TransportInfo, refuse};
use crate::state::Shared;
use crate::stats::Endpoint;

/// The fields the module itself puts in a notification; anything else is the client's.
const MODULE_FIELDS: [&str; 16] = [
    "app",
    "flashver",
    "swfurl",
    "tcurl",
    "pageurl",
    "addr",
    "clientid",
    "epoch",
    "call",
    "name",
    "type",
    "start",
    "duration",
    "reset",
    "time",
    "timestamp",
];

/// What a notification asks.
enum Call {
    /// A publish or play to decide.
    Decide(AuthRequest),
    /// A notification that decides nothing (`done`, `publish_done`, …).
    Notice,
}

/// Why a notification cannot be read.
enum Problem {
    /// Not a notification this endpoint answers: `400`.
    BadRequest(&'static str),
    /// A notification whose stream or credentials do not parse: a deny.
    Malformed(Deny),
}

/// Reads a notification (form body or query), the module's fields apart from the client's.
fn read(form: &str) -> Result<Call, Problem> {
    let mut own: [Option<&str>; MODULE_FIELDS.len()] = [None; MODULE_FIELDS.len()];
    let mut client = Vec::new();
    for pair in form.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // The module writes its own fields first, so the first of each name is the module's;
        // a later one is the client's (kept with the client's arguments, where connect
        // parsing ignores it as it would in the client's URL).
        match MODULE_FIELDS.iter().position(|f| *f == key) {
            Some(i) if own.get(i).is_some_and(Option::is_none) => {
                if let Some(slot) = own.get_mut(i) {
                    *slot = Some(value);
                }
            }
            _ => client.push(pair),
        }
    }
    let field = |name: &str| {
        MODULE_FIELDS
            .iter()
            .position(|f| *f == name)
            .and_then(|i| own.get(i).copied().flatten())
    };
    let action = match field("call") {
        Some("publish" | "update_publish") => Action::Publish,
        Some("play" | "update_play") => Action::Subscribe,
        Some("done" | "publish_done" | "play_done" | "record_done" | "update" | "disconnect") => {
            return Ok(Call::Notice);
        }
        Some("connect") => {
            return Err(Problem::BadRequest(
                "call=connect names no stream: point on_publish and on_play here, not on_connect",
            ));
        }
        Some(_) => return Err(Problem::BadRequest("unknown call")),
        None => {
            return Err(Problem::BadRequest(
                "no call: not an nginx-rtmp notification",
            ));
        }
    };
    let app = field("app")
        .filter(|a| !a.is_empty())
        .ok_or(Problem::BadRequest(
            "no app: not an nginx-rtmp notification",
        ))?;
    // The URL the client used: `rtmp://host/app/name?args`, read as `decide --url` reads it.
    // App and name are passed as the module escaped them; connect parsing decodes the path.
    let path = match field("name").filter(|n| !n.is_empty()) {
        Some(name) => format!("{app}/{name}"),
        None => app.to_owned(),
    };
    let url = if client.is_empty() {
        format!("rtmp://nginx-rtmp/{path}")
    } else {
        format!("rtmp://nginx-rtmp/{path}?{}", client.join("&"))
    };
    connect::rtmp(&url, action)
        .map(Call::Decide)
        .map_err(Problem::Malformed)
}

/// The request an nginx-rtmp `on_publish` / `on_play` notification (form body, or the query of
/// `notify_method get`) asks about, read as `POST /nginx-rtmp` reads it: the same request
/// `authbench decide --url` gives for the RTMP URL the client used. A notification that asks
/// nothing (`call=done`, …), is not one, or does not parse is a `malformed_credentials` deny.
pub fn nginx_rtmp_request(form: &str) -> Result<AuthRequest, Deny> {
    match read(form) {
        Ok(Call::Decide(req)) => Ok(req),
        Ok(Call::Notice) => Err(Deny::new(
            DenyReason::MalformedCredentials,
            "this notification asks for no decision",
        )),
        Err(Problem::BadRequest(why)) => Err(Deny::new(DenyReason::MalformedCredentials, why)),
        Err(Problem::Malformed(deny)) => Err(deny),
    }
}

pub(super) async fn notify(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    peer: Option<Extension<PeerAddr>>,
    body: Bytes,
) -> Response {
    // `notify_method get` puts the fields in the query; a POST carries them in the body (the
    // configured URL's own query, if any, is not part of the notification).
    let form = if method == Method::GET {
        uri.query().unwrap_or_default().as_bytes()
    } else {
        &body[..]
    };
    let Ok(form) = std::str::from_utf8(form) else {
        return error(StatusCode::BAD_REQUEST, "the form is not UTF-8");
    };
    let req = match read(form) {
        Ok(Call::Decide(req)) => req,
        Ok(Call::Notice) => return Json(json!({})).into_response(),
        Err(Problem::BadRequest(why)) => return error(StatusCode::BAD_REQUEST, why),
        Err(Problem::Malformed(deny)) => {
            return answer_deny(&shared, refuse(deny.reason, deny.detail));
        }
    };
    let role = match req.action {
        Action::Publish => Role::Publisher,
        Action::Subscribe => Role::Subscriber,
    };
    let c = &req.credentials;
    let ask = Ask {
        username: c.username.as_deref().unwrap_or_default(),
        password: c.password.as_ref().map_or("", Secret::expose),
        token: c.token.as_ref().map_or("", Secret::expose),
        role,
        transport: TransportInfo::Known(Transport::Rtmp),
        path: &req.path,
        peer: peer_ip(peer),
    };
    match decide(&shared, ask).await {
        Ok(principal) => {
            shared.stats.allow(Endpoint::NginxRtmp);
            Json(json!({ "subject": principal })).into_response()
        }
        Err(refusal) => answer_deny(&shared, refusal),
    }
}

/// `403`: nginx-rtmp drops the client on any status but 2xx and 3xx.
fn answer_deny(shared: &Shared, refusal: Refusal) -> Response {
    refused(shared, Endpoint::NginxRtmp, StatusCode::FORBIDDEN, &refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::StreamPath;

    const SESSION: &str = "app=live%2Froom1&flashver=FMLE%2F3.0&swfurl=&tcurl=rtmp%3A%2F%2F127.0.0.1%3A1935%2Flive%2Froom1&pageurl=&addr=127.0.0.1&clientid=3";

    fn decided(form: &str) -> AuthRequest {
        match read(form) {
            Ok(Call::Decide(r)) => r,
            _ => panic!("not decided: {form}"),
        }
    }

    #[test]
    fn a_publish_reads_as_decide_url_reads_the_client_url() {
        let form =
            format!("{SESSION}&call=publish&name=cam1&type=live&username=alice&password=p%26w");
        let got = decided(&form);
        let want = connect::rtmp(
            "rtmp://127.0.0.1/live/room1/cam1?username=alice&password=p%26w",
            Action::Publish,
        )
        .expect("parses");
        assert_eq!(got.action, want.action);
        assert_eq!(got.path, StreamPath::new("live/room1/cam1").expect("path"));
        assert_eq!(got.path, want.path);
        assert_eq!(got.credentials, want.credentials);
        assert_eq!(got.transport, Transport::Rtmp);
    }

    #[test]
    fn module_fields_are_not_the_clients_and_repeats_are() {
        // The client's own `name` comes after the module's and does not rename the stream.
        let form =
            format!("{SESSION}&call=play&name=cam1&start=0&duration=0&reset=0&token=t&name=evil");
        let got = decided(&form);
        assert_eq!(got.action, Action::Subscribe);
        assert_eq!(got.path.as_str(), "live/room1/cam1");
        assert_eq!(
            got.credentials.token.as_ref().map(|t| t.expose()),
            Some("t")
        );
        let update = decided(&format!(
            "{SESSION}&call=update_publish&time=30&timestamp=30000&name=cam1&token=t"
        ));
        assert_eq!(update.action, Action::Publish);
    }

    #[test]
    fn other_calls_and_garbage() {
        assert!(matches!(
            read(&format!("{SESSION}&call=publish_done&name=cam1")),
            Ok(Call::Notice)
        ));
        for bad in [
            format!("{SESSION}&call=connect"),
            format!("{SESSION}&call=bogus&name=x"),
            format!("{SESSION}&name=x"),
            "call=publish&name=cam1".to_owned(),
        ] {
            assert!(matches!(read(&bad), Err(Problem::BadRequest(_))), "{bad}");
        }
        // The same password twice is ambiguous, as in a URL.
        let twice = format!("{SESSION}&call=publish&name=cam1&password=a&password=b");
        match read(&twice) {
            Err(Problem::Malformed(d)) => assert_eq!(d.reason, DenyReason::MalformedCredentials),
            _ => panic!("accepted"),
        }
        let bad_path = format!("{SESSION}&call=publish&name=..");
        match nginx_rtmp_request(&bad_path) {
            Err(d) => assert_eq!(d.reason, DenyReason::MalformedCredentials),
            Ok(r) => panic!("accepted {r:?}"),
        }
    }
}
