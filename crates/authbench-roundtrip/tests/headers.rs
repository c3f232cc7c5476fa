//! `headers:` — extra headers (an API key, a bearer token for the auth service) sent with every
//! validation and invalidation request. Names are checked when the authenticator is built;
//! values are secrets: never in `Debug`, errors or deny details.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use authbench_core::{Decision, DenyReason, Secret};
use authbench_roundtrip::{
    InvalidateError, Protocol, RoundTripAuthenticator, RoundTripConfig, RoundTripConfigError,
};
use common::*;

const API_KEY: &str = "k3y-SECRET-4711";
const BEARER: &str = "Bearer svc-SECRET-token";

fn headers(pairs: &[(&str, &str)]) -> BTreeMap<String, Secret> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), Secret::new(*v)))
        .collect()
}

fn with_headers(url: String, protocol: Protocol) -> RoundTripConfig {
    let mut cfg = config(url, protocol);
    cfg.headers = headers(&[("X-Api-Key", API_KEY), ("Authorization", BEARER)]);
    cfg
}

fn build(cfg: &RoundTripConfig) -> Result<RoundTripAuthenticator, RoundTripConfigError> {
    RoundTripAuthenticator::from_config(cfg, Path::new("."), clock())
}

fn assert_hidden(what: &str, text: &str) {
    for secret in ["SECRET", API_KEY, BEARER] {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

/// The error, its `Debug` and every source in its chain.
fn assert_error_hidden(err: &RoundTripConfigError) {
    assert_hidden("config error", &err.to_string());
    assert_hidden("config error Debug", &format!("{err:?}"));
    let mut chain = std::error::Error::source(err);
    while let Some(e) = chain {
        assert_hidden("config error source", &e.to_string());
        chain = e.source();
    }
}

/// The request head (before the blank line), lower-cased.
fn head(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

fn detail(d: &Decision) -> &str {
    match d {
        Decision::Deny(d) => &d.detail,
        Decision::Allow(_) => panic!("expected a deny"),
    }
}

#[tokio::test]
async fn headers_arrive_with_every_validation_request() {
    for (protocol, path) in [
        (Protocol::Red5pro, "/validateCredentials"),
        (Protocol::Mediamtx, "/mediamtx/auth"),
    ] {
        let (addr, mut requests) =
            fixed_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"result\": true}").await;
        let auth = build(&with_headers(format!("http://{addr}{path}"), protocol)).expect("valid");
        let d = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(expect_allow(&d).principal, "alice", "{protocol:?}");
        let head = head(&requests.recv().await.expect("a request"));
        let expected_key = format!("\r\nx-api-key: {}\r\n", API_KEY.to_ascii_lowercase());
        let expected_auth = format!("\r\nauthorization: {}\r\n", BEARER.to_ascii_lowercase());
        assert!(head.contains(&expected_key), "{protocol:?}: {head}");
        assert!(head.contains(&expected_auth), "{protocol:?}: {head}");
        // The client's own headers are still there, once.
        assert_eq!(head.matches("\r\ncontent-type: ").count(), 1, "{head}");
        assert_eq!(
            head.matches(&format!("\r\nhost: {addr}\r\n")).count(),
            1,
            "{head}"
        );
    }
}

#[tokio::test]
async fn headers_arrive_with_the_invalidation_request() {
    let (addr, mut requests) =
        fixed_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"result\": true}").await;
    let auth = build(&with_headers(
        format!("http://{addr}/validateCredentials"),
        Protocol::Red5pro,
    ))
    .expect("valid");
    auth.invalidate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await
        .expect("acknowledged");
    let head = head(&requests.recv().await.expect("a request"));
    assert!(
        head.starts_with("post /invalidatecredentials http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "\r\nx-api-key: {}\r\n",
            API_KEY.to_ascii_lowercase()
        )),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "\r\nauthorization: {}\r\n",
            BEARER.to_ascii_lowercase()
        )),
        "{head}"
    );
}

#[tokio::test]
async fn header_values_never_show_in_debug_or_deny_details() {
    let cfg = with_headers(
        "http://127.0.0.1:9/validateCredentials".into(),
        Protocol::Red5pro,
    );
    let shown = format!("{cfg:?}");
    assert_hidden("config Debug", &shown);
    assert!(
        shown.contains(r#"headers: {"Authorization": [redacted], "X-Api-Key": [redacted]}"#),
        "{shown}"
    );

    // Service down: nothing listens on a port just released.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let down = l.local_addr().expect("addr");
    drop(l);
    // A service that answers 500, and one that redirects.
    let (broken, _r1) = fixed_answer(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n").await;
    let (redirect, _r2) = fixed_answer(
        b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    for (addr, reason) in [
        (down, DenyReason::BackendUnavailable),
        (broken, DenyReason::BackendProtocolError),
        (redirect, DenyReason::BackendProtocolError),
    ] {
        for protocol in BOTH {
            let mut cfg = with_headers(format!("http://{addr}/validateCredentials"), protocol);
            cfg.retries = 1;
            let auth = build(&cfg).expect("valid");
            assert_hidden("authenticator Debug", &format!("{auth:?}"));
            let d = auth
                .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
                .await;
            assert_eq!(d.reason(), Some(reason), "{addr} {protocol:?}: {d:?}");
            assert_hidden("deny detail", detail(&d));
            assert_hidden("decision Debug", &format!("{d:?}"));
        }
    }
    let auth = build(&with_headers(
        format!("http://{broken}/validateCredentials"),
        Protocol::Red5pro,
    ))
    .expect("valid");
    match auth
        .invalidate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await
    {
        Err(InvalidateError::Failed(deny)) => {
            assert_eq!(deny.reason, DenyReason::BackendProtocolError);
            assert_hidden("invalidation deny", &deny.detail);
        }
        other => panic!("expected a failed invalidation, got {other:?}"),
    }
}

#[test]
fn a_bad_header_name_is_refused_at_build_naming_it() {
    for name in ["X Api Key", "X-Api-Key:", "", "Käse"] {
        let mut cfg =
            RoundTripConfig::new("http://127.0.0.1:1/validateCredentials", Protocol::Red5pro);
        cfg.headers = headers(&[(name, API_KEY)]);
        let err = build(&cfg).expect_err(name);
        assert!(
            matches!(&err, RoundTripConfigError::HeaderName { name: n, .. } if n == name),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "roundtrip.headers: `{name}` is not a valid header name: invalid HTTP header name"
            )
        );
        assert_error_hidden(&err);
    }
}

#[test]
fn headers_the_client_sets_itself_are_refused() {
    for name in [
        "Host",
        "content-length",
        "Content-Type",
        "TRANSFER-ENCODING",
        "Connection",
        "Upgrade",
        "Expect",
    ] {
        let mut cfg =
            RoundTripConfig::new("http://127.0.0.1:1/validateCredentials", Protocol::Red5pro);
        cfg.headers = headers(&[(name, API_KEY)]);
        let err = build(&cfg).expect_err(name);
        assert!(
            matches!(&err, RoundTripConfigError::HeaderRefused { name: n, .. } if n == name),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "roundtrip.headers.{name}: is set by the client itself and cannot be configured"
            )
        );
        assert_error_hidden(&err);
    }
}

#[test]
fn ambiguous_headers_are_refused() {
    let base = RoundTripConfig::new("http://127.0.0.1:1/validateCredentials", Protocol::Red5pro);
    let twice = RoundTripConfig {
        headers: headers(&[("X-Api-Key", API_KEY), ("x-api-key", API_KEY)]),
        ..base.clone()
    };
    let err = build(&twice).expect_err("twice");
    // BTreeMap order: "X-Api-Key" < "x-api-key", so the second is the one named.
    assert_eq!(
        err.to_string(),
        "roundtrip.headers.x-api-key: is configured twice (header names ignore case)"
    );
    // User info in a URL is already sent as Authorization.
    for (url, invalidate_url) in [
        ("http://svc:pw@127.0.0.1:1/validateCredentials", None),
        (
            "http://127.0.0.1:1/validateCredentials",
            Some("http://svc:pw@127.0.0.1:1/invalidateCredentials"),
        ),
    ] {
        let cfg = RoundTripConfig {
            url: url.into(),
            invalidate_url: invalidate_url.map(Into::into),
            headers: headers(&[("Authorization", BEARER)]),
            ..base.clone()
        };
        let err = build(&cfg).expect_err("two Authorization sources");
        assert!(
            matches!(err, RoundTripConfigError::HeaderRefused { .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "roundtrip.headers.Authorization: conflicts with the user info in the URL, which is \
             sent as Authorization"
        );
        assert_error_hidden(&err);
    }
}

#[test]
fn a_value_that_cannot_be_sent_is_refused_without_showing_it() {
    let base = RoundTripConfig::new("http://127.0.0.1:1/validateCredentials", Protocol::Red5pro);
    for (value, problem) in [
        (
            format!("{API_KEY}\n"),
            "holds a character a header cannot carry (a control character such as a line break)",
        ),
        (
            format!("{API_KEY}\r\nX-Injected: 1"),
            "holds a character a header cannot carry (a control character such as a line break)",
        ),
        (String::new(), "is empty"),
    ] {
        let cfg = RoundTripConfig {
            headers: [("X-Api-Key".to_owned(), Secret::new(value.clone()))].into(),
            ..base.clone()
        };
        let err = build(&cfg).expect_err("bad value");
        assert!(
            matches!(&err, RoundTripConfigError::HeaderValue { name, .. } if name == "X-Api-Key"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("roundtrip.headers.X-Api-Key: the value {problem}")
        );
        assert_error_hidden(&err);
    }
}

#[test]
fn headers_parse_from_yaml_and_default_to_none() {
    let cfg: RoundTripConfig = serde_saphyr::from_str(
        "url: http://127.0.0.1:8089/validateCredentials\n\
         protocol: red5pro\n\
         headers:\n  X-Api-Key: abc\n  Authorization: Bearer xyz\n",
    )
    .expect("valid");
    assert_eq!(
        cfg.headers.get("X-Api-Key").map(Secret::expose),
        Some("abc")
    );
    assert_eq!(
        cfg.headers.get("Authorization").map(Secret::expose),
        Some("Bearer xyz")
    );
    let cfg: RoundTripConfig =
        serde_saphyr::from_str("url: http://h/x\nprotocol: mediamtx\n").expect("valid");
    assert!(cfg.headers.is_empty());
}
