//! Bad files are load errors that name file:line and the problem, never panics.

mod common;

use std::path::Path;

use authbench_core::DenyReason;
use authbench_file::{
    FileAuthenticator, FileConfig, FileError, FileFormat, LineProblem, MAX_FILE_BYTES,
};
use common::{fixture, publish, subscribe};

const GOOD_LINE: &str = "alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=";
/// Whether a load error's problem is the expected one.
type Expect = fn(&LineProblem) -> bool;

const BCRYPT_REST: &str = "FkezfUoN1RAH/yN5O0bciO5Lcn96TaUM/MQSv8br6KZ3nrtLOB5TK";

fn load(dir: &Path, text: &str) -> Result<FileAuthenticator, FileError> {
    let path = dir.join("users.htpasswd");
    std::fs::write(&path, text).expect("write");
    FileAuthenticator::from_paths(path, None)
}

#[test]
fn malformed_lines_are_refused_with_their_line_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cost_03 = format!("u:$2y$03${BCRYPT_REST}");
    let cost_zz = format!("u:$2y$zz${BCRYPT_REST}");
    let b2x = format!("u:$2x$05${BCRYPT_REST}");
    let cases: Vec<(&str, Expect)> = vec![
        ("u:$apr1$abc", |p| {
            matches!(p, LineProblem::MalformedHash { scheme: "apr1", .. })
        }),
        ("u:$2y$zz$x", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "bcrypt",
                    ..
                }
            )
        }),
        (&cost_zz, |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "bcrypt",
                    ..
                }
            )
        }),
        (&cost_03, |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "bcrypt",
                    ..
                }
            )
        }),
        (&b2x, |p| matches!(p, LineProblem::UnsupportedScheme(_))),
        ("no colon on this line", |p| *p == LineProblem::NoColon),
        ("u:$9$abc$def", |p| *p == LineProblem::UnknownScheme),
        ("u:{SSHA}abcdef", |p| *p == LineProblem::UnknownScheme),
        ("u:$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", |p| {
            *p == LineProblem::UnknownScheme
        }),
        ("u:hunter2", |p| *p == LineProblem::PlaintextRefused),
        ("u:", |p| *p == LineProblem::EmptyPassword),
        (":{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=", |p| {
            *p == LineProblem::EmptyUser
        }),
        ("alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=", |p| {
            *p == LineProblem::DuplicateUser {
                user: "alice".into(),
                first_line: 1,
            }
        }),
        ("u:{SHA}GpHWL3ymc5liWkNopqtd", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "{SHA}",
                    ..
                }
            )
        }),
        ("u:{SHA}GpHWL3ymc5liWkNopqtdSjuqYH!=", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "{SHA}",
                    ..
                }
            )
        }),
        ("u:$5$salt$tooshort", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "sha256-crypt",
                    ..
                }
            )
        }),
        ("u:$6$rounds=many$salt$x", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "sha512-crypt",
                    ..
                }
            )
        }),
        ("u:$1$saltsalt$6SNdNaZLKst2LlSm7oPPL", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "md5-crypt",
                    ..
                }
            )
        }),
        // 13 crypt characters whose last one carries bits a DES digest cannot have.
        ("u:VuWR1PFWOAooZ", |p| {
            matches!(
                p,
                LineProblem::MalformedHash {
                    scheme: "des-crypt",
                    ..
                }
            )
        }),
    ];
    for (bad, expected) in cases {
        let text =
            format!("{GOOD_LINE}\n# a comment\n\n{bad}\nbob:{{SHA}}GpHWL3ymc5liWkNopqtdSjuqYHM=\n");
        let err = load(dir.path(), &text).expect_err(bad);
        assert_eq!(err.line(), Some(4), "{bad}: {err}");
        let problem = err.problem().expect("a line problem");
        assert!(expected(problem), "{bad}: got {problem:?}");
        let shown = err.to_string();
        assert!(shown.contains("users.htpasswd:4: "), "{shown}");
        // The message never repeats the hash text.
        let value = bad.split_once(':').map_or("", |(_, v)| v);
        if value.len() > 4 {
            assert!(!shown.contains(value), "{shown}");
        }
    }
}

#[test]
fn invalid_utf8_is_a_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.htpasswd");
    std::fs::write(&path, b"alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n\xc3(:x\n").expect("write");
    let err = FileAuthenticator::from_paths(path, None).expect_err("refused");
    assert_eq!(
        (err.line(), err.problem()),
        (Some(2), Some(&LineProblem::NotUtf8))
    );
}

#[tokio::test]
async fn crlf_comments_blank_lines_and_whitespace_are_fine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = std::fs::read_to_string(fixture("apache.htpasswd")).expect("fixture");
    let crlf = format!(
        "\r\n   # indented comment\r\n\t\r\n{}",
        original.replace('\n', "\r\n")
    );
    let auth = load(dir.path(), &crlf).expect("CRLF file loads");
    assert_eq!(auth.user_count(), 9);
    assert!(
        publish(&auth, "bcrypt_user", "bcrypt-secret")
            .await
            .is_allow()
    );
    assert!(
        publish(&auth, "sha512_user", "sha512-secret")
            .await
            .is_allow()
    );
    assert!(publish(&auth, "crypt_user", "crypt-pw").await.is_allow());
    // A CRLF line number still counts every line.
    let err = load(
        dir.path(),
        "a:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\r\n\r\nb:$apr1$abc\r\n",
    )
    .expect_err("bad");
    assert_eq!(err.line(), Some(3));
}

#[tokio::test]
async fn a_utf8_bom_and_crlf_are_read_in_htpasswd_and_group_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let users = dir.path().join("users.htpasswd");
    std::fs::write(
        &users,
        "\u{feff}alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\r\nbob:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\r\n",
    )
    .expect("write");
    let groups = dir.path().join("users.htgroup");
    std::fs::write(&groups, "\u{feff}publishers: alice\r\nsubscribers: bob\r\n").expect("write");
    let auth = FileAuthenticator::from_paths(&users, Some(groups)).expect("loads");
    assert_eq!(auth.user_count(), 2);
    // The BOM is not part of the first user or group name, and `\r` is not part of the last
    // member or hash.
    assert!(publish(&auth, "alice", "pw").await.is_allow());
    assert!(subscribe(&auth, "bob", "pw").await.is_allow());
    assert_eq!(
        subscribe(&auth, "alice", "pw").await.reason(),
        Some(DenyReason::RoleForbidden)
    );
    assert_eq!(
        publish(&auth, "bob", "pw").await.reason(),
        Some(DenyReason::RoleForbidden)
    );
}

#[test]
fn a_nul_byte_is_a_line_error_in_htpasswd_and_group_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let htpasswd_cases: [&[u8]; 4] = [
        // In the user name: a C reader (Apache) would see `al`.
        b"al\0ice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n",
        // At the start of the line: a C reader would see an empty line.
        b"\0alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n",
        b"alice:{SHA}GpHWL3ymc5\0liWkNopqtdSjuqYHM=\n",
        b"alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\0\n",
    ];
    let users = dir.path().join("users.htpasswd");
    for bad in htpasswd_cases {
        let text = [b"bob:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n", bad].concat();
        std::fs::write(&users, text).expect("write");
        let err = FileAuthenticator::from_paths(&users, None).expect_err("refused");
        assert_eq!(
            (err.line(), err.problem()),
            (Some(2), Some(&LineProblem::NulByte)),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
        assert!(!err.to_string().contains("GpHWL3"), "{err}");
    }
    std::fs::write(&users, "alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n").expect("write");
    let groups = dir.path().join("users.htgroup");
    let group_cases: [&[u8]; 2] = [b"publishers: alice\0bob\n", b"publi\0shers: alice\n"];
    for bad in group_cases {
        let text = [b"subscribers: alice\n", bad].concat();
        std::fs::write(&groups, text).expect("write");
        let err = FileAuthenticator::from_paths(&users, Some(groups.clone())).expect_err("refused");
        assert_eq!(
            (err.line(), err.problem()),
            (Some(2), Some(&LineProblem::NulByte)),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
        assert!(err.to_string().contains("users.htgroup:2: "), "{err}");
    }
}

#[test]
fn empty_file_loads_with_no_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let auth = load(dir.path(), "# nobody yet\n").expect("loads");
    assert_eq!(auth.user_count(), 0);
}

#[test]
fn oversized_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.htpasswd");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    let err = FileAuthenticator::from_paths(&path, None).expect_err("refused");
    assert!(matches!(err, FileError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("huge.htpasswd"), "{err}");
}

#[test]
fn missing_files_name_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = FileAuthenticator::from_paths(dir.path().join("absent.htpasswd"), None)
        .expect_err("missing");
    assert!(matches!(err, FileError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("absent.htpasswd"), "{err}");
    let err = FileAuthenticator::from_paths(
        fixture("apache.htpasswd"),
        Some(dir.path().join("absent.htgroup")),
    )
    .expect_err("missing group file");
    assert!(err.to_string().contains("absent.htgroup"), "{err}");
}

#[test]
fn bad_group_file_names_its_own_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let groups = dir.path().join("users.htgroup");
    std::fs::write(&groups, "publishers: alice\nsubscribers alice\n").expect("write");
    let err = FileAuthenticator::from_paths(fixture("apache.htpasswd"), Some(groups))
        .expect_err("bad group file");
    assert_eq!(
        (err.line(), err.problem()),
        (Some(2), Some(&LineProblem::NoColon))
    );
    assert!(err.to_string().contains("users.htgroup:2: "), "{err}");
}

#[test]
fn config_from_yaml_resolves_paths_against_the_base_dir() {
    let yaml = "htpasswd: apache.htpasswd\ngroups: groups.htgroup\nreload_interval: 5s\n";
    let config: FileConfig = serde_saphyr::from_str(yaml).expect("parses");
    assert_eq!(
        config.reload_interval,
        Some(std::time::Duration::from_secs(5))
    );
    assert_eq!(config.format, FileFormat::Htpasswd);
    assert!(!config.danger_plaintext);
    let auth = FileAuthenticator::from_config(&config, &fixture("")).expect("loads");
    assert_eq!(auth.htpasswd_path(), fixture("apache.htpasswd"));
    assert!(auth.has_groups());
}

#[test]
fn config_refuses_unknown_keys_and_unsafe_combinations() {
    let unknown = serde_saphyr::from_str::<FileConfig>("htpasswd: a\nhtpassword_typo: b\n");
    assert!(unknown.is_err());

    let yaml = "htpasswd: red5pro.credentials\nformat: red5pro_plaintext\n";
    let config: FileConfig = serde_saphyr::from_str(yaml).expect("parses");
    let err = FileAuthenticator::from_config(&config, &fixture("")).expect_err("needs danger");
    assert!(matches!(err, FileError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("danger_plaintext"), "{err}");

    let yaml = "htpasswd: red5pro.credentials\nformat: red5pro_plaintext\ndanger_plaintext: true\n";
    let config: FileConfig = serde_saphyr::from_str(yaml).expect("parses");
    let auth = FileAuthenticator::from_config(&config, &fixture("")).expect("loads with danger");
    assert_eq!(auth.user_count(), 2);

    let config = FileConfig::new("apache.htpasswd")
        .with_reload_interval(std::time::Duration::from_millis(10));
    let err = FileAuthenticator::from_config(&config, &fixture("")).expect_err("too fast");
    assert!(matches!(err, FileError::Config(_)), "{err:?}");
}
