//! scenarios/scenario.schema.json: generated from the types, and every shipped scenario fits it.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use authbench_scenario::library::LIBRARY;
use authbench_scenario::spec::Scenario;
use serde_json::Value;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/scenario.schema.json")
}

fn generated() -> String {
    let mut text = serde_json::to_string_pretty(&Scenario::json_schema()).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_schema_matches_the_types() {
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(schema_path(), generated()).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == generated(),
        "scenarios/scenario.schema.json is out of date; regenerate it with\n\n    \
         UPDATE_SCHEMA=1 cargo test -p authbench-scenario --test schema\n"
    );
}

#[test]
fn every_shipped_scenario_fits_the_schema_and_a_typo_does_not() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:authbench:scenario.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("urn:authbench:scenario.schema.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the committed schema does not compile: {e:#}"));
    assert!(!LIBRARY.is_empty());
    for (name, text) in LIBRARY {
        let doc: Value = serde_saphyr::from_str(text).unwrap();
        if let Err(e) = schemas.validate(&doc, index) {
            panic!("{name} does not fit scenario.schema.json: {e}");
        }
    }
    let typo: Value =
        serde_saphyr::from_str("description: d\nsteps:\n  - advance: 1s\n    expcet: allow\n")
            .unwrap();
    assert!(
        schemas.validate(&typo, index).is_err(),
        "an unknown field must not validate"
    );
}
