//! The `jwt:` section as typed data: unknown names are parse errors at the line and column of the
//! value that list the allowed values, and the JSON Schema (feature `schemars`) lists the same
//! values.

use authbench_jwt::{Algorithm, JwtConfig, Profile};

fn parse_error(yaml: &str) -> String {
    match serde_saphyr::from_str::<JwtConfig>(yaml) {
        Ok(cfg) => panic!("{yaml:?} parsed as {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_unknown_profile_is_a_parse_error_naming_the_profiles() {
    let msg = parse_error("profile: red5\nalgorithms: [HS256]\n");
    assert!(
        msg.contains(
            "line 1 column 10: unknown variant `red5`, expected one of red5pro, mediamtx, generic"
        ),
        "{msg}"
    );
}

#[test]
fn an_unknown_algorithm_is_a_parse_error_naming_the_algorithms() {
    for (yaml, name) in [
        ("algorithms: [HS257]\n", "HS257"),
        // `none` is not an algorithm: an unsigned token cannot even be configured.
        ("algorithms: [none]\n", "none"),
        // Names are exact, as in a token header.
        ("algorithms: [hs256]\n", "hs256"),
    ] {
        let msg = parse_error(yaml);
        assert!(
            msg.contains(&format!(
                "line 1 column 14: unknown variant `{name}`, expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
            )),
            "{msg}"
        );
    }
}

#[test]
fn algorithms_parse_by_their_jose_names_in_order() {
    let cfg: JwtConfig =
        serde_saphyr::from_str("profile: mediamtx\nalgorithms: [EdDSA, HS256, PS512]\n")
            .expect("parses");
    assert_eq!(cfg.profile, Profile::Mediamtx);
    assert_eq!(
        cfg.algorithms,
        [Algorithm::EdDSA, Algorithm::HS256, Algorithm::PS512]
    );
    let json = serde_json::to_value(&cfg).expect("serializes");
    assert_eq!(
        json["algorithms"],
        serde_json::json!(["EdDSA", "HS256", "PS512"])
    );
}

#[cfg(feature = "schemars")]
mod schema {
    use authbench_jwt::JwtConfig;
    use serde_json::{Value, json};

    fn schema() -> Value {
        serde_json::to_value(schemars::schema_for!(JwtConfig)).expect("schema is JSON")
    }

    /// The `const` values of a `oneOf` of strings (how schemars writes a documented unit enum).
    fn one_of_consts(def: &Value) -> Vec<&str> {
        def["oneOf"]
            .as_array()
            .map(|cases| cases.iter().filter_map(|c| c["const"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_schema_lists_the_profiles_and_algorithms() {
        let s = schema();
        assert_eq!(s["properties"]["profile"]["$ref"], "#/$defs/Profile");
        assert_eq!(s["properties"]["profile"]["default"], "red5pro");
        assert_eq!(
            one_of_consts(&s["$defs"]["Profile"]),
            ["red5pro", "mediamtx", "generic"]
        );
        assert_eq!(
            s["properties"]["algorithms"]["items"]["$ref"],
            "#/$defs/Algorithm"
        );
        assert_eq!(
            one_of_consts(&s["$defs"]["Algorithm"]),
            [
                "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                "ES256", "ES384", "EdDSA"
            ]
        );
        assert_eq!(s["required"], json!(["algorithms"]));
        assert_eq!(s["additionalProperties"], json!(false));
    }

    #[test]
    fn durations_and_paths_are_strings_with_their_defaults() {
        let p = &schema()["properties"];
        assert_eq!(p["leeway"]["type"], "string");
        assert_eq!(p["leeway"]["default"], "0s");
        assert_eq!(p["jwks_refresh"]["default"], "5m");
        assert_eq!(p["jwks_min_refetch"]["default"], "30s");
        assert_eq!(p["jwks_timeout"]["default"], "5s");
        assert_eq!(p["max_ttl"]["type"], json!(["string", "null"]));
        assert_eq!(p["secret_file"]["type"], json!(["string", "null"]));
        assert_eq!(p["public_keys"]["items"]["type"], "string");
    }

    #[test]
    fn nested_sections_are_described_and_closed() {
        let defs = &schema()["$defs"];
        for name in ["ClaimNames", "TenantConfig", "ReplayConfig", "CacheConfig"] {
            assert_eq!(defs[name]["additionalProperties"], json!(false), "{name}");
        }
        assert_eq!(defs["TenantConfig"]["required"], json!(["rooms"]));
        assert_eq!(one_of_consts(&defs["TenantSource"]), ["issuer", "claim"]);
    }
}
