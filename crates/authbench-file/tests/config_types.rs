//! The `file:` section as typed data: an unknown `format` is a parse error at the line and column
//! of the value that lists the formats, and the JSON Schema (feature `schemars`) lists the same
//! values.

use std::time::Duration;

use authbench_file::{FileConfig, FileFormat};

fn parse_error(yaml: &str) -> String {
    match serde_saphyr::from_str::<FileConfig>(yaml) {
        Ok(cfg) => panic!("{yaml:?} parsed as {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_unknown_format_is_a_parse_error_naming_the_formats() {
    let msg = parse_error("htpasswd: users.htpasswd\nformat: red5pro\n");
    assert!(
        msg.contains(
            "line 2 column 9: unknown variant `red5pro`, expected one of htpasswd, red5pro_plaintext"
        ),
        "{msg}"
    );
}

#[test]
fn an_unknown_key_is_a_parse_error_naming_it() {
    let msg = parse_error("htpasswd: users.htpasswd\ngroup: users.htgroup\n");
    assert!(
        msg.contains(
            "line 2 column 1: unknown field `group`, expected one of htpasswd, groups, format, danger_plaintext, reload_interval"
        ),
        "{msg}"
    );
}

#[test]
fn the_yaml_section_and_the_builder_agree() {
    let parsed: FileConfig = serde_saphyr::from_str(
        "htpasswd: users.htpasswd\ngroups: users.htgroup\nreload_interval: 5s\n",
    )
    .expect("parses");
    let built = FileConfig::new("users.htpasswd")
        .with_groups("users.htgroup")
        .with_reload_interval(Duration::from_secs(5));
    assert_eq!(parsed, built);
    assert_eq!(parsed.format, FileFormat::Htpasswd);
}

#[cfg(feature = "schemars")]
mod schema {
    use authbench_file::FileConfig;
    use serde_json::{Value, json};

    fn schema() -> Value {
        serde_json::to_value(schemars::schema_for!(FileConfig)).expect("schema is JSON")
    }

    #[test]
    fn the_schema_lists_the_formats() {
        let s = schema();
        assert_eq!(s["properties"]["format"]["$ref"], "#/$defs/FileFormat");
        assert_eq!(s["properties"]["format"]["default"], "htpasswd");
        let formats: Vec<&str> = s["$defs"]["FileFormat"]["oneOf"]
            .as_array()
            .map(|cases| cases.iter().filter_map(|c| c["const"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(formats, ["htpasswd", "red5pro_plaintext"]);
        assert_eq!(s["required"], json!(["htpasswd"]));
        assert_eq!(s["additionalProperties"], json!(false));
    }

    #[test]
    fn paths_and_durations_are_strings() {
        let p = &schema()["properties"];
        assert_eq!(p["htpasswd"]["type"], "string");
        assert_eq!(p["groups"]["type"], json!(["string", "null"]));
        assert_eq!(p["reload_interval"]["type"], json!(["string", "null"]));
    }
}
