//! `/token` as an OAuth 2.0 token endpoint (RFC 6749) against the real service on loopback: the
//! password and client credentials grants, both client authentication methods, the §5.2 errors,
//! the no-store headers, and what discovery advertises.

mod common;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{
    AuthService, Lockout, PATH_DISCOVERY, PATH_JWKS, PATH_TOKEN, PATH_VALIDATE, PasswordScheme,
    RunningService, ServiceOptions,
};
use authbench_core::{DenyReason, Identity, ManualClock};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use common::{Reply, call, identities, post, reason, red5};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::net::TcpStream;

const T0: u64 = 1_700_000_000;
const FORM: &str = "application/x-www-form-urlencoded";
/// A client whose id and secret need form-urlencoding inside `Authorization: Basic`.
const ODD_CLIENT: &str = "erin@acme";
const ODD_SECRET: &str = "pa:ss+w%rd 1";

fn options() -> ServiceOptions {
    let mut options = ServiceOptions::with_clock(Arc::new(ManualClock::at_secs(T0)));
    options.token_ttl = Duration::from_secs(60);
    options
}

/// The test identities plus [`ODD_CLIENT`], listening on 127.0.0.1 port 0.
async fn start(options: ServiceOptions) -> RunningService {
    let mut users = identities();
    users.insert(
        ODD_CLIENT.into(),
        Identity {
            password: ODD_SECRET.into(),
            ..Identity::default()
        },
    );
    AuthService::new(&users, options)
        .expect("service")
        .spawn_loopback()
        .await
        .expect("listen")
}

/// One POST to `/token` on a fresh connection, with the content type and headers given.
async fn token_request(
    addr: SocketAddr,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method("POST")
        .uri(PATH_TOKEN)
        .header("host", "127.0.0.1");
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("request");
    let resp = send.send_request(req).await.expect("answer");
    let (parts, body) = resp.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.expect("body").to_bytes(),
    }
}

async fn form(addr: SocketAddr, body: &str) -> Reply {
    token_request(addr, Some(FORM), &[], body).await
}

async fn form_basic(addr: SocketAddr, basic: &str, body: &str) -> Reply {
    token_request(addr, Some(FORM), &[("authorization", basic)], body).await
}

/// `Authorization: Basic` for `id` and `secret` as RFC 6749 §2.3.1 encodes them.
fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", urlencode(id), urlencode(secret)))
    )
}

/// application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn header<'r>(r: &'r Reply, name: &str) -> Option<&'r str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every `/token` answer, success or error, must not be cached (RFC 6749 §5.1, §5.2).
fn assert_no_store(r: &Reply) {
    assert_eq!(header(r, "cache-control"), Some("no-store"), "{r:?}");
    assert_eq!(header(r, "pragma"), Some("no-cache"), "{r:?}");
}

/// Asserts a §5.1 success and returns the access token.
fn access_token(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_no_store(r);
    let body = r.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 60);
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Asserts a §5.2 error with `status` and `error` and returns the body.
fn oauth_error(r: &Reply, status: StatusCode, error: &str) -> Value {
    assert_eq!(r.status, status, "{r:?}");
    assert_no_store(r);
    let body = r.json();
    assert_eq!(body["error"], error, "{body}");
    // §5.2: error_description is printable ASCII without `"` and `\`.
    if let Some(d) = body.get("error_description") {
        let d = d.as_str().expect("a string");
        assert!(
            d.bytes()
                .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'),
            "{d}"
        );
    }
    body
}

fn assert_invalid_client(r: &Reply) -> Value {
    let body = oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(
        header(r, "www-authenticate"),
        Some(r#"Basic realm="authbench""#)
    );
    body
}

/// The principal the service itself accepts `token` for (Red5 Pro round trip, as a subscriber).
async fn accepted_subject(a: SocketAddr, token: &str) -> Value {
    let mut body = red5("", "", "subscriber", "live/room1", "cam1");
    body["token"] = json!(token);
    let r = post(a, PATH_VALIDATE, &body).await.json();
    assert_eq!(r["result"], true, "{r}");
    r["subject"].clone()
}

#[tokio::test]
async fn client_credentials_with_basic_issues_a_token_that_verifies() {
    let mut opts = options();
    opts.audience = Some("streaming".into());
    let svc = start(opts).await;
    let a = svc.local_addr();
    let r = form_basic(
        a,
        &basic("alice", "alice-pw"),
        "grant_type=client_credentials&scope=stream",
    )
    .await;
    let jwt = access_token(&r);
    assert_eq!(accepted_subject(a, &jwt).await, "alice");

    // The token verifies with the served JWKS, issuer and audience, as JWT mode checks it.
    let jwks: JwkSet =
        serde_json::from_slice(&call(a, "GET", PATH_JWKS, None).await.body).expect("JWKS parses");
    let kid = jsonwebtoken::decode_header(&jwt)
        .expect("header")
        .kid
        .expect("kid");
    assert_eq!(r.json()["kid"], kid.as_str());
    let key = DecodingKey::from_jwk(jwks.find(&kid).expect("kid in JWKS")).expect("usable JWK");
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["streaming"]);
    v.set_issuer(&[svc.base_url()]);
    v.validate_exp = false; // the token's times come from the manual clock
    let claims = jsonwebtoken::decode::<Value>(&jwt, &key, &v)
        .expect("verifies")
        .claims;
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["exp"], T0 + 60);
    svc.shutdown().await;
}

#[tokio::test]
async fn client_credentials_with_client_secret_post_issues_a_token() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let r = form(
        a,
        "grant_type=client_credentials&client_id=alice&client_secret=alice-pw",
    )
    .await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "alice");
    // A client_id in the body beside Basic is fine when it names the same client.
    let r = form_basic(
        a,
        &basic("bob", "bob-pw"),
        "grant_type=client_credentials&client_id=bob",
    )
    .await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "bob");
    svc.shutdown().await;
}

#[tokio::test]
async fn password_grant_issues_a_token_for_the_resource_owner() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let r = form(a, "grant_type=password&username=alice&password=alice-pw").await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "alice");
    // With client authentication the token is still the resource owner's.
    let r = form_basic(
        a,
        &basic("bob", "bob-pw"),
        "grant_type=password&username=alice&password=alice-pw&scope=openid",
    )
    .await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "alice");
    // Form values are decoded: the charset parameter of the content type is allowed.
    let r = token_request(
        a,
        Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        &[],
        &format!(
            "grant_type=password&username={}&password={}",
            urlencode(ODD_CLIENT),
            urlencode(ODD_SECRET)
        ),
    )
    .await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, ODD_CLIENT);
    svc.shutdown().await;
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded_id_and_secret() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    // `:` `+` `%` and a space in the secret, `@` in the id, each encoded as §2.3.1 says.
    let r = form_basic(
        a,
        &basic(ODD_CLIENT, ODD_SECRET),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, ODD_CLIENT);
    // Unpadded base64 is accepted too.
    let padded = basic("alice", "alice-pw");
    let unpadded = padded.trim_end_matches('=');
    assert_ne!(unpadded, padded, "the test needs padding");
    let r = form_basic(a, unpadded, "grant_type=client_credentials").await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "alice");
    // Sent without form-urlencoding, `+` means a space and the secret does not match.
    let raw = format!("Basic {}", STANDARD.encode("bob:bob+pw"));
    svc.set_password("bob", "bob+pw").expect("bob exists");
    let r = form_basic(a, &raw, "grant_type=client_credentials").await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::BadPassword);
    let r = form_basic(a, &basic("bob", "bob+pw"), "grant_type=client_credentials").await;
    assert_eq!(accepted_subject(a, &access_token(&r)).await, "bob");
    svc.shutdown().await;
}

#[tokio::test]
async fn failed_client_authentication_is_401_invalid_client_with_a_challenge() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let cc = "grant_type=client_credentials";
    let r = form_basic(a, &basic("alice", "wrong-Zq7"), cc).await;
    let body = assert_invalid_client(&r);
    assert_eq!(reason(&body), DenyReason::BadPassword);
    assert!(!String::from_utf8_lossy(&r.body).contains("wrong-Zq7"));
    let r = form(
        a,
        "grant_type=client_credentials&client_id=alice&client_secret=wrong-Zq7",
    )
    .await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::BadPassword);
    let r = form_basic(a, &basic("nobody", "x"), cc).await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::UnknownUser);
    // No client authentication where the grant needs it, or a client_id without a secret.
    let r = form(a, cc).await;
    assert_eq!(
        reason(&assert_invalid_client(&r)),
        DenyReason::MissingCredentials
    );
    let r = form(a, "grant_type=client_credentials&client_id=alice").await;
    assert_eq!(
        reason(&assert_invalid_client(&r)),
        DenyReason::MissingCredentials
    );
    // An empty secret in Basic authenticates nobody.
    let r = form_basic(a, &basic("alice", ""), cc).await;
    assert_eq!(
        reason(&assert_invalid_client(&r)),
        DenyReason::MissingCredentials
    );
    // Client authentication other than Basic.
    let r = form_basic(a, "Bearer abc.def.ghi", cc).await;
    assert_eq!(
        reason(&assert_invalid_client(&r)),
        DenyReason::MalformedCredentials
    );
    // The password grant with bad client authentication fails on the client, not the user.
    let r = form_basic(
        a,
        &basic("bob", "x"),
        "grant_type=password&username=alice&password=alice-pw",
    )
    .await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::BadPassword);
    svc.shutdown().await;
}

#[tokio::test]
async fn without_exposed_reasons_errors_carry_only_the_code() {
    let mut opts = options();
    opts.expose_reasons = false;
    let svc = start(opts).await;
    let a = svc.local_addr();
    let wrong = form_basic(a, &basic("alice", "x"), "grant_type=client_credentials").await;
    let unknown = form_basic(a, &basic("nobody", "x"), "grant_type=client_credentials").await;
    assert_eq!(
        assert_invalid_client(&wrong),
        json!({"error": "invalid_client"})
    );
    assert_eq!(
        assert_invalid_client(&unknown),
        json!({"error": "invalid_client"})
    );
    let wrong = form(a, "grant_type=password&username=alice&password=x").await;
    let unknown = form(a, "grant_type=password&username=nobody&password=x").await;
    let revoked = form(a, "grant_type=password&username=carol&password=carol-pw").await;
    for r in [&wrong, &unknown, &revoked] {
        assert_eq!(
            oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant"),
            json!({"error": "invalid_grant"})
        );
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn password_grant_with_a_wrong_password_is_invalid_grant() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let r = form(a, "grant_type=password&username=alice&password=wrong-Zq7").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::BadPassword);
    assert!(r.headers.get("www-authenticate").is_none());
    assert!(!String::from_utf8_lossy(&r.body).contains("wrong-Zq7"));
    let r = form(a, "grant_type=password&username=nobody&password=x").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::UnknownUser);
    svc.shutdown().await;
}

#[tokio::test]
async fn unknown_or_missing_grant_types() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    for grant in ["authorization_code", "refresh_token", "PASSWORD"] {
        let r = form_basic(
            a,
            &basic("alice", "alice-pw"),
            &format!("grant_type={grant}&username=alice&password=alice-pw"),
        )
        .await;
        let body = oauth_error(&r, StatusCode::BAD_REQUEST, "unsupported_grant_type");
        assert!(body.get("reason").is_none(), "{body}");
    }
    let r = form(a, "username=alice&password=alice-pw").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(
        body["error_description"],
        "the grant_type parameter is missing"
    );
    // A parameter without a value counts as absent (RFC 6749 §3.1).
    let r = form(a, "grant_type=password&username=alice&password=").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(
        body["error_description"],
        "the password grant needs the username and password parameters"
    );
    svc.shutdown().await;
}

#[tokio::test]
async fn revoked_users_get_no_token_by_either_grant() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    // carol is revoked from the start.
    let r = form(a, "grant_type=password&username=carol&password=carol-pw").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::Revoked);
    let r = form_basic(
        a,
        &basic("carol", "carol-pw"),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::Revoked);
    // A revoked client cannot get a token for another user either.
    let r = form_basic(
        a,
        &basic("carol", "carol-pw"),
        "grant_type=password&username=alice&password=alice-pw",
    )
    .await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::Revoked);

    // Revocation at run time applies at once, and restoring undoes it.
    svc.revoke("alice").expect("alice exists");
    let r = form_basic(
        a,
        &basic("alice", "alice-pw"),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::Revoked);
    let r = form(a, "grant_type=password&username=alice&password=alice-pw").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::Revoked);
    svc.restore("alice").expect("alice exists");
    let r = form(a, "grant_type=password&username=alice&password=alice-pw").await;
    access_token(&r);
    svc.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_are_invalid_request() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let alice = basic("alice", "alice-pw");
    /// Extra headers, the body, and the `error_description` expected.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case<'_>] = &[
        (
            &[],
            "grant_type=password&username=alice&password=alice-pw&grant_type=password",
            "the parameter `grant_type` is sent more than once",
        ),
        (
            &[],
            "grant_type=password&username=alice&password=x&password=alice-pw",
            "the parameter `password` is sent more than once",
        ),
        (
            &[],
            "grant_type=client_credentials&client_id=alice&client_id=bob&client_secret=alice-pw",
            "the parameter `client_id` is sent more than once",
        ),
        (
            &[],
            "grant_type=password&username=alice&password=alice%zz",
            "the body is not well-formed UTF-8 form data",
        ),
        (
            &[],
            "grant_type=password&username=%C3%28&password=alice-pw",
            "the body is not well-formed UTF-8 form data",
        ),
        (
            &[],
            "grant_type=client_credentials&client_secret=alice-pw",
            "the client_secret parameter is sent without client_id",
        ),
        (
            &[("authorization", &alice)],
            "grant_type=client_credentials&client_id=alice&client_secret=alice-pw",
            "the client authenticated with both client_secret_basic and client_secret_post",
        ),
        (
            &[("authorization", &alice)],
            "grant_type=client_credentials&client_id=bob",
            "the client_id parameter names another client than the Authorization header",
        ),
        (
            &[("authorization", "Basic !!not-base64!!")],
            "grant_type=client_credentials",
            "the Authorization header is not well-formed Basic credentials",
        ),
        (
            &[("authorization", "Basic YWxpY2U=")], // "alice": no colon
            "grant_type=client_credentials",
            "the Authorization header is not well-formed Basic credentials",
        ),
        (
            &[("authorization", &alice), ("authorization", &alice)],
            "grant_type=client_credentials",
            "the Authorization header is sent more than once",
        ),
    ];
    for (headers, body, description) in cases {
        let r = token_request(a, Some(FORM), headers, body).await;
        let answer = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(answer["error_description"], *description, "{body}");
        assert!(answer.get("reason").is_none(), "{answer}");
        assert!(!String::from_utf8_lossy(&r.body).contains("alice-pw"));
    }
    // Nothing was decided, so nothing was counted against alice.
    assert_eq!(svc.stats().denies_for(DenyReason::BadPassword), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn other_content_types_are_invalid_request_and_json_still_works() {
    let svc = start(options()).await;
    let a = svc.local_addr();
    let json_body = r#"{"username": "alice", "password": "alice-pw"}"#;
    for ct in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ] {
        let r = token_request(a, Some(ct), &[], json_body).await;
        let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(
            body["error_description"],
            "the body must be application/x-www-form-urlencoded (RFC 6749 section 3.2)"
        );
    }
    // The JSON form, with its content type or none, answers as it always has (and is not cached).
    for ct in [
        Some("application/json"),
        Some("application/json; charset=utf-8"),
        None,
    ] {
        let r = token_request(a, ct, &[], json_body).await;
        assert_eq!(accepted_subject(a, &access_token(&r)).await, "alice");
    }
    let r = token_request(
        a,
        Some("application/json"),
        &[],
        r#"{"username": "alice", "password": "x"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_no_store(&r);
    assert_eq!(
        r.json(),
        json!({"error": "invalid_grant", "reason": "bad_password"})
    );
    // A form body sent as JSON is the JSON form's own error.
    let r = token_request(
        a,
        Some("application/json"),
        &[],
        "grant_type=password&username=alice&password=alice-pw",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), json!({"error": "the body is not a JSON object"}));
    svc.shutdown().await;
}

#[tokio::test]
async fn client_authentication_shares_the_failed_attempt_lockout() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut opts = ServiceOptions::with_clock(clock.clone());
    opts.token_ttl = Duration::from_secs(60);
    opts.lockout = Some(Lockout::new(
        NonZeroU32::new(2).expect("non-zero"),
        Duration::from_secs(60),
    ));
    let svc = start(opts).await;
    let a = svc.local_addr();
    let cc = "grant_type=client_credentials";
    let r = form_basic(a, &basic("alice", "x1"), cc).await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::BadPassword);
    // A failure through the password grant counts for the same (address, user).
    let r = form(a, "grant_type=password&username=alice&password=x2").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::BadPassword);
    let r = form_basic(a, &basic("alice", "alice-pw"), cc).await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::RateLimited);
    let r = form(a, "grant_type=password&username=alice&password=alice-pw").await;
    let body = oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(reason(&body), DenyReason::RateLimited);
    clock.advance(Duration::from_secs(60));
    let r = form_basic(a, &basic("alice", "alice-pw"), cc).await;
    access_token(&r);
    svc.shutdown().await;
}

#[tokio::test]
async fn a_slow_password_hash_is_checked_off_the_event_loop() {
    let mut opts = options();
    opts.password_scheme = PasswordScheme::Pbkdf2Sha256 {
        iterations: NonZeroU32::new(1_000).expect("non-zero"),
    };
    let svc = start(opts).await;
    let a = svc.local_addr();
    let r = form_basic(
        a,
        &basic("alice", "alice-pw"),
        "grant_type=password&username=bob&password=bob-pw",
    )
    .await;
    let token = access_token(&r);
    let mut body = red5("", "", "subscriber", "live/any", "cam1");
    body["token"] = json!(token);
    assert_eq!(
        post(a, PATH_VALIDATE, &body).await.json(),
        json!({"result": true, "subject": "bob"})
    );
    let r = form_basic(a, &basic("alice", "x"), "grant_type=client_credentials").await;
    assert_eq!(reason(&assert_invalid_client(&r)), DenyReason::BadPassword);
    svc.shutdown().await;
}

#[tokio::test]
async fn discovery_advertises_the_grants_and_client_authentication_methods() {
    let svc = start(options()).await;
    let r = call(svc.local_addr(), "GET", PATH_DISCOVERY, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let disco = r.json();
    assert_eq!(disco["token_endpoint"], svc.url(PATH_TOKEN));
    assert_eq!(
        disco["grant_types_supported"],
        json!(["password", "client_credentials"])
    );
    assert_eq!(
        disco["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    // Required by OpenID Connect Discovery 1.0 §3.
    for field in [
        "issuer",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ] {
        assert!(disco.get(field).is_some(), "{field} missing: {disco}");
    }
    assert!(
        disco["response_types_supported"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{disco}"
    );
    svc.shutdown().await;
}
