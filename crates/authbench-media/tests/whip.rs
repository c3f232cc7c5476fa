//! The WHIP / WHEP probe against an HTTP endpoint double on loopback: the double records what
//! arrived (method, path, `Authorization`, content type, offer) and answers as each test says.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, StreamPath, Transport,
};
use authbench_media::{MediaAuthenticator, MediaConfig, MediaConfigError, Present, QueryNames};
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
    /// Held shut, a DELETE is not answered until it opens.
    deletes: Arc<tokio::sync::Semaphore>,
}

impl Double {
    async fn start(script: Script) -> Double {
        let double = Double::gated(script).await;
        double
            .deletes
            .add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
        double
    }

    /// A double whose DELETEs wait for [`Double::deletes`] to open.
    async fn gated(script: Script) -> Double {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let deletes = Arc::new(tokio::sync::Semaphore::new(0));
        let record = seen.clone();
        let gate = deletes.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let script = script.clone();
                let record = record.clone();
                let gate = gate.clone();
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
                    if method == Method::DELETE {
                        let _ = gate.acquire().await;
                    }
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
            deletes,
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

/// Decides `req` and waits for the session to close, as runners do.
async fn decide(auth: &Arc<dyn Authenticator>, req: &AuthRequest) -> Decision {
    tokio::time::timeout(WAIT, async {
        let decision = auth.authenticate(req).await;
        auth.settle().await;
        decision
    })
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

#[tokio::test]
async fn the_decision_comes_at_the_verdict_and_settle_waits_for_the_delete() {
    let double = Double::gated(Script::Created("/session/slow")).await;
    let probe = MediaAuthenticator::new(
        MediaConfig::new(Present::Token).with_whip(format!("{}/{{stream}}/whip", double.base)),
    )
    .expect("valid config");
    let req = request(Transport::Whip, "live/cam1", token());
    // The DELETE is held unanswered until after the decision: a probe that waited for it would
    // give up after the cleanup timeout and note the session as not deleted.
    let d = tokio::time::timeout(WAIT, probe.authenticate(&req))
        .await
        .expect("a decision");
    let Decision::Allow(allow) = &d else {
        panic!("expected an allow: {d:?}")
    };
    assert_eq!(allow.note, None);
    let settled = tokio::spawn({
        let probe = probe.clone();
        async move { probe.settle().await }
    });
    double.deletes.add_permits(1);
    tokio::time::timeout(WAIT, settled)
        .await
        .expect("settle in bounded time")
        .expect("settle");
    let methods: Vec<Method> = double.seen().into_iter().map(|s| s.method).collect();
    assert_eq!(methods, [Method::POST, Method::DELETE]);
}

#[tokio::test]
async fn joins_are_timed_per_verdict_and_made_again_at_the_reference_without_credentials() {
    let server = Double::start(Script::Created("/session/1")).await;
    let refusing = Double::start(Script::Status(401, "")).await;
    let failing = Double::start(Script::Status(500, "")).await;
    let open = Double::start(Script::Created("/session/open")).await;
    let reference = authbench_media::Reference {
        whip: Some(format!("{}/{{stream}}/whip", open.base)),
        whep: Some(format!("{}/{{stream}}/whep", open.base)),
        ..Default::default()
    };
    let probe_of = |double: &Double| {
        MediaAuthenticator::new(
            MediaConfig::new(Present::Token)
                .with_whip(format!("{}/{{stream}}/whip", double.base))
                .with_whep(format!("{}/{{stream}}/whep", double.base))
                .with_reference(reference.clone()),
        )
        .expect("valid config")
    };
    let whip = request(Transport::Whip, "live/cam1", token());
    let whep = request(Transport::Whep, "live/cam1", token());

    let admitting = probe_of(&server);
    for req in [&whip, &whip, &whep] {
        assert!(admitting.authenticate(req).await.is_allow());
        admitting.settle().await;
    }
    let times = admitting.join_times();
    let summary: Vec<_> = times
        .iter()
        .map(|j| {
            (
                j.transport,
                j.admitted.len(),
                j.refused.len(),
                j.open.len(),
                j.open_failed,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(Transport::Whip, 2, 0, 2, 0), (Transport::Whep, 1, 0, 1, 0)]
    );
    // The reference saw the same joins, with no credentials.
    let at_open: Vec<(Method, String, Option<String>)> = open
        .seen()
        .into_iter()
        .filter(|s| s.method == Method::POST)
        .map(|s| (s.method, s.path, s.authorization))
        .collect();
    assert_eq!(
        at_open,
        [
            (Method::POST, "/live/cam1/whip".to_owned(), None),
            (Method::POST, "/live/cam1/whip".to_owned(), None),
            (Method::POST, "/live/cam1/whep".to_owned(), None),
        ]
    );

    let refused = probe_of(&refusing);
    assert_eq!(
        refused.authenticate(&whip).await.reason(),
        Some(DenyReason::ServerRefused)
    );
    refused.settle().await;
    let times = refused.join_times();
    assert_eq!(times.len(), 1);
    assert_eq!((times[0].admitted.len(), times[0].refused.len()), (0, 1));
    assert_eq!(
        times[0].open.len(),
        1,
        "a refused join is made at the reference too"
    );

    // A server that fails rather than decides measures no join and sends none to the reference.
    let failed = probe_of(&failing);
    assert_eq!(
        failed.authenticate(&whip).await.reason(),
        Some(DenyReason::BackendUnavailable)
    );
    failed.settle().await;
    assert_eq!(failed.join_times(), []);
}

#[tokio::test]
async fn a_reference_that_refuses_is_counted_with_its_words_not_timed() {
    let server = Double::start(Script::Created("/session/1")).await;
    let not_open = Double::start(Script::Status(403, "auth is on here")).await;
    let probe = MediaAuthenticator::new(
        MediaConfig::new(Present::Token)
            .with_whip(format!("{}/{{stream}}/whip", server.base))
            .with_reference(authbench_media::Reference {
                whip: Some(format!("{}/{{stream}}/whip", not_open.base)),
                ..Default::default()
            }),
    )
    .expect("valid config");
    let req = request(Transport::Whip, "live/cam1", token());
    for _ in 0..2 {
        assert!(probe.authenticate(&req).await.is_allow());
        probe.settle().await;
    }
    let times = probe.join_times();
    assert_eq!(times.len(), 1);
    assert_eq!(times[0].admitted.len(), 2);
    assert_eq!((times[0].open.len(), times[0].open_failed), (0, 2));
    assert_eq!(
        times[0].open_failure.as_deref(),
        Some("deny(server_refused): whip: 403 Forbidden: auth is on here")
    );
}

#[tokio::test]
async fn a_red5_pro_template_splits_the_path_into_app_and_name() {
    let double = Double::start(Script::Created("/live/room1/whip/endpoint/cam1/session")).await;
    let auth = probe_with(
        MediaConfig::new(Present::Password)
            .with_whip(format!("{}/{{app}}/whip/endpoint/{{name}}", double.base)),
    );
    let creds = Credentials::user_password("alice", "s3cret");
    let d = decide(&auth, &request(Transport::Whip, "live/room1/cam1", creds)).await;
    assert_eq!(d.principal(), Some("alice"), "{d:?}");
    let seen = double.seen();
    assert_eq!(seen[0].path, "/live/room1/whip/endpoint/cam1");
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic YWxpY2U6czNjcmV0")
    );
    assert_eq!(seen[1].method, Method::DELETE);
}

/// SRS's WHIP URL, credentials in the query for its `http_hooks` (which see it as `param`).
fn srs(double: &Double) -> String {
    format!(
        "{}/rtc/v1/whip/?app={{app}}&stream={{name}}&{{credentials}}",
        double.base
    )
}

#[tokio::test]
async fn an_srs_template_carries_app_stream_and_credentials_in_the_query_and_authorization_too() {
    let double = Double::start(Script::Created(
        "/rtc/v1/whip/?action=delete&token=7c&app=live&stream=cam1&session=s1",
    ))
    .await;
    let auth = probe_with(MediaConfig::new(Present::Password).with_whip(srs(&double)));
    let creds = Credentials::user_password("alice", "s3cr&t");
    let d = decide(&auth, &request(Transport::Whip, "live/room1/cam1", creds)).await;
    assert_eq!(d.principal(), Some("alice"), "{d:?}");
    let seen = double.seen();
    assert_eq!(
        seen[0].path,
        "/rtc/v1/whip/?app=live%2Froom1&stream=cam1&username=alice&password=s3cr%26t"
    );
    // base64("alice:s3cr&t")
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Basic YWxpY2U6czNjciZ0")
    );
    assert_eq!(
        (seen[1].method.clone(), seen[1].path.as_str()),
        (
            Method::DELETE,
            "/rtc/v1/whip/?action=delete&token=7c&app=live&stream=cam1&session=s1"
        )
    );
}

#[tokio::test]
async fn credentials_in_the_query_use_the_configured_names_and_are_empty_without_any() {
    let double = Double::start(Script::Status(401, "")).await;
    let names = QueryNames {
        token: "jwt".into(),
        ..QueryNames::default()
    };
    let auth = probe_with(
        MediaConfig::new(Present::Token)
            .with_whep(srs(&double).replace("whip", "whep"))
            .with_query_names(names),
    );
    decide(&auth, &request(Transport::Whep, "live/cam1", token())).await;
    decide(
        &auth,
        &request(Transport::Whep, "live/cam1", Credentials::none()),
    )
    .await;
    let seen = double.seen();
    assert_eq!(
        seen[0].path,
        "/rtc/v1/whep/?app=live&stream=cam1&jwt=eyJhbGciOi.payload.sig"
    );
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer eyJhbGciOi.payload.sig")
    );
    assert_eq!(seen[1].path, "/rtc/v1/whep/?app=live&stream=cam1&");
    assert_eq!(seen[1].authorization, None);
}

#[tokio::test]
async fn a_template_with_an_unknown_placeholder_is_refused() {
    let err = MediaAuthenticator::new(
        MediaConfig::new(Present::Token)
            .with_whip("http://127.0.0.1:1985/rtc/v1/whip/?app={app}&stream={stream_name}"),
    )
    .err();
    assert_eq!(
        err,
        Some(MediaConfigError::BadEndpoint {
            key: "whip",
            problem: "unknown placeholder `{stream_name}` (known: {stream}, {app}, {name}, {credentials})"
                .into()
        })
    );
}

#[tokio::test]
async fn secrets_in_the_query_never_reach_a_deny_detail() {
    // A server echoing the URL it was asked, credentials and all.
    let echo = Double::start(Script::Status(
        403,
        "forbidden: /rtc/v1/whip/?app=live&stream=cam1&username=alice&password=s3cr%26t",
    ))
    .await;
    let auth = probe_with(MediaConfig::new(Present::Password).with_whip(srs(&echo)));
    let creds = || Credentials::user_password("alice", "s3cr&t");
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", creds())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::ServerRefused);
    assert_eq!(
        detail,
        "whip: 403 Forbidden: forbidden: /rtc/v1/whip/?app=live&stream=cam1&username=alice&password=[redacted]"
    );

    // No answer in time: the detail names the origin only.
    let stalled = Double::start(Script::Stall).await;
    let auth = probe_with(
        MediaConfig::new(Present::Token)
            .with_whip(srs(&stalled))
            .with_timeout(Duration::from_millis(300)),
    );
    let d = decide(&auth, &request(Transport::Whip, "live/cam1", token())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::BackendTimeout);
    assert!(
        !detail.contains("eyJ") && !detail.contains("rtc/v1"),
        "{detail}"
    );
    assert!(detail.contains(&stalled.base), "{detail}");
}

/// A 100-character token that passes as a header value.
fn long_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..100)
        .map(|i| char::from(ALPHABET[(i * 7 + 3) % ALPHABET.len()]))
        .collect()
}

/// The 20-character pieces of `secret` that `detail` holds.
fn pieces_of(secret: &str, detail: &str) -> Vec<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(20)
        .map(|w| w.iter().collect::<String>())
        .filter(|piece| detail.contains(piece.as_str()))
        .collect()
}

#[tokio::test]
async fn a_token_echoed_across_the_shown_length_is_redacted_before_the_cut() {
    let token = long_token();
    // 140 characters, then the token: the shown part of the body (160 characters) ends inside it.
    let body = format!("{} {token}", "a".repeat(139));
    let double = Double::start(Script::Status(403, Box::leak(body.into_boxed_str()))).await;
    let auth = probe(&double, Present::Token);
    let d = decide(
        &auth,
        &request(
            Transport::Whip,
            "live/cam1",
            Credentials::token(token.as_str()),
        ),
    )
    .await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::ServerRefused);
    assert_eq!(pieces_of(&token, &detail), Vec::<String>::new(), "{detail}");
    assert!(detail.ends_with(" [redacted]"), "{detail}");
}
#[tokio::test]
async fn a_token_no_header_can_carry_is_malformed_and_nothing_is_sent() {
    // An open server: a probe that dropped the credentials would be let in.
    let double = Double::start(Script::Created("/session/abc")).await;
    let auth = probe(&double, Present::Token);
    for bad in ["s3cr\net", "s3cr\u{7f}et"] {
        let d = decide(
            &auth,
            &request(Transport::Whip, "live/cam1", Credentials::token(bad)),
        )
        .await;
        let (reason, detail) = deny(&d);
        assert_eq!(
            reason,
            DenyReason::MalformedCredentials,
            "{bad:?}: {detail}"
        );
        assert!(!detail.contains("s3cr"), "{detail}");
    }
    assert!(double.seen().is_empty(), "{:?}", double.seen());
}
