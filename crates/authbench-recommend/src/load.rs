//! Reading the report's optional `load` section (`authbench bench`, schema 1.1) into
//! [`LoadPoint`]s: steady open-loop runs per mode, and the auth service's capacity search (the
//! cost side of round-trip mode).

use authbench_report::{Capacity, LoadedService, Report};
use authbench_scenario::Mode;

use crate::measurements::{GeneratorRate, KEEPS_UP, LoadPoint, fmt_rate};

/// Every (mode, point) the report's load section holds; none without one.
pub fn points(report: &Report) -> Vec<(Mode, LoadPoint)> {
    let Some(load) = &report.load else {
        return Vec::new();
    };
    // A report whose load run had something injected on purpose (a slowdown, a fault) tests
    // the gate; its figures say nothing about the system.
    if !load.options.injected.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(Mode, LoadPoint)> = load
        .modes
        .iter()
        .filter(|m| m.target_rate.is_finite() && m.target_rate > 0.0)
        .map(|m| {
            (
                m.mode,
                LoadPoint {
                    rate_per_s: m.target_rate,
                    throughput_per_s: m.throughput,
                    p99_us: m.latency.p99_us,
                    errors: 0,
                    run: "steady load".to_owned(),
                },
            )
        })
        .collect();
    if let Some(capacity) = &load.capacity {
        out.extend(
            capacity
                .steps
                .iter()
                .filter(|s| s.target_rate.is_finite() && s.target_rate > 0.0)
                .map(|s| {
                    (
                        Mode::Roundtrip,
                        LoadPoint {
                            rate_per_s: s.target_rate,
                            throughput_per_s: s.throughput,
                            p99_us: s.p99_us,
                            errors: s.errors,
                            run: "capacity search".to_owned(),
                        },
                    )
                }),
        );
    }
    out
}

/// The capacity search's answer, when it ran and found a rate within its budget or not.
pub fn capacity(report: &Report) -> Option<&Capacity> {
    let load = report.load.as_ref()?;
    if !load.options.injected.is_empty() {
        return None;
    }
    load.capacity.as_ref()
}

/// Whether the capacity search loaded authbench's built-in reference service rather than a
/// target's: the report's `service`.
pub fn of_reference_service(c: &Capacity) -> bool {
    match &c.service {
        Some(service) => *service == LoadedService::Reference,
        // Only for a report written before schema 2.4, which says it in words alone: the words
        // authbench-load's `capacity::search` gave the reference service then (a target's
        // service was named by its URL). A newer report always has `service`.
        None => c.target.starts_with("reference auth service"),
    }
}

/// The `--max-rate` ceiling the capacity search ran under, per second: the report's
/// `max_rate`. `None` when the search was not capped.
pub fn max_rate(c: &Capacity) -> Option<f64> {
    if c.service.is_some() {
        return c.max_rate;
    }
    // Only for a report written before schema 2.4 (no `service`, so no `max_rate` either): the
    // ceiling was said in words alone, as authbench-load's `capacity::search_target` then wrote
    // it after what it loaded (`…; capped at 1000/s, the burst paced there`).
    c.max_rate.or_else(|| {
        let (number, _) = c.target.split_once("; capped at ")?.1.split_once("/s")?;
        number.trim().parse::<f64>().ok().filter(|r| r.is_finite())
    })
}

/// The round-trip rate one load generator completed, with where it was measured: the highest
/// throughput of the round-trip steady runs and capacity-search steps of `authbench bench` (one
/// process), or, for a run imported from Locust, the run's rate over its worker processes.
/// `report` names the file in the words.
pub fn generator_rate(report: &Report, name: &str) -> Option<GeneratorRate> {
    let load = report.load.as_ref()?;
    if !load.options.injected.is_empty() {
        return None;
    }
    let rate_ok = |r: f64| r.is_finite() && r > 0.0;
    if let Some(by) = &load.options.measured_by {
        let run = load
            .modes
            .iter()
            .filter(|m| m.mode == Mode::Roundtrip && rate_ok(m.throughput))
            .max_by(|a, b| a.throughput.total_cmp(&b.throughput))?;
        let workers = match run.workers {
            // 0: the tool's users ran in one process, without workers.
            Some(n) => u64::from(n.max(1)),
            // Only for a report written before schema 2.4, which gave the count in words alone
            // (an import now always writes `workers`).
            None => locust_workers(by)?,
        };
        let per_worker = run.throughput / workers as f64;
        return Some(GeneratorRate {
            rate_per_s: per_worker,
            kept_up: run.throughput >= KEEPS_UP * run.target_rate,
            source: format!(
                "the Locust run in {name}: {}/s over {} = {}/s per worker ({}/s asked)",
                fmt_rate(run.throughput),
                if workers == 1 {
                    "1 worker".to_owned()
                } else {
                    format!("{workers} workers")
                },
                fmt_rate(per_worker),
                fmt_rate(run.target_rate)
            ),
        });
    }
    let steady = load
        .modes
        .iter()
        .filter(|m| m.mode == Mode::Roundtrip && rate_ok(m.throughput))
        .map(|m| {
            (
                m.throughput,
                m.target_rate,
                format!("steady load ({})", m.label()),
            )
        });
    let steps = load
        .capacity
        .iter()
        .flat_map(|c| &c.steps)
        .filter(|s| s.errors == 0 && rate_ok(s.throughput))
        .map(|s| (s.throughput, s.target_rate, "capacity search".to_owned()));
    let (throughput, asked, run) = steady.chain(steps).max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(GeneratorRate {
        rate_per_s: throughput,
        kept_up: throughput >= KEEPS_UP * asked,
        source: format!(
            "the {run} run in {name}: one `authbench bench` process completed {}/s of round \
             trips ({}/s asked)",
            fmt_rate(throughput),
            fmt_rate(asked)
        ),
    })
}

/// The worker processes of an imported Locust run in a report written before schema 2.4, from
/// the `measured_by` the import wrote then (`Locust 2.47.0 (2 workers, 8 users): …`; `one
/// process` for a run without workers). `None` for any other tool, or a text that does not say.
/// Newer reports carry the count in the entry's `workers`.
fn locust_workers(measured_by: &str) -> Option<u64> {
    let rest = measured_by.strip_prefix("Locust ")?;
    let inside = rest.split_once('(')?.1;
    let first = inside.split([',', ')']).next()?.trim();
    if first == "one process" {
        return Some(1);
    }
    let n: u64 = first
        .strip_suffix(" workers")
        .or_else(|| first.strip_suffix(" worker"))?
        .parse()
        .ok()?;
    (n > 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locust_worker_counts_are_read_from_the_import_s_words() {
        let by = |s: &str| locust_workers(s);
        assert_eq!(
            by("Locust 2.47.0 (2 workers, 8 users): each user is a closed loop"),
            Some(2)
        );
        assert_eq!(by("Locust 2.47.0 (1 worker, 8 users): …"), Some(1));
        assert_eq!(by("Locust 2.47.0 (one process, 8 users): …"), Some(1));
        assert_eq!(by("Locust 2.47.0 (0 workers, 8 users): …"), None);
        assert_eq!(by("k6 0.50 (2 workers, 8 users)"), None);
        assert_eq!(by("Locust 2.47.0 without a count"), None);
    }
}
