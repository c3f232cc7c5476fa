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

#[tokio::test]
async fn a_user_name_claimed_beside_a_token_is_not_the_principal() {
    // `…/whep?user=admin` with `Authorization: Bearer <bob's token>`: the service checks the
    // token and answers `subject: bob`; "admin" was never checked.
    let clock = clock();
    let svc = service(clock.clone()).await;
    let mtx = authenticator(
        &config(url_for(&svc, Protocol::Mediamtx), Protocol::Mediamtx),
        clock.clone(),
    );
    let token = svc.issue_token("bob").expect("token");
    let claimed = Credentials {
        username: Some("admin".into()),
        ..Credentials::token(token.token.expose())
    };
    let req = request(
        Action::Subscribe,
        Transport::Whep,
        "live/room2/cam1",
        claimed,
    );
    let d = mtx.authenticate(&req).await;
    assert_eq!(expect_allow(&d).principal, "bob");
    svc.shutdown().await;
}

#[tokio::test]
async fn without_a_subject_the_principal_is_the_checked_user_or_anonymous() {
    // A MediaMTX-style service that answers a bare 200, naming nobody.
    let (addr, _requests) = fixed_answer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let mtx = authenticator(
        &config(format!("http://{addr}/mediamtx/auth"), Protocol::Mediamtx),
        clock(),
    );
    let claimed = Credentials {
        username: Some("admin".into()),
        ..Credentials::token("some-token")
    };
    let d = mtx
        .authenticate(&request(
            Action::Subscribe,
            Transport::Whep,
            "live/room2/cam1",
            claimed,
        ))
        .await;
    assert_eq!(expect_allow(&d).principal, ANONYMOUS);
    let d = mtx
        .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
        .await;
    assert_eq!(expect_allow(&d).principal, "alice");
}

#[tokio::test]
async fn mediamtx_allows_any_2xx_whatever_the_body() {
    // MediaMTX itself allows on any 2xx and never reads the body; this mode does the same, so a
    // 2xx with garbage is an allow over MediaMTX while Red5 Pro's stricter answer check refuses it.
    for answer in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nnot json {]["[..],
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 299 Whatever\r\nContent-Length: 17\r\n\r\n{\"result\": false}",
    ] {
        let (addr, _requests) = fixed_answer(answer).await;
        let mtx = authenticator(
            &config(format!("http://{addr}/mediamtx/auth"), Protocol::Mediamtx),
            clock(),
        );
        let req = publish("alice", "alice-pw", "live/room1/cam1");
        let d = mtx.authenticate(&req).await;
        assert_eq!(
            expect_allow(&d).principal,
            "alice",
            "{:?}",
            String::from_utf8_lossy(answer)
        );
        let red5 = authenticator(
            &config(
                format!("http://{addr}/validateCredentials"),
                Protocol::Red5pro,
            ),
            clock(),
        );
        assert_eq!(
            reason(&red5, &req).await,
            Some(DenyReason::BackendProtocolError),
            "{:?}",
            String::from_utf8_lossy(answer)
        );
    }
}
