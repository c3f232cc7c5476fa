//! The four wire protocols: request bodies and how answers are read. Pure functions, no I/O.
//! Red5 Pro and MediaMTX are here; nginx-rtmp and SRS in [`nginx_rtmp`] and [`srs`].
//!
//! # Red5 Pro Round-Trip Authentication
//!
//! What the `RoundTripAuthValidator` of the Red5 Pro simple-auth plugin posts (JSON, `Accept` and
//! `Content-Type: application/json`): `{"type": "publisher"|"subscriber", "username",
//! "password", "token" ("" when the client sent none), "streamID" (the stream name), "scope"
//! (the application and room, `live/room1`)}`. Red5 Pro rejects a client at connect time when
//! `username` or `password` is missing, without asking the service; so does this mode
//! (`missing_credentials`). It reads only an HTTP `200` answer with a JSON object whose `result` is
//! true (a JSON boolean, or the string `"true"`/`"false"` as its JSON library reads it); anything
//! else is a deny. Here: a `200` with `result: false` is `backend_rejected` (or the precise reason
//! from the `reason` extension), every other answer `backend_protocol_error`.
//!
//! On a publisher's disconnect it posts the same fields without `type` to
//! `invalidateCredentials`.
//!
//! # MediaMTX `authMethod: http`
//!
//! MediaMTX posts `{"user", "password", "token", "ip", "action", "path", "protocol", "id",
//! "query"}` to `authHTTPAddress` and allows on any 2xx, whatever the body (the body is read only
//! for an optional `"subject"`). Actions here are `publish` and `read`; protocols `rtmp`, `rtsp`,
//! `srt`, and `webrtc` for WHIP and WHEP. A `401`/`403` is a deny (`backend_rejected`, the precise
//! `reason` if the body has one, or `missing_credentials` when nothing was presented: MediaMTX's
//! 401 asks for credentials); any other status is `backend_protocol_error`.

pub(crate) mod nginx_rtmp;
pub(crate) mod srs;

use authbench_core::{Action, AuthRequest, Deny, DenyReason, Transport};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest `subject` accepted from an answer, in bytes.
const MAX_SUBJECT_LEN: usize = 256;

#[derive(Serialize)]
struct Red5Body<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    username: &'a str,
    password: &'a str,
    token: &'a str,
    #[serde(rename = "streamID")]
    stream_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

#[derive(Serialize)]
struct MtxBody<'a> {
    user: &'a str,
    password: &'a str,
    token: &'a str,
    ip: String,
    action: &'static str,
    path: &'a str,
    protocol: &'static str,
    id: Option<&'a str>,
    query: &'static str,
}

fn red5_type(action: Action) -> &'static str {
    match action {
        Action::Publish => "publisher",
        Action::Subscribe => "subscriber",
    }
}

/// The Red5 Pro body for `req`; `with_type: false` for `invalidateCredentials`. A request
/// without user name or password never reaches the service (Red5 Pro rejects it at connect).
pub(crate) fn red5_body(req: &AuthRequest, with_type: bool) -> Result<Vec<u8>, Deny> {
    let c = &req.credentials;
    let (Some(username), Some(password)) = (
        c.username.as_deref().filter(|u| !u.is_empty()),
        c.password.as_ref().filter(|p| !p.is_empty()),
    ) else {
        return Err(Deny::new(
            DenyReason::MissingCredentials,
            "Red5 Pro round trip needs a user name and a password",
        ));
    };
    let path = &req.path;
    let scope = (path.as_str() != path.stream()).then(|| path.scope());
    let body = Red5Body {
        kind: with_type.then(|| red5_type(req.action)),
        username,
        password: password.expose(),
        token: c.token.as_ref().map_or("", |t| t.expose()),
        stream_id: path.stream(),
        scope,
    };
    serde_json::to_vec(&body).map_err(|_| {
        Deny::new(
            DenyReason::MalformedCredentials,
            "cannot encode the request",
        )
    })
}

/// MediaMTX's `protocol` for a transport (`webrtc` for both WHIP and WHEP); also the `tcUrl`
/// scheme SRS reports.
pub(crate) fn mtx_protocol(t: Transport) -> &'static str {
    match t {
        Transport::Rtmp => "rtmp",
        Transport::Rtsp => "rtsp",
        Transport::Srt => "srt",
        Transport::Whip | Transport::Whep => "webrtc",
    }
}

/// The MediaMTX body for `req`. `with_id: false` leaves out the per-connection id (for cache
/// keys: an answer must not depend on it).
pub(crate) fn mtx_body(req: &AuthRequest, with_id: bool) -> Result<Vec<u8>, Deny> {
    let c = &req.credentials;
    let body = MtxBody {
        user: c.username.as_deref().unwrap_or(""),
        password: c.password.as_ref().map_or("", |p| p.expose()),
        token: c.token.as_ref().map_or("", |t| t.expose()),
        ip: req.client_addr.map(|a| a.to_string()).unwrap_or_default(),
        action: match req.action {
            Action::Publish => "publish",
            Action::Subscribe => "read",
        },
        path: req.path.as_str(),
        protocol: mtx_protocol(req.transport),
        id: if with_id {
            req.request_id.as_deref()
        } else {
            None
        },
        query: "",
    };
    serde_json::to_vec(&body).map_err(|_| {
        Deny::new(
            DenyReason::MalformedCredentials,
            "cannot encode the request",
        )
    })
}

/// What the service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Allowed; the service may have named the subject. `note`: what the allow came with that a
    /// report should show (an nginx-rtmp redirect).
    Allow {
        subject: Option<String>,
        note: Option<String>,
    },
    /// A clear deny.
    Deny(Deny),
}

pub(crate) fn protocol_error(detail: impl Into<String>) -> Deny {
    Deny::new(DenyReason::BackendProtocolError, detail)
}

/// The fields read from an answer; others (Red5 Pro's `url`, …) are ignored.
#[derive(Deserialize)]
pub(crate) struct AnswerBody {
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    /// SRS's `{"code": 0}`.
    #[serde(default)]
    pub(crate) code: Option<Value>,
}

/// Parses an answer that must be a JSON object (a derived struct would also take an array).
/// The whole body must be UTF-8 (RFC 8259 §8.1): `from_slice` alone does not check the strings
/// of members it skips.
pub(crate) fn answer_object(body: &[u8]) -> Option<AnswerBody> {
    if body.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_str(std::str::from_utf8(body).ok()?).ok()
}

/// A deny reason from the service's `reason` field, passed through only when it is a known code
/// about the client (never an infrastructure code, which only this side may decide).
fn passed_reason(answer: Option<&AnswerBody>) -> Option<DenyReason> {
    let reason: DenyReason = answer?.reason.as_deref()?.parse().ok()?;
    let infrastructure = matches!(
        reason,
        DenyReason::BackendRejected
            | DenyReason::BackendUnavailable
            | DenyReason::BackendTimeout
            | DenyReason::BackendProtocolError
            | DenyReason::ReplayCacheFull
    );
    (!infrastructure).then_some(reason)
}

pub(crate) fn rejected(answer: Option<&AnswerBody>, fallback: DenyReason) -> Answer {
    match passed_reason(answer) {
        Some(reason) => Answer::Deny(Deny::new(
            reason,
            format!("the auth service denied: {reason}"),
        )),
        None => Answer::Deny(Deny::new(fallback, "the auth service denied the request")),
    }
}

pub(crate) fn subject(answer: Option<AnswerBody>) -> Option<String> {
    let s = answer?.subject?;
    (!s.is_empty() && s.len() <= MAX_SUBJECT_LEN && !s.chars().any(char::is_control)).then_some(s)
}

/// Reads a Red5 Pro answer.
pub(crate) fn red5_answer(status: u16, body: &[u8]) -> Result<Answer, Deny> {
    if status != 200 {
        return Err(protocol_error(format!(
            "the auth service answered HTTP {status}; Red5 Pro reads only 200"
        )));
    }
    let v = answer_object(body).ok_or_else(|| protocol_error("the answer is not a JSON object"))?;
    let result = match &v.result {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(protocol_error("`result` is not a boolean")),
        None => return Err(protocol_error("the answer has no `result`")),
    };
    Ok(if result {
        Answer::Allow {
            subject: subject(Some(v)),
            note: None,
        }
    } else {
        rejected(Some(&v), DenyReason::BackendRejected)
    })
}

/// Reads a MediaMTX answer. `presented`: whether the request carried any credential.
pub(crate) fn mtx_answer(status: u16, body: &[u8], presented: bool) -> Result<Answer, Deny> {
    let json = answer_object(body);
    match status {
        200..=299 => Ok(Answer::Allow {
            subject: subject(json),
            note: None,
        }),
        401 | 403 => Ok(rejected(
            json.as_ref(),
            if presented {
                DenyReason::BackendRejected
            } else {
                DenyReason::MissingCredentials
            },
        )),
        _ => Err(protocol_error(format!(
            "the auth service answered HTTP {status}; MediaMTX expects 2xx or 401"
        ))),
    }
}

/// The answer readers for the fuzz targets in `fuzz/`; not a stable API. An answer is
/// `Ok(subject)` for an allow and `Err(deny)` for a deny or a protocol error.
#[doc(hidden)]
pub mod fuzzing {
    use super::Answer;
    use authbench_core::Deny;

    fn flat(answer: Result<Answer, Deny>) -> Result<Option<String>, Deny> {
        match answer? {
            Answer::Allow { subject, .. } => Ok(subject),
            Answer::Deny(deny) => Err(deny),
        }
    }

    /// A Red5 Pro answer (see the module docs).
    pub fn red5_answer(status: u16, body: &[u8]) -> Result<Option<String>, Deny> {
        flat(super::red5_answer(status, body))
    }

    /// A MediaMTX answer; `presented`: whether the request carried any credential.
    pub fn mtx_answer(status: u16, body: &[u8], presented: bool) -> Result<Option<String>, Deny> {
        flat(super::mtx_answer(status, body, presented))
    }

    /// An nginx-rtmp answer; `location`: the `Location` of a 3xx.
    pub fn nginx_rtmp_answer(
        status: u16,
        location: Option<&str>,
        body: &[u8],
    ) -> Result<Option<String>, Deny> {
        flat(Ok(super::nginx_rtmp::answer(status, location, body)))
    }

    /// An SRS answer.
    pub fn srs_answer(status: u16, body: &[u8]) -> Result<Option<String>, Deny> {
        flat(Ok(super::srs::answer(status, body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Credentials, StreamPath};
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
    fn red5_body_has_the_validator_fields() {
        let mut creds = Credentials::user_password("alice", "pw");
        creds.token = Some("tok".into());
        let r = req(creds, Action::Publish, Transport::Rtmp, "live/room1/cam1");
        let v: Value = serde_json::from_slice(&red5_body(&r, true).expect("body")).expect("json");
        assert_eq!(
            v,
            json!({"type": "publisher", "username": "alice", "password": "pw", "token": "tok",
                   "streamID": "cam1", "scope": "live/room1"})
        );
        let v: Value = serde_json::from_slice(&red5_body(&r, false).expect("body")).expect("json");
        assert!(v.get("type").is_none());
        let single = req(
            Credentials::user_password("a", "b"),
            Action::Subscribe,
            Transport::Rtmp,
            "cam1",
        );
        let v: Value =
            serde_json::from_slice(&red5_body(&single, true).expect("body")).expect("json");
        assert_eq!(v["token"], "");
        assert!(v.get("scope").is_none());
        let token_only = req(
            Credentials::token("t"),
            Action::Subscribe,
            Transport::Rtmp,
            "live/x",
        );
        assert_eq!(
            red5_body(&token_only, true)
                .expect_err("needs user and password")
                .reason,
            DenyReason::MissingCredentials
        );
    }

    #[test]
    fn mtx_body_has_the_mediamtx_fields() {
        let mut r = req(
            Credentials::token("t"),
            Action::Subscribe,
            Transport::Whep,
            "live/room1/cam1",
        );
        r.client_addr = Some("192.0.2.1".parse().expect("ip"));
        r.request_id = Some("conn-1".into());
        let v: Value = serde_json::from_slice(&mtx_body(&r, true).expect("body")).expect("json");
        assert_eq!(
            v,
            json!({"user": "", "password": "", "token": "t", "ip": "192.0.2.1", "action": "read",
                   "path": "live/room1/cam1", "protocol": "webrtc", "id": "conn-1", "query": ""})
        );
        let v: Value = serde_json::from_slice(&mtx_body(&r, false).expect("body")).expect("json");
        assert_eq!(v["id"], Value::Null);
    }

    #[test]
    fn red5_answers() {
        let allow = red5_answer(200, br#"{"result": true, "url": ""}"#).expect("valid");
        assert_eq!(
            allow,
            Answer::Allow {
                subject: None,
                note: None
            }
        );
        assert_eq!(
            red5_answer(200, br#"{"result": "TRUE", "subject": "alice"}"#).expect("valid"),
            Answer::Allow {
                subject: Some("alice".into()),
                note: None
            }
        );
        let deny = |b: &[u8]| match red5_answer(200, b).expect("valid") {
            Answer::Deny(d) => d.reason,
            Answer::Allow { .. } => panic!("allowed"),
        };
        assert_eq!(deny(br#"{"result": false}"#), DenyReason::BackendRejected);
        assert_eq!(
            deny(br#"{"result": false, "reason": "revoked"}"#),
            DenyReason::Revoked
        );
        assert_eq!(
            deny(br#"{"result": false, "reason": "room_forbidden"}"#),
            DenyReason::RoomForbidden
        );
        assert_eq!(
            deny(br#"{"result": false, "reason": "no_idea"}"#),
            DenyReason::BackendRejected
        );
        assert_eq!(
            deny(br#"{"result": false, "reason": "backend_timeout"}"#),
            DenyReason::BackendRejected
        );
        let err = |s, b: &[u8]| red5_answer(s, b).expect_err("protocol error").reason;
        assert_eq!(
            err(201, br#"{"result": true}"#),
            DenyReason::BackendProtocolError
        );
        assert_eq!(err(500, b""), DenyReason::BackendProtocolError);
        assert_eq!(
            err(200, br#"{"result": tru"#),
            DenyReason::BackendProtocolError
        );
        assert_eq!(
            err(200, br#"{"result": 1}"#),
            DenyReason::BackendProtocolError
        );
        assert_eq!(
            err(200, br#"{"ok": true}"#),
            DenyReason::BackendProtocolError
        );
        assert_eq!(err(200, br#"[true]"#), DenyReason::BackendProtocolError);
    }

    #[test]
    fn mtx_answers() {
        assert_eq!(
            mtx_answer(204, b"", true).expect("valid"),
            Answer::Allow {
                subject: None,
                note: None
            }
        );
        assert_eq!(
            mtx_answer(200, b"OK", true).expect("valid"),
            Answer::Allow {
                subject: None,
                note: None
            }
        );
        let deny = |s, b: &[u8], p| match mtx_answer(s, b, p).expect("valid") {
            Answer::Deny(d) => d.reason,
            Answer::Allow { .. } => panic!("allowed"),
        };
        assert_eq!(deny(401, b"", true), DenyReason::BackendRejected);
        assert_eq!(deny(401, b"", false), DenyReason::MissingCredentials);
        assert_eq!(
            deny(403, br#"{"reason": "tenant_mismatch"}"#, true),
            DenyReason::TenantMismatch
        );
        for status in [302, 400, 404, 500, 503] {
            assert_eq!(
                mtx_answer(status, b"", true)
                    .expect_err("protocol error")
                    .reason,
                DenyReason::BackendProtocolError
            );
        }
    }

    #[test]
    fn subjects_are_sanitised() {
        let long = format!(r#"{{"result": true, "subject": "{}"}}"#, "a".repeat(300));
        assert_eq!(
            red5_answer(200, long.as_bytes()).expect("valid"),
            Answer::Allow {
                subject: None,
                note: None
            }
        );
        let ctrl = br#"{"result": true, "subject": "a\nb"}"#;
        assert_eq!(
            red5_answer(200, ctrl).expect("valid"),
            Answer::Allow {
                subject: None,
                note: None
            }
        );
    }
}
