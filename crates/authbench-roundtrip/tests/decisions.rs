//! Decisions over both wire protocols against the real reference service on loopback.

mod common;

use authbench_core::{Action, Authenticator, Capability, Credentials, DenyReason, Transport};
use authbench_roundtrip::{ANONYMOUS, Protocol};
use common::*;

#[tokio::test]
async fn allow_and_every_deny_reason_on_both_protocols() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    for protocol in BOTH {
        let auth = authenticator(&config(url_for(&svc, protocol), protocol), clock.clone());
        let ok = auth
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(expect_allow(&ok).principal, "alice", "{protocol:?}");

        let cases = [
            (
                publish("nobody", "x", "live/room1/cam1"),
                DenyReason::UnknownUser,
            ),
            (
                publish("alice", "wrong", "live/room1/cam1"),
                DenyReason::BadPassword,
            ),
            (
                publish("carol", "carol-pw", "live/room1/cam1"),
                DenyReason::Revoked,
            ),
            (
                publish("bob", "bob-pw", "live/room1/cam1"),
                DenyReason::RoleForbidden,
            ),
            (
                publish("alice", "alice-pw", "live/room2/cam1"),
                DenyReason::RoomForbidden,
            ),
            (
                publish("dave", "dave-pw", "live/globex/room1/cam1"),
                DenyReason::TenantMismatch,
            ),
            (
                request(
                    Action::Subscribe,
                    Transport::Rtmp,
                    "live/room1/c",
                    Credentials::none(),
                ),
                DenyReason::MissingCredentials,
            ),
        ];
        for (req, want) in &cases {
            assert_eq!(
                reason(&auth, req).await,
                Some(*want),
                "{protocol:?} {req:?}"
            );
        }
        assert!(
            auth.authenticate(&publish("dave", "dave-pw", "live/acme/room1/cam1"))
                .await
                .is_allow()
        );
    }
    // Red5 Pro rejects a missing user name or password locally, without a round trip.
    assert_eq!(
        svc.stats().denies_for(DenyReason::MissingCredentials),
        1,
        "only MediaMTX asked"
    );
}

#[tokio::test]
async fn transports_are_decided_over_mediamtx_and_not_expressible_over_red5pro() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mtx = authenticator(
        &config(url_for(&svc, Protocol::Mediamtx), Protocol::Mediamtx),
        clock.clone(),
    );
    let red5 = authenticator(
        &config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro),
        clock.clone(),
    );
    let srt = request(
        Action::Publish,
        Transport::Srt,
        "live/room1/cam1",
        Credentials::user_password("alice", "alice-pw"),
    );
    let whep = request(
        Action::Subscribe,
        Transport::Whep,
        "live/room1/cam1",
        Credentials::user_password("alice", "alice-pw"),
    );
    let whip = request(
        Action::Publish,
        Transport::Whip,
        "live/room1/cam1",
        Credentials::user_password("alice", "alice-pw"),
    );
    assert_eq!(
        reason(&mtx, &srt).await,
        Some(DenyReason::TransportForbidden)
    );
    assert_eq!(
        reason(&mtx, &whep).await,
        Some(DenyReason::TransportForbidden)
    );
    assert_eq!(reason(&mtx, &whip).await, None);
    assert!(mtx.capabilities().supports(Capability::Transports));
    // The Red5 Pro body has no transport field: the service cannot tell, and the mode says so.
    assert!(!red5.capabilities().supports(Capability::Transports));
    assert_eq!(reason(&red5, &srt).await, None);
    for auth in [&mtx, &red5] {
        let caps = auth.capabilities();
        assert_eq!(auth.mode(), "roundtrip");
        for c in [
            Capability::Roles,
            Capability::Rooms,
            Capability::Tenants,
            Capability::Revocation,
            Capability::PasswordChange,
        ] {
            assert!(caps.supports(c), "{c}");
        }
        assert!(!caps.supports(Capability::OfflineDecision));
        assert!(!caps.supports(Capability::Expiry));
    }
}

#[tokio::test]
async fn revocation_and_password_change_take_effect_on_the_next_request() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    for protocol in BOTH {
        let auth = authenticator(&config(url_for(&svc, protocol), protocol), clock.clone());
        let req = publish("alice", "alice-pw", "live/room1/cam1");
        assert!(auth.authenticate(&req).await.is_allow());
        svc.revoke("alice").expect("revoke");
        assert_eq!(
            reason(&auth, &req).await,
            Some(DenyReason::Revoked),
            "{protocol:?}"
        );
        svc.restore("alice").expect("restore");
        assert!(auth.authenticate(&req).await.is_allow());

        svc.set_password("alice", "rotated").expect("password");
        assert_eq!(
            reason(&auth, &req).await,
            Some(DenyReason::BadPassword),
            "{protocol:?}"
        );
        assert!(
            auth.authenticate(&publish("alice", "rotated", "live/room1/cam1"))
                .await
                .is_allow()
        );
        svc.set_password("alice", "alice-pw").expect("password");
    }
}

#[tokio::test]
async fn principal_is_the_user_or_the_token_subject() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mtx = authenticator(
        &config(url_for(&svc, Protocol::Mediamtx), Protocol::Mediamtx),
        clock.clone(),
    );
    let token = svc.issue_token("bob").expect("token");
    let by_token = request(
        Action::Subscribe,
        Transport::Rtsp,
        "live/x/cam",
        Credentials::token(token.token.expose()),
    );
    let d = mtx.authenticate(&by_token).await;
    assert_eq!(expect_allow(&d).principal, "bob");
    assert_ne!(expect_allow(&d).principal, ANONYMOUS);
    // Red5 Pro cannot carry a token alone: it needs user name and password at connect.
    let red5 = authenticator(
        &config(url_for(&svc, Protocol::Red5pro), Protocol::Red5pro),
        clock.clone(),
    );
    assert_eq!(
        reason(&red5, &by_token).await,
        Some(DenyReason::MissingCredentials)
    );
    // Deny details never carry the password.
    let d = mtx
        .authenticate(&publish("alice", "hunter2-secret", "live/room1/cam1"))
        .await;
    assert!(!format!("{d:?}").contains("hunter2"));
}
