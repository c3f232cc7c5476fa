//! Every hash scheme, verified against files made by Apache's htpasswd and pyca/bcrypt.

mod common;

use authbench_core::DenyReason;
use authbench_file::{FileAuthenticator, LineProblem, danger};
use common::{fixture, publish};

/// Whether a load error's problem is the expected one.
type Expect = fn(&LineProblem) -> bool;

/// (user, right password, expected weak note) for tests/fixtures/apache.htpasswd.
const APACHE_USERS: &[(&str, &str, Option<&str>)] = &[
    ("bcrypt_user", "bcrypt-secret", None),
    (
        "apr1_user",
        "apr1-secret",
        Some("weak hash scheme: apr1 (MD5-crypt, 1000 MD5 rounds)"),
    ),
    (
        "sha1_user",
        "sha1-secret",
        Some("weak hash scheme: {SHA} (unsalted SHA-1)"),
    ),
    (
        "crypt_user",
        "crypt-pw",
        Some("weak hash scheme: DES crypt"),
    ),
    ("sha256_user", "sha256-secret", None),
    ("sha256_rounds_user", "sha256-rounds", None),
    ("sha512_user", "sha512-secret", None),
    ("sha512_rounds_user", "sha512-rounds", None),
    ("unicode_user", "pässwörd:1 ☃", None),
];

#[tokio::test]
async fn every_apache_scheme_verifies_right_and_refuses_wrong() {
    let auth = FileAuthenticator::from_paths(fixture("apache.htpasswd"), None).expect("loads");
    assert_eq!(auth.user_count(), APACHE_USERS.len());
    for &(user, password, note) in APACHE_USERS {
        match publish(&auth, user, password).await {
            authbench_core::Decision::Allow(allow) => {
                assert_eq!(allow.principal, user);
                assert_eq!(allow.note.as_deref(), note, "{user}");
                assert_eq!(allow.expires_at, None);
            }
            other => panic!("{user}: expected allow, got {other:?}"),
        }
        let wrong = format!("x{password}");
        assert_eq!(
            publish(&auth, user, &wrong).await.reason(),
            Some(DenyReason::BadPassword),
            "{user}"
        );
    }
}

#[tokio::test]
async fn des_crypt_reads_only_eight_characters_and_is_reported_weak() {
    let auth = FileAuthenticator::from_paths(fixture("apache.htpasswd"), None).expect("loads");
    // The DES crypt property Apache warns about ("8 chars max, insecure").
    let d = publish(
        &auth,
        "crypt_user",
        "crypt-pw and anything after the eighth character",
    )
    .await;
    assert!(d.is_allow());
    let shown = format!("{d:?}");
    assert!(shown.contains("weak hash scheme: DES crypt"), "{shown}");
}

#[tokio::test]
async fn bcrypt_2b_and_2a_from_pyca_bcrypt_verify() {
    let auth =
        FileAuthenticator::from_paths(fixture("python-bcrypt.htpasswd"), None).expect("loads");
    for (user, password) in [("b2b_user", "b2b-secret"), ("b2a_user", "b2a-secret")] {
        assert!(publish(&auth, user, password).await.is_allow(), "{user}");
        assert_eq!(
            publish(&auth, user, "nope").await.reason(),
            Some(DenyReason::BadPassword)
        );
    }
}

#[test]
fn plaintext_is_refused_without_the_danger_switch() {
    let err = FileAuthenticator::from_paths(fixture("apache-plaintext.htpasswd"), None)
        .expect_err("plaintext refused");
    assert_eq!(err.line(), Some(2));
    assert_eq!(err.problem(), Some(&LineProblem::PlaintextRefused));
    let shown = err.to_string();
    assert!(shown.contains("apache-plaintext.htpasswd:2:"), "{shown}");
    assert!(shown.contains("danger_plaintext"), "{shown}");
    assert!(!shown.contains("plain-secret"), "{shown}");
}

#[tokio::test]
async fn plaintext_behind_the_danger_switch_is_weak() {
    let auth = danger::htpasswd_allowing_plaintext(fixture("apache-plaintext.htpasswd"), None)
        .expect("loads with danger");
    match publish(&auth, "plain_user", "plain-secret").await {
        authbench_core::Decision::Allow(a) => {
            assert_eq!(a.note.as_deref(), Some("weak hash scheme: plaintext"));
        }
        other => panic!("expected allow, got {other:?}"),
    }
    assert_eq!(
        publish(&auth, "plain_user", "plain-secreT").await.reason(),
        Some(DenyReason::BadPassword)
    );
    // Real hashes in the same file still work under the switch.
    let both =
        danger::htpasswd_allowing_plaintext(fixture("apache.htpasswd"), None).expect("loads");
    assert!(
        publish(&both, "bcrypt_user", "bcrypt-secret")
            .await
            .is_allow()
    );
}

#[tokio::test]
async fn red5pro_credentials_file_imports_behind_the_danger_switch() {
    let auth = danger::red5pro_plaintext(fixture("red5pro.credentials"), None).expect("loads");
    assert_eq!(auth.user_count(), 2);
    assert!(publish(&auth, "testuser", "testpass").await.is_allow());
    assert_eq!(
        publish(&auth, "testuser", "newpass").await.reason(),
        Some(DenyReason::BadPassword)
    );
    assert_eq!(
        publish(&auth, "nobody", "testpass").await.reason(),
        Some(DenyReason::UnknownUser)
    );
    // Read as htpasswd it is not a valid file: the first entry has no colon.
    let err =
        FileAuthenticator::from_paths(fixture("red5pro.credentials"), None).expect_err("refused");
    assert_eq!(
        (err.line(), err.problem()),
        (Some(4), Some(&LineProblem::NoColon))
    );
}

#[test]
fn inline_verification_without_a_runtime() {
    // Outside tokio nothing is sent to a blocking pool; the decision is made inline.
    let auth = FileAuthenticator::from_paths(fixture("apache.htpasswd"), None).expect("loads");
    let d = common::block_on_without_runtime(publish(&auth, "sha512_user", "sha512-secret"));
    assert!(d.is_allow());
    let d = common::block_on_without_runtime(publish(&auth, "ghost", "sha512-secret"));
    assert_eq!(d.reason(), Some(DenyReason::UnknownUser));
}

/// Apache's `mod_authn_file` ends the hash at the next `:`, so `ali:ce:{SHA}…` is, to Apache,
/// the password `ce`; read with the rest of the line it is `ce:{SHA}…`. A plaintext value
/// followed by `:` is ambiguous, and the `{SHA}` text after it may be the hash that was meant:
/// the line is refused, never loaded as the plaintext `ce`.
#[tokio::test]
async fn plaintext_followed_by_a_colon_is_refused_not_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.htpasswd");
    let line = "ali:ce:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=";
    std::fs::write(
        &path,
        format!("bob:{{SHA}}GpHWL3ymc5liWkNopqtdSjuqYHM=\n{line}\n"),
    )
    .expect("write");
    let err = match danger::htpasswd_allowing_plaintext(&path, None) {
        Ok(auth) => panic!(
            "loaded; `ali` with `ce` decides {:?}",
            publish(&auth, "ali", "ce").await
        ),
        Err(err) => err,
    };
    assert_eq!(
        (err.line(), err.problem()),
        (Some(2), Some(&LineProblem::PlaintextWithColon))
    );
    let shown = err.to_string();
    assert!(shown.contains("users.htpasswd:2: "), "{shown}");
    assert!(!shown.contains("ce:"), "{shown}");
    assert!(!shown.contains("GpHWL3"), "{shown}");
}

/// The danger switch never turns a hash-looking value into a plaintext password, and a real
/// hash may still carry Apache's trailing `:comment`.
#[tokio::test]
async fn hash_looking_values_are_never_plaintext_under_the_danger_switch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.htpasswd");
    let cases: [(&str, Expect); 3] = [
        ("u:{SHA}GpHWL3ymc5liWkNopqtd", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "{SHA}",
                    ..
                }
            )
        }),
        ("u:{SHA}:GpHWL3ymc5liWkNopqtdSjuqYHM=", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "{SHA}",
                    ..
                }
            )
        }),
        ("u:{SHAX}GpHWL3ymc5liWkNopqtdSjuqYHM=", |p| {
            *p == LineProblem::UnknownScheme
        }),
    ];
    for (bad, expected) in cases {
        std::fs::write(&path, format!("{bad}\n")).expect("write");
        let err = danger::htpasswd_allowing_plaintext(&path, None).expect_err(bad);
        let problem = err.problem().expect("a line problem");
        assert!(expected(problem), "{bad}: got {problem:?}");
    }
    std::fs::write(&path, "u:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=:a comment\n").expect("write");
    let auth = danger::htpasswd_allowing_plaintext(&path, None).expect("loads");
    match publish(&auth, "u", "pw").await {
        authbench_core::Decision::Allow(a) => {
            assert_eq!(
                a.note.as_deref(),
                Some("weak hash scheme: {SHA} (unsalted SHA-1)")
            );
        }
        other => panic!("expected allow, got {other:?}"),
    }
}
