//! Failing closed: a service that is down, slow, broken or redirecting yields a deny with the
//! precise infrastructure reason, never an allow; retries happen only after connection errors.

mod common;

use std::time::Duration;

use authbench_authsvc::{Faults, Latency, PATH_MEDIAMTX, PATH_VALIDATE};
use authbench_core::{Decision, DenyReason};
use authbench_roundtrip::Protocol;
use common::*;

/// A loopback address nothing listens on.
async fn closed_port_url(path: &str) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}{path}")
}

fn detail(d: &Decision) -> &str {
    match d {
        Decision::Deny(d) => &d.detail,
        Decision::Allow(_) => panic!("expected a deny"),
    }
}

#[tokio::test]
async fn service_down_is_backend_unavailable() {
    for (protocol, path) in [
        (Protocol::Red5pro, PATH_VALIDATE),
        (Protocol::Mediamtx, PATH_MEDIAMTX),
    ] {
        let auth = authenticator(&config(closed_port_url(path).await, protocol), clock());
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendUnavailable),
            "{protocol:?}"
        );
        assert!(!detail(&d).contains("alice-pw"));
    }
}

#[tokio::test]
async fn latency_above_the_timeout_is_backend_timeout() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    svc.set_faults(Faults {
        latency: Some(Latency::Fixed(Duration::from_secs(5))),
        ..Faults::none()
    })
    .expect("faults");
    for protocol in BOTH {
        let mut cfg = config(url_for(&svc, protocol), protocol);
        cfg.timeout = Some(Duration::from_millis(200));
        let auth = authenticator(&cfg, clock.clone());
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendTimeout),
            "{protocol:?}: {d:?}"
        );
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn broken_answers_are_backend_protocol_errors() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let faults = [
        (
            "malformed JSON",
            Faults {
                malformed_rate: 1.0,
                ..Faults::none()
            },
        ),
        (
            "10 MB body",
            Faults {
                oversized_rate: 1.0,
                oversized_bytes: Some(10_000_000),
                ..Faults::none()
            },
        ),
        (
            "redirect",
            Faults {
                redirect_rate: 1.0,
                ..Faults::none()
            },
        ),
        (
            "HTTP 500",
            Faults {
                error_rate: 1.0,
                ..Faults::none()
            },
        ),
    ];
    for (what, fault) in faults {
        svc.set_faults(fault).expect("faults");
        for protocol in BOTH {
            let auth = authenticator(&config(url_for(&svc, protocol), protocol), clock.clone());
            let req = publish("alice", "alice-pw", "live/room1/cam1");
            let d = auth.authenticate(&req).await;
            let want = match (what, protocol) {
                // MediaMTX allows on any 2xx whatever the body, as the real server does.
                ("malformed JSON", Protocol::Mediamtx) => None,
                _ => Some(DenyReason::BackendProtocolError),
            };
            assert_eq!(d.reason(), want, "{what} over {protocol:?}: {d:?}");
        }
    }
    assert_eq!(
        svc.stats().faults_of("redirect"),
        2,
        "redirects are never followed"
    );
}

#[tokio::test]
async fn dropped_connection_is_backend_unavailable() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    svc.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::none()
    })
    .expect("faults");
    let auth = authenticator(
        &config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro),
        clock.clone(),
    );
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
}

#[tokio::test]
async fn retries_follow_connection_errors_only() {
    // Refused connections are retried: 1 + 2 attempts.
    let mut cfg = config(closed_port_url(PATH_VALIDATE).await, Protocol::Red5pro);
    cfg.retries = 2;
    let auth = authenticator(&cfg, clock());
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable));
    assert!(detail(&d).contains("after 3 attempts"), "{}", detail(&d));
    assert_eq!((auth.stats().questions, auth.stats().attempts), (1, 3));

    // A timeout and an answer (even an error answer) are never retried.
    let clock = clock();
    let svc = service(clock.clone()).await;
    for (fault, want) in [
        (
            Faults {
                latency: Some(Latency::Fixed(Duration::from_secs(5))),
                ..Faults::none()
            },
            DenyReason::BackendTimeout,
        ),
        (
            Faults {
                error_rate: 1.0,
                ..Faults::none()
            },
            DenyReason::BackendProtocolError,
        ),
    ] {
        svc.set_faults(fault).expect("faults");
        let before = svc.stats().requests_to("validate_credentials");
        let mut cfg = config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro);
        cfg.retries = 2;
        cfg.timeout = Some(Duration::from_millis(200));
        let auth = authenticator(&cfg, clock.clone());
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(d.reason(), Some(want));
        assert_eq!(auth.stats().attempts, 1);
        assert_eq!(svc.stats().requests_to("validate_credentials") - before, 1);
    }
    // A clear deny is an answer too.
    svc.clear_faults();
    let mut cfg = config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro);
    cfg.retries = 2;
    let auth = authenticator(&cfg, clock.clone());
    assert_eq!(
        reason(&auth, &publish("alice", "nope", "live/room1/cam1")).await,
        Some(DenyReason::BadPassword)
    );
    assert_eq!(auth.stats().attempts, 1);
    svc.shutdown().await;
}

#[tokio::test]
async fn service_going_down_and_coming_back() {
    let clock = clock();
    let service = authbench_authsvc::AuthService::new(
        &identities(),
        authbench_authsvc::ServiceOptions::with_clock(clock.clone()),
    )
    .expect("service");
    let running = service.spawn_loopback().await.expect("listen");
    let addr = running.local_addr();
    let auth = authenticator(
        &config(url_for(&running, Protocol::Red5pro), Protocol::Red5pro),
        clock.clone(),
    );
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    assert!(auth.authenticate(&req).await.is_allow());
    running.shutdown().await;
    assert_eq!(
        reason(&auth, &req).await,
        Some(DenyReason::BackendUnavailable)
    );
    let again = service.spawn(addr).await.expect("listen again");
    assert!(
        auth.authenticate(&req).await.is_allow(),
        "the pool recovers from stale connections"
    );
    again.shutdown().await;
}

/// A loopback server that answers every connection with `answer` (read after the request) and
/// closes it.
async fn raw_answer_url(answer: &'static [u8], path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = vec![0u8; 16 * 1024];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(answer).await;
            let _ = s.shutdown().await;
        }
    });
    format!("http://{addr}{path}")
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_protocol_error() {
    for answer in [
        &b"HELLO WORLD\r\n\r\n"[..],
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{\"result\": true}",
    ] {
        for (protocol, path) in [
            (Protocol::Red5pro, PATH_VALIDATE),
            (Protocol::Mediamtx, PATH_MEDIAMTX),
        ] {
            let mut cfg = config(raw_answer_url(answer, path).await, protocol);
            cfg.retries = 2;
            let auth = authenticator(&cfg, clock());
            let d = auth
                .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
                .await;
            assert_eq!(
                d.reason(),
                Some(DenyReason::BackendProtocolError),
                "{protocol:?} {:?}: {d:?}",
                String::from_utf8_lossy(answer)
            );
            assert_eq!(auth.stats().attempts, 1, "an answer is never retried");
        }
    }
    // Closing without a byte is still no answer at all.
    let auth = authenticator(
        &config(raw_answer_url(b"", PATH_VALIDATE).await, Protocol::Red5pro),
        clock(),
    );
    assert_eq!(
        reason(&auth, &publish("alice", "alice-pw", "live/room1/cam1")).await,
        Some(DenyReason::BackendUnavailable)
    );
}

/// `HTTP/1.1 200` with `body` sent as chunked transfer coding, `chunk` bytes a chunk.
fn chunked_answer(body: &[u8], chunk: usize) -> &'static [u8] {
    let mut answer =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for part in body.chunks(chunk) {
        answer.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        answer.extend_from_slice(part);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    Box::leak(answer.into_boxed_slice())
}

#[tokio::test]
async fn an_answer_in_many_chunks_is_read_whole_and_capped() {
    let (addr, _requests) =
        fixed_answer(chunked_answer(br#"{"result": true, "subject": "zed"}"#, 5)).await;
    let auth = authenticator(
        &config(
            format!("http://{addr}/validateCredentials"),
            Protocol::Red5pro,
        ),
        clock(),
    );
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(expect_allow(&d).principal, "zed");

    // No Content-Length to refuse up front: the cap applies while reading.
    let big = format!(
        r#"{{"result": true, "pad": "{}"}}"#,
        "x".repeat(authbench_roundtrip::MAX_ANSWER_BYTES)
    );
    let (addr, _requests) = fixed_answer(chunked_answer(big.as_bytes(), 16 * 1024)).await;
    let auth = authenticator(
        &config(
            format!("http://{addr}/validateCredentials"),
            Protocol::Red5pro,
        ),
        clock(),
    );
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(d.reason(), Some(DenyReason::BackendProtocolError), "{d:?}");
    assert_eq!(
        detail(&d),
        format!(
            "the answer is longer than {} bytes",
            authbench_roundtrip::MAX_ANSWER_BYTES
        )
    );
}
