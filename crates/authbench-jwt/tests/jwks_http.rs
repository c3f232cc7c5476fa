//! JWKS over HTTP against a real server on 127.0.0.1 (port 0): fetching, key rotation, the
//! re-fetch rate limit (requests counted at the server), single flight, an endpoint that goes
//! down, no keys at all, OIDC discovery, and the verified-token cache following key changes.
//! Time comes from a `ManualClock`; nothing sleeps.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, DenyReason, Identity, ManualClock, StreamPath,
    Transport,
};
use authbench_jwt::{CacheConfig, JwtAuthenticator, JwtConfig, Profile, TokenMinter};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const T0: u64 = 1_700_000_000;

/// The test key set: configs name key files relative to it.
fn keys_dir() -> &'static Path {
    authbench_testkit::keys::dir()
}

/// A tiny HTTP/1.1 server: fixed routes, a hit counter per path, and a switch to answer 503.
#[derive(Clone, Default)]
struct Server {
    state: Arc<Mutex<State>>,
    base: String,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, String>,
    hits: HashMap<String, u64>,
    down: bool,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = Server {
            state: Arc::default(),
            base: format!("http://{addr}"),
        };
        let state = Arc::clone(&server.state);
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf);
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let (status, body) = {
                        let mut st = state.lock().expect("state");
                        *st.hits.entry(path.clone()).or_default() += 1;
                        match (st.down, st.routes.get(&path)) {
                            (true, _) => ("503 Service Unavailable", String::new()),
                            (false, Some(b)) => ("200 OK", b.clone()),
                            (false, None) => ("404 Not Found", String::new()),
                        }
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        server
    }

    fn route(&self, path: &str, body: String) {
        self.state
            .lock()
            .expect("state")
            .routes
            .insert(path.to_owned(), body);
    }

    fn hits(&self, path: &str) -> u64 {
        self.state
            .lock()
            .expect("state")
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    fn set_down(&self, down: bool) {
        self.state.lock().expect("state").down = down;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

fn private_pem(name: &str) -> Vec<u8> {
    authbench_testkit::keys::read(name)
}

/// The public JWK of a PEM private key, with a `kid`.
fn jwk(private: &str, kid: &str) -> serde_json::Value {
    let key = EncodingKey::from_rsa_pem(&private_pem(private)).expect("rsa key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).expect("json")
}

fn jwks(keys: &[(&str, &str)]) -> String {
    let keys: Vec<_> = keys.iter().map(|(p, k)| jwk(p, k)).collect();
    serde_json::json!({ "keys": keys }).to_string()
}

/// A minter signing RS256 with `private` and `kid`, issuer `iss`.
fn minter(private: &str, kid: &str, iss: Option<&str>) -> TokenMinter {
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[authbench_jwt::Algorithm::RS256]);
    cfg.signing_key = Some(keys_dir().join(private));
    cfg.signing_kid = Some(kid.to_owned());
    cfg.issuers = iss.map(|i| vec![i.to_owned()]).unwrap_or_default();
    TokenMinter::from_config(&cfg, keys_dir()).expect("minter")
}

fn token(m: &TokenMinter, at: u64) -> String {
    m.mint("alice", &Identity::default(), at, Duration::from_secs(3600))
        .expect("mint")
}

fn request(token: &str) -> AuthRequest {
    AuthRequest::new(
        Action::Publish,
        Transport::Whip,
        StreamPath::new("live/room1/cam1").expect("path"),
        Credentials::token(token),
    )
}

fn config_for(jwks_url: &str) -> JwtConfig {
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[authbench_jwt::Algorithm::RS256]);
    cfg.jwks_url = Some(jwks_url.to_owned());
    cfg
}

async fn setup(keys: &[(&str, &str)]) -> (Server, Arc<ManualClock>, JwtConfig) {
    let server = Server::start().await;
    server.route("/jwks", jwks(keys));
    let clock = Arc::new(ManualClock::at_secs(T0));
    let cfg = config_for(&server.url("/jwks"));
    (server, clock, cfg)
}

#[tokio::test]
async fn keys_are_fetched_once_at_start_and_used() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock)
        .await
        .expect("auth");
    assert_eq!(server.hits("/jwks"), 1);
    let m = minter("rsa.key.pem", "k1", None);
    for _ in 0..5 {
        let d = auth.authenticate(&request(&token(&m, T0))).await;
        assert!(d.is_allow(), "{d:?}");
    }
    assert_eq!(
        server.hits("/jwks"),
        1,
        "known kid, fresh keys: no more fetches"
    );
}

#[tokio::test]
async fn rotated_key_is_picked_up_and_refetch_is_rate_limited() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    server.route(
        "/jwks",
        jwks(&[("rsa.key.pem", "k1"), ("rsa2.key.pem", "k2")]),
    );
    let new = token(&minter("rsa2.key.pem", "k2", None), T0);
    // The start-up fetch used this period's budget: the new kid is unknown for now.
    let d = auth.authenticate(&request(&new)).await;
    assert_eq!(d.reason(), Some(DenyReason::UnknownKey));
    assert_eq!(server.hits("/jwks"), 1);
    // Made-up kids do not make the server download keys either.
    let forger = minter("rsa2.key.pem", "made-up", None);
    for _ in 0..20 {
        let d = auth.authenticate(&request(&token(&forger, T0))).await;
        assert_eq!(d.reason(), Some(DenyReason::UnknownKey));
    }
    assert_eq!(server.hits("/jwks"), 1);
    // One period later, one unknown kid triggers exactly one fetch, and the new key works.
    clock.advance(cfg.jwks_min_refetch);
    let d = auth.authenticate(&request(&new)).await;
    assert!(d.is_allow(), "{d:?}");
    assert_eq!(server.hits("/jwks"), 2);
    for _ in 0..20 {
        let d = auth.authenticate(&request(&token(&forger, T0))).await;
        assert_eq!(d.reason(), Some(DenyReason::UnknownKey));
    }
    assert_eq!(server.hits("/jwks"), 2, "still one fetch per period");
    assert_eq!(auth.jwks_fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kids_cause_a_single_fetch() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    let auth = Arc::new(
        JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
            .await
            .expect("auth"),
    );
    clock.advance(Duration::from_secs(60));
    let forged = token(&minter("rsa2.key.pem", "nope", None), T0);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (auth, t) = (Arc::clone(&auth), forged.clone());
        tasks.spawn(async move { auth.authenticate(&request(&t)).await.reason() });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.expect("task"), Some(DenyReason::UnknownKey));
    }
    assert_eq!(server.hits("/jwks"), 2, "start-up fetch plus one");
}

#[tokio::test]
async fn stale_keys_are_refreshed_on_the_request_path() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let m = minter("rsa.key.pem", "k1", None);
    clock.advance(cfg.jwks_refresh - Duration::from_secs(1));
    assert!(auth.authenticate(&request(&token(&m, T0))).await.is_allow());
    assert_eq!(server.hits("/jwks"), 1);
    clock.advance(Duration::from_secs(1));
    assert!(auth.authenticate(&request(&token(&m, T0))).await.is_allow());
    assert_eq!(
        server.hits("/jwks"),
        2,
        "refreshed once the keys were jwks_refresh old"
    );
}

#[tokio::test]
async fn endpoint_down_keeps_the_last_good_keys() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let m = minter("rsa.key.pem", "k1", None);
    server.set_down(true);
    clock.advance(Duration::from_secs(600));
    let d = auth.authenticate(&request(&token(&m, T0))).await;
    assert!(d.is_allow(), "last good keys still verify: {d:?}");
    assert_eq!(server.hits("/jwks"), 2, "the refresh was tried");
    // Failed refreshes are rate limited too.
    for _ in 0..10 {
        assert!(auth.authenticate(&request(&token(&m, T0))).await.is_allow());
    }
    assert_eq!(server.hits("/jwks"), 2);
}

#[tokio::test]
async fn no_keys_ever_is_backend_unavailable_until_a_fetch_works() {
    let (server, clock, cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    server.set_down(true);
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("a down endpoint is not a config error");
    let t = token(&minter("rsa.key.pem", "k1", None), T0);
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
    server.set_down(false);
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(
        d.reason(),
        Some(DenyReason::BackendUnavailable),
        "rate limit holds"
    );
    clock.advance(cfg.jwks_min_refetch);
    assert!(auth.authenticate(&request(&t)).await.is_allow());
    assert_eq!(server.hits("/jwks"), 2);
}

#[tokio::test]
async fn unreachable_endpoint_and_garbage_documents_are_backend_unavailable() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/jwks", closed.local_addr().expect("addr"));
    drop(closed);
    let clock = Arc::new(ManualClock::at_secs(T0));
    let auth = JwtAuthenticator::from_config(&config_for(&url), keys_dir(), clock)
        .await
        .expect("auth");
    let t = token(&minter("rsa.key.pem", "k1", None), T0);
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable));

    let (server, clock, cfg) = setup(&[]).await;
    server.route("/jwks", "<html>not json</html>".to_owned());
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock)
        .await
        .expect("auth");
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable));
    assert!(!d.is_allow());
}

#[tokio::test]
async fn oidc_discovery_gives_keys_and_issuer() {
    let server = Server::start().await;
    let issuer = server.url("/realms/media");
    server.route(
        "/realms/media/.well-known/openid-configuration",
        serde_json::json!({"issuer": issuer, "jwks_uri": server.url("/certs")}).to_string(),
    );
    server.route("/certs", jwks(&[("rsa.key.pem", "k1")]));
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[authbench_jwt::Algorithm::RS256]);
    cfg.oidc_discovery = Some(issuer.clone());
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    assert_eq!(
        server.hits("/realms/media/.well-known/openid-configuration"),
        1
    );
    assert_eq!(server.hits("/certs"), 1);
    let good = token(&minter("rsa.key.pem", "k1", Some(&issuer)), T0);
    assert!(auth.authenticate(&request(&good)).await.is_allow());
    let wrong = token(
        &minter("rsa.key.pem", "k1", Some("https://elsewhere.example")),
        T0,
    );
    assert_eq!(
        auth.authenticate(&request(&wrong)).await.reason(),
        Some(DenyReason::IssuerNotAllowed)
    );
    let none = token(&minter("rsa.key.pem", "k1", None), T0);
    assert_eq!(
        auth.authenticate(&request(&none)).await.reason(),
        Some(DenyReason::MissingClaim)
    );
    // Refreshes reuse the discovered jwks_uri.
    clock.advance(cfg.jwks_refresh);
    assert!(auth.authenticate(&request(&good)).await.is_allow());
    assert_eq!(
        server.hits("/realms/media/.well-known/openid-configuration"),
        1
    );
    assert_eq!(server.hits("/certs"), 2);

    // The well-known URL itself works too.
    let mut cfg2 = cfg.clone();
    cfg2.oidc_discovery = Some(format!("{issuer}/.well-known/openid-configuration"));
    let auth2 = JwtAuthenticator::from_config(&cfg2, keys_dir(), clock)
        .await
        .expect("auth");
    assert!(auth2.authenticate(&request(&good)).await.is_allow());
}

#[tokio::test]
async fn discovery_naming_another_issuer_is_refused() {
    let server = Server::start().await;
    server.route(
        "/.well-known/openid-configuration",
        serde_json::json!({"issuer": "https://evil.example", "jwks_uri": server.url("/certs")})
            .to_string(),
    );
    server.route("/certs", jwks(&[("rsa.key.pem", "k1")]));
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[authbench_jwt::Algorithm::RS256]);
    cfg.oidc_discovery = Some(server.url(""));
    let clock = Arc::new(ManualClock::at_secs(T0));
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock)
        .await
        .expect("auth");
    let t = token(
        &minter("rsa.key.pem", "k1", Some("https://evil.example")),
        T0,
    );
    assert_eq!(
        auth.authenticate(&request(&t)).await.reason(),
        Some(DenyReason::BackendUnavailable)
    );
    assert_eq!(
        server.hits("/certs"),
        0,
        "keys are not taken from a mismatched provider"
    );
}

#[tokio::test]
async fn verified_cache_forgets_tokens_when_their_key_is_removed() {
    let (server, clock, mut cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    cfg.cache = Some(CacheConfig { max_entries: 64 });
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let t = token(&minter("rsa.key.pem", "k1", None), T0);
    assert!(auth.authenticate(&request(&t)).await.is_allow());
    assert_eq!(auth.cached_tokens(), 1);
    assert!(
        auth.authenticate(&request(&t)).await.is_allow(),
        "cache hit"
    );
    // k1 is retired at the provider; after the refresh, the cached token must not pass.
    server.route("/jwks", jwks(&[("rsa2.key.pem", "k2")]));
    clock.advance(cfg.jwks_refresh);
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::UnknownKey), "{d:?}");
}

#[tokio::test]
async fn verified_cache_forgets_tokens_when_their_key_is_replaced_under_the_same_kid() {
    let (server, clock, mut cfg) = setup(&[("rsa.key.pem", "k1")]).await;
    cfg.cache = Some(CacheConfig { max_entries: 64 });
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let t = token(&minter("rsa.key.pem", "k1", None), T0);
    assert!(auth.authenticate(&request(&t)).await.is_allow());
    assert_eq!(auth.cached_tokens(), 1);
    // The provider replaces the key material but keeps the kid: the old key is gone.
    server.route("/jwks", jwks(&[("rsa2.key.pem", "k1")]));
    clock.advance(cfg.jwks_refresh);
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BadSignature), "{d:?}");
    assert_eq!(server.hits("/jwks"), 2);
}

#[tokio::test]
async fn jwks_url_password_is_not_in_deny_details() {
    let (server, clock, _) = setup(&[("rsa.key.pem", "k1")]).await;
    server.set_down(true);
    let with_password =
        server
            .url("/jwks")
            .replacen("http://", "http://fetcher:url-pass-s3cret@", 1);
    let auth = JwtAuthenticator::from_config(&config_for(&with_password), keys_dir(), clock)
        .await
        .expect("auth");
    let t = token(&minter("rsa.key.pem", "k1", None), T0);
    let authbench_core::Decision::Deny(deny) = auth.authenticate(&request(&t)).await else {
        panic!("the endpoint is down");
    };
    assert_eq!(deny.reason, DenyReason::BackendUnavailable);
    assert!(deny.detail.contains("503"), "{}", deny.detail);
    assert!(!deny.detail.contains("url-pass-s3cret"), "{}", deny.detail);
}

/// Every event's fields, as text, from the thread the test runs on.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<String>>);

impl Logs {
    fn text(&self) -> String {
        self.0.lock().expect("logs").clone()
    }
}

impl tracing::Subscriber for Logs {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields<'a>(&'a mut String);
        impl tracing::field::Visit for Fields<'_> {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={v:?}\n", f.name()));
            }
        }
        let mut logs = self.0.lock().expect("logs");
        event.record(&mut Fields(&mut logs));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Secrets in configured URLs (user info, query values such as `access_token`) never reach a
/// deny detail, a log line, an error or `Debug`, whether the URL is `jwks_url`, the discovery URL
/// or the `jwks_uri` a discovery document names.
#[tokio::test]
async fn secrets_in_key_urls_are_redacted_everywhere_they_are_shown() {
    const SECRETS: [&str; 4] = ["url-pass-s3cret", "tok-S3CRET", "disc-S3CRET", "uri-S3CRET"];
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let check = |what: &str, text: &str| {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{what} shows `{secret}`: {text}");
        }
    };
    let server = Server::start().await;
    let clock = Arc::new(ManualClock::at_secs(T0));
    let t = token(&minter("rsa.key.pem", "k1", None), T0);

    // jwks_url with a password and an access token; the fetch fails (404: the route has no query).
    server.route("/jwks", jwks(&[("rsa.key.pem", "k1")]));
    let url = server.url("/jwks?access_token=tok-S3CRET").replacen(
        "http://",
        "http://fetcher:url-pass-s3cret@",
        1,
    );
    let cfg = config_for(&url);
    check("the config's Debug", &format!("{cfg:?}"));
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
    let authbench_core::Decision::Deny(deny) = &d else {
        panic!("denied");
    };
    assert!(deny.detail.contains("404"), "{}", deny.detail);
    assert!(
        deny.detail.contains("access_token=[redacted]"),
        "the parameter's name stays: {}",
        deny.detail
    );
    check("the deny detail", &deny.detail);
    check("the decision's Debug", &format!("{d:?}"));
    check("the authenticator's Debug", &format!("{auth:?}"));

    // Discovery whose jwks_uri carries a token, and whose key set cannot be fetched.
    server.route(
        "/idp/.well-known/openid-configuration",
        serde_json::json!({
            "issuer": server.url("/idp"),
            "jwks_uri": server.url("/certs?access_token=uri-S3CRET"),
        })
        .to_string(),
    );
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[authbench_jwt::Algorithm::RS256]);
    cfg.oidc_discovery = Some(server.url("/idp"));
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
    check("the deny after discovery", &format!("{d:?}"));
    check("the authenticator's Debug", &format!("{auth:?}"));

    // Discovery naming a jwks_uri that is not http(s), with a secret in it.
    server.route(
        "/bad/.well-known/openid-configuration",
        serde_json::json!({
            "issuer": server.url("/bad"),
            "jwks_uri": "ftp://keys.example/certs?access_token=uri-S3CRET",
        })
        .to_string(),
    );
    cfg.oidc_discovery = Some(server.url("/bad"));
    let auth = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect("auth");
    let d = auth.authenticate(&request(&t)).await;
    assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
    check("the deny for a bad jwks_uri", &format!("{d:?}"));

    // A jwks_url that is not http(s) is a config error that shows the URL redacted.
    let mut cfg = config_for("ftp://fetcher:url-pass-s3cret@keys.example/jwks?key=disc-S3CRET");
    let e = JwtAuthenticator::from_config(&cfg, keys_dir(), clock.clone())
        .await
        .expect_err("not http");
    check("the config error", &e.to_string());
    check("the config error's Debug", &format!("{e:?}"));
    cfg.jwks_url = None;
    cfg.oidc_discovery = Some("ftp://idp.example/?access_token=disc-S3CRET".into());
    check("the config's Debug", &format!("{cfg:?}"));
    let e = JwtAuthenticator::from_config(&cfg, keys_dir(), clock)
        .await
        .expect_err("not http");
    check("the config error", &e.to_string());

    let logs = logs.text();
    assert!(
        logs.contains("access_token=[redacted]"),
        "failed fetches are logged, redacted: {logs}"
    );
    check("the logs", &logs);
}
