//! The wire protocols against the real service on loopback: Red5 Pro round trip, MediaMTX HTTP
//! auth, and the token issuer (JWKS, OIDC discovery, rotation).

mod common;

use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{
    AuthService, PATH_DISCOVERY, PATH_INVALIDATE, PATH_JWKS, PATH_MEDIAMTX, PATH_TOKEN,
    PATH_VALIDATE, ServiceOptions,
};
use authbench_core::{DenyReason, ManualClock};
use common::{call, identities, mtx, post, reason, red5, start};
use hyper::StatusCode;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

const T0: u64 = 1_700_000_000;

#[tokio::test]
async fn red5pro_allows_and_denies_with_precise_reasons() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();

    let ok = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "alice-pw", "publisher", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), json!({"result": true, "subject": "alice"}));

    let cases = [
        (
            red5("nobody", "x", "publisher", "live/room1", "cam1"),
            DenyReason::UnknownUser,
        ),
        (
            red5("alice", "wrong", "publisher", "live/room1", "cam1"),
            DenyReason::BadPassword,
        ),
        (
            red5("", "", "publisher", "live/room1", "cam1"),
            DenyReason::MissingCredentials,
        ),
        (
            red5("carol", "carol-pw", "subscriber", "live/room1", "cam1"),
            DenyReason::Revoked,
        ),
        (
            red5("bob", "bob-pw", "publisher", "live/room1", "cam1"),
            DenyReason::RoleForbidden,
        ),
        (
            red5("alice", "alice-pw", "subscriber", "live/room2", "cam1"),
            DenyReason::RoomForbidden,
        ),
        (
            red5("alice", "alice-pw", "subscriber", "live", "cam1"),
            DenyReason::RoomForbidden,
        ),
        (
            red5("dave", "dave-pw", "publisher", "live/globex/room1", "cam1"),
            DenyReason::TenantMismatch,
        ),
    ];
    for (body, want) in cases {
        let r = post(a, PATH_VALIDATE, &body).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "Red5 Pro answers deny with 200: {body}"
        );
        let v = r.json();
        assert_eq!(v["result"], false, "{body}");
        assert_eq!(reason(&v), want, "{body}");
    }
    let dave = post(
        a,
        PATH_VALIDATE,
        &red5("dave", "dave-pw", "publisher", "live/acme/room1", "cam1"),
    )
    .await;
    assert_eq!(dave.json()["result"], true);
    let dave = post(
        a,
        PATH_VALIDATE,
        &red5("dave", "dave-pw", "subscriber", "live/acme-lobby", "cam1"),
    )
    .await;
    assert_eq!(dave.json()["result"], true, "tenants own rooms by prefix");

    // The real validator's invalid type and garbage bodies: 400, which Red5 Pro treats as deny.
    let bad = post(
        a,
        PATH_VALIDATE,
        &red5("alice", "alice-pw", "broadcaster", "live/room1", "cam1"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = call(a, "POST", PATH_VALIDATE, Some(&json!("just a string"))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(!String::from_utf8_lossy(&bad.body).contains("alice-pw"));

    let stats = svc.stats();
    assert_eq!(stats.requests_to("validate_credentials"), 13);
    assert_eq!(stats.denies_for(DenyReason::RoomForbidden), 2);
    assert_eq!(stats.allows.get("validate_credentials"), Some(&3));
    svc.shutdown().await;
}

#[tokio::test]
async fn mediamtx_answers_2xx_or_401_and_maps_protocols() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();

    let ok = post(
        a,
        PATH_MEDIAMTX,
        &mtx("alice", "alice-pw", "publish", "rtmp", "live/room1/cam1"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["subject"], "alice");
    // webrtc + publish is WHIP, which alice may use; webrtc + read is WHEP, which she may not.
    let whip = post(
        a,
        PATH_MEDIAMTX,
        &mtx("alice", "alice-pw", "publish", "webrtc", "live/room1/cam1"),
    )
    .await;
    assert_eq!(whip.status, StatusCode::OK);
    let cases = [
        (
            mtx("alice", "alice-pw", "read", "webrtc", "live/room1/cam1"),
            DenyReason::TransportForbidden,
        ),
        (
            mtx("alice", "alice-pw", "read", "srt", "live/room1/cam1"),
            DenyReason::TransportForbidden,
        ),
        (
            mtx("alice", "alice-pw", "read", "hls", "live/room1/cam1"),
            DenyReason::TransportForbidden,
        ),
        (
            mtx("alice", "nope", "read", "rtmp", "live/room1/cam1"),
            DenyReason::BadPassword,
        ),
        (
            mtx("", "", "read", "rtsp", "live/room1/cam1"),
            DenyReason::MissingCredentials,
        ),
        (
            mtx("bob", "bob-pw", "publish", "rtsp", "live/room1/cam1"),
            DenyReason::RoleForbidden,
        ),
        (
            mtx("bob", "bob-pw", "api", "", ""),
            DenyReason::RoleForbidden,
        ),
    ];
    for (body, want) in cases {
        let r = post(a, PATH_MEDIAMTX, &body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(reason(&r.json()), want, "{body}");
    }
    // bob has no transport restriction, so HLS playback is fine for him.
    let hls = post(
        a,
        PATH_MEDIAMTX,
        &mtx("bob", "bob-pw", "playback", "hls", "live/x/cam1"),
    )
    .await;
    assert_eq!(hls.status, StatusCode::OK);
    let bad = post(
        a,
        PATH_MEDIAMTX,
        &mtx("bob", "bob-pw", "read", "rtsp", "live//x"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    svc.shutdown().await;
}

#[tokio::test]
async fn reasons_can_be_hidden_like_a_plain_backend() {
    let mut options = ServiceOptions::default();
    options.expose_reasons = false;
    let svc = start(options).await;
    let r = post(
        svc.local_addr(),
        PATH_VALIDATE,
        &red5("alice", "bad", "publisher", "live/room1", "c"),
    )
    .await;
    assert_eq!(r.json(), json!({"result": false}));
    let r = post(
        svc.local_addr(),
        PATH_MEDIAMTX,
        &mtx("alice", "bad", "read", "rtmp", "live/room1/c"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json().get("reason").is_none());
}

#[tokio::test]
async fn issued_tokens_verify_against_the_served_jwks_and_discovery() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut options = ServiceOptions::with_clock(clock.clone());
    options.audience = Some("streaming".into());
    options.token_ttl = Duration::from_secs(60);
    let svc = start(options).await;
    let a = svc.local_addr();

    let disco = call(a, "GET", PATH_DISCOVERY, None).await;
    assert_eq!(disco.status, StatusCode::OK);
    let disco = disco.json();
    assert_eq!(disco["issuer"], svc.base_url());
    assert_eq!(disco["jwks_uri"], svc.url(PATH_JWKS));
    assert_eq!(disco["token_endpoint"], svc.url(PATH_TOKEN));
    assert_eq!(
        disco["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );

    let tok = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "alice-pw"}),
    )
    .await;
    assert_eq!(tok.status, StatusCode::OK);
    let tok = tok.json();
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 60);
    let jwt = tok["access_token"].as_str().expect("token").to_owned();

    let jwks: JwkSet =
        serde_json::from_slice(&call(a, "GET", PATH_JWKS, None).await.body).expect("JWKS parses");
    assert_eq!(jwks.keys.len(), 1);
    let header = jsonwebtoken::decode_header(&jwt).expect("header");
    assert_eq!(header.alg, Algorithm::ES256);
    let kid = header.kid.expect("kid");
    assert_eq!(tok["kid"], kid.as_str());
    let jwk = jwks.find(&kid).expect("kid in JWKS");
    let key = DecodingKey::from_jwk(jwk).expect("usable JWK");
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["streaming"]);
    v.set_issuer(&[svc.base_url()]);
    v.validate_exp = false; // the token's times come from the manual clock
    let data =
        jsonwebtoken::decode::<Value>(&jwt, &key, &v).expect("token verifies with the served JWKS");
    assert_eq!(data.claims["sub"], "alice");
    assert_eq!(data.claims["iat"], T0);
    assert_eq!(data.claims["exp"], T0 + 60);
    assert_eq!(data.claims["roles"], json!(["publisher", "subscriber"]));
    assert_eq!(data.claims["transports"], json!(["rtmp", "whip"]));

    // The service accepts its own token on both wire protocols, with the user's current rights.
    let with_token = json!({"username": "", "password": "", "token": jwt, "type": "subscriber",
        "streamID": "cam1", "scope": "live/room1"});
    assert_eq!(
        post(a, PATH_VALIDATE, &with_token).await.json()["result"],
        true
    );
    let mut m = mtx("", "", "read", "rtmp", "live/room2/cam1");
    m["token"] = json!(jwt);
    assert_eq!(
        reason(&post(a, PATH_MEDIAMTX, &m).await.json()),
        DenyReason::RoomForbidden
    );

    // Expiry follows the injected clock.
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        reason(&post(a, PATH_VALIDATE, &with_token).await.json()),
        DenyReason::Expired
    );

    let denied = post(
        a,
        PATH_TOKEN,
        &json!({"username": "carol", "password": "carol-pw"}),
    )
    .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reason(&denied.json()), DenyReason::Revoked);
    let denied = post(
        a,
        PATH_TOKEN,
        &json!({"username": "alice", "password": "x"}),
    )
    .await;
    assert_eq!(reason(&denied.json()), DenyReason::BadPassword);
    svc.shutdown().await;
}

#[tokio::test]
async fn rotation_keeps_the_old_kid_for_the_grace_period() {
    let clock = Arc::new(ManualClock::at_secs(T0));
    let mut options = ServiceOptions::with_clock(clock.clone());
    options.token_ttl = Duration::from_secs(600);
    options.key_grace = Some(Duration::from_secs(120));
    let svc = start(options).await;
    let a = svc.local_addr();
    let old = svc.issue_token("bob").expect("token");

    let rotated = post(a, "/admin/keys/rotate", &json!({})).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let rotated = rotated.json();
    assert_eq!(rotated["keys"], 2);
    let new_kid = rotated["kid"].as_str().expect("kid").to_owned();
    assert_ne!(new_kid, old.kid);

    let kids = |jwks: Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    assert_eq!(
        kids(call(a, "GET", PATH_JWKS, None).await.json()),
        vec![new_kid.clone(), old.kid.clone()]
    );
    let new = svc.issue_token("bob").expect("token");
    assert_eq!(new.kid, new_kid);
    let body = |t: &str| json!({"username": "", "password": "", "token": t, "type": "subscriber", "streamID": "s", "scope": "live"});
    assert_eq!(
        post(a, PATH_VALIDATE, &body(old.token.expose()))
            .await
            .json()["result"],
        true
    );

    clock.advance(Duration::from_secs(121));
    assert_eq!(
        kids(call(a, "GET", PATH_JWKS, None).await.json()),
        vec![new_kid]
    );
    assert_eq!(
        reason(
            &post(a, PATH_VALIDATE, &body(old.token.expose()))
                .await
                .json()
        ),
        DenyReason::UnknownKey
    );
    assert_eq!(
        post(a, PATH_VALIDATE, &body(new.token.expose()))
            .await
            .json()["result"],
        true
    );
}

#[tokio::test]
async fn invalidate_credentials_retires_a_token() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    let token = svc.issue_token("bob").expect("token");
    let body = json!({"username": "bob", "password": "", "token": token.token.expose(), "streamID": "s", "scope": "live"});
    let r = post(a, PATH_INVALIDATE, &body).await;
    assert_eq!(r.json(), json!({"result": true}));
    let mut ask = body.clone();
    ask["type"] = json!("subscriber");
    ask["username"] = json!("");
    assert_eq!(
        reason(&post(a, PATH_VALIDATE, &ask).await.json()),
        DenyReason::Revoked
    );
    // A plain disconnect notice with a password is acknowledged and changes nothing.
    let plain = red5("bob", "bob-pw", "subscriber", "live", "s");
    assert_eq!(
        post(a, PATH_INVALIDATE, &plain).await.json(),
        json!({"result": true})
    );
    assert_eq!(post(a, PATH_VALIDATE, &plain).await.json()["result"], true);
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_address() {
    let service = AuthService::new(&identities(), ServiceOptions::default()).expect("service");
    let first = service.spawn_loopback().await.expect("listen");
    let addr = first.local_addr();
    first.revoke("bob").expect("revoke");
    first.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "down means refused"
    );
    let second = service.spawn(addr).await.expect("listen again");
    let r = post(
        addr,
        PATH_VALIDATE,
        &red5("bob", "bob-pw", "subscriber", "live", "s"),
    )
    .await;
    assert_eq!(reason(&r.json()), DenyReason::Revoked);
    second.shutdown().await;
}
