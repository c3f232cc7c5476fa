//! Credentials in configured URLs (`user:pass@`, `?api_key=…`) never show: not in deny details,
//! not in `Debug`, not in config errors. User info still reaches the service as Basic auth.

mod common;

use authbench_authsvc::{Faults, PATH_MEDIAMTX, PATH_VALIDATE};
use authbench_core::{Decision, DenyReason};
use authbench_roundtrip::{Protocol, RoundTripConfig, RoundTripConfigError};
use common::*;

const SECRETS: [&str; 2] = ["SECRET", "hunter2"];

fn assert_hidden(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

fn detail(d: &Decision) -> &str {
    match d {
        Decision::Deny(d) => &d.detail,
        Decision::Allow(_) => panic!("expected a deny"),
    }
}

/// `http://host:port/path` → `http://svc:hunter2@host:port/path?api_key=SECRET`.
fn with_secrets(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http url");
    format!("http://svc:hunter2@{rest}?api_key=SECRET")
}

#[tokio::test]
async fn service_down_shows_no_secret_in_the_detail_or_debug() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    for (protocol, path) in [
        (Protocol::Red5pro, PATH_VALIDATE),
        (Protocol::Mediamtx, PATH_MEDIAMTX),
    ] {
        let mut cfg = config(with_secrets(&format!("http://{addr}{path}")), protocol);
        cfg.retries = 1;
        assert_hidden("config Debug", &format!("{cfg:?}"));
        let auth = authenticator(&cfg, clock());
        let shown = format!("{auth:?}");
        assert_hidden("authenticator Debug", &shown);
        assert!(shown.contains("api_key=[redacted]"), "{shown}");
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendUnavailable),
            "{protocol:?}"
        );
        assert_hidden("deny detail", detail(&d));
        assert_hidden("decision Debug", &format!("{d:?}"));
        assert!(detail(&d).contains("api_key=[redacted]"), "{}", detail(&d));
    }
}

#[tokio::test]
async fn an_error_answer_shows_no_secret() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    svc.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    })
    .expect("faults");
    for protocol in BOTH {
        let cfg = config(with_secrets(&url_for(&svc, protocol)), protocol);
        let auth = authenticator(&cfg, clock.clone());
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(
            d.reason(),
            Some(DenyReason::BackendProtocolError),
            "{protocol:?}: {d:?}"
        );
        assert_hidden("deny detail", detail(&d));
        assert_hidden("decision Debug", &format!("{d:?}"));
    }
    svc.shutdown().await;
}

#[test]
fn config_errors_show_no_secret() {
    let build = |cfg: &RoundTripConfig| {
        authbench_roundtrip::RoundTripAuthenticator::from_config(
            cfg,
            std::path::Path::new("."),
            clock(),
        )
    };
    let cases = [
        // Not http(s).
        "ftp://svc:hunter2@auth.test/validateCredentials?api_key=SECRET",
        // Does not parse (port out of range).
        "http://svc:hunter2@auth.test:99999/validateCredentials?api_key=SECRET",
        // No host.
        "http://svc:hunter2@/validateCredentials?api_key=SECRET",
    ];
    for url in cases {
        let cfg = RoundTripConfig::new(url, Protocol::Red5pro);
        let err = build(&cfg).expect_err(url);
        assert!(
            matches!(
                err,
                RoundTripConfigError::Url { .. } | RoundTripConfigError::UrlParse { .. }
            ),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("roundtrip.url"), "{err}");
        assert_hidden("config error", &err.to_string());
        assert_hidden("config error Debug", &format!("{err:?}"));
        let mut chain = std::error::Error::source(&err);
        while let Some(e) = chain {
            assert_hidden("config error source", &e.to_string());
            chain = e.source();
        }
    }
    let mut cfg = RoundTripConfig::new("http://127.0.0.1:1/validateCredentials", Protocol::Red5pro);
    cfg.invalidate_url = Some("gopher://svc:hunter2@auth.test/i?api_key=SECRET".into());
    let err = build(&cfg).expect_err("invalidate_url");
    assert!(
        err.to_string().starts_with("roundtrip.invalidate_url"),
        "{err}"
    );
    assert_hidden("config error", &err.to_string());
}

#[tokio::test]
async fn user_info_is_sent_as_basic_auth_and_the_query_is_kept() {
    let (addr, mut requests) =
        fixed_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"result\": true}").await;
    let url = with_secrets(&format!("http://{addr}/validateCredentials"));
    let auth = authenticator(&config(url, Protocol::Red5pro), clock());
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(expect_allow(&d).principal, "alice");
    let got = requests.recv().await.expect("a request");
    let text = String::from_utf8_lossy(&got);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        head.starts_with("POST /validateCredentials?api_key=SECRET HTTP/1.1\r\n"),
        "{head}"
    );
    // base64("svc:hunter2")
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\nauthorization: basic c3zjomh1bnrlcji="),
        "{head}"
    );
    assert!(!head.contains("hunter2"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("\r\ncontent-type: application/json"),
        "{head}"
    );
    assert!(lower.contains(&format!("\r\nhost: {addr}")), "{head}");
}
