//! report.json against its committed JSON Schema (reports/report.schema.json).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use authbench_core::Mode;
use authbench_report::{ReadError, Report, RunOptions};
use serde_json::{Value, json};

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reports/report.schema.json")
}

fn generated_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&Report::json_schema()).unwrap();
    text.push('\n');
    text
}

fn committed_schema() -> Value {
    let text = std::fs::read_to_string(schema_path()).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with `UPDATE_SCHEMA=1 cargo test -p authbench-report --test schema`",
            schema_path().display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// Validates `instance` against the committed schema, with format assertions on.
fn validate(instance: &Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("urn:authbench:report.schema.json", committed_schema())
        .unwrap();
    let index = compiler
        .compile("urn:authbench:report.schema.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the committed schema does not compile: {e:#}"));
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e}"))
}

fn sample_json() -> Value {
    let report = Report::build(
        &common::runs(),
        &RunOptions {
            quick: true,
            modes: Mode::ALL.to_vec(),
        },
    );
    serde_json::from_str(&report.to_json()).unwrap()
}

#[test]
fn committed_schema_matches_the_types() {
    let generated = generated_schema_text();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(schema_path(), &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "reports/report.schema.json is out of date with the report types.\n\
         If the change is intended, regenerate it with\n\
         \n    UPDATE_SCHEMA=1 cargo test -p authbench-report --test schema\n\n\
         and follow the schema_version rules in crates/authbench-report/src/lib.rs \
         (an added optional field bumps the minor version, anything else the major)."
    );
}

#[test]
fn real_output_validates() {
    let report = sample_json();
    validate(&report).unwrap_or_else(|e| panic!("report.json does not match its schema: {e}"));
    // And a report with a mode that could not run and no latency samples.
    let empty = Report::build(&[], &RunOptions::default());
    validate(&serde_json::from_str(&empty.to_json()).unwrap()).unwrap();
}

/// A run with a target column (skipped steps, a note, what was tested) fits the schema, and the
/// schema holds the skipped outcome to its reason.
#[test]
fn a_target_report_validates() {
    let report = Report::build(&common::runs_with_target(), &RunOptions::default());
    let v: Value = serde_json::from_str(&report.to_json()).unwrap();
    validate(&v).unwrap_or_else(|e| panic!("a target report does not match its schema: {e}"));
    assert_eq!(
        v["targets"],
        json!([{"name": "staging", "mode": "roundtrip", "tested": common::STAGING_TESTED}])
    );
    assert_eq!(
        v["scenarios"][0]["steps"][1]["results"][3]["actual"],
        json!({"outcome": "skipped", "reason": "follows an event the target has no control for: revoke"})
    );
    let mut broken = v.clone();
    broken["scenarios"][0]["steps"][1]["results"][3]["actual"] = json!({"outcome": "skipped"});
    assert!(
        validate(&broken).is_err(),
        "the schema accepted a skipped step without its reason"
    );
}

/// A run that asked a media server over the wire carries the `joins` section (2.3): it fits the
/// schema, which holds each kind of join to a count.
#[test]
fn a_media_report_validates() {
    let report = Report::build(
        &common::runs_with_media(common::lab_joins()),
        &RunOptions::default(),
    );
    let v: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(v["joins"][0]["transport"], json!("rtmp"));
    validate(&v).unwrap_or_else(|e| panic!("a media report does not match its schema: {e}"));
    let mut broken = v.clone();
    broken["joins"][0]["open"] = json!({"summary": null});
    assert!(
        validate(&broken).is_err(),
        "the schema accepted a kind of join without its count"
    );
}

#[test]
fn the_schema_rejects_what_is_not_a_report() {
    let good = sample_json();
    type Break = fn(&mut Value);
    let broken: [(&str, Break); 6] = [
        ("missing totals", |v| {
            v.as_object_mut().unwrap().remove("totals");
        }),
        ("unknown mode", |v| v["options"]["modes"][0] = json!("ldap")),
        ("unknown outcome", |v| {
            v["scenarios"][0]["steps"][0]["results"][0]["actual"] = json!({"outcome": "maybe"})
        }),
        ("deny without reason", |v| {
            v["scenarios"][0]["steps"][1]["results"][1]["expected"] = json!({"outcome": "deny"})
        }),
        ("bad timestamp", |v| v["generated_at"] = json!("yesterday")),
        ("bad version", |v| v["schema_version"] = json!("one")),
    ];
    for (what, breaks) in broken {
        let mut v = good.clone();
        breaks(&mut v);
        assert!(
            validate(&v).is_err(),
            "the schema accepted a report with {what}"
        );
    }
}

/// The `load` section (1.1) validates, and a later minor version's unknown additions are still
/// accepted by today's schema and reader.
#[test]
fn load_sections_validate_and_later_minors_stay_compatible() {
    let mut report = Report::build(&[], &RunOptions::default());
    report.load = Some(common::load_section());
    let v: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(v["schema_version"], json!(authbench_report::SCHEMA_VERSION));
    validate(&v).unwrap_or_else(|e| panic!("a load report does not match its schema: {e}"));
    assert_eq!(Report::from_json(&report.to_json()).unwrap(), report);

    let mut broken = v.clone();
    broken["load"]["modes"][0]["latency"] = json!("fast");
    assert!(
        validate(&broken).is_err(),
        "the schema accepted a latency that is not figures"
    );

    let mut later = sample_json();
    later["schema_version"] = json!("2.9");
    later["energy"] = json!({"joules_per_decision": 0.001});
    validate(&later).unwrap();
    let report = Report::from_json(&later.to_string()).unwrap();
    assert_eq!(report.schema_version, "2.9");

    for other in ["3", "1.2"] {
        later["schema_version"] = json!(other);
        match Report::from_json(&later.to_string()) {
            Err(ReadError::UnsupportedVersion { found }) => assert_eq!(found, other),
            o => panic!("a version {other} report must be refused, got {o:?}"),
        }
    }
    assert!(matches!(
        Report::from_json("{\"schema_version\": \"2\"}"),
        Err(ReadError::Json(_))
    ));
}

/// The committed reference report (reports/reference/) is real `authbench run` output: it must fit
/// today's schema and read back (regenerate it with `authbench run --out reports/reference`).
#[test]
fn the_committed_reference_report_validates() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reports/reference/report.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    validate(&v).unwrap_or_else(|e| panic!("{} does not fit the schema: {e}", path.display()));
    let report = Report::from_json(&text).unwrap();
    assert!(
        report.passed(),
        "the reference report records failed expectations"
    );
    assert!(!report.scenarios.is_empty());
}
