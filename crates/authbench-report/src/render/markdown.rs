//! report.md: sized for a GitHub job summary or a PR comment. The full matrix lives in the
//! JSON and HTML; Markdown shows the verdict, failures, differences and the figures.

use std::fmt::Write as _;

use crate::model::{Column, Report, ScenarioReport, StepReport, StepResult};
use crate::render::escape::{code, markdown as md};
use crate::render::load_md;
use crate::render::{
    auth_adds, column_list, expectation_counts, fmt_us, join_cells, joins_intro, latency_of,
    machine_lines, open_failures, result_of, support_label,
};

/// Lists longer than this are cut, pointing at report.json (job summaries are capped at 1 MiB).
const MAX_LISTED: usize = 100;

/// Renders the whole Markdown document.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    if report.scenarios.is_empty() && report.load.is_some() {
        let _ = writeln!(
            out,
            "# authbench load report\n\nModes: {}. Generated {} by authbench {}{}.\n",
            mode_list(report),
            report.generated_at,
            md(&report.authbench_version),
            if report.options.quick {
                " (quick run)"
            } else {
                ""
            }
        );
    } else {
        headline(&mut out, report);
        tested(&mut out, report);
        scenario_table(&mut out, report);
        failures(&mut out, report);
        skipped(&mut out, report);
        notes(&mut out, report);
        differences(&mut out, report);
        capabilities(&mut out, report);
        latency(&mut out, report);
        joins(&mut out, report);
    }
    if let Some(load) = &report.load {
        load_md::section(&mut out, load);
    }
    machine(&mut out, report);
    out
}

fn headline(out: &mut String, r: &Report) {
    let t = &r.totals;
    out.push_str("# authbench report\n\n");
    // Skipped steps are neither held nor failed: the verdict speaks of the steps that ran, and
    // the counts say how many were skipped.
    let (ran, counts) = if t.expectations_skipped > 0 {
        (
            format!(
                "{} expectations that ran",
                t.expectations - t.expectations_skipped
            ),
            format!("{}; ", expectation_counts(r)),
        )
    } else {
        (format!("{} expectations", t.expectations), String::new())
    };
    if t.passed {
        let _ = writeln!(
            out,
            "**✅ All {ran} held** ({counts}{} scenarios, {} steps, modes: {}).",
            t.scenarios,
            t.steps,
            mode_list(r)
        );
    } else {
        let _ = write!(
            out,
            "**❌ {} of {ran} failed** ({counts}{} scenarios, {} steps, modes: {})",
            t.expectations_failed,
            t.scenarios,
            t.steps,
            mode_list(r)
        );
        if t.mode_errors > 0 {
            let _ = write!(out, "; {} mode runs could not start", t.mode_errors);
        }
        out.push_str(".\n");
    }
    let _ = writeln!(
        out,
        "\nModes differ on {} step{}. Generated {} by authbench {}{}.\n",
        r.differences.len(),
        if r.differences.len() == 1 { "" } else { "s" },
        r.generated_at,
        md(&r.authbench_version),
        if r.options.quick { " (quick run)" } else { "" }
    );
}

fn mode_list(r: &Report) -> String {
    md(&column_list(r))
}

/// What each target column asked: only when the run was aimed at a user's deployment.
fn tested(out: &mut String, r: &Report) {
    if r.targets.is_empty() {
        return;
    }
    out.push_str("## What was tested\n\n| column | tested |\n|---|---|\n");
    for t in &r.targets {
        let column = Column::at(t.mode, &t.name);
        let _ = writeln!(out, "| {} | {} |", md(&column.label()), md(&t.tested));
    }
    out.push_str(
        "\nColumns without `@` ran in the built-in world (the reference service, generated \
         files, tokens minted locally): the reference behaviour.\n\n",
    );
}

fn header(out: &mut String, first: &str, columns: &[Column]) {
    let _ = write!(out, "| {first} |");
    for c in columns {
        let _ = write!(out, " {} |", md(&c.label()));
    }
    out.push_str("\n|---|");
    out.push_str(&":-:|".repeat(columns.len()));
    out.push('\n');
}

fn scenario_cell(s: &ScenarioReport, column: &Column) -> String {
    let Some(m) = s
        .modes
        .iter()
        .find(|m| column.is(m.mode, m.target.as_deref()))
    else {
        return "–".to_owned();
    };
    if m.error.is_some() {
        return "❌ could not run".to_owned();
    }
    let results: Vec<&StepResult> = s
        .steps
        .iter()
        .filter_map(|st| result_of(&st.results, column))
        .collect();
    let skipped = results.iter().filter(|r| r.actual.is_skipped()).count();
    let total = results.len() - skipped;
    let passed = results.iter().filter(|r| r.passed).count();
    let mark = if passed == total { "✅" } else { "❌" };
    if skipped > 0 {
        format!("{mark} {passed}/{total} · {skipped} skipped")
    } else {
        format!("{mark} {passed}/{total}")
    }
}

fn scenario_table(out: &mut String, r: &Report) {
    out.push_str("## Scenarios\n\n");
    if r.scenarios.is_empty() {
        out.push_str("No scenarios were run.\n\n");
        return;
    }
    let columns = r.columns();
    header(out, "scenario", &columns);
    for s in &r.scenarios {
        let _ = write!(out, "| {} |", md(&s.name));
        for c in &columns {
            let _ = write!(out, " {} |", scenario_cell(s, c));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn failures(out: &mut String, r: &Report) {
    let mut items: Vec<String> = Vec::new();
    for s in &r.scenarios {
        for m in &s.modes {
            if let Some(e) = &m.error {
                items.push(format!(
                    "- **{}** ({}) — **{}** could not run: {}",
                    md(&s.name),
                    md(&s.source),
                    md(&m.column().label()),
                    md(e)
                ));
            }
        }
        for step in &s.steps {
            let failed = step
                .results
                .iter()
                .filter(|res| !res.passed && !res.actual.is_skipped());
            for res in failed {
                items.push(format!(
                    "{}: expected {}, got {}{}{}",
                    step_item(s, step, res),
                    code(&res.expected.label()),
                    code(&res.actual.label()),
                    match &res.note {
                        Some(n) => format!(" ({})", md(n)),
                        None => String::new(),
                    },
                    match res.actual.detail() {
                        d if d.is_empty() => String::new(),
                        d => format!(" — {}", md(&d)),
                    }
                ));
            }
        }
    }
    if items.is_empty() {
        return;
    }
    out.push_str("## Failures\n\n");
    list(out, &items);
}

/// `- **scenario** › step 2 “name” (file:line) — **column**`, the start of a list item about one
/// cell.
fn step_item(s: &ScenarioReport, step: &StepReport, res: &StepResult) -> String {
    format!(
        "- **{}** › step {} “{}” ({}:{}) — **{}**",
        md(&s.name),
        step.index + 1,
        md(&step.name),
        md(&s.source),
        step.line,
        md(&res.column().label())
    )
}

/// Steps not run in a column's world, each with the reason: they are neither held nor failed.
fn skipped(out: &mut String, r: &Report) {
    let mut items: Vec<String> = Vec::new();
    for s in &r.scenarios {
        for step in &s.steps {
            for res in &step.results {
                if res.actual.is_skipped() {
                    items.push(format!(
                        "{}: skipped — {}",
                        step_item(s, step, res),
                        md(&res.actual.detail())
                    ));
                }
            }
        }
    }
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Skipped steps\n\n{} expectation{} not checked: the step could not run in that \
         world. They count neither as held nor as failed.\n",
        items.len(),
        if items.len() == 1 { " was" } else { "s were" }
    );
    list(out, &items);
}

/// Outcomes that come with a note on how the expectation was judged (a target's deny without a
/// reason met an expected deny).
fn notes(out: &mut String, r: &Report) {
    let mut items: Vec<String> = Vec::new();
    for s in &r.scenarios {
        for step in &s.steps {
            for res in step.results.iter().filter(|res| res.note.is_some()) {
                items.push(format!(
                    "{}: {} — {} (expected {})",
                    step_item(s, step, res),
                    code(&res.actual.label()),
                    md(res.note.as_deref().unwrap_or_default()),
                    code(&res.expected.label())
                ));
            }
        }
    }
    if items.is_empty() {
        return;
    }
    out.push_str("## How outcomes were judged\n\n");
    list(out, &items);
}

fn differences(out: &mut String, r: &Report) {
    out.push_str("## Where the modes differ\n\n");
    if r.differences.is_empty() {
        out.push_str("The modes decided every step alike.\n\n");
        return;
    }
    let items: Vec<String> = r
        .differences
        .iter()
        .map(|d| {
            let outcomes: Vec<String> = d
                .outcomes
                .iter()
                .map(|o| format!("{} {}", md(&o.column().label()), code(&o.outcome)))
                .collect();
            format!(
                "- **{}** › “{}” (line {}): {}  \n  {}",
                md(&d.scenario),
                md(&d.step),
                d.line,
                outcomes.join(" · "),
                md(&d.explanation)
            )
        })
        .collect();
    list(out, &items);
}

fn list(out: &mut String, items: &[String]) {
    for item in items.iter().take(MAX_LISTED) {
        out.push_str(item);
        out.push('\n');
    }
    if items.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "- … and {} more (see report.json)",
            items.len() - MAX_LISTED
        );
    }
    out.push('\n');
}

fn capabilities(out: &mut String, r: &Report) {
    out.push_str("## What each mode can express\n\n");
    let columns = r.columns();
    header(out, "capability", &columns);
    for row in &r.capabilities {
        let _ = write!(out, "| {} |", md(&row.capability.replace('_', " ")));
        for c in &columns {
            let cell = row
                .modes
                .iter()
                .find(|s| c.is(s.mode, s.target.as_deref()))
                .map_or("–", |s| support_label(s.support).0);
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push_str("\n✔ yes · ◐ depends on the scenario's configuration · ✘ no\n\n");
}

fn latency(out: &mut String, r: &Report) {
    out.push_str("## Decision latency (µs)\n\n");
    out.push_str(
        "Time for one `authenticate` call during the scenario run, all scenarios pooled. \
         Not a load test: see `authbench bench` for throughput.\n\n",
    );
    out.push_str("| mode | decisions | p50 | p90 | p99 | p99.9 | max | mean |\n");
    out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for c in r.columns() {
        let Some(l) = latency_of(r, &c) else { continue };
        let m = md(&c.label());
        match &l.summary {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "| {m} | {} | {} | {} | {} | {} | {} | {} |",
                    l.count,
                    fmt_us(s.p50_us),
                    fmt_us(s.p90_us),
                    fmt_us(s.p99_us),
                    fmt_us(s.p99_9_us),
                    fmt_us(s.max_us),
                    fmt_us(s.mean_us)
                );
            }
            None => {
                let _ = writeln!(out, "| {m} | 0 | – | – | – | – | – | – |");
            }
        }
    }
    out.push('\n');
}

/// A media server's time to verdict per column and transport, beside the reference's; only when
/// the run asked a media server over the wire.
fn joins(out: &mut String, r: &Report) {
    if r.joins.is_empty() {
        return;
    }
    out.push_str("## Time to verdict at the media server\n\n");
    let _ = writeln!(out, "{}\n", joins_intro(r, code));
    out.push_str(
        "| column | transport | admitted | p50 | p90 | refused | p50 | p90 | open reference | p50 \
         | p90 | authentication adds |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n",
    );
    let mut failures: Vec<String> = Vec::new();
    for j in &r.joins {
        let label = md(&j.column().label());
        let _ = write!(out, "| {label} | {} |", md(&j.transport));
        for set in [&j.admitted, &j.refused, &j.open] {
            for cell in join_cells(set) {
                let _ = write!(out, " {cell} |");
            }
        }
        let _ = writeln!(out, " {} |", auth_adds(j));
        if let Some((text, first)) = open_failures(j) {
            failures.push(match first {
                Some(first) => format!(
                    "- **{label}** {}: {text}; the first: {}",
                    md(&j.transport),
                    code(first)
                ),
                None => format!("- **{label}** {}: {text}", md(&j.transport)),
            });
        }
    }
    out.push('\n');
    if !failures.is_empty() {
        list(out, &failures);
    }
}

fn machine(out: &mut String, r: &Report) {
    out.push_str("## Machine\n\n");
    for (k, v) in machine_lines(r) {
        let _ = writeln!(out, "- **{k}**: {}", md(&v));
    }
}
