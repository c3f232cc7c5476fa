//! `protocol: nginx-rtmp`: the round-trip client posts what nginx-rtmp-module posts and reads
//! answers as the module does (2xx continue, 3xx continue elsewhere, anything else drops), against
//! loopback servers answering each kind and against the reference service.

mod common;

use authbench_core::{Action, Capability, Credentials, Decision, DenyReason, Transport};
use std::time::Duration;

use authbench_roundtrip::{InvalidateError, MAX_ANSWER_BYTES, Protocol, RoundTripConfig};
use common::*;
use url::form_urlencoded;

const P: Protocol = Protocol::NginxRtmp;

async fn decide_with(
    answer: &'static [u8],
    req: &authbench_core::AuthRequest,
) -> (Decision, Vec<u8>) {
    let (addr, mut rx) = fixed_answer(answer).await;
    let auth = authenticator(&config(format!("http://{addr}/on_publish"), P), clock());
    let d = auth.authenticate(req).await;
    let sent = rx.recv().await.expect("a request was sent");
    (d, sent)
}

fn body_of(request: &[u8]) -> &[u8] {
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head");
    &request[end + 4..]
}

fn fields(request: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body_of(request))
        .into_owned()
        .collect()
}

fn field<'a>(f: &'a [(String, String)], key: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn a_2xx_continues_and_the_form_is_what_nginx_posts() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    let (d, sent) = decide_with(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", &req).await;
    let allow = expect_allow(&d);
    assert_eq!(allow.principal, "alice");
    assert_eq!(allow.note, None);
    let head = String::from_utf8_lossy(&sent).to_ascii_lowercase();
    assert!(head.starts_with("post /on_publish http/1.1\r\n"), "{head}");
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded\r\n"),
        "{head}"
    );
    let f = fields(&sent);
    assert_eq!(field(&f, "call"), Some("publish"));
    assert_eq!(field(&f, "app"), Some("live/room1"));
    assert_eq!(field(&f, "name"), Some("cam1"));
    assert_eq!(field(&f, "tcurl"), Some("rtmp://localhost/live/room1"));
    assert_eq!(field(&f, "username"), Some("alice"));
    assert_eq!(field(&f, "password"), Some("alice-pw"));

    // A play is `call=play`; a 204 continues too, and a subject in a 2xx body is read.
    let play = request(
        Action::Subscribe,
        Transport::Rtmp,
        "live/room1/cam1",
        Credentials::token("tok"),
    );
    let (d, sent) = decide_with(
        b"HTTP/1.1 200 OK\r\ncontent-length: 19\r\n\r\n{\"subject\":\"carol\"}",
        &play,
    )
    .await;
    assert_eq!(expect_allow(&d).principal, "carol");
    let f = fields(&sent);
    assert_eq!(field(&f, "call"), Some("play"));
    assert_eq!(field(&f, "token"), Some("tok"));
    let (d, _) = decide_with(b"HTTP/1.1 204 No Content\r\n\r\n", &play).await;
    assert_eq!(expect_allow(&d).principal, authbench_roundtrip::ANONYMOUS);
}

#[tokio::test]
async fn a_3xx_continues_under_the_location_and_says_so() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    let (d, _) = decide_with(
        b"HTTP/1.1 302 Found\r\nlocation: cam2?token=SECRET\r\ncontent-length: 0\r\n\r\n",
        &req,
    )
    .await;
    let allow = expect_allow(&d);
    let note = allow.note.as_deref().expect("a redirect note");
    assert!(note.contains("continues as stream `cam2`"), "{note}");
    assert!(!note.contains("SECRET"), "{note}");

    let (d, _) = decide_with(
        b"HTTP/1.1 301 Moved\r\nlocation: rtmp://origin.test/live/cam1?key=K\r\ncontent-length: 0\r\n\r\n",
        &req,
    )
    .await;
    let note = expect_allow(&d).note.clone().expect("note");
    assert!(note.contains("relayed via rtmp://origin.test"), "{note}");
    assert!(!note.contains("=K"), "{note}");

    let (d, _) = decide_with(b"HTTP/1.1 303 See Other\r\ncontent-length: 0\r\n\r\n", &req).await;
    let note = expect_allow(&d).note.clone().expect("note");
    assert!(note.contains("without a Location"), "{note}");
}

#[tokio::test]
async fn anything_else_drops_the_client() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    for answer in [
        &b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"[..],
        b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 4\r\n\r\nnope",
        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n",
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 27\r\n\r\n{\"reason\": \"bad_password\"}\n",
    ] {
        let (d, _) = decide_with(answer, &req).await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendRejected),
            "{}",
            String::from_utf8_lossy(answer)
        );
    }
    // A 4xx may name a client-side reason (the reference service's extension).
    let (d, _) = decide_with(
        b"HTTP/1.1 403 Forbidden\r\ncontent-length: 20\r\n\r\n{\"reason\":\"revoked\"}",
        &req,
    )
    .await;
    assert_eq!(d.reason(), Some(DenyReason::Revoked));
}

#[tokio::test]
async fn hostile_answers_fail_closed() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    let (d, _) = decide_with(b"garbage, not HTTP\r\n\r\n", &req).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError));
    let declared: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
            MAX_ANSWER_BYTES + 1
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let (d, _) = decide_with(declared, &req).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError));
    // Closed without an answer.
    let (d, _) = decide_with(b"", &req).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable));
}

#[tokio::test]
async fn against_the_reference_service() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let auth = authenticator(&config(url_for(&svc, P), P), clock.clone());
    let ok = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(expect_allow(&ok).principal, "alice");
    let cases = [
        (
            publish("alice", "wrong", "live/room1/cam1"),
            DenyReason::BadPassword,
        ),
        (
            publish("nobody", "x", "live/room1/cam1"),
            DenyReason::UnknownUser,
        ),
        (
            publish("carol", "carol-pw", "live/room1/cam1"),
            DenyReason::Revoked,
        ),
        (
            publish("bob", "bob-pw", "live/room1/cam1"),
            DenyReason::RoleForbidden,
        ),
        (
            publish("alice", "alice-pw", "live/room2/cam1"),
            DenyReason::RoomForbidden,
        ),
        (
            request(
                Action::Subscribe,
                Transport::Rtmp,
                "live/room1/c",
                Credentials::none(),
            ),
            DenyReason::MissingCredentials,
        ),
    ];
    for (req, want) in &cases {
        assert_eq!(reason(&auth, req).await, Some(*want), "{req:?}");
    }
    // Revoking a user reaches the next decision.
    svc.revoke("alice").expect("revoke");
    assert_eq!(
        reason(&auth, &publish("alice", "alice-pw", "live/room1/cam1")).await,
        Some(DenyReason::Revoked)
    );
    let stats = svc.stats();
    assert_eq!(stats.requests_to("nginx_rtmp"), 1 + cases.len() as u64 + 1);
    assert_eq!(stats.allows.get("nginx_rtmp"), Some(&1));
    assert_eq!(
        stats.denies.get("nginx_rtmp"),
        Some(&(cases.len() as u64 + 1))
    );
}

#[tokio::test]
async fn nginx_rtmp_cannot_express_transports() {
    let auth = authenticator(&config("http://127.0.0.1:9/x".into(), P), clock());
    assert!(!auth.capabilities().supports(Capability::Transports));
    assert!(auth.capabilities().supports(Capability::Revocation));
    assert_eq!(serde_json::to_string(&P).expect("json"), "\"nginx-rtmp\"");
}

#[tokio::test]
async fn a_redirected_allow_is_never_cached_a_plain_one_is() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    for (answer, questions, hits) in [
        (&b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..], 1, 1),
        (
            b"HTTP/1.1 302 Found\r\nlocation: cam2\r\ncontent-length: 0\r\n\r\n",
            2,
            0,
        ),
    ] {
        let (addr, _rx) = fixed_answer(answer).await;
        let mut cfg = config(format!("http://{addr}/on_publish"), P);
        cfg.cache_ttl = Some(Duration::from_secs(60));
        let auth = authenticator(&cfg, clock());
        for _ in 0..2 {
            expect_allow(&auth.authenticate(&req).await);
        }
        let s = auth.stats();
        assert_eq!((s.questions, s.cache_hits), (questions, hits));
    }
}

#[tokio::test]
async fn the_config_names_it_nginx_rtmp_and_it_has_no_invalidation() {
    let yaml = "url: http://127.0.0.1:9/nginx-rtmp\nprotocol: nginx-rtmp\n";
    let cfg: RoundTripConfig = serde_saphyr::from_str(yaml).expect("parses");
    assert_eq!(cfg.protocol, P);
    assert_eq!(P.as_str(), "nginx-rtmp");
    let auth = authenticator(&cfg, clock());
    let err = auth
        .invalidate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await
        .expect_err("no invalidation call");
    assert!(matches!(err, InvalidateError::Unsupported(_)), "{err}");
    let mut lazy = cfg.clone();
    lazy.danger_lazy_auth = true;
    assert!(
        authbench_roundtrip::RoundTripAuthenticator::from_config(
            &lazy,
            std::path::Path::new("."),
            clock()
        )
        .is_err()
    );
}
