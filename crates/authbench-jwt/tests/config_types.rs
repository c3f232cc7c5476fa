//! The `jwt:` section as typed data: unknown names are parse errors at the line and column of the
//! value that list the allowed values, a config built in Rust equals the YAML that says the same,
//! and the JSON Schema (feature `schemars`) lists the same values.

use std::time::Duration;

use authbench_jwt::{Algorithm, CacheConfig, JwtConfig, Profile, ReplayConfig, TenantConfig};

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

fn parse(yaml: &str) -> JwtConfig {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"))
}

#[test]
fn default_is_a_section_with_only_algorithms() {
    let typed = JwtConfig {
        algorithms: vec![Algorithm::HS256],
        ..JwtConfig::default()
    };
    assert_eq!(typed, parse("algorithms: [HS256]\n"));
    assert_eq!(typed, JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256]));
    assert_eq!(typed.jwks_refresh, Duration::from_secs(300));
    assert!(typed.token_in_password);
}

#[test]
fn a_local_secret_section_with_tenants_is_plain_rust() {
    let typed = JwtConfig::new(Profile::Generic, &[Algorithm::HS384])
        .with_secret_file("jwt.secret")
        .with_audience("streaming")
        .with_max_ttl(Duration::from_secs(300))
        .with_replay(100_000)
        .with_issuer("https://idp.example.test")
        .with_issuer("https://acme.example.test")
        .with_tenant(
            "https://acme.example.test",
            TenantConfig::new(["acme-", "shared"]).with_name("acme"),
        );
    let yaml = "
profile: generic
algorithms: [HS384]
secret_file: jwt.secret
audiences: [streaming]
max_ttl: 5m
replay: {max_entries: 100000}
issuers: [https://idp.example.test, https://acme.example.test]
tenants:
  https://acme.example.test: {name: acme, rooms: [acme-, shared]}
";
    assert_eq!(typed, parse(yaml));
    assert_eq!(typed.replay, Some(ReplayConfig::new(100_000)));
    // And back: what the typed config serializes to reads as the same config.
    let json = serde_json::to_string(&typed).expect("serializes");
    let again: JwtConfig = serde_json::from_str(&json).expect("parses");
    assert_eq!(again, typed);
}

#[test]
fn an_oidc_discovery_section_is_plain_rust() {
    let typed = JwtConfig::new(Profile::Mediamtx, &[Algorithm::ES256])
        .with_oidc_discovery("http://127.0.0.1:8089/.well-known/openid-configuration")
        .with_audience("streaming");
    let mut with_cache = typed.clone();
    with_cache.cache = Some(CacheConfig::new(64));
    assert_eq!(
        typed,
        parse(
            "profile: mediamtx\nalgorithms: [ES256]\naudiences: [streaming]\n\
             oidc_discovery: http://127.0.0.1:8089/.well-known/openid-configuration\n"
        )
    );
    assert_eq!(
        with_cache,
        parse(
            "profile: mediamtx\nalgorithms: [ES256]\naudiences: [streaming]\n\
             oidc_discovery: http://127.0.0.1:8089/.well-known/openid-configuration\n\
             cache: {max_entries: 64}\n"
        )
    );
}

#[test]
fn with_tenant_replaces_the_tenant_of_the_same_key() {
    let cfg = JwtConfig::default()
        .with_tenant("https://a.example", TenantConfig::new(["a-"]))
        .with_tenant(
            "https://a.example",
            TenantConfig::new(["b-"]).with_name("b"),
        );
    assert_eq!(cfg.tenants.len(), 1);
    assert_eq!(
        cfg.tenants.get("https://a.example"),
        Some(&TenantConfig {
            name: Some("b".into()),
            rooms: vec!["b-".into()],
        })
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
