//! Recording measured requests into HDR histograms: one recorder per worker (no sharing on the
//! hot path), merged when the run ends. Recording allocates nothing after the first request of
//! each outcome.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::verdict::Verdict;

/// Longest latency recorded exactly; longer ones are recorded as this (saturating).
pub const MAX_RECORDED: Duration = Duration::from_secs(120);

/// A latency histogram in nanoseconds, 1 ns to [`MAX_RECORDED`], with `digits` significant digits.
pub(crate) fn histogram(digits: u8) -> Histogram<u64> {
    // Bounds and digits are constants within hdrhistogram's limits, so this cannot fail; fall
    // back to an auto-resizing histogram rather than panic should it ever.
    Histogram::new_with_bounds(1, MAX_RECORDED.as_nanos() as u64, digits)
        .unwrap_or_else(|_| Histogram::new(digits).unwrap_or_else(|_| unreachable_histogram()))
}

#[allow(clippy::unwrap_used)] // 3 significant digits is always valid
fn unreachable_histogram() -> Histogram<u64> {
    Histogram::new(3).unwrap()
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Per-bucket figures of a timeline (join storms).
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    pub(crate) bucket: Duration,
    pub(crate) completed: Vec<u64>,
    /// Made on the first answer in the bucket: a storm touches few of the buckets kept.
    pub(crate) latency: Vec<Option<Histogram<u64>>>,
}

impl Timeline {
    fn new(bucket: Duration, buckets: usize) -> Timeline {
        Timeline {
            bucket,
            completed: vec![0; buckets],
            latency: vec![None; buckets],
        }
    }

    fn merge(&mut self, other: &Timeline) {
        for (a, b) in self.completed.iter_mut().zip(&other.completed) {
            *a += b;
        }
        for (a, b) in self.latency.iter_mut().zip(&other.latency) {
            match (a.as_mut(), b) {
                (Some(a), Some(b)) => {
                    let _ = a.add(b);
                }
                (None, Some(b)) => *a = Some(b.clone()),
                (_, None) => {}
            }
        }
    }
}

/// What one worker (or, merged, a whole run) measured.
#[derive(Debug, Clone)]
pub(crate) struct Recorder {
    /// From the intended start to the answer.
    pub(crate) latency: Histogram<u64>,
    /// From the moment the request was sent to the answer.
    pub(crate) service: Histogram<u64>,
    /// Latency per batch (two significant digits: enough for a spread).
    pub(crate) batches: Vec<Histogram<u64>>,
    /// Per case: each distinct verdict and its count.
    pub(crate) outcomes: Vec<Vec<(Verdict, u64)>>,
    /// Requests that got no answer.
    pub(crate) failures: u64,
    /// Earliest and latest actual start, and latest answer, of measured requests.
    pub(crate) first_start: Option<Instant>,
    pub(crate) last_start: Option<Instant>,
    pub(crate) last_end: Option<Instant>,
    pub(crate) timeline: Option<Timeline>,
    pub(crate) timeline_origin: Option<Instant>,
}

impl Recorder {
    pub(crate) fn new(
        cases: usize,
        batches: usize,
        timeline: Option<(Instant, Duration, usize)>,
    ) -> Recorder {
        Recorder {
            latency: histogram(3),
            service: histogram(3),
            batches: (0..batches.max(1)).map(|_| histogram(2)).collect(),
            outcomes: vec![Vec::new(); cases],
            failures: 0,
            first_start: None,
            last_start: None,
            last_end: None,
            timeline: timeline.map(|(_, bucket, n)| Timeline::new(bucket, n)),
            timeline_origin: timeline.map(|(origin, _, _)| origin),
        }
    }

    /// Records one measured request.
    #[inline]
    pub(crate) fn record(
        &mut self,
        batch: usize,
        case: usize,
        due: Instant,
        sent: Instant,
        done: Instant,
        verdict: Verdict,
    ) {
        let latency = nanos(done.saturating_duration_since(due)).max(1);
        self.latency.saturating_record(latency);
        self.service
            .saturating_record(nanos(done.saturating_duration_since(sent)).max(1));
        if let Some(h) = self.batches.get_mut(batch) {
            h.saturating_record(latency);
        }
        if let Some(per_case) = self.outcomes.get_mut(case) {
            match per_case.iter_mut().find(|(v, _)| *v == verdict) {
                Some((_, n)) => *n += 1,
                None => per_case.push((verdict, 1)),
            }
        }
        if !verdict.is_answer() {
            self.failures += 1;
        }
        if self.first_start.is_none_or(|f| sent < f) {
            self.first_start = Some(sent);
        }
        if self.last_start.is_none_or(|l| sent > l) {
            self.last_start = Some(sent);
        }
        if self.last_end.is_none_or(|l| done > l) {
            self.last_end = Some(done);
        }
        if let (Some(t), Some(origin)) = (&mut self.timeline, self.timeline_origin) {
            let at = done.saturating_duration_since(origin);
            let idx = (at.as_nanos() / t.bucket.as_nanos().max(1)) as usize;
            let idx = idx.min(t.completed.len().saturating_sub(1));
            if let Some(c) = t.completed.get_mut(idx) {
                *c += 1;
            }
            if let Some(slot) = t.latency.get_mut(idx) {
                slot.get_or_insert_with(|| histogram(2))
                    .saturating_record(latency);
            }
        }
    }

    /// Adds another worker's figures to these.
    pub(crate) fn merge(&mut self, other: &Recorder) {
        let _ = self.latency.add(&other.latency);
        let _ = self.service.add(&other.service);
        for (a, b) in self.batches.iter_mut().zip(&other.batches) {
            let _ = a.add(b);
        }
        for (mine, theirs) in self.outcomes.iter_mut().zip(&other.outcomes) {
            for (v, n) in theirs {
                match mine.iter_mut().find(|(w, _)| w == v) {
                    Some((_, m)) => *m += n,
                    None => mine.push((*v, *n)),
                }
            }
        }
        self.failures += other.failures;
        self.first_start = min_opt(self.first_start, other.first_start);
        self.last_start = max_opt(self.last_start, other.last_start);
        self.last_end = max_opt(self.last_end, other.last_end);
        if let (Some(a), Some(b)) = (&mut self.timeline, &other.timeline) {
            a.merge(b);
        }
    }

    /// Requests recorded.
    pub(crate) fn count(&self) -> u64 {
        self.latency.len()
    }
}

fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::DenyReason;

    #[test]
    fn merging_adds_everything_up() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut a = Recorder::new(2, 2, Some((t0, ms(10), 4)));
        let mut b = Recorder::new(2, 2, Some((t0, ms(10), 4)));
        a.record(0, 0, t0, t0, t0 + ms(1), Verdict::Allow);
        b.record(
            1,
            1,
            t0,
            t0 + ms(5),
            t0 + ms(25),
            Verdict::Deny(DenyReason::BadPassword),
        );
        b.record(1, 0, t0, t0, t0 + ms(2), Verdict::Allow);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.outcomes[0], vec![(Verdict::Allow, 2)]);
        assert_eq!(
            a.outcomes[1],
            vec![(Verdict::Deny(DenyReason::BadPassword), 1)]
        );
        let t = a.timeline.expect("timeline");
        assert_eq!(t.completed, vec![2, 0, 1, 0]);
        // Latency counts from the intended start (t0), service time from the send (t0 + 5 ms).
        assert!(a.latency.max() >= 25_000_000 - 25_000);
        assert!(a.service.max() < 21_000_000);
        assert_eq!(a.batches[1].len(), 2);
    }
}
