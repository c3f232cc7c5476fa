//! The two forms of an answer: a terminal table followed by the reasons per option, and JSON.

use std::fmt::Write as _;

use crate::capacity::{CapacityPlan, Sizing};
use crate::criteria::Effect;
use crate::measurements::FigureSource;
use crate::measurements::fmt_rate;
use crate::recommendation::{RankedOption, Reason, Recommendation};

/// Reasons shown per option in the summary table.
const TOP_REASONS: usize = 2;
/// Width the summary table's reason column is cut to.
const REASON_WIDTH: usize = 72;

impl Recommendation {
    /// The answer as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        // Plain structs of strings and finite numbers: serialising cannot fail; should it, the
        // output is empty rather than a panic.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The answer for a terminal: the deployment, the ranking table, the reasons per option and
    /// the warnings.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Deployment: {} ({})", self.deployment, self.source);
        let _ = writeln!(out, "  {}", self.facts);
        let _ = writeln!(out, "Figures: {}", figures_line(&self.figures));
        for note in &self.figure_notes {
            let _ = writeln!(out, "  note: {note}");
        }
        let _ = writeln!(out);
        out.push_str(&table(&self.ranking));
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", self.answer);
        for option in &self.ranking {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}. {} — {}, score {:+}",
                option.rank,
                option.option,
                option.verdict.label(),
                option.score
            );
            let _ = writeln!(out, "   {}", option.summary);
            for r in &option.reasons {
                reason_lines(&mut out, r);
            }
            if let Some(plan) = &option.capacity_plan {
                plan_lines(&mut out, plan);
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Whichever option is chosen:");
            for r in &self.warnings {
                reason_lines(&mut out, r);
            }
        }
        out
    }
}

fn figures_line(source: &FigureSource) -> String {
    match source {
        FigureSource::Report {
            path,
            generated_at,
            build_profile,
        } => format!("from {path} (made {generated_at}, {build_profile} build)"),
        FigureSource::Quick {
            modes,
            decisions_per_mode,
            build_profile,
        } => format!(
            "measured just now in-process, {decisions_per_mode} decisions each for {} \
             ({build_profile} build); pass --report for figures under load",
            modes
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        FigureSource::None => {
            "none needed: every option that would use them is ruled out".to_owned()
        }
    }
}

fn table(ranking: &[RankedOption]) -> String {
    let headers = ["rank", "option", "verdict", "score", "top reasons"];
    let rows: Vec<[String; 5]> = ranking
        .iter()
        .map(|o| {
            let top: Vec<String> = o
                .reasons
                .iter()
                .filter(|r| r.effect != Effect::Note)
                .take(TOP_REASONS)
                .map(|r| {
                    let title = r.criterion.criterion().title;
                    format!("{} [{}]", title, r.criterion)
                })
                .collect();
            [
                o.rank.to_string(),
                o.option.to_string(),
                o.verdict.label().to_owned(),
                if o.ruled_out() {
                    "—".to_owned()
                } else {
                    format!("{:+}", o.score)
                },
                cut(&top.join("; "), REASON_WIDTH),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // Score is right-aligned; the last column is not padded.
            let padded = match i {
                3 => format!("{cell:>w$}"),
                4 => (*cell).to_owned(),
                _ => format!("{cell:<w$}"),
            };
            text.push_str(&padded);
            if i < 4 {
                text.push_str("  ");
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(&mut out, headers);
    for row in &rows {
        line(&mut out, [&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    out
}

fn reason_lines(out: &mut String, r: &Reason) {
    let _ = writeln!(
        out,
        "   {:>9}  [{}] {}",
        r.effect.label(),
        r.criterion,
        r.text
    );
    let _ = writeln!(out, "              ({})", r.source);
}

fn plan_lines(out: &mut String, plan: &CapacityPlan) {
    let _ = writeln!(
        out,
        "   capacity plan for {} {}/s at the peak, headroom {} ({}; {}):",
        fmt_rate(plan.peak_per_s),
        plan.peak_of,
        plan.headroom,
        plan.headroom_from,
        plan.method
    );
    for (what, sizing) in [
        ("auth-service instances", &plan.instances),
        ("load-generator workers", &plan.workers),
    ] {
        match sizing {
            Sizing::Sized {
                calculation,
                source,
                ..
            } => {
                let _ = writeln!(out, "     {what}: {calculation}");
                let _ = writeln!(out, "       measured: {source}");
            }
            Sizing::NotMeasured { run } => {
                let _ = writeln!(out, "     {what}: not measured; {run}");
            }
        }
    }
    for note in &plan.notes {
        let _ = writeln!(out, "     note: {note}");
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_on_characters() {
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ééééé", 3), "éé…");
    }
}
