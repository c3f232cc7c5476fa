//! The three human-facing renderings of a [`Report`](crate::Report): a plain-text summary for the
//! terminal, Markdown for CI job summaries and PR comments, and one self-contained HTML file.

pub(crate) mod escape;
pub(crate) mod html;
mod load_html;
mod load_md;
mod load_svg;
pub(crate) mod markdown;
mod svg;
pub(crate) mod text;

use crate::model::{Column, ModeLatency, Report, StepResult, Support};

/// Formats a latency figure in microseconds with a sensible number of digits.
pub(crate) fn fmt_us(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

/// The latency entry of a column, if the report has one.
pub(crate) fn latency_of<'a>(report: &'a Report, column: &Column) -> Option<&'a ModeLatency> {
    report
        .latency
        .iter()
        .find(|l| column.is(l.mode, l.target.as_deref()))
}

/// The result of a column in a step, if the column had the step.
pub(crate) fn result_of<'a>(results: &'a [StepResult], column: &Column) -> Option<&'a StepResult> {
    results
        .iter()
        .find(|r| column.is(r.mode, r.target.as_deref()))
}

/// The column labels, comma-separated (`jwt, roundtrip, roundtrip @ staging`).
pub(crate) fn column_list(report: &Report) -> String {
    report
        .columns()
        .iter()
        .map(Column::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The outcome label of a result with its note, when there is one:
/// `deny(backend_rejected) — denied, no reason given by the target`.
pub(crate) fn outcome_with_note(res: &StepResult) -> String {
    match &res.note {
        Some(note) => format!("{} — {note}", res.actual.label()),
        None => res.actual.label(),
    }
}

/// The summary of the expectations: `209 held, 0 failed, 31 skipped` (the skipped count only
/// when there are skipped steps).
pub(crate) fn expectation_counts(report: &Report) -> String {
    let t = &report.totals;
    let mut s = format!(
        "{} held, {} failed",
        t.expectations_passed, t.expectations_failed
    );
    if t.expectations_skipped > 0 {
        s.push_str(&format!(", {} skipped", t.expectations_skipped));
    }
    s
}

/// A symbol and a word for a capability cell.
pub(crate) fn support_label(s: Support) -> (&'static str, &'static str) {
    match s {
        Support::Yes => ("✔", "yes"),
        Support::Partial => ("◐", "depends on config"),
        Support::No => ("✘", "no"),
    }
}

/// Formats a byte count as GiB with one decimal.
pub(crate) fn fmt_gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
}

/// One line describing the machine and build.
pub(crate) fn machine_lines(report: &Report) -> Vec<(&'static str, String)> {
    let m = &report.machine;
    let unknown = || "unknown".to_owned();
    let mut lines = vec![
        (
            "OS",
            match &m.os_release {
                Some(r) => format!("{r} ({}, {})", m.os, m.arch),
                None => format!("{} ({})", m.os, m.arch),
            },
        ),
        ("Kernel", m.kernel.clone().unwrap_or_else(unknown)),
        ("CPU", m.cpu_model.clone().unwrap_or_else(unknown)),
        ("Cores", m.cpu_cores.map_or_else(unknown, |n| n.to_string())),
        ("Memory", m.memory_bytes.map_or_else(unknown, fmt_gib)),
    ];
    if let Some(h) = &m.hostname {
        lines.push(("Host", h.clone()));
    }
    lines.push((
        "Build",
        format!(
            "authbench {}, {} profile, {}",
            report.authbench_version,
            report.build.profile,
            report.build.rustc.as_deref().unwrap_or("rustc unknown")
        ),
    ));
    lines.push((
        "Run",
        format!(
            "{}{}, generated {}",
            column_list(report),
            if report.options.quick { ", quick" } else { "" },
            report.generated_at
        ),
    ));
    lines
}
