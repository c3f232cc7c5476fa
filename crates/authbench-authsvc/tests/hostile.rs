//! What an attacker can send the service from outside: bodies and headers that never finish,
//! oversized requests, request smuggling, admin path tricks, a full revocation set, password
//! guessing, and malformed token requests. Each answer is checked for its precise status, shape
//! and reason; waits are bounded generously and never timed.

mod common;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{
    Lockout, PATH_INVALIDATE, PATH_MEDIAMTX, PATH_TOKEN, PATH_VALIDATE, ServiceConfig,
    ServiceOptions,
};
use authbench_core::{DenyReason, ManualClock};
use common::{Conn, mtx, post, reason, red5, start};
use hyper::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T0: u64 = 1_700_000_000;
/// A bound no healthy answer comes near; only a hang reaches it.
const BOUND: Duration = Duration::from_secs(10);
/// The short deadlines the tests configure.
const SHORT: Duration = Duration::from_millis(300);

/// Opens a connection and writes `bytes` to it, leaving it open.
async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    s
}

/// Everything the server writes until it closes the connection; panics if it is still open
/// after [`BOUND`].
async fn read_until_closed(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read)
        .await
        .expect("the server closed the connection within the bound");
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code and the body of the first answer in `raw`.
fn status_and_body(raw: &str) -> (u16, &str) {
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {raw:?}"));
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body)
}

fn has_json_content_type(raw: &str) -> bool {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .any(|l| l.eq_ignore_ascii_case("content-type: application/json"))
}

fn short_deadlines() -> ServiceOptions {
    let mut o = ServiceOptions::default();
    o.header_read_timeout = SHORT;
    o.body_read_timeout = SHORT;
    o
}

const CHUNKED_THEN_SILENCE: &[u8] = b"POST /validateCredentials HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"use\r\n";
const SHORT_CONTENT: &[u8] = b"POST /token HTTP/1.1\r\nHost: x\r\n\
    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"use";

#[tokio::test]
async fn a_body_that_never_finishes_is_answered_408_and_closed() {
    let svc = start(short_deadlines()).await;
    let a = svc.local_addr();
    for slow in [CHUNKED_THEN_SILENCE, SHORT_CONTENT] {
        let mut s = send_raw(a, slow).await;
        let raw = read_until_closed(&mut s).await;
        let (status, body) = status_and_body(&raw);
        assert_eq!(status, 408, "{raw}");
        assert!(has_json_content_type(&raw), "{raw}");
        let body: Value = serde_json::from_str(body).expect("JSON error");
        assert!(body["error"].is_string(), "{body}");
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn slow_bodies_do_not_starve_legitimate_requests() {
    let mut options = short_deadlines();
    options.max_connections = 2;
    let svc = start(options).await;
    let a = svc.local_addr();
    // Both connection slots held by bodies that never finish…
    let mut held = vec![
        send_raw(a, CHUNKED_THEN_SILENCE).await,
        send_raw(a, SHORT_CONTENT).await,
    ];
    // …a legitimate request still gets its answer: the slow ones are cut at the body deadline.
    let ok = tokio::time::timeout(
        BOUND,
        post(
            a,
            PATH_VALIDATE,
            &red5("alice", "alice-pw", "publisher", "live/room1", "cam1"),
        ),
    )
    .await
    .expect("answered within the bound");
    assert_eq!(ok.json(), json!({"result": true, "subject": "alice"}));
    for s in &mut held {
        assert_eq!(status_and_body(&read_until_closed(s).await).0, 408);
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn requests_are_served_while_slow_sockets_are_held() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    let held = [
        send_raw(a, CHUNKED_THEN_SILENCE).await,
        send_raw(a, SHORT_CONTENT).await,
    ];
    let ok = tokio::time::timeout(
        BOUND,
        post(
            a,
            PATH_MEDIAMTX,
            &mtx("alice", "alice-pw", "publish", "rtmp", "live/room1/cam1"),
        ),
    )
    .await
    .expect("answered within the bound");
    assert_eq!(ok.status, StatusCode::OK);
    drop(held);
    svc.shutdown().await;
}

#[tokio::test]
async fn headers_that_never_finish_are_closed_at_the_header_timeout() {
    let svc = start(short_deadlines()).await;
    let mut s = send_raw(
        svc.local_addr(),
        b"POST /token HTTP/1.1\r\nHost: x\r\nX-Slow: 1",
    )
    .await;
    let raw = read_until_closed(&mut s).await;
    // hyper closes without an answer, or with a 408; never a request handled.
    assert!(raw.is_empty() || raw.starts_with("HTTP/1.1 408"), "{raw}");
    assert_eq!(svc.stats().requests_to("token"), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn ten_megabyte_bodies_are_413_with_the_json_error_shape() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    // Declared up front…
    let mut s = send_raw(
        a,
        b"POST /validateCredentials HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n{\"a\":\"",
    )
    .await;
    let raw = read_until_closed(&mut s).await;
    let (status, body) = status_and_body(&raw);
    assert_eq!(status, 413, "{raw}");
    assert!(has_json_content_type(&raw), "{raw}");
    assert!(serde_json::from_str::<Value>(body).expect("JSON")["error"].is_string());

    // …or sent chunked with no length: cut off at the cap as it arrives.
    let mut s = send_raw(
        a,
        b"POST /token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await;
    let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
    for _ in 0..160 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break; // the server has answered and closed
        }
    }
    let raw = read_until_closed(&mut s).await;
    let (status, body) = status_and_body(&raw);
    assert_eq!(status, 413, "{raw}");
    assert!(has_json_content_type(&raw), "{raw}");
    assert!(serde_json::from_str::<Value>(body).expect("JSON")["error"].is_string());
    svc.shutdown().await;
}

#[tokio::test]
async fn a_thousand_headers_are_431() {
    let svc = start(ServiceOptions::default()).await;
    let mut req = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..1000 {
        req.push_str(&format!("X-H{i}: v\r\n"));
    }
    req.push_str("\r\n");
    let mut s = send_raw(svc.local_addr(), req.as_bytes()).await;
    let raw = read_until_closed(&mut s).await;
    assert_eq!(status_and_body(&raw).0, 431, "{raw}");
    assert_eq!(svc.stats().requests_to("healthz"), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn content_length_with_transfer_encoding_cannot_smuggle_a_request() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    // Read by Content-Length, the body would end inside the "smuggled" request; read as chunked
    // (as the service does), the body ends at `0` and the rest would be a second request. The
    // service closes the connection after the first answer, so the second is never served.
    let smuggled = "GET /admin/stats HTTP/1.1\r\nHost: x\r\n\r\n";
    let req = format!(
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\
         Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}",
        5 + smuggled.len()
    );
    let mut s = send_raw(a, req.as_bytes()).await;
    let raw = read_until_closed(&mut s).await;
    assert_eq!(raw.matches("HTTP/1.1 ").count(), 1, "{raw}");
    assert_eq!(status_and_body(&raw).0, 200, "{raw}");
    assert!(
        !raw.contains("deny_reasons"),
        "the smuggled request was served: {raw}"
    );

    // A transfer coding other than chunked, and conflicting lengths, are refused outright.
    for bad in [
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    ] {
        let mut s = send_raw(a, bad.as_bytes()).await;
        let raw = read_until_closed(&mut s).await;
        assert_eq!(status_and_body(&raw).0, 400, "{bad:?}: {raw}");
    }
    assert_eq!(svc.stats().requests_to("admin"), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn admin_path_tricks_do_not_reach_the_admin_api_without_the_key() {
    let mut options = ServiceOptions::default();
    options.admin_key = Some("admin-s3cret".into());
    let svc = start(options).await;
    let a = svc.local_addr();
    let mut conn = Conn::open(a).await;
    for path in [
        "/admin/stats",
        "/admin/../admin/stats",
        "/x/../admin/stats",
        "/admin/./stats",
        "/admin//stats",
        "//admin/stats",
        "/admin/stats/",
        "/admin%2fstats",
        "/admin%2Fstats",
        "/%61dmin/stats",
        "/ADMIN/stats",
        "/admin/users/alice%2f..%2f..%2fkeys/revoke",
    ] {
        let r = conn.send("GET", path, None, &[]).await;
        assert_ne!(r.status, StatusCode::OK, "{path}");
        assert!(!r.status.is_success(), "{path}");
        let body: Value = serde_json::from_slice(&r.body).expect("JSON error shape");
        assert!(body["error"].is_string(), "{path}: {body}");
        assert!(body.get("deny_reasons").is_none(), "{path}: {body}");
    }
    let ok = conn
        .send(
            "GET",
            "/admin/stats",
            None,
            &[("authorization", "Bearer admin-s3cret")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    svc.shutdown().await;
}

#[tokio::test]
async fn invalid_admin_paths_and_methods_answer_the_json_error_shape() {
    let svc = start(ServiceOptions::default()).await;
    let mut conn = Conn::open(svc.local_addr()).await;
    for (method, path, want) in [
        ("POST", "/admin/users/%FF/revoke", StatusCode::BAD_REQUEST),
        (
            "POST",
            "/admin/users/%C3%28/restore",
            StatusCode::BAD_REQUEST,
        ),
        (
            "GET",
            "/admin/users/alice/revoke",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        ("DELETE", "/admin/stats", StatusCode::METHOD_NOT_ALLOWED),
        ("POST", "/admin/nothing", StatusCode::NOT_FOUND),
    ] {
        let r = conn.send(method, path, None, &[]).await;
        assert_eq!(r.status, want, "{method} {path}");
        assert_eq!(
            r.headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..]),
            "{method} {path}"
        );
        let body: Value = serde_json::from_slice(&r.body).expect("JSON error shape");
        assert!(body["error"].is_string(), "{method} {path}: {body}");
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn token_requests_with_duplicate_or_unknown_fields_say_so() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    let ask = |body: &'static str| async move {
        let req = format!(
            "POST {PATH_TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut s = send_raw(a, req.as_bytes()).await;
        let raw = read_until_closed(&mut s).await;
        let (status, body) = status_and_body(&raw);
        let body: Value = serde_json::from_str(body).expect("JSON error");
        (status, body["error"].as_str().expect("error").to_owned())
    };
    let (status, error) =
        ask(r#"{"username": "alice", "password": "alice-pw", "username": "bob"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        "the JSON body has the field `username` more than once"
    );
    let (status, error) =
        ask(r#"{"username": "alice", "password": "alice-pw", "pin-hunter2": "1"}"#).await;
    assert_eq!(status, 400);
    assert!(
        error.starts_with("the JSON body has an unknown field"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
    let (status, error) = ask(r#"{"username": 5, "password": "alice-pw"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(error, "the JSON body has a field of the wrong type");
    let (status, error) = ask(r#"["alice", "alice-pw"]"#).await;
    assert_eq!(status, 400);
    assert_eq!(error, "the body is not a JSON object");
    svc.shutdown().await;
}

fn invalidate_body(token: &str) -> Value {
    json!({"username": "", "password": "", "token": token, "streamID": "s", "scope": "live"})
}

fn validate_body(token: &str) -> Value {
    json!({"username": "", "password": "", "token": token, "type": "subscriber",
        "streamID": "s", "scope": "live"})
}

#[tokio::test]
async fn a_full_invalidation_set_refuses_loudly_and_evicts_expired_entries_first() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut options = ServiceOptions::with_clock(clock.clone());
    options.token_ttl = Duration::from_secs(60);
    options.max_revoked_tokens = 2;
    let svc = start(options).await;
    let a = svc.local_addr();
    let first = svc.issue_token("bob").expect("token");
    let second = svc.issue_token("bob").expect("token");
    clock.advance(Duration::from_secs(30));
    let third = svc.issue_token("bob").expect("token");
    for t in [&first, &second] {
        let r = post(a, PATH_INVALIDATE, &invalidate_body(t.token.expose())).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), json!({"result": true}));
    }
    // The set is full of live entries: the third cannot be recorded, and the service says so.
    let r = post(a, PATH_INVALIDATE, &invalidate_body(third.token.expose())).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = r.json();
    assert_eq!(body["result"], false, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(
        post(a, PATH_VALIDATE, &validate_body(third.token.expose()))
            .await
            .json()["result"],
        true,
        "refused means not invalidated"
    );
    assert_eq!(
        reason(
            &post(a, PATH_VALIDATE, &validate_body(first.token.expose()))
                .await
                .json()
        ),
        DenyReason::Revoked
    );
    // Once the first two have expired their entries make room.
    clock.advance(Duration::from_secs(31));
    let r = post(a, PATH_INVALIDATE, &invalidate_body(third.token.expose())).await;
    assert_eq!(r.json(), json!({"result": true}));
    assert_eq!(
        reason(
            &post(a, PATH_VALIDATE, &validate_body(third.token.expose()))
                .await
                .json()
        ),
        DenyReason::Revoked
    );
    svc.shutdown().await;
}

fn lockout_options(clock: Arc<ManualClock>, expose_reasons: bool) -> ServiceOptions {
    let mut options = ServiceOptions::with_clock(clock);
    options.expose_reasons = expose_reasons;
    options.lockout = Some(Lockout::new(
        NonZeroU32::new(3).expect("non-zero"),
        Duration::from_secs(60),
    ));
    options
}

#[tokio::test]
async fn token_guessing_locks_the_pair_out_until_the_window_ends() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let svc = start(lockout_options(clock.clone(), true)).await;
    let a = svc.local_addr();
    let mut conn = Conn::open(a).await;
    let guess = |pw: &str| json!({"username": "alice", "password": pw});
    for i in 0..3 {
        let r = conn
            .send("POST", PATH_TOKEN, Some(&guess(&format!("guess-{i}"))), &[])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reason(&r.json()), DenyReason::BadPassword, "guess {i}");
    }
    // Locked out: even the right password is refused, without being checked.
    let r = conn
        .send("POST", PATH_TOKEN, Some(&guess("alice-pw")), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason(&r.json()), DenyReason::RateLimited);
    // Another user from the same address is not affected.
    let r = conn
        .send(
            "POST",
            PATH_TOKEN,
            Some(&json!({"username": "bob", "password": "bob-pw"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    clock.advance(Duration::from_secs(59));
    let r = conn
        .send("POST", PATH_TOKEN, Some(&guess("alice-pw")), &[])
        .await;
    assert_eq!(reason(&r.json()), DenyReason::RateLimited);
    // The window is over: the right password works again.
    clock.advance(Duration::from_secs(1));
    let r = conn
        .send("POST", PATH_TOKEN, Some(&guess("alice-pw")), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(svc.stats().denies_for(DenyReason::RateLimited), 2);
    svc.shutdown().await;
}

#[tokio::test]
async fn validation_endpoints_share_the_lockout_and_unknown_users_count() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let svc = start(lockout_options(clock.clone(), true)).await;
    let a = svc.local_addr();
    // Failures through different endpoints add up for the same (address, user).
    let r = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "x1", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(reason(&r.json()), DenyReason::BadPassword);
    let r = post(
        a,
        PATH_MEDIAMTX,
        &mtx("alice", "x2", "publish", "rtmp", "live/room1/cam1"),
    )
    .await;
    assert_eq!(reason(&r.json()), DenyReason::BadPassword);
    let r = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "x3"}),
    )
    .await;
    assert_eq!(reason(&r.json()), DenyReason::BadPassword);
    let r = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "alice-pw", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"result": false, "reason": "rate_limited"}));
    let r = post(
        a,
        PATH_MEDIAMTX,
        &mtx("alice", "alice-pw", "publish", "rtmp", "live/room1/cam1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason(&r.json()), DenyReason::RateLimited);
    // Unknown user names are counted like wrong passwords.
    for _ in 0..3 {
        let r = post(
            a,
            PATH_VALIDATE,
            &red5("mallory", "x", "publisher", "live/room1", "cam1"),
        )
        .await;
        assert_eq!(reason(&r.json()), DenyReason::UnknownUser);
    }
    let r = post(
        a,
        PATH_VALIDATE,
        &red5("mallory", "x", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(reason(&r.json()), DenyReason::RateLimited);
    clock.advance(Duration::from_secs(60));
    let r = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "alice-pw", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(r.json(), json!({"result": true, "subject": "alice"}));
    svc.shutdown().await;
}

#[tokio::test]
async fn without_exposed_reasons_a_lockout_looks_like_any_deny() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let svc = start(lockout_options(clock, false)).await;
    let a = svc.local_addr();
    let wrong = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "x"}),
    )
    .await;
    for _ in 0..2 {
        post(
            a,
            PATH_TOKEN,
            &json!({"username": "alice", "password": "x"}),
        )
        .await;
    }
    let locked = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "alice-pw"}),
    )
    .await;
    assert_eq!(locked.status, wrong.status);
    assert_eq!(locked.json(), wrong.json());
    assert_eq!(locked.json(), json!({"error": "invalid_grant"}));
    let r = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "alice-pw", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(r.json(), json!({"result": false}));
    assert_eq!(svc.stats().denies_for(DenyReason::RateLimited), 2);
    svc.shutdown().await;
}

#[tokio::test]
async fn serve_defaults_hide_reasons_so_users_cannot_be_enumerated() {
    let options = ServiceConfig::default()
        .options_with_env(Arc::new(ManualClock::at_secs(T0)), |_| None)
        .expect("options");
    let svc = start(options).await;
    let a = svc.local_addr();
    let unknown = post(
        a,
        PATH_VALIDATE,
        &red5("nobody", "x", "publisher", "live/room1", "cam1"),
    )
    .await;
    let wrong = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "x", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(unknown.json(), json!({"result": false}));
    assert_eq!(wrong.json(), unknown.json());
    let unknown = post(
        a,
        PATH_TOKEN,
        &json!({"username": "nobody", "password": "x"}),
    )
    .await;
    let wrong = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "x"}),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.json()),
        (wrong.status, wrong.json())
    );
    let unknown = post(
        a,
        PATH_MEDIAMTX,
        &mtx("nobody", "x", "read", "rtmp", "live/room1/c"),
    )
    .await;
    let wrong = post(
        a,
        PATH_MEDIAMTX,
        &mtx("alice", "x", "read", "rtmp", "live/room1/c"),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.json()),
        (wrong.status, wrong.json())
    );
    // The service still counts the precise reasons for its own stats.
    assert_eq!(svc.stats().denies_for(DenyReason::UnknownUser), 3);
    svc.shutdown().await;
}
