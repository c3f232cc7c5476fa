//! The capacity plan of the options that run an auth service: how many instances of it the
//! peak needs, and how many load-generator workers it takes to test that peak, each worked out
//! from a measured figure (docs/load-at-scale.md › Capacity model):
//!
//! ```text
//! auth-service instances = ceil(P / (C × h))   C: one instance's measured capacity, h: headroom
//! load-generator workers = ceil(P / (W × m))   W: one generator's measured rate, m: 0.8
//! ```
//!
//! Without a measured figure the plan says what to run to get one instead of guessing.

use authbench_core::duration::{format_duration, format_micros};
use serde::Serialize;

use crate::deployment::{Deployment, RevocationScope};
use crate::measurements::{GeneratorRate, Measurements, ServiceCapacity, fmt_rate};
use crate::option::Choice;

/// The share of one generator's measured rate a test plans on: a generator near its limit adds
/// its own latency to the service's (docs/load-at-scale.md › Capacity model).
pub const WORKER_MARGIN: f64 = 0.8;

/// Where the method is written down.
pub const METHOD: &str = "docs/load-at-scale.md › Capacity model";

/// Auth-service instances and load-generator workers for an option's peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityPlan {
    /// The requests per second the auth service answers at the peak under this option.
    pub peak_per_s: f64,
    /// What they are: `joins` (every join is a round trip) or `publishes` (the combination
    /// re-checks publishing only).
    pub peak_of: &'static str,
    /// The share of one instance's measured capacity planned on.
    pub headroom: f64,
    /// Where the headroom comes from: `auth_service.headroom` or `default`.
    pub headroom_from: &'static str,
    /// Auth-service instances.
    pub instances: Sizing,
    /// Load-generator workers (one `authbench bench` process, one Locust worker process).
    pub workers: Sizing,
    /// Where the method is written down.
    pub method: &'static str,
    /// What to keep in mind about the figures used.
    pub notes: Vec<String>,
}

/// One count of the plan: worked out from a measured figure, or what to run to measure it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Sizing {
    /// Worked out: `count = ceil(peak / (measured × factor))`.
    Sized {
        /// How many.
        count: u64,
        /// The measured rate of one instance or one generator, per second.
        measured_per_s: f64,
        /// The share of it planned on (the headroom, or the worker margin).
        factor: f64,
        /// `peak / (measured × factor)`, before rounding up.
        quotient: f64,
        /// The calculation written out:
        /// `12 000 joins/s ÷ (3 400/s measured × 0.7) = 5.04 → 6 instances`.
        calculation: String,
        /// Where the measured figure comes from.
        source: String,
    },
    /// No measured figure: what to run to get one.
    NotMeasured {
        /// Why, and the command to run.
        run: String,
    },
}

impl Sizing {
    /// The count, when worked out.
    pub fn count(&self) -> Option<u64> {
        match self {
            Sizing::Sized { count, .. } => Some(*count),
            Sizing::NotMeasured { .. } => None,
        }
    }
}

/// The plan for `choice`, when it runs an auth service.
pub(crate) fn plan(d: &Deployment, m: &Measurements, choice: Choice) -> Option<CapacityPlan> {
    if !choice.uses_service() {
        return None;
    }
    let (peak, peak_of) = match choice {
        Choice::JwtRoundtrip if d.revocation().applies_to == RevocationScope::Publish => {
            match d.peak_publishes() {
                Some(p) => (p, "publishes"),
                None => (d.peak_joins(), "joins"),
            }
        }
        _ => (d.peak_joins(), "joins"),
    };
    let (headroom, given) = d.headroom();
    let budget = format_duration(d.latency_budget());
    let mut notes = Vec::new();
    let instances = match &m.capacity {
        Some(c) if c.rate_per_s > 0.0 && c.rate_per_s.is_finite() => {
            capacity_notes(c, d, &budget, &mut notes);
            sized(peak, peak_of, c.rate_per_s, headroom, "instance", &c.source)
        }
        Some(c) => Sizing::NotMeasured {
            run: format!(
                "the capacity search found no rate whose p99 stayed within {} ({}); fix what \
                 makes one instance that slow, then run `authbench bench --target FILE \
                 --capacity --budget {budget}` against it and pass its report with --report",
                format_micros(c.budget_p99_us),
                c.source
            ),
        },
        None => Sizing::NotMeasured {
            run: format!(
                "no measured capacity of the auth service: run `authbench bench --target FILE \
                 --capacity --budget {budget}` against one instance of it (`authbench bench \
                 --capacity` for the reference service) and pass its report.json with --report"
            ),
        },
    };
    let workers = match &m.generator {
        Some(g) if g.rate_per_s > 0.0 && g.rate_per_s.is_finite() => {
            generator_notes(g, &mut notes);
            sized(
                peak,
                peak_of,
                g.rate_per_s,
                WORKER_MARGIN,
                "worker",
                &g.source,
            )
        }
        _ => Sizing::NotMeasured {
            run: "no load run sent round trips: run `authbench bench --target FILE` (one \
                  generator) or an exported Locust test imported with `authbench import locust`, \
                  and pass its report.json with --report"
                .to_owned(),
        },
    };
    Some(CapacityPlan {
        peak_per_s: peak,
        peak_of,
        headroom,
        headroom_from: if given {
            "auth_service.headroom"
        } else {
            "default"
        },
        instances,
        workers,
        method: METHOD,
        notes,
    })
}

fn capacity_notes(c: &ServiceCapacity, d: &Deployment, budget: &str, notes: &mut Vec<String>) {
    if c.of_reference_service() {
        notes.push(
            "the capacity is that of authbench's reference auth service on the measuring \
             machine, not of yours: run `authbench bench --target FILE --capacity` against one \
             instance of your service"
                .to_owned(),
        );
    }
    if c.capped() {
        notes.push(
            "the capacity search was capped by `--max-rate`: one instance may hold more than \
             measured, so the instance count is an upper bound"
                .to_owned(),
        );
    }
    let budget_us = d.latency_budget().as_secs_f64() * 1e6;
    if c.budget_p99_us > budget_us {
        notes.push(format!(
            "the capacity was searched with a p99 budget of {}, looser than this deployment's \
             {budget}: an instance holds less within {budget}; rerun with `--budget {budget}`",
            format_micros(c.budget_p99_us)
        ));
    }
}

fn generator_notes(g: &GeneratorRate, notes: &mut Vec<String>) {
    if g.kept_up {
        notes.push(
            "the generator completed all it was asked for, so it may do more: the worker count \
             is an upper bound"
                .to_owned(),
        );
    }
}

/// `ceil(peak / (measured × factor))`, written out.
fn sized(peak: f64, peak_of: &str, measured: f64, factor: f64, unit: &str, source: &str) -> Sizing {
    let quotient = peak / (measured * factor);
    let whole = round_up(quotient);
    let count = whole.max(1);
    let at_least = if whole < 1 { " (at least one)" } else { "" };
    Sizing::Sized {
        count,
        measured_per_s: measured,
        factor,
        quotient,
        calculation: format!(
            "{} {peak_of}/s ÷ ({}/s measured × {factor}) = {} → {count} {unit}{}{at_least}",
            fmt_rate(peak),
            fmt_rate(measured),
            fmt_quotient(quotient),
            if count == 1 { "" } else { "s" },
        ),
        source: source.to_owned(),
    }
}

/// The smallest whole number at or above `q`, where a quotient within rounding error of a whole
/// number is that number: 4 900 / (700 × 0.7) is 10 exactly, though in floating point it comes
/// out as 10.000000000000002.
fn round_up(q: f64) -> u64 {
    if !q.is_finite() || q <= 0.0 {
        return 0;
    }
    let nearest = q.round();
    let whole = if (q - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        q.ceil()
    };
    whole as u64
}

/// `5.04`; a whole quotient as `10`; never a rounded figure that looks whole when it is not
/// (`6.001`, not `6.00`, before `→ 7`).
fn fmt_quotient(q: f64) -> String {
    let nearest = q.round();
    if (q - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        return format!("{nearest}");
    }
    for decimals in 2..=9 {
        let text = format!("{q:.decimals$}");
        if !text.trim_end_matches('0').ends_with('.') {
            return text;
        }
    }
    format!("{q}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_up_except_at_an_exact_multiple() {
        assert_eq!(round_up(5.04), 6);
        // 4 900 / (700 × 0.7) in floating point.
        let q = 4_900.0 / (700.0 * 0.7);
        assert!(q > 10.0, "{q}: the float is over 10, as the test needs");
        assert_eq!(round_up(q), 10);
        assert_eq!(round_up(10.001), 11);
        assert_eq!(round_up(0.0), 0);
        assert_eq!(round_up(f64::NAN), 0);
    }

    #[test]
    fn quotients_read_as_what_they_are() {
        assert_eq!(fmt_quotient(12_000.0 / (3_400.0 * 0.7)), "5.04");
        assert_eq!(fmt_quotient(4_900.0 / (700.0 * 0.7)), "10");
        assert_eq!(fmt_quotient(6.001), "6.001");
        assert_eq!(fmt_quotient(5.999), "5.999");
        assert_eq!(fmt_quotient(7.5), "7.50");
    }

    #[test]
    fn a_peak_of_nothing_still_needs_one_instance() {
        let s = sized(0.0, "joins", 3_400.0, 0.7, "instance", "src");
        assert_eq!(s.count(), Some(1));
        match s {
            Sizing::Sized { calculation, .. } => assert_eq!(
                calculation,
                "0 joins/s ÷ (3 400/s measured × 0.7) = 0 → 1 instance (at least one)"
            ),
            Sizing::NotMeasured { run } => panic!("{run}"),
        }
    }
}
