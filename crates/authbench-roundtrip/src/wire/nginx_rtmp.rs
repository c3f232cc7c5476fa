//! nginx-rtmp-module `on_publish` / `on_play` notifications, as the module sends and reads them.
//!
//! Checked against the module's source, `ngx_rtmp_notify_module.c` and
//! `ngx_rtmp_netcall_module.c` (arut/nginx-rtmp-module 1.2.x, the version Debian packages as
//! `libnginx-mod-rtmp`):
//!
//! * **Request.** An HTTP `POST` with `Content-Type: application/x-www-form-urlencoded` (a `GET`
//!   with the same fields in the query under `notify_method get`). The body is the session's
//!   `app`, `flashver`, `swfurl`, `tcurl`, `pageurl`, `addr` (the client's address) and
//!   `clientid` (`ngx_rtmp_netcall_http_format_session`), then `call=publish` with `name` and
//!   `type` (`ngx_rtmp_notify_publish_create`) or `call=play` with `name`, `start`, `duration`
//!   and `reset` (`ngx_rtmp_notify_play_create`), then the client's own arguments — the query
//!   the client put after the stream name (`cam1?username=u&password=p`) — appended as they came.
//!   Credentials therefore arrive as the form fields `username`, `password` or `token`, the
//!   names connect parsing reads from an RTMP URL.
//! * **App and name.** For `rtmp://host/live/room1/cam1` a client such as ffmpeg connects to app
//!   `live/room1` (tcUrl `rtmp://host/live/room1`) and publishes `cam1`: the app is the stream
//!   path's scope, the name its last segment. The module is not told the media server's own
//!   host here, so `tcurl` names `localhost`.
//! * **Answer** (`ngx_rtmp_notify_parse_http_retcode`): only the status line's first digit is
//!   read. `2xx` lets the client continue; `3xx` also lets it continue, under the stream name in
//!   `Location` (an `rtmp://` location relays the stream instead; no `Location`: unchanged);
//!   anything else, or no readable status, drops the client. The body is never read.
//!
//! Here: `2xx` is an allow; `3xx` is an allow (nginx-rtmp admits the client) whose note names
//! the redirect target; any other status is `backend_rejected`, or the precise client-side
//! `reason` when the answer of a `4xx` carries one (the reference service's extension: nginx
//! itself gives no reason). A `2xx` body may name the `subject`.

use authbench_core::{Action, AuthRequest, Deny, DenyReason, redact};
use url::form_urlencoded;

use super::{Answer, answer_object, rejected, subject};

/// The `flashver` ffmpeg's RTMP client sends when it publishes (FMLE's, as encoders do).
const FLASHVER_PUBLISH: &str = "FMLE/3.0 (compatible; authbench)";
/// The `flashver` of a player (librtmp's and ffmpeg's default).
const FLASHVER_PLAY: &str = "LNX 9,0,124,2";
/// Longest redirect target kept in a note (the module copies at most 255 bytes).
const MAX_LOCATION_LEN: usize = 255;

/// The form body nginx-rtmp posts for `req`, fields in the module's order. `with_id: false`
/// leaves out the per-connection `clientid` (for cache keys).
pub(crate) fn body(req: &AuthRequest, with_id: bool) -> Vec<u8> {
    let path = &req.path;
    // `rtmp://host/cam1` has app `cam1` and no name; otherwise app = scope, name = last segment.
    let (app, name) = match path.as_str().rsplit_once('/') {
        Some((scope, stream)) => (scope, stream),
        None => (path.as_str(), ""),
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("app", app)
        .append_pair(
            "flashver",
            match req.action {
                Action::Publish => FLASHVER_PUBLISH,
                Action::Subscribe => FLASHVER_PLAY,
            },
        )
        .append_pair("swfurl", "")
        .append_pair("tcurl", &format!("rtmp://localhost/{app}"))
        .append_pair("pageurl", "")
        .append_pair(
            "addr",
            &req.client_addr.map(|a| a.to_string()).unwrap_or_default(),
        )
        .append_pair(
            "clientid",
            if with_id {
                req.request_id.as_deref().unwrap_or("1")
            } else {
                ""
            },
        );
    match req.action {
        Action::Publish => {
            form.append_pair("call", "publish")
                .append_pair("name", name)
                .append_pair("type", "live");
        }
        Action::Subscribe => {
            form.append_pair("call", "play")
                .append_pair("name", name)
                // ffmpeg asks for live (`start` -2000), which the module prints as unsigned.
                .append_pair("start", "4294965296")
                .append_pair("duration", "0")
                .append_pair("reset", "0");
        }
    }
    // The client's own query arguments, as connect parsing names them.
    let c = &req.credentials;
    if let Some(user) = c.username.as_deref().filter(|u| !u.is_empty()) {
        form.append_pair("username", user);
    }
    if let Some(pass) = c.password.as_ref() {
        form.append_pair("password", pass.expose());
    }
    if let Some(token) = c.token.as_ref() {
        form.append_pair("token", token.expose());
    }
    form.finish().into_bytes()
}

/// A redirect target as it may be shown: an `rtmp://` URL through [`redact::url`], a stream
/// name without its query and with any user info redacted (either may carry credentials);
/// `None` when unusable.
fn shown_location(location: &str) -> Option<String> {
    if location.is_empty()
        || location.len() > MAX_LOCATION_LEN
        || location.chars().any(char::is_control)
    {
        return None;
    }
    if is_rtmp(location) {
        Some(redact::url(location))
    } else {
        Some(redact::url(location.split('?').next().unwrap_or_default()))
    }
}

/// Whether a location is an `rtmp://` URL (a relay), compared as the module does.
fn is_rtmp(location: &str) -> bool {
    location
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("rtmp://"))
}

/// Reads an answer as nginx-rtmp does. `location`: the `Location` header of a `3xx`.
pub(crate) fn answer(status: u16, location: Option<&str>, body: &[u8]) -> Answer {
    match status {
        200..=299 => Answer::Allow {
            subject: subject(answer_object(body)),
            note: None,
        },
        300..=399 => {
            let note = match location.map(|l| (l, shown_location(l))) {
                Some((l, Some(shown))) if is_rtmp(l) => {
                    format!(
                        "nginx-rtmp redirect (HTTP {status}): the stream is relayed via {shown}"
                    )
                }
                Some((_, Some(shown))) => {
                    format!(
                        "nginx-rtmp redirect (HTTP {status}): the client continues as stream `{shown}`"
                    )
                }
                Some((_, None)) => format!(
                    "nginx-rtmp redirect (HTTP {status}) to a location that cannot be shown; nginx-rtmp continues with it"
                ),
                None => format!(
                    "nginx-rtmp redirect (HTTP {status}) without a Location: the client continues unchanged"
                ),
            };
            Answer::Allow {
                subject: None,
                note: Some(note),
            }
        }
        400..=499 => rejected(answer_object(body).as_ref(), DenyReason::BackendRejected),
        _ => Answer::Deny(Deny::new(
            DenyReason::BackendRejected,
            format!("the auth service answered HTTP {status}; nginx-rtmp drops the client"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Credentials, StreamPath, Transport};

    fn req(creds: Credentials, action: Action, path: &str) -> AuthRequest {
        AuthRequest::new(
            action,
            Transport::Rtmp,
            StreamPath::new(path).expect("path"),
            creds,
        )
    }

    fn fields(body: &[u8]) -> Vec<(String, String)> {
        form_urlencoded::parse(body).into_owned().collect()
    }

    fn field<'a>(f: &'a [(String, String)], key: &str) -> Option<&'a str> {
        f.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn publish_body_has_the_module_fields_in_order() {
        let mut r = req(
            Credentials::user_password("alice", "p&w=1"),
            Action::Publish,
            "live/room1/cam1",
        );
        r.client_addr = Some("192.0.2.7".parse().expect("ip"));
        r.request_id = Some("42".into());
        let f = fields(&body(&r, true));
        let keys: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "app", "flashver", "swfurl", "tcurl", "pageurl", "addr", "clientid", "call",
                "name", "type", "username", "password"
            ]
        );
        assert_eq!(field(&f, "app"), Some("live/room1"));
        assert_eq!(field(&f, "tcurl"), Some("rtmp://localhost/live/room1"));
        assert_eq!(field(&f, "call"), Some("publish"));
        assert_eq!(field(&f, "name"), Some("cam1"));
        assert_eq!(field(&f, "type"), Some("live"));
        assert_eq!(field(&f, "addr"), Some("192.0.2.7"));
        assert_eq!(field(&f, "clientid"), Some("42"));
        assert_eq!(field(&f, "password"), Some("p&w=1"));
        let without_id = fields(&body(&r, false));
        assert_eq!(field(&without_id, "clientid"), Some(""));
    }

    #[test]
    fn play_body_has_call_play_and_the_token() {
        let r = req(Credentials::token("t.o.k"), Action::Subscribe, "live/cam1");
        let f = fields(&body(&r, true));
        assert_eq!(field(&f, "call"), Some("play"));
        assert_eq!(field(&f, "app"), Some("live"));
        assert_eq!(field(&f, "name"), Some("cam1"));
        assert_eq!(field(&f, "token"), Some("t.o.k"));
        assert_eq!(field(&f, "reset"), Some("0"));
        assert_eq!(field(&f, "username"), None);
        assert_eq!(field(&f, "password"), None);
        let single = fields(&body(
            &req(Credentials::none(), Action::Publish, "cam1"),
            true,
        ));
        assert_eq!(field(&single, "app"), Some("cam1"));
        assert_eq!(field(&single, "name"), Some(""));
    }

    #[test]
    fn answers_follow_the_first_status_digit() {
        assert_eq!(
            answer(204, None, b""),
            Answer::Allow {
                subject: None,
                note: None
            }
        );
        assert_eq!(
            answer(200, None, br#"{"subject": "alice"}"#),
            Answer::Allow {
                subject: Some("alice".into()),
                note: None
            }
        );
        let deny = |s, b: &[u8]| match answer(s, None, b) {
            Answer::Deny(d) => d.reason,
            Answer::Allow { .. } => panic!("allowed"),
        };
        assert_eq!(deny(403, b""), DenyReason::BackendRejected);
        assert_eq!(deny(401, b"nope"), DenyReason::BackendRejected);
        assert_eq!(deny(403, br#"{"reason": "revoked"}"#), DenyReason::Revoked);
        assert_eq!(
            deny(403, br#"{"reason": "backend_timeout"}"#),
            DenyReason::BackendRejected
        );
        // A 5xx is a refusal too, and its body is not read for a reason.
        assert_eq!(
            deny(500, br#"{"reason": "revoked"}"#),
            DenyReason::BackendRejected
        );
        assert_eq!(deny(503, b""), DenyReason::BackendRejected);
    }

    fn note(status: u16, location: Option<&str>) -> String {
        match answer(status, location, b"") {
            Answer::Allow {
                note: Some(n),
                subject: None,
            } => n,
            other => panic!("not a redirect allow: {other:?}"),
        }
    }

    #[test]
    fn redirects_are_allows_that_say_where_to() {
        let renamed = note(302, Some("cam2?token=SECRET"));
        assert!(renamed.contains("continues as stream `cam2`"), "{renamed}");
        assert!(!renamed.contains("SECRET"), "{renamed}");
        let relayed = note(301, Some("rtmp://user:SECRET@origin.test/live/cam1?key=K"));
        assert!(relayed.contains("relayed via rtmp://"), "{relayed}");
        assert!(relayed.contains("origin.test"), "{relayed}");
        assert!(!relayed.contains("SECRET"), "{relayed}");
        assert!(!relayed.contains("=K"), "{relayed}");
        let other = note(302, Some("http://user:SECRET@relay.test/x?k=K"));
        assert!(other.contains("relay.test/x"), "{other}");
        assert!(
            !other.contains("SECRET") && !other.contains("=K"),
            "{other}"
        );
        assert!(note(303, None).contains("continues unchanged"));
        assert!(note(307, Some("a\nb")).contains("cannot be shown"));
        let long = "x".repeat(300);
        assert!(note(302, Some(&long)).contains("cannot be shown"));
    }
}
