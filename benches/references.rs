//! The references every figure of a report is shown beside, measured in one run, and the null
//! authenticator (what the load harness itself costs per decision).
//!
//! * `reference/hmac_sha256/signing_input`: HMAC-SHA256 over an HS256 token's signing input
//!   (`header.payload`), nothing else: the floor under an HS256 decision.
//! * `reference/verify/{RS256,ES256,EdDSA}`: one signature verification of a real token
//!   (`jsonwebtoken::crypto::verify`), keys from the test key set (`authbench_testkit::keys`).
//! * `reference/jsonwebtoken_decode/HS256`: `jsonwebtoken::decode` into a small claims struct
//!   with the default validation: what jwt mode's decision is compared with (target ≤ 1.2×).
//! * `reference/loopback_post/healthz`: one HTTP/1.1 POST of a Red5 Pro round-trip body to the
//!   reference service's trivial `/healthz` handler over a kept-alive hyper connection: what a
//!   round-trip decision is compared with (target ≤ 1.3×).
//! * `reference/bcrypt_verify/cost5`: one `bcrypt::verify` at cost 5 (file mode's floor).
//! * `harness/null_authenticator` and `harness/jwt_hs256_decision`: one decision through the load
//!   harness (`authbench_load::engine::threads::timed_decision`: two clock reads, one poll, the
//!   verdict), with the null authenticator and with jwt mode's HS256 authenticator on the same
//!   generated workload. Their ratio is the harness overhead (target ≤ 5 %).
//!
//! The scenario-driven per-mode benches sit beside these under their own ids (`jwt/…`,
//! `roundtrip/…`, `file/…`); every id here starts with `reference/` or `harness/`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use authbench_authsvc::{AuthService, PATH_HEALTH, ServiceOptions};
use authbench_core::{Authenticator, Identities, Identity};
use authbench_load::engine::threads::timed_decision;
use authbench_load::targets::NullAuthenticator;
use authbench_load::workload::{self, Users};
use authbench_testkit::keys;
use aws_lc_rs::hmac;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
}

fn token(alg: Algorithm, key: &EncodingKey) -> String {
    let claims = Claims {
        sub: "alice".into(),
        exp: now() + 3600,
    };
    jsonwebtoken::encode(&Header::new(alg), &claims, key).expect("sign")
}

fn hmac_and_decode(c: &mut Criterion) {
    let secret = keys::read("hs.secret");
    let secret = secret.trim_ascii();
    let tok = token(
        Algorithm::HS256,
        &EncodingKey::from_secret(secret).expect("key"),
    );
    let (signing_input, _) = tok.rsplit_once('.').expect("three parts");
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    c.bench_function("reference/hmac_sha256/signing_input", |b| {
        b.iter(|| hmac::sign(&key, black_box(signing_input.as_bytes())))
    });
    let dkey = DecodingKey::from_secret(secret).expect("key");
    let validation = Validation::new(Algorithm::HS256);
    c.bench_function("reference/jsonwebtoken_decode/HS256", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Claims>(black_box(&tok), &dkey, &validation).expect("valid")
        })
    });
}

fn signature_verify(c: &mut Criterion) {
    let cases: [(&str, Algorithm, EncodingKey, DecodingKey); 3] = [
        (
            "RS256",
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(&keys::read("rsa.key.pem")).expect("rsa"),
            DecodingKey::from_rsa_pem(&keys::read("rsa.pub.pem")).expect("rsa"),
        ),
        (
            "ES256",
            Algorithm::ES256,
            EncodingKey::from_ec_pem(&keys::read("ec256.key.pem")).expect("ec"),
            DecodingKey::from_ec_pem(&keys::read("ec256.pub.pem")).expect("ec"),
        ),
        (
            "EdDSA",
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(&keys::read("ed25519.key.pem")).expect("ed"),
            DecodingKey::from_ed_pem(&keys::read("ed25519.pub.pem")).expect("ed"),
        ),
    ];
    for (name, alg, ekey, dkey) in cases {
        let tok = token(alg, &ekey);
        let (message, signature) = tok.rsplit_once('.').expect("three parts");
        assert!(
            jsonwebtoken::crypto::verify(signature, message.as_bytes(), &dkey, alg)
                .expect("verify")
        );
        c.bench_function(&format!("reference/verify/{name}"), |b| {
            b.iter(|| {
                jsonwebtoken::crypto::verify(black_box(signature), message.as_bytes(), &dkey, alg)
            })
        });
    }
}

fn bcrypt_verify(c: &mut Criterion) {
    let hash = bcrypt::hash("alice-password", workload::BCRYPT_COST).expect("hash");
    c.bench_function("reference/bcrypt_verify/cost5", |b| {
        b.iter(|| bcrypt::verify(black_box("alice-password"), &hash).expect("verify"))
    });
}

fn loopback_post(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut users = Identities::new();
    users.insert(
        "alice".into(),
        Identity {
            password: "alice-password".into(),
            ..Identity::default()
        },
    );
    let svc = AuthService::new(&users, ServiceOptions::default()).expect("service");
    let running = rt.block_on(svc.spawn_loopback()).expect("listen");
    let addr = running.local_addr();
    let body = Bytes::from_static(
        br#"{"type":"publisher","username":"alice","password":"alice-password","token":"","streamID":"cam1","scope":"live/room1"}"#,
    );
    let mut sender = rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(conn);
        sender
    });
    let host = addr.to_string();
    c.bench_function("reference/loopback_post/healthz", |b| {
        b.iter(|| {
            rt.block_on(async {
                sender.ready().await.expect("ready");
                let req = Request::post(PATH_HEALTH)
                    .header("host", &host)
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .expect("request");
                let resp = sender.send_request(req).await.expect("answer");
                assert_eq!(resp.status(), 200);
                resp.into_body().collect().await.expect("body")
            })
        })
    });
    drop(running);
}

fn harness(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let users = Users::generate(64);
    let jwt = workload::jwt(&users, dir.path()).expect("jwt fixture");
    let null: Arc<dyn Authenticator> = Arc::new(NullAuthenticator);
    let handle = rt.handle().clone();
    let _guard = handle.enter();
    let mut i = 0u64;
    c.bench_function("harness/null_authenticator", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            timed_decision(&handle, null.as_ref(), &jwt.workload, black_box(i))
        })
    });
    // Only the allowed requests, so the decision measured is a full one (signature and claims).
    let allowed = jwt.workload.filtered(|c| c.name == "valid publish");
    c.bench_function("harness/jwt_hs256_decision", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            timed_decision(&handle, jwt.auth.as_ref(), &allowed, black_box(i))
        })
    });
}

criterion_group!(
    benches,
    hmac_and_decode,
    signature_verify,
    bcrypt_verify,
    loopback_post,
    harness
);
criterion_main!(benches);
