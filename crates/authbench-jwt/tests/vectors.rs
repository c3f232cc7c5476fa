//! One harness for every test vector in `tests/vectors/*.json` (tokens minted by PyJWT or by
//! hand, see `tests/vectors/README.md`). Each vector names a config in `tests/configs/` (its key
//! files come from `authbench_testkit::keys`), a time, a request and the expected decision; the
//! harness also checks that the vectors cover every reason code and every algorithm, so the suite
//! cannot silently shrink.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, ManualClock, StreamPath,
    Transport,
};
use authbench_jwt::{JwtAuthenticator, JwtConfig};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct File {
    #[allow(dead_code)]
    generator: String,
    vectors: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    config: String,
    token: Option<String>,
    via: String,
    at: u64,
    action: Action,
    transport: Transport,
    path: String,
    expect: String,
    #[serde(default)]
    replays: u32,
    #[serde(default)]
    principal: Option<String>,
    minted_by: String,
}

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn load_config(name: &str) -> JwtConfig {
    let path = dir("configs").join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_vectors() -> Vec<(String, Vector)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir("vectors"))
        .expect("vectors dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read vector file");
        let file: File =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        out.extend(file.vectors.into_iter().map(|v| (stem.clone(), v)));
    }
    out
}

fn credentials(v: &Vector) -> Credentials {
    match (v.via.as_str(), &v.token) {
        ("none", _) => Credentials::none(),
        ("token", Some(t)) => Credentials::token(t.as_str()),
        ("password", Some(t)) => Credentials::user_password("user", t.as_str()),
        (via, _) => panic!("{}: bad via `{via}` or missing token", v.name),
    }
}

fn outcome(d: &Decision) -> String {
    match d.reason() {
        None => "allow".to_owned(),
        Some(r) => r.code().to_owned(),
    }
}

#[tokio::test]
async fn every_vector_decides_as_expected() {
    let vectors = load_vectors();
    assert!(vectors.len() > 100, "only {} vectors found", vectors.len());
    // Configs name key files relative to the shared test key set, as a deployment config names
    // them relative to its own folder.
    let base = authbench_testkit::keys::dir();
    let mut failures = Vec::new();
    for (file, v) in &vectors {
        let cfg = load_config(&v.config);
        let clock = Arc::new(ManualClock::at_secs(v.at));
        let auth = JwtAuthenticator::from_config(&cfg, base, clock)
            .await
            .unwrap_or_else(|e| panic!("config {}: {e}", v.config));
        let path = StreamPath::new(&v.path).expect("vector path");
        let req = AuthRequest::new(v.action, v.transport, path, credentials(v));
        for i in 0..v.replays {
            let d = auth.authenticate(&req).await;
            if !d.is_allow() {
                failures.push(format!(
                    "{file}: {}: use {i} before the last: {}",
                    v.name,
                    outcome(&d)
                ));
            }
        }
        let d = auth.authenticate(&req).await;
        let got = outcome(&d);
        if got != v.expect {
            let detail = match &d {
                Decision::Deny(deny) => deny.detail.clone(),
                Decision::Allow(_) => String::new(),
            };
            failures.push(format!(
                "{file}: {} ({}): expected {}, got {got} ({detail})",
                v.name, v.minted_by, v.expect
            ));
        }
        if let (Some(p), Decision::Allow(a)) = (&v.principal, &d) {
            assert_eq!(&a.principal, p, "{}", v.name);
        }
        // Deny details never echo the token.
        if let (Decision::Deny(deny), Some(t)) = (&d, &v.token)
            && t.len() > 20
        {
            assert!(
                !deny.detail.contains(t.as_str()),
                "{}: token in detail",
                v.name
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_every_reason_and_algorithm() {
    let vectors = load_vectors();
    let expected: BTreeSet<&str> = vectors.iter().map(|(_, v)| v.expect.as_str()).collect();
    for reason in [
        "allow",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "algorithm_not_allowed",
        "unknown_key",
        "issuer_not_allowed",
        "audience_mismatch",
        "missing_claim",
        "ttl_too_long",
        "role_forbidden",
        "room_forbidden",
        "transport_forbidden",
        "tenant_mismatch",
        "token_replayed",
        "malformed_credentials",
        "missing_credentials",
    ] {
        assert!(expected.contains(reason), "no vector expects {reason}");
        if reason != "allow" {
            assert!(
                reason.parse::<DenyReason>().is_ok(),
                "{reason} is a core code"
            );
        }
    }
    let allowed_algs: BTreeSet<String> = vectors
        .iter()
        .filter(|(_, v)| v.expect == "allow")
        .filter_map(|(_, v)| v.token.as_deref())
        .filter_map(|t| jsonwebtoken::decode_header(t).ok())
        .map(|h| format!("{:?}", h.alg))
        .collect();
    for alg in [
        "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
        "ES384", "EdDSA",
    ] {
        assert!(allowed_algs.contains(alg), "no allowed vector for {alg}");
    }
    let mut names = BTreeSet::new();
    for (file, v) in &vectors {
        assert!(
            names.insert((file.clone(), v.name.clone())),
            "duplicate vector {}",
            v.name
        );
        assert!(
            !v.minted_by.contains("jsonwebtoken"),
            "{}: vectors are minted outside the crate",
            v.name
        );
    }
}
