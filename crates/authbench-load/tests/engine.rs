//! The load engine against fake authenticators with a known behaviour. Assertions are logical
//! properties (counts, "a stall of S shows in max ≥ S"), never timing thresholds.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authbench_core::{
    Action, AuthRequest, Authenticator, Capabilities, Credentials, Decision, DenyReason,
    StreamPath, Transport, async_trait,
};
use authbench_load::engine::{Live, Pace, Plan, tasks, threads};
use authbench_load::targets::AuthTarget;
use authbench_load::verdict::{Case, Verdict, Workload};

/// Busy for `service`, except request number `stall_at`, which sleeps `stall` first.
struct Fake {
    service: Duration,
    stall_at: u64,
    stall: Duration,
    calls: AtomicU64,
}

#[async_trait]
impl Authenticator for Fake {
    fn mode(&self) -> &str {
        "fake"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::none()
    }
    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        if n == self.stall_at {
            std::thread::sleep(self.stall);
        }
        let t0 = Instant::now();
        while t0.elapsed() < self.service {
            std::hint::spin_loop();
        }
        if req
            .credentials
            .password
            .as_ref()
            .is_some_and(|p| p.expose() == "bad")
        {
            Decision::deny(DenyReason::BadPassword, "bad")
        } else {
            Decision::allow("u")
        }
    }
}

fn workload() -> Workload {
    let path = StreamPath::new("live/room1/cam").unwrap();
    let req = |pw: &str| {
        AuthRequest::new(
            Action::Publish,
            Transport::Rtmp,
            path.clone(),
            Credentials::user_password("u", pw),
        )
    };
    Workload {
        cases: vec![
            Case {
                name: "good".into(),
                expected: Verdict::Allow,
            },
            Case {
                name: "bad".into(),
                expected: Verdict::Deny(DenyReason::BadPassword),
            },
        ],
        requests: vec![
            (req("good"), 0),
            (req("good"), 0),
            (req("good"), 0),
            (req("bad"), 1),
        ],
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn open_loop_sends_exactly_the_schedule_and_never_early() {
    let rt = runtime();
    let fake: Arc<dyn Authenticator> = Arc::new(Fake {
        service: Duration::from_micros(20),
        stall_at: u64::MAX,
        stall: Duration::ZERO,
        calls: AtomicU64::new(0),
    });
    let plan = Plan {
        pace: Pace::Open { rate: 2000.0 },
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(500),
        concurrency: 2,
        batches: 5,
        timeline: None,
    };
    let w = workload();
    let run = threads::run(&plan, &fake, &w, rt.handle(), &Live::default()).unwrap();
    // 0.5 s at 2000/s, after 200 warm-up requests.
    assert_eq!(run.requests(), 1000);
    let b = run.behaviour(&w.cases);
    assert_eq!(b[0].outcomes[0].count, 750);
    assert_eq!(b[1].outcomes[0].outcome, "deny(bad_password)");
    assert!(b.iter().all(|c| c.as_expected()));
    assert_eq!(run.batches().iter().map(|x| x.requests).sum::<u64>(), 1000);
    assert!(run.offered_rate() > 0.0);
    // Latency counts from the due time, which is never after the send.
    let (lat, svc) = (run.latency().unwrap(), run.service_time().unwrap());
    assert!(lat.min_us + 0.5 >= svc.min_us);
}

#[test]
fn a_stall_shows_in_max_and_in_the_requests_queued_behind_it() {
    let rt = runtime();
    let stall = Duration::from_millis(60);
    let rate = 1000.0;
    let fake: Arc<dyn Authenticator> = Arc::new(Fake {
        service: Duration::from_micros(10),
        stall_at: 300,
        stall,
        calls: AtomicU64::new(0),
    });
    let plan = Plan {
        pace: Pace::Open { rate },
        warmup: Duration::ZERO,
        duration: Duration::from_millis(800),
        concurrency: 1,
        batches: 4,
        timeline: Some(Duration::from_millis(50)),
    };
    let run = threads::run(&plan, &fake, &workload(), rt.handle(), &Live::default()).unwrap();
    let lat = run.latency().unwrap();
    assert!(
        lat.max_us >= stall.as_secs_f64() * 1e6,
        "max {} µs",
        lat.max_us
    );
    // With one worker, every request due during the stall waits for it: about 60 of 800 are
    // late by more than half the stall, so p99 (the 8th slowest) is too. A closed-loop client
    // would have sent none of them and reported one slow request.
    assert!(
        lat.p99_us >= stall.as_secs_f64() * 1e6 / 2.0,
        "p99 {} µs",
        lat.p99_us
    );
    let svc = run.service_time().unwrap();
    assert!(svc.max_us >= stall.as_secs_f64() * 1e6);
    let timeline = run.timeline();
    assert_eq!(timeline.iter().map(|b| b.completed).sum::<u64>(), 800);
    assert_eq!(timeline.iter().map(|b| b.arrived).sum::<u64>(), 800);
}

#[test]
fn async_tasks_keep_queued_requests_due_times() {
    let rt = runtime();
    let fake: Arc<dyn Authenticator> = Arc::new(Fake {
        service: Duration::from_micros(10),
        stall_at: 200,
        stall: Duration::from_millis(50),
        calls: AtomicU64::new(0),
    });
    let w = Arc::new(workload());
    let plan = Plan {
        pace: Pace::Open { rate: 1000.0 },
        warmup: Duration::ZERO,
        duration: Duration::from_millis(500),
        // One connection: the stalled request holds it, the rest queue at the gate.
        concurrency: 1,
        batches: 2,
        timeline: None,
    };
    let run = rt
        .block_on(tasks::run(
            &plan,
            Arc::new(AuthTarget::new(fake, w.clone())),
            Arc::new(Live::default()),
        ))
        .unwrap();
    assert_eq!(run.requests(), 500);
    let lat = run.latency().unwrap();
    assert!(lat.max_us >= 50_000.0, "max {}", lat.max_us);
    assert!(lat.p99_us >= 25_000.0, "p99 {}", lat.p99_us);
}

#[test]
fn closed_loop_is_bounded_by_time_not_count() {
    let rt = runtime();
    let fake: Arc<dyn Authenticator> = Arc::new(Fake {
        service: Duration::from_micros(100),
        stall_at: u64::MAX,
        stall: Duration::ZERO,
        calls: AtomicU64::new(0),
    });
    let plan = Plan {
        pace: Pace::Closed,
        warmup: Duration::from_millis(20),
        duration: Duration::from_millis(200),
        concurrency: 2,
        batches: 1,
        timeline: None,
    };
    let run = threads::run(&plan, &fake, &workload(), rt.handle(), &Live::default()).unwrap();
    // Each worker does at most one 100 µs decision per 100 µs.
    assert!(
        run.requests() > 0 && run.requests() <= 2 * 2000 + 2,
        "{}",
        run.requests()
    );
    assert!(run.throughput() > 0.0);
}
