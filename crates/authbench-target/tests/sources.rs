//! The http, command and static token sources: real servers on loopback, real child processes.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_target::call::CallError;
use authbench_target::{Account, LoadedTarget, TokenError};
use common::{Dir, Reply, Server};
use serde_json::json;

const PASSWORD: &str = "p\"w {user} \\ ünï";
const CLIENT_SECRET: &str = "cl1ent-s3cret";

fn target(dir: &Dir, tokens: &str) -> LoadedTarget {
    dir.write("secrets/pw", PASSWORD);
    dir.write("secrets/cs", CLIENT_SECRET);
    dir.write("tokens/bob", "static-tok-bob\n");
    dir.target(&format!(
        "name: t\n\
         jwt:\n  algorithms: [HS256]\n  secret_env: JWT_SECRET\n  tokens:\n{tokens}\n\
         identities:\n\
         \x20 alice: {{user: qa alice/1, password: {{file: secrets/pw}}, client_id: c1, client_secret: {{file: secrets/cs}}}}\n\
         \x20 bob: {{token: {{file: tokens/bob}}}}\n"
    ))
}

async fn fetch(t: &LoadedTarget, identity: &str) -> Result<String, TokenError> {
    let account: Account = t.account(identity).unwrap().unwrap();
    t.token_source()
        .unwrap()
        .unwrap()
        .fetch(&account)
        .await
        .map(|s| s.expose().to_owned())
}

fn assert_no_secret(text: &str) {
    for secret in [PASSWORD, CLIENT_SECRET] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

#[tokio::test]
async fn the_http_source_sends_a_json_body_built_from_the_template_and_follows_the_pointer() {
    let server =
        Server::start(|_| Reply::json(200, json!({"data": {"a/b": ["x", "tok-9"]}}))).await;
    let dir = Dir::new();
    dir.write("secrets/api", "api-key-1\n");
    let t = target(
        &dir,
        &format!(
            "    http:\n      url: \"{}\"\n      headers: {{X-Api-Key: {{file: secrets/api}}, X-Plain: yes please}}\n      \
             body: {{user: \"{{user}}\", password: \"{{password}}\", who: \"id={{identity}}\", n: 3, client: [\"{{client_id}}\", \"{{client_secret}}\"]}}\n      \
             pointer: /data/a~1b/1",
            server.url("/api/token/{user}")
        ),
    );
    assert_eq!(fetch(&t, "alice").await.unwrap(), "tok-9");
    let seen = server.requests();
    let r = &seen[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/api/token/qa%20alice%2F1");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-api-key"), Some("api-key-1"));
    assert_eq!(r.header("x-plain"), Some("yes please"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"user": "qa alice/1", "password": PASSWORD, "who": "id=alice", "n": 3, "client": ["c1", CLIENT_SECRET]})
    );
}

#[tokio::test]
async fn the_http_source_reports_the_status_only_and_a_missing_token() {
    let server = Server::start(|r| match r.target.as_str() {
        "/denied" => Reply::json(
            403,
            json!({"message": format!("wrong password {PASSWORD}")}),
        ),
        _ => Reply::json(200, json!({"token": 5})),
    })
    .await;
    let dir = Dir::new();
    let url = server.url("/denied");
    let t = target(
        &dir,
        &format!("    http: {{url: \"{url}\", method: PUT, body: {{p: \"{{password}}\"}}}}"),
    );
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(
            &e,
            TokenError::Call {
                kind: "http",
                source: CallError::Status { status: 403, .. }
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("jwt.tokens.http: PUT {url} answered HTTP 403")
    );
    assert_eq!(server.requests()[0].method, "PUT");

    let url = server.url("/ok");
    for (pointer, problem) in [
        ("", "the answer has nothing at /access_token"),
        (
            "\n      pointer: /token",
            "the value at /token is not a string",
        ),
    ] {
        let t = target(&dir, &format!("    http:\n      url: \"{url}\"{pointer}"));
        let e = fetch(&t, "alice").await.unwrap_err();
        assert!(
            matches!(&e, TokenError::Answer { kind: "http", problem: p, .. } if p == problem),
            "{e:?}"
        );
    }

    // A placeholder the identity has no value for is named before anything is sent.
    let t = target(
        &dir,
        &format!("    http: {{url: \"{url}\", body: {{p: \"{{password}}\"}}}}"),
    );
    let sent = server.requests().len();
    let e = fetch(&t, "bob").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "jwt.tokens.http: identity `bob` has no password (set identities.bob.password)"
    );
    assert!(
        matches!(&e, TokenError::Missing { kind: "http", identity, what: "password" } if identity == "bob"),
        "{e:?}"
    );
    assert_eq!(server.requests().len(), sent, "a request was sent");
}

#[tokio::test]
async fn a_command_needing_a_value_the_identity_lacks_is_not_started() {
    let dir = Dir::new();
    let ran = dir.path().join("ran");
    dir.script("mint", &format!("touch '{}'\necho tok", ran.display()));
    let t = target(
        &dir,
        "    command: [./mint, \"{user}\", \"{client_secret}\"]",
    );
    let e = fetch(&t, "bob").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Missing { kind: "command", identity, what: "client_secret" } if identity == "bob"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "jwt.tokens.command: identity `bob` has no client_secret (set identities.bob.client_secret)"
    );
    assert!(!ran.exists(), "the command ran");
}

#[tokio::test]
async fn the_command_source_prints_the_token_and_gets_secrets_in_its_environment() {
    let dir = Dir::new();
    dir.script(
        "bin/mint-token",
        "[ \"$1\" = alice ] && [ \"$2\" = 'qa alice/1' ] || exit 3\n\
         [ \"$AUTHBENCH_PASSWORD\" = \"$(cat \"$(dirname \"$0\")/../secrets/pw\")\" ] || exit 4\n\
         [ \"$AUTHBENCH_CLIENT_SECRET\" = cl1ent-s3cret ] || exit 5\n\
         echo '  tok-from-cmd  '",
    );
    let t = target(
        &dir,
        "    command: [./bin/mint-token, \"{identity}\", \"{user}\"]",
    );
    assert_eq!(fetch(&t, "alice").await.unwrap(), "tok-from-cmd");
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_code_and_not_its_stderr() {
    let dir = Dir::new();
    dir.script(
        "fail",
        &format!("echo 'stderr {PASSWORD}' >&2\necho partial\nexit 7"),
    );
    let t = target(&dir, "    command: [./fail]");
    let e = fetch(&t, "alice").await.unwrap_err();
    let program = dir.path().join("fail");
    assert!(
        matches!(&e, TokenError::Call { kind: "command", source: CallError::Exit { code: 7, program: p } } if *p == program),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "jwt.tokens.command: {} exited with code 7",
            program.display()
        )
    );
    assert_no_secret(&e.to_string());

    dir.script("silent", "exit 0");
    let t = target(&dir, "    command: [./silent]");
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Answer { kind: "command", problem, .. } if problem == "it printed no token"),
        "{e:?}"
    );

    let t = target(&dir, "    command: [./does-not-exist]");
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Call { source: CallError::Spawn { source, .. }, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed() {
    let dir = Dir::new();
    let pid_file = dir.path().join("pid");
    dir.script(
        "slow",
        &format!("echo $$ > '{}'\nexec sleep 600", pid_file.display()),
    );
    let t = target(&dir, "    command: [./slow]\n    timeout: 500ms");
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Call { source: CallError::Timeout { after, .. }, .. } if after.as_millis() == 500),
        "{e:?}"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let proc = std::path::Path::new("/proc").join(pid.trim());
    assert!(!proc.exists(), "the child {} still runs", pid.trim());
}

#[tokio::test]
async fn the_static_source_uses_the_identitys_token_and_names_an_identity_without_one() {
    let dir = Dir::new();
    let t = target(&dir, "    static: {}");
    assert_eq!(fetch(&t, "bob").await.unwrap(), "static-tok-bob");
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Missing { kind: "static", identity, what: "token" } if identity == "alice"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "jwt.tokens.static: identity `alice` has no token (set identities.alice.token)"
    );
}

#[tokio::test]
async fn answers_and_outputs_over_64_kib_are_refused() {
    let big = "x".repeat(64 * 1024 + 1);
    let body = format!("{{\"access_token\": \"{big}\"}}");
    let server = Server::start(move |_| Reply {
        body: body.clone(),
        ..Reply::status(200)
    })
    .await;
    let dir = Dir::new();
    let url = server.url("/big");
    let t = target(&dir, &format!("    http: {{url: \"{url}\"}}"));
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(&e, TokenError::Call { kind: "http", source: CallError::TooLarge { what } } if *what == format!("POST {url}")),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("jwt.tokens.http: POST {url}: the answer is over 65536 bytes")
    );

    // A command that would print forever is stopped at the limit.
    dir.script("endless", "exec yes");
    let t = target(&dir, "    command: [./endless]");
    let e = fetch(&t, "alice").await.unwrap_err();
    assert!(
        matches!(
            &e,
            TokenError::Call {
                kind: "command",
                source: CallError::TooLarge { .. }
            }
        ),
        "{e:?}"
    );
}
