//! Scenarios aimed at a user's own deployment: `authbench serve` runs as a separate process, as a
//! user's auth service and identity provider would, and a target file points at it by URL only.
//! Built to the published protocols (Red5 Pro round trip, MediaMTX HTTP auth, RFC 6749 token
//! requests, OpenID Connect discovery): nothing here reaches into the service's memory.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use authbench_core::outcome::{Actual, ModeRun, ScenarioRun};
use authbench_core::{DenyReason, Mode};
use authbench_harness::runner;
use authbench_harness::target::TargetWorlds;
use authbench_scenario::library;
use authbench_scenario::load::LoadedScenario;
use authbench_scenario::spec::Step;
use serde_json::{Value, json};

use common::Served;

/// The account a scenario identity has at the served deployment: one per scenario, since the
/// shipped scenarios give the same names different passwords and rights.
fn account(scenario: &str, identity: &str) -> String {
    format!("{scenario}.{identity}")
}

/// Starts `authbench serve` on a free loopback port with every identity of `library`, tokens
/// shaped for Red5 Pro's claim profile, deny reasons exposed and no lockout (scenarios send wrong
/// passwords on purpose).
fn serve(dir: &Path, library: &[LoadedScenario]) -> Served {
    let mut identities = serde_json::Map::new();
    for loaded in library {
        for (name, id) in &loaded.scenario.identities {
            identities.insert(
                account(&loaded.name, name),
                json!({
                    "password": id.password.expose(),
                    "roles": id.roles,
                    "rooms": id.rooms,
                    "transports": id.transports,
                    "tenant": id.tenant,
                    "revoked": id.revoked,
                }),
            );
        }
    }
    let config = json!({
        "identities": identities,
        "jwt": {"profile": "red5pro", "algorithms": ["ES256"]},
        "service": {
            "expose_reasons": true,
            "audience": "streaming",
            "lockout": {"max_failures": 0},
        },
    });
    let path = dir.join("serve.yaml");
    std::fs::write(&path, config.to_string()).unwrap();
    common::serve(&path)
}

/// How the target file's clients get tokens.
#[derive(Clone, Copy)]
enum Tokens {
    /// The service's `/token` as a plain HTTP API.
    Http,
    /// An RFC 6749 resource-owner password grant at the token endpoint found by OIDC
    /// discovery (the password follows `set_password` events; a client secret would not).
    OAuth2,
}

/// Writes a target file for the served deployment: round trip over `protocol`, JWT validated
/// with the keys found by discovery, every scenario identity mapped to its account (secrets in
/// files), and — with `control` — events sent to the service's admin API.
fn target_file(
    dir: &Path,
    served: &Served,
    library: &[LoadedScenario],
    protocol: &str,
    tokens: Tokens,
    control: bool,
) -> PathBuf {
    let base = &served.base;
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let mut identities = serde_json::Map::new();
    for loaded in library {
        for (name, id) in &loaded.scenario.identities {
            let user = account(&loaded.name, name);
            std::fs::write(secrets.join(&user), id.password.expose()).unwrap();
            let secret = format!("secrets/{user}");
            identities.insert(
                format!("{}/{name}", loaded.name),
                json!({"user": user, "password": {"file": secret}}),
            );
        }
    }
    let path = match protocol {
        "red5pro" => "/validateCredentials",
        _ => "/mediamtx/auth",
    };
    let token_source = match tokens {
        Tokens::Http => json!({"http": {
            "url": format!("{base}/token"),
            "body": {"username": "{user}", "password": "{password}"},
            "pointer": "/access_token",
        }}),
        Tokens::OAuth2 => json!({"oauth2": {"grant": "password"}}),
    };
    let mut target = json!({
        "name": "served",
        "roundtrip": {"url": format!("{base}{path}"), "protocol": protocol, "timeout": "2s"},
        "jwt": {
            "profile": "red5pro",
            "algorithms": ["ES256"],
            "oidc_discovery": format!("{base}/.well-known/openid-configuration"),
            "audiences": ["streaming"],
            "tokens": token_source,
        },
        "identities": identities,
    });
    if control {
        let admin =
            |what: &str| json!({"http": {"url": format!("{base}/admin/users/{{user}}/{what}")}});
        target["control"] = json!({
            "revoke": admin("revoke"),
            "restore": admin("restore"),
            // The service has no deletion; revoking is how its operators lock an account.
            "remove_user": admin("revoke"),
            "set_password": {"http": {
                "url": format!("{base}/admin/users/{{user}}/password"),
                "body": {"password": "{password}"},
            }},
            "rotate_keys": {"http": {"url": format!("{base}/admin/keys/rotate")}},
        });
    }
    let file = dir.join(format!("target-{protocol}.yaml"));
    std::fs::write(&file, target.to_string()).unwrap();
    file
}

/// Adds a `file:` section to the target file: an htpasswd and a group file written from every
/// scenario identity's account, as an operator's credentials files would hold them.
fn with_credentials_files(target: &Path, library: &[LoadedScenario]) {
    let mut accounts = authbench_core::Identities::new();
    for loaded in library {
        for (name, id) in &loaded.scenario.identities {
            accounts.insert(account(&loaded.name, name), id.clone());
        }
    }
    let dir = target.parent().unwrap();
    let htpasswd =
        authbench_file::fixture::htpasswd_for(&accounts, authbench_file::Scheme::Bcrypt, 4)
            .unwrap();
    std::fs::write(dir.join("users.htpasswd"), htpasswd).unwrap();
    std::fs::write(
        dir.join("users.htgroup"),
        authbench_file::fixture::htgroup_for(&accounts),
    )
    .unwrap();
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(target).unwrap()).unwrap();
    spec["file"] = json!({"htpasswd": "users.htpasswd", "groups": "users.htgroup"});
    std::fs::write(target, spec.to_string()).unwrap();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Every shipped scenario in the built-in world and at the target, jwt and roundtrip.
fn run_both(
    target: &Path,
    library: &[LoadedScenario],
    modes: &[Mode],
) -> Vec<(ScenarioRun, ScenarioRun)> {
    let rt = runtime();
    let worlds = TargetWorlds::new(authbench_target::load(target).unwrap()).unwrap();
    library
        .iter()
        .map(|loaded| {
            rt.block_on(async {
                (
                    runner::run_scenario(loaded, modes).await,
                    runner::run_scenario_in(&worlds, loaded, modes).await,
                )
            })
        })
        .collect()
}

fn mode(run: &ScenarioRun, mode: Mode) -> Option<&ModeRun> {
    run.modes.iter().find(|m| m.mode == mode)
}

/// Compares the target's decisions with the built-in ones on every step the target ran; returns
/// how many steps were compared and how many skipped.
fn assert_same_decisions(
    pairs: &[(ScenarioRun, ScenarioRun)],
    exact_reasons: bool,
) -> (usize, usize) {
    let (mut compared, mut skipped) = (0, 0);
    for (builtin, target) in pairs {
        for m in Mode::ALL {
            let (Some(b), Some(t)) = (mode(builtin, m), mode(target, m)) else {
                continue;
            };
            assert!(
                b.error.is_none(),
                "{} {m} built-in: {:?}",
                builtin.name,
                b.error
            );
            assert!(
                t.error.is_none(),
                "{} {m} at the target: {:?}",
                target.name,
                t.error
            );
            assert!(t.target.is_some(), "a target run names its target");
            for step in &t.steps {
                if let Actual::Skipped { reason } = &step.actual {
                    assert!(!reason.is_empty());
                    skipped += 1;
                    continue;
                }
                let reference = b.steps.iter().find(|s| s.index == step.index).unwrap();
                let here = format!(
                    "{} step {} `{}` ({m})",
                    target.name,
                    step.index + 1,
                    step.name
                );
                match (&reference.actual, &step.actual) {
                    (Actual::Deny { reason: want, .. }, Actual::Deny { reason: got, .. })
                        if !exact_reasons && *got == DenyReason::BackendRejected =>
                    {
                        assert!(
                            step.passed,
                            "{here}: a reasonless deny meets an expected deny ({want})"
                        );
                        assert_eq!(
                            step.note.as_deref(),
                            Some("denied, no reason given by the target"),
                            "{here}"
                        );
                    }
                    (want, got) => assert_eq!(got.label(), want.label(), "{here}"),
                }
                assert_eq!(step.passed, reference.passed, "{here}");
                compared += 1;
            }
        }
    }
    (compared, skipped)
}

#[test]
fn a_served_deployment_decides_as_the_built_in_world_on_every_step_it_runs() {
    let library = library::load_library().unwrap();
    for (protocol, tokens) in [("red5pro", Tokens::Http), ("mediamtx", Tokens::OAuth2)] {
        let dir = tempfile::tempdir().unwrap();
        let served = serve(dir.path(), &library);
        let target = target_file(dir.path(), &served, &library, protocol, tokens, true);
        let pairs = run_both(&target, &library, &[Mode::Jwt, Mode::Roundtrip]);
        let (compared, skipped) = assert_same_decisions(&pairs, protocol == "red5pro");
        // Most of the library runs at the target; what cannot (clock advances, service faults,
        // scenarios set up for another protocol or claim profile) is skipped, not failed.
        eprintln!("{protocol}: {compared} steps compared, {skipped} skipped");
        // Fewer run over MediaMTX's protocol: the scenarios set up for Red5 Pro's round trip
        // skip the mode there.
        let least = if protocol == "red5pro" { 90 } else { 45 };
        assert!(
            compared >= least,
            "{protocol}: only {compared} steps compared ({skipped} skipped)"
        );
        assert!(
            skipped > 0,
            "{protocol}: advances and service faults cannot run at a target"
        );
        // The round trip really asked the served service; tokens really came from it.
        let whole = |scenario: &str, m: Mode| {
            let (_, at_target) = pairs.iter().find(|(b, _)| b.name == scenario).unwrap();
            let run = mode(at_target, m).unwrap();
            assert_eq!(
                run.skipped(),
                0,
                "{protocol}: {scenario} {m} runs entirely at the target"
            );
            assert!(
                run.steps
                    .iter()
                    .any(|s| matches!(s.actual, Actual::Allow { .. }))
            );
        };
        whole("roles", Mode::Jwt);
        // The command line runs the same: both worlds side by side, every step it ran held
        // (events were undone through the control hooks, so the service is as the file says).
        let out_dir = dir.path().join("report");
        let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args([
                "run",
                "--modes",
                "jwt,roundtrip",
                "--with-builtin",
                "--target",
            ])
            .arg(&target)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("roundtrip @ served") && stdout.contains("jwt @ served"),
            "{stdout}"
        );
        assert!(out_dir.join("report.json").is_file());
        match protocol {
            "red5pro" => whole("roles", Mode::Roundtrip),
            _ => whole("transport-restrictions-mediamtx", Mode::Roundtrip),
        }
    }
}

#[test]
fn without_control_exactly_the_steps_after_an_event_are_skipped_with_the_reason() {
    let library = library::load_library().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &library);
    let target = target_file(
        dir.path(),
        &served,
        &library,
        "red5pro",
        Tokens::Http,
        false,
    );
    with_credentials_files(&target, &library);
    let pairs = run_both(&target, &library, &Mode::ALL);
    // Before the first event, every mode — the user's htpasswd file included — decides as the
    // built-in world does.
    let (compared, _) = assert_same_decisions(&pairs, true);
    assert!(compared >= 90, "only {compared} steps compared");
    let file_steps = pairs
        .iter()
        .filter_map(|(_, t)| mode(t, Mode::File))
        .flat_map(|run| &run.steps)
        .filter(|s| !s.actual.is_skipped())
        .count();
    assert!(
        file_steps >= 20,
        "only {file_steps} file-mode steps ran at the target"
    );
    let mut checked = 0;
    for (_, at_target) in &pairs {
        let loaded = library.iter().find(|l| l.name == at_target.name).unwrap();
        let first_event = loaded
            .scenario
            .steps
            .iter()
            .position(|s| matches!(s.value, Step::Event(_)));
        for run in &at_target.modes {
            // A whole mode set up for another deployment is skipped for that reason instead.
            if run.steps.iter().all(|s| s.actual.is_skipped()) && first_event != Some(0) {
                continue;
            }
            for step in &run.steps {
                let after_event = first_event.is_some_and(|e| step.index > e);
                match &step.actual {
                    Actual::Skipped { reason } if after_event => {
                        assert!(
                            reason.starts_with("follows `") && reason.contains("cannot apply"),
                            "{} step {}: {reason}",
                            at_target.name,
                            step.index + 1
                        );
                        checked += 1;
                    }
                    // Generated users (`generate:`) have no account at the target.
                    Actual::Skipped { reason }
                        if loaded.scenario.generate.is_some()
                            && reason.contains("has no account") => {}
                    Actual::Skipped { reason } => panic!(
                        "{} step {} ({}) before any event was skipped: {reason}",
                        at_target.name,
                        step.index + 1,
                        run.mode
                    ),
                    _ => assert!(
                        !after_event,
                        "{} step {} ({}) after an uncontrolled event ran",
                        at_target.name,
                        step.index + 1,
                        run.mode
                    ),
                }
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} steps after events were checked"
    );
}

#[test]
fn a_target_whose_service_is_down_is_denied_backend_unavailable_and_the_run_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(dir.path().join("a"), "studio-a-pw").unwrap();
    std::fs::write(dir.path().join("b"), "studio-b-pw").unwrap();
    let target = dir.path().join("down.yaml");
    std::fs::write(
        &target,
        format!(
            "name: down\nroundtrip:\n  url: http://127.0.0.1:{port}/validateCredentials\n  protocol: red5pro\n  timeout: 1s\nidentities:\n  studio-a: {{password: {{file: a}}}}\n  studio-b: {{password: {{file: b}}}}\n"
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("report");
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(["run", "--target"])
        .arg(&target)
        .arg(scenario_path("simple-username-password.yaml"))
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("roundtrip @ down") && stdout.contains("0 held, 3 failed"),
        "{stdout}"
    );
    // Refused connections fail fast: nothing waited for anything like a hang.
    assert!(started.elapsed().as_secs() < 60);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let text = report.to_string();
    assert!(text.contains("backend_unavailable"), "{text}");
    let mut reasons = BTreeMap::new();
    collect_deny_reasons(&report, &mut reasons);
    assert_eq!(
        reasons.keys().collect::<Vec<_>>(),
        ["backend_unavailable"],
        "every decision of the round trip is backend_unavailable: {reasons:?}"
    );
}

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .join(name)
}

/// Every `actual` deny reason in a report.json.
fn collect_deny_reasons(v: &Value, out: &mut BTreeMap<String, usize>) {
    match v {
        Value::Object(map) => {
            if let (Some(Value::String(o)), Some(Value::String(r))) =
                (map.get("outcome"), map.get("reason"))
                && o == "deny"
                && map.contains_key("detail")
            {
                *out.entry(r.clone()).or_default() += 1;
            }
            for value in map.values() {
                collect_deny_reasons(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_deny_reasons(i, out)),
        _ => {}
    }
}

/// The README's example: `targets/local/` (a served deployment and the target file aimed at it),
/// with the service on a free port instead of 8089.
fn local_example(dir: &Path) -> (Served, PathBuf) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../targets/local");
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for entry in std::fs::read_dir(example.join("secrets")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("secrets").join(entry.file_name())).unwrap();
    }
    let served = common::serve(&example.join("serve.yaml"));
    let text = std::fs::read_to_string(example.join("target.yaml"))
        .unwrap()
        .replace("http://127.0.0.1:8089", &served.base);
    let target = dir.join("target.yaml");
    std::fs::write(&target, text).unwrap();
    (served, target)
}

#[test]
fn the_readme_example_runs_and_decides_against_a_served_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let (_served, target) = local_example(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(["run", "--with-builtin", "--target"])
        .arg(&target)
        .args(["--out"])
        .arg(dir.path().join("report"))
        .args(
            [
                "roles.yaml",
                "revocation-mid-ttl.yaml",
                "simple-username-password.yaml",
            ]
            .map(scenario_path),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The revocation reached the service through control; the clock advance after it cannot.
    assert!(
        stdout.contains("roundtrip @ local") && stdout.contains("skipped"),
        "{stdout}"
    );

    let decide = |mode: &str, identity: &str, action: &str| {
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args(["decide", "--target"])
            .arg(&target)
            .args(["--mode", mode, "--identity", identity, "--action", action])
            .args(["--transport", "rtmp", "--stream", "live/room1/stage"])
            .output()
            .unwrap()
    };
    let json = |out: &std::process::Output| -> Value {
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let allowed = decide("roundtrip", "presenter", "publish");
    assert_eq!(allowed.status.code(), Some(0));
    assert_eq!(json(&allowed)["decision"], "allow");
    let refused = decide("roundtrip", "viewer", "publish");
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json(&refused)["reason"], "role_forbidden");
    // JWT: a token from the served identity provider's password grant, validated locally.
    let token = decide("jwt", "host", "subscribe");
    assert_eq!(
        token.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    assert_eq!(json(&token)["mode"], "jwt");
    let refused = decide("jwt", "viewer", "publish");
    assert_eq!(json(&refused)["reason"], "role_forbidden");
    // An identity the file does not map is bad input, said plainly.
    let unmapped = decide("roundtrip", "nobody", "publish");
    assert_eq!(unmapped.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unmapped.stderr);
    assert!(
        stderr.contains("identity `nobody` has no account in the target file"),
        "{stderr}"
    );
}

#[test]
fn validate_checks_target_files_scenarios_and_deployment_configs_at_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("typo.yaml");
    std::fs::write(
        &scenario,
        "description: d\nsetup:\n  jwt: {profile: red5}\nidentities:\n  a: {password: p}\nsteps:\n  - advance: 1s\n",
    )
    .unwrap();
    let target = dir.path().join("t.yaml");
    std::fs::write(
        &target,
        "name: t\nroundtrip:\n  url: http://127.0.0.1:1/v\n  protocl: red5pro\n",
    )
    .unwrap();
    let validate = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .arg("validate")
            .arg(path)
            .output()
            .unwrap()
    };
    let out = validate(&scenario);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:3:18: unknown variant `red5`",
            scenario.display()
        )),
        "{stderr}"
    );
    let out = validate(&target);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("t.yaml:4:3") && stderr.contains("protocl"),
        "{stderr}"
    );
    let media = dir.path().join("media.yaml");
    std::fs::write(
        &media,
        "name: lab\nmedia: {rtmp: 'rtmp://127.0.0.1:1935', present: password}\nidentities:\n  alice: {password: {env: X}}\n",
    )
    .unwrap();
    let out = validate(&media);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "ok    {} (target lab: media as roundtrip; 1 identities)",
            media.display()
        )
    );
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../targets");
    let out = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .arg("validate")
        .arg(&example)
        .arg(example.join("local"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("example.yaml (target staging"), "{stdout}");
    assert!(stdout.contains("target.yaml (target local"), "{stdout}");
    assert!(
        stdout.contains("serve.yaml (deployment config: jwt; 6 identities)"),
        "{stdout}"
    );
}

#[test]
fn scenario_files_export_to_locust_as_the_target_world_sends_them() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../targets/local/target.yaml");
    let out = dir.path().join("locust");
    let run = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args([
            "export",
            "locust",
            "--rate",
            "50",
            "--duration",
            "5s",
            "--target",
        ])
        .arg(&example)
        .arg("--out")
        .arg(&out)
        .args(
            [
                "roles.yaml",
                "revocation-mid-ttl.yaml",
                // Set up for MediaMTX's protocol: the Red5 Pro target does not run it.
                "transport-restrictions-mediamtx.yaml",
            ]
            .map(scenario_path),
        )
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let cases: Vec<(String, String)> = plan["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["expected"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("roles: a publisher publishes", "allow"),
        (
            "roles: a publisher-only user may not watch",
            "deny(role_forbidden)",
        ),
        ("roles: a viewer watches", "allow"),
        (
            "roles: a viewer-only user may not publish",
            "deny(role_forbidden)",
        ),
        ("roles: a host publishes", "allow"),
        ("roles: a host watches", "allow"),
        // Only the step before the revocation: what follows an event cannot be repeated.
        (
            "revocation-mid-ttl: before the ban every mode lets the user in",
            "allow",
        ),
    ];
    assert_eq!(
        cases,
        want.map(|(n, e)| (n.to_owned(), e.to_owned())).to_vec()
    );
    let requests: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("requests.json")).unwrap()).unwrap();
    let requests = requests["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 7);
    // Sent as the mapped account, with its password read from the target's secret file.
    let first: Value = serde_json::from_str(requests[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(first["username"], "presenter");
    assert_eq!(first["password"], "presenter-pw");
    assert_eq!(first["type"], "publisher");
}

#[test]
fn a_target_only_scenario_is_not_run_without_a_target() {
    let dir = tempfile::tempdir().unwrap();
    let run = |paths: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args(["run", "--modes", "roundtrip", "--out"])
            .arg(dir.path().join("report"))
            .args(paths.iter().map(|p| scenario_path(p)))
            .output()
            .unwrap()
    };
    let alone = run(&["nginx-rtmp.yaml"]);
    assert_eq!(alone.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&alone.stderr);
    assert!(
        stderr.contains("nginx-rtmp: runs only against your deployment: give --target FILE"),
        "{stderr}"
    );
    let beside = run(&["nginx-rtmp.yaml", "roles.yaml"]);
    assert_eq!(beside.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&beside.stderr);
    assert!(
        stderr.contains("not run without --target FILE (they need your deployment): nginx-rtmp"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&beside.stdout);
    assert!(
        stdout.contains("roles") && !stdout.contains("nginx-rtmp"),
        "{stdout}"
    );
}
