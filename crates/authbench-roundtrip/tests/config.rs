//! The `roundtrip:` config section as YAML, and its validation.

mod common;

use std::path::Path;
use std::time::Duration;

use authbench_roundtrip::{
    Protocol, RoundTripAuthenticator, RoundTripConfig, RoundTripConfigError,
};
use common::clock;

fn parse(yaml: &str) -> Result<RoundTripConfig, String> {
    serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
}

#[test]
fn every_key_parses() {
    let cfg = parse(
        "url: http://127.0.0.1:8089/validateCredentials\n\
         protocol: red5pro\n\
         timeout: 9s\n\
         retries: 2\n\
         cache_ttl: 30s\n\
         cache_max_entries: 500\n\
         ca_file: certs/ca.pem\n\
         invalidate_url: http://127.0.0.1:8089/invalidateCredentials\n\
         danger_lazy_auth: true\n",
    )
    .expect("valid");
    assert_eq!(cfg.protocol, Protocol::Red5pro);
    assert_eq!(cfg.timeout, Some(Duration::from_secs(9)));
    assert_eq!(cfg.retries, 2);
    assert_eq!(cfg.cache_ttl, Some(Duration::from_secs(30)));
    assert_eq!(cfg.cache_max_entries, Some(500));
    assert_eq!(cfg.ca_file.as_deref(), Some(Path::new("certs/ca.pem")));
    assert!(cfg.danger_lazy_auth);
    let minimal = parse("url: http://h/mediamtx/auth\nprotocol: mediamtx\n").expect("valid");
    assert_eq!(
        (minimal.timeout, minimal.retries, minimal.cache_ttl),
        (None, 0, None)
    );
}

#[test]
fn unknown_keys_and_values_are_refused() {
    let err =
        parse("url: http://h/x\nprotocol: red5pro\ntimeout_ms: 5\n").expect_err("unknown key");
    assert!(err.contains("timeout_ms"), "{err}");
    let err = parse("url: http://h/x\nprotocol: wowza\n").expect_err("unknown protocol");
    assert!(err.contains("wowza"), "{err}");
    let err = parse("url: http://h/x\nprotocol: red5pro\ntimeout: 2 seconds\n")
        .expect_err("bad duration");
    assert!(err.contains("2 seconds"), "{err}");
}

#[test]
fn inconsistent_configs_are_refused_with_the_key_named() {
    let build =
        |cfg: &RoundTripConfig| RoundTripAuthenticator::from_config(cfg, Path::new("."), clock());
    let base = RoundTripConfig::new("http://127.0.0.1:1/mediamtx/auth", Protocol::Mediamtx);
    let cases: Vec<(RoundTripConfig, &str)> = vec![
        (
            RoundTripConfig {
                danger_lazy_auth: true,
                ..base.clone()
            },
            "roundtrip.danger_lazy_auth",
        ),
        (
            RoundTripConfig {
                invalidate_url: Some("http://h/i".into()),
                ..base.clone()
            },
            "roundtrip.invalidate_url",
        ),
        (
            RoundTripConfig {
                retries: 9,
                ..base.clone()
            },
            "roundtrip.retries",
        ),
        (
            RoundTripConfig {
                timeout: Some(Duration::ZERO),
                ..base.clone()
            },
            "roundtrip.timeout",
        ),
        (
            RoundTripConfig {
                cache_max_entries: Some(10),
                ..base.clone()
            },
            "roundtrip.cache_max_entries",
        ),
        (
            RoundTripConfig {
                cache_ttl: Some(Duration::from_secs(1)),
                cache_max_entries: Some(0),
                ..base.clone()
            },
            "roundtrip.cache_max_entries",
        ),
        (
            RoundTripConfig {
                url: "unix:///tmp/sock".into(),
                ..base.clone()
            },
            "roundtrip.url",
        ),
        (
            RoundTripConfig {
                url: "127.0.0.1:8089/x".into(),
                ..base.clone()
            },
            "roundtrip.url",
        ),
    ];
    for (cfg, key) in cases {
        let err = build(&cfg).expect_err(key);
        assert!(err.to_string().starts_with(key), "{err}");
    }
    let err = build(&RoundTripConfig {
        url: "http://u:s3cret@".into(),
        ..base.clone()
    })
    .expect_err("no host");
    assert!(matches!(err, RoundTripConfigError::UrlParse { .. }));
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(build(&base).is_ok());
}

#[test]
fn debug_does_not_show_the_password_in_a_url() {
    let cfg = parse(
        "url: http://svc:hunter2@127.0.0.1:8089/validateCredentials\n\
         protocol: red5pro\n\
         invalidate_url: https://svc:s3cr3t@auth.test/invalidateCredentials\n",
    )
    .expect("valid");
    let shown = format!("{cfg:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(
        shown.contains("127.0.0.1:8089/validateCredentials"),
        "{shown}"
    );
    assert!(shown.contains("auth.test/invalidateCredentials"), "{shown}");
}

#[test]
fn a_protocol_typo_lists_the_allowed_values_with_its_place() {
    let err = parse("url: http://h/x\nprotocol: red5\n").expect_err("typo");
    assert!(
        err.starts_with(
            "error: line 2 column 11: unknown variant `red5`, expected one of red5pro, mediamtx"
        ),
        "{err}"
    );
}

#[cfg(feature = "schemars")]
#[test]
fn the_json_schema_describes_the_yaml() {
    let schema = schemars::schema_for!(RoundTripConfig);
    let v = schema.as_value();
    let props = &v["properties"];
    assert_eq!(v["additionalProperties"], serde_json::json!(false), "{v:#}");
    let mut required: Vec<&str> = v["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["protocol", "url"]);
    // Durations are written as text (`2s`), not as a {secs, nanos} struct.
    for key in ["timeout", "cache_ttl"] {
        assert_eq!(
            props[key]["type"],
            serde_json::json!(["string", "null"]),
            "{key}: {v:#}"
        );
    }
    // Header values are strings by the time the section is read.
    assert_eq!(
        props["headers"]["additionalProperties"]["type"], "string",
        "{v:#}"
    );
    let protocol = &v["$defs"]["Protocol"];
    let mut names: Vec<&str> = protocol["oneOf"]
        .as_array()
        .map(|variants| {
            variants
                .iter()
                .filter_map(|p| p["const"].as_str().or_else(|| p["enum"][0].as_str()))
                .collect()
        })
        .or_else(|| {
            protocol["enum"]
                .as_array()
                .map(|e| e.iter().filter_map(|p| p.as_str()).collect())
        })
        .unwrap_or_default();
    names.sort_unstable();
    // Every protocol, as the YAML spells it; the match fails to compile when one is added.
    let every = [
        Protocol::Red5pro,
        Protocol::Mediamtx,
        Protocol::NginxRtmp,
        Protocol::Srs,
    ];
    for p in every {
        match p {
            Protocol::Red5pro | Protocol::Mediamtx | Protocol::NginxRtmp | Protocol::Srs => {}
        }
    }
    let mut expected = every.map(Protocol::as_str);
    expected.sort_unstable();
    assert_eq!(names, expected, "{protocol:#}");
}
