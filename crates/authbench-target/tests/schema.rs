//! targets/target.schema.json: generated from the types, and targets/example.yaml fits it.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use authbench_target::TargetFile;
use serde_json::Value;

fn targets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../targets")
}

fn generated() -> String {
    let mut text = serde_json::to_string_pretty(&TargetFile::json_schema()).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_schema_matches_the_types() {
    let path = targets().join("target.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, generated()).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated(),
        "targets/target.schema.json is out of date; regenerate it with\n\n    \
         UPDATE_SCHEMA=1 cargo test -p authbench-target --test schema\n"
    );
}

fn compiled() -> (boon::Schemas, boon::SchemaIndex) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(targets().join("target.schema.json")).unwrap(),
    )
    .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("urn:authbench:target.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("urn:authbench:target.schema.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the committed schema does not compile: {e:#}"));
    (schemas, index)
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

#[test]
fn the_example_fits_the_schema_and_loads() {
    let (schemas, index) = compiled();
    let path = targets().join("example.yaml");
    let doc = yaml(&std::fs::read_to_string(&path).unwrap());
    if let Err(e) = schemas.validate(&doc, index) {
        panic!("targets/example.yaml does not fit target.schema.json: {e}");
    }
    let target = authbench_target::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(target.name(), "staging");
}

#[test]
fn the_schema_refuses_typos_inline_secrets_and_two_token_sources() {
    let (schemas, index) = compiled();
    let base = "name: t\nfile: {htpasswd: users.htpasswd}\n";
    assert!(schemas.validate(&yaml(base), index).is_ok());
    for bad in [
        "name: t\n",
        "name: t\nfile: {htpasswd: u, grups: g}\n",
        "name: t\nfile: {htpasswd: u}\nidentities: {alice: {password: hunter2}}\n",
        "name: t\nfile: {htpasswd: u}\nidentities: {alice: {pasword: {env: X}}}\n",
        "name: t\njwt: {algorithms: [HS256], secret_env: K}\n",
        "name: t\njwt: {algorithms: [HS256], secret_env: K, tokens: {static: {}, command: [x]}}\n",
        "name: t\njwt: {algorithms: [HS256], secret_env: K, tokens: {static: {}}, leewy: 1s}\n",
        "name: t\nroundtrip: {url: 'http://h/', protocol: red5pro, headers: {K: {env: A, file: b}}}\n",
        "name: t\nfile: {htpasswd: u}\ncontrol: {revoke: {http: {url: 'http://h/'}, command: [x]}}\n",
        "name: t\nfile: {htpasswd: u}\ncontrol: {revokee: {command: [x]}}\n",
    ] {
        assert!(
            schemas.validate(&yaml(bad), index).is_err(),
            "must not validate:\n{bad}"
        );
    }
}
