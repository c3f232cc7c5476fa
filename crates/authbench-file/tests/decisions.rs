//! Reason codes, roles from the group file, capabilities and secrecy.

mod common;

use authbench_core::{
    Action, Authenticator, Capability, Credentials, Decision, DenyReason, Identities, Identity,
    Role,
};
use authbench_file::{
    FileAuthenticator, FileConfig, MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES, Scheme, fixture,
};
use common::{fixture, publish, request, subscribe};

fn apache() -> FileAuthenticator {
    FileAuthenticator::from_paths(fixture("apache.htpasswd"), None).expect("loads")
}

fn apache_with_groups() -> FileAuthenticator {
    FileAuthenticator::from_paths(fixture("apache.htpasswd"), Some(fixture("groups.htgroup")))
        .expect("loads")
}

#[tokio::test]
async fn missing_credentials() {
    let auth = apache();
    let cases = [
        Credentials::none(),
        Credentials::token("eyJhbGciOiJIUzI1NiJ9.e30.x"),
        Credentials {
            username: Some("bcrypt_user".into()),
            ..Credentials::default()
        },
        Credentials {
            password: Some("bcrypt-secret".into()),
            ..Credentials::default()
        },
        Credentials::user_password("", "bcrypt-secret"),
    ];
    for creds in cases {
        let shown = format!("{creds:?}");
        let d = auth.authenticate(&request(Action::Publish, creds)).await;
        assert_eq!(d.reason(), Some(DenyReason::MissingCredentials), "{shown}");
    }
}

#[tokio::test]
async fn oversized_credentials_are_malformed() {
    let auth = apache();
    let long_user = "u".repeat(MAX_USERNAME_BYTES + 1);
    let long_password = "p".repeat(MAX_PASSWORD_BYTES + 1);
    assert_eq!(
        publish(&auth, &long_user, "x").await.reason(),
        Some(DenyReason::MalformedCredentials)
    );
    assert_eq!(
        publish(&auth, "bcrypt_user", &long_password).await.reason(),
        Some(DenyReason::MalformedCredentials)
    );
}

#[tokio::test]
async fn unknown_user_and_bad_password_have_their_own_codes() {
    let auth = apache();
    assert_eq!(
        publish(&auth, "mallory", "bcrypt-secret").await.reason(),
        Some(DenyReason::UnknownUser)
    );
    assert_eq!(
        publish(&auth, "bcrypt_user", "guess").await.reason(),
        Some(DenyReason::BadPassword)
    );
    // User names are case-sensitive, as in Apache.
    assert_eq!(
        publish(&auth, "BCRYPT_USER", "bcrypt-secret")
            .await
            .reason(),
        Some(DenyReason::UnknownUser)
    );
    assert_eq!(
        publish(&auth, "bcrypt_user", "").await.reason(),
        Some(DenyReason::BadPassword)
    );
}

#[tokio::test]
async fn without_a_group_file_every_valid_user_publishes_and_subscribes() {
    let auth = apache();
    assert!(!auth.has_groups());
    assert!(publish(&auth, "sha1_user", "sha1-secret").await.is_allow());
    assert!(
        subscribe(&auth, "sha1_user", "sha1-secret")
            .await
            .is_allow()
    );
}

#[tokio::test]
async fn group_file_grants_roles() {
    let auth = apache_with_groups();
    // (user, password, may publish, may subscribe) per tests/fixtures/groups.htgroup
    let cases = [
        ("bcrypt_user", "bcrypt-secret", true, true),
        ("apr1_user", "apr1-secret", true, false),
        ("sha1_user", "sha1-secret", false, true),
        ("sha256_user", "sha256-secret", false, true), // second `subscribers:` line
        ("sha512_user", "sha512-secret", true, false),
        ("sha512_rounds_user", "sha512-rounds", false, false), // only in `admins`
        ("unicode_user", "pässwörd:1 ☃", false, false),        // in no group
    ];
    for (user, password, may_publish, may_subscribe) in cases {
        for (action, allowed) in [
            (Action::Publish, may_publish),
            (Action::Subscribe, may_subscribe),
        ] {
            let d = auth
                .authenticate(&request(action, Credentials::user_password(user, password)))
                .await;
            if allowed {
                assert_eq!(d.principal(), Some(user), "{user} {action}");
            } else {
                assert_eq!(
                    d.reason(),
                    Some(DenyReason::RoleForbidden),
                    "{user} {action}"
                );
            }
        }
    }
    let Decision::Deny(deny) = subscribe(&auth, "apr1_user", "apr1-secret").await else {
        panic!("expected deny");
    };
    assert!(deny.detail.contains("subscribers"), "{}", deny.detail);
    // The role is looked at only after the password: no role answer without the password.
    assert_eq!(
        subscribe(&auth, "apr1_user", "wrong").await.reason(),
        Some(DenyReason::BadPassword)
    );
}

#[test]
fn capabilities_are_honest() {
    let plain = apache();
    let grouped = apache_with_groups();
    assert_eq!(plain.mode(), "file");
    for auth in [&plain, &grouped] {
        let caps = auth.capabilities();
        assert!(caps.supports(Capability::PasswordChange));
        assert!(caps.supports(Capability::OfflineDecision));
        for missing in [
            Capability::Expiry,
            Capability::Rooms,
            Capability::Transports,
            Capability::Tenants,
            Capability::OneTimeUse,
            Capability::Revocation,
        ] {
            assert!(!caps.supports(missing), "{missing}");
        }
    }
    assert!(!plain.capabilities().supports(Capability::Roles));
    assert!(grouped.capabilities().supports(Capability::Roles));
}

#[tokio::test]
async fn debug_and_decisions_never_show_hashes_or_passwords() {
    let auth = apache_with_groups();
    let config = FileConfig::new("apache.htpasswd").with_groups("groups.htgroup");
    let text = std::fs::read_to_string(fixture("apache.htpasswd")).expect("fixture");
    let hashes: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(_, h)| h))
        .collect();
    assert_eq!(hashes.len(), 9);

    let mut shown = vec![
        format!("{auth:?}"),
        format!("{config:?}"),
        format!("{auth:#?}"),
    ];
    for (user, password) in [
        ("bcrypt_user", "bcrypt-secret"),
        ("bcrypt_user", "not-it"),
        ("ghost", "ghost-pw"),
    ] {
        shown.push(format!("{:?}", publish(&auth, user, password).await));
        shown.push(format!("{:?}", subscribe(&auth, user, password).await));
    }
    for text in &shown {
        for hash in &hashes {
            assert!(!text.contains(hash), "hash leaked: {text}");
        }
        for secret in [
            "bcrypt-secret",
            "not-it",
            "ghost-pw",
            "$2y$",
            "$apr1$",
            "{SHA}",
            "$6$",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    assert!(shown[0].contains("users: 9"), "{}", shown[0]);
}

#[tokio::test]
async fn fixtures_written_from_identities_load_and_decide() {
    let mut ids = Identities::new();
    let id = |password: &str, roles: Vec<Role>| Identity {
        password: password.into(),
        roles,
        ..Identity::default()
    };
    ids.insert(
        "alice".into(),
        id("alice pw", vec![Role::Publisher, Role::Subscriber]),
    );
    ids.insert("bob".into(), id("bob-pw", vec![Role::Publisher]));
    ids.insert("carol".into(), id("carol-pw", vec![Role::Subscriber]));
    ids.insert("dave".into(), id("dave-pw", vec![])); // no roles listed: both

    let dir = tempfile::tempdir().expect("tempdir");
    let groups = dir.path().join("users.htgroup");
    std::fs::write(&groups, fixture::htgroup_for(&ids)).expect("write");
    for scheme in Scheme::ALL {
        let cost = if scheme == Scheme::Bcrypt {
            4
        } else {
            scheme.default_cost()
        };
        let path = dir.path().join(format!("{scheme}.htpasswd"));
        std::fs::write(
            &path,
            fixture::htpasswd_for(&ids, scheme, cost).expect("hashes"),
        )
        .expect("write");
        let auth = if scheme == Scheme::Plaintext {
            authbench_file::danger::htpasswd_allowing_plaintext(&path, Some(groups.clone()))
        } else {
            FileAuthenticator::from_paths(&path, Some(groups.clone()))
        }
        .expect("loads");
        assert_eq!(auth.dominant_scheme(), (scheme, cost), "{scheme}");
        for (user, identity) in &ids {
            let pw = identity.password.expose();
            for role in [Role::Publisher, Role::Subscriber] {
                let action = if role == Role::Publisher {
                    Action::Publish
                } else {
                    Action::Subscribe
                };
                let d = auth
                    .authenticate(&request(
                        action,
                        Credentials::user_password(user.as_str(), pw),
                    ))
                    .await;
                let expected = (!identity.has_role(role)).then_some(DenyReason::RoleForbidden);
                assert_eq!(d.reason(), expected, "{scheme} {user} {action}");
            }
            assert_eq!(
                publish(&auth, user, "Xwrong").await.reason(),
                Some(DenyReason::BadPassword)
            );
        }
    }

    let red5 = dir.path().join("red5pro.credentials");
    std::fs::write(&red5, fixture::red5pro_plaintext_for(&ids).expect("writes")).expect("write");
    let auth = authbench_file::danger::red5pro_plaintext(&red5, None).expect("loads");
    assert!(publish(&auth, "alice", "alice pw").await.is_allow());
}

#[test]
fn fixture_refuses_what_a_file_cannot_hold() {
    let mut ids = Identities::new();
    ids.insert("a:b".into(), Identity::default());
    assert!(fixture::htpasswd_for(&ids, Scheme::Sha1, 0).is_err());
    let mut ids = Identities::new();
    ids.insert(
        "ok".into(),
        Identity {
            password: "has:colon".into(),
            ..Identity::default()
        },
    );
    assert!(fixture::htpasswd_for(&ids, Scheme::Plaintext, 0).is_err());
    assert!(fixture::htpasswd_for(&ids, Scheme::Bcrypt, 3).is_err());
    assert!(fixture::htpasswd_for(&ids, Scheme::Sha256Crypt, 999).is_err());
    assert!(fixture::htpasswd_for(&ids, Scheme::Bcrypt, 4).is_ok());
}
