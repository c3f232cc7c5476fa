//! `authbench bench` and `authbench compare` driven in-process: a short real run, then the gate
//! on it (clean, a behaviour change, bad input). Asserts exit codes and contents, not timings.

#![allow(clippy::unwrap_used)]

use std::process::ExitCode;

fn run(args: &[&str]) -> ExitCode {
    authbench_cli::run(std::iter::once("authbench").chain(args.iter().copied()))
}

#[test]
fn a_short_bench_then_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_s = out.to_str().unwrap();
    let code = run(&[
        "bench",
        "--modes",
        "jwt",
        "--duration",
        "300ms",
        "--warmup",
        "100ms",
        "--rate",
        "2000",
        "--sweep",
        "1,2",
        "--storm",
        "200/100ms",
        "--out",
        out_s,
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let report = authbench_report::Report::from_json(&json).unwrap();
    let load = report.load.as_ref().unwrap();
    assert_eq!(load.modes.len(), 1);
    let jwt = &load.modes[0];
    assert_eq!(jwt.requests, 600);
    assert!(
        jwt.behaviour.iter().all(|b| b.as_expected()),
        "{:?}",
        jwt.behaviour
    );
    assert_eq!(load.sweep.len(), 2);
    assert_eq!(load.join_storms[0].subscribers, 200);
    assert!(
        std::fs::read_to_string(out.join("report.html"))
            .unwrap()
            .contains("<svg ")
    );

    let base = out.join("report.json");
    let base_s = base.to_str().unwrap();
    assert_eq!(run(&["compare", base_s, base_s]), ExitCode::SUCCESS);

    // The same run, but a case now decided otherwise: a behaviour change.
    let changed = json.replacen(
        "\"outcome\": \"deny(bad_signature)\"",
        "\"outcome\": \"allow\"",
        1,
    );
    assert_ne!(changed, json);
    let changed_path = dir.path().join("changed.json");
    std::fs::write(&changed_path, changed).unwrap();
    assert_eq!(
        run(&["compare", base_s, changed_path.to_str().unwrap()]),
        ExitCode::from(1)
    );

    let missing = dir.path().join("missing.json");
    assert_eq!(
        run(&["compare", base_s, missing.to_str().unwrap()]),
        ExitCode::from(2)
    );
}

#[test]
fn bad_bench_input_is_a_usage_error() {
    assert_eq!(run(&["bench", "--rate", "fast"]), ExitCode::from(2));
    assert_eq!(run(&["bench", "--storm", "lots"]), ExitCode::from(2));
    assert_eq!(run(&["bench", "no/such/scenario.yaml"]), ExitCode::from(2));
    assert_eq!(
        run(&["compare", "a.json", "b.json", "--max-regression", "-3"]),
        ExitCode::from(2)
    );
}

#[test]
fn a_scenario_file_as_workload() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/roles.yaml");
    let out = dir.path().join("run");
    let code = run(&[
        "bench",
        scenario,
        "--modes",
        "jwt,file",
        "--duration",
        "200ms",
        "--warmup",
        "50ms",
        "--rate",
        "200",
        "--sweep",
        "off",
        "--storm",
        "off",
        "--no-references",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, ExitCode::SUCCESS);
    let report = authbench_report::Report::from_json(
        &std::fs::read_to_string(out.join("report.json")).unwrap(),
    )
    .unwrap();
    let load = report.load.unwrap();
    assert!(
        load.options.workload.contains("roles.yaml"),
        "{}",
        load.options.workload
    );
    assert!(!load.modes.is_empty());
    for m in &load.modes {
        assert_eq!(m.scenario.as_deref(), Some("roles"));
        assert_eq!(m.requests, 40);
        // Each step is decided under load as the scenario expects it for the mode.
        assert!(
            m.behaviour.iter().all(|b| b.as_expected()),
            "{:?}",
            m.behaviour
        );
    }
}
