//! The optional `load` section of a report (schema 1.1; `target` on its entries since 2.1; the
//! steady entries' `workers` and the capacity search's `service` and `max_rate` since 2.4): what
//! `authbench bench` measured under open-loop load. Every type here is part of the versioned
//! schema.
//!
//! Latency under load is measured from each request's *intended* start time (the schedule of a
//! constant arrival rate), so time spent queued behind a slow request counts (no coordinated
//! omission). `service_time` is measured from the moment the request was actually sent, for
//! comparison: the gap between the two is queueing.

use authbench_core::Mode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{Column, LatencyStats};

/// Results of `authbench bench`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadSection {
    /// How the load was generated.
    pub options: LoadOptions,
    /// Steady open-loop load, one entry per mode, in report order.
    pub modes: Vec<ModeLoad>,
    /// Throughput against concurrency (requests sent as fast as the connections allow).
    #[serde(default)]
    pub sweep: Vec<SweepPoint>,
    /// Join storms: many subscribers arriving at once.
    #[serde(default)]
    pub join_storms: Vec<JoinStorm>,
    /// The capacity search of the reference auth service (or of a target's), when it ran.
    #[serde(default)]
    pub capacity: Option<Capacity>,
    /// Self-checks of the measurement (`authbench bench --self-check`), when they ran.
    #[serde(default)]
    pub self_checks: Vec<SelfCheck>,
}

/// How the load was generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadOptions {
    /// Measured time of each steady run, in seconds (after the warm-up).
    pub duration_s: f64,
    /// Warm-up before measuring, in seconds (requests sent, not recorded).
    pub warmup_s: f64,
    /// Batches each steady run is split into; the spread of per-batch figures is the noise.
    pub batches: u32,
    /// Where the requests came from (`generated: 64 identities, 8 request cases`, or scenario files).
    pub workload: String,
    /// Anything injected on purpose (a slowdown, a service fault). Empty for a normal run; a
    /// report with something here is a test of the gate, not a measurement of the system.
    #[serde(default)]
    pub injected: Vec<String>,
    /// The tool that generated and measured the load when it was not `authbench bench`'s own
    /// open-loop engine, and how it measures (`Locust 2.47.0 (2 workers, 8 users): closed loop
    /// per user, latency from the send, …`). When present, the entries' `latency` runs from the
    /// send, not from an intended start. Absent for `authbench bench`. Since schema 2.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_by: Option<String>,
}

/// Steady open-loop load on one mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModeLoad {
    /// The mode.
    pub mode: Mode,
    /// The target loaded (its name, as in `roundtrip @ staging`); absent for the built-in
    /// reference service. Since schema 2.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The scenario whose requests were sent; absent for the generated workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// What decides: `in-process` or the URL path of the service asked over HTTP.
    pub path: String,
    /// Requests per second asked for.
    pub target_rate: f64,
    /// Requests started per second, measured (the generator's own accuracy).
    pub offered_rate: f64,
    /// Requests completed per second, measured.
    pub throughput: f64,
    /// Requests in flight at most (worker threads or connections).
    pub concurrency: u32,
    /// Requests measured (after the warm-up).
    pub requests: u64,
    /// Latency from the intended start time (includes queueing).
    pub latency: LatencyStats,
    /// Latency from the moment the request was sent (excludes queueing).
    pub service_time: Option<LatencyStats>,
    /// Per-batch figures, in time order.
    pub batches: Vec<BatchStats>,
    /// The run-to-run noise estimated from the batches.
    pub noise: Noise,
    /// The reference measured in the same run under the same load, if any.
    pub reference: Option<ReferenceLoad>,
    /// What each request case was decided, and how often: the behaviour the gate compares.
    pub behaviour: Vec<CaseBehaviour>,
    /// The worker processes of the tool named in the options' `measured_by` that sent these
    /// requests (Locust's `--expect-workers`); `0` when its users ran in one process without
    /// workers. Absent for `authbench bench`'s own engine (one process), and in reports written
    /// before schema 2.4. Since schema 2.4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
}

/// Figures of one batch of a steady run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchStats {
    /// Requests in the batch.
    pub requests: u64,
    /// Median latency, in microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, in microseconds.
    pub p99_us: f64,
}

/// Noise of a run: relative standard deviation of the per-batch figures (0.02 = 2 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Noise {
    /// Of the per-batch medians.
    pub p50_rel: f64,
    /// Of the per-batch 99th percentiles.
    pub p99_rel: f64,
}

/// A reference operation measured beside a mode, under the same load in the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReferenceLoad {
    /// What it is (`raw jsonwebtoken::decode HS256`, `raw loopback POST`, `raw bcrypt verify`).
    pub name: String,
    /// Its latency under the same arrival rate.
    pub latency: LatencyStats,
    /// Mode median over reference median.
    pub ratio_p50: f64,
    /// Mode 99th percentile over reference 99th percentile.
    pub ratio_p99: f64,
}

/// The outcomes of one request case of the workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaseBehaviour {
    /// The case (`alice publishes with valid credentials`).
    pub case: String,
    /// What the workload expects: `allow` or `deny(REASON)`.
    pub expected: String,
    /// Each distinct outcome (`allow`, `deny(bad_password)`) and how often it came.
    pub outcomes: Vec<OutcomeCount>,
}

/// How often one outcome came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeCount {
    /// `allow` or `deny(REASON)`.
    pub outcome: String,
    /// How many times.
    pub count: u64,
}

/// One point of the throughput-against-concurrency sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepPoint {
    /// The mode.
    pub mode: Mode,
    /// The target loaded (its name, as in `roundtrip @ staging`); absent for the built-in
    /// reference service. Since schema 2.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The scenario whose requests were sent; absent for the generated workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Requests in flight at most.
    pub concurrency: u32,
    /// Requests completed per second.
    pub throughput: f64,
    /// Median latency, in microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, in microseconds.
    pub p99_us: f64,
}

/// A join storm: `subscribers` subscribe requests arriving evenly within `window_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JoinStorm {
    /// The mode.
    pub mode: Mode,
    /// The target loaded (its name, as in `roundtrip @ staging`); absent for the built-in
    /// reference service. Since schema 2.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The scenario whose requests were sent; absent for the generated workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Subscribe requests sent.
    pub subscribers: u64,
    /// The window they arrive in, in seconds.
    pub window_s: f64,
    /// Requests in flight at most.
    pub concurrency: u32,
    /// Seconds from the first arrival until the last request was answered.
    pub drained_s: f64,
    /// Requests allowed (the rest were denied; `behaviour` says why).
    pub allowed: u64,
    /// Latency of all of them, from the intended start.
    pub latency: LatencyStats,
    /// Outcomes by case.
    pub behaviour: Vec<CaseBehaviour>,
    /// What happened over time, in equal buckets from the first arrival.
    pub timeline: Vec<StormBucket>,
}

/// One time bucket of a join storm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StormBucket {
    /// Start of the bucket, in milliseconds from the first arrival.
    pub t_ms: f64,
    /// Requests due (intended to start) in the bucket.
    pub arrived: u64,
    /// Requests answered in the bucket.
    pub completed: u64,
    /// 99th percentile latency of the requests answered in the bucket, in microseconds
    /// (`null` when none were).
    pub p99_us: Option<f64>,
}

/// The capacity search: the highest arrival rate whose p99 stays under a budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Capacity {
    /// What was loaded, in words for people (`reference auth service POST
    /// /validateCredentials`, or a target's service as `scheme://host:port`, and the ceiling when
    /// the search was capped). Programs read `service` and `max_rate` instead.
    pub target: String,
    /// Which service was loaded: the built-in reference auth service or a target's. Absent in
    /// reports written before schema 2.4. Since schema 2.4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<LoadedService>,
    /// The ceiling the search ran under (`--max-rate`), in requests per second: no rate above it
    /// was tried and the burst was paced at it, so the service may hold more than `rate`.
    /// Absent when the search was not capped (and in reports written before schema 2.4, whose
    /// `target` says it in words). Since schema 2.4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rate: Option<f64>,
    /// The p99 budget, in microseconds.
    pub budget_p99_us: f64,
    /// Connections used.
    pub connections: u32,
    /// The highest rate found within budget, in requests per second (0 when none was).
    pub rate: f64,
    /// The throughput achieved at that rate.
    pub throughput: f64,
    /// The highest rate tried that the service kept up with (answered ≥ 97 % of it, no errors),
    /// whatever its p99: the figure comparable with a closed-loop tool's maximum (`wrk`).
    pub sustained_rate: f64,
    /// The fastest the client could go with no pacing at all (a closed-loop burst).
    pub closed_loop_throughput: f64,
    /// Every rate tried, in order.
    pub steps: Vec<CapacityStep>,
}

/// The service a capacity search loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LoadedService {
    /// authbench's built-in reference auth service (`authbench bench --capacity`), on the
    /// measuring machine.
    Reference,
    /// A target's service (`authbench bench --target FILE --capacity`).
    Target {
        /// The target's name, as in the report's `roundtrip @ NAME` columns.
        name: String,
    },
}

/// One rate tried by the capacity search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacityStep {
    /// Requests per second asked for.
    pub target_rate: f64,
    /// Requests completed per second.
    pub throughput: f64,
    /// 99th percentile latency from the intended start, in microseconds.
    pub p99_us: f64,
    /// Requests that failed (not a well-formed answer).
    pub errors: u64,
    /// Whether p99 stayed within budget, throughput kept up with the rate and nothing failed.
    pub within_budget: bool,
}

/// One self-check of the measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SelfCheck {
    /// What is checked.
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// What was measured.
    pub measured: String,
    /// What it had to be.
    pub expected: String,
}

impl ModeLoad {
    /// `jwt`, `roundtrip @ TARGET` at a target, then ` · SCENARIO` for a scenario workload.
    pub fn label(&self) -> String {
        label(self.mode, self.target.as_deref(), self.scenario.as_deref())
    }
}

impl JoinStorm {
    /// `jwt`, `roundtrip @ TARGET` at a target, then ` · SCENARIO` for a scenario workload.
    pub fn label(&self) -> String {
        label(self.mode, self.target.as_deref(), self.scenario.as_deref())
    }
}

impl SweepPoint {
    /// `jwt`, `roundtrip @ TARGET` at a target, then ` · SCENARIO` for a scenario workload.
    pub fn label(&self) -> String {
        label(self.mode, self.target.as_deref(), self.scenario.as_deref())
    }
}

/// The label of the entry's report column ([`Column::label`]), then the scenario.
fn label(mode: Mode, target: Option<&str>, scenario: Option<&str>) -> String {
    let column = Column {
        mode,
        target: target.map(str::to_owned),
    }
    .label();
    match scenario {
        Some(s) => format!("{column} · {s}"),
        None => column,
    }
}

impl LoadSection {
    /// Whether every self-check that ran held.
    pub fn self_checks_passed(&self) -> bool {
        self.self_checks.iter().all(|c| c.passed)
    }
}

impl CaseBehaviour {
    /// The outcomes as one label: `allow` or `allow ×990, deny(backend_timeout) ×10`.
    pub fn label(&self) -> String {
        match self.outcomes.as_slice() {
            [one] => one.outcome.clone(),
            many => many
                .iter()
                .map(|o| format!("{} ×{}", o.outcome, o.count))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Whether every request of the case got the expected outcome.
    pub fn as_expected(&self) -> bool {
        self.outcomes.iter().all(|o| o.outcome == self.expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_target_then_the_scenario() {
        assert_eq!(label(Mode::Jwt, None, None), "jwt");
        assert_eq!(label(Mode::Jwt, None, Some("roles")), "jwt · roles");
        assert_eq!(
            label(Mode::Roundtrip, Some("staging"), None),
            "roundtrip @ staging"
        );
        assert_eq!(
            label(Mode::Roundtrip, Some("staging"), Some("roles")),
            "roundtrip @ staging · roles"
        );
    }

    #[test]
    fn the_typed_capacity_and_worker_fields_are_optional_and_tagged() {
        let steps = r#""budget_p99_us": 10000.0, "connections": 64, "rate": 900.0,
            "throughput": 900.0, "sustained_rate": 1000.0, "closed_loop_throughput": 1000.0,
            "steps": []"#;
        // Written before schema 2.4: neither field.
        let old: Capacity =
            serde_json::from_str(&format!(r#"{{"target": "http://vm:8080", {steps}}}"#))
                .expect("reads");
        assert_eq!((old.service, old.max_rate), (None, None));

        let new: Capacity = serde_json::from_str(&format!(
            r#"{{"target": "vm", "service": {{"kind": "target", "name": "vm"}},
                "max_rate": 1000.0, {steps}}}"#
        ))
        .expect("reads");
        assert_eq!(
            new.service,
            Some(LoadedService::Target { name: "vm".into() })
        );
        assert_eq!(new.max_rate, Some(1000.0));
        let back = serde_json::to_value(&new).expect("writes");
        assert_eq!(
            back["service"],
            serde_json::json!({"kind": "target", "name": "vm"})
        );
        assert_eq!(
            serde_json::to_value(LoadedService::Reference).expect("writes"),
            serde_json::json!({"kind": "reference"})
        );
        // Not capped: no `max_rate` written at all.
        let uncapped = Capacity {
            max_rate: None,
            ..new
        };
        let back = serde_json::to_value(&uncapped).expect("writes");
        assert!(back.get("max_rate").is_none(), "{back}");
    }
}
