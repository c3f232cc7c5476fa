//! Inline SVG charts for report.html, drawn by hand: no script, no external resource.

use std::fmt::Write as _;

use authbench_core::Mode;
use authbench_core::duration::format_micros;

use crate::model::{LatencyStats, Report};
use crate::render::escape::html as esc;
use crate::render::fmt_us;

/// The colour a mode is drawn in (lines, legend).
pub(crate) fn mode_colour(mode: Mode) -> &'static str {
    match mode {
        Mode::Jwt => "#2563eb",
        Mode::Roundtrip => "#9333ea",
        Mode::File => "#0d9488",
    }
}

/// Outcome colours, shared with the HTML matrix (see the CSS in `html.rs`).
const ALLOW: &str = "#2da44e";
const DENY: &str = "#e8590c";
const UNSUPPORTED: &str = "#9ca3af";
const SKIPPED: &str = "#e5e7eb";
const FAILED: &str = "#cf222e";
const PASSED: &str = "#8fd19e";

/// The x position of a percentile on a "nines" axis: 0 % → 0, 90 % → 1, 99 % → 2, …; the max
/// (100 %) is drawn a little right of 99.999 %.
fn nines(percentile: f64) -> f64 {
    const MAX_X: f64 = 5.6;
    if percentile >= 100.0 {
        MAX_X
    } else {
        (1.0 / (1.0 - percentile / 100.0)).log10().clamp(0.0, 5.0)
    }
}

/// Latency percentile curves, one line per column (a target column dashed, in its mode's
/// colour), log-scaled latency against a "nines" axis so the tail is as readable as the median.
/// `None` when no column has samples.
pub(crate) fn latency_curves(report: &Report) -> Option<String> {
    let series: Vec<Series<'_>> = report
        .latency
        .iter()
        .filter_map(|l| {
            Some(Series {
                label: l.column().label(),
                colour: mode_colour(l.mode),
                dashed: l.target.is_some(),
                stats: l.summary.as_ref()?,
            })
        })
        .collect();
    percentile_curves(
        "lat-title",
        "Decision latency percentiles per mode (log scale)",
        &series,
    )
}

/// One line of a percentile chart.
pub(crate) struct Series<'a> {
    /// Legend text.
    pub(crate) label: String,
    /// Line colour.
    pub(crate) colour: &'static str,
    /// Drawn dashed (references).
    pub(crate) dashed: bool,
    /// The figures.
    pub(crate) stats: &'a LatencyStats,
}

/// Percentile curves of any set of series (modes, references) on a log latency axis against a
/// "nines" percentile axis. `None` when there is nothing to draw.
pub(crate) fn percentile_curves(id: &str, title: &str, series: &[Series<'_>]) -> Option<String> {
    let curves: Vec<(&Series<'_>, Vec<(f64, f64)>)> = series
        .iter()
        .filter_map(|se| {
            let pts = se
                .stats
                .curve
                .iter()
                .map(|p| (p.percentile, p.latency_us.max(0.01)))
                .collect::<Vec<_>>();
            (!pts.is_empty()).then_some((se, pts))
        })
        .collect();
    if curves.is_empty() {
        return None;
    }
    let values = curves.iter().flat_map(|(_, pts)| pts.iter().map(|p| p.1));
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let y_lo = lo.log10().floor();
    let mut y_hi = hi.log10().ceil();
    if y_hi <= y_lo {
        y_hi = y_lo + 1.0;
    }
    let longest = curves
        .iter()
        .map(|(se, _)| se.label.chars().count())
        .max()
        .unwrap_or(0);
    let (w, h) = (960.0, 420.0);
    let (left, right, top, bottom) = (70.0, (60.0 + 7.5 * longest as f64).max(130.0), 20.0, 56.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let x = |pct: f64| left + nines(pct) / 5.6 * pw;
    let y = |us: f64| top + ph - (us.log10() - y_lo) / (y_hi - y_lo) * ph;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}" xmlns="http://www.w3.org/2000/svg"><title id="{id}">{}</title>"#,
        esc(title)
    );
    // Horizontal grid: a line per decade, fainter ones at 2× and 5×.
    let mut decade = y_lo;
    while decade <= y_hi {
        let base = 10f64.powf(decade);
        let yy = y(base);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#d0d7de"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{}</text>"##,
            left + pw,
            left - 6.0,
            yy + 4.0,
            esc(&format_micros(base))
        );
        if decade < y_hi {
            for k in [2.0, 5.0] {
                let yy = y(base * k);
                let _ = write!(
                    s,
                    r##"<line x1="{left}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#eef1f4"/>"##,
                    left + pw
                );
            }
        }
        decade += 1.0;
    }
    // Vertical grid at the nines.
    for (pct, label) in [
        (0.0, "0%"),
        (90.0, "90%"),
        (99.0, "99%"),
        (99.9, "99.9%"),
        (99.99, "99.99%"),
        (99.999, "99.999%"),
        (100.0, "max"),
    ] {
        let xx = x(pct);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{top}" y2="{:.1}" stroke="#eef1f4"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle" class="tick">{label}</text>"##,
            top + ph,
            top + ph + 16.0
        );
    }
    let _ = write!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#8c959f"/><text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">percentile of decisions</text><text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" class="axis">latency (log scale)</text>"##,
        left + pw / 2.0,
        h - 10.0,
        top + ph / 2.0
    );
    for (i, (se, pts)) in curves.iter().enumerate() {
        let colour = se.colour;
        let label = esc(&se.label);
        let dash = if se.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let path: Vec<String> = pts
            .iter()
            .map(|&(p, v)| format!("{:.1},{:.1}", x(p), y(v)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"{dash} points="{}"/>"#,
            path.join(" ")
        );
        for &(p, v) in pts {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{label} p{p}: {} µs</title></circle>"#,
                x(p),
                y(v),
                fmt_us(v)
            );
        }
        legend_line(
            &mut s,
            left + pw + 16.0,
            top + 14.0 + i as f64 * 22.0,
            colour,
            dash,
            &label,
        );
    }
    s.push_str("</svg>");
    Some(s)
}

/// One legend entry of a line chart at (`lx`, `ly`): a short stroke (`dash` is empty or a
/// ` stroke-dasharray="…"` attribute) and its label.
pub(crate) fn legend_line(s: &mut String, lx: f64, ly: f64, colour: &str, dash: &str, label: &str) {
    let _ = write!(
        s,
        r#"<line x1="{lx:.1}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"{dash}/><text x="{:.1}" y="{:.1}" class="legend">{label}</text>"#,
        lx + 22.0,
        lx + 28.0,
        ly + 4.0
    );
}

/// Per column, a bar of outcomes (allow / deny / unsupported / skipped) and beneath it a thin
/// bar of expectations (held / failed / skipped), so "denies more" and "fails more" are not
/// confused.
pub(crate) fn behaviour_bars(report: &Report) -> Option<String> {
    let modes = &report.totals.modes;
    if modes.iter().all(|m| m.steps == 0) {
        return None;
    }
    let (w, row) = (960.0, 62.0);
    let longest = modes
        .iter()
        .map(|t| t.column().label().chars().count())
        .max()
        .unwrap_or(0);
    let (left, right, top) = ((20.0 + 7.5 * longest as f64).max(100.0), 190.0, 34.0);
    let pw = w - left - right;
    let h = top + row * modes.len() as f64 + 8.0;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="beh-title" xmlns="http://www.w3.org/2000/svg"><title id="beh-title">Outcomes and expectations per mode</title>"#
    );
    // Legend; "skipped" only when a column skipped steps (a target run).
    let any_skipped = modes.iter().any(|m| m.skipped > 0);
    let mut lx = left;
    for (colour, label) in [
        (ALLOW, "allow"),
        (DENY, "deny"),
        (UNSUPPORTED, "unsupported"),
        (SKIPPED, "skipped"),
        (PASSED, "expectation held"),
        (FAILED, "expectation failed"),
    ] {
        if colour == SKIPPED && !any_skipped {
            continue;
        }
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="8" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="18" class="legend">{label}</text>"#,
            lx + 16.0
        );
        lx += 16.0 + 8.0 * label.len() as f64 + 18.0;
    }
    for (i, t) in modes.iter().enumerate() {
        let y0 = top + i as f64 * row;
        let label = esc(&t.column().label());
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="legend">{label}</text>"#,
            left - 10.0,
            y0 + 17.0,
        );
        let total = t.steps.max(1) as f64;
        let mut x0 = left;
        for (n, colour, what) in [
            (t.allowed, ALLOW, "allow"),
            (t.denied, DENY, "deny"),
            (t.unsupported, UNSUPPORTED, "unsupported"),
            (t.skipped, SKIPPED, "skipped"),
        ] {
            if n == 0 {
                continue;
            }
            let bw = n as f64 / total * pw;
            let _ = write!(
                s,
                r#"<rect x="{x0:.1}" y="{y0:.1}" width="{bw:.1}" height="24" fill="{colour}"><title>{label}: {n} {what}</title></rect>"#
            );
            if bw >= 28.0 && colour != SKIPPED {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="bar">{n}</text>"#,
                    x0 + bw / 2.0,
                    y0 + 16.5
                );
            }
            x0 += bw;
        }
        let mut x0 = left;
        for (n, colour, what) in [
            (t.passed, PASSED, "held"),
            (t.failed, FAILED, "failed"),
            (t.skipped, SKIPPED, "skipped"),
        ] {
            if n == 0 {
                continue;
            }
            let bw = n as f64 / total * pw;
            let _ = write!(
                s,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{bw:.1}" height="8" fill="{colour}"><title>{label}: {n} expectations {what}</title></rect>"#,
                y0 + 28.0,
            );
            x0 += bw;
        }
        let ran = t.steps - t.skipped;
        let mut verdict = if t.errors > 0 {
            format!("{} failed, {} could not run", t.failed, t.errors)
        } else if t.failed > 0 {
            format!("{} of {ran} failed", t.failed)
        } else {
            format!("all {ran} held")
        };
        if t.skipped > 0 {
            verdict.push_str(&format!(", {} skipped", t.skipped));
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="legend{}">{verdict}</text>"#,
            left + pw + 12.0,
            y0 + 17.0,
            if t.failed > 0 || t.errors > 0 {
                " bad"
            } else {
                ""
            }
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_axis() {
        assert_eq!(nines(0.0), 0.0);
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
        assert_eq!(nines(100.0), 5.6);
    }

    #[test]
    fn tick_labels() {
        assert_eq!(format_micros(1.0), "1 µs");
        assert_eq!(format_micros(1000.0), "1 ms");
        assert_eq!(format_micros(1e7), "10 s");
        assert_eq!(format_micros(0.1), "0.1 µs");
    }
}
