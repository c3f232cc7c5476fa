//! Decision-latency summaries from raw samples, through an HDR histogram.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::model::{LatencyStats, PercentilePoint};

/// Significant digits kept by the histogram: percentiles are within 0.1 % of the exact value.
const SIGNIFICANT_DIGITS: u8 = 3;

/// Percentiles drawn as the curve (100 is the max). Dense near the tail, where modes differ.
const CURVE: [f64; 14] = [
    0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 100.0,
];

/// Summarises `samples`; `None` when there are none.
///
/// Samples are recorded in nanoseconds so sub-microsecond decisions (a cached JWT check) keep
/// their resolution. Min, max and mean are computed exactly from the samples; percentiles come
/// from the histogram and are clamped to `[min, max]` (a histogram bucket's upper edge can lie
/// past the largest sample).
pub fn summarise(samples: &[Duration]) -> Option<LatencyStats> {
    let nanos: Vec<u64> = samples
        .iter()
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .collect();
    let min = *nanos.iter().min()?;
    let max = *nanos.iter().max()?;
    let sum: u128 = nanos.iter().map(|&n| u128::from(n)).sum();
    let mean = sum as f64 / nanos.len() as f64;

    // An auto-resizing histogram records any u64, so `record` cannot fail on range; should it
    // fail anyway, percentiles fall back to exact sorting rather than being wrong.
    let hist = Histogram::<u64>::new(SIGNIFICANT_DIGITS)
        .ok()
        .and_then(|mut h| nanos.iter().try_for_each(|&n| h.record(n)).ok().map(|()| h));
    let n = nanos.len();
    let percentile = |pct: f64| match &hist {
        // Ask for the middle of the target rank so float noise cannot move it by one.
        Some(h) => h.value_at_quantile((rank(pct, n) as f64 - 0.5) / n as f64),
        None => exact_percentile(&nanos, pct),
    };
    Some(stats(min, max, mean, n, percentile))
}

/// Summarises a histogram of latencies recorded in nanoseconds; `None` when it is empty.
///
/// Min and max are the histogram's (exact to its precision), the mean is the histogram's, and
/// percentiles are nearest-rank like [`summarise`]. Used for load runs, where millions of
/// samples are recorded straight into histograms instead of being kept.
pub fn summarise_histogram(hist: &Histogram<u64>) -> Option<LatencyStats> {
    let n = usize::try_from(hist.len()).ok().filter(|&n| n > 0)?;
    let min = hist.min();
    let max = hist.max();
    let percentile = |pct: f64| hist.value_at_quantile((rank(pct, n) as f64 - 0.5) / n as f64);
    Some(stats(min, max, hist.mean(), n, percentile))
}

/// The summary of `n` latencies in nanoseconds with this min, max and mean, taking percentiles
/// below 100 from `percentile` (clamped to `[min, max]`: a histogram bucket's upper edge can lie
/// past the largest sample).
fn stats(
    min: u64,
    max: u64,
    mean_ns: f64,
    n: usize,
    percentile: impl Fn(f64) -> u64,
) -> LatencyStats {
    let at = |pct: f64| {
        let value = if pct >= 100.0 { max } else { percentile(pct) };
        micros(value.clamp(min, max))
    };
    LatencyStats {
        min_us: micros(min),
        p50_us: at(50.0),
        p90_us: at(90.0),
        p99_us: at(99.0),
        p99_9_us: at(99.9),
        max_us: micros(max),
        mean_us: round_ns(mean_ns / 1000.0),
        // Percentiles finer than one sample would only repeat the max: the curve stops at the
        // resolution the sample count gives (1,000 samples resolve 99.9 %, not 99.99 %).
        curve: CURVE
            .iter()
            .filter(|&&p| p >= 100.0 || p <= 100.0 * (1.0 - 1.0 / n as f64) + 1e-9)
            .map(|&percentile| PercentilePoint {
                percentile,
                latency_us: if percentile <= 0.0 {
                    micros(min)
                } else {
                    at(percentile)
                },
            })
            .collect(),
    }
}

/// The 1-based nearest rank of percentile `pct` among `n` samples: `ceil(pct / 100 × n)`, at
/// least 1. A tolerance far below one sample keeps `99.9 / 100 × 1000` (which floating point
/// makes 999.0000000000001) at rank 999.
fn rank(pct: f64, n: usize) -> usize {
    ((pct / 100.0 * n as f64 - 1e-6).ceil() as usize).clamp(1, n.max(1))
}

/// Nearest-rank percentile of unsorted samples (the fallback path).
fn exact_percentile(nanos: &[u64], pct: f64) -> u64 {
    let mut sorted = nanos.to_vec();
    sorted.sort_unstable();
    sorted
        .get(rank(pct, sorted.len()) - 1)
        .copied()
        .unwrap_or(0)
}

fn micros(nanos: u64) -> f64 {
    round_ns(nanos as f64 / 1000.0)
}

/// Keeps three decimals of a microsecond figure (nanosecond resolution) so the JSON stays short.
fn round_ns(us: f64) -> f64 {
    (us * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    fn close(actual: f64, want: f64) -> bool {
        (actual - want).abs() <= want * 0.001
    }

    #[test]
    fn percentiles_of_one_to_a_thousand() {
        let samples: Vec<Duration> = (1..=1000).map(us).collect();
        let s = summarise(&samples).expect("samples");
        assert_eq!(s.min_us, 1.0);
        assert_eq!(s.max_us, 1000.0);
        assert!((s.mean_us - 500.5).abs() < 1e-9, "mean {}", s.mean_us);
        assert!(close(s.p50_us, 500.0), "p50 {}", s.p50_us);
        assert!(close(s.p90_us, 900.0), "p90 {}", s.p90_us);
        assert!(close(s.p99_us, 990.0), "p99 {}", s.p99_us);
        assert!(close(s.p99_9_us, 999.0), "p99.9 {}", s.p99_9_us);
        let last = s.curve.last().expect("curve");
        assert_eq!((last.percentile, last.latency_us), (100.0, 1000.0));
        assert_eq!(s.curve.first().map(|p| p.latency_us), Some(1.0));
        assert!(
            s.curve
                .windows(2)
                .all(|w| w[0].latency_us <= w[1].latency_us),
            "curve must not decrease: {:?}",
            s.curve
        );
    }

    #[test]
    fn a_slow_tail_shows_in_p99_not_p50() {
        // 990 fast decisions (10 µs) and 10 slow ones (5 ms): the tail is exactly 1 %.
        let mut samples = vec![us(10); 990];
        samples.extend(vec![us(5000); 10]);
        let s = summarise(&samples).expect("samples");
        assert!(close(s.p50_us, 10.0), "p50 {}", s.p50_us);
        assert!(close(s.p90_us, 10.0), "p90 {}", s.p90_us);
        assert!(
            close(s.p99_us, 10.0),
            "p99 is the 990th value: {}",
            s.p99_us
        );
        assert!(close(s.p99_9_us, 5000.0), "p99.9 {}", s.p99_9_us);
        assert_eq!(s.max_us, 5000.0);
        assert!((s.mean_us - 59.9).abs() < 1e-9, "mean {}", s.mean_us);
    }

    #[test]
    fn sub_microsecond_samples_keep_their_resolution() {
        let samples = vec![Duration::from_nanos(250); 3];
        let s = summarise(&samples).expect("samples");
        assert_eq!((s.min_us, s.p50_us, s.max_us), (0.25, 0.25, 0.25));
    }

    #[test]
    fn the_curve_stops_at_the_sample_resolution() {
        let samples: Vec<Duration> = (1..=100).map(us).collect();
        let s = summarise(&samples).expect("samples");
        let pcts: Vec<f64> = s.curve.iter().map(|p| p.percentile).collect();
        assert_eq!(pcts, [0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0]);
        let one = summarise(&[us(7)]).expect("one sample");
        let pcts: Vec<f64> = one.curve.iter().map(|p| p.percentile).collect();
        assert_eq!(pcts, [0.0, 100.0]);
    }

    #[test]
    fn histogram_summary_agrees_with_samples() {
        let samples: Vec<Duration> = (1..=1000).map(us).collect();
        let mut h = Histogram::<u64>::new(SIGNIFICANT_DIGITS).expect("histogram");
        for s in &samples {
            h.record(s.as_nanos() as u64).expect("record");
        }
        let from_hist = summarise_histogram(&h).expect("samples");
        let from_samples = summarise(&samples).expect("samples");
        assert!(close(from_hist.p50_us, from_samples.p50_us));
        assert!(close(from_hist.p99_us, from_samples.p99_us));
        assert!(close(from_hist.max_us, 1000.0), "max {}", from_hist.max_us);
        assert_eq!(from_hist.curve.len(), from_samples.curve.len());
        assert!(summarise_histogram(&Histogram::<u64>::new(3).expect("h")).is_none());
    }

    #[test]
    fn no_samples_no_summary() {
        assert!(summarise(&[]).is_none());
    }

    #[test]
    fn exact_fallback_is_nearest_rank() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(exact_percentile(&v, 50.0), 5);
        assert_eq!(exact_percentile(&v, 99.0), 10);
        assert_eq!(exact_percentile(&v, 0.0), 1);
        assert_eq!(rank(99.9, 1000), 999);
        assert_eq!(rank(99.9, 100), 100);
        assert_eq!(rank(50.0, 0), 1);
    }
}
