//! The open-loop load engine.
//!
//! A run follows a fixed schedule: request `i` is *due* at `start + i / rate`, whatever happened
//! to the requests before it. A free worker takes the next index, waits until it is due (if it
//! is early), sends it, and records the latency **from the due time**, not from when it was
//! sent: when every worker is busy, requests wait, and that wait counts. This is what keeps a
//! stall visible (no coordinated omission): a closed-loop client that waits for the stall would
//! send fewer requests during it and under-report it.
//!
//! Two drivers share the schedule and the recorder:
//!
//! * [`threads`]: in-process decisions on dedicated OS threads, each spinning to the exact due
//!   time (µs-scale decisions need µs-precise starts). A decision that completes at its first
//!   poll (jwt, and the null authenticator) never touches the async runtime; one that waits
//!   (file mode's `spawn_blocking` hash check) is finished with `Handle::block_on`.
//! * [`tasks`]: requests over HTTP from async tasks, one per connection. A pacer thread releases
//!   due requests through a semaphore, so exactly as many requests are started as are due, and
//!   queued ones keep their due time.
//!
//! `Pace::Closed` drops the schedule (each worker sends its next request as soon as the previous
//! one is answered); it measures throughput against concurrency, never latency claims.

pub mod tasks;
pub mod threads;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use authbench_report::{
    BatchStats, CaseBehaviour, LatencyStats, Noise, OutcomeCount, StormBucket, summarise_histogram,
};
use hdrhistogram::Histogram;

use crate::recorder::{Recorder, histogram};
use crate::verdict::Case;

/// Most workers of one run (threads or connections).
pub const MAX_CONCURRENCY: u32 = 1024;

/// How requests are started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// A constant arrival rate, in requests per second.
    Open {
        /// Requests per second.
        rate: f64,
    },
    /// As fast as the workers go: the next request as soon as the previous one is answered.
    Closed,
}

/// What one run does.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The arrival pattern.
    pub pace: Pace,
    /// Run before measuring (requests sent, not recorded).
    pub warmup: Duration,
    /// Measured time.
    pub duration: Duration,
    /// Requests in flight at most (worker threads, or connections).
    pub concurrency: u32,
    /// Batches the measured requests are split into, by due time.
    pub batches: u32,
    /// Width of timeline buckets (join storms); `None` for no timeline.
    pub timeline: Option<Duration>,
}

/// Timeline buckets kept: a storm that takes longer than this many buckets to drain piles the
/// rest into the last one.
pub(crate) const TIMELINE_BUCKETS: usize = 400;

/// The schedule of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Schedule {
    Open {
        start: Instant,
        interval_ns: f64,
        total: u64,
        warm: u64,
        batches: u64,
    },
    Closed {
        measure_from: Instant,
        end: Instant,
        batch_ns: u128,
        batches: usize,
    },
}

impl Schedule {
    pub(crate) fn new(plan: &Plan, start: Instant) -> Schedule {
        let batches = plan.batches.max(1);
        match plan.pace {
            Pace::Open { rate } => {
                let rate = rate.max(1e-3);
                let warm = (plan.warmup.as_secs_f64() * rate).round() as u64;
                let measured = ((plan.duration.as_secs_f64() * rate).round() as u64).max(1);
                Schedule::Open {
                    start,
                    interval_ns: 1e9 / rate,
                    total: warm + measured,
                    warm,
                    batches: u64::from(batches),
                }
            }
            Pace::Closed => Schedule::Closed {
                measure_from: start + plan.warmup,
                end: start + plan.warmup + plan.duration,
                batch_ns: (plan.duration.as_nanos() / u128::from(batches)).max(1),
                batches: batches as usize,
            },
        }
    }

    /// When request `i` is due; `None` once the run is over.
    #[inline]
    pub(crate) fn due(&self, i: u64) -> Option<Instant> {
        match *self {
            Schedule::Open {
                start,
                interval_ns,
                total,
                ..
            } => (i < total).then(|| start + Duration::from_nanos((i as f64 * interval_ns) as u64)),
            Schedule::Closed { end, .. } => {
                let now = Instant::now();
                (now < end).then_some(now)
            }
        }
    }

    /// How many requests are due by `now` (open loop).
    pub(crate) fn due_by(&self, now: Instant) -> u64 {
        match *self {
            Schedule::Open {
                start,
                interval_ns,
                total,
                ..
            } => {
                if now < start {
                    return 0;
                }
                let elapsed = now.duration_since(start).as_nanos() as f64;
                ((elapsed / interval_ns).floor() as u64 + 1).min(total)
            }
            Schedule::Closed { .. } => 0,
        }
    }

    /// The batch request `i` (due or sent at `at`) is measured in; `None` during the warm-up.
    #[inline]
    pub(crate) fn batch(&self, i: u64, at: Instant) -> Option<usize> {
        match *self {
            Schedule::Open {
                total,
                warm,
                batches,
                ..
            } => {
                let measured = total - warm;
                (i >= warm).then(|| ((i - warm) * batches / measured.max(1)) as usize)
            }
            Schedule::Closed {
                measure_from,
                batch_ns,
                batches,
                ..
            } => (at >= measure_from).then(|| {
                ((at.duration_since(measure_from).as_nanos() / batch_ns) as usize).min(batches - 1)
            }),
        }
    }

    /// When the measured part begins (the first measured due time).
    pub(crate) fn measure_start(&self) -> Instant {
        match *self {
            Schedule::Open {
                start,
                interval_ns,
                warm,
                ..
            } => start + Duration::from_nanos((warm as f64 * interval_ns) as u64),
            Schedule::Closed { measure_from, .. } => measure_from,
        }
    }

    /// Requests in the whole run (open loop), or `None` (closed loop).
    pub(crate) fn total(&self) -> Option<u64> {
        match *self {
            Schedule::Open { total, .. } => Some(total),
            Schedule::Closed { .. } => None,
        }
    }
}

/// Live figures for a progress display: answers so far, and a sample of recent latencies.
#[derive(Debug)]
pub struct Live {
    completed: AtomicU64,
    window: Mutex<Histogram<u64>>,
}

/// One request in this many feeds the live latency sample (the rest only count).
const LIVE_SAMPLE: u64 = 16;

impl Default for Live {
    fn default() -> Self {
        Live {
            completed: AtomicU64::new(0),
            window: Mutex::new(histogram(2)),
        }
    }
}

impl Live {
    /// Counts one answer; every [`LIVE_SAMPLE`]th one also lands in the latency sample.
    #[inline]
    pub(crate) fn tick(&self, local: &mut u64, latency: Duration) {
        *local += 1;
        if (*local).is_multiple_of(LIVE_SAMPLE) {
            self.completed.fetch_add(LIVE_SAMPLE, Ordering::Relaxed);
            if let Ok(mut w) = self.window.lock() {
                w.saturating_record(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX).max(1));
            }
        }
    }

    /// Answers counted so far (in steps of [`LIVE_SAMPLE`]).
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// The p99 of the latencies sampled since the last call, in microseconds, and resets the
    /// sample.
    pub fn take_p99_us(&self) -> Option<f64> {
        let mut w = self.window.lock().ok()?;
        if w.is_empty() {
            return None;
        }
        let p = w.value_at_quantile(0.99) as f64 / 1000.0;
        w.reset();
        Some(p)
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub(crate) rec: Recorder,
    pub(crate) schedule: Schedule,
    /// The rate asked for (open loop).
    pub target_rate: Option<f64>,
    /// Workers used.
    pub concurrency: u32,
    pub(crate) duration: Duration,
}

impl RunResult {
    /// Measured requests.
    pub fn requests(&self) -> u64 {
        self.rec.count()
    }

    /// Measured requests that got no answer.
    pub fn failures(&self) -> u64 {
        self.rec.failures
    }

    /// Latency from the intended start.
    pub fn latency(&self) -> Option<LatencyStats> {
        summarise_histogram(&self.rec.latency)
    }

    /// Latency from the actual send.
    pub fn service_time(&self) -> Option<LatencyStats> {
        summarise_histogram(&self.rec.service)
    }

    /// Requests started per second over the measured part.
    pub fn offered_rate(&self) -> f64 {
        match (self.rec.first_start, self.rec.last_start) {
            (Some(a), Some(b)) if b > a && self.requests() > 1 => {
                (self.requests() - 1) as f64 / b.duration_since(a).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    /// Requests answered per second over the measured part (from its first due time to the
    /// last answer; the measured duration in a closed loop).
    pub fn throughput(&self) -> f64 {
        let span = match self.schedule {
            Schedule::Closed { .. } => self.duration,
            Schedule::Open { .. } => self.rec.last_end.map_or(Duration::ZERO, |end| {
                end.saturating_duration_since(self.schedule.measure_start())
            }),
        };
        if span.is_zero() {
            0.0
        } else {
            self.requests() as f64 / span.as_secs_f64()
        }
    }

    /// Per-batch p50 and p99, in order (empty batches left out).
    pub fn batches(&self) -> Vec<BatchStats> {
        self.rec
            .batches
            .iter()
            .filter(|h| !h.is_empty())
            .map(|h| BatchStats {
                requests: h.len(),
                p50_us: h.value_at_quantile(0.5) as f64 / 1000.0,
                p99_us: h.value_at_quantile(0.99) as f64 / 1000.0,
            })
            .collect()
    }

    /// Relative standard deviation of the batch figures.
    pub fn noise(&self) -> Noise {
        let b = self.batches();
        Noise {
            p50_rel: rel_sd(b.iter().map(|x| x.p50_us)),
            p99_rel: rel_sd(b.iter().map(|x| x.p99_us)),
        }
    }

    /// Outcomes per case.
    pub fn behaviour(&self, cases: &[Case]) -> Vec<CaseBehaviour> {
        cases
            .iter()
            .zip(&self.rec.outcomes)
            .filter(|(_, outcomes)| !outcomes.is_empty())
            .map(|(case, outcomes)| {
                let mut outcomes: Vec<OutcomeCount> = outcomes
                    .iter()
                    .map(|(v, n)| OutcomeCount {
                        outcome: v.to_string(),
                        count: *n,
                    })
                    .collect();
                outcomes.sort_by(|a, b| b.count.cmp(&a.count).then(a.outcome.cmp(&b.outcome)));
                CaseBehaviour {
                    case: case.name.clone(),
                    expected: case.expected.to_string(),
                    outcomes,
                }
            })
            .collect()
    }

    /// The timeline of a run with one (join storm), trailing empty buckets dropped.
    pub fn timeline(&self) -> Vec<StormBucket> {
        let Some(t) = &self.rec.timeline else {
            return Vec::new();
        };
        let bucket = t.bucket;
        let total = self.schedule.total().unwrap_or(0);
        let last_used = t.completed.iter().rposition(|&c| c > 0).unwrap_or(0);
        let arrivals_until = |edge: Duration| -> u64 {
            match self.schedule {
                Schedule::Open { interval_ns, .. } => {
                    ((edge.as_nanos() as f64 / interval_ns).ceil() as u64).min(total)
                }
                Schedule::Closed { .. } => 0,
            }
        };
        (0..=last_used)
            .map(|k| {
                let from = bucket * k as u32;
                let to = bucket * (k as u32 + 1);
                StormBucket {
                    t_ms: from.as_secs_f64() * 1000.0,
                    arrived: arrivals_until(to) - arrivals_until(from),
                    completed: t.completed.get(k).copied().unwrap_or(0),
                    p99_us: t
                        .latency
                        .get(k)
                        .and_then(Option::as_ref)
                        .filter(|h| !h.is_empty())
                        .map(|h| h.value_at_quantile(0.99) as f64 / 1000.0),
                }
            })
            .collect()
    }

    /// Seconds from the first due time to the last answer.
    pub fn drained_s(&self) -> f64 {
        self.rec.last_end.map_or(0.0, |end| {
            end.saturating_duration_since(self.schedule.measure_start())
                .as_secs_f64()
        })
    }
}

/// Standard deviation over mean; 0 with fewer than two values.
pub(crate) fn rel_sd(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    if mean <= 0.0 {
        return 0.0;
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    var.sqrt() / mean
}

/// Waits until `due`: sleeps while it is far, then spins (or yields, when there are more
/// workers than cores) for the last stretch, so the request starts within a microsecond or so.
#[inline]
pub(crate) fn wait_until(due: Instant, spin: bool) {
    loop {
        let now = Instant::now();
        if now >= due {
            return;
        }
        let left = due - now;
        if left > Duration::from_micros(300) {
            std::thread::sleep(left - Duration::from_micros(200));
        } else if spin {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_schedule_counts_and_batches() {
        let start = Instant::now();
        let plan = Plan {
            pace: Pace::Open { rate: 1000.0 },
            warmup: Duration::from_millis(100),
            duration: Duration::from_secs(1),
            concurrency: 2,
            batches: 10,
            timeline: None,
        };
        let s = Schedule::new(&plan, start);
        assert_eq!(s.total(), Some(1100));
        assert_eq!(s.due(1).map(|d| d - start), Some(Duration::from_millis(1)));
        assert_eq!(s.due(1100), None);
        assert_eq!(s.batch(99, start), None);
        assert_eq!(s.batch(100, start), Some(0));
        assert_eq!(s.batch(1099, start), Some(9));
        assert_eq!(s.due_by(start + Duration::from_micros(2500)), 3);
        assert_eq!(s.measure_start() - start, Duration::from_millis(100));
    }

    #[test]
    fn relative_spread() {
        assert_eq!(rel_sd([5.0].into_iter()), 0.0);
        let r = rel_sd([9.0, 10.0, 11.0].into_iter());
        assert!((r - 0.1).abs() < 1e-9, "{r}");
    }
}
