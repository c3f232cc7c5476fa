//! `protocol: srs`: the round-trip client posts what SRS's `http_hooks` post and allows only on
//! what SRS allows on (HTTP 200 with `0` or `{"code": 0}`), against loopback servers answering
//! each kind and against the reference service.

mod common;

use authbench_core::{
    Action, AuthRequest, Capability, Credentials, Decision, DenyReason, Transport,
};
use authbench_roundtrip::{MAX_ANSWER_BYTES, Protocol};
use common::*;
use serde_json::Value;

const P: Protocol = Protocol::Srs;

async fn decide_with(answer: &'static [u8], req: &AuthRequest) -> (Decision, Vec<u8>) {
    let (addr, mut rx) = fixed_answer(answer).await;
    let auth = authenticator(&config(format!("http://{addr}/api/v1/streams"), P), clock());
    let d = auth.authenticate(req).await;
    let sent = rx.recv().await.expect("a request was sent");
    (d, sent)
}

fn json_of(request: &[u8]) -> Value {
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head");
    serde_json::from_slice(&request[end + 4..]).expect("JSON body")
}

/// `HTTP/1.1 {status}` with `body`, leaked for `fixed_answer`.
fn answer(status: u16, body: &str) -> &'static [u8] {
    Box::leak(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
        .into_boxed_slice(),
    )
}

#[tokio::test]
async fn zero_allows_and_the_body_is_what_srs_posts() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    let (d, sent) = decide_with(answer(200, "0"), &req).await;
    assert_eq!(expect_allow(&d).principal, "alice");
    let head = String::from_utf8_lossy(&sent).to_ascii_lowercase();
    assert!(
        head.starts_with("post /api/v1/streams http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("content-type: application/json\r\n"),
        "{head}"
    );
    let v = json_of(&sent);
    assert_eq!(v["action"], "on_publish");
    assert_eq!(v["app"], "live/room1");
    assert_eq!(v["stream"], "cam1");
    assert_eq!(v["tcUrl"], "rtmp://localhost/live/room1");
    assert_eq!(v["param"], "?username=alice&password=alice-pw");

    let play = request(
        Action::Subscribe,
        Transport::Srt,
        "live/room1/cam1",
        Credentials::token("tok"),
    );
    let (d, sent) = decide_with(answer(200, r#"{"code": 0, "subject": "dave"}"#), &play).await;
    assert_eq!(expect_allow(&d).principal, "dave");
    let v = json_of(&sent);
    assert_eq!(v["action"], "on_play");
    assert_eq!(v["tcUrl"], "srt://localhost/live/room1");
    assert_eq!(v["param"], "?token=tok");
    let (d, _) = decide_with(answer(200, r#"{"code":0,"data":null}"#), &play).await;
    assert_eq!(expect_allow(&d).principal, authbench_roundtrip::ANONYMOUS);
}

#[tokio::test]
async fn every_other_answer_refuses() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    for (status, body) in [
        (200, "1"),
        (200, ""),
        (200, "0\n"),
        (200, "OK"),
        (200, r#"{"code": 1}"#),
        (200, r#"{"code": "0"}"#),
        (200, r#"{"msg": "ok"}"#),
        (201, "0"),
        (204, ""),
        (401, "0"),
        (403, r#"{"code": 0}"#),
        (500, "0"),
    ] {
        let (d, _) = decide_with(answer(status, body), &req).await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendRejected),
            "HTTP {status} {body:?}"
        );
    }
    // A refusing object may name a client-side reason (the reference service's extension).
    let (d, _) = decide_with(
        answer(200, r#"{"code": 403, "reason": "room_forbidden"}"#),
        &req,
    )
    .await;
    assert_eq!(d.reason(), Some(DenyReason::RoomForbidden));
}

#[tokio::test]
async fn hostile_answers_fail_closed() {
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    let huge = "0".repeat(MAX_ANSWER_BYTES + 1);
    let (d, _) = decide_with(answer(200, &huge), &req).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError));
    let (d, _) = decide_with(b"not http\r\n\r\n", &req).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError));
    // SRS does not follow redirects either; a redirect is never followed here.
    let (d, _) = decide_with(
        b"HTTP/1.1 302 Found\r\nlocation: http://elsewhere.test/\r\ncontent-length: 0\r\n\r\n",
        &req,
    )
    .await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError));
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
            publish("carol", "carol-pw", "live/room1/cam1"),
            DenyReason::Revoked,
        ),
        (
            publish("dave", "dave-pw", "live/globex/cam1"),
            DenyReason::TenantMismatch,
        ),
        (
            // alice may use rtmp and whip only; SRS's tcUrl says srt.
            request(
                Action::Publish,
                Transport::Srt,
                "live/room1/cam1",
                Credentials::user_password("alice", "alice-pw"),
            ),
            DenyReason::TransportForbidden,
        ),
    ];
    for (req, want) in &cases {
        assert_eq!(reason(&auth, req).await, Some(*want), "{req:?}");
    }
    // WHIP shows as webrtc and is alice's.
    let whip = request(
        Action::Publish,
        Transport::Whip,
        "live/room1/cam1",
        Credentials::user_password("alice", "alice-pw"),
    );
    assert_eq!(
        expect_allow(&auth.authenticate(&whip).await).principal,
        "alice"
    );
    // A token the service issued, named by the answer's subject.
    let token = svc.issue_token("bob").expect("token").token;
    let play = request(
        Action::Subscribe,
        Transport::Rtmp,
        "live/room9/cam1",
        Credentials::token(token.expose()),
    );
    assert_eq!(
        expect_allow(&auth.authenticate(&play).await).principal,
        "bob"
    );
    svc.revoke("bob").expect("revoke");
    assert_eq!(reason(&auth, &play).await, Some(DenyReason::Revoked));
    let stats = svc.stats();
    assert_eq!(stats.allows.get("srs"), Some(&3));
    assert_eq!(stats.denies.get("srs"), Some(&(cases.len() as u64 + 1)));
    assert!(auth.capabilities().supports(Capability::Transports));
}

#[test]
fn the_config_names_it_srs() {
    let yaml = "url: http://127.0.0.1:9/srs\nprotocol: srs\n";
    let cfg: authbench_roundtrip::RoundTripConfig = serde_saphyr::from_str(yaml).expect("parses");
    assert_eq!(cfg.protocol, P);
    assert_eq!(P.as_str(), "srs");
    let typo = "url: http://127.0.0.1:9/srs\nprotocol: SRS\n";
    assert!(serde_saphyr::from_str::<authbench_roundtrip::RoundTripConfig>(typo).is_err());
}
