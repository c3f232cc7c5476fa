//! The decision cache (staleness until its TTL, by the injected clock), invalidation, and the
//! dangerous lazy mode.

mod common;

use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, Transport,
};
use authbench_roundtrip::danger::LAZY_NOTE;
use authbench_roundtrip::{CACHED_NOTE, InvalidateError, Protocol};
use common::*;

#[tokio::test]
async fn cached_allow_outlives_revocation_until_its_ttl_uncached_does_not() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    for protocol in BOTH {
        let mut cached_cfg = config(url_for(&svc, protocol), protocol);
        cached_cfg.cache_ttl = Some(Duration::from_secs(30));
        let cached = authenticator(&cached_cfg, clock.clone());
        let uncached = authenticator(&config(url_for(&svc, protocol), protocol), clock.clone());
        let req = publish("alice", "alice-pw", "live/room1/cam1");

        assert!(cached.authenticate(&req).await.is_allow());
        assert!(uncached.authenticate(&req).await.is_allow());
        svc.revoke("alice").expect("revoke");

        assert_eq!(
            reason(&uncached, &req).await,
            Some(DenyReason::Revoked),
            "{protocol:?}"
        );
        let stale = cached.authenticate(&req).await;
        assert_eq!(
            expect_allow(&stale).note.as_deref(),
            Some(CACHED_NOTE),
            "{protocol:?}"
        );
        clock.advance(Duration::from_secs(29));
        assert!(
            cached.authenticate(&req).await.is_allow(),
            "still within the TTL"
        );
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            reason(&cached, &req).await,
            Some(DenyReason::Revoked),
            "{protocol:?} after TTL"
        );

        // Denies are never cached: a restored user gets in on the next request.
        svc.restore("alice").expect("restore");
        assert!(cached.authenticate(&req).await.is_allow());
        let s = cached.stats();
        assert_eq!((s.cache_hits, s.questions), (2, 3), "{protocol:?}");
    }
}

#[tokio::test]
async fn cache_keys_cover_everything_that_changes_the_answer() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mut cfg = config(url_for(&svc, Protocol::Mediamtx), Protocol::Mediamtx);
    cfg.cache_ttl = Some(Duration::from_secs(60));
    cfg.cache_max_entries = Some(100);
    let auth = authenticator(&cfg, clock.clone());
    assert!(
        auth.authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await
            .is_allow()
    );
    // A different password, room, action or transport is never answered from the cache.
    assert_eq!(
        reason(&auth, &publish("alice", "wrong", "live/room1/cam1")).await,
        Some(DenyReason::BadPassword)
    );
    assert_eq!(
        reason(&auth, &publish("alice", "alice-pw", "live/room2/cam1")).await,
        Some(DenyReason::RoomForbidden)
    );
    let srt = request(
        Action::Publish,
        Transport::Srt,
        "live/room1/cam1",
        Credentials::user_password("alice", "alice-pw"),
    );
    assert_eq!(
        reason(&auth, &srt).await,
        Some(DenyReason::TransportForbidden)
    );
    // The connection id is not part of the key.
    let mut other_conn = publish("alice", "alice-pw", "live/room1/cam1");
    other_conn.request_id = Some("conn-42".into());
    let d = auth.authenticate(&other_conn).await;
    assert_eq!(expect_allow(&d).note.as_deref(), Some(CACHED_NOTE));
}

#[tokio::test]
async fn invalidate_tells_red5pro_and_forgets_cached_allows() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mut cfg = config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro);
    cfg.cache_ttl = Some(Duration::from_secs(60));
    let auth = authenticator(&cfg, clock.clone());
    let req = publish("alice", "alice-pw", "live/room1/cam1");
    assert!(auth.authenticate(&req).await.is_allow());
    svc.revoke("alice").expect("revoke");
    auth.invalidate(&req).await.expect("invalidated");
    assert_eq!(svc.stats().requests_to("invalidate_credentials"), 1);
    assert_eq!(
        reason(&auth, &req).await,
        Some(DenyReason::Revoked),
        "cache entry dropped"
    );

    let mtx = authenticator(
        &config(url_for(&svc, Protocol::Mediamtx), Protocol::Mediamtx),
        clock.clone(),
    );
    assert!(matches!(
        mtx.invalidate(&req).await,
        Err(InvalidateError::Unsupported(_))
    ));
    svc.shutdown().await;
    assert!(
        matches!(auth.invalidate(&req).await, Err(InvalidateError::Failed(d)) if d.reason == DenyReason::BackendUnavailable)
    );
}

async fn next_outcome(
    rx: &mut tokio::sync::broadcast::Receiver<authbench_roundtrip::danger::LazyOutcome>,
) -> authbench_roundtrip::danger::LazyOutcome {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("background check finished")
        .expect("outcome")
}

#[tokio::test]
async fn danger_lazy_auth_admits_first_and_fails_open() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mut cfg = config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro);
    cfg.danger_lazy_auth = true;
    let auth = authenticator(&cfg, clock.clone());
    let mut outcomes = auth.danger_lazy_outcomes().expect("lazy mode");

    // A wrong password is admitted, then refused in the background.
    let mut bad = publish("alice", "wrong", "live/room1/cam1");
    bad.request_id = Some("conn-1".into());
    let d = auth.authenticate(&bad).await;
    assert_eq!(expect_allow(&d).note.as_deref(), Some(LAZY_NOTE));
    let o = next_outcome(&mut outcomes).await;
    assert_eq!(o.request_id.as_deref(), Some("conn-1"));
    assert_eq!(o.decision.reason(), Some(DenyReason::BadPassword));
    assert!(o.closes_connection());

    // With the service down the client is admitted and stays in: fail open.
    svc.shutdown().await;
    let d = auth
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert!(d.is_allow());
    let o = next_outcome(&mut outcomes).await;
    assert_eq!(o.decision.reason(), Some(DenyReason::BackendUnavailable));
    assert!(!o.closes_connection());
    let s = auth.stats();
    assert_eq!((s.lazy_admitted, s.lazy_refused_later), (2, 1));

    // Missing parameters are still refused at connect.
    let none = AuthRequest::new(
        Action::Subscribe,
        Transport::Rtmp,
        authbench_core::StreamPath::new("live/x").expect("path"),
        Credentials::none(),
    );
    assert!(
        matches!(auth.authenticate(&none).await, Decision::Deny(d) if d.reason == DenyReason::MissingCredentials)
    );
}
