//! Requests over the network from async tasks, one per connection, paced by a thread that
//! releases due requests through a semaphore (see the module docs of [`crate::engine`]).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::LoadError;
use crate::engine::{Live, MAX_CONCURRENCY, Pace, Plan, RunResult, Schedule, TIMELINE_BUCKETS};
use crate::recorder::Recorder;
use crate::verdict::Verdict;

/// Something requests are sent to from async tasks: each task opens its own connection.
pub trait AsyncTarget: Send + Sync + 'static {
    /// A task's connection (or `()` when the target pools its own).
    type Conn: Send + 'static;

    /// Number of request cases (for the behaviour tally).
    fn cases(&self) -> usize;

    /// Opens one connection.
    fn connect(&self) -> impl Future<Output = Result<Self::Conn, LoadError>> + Send;

    /// Sends request `i` and returns its case index and verdict. Never panics; a failure is a
    /// [`Verdict::Failed`] (and the connection is reopened by the next call if need be).
    fn call<'a>(
        &'a self,
        conn: &'a mut Self::Conn,
        i: u64,
    ) -> impl Future<Output = (usize, Verdict)> + Send + 'a;
}

/// Recorders the tasks of one run share.
const RECORDER_SHARDS: u32 = 4;

/// Below this interval between requests the pacer sleeps coarsely and releases requests in
/// small batches (a spinning pacer would take a core from the service it measures); above it,
/// it spins the last stretch so each request is released on time.
const SPIN_PACER_INTERVAL: Duration = Duration::from_micros(500);

/// Runs `plan` against `target` with `plan.concurrency` connections, on the current runtime.
///
/// # Errors
///
/// [`LoadError::Connect`] when a connection cannot be opened before the run starts,
/// [`LoadError::Thread`] when the pacer cannot be started or a task panicked.
pub async fn run<T: AsyncTarget>(
    plan: &Plan,
    target: Arc<T>,
    live: Arc<Live>,
) -> Result<RunResult, LoadError> {
    let workers = plan.concurrency.clamp(1, MAX_CONCURRENCY);
    let mut conns = Vec::with_capacity(workers as usize);
    for _ in 0..workers {
        conns.push(target.connect().await?);
    }
    let start = Instant::now() + Duration::from_millis(10);
    let schedule = Schedule::new(plan, start);
    let timeline = plan
        .timeline
        .map(|bucket| (schedule.measure_start(), bucket, TIMELINE_BUCKETS));
    let cases = target.cases();
    let batches = plan.batches.max(1) as usize;
    let gate = Arc::new(Semaphore::new(0));
    let claimed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let open = matches!(plan.pace, Pace::Open { .. });

    let pacer = if open {
        let gate = gate.clone();
        let stop = stop.clone();
        Some(
            std::thread::Builder::new()
                .name("load-pacer".into())
                .spawn(move || pace(schedule, &gate, &stop, workers))
                .map_err(|e| LoadError::thread("cannot start the pacer", e))?,
        )
    } else {
        None
    };

    // Tasks share a few recorders (a lock per answer costs nothing beside a network round
    // trip) instead of holding one each: 64 connections with a histogram set apiece would
    // allocate and zero tens of megabytes just as the run starts.
    let shards: Arc<Vec<Mutex<Recorder>>> = Arc::new(
        (0..workers.min(RECORDER_SHARDS))
            .map(|_| Mutex::new(Recorder::new(cases, batches, timeline)))
            .collect(),
    );
    let mut handles = Vec::with_capacity(workers as usize);
    for (k, mut conn) in conns.into_iter().enumerate() {
        let target = target.clone();
        let gate = gate.clone();
        let claimed = claimed.clone();
        let live = live.clone();
        let shards = shards.clone();
        handles.push(tokio::spawn(async move {
            let shard = shards.get(k % shards.len().max(1));
            let mut local = 0u64;
            loop {
                if open {
                    match gate.acquire().await {
                        Ok(p) => p.forget(),
                        Err(_) => break,
                    }
                }
                let i = claimed.fetch_add(1, Ordering::Relaxed);
                let Some(due) = schedule.due(i) else { break };
                let sent = Instant::now();
                let (case, verdict) = target.call(&mut conn, i).await;
                let done = Instant::now();
                if let Some(batch) = schedule.batch(i, if open { due } else { sent })
                    && let Some(Ok(mut rec)) = shard.map(Mutex::lock)
                {
                    rec.record(batch, case, due, sent, done, verdict);
                }
                live.tick(&mut local, done.saturating_duration_since(due));
            }
        }));
    }
    let mut failed = None;
    for h in handles {
        if let Err(e) = h.await {
            failed = Some(LoadError::thread("a load task failed", e));
        }
    }
    let mut merged = Recorder::new(cases, batches, timeline);
    for shard in shards.iter() {
        match shard.lock() {
            Ok(r) => merged.merge(&r),
            Err(_) => {
                failed = Some(LoadError::Thread(
                    "a load task panicked while recording".into(),
                ))
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(p) = pacer {
        let _ = p.join();
    }
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(RunResult {
        rec: merged,
        schedule,
        target_rate: match plan.pace {
            Pace::Open { rate } => Some(rate),
            Pace::Closed => None,
        },
        concurrency: workers,
        duration: plan.duration,
    })
}

/// The pacer: releases each request when it is due, then one extra permit per worker so every
/// task wakes up, finds the schedule exhausted, and ends.
fn pace(schedule: Schedule, gate: &Semaphore, stop: &AtomicBool, workers: u32) {
    let Some(total) = schedule.total() else {
        return;
    };
    let spin = match (schedule.due(0), schedule.due(1)) {
        (Some(a), Some(b)) => b.duration_since(a) >= SPIN_PACER_INTERVAL,
        _ => true,
    };
    let mut released = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let due = schedule.due_by(Instant::now());
        if due > released {
            gate.add_permits(usize::try_from(due - released).unwrap_or(usize::MAX >> 4));
            released = due;
        }
        if released >= total {
            break;
        }
        let Some(next) = schedule.due(released) else {
            break;
        };
        let left = next.saturating_duration_since(Instant::now());
        if !spin {
            std::thread::sleep(left);
        } else if left > Duration::from_micros(250) {
            std::thread::sleep(left - Duration::from_micros(200));
        } else {
            std::hint::spin_loop();
        }
    }
    gate.add_permits(workers as usize);
}
