//! The service under concurrent load answers every request correctly and its memory stays
//! bounded. Not a timing test: it asserts answers and resident memory, never durations.

mod common;

use authbench_authsvc::{AuthService, PATH_MEDIAMTX, PATH_VALIDATE, ServiceOptions};
use common::{Conn, identities, mtx, red5};
use serde_json::Value;

const CONNECTIONS: usize = 64;
const REQUESTS: usize = 5_000;
const WARM_UP: usize = 640;

/// Resident set size of this process, in KiB, from /proc (None where there is no /proc).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Request `i` of the mix and the answer it must get.
fn case(i: usize) -> (&'static str, Value, Option<&'static str>) {
    match i % 6 {
        0 => (
            PATH_VALIDATE,
            red5("alice", "alice-pw", "publisher", "live/room1", "cam"),
            None,
        ),
        1 => (
            PATH_VALIDATE,
            red5("alice", "wrong", "publisher", "live/room1", "cam"),
            Some("bad_password"),
        ),
        2 => (
            PATH_VALIDATE,
            red5("bob", "bob-pw", "publisher", "live/room1", "cam"),
            Some("role_forbidden"),
        ),
        3 => (
            PATH_MEDIAMTX,
            mtx("bob", "bob-pw", "read", "rtsp", "live/room9/cam"),
            None,
        ),
        4 => (
            PATH_MEDIAMTX,
            mtx("carol", "carol-pw", "read", "rtsp", "live/room1/cam"),
            Some("revoked"),
        ),
        _ => (
            PATH_MEDIAMTX,
            mtx("eve", "x", "read", "srt", "live/room1/cam"),
            Some("unknown_user"),
        ),
    }
}

async fn run(addr: std::net::SocketAddr, offset: usize, total: usize) -> usize {
    let per_conn = total.div_ceil(CONNECTIONS);
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for c in 0..CONNECTIONS {
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut correct = 0;
            for k in 0..per_conn {
                let i = offset + c * per_conn + k;
                if i >= offset + total {
                    break;
                }
                let (path, body, want) = case(i);
                let reply = conn.send("POST", path, Some(&body), &[]).await;
                let v = reply.json();
                let got = if path == PATH_VALIDATE {
                    (v["result"] == false)
                        .then(|| v["reason"].as_str().map(str::to_owned))
                        .flatten()
                } else {
                    (reply.status != 200)
                        .then(|| v["reason"].as_str().map(str::to_owned))
                        .flatten()
                };
                assert_eq!(got.as_deref(), want, "request {i} to {path}");
                correct += 1;
            }
            correct
        }));
    }
    let mut answered = 0;
    for t in tasks {
        answered += t.await.expect("client task");
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_requests_over_many_connections_answered_correctly_in_bounded_memory() {
    let svc = AuthService::new(&identities(), ServiceOptions::default())
        .expect("service")
        .spawn_loopback()
        .await
        .expect("listen");
    let addr = svc.local_addr();

    // Warm up so allocator pools and connection buffers exist before the baseline.
    assert_eq!(run(addr, 0, WARM_UP).await, WARM_UP);
    let before = rss_kib();
    assert_eq!(run(addr, WARM_UP, REQUESTS).await, REQUESTS);
    let after = rss_kib();

    let stats = svc.stats();
    let served = stats.requests_to("validate_credentials") + stats.requests_to("mediamtx_auth");
    assert_eq!(served, (WARM_UP + REQUESTS) as u64);
    assert!(stats.connections_total >= 2 * CONNECTIONS as u64);
    if let (Some(before), Some(after)) = (before, after) {
        // Generous: per-request state must not accumulate. 5,000 leaked answers of even 10 KiB
        // would already exceed it.
        let grown = after.saturating_sub(before);
        eprintln!("RSS {before} KiB -> {after} KiB over {REQUESTS} requests");
        assert!(
            grown < 48 * 1024,
            "RSS grew by {grown} KiB over {REQUESTS} requests"
        );
    }
    svc.shutdown().await;
}
