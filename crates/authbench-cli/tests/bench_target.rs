//! `authbench bench --target FILE`: load a user's round-trip service. `authbench serve` runs as a
//! separate process, as a user's service would, and a target file points at it by URL only; the
//! rate guard refuses a remote target before anything is sent.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use common::Served;

/// `authbench serve` on a free loopback port with a few identities and no lockout, once it says
/// where it listens.
fn serve(dir: &Path) -> Served {
    let config = json!({
        "identities": {
            "alice": {"password": "alice-secret-1"},
            "bob": {"password": "bob-secret-2"},
            "carol": {"password": "carol-secret-3"},
        },
        "service": {"lockout": {"max_failures": 0}},
    });
    let path = dir.join("serve.yaml");
    std::fs::write(&path, config.to_string()).unwrap();
    common::serve(&path)
}

/// A target file for `url`: alice and bob mapped with passwords in files, dave mapped without
/// one (not sent).
fn target_file(dir: &Path, name: &str, url: &str) -> PathBuf {
    std::fs::write(dir.join("alice.pw"), "alice-secret-1\n").unwrap();
    std::fs::write(dir.join("bob.pw"), "bob-secret-2").unwrap();
    let text = format!(
        "name: {name}\n\
         roundtrip:\n  url: {url}\n  protocol: red5pro\n  timeout: 5s\n\
         identities:\n  \
           alice: {{password: {{file: alice.pw}}}}\n  \
           robert: {{user: bob, password: {{file: bob.pw}}}}\n  \
           dave: {{}}\n"
    );
    let path = dir.join("target.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authbench"))
        .arg("bench")
        .args(args)
        .output()
        .unwrap()
}

/// Every outcome of every case of an entry: all allows, none failed.
fn outcomes(entry: &Value) -> Vec<(String, String)> {
    entry["behaviour"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| {
            b["outcomes"].as_array().unwrap().iter().map(|o| {
                (
                    b["case"].as_str().unwrap().to_owned(),
                    o["outcome"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn bench_target_loads_a_served_auth_service_steady_storm_and_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path());
    let url = format!("{}/validateCredentials", served.base);
    let file = target_file(dir.path(), "local-svc", &url);
    let out = dir.path().join("out");
    // Steady ~2.7 s with its reference, a 0.5 s storm, a capped capacity search of ~4 s.
    let run = bench(&[
        "--target",
        file.to_str().unwrap(),
        "--quick",
        "--rate",
        "200",
        "--duration",
        "1500ms",
        "--warmup",
        "200ms",
        "--batches",
        "3",
        "--concurrency",
        "8",
        "--storm",
        "100/500ms",
        "--capacity",
        "--connections",
        "8",
        "--budget",
        "200ms",
        "--max-rate",
        "1500",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("roundtrip @ local-svc"), "{stdout}");
    for secret in ["alice-secret-1", "bob-secret-2"] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }

    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(!text.contains("alice-secret-1") && !text.contains("bob-secret-2"));
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        report["schema_version"],
        json!(authbench_report::SCHEMA_VERSION)
    );
    assert_eq!(
        report["targets"],
        json!([{"name": "local-svc", "mode": "roundtrip",
                "tested": format!("{} (red5pro)", served.base)}])
    );
    let load = &report["load"];
    assert!(
        load["options"]["workload"].as_str().unwrap().starts_with(
            "target local-svc: 2 accounts (the target file's identities with a password)"
        ),
        "{}",
        load["options"]["workload"]
    );
    let modes = load["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 1);
    let steady = &modes[0];
    assert_eq!(steady["mode"], "roundtrip");
    assert_eq!(steady["target"], "local-svc");
    assert_eq!(
        steady["path"],
        json!(format!("POST {} (red5pro)", served.base))
    );
    assert_eq!(steady["target_rate"], json!(200.0));
    assert!(steady["throughput"].as_f64().unwrap() > 0.0);
    let seen = outcomes(steady);
    assert!(!seen.is_empty());
    for (case, outcome) in &seen {
        assert_eq!(outcome, "allow", "{case}");
    }
    assert_eq!(
        steady["reference"]["name"],
        json!(format!("raw POST (hyper) to {}", served.base))
    );
    // No sweep against a target: it would be unpaced.
    assert_eq!(load["sweep"], json!([]));

    let storms = load["join_storms"].as_array().unwrap();
    assert_eq!(storms.len(), 1);
    assert_eq!(storms[0]["target"], "local-svc");
    let allowed = storms[0]["allowed"].as_u64().unwrap();
    assert!(allowed > 0);
    assert_eq!(storms[0]["subscribers"].as_u64(), Some(allowed));
    for (case, outcome) in outcomes(&storms[0]) {
        assert_eq!(
            (case.as_str(), outcome.as_str()),
            ("valid subscribe", "allow")
        );
    }

    let capacity = &load["capacity"];
    assert_eq!(
        capacity["target"],
        json!(format!(
            "target local-svc: POST {} (red5pro body, hyper client); capped at 1500/s, the \
             burst paced there",
            served.base
        ))
    );
    let steps = capacity["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    for step in steps {
        assert!(step["target_rate"].as_f64().unwrap() <= 1500.0, "{step}");
        assert_eq!(step["errors"], json!(0), "{step}");
    }

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| roundtrip @ local-svc |"), "{md}");
}

#[test]
fn a_remote_target_above_1000_per_second_without_max_rate_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    // `.invalid` never resolves (RFC 6761): nothing could be sent even if the guard failed open.
    let file = target_file(
        dir.path(),
        "prod",
        "https://auth.example.invalid/validateCredentials",
    );
    let out = dir.path().join("out");
    let run = bench(&[
        "--target",
        file.to_str().unwrap(),
        "--rate",
        "5000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "authbench: error: {}: steady load (--rate): auth.example.invalid is not on \
             loopback: a rate of 5000/s (above 1000/s) needs an explicit --max-rate; nothing \
             was sent",
            file.display()
        )
    );
    assert!(!out.exists(), "no report for a refused run");

    // Under 1,000/s, the default storm (2,000 within 1 s) is refused the same way.
    let run = bench(&[
        "--target",
        file.to_str().unwrap(),
        "--rate",
        "500",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "join storm (--storm): auth.example.invalid is not on loopback: a rate of 2000/s"
        ),
        "{stderr}"
    );

    // --max-rate caps loopback targets too; an uncapped capacity search is refused remotely.
    let local_dir = dir.path().join("local");
    std::fs::create_dir(&local_dir).unwrap();
    let local = target_file(&local_dir, "dev", "http://127.0.0.1:9/validateCredentials");
    let run = bench(&[
        "--target",
        local.to_str().unwrap(),
        "--rate",
        "5000",
        "--max-rate",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("steady load (--rate): a rate of 5000/s is above --max-rate 1000/s"),
        "{stderr}"
    );
    let run = bench(&[
        "--target",
        file.to_str().unwrap(),
        "--rate",
        "100",
        "--storm",
        "off",
        "--capacity",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "capacity search (--capacity): auth.example.invalid is not on loopback: a rate of inf/s"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_users_file_with_a_bad_line_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = target_file(dir.path(), "dev", "http://127.0.0.1:9/validateCredentials");
    let users = dir.path().join("users.csv");
    std::fs::write(&users, "user,password\nu1,p1\nu2\n").unwrap();
    let run = bench(&[
        "--target",
        file.to_str().unwrap(),
        "--users-file",
        users.to_str().unwrap(),
        "--rate",
        "10",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "authbench: error: {}:3: expected two fields, user,password (quote a password that \
             holds a comma)",
            users.display()
        )
    );
}
