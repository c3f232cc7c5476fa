//! In-process decisions on dedicated OS threads (see the module docs of [`crate::engine`]).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use authbench_core::Authenticator;
use tokio::runtime::Handle;

use crate::LoadError;
use crate::engine::{
    Live, MAX_CONCURRENCY, Plan, RunResult, Schedule, TIMELINE_BUCKETS, wait_until,
};
use crate::recorder::Recorder;
use crate::verdict::{Verdict, Workload};

/// Drives a decision: one poll with a no-op waker (a local decision is ready at once and never
/// touches the runtime), else the rest on `rt` with `block_on`. Must not be called from inside an
/// async task.
#[inline]
pub fn drive<F: Future>(rt: &Handle, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    if let Poll::Ready(v) = fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        return v;
    }
    rt.block_on(fut)
}

/// Decides one request the way the engine does, returning the verdict and the time it took:
/// what the harness adds to a decision is this function minus the decision (the null
/// authenticator measures it).
#[inline]
pub fn timed_decision(
    rt: &Handle,
    auth: &dyn Authenticator,
    workload: &Workload,
    i: u64,
) -> (Verdict, Duration) {
    let t0 = Instant::now();
    let verdict = match workload.get(i) {
        Some((req, _)) => Verdict::of(&drive(rt, auth.authenticate(req))),
        None => Verdict::Failed(crate::verdict::Failure::Body),
    };
    (verdict, t0.elapsed())
}

/// Runs `plan` against `auth` on `plan.concurrency` threads. `rt` provides the blocking pool for
/// decisions that wait (file mode); call this from outside any async task.
///
/// # Errors
///
/// [`LoadError::EmptyWorkload`] when there is nothing to send, [`LoadError::Thread`] when a
/// worker thread cannot be started or panicked.
pub fn run(
    plan: &Plan,
    auth: &Arc<dyn Authenticator>,
    workload: &Workload,
    rt: &Handle,
    live: &Live,
) -> Result<RunResult, LoadError> {
    if workload.requests.is_empty() {
        return Err(LoadError::EmptyWorkload);
    }
    let workers = plan.concurrency.clamp(1, MAX_CONCURRENCY);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let spin = workers as usize <= cores;
    // Leave the threads a moment to start, so the first due times are not already late.
    let start = Instant::now() + Duration::from_millis(10);
    let schedule = Schedule::new(plan, start);
    let timeline = plan
        .timeline
        .map(|bucket| (schedule.measure_start(), bucket, TIMELINE_BUCKETS));
    let next = AtomicU64::new(0);
    let cases = workload.cases.len();
    let batches = plan.batches.max(1) as usize;

    let recorders: Vec<Result<Recorder, LoadError>> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers as usize);
        for w in 0..workers {
            let spawned = std::thread::Builder::new()
                .name(format!("load-{w}"))
                .spawn_scoped(scope, || {
                    let _guard = rt.enter();
                    let mut rec = Recorder::new(cases, batches, timeline);
                    let mut local = 0u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(due) = schedule.due(i) else { break };
                        wait_until(due, spin);
                        let Some((req, case)) = workload.get(i) else {
                            break;
                        };
                        let sent = Instant::now();
                        let verdict = Verdict::of(&drive(rt, auth.authenticate(req)));
                        let done = Instant::now();
                        if let Some(batch) = schedule.batch(i, sent) {
                            rec.record(batch, *case, due, sent, done, verdict);
                        }
                        live.tick(&mut local, done.saturating_duration_since(due));
                    }
                    rec
                });
            handles.push(spawned);
        }
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h
                    .join()
                    .map_err(|_| LoadError::Thread("a load worker panicked".into())),
                Err(e) => Err(LoadError::thread("cannot start a load worker", e)),
            })
            .collect()
    });
    let mut merged = Recorder::new(cases, batches, timeline);
    for r in recorders {
        merged.merge(&r?);
    }
    Ok(RunResult {
        rec: merged,
        schedule,
        target_rate: match plan.pace {
            crate::engine::Pace::Open { rate } => Some(rate),
            crate::engine::Pace::Closed => None,
        },
        concurrency: workers,
        duration: plan.duration,
    })
}
