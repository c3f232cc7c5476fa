//! The plain-text summary printed on the terminal after a run.

use authbench_core::Mode;

use crate::model::{Report, ScenarioReport};

/// One cell: `3/3`, `2/3 FAIL`, `error` or `-` (not run).
fn cell(s: &ScenarioReport, mode: Mode) -> String {
    let Some(m) = s.modes.iter().find(|m| m.mode == mode) else {
        return "-".to_owned();
    };
    if m.error.is_some() {
        return "ERROR".to_owned();
    }
    let results = s
        .steps
        .iter()
        .filter_map(|st| st.results.iter().find(|r| r.mode == mode));
    let (total, passed) = results.fold((0, 0), |(t, p), r| (t + 1, p + usize::from(r.passed)));
    if passed == total {
        format!("{passed}/{total}")
    } else {
        format!("{passed}/{total} FAIL")
    }
}

/// Renders the per scenario × mode table with a totals line and a closing verdict.
pub(crate) fn summary_table(report: &Report) -> String {
    let modes = &report.options.modes;
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(report.scenarios.len() + 2);
    rows.push(
        std::iter::once("scenario".to_owned())
            .chain(modes.iter().map(|m| m.to_string()))
            .collect(),
    );
    for s in &report.scenarios {
        // Names are printed as given, minus control characters that would break the layout.
        let name: String = s.name.chars().filter(|c| !c.is_control()).collect();
        rows.push(
            std::iter::once(name)
                .chain(modes.iter().map(|&m| cell(s, m)))
                .collect(),
        );
    }
    rows.push(
        std::iter::once("total".to_owned())
            .chain(modes.iter().map(|&m| {
                report
                    .totals
                    .modes
                    .iter()
                    .find(|t| t.mode == m)
                    .map_or_else(
                        || "-".to_owned(),
                        |t| {
                            let mut c = format!("{}/{}", t.passed, t.steps);
                            if t.failed > 0 || t.errors > 0 {
                                c.push_str(" FAIL");
                            }
                            c
                        },
                    )
            }))
            .collect(),
    );

    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
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
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1)));
            out.push('\n');
        }
        out.push_str(&line(r));
        out.push('\n');
    }
    let t = &report.totals;
    out.push_str(&format!(
        "{} scenarios, {} steps, {} expectations: {} passed, {} failed",
        t.scenarios, t.steps, t.expectations, t.expectations_passed, t.expectations_failed
    ));
    if t.mode_errors > 0 {
        out.push_str(&format!(", {} mode runs could not start", t.mode_errors));
    }
    out.push('\n');
    out
}
