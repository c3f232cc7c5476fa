//! SVG charts of the load section: throughput against concurrency, and join-storm timelines.
//! Hand-drawn like the other charts: no script, nothing fetched.

use std::fmt::Write as _;

use authbench_core::Mode;
use authbench_core::duration::format_micros;

use crate::load::{JoinStorm, SweepPoint};
use crate::render::escape::html as esc;
use crate::render::fmt_us;
use crate::render::svg::{self, mode_colour};

/// A round step for a linear axis reaching `max`: 1, 2 or 5 × a power of ten, about 5 ticks.
fn nice_step(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// `950`, `12k`, `1.2M` for a count or a rate.
pub(crate) fn fmt_count(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Throughput (log scale) against concurrency (log2 scale), one line per mode. `None` without
/// points.
pub(crate) fn throughput_vs_concurrency(points: &[SweepPoint]) -> Option<String> {
    let mut series: Vec<(String, Mode)> = Vec::new();
    for p in points {
        let label = p.label();
        if !series.iter().any(|(l, _)| *l == label) {
            series.push((label, p.mode));
        }
    }
    let usable: Vec<&SweepPoint> = points
        .iter()
        .filter(|p| p.throughput > 0.0 && p.concurrency > 0)
        .collect();
    if usable.is_empty() {
        return None;
    }
    let c_max = usable
        .iter()
        .map(|p| p.concurrency)
        .max()
        .unwrap_or(1)
        .max(2);
    let x_hi = f64::from(c_max).log2().ceil();
    let (lo, hi) = usable.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.throughput), hi.max(p.throughput))
    });
    let y_lo = lo.log10().floor();
    let mut y_hi = hi.log10().ceil();
    if y_hi <= y_lo {
        y_hi = y_lo + 1.0;
    }
    let (w, h) = (960.0, 380.0);
    let (left, right, top, bottom) = (80.0, 130.0, 20.0, 56.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let x = |c: u32| left + f64::from(c.max(1)).log2() / x_hi * pw;
    let y = |v: f64| top + ph - (v.log10() - y_lo) / (y_hi - y_lo) * ph;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="tput-title" xmlns="http://www.w3.org/2000/svg"><title id="tput-title">Throughput against concurrency per mode (log scales)</title>"#
    );
    let mut decade = y_lo;
    while decade <= y_hi {
        let v = 10f64.powf(decade);
        let yy = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#d0d7de"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}/s</text>"##,
            left + pw,
            left - 6.0,
            yy + 4.0,
            fmt_count(v)
        );
        decade += 1.0;
    }
    let mut c = 1u32;
    while f64::from(c) <= 2f64.powf(x_hi) {
        let xx = x(c);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{top}" y2="{:.1}" stroke="#eef1f4"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" class="tick">{c}</text>"##,
            top + ph,
            top + ph + 16.0
        );
        c = c.saturating_mul(2);
    }
    let _ = write!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#8c959f"/><text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">requests in flight (concurrency)</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" class="axis">decisions per second (log scale)</text>"##,
        left + pw / 2.0,
        h - 10.0,
        top + ph / 2.0
    );
    for (i, (label, mode)) in series.iter().enumerate() {
        let colour = mode_colour(*mode);
        let mut pts: Vec<&&SweepPoint> = usable.iter().filter(|p| p.label() == *label).collect();
        let label = esc(label);
        pts.sort_by_key(|p| p.concurrency);
        let path: Vec<String> = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.concurrency), y(p.throughput)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" points="{}"/>"#,
            path.join(" ")
        );
        for p in &pts {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{label} at concurrency {}: {}/s, p50 {} µs, p99 {} µs</title></circle>"#,
                x(p.concurrency),
                y(p.throughput),
                p.concurrency,
                fmt_count(p.throughput),
                fmt_us(p.p50_us),
                fmt_us(p.p99_us)
            );
        }
        svg::legend_line(
            &mut s,
            left + pw + 16.0,
            top + 14.0 + i as f64 * 22.0,
            colour,
            "",
            &label,
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// A join storm over time: requests due and answered so far (left axis, linear), and the p99 of
/// the requests answered in each bucket (right axis, log scale, dotted). The gap between the two
/// count lines is the backlog.
pub(crate) fn storm_timeline(storm: &JoinStorm, index: usize) -> Option<String> {
    let buckets = &storm.timeline;
    let last = buckets.last()?;
    let bucket_ms = buckets
        .get(1)
        .map_or(last.t_ms.max(1.0), |b| b.t_ms - buckets[0].t_ms)
        .max(1e-3);
    let t_end = last.t_ms + bucket_ms;
    let total = storm.subscribers.max(1) as f64;
    let (w, h) = (960.0, 340.0);
    let (left, right, top, bottom) = (80.0, 170.0, 20.0, 56.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let x = |t: f64| left + t / t_end * pw;
    let y = |n: f64| top + ph - n / total * ph;
    let p99s: Vec<f64> = buckets.iter().filter_map(|b| b.p99_us).collect();
    let (lo, hi) = p99s
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let ly_lo = lo.max(0.01).log10().floor();
    let mut ly_hi = hi.max(0.01).log10().ceil();
    if ly_hi <= ly_lo {
        ly_hi = ly_lo + 1.0;
    }
    let yr = |us: f64| top + ph - (us.max(0.01).log10() - ly_lo) / (ly_hi - ly_lo) * ph;
    let colour = mode_colour(storm.mode);
    let id = format!("storm-title-{index}");

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}" xmlns="http://www.w3.org/2000/svg"><title id="{id}">{} join storm: {} subscribers within {} s</title>"#,
        esc(&storm.label()),
        storm.subscribers,
        storm.window_s
    );
    let step = nice_step(total);
    let mut n = 0.0;
    while n <= total + 1e-9 {
        let yy = y(n);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#eef1f4"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            left + pw,
            left - 6.0,
            yy + 4.0,
            fmt_count(n)
        );
        n += step;
    }
    let t_step = nice_step(t_end);
    let mut t = 0.0;
    while t <= t_end + 1e-9 {
        let xx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{top}" y2="{:.1}" stroke="#eef1f4"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" class="tick">{}</text>"##,
            top + ph,
            top + ph + 16.0,
            esc(&format_micros(t * 1000.0))
        );
        t += t_step;
    }
    if !p99s.is_empty() {
        let mut decade = ly_lo;
        while decade <= ly_hi {
            let v = 10f64.powf(decade);
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" class="tick">{}</text>"##,
                left + pw + 6.0,
                yr(v) + 4.0,
                esc(&format_micros(v))
            );
            decade += 1.0;
        }
    }
    let _ = write!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#8c959f"/><text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">time since the first arrival</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" class="axis">requests (cumulative)</text>"##,
        left + pw / 2.0,
        h - 10.0,
        top + ph / 2.0
    );
    let cumulative = |f: fn(&crate::load::StormBucket) -> u64| -> Vec<String> {
        let mut acc = 0u64;
        let mut pts = vec![format!("{:.1},{:.1}", x(0.0), y(0.0))];
        for b in buckets {
            acc += f(b);
            pts.push(format!("{:.1},{:.1}", x(b.t_ms + bucket_ms), y(acc as f64)));
        }
        pts
    };
    let _ = write!(
        s,
        r##"<polyline fill="none" stroke="#8c959f" stroke-width="2" stroke-dasharray="6 4" points="{}"/>"##,
        cumulative(|b| b.arrived).join(" ")
    );
    let _ = write!(
        s,
        r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{}"/>"#,
        cumulative(|b| b.completed).join(" ")
    );
    let p99_pts: Vec<String> = buckets
        .iter()
        .filter_map(|b| {
            b.p99_us
                .map(|v| format!("{:.1},{:.1}", x(b.t_ms + bucket_ms / 2.0), yr(v)))
        })
        .collect();
    if !p99_pts.is_empty() {
        let _ = write!(
            s,
            r##"<polyline fill="none" stroke="#cf222e" stroke-width="1.8" stroke-dasharray="2 3" points="{}"/>"##,
            p99_pts.join(" ")
        );
    }
    for b in buckets {
        if let Some(v) = b.p99_us {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="#cf222e"><title>{:.0}–{:.0} ms: {} due, {} answered, p99 {} µs</title></circle>"##,
                x(b.t_ms + bucket_ms / 2.0),
                yr(v),
                b.t_ms,
                b.t_ms + bucket_ms,
                b.arrived,
                b.completed,
                fmt_us(v)
            );
        }
    }
    let lx = left + pw + 60.0;
    for (i, (stroke, dash, label)) in [
        ("#8c959f", " stroke-dasharray=\"6 4\"", "due"),
        (colour, "", "answered"),
        ("#cf222e", " stroke-dasharray=\"2 3\"", "p99 (right)"),
    ]
    .into_iter()
    .enumerate()
    {
        svg::legend_line(
            &mut s,
            lx,
            top + 14.0 + i as f64 * 22.0,
            stroke,
            dash,
            label,
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(10_000.0), 2000.0);
        assert_eq!(nice_step(1000.0), 200.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(fmt_count(120_000.0), "120k");
        assert_eq!(fmt_count(1_500.0), "1.5k");
        assert_eq!(fmt_count(2_500_000.0), "2.5M");
    }
}
