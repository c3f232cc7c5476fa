//! Reading the report's optional `load` section (`authbench bench`, schema 1.1) into
//! [`LoadPoint`]s: steady open-loop runs per mode, and the auth service's capacity search (the
//! cost side of round-trip mode).

use authbench_report::Report;
use authbench_scenario::Mode;

use crate::measurements::LoadPoint;

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
