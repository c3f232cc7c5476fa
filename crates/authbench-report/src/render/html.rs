//! report.html: one self-contained file (inline CSS and SVG, no script, nothing fetched) that
//! opens offline. Every string that comes from a scenario goes through [`esc`].

use std::fmt::Write as _;

use crate::model::{ActualOutcome, Column, Report, ScenarioReport, StepResult};
use crate::render::escape::html as esc;
use crate::render::load_html;
use crate::render::svg::{behaviour_bars, latency_curves, mode_colour};
use crate::render::{
    auth_adds, column_list, expectation_counts, fmt_us, join_cells, joins_intro, latency_of,
    machine_lines, open_failures, result_of, support_label,
};

const CSS: &str = r#"
:root{--allow:#dafbe1;--allow-b:#2da44e;--deny:#ffe8d6;--deny-b:#e8590c;--unsup:#eaeef2;--unsup-b:#9ca3af;--fail:#cf222e;--ink:#1f2328;--mute:#59636e;--line:#d0d7de}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#f6f8fa}
main{max-width:1280px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:0 0 6px}
h2{font-size:19px;margin:34px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:0}
.sub{color:var(--mute);margin:0 0 14px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:600;font-size:16px}
.verdict.ok{background:var(--allow);color:#116329;border:1px solid var(--allow-b)}
.verdict.bad{background:#ffebe9;color:var(--fail);border:1px solid var(--fail)}
nav{margin:14px 0 0;font-size:13px}nav a{margin-right:14px;color:#0969da;text-decoration:none}
.cards{display:flex;gap:14px;flex-wrap:wrap;margin-top:18px}
.card{flex:1 1 220px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;border-top:4px solid var(--c)}
.card h3{color:var(--c)}.card p{margin:4px 0;color:var(--mute)}.card b{color:var(--ink)}
table{border-collapse:collapse;margin:8px 0 4px}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.matrix td.o{min-width:160px;max-width:280px}
td.allow{background:var(--allow);border-left:4px solid var(--allow-b)}
td.deny{background:var(--deny);border-left:4px solid var(--deny-b)}
td.unsupported{background:var(--unsup);border-left:4px solid var(--unsup-b);color:#424a53}
td.skipped{background:repeating-linear-gradient(135deg,#fff 0 6px,#f6f8fa 6px 12px);border-left:4px dashed var(--unsup-b);color:var(--mute)}
.nt{display:block;color:#9a6700;font-size:12px;font-style:italic}
td.none{background:#fff;color:var(--mute)}
td.fail{outline:3px solid var(--fail);outline-offset:-3px}
.lab{font-weight:600;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.det{display:block;color:var(--mute);font-size:12px;overflow-wrap:anywhere}
.exp{display:block;color:var(--fail);font-weight:600;font-size:12px}
.ok-mark{color:#116329;font-size:12px;float:right}
.scn{border:1px solid var(--line);border-radius:8px;margin:14px 0;padding:0}
.scn>summary{cursor:pointer;padding:10px 14px;background:#f6f8fa;border-radius:8px;list-style-position:inside}
.scn[open]>summary{border-bottom:1px solid var(--line);border-radius:8px 8px 0 0}
.scn .body{padding:6px 14px 12px}
.scn .desc{margin:6px 0;color:var(--mute)}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;margin-left:6px;border:1px solid var(--line);background:#fff}
.badge.ok{color:#116329;border-color:var(--allow-b)}.badge.bad{color:var(--fail);border-color:var(--fail)}
.err{color:var(--fail);font-weight:600}
.legend-row span{display:inline-block;margin-right:14px;font-size:13px}
.sw{display:inline-block;width:14px;height:14px;vertical-align:-2px;margin-right:5px;border:1px solid #0002}
table.diff,.scn table.matrix{width:100%}table.diff td.why{min-width:340px;width:34%}
svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}
svg .tick{font-size:11px;fill:#59636e}svg .axis{font-size:12px;fill:#1f2328}
svg .legend{font-size:13px;fill:#1f2328}svg .legend.bad{fill:#cf222e;font-weight:600}
svg .bar{font-size:12px;fill:#fff;font-weight:600}
h3.sub-h{margin:22px 0 6px}
.scroll{overflow-x:auto;max-width:100%}
dl.machine{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dl.machine dt{font-weight:600}dl.machine dd{margin:0}
.note{color:var(--mute);font-size:13px;max-width:900px}
@media print{body{background:#fff}main{padding:0}.scn>summary{list-style:none}}
"#;

/// Renders the whole HTML document.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let t = &report.totals;
    let load_only = report.scenarios.is_empty() && report.load.is_some();
    let title = if load_only {
        "authbench load report".to_owned()
    } else {
        format!(
            "authbench report: {}",
            if t.passed { "PASS" } else { "FAIL" }
        )
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{CSS}</style></head><body><main>\n"
    );
    if load_only {
        load_header(&mut out, report);
    } else {
        header(&mut out, report);
        tested(&mut out, report);
        behaviour(&mut out, report);
        differences(&mut out, report);
        matrix(&mut out, report);
        capabilities(&mut out, report);
        latency(&mut out, report);
        joins(&mut out, report);
    }
    if let Some(load) = &report.load {
        load_html::section(&mut out, load);
    }
    machine(&mut out, report);
    out.push_str("</main></body></html>\n");
    out
}

fn header(out: &mut String, r: &Report) {
    let t = &r.totals;
    out.push_str("<header><h1>authbench report</h1>");
    let _ = write!(
        out,
        "<p class=\"sub\">{} scenarios · {} steps · modes {} · generated {} · authbench {}{}</p>",
        t.scenarios,
        t.steps,
        esc(&modes_text(r)),
        esc(&r.generated_at),
        esc(&r.authbench_version),
        if r.options.quick { " · quick run" } else { "" }
    );
    // Skipped steps are neither held nor failed: the verdict speaks of the steps that ran.
    let (ran, counts) = if t.expectations_skipped > 0 {
        (
            format!(
                "{} expectations that ran",
                t.expectations - t.expectations_skipped
            ),
            format!(" ({})", expectation_counts(r)),
        )
    } else {
        (format!("{} expectations", t.expectations), String::new())
    };
    if t.passed {
        let _ = write!(
            out,
            "<span class=\"verdict ok\">✔ All {ran} held{counts}</span>"
        );
    } else {
        let _ = write!(
            out,
            "<span class=\"verdict bad\">✘ {} of {ran} failed{counts}{}</span>",
            t.expectations_failed,
            if t.mode_errors > 0 {
                format!(", {} mode runs could not start", t.mode_errors)
            } else {
                String::new()
            }
        );
    }
    out.push_str("<nav>");
    if !r.targets.is_empty() {
        out.push_str("<a href=\"#tested\">What was tested</a>");
    }
    out.push_str(
        "<a href=\"#behaviour\">Behaviour</a><a href=\"#differences\">Where the modes differ</a>\
         <a href=\"#matrix\">Matrix</a><a href=\"#capabilities\">Capabilities</a>\
         <a href=\"#latency\">Latency</a>",
    );
    if !r.joins.is_empty() {
        out.push_str("<a href=\"#joins\">Time to verdict</a>");
    }
    if r.load.is_some() {
        out.push_str("<a href=\"#load\">Under load</a>");
    }
    out.push_str("<a href=\"#machine\">Machine</a></nav>");
    out.push_str("<div class=\"cards\">");
    for mt in &t.modes {
        let column = mt.column();
        let lat = latency_of(r, &column)
            .and_then(|l| l.summary.as_ref())
            .map_or_else(
                || "no latency samples".to_owned(),
                |s| {
                    format!(
                        "p50 <b>{}</b> µs · p99 <b>{}</b> µs",
                        fmt_us(s.p50_us),
                        fmt_us(s.p99_us)
                    )
                },
            );
        let _ = write!(
            out,
            "<div class=\"card\" style=\"--c:{}\"><h3>{}</h3><p><b>{}</b> of {} expectations held{}{}</p>\
             <p>{} allow · {} deny · {} unsupported</p><p>{lat}</p></div>",
            mode_colour(mt.mode),
            esc(&column.label()),
            mt.passed,
            mt.steps - mt.skipped,
            if mt.skipped > 0 {
                format!(" · {} skipped", mt.skipped)
            } else {
                String::new()
            },
            if mt.errors > 0 {
                format!(" · <span class=\"err\">{} could not run</span>", mt.errors)
            } else {
                String::new()
            },
            mt.allowed,
            mt.denied,
            mt.unsupported
        );
    }
    out.push_str("</div></header>\n");
}

/// The header of a report that holds only load results (`authbench bench`).
fn load_header(out: &mut String, r: &Report) {
    out.push_str("<header><h1>authbench load report</h1>");
    let _ = write!(
        out,
        "<p class=\"sub\">modes {} · generated {} · authbench {}{}</p>",
        esc(&modes_text(r)),
        esc(&r.generated_at),
        esc(&r.authbench_version),
        if r.options.quick { " · quick run" } else { "" }
    );
    if let Some(load) = &r.load
        && !load.self_checks.is_empty()
    {
        let failed = load.self_checks.iter().filter(|c| !c.passed).count();
        if failed == 0 {
            let _ = write!(
                out,
                "<span class=\"verdict ok\">✔ All {} self-checks held</span>",
                load.self_checks.len()
            );
        } else {
            let _ = write!(
                out,
                "<span class=\"verdict bad\">✘ {failed} of {} self-checks failed</span>",
                load.self_checks.len()
            );
        }
    }
    out.push_str(
        "<nav><a href=\"#load\">Under load</a><a href=\"#machine\">Machine</a></nav></header>\n",
    );
}

fn modes_text(r: &Report) -> String {
    column_list(r)
}

/// What each target column asked: only when the run was aimed at a user's deployment.
fn tested(out: &mut String, r: &Report) {
    if r.targets.is_empty() {
        return;
    }
    out.push_str(
        "<section id=\"tested\"><h2>What was tested</h2><table><tr><th>column</th><th>tested</th></tr>",
    );
    for t in &r.targets {
        let column = Column::at(t.mode, &t.name);
        let _ = write!(
            out,
            "<tr><td class=\"lab\" style=\"border-left:4px dashed {}\">{}</td><td>{}</td></tr>",
            mode_colour(t.mode),
            esc(&column.label()),
            esc(&t.tested)
        );
    }
    out.push_str(
        "</table><p class=\"note\">Columns without <code>@</code> ran in the built-in world \
         (the reference service, generated files, tokens minted locally): the reference \
         behaviour.</p></section>\n",
    );
}

fn behaviour(out: &mut String, r: &Report) {
    out.push_str("<section id=\"behaviour\"><h2>Behaviour overview</h2>");
    match behaviour_bars(r) {
        Some(svg) => out.push_str(&svg),
        None => out.push_str("<p>No steps were run.</p>"),
    }
    out.push_str(
        "<p class=\"note\">Upper bar: what each mode decided over all steps. Lower bar: whether \
         that met the scenario's expectation. A mode that denies more is not wrong; a failed \
         expectation is.</p></section>\n",
    );
}

/// The CSS class of an outcome.
fn outcome_class(a: &ActualOutcome) -> &'static str {
    match a {
        ActualOutcome::Allow { .. } => "allow",
        ActualOutcome::Deny { .. } => "deny",
        ActualOutcome::Unsupported { .. } => "unsupported",
        ActualOutcome::Skipped { .. } => "skipped",
    }
}

/// One matrix cell: the outcome, its note, its detail, and the expectation when it was not met.
/// A skipped cell gives its reason (also in the title) and is marked neither held nor failed.
fn outcome_cell(out: &mut String, res: Option<&StepResult>) {
    let Some(res) = res else {
        out.push_str("<td class=\"o none\">not run</td>");
        return;
    };
    let detail = res.actual.detail();
    let column = res.column().label();
    if let ActualOutcome::Skipped { reason } = &res.actual {
        let title = format!(
            "{column}: skipped: {reason} — expected {}",
            res.expected.label()
        );
        let _ = write!(
            out,
            "<td class=\"o skipped\" title=\"{}\"><span class=\"lab\">skipped</span>\
             <span class=\"det\">{}</span></td>",
            esc(&title),
            esc(&shorten(reason, 120))
        );
        return;
    }
    let title = format!(
        "{column}: {} ({}) — expected {} — {} µs",
        crate::render::outcome_with_note(res),
        detail,
        res.expected.label(),
        fmt_us(res.latency_us)
    );
    let _ = write!(
        out,
        "<td class=\"o {}{}\" title=\"{}\"><span class=\"lab\">{}</span>",
        outcome_class(&res.actual),
        if res.passed { "" } else { " fail" },
        esc(&title),
        esc(&res.actual.label())
    );
    if let Some(note) = &res.note {
        let _ = write!(out, "<span class=\"nt\">— {}</span>", esc(note));
    }
    if res.passed {
        out.push_str("<span class=\"ok-mark\" title=\"as expected\">✔</span>");
    } else {
        let _ = write!(
            out,
            "<span class=\"exp\">✘ expected {}</span>",
            esc(&res.expected.label())
        );
    }
    if !detail.is_empty() {
        let _ = write!(
            out,
            "<span class=\"det\">{}</span>",
            esc(&shorten(&detail, 120))
        );
    }
    out.push_str("</td>");
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// One header cell per column, in the mode's colour; a target column's border is dashed.
fn mode_headers(out: &mut String, columns: &[Column]) {
    for c in columns {
        let _ = write!(
            out,
            "<th style=\"border-top:3px {} {}\">{}</th>",
            if c.target.is_some() {
                "dashed"
            } else {
                "solid"
            },
            mode_colour(c.mode),
            esc(&c.label())
        );
    }
}

fn differences(out: &mut String, r: &Report) {
    out.push_str("<section id=\"differences\"><h2>Where the modes differ</h2>");
    if r.differences.is_empty() {
        out.push_str("<p>The modes decided every step alike.</p></section>\n");
        return;
    }
    let _ = write!(
        out,
        "<p class=\"note\">{} step{} where the modes' actual decisions differ (whether or not \
         expected), with the reason in words.</p>",
        r.differences.len(),
        if r.differences.len() == 1 { "" } else { "s" }
    );
    out.push_str("<table class=\"matrix diff\"><tr><th>scenario › step</th>");
    let columns = r.columns();
    mode_headers(out, &columns);
    out.push_str("<th>why</th></tr>");
    for d in &r.differences {
        let _ = write!(
            out,
            "<tr><td><b>{}</b> › {}<span class=\"det\">{}:{}</span></td>",
            esc(&d.scenario),
            esc(&d.step),
            esc(&d.source),
            d.line
        );
        // The full result (for colour, detail and pass/fail) lives in the scenario.
        let step = r
            .scenarios
            .iter()
            .find(|s| s.name == d.scenario && s.source == d.source)
            .and_then(|s| s.steps.iter().find(|st| st.index == d.step_index));
        for c in &columns {
            outcome_cell(out, step.and_then(|st| result_of(&st.results, c)));
        }
        let _ = write!(out, "<td class=\"why\">{}</td></tr>", esc(&d.explanation));
    }
    out.push_str("</table></section>\n");
}

fn matrix(out: &mut String, r: &Report) {
    out.push_str("<section id=\"matrix\"><h2>Behaviour matrix</h2>");
    out.push_str(
        "<p class=\"legend-row\"><span><i class=\"sw\" style=\"background:var(--allow)\"></i>allow</span>\
         <span><i class=\"sw\" style=\"background:var(--deny)\"></i>deny (reason)</span>\
         <span><i class=\"sw\" style=\"background:var(--unsup)\"></i>unsupported: the mode cannot express the rule</span>\
         <span><i class=\"sw\" style=\"background:#fff;border:1px dashed var(--unsup-b)\"></i>skipped: not run in that world (neither held nor failed)</span>\
         <span><i class=\"sw\" style=\"background:#fff;outline:3px solid var(--fail);outline-offset:-3px\"></i>expectation failed</span></p>",
    );
    if r.scenarios.is_empty() {
        out.push_str("<p>No scenarios were run.</p>");
    }
    for s in &r.scenarios {
        scenario_block(out, r, s);
    }
    out.push_str("</section>\n");
}

fn scenario_block(out: &mut String, r: &Report, s: &ScenarioReport) {
    let _ = write!(
        out,
        "<details class=\"scn\" open><summary><h3 style=\"display:inline\">{}</h3>",
        esc(&s.name)
    );
    for m in &s.modes {
        let label = m.column().label();
        let (class, text) = if m.error.is_some() {
            ("bad", format!("{label}: could not run"))
        } else if m.passed {
            ("ok", format!("{label} ✔"))
        } else {
            ("bad", format!("{label} ✘"))
        };
        let _ = write!(out, "<span class=\"badge {class}\">{}</span>", esc(&text));
    }
    out.push_str("</summary><div class=\"body\">");
    let _ = write!(
        out,
        "<p class=\"desc\">{}</p><p class=\"det\">{}{}</p>",
        esc(&s.description),
        esc(&s.source),
        s.use_case
            .as_deref()
            .map(|u| format!(" · use case: {}", esc(u)))
            .unwrap_or_default()
    );
    for m in &s.modes {
        if let Some(e) = &m.error {
            let _ = write!(
                out,
                "<p class=\"err\">{} could not run: {}</p>",
                esc(&m.column().label()),
                esc(e)
            );
        }
    }
    if !s.steps.is_empty() {
        out.push_str("<table class=\"matrix\"><tr><th class=\"num\">#</th><th>step</th><th class=\"num\">line</th>");
        let columns = r.columns();
        mode_headers(out, &columns);
        out.push_str("</tr>");
        for st in &s.steps {
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>",
                st.index + 1,
                esc(&st.name),
                st.line
            );
            for c in &columns {
                outcome_cell(out, result_of(&st.results, c));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    out.push_str("</div></details>\n");
}

fn capabilities(out: &mut String, r: &Report) {
    out.push_str("<section id=\"capabilities\"><h2>What each mode can express</h2><table><tr><th>capability</th><th>meaning</th>");
    let columns = r.columns();
    mode_headers(out, &columns);
    out.push_str("</tr>");
    for row in &r.capabilities {
        let _ = write!(
            out,
            "<tr><td class=\"lab\">{}</td><td>{}</td>",
            esc(&row.capability),
            esc(&row.description)
        );
        for c in &columns {
            let cell = row
                .modes
                .iter()
                .find(|s| c.is(s.mode, s.target.as_deref()))
                .map(|s| s.support);
            match cell {
                Some(sup) => {
                    let (sym, word) = support_label(sup);
                    let class = match sup {
                        crate::model::Support::Yes => "allow",
                        crate::model::Support::Partial => "deny",
                        crate::model::Support::No => "unsupported",
                    };
                    let _ = write!(out, "<td class=\"{class}\">{sym} {word}</td>");
                }
                None => out.push_str("<td class=\"none\">–</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str(
        "</table><p class=\"note\">A step that needs a capability the mode lacks is reported \
         <i>unsupported</i> instead of a misleading allow. “depends on config” means some \
         scenarios configured the mode with it and some without.</p></section>\n",
    );
}

fn latency(out: &mut String, r: &Report) {
    out.push_str("<section id=\"latency\"><h2>Decision latency</h2>");
    out.push_str(
        "<p class=\"note\">Time of one <code>authenticate</code> call while the scenarios ran, all \
         scenarios pooled per mode, in microseconds. It shows the order of magnitude of each \
         mode's cost on this machine; it is not a load test (no concurrency, few samples in a \
         quick run). Throughput and comparisons against a reference come from \
         <code>authbench bench</code> and the Criterion benchmarks.</p>",
    );
    if let Some(svg) = latency_curves(r) {
        out.push_str(&svg);
    }
    out.push_str(
        "<table><tr><th>mode</th><th class=\"num\">decisions</th><th class=\"num\">min</th>\
         <th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p99</th>\
         <th class=\"num\">p99.9</th><th class=\"num\">max</th><th class=\"num\">mean</th></tr>",
    );
    for c in r.columns() {
        let Some(l) = latency_of(r, &c) else { continue };
        let _ = write!(
            out,
            "<tr><td style=\"border-left:4px {} {}\">{}</td><td class=\"num\">{}</td>",
            if c.target.is_some() {
                "dashed"
            } else {
                "solid"
            },
            mode_colour(c.mode),
            esc(&c.label()),
            l.count
        );
        match &l.summary {
            Some(s) => {
                for v in [
                    s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p99_9_us, s.max_us, s.mean_us,
                ] {
                    let _ = write!(out, "<td class=\"num\">{}</td>", fmt_us(v));
                }
            }
            None => out.push_str(&"<td class=\"num\">–</td>".repeat(7)),
        }
        out.push_str("</tr>");
    }
    out.push_str("</table></section>\n");
}

/// A media server's time to verdict per column and transport, beside the reference's; only when
/// the run asked a media server over the wire.
fn joins(out: &mut String, r: &Report) {
    if r.joins.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"joins\"><h2>Time to verdict at the media server</h2>\
         <p class=\"note\">{}</p><table><tr><th rowspan=\"2\">column</th>\
         <th rowspan=\"2\">transport</th><th colspan=\"3\">admitted</th>\
         <th colspan=\"3\">refused</th><th colspan=\"3\">open reference</th>\
         <th rowspan=\"2\">authentication adds</th></tr><tr>{}</tr>",
        joins_intro(r, |key| format!("<code>{}</code>", esc(key))),
        "<th class=\"num\">n</th><th class=\"num\">p50</th><th class=\"num\">p90</th>".repeat(3)
    );
    let mut failures = String::new();
    for j in &r.joins {
        let column = j.column();
        let _ = write!(
            out,
            "<tr><td style=\"border-left:4px {} {}\">{}</td><td class=\"lab\">{}</td>",
            if column.target.is_some() {
                "dashed"
            } else {
                "solid"
            },
            mode_colour(column.mode),
            esc(&column.label()),
            esc(&j.transport)
        );
        for set in [&j.admitted, &j.refused, &j.open] {
            for cell in join_cells(set) {
                let _ = write!(out, "<td class=\"num\">{}</td>", esc(&cell));
            }
        }
        let _ = write!(out, "<td>{}</td></tr>", esc(&auth_adds(j)));
        if let Some((text, first)) = open_failures(j) {
            let _ = write!(
                failures,
                "<p class=\"note\"><b>{}</b> {}: {}{}</p>",
                esc(&column.label()),
                esc(&j.transport),
                esc(&text),
                first
                    .map(|f| format!("; the first: <code>{}</code>", esc(f)))
                    .unwrap_or_default()
            );
        }
    }
    out.push_str("</table>");
    out.push_str(&failures);
    out.push_str("</section>\n");
}

fn machine(out: &mut String, r: &Report) {
    out.push_str("<section id=\"machine\"><h2>Machine</h2><dl class=\"machine\">");
    for (k, v) in machine_lines(r) {
        let _ = write!(out, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    let _ = writeln!(
        out,
        "</dl><p class=\"note\">report.json schema version {}.</p></section>",
        esc(&r.schema_version)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ExpectedOutcome;

    #[test]
    fn expected_labels_render() {
        assert_eq!(
            ExpectedOutcome::Deny {
                reason: "expired".into()
            }
            .label(),
            "deny(expired)"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
