//! The plain-text summary printed on the terminal after a run.

use crate::model::{Column, Report, ScenarioReport};
use crate::render::{expectation_counts, result_of};

/// One cell: `3/3`, `2/3 FAIL`, `1/1 (2 skipped)`, `ERROR` or `-` (not run). The count is of
/// the steps that ran; skipped steps are counted apart.
fn cell(s: &ScenarioReport, column: &Column) -> String {
    let Some(m) = s
        .modes
        .iter()
        .find(|m| column.is(m.mode, m.target.as_deref()))
    else {
        return "-".to_owned();
    };
    if m.error.is_some() {
        return "ERROR".to_owned();
    }
    let results = s
        .steps
        .iter()
        .filter_map(|st| result_of(&st.results, column));
    let (mut ran, mut passed, mut skipped) = (0, 0, 0);
    for r in results {
        if r.actual.is_skipped() {
            skipped += 1;
        } else {
            ran += 1;
            passed += usize::from(r.passed);
        }
    }
    let mut c = format!("{passed}/{ran}");
    if passed < ran {
        c.push_str(" FAIL");
    }
    if skipped > 0 {
        c.push_str(&format!(" ({skipped} skipped)"));
    }
    c
}

/// Renders the per scenario × mode table with a totals line and a closing verdict.
pub(crate) fn summary_table(report: &Report) -> String {
    let columns = report.columns();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(report.scenarios.len() + 2);
    rows.push(
        std::iter::once("scenario".to_owned())
            .chain(columns.iter().map(Column::label))
            .collect(),
    );
    for s in &report.scenarios {
        // Names are printed as given, minus control characters that would break the layout.
        let name: String = s.name.chars().filter(|c| !c.is_control()).collect();
        rows.push(
            std::iter::once(name)
                .chain(columns.iter().map(|c| cell(s, c)))
                .collect(),
        );
    }
    rows.push(
        std::iter::once("total".to_owned())
            .chain(report.totals.modes.iter().map(|t| {
                let mut c = format!("{}/{}", t.passed, t.steps - t.skipped);
                if t.failed > 0 || t.errors > 0 {
                    c.push_str(" FAIL");
                }
                if t.skipped > 0 {
                    c.push_str(&format!(" ({} skipped)", t.skipped));
                }
                c
            }))
            .collect(),
    );

    let width = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..width)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String]| -> String {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        cells.join("  ").trim_end().to_owned()
    };

    let mut out = String::new();
    let last = rows.len().saturating_sub(1);
    for (i, r) in rows.iter().enumerate() {
        if i == last {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * width.saturating_sub(1)));
            out.push('\n');
        }
        out.push_str(&line(r));
        out.push('\n');
    }
    let t = &report.totals;
    out.push_str(&format!(
        "{} scenarios, {} steps, {} expectations: {}",
        t.scenarios,
        t.steps,
        t.expectations,
        expectation_counts(report)
    ));
    if t.mode_errors > 0 {
        out.push_str(&format!(", {} mode runs could not start", t.mode_errors));
    }
    out.push('\n');
    out
}
