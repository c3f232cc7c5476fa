//! Building a [`Report`] from the runner's [`ScenarioRun`]s.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use authbench_core::Capability;
use authbench_core::Mode;
use authbench_core::outcome::{Actual, Expected, ModeRun, ScenarioRun, StepOutcome};

use crate::SCHEMA_VERSION;
use crate::explain;
use crate::latency;
use crate::machine::rfc3339;
use crate::model::{
    ActualOutcome, BuildInfo, CapabilityRow, Difference, DifferenceOutcome, ExpectedOutcome,
    Machine, ModeLatency, ModeSupport, ModeTotals, Report, RunOptions, ScenarioMode,
    ScenarioReport, StepReport, StepResult, Support, Totals,
};

impl Report {
    /// Builds the report of a run: every scenario's steps side by side per mode, the differences
    /// explained, the capability matrix, latency percentiles from every mode's samples, the
    /// machine and the time now.
    ///
    /// `options.modes` gives the column order; modes found in `runs` but not listed there are
    /// appended, and an empty list means "the modes found in the runs".
    pub fn build(runs: &[ScenarioRun], options: &RunOptions) -> Report {
        let modes = report_modes(runs, &options.modes);
        let scenarios: Vec<ScenarioReport> = runs.iter().map(|r| scenario(r, &modes)).collect();
        let differences = scenarios.iter().flat_map(differences).collect();
        Report {
            schema_version: SCHEMA_VERSION.to_owned(),
            generated_at: rfc3339(SystemTime::now()),
            authbench_version: env!("CARGO_PKG_VERSION").to_owned(),
            build: BuildInfo::current(),
            machine: Machine::detect(),
            options: RunOptions {
                quick: options.quick,
                modes: modes.clone(),
            },
            totals: totals(runs, &scenarios, &modes),
            capabilities: capability_matrix(runs, &modes),
            latency: modes.iter().map(|&m| mode_latency(runs, m)).collect(),
            scenarios,
            differences,
            load: None,
        }
    }
}

/// The column order: the requested modes, then any others the runs contain.
fn report_modes(runs: &[ScenarioRun], requested: &[Mode]) -> Vec<Mode> {
    let mut modes: Vec<Mode> = Vec::new();
    let found = runs.iter().flat_map(|r| r.modes.iter().map(|m| m.mode));
    for m in requested.iter().copied().chain(found) {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    modes
}

fn mode_runs(run: &ScenarioRun, mode: Mode) -> impl Iterator<Item = &ModeRun> {
    run.modes.iter().filter(move |m| m.mode == mode)
}

fn scenario(run: &ScenarioRun, modes: &[Mode]) -> ScenarioReport {
    // Steps are matched across modes by index; name and line come from the first mode that has
    // the step (every mode runs the same file, so they agree).
    let mut steps: BTreeMap<usize, StepReport> = BTreeMap::new();
    for &mode in modes {
        for mr in mode_runs(run, mode) {
            for s in &mr.steps {
                steps
                    .entry(s.index)
                    .or_insert_with(|| StepReport {
                        index: s.index,
                        name: s.name.clone(),
                        line: s.line,
                        why: s.why.clone(),
                        results: Vec::new(),
                    })
                    .results
                    .push(step_result(mode, s));
            }
        }
    }
    ScenarioReport {
        name: run.name.clone(),
        description: run.description.clone(),
        source: run.source.clone(),
        use_case: run.use_case.clone(),
        passed: run.passed(),
        modes: modes
            .iter()
            .flat_map(|&m| mode_runs(run, m))
            .map(|mr| ScenarioMode {
                mode: mr.mode,
                passed: mr.passed(),
                error: mr.error.clone(),
                capabilities: mr
                    .capabilities
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
            })
            .collect(),
        steps: steps.into_values().collect(),
    }
}

fn step_result(mode: Mode, s: &StepOutcome) -> StepResult {
    StepResult {
        mode,
        expected: expected(s.expected),
        actual: actual(&s.actual),
        passed: s.passed,
        latency_us: micros(s.latency),
    }
}

fn expected(e: Expected) -> ExpectedOutcome {
    match e {
        Expected::Allow => ExpectedOutcome::Allow,
        Expected::Deny(reason) => ExpectedOutcome::Deny {
            reason: reason.code().to_owned(),
        },
        Expected::Unsupported => ExpectedOutcome::Unsupported,
    }
}

fn actual(a: &Actual) -> ActualOutcome {
    match a {
        Actual::Allow { principal } => ActualOutcome::Allow {
            principal: principal.clone(),
        },
        Actual::Deny { reason, detail } => ActualOutcome::Deny {
            reason: reason.code().to_owned(),
            detail: detail.clone(),
        },
        Actual::Unsupported { missing, would } => ActualOutcome::Unsupported {
            missing: missing.iter().map(|c| c.as_str().to_owned()).collect(),
            would: would.clone(),
        },
        Actual::Skipped { reason } => ActualOutcome::Skipped {
            reason: reason.clone(),
        },
    }
}

fn micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e9).round() / 1e3
}

/// The steps of one scenario where the modes' actual outcomes differ.
fn differences(s: &ScenarioReport) -> Vec<Difference> {
    s.steps
        .iter()
        .filter(|step| {
            let mut labels = step.results.iter().map(|r| r.actual.label());
            labels
                .next()
                .is_some_and(|first| labels.any(|l| l != first))
        })
        .map(|step| {
            let whys: Vec<(Mode, String, Option<explain::Why>)> = step
                .results
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let others: Vec<&ActualOutcome> = step
                        .results
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .map(|(_, o)| &o.actual)
                        .collect();
                    (
                        r.mode,
                        r.actual.label(),
                        explain::why(r.mode, &r.actual, &others),
                    )
                })
                .collect();
            Difference {
                scenario: s.name.clone(),
                source: s.source.clone(),
                step_index: step.index,
                step: step.name.clone(),
                line: step.line,
                explanation: step.why.clone().unwrap_or_else(|| explain::explain(&whys)),
                outcomes: whys
                    .into_iter()
                    .map(|(mode, outcome, why)| DifferenceOutcome {
                        mode,
                        outcome,
                        why: why.map(|w| w.text(mode)),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn totals(runs: &[ScenarioRun], scenarios: &[ScenarioReport], modes: &[Mode]) -> Totals {
    let per_mode: Vec<ModeTotals> = modes.iter().map(|&m| mode_totals(runs, m)).collect();
    let expectations_passed = per_mode.iter().map(|t| t.passed).sum();
    let expectations_failed: usize = per_mode.iter().map(|t| t.failed).sum();
    let mode_errors: usize = per_mode.iter().map(|t| t.errors).sum();
    Totals {
        passed: expectations_failed == 0 && mode_errors == 0,
        scenarios: scenarios.len(),
        steps: scenarios.iter().map(|s| s.steps.len()).sum(),
        expectations: per_mode.iter().map(|t| t.steps).sum(),
        expectations_passed,
        expectations_failed,
        mode_errors,
        modes: per_mode,
    }
}

fn mode_totals(runs: &[ScenarioRun], mode: Mode) -> ModeTotals {
    let mrs: Vec<&ModeRun> = runs.iter().flat_map(|r| mode_runs(r, mode)).collect();
    let steps = || mrs.iter().flat_map(|m| m.steps.iter());
    let count = |f: fn(&StepOutcome) -> bool| steps().filter(|s| f(s)).count();
    ModeTotals {
        mode,
        scenarios: mrs.len(),
        scenarios_passed: mrs.iter().filter(|m| m.passed()).count(),
        errors: mrs.iter().filter(|m| m.error.is_some()).count(),
        steps: steps().count(),
        passed: count(|s| s.passed),
        failed: count(|s| !s.passed),
        allowed: count(|s| matches!(s.actual, Actual::Allow { .. })),
        denied: count(|s| matches!(s.actual, Actual::Deny { .. })),
        unsupported: count(|s| matches!(s.actual, Actual::Unsupported { .. })),
    }
}

/// One row per capability; a mode supports it if every scenario it ran configured it so,
/// partially if some did. A mode that never ran shows `no` everywhere.
fn capability_matrix(runs: &[ScenarioRun], modes: &[Mode]) -> Vec<CapabilityRow> {
    Capability::ALL
        .into_iter()
        .map(|cap| CapabilityRow {
            capability: cap.as_str().to_owned(),
            description: explain::capability_description(cap).to_owned(),
            modes: modes
                .iter()
                .map(|&mode| {
                    let ran: Vec<&ModeRun> = runs
                        .iter()
                        .flat_map(|r| mode_runs(r, mode))
                        .filter(|m| m.error.is_none())
                        .collect();
                    let with = ran.iter().filter(|m| m.capabilities.supports(cap)).count();
                    let support = match with {
                        0 => Support::No,
                        n if n == ran.len() => Support::Yes,
                        _ => Support::Partial,
                    };
                    ModeSupport { mode, support }
                })
                .collect(),
        })
        .collect()
}

fn mode_latency(runs: &[ScenarioRun], mode: Mode) -> ModeLatency {
    let samples: Vec<Duration> = runs
        .iter()
        .flat_map(|r| mode_runs(r, mode))
        .flat_map(|m| m.samples.iter().copied())
        .collect();
    ModeLatency {
        mode,
        count: samples.len() as u64,
        summary: latency::summarise(&samples),
    }
}
