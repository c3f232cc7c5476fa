//! Loading target files: strictness with file:line:column errors, path resolution, the
//! identity mapping, what a report is told.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use authbench_core::Mode;
use authbench_scenario::yaml::YamlError;
use authbench_target::{SecretError, TargetError};
use common::Dir;

fn error(yaml: &str) -> YamlError {
    match authbench_target::parse(yaml, Path::new("t.yaml")) {
        Ok(t) => panic!("expected an error, loaded {:?}", t.spec()),
        Err(e) => e,
    }
}

/// Asserts `file:line:column: message…`.
fn assert_error(yaml: &str, line: usize, column: usize, message: &str) {
    let e = error(yaml);
    assert_eq!(
        (e.line, e.column),
        (Some(line), Some(column)),
        "{e}\n{}",
        e.snippet
    );
    assert!(
        e.to_string()
            .starts_with(&format!("t.yaml:{line}:{column}: {message}")),
        "{e}"
    );
}

const JWT: &str = "jwt:\n  algorithms: [HS256]\n  secret_env: K\n";

#[test]
fn the_example_describes_what_is_tested_without_paths_or_secrets() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../targets/example.yaml");
    let t = authbench_target::load(&path).unwrap();
    assert_eq!(t.modes(), [Mode::Jwt, Mode::Roundtrip, Mode::File]);
    let d = t.describe();
    assert_eq!(d.name, "staging");
    assert_eq!(
        d.roundtrip_service.as_deref(),
        Some("https://auth.staging.example:443")
    );
    assert_eq!(d.roundtrip_protocol.as_deref(), Some("red5pro"));
    assert_eq!(
        d.jwt_issuer.as_deref(),
        Some("https://idp.staging.example:443")
    );
    assert_eq!(d.jwt_tokens.as_deref(), Some("oauth2"));
    assert_eq!(d.htpasswd.as_deref(), Some("users.htpasswd"));
    assert_eq!(
        d.to_string(),
        "staging (roundtrip red5pro at https://auth.staging.example:443; \
         jwt from https://idp.staging.example:443, tokens by oauth2; file users.htpasswd)"
    );
    let control = t.control().unwrap();
    assert_eq!(control.kinds().count(), 3);
    assert_eq!(t.identities().collect::<Vec<_>>(), ["alice", "bob"]);
}

#[test]
fn a_typo_anywhere_is_an_error_at_its_line_and_column() {
    assert_error(
        "name: t\nfile: {htpasswd: u}\nidentitis: {}\n",
        3,
        1,
        "unknown field `identitis`",
    );
    // Inside the mode sections, whose keys are the deployment config's.
    assert_error(
        &format!("name: t\n{JWT}  audience: [x]\n  tokens: {{static: {{}}}}\n"),
        5,
        3,
        "unknown field `audience`, expected one of",
    );
    assert_error(
        "name: t\nroundtrip:\n  url: http://h/v\n  protocol: red5pro\n  timout: 2s\n",
        5,
        3,
        "unknown field `timout`, expected one of",
    );
    assert_error(
        "name: t\nfile:\n  htpasswd: u\n  group: g\n",
        4,
        3,
        "unknown field `group`",
    );
    // Inside tokens, and a token source's keys.
    assert_error(
        &format!("name: t\n{JWT}  tokens:\n    oauth: {{grant: password}}\n"),
        6,
        5,
        "unknown field `oauth`",
    );
    assert_error(
        &format!("name: t\n{JWT}  tokens:\n    oauth2:\n      grant: password\n      scpe: x\n"),
        8,
        7,
        "unknown field `scpe`",
    );
    // A request's keys, in a control hook and in the http token source.
    assert_error(
        "name: t\nfile: {htpasswd: u}\ncontrol:\n  revoke:\n    http:\n      methd: PUT\n",
        6,
        7,
        "unknown field `methd`, expected one of method, url, headers, body",
    );
    assert_error(
        &format!("name: t\n{JWT}  tokens:\n    http:\n      url: http://h/\n      pointr: /t\n"),
        8,
        7,
        "unknown field `pointr`, expected one of method, url, headers, body, pointer",
    );
    assert_error(
        "name: t\nfile: {htpasswd: u}\ncontrol:\n  revoke: {http: {url: 'http://h/{usr}'}}\n",
        4,
        24,
        "unknown placeholder `{usr}`",
    );
    assert_error(
        "name: t\nfile: {htpasswd: u}\nidentities:\n  alice: {pasword: {env: X}}\n",
        4,
        11,
        "unknown field `pasword`",
    );
}

#[test]
fn jwt_needs_tokens_and_oauth2_needs_an_endpoint() {
    let e = error(&format!("name: t\n{JWT}"));
    assert!(e.line.is_some(), "{e}");
    assert!(
        e.message.starts_with("jwt: missing `tokens`"),
        "{}",
        e.message
    );
    let e = error(&format!(
        "name: t\n{JWT}  tokens: {{oauth2: {{grant: password}}}}\n"
    ));
    assert_eq!(
        e.message,
        "jwt.tokens.oauth2: no token_url, and jwt has no oidc_discovery to find the token endpoint"
    );
    assert_error(
        &format!("name: t\n{JWT}  tokens:\n    static: {{}}\n    command: [x]\n"),
        6,
        5,
        "jwt.tokens: give exactly one of oauth2, http, command, static, not both static and command",
    );
    let e = error(&format!("name: t\n{JWT}  tokens: {{timeout: 5s}}\n"));
    assert_eq!(
        e.message,
        "jwt.tokens: give one of oauth2, http, command, static"
    );
    let e = error(&format!("name: t\n{JWT}  tokens: {{command: []}}\n"));
    assert_eq!(
        e.message,
        "a command needs at least the program: [PROGRAM, ARG…]"
    );
    let e = error(&format!(
        "name: t\n{JWT}  tokens: {{oauth2: {{grant: password, token_url: 'http://h/t', params: {{grant_type: x}}}}}}\n"
    ));
    assert_eq!(
        e.message,
        "jwt.tokens.oauth2.params: `grant_type` is set by the grant itself"
    );
    let e = error(&format!(
        "name: t\n{JWT}  tokens: {{http: {{url: 'http://h/', pointer: token}}}}\n"
    ));
    assert!(
        e.message
            .starts_with("jwt.tokens.http.pointer: `token` is not a JSON pointer"),
        "{}",
        e.message
    );
}

#[test]
fn an_inline_secret_is_refused_without_echoing_it() {
    let e =
        error("name: t\nfile: {htpasswd: u}\nidentities:\n  alice: {user: a, password: hunter2}\n");
    assert_eq!((e.line, e.column), (Some(4), Some(30)), "{e}");
    assert_eq!(
        e.message,
        "a secret is never written inline: use {env: NAME} or {file: PATH}"
    );
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = error(
        "name: t\nroundtrip: {url: 'http://h/', protocol: mediamtx, headers: {K: {vlaue: x}}}\n",
    );
    assert!(e.message.starts_with("unknown field `vlaue`"), "{e}");
}

#[test]
fn a_file_must_name_a_mode_and_hooks_only_know_their_placeholders() {
    let e = error("name: t\nidentities: {}\n");
    assert_eq!((e.line, e.column), (None, None));
    assert_eq!(
        e.to_string(),
        "t.yaml: names no mode to run: give at least one of roundtrip, jwt, file, media"
    );
    let e =
        error("name: t\nfile: {htpasswd: u}\ncontrol:\n  revoke: {command: [x, '{client_id}']}\n");
    assert!(e.line.is_some(), "{e}");
    assert_eq!(
        e.message,
        "{client_id} is not known to control hooks (use {identity}, {user}, {password})"
    );
    let e = error(
        "name: t\nfile: {htpasswd: u}\ncontrol:\n  revoke: {http: {url: 'http://h/'}, command: [x]}\n",
    );
    assert_eq!(
        e.message,
        "a control hook: give exactly one of http, command, not both http and command"
    );
    let e =
        error("name: t\nfile: {htpasswd: u}\ncontrol:\n  revoke: {command: [x], timeout: 0s}\n");
    assert_eq!(e.message, "a timeout must be above 0");
}

#[test]
fn paths_are_relative_to_the_target_files_folder() {
    let dir = Dir::new();
    let t = dir.target(
        "name: t\n\
         roundtrip: {url: 'http://127.0.0.1:1/v', protocol: mediamtx, ca_file: ca.pem}\n\
         jwt: {algorithms: [RS256], public_keys: [keys/a.pem, /abs/b.pem], jwks_file: j.json, tokens: {static: {}}}\n\
         file: {htpasswd: users.htpasswd, groups: sub/users.htgroup}\n",
    );
    let base = dir.path();
    assert_eq!(t.base_dir(), base);
    let rt = t.roundtrip_config().unwrap().unwrap();
    assert_eq!(rt.ca_file, Some(base.join("ca.pem")));
    let jwt = t.jwt_config().unwrap();
    assert_eq!(
        jwt.public_keys,
        [base.join("keys/a.pem"), PathBuf::from("/abs/b.pem")]
    );
    assert_eq!(jwt.jwks_file, Some(base.join("j.json")));
    let file = t.file_config().unwrap();
    assert_eq!(file.htpasswd, base.join("users.htpasswd"));
    assert_eq!(file.groups, Some(base.join("sub/users.htgroup")));
}

#[test]
fn roundtrip_headers_are_resolved_into_the_configs_own_headers() {
    let dir = Dir::new();
    dir.write("secrets/api", "k3y-value\n");
    let t = dir.target(
        "name: t\nroundtrip:\n  url: http://127.0.0.1:1/v\n  protocol: red5pro\n  \
         headers: {X-Api-Key: {file: secrets/api}, Accept: application/json}\n",
    );
    let rt = t.roundtrip_config().unwrap().unwrap();
    let headers: Vec<(&str, &str)> = rt
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.expose()))
        .collect();
    assert_eq!(
        headers,
        [("Accept", "application/json"), ("X-Api-Key", "k3y-value")]
    );
    assert!(!format!("{rt:?}").contains("k3y-value"));

    let t = dir.target(
        "name: t\nroundtrip:\n  url: http://127.0.0.1:1/v\n  protocol: red5pro\n  \
         headers: {X-Api-Key: {env: AUTHBENCH_TEST_SURELY_UNSET_VAR}}\n",
    );
    let e = t.roundtrip_config().unwrap_err();
    assert!(
        matches!(&e, TargetError::Header { name, source: SecretError::EnvUnset { .. } } if name == "X-Api-Key"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "roundtrip.headers.X-Api-Key: environment variable AUTHBENCH_TEST_SURELY_UNSET_VAR is not set"
    );
    let e =
        error("name: t\nroundtrip: {url: 'http://h/', protocol: red5pro, headers: {Host: x}}\n");
    assert_eq!(
        e.message,
        "header Host is set by the HTTP client and cannot be configured"
    );
}

#[test]
fn identities_map_to_accounts_with_secrets_read_on_demand() {
    let dir = Dir::new();
    dir.write("secrets/alice", "alice-pw\n");
    dir.write("secrets/empty", "");
    let t = dir.target(
        "name: t\nfile: {htpasswd: u}\nidentities:\n  \
         alice: {user: qa-alice, password: {file: secrets/alice}, client_id: c}\n  \
         bob: {password: {env: AUTHBENCH_TEST_SURELY_UNSET_VAR}}\n  \
         carol: {token: {file: secrets/empty}}\n  \
         dave: {}\n",
    );
    assert!(t.account("mallory").is_none());
    let alice = t.account("alice").unwrap().unwrap();
    assert_eq!(
        (alice.identity.as_str(), alice.user.as_str()),
        ("alice", "qa-alice")
    );
    assert_eq!(
        alice.password.as_ref().map(|p| p.expose()),
        Some("alice-pw")
    );
    assert_eq!(alice.client_id.as_deref(), Some("c"));
    assert!(alice.client_secret.is_none() && alice.token.is_none());
    assert!(!format!("{alice:?}").contains("alice-pw"));
    let dave = t.account("dave").unwrap().unwrap();
    assert_eq!(dave.user, "dave");

    let e = t.account("bob").unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        "identities.bob.password: environment variable AUTHBENCH_TEST_SURELY_UNSET_VAR is not set"
    );
    let e = t.account("carol").unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "identities.carol.token: secret file {} is empty",
            dir.path().join("secrets/empty").display()
        )
    );
}

#[test]
fn a_media_section_is_the_probes_config_judged_as_a_mode() {
    let t = authbench_target::parse(
        "name: t\nmedia:\n  rtmp: rtmp://127.0.0.1:1935\n  present: password\n  timeout: 2s\n",
        Path::new("t.yaml"),
    )
    .unwrap();
    assert_eq!(t.modes(), []);
    assert_eq!(t.media_as(), Some(Mode::Roundtrip));
    let config = t.media_config().unwrap();
    assert_eq!(config.rtmp.as_deref(), Some("rtmp://127.0.0.1:1935"));
    assert_eq!(config.rtsp, None);
    assert_eq!(config.present, authbench_media::Present::Password);
    assert_eq!(config.timeout, Some(std::time::Duration::from_secs(2)));

    // `as` overrides what `present` implies.
    let t = authbench_target::parse(
        "name: t\nfile: {htpasswd: u}\nmedia: {srt: 'srt://127.0.0.1:8890', present: password, as: file}\n",
        Path::new("t.yaml"),
    )
    .unwrap();
    assert_eq!(t.modes(), [Mode::File]);
    assert_eq!(t.media_as(), Some(Mode::File));

    // Tokens are judged as jwt, whose section says how clients get them.
    let t = authbench_target::parse(
        &format!("name: t\n{JWT}  tokens: {{static: {{}}}}\nmedia: {{whip: 'http://127.0.0.1:8889/{{stream}}/whip', present: token}}\n"),
        Path::new("t.yaml"),
    )
    .unwrap();
    assert_eq!(t.media_as(), Some(Mode::Jwt));

    let none =
        authbench_target::parse("name: t\nfile: {htpasswd: u}\n", Path::new("t.yaml")).unwrap();
    assert_eq!((none.media_config(), none.media_as()), (None, None));
}

#[test]
fn a_media_section_takes_the_credential_names_and_templates_of_the_docs() {
    // The MediaMTX recipe of docs/media-servers.md.
    let t = authbench_target::parse(
        "name: t\n\
         media:\n\
         \x20 rtmp: rtmp://127.0.0.1:1935\n\
         \x20 srt: srt://127.0.0.1:8890\n\
         \x20 present: password\n\
         \x20 query_names: {user: user, password: pass, token: jwt}\n\
         \x20 streamid_keys: {user: u, password: s, token: s}\n",
        Path::new("t.yaml"),
    )
    .unwrap();
    let config = t.media_config().unwrap();
    assert_eq!(
        (
            config.query_names.user.as_str(),
            config.query_names.password.as_str(),
            config.query_names.token.as_str()
        ),
        ("user", "pass", "jwt")
    );
    assert_eq!(config.streamid_keys.password, "s");

    // Red5 Pro's and SRS's WHIP / WHEP templates.
    let t = authbench_target::parse(
        "name: t\nmedia:\n  whip: 'https://h/{app}/whip/endpoint/{name}'\n  \
         whep: 'http://h:1985/rtc/v1/whep/?app={app}&stream={name}&{credentials}'\n  \
         present: password\n",
        Path::new("t.yaml"),
    )
    .unwrap();
    assert!(
        t.media_config()
            .unwrap()
            .whep
            .unwrap()
            .ends_with("&{credentials}")
    );

    let e = authbench_target::parse(
        "name: t\nmedia: {srt: 'srt://h:1', present: password, streamid_keys: {password: r}}\n",
        Path::new("t.yaml"),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("media.streamid_keys.password: `r` is the streamid's resource key"),
        "{e}"
    );
    let e = authbench_target::parse(
        "name: t\nmedia: {whip: 'http://h/{room}/{name}', present: token, as: roundtrip}\nroundtrip: {url: 'http://h/', protocol: mediamtx}\n",
        Path::new("t.yaml"),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("unknown placeholder `{room}`"),
        "{e}"
    );
}

#[test]
fn a_media_section_is_checked_key_by_key() {
    assert_error(
        "name: t\nmedia:\n  rtmp: rtmp://127.0.0.1:1935\n  presnt: password\n",
        4,
        3,
        "unknown field `presnt`, expected one of",
    );
    assert_error(
        "name: t\nmedia:\n  rtmp: rtmp://127.0.0.1:1935\n  present: password\n  as: media\n",
        5,
        7,
        "unknown variant `media`",
    );
    let e = error("name: t\nmedia: {present: password}\n");
    assert!(e.to_string().contains("media: no endpoint given"), "{e}");
    let e = error("name: t\nmedia: {rtmp: 'rtmp://127.0.0.1:1935', present: token}\n");
    assert_eq!(
        e.to_string(),
        "t.yaml: media: judged as jwt, but there is no `jwt:` section saying how clients get their tokens"
    );
}

#[test]
fn debug_and_the_description_show_the_identity_provider_urls_without_secrets() {
    let t = authbench_target::parse(
        &format!(
            "name: t\n{JWT}  issuers: ['https://idp.example/realms/qa?k=issuer-s3cret']\n  tokens:\n    oauth2:\n      \
             grant: client_credentials\n      token_url: 'https://cli:pw-s3cret@idp.example/token?api_key=url-s3cret'\n"
        ),
        Path::new("t.yaml"),
    )
    .unwrap();
    let debug = format!("{t:?}");
    for secret in ["pw-s3cret", "url-s3cret", "cli:"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(
        debug.contains("https://[redacted]@idp.example/token?api_key=[redacted]"),
        "{debug}"
    );
    // The issuer is an identifier with a path: shown with it, its query values redacted.
    assert_eq!(
        t.describe().jwt_issuer.as_deref(),
        Some("https://idp.example/realms/qa?k=[redacted]")
    );
}
