//! The load section of report.html: tables and charts of `authbench bench` results.

use std::fmt::Write as _;

use crate::load::{CaseBehaviour, LoadSection};
use crate::render::escape::html as esc;
use crate::render::fmt_us;
use crate::render::load_svg::{fmt_count, storm_timeline, throughput_vs_concurrency};
use crate::render::svg::{Series, mode_colour, percentile_curves};

/// Renders the whole load section.
pub(crate) fn section(out: &mut String, load: &LoadSection) {
    out.push_str("<section id=\"load\"><h2>Under load</h2>");
    let o = &load.options;
    match &o.measured_by {
        Some(by) => {
            let _ = write!(out, "<p class=\"note\">Measured by {}. ", esc(by));
        }
        None => out.push_str(
            "<p class=\"note\">Open-loop load: requests are sent on a fixed schedule at the \
             target rate whatever the answers do, and each latency is measured from the \
             request's <i>intended</i> start, so time spent queued behind a slow request counts \
             (no coordinated omission). ",
        ),
    }
    let _ = write!(
        out,
        "{} s measured per mode after {} s of warm-up, split into {} \
         batches; the spread of the batch figures is the noise the regression gate allows for. \
         Workload: {}.</p>",
        o.duration_s,
        o.warmup_s,
        o.batches,
        esc(&o.workload)
    );
    if !o.injected.is_empty() {
        let _ = write!(
            out,
            "<p class=\"err\">Injected on purpose (a test of the gate, not a measurement): {}</p>",
            esc(&o.injected.join("; "))
        );
    }
    if !load.self_checks.is_empty() {
        self_checks(out, load);
    }
    if !load.modes.is_empty() {
        steady(out, load);
    }
    if !load.sweep.is_empty() {
        out.push_str("<h3 class=\"sub-h\">Throughput against concurrency</h3>");
        if let Some(svg) = throughput_vs_concurrency(&load.sweep) {
            out.push_str(&svg);
        }
        out.push_str(
            "<p class=\"note\">Each point: requests sent back to back by that many workers \
             (threads in-process, connections over HTTP) for a short while. Where the line \
             flattens, more concurrency only adds queueing.</p>",
        );
        out.push_str(
            "<table><tr><th>mode</th><th class=\"num\">concurrency</th>\
             <th class=\"num\">decisions/s</th><th class=\"num\">p50 µs</th>\
             <th class=\"num\">p99 µs</th></tr>",
        );
        for p in &load.sweep {
            let _ = write!(
                out,
                "<tr><td style=\"border-left:4px solid {}\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                mode_colour(p.mode),
                esc(&p.label()),
                p.concurrency,
                fmt_count(p.throughput),
                fmt_us(p.p50_us),
                fmt_us(p.p99_us)
            );
        }
        out.push_str("</table>");
    }
    if !load.join_storms.is_empty() {
        storms(out, load);
    }
    if let Some(c) = &load.capacity {
        out.push_str("<h3 class=\"sub-h\">Capacity of the auth service</h3>");
        let _ = write!(
            out,
            "<p><b>{}/s</b> within a p99 budget of {} µs ({}, {} connections; completed {}/s \
             there). Kept up with, whatever the p99: {}/s. Unpaced, the client reached {}/s.</p>",
            fmt_count(c.rate),
            fmt_us(c.budget_p99_us),
            esc(&c.target),
            c.connections,
            fmt_count(c.throughput),
            fmt_count(c.sustained_rate),
            fmt_count(c.closed_loop_throughput)
        );
        out.push_str(
            "<table><tr><th class=\"num\">target/s</th><th class=\"num\">completed/s</th>\
             <th class=\"num\">p99 µs</th><th class=\"num\">errors</th><th>within budget</th></tr>",
        );
        for st in &c.steps {
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"{}\">{}</td></tr>",
                fmt_count(st.target_rate),
                fmt_count(st.throughput),
                fmt_us(st.p99_us),
                st.errors,
                if st.within_budget { "allow" } else { "deny" },
                if st.within_budget {
                    "✔ yes"
                } else {
                    "✘ no"
                }
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>\n");
}

fn self_checks(out: &mut String, load: &LoadSection) {
    out.push_str(
        "<h3 class=\"sub-h\">Self-checks of the measurement</h3><table><tr><th>check</th>\
         <th>measured</th><th>expected</th><th>result</th></tr>",
    );
    for c in &load.self_checks {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
            esc(&c.name),
            esc(&c.measured),
            esc(&c.expected),
            if c.passed { "allow" } else { "deny fail" },
            if c.passed { "✔ held" } else { "✘ failed" }
        );
    }
    out.push_str("</table>");
}

fn steady(out: &mut String, load: &LoadSection) {
    out.push_str("<h3 class=\"sub-h\">Latency percentiles under steady load</h3>");
    let mut series: Vec<Series<'_>> = Vec::new();
    for m in &load.modes {
        series.push(Series {
            label: m.label(),
            colour: mode_colour(m.mode),
            dashed: false,
            stats: &m.latency,
        });
        if let Some(r) = &m.reference {
            series.push(Series {
                label: format!("{} reference", m.label()),
                colour: mode_colour(m.mode),
                dashed: true,
                stats: &r.latency,
            });
        }
    }
    if let Some(svg) = percentile_curves(
        "load-lat-title",
        "Latency percentiles under load per mode, references dashed (log scale)",
        &series,
    ) {
        out.push_str(&svg);
    }
    out.push_str(
        "<div class=\"scroll\"><table><tr><th>mode</th><th>decided</th><th class=\"num\">target/s</th>\
         <th class=\"num\">sent/s</th><th class=\"num\">done/s</th><th class=\"num\">in flight</th>\
         <th class=\"num\">requests</th><th class=\"num\">p50</th><th class=\"num\">p90</th>\
         <th class=\"num\">p99</th><th class=\"num\">p99.9</th><th class=\"num\">max</th>\
         <th class=\"num\">noise p50/p99</th><th>reference (same load)</th>\
         <th class=\"num\">ref p50</th><th class=\"num\">× p50</th><th class=\"num\">ref p99</th>\
         <th class=\"num\">× p99</th></tr>",
    );
    for m in &load.modes {
        let l = &m.latency;
        let _ = write!(
            out,
            "<tr><td style=\"border-left:4px solid {}\">{}</td><td>{}</td>",
            mode_colour(m.mode),
            esc(&m.label()),
            esc(&m.path)
        );
        for v in [m.target_rate, m.offered_rate, m.throughput] {
            let _ = write!(out, "<td class=\"num\">{}</td>", fmt_count(v));
        }
        let _ = write!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            m.concurrency, m.requests
        );
        for v in [l.p50_us, l.p90_us, l.p99_us, l.p99_9_us, l.max_us] {
            let _ = write!(out, "<td class=\"num\">{}</td>", fmt_us(v));
        }
        let _ = write!(
            out,
            "<td class=\"num\">{:.1}% / {:.1}%</td>",
            m.noise.p50_rel * 100.0,
            m.noise.p99_rel * 100.0
        );
        match &m.reference {
            Some(r) => {
                let _ = write!(
                    out,
                    "<td>{}</td><td class=\"num\">{}</td><td class=\"num\"><b>{:.2}×</b></td>\
                     <td class=\"num\">{}</td><td class=\"num\"><b>{:.2}×</b></td>",
                    esc(&r.name),
                    fmt_us(r.latency.p50_us),
                    r.ratio_p50,
                    fmt_us(r.latency.p99_us),
                    r.ratio_p99
                );
            }
            None => out.push_str(&"<td class=\"none\">–</td>".repeat(5)),
        }
        out.push_str("</tr>");
    }
    out.push_str(if load.options.measured_by.is_some() {
        "</table></div><p class=\"note\">Latency in µs from the send."
    } else {
        "</table></div><p class=\"note\">Latency in µs from the intended start."
    });
    out.push_str(
        " “× p50” is the \
         mode's median over its reference's median, both measured at the same rate in the same \
         run: a ratio survives a noisy machine better than the raw figure.</p>",
    );
    out.push_str(
        "<h3 class=\"sub-h\">Behaviour under load</h3><table><tr><th>mode</th><th>case</th>\
         <th>expected</th><th>outcomes</th></tr>",
    );
    for m in &load.modes {
        for b in &m.behaviour {
            behaviour_row(out, &m.label(), b);
        }
    }
    out.push_str("</table>");
}

fn behaviour_row(out: &mut String, mode: &str, b: &CaseBehaviour) {
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
        esc(mode),
        esc(&b.case),
        esc(&b.expected),
        if b.as_expected() {
            "allow"
        } else {
            "deny fail"
        },
        esc(&b.label())
    );
}

fn storms(out: &mut String, load: &LoadSection) {
    out.push_str("<h3 class=\"sub-h\">Join storms</h3>");
    out.push_str(
        "<p class=\"note\">Many subscribers arrive at once (a stream goes live). Dashed grey: \
         requests due so far; solid: answered so far; the gap is the backlog. Dotted red: p99 of \
         the requests answered in each time bucket (right axis).</p>",
    );
    for (i, s) in load.join_storms.iter().enumerate() {
        let _ = write!(
            out,
            "<p><b>{}</b>: {} subscribers within {} s, {} in flight at most: all answered after \
             <b>{:.2} s</b>; p50 {} µs, p99 {} µs, max {} µs; {} allowed.</p>",
            esc(&s.label()),
            s.subscribers,
            s.window_s,
            s.concurrency,
            s.drained_s,
            fmt_us(s.latency.p50_us),
            fmt_us(s.latency.p99_us),
            fmt_us(s.latency.max_us),
            s.allowed
        );
        if let Some(svg) = storm_timeline(s, i) {
            out.push_str(&svg);
        }
    }
}
