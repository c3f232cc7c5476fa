//! Behaviour beyond single vectors: one-time tokens filling the replay cache, the verified-token
//! cache under a moving clock, minting round trips for every profile and algorithm, config
//! errors, capabilities, and secrets staying out of messages.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Capability, Credentials, Decision, DenyReason, Identity,
    ManualClock, Role, StreamPath, Transport,
};
use authbench_jwt::{
    Algorithm, CacheConfig, JwtAuthenticator, JwtConfig, JwtConfigError, MAX_TOKEN_LEN, Profile,
    ReplayConfig, TenantConfig, TenantSource, TokenMinter, claims_for,
};
use serde_json::json;

const T0: u64 = 1_700_000_000;

/// The test key set: configs name key files relative to it.
fn keys() -> &'static Path {
    authbench_testkit::keys::dir()
}

fn hs_config(profile: Profile) -> JwtConfig {
    let mut cfg = JwtConfig::new(profile, &[Algorithm::HS256]);
    cfg.secret_file = Some("hs.secret".into());
    cfg
}

fn auth(cfg: &JwtConfig, clock: &Arc<ManualClock>) -> JwtAuthenticator {
    JwtAuthenticator::from_static_config(cfg, keys(), clock.clone()).expect("authenticator")
}

fn req(action: Action, transport: Transport, path: &str, token: &str) -> AuthRequest {
    AuthRequest::new(
        action,
        transport,
        StreamPath::new(path).expect("path"),
        Credentials::token(token),
    )
}

async fn decide(
    a: &JwtAuthenticator,
    action: Action,
    transport: Transport,
    path: &str,
    token: &str,
) -> Decision {
    a.authenticate(&req(action, transport, path, token)).await
}

fn identity(
    roles: &[Role],
    rooms: &[&str],
    transports: &[Transport],
    tenant: Option<&str>,
) -> Identity {
    Identity {
        roles: roles.to_vec(),
        rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
        transports: transports.to_vec(),
        tenant: tenant.map(str::to_owned),
        ..Identity::default()
    }
}

#[tokio::test]
async fn replay_cache_full_fails_closed_until_entries_expire() {
    let mut cfg = hs_config(Profile::Red5pro);
    cfg.replay = Some(ReplayConfig { max_entries: 2 });
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&cfg, &clock);
    assert!(a.capabilities().supports(Capability::OneTimeUse));
    let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
    let who = Identity::default();
    let short = Duration::from_secs(60);
    let t1 = m.mint("a", &who, T0, short).expect("mint");
    let t2 = m.mint("b", &who, T0, short).expect("mint");
    let t3 = m
        .mint("c", &who, T0, Duration::from_secs(600))
        .expect("mint");
    let p = "live/room1/cam1";
    assert!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t1)
            .await
            .is_allow()
    );
    assert!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t2)
            .await
            .is_allow()
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t1)
            .await
            .reason(),
        Some(DenyReason::TokenReplayed)
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t3)
            .await
            .reason(),
        Some(DenyReason::ReplayCacheFull)
    );
    // A denied request does not consume the token: t3 works once room is made.
    clock.advance(short);
    assert!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t3)
            .await
            .is_allow()
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t3)
            .await
            .reason(),
        Some(DenyReason::TokenReplayed)
    );
    // An expired one-time token is expired, not replayed.
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, p, &t1)
            .await
            .reason(),
        Some(DenyReason::Expired)
    );
}

#[tokio::test]
async fn verified_cache_hits_still_check_time_and_the_request() {
    let mut cfg = hs_config(Profile::Red5pro);
    cfg.cache = Some(CacheConfig { max_entries: 2 });
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&cfg, &clock);
    let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
    let pub_room1 = identity(&[Role::Publisher], &["room1"], &[Transport::Rtmp], None);
    let t = m
        .mint("alice", &pub_room1, T0, Duration::from_secs(120))
        .expect("mint");
    assert!(
        decide(&a, Action::Publish, Transport::Rtmp, "live/room1/cam", &t)
            .await
            .is_allow()
    );
    assert_eq!(a.cached_tokens(), 1);
    // Same cached token, different requests: the claims are still applied.
    assert_eq!(
        decide(&a, Action::Subscribe, Transport::Rtmp, "live/room1/cam", &t)
            .await
            .reason(),
        Some(DenyReason::RoleForbidden)
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, "live/room2/cam", &t)
            .await
            .reason(),
        Some(DenyReason::RoomForbidden)
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Whip, "live/room1/cam", &t)
            .await
            .reason(),
        Some(DenyReason::TransportForbidden)
    );
    assert_eq!(a.cached_tokens(), 1);
    // And the clock: the cached token expires on time.
    clock.advance(Duration::from_secs(120));
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, "live/room1/cam", &t)
            .await
            .reason(),
        Some(DenyReason::Expired)
    );
    // Bounded: more tokens than slots never grows it past the bound.
    for i in 0..5 {
        let t = m
            .mint(
                &format!("u{i}"),
                &Identity::default(),
                T0 + 120,
                Duration::from_secs(60),
            )
            .expect("mint");
        assert!(
            decide(&a, Action::Publish, Transport::Rtmp, "live/room1/cam", &t)
                .await
                .is_allow()
        );
    }
    assert_eq!(a.cached_tokens(), 2);
    // A tampered token never matches a cached one.
    let (signed, sig) = t.rsplit_once('.').expect("three parts");
    let flipped = if sig.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{signed}.{flipped}{}", &sig[1..]);
    let d = decide(
        &a,
        Action::Publish,
        Transport::Rtmp,
        "live/room1/cam",
        &forged,
    )
    .await;
    assert!(
        matches!(
            d.reason(),
            Some(DenyReason::BadSignature | DenyReason::MalformedCredentials)
        ),
        "{d:?}"
    );
}

#[tokio::test]
async fn minted_tokens_round_trip_in_every_profile() {
    let alice = identity(
        &[Role::Publisher],
        &["room1"],
        &[Transport::Rtmp, Transport::Whip],
        Some("acme"),
    );
    let anyone = Identity::default();
    for profile in [Profile::Red5pro, Profile::Mediamtx, Profile::Generic] {
        let cfg = hs_config(profile);
        let clock = Arc::new(ManualClock::at_secs(T0 + 5));
        let a = auth(&cfg, &clock);
        let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
        let t = m
            .mint("alice", &alice, T0, Duration::from_secs(300))
            .expect("mint");
        let ok = decide(&a, Action::Publish, Transport::Rtmp, "live/room1/cam1", &t).await;
        assert!(ok.is_allow(), "{profile:?}: {ok:?}");
        assert_eq!(ok.principal(), Some("alice"));
        assert_eq!(
            decide(
                &a,
                Action::Subscribe,
                Transport::Rtmp,
                "live/room1/cam1",
                &t
            )
            .await
            .reason(),
            Some(DenyReason::RoleForbidden),
            "{profile:?}"
        );
        assert_eq!(
            decide(&a, Action::Publish, Transport::Rtmp, "live/room2/cam1", &t)
                .await
                .reason(),
            Some(DenyReason::RoomForbidden),
            "{profile:?}"
        );
        let rtsp = decide(&a, Action::Publish, Transport::Rtsp, "live/room1/cam1", &t).await;
        if profile == Profile::Mediamtx {
            assert!(rtsp.is_allow(), "MediaMTX cannot restrict transports");
            assert!(!a.capabilities().supports(Capability::Transports));
        } else {
            assert_eq!(
                rtsp.reason(),
                Some(DenyReason::TransportForbidden),
                "{profile:?}"
            );
            assert!(a.capabilities().supports(Capability::Transports));
        }
        let t = m
            .mint("root", &anyone, T0, Duration::from_secs(300))
            .expect("mint");
        for action in [Action::Publish, Action::Subscribe] {
            let d = decide(&a, action, Transport::Srt, "live/any/where", &t).await;
            assert!(d.is_allow(), "{profile:?} {action}: {d:?}");
        }
        assert_eq!(a.mode(), "jwt");
        assert!(!a.capabilities().supports(Capability::Revocation));
        assert!(!a.capabilities().supports(Capability::PasswordChange));
    }
}

#[tokio::test]
async fn minted_tokens_round_trip_with_every_asymmetric_algorithm() {
    for (alg, private, public) in [
        ("RS256", "rsa.key.pem", "rsa.pub.pem"),
        ("RS384", "rsa.key.pem", "rsa.pub.pem"),
        ("RS512", "rsa.key.pem", "rsa.pub.pem"),
        ("PS256", "rsa.key.pem", "rsa.pub.pem"),
        ("PS384", "rsa.key.pem", "rsa.pub.pem"),
        ("PS512", "rsa.key.pem", "rsa.pub.pem"),
        ("ES256", "ec256.key.pem", "ec256.pub.pem"),
        ("ES384", "ec384.key.pem", "ec384.pub.pem"),
        ("EdDSA", "ed25519.key.pem", "ed25519.pub.pem"),
    ] {
        let mut cfg = JwtConfig::new(Profile::Red5pro, &[alg.parse().expect("supported")]);
        cfg.public_keys = vec![public.into()];
        cfg.signing_key = Some(private.into());
        let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
        assert_eq!(format!("{:?}", m.algorithm()), alg);
        let t = m
            .mint("alice", &Identity::default(), T0, Duration::from_secs(60))
            .expect("mint");
        let a = auth(&cfg, &Arc::new(ManualClock::at_secs(T0)));
        let d = decide(&a, Action::Publish, Transport::Whip, "live/r/c", &t).await;
        assert!(d.is_allow(), "{alg}: {d:?}");
    }
    // ES256 allowed but only a P-384 signing key: no algorithm fits.
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::ES256]);
    cfg.signing_key = Some("ec384.key.pem".into());
    assert!(TokenMinter::from_config(&cfg, keys()).is_err());
}

#[test]
fn claims_for_follows_each_profile() {
    let who = identity(
        &[Role::Publisher, Role::Subscriber],
        &["room1", "room2"],
        &[Transport::Rtmp, Transport::Whip],
        Some("acme"),
    );
    let mut cfg = hs_config(Profile::Red5pro);
    cfg.issuers = vec!["https://default.example".into()];
    cfg.audiences = vec!["streaming".into()];
    cfg.tenants.insert(
        "https://acme.example".into(),
        TenantConfig {
            name: Some("acme".into()),
            rooms: vec!["room".into()],
        },
    );
    let c = claims_for(&cfg, "alice", &who, 100, 400);
    assert_eq!(
        c,
        json!({"sub": "alice", "iss": "https://acme.example", "aud": "streaming", "iat": 100, "nbf": 100,
               "exp": 400, "roles": "red5-publisher,red5-subscriber", "red5-room": "room1,room2",
               "red5-transport": "RTMP,WHIP"})
    );
    let mut g = hs_config(Profile::Generic);
    g.claims.rooms = Some("allowed".into());
    let c = claims_for(&g, "alice", &who, 100, 400);
    assert_eq!(c["roles"], json!(["publisher", "subscriber"]));
    assert_eq!(c["allowed"], json!(["room1", "room2"]));
    assert_eq!(c["transports"], json!(["rtmp", "whip"]));
    assert_eq!(c["tenant"], json!("acme"));
    let mm = hs_config(Profile::Mediamtx);
    let c = claims_for(
        &mm,
        "alice",
        &identity(&[Role::Subscriber], &["r.1"], &[], None),
        100,
        400,
    );
    assert_eq!(
        c["mediamtx_permissions"],
        json!([{"action": "read", "path": "~^[^/]+/r\\.1/[^/]+$"}])
    );
    let c = claims_for(&mm, "alice", &Identity::default(), 100, 400);
    assert_eq!(
        c["mediamtx_permissions"],
        json!([{"action": "publish", "path": ""}, {"action": "read", "path": ""}])
    );
    assert!(c.get("iss").is_none() && c.get("jti").is_none());
}

#[tokio::test]
async fn tenant_tokens_minted_per_issuer_stay_in_their_rooms() {
    let mut cfg = hs_config(Profile::Red5pro);
    cfg.issuers = vec!["https://a.example".into(), "https://b.example".into()];
    cfg.tenants.insert(
        "https://a.example".into(),
        TenantConfig {
            name: Some("acme".into()),
            rooms: vec!["acme-".into()],
        },
    );
    cfg.tenants.insert(
        "https://b.example".into(),
        TenantConfig {
            name: Some("globex".into()),
            rooms: vec!["globex-".into()],
        },
    );
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&cfg, &clock);
    assert!(a.capabilities().supports(Capability::Tenants));
    let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
    let acme = m
        .mint(
            "w",
            &identity(&[], &[], &[], Some("acme")),
            T0,
            Duration::from_secs(60),
        )
        .expect("mint");
    let globex = m
        .mint(
            "e",
            &identity(&[], &[], &[], Some("globex")),
            T0,
            Duration::from_secs(60),
        )
        .expect("mint");
    assert!(
        decide(
            &a,
            Action::Publish,
            Transport::Rtmp,
            "live/acme-1/cam",
            &acme
        )
        .await
        .is_allow()
    );
    assert!(
        decide(
            &a,
            Action::Publish,
            Transport::Rtmp,
            "live/globex-1/cam",
            &globex
        )
        .await
        .is_allow()
    );
    assert_eq!(
        decide(
            &a,
            Action::Publish,
            Transport::Rtmp,
            "live/globex-1/cam",
            &acme
        )
        .await
        .reason(),
        Some(DenyReason::TenantMismatch)
    );
    assert_eq!(
        decide(
            &a,
            Action::Subscribe,
            Transport::Rtmp,
            "live/acme-1/cam",
            &globex
        )
        .await
        .reason(),
        Some(DenyReason::TenantMismatch)
    );

    let mut by_claim = hs_config(Profile::Red5pro);
    by_claim.tenant_from = TenantSource::Claim;
    by_claim.tenants.insert(
        "acme".into(),
        TenantConfig {
            name: None,
            rooms: vec!["acme-".into()],
        },
    );
    let a = auth(&by_claim, &clock);
    let m = TokenMinter::from_config(&by_claim, keys()).expect("minter");
    let t = m
        .mint(
            "w",
            &identity(&[], &[], &[], Some("acme")),
            T0,
            Duration::from_secs(60),
        )
        .expect("mint");
    assert!(
        decide(&a, Action::Publish, Transport::Rtmp, "live/acme-9/cam", &t)
            .await
            .is_allow()
    );
    assert_eq!(
        decide(&a, Action::Publish, Transport::Rtmp, "live/other/cam", &t)
            .await
            .reason(),
        Some(DenyReason::TenantMismatch)
    );
}

/// The tenant rule is the reference service's (`authbench_core::tenant::room_belongs_to`): a
/// tenant's prefix must be followed by the end of the room or a separator.
#[tokio::test]
async fn a_tenant_prefix_needs_a_separator_after_it() {
    let mut cfg = hs_config(Profile::Red5pro);
    cfg.tenant_from = TenantSource::Claim;
    cfg.tenants.insert(
        "acme".into(),
        TenantConfig {
            name: None,
            rooms: vec!["acme".into()],
        },
    );
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&cfg, &clock);
    let t = TokenMinter::from_config(&cfg, keys())
        .expect("minter")
        .mint(
            "w",
            &identity(&[], &[], &[], Some("acme")),
            T0,
            Duration::from_secs(60),
        )
        .expect("mint");
    let on = |path: &'static str| decide(&a, Action::Publish, Transport::Rtmp, path, &t);
    assert_eq!(
        on("live/acmeevil/cam1").await.reason(),
        Some(DenyReason::TenantMismatch)
    );
    for path in ["live/acme-1/cam1", "live/acme/cam1", "live/acme/a/cam1"] {
        let d = on(path).await;
        assert!(d.is_allow(), "{path}: {d:?}");
    }

    // An empty prefix owns no room under that rule: refused when the config is read, rather
    // than denying every request of the tenant.
    cfg.tenants.insert(
        "globex".into(),
        TenantConfig {
            name: None,
            rooms: vec![String::new()],
        },
    );
    assert!(matches!(
        err(&cfg),
        JwtConfigError::Invalid { key: "tenants", .. }
    ));
}

#[tokio::test]
async fn token_sources() {
    let cfg = hs_config(Profile::Red5pro);
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&cfg, &clock);
    let m = TokenMinter::from_config(&cfg, keys()).expect("minter");
    let t = m
        .mint("alice", &Identity::default(), T0, Duration::from_secs(60))
        .expect("mint");
    let path = StreamPath::new("live/r/c").expect("path");
    let both = Credentials {
        username: Some("u".into()),
        password: Some("not-a-jwt".into()),
        token: Some(t.as_str().into()),
    };
    assert!(
        a.authenticate(&AuthRequest::new(
            Action::Publish,
            Transport::Rtsp,
            path.clone(),
            both
        ))
        .await
        .is_allow()
    );
    let srt = Credentials::user_password("user", t.as_str());
    assert!(
        a.authenticate(&AuthRequest::new(
            Action::Publish,
            Transport::Srt,
            path.clone(),
            srt.clone()
        ))
        .await
        .is_allow()
    );
    let empty = Credentials::token("");
    assert_eq!(
        a.authenticate(&AuthRequest::new(
            Action::Publish,
            Transport::Srt,
            path.clone(),
            empty
        ))
        .await
        .reason(),
        Some(DenyReason::MissingCredentials)
    );
    let mut off = cfg.clone();
    off.token_in_password = false;
    let a = auth(&off, &clock);
    assert_eq!(
        a.authenticate(&AuthRequest::new(
            Action::Publish,
            Transport::Srt,
            path,
            srt
        ))
        .await
        .reason(),
        Some(DenyReason::MissingCredentials)
    );
}

fn err(cfg: &JwtConfig) -> JwtConfigError {
    JwtAuthenticator::from_static_config(cfg, keys(), Arc::new(ManualClock::at_secs(T0)))
        .expect_err("config error")
}

#[test]
fn config_errors_are_precise_and_secret_free() {
    let secret = authbench_testkit::keys::read_to_string("hs.secret");
    let short = authbench_testkit::keys::read_to_string("short.secret");

    let mut c = hs_config(Profile::Red5pro);
    c.secret_file = Some("short.secret".into());
    let e = err(&c);
    assert!(
        matches!(e, JwtConfigError::WeakSecret { len: 16, .. }),
        "{e}"
    );
    assert!(
        !e.to_string().contains(&short) && e.to_string().contains("short.secret"),
        "{e}"
    );

    let mut c = hs_config(Profile::Red5pro);
    c.secret_env = Some("AUTHBENCH_JWT_TEST_UNSET_VARIABLE".into());
    assert!(matches!(
        err(&c),
        JwtConfigError::Conflict("secret_file", "secret_env")
    ));
    c.secret_file = None;
    assert!(matches!(err(&c), JwtConfigError::SecretEnvMissing(_)));

    let mut c = hs_config(Profile::Red5pro);
    c.algorithms.clear();
    assert!(matches!(err(&c), JwtConfigError::NoAlgorithms));

    let mut c = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256, Algorithm::RS256]);
    c.public_keys = vec!["rsa.pub.pem".into()];
    assert!(
        matches!(err(&c), JwtConfigError::AlgorithmWithoutKey { .. }),
        "HS256 with no secret"
    );
    c.algorithms = vec![Algorithm::ES384];
    c.public_keys = vec!["ec256.pub.pem".into()];
    assert!(
        matches!(err(&c), JwtConfigError::AlgorithmWithoutKey { .. }),
        "P-256 key cannot do ES384"
    );

    let mut c = JwtConfig::new(Profile::Red5pro, &[Algorithm::RS256]);
    c.public_keys = vec!["rsa.key.pem".into()];
    let e = err(&c);
    assert!(
        matches!(
            e,
            JwtConfigError::BadKey {
                key: "public_keys",
                ..
            }
        ),
        "{e}"
    );
    let private = authbench_testkit::keys::read_to_string("rsa.key.pem");
    let body_line = private.lines().nth(1).expect("pem body");
    assert!(!e.to_string().contains(body_line));
    c.public_keys = vec!["missing.pem".into()];
    assert!(matches!(
        err(&c),
        JwtConfigError::Read {
            key: "public_keys",
            ..
        }
    ));
    c.public_keys.clear();
    assert!(matches!(err(&c), JwtConfigError::NoKeySource));

    let mut c = JwtConfig::new(Profile::Red5pro, &[Algorithm::RS256]);
    c.jwks_url = Some("ftp://example.test/jwks".into());
    assert!(matches!(err(&c), JwtConfigError::RemoteNeedsAsync));

    let mut c = hs_config(Profile::Red5pro);
    c.claims.permissions = Some("perms".into());
    assert!(matches!(
        err(&c),
        JwtConfigError::Invalid { key: "claims", .. }
    ));
    let mut c = hs_config(Profile::Generic);
    c.claims.roles = Some("exp".into());
    assert!(matches!(
        err(&c),
        JwtConfigError::Invalid { key: "claims", .. }
    ));
    c.claims.roles = Some("rooms".into());
    assert!(
        matches!(err(&c), JwtConfigError::Invalid { key: "claims", .. }),
        "two claims, one name"
    );
    let mut c = hs_config(Profile::Red5pro);
    c.replay = Some(ReplayConfig { max_entries: 0 });
    assert!(matches!(
        err(&c),
        JwtConfigError::Invalid {
            key: "replay.max_entries",
            ..
        }
    ));
    let mut c = hs_config(Profile::Red5pro);
    c.tenants.insert(
        "x".into(),
        TenantConfig {
            name: None,
            rooms: vec![],
        },
    );
    assert!(matches!(
        err(&c),
        JwtConfigError::Invalid { key: "tenants", .. }
    ));

    // Nothing secret in Debug either.
    let a = JwtAuthenticator::from_static_config(
        &hs_config(Profile::Red5pro),
        keys(),
        Arc::new(ManualClock::at_secs(T0)),
    )
    .expect("auth");
    assert!(!format!("{a:?}").contains(secret.trim()));
    let m = TokenMinter::from_config(&hs_config(Profile::Red5pro), keys()).expect("minter");
    assert!(!format!("{m:?}").contains(secret.trim()));
}

#[tokio::test]
async fn remote_config_errors() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut c = JwtConfig::new(Profile::Red5pro, &[Algorithm::RS256]);
    c.jwks_url = Some("ftp://example.test/jwks".into());
    let e = JwtAuthenticator::from_config(&c, keys(), clock.clone())
        .await
        .expect_err("bad url");
    assert!(matches!(
        e,
        JwtConfigError::BadUrl {
            key: "jwks_url",
            ..
        }
    ));
    c.jwks_url = Some("http://127.0.0.1:9/jwks".into());
    c.oidc_discovery = Some("http://127.0.0.1:9".into());
    let e = JwtAuthenticator::from_config(&c, keys(), clock)
        .await
        .expect_err("conflict");
    assert!(matches!(
        e,
        JwtConfigError::Conflict("jwks_url", "oidc_discovery")
    ));
}

#[test]
fn yaml_section_from_the_design_parses() {
    let yaml = "
profile: red5pro
algorithms: [HS256]
secret_file: hs.secret
public_keys: [rsa.pub.pem]
jwks_file: jwks.json
issuers: [https://idp.example.test]
audiences: [streaming]
leeway: 0s
max_ttl: 5m
replay: {max_entries: 1000}
cache: {max_entries: 1000}
jwks_refresh: 10m
jwks_min_refetch: 1m
jwks_timeout: 2s
tenants: {\"https://a.example\": {rooms: [acme-]}}
";
    let cfg: JwtConfig = serde_saphyr::from_str(yaml).expect("parses");
    assert_eq!(cfg.max_ttl, Some(Duration::from_secs(300)));
    assert_eq!(cfg.jwks_min_refetch, Duration::from_secs(60));
    assert!(cfg.exp_required());
    let a = JwtAuthenticator::from_static_config(&cfg, keys(), Arc::new(ManualClock::at_secs(T0)))
        .expect("valid against the test keys");
    assert!(a.capabilities().supports(Capability::OneTimeUse));
    let typo = "profile: red5pro\nalgorithm: [HS256]\n";
    assert!(
        serde_saphyr::from_str::<JwtConfig>(typo).is_err(),
        "unknown keys are refused"
    );
    let bad = "algorithms: [HS256]\nprofile: keycloak\n";
    assert!(serde_saphyr::from_str::<JwtConfig>(bad).is_err());
}

/// base64url without padding, for hand-made tokens.
fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An HS256 signature with the test secret (`hs.secret`, trimmed, as the config reads it),
/// computed with aws-lc-rs directly rather than the crate under test.
fn hs256(signing_input: &str) -> String {
    let secret = authbench_testkit::keys::read_to_string("hs.secret");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.trim().as_bytes());
    b64url(aws_lc_rs::hmac::sign(&key, signing_input.as_bytes()).as_ref())
}

/// `header.payload.signature` with a correct HS256 signature over the raw JSON texts given
/// (duplicate members and odd numbers survive, as they would not through a JSON library).
fn signed(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes())
    );
    let sig = hs256(&input);
    format!("{input}.{sig}")
}

async fn reason_for(token: &str) -> Option<DenyReason> {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&hs_config(Profile::Red5pro), &clock);
    let d = decide(
        &a,
        Action::Publish,
        Transport::Rtmp,
        "live/room1/cam1",
        token,
    )
    .await;
    if let Decision::Deny(deny) = &d {
        assert!(!deny.detail.is_empty());
    }
    d.reason()
}

/// RFC 7515 §5.2: the header, payload and signature are base64url-decoded (no padding, no stray
/// characters) before the signature is validated, so a payload that does not decode is
/// `malformed_credentials`, whatever its signature; the claims JSON is parsed only once the
/// signature holds, so a payload that decodes but is not JSON is still `bad_signature` when the
/// signature is wrong.
#[tokio::test]
async fn encoding_is_checked_before_the_signature_and_json_after_it() {
    let header = b64url(br#"{"alg":"HS256"}"#);
    let json = b64url(br#"{"sub":"alice","exp":1700000300}"#);
    let wrong_sig = b64url(&[7u8; 32]);
    for (what, payload) in [
        ("a `!`", "eyJzdWIi!OiJhIn0".to_owned()),
        ("padding", format!("{}=", b64url(br#"{"a":12}"#))),
        ("padding", "eyJhIjoxfQ==".to_owned()),
        ("a space", "eyJhIjo xfQ".to_owned()),
        ("a newline", format!("{json}\n")),
        ("standard base64 `+`", "eyJhIjoi+n0".to_owned()),
        ("non-zero trailing bits", "eyJhIjoxfR".to_owned()),
    ] {
        assert_eq!(
            reason_for(&format!("{header}.{payload}.{wrong_sig}")).await,
            Some(DenyReason::MalformedCredentials),
            "payload with {what}: {payload:?}"
        );
    }
    // The same for a signature part that is not base64url.
    for sig in [format!("{wrong_sig}="), "c2ln!".to_owned()] {
        assert_eq!(
            reason_for(&format!("{header}.{json}.{sig}")).await,
            Some(DenyReason::MalformedCredentials),
            "signature {sig:?}"
        );
    }
    // Well-encoded parts with a wrong signature: bad_signature, JSON or not.
    assert_eq!(
        reason_for(&format!("{header}.{json}.{wrong_sig}")).await,
        Some(DenyReason::BadSignature)
    );
    for not_json in [&b"not json"[..], b"{\"sub\":", b"\xff\xfe"] {
        assert_eq!(
            reason_for(&format!("{header}.{}.{wrong_sig}", b64url(not_json))).await,
            Some(DenyReason::BadSignature),
            "claims are not parsed before the signature holds: {not_json:?}"
        );
    }
    // And once the signature holds, a payload that is not JSON is malformed.
    let input = format!("{header}.{}", b64url(b"not json"));
    assert_eq!(
        reason_for(&format!("{input}.{}", hs256(&input))).await,
        Some(DenyReason::MalformedCredentials)
    );
}

/// Attacks that already fail, kept failing where the vectors do not cover them (`alg: none`,
/// HS256 keyed with the RSA public key, `jku` / `jwk` injection, duplicate `exp`, a string, 1e300
/// or u64::MAX `exp` and an oversize token are vectors in `attacks.json`).
#[tokio::test]
async fn hostile_tokens_that_held_keep_failing() {
    let h = r#"{"alg":"HS256"}"#;
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&hs_config(Profile::Red5pro), &clock);
    let on = |token: String| {
        let a = &a;
        async move {
            decide(
                a,
                Action::Publish,
                Transport::Rtmp,
                "live/room1/cam1",
                &token,
            )
            .await
            .reason()
        }
    };
    let exp = T0 + 300;
    assert_eq!(
        on(signed(h, &format!(r#"{{"sub":"alice","exp":{exp}}}"#))).await,
        None,
        "the control token is allowed"
    );

    // Hostile `exp`: negative, negative zero-ish, fractional (rounded down, the strict side).
    for payload in [
        r#"{"sub":"alice","exp":-1}"#.to_owned(),
        r#"{"sub":"alice","exp":-0.5}"#.to_owned(),
        r#"{"sub":"alice","exp":-9223372036854775809}"#.to_owned(),
        format!(r#"{{"sub":"alice","exp":{exp},"nbf":-1}}"#),
    ] {
        assert_eq!(
            on(signed(h, &payload)).await,
            Some(DenyReason::MalformedCredentials),
            "{payload}"
        );
    }
    let fractional = signed(h, &format!(r#"{{"sub":"alice","exp":{}.9}}"#, T0 + 10));
    assert_eq!(on(fractional.clone()).await, None, "valid before exp");
    clock.set(Duration::from_secs(T0 + 10));
    assert_eq!(
        on(fractional).await,
        Some(DenyReason::Expired),
        "exp 10.9 s ahead is expired after 10 s"
    );
    clock.set(Duration::from_secs(T0));

    // Duplicate claims, registered or the profile's own: refused, never first- or last-wins.
    for payload in [
        format!(r#"{{"sub":"alice","sub":"admin","exp":{exp}}}"#),
        format!(r#"{{"sub":"alice","exp":{exp},"red5-room":"room2","red5-room":"room1"}}"#),
        format!(
            r#"{{"sub":"alice","exp":{exp},"roles":"red5-subscriber","roles":"red5-publisher"}}"#
        ),
    ] {
        assert_eq!(
            on(signed(h, &payload)).await,
            Some(DenyReason::MalformedCredentials),
            "{payload}"
        );
    }

    // An `x5u` header naming the attacker's certificate is never fetched or trusted: the token
    // signed with the attacker's key is bad_signature against the configured RSA key.
    let mut asym = JwtConfig::new(Profile::Red5pro, &[Algorithm::RS256]);
    asym.public_keys = vec!["rsa.pub.pem".into()];
    let rsa = auth(&asym, &clock);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5u = Some("http://127.0.0.1:1/attacker.pem".into());
    let attacker =
        jsonwebtoken::EncodingKey::from_rsa_pem(&authbench_testkit::keys::read("rsa2.key.pem"))
            .expect("rsa key");
    let forged = jsonwebtoken::encode(&header, &json!({"sub": "mallory", "exp": exp}), &attacker)
        .expect("sign");
    assert_eq!(
        decide(
            &rsa,
            Action::Publish,
            Transport::Rtmp,
            "live/room1/cam1",
            &forged
        )
        .await
        .reason(),
        Some(DenyReason::BadSignature)
    );

    // The cap is exact: a signed token of MAX_TOKEN_LEN bytes is decided, one byte more is not.
    let sized = |len: usize| {
        (0..MAX_TOKEN_LEN)
            .find_map(|n| {
                let payload = format!(r#"{{"sub":"alice","exp":{exp},"pad":"{}"}}"#, "x".repeat(n));
                [h, r#"{"alg":"HS256","typ":"JWT"}"#]
                    .iter()
                    .map(|h| signed(h, &payload))
                    .find(|t| t.len() == len)
            })
            .expect("a token of that length")
    };
    assert_eq!(
        on(sized(MAX_TOKEN_LEN)).await,
        None,
        "the limit itself is allowed"
    );
    assert_eq!(
        on(sized(MAX_TOKEN_LEN + 1)).await,
        Some(DenyReason::MalformedCredentials)
    );
}

/// An empty `sub` names nobody: the allow says `anonymous`, as for a token without `sub`, never
/// an empty principal that a report would show as a blank.
#[tokio::test]
async fn an_empty_subject_is_anonymous_like_a_missing_one() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let a = auth(&hs_config(Profile::Red5pro), &clock);
    let exp = T0 + 300;
    for payload in [
        format!(r#"{{"sub":"","exp":{exp}}}"#),
        format!(r#"{{"exp":{exp}}}"#),
    ] {
        let d = decide(
            &a,
            Action::Publish,
            Transport::Rtmp,
            "live/room1/cam1",
            &signed(r#"{"alg":"HS256"}"#, &payload),
        )
        .await;
        assert_eq!(d.principal(), Some("anonymous"), "{payload}: {d:?}");
    }
}
