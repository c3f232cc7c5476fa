//! The load section of report.md: the same figures as the HTML, as tables.

use std::fmt::Write as _;

use crate::load::LoadSection;
use crate::render::escape::{code, markdown as md};
use crate::render::fmt_us;
use crate::render::load_svg::fmt_count;

/// Renders the whole load section.
pub(crate) fn section(out: &mut String, load: &LoadSection) {
    let o = &load.options;
    out.push_str("## Under load\n\n");
    match &o.measured_by {
        Some(by) => {
            let _ = write!(out, "Measured by {}. ", md(by));
        }
        None => out.push_str(
            "Open-loop load, latency from each request's intended start (queueing counts). ",
        ),
    }
    let _ = writeln!(
        out,
        "{} s per mode after {} s warm-up, {} batches. Workload: {}.\n",
        o.duration_s,
        o.warmup_s,
        o.batches,
        md(&o.workload)
    );
    if !o.injected.is_empty() {
        let _ = writeln!(
            out,
            "**Injected on purpose** (a test of the gate): {}\n",
            md(&o.injected.join("; "))
        );
    }
    if !load.self_checks.is_empty() {
        out.push_str(
            "### Self-checks\n\n| check | measured | expected | result |\n|---|---|---|:-:|\n",
        );
        for c in &load.self_checks {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&c.name),
                md(&c.measured),
                md(&c.expected),
                if c.passed { "✅" } else { "❌" }
            );
        }
        out.push('\n');
    }
    if !load.modes.is_empty() {
        out.push_str("### Latency under steady load (µs)\n\n");
        out.push_str(
            "| mode | target/s | done/s | p50 | p90 | p99 | p99.9 | max | noise p50/p99 | reference | ref p50 | × p50 | × p99 |\n\
             |---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|\n",
        );
        for m in &load.modes {
            let l = &m.latency;
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% / {:.1}% |",
                md(&m.label()),
                fmt_count(m.target_rate),
                fmt_count(m.throughput),
                fmt_us(l.p50_us),
                fmt_us(l.p90_us),
                fmt_us(l.p99_us),
                fmt_us(l.p99_9_us),
                fmt_us(l.max_us),
                m.noise.p50_rel * 100.0,
                m.noise.p99_rel * 100.0
            );
            match &m.reference {
                Some(r) => {
                    let _ = writeln!(
                        out,
                        " {} | {} | {:.2}× | {:.2}× |",
                        md(&r.name),
                        fmt_us(r.latency.p50_us),
                        r.ratio_p50,
                        r.ratio_p99
                    );
                }
                None => out.push_str(" – | – | – | – |\n"),
            }
        }
        out.push('\n');
        let odd: Vec<String> = load
            .modes
            .iter()
            .flat_map(|m| m.behaviour.iter().map(move |b| (m.label(), b)))
            .filter(|(_, b)| !b.as_expected())
            .map(|(mode, b)| {
                format!(
                    "- **{}** › {}: expected {}, got {}",
                    md(&mode),
                    md(&b.case),
                    code(&b.expected),
                    md(&b.label())
                )
            })
            .collect();
        if odd.is_empty() {
            out.push_str("Every request case was decided as expected under load.\n\n");
        } else {
            out.push_str("Request cases not decided as expected under load:\n\n");
            for line in odd {
                out.push_str(&line);
                out.push('\n');
            }
            out.push('\n');
        }
    }
    if !load.sweep.is_empty() {
        out.push_str("### Throughput against concurrency\n\n| mode | concurrency | decisions/s | p50 µs | p99 µs |\n|---|--:|--:|--:|--:|\n");
        for p in &load.sweep {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&p.label()),
                p.concurrency,
                fmt_count(p.throughput),
                fmt_us(p.p50_us),
                fmt_us(p.p99_us)
            );
        }
        out.push('\n');
    }
    if !load.join_storms.is_empty() {
        out.push_str("### Join storms\n\n| mode | subscribers | window | drained after | p50 µs | p99 µs | max µs | allowed |\n|---|--:|--:|--:|--:|--:|--:|--:|\n");
        for s in &load.join_storms {
            let _ = writeln!(
                out,
                "| {} | {} | {} s | {:.2} s | {} | {} | {} | {} |",
                md(&s.label()),
                s.subscribers,
                s.window_s,
                s.drained_s,
                fmt_us(s.latency.p50_us),
                fmt_us(s.latency.p99_us),
                fmt_us(s.latency.max_us),
                s.allowed
            );
        }
        out.push('\n');
    }
    if let Some(c) = &load.capacity {
        let _ = writeln!(
            out,
            "### Capacity of the auth service\n\n**{}/s** within p99 ≤ {} µs ({}, {} connections). Kept up with, whatever the p99: {}/s. Unpaced, the client reached {}/s.\n",
            fmt_count(c.rate),
            fmt_us(c.budget_p99_us),
            md(&c.target),
            c.connections,
            fmt_count(c.sustained_rate),
            fmt_count(c.closed_loop_throughput)
        );
        out.push_str(
            "| target/s | completed/s | p99 µs | errors | within budget |\n|--:|--:|--:|--:|:-:|\n",
        );
        for st in &c.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                fmt_count(st.target_rate),
                fmt_count(st.throughput),
                fmt_us(st.p99_us),
                st.errors,
                if st.within_budget { "✅" } else { "❌" }
            );
        }
        out.push('\n');
    }
}
