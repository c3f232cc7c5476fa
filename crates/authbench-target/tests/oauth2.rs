//! The oauth2 token source against a real HTTP server on loopback: RFC 6749 token requests,
//! client authentication, §5.1 / §5.2 answers, OpenID Connect discovery.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_target::call::CallError;
use authbench_target::{Account, LoadedTarget, TokenError, TokenSource};
use base64::Engine;
use common::{Dir, Reply, Server};
use serde_json::json;

/// A client secret with every character RFC 6749 §2.3.1 makes us encode.
const CLIENT_SECRET: &str = "s:e+c%r et";
const PASSWORD: &str = "pa ss:w%rd+1";

fn target(dir: &Dir, jwt_extra: &str, oauth2: &str) -> LoadedTarget {
    dir.write("secrets/client", &format!("{CLIENT_SECRET}\n"));
    dir.write("secrets/alice", PASSWORD);
    dir.target(&format!(
        "name: t\n\
         jwt:\n  algorithms: [HS256]\n  secret_env: JWT_SECRET\n{jwt_extra}  tokens:\n    oauth2: {oauth2}\n    timeout: 2s\n\
         identities:\n\
         \x20 svc: {{client_id: svc client, client_secret: {{file: secrets/client}}}}\n\
         \x20 alice: {{user: qa-alice, password: {{file: secrets/alice}}, client_id: app, client_secret: {{file: secrets/client}}}}\n\
         \x20 public: {{user: qa-pub, password: {{file: secrets/alice}}, client_id: spa}}\n\
         \x20 nobody: {{user: qa-nobody}}\n"
    ))
}

fn source(target: &LoadedTarget) -> TokenSource {
    target.token_source().unwrap().unwrap()
}

fn account(target: &LoadedTarget, identity: &str) -> Account {
    target.account(identity).unwrap().unwrap()
}

/// No secret of the test accounts appears in `text`.
fn assert_no_secret(text: &str) {
    for secret in [CLIENT_SECRET, PASSWORD, "s%3Ae%2Bc%25r+et"] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

fn token_answer() -> Reply {
    Reply::json(
        200,
        json!({"access_token": "tok-1", "token_type": "bearer", "expires_in": 60, "id_token": "id-1"}),
    )
}

#[tokio::test]
async fn client_credentials_authenticate_with_basic_form_encoded_credentials() {
    let server = Server::start(|_| token_answer()).await;
    let dir = Dir::new();
    let url = server.url("/oauth/token");
    let t = target(
        &dir,
        "",
        &format!("{{grant: client_credentials, token_url: \"{url}\", scope: stream publish}}"),
    );
    let token = source(&t).fetch(&account(&t, "svc")).await.unwrap();
    assert_eq!(token.expose(), "tok-1");

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/oauth/token")
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.body, "grant_type=client_credentials&scope=stream+publish");
    // §2.3.1: id and secret are form-urlencoded, then joined by `:` and base64-encoded.
    let expected = base64::engine::general_purpose::STANDARD.encode("svc+client:s%3Ae%2Bc%25r+et");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Basic {expected}").as_str())
    );
}

#[tokio::test]
async fn the_password_grant_sends_the_user_and_client_secret_post() {
    let server = Server::start(|_| token_answer()).await;
    let dir = Dir::new();
    let url = server.url("/token");
    let t = target(
        &dir,
        "",
        &format!(
            "{{grant: password, token_url: \"{url}\", auth: client_secret_post, params: {{audience: streaming}}}}"
        ),
    );
    let source = source(&t);
    assert_eq!(
        source.fetch(&account(&t, "alice")).await.unwrap().expose(),
        "tok-1"
    );
    // A public client (no secret) identifies itself with its id only.
    assert_eq!(
        source.fetch(&account(&t, "public")).await.unwrap().expose(),
        "tok-1"
    );

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(
        seen[0].form(),
        [
            ("grant_type", "password"),
            ("username", "qa-alice"),
            ("password", PASSWORD),
            ("audience", "streaming"),
            ("client_id", "app"),
            ("client_secret", CLIENT_SECRET),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(seen[1].header("authorization"), None);
    assert_eq!(seen[1].form_value("client_id").as_deref(), Some("spa"));
    assert_eq!(seen[1].form_value("client_secret"), None);
    assert_eq!(seen[1].form_value("username").as_deref(), Some("qa-pub"));
}

#[tokio::test]
async fn without_token_url_the_discovery_documents_token_endpoint_is_used_and_fetched_once() {
    let server = Server::start(|r| match r.target.as_str() {
        "/realm/.well-known/openid-configuration" => Reply::json(
            200,
            json!({"issuer": "http://idp/realm", "token_endpoint": format!("http://{}/realm/protocol/token", r.header("host").unwrap_or_default())}),
        ),
        "/realm/protocol/token" => token_answer(),
        _ => Reply::status(404),
    })
    .await;
    let dir = Dir::new();
    let t = target(
        &dir,
        &format!("  oidc_discovery: {}\n", server.url("/realm")),
        "{grant: password, use: id_token}",
    );
    let source = source(&t);
    for _ in 0..2 {
        assert_eq!(
            source.fetch(&account(&t, "alice")).await.unwrap().expose(),
            "id-1"
        );
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/realm/.well-known/openid-configuration",
            "/realm/protocol/token",
            "/realm/protocol/token"
        ]
    );
}

#[tokio::test]
async fn a_discovery_document_without_token_endpoint_is_an_error() {
    let server = Server::start(|_| Reply::json(200, json!({"issuer": "x"}))).await;
    let dir = Dir::new();
    let discovery = server.url("/.well-known/openid-configuration");
    let t = target(
        &dir,
        &format!("  oidc_discovery: {discovery}\n"),
        "{grant: password}",
    );
    let e = source(&t).fetch(&account(&t, "alice")).await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Answer { kind: "oauth2", from, problem }
            if *from == discovery && problem == "the discovery document has no token_endpoint string"),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_rfc6749_error_answer_is_reported_with_its_code_and_no_secret() {
    let server = Server::start(|_| {
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": format!("bad secret {CLIENT_SECRET}")}),
        )
    })
    .await;
    let dir = Dir::new();
    let t = target(
        &dir,
        "",
        &format!(
            "{{grant: client_credentials, token_url: \"{}\"}}",
            server.url("/token")
        ),
    );
    let e = source(&t).fetch(&account(&t, "svc")).await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Refused { error, description: Some(d), status: 401 }
            if error == "invalid_client" && d == "bad secret [redacted]"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "jwt.tokens.oauth2: the token endpoint refused: invalid_client (bad secret [redacted])"
    );
    assert_no_secret(&e.to_string());
    assert_no_secret(&format!("{e:?}"));
}

#[tokio::test]
async fn answers_without_a_usable_bearer_token_are_errors() {
    for (answer, problem) in [
        (
            json!({"token_type": "Bearer"}),
            "the answer has no access_token",
        ),
        (json!({"access_token": 12}), "access_token is not a string"),
        (json!({"access_token": ""}), "access_token is empty"),
        (
            json!({"access_token": "t", "token_type": "mac"}),
            "token_type `mac` is not Bearer",
        ),
        (json!(["t"]), "the answer is not a JSON object"),
    ] {
        let server = Server::start(move |_| Reply::json(200, answer.clone())).await;
        let dir = Dir::new();
        let url = server.url("/token");
        let t = target(
            &dir,
            "",
            &format!("{{grant: password, token_url: \"{url}\"}}"),
        );
        let e = source(&t).fetch(&account(&t, "alice")).await.unwrap_err();
        assert!(
            matches!(&e, TokenError::Answer { kind: "oauth2", from, problem: p } if *from == url && p == problem),
            "{e:?}"
        );
        assert_no_secret(&e.to_string());
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_a_non_rfc_error_names_the_status_only() {
    let server = Server::start(|r| match r.target.as_str() {
        "/token" => Reply {
            headers: vec![("location", "/elsewhere".to_owned())],
            ..Reply::status(302)
        },
        _ => Reply::json(500, json!({"detail": "boom"})),
    })
    .await;
    let dir = Dir::new();
    for (path, status) in [("/token", 302), ("/broken", 500)] {
        let url = server.url(path);
        let t = target(
            &dir,
            "",
            &format!("{{grant: password, token_url: \"{url}\"}}"),
        );
        let e = source(&t).fetch(&account(&t, "alice")).await.unwrap_err();
        assert!(
            matches!(&e, TokenError::Call { kind: "oauth2", source: CallError::Status { status: s, url: u, .. } }
                if *s == status && *u == url),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!("jwt.tokens.oauth2: POST {url} answered HTTP {status}")
        );
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/token", "/broken"]);
}

#[tokio::test]
async fn missing_client_credentials_and_a_silent_endpoint_are_errors() {
    let server = Server::start(|_| Reply::hang()).await;
    let dir = Dir::new();
    let url = server.url("/token");
    let t = target(
        &dir,
        "",
        &format!("{{grant: client_credentials, token_url: \"{url}\"}}"),
    );
    let source = source(&t);
    let e = source.fetch(&account(&t, "nobody")).await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Missing { kind: "oauth2", identity, what: "client_id" } if identity == "nobody"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "jwt.tokens.oauth2: identity `nobody` has no client_id (set identities.nobody.client_id)"
    );
    let e = source.fetch(&account(&t, "svc")).await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Call { source: CallError::Timeout { after, .. }, .. } if after.as_secs() == 2),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("jwt.tokens.oauth2: POST {url}: no answer within 2s")
    );
}
