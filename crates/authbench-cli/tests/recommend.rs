//! `authbench recommend` as a real process: a ranked answer on stdout, exit 0; bad input on
//! stderr with file:line:column, exit 2.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn authbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(args)
        .output()
        .unwrap()
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/deployments")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_shipped_example_prints_a_ranked_table_and_json() {
    let out = authbench(&["recommend", &example("legacy-rtmp-fleet.yaml")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1     roundtrip      recommended"), "{text}");
    assert!(
        text.contains("[clients.legacy-rtmp] 30% of clients"),
        "{text}"
    );

    let out = authbench(&["recommend", &example("legacy-rtmp-fleet.yaml"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ranking"][0]["option"], "roundtrip");
    assert_eq!(json["warnings"][0]["criterion"], "clients.legacy-rtmp");
}

#[test]
fn a_bad_deployment_names_file_line_and_column_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.yaml");
    std::fs::write(
        &path,
        "users: 8\nidentity_provider: none\nrevocation: {need: none}\n\
         clients: {rtmp: 100}\npeak_joins_per_second: 2\nlatency_budget: 500ms\n\
         auth_service: {available: false, rt: 2ms}\n",
    )
    .unwrap();
    let out = authbench(&["recommend", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "authbench: error: {}:7:34: unknown field `rt`",
        path.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}
