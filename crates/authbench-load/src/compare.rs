//! The regression gate behind `authbench compare BASELINE.json CURRENT.json`.
//!
//! * **Any behaviour change fails**: a scenario step decided differently, a scenario or mode
//!   missing, an expectation that held and no longer does, or under load a request case that
//!   got an outcome it never got before (or stopped getting one).
//! * **A latency regression fails only when it exceeds both the threshold and the noise**: per
//!   mode, the p50 and p99 under load may grow by at most
//!   `max(threshold, NOISE_SIGMAS × √(noise_base² + noise_current²))`, where each noise is the
//!   relative standard deviation of that figure across the run's batches (measured in the runs
//!   themselves, stored in report.json). A noisy tail therefore needs a larger change to fail
//!   than a steady median.
//! * A mode that no longer keeps up with its target rate fails like a latency regression.
//! * Runs at different target rates are not comparable ([`Comparison::incomparable`]).
//!
//! Scenario-run latency (the report's `latency` section, sequential and few samples) is shown
//! for information only: it carries no noise estimate to gate on.

use std::fmt::Write as _;

use authbench_report::{ModeLoad, Report};

/// How many standard deviations of batch noise a change must exceed.
pub const NOISE_SIGMAS: f64 = 2.0;
/// Default `--max-regression`, in percent.
pub const DEFAULT_MAX_REGRESSION_PCT: f64 = 5.0;
/// Share of the target rate a mode must complete to count as keeping up.
const KEEP_UP: f64 = 0.97;

/// What a row concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Within the allowed change.
    Same,
    /// Faster (or higher throughput) beyond the allowed change.
    Better,
    /// Slower beyond the threshold and the noise: fails the gate.
    Regressed,
    /// Shown, not gated.
    Info,
}

/// One compared figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The mode (or `scenarios`).
    pub mode: String,
    /// What is compared (`p50 µs under load`).
    pub metric: String,
    /// Baseline value.
    pub baseline: f64,
    /// Current value.
    pub current: f64,
    /// Relative change, current / baseline − 1.
    pub change: f64,
    /// The largest growth allowed (relative), `None` when not gated.
    pub allowed: Option<f64>,
    /// The verdict.
    pub status: Status,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Compared figures.
    pub rows: Vec<Row>,
    /// Behaviour changes, in words.
    pub behaviour_changes: Vec<String>,
    /// Why the two reports cannot be compared (different target rates…); empty when they can.
    pub incomparable: Vec<String>,
    /// Notes (injected faults, self-checks that failed).
    pub notes: Vec<String>,
    /// The threshold used, relative.
    pub threshold: f64,
}

impl Comparison {
    /// Whether the gate fails: a behaviour change or a regression beyond threshold and noise.
    pub fn failed(&self) -> bool {
        !self.behaviour_changes.is_empty()
            || self.rows.iter().any(|r| r.status == Status::Regressed)
    }

    /// A Markdown summary fit for a CI job summary.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("## authbench compare\n\n");
        let regressions = self
            .rows
            .iter()
            .filter(|r| r.status == Status::Regressed)
            .count();
        if !self.incomparable.is_empty() {
            out.push_str("**⚠️ Not comparable**\n\n");
            for i in &self.incomparable {
                let _ = writeln!(out, "- {}", cell(i));
            }
            out.push('\n');
        } else if self.failed() {
            let _ = writeln!(
                out,
                "**❌ Regression**: {} behaviour change{}, {} latency regression{} beyond the threshold and the noise.\n",
                self.behaviour_changes.len(),
                plural(self.behaviour_changes.len()),
                regressions,
                plural(regressions)
            );
        } else {
            out.push_str("**✅ No regression**: same behaviour, latency within the threshold or the noise.\n\n");
        }
        let _ = writeln!(
            out,
            "A latency figure fails when it grows by more than {:.1}% *and* by more than {NOISE_SIGMAS}σ of the batch-to-batch noise measured in the two runs.\n",
            self.threshold * 100.0
        );
        if !self.behaviour_changes.is_empty() {
            out.push_str("### Behaviour changes\n\n");
            for c in &self.behaviour_changes {
                let _ = writeln!(out, "- {}", cell(c));
            }
            out.push('\n');
        }
        if !self.rows.is_empty() {
            out.push_str("| mode | figure | baseline | current | change | allowed | verdict |\n|---|---|--:|--:|--:|--:|:-:|\n");
            for r in &self.rows {
                let verdict = match r.status {
                    Status::Same => "✅ same",
                    Status::Better => "✅ better",
                    Status::Regressed => "❌ worse",
                    Status::Info => "ℹ️ not gated",
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {:+.1}% | {} | {verdict} |",
                    cell(&r.mode),
                    cell(&r.metric),
                    num(r.baseline),
                    num(r.current),
                    r.change * 100.0,
                    r.allowed
                        .map_or_else(|| "–".to_owned(), |a| format!("{:.1}%", a * 100.0))
                );
            }
            out.push('\n');
        }
        for n in &self.notes {
            let _ = writeln!(out, "> {}", cell(n));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn num(v: f64) -> String {
    if v >= 1000.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Keeps a table cell on one line and its pipes literal.
fn cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

/// Compares `current` against `baseline`; `max_regression` is relative (0.05 = 5 %).
pub fn compare(baseline: &Report, current: &Report, max_regression: f64) -> Comparison {
    let mut c = Comparison {
        threshold: max_regression.max(0.0),
        ..Comparison::default()
    };
    scenarios(baseline, current, &mut c);
    match (&baseline.load, &current.load) {
        (Some(b), Some(k)) => {
            for bm in &b.modes {
                match k
                    .modes
                    .iter()
                    .find(|m| m.mode == bm.mode && m.scenario == bm.scenario)
                {
                    Some(km) => mode_load(bm, km, &mut c),
                    None => c.behaviour_changes.push(format!(
                        "{}: measured under load in the baseline, missing now",
                        bm.label()
                    )),
                }
            }
            for (bs, ks) in b.join_storms.iter().filter_map(|bs| {
                k.join_storms
                    .iter()
                    .find(|ks| ks.mode == bs.mode && ks.scenario == bs.scenario)
                    .map(|ks| (bs, ks))
            }) {
                outcomes(
                    &format!("{} join storm", bs.label()),
                    &bs.behaviour,
                    &ks.behaviour,
                    &mut c,
                );
            }
            for chk in k.self_checks.iter().filter(|s| !s.passed) {
                c.notes.push(format!(
                    "self-check failed in the current run: {} (measured {})",
                    chk.name, chk.measured
                ));
            }
            if !k.options.injected.is_empty() {
                c.notes.push(format!(
                    "the current run was injected on purpose: {}",
                    k.options.injected.join("; ")
                ));
            }
        }
        (Some(_), None) => c
            .incomparable
            .push("the baseline has load results and the current report has none".into()),
        (None, Some(_)) => c
            .incomparable
            .push("the current report has load results and the baseline has none".into()),
        (None, None) => {}
    }
    c
}

fn scenarios(b: &Report, k: &Report, c: &mut Comparison) {
    for bs in &b.scenarios {
        let Some(ks) = k
            .scenarios
            .iter()
            .find(|s| s.name == bs.name && s.source == bs.source)
        else {
            c.behaviour_changes.push(format!(
                "scenario `{}` ({}) is missing now",
                bs.name, bs.source
            ));
            continue;
        };
        for bstep in &bs.steps {
            let kstep = ks.steps.iter().find(|s| s.index == bstep.index);
            for br in &bstep.results {
                let kr = kstep.and_then(|s| s.results.iter().find(|r| r.column() == br.column()));
                match kr {
                    None => c.behaviour_changes.push(format!(
                        "`{}` step {} “{}”: {} no longer ran it",
                        bs.name,
                        bstep.index + 1,
                        bstep.name,
                        br.column().label()
                    )),
                    Some(kr)
                        if kr.actual.label() != br.actual.label() || kr.passed != br.passed =>
                    {
                        c.behaviour_changes.push(format!(
                            "`{}` step {} “{}”: {} decided {} before, {} now{}",
                            bs.name,
                            bstep.index + 1,
                            bstep.name,
                            br.column().label(),
                            br.actual.label(),
                            kr.actual.label(),
                            if br.passed && !kr.passed {
                                " (expectation no longer held)"
                            } else {
                                ""
                            }
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    for ks in &k.scenarios {
        if !b
            .scenarios
            .iter()
            .any(|s| s.name == ks.name && s.source == ks.source)
        {
            c.notes.push(format!(
                "scenario `{}` is new (not in the baseline)",
                ks.name
            ));
        }
    }
    for bl in &b.latency {
        let (Some(bs), Some(ks)) = (
            bl.summary.as_ref(),
            k.latency
                .iter()
                .find(|l| l.column() == bl.column())
                .and_then(|l| l.summary.as_ref()),
        ) else {
            continue;
        };
        c.rows.push(Row {
            mode: bl.column().label(),
            metric: "p50 µs, scenario run".into(),
            baseline: bs.p50_us,
            current: ks.p50_us,
            change: change(bs.p50_us, ks.p50_us),
            allowed: None,
            status: Status::Info,
        });
    }
}

fn change(base: f64, cur: f64) -> f64 {
    if base > 0.0 { cur / base - 1.0 } else { 0.0 }
}

fn mode_load(b: &ModeLoad, k: &ModeLoad, c: &mut Comparison) {
    let mode = b.label();
    if (b.target_rate - k.target_rate).abs() > 1e-6 * b.target_rate.max(1.0) {
        c.incomparable.push(format!(
            "{mode}: target rate {}/s in the baseline, {}/s now: latency at different rates cannot be compared",
            b.target_rate, k.target_rate
        ));
        return;
    }
    outcomes(&mode, &b.behaviour, &k.behaviour, c);
    for (metric, base, cur, nb, nk) in [
        (
            "p50 µs under load",
            b.latency.p50_us,
            k.latency.p50_us,
            b.noise.p50_rel,
            k.noise.p50_rel,
        ),
        (
            "p99 µs under load",
            b.latency.p99_us,
            k.latency.p99_us,
            b.noise.p99_rel,
            k.noise.p99_rel,
        ),
    ] {
        let allowed = c.threshold.max(NOISE_SIGMAS * (nb * nb + nk * nk).sqrt());
        let delta = change(base, cur);
        c.rows.push(Row {
            mode: mode.clone(),
            metric: metric.into(),
            baseline: base,
            current: cur,
            change: delta,
            allowed: Some(allowed),
            status: if delta > allowed {
                Status::Regressed
            } else if delta < -allowed {
                Status::Better
            } else {
                Status::Same
            },
        });
    }
    let kept = |m: &ModeLoad| m.throughput >= KEEP_UP * m.target_rate;
    c.rows.push(Row {
        mode,
        metric: "decisions/s".into(),
        baseline: b.throughput,
        current: k.throughput,
        change: change(b.throughput, k.throughput),
        allowed: Some(1.0 - KEEP_UP),
        status: if kept(b) && !kept(k) {
            Status::Regressed
        } else {
            Status::Same
        },
    });
    if let (Some(br), Some(kr)) = (&b.reference, &k.reference) {
        c.rows.push(Row {
            mode: b.label(),
            metric: format!("p50 ÷ reference ({})", br.name),
            baseline: br.ratio_p50,
            current: kr.ratio_p50,
            change: change(br.ratio_p50, kr.ratio_p50),
            allowed: None,
            status: Status::Info,
        });
    }
}

/// A behaviour change when a case gained or lost an outcome.
fn outcomes(
    what: &str,
    b: &[authbench_report::CaseBehaviour],
    k: &[authbench_report::CaseBehaviour],
    c: &mut Comparison,
) {
    for bc in b {
        let Some(kc) = k.iter().find(|x| x.case == bc.case) else {
            c.behaviour_changes
                .push(format!("{what} › {}: not sent any more", bc.case));
            continue;
        };
        fn set(x: &authbench_report::CaseBehaviour) -> Vec<&str> {
            let mut v: Vec<&str> = x.outcomes.iter().map(|o| o.outcome.as_str()).collect();
            v.sort_unstable();
            v
        }
        if set(bc) != set(kc) {
            c.behaviour_changes.push(format!(
                "{what} › {}: {} before, {} now",
                bc.case,
                bc.label(),
                kc.label()
            ));
        }
    }
}
