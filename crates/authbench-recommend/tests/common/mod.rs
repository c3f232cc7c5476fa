//! Shared helpers: the shipped example deployments and synthetic reports with chosen figures.

#![allow(dead_code)] // each test binary uses a part
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use authbench_recommend::deployment::{self, LoadedDeployment};
use authbench_recommend::{FigureSource, Measurements};
use authbench_report::{LatencyStats, ModeLatency, PercentilePoint, Report, RunOptions};
use authbench_scenario::Mode;
use serde_json::{Value, json};

/// `scenarios/deployments/` of the repository.
pub fn deployments_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/deployments")
}

/// Loads a shipped example by file name.
pub fn example(name: &str) -> LoadedDeployment {
    deployment::load_file(&deployments_dir().join(name))
        .unwrap_or_else(|e| panic!("{name} does not load: {e}"))
}

/// Loads a deployment written in the test.
pub fn inline(yaml: &str) -> LoadedDeployment {
    deployment::load_str(yaml, Path::new("test.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Latency figures with the given median and 99th percentile (microseconds).
pub fn stats(p50_us: f64, p99_us: f64) -> LatencyStats {
    LatencyStats {
        min_us: p50_us / 2.0,
        p50_us,
        p90_us: (p50_us + p99_us) / 2.0,
        p99_us,
        p99_9_us: p99_us,
        max_us: p99_us,
        mean_us: p50_us,
        curve: vec![
            PercentilePoint {
                percentile: 50.0,
                latency_us: p50_us,
            },
            PercentilePoint {
                percentile: 100.0,
                latency_us: p99_us,
            },
        ],
    }
}

/// A steady open-loop run of `mode` at `rate` for the report's `load` section.
pub fn steady(mode: &str, rate: f64, throughput: f64, p99_us: f64) -> Value {
    let latency = serde_json::to_value(stats(p99_us / 3.0, p99_us)).unwrap();
    json!({
        "mode": mode,
        "path": "in-process",
        "target_rate": rate,
        "offered_rate": rate,
        "throughput": throughput,
        "concurrency": 64,
        "requests": (rate * 10.0) as u64,
        "latency": latency,
        "service_time": null,
        "batches": [],
        "noise": {"p50_rel": 0.01, "p99_rel": 0.02},
        "reference": null,
        "behaviour": []
    })
}

/// A report with single-decision figures `(mode, p50 µs, p99 µs)` and, optionally, a load
/// section holding `steady` runs; written to JSON and read back the way `--report` reads it.
pub fn report(single: &[(Mode, f64, f64)], steady_runs: &[Value]) -> Report {
    let mut r = Report::build(&[], &RunOptions::default());
    r.latency = single
        .iter()
        .map(|&(mode, p50, p99)| ModeLatency {
            mode,
            target: None,
            count: 1_000,
            summary: Some(stats(p50, p99)),
        })
        .collect();
    let mut v = serde_json::to_value(&r).unwrap();
    v["build"]["profile"] = json!("release");
    if !steady_runs.is_empty() {
        v["schema_version"] = json!(authbench_report::SCHEMA_VERSION);
        v["load"] = json!({
            "options": {"duration_s": 10.0, "warmup_s": 2.0, "batches": 5,
                        "workload": "generated: 64 identities", "injected": []},
            "modes": steady_runs,
        });
    }
    Report::from_json(&v.to_string()).unwrap()
}

/// The figures of `report`, as `authbench recommend --report` takes them.
pub fn figures(report: &Report) -> Measurements {
    Measurements::from_report(
        report,
        FigureSource::Report {
            path: "report.json".into(),
            generated_at: report.generated_at.clone(),
            build_profile: report.build.profile.clone(),
        },
    )
}

/// Typical release-build figures: JWT in microseconds, a loopback round trip under a
/// millisecond, bcrypt in milliseconds.
pub fn typical() -> Report {
    report(
        &[
            (Mode::Jwt, 8.0, 20.0),
            (Mode::Roundtrip, 250.0, 900.0),
            (Mode::File, 1_800.0, 2_500.0),
        ],
        &[],
    )
}
