//! The `authbench` binary as users and scripts run it: real processes, real files, exit codes.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn authbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(args)
        .output()
        .unwrap()
}

fn json_line(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {text}"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A config with an htpasswd file written by the file mode's fixture writer (bcrypt, cost 4).
fn file_config(dir: &Path) -> String {
    let identities: authbench_core::Identities =
        serde_json::from_value(serde_json::json!({"alice": {"password": "alice-pw"}})).unwrap();
    let text =
        authbench_file::fixture::htpasswd_for(&identities, authbench_file::Scheme::Bcrypt, 4)
            .unwrap();
    write(dir, "users.htpasswd", &text);
    write(dir, "c.yaml", "file:\n  htpasswd: users.htpasswd\n")
}

#[test]
fn decide_file_mode_allow_bad_password_unknown_user_and_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let decide = |url: &str| {
        authbench(&[
            "decide",
            "--config",
            &config,
            "--mode",
            "file",
            "--action",
            "publish",
            "--transport",
            "rtmp",
            "--url",
            url,
        ])
    };

    let out = decide("rtmp://h/live/room1/cam1?username=alice&password=alice-pw");
    assert_eq!(out.status.code(), Some(0));
    let v = json_line(&out);
    assert_eq!(
        (
            v["mode"].as_str(),
            v["decision"].as_str(),
            v["principal"].as_str()
        ),
        (Some("file"), Some("allow"), Some("alice"))
    );
    assert!(v["reason"].is_null());

    let out = decide("rtmp://h/live/room1/cam1?username=alice&password=wrong");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "bad_password");

    let out = decide("rtmp://h/live/room1/cam1?username=mallory&password=x");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "unknown_user");

    let out = decide("rtmp://h/live/room1/cam1");
    assert_eq!(json_line(&out)["reason"], "missing_credentials");

    let out = decide("rtmp://h/live//cam1?username=alice&password=alice-pw");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "malformed_credentials");

    // A malformed htpasswd line is a config error naming the line, before any decision.
    let mut text = std::fs::read_to_string(dir.path().join("users.htpasswd")).unwrap();
    text.push_str("# a comment\nbob:$apr1$abc\n");
    write(dir.path(), "users.htpasswd", &text);
    let out = decide("rtmp://h/live/room1/cam1?username=alice&password=alice-pw");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("users.htpasswd:3:"), "{err}");
    assert!(
        !err.contains("$apr1$abc"),
        "the hash must not be echoed: {err}"
    );
}

#[test]
fn token_then_decide_jwt_allow_expired_and_alg_none() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hs.secret",
        "0123456789abcdef0123456789abcdef-secret\n",
    );
    let config = write(
        dir.path(),
        "c.yaml",
        "jwt:\n  algorithms: [HS256]\n  secret_file: hs.secret\nidentities:\n  alice: {roles: [publisher]}\n",
    );
    let at = 1_767_225_600u64;
    let out = authbench(&[
        "token",
        "--config",
        &config,
        "--identity",
        "alice",
        "--at",
        &at.to_string(),
        "--ttl",
        "60s",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3);

    let decide = |token: &str, at: u64| {
        authbench(&[
            "decide",
            "--config",
            &config,
            "--mode",
            "jwt",
            "--action",
            "publish",
            "--transport",
            "whip",
            "--url",
            "https://h/live/room1/cam1/whip",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--at",
            &at.to_string(),
        ])
    };
    let out = decide(&token, at + 30);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json_line(&out)["principal"], "alice");

    // The header alone, with the stream path given apart (DESIGN's `--header` form).
    let out = authbench(&[
        "decide",
        "--config",
        &config,
        "--mode",
        "jwt",
        "--action",
        "publish",
        "--transport",
        "whip",
        "--stream",
        "live/room1/cam1",
        "--header",
        &format!("Authorization: Bearer {token}"),
        "--at",
        &(at + 30).to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = decide(&token, at + 61);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "expired");

    let payload = token.split('.').nth(1).unwrap();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let out = decide(&format!("{none_header}.{payload}."), at + 30);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "algorithm_not_allowed");

    // The token never appears in an answer.
    assert!(!String::from_utf8_lossy(&out.stdout).contains(payload));
}

#[test]
fn usage_and_config_errors_exit_2() {
    assert_eq!(
        authbench(&["decide", "--mode", "file"]).status.code(),
        Some(2)
    );
    assert_eq!(authbench(&["no-such-command"]).status.code(), Some(2));
    // The media server is a target's: without --target there is none to ask.
    let media = authbench(&[
        "decide",
        "--config",
        "no-such.yaml",
        "--mode",
        "media",
        "--action",
        "publish",
        "--transport",
        "rtmp",
        "--stream",
        "live/a",
    ]);
    assert_eq!(media.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&media.stderr).trim(),
        "authbench: error: --mode media asks a target's media server: give --target"
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.yaml",
        "file:\n  htpasswd: users.htpasswd\n  grups: x\n",
    );
    let out = authbench(&[
        "decide",
        "--config",
        &config,
        "--mode",
        "file",
        "--action",
        "publish",
        "--transport",
        "rtmp",
        "--url",
        "rtmp://h/a/b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("c.yaml:3:3: unknown field `grups`"));
    let out = authbench(&[
        "decide",
        "--config",
        &config,
        "--mode",
        "jwt",
        "--action",
        "publish",
        "--transport",
        "rtmp",
        "--url",
        "rtmp://h/a/b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(authbench(&["--version"]).status.code(), Some(0));
}

#[test]
fn validate_names_file_line_and_column_of_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "typo.yaml",
        "description: d\nidentities:\n  alice: {password: pw}\nsteps:\n  - request: {as: alice, action: publish, transport: rtmp, stream: live/a}\n    expcet: allow\n",
    );
    let out = authbench(&["validate", &file]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.yaml:6:5: unknown field `expcet`"),
        "{err}"
    );

    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let out = authbench(&["validate", scenarios.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn run_writes_the_three_reports_and_exits_1_on_a_failed_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = "description: d\nidentities:\n  alice: {password: pw, roles: [subscriber]}\nsteps:\n  \
        - request: {as: alice, action: subscribe, transport: rtmp, stream: live/room1/cam1}\n    expect: allow\n";
    let good = write(dir.path(), "good.yaml", scenario);
    let out_dir = dir.path().join("out");
    let out = authbench(&["run", &good, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["report.json", "report.md", "report.html"] {
        assert!(out_dir.join(f).is_file(), "{f} missing");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["scenarios"][0]["name"], "good");

    let bad = write(
        dir.path(),
        "bad.yaml",
        &scenario.replace("action: subscribe", "action: publish"),
    );
    let out = authbench(&[
        "run",
        &bad,
        "--modes",
        "file",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("role_forbidden"), "{md}");

    let out = authbench(&["run", dir.path().join("missing.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

/// Starts `authbench serve` on a free loopback port; returns the child and its base URL.
fn serve(config: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config", config])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines
        .find_map(|l| l.ok().filter(|l| l.contains("listening on")))
        .unwrap();
    let url = line
        .split("listening on ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    (child, url)
}

fn post(base_url: &str, path: &str) -> u16 {
    let addr = base_url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn decide_roundtrip_against_a_served_service_revoked_then_down() {
    let dir = tempfile::tempdir().unwrap();
    let users = write(
        dir.path(),
        "users.yaml",
        // Reasons are opt-in for `serve` (they tell an unknown user from a wrong password).
        "service:\n  expose_reasons: true\nidentities:\n  alice: {password: alice-pw}\n",
    );
    let (mut child, base) = serve(&users);
    let config = write(
        dir.path(),
        "c.yaml",
        &format!(
            "roundtrip:\n  url: {base}/validateCredentials\n  protocol: red5pro\n  timeout: 2s\n"
        ),
    );
    let decide = || {
        authbench(&[
            "decide",
            "--config",
            &config,
            "--mode",
            "roundtrip",
            "--action",
            "publish",
            "--transport",
            "rtmp",
            "--url",
            "rtmp://h/live/room1/cam1?username=alice&password=alice-pw",
        ])
    };
    let out = decide();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    assert_eq!(post(&base, "/admin/users/alice/revoke"), 200);
    let out = decide();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "revoked");

    child.kill().unwrap();
    child.wait().unwrap();
    let out = decide();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "backend_unavailable");
}

#[test]
fn in_process_run_gives_the_same_exit_codes() {
    use std::process::ExitCode;
    assert_eq!(
        authbench_cli::run(["authbench", "validate"]),
        ExitCode::from(2)
    );
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let args = [
        "authbench",
        "decide",
        "--config",
        &config,
        "--mode",
        "file",
        "--action",
        "subscribe",
        "--transport",
        "rtsp",
        "--url",
    ];
    let ok: Vec<&str> = args
        .iter()
        .copied()
        .chain(["rtsp://alice:alice-pw@h/live/cam1"])
        .collect();
    assert_eq!(authbench_cli::run(ok), ExitCode::from(0));
    let bad: Vec<&str> = args
        .iter()
        .copied()
        .chain(["rtsp://alice:nope@h/live/cam1"])
        .collect();
    assert_eq!(authbench_cli::run(bad), ExitCode::from(1));
}

/// A one-step scenario every mode allows.
const ALLOW_SCENARIO: &str = "description: d\nidentities:\n  alice: {password: pw, roles: [subscriber]}\n\
    steps:\n  - request: {as: alice, action: subscribe, transport: rtmp, stream: live/room1/cam1}\n    \
    expect: allow\n";

#[test]
fn a_report_that_cannot_be_written_is_exit_3_naming_the_folder_not_bad_input() {
    use std::process::ExitCode;
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.yaml", ALLOW_SCENARIO);
    let args = ["run", &good, "--modes", "file", "--out", "/proc/forbidden"];

    let out = authbench(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("authbench: error: cannot write the report to /proc/forbidden: "),
        "{err}"
    );

    let code = authbench_cli::run(std::iter::once("authbench").chain(args));
    assert_eq!(code, ExitCode::from(authbench_cli::EXIT_ENVIRONMENT));
    assert_eq!(authbench_cli::EXIT_ENVIRONMENT, 3);

    // Bad input is still 2, whatever the output folder.
    let bad = write(dir.path(), "bad.yaml", "description: d\nstepz: []\n");
    let out = authbench(&["run", &bad, "--out", "/proc/forbidden"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.yaml:2:1: unknown field `stepz`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn serve_on_a_port_already_bound_is_exit_3_and_a_malformed_config_is_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(["serve", "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A generous bound: the service must give up on its own, not run until killed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("serve kept running on a port that is already bound");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "authbench: error: the reference auth service cannot start on {addr}"
        )),
        "{err}"
    );
    drop(taken);

    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.yaml", "identities:\n  alice: {pasword: x}\n");
    let out = authbench(&["serve", "--listen", "127.0.0.1:0", "--config", &config]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.yaml:2:"), "{err}");
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [&["--help"][..], &["run", "--help"], &["serve", "--help"]] {
        let out = authbench(args);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Exit codes:"), "{text}");
        assert!(text.contains("  2  bad input"), "{text}");
        assert!(
            text.contains("  3  the environment or the run failed"),
            "{text}"
        );
    }
}

/// `decide` with the file config of [`file_config`] and the given arguments after it.
fn decide_file(config: &str, rest: &[&str]) -> Output {
    let mut args = vec!["decide", "--config", config, "--mode", "file"];
    args.extend_from_slice(rest);
    authbench(&args)
}

#[test]
fn decide_stream_checks_the_action_whip_and_whep_imply_as_the_url_form_does() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let creds = ["--user", "alice", "--password", "alice-pw"];
    for (transport, wrong, right) in [
        ("whip", "subscribe", "publish"),
        ("whep", "publish", "subscribe"),
    ] {
        let stream = |action: &str| {
            let mut args = vec!["--action", action, "--transport", transport];
            args.extend_from_slice(&["--stream", "live/room1/cam1"]);
            args.extend_from_slice(&creds);
            decide_file(&config, &args)
        };
        let url = format!("https://alice:alice-pw@h/live/room1/cam1/{transport}");
        let by_url = decide_file(
            &config,
            &["--action", wrong, "--transport", transport, "--url", &url],
        );
        assert_eq!(by_url.status.code(), Some(1));
        let by_url = json_line(&by_url);

        let out = stream(wrong);
        assert_eq!(out.status.code(), Some(1), "{transport} {wrong}");
        let v = json_line(&out);
        assert_eq!(v["reason"], "malformed_credentials", "{transport} {wrong}");
        assert_eq!(
            v["detail"],
            format!("{transport} is always {right}, not {wrong}")
        );
        assert_eq!(
            (&v["reason"], &v["detail"]),
            (&by_url["reason"], &by_url["detail"])
        );

        let out = stream(right);
        assert_eq!(out.status.code(), Some(0), "{transport} {right}");
        assert_eq!(json_line(&out)["principal"], "alice");
    }
}

#[test]
fn decide_srt_with_stream_is_a_usage_error_pointing_at_streamid() {
    let dir = tempfile::tempdir().unwrap();
    let config = file_config(dir.path());
    let out = decide_file(
        &config,
        &[
            "--action",
            "publish",
            "--transport",
            "srt",
            "--stream",
            "live/room1/cam1",
            "--user",
            "alice",
            "--password",
            "alice-pw",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--transport srt carries the stream path and credentials in the streamid"),
        "{err}"
    );
    assert!(!err.contains("alice-pw"), "{err}");

    // The streamid form is the way, and it decides.
    let out = decide_file(
        &config,
        &[
            "--action",
            "publish",
            "--transport",
            "srt",
            "--streamid",
            "#!::r=live/room1/cam1,m=publish,u=alice,p=alice-pw",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the binary with extra environment variables; returns stdout and stderr together.
fn authbench_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "`{secret}` leaked:\n{text}");
    }
}

#[test]
fn no_secret_on_stdout_or_stderr_at_the_most_verbose_level() {
    const PASSWORD: &str = "pw-Zq7vX9kR2";
    const SECRET: &str = "env-secret-0123456789abcdef-0123456789abcdef";
    const ADMIN_KEY: &str = "admin-key-5gH8jK1mN4";
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.yaml",
        &format!(
            "jwt:\n  algorithms: [HS256]\n  secret_env: AUTHBENCH_TEST_JWT_SECRET\n\
             service:\n  admin_key_env: AUTHBENCH_TEST_ADMIN_KEY\n\
             identities:\n  alice: {{password: {PASSWORD}, roles: [publisher]}}\n"
        ),
    );
    let env = [
        ("AUTHBENCH_TEST_JWT_SECRET", SECRET),
        ("AUTHBENCH_TEST_ADMIN_KEY", ADMIN_KEY),
    ];
    let at = "1767225600";
    for verbosity in [&[("AUTHBENCH_LOG", "trace")][..], &[]] {
        let env: Vec<(&str, &str)> = env.iter().chain(verbosity).copied().collect();
        let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args([
                "-vv",
                "token",
                "--config",
                &config,
                "--identity",
                "alice",
                "--at",
                at,
            ])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert_no_secret(&err, &[&token, SECRET, PASSWORD, ADMIN_KEY]);
        let payload = token.split('.').nth(1).unwrap().to_owned();

        // JWT mode: the token given apart, then in a header, then a forged one.
        for (rest, expected) in [
            (
                vec!["--stream", "live/room1/cam1", "--token", token.as_str()],
                Some(0),
            ),
            (
                vec!["--url", "https://h/live/room1/cam1/whip", "--header"],
                Some(0),
            ),
            (
                vec![
                    "--stream",
                    "live/room1/cam1",
                    "--token",
                    &token[..token.len() - 2],
                ],
                Some(1),
            ),
        ] {
            let header = format!("Authorization: Bearer {token}");
            let mut args = vec![
                "-vv",
                "decide",
                "--config",
                &config,
                "--mode",
                "jwt",
                "--action",
                "publish",
                "--transport",
                "whip",
                "--at",
                "1767225630",
            ];
            args.extend(rest.iter().copied());
            if args.last() == Some(&"--header") {
                args.push(&header);
            }
            let (code, text) = authbench_env(&args, &env);
            assert_eq!(code, expected, "{text}");
            assert_no_secret(&text, &[&token, &payload, SECRET, PASSWORD, ADMIN_KEY]);
        }
    }

    // The service at -vv, asked with the password, for a token, and with a wrong password.
    let mut child = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args([
            "-vv",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            &config,
        ])
        .envs(env.iter().copied())
        .env("AUTHBENCH_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let base = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve ended: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split(' ').next().unwrap().to_owned();
        }
    };
    let rt_config = write(
        dir.path(),
        "rt.yaml",
        &format!(
            "roundtrip:\n  url: {base}/validateCredentials\n  protocol: red5pro\n  timeout: 10s\n"
        ),
    );
    for (password, expected) in [(PASSWORD, Some(0)), ("wrong-Yt5", Some(1))] {
        let (code, text) = authbench_env(
            &[
                "-vv",
                "decide",
                "--config",
                &rt_config,
                "--mode",
                "roundtrip",
                "--action",
                "publish",
                "--transport",
                "rtmp",
                "--stream",
                "live/room1/cam1",
                "--user",
                "alice",
                "--password",
                password,
            ],
            &[("AUTHBENCH_LOG", "trace")],
        );
        assert_eq!(code, expected, "{text}");
        assert_no_secret(&text, &[password, ADMIN_KEY, SECRET]);
    }
    let issued = post_json(
        &base,
        "/token",
        &format!("{{\"username\":\"alice\",\"password\":\"{PASSWORD}\"}}"),
    );
    let issued: Value = serde_json::from_str(&issued).unwrap();
    let access_token = issued["access_token"].as_str().unwrap().to_owned();

    child.kill().unwrap();
    child.wait().unwrap();
    stderr.read_to_string(&mut seen).unwrap();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut seen)
        .unwrap();
    assert!(seen.contains("listening on"), "{seen}");
    // The check means something only if the service did log at this level.
    assert!(seen.contains("INFO"), "nothing was logged at -vv: {seen}");
    assert_no_secret(
        &seen,
        &[PASSWORD, "wrong-Yt5", &access_token, ADMIN_KEY, SECRET],
    );
}

/// POSTs a JSON body; returns the answer's body.
fn post_json(base_url: &str, path: &str, body: &str) -> String {
    let addr = base_url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}
