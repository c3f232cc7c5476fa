//! Reload: good files swap in atomically, broken files leave the previous version in force, and
//! requests never fail because of a reload.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use authbench_core::DenyReason;
use authbench_file::{FileAuthenticator, FileConfig, LineProblem, ReloadOutcome};
use common::{publish, replace_file, subscribe};

const ALICE: &str = "alice:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="; // password "pw"
const BOB: &str = "bob:$apr1$K7CGBoDi$J9/4eZR1hw0iqanp.zVwE1"; // password "pw"
const ALICE_NEW_PASSWORD: &str = "alice:$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1"; // also "pw"
const CAROL_PW2: &str = "carol:{SHA}8Wyi36Noi/CMek4hVErxW9WYy3A="; // password "pw2"

#[tokio::test]
async fn good_file_swaps_in_and_broken_file_keeps_the_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = replace_file(dir.path(), "users.htpasswd", &format!("{ALICE}\n{BOB}\n"));
    let auth = FileAuthenticator::from_paths(&path, None).expect("loads");
    assert!(publish(&auth, "bob", "pw").await.is_allow());

    // Bob removed, Carol added: takes effect on reload, not before.
    replace_file(
        dir.path(),
        "users.htpasswd",
        &format!("{ALICE}\n{CAROL_PW2}\n"),
    );
    assert!(
        publish(&auth, "bob", "pw").await.is_allow(),
        "no reload yet"
    );
    assert_eq!(
        auth.reload().expect("reloads"),
        ReloadOutcome::Reloaded { users: 2 }
    );
    assert_eq!(
        publish(&auth, "bob", "pw").await.reason(),
        Some(DenyReason::UnknownUser)
    );
    assert!(publish(&auth, "carol", "pw2").await.is_allow());

    // A broken file: the error names the line, the previous version stays.
    replace_file(
        dir.path(),
        "users.htpasswd",
        &format!("{ALICE}\nmallory:$apr1$abc\n"),
    );
    let err = auth.reload().expect_err("broken file refused");
    assert_eq!(err.line(), Some(2));
    assert!(matches!(
        err.problem(),
        Some(LineProblem::MalformedHash { .. })
    ));
    assert!(publish(&auth, "carol", "pw2").await.is_allow());
    assert_eq!(
        publish(&auth, "mallory", "x").await.reason(),
        Some(DenyReason::UnknownUser)
    );
    assert_eq!(auth.user_count(), 2);

    // A missing file is refused the same way.
    std::fs::remove_file(&path).expect("remove");
    assert!(auth.reload().is_err());
    assert!(publish(&auth, "carol", "pw2").await.is_allow());
}

#[tokio::test]
async fn reload_if_changed_reads_only_changed_files_and_reports_a_broken_one_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = replace_file(dir.path(), "users.htpasswd", &format!("{ALICE}\n"));
    let groups = replace_file(dir.path(), "users.htgroup", "publishers: alice\n");
    let auth = FileAuthenticator::from_paths(&path, Some(groups)).expect("loads");
    assert_eq!(
        auth.reload_if_changed().expect("ok"),
        ReloadOutcome::Unchanged
    );
    assert_eq!(
        subscribe(&auth, "alice", "pw").await.reason(),
        Some(DenyReason::RoleForbidden)
    );

    // A group file change alone is seen.
    replace_file(
        dir.path(),
        "users.htgroup",
        "publishers: alice\nsubscribers: alice\n",
    );
    assert_eq!(
        auth.reload_if_changed().expect("ok"),
        ReloadOutcome::Reloaded { users: 1 }
    );
    assert!(subscribe(&auth, "alice", "pw").await.is_allow());

    // Password change via a new hash.
    replace_file(
        dir.path(),
        "users.htpasswd",
        &format!("{ALICE_NEW_PASSWORD}\n"),
    );
    assert!(matches!(
        auth.reload_if_changed(),
        Ok(ReloadOutcome::Reloaded { .. })
    ));
    assert!(publish(&auth, "alice", "pw").await.is_allow());

    replace_file(dir.path(), "users.htpasswd", "alice:$2y$zz$x\n");
    assert!(auth.reload_if_changed().is_err(), "broken file reported");
    assert_eq!(
        auth.reload_if_changed().expect("ok"),
        ReloadOutcome::Unchanged,
        "reported once"
    );
    assert!(
        publish(&auth, "alice", "pw").await.is_allow(),
        "previous version in force"
    );

    replace_file(dir.path(), "users.htpasswd", &format!("{ALICE}\n{BOB}\n"));
    assert_eq!(
        auth.reload_if_changed().expect("ok"),
        ReloadOutcome::Reloaded { users: 2 }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_reloads_never_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Alice (cheap {SHA}) and Bob (apr1, verified on the blocking pool) are in every good version.
    let version_a = format!("{ALICE}\n{BOB}\n");
    let version_b = format!("# version b\n{BOB}\n{CAROL_PW2}\n{ALICE}\n");
    let broken = format!("{ALICE}\n{BOB}\nbad line without colon\n");
    let path = replace_file(dir.path(), "users.htpasswd", &version_a);
    let auth = Arc::new(FileAuthenticator::from_paths(&path, None).expect("loads"));

    let done = Arc::new(AtomicBool::new(false));
    let (swapped, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reloader = {
        let (auth, done, swapped, refused) =
            (auth.clone(), done.clone(), swapped.clone(), refused.clone());
        let dir = dir.path().to_owned();
        std::thread::spawn(move || {
            for i in 0..60 {
                let text = match i % 3 {
                    0 => &version_b,
                    1 => &broken,
                    _ => &version_a,
                };
                replace_file(&dir, "users.htpasswd", text);
                match auth.reload() {
                    Ok(_) => swapped.fetch_add(1, Ordering::Relaxed),
                    Err(_) => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
            done.store(true, Ordering::Release);
        })
    };

    let mut clients = Vec::new();
    for c in 0..4 {
        let (auth, done) = (auth.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            let user = if c % 2 == 0 { "alice" } else { "bob" };
            let mut decisions = 0;
            // At least 50 requests each, and keep going until the reloads are over.
            while decisions < 50 || !done.load(Ordering::Acquire) {
                let d = publish(auth.as_ref(), user, "pw").await;
                assert!(d.is_allow(), "{user}: {d:?}");
                decisions += 1;
                assert!(decisions < 1_000_000, "bounded");
            }
            decisions
        }));
    }
    let mut total = 0;
    for client in clients {
        total += client.await.expect("client task");
    }
    reloader.join().expect("reloader");
    assert_eq!(swapped.load(Ordering::Relaxed), 40);
    assert_eq!(refused.load(Ordering::Relaxed), 20);
    assert!(total >= 200);
}

#[tokio::test]
async fn watcher_picks_up_a_changed_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    replace_file(dir.path(), "users.htpasswd", &format!("{ALICE}\n"));
    let config = FileConfig::new("users.htpasswd").with_reload_interval(Duration::from_millis(100));
    let auth = FileAuthenticator::from_config(&config, dir.path()).expect("loads");
    assert_eq!(
        publish(&auth, "bob", "pw").await.reason(),
        Some(DenyReason::UnknownUser)
    );

    replace_file(dir.path(), "users.htpasswd", &format!("{ALICE}\n{BOB}\n"));
    // Waits for the background thread (not for any expiry), bounded.
    let deadline = Instant::now() + Duration::from_secs(20);
    while auth.user_count() != 2 {
        assert!(Instant::now() < deadline, "watcher did not reload");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(publish(&auth, "bob", "pw").await.is_allow());

    // A broken file leaves the version in force.
    replace_file(dir.path(), "users.htpasswd", "alice\n");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(auth.user_count(), 2);
    assert!(publish(&auth, "bob", "pw").await.is_allow());
}
