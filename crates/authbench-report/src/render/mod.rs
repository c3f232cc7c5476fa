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

use authbench_core::duration::format_micros;

use crate::model::{Column, JoinLatency, JoinSet, ModeLatency, Report, StepResult, Support};

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

/// The sentence under the "Time to verdict at the media server" title: what is measured, and
/// what the reference is (or that none was given, when no entry has one). `code` sets a config
/// key as code in the output's markup; the rest is plain text that needs no escaping.
pub(crate) fn joins_intro(report: &Report, code: fn(&str) -> String) -> String {
    let measured = "Time from opening the connection to the media server's verdict (join \
                    admitted or refused) as the client saw it, closing the session not included, \
                    per column and transport over all scenarios";
    let referenced = report
        .joins
        .iter()
        .any(|j| j.open.count > 0 || j.open_failed > 0);
    if referenced {
        format!(
            "{measured}; the open reference is the same join without credentials at the same \
             server (or a twin of it) with authentication off, and “authentication adds” is the \
             difference of the medians (× their ratio)."
        )
    } else {
        format!(
            "{measured}; no reference given ({} in the target file: the same server with \
             authentication off), so what authentication adds is not measured.",
            code("media.reference")
        )
    }
}

/// The figures of one kind of join: how many, their median and 90th percentile (`–` when none
/// was measured). Join times are milliseconds more often than microseconds, so they carry their
/// unit.
pub(crate) fn join_cells(set: &JoinSet) -> [String; 3] {
    let (p50, p90) = match &set.summary {
        Some(s) => (format_micros(s.p50_us), format_micros(s.p90_us)),
        None => ("–".to_owned(), "–".to_owned()),
    };
    [set.count.to_string(), p50, p90]
}

/// What authentication adds to a join: `+2.5 ms (×2.00)`; `no reference given` when there was
/// no reference for the transport; `–` when a side measured nothing.
pub(crate) fn auth_adds(j: &JoinLatency) -> String {
    match (j.auth_adds_p50_us, j.auth_ratio_p50) {
        (Some(adds), Some(ratio)) => {
            let sign = if adds < 0.0 { "-" } else { "+" };
            format!("{sign}{} (×{ratio:.2})", format_micros(adds.abs()))
        }
        _ if j.open.count == 0 && j.open_failed == 0 => "no reference given".to_owned(),
        _ => "–".to_owned(),
    }
}

/// The reference joins that failed, in words, and the first one's decision apart (to be set as
/// code): `("1 reference join was not admitted (it measures no join)", Some("deny(…)"))`.
pub(crate) fn open_failures(j: &JoinLatency) -> Option<(String, Option<&str>)> {
    (j.open_failed > 0).then(|| {
        let text = if j.open_failed == 1 {
            "1 reference join was not admitted (it measures no join)".to_owned()
        } else {
            format!(
                "{} reference joins were not admitted (they measure no join)",
                j.open_failed
            )
        };
        (text, j.open_failure.as_deref())
    })
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
