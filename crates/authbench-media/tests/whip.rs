//! The WHIP / WHEP probe against an HTTP endpoint double on loopback: the double records what
//! arrived (method, path, `Authorization`, content type, offer) and answers as each test says.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, StreamPath, Transport,
};
use authbench_media::{MediaAuthenticator, MediaConfig, Present};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use tokio::net::TcpListener;

/// Generous bound on a decision: a hang fails the test instead of blocking.
const WAIT: Duration = Duration::from_secs(20);

/// How the double answers the POST.
#[derive(Clone)]
enum Script {
    /// `201 Created` with an SDP answer and this `Location`.
    Created(&'static str),
    /// This status and body.
    Status(u16, &'static str),
    /// Never answers.
    Stall,
    /// `201 Created` with a 10 MiB body.
    HugeBody,
    /// `201 Created` with a 100 KiB header.
    HugeHeader,
    /// `201 Created` whose body starts and never ends.
    StalledBody,
}

/// One request the double received.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: String,
}

struct Double {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    async fn start(script: Script) -> Double {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let record = seen.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let script = script.clone();
                let record = record.clone();
                async move {
                    let text = |h| {
                        headers
                            .get(h)
                            .and_then(|v: &header::HeaderValue| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    record.lock().expect("lock").push(Seen {
                        method: method.clone(),
                        path: uri.to_string(),
                        authorization: text(header::AUTHORIZATION),
                        content_type: text(header::CONTENT_TYPE),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    answer(&method, &script).await
                }
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Double {
            base: format!("http://{addr}"),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn answer(method: &Method, script: &Script) -> Response {
    let build = |status: u16, body: Body| {
        Response::builder()
            .status(StatusCode::from_u16(status).expect("status"))
            .body(body)
            .expect("response")
    };
    if method == Method::DELETE {
        return build(200, Body::empty());
    }
    match script {
        Script::Created(location) => {
            let mut r = build(201, Body::from("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"));
            r.headers_mut()
                .insert(header::LOCATION, header::HeaderValue::from_static(location));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/sdp"),
            );
            r
        }
        Script::Status(status, body) => build(*status, Body::from(*body)),
        Script::Stall => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            build(500, Body::empty())
        }
        Script::StalledBody => {
            let mut r = build(201, Body::new(StalledBody { sent: false }));
            r.headers_mut().insert(
                header::LOCATION,
                header::HeaderValue::from_static("/session/stalled"),
            );
            r
        }
        Script::HugeHeader => {
            let mut r = build(201, Body::empty());
            let big = "x".repeat(100 * 1024);
            r.headers_mut().insert(
                "x-padding",
                header::HeaderValue::from_str(&big).expect("header"),
            );
            r
        }
        Script::HugeBody => {
            let mut r = build(201, Body::from(vec![b'a'; 10 << 20]));
            r.headers_mut().insert(
                header::LOCATION,
                header::HeaderValue::from_static("/session/huge"),
            );
            r
        }
    }
}

fn request(transport: Transport, path: &str, credentials: Credentials) -> AuthRequest {
    let action = match transport {
        Transport::Whep => Action::Subscribe,
        _ => Action::Publish,
    };
    AuthRequest::new(
        action,
        transport,
        StreamPath::new(path).expect("path"),
        credentials,
    )
}

fn probe(double: &Double, present: Present) -> Arc<dyn Authenticator> {
    probe_with(
        MediaConfig::new(present)
            .with_whip(format!("{}/{{stream}}/whip", double.base))
            .with_whep(format!("{}/{{stream}}/whep", double.base)),
    )
}

fn probe_with(config: MediaConfig) -> Arc<dyn Authenticator> {
    Arc::new(MediaAuthenticator::new(config).expect("valid config"))
}

async fn decide(auth: &Arc<dyn Authenticator>, req: &AuthRequest) -> Decision {
    tokio::time::timeout(WAIT, auth.authenticate(req))
        .await
        .expect("a decision in bounded time")
}

fn deny(d: &Decision) -> (DenyReason, String) {
    match d {
        Decision::Deny(d) => (d.reason, d.detail.clone()),
        Decision::Allow(a) => panic!("expected a deny, got an allow for {}", a.principal),
    }
}

fn token() -> Credentials {
    Credentials::token("eyJhbGciOi.payload.sig")
}

#[tokio::test]
async fn a_201_is_allowed_and_the_session_is_deleted_with_the_same_bearer() {
    let double = Double::start(Script::Created("/session/abc")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/room1/cam1", token())).await;
    let Decision::Allow(allow) = &d else {
        panic!("expected an allow: {d:?}")
    };
    assert_eq!(allow.principal, authbench_media::ANONYMOUS);
    assert_eq!(allow.note, None);
    let seen = double.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let (post, delete) = (&seen[0], &seen[1]);
    assert_eq!(
        (post.method.clone(), post.path.as_str()),
        (Method::POST, "/live/room1/cam1/whip")
    );
    assert_eq!(post.content_type.as_deref(), Some("application/sdp"));
    assert_eq!(
        post.authorization.as_deref(),
        Some("Bearer eyJhbGciOi.payload.sig")
    );
    assert!(post.body.starts_with("v=0\r\n"), "{}", post.body);
    assert_eq!(post.body.matches("a=sendonly").count(), 2);
    assert_eq!(
        (delete.method.clone(), delete.path.as_str()),
        (Method::DELETE, "/session/abc")
    );
    assert_eq!(delete.authorization, post.authorization);
}

#[tokio::test]
async fn whep_offers_to_receive_and_password_clients_send_basic() {
    let double = Double::start(Script::Created("sessions/1")).await;
    let auth = probe(&double, Present::Password);
    let creds = Credentials::user_password("alice", "s3cret");
    let d = decide(&auth, &request(Transport::Whep, "live/cam1", creds)).await;
    assert_eq!(d.principal(), Some("alice"), "{d:?}");
    let seen = double.seen();
    assert_eq!(seen[0].path, "/live/cam1/whep");
    assert_eq!(seen[0].body.matches("a=recvonly").count(), 2);
    // base64("alice:s3cret")
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic YWxpY2U6czNjcmV0")
    );
    // A relative Location resolves against the endpoint URL.
    assert_eq!(seen[1].method, Method::DELETE);
    assert_eq!(seen[1].path, "/live/cam1/sessions/1");
}

#[tokio::test]
async fn no_credentials_means_no_authorization_header() {
    let double = Double::start(Script::Status(401, "")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(
        &auth,
        &request(Transport::Whip, "live/cam1", Credentials::none()),
    )
    .await;
    assert_eq!(
        deny(&d),
        (DenyReason::ServerRefused, "whip: 401 Unauthorized".into())
    );
    assert_eq!(double.seen()[0].authorization, None);
}

#[tokio::test]
async fn a_401_is_server_refused_with_the_status_and_body() {
    let double = Double::start(Script::Status(
        401,
        r#"{"status":"error","error":"authentication failed"}"#,
    ))
    .await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            r#"whip: 401 Unauthorized: {"status":"error","error":"authentication failed"}"#.into()
        )
    );
    // Refused: nothing to delete.
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn a_403_that_echoes_the_token_is_refused_without_it() {
    let double = Double::start(Script::Status(
        403,
        "token eyJhbGciOi.payload.sig may not publish",
    ))
    .await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "whip: 403 Forbidden: token [redacted] may not publish".into()
        )
    );
}

#[tokio::test]
async fn a_404_for_a_missing_stream_is_server_refused() {
    let double = Double::start(Script::Status(404, "no stream is available on path")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whep, "live/nobody", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "whep: 404 Not Found: no stream is available on path".into()
        )
    );
}

#[tokio::test]
async fn a_500_is_backend_unavailable_not_a_refusal() {
    let double = Double::start(Script::Status(500, "")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendUnavailable,
            "whip: 500 Internal Server Error".into()
        )
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let double = Double::start(Script::Status(307, "")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "whip: answered 307 Temporary Redirect; redirects are not followed".into()
        )
    );
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn a_200_instead_of_201_is_a_protocol_error() {
    let double = Double::start(Script::Status(200, "v=0")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "whip: answered 200 OK; the protocol answers an offer with 201 Created".into()
        )
    );
}

#[tokio::test]
async fn a_session_on_another_origin_is_not_deleted() {
    let double = Double::start(Script::Created("http://203.0.113.9/session/abc")).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    let Decision::Allow(allow) = &d else {
        panic!("expected an allow: {d:?}")
    };
    assert_eq!(
        allow.note.as_deref(),
        Some("no Location on the server's own origin: session not deleted")
    );
    assert_eq!(double.seen().len(), 1);
}

#[tokio::test]
async fn a_stalled_server_is_backend_timeout() {
    let double = Double::start(Script::Stall).await;
    let auth = probe_with(
        MediaConfig::new(Present::Token)
            .with_whip(format!("{}/{{stream}}/whip", double.base))
            .with_timeout(Duration::from_millis(300)),
    );
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendTimeout,
            format!("no whip answer from {} within 300ms", double.base)
        )
    );
}

#[tokio::test]
async fn a_10_mib_body_is_a_protocol_error_and_the_session_is_still_deleted() {
    let double = Double::start(Script::HugeBody).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "whip: the 201 Created answer's body is longer than 64 KiB".into()
        )
    );
    let seen = double.seen();
    assert_eq!(
        seen.last().map(|s| (s.method.clone(), s.path.clone())),
        Some((Method::DELETE, "/session/huge".into()))
    );
}

#[tokio::test]
async fn no_server_listening_is_backend_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let auth = probe_with(
        MediaConfig::new(Present::Token).with_whip(format!("http://{addr}/{{stream}}/whip")),
    );
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendUnavailable,
            format!("http://{addr} refused the TCP connection")
        )
    );
}

#[tokio::test]
async fn an_https_endpoint_that_does_not_speak_tls_fails_closed() {
    let double = Double::start(Script::Created("/session/abc")).await;
    let https = double.base.replace("http://", "https://");
    let auth =
        probe_with(MediaConfig::new(Present::Token).with_whip(format!("{https}/{{stream}}/whip")));
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::BackendUnavailable);
    assert!(
        detail.starts_with(&format!("TLS with {https} failed: ")),
        "{detail}"
    );
    // Nothing reached the HTTP handler.
    assert!(double.seen().is_empty());
}

#[tokio::test]
async fn a_100_kib_header_block_is_a_protocol_error() {
    let double = Double::start(Script::HugeHeader).await;
    let auth = probe(&double, Present::Token);
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::BackendProtocolError, "{detail}");
    assert!(
        detail.starts_with("whip: the answer is not HTTP/1.1 within bounds"),
        "{detail}"
    );
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_protocol_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"\x03\x00\x00garbage that is not HTTP\r\n\r\n")
                .await;
            let _ = sock.read(&mut buf).await;
        }
    });
    let auth = probe_with(
        MediaConfig::new(Present::Token).with_whip(format!("http://{addr}/{{stream}}/whip")),
    );
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::BackendProtocolError, "{detail}");
    assert!(
        detail.starts_with("whip: the answer is not HTTP/1.1 within bounds"),
        "{detail}"
    );
}

/// A body that yields one piece and then nothing, ever.
struct StalledBody {
    sent: bool,
}

impl http_body::Body for StalledBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.sent {
            return std::task::Poll::Pending;
        }
        self.sent = true;
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(
            b"v=0\r\n",
        )))))
    }
}

#[tokio::test]
async fn a_201_whose_body_stalls_is_backend_timeout_and_the_session_is_deleted() {
    let double = Double::start(Script::StalledBody).await;
    let auth = probe_with(
        MediaConfig::new(Present::Token)
            .with_whip(format!("{}/{{stream}}/whip", double.base))
            .with_timeout(Duration::from_millis(300)),
    );
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendTimeout,
            "whip: the 201 Created answer's body did not end within 300ms".into()
        )
    );
    let seen = double.seen();
    assert_eq!(
        seen.last().map(|s| (s.method.clone(), s.path.clone())),
        Some((Method::DELETE, "/session/stalled".into()))
    );
}
