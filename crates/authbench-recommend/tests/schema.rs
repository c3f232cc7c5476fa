//! The committed deployment schema (scenarios/deployments/deployment.schema.json) matches the
//! types, accepts every shipped example and rejects what the loader rejects.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use boon::{Compiler, Schemas};
use serde_json::{Value, json};

fn schema_path() -> PathBuf {
    common::deployments_dir().join("deployment.schema.json")
}

fn generated_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&authbench_recommend::deployment_schema()).unwrap();
    s.push('\n');
    s
}

fn validate(doc: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_str(&generated_schema_text()).unwrap();
    let mut schemas = Schemas::new();
    let mut compiler = Compiler::new();
    compiler
        .add_resource("urn:authbench:deployment.schema.json", schema)
        .unwrap();
    let id = compiler
        .compile("urn:authbench:deployment.schema.json", &mut schemas)
        .unwrap();
    schemas.validate(doc, id).map_err(|e| e.to_string())
}

fn yaml_to_json(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
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
        "scenarios/deployments/deployment.schema.json is out of date with the deployment types.\n\
         Regenerate it with\n\n    UPDATE_SCHEMA=1 cargo test -p authbench-recommend --test schema\n"
    );
}

#[test]
fn every_shipped_example_validates() {
    let mut seen = 0;
    for entry in std::fs::read_dir(common::deployments_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let doc = yaml_to_json(&std::fs::read_to_string(&path).unwrap());
        validate(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} examples found");
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let good = json!({
        "users": 8,
        "identity_provider": "none",
        "revocation": {"need": "none"},
        "clients": {"rtmp": 60, "whip_whep": 40},
        "peak_joins_per_second": 2,
        "latency_budget": "500ms",
        "auth_service": {"available": false}
    });
    validate(&good).unwrap();
    type Break = fn(&mut Value);
    let broken: [(&str, Break); 8] = [
        ("an unknown field", |v| {
            v["restrict"] = json!({"room": true})
        }),
        ("an unknown identity provider", |v| {
            v["identity_provider"] = json!("ldap")
        }),
        ("no users", |v| v["users"] = json!(0)),
        ("a share over 100", |v| v["clients"]["rtmp"] = json!(160)),
        ("a string boolean", |v| {
            v["auth_service"]["available"] = json!("yes")
        }),
        ("a missing revocation", |v| {
            v.as_object_mut().unwrap().remove("revocation");
        }),
        ("an unknown revocation need", |v| {
            v["revocation"]["need"] = json!("soon")
        }),
        ("a headroom over 1", |v| {
            v["auth_service"]["headroom"] = json!(1.5)
        }),
    ];
    for (what, breaks) in broken {
        let mut v = good.clone();
        breaks(&mut v);
        assert!(validate(&v).is_err(), "the schema accepted {what}");
    }
}
