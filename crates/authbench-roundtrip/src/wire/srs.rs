//! SRS `http_hooks` `on_publish` / `on_play`, as SRS sends and reads them.
//!
//! Checked against SRS's source, `trunk/src/app/srs_app_http_hooks.cpp` (`SrsHttpHooks::on_publish`,
//! `on_play`, `do_post`), and its HTTP callback documentation (ossrs wiki `HTTPCallback`, v3 to
//! v6):
//!
//! * **Request.** A JSON `POST`: `{"server_id", "service_id", "action": "on_publish" |
//!   "on_play", "client_id", "ip", "vhost", "app", "tcUrl", "stream", "param", "stream_url",
//!   "stream_id"}`, `on_play` adding `"pageUrl"`. `param` is the query the client put after the
//!   stream name, with its `?` (`?username=u&password=p`): credentials arrive there, under the
//!   names connect parsing reads. For `rtmp://host/live/room1/cam1`, `app` is `live/room1` and
//!   `stream` is `cam1`. The transport shows in the `tcUrl` scheme (`rtmp`, `webrtc`, `srt`).
//! * **Answer** (`do_post`): only HTTP `200` whose body is exactly `0`, or a JSON object whose
//!   integer `code` is `0`, lets the client on; any other status, an empty body, a body that is
//!   not JSON, another number, an object without an integer `code` or with a non-zero one refuses
//!   the client.
//!
//! Here: those two allows are allows (the object may name the `subject`); every other answer is
//! `backend_rejected` — or the precise client-side `reason` when a refusing JSON object carries
//! one (the reference service's extension) — because SRS refuses on it rather than failing. An
//! answer over the size cap is still `backend_protocol_error` (it is never read whole).

use authbench_core::{Action, AuthRequest, Deny, DenyReason};
use serde::Serialize;
use serde_json::Value;
use url::form_urlencoded;

use super::{Answer, answer_object, rejected, subject};

/// SRS's default vhost name.
const DEFAULT_VHOST: &str = "__defaultVhost__";

#[derive(Serialize)]
struct SrsBody<'a> {
    server_id: &'static str,
    service_id: &'static str,
    action: &'static str,
    client_id: &'a str,
    ip: String,
    vhost: &'static str,
    app: &'a str,
    #[serde(rename = "tcUrl")]
    tc_url: String,
    stream: &'a str,
    param: String,
    #[serde(rename = "pageUrl", skip_serializing_if = "Option::is_none")]
    page_url: Option<&'static str>,
    stream_url: String,
    stream_id: &'static str,
}

/// The JSON body SRS posts for `req`. `with_id: false` leaves out the per-connection
/// `client_id` (for cache keys).
pub(crate) fn body(req: &AuthRequest, with_id: bool) -> Result<Vec<u8>, Deny> {
    let path = &req.path;
    let (app, stream) = match path.as_str().rsplit_once('/') {
        Some((scope, stream)) => (scope, stream),
        None => (path.as_str(), ""),
    };
    let c = &req.credentials;
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(user) = c.username.as_deref().filter(|u| !u.is_empty()) {
        query.append_pair("username", user);
    }
    if let Some(pass) = c.password.as_ref() {
        query.append_pair("password", pass.expose());
    }
    if let Some(token) = c.token.as_ref() {
        query.append_pair("token", token.expose());
    }
    let query = query.finish();
    let body = SrsBody {
        server_id: "authbench",
        service_id: "authbench",
        action: match req.action {
            Action::Publish => "on_publish",
            Action::Subscribe => "on_play",
        },
        client_id: if with_id {
            req.request_id.as_deref().unwrap_or("")
        } else {
            ""
        },
        ip: req.client_addr.map(|a| a.to_string()).unwrap_or_default(),
        vhost: DEFAULT_VHOST,
        app,
        // SRS names the transports as MediaMTX does (`webrtc` for WHIP and WHEP).
        tc_url: format!("{}://localhost/{app}", super::mtx_protocol(req.transport)),
        stream,
        param: if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
        page_url: (req.action == Action::Subscribe).then_some(""),
        stream_url: format!("/{}", path.as_str()),
        stream_id: "",
    };
    serde_json::to_vec(&body).map_err(|_| {
        Deny::new(
            DenyReason::MalformedCredentials,
            "cannot encode the request",
        )
    })
}

/// Reads an answer as SRS does (see the module docs).
pub(crate) fn answer(status: u16, body: &[u8]) -> Answer {
    if status != 200 {
        return Answer::Deny(Deny::new(
            DenyReason::BackendRejected,
            format!("the auth service answered HTTP {status}; SRS allows only on 200"),
        ));
    }
    // SRS compares the whole body with `0`: no spaces, no newline.
    if body == b"0" {
        return Answer::Allow {
            subject: None,
            note: None,
        };
    }
    let Some(object) = answer_object(body) else {
        return Answer::Deny(Deny::new(
            DenyReason::BackendRejected,
            "the answer is neither `0` nor a JSON object; SRS refuses the client",
        ));
    };
    match &object.code {
        Some(Value::Number(n)) if n.as_i64() == Some(0) || n.as_u64() == Some(0) => Answer::Allow {
            subject: subject(Some(object)),
            note: None,
        },
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
            rejected(Some(&object), DenyReason::BackendRejected)
        }
        _ => Answer::Deny(Deny::new(
            DenyReason::BackendRejected,
            "the answer has no integer `code`; SRS refuses the client",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Credentials, StreamPath, Transport};
    use serde_json::json;

    fn req(creds: Credentials, action: Action, transport: Transport, path: &str) -> AuthRequest {
        AuthRequest::new(
            action,
            transport,
            StreamPath::new(path).expect("path"),
            creds,
        )
    }

    #[test]
    fn publish_body_has_the_hook_fields() {
        let mut r = req(
            Credentials::user_password("alice", "p w&x"),
            Action::Publish,
            Transport::Rtmp,
            "live/room1/cam1",
        );
        r.client_addr = Some("192.0.2.1".parse().expect("ip"));
        r.request_id = Some("c-1".into());
        let v: Value = serde_json::from_slice(&body(&r, true).expect("body")).expect("json");
        assert_eq!(
            v,
            json!({"server_id": "authbench", "service_id": "authbench", "action": "on_publish",
                   "client_id": "c-1", "ip": "192.0.2.1", "vhost": "__defaultVhost__",
                   "app": "live/room1", "tcUrl": "rtmp://localhost/live/room1", "stream": "cam1",
                   "param": "?username=alice&password=p+w%26x",
                   "stream_url": "/live/room1/cam1", "stream_id": ""})
        );
        let v: Value = serde_json::from_slice(&body(&r, false).expect("body")).expect("json");
        assert_eq!(v["client_id"], "");
    }

    #[test]
    fn play_body_has_page_url_and_the_transport_scheme() {
        let r = req(
            Credentials::token("t"),
            Action::Subscribe,
            Transport::Whep,
            "live/cam1",
        );
        let v: Value = serde_json::from_slice(&body(&r, true).expect("body")).expect("json");
        assert_eq!(v["action"], "on_play");
        assert_eq!(v["pageUrl"], "");
        assert_eq!(v["tcUrl"], "webrtc://localhost/live");
        assert_eq!(v["param"], "?token=t");
        let none = req(Credentials::none(), Action::Publish, Transport::Srt, "cam1");
        let v: Value = serde_json::from_slice(&body(&none, true).expect("body")).expect("json");
        assert_eq!(v["param"], "");
        assert_eq!(v["app"], "cam1");
        assert_eq!(v["stream"], "");
        assert!(v.get("pageUrl").is_none());
    }

    fn reason(status: u16, b: &[u8]) -> DenyReason {
        match answer(status, b) {
            Answer::Deny(d) => d.reason,
            Answer::Allow { .. } => panic!("allowed: {}", String::from_utf8_lossy(b)),
        }
    }

    #[test]
    fn only_zero_allows() {
        let allow = Answer::Allow {
            subject: None,
            note: None,
        };
        assert_eq!(answer(200, b"0"), allow);
        assert_eq!(answer(200, br#"{"code": 0}"#), allow);
        assert_eq!(answer(200, br#"{"code":0,"data":"x"}"#), allow);
        assert_eq!(
            answer(200, br#"{"code": 0, "subject": "alice"}"#),
            Answer::Allow {
                subject: Some("alice".into()),
                note: None
            }
        );
        for refused in [
            &b""[..],
            b"1",
            b"0\n",
            b" 0",
            b"00",
            b"OK",
            b"true",
            br#"{"code": 1}"#,
            br#"{"code": -1}"#,
            br#"{"code": "0"}"#,
            br#"{"code": 0.0}"#,
            br#"{"code": null}"#,
            br#"{"data": 0}"#,
            br#"{"code": 0, "code": 1}"#,
            br#"[0]"#,
        ] {
            assert_eq!(reason(200, refused), DenyReason::BackendRejected);
        }
        for status in [201, 204, 302, 401, 403, 500] {
            assert_eq!(reason(status, b"0"), DenyReason::BackendRejected);
        }
    }

    #[test]
    fn a_refusal_may_carry_a_client_reason() {
        assert_eq!(
            reason(200, br#"{"code": 403, "reason": "revoked"}"#),
            DenyReason::Revoked
        );
        assert_eq!(
            reason(200, br#"{"code": 403, "reason": "backend_unavailable"}"#),
            DenyReason::BackendRejected
        );
    }
}
