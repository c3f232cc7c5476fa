//! Building a [`Report`] from the runner's [`ScenarioRun`]s.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use authbench_core::outcome::{Actual, Expected, JoinTimes, ModeRun, ScenarioRun, StepOutcome};
use authbench_core::{Capability, Mode, Transport};

use crate::SCHEMA_VERSION;
use crate::explain;
use crate::latency;
use crate::machine::rfc3339;
use crate::model::{
    ActualOutcome, BuildInfo, CapabilityRow, Column, Difference, DifferenceOutcome,
    ExpectedOutcome, JoinLatency, JoinSet, Machine, ModeLatency, ModeSupport, ModeTotals, Report,
    RunOptions, ScenarioMode, ScenarioReport, StepReport, StepResult, Support, TargetReport,
    Totals,
};

impl Report {
    /// Builds the report of a run: every scenario's steps side by side per column, the
    /// differences explained, the capability matrix, latency percentiles from every column's
    /// samples, a media server's time to verdict per transport (from the runs' `joins`), what
    /// was tested at each target, the machine and the time now.
    ///
    /// A column is a mode in one world: `roundtrip` (built-in) or `roundtrip @ staging` (the
    /// mode's run against the user's target named `staging`), so a run with both shows "our
    /// service vs the reference behaviour" side by side. Built-in columns come first, in mode
    /// order; then target columns, by target in order of appearance, each in mode order.
    ///
    /// `options.modes` gives the mode order; modes found in `runs` but not listed there are
    /// appended, and an empty list means "the modes found in the runs". A listed mode the runs
    /// hold only at a target gets no (empty) built-in column.
    pub fn build(runs: &[ScenarioRun], options: &RunOptions) -> Report {
        let modes = report_modes(runs, &options.modes);
        let columns = report_columns(runs, &modes);
        let scenarios: Vec<ScenarioReport> = runs.iter().map(|r| scenario(r, &columns)).collect();
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
            targets: targets(runs, &columns),
            totals: totals(runs, &scenarios, &columns),
            capabilities: capability_matrix(runs, &columns),
            latency: columns.iter().map(|c| column_latency(runs, c)).collect(),
            joins: columns.iter().flat_map(|c| column_joins(runs, c)).collect(),
            scenarios,
            differences,
            load: None,
        }
    }
}

/// The mode order: the requested modes, then any others the runs contain.
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

fn target_name(mr: &ModeRun) -> Option<&str> {
    mr.target.as_ref().map(|t| t.name.as_str())
}

/// The column order: a built-in column per mode (unless the runs hold that mode only at
/// targets), then each target's columns, targets in order of appearance, modes in `modes` order.
fn report_columns(runs: &[ScenarioRun], modes: &[Mode]) -> Vec<Column> {
    let all = || runs.iter().flat_map(|r| r.modes.iter());
    let mut columns: Vec<Column> = modes
        .iter()
        .filter(|&&m| {
            let mut of_mode = all().filter(|mr| mr.mode == m).peekable();
            of_mode.peek().is_none() || all().any(|mr| mr.mode == m && mr.target.is_none())
        })
        .map(|&m| Column::builtin(m))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for name in all().filter_map(target_name) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for name in names {
        for &m in modes {
            if all().any(|mr| mr.mode == m && target_name(mr) == Some(name)) {
                columns.push(Column::at(m, name));
            }
        }
    }
    columns
}

fn mode_runs<'a>(run: &'a ScenarioRun, column: &'a Column) -> impl Iterator<Item = &'a ModeRun> {
    run.modes
        .iter()
        .filter(move |m| column.is(m.mode, target_name(m)))
}

/// What each target column tested: the first description its runs gave.
fn targets(runs: &[ScenarioRun], columns: &[Column]) -> Vec<TargetReport> {
    columns
        .iter()
        .filter_map(|c| {
            let name = c.target.clone()?;
            let tested = runs
                .iter()
                .flat_map(|r| mode_runs(r, c))
                .filter_map(|mr| mr.target.as_ref())
                .map(|t| t.tested.clone())
                .find(|t| !t.is_empty())
                .unwrap_or_default();
            Some(TargetReport {
                name,
                mode: c.mode,
                tested,
            })
        })
        .collect()
}

fn scenario(run: &ScenarioRun, columns: &[Column]) -> ScenarioReport {
    // Steps are matched across columns by index; name and line come from the first column that
    // has the step (every column runs the same file, so they agree).
    let mut steps: BTreeMap<usize, StepReport> = BTreeMap::new();
    for column in columns {
        for mr in mode_runs(run, column) {
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
                    .push(step_result(column, s));
            }
        }
    }
    ScenarioReport {
        name: run.name.clone(),
        description: run.description.clone(),
        source: run.source.clone(),
        use_case: run.use_case.clone(),
        passed: run.passed(),
        modes: columns
            .iter()
            .flat_map(|c| mode_runs(run, c).map(move |mr| (c, mr)))
            .map(|(c, mr)| ScenarioMode {
                mode: mr.mode,
                target: c.target.clone(),
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

fn step_result(column: &Column, s: &StepOutcome) -> StepResult {
    StepResult {
        mode: column.mode,
        target: column.target.clone(),
        expected: expected(s.expected),
        actual: actual(&s.actual),
        note: s.note.clone(),
        passed: s.passed && !s.actual.is_skipped(),
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

/// Whether two outcomes are the same decision. A target's `deny(backend_rejected)` (a service
/// that answers only yes or no) is alike any deny: it gives no reason to differ on.
fn alike(a: &ActualOutcome, b: &ActualOutcome) -> bool {
    let no_reason = |o: &ActualOutcome| matches!(o, ActualOutcome::Deny { reason, .. } if reason == "backend_rejected");
    let deny = |o: &ActualOutcome| matches!(o, ActualOutcome::Deny { .. });
    a.label() == b.label() || (deny(a) && deny(b) && (no_reason(a) || no_reason(b)))
}

/// The steps of one scenario where the columns' actual outcomes differ. Skipped cells are left
/// out: a step not run in one world says nothing about how the worlds decide.
fn differences(s: &ScenarioReport) -> Vec<Difference> {
    s.steps
        .iter()
        .filter_map(|step| {
            let ran: Vec<&StepResult> = step
                .results
                .iter()
                .filter(|r| !r.actual.is_skipped())
                .collect();
            let first = ran.first()?;
            ran.iter()
                .any(|r| !alike(&first.actual, &r.actual))
                .then(|| difference(s, step, &ran))
        })
        .collect()
}

/// One difference: each ran column's outcome and why it decided so.
fn difference(s: &ScenarioReport, step: &StepReport, ran: &[&StepResult]) -> Difference {
    let whys: Vec<(Column, String, Option<explain::Why>)> = ran
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let column = r.column();
            let others: Vec<&ActualOutcome> = ran
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, o)| &o.actual)
                .collect();
            // A target column that decided otherwise than the built-in column of its mode is
            // explained by that contrast: the reference behaviour is what it is measured against.
            let reference = ran.iter().find(|o| o.mode == r.mode && o.target.is_none());
            let why = match reference {
                Some(b) if r.target.is_some() && !alike(&b.actual, &r.actual) => {
                    Some(explain::Why::Said(format!(
                        "{} decided {} where the built-in {} (the reference behaviour) decided {}",
                        column.label(),
                        r.actual.label(),
                        r.mode,
                        b.actual.label()
                    )))
                }
                _ => explain::why(r.mode, &r.actual, &others),
            };
            (column, r.actual.label(), why)
        })
        .collect();
    let labelled: Vec<(String, String, Option<explain::Why>)> = whys
        .iter()
        .map(|(c, o, w)| (c.label(), o.clone(), w.clone()))
        .collect();
    Difference {
        scenario: s.name.clone(),
        source: s.source.clone(),
        step_index: step.index,
        step: step.name.clone(),
        line: step.line,
        explanation: step
            .why
            .clone()
            .unwrap_or_else(|| explain::explain(&labelled)),
        outcomes: whys
            .into_iter()
            .map(|(column, outcome, why)| DifferenceOutcome {
                why: why.map(|w| w.text(&column.label())),
                mode: column.mode,
                target: column.target,
                outcome,
            })
            .collect(),
    }
}

fn totals(runs: &[ScenarioRun], scenarios: &[ScenarioReport], columns: &[Column]) -> Totals {
    let per_column: Vec<ModeTotals> = columns.iter().map(|c| column_totals(runs, c)).collect();
    let expectations_failed: usize = per_column.iter().map(|t| t.failed).sum();
    let mode_errors: usize = per_column.iter().map(|t| t.errors).sum();
    Totals {
        passed: expectations_failed == 0 && mode_errors == 0,
        scenarios: scenarios.len(),
        steps: scenarios.iter().map(|s| s.steps.len()).sum(),
        expectations: per_column.iter().map(|t| t.steps).sum(),
        expectations_passed: per_column.iter().map(|t| t.passed).sum(),
        expectations_failed,
        expectations_skipped: per_column.iter().map(|t| t.skipped).sum(),
        mode_errors,
        modes: per_column,
    }
}

fn column_totals(runs: &[ScenarioRun], column: &Column) -> ModeTotals {
    let mrs: Vec<&ModeRun> = runs.iter().flat_map(|r| mode_runs(r, column)).collect();
    let steps = || mrs.iter().flat_map(|m| m.steps.iter());
    let count = |f: fn(&StepOutcome) -> bool| steps().filter(|s| f(s)).count();
    ModeTotals {
        mode: column.mode,
        target: column.target.clone(),
        scenarios: mrs.len(),
        scenarios_passed: mrs.iter().filter(|m| m.passed()).count(),
        errors: mrs.iter().filter(|m| m.error.is_some()).count(),
        steps: steps().count(),
        passed: count(|s| s.passed && !s.actual.is_skipped()),
        failed: count(StepOutcome::failed),
        skipped: count(|s| s.actual.is_skipped()),
        allowed: count(|s| matches!(s.actual, Actual::Allow { .. })),
        denied: count(|s| matches!(s.actual, Actual::Deny { .. })),
        unsupported: count(|s| matches!(s.actual, Actual::Unsupported { .. })),
    }
}

/// One row per capability; a column supports it if every scenario it ran configured it so,
/// partially if some did. A column that never ran shows `no` everywhere.
fn capability_matrix(runs: &[ScenarioRun], columns: &[Column]) -> Vec<CapabilityRow> {
    Capability::ALL
        .into_iter()
        .map(|cap| CapabilityRow {
            capability: cap.as_str().to_owned(),
            description: explain::capability_description(cap).to_owned(),
            modes: columns
                .iter()
                .map(|column| {
                    let ran: Vec<&ModeRun> = runs
                        .iter()
                        .flat_map(|r| mode_runs(r, column))
                        .filter(|m| m.error.is_none())
                        .collect();
                    let with = ran.iter().filter(|m| m.capabilities.supports(cap)).count();
                    let support = match with {
                        0 => Support::No,
                        n if n == ran.len() => Support::Yes,
                        _ => Support::Partial,
                    };
                    ModeSupport {
                        mode: column.mode,
                        target: column.target.clone(),
                        support,
                    }
                })
                .collect(),
        })
        .collect()
}

fn column_latency(runs: &[ScenarioRun], column: &Column) -> ModeLatency {
    let samples: Vec<Duration> = runs
        .iter()
        .flat_map(|r| mode_runs(r, column))
        .flat_map(|m| m.samples.iter().copied())
        .collect();
    ModeLatency {
        mode: column.mode,
        target: column.target.clone(),
        count: samples.len() as u64,
        summary: latency::summarise(&samples),
    }
}

/// A column's time to verdict per transport, every scenario's joins merged: one entry per
/// transport, in [`Transport::ALL`] order, that measured a join or had a reference join fail.
fn column_joins(runs: &[ScenarioRun], column: &Column) -> Vec<JoinLatency> {
    let mrs: Vec<&ModeRun> = runs.iter().flat_map(|r| mode_runs(r, column)).collect();
    Transport::ALL
        .into_iter()
        .filter_map(|transport| {
            let mut merged = JoinTimes::new(transport);
            for joins in mrs.iter().flat_map(|m| m.joins.iter()) {
                if joins.transport == transport {
                    merged.merge(joins);
                }
            }
            let measured = !merged.admitted.is_empty()
                || !merged.refused.is_empty()
                || !merged.open.is_empty()
                || merged.open_failed > 0;
            measured.then(|| join_latency(column, &merged))
        })
        .collect()
}

fn join_latency(column: &Column, joins: &JoinTimes) -> JoinLatency {
    let set = |samples: &[Duration]| JoinSet {
        count: samples.len() as u64,
        summary: latency::summarise(samples),
    };
    let admitted = set(&joins.admitted);
    let open = set(&joins.open);
    // Compared only when both sides measured something and the open median can divide.
    let both = admitted
        .p50_us()
        .zip(open.p50_us())
        .filter(|&(_, open)| open > 0.0);
    JoinLatency {
        mode: column.mode,
        target: column.target.clone(),
        transport: joins.transport.as_str().to_owned(),
        refused: set(&joins.refused),
        open_failed: joins.open_failed,
        open_failure: joins.open_failure.clone(),
        auth_adds_p50_us: both.map(|(auth, open)| ((auth - open) * 1e3).round() / 1e3),
        auth_ratio_p50: both.map(|(auth, open)| (auth / open * 100.0).round() / 100.0),
        admitted,
        open,
    }
}
