//! report.md: sized for a GitHub job summary or a PR comment. The full matrix lives in the
//! JSON and HTML; Markdown shows the verdict, failures, differences and the figures.

use std::fmt::Write as _;

use crate::model::{Report, ScenarioReport};
use crate::render::escape::{code, markdown as md};
use crate::render::load_md;
use crate::render::{fmt_us, latency_of, machine_lines, support_label};
use authbench_core::Mode;

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
        scenario_table(&mut out, report);
        failures(&mut out, report);
        differences(&mut out, report);
        capabilities(&mut out, report);
        latency(&mut out, report);
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
    if t.passed {
        let _ = writeln!(
            out,
            "**✅ All {} expectations held** ({} scenarios, {} steps, modes: {}).",
            t.expectations,
            t.scenarios,
            t.steps,
            mode_list(r)
        );
    } else {
        let _ = write!(
            out,
            "**❌ {} of {} expectations failed** ({} scenarios, {} steps, modes: {})",
            t.expectations_failed,
            t.expectations,
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
    r.options
        .modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn header(out: &mut String, first: &str, modes: &[Mode]) {
    let _ = write!(out, "| {first} |");
    for m in modes {
        let _ = write!(out, " {m} |");
    }
    out.push_str("\n|---|");
    out.push_str(&":-:|".repeat(modes.len()));
    out.push('\n');
}

fn scenario_cell(s: &ScenarioReport, mode: Mode) -> String {
    let Some(m) = s.modes.iter().find(|m| m.mode == mode) else {
        return "–".to_owned();
    };
    if m.error.is_some() {
        return "❌ could not run".to_owned();
    }
    let (total, passed) = s
        .steps
        .iter()
        .filter_map(|st| st.results.iter().find(|r| r.mode == mode))
        .fold((0, 0), |(t, p), r| (t + 1, p + usize::from(r.passed)));
    let mark = if passed == total { "✅" } else { "❌" };
    format!("{mark} {passed}/{total}")
}

fn scenario_table(out: &mut String, r: &Report) {
    out.push_str("## Scenarios\n\n");
    if r.scenarios.is_empty() {
        out.push_str("No scenarios were run.\n\n");
        return;
    }
    header(out, "scenario", &r.options.modes);
    for s in &r.scenarios {
        let _ = write!(out, "| {} |", md(&s.name));
        for &m in &r.options.modes {
            let _ = write!(out, " {} |", scenario_cell(s, m));
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
                    m.mode,
                    md(e)
                ));
            }
        }
        for step in &s.steps {
            for res in step.results.iter().filter(|res| !res.passed) {
                items.push(format!(
                    "- **{}** › step {} “{}” ({}:{}) — **{}**: expected {}, got {}{}",
                    md(&s.name),
                    step.index + 1,
                    md(&step.name),
                    md(&s.source),
                    step.line,
                    res.mode,
                    code(&res.expected.label()),
                    code(&res.actual.label()),
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
                .map(|o| format!("{} {}", o.mode, code(&o.outcome)))
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
    header(out, "capability", &r.options.modes);
    for row in &r.capabilities {
        let _ = write!(out, "| {} |", md(&row.capability.replace('_', " ")));
        for &m in &r.options.modes {
            let cell = row
                .modes
                .iter()
                .find(|s| s.mode == m)
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
    for &m in &r.options.modes {
        let Some(l) = latency_of(r, m) else { continue };
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

fn machine(out: &mut String, r: &Report) {
    out.push_str("## Machine\n\n");
    for (k, v) in machine_lines(r) {
        let _ = writeln!(out, "- **{k}**: {}", md(&v));
    }
}
