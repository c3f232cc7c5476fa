//! `bench --target` in the library: the raw POST reference sends round-trip mode's own bodies,
//! a run against a service on loopback labels every entry with the target, and the rate guard
//! refuses a remote target before anything is sent.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_authsvc::{AuthService, ServiceOptions};
use authbench_core::{Authenticator, Identities, Identity, Secret, SystemClock};
use authbench_load::LoadError;
use authbench_load::bench::{BenchOptions, StormOptions};
use authbench_load::capacity::CapacityOptions;
use authbench_load::guard::RateGuardError;
use authbench_load::target::{self, Account, TargetBench};
use authbench_load::workload::wire_bodies;
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
use authbench_scenario::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn accounts(n: usize) -> Vec<Account> {
    (0..n)
        .map(|i| Account {
            user: format!("acct{i}"),
            password: Secret::new(format!("pw-{i}-secret")),
        })
        .collect()
}

/// A loopback HTTP/1.1 server that records every request body and answers each with `answer`.
async fn capture(answer: &'static str) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let bodies = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    // One request: headers, then Content-Length bytes of body.
                    let end = loop {
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    while buf.len() < end + len {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    bodies.lock().unwrap().push(buf[end..end + len].to_vec());
                    buf.drain(..end + len);
                    if stream.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}/auth/validateCredentials"), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_reference_posts_round_trip_modes_own_bodies() {
    let red5_ok = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"result\":true}";
    let mtx_ok = "HTTP/1.1 204 No Content\r\n\r\n";
    for (protocol, answer) in [(Protocol::Red5pro, red5_ok), (Protocol::Mediamtx, mtx_ok)] {
        let (url, seen) = capture(answer).await;
        let auth = RoundTripAuthenticator::from_config(
            &RoundTripConfig::new(url, protocol),
            &PathBuf::from("."),
            Arc::new(SystemClock),
        )
        .unwrap();
        let workload = target::workload(&accounts(3)).unwrap();
        for (req, _) in &workload.requests {
            let d = auth.authenticate(req).await;
            assert!(d.is_allow(), "{protocol:?}: {d:?}");
        }
        let sent = seen.lock().unwrap().clone();
        let ours: Vec<Vec<u8>> = wire_bodies(protocol, &workload)
            .unwrap()
            .into_iter()
            .map(|(b, _)| b.to_vec())
            .collect();
        assert_eq!(sent.len(), 6, "{protocol:?}");
        assert_eq!(
            ours.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect::<Vec<_>>(),
            sent.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect::<Vec<_>>(),
            "{protocol:?}"
        );
    }
}

fn options(rate: f64) -> BenchOptions {
    BenchOptions {
        modes: vec![Mode::Roundtrip],
        rates: BTreeMap::from([(Mode::Roundtrip, rate)]),
        duration: Duration::from_millis(600),
        warmup: Duration::from_millis(100),
        concurrency: Some(4),
        batches: 2,
        storm: Some(StormOptions {
            subscribers: 40,
            window: Duration::from_millis(200),
        }),
        capacity: Some(CapacityOptions {
            budget_p99: Duration::from_millis(500),
            connections: 4,
            step: Duration::from_millis(300),
            iterations: 1,
            max_rate: Some(400.0),
        }),
        ..BenchOptions::default()
    }
}

fn bench_at(url: String, accounts: Vec<Account>) -> TargetBench {
    TargetBench {
        name: "lab".into(),
        service: "http://127.0.0.1".into(),
        config: RoundTripConfig::new(url, Protocol::Mediamtx),
        base_dir: PathBuf::from("."),
        accounts,
        accounts_from: "a test".into(),
    }
}

#[test]
fn a_run_against_a_loopback_service_labels_every_entry_with_the_target() {
    let accts = accounts(4);
    let mut identities = Identities::new();
    for a in &accts {
        identities.insert(
            a.user.clone(),
            Identity {
                password: a.password.clone(),
                ..Identity::default()
            },
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let svc = AuthService::new(&identities, ServiceOptions::default()).unwrap();
    let running = rt.block_on(svc.spawn_loopback()).unwrap();
    let url = format!(
        "http://{}{}",
        running.local_addr(),
        authbench_authsvc::PATH_MEDIAMTX
    );
    let load = target::run(&options(150.0), &bench_at(url, accts), None).unwrap();

    assert_eq!(load.modes.len(), 1);
    let m = &load.modes[0];
    assert_eq!(
        (m.mode, m.target.as_deref()),
        (Mode::Roundtrip, Some("lab"))
    );
    assert_eq!(m.label(), "roundtrip @ lab");
    assert_eq!(m.path, "POST http://127.0.0.1 (mediamtx)");
    assert_eq!(m.target_rate, 150.0);
    let cases: Vec<(&str, &str, Vec<&str>)> = m
        .behaviour
        .iter()
        .map(|b| {
            (
                b.case.as_str(),
                b.expected.as_str(),
                b.outcomes.iter().map(|o| o.outcome.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        cases,
        vec![
            ("valid publish", "allow", vec!["allow"]),
            ("valid subscribe", "allow", vec!["allow"]),
        ]
    );
    let reference = m.reference.as_ref().unwrap();
    assert_eq!(reference.name, "raw POST (hyper) to http://127.0.0.1");
    assert!(load.sweep.is_empty());
    assert_eq!(load.join_storms.len(), 1);
    let storm = &load.join_storms[0];
    assert_eq!(storm.target.as_deref(), Some("lab"));
    assert_eq!(storm.allowed, storm.subscribers);
    let capacity = load.capacity.as_ref().unwrap();
    assert_eq!(
        capacity.target,
        "target lab: POST http://127.0.0.1 (mediamtx body, hyper client); capped at 400/s, the \
         burst paced there"
    );
    assert_eq!(capacity.steps.len(), 2);
    for step in &capacity.steps {
        assert!(step.target_rate <= 400.0, "{step:?}");
        assert_eq!(step.errors, 0, "{step:?}");
    }
    assert!(
        load.options
            .workload
            .starts_with("target lab: 4 accounts (a test)"),
        "{}",
        load.options.workload
    );
    rt.block_on(running.shutdown());
}

#[test]
fn a_remote_target_is_refused_before_anything_is_sent() {
    // `.invalid` never resolves: had the guard let the run through, it could not connect either.
    let bench = bench_at(
        "http://auth.example.invalid/mediamtx/auth".into(),
        accounts(1),
    );
    match target::run(&options(5_000.0), &bench, None) {
        Err(LoadError::RateGuard { what, source }) => {
            assert_eq!(what, "steady load (--rate)");
            assert_eq!(
                source,
                RateGuardError::RemoteNeedsMaxRate {
                    host: "auth.example.invalid".into(),
                    rate: 5_000.0
                }
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Every rate of the run is checked: here the storm's 200/s passes and the steady one is
    // capped.
    match target::run(&options(900.0), &bench, Some(800.0)) {
        Err(LoadError::RateGuard { what, source }) => {
            assert_eq!(what, "steady load (--rate)");
            assert_eq!(
                source,
                RateGuardError::AboveMaxRate {
                    rate: 900.0,
                    max_rate: 800.0
                }
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        TargetBench::requested_rates(&options(900.0)),
        vec![
            ("steady load (--rate)", 900.0),
            ("join storm (--storm)", 200.0),
            ("capacity search (--capacity)", 400.0),
        ]
    );
}
