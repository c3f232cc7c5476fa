//! The admin API (revocation, passwords, admin key) and fault injection, over HTTP.

mod common;

use std::time::Duration;

use authbench_authsvc::{Faults, PATH_HEALTH, PATH_VALIDATE, ServiceOptions};
use authbench_core::Secret;
use common::{Conn, call, post, red5, start};
use hyper::StatusCode;
use serde_json::{Value, json};

fn alice() -> Value {
    red5("alice", "alice-pw", "publisher", "live/room1", "cam1")
}

#[tokio::test]
async fn revocation_and_password_change_take_effect_on_the_next_request() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["result"],
        true
    );

    let r = post(a, "/admin/users/alice/revoke", &json!({})).await;
    assert_eq!(r.json(), json!({"user": "alice", "revoked": true}));
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["reason"],
        "revoked"
    );
    let r = post(a, "/admin/users/alice/restore", &json!({})).await;
    assert_eq!(r.json(), json!({"user": "alice", "revoked": false}));
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["result"],
        true
    );

    let r = post(
        a,
        "/admin/users/alice/password",
        &json!({"password": "n3w"}),
    )
    .await;
    assert_eq!(r.json(), json!({"user": "alice", "password_changed": true}));
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["reason"],
        "bad_password"
    );
    let new = red5("alice", "n3w", "publisher", "live/room1", "cam1");
    assert_eq!(post(a, PATH_VALIDATE, &new).await.json()["result"], true);

    assert_eq!(
        post(a, "/admin/users/zed/revoke", &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    let empty = post(a, "/admin/users/alice/password", &json!({"password": ""})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let stats = call(a, "GET", "/admin/stats", None).await.json();
    assert_eq!(stats["deny_reasons"]["revoked"], 1);
    assert_eq!(stats["deny_reasons"]["bad_password"], 1);
    assert!(stats["requests"]["admin"].as_u64() >= Some(6));
}

#[tokio::test]
async fn admin_key_is_required_when_configured() {
    let mut options = ServiceOptions::default();
    options.admin_key = Some(Secret::new("let-me-in"));
    let svc = start(options).await;
    let mut c = Conn::open(svc.local_addr()).await;
    let none = c.send("POST", "/admin/users/bob/revoke", None, &[]).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let wrong = c
        .send(
            "POST",
            "/admin/users/bob/revoke",
            None,
            &[("authorization", "Bearer let-me-out")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let prefix = c
        .send(
            "POST",
            "/admin/users/bob/revoke",
            None,
            &[("authorization", "Bearer let-me")],
        )
        .await;
    assert_eq!(prefix.status, StatusCode::UNAUTHORIZED);
    assert_eq!(svc.stats().deny_reasons.len(), 0);
    let right = c
        .send(
            "POST",
            "/admin/users/bob/revoke",
            None,
            &[("authorization", "Bearer let-me-in")],
        )
        .await;
    assert_eq!(right.status, StatusCode::OK);
    let stats = c
        .send(
            "GET",
            "/admin/stats",
            None,
            &[("authorization", "Bearer let-me-in")],
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK);
}

#[tokio::test]
async fn faults_error_malformed_oversized_redirect_and_clear() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();

    let set = post(a, "/admin/faults", &json!({"error_rate": 1.0})).await;
    assert_eq!(set.status, StatusCode::OK);
    assert_eq!(set.json()["faults"]["error_rate"], 1.0);
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // Admin endpoints are never faulted.
    assert_eq!(
        call(a, "GET", "/admin/stats", None).await.status,
        StatusCode::OK
    );

    post(a, "/admin/faults", &json!({"malformed_rate": 1.0})).await;
    let r = post(a, PATH_VALIDATE, &alice()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        serde_json::from_slice::<Value>(&r.body).is_err(),
        "malformed means not JSON"
    );

    post(
        a,
        "/admin/faults",
        &json!({"oversized_rate": 1.0, "oversized_bytes": 1_000_000}),
    )
    .await;
    let r = post(a, PATH_VALIDATE, &alice()).await;
    assert_eq!(
        r.headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some("1000000")
    );
    assert_eq!(r.body.len(), 1_000_000);

    post(
        a,
        "/admin/faults",
        &json!({"redirect_rate": 1.0, "paths": [PATH_VALIDATE]}),
    )
    .await;
    let r = post(a, PATH_VALIDATE, &alice()).await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        r.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(PATH_VALIDATE)
    );
    assert_eq!(
        call(a, "GET", PATH_HEALTH, None).await.status,
        StatusCode::OK,
        "other paths unaffected"
    );

    let bad = post(a, "/admin/faults", &json!({"error_rate": 2})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = post(a, "/admin/faults", &json!({"eror_rate": 1})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let cleared = post(a, "/admin/faults", &json!({"clear": true})).await;
    assert_eq!(cleared.json(), json!({"faults": {}}));
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["result"],
        true
    );
    let stats = svc.stats();
    for kind in ["error", "malformed", "oversized", "redirect"] {
        assert_eq!(stats.faults_of(kind), 1, "{kind}");
    }
}

#[tokio::test]
async fn dropped_connections_close_without_an_answer() {
    let svc = start(ServiceOptions::default()).await;
    svc.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::none()
    })
    .expect("faults");
    let stream = tokio::net::TcpStream::connect(svc.local_addr())
        .await
        .expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake::<
        _,
        http_body_util::Full<bytes::Bytes>,
    >(hyper_util::rt::TokioIo::new(stream))
    .await
    .expect("handshake");
    tokio::spawn(conn);
    let req = hyper::Request::post(PATH_VALIDATE)
        .header("host", "x")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            alice().to_string(),
        )))
        .expect("request");
    let err = send.send_request(req).await.expect_err("no answer");
    assert!(
        err.is_incomplete_message() || err.is_closed() || err.is_canceled(),
        "{err}"
    );
    assert_eq!(svc.stats().faults_of("drop"), 1);
}

#[tokio::test]
async fn latency_and_hang_hold_requests_until_cleared_or_shutdown() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    post(a, "/admin/faults", &json!({"latency": {"fixed": "50ms"}})).await;
    assert_eq!(
        post(a, PATH_VALIDATE, &alice()).await.json()["result"],
        true
    );
    assert_eq!(svc.stats().faults_of("latency"), 1);

    svc.set_faults(Faults {
        hang: true,
        ..Faults::none()
    })
    .expect("faults");
    let pending = tokio::spawn(async move { post(a, PATH_VALIDATE, &alice()).await });
    // Wait until the service holds the request, then release it by clearing the faults.
    while svc.stats().faults_of("hang") == 0 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!pending.is_finished());
    svc.clear_faults();
    let released = pending.await.expect("task");
    assert_eq!(released.json()["result"], true);

    // A request hanging at shutdown is answered 503 instead of holding shutdown up.
    svc.set_faults(Faults {
        hang: true,
        ..Faults::none()
    })
    .expect("faults");
    let pending = tokio::spawn(async move { post(a, PATH_VALIDATE, &alice()).await });
    while svc.stats().faults_of("hang") < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    svc.shutdown().await;
    assert_eq!(
        pending.await.expect("task").status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
