//! Control hooks: HTTP requests to a real server on loopback, real commands.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_core::Secret;
use authbench_target::call::CallError;
use authbench_target::{Control, ControlError, ControlKind, LoadedTarget, Vars};
use common::{Dir, Reply, Server};
use serde_json::json;

const NEW_PASSWORD: &str = "n3w {user} pässword";
const ADMIN_TOKEN: &str = "Bearer adm1n";

fn target(dir: &Dir, control: &str) -> LoadedTarget {
    dir.write("secrets/admin", &format!("{ADMIN_TOKEN}\n"));
    dir.target(&format!(
        "name: t\nfile: {{htpasswd: users.htpasswd}}\ncontrol:\n{control}\n"
    ))
}

fn control(t: &LoadedTarget) -> Control {
    t.control().unwrap()
}

fn vars() -> Vars {
    Vars::account("alice", "qa alice/?&#")
}

#[tokio::test]
async fn an_http_hook_sends_its_method_url_headers_and_body_with_values_encoded() {
    let server = Server::start(|_| Reply::status(204)).await;
    let dir = Dir::new();
    let t = target(
        &dir,
        &format!(
            "  set_password:\n    http:\n      method: PUT\n      url: \"{}\"\n      \
             headers: {{Authorization: {{file: secrets/admin}}}}\n      body: {{password: \"{{password}}\", who: \"{{identity}}\"}}\n  \
             revoke: {{http: {{url: \"{}\"}}}}",
            server.url("/users/{user}/password?by={identity}"),
            server.url("/users/{user}/disable"),
        ),
    );
    let control = control(&t);
    assert_eq!(
        control.kinds().collect::<Vec<_>>(),
        [ControlKind::Revoke, ControlKind::SetPassword]
    );
    assert!(control.hook(ControlKind::Restore).is_none());
    let hook = control.hook(ControlKind::SetPassword).unwrap();
    assert_eq!(
        (hook.kind(), hook.mechanism()),
        (ControlKind::SetPassword, "http")
    );
    hook.run(&vars().with_password(Secret::new(NEW_PASSWORD)))
        .await
        .unwrap();
    control
        .hook(ControlKind::Revoke)
        .unwrap()
        .run(&vars())
        .await
        .unwrap();

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(
        seen[0].target,
        "/users/qa%20alice%2F%3F%26%23/password?by=alice"
    );
    assert_eq!(seen[0].header("authorization"), Some(ADMIN_TOKEN));
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(body, json!({"password": NEW_PASSWORD, "who": "alice"}));
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].target, "/users/qa%20alice%2F%3F%26%23/disable");
    assert_eq!(seen[1].body, "");
}

#[tokio::test]
async fn an_http_hook_answered_other_than_2xx_fails_with_the_status() {
    let server = Server::start(|r| match r.target.as_str() {
        "/moved" => Reply {
            headers: vec![("location", "/ok".to_owned())],
            ..Reply::status(307)
        },
        "/ok" => Reply::status(200),
        _ => Reply::json(404, json!({"error": format!("no user, pw {NEW_PASSWORD}")})),
    })
    .await;
    let dir = Dir::new();
    for (path, status) in [("/missing/{user}", 404), ("/moved", 307)] {
        let url = server.url(path);
        let t = target(
            &dir,
            &format!("  remove_user: {{http: {{method: DELETE, url: \"{url}\"}}}}"),
        );
        let e = control(&t)
            .hook(ControlKind::RemoveUser)
            .unwrap()
            .run(&vars().with_password(Secret::new(NEW_PASSWORD)))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ControlError::Call { kind: ControlKind::RemoveUser, source: CallError::Status { status: s, url: u, .. } }
                if *s == status && *u == url),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!("control.remove_user: DELETE {url} answered HTTP {status}")
        );
        assert!(!e.to_string().contains(NEW_PASSWORD), "{e}");
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/missing/qa%20alice%2F%3F%26%23", "/moved"]);
}

#[tokio::test]
async fn a_hook_needing_a_value_the_event_lacks_sends_nothing() {
    let server = Server::start(|_| Reply::status(200)).await;
    let dir = Dir::new();
    let url = server.url("/users/{user}/password");
    let t = target(
        &dir,
        &format!("  set_password: {{http: {{url: \"{url}\", body: {{p: \"{{password}}\"}}}}}}"),
    );
    let e = control(&t)
        .hook(ControlKind::SetPassword)
        .unwrap()
        .run(&vars())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "control.set_password: the event gives no value for {password}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_missing_value_is_found_before_a_request_is_sent_or_a_command_started() {
    let server = Server::start(|_| Reply::status(200)).await;
    let dir = Dir::new();
    let ran = dir.path().join("ran");
    dir.script(
        "set-password",
        &format!("touch '{}'\nexit 0", ran.display()),
    );
    // In the body, with a header whose secret cannot be read: the missing value is named.
    let url = server.url("/users/{user}/password");
    let t = target(
        &dir,
        &format!(
            "  set_password: {{http: {{url: \"{url}\", headers: {{Authorization: {{env: AUTHBENCH_TEST_UNSET_ADMIN}}}}, body: {{p: \"{{password}}\"}}}}}}\n  \
             restore: {{command: [./set-password, \"{{user}}\", \"{{password}}\"]}}"
        ),
    );
    let control = control(&t);
    for kind in [ControlKind::SetPassword, ControlKind::Restore] {
        let e = control.hook(kind).unwrap().run(&vars()).await.unwrap_err();
        assert!(
            matches!(&e, ControlError::Missing { kind: k, placeholder } if *k == kind && placeholder.as_str() == "password"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!("control.{kind}: the event gives no value for {{password}}")
        );
    }
    assert!(server.requests().is_empty());
    assert!(!ran.exists(), "the command ran");
}

#[tokio::test]
async fn a_command_hook_succeeds_on_exit_0_and_reports_other_codes() {
    let dir = Dir::new();
    let log = dir.path().join("log");
    dir.script(
        "restore-user",
        &format!(
            "printf '%s|%s|%s\\n' \"$1\" \"$AUTHBENCH_USER\" \"$AUTHBENCH_PASSWORD\" >> '{}'\n\
             [ \"$1\" = fail ] && exit 9\nexit 0",
            log.display()
        ),
    );
    let t = target(
        &dir,
        "  restore: {command: [./restore-user, \"{user}\"]}\n  rotate_keys: {command: [./restore-user, fail]}",
    );
    let control = control(&t);
    let restore = control.hook(ControlKind::Restore).unwrap();
    assert_eq!(restore.mechanism(), "command");
    restore
        .run(&vars().with_password(Secret::new(NEW_PASSWORD)))
        .await
        .unwrap();
    let e = control
        .hook(ControlKind::RotateKeys)
        .unwrap()
        .run(&Vars::default())
        .await
        .unwrap_err();
    let program = dir.path().join("restore-user");
    assert!(
        matches!(
            &e,
            ControlError::Call {
                kind: ControlKind::RotateKeys,
                source: CallError::Exit { code: 9, .. }
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "control.rotate_keys: {} exited with code 9",
            program.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("qa alice/?&#|qa alice/?&#|{NEW_PASSWORD}\nfail||\n")
    );
}

#[tokio::test]
async fn hooks_past_their_timeout_fail() {
    let server = Server::start(|_| Reply::hang()).await;
    let dir = Dir::new();
    dir.script("slow", "exec sleep 600");
    let url = server.url("/revoke");
    let t = target(
        &dir,
        &format!(
            "  revoke: {{http: {{url: \"{url}\"}}, timeout: 300ms}}\n  restore: {{command: [./slow], timeout: 300ms}}"
        ),
    );
    let control = control(&t);
    for kind in [ControlKind::Revoke, ControlKind::Restore] {
        let hook = control.hook(kind).unwrap();
        assert_eq!(hook.timeout().as_millis(), 300);
        let e = hook.run(&vars()).await.unwrap_err();
        assert!(
            matches!(&e, ControlError::Call { kind: k, source: CallError::Timeout { .. } } if *k == kind),
            "{e:?}"
        );
        assert!(e.to_string().ends_with("no answer within 300ms"), "{e}");
    }
}

#[tokio::test]
async fn a_command_hook_names_its_program_as_written_never_with_a_filled_in_secret() {
    const SECRET: &str = "pw-s3cret";
    let dir = Dir::new();
    // One program exists once filled in (and fails), the other never does.
    dir.script(&format!("exits-{SECRET}"), "exit 3");
    let t = target(
        &dir,
        "  set_password: {command: [\"./exits-{password}\"]}\n  \
         restore: {command: [\"./missing-{password}\"]}",
    );
    let control = control(&t);
    let with_secret = vars().with_password(Secret::new(SECRET));

    let e = control
        .hook(ControlKind::SetPassword)
        .unwrap()
        .run(&with_secret)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ControlError::Call {
                source: CallError::Exit { code: 3, .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "control.set_password: {} exited with code 3",
            dir.path().join("exits-{password}").display()
        )
    );
    assert!(!format!("{e:?}").contains(SECRET), "{e:?}");

    let e = control
        .hook(ControlKind::Restore)
        .unwrap()
        .run(&with_secret)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            ControlError::Call {
                source: CallError::Spawn { .. },
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "control.restore: cannot start {}",
            dir.path().join("missing-{password}").display()
        )),
        "{e}"
    );
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
