//! JWT mode: decision latency per algorithm beside a raw `jsonwebtoken::decode` of the same token
//! in the same run, uncached and through the verified-token cache, plus one id per claim profile.
//!
//! * `jwt/reference/decode/{ALG}`: `jsonwebtoken::decode` into a typed claims struct with the
//!   library's default `Validation` for the algorithm (signature, `exp` with the system clock).
//! * `jwt/decision/{ALG}`: a full `JwtAuthenticator` decision (token extraction, header and
//!   `crit` checks, key selection, signature, claims, time / issuer / profile checks).
//! * `jwt/decision_cached/{ALG}`: the same with the verified-token cache on (a hit skips the
//!   signature and parsing; the checks still run).
//! * `jwt/decision/profile/{red5pro,mediamtx,generic}`: HS256 decisions per claim profile (the
//!   MediaMTX one matches a `~regex` path, compiled once, not per request).
//!
//! Keys come from the shared test key set (`authbench_testkit::keys`). Tokens are minted at start
//! with the system time so the reference's `exp` check passes; the authenticator gets a
//! `ManualClock` at the same second. With local keys a decision never waits, so it is driven by
//! polling its future once with a no-op waker: no runtime overhead is added to the decision's side
//! of the ratio.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, Identity, ManualClock, Role,
    StreamPath, Transport,
};
use authbench_jwt::{CacheConfig, JwtAuthenticator, JwtConfig, Profile, TokenMinter};
use authbench_testkit::keys;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// What a typical application decodes: the registered claims it checks plus Red5 Pro's own.
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawClaims {
    sub: String,
    exp: u64,
    iat: u64,
    nbf: u64,
    roles: Option<String>,
    #[serde(rename = "red5-room")]
    room: Option<String>,
    #[serde(rename = "red5-transport")]
    transport: Option<String>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Polls a future that completes without waiting (local keys); falls back to spinning.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// (algorithm, private key for minting, public key for verifying); HS* use `hs.secret`.
const ALGS: [(&str, &str, &str); 12] = [
    ("HS256", "", ""),
    ("HS384", "", ""),
    ("HS512", "", ""),
    ("RS256", "rsa.key.pem", "rsa.pub.pem"),
    ("RS384", "rsa.key.pem", "rsa.pub.pem"),
    ("RS512", "rsa.key.pem", "rsa.pub.pem"),
    ("PS256", "rsa.key.pem", "rsa.pub.pem"),
    ("PS384", "rsa.key.pem", "rsa.pub.pem"),
    ("PS512", "rsa.key.pem", "rsa.pub.pem"),
    ("ES256", "ec256.key.pem", "ec256.pub.pem"),
    ("ES384", "ec384.key.pem", "ec384.pub.pem"),
    ("EdDSA", "ed25519.key.pem", "ed25519.pub.pem"),
];

fn config(profile: Profile, alg: &str, private: &str, public: &str) -> JwtConfig {
    let mut cfg = JwtConfig::new(profile, &[alg.parse().expect("supported algorithm")]);
    if alg.starts_with("HS") {
        cfg.secret_file = Some("hs.secret".into());
    } else {
        cfg.public_keys = vec![public.into()];
        cfg.signing_key = Some(private.into());
    }
    cfg.issuers = vec!["https://idp.example.test".into()];
    cfg.max_ttl = Some(Duration::from_secs(3600));
    cfg
}

fn reference_key(alg: &str, public: &str) -> DecodingKey {
    let read = keys::read;
    match alg {
        a if a.starts_with("HS") => {
            DecodingKey::from_secret(read("hs.secret").trim_ascii()).expect("secret")
        }
        a if a.starts_with("RS") || a.starts_with("PS") => {
            DecodingKey::from_rsa_pem(&read(public)).expect("rsa")
        }
        a if a.starts_with("ES") => DecodingKey::from_ec_pem(&read(public)).expect("ec"),
        _ => DecodingKey::from_ed_pem(&read(public)).expect("ed"),
    }
}

fn alice() -> Identity {
    Identity {
        roles: vec![Role::Publisher],
        rooms: vec!["room1".into()],
        transports: vec![Transport::Rtmp, Transport::Whip],
        ..Identity::default()
    }
}

fn request(token: &str) -> AuthRequest {
    AuthRequest::new(
        Action::Publish,
        Transport::Whip,
        StreamPath::new("live/room1/cam1").expect("path"),
        Credentials::token(token),
    )
}

fn authenticator(cfg: &JwtConfig, now: u64) -> JwtAuthenticator {
    JwtAuthenticator::from_static_config(cfg, keys::dir(), Arc::new(ManualClock::at_secs(now)))
        .expect("authenticator")
}

fn algorithms(c: &mut Criterion) {
    let now = now_secs();
    for (alg, private, public) in ALGS {
        let cfg = config(Profile::Red5pro, alg, private, public);
        let minter = TokenMinter::from_config(&cfg, keys::dir()).expect("minter");
        let token = minter
            .mint("alice", &alice(), now, Duration::from_secs(3600))
            .expect("mint");
        let req = request(&token);

        let key = reference_key(alg, public);
        let validation = Validation::new(alg.parse::<Algorithm>().expect("alg"));
        assert!(
            jsonwebtoken::decode::<RawClaims>(&token, &key, &validation).is_ok(),
            "{alg} reference"
        );
        c.bench_function(&format!("jwt/reference/decode/{alg}"), |b| {
            b.iter(|| {
                jsonwebtoken::decode::<RawClaims>(black_box(&token), &key, &validation).is_ok()
            })
        });

        let uncached = authenticator(&cfg, now);
        assert!(
            run(uncached.authenticate(&req)).is_allow(),
            "{alg} decision"
        );
        c.bench_function(&format!("jwt/decision/{alg}"), |b| {
            b.iter(|| -> Decision { run(uncached.authenticate(black_box(&req))) })
        });

        let mut cached_cfg = cfg.clone();
        cached_cfg.cache = Some(CacheConfig { max_entries: 1024 });
        let cached = authenticator(&cached_cfg, now);
        assert!(
            run(cached.authenticate(&req)).is_allow(),
            "{alg} cached decision"
        );
        c.bench_function(&format!("jwt/decision_cached/{alg}"), |b| {
            b.iter(|| -> Decision { run(cached.authenticate(black_box(&req))) })
        });
    }
}

fn profiles(c: &mut Criterion) {
    let now = now_secs();
    for profile in [Profile::Red5pro, Profile::Mediamtx, Profile::Generic] {
        let cfg = config(profile, "HS256", "", "");
        let minter = TokenMinter::from_config(&cfg, keys::dir()).expect("minter");
        // MediaMTX: the room becomes a `~regex` path permission.
        let token = minter
            .mint("alice", &alice(), now, Duration::from_secs(3600))
            .expect("mint");
        let req = request(&token);
        let auth = authenticator(&cfg, now);
        assert!(run(auth.authenticate(&req)).is_allow(), "{profile:?}");
        c.bench_function(&format!("jwt/decision/profile/{}", profile.as_str()), |b| {
            b.iter(|| -> Decision { run(auth.authenticate(black_box(&req))) })
        });
    }
}

criterion_group!(benches, algorithms, profiles);
criterion_main!(benches);
