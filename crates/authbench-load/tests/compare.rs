//! The regression gate on synthetic reports: behaviour change fails, a slowdown beyond the
//! threshold and the noise fails, identical passes, a change inside the noise passes.

#![allow(clippy::unwrap_used)]

use authbench_load::compare::{Status, compare};
use authbench_report::{
    BatchStats, CaseBehaviour, LatencyStats, LoadOptions, LoadSection, ModeLoad, Noise,
    OutcomeCount, Report, RunOptions,
};
use authbench_scenario::Mode;

fn stats(p50: f64, p99: f64) -> LatencyStats {
    LatencyStats {
        min_us: p50 / 2.0,
        p50_us: p50,
        p90_us: p50 * 1.5,
        p99_us: p99,
        p99_9_us: p99 * 2.0,
        max_us: p99 * 4.0,
        mean_us: p50 * 1.1,
        curve: Vec::new(),
    }
}

fn mode(m: Mode, p50: f64, p99: f64, noise: f64, outcome: &str) -> ModeLoad {
    ModeLoad {
        mode: m,
        target: None,
        scenario: None,
        path: "in-process".into(),
        target_rate: 20_000.0,
        offered_rate: 20_000.0,
        throughput: 19_990.0,
        concurrency: 2,
        requests: 200_000,
        latency: stats(p50, p99),
        service_time: None,
        batches: vec![BatchStats {
            requests: 20_000,
            p50_us: p50,
            p99_us: p99,
        }],
        noise: Noise {
            p50_rel: noise,
            p99_rel: noise * 4.0,
        },
        reference: None,
        behaviour: vec![CaseBehaviour {
            case: "wrong password".into(),
            expected: "deny(bad_password)".into(),
            outcomes: vec![OutcomeCount {
                outcome: outcome.into(),
                count: 18_000,
            }],
        }],
        workers: None,
    }
}

fn report(modes: Vec<ModeLoad>) -> Report {
    let mut r = Report::build(&[], &RunOptions::default());
    r.load = Some(LoadSection {
        options: LoadOptions {
            duration_s: 10.0,
            warmup_s: 1.0,
            batches: 10,
            workload: "generated".into(),
            injected: Vec::new(),
            measured_by: None,
        },
        modes,
        sweep: Vec::new(),
        join_storms: Vec::new(),
        capacity: None,
        self_checks: Vec::new(),
    });
    r
}

fn baseline() -> Report {
    report(vec![
        mode(Mode::Jwt, 4.0, 9.0, 0.01, "deny(bad_password)"),
        mode(Mode::File, 1800.0, 2100.0, 0.01, "deny(bad_password)"),
    ])
}

#[test]
fn identical_runs_pass() {
    let c = compare(&baseline(), &baseline(), 0.05);
    assert!(!c.failed(), "{}", c.to_markdown());
    assert!(c.rows.iter().all(|r| r.status == Status::Same));
    assert!(c.to_markdown().contains("✅ No regression"));
}

#[test]
fn a_behaviour_change_fails_whatever_the_latency() {
    let current = report(vec![
        mode(Mode::Jwt, 4.0, 9.0, 0.01, "deny(unknown_user)"),
        mode(Mode::File, 1800.0, 2100.0, 0.01, "deny(bad_password)"),
    ]);
    let c = compare(&baseline(), &current, 0.05);
    assert!(c.failed());
    assert_eq!(c.behaviour_changes.len(), 1, "{:?}", c.behaviour_changes);
    assert!(c.behaviour_changes[0].contains("deny(bad_password) before, deny(unknown_user) now"));
    // A mode that vanished is a change too.
    let fewer = report(vec![mode(Mode::Jwt, 4.0, 9.0, 0.01, "deny(bad_password)")]);
    assert!(compare(&baseline(), &fewer, 0.05).failed());
}

#[test]
fn a_ten_percent_slowdown_beyond_the_noise_fails() {
    let current = report(vec![
        mode(Mode::Jwt, 4.4, 9.0, 0.01, "deny(bad_password)"),
        mode(Mode::File, 1800.0, 2100.0, 0.01, "deny(bad_password)"),
    ]);
    let c = compare(&baseline(), &current, 0.05);
    assert!(c.failed());
    let row = c
        .rows
        .iter()
        .find(|r| r.mode == "jwt" && r.metric.starts_with("p50"))
        .unwrap();
    assert_eq!(row.status, Status::Regressed);
    assert!((row.change - 0.10).abs() < 1e-9);
    assert!(
        c.to_markdown()
            .contains("| jwt | p50 µs under load | 4.00 | 4.40 | +10.0% | 5.0% | ❌ worse |")
    );
}

#[test]
fn a_slowdown_inside_the_noise_passes() {
    // 10 % slower, but each run's batches spread by 6 %: 2σ of the pair is about 17 %.
    let noisy = |p50| report(vec![mode(Mode::Jwt, p50, 9.0, 0.06, "deny(bad_password)")]);
    let c = compare(&noisy(4.0), &noisy(4.4), 0.05);
    assert!(!c.failed(), "{}", c.to_markdown());
    // And a slowdown under the threshold passes even with no noise at all.
    let quiet = |p50| report(vec![mode(Mode::Jwt, p50, 9.0, 0.0, "deny(bad_password)")]);
    assert!(!compare(&quiet(4.0), &quiet(4.16), 0.05).failed());
    assert!(compare(&quiet(4.0), &quiet(4.24), 0.05).failed());
}

#[test]
fn different_rates_are_not_comparable() {
    let mut other = mode(Mode::Jwt, 4.0, 9.0, 0.01, "deny(bad_password)");
    other.target_rate = 1000.0;
    let c = compare(
        &report(vec![mode(Mode::Jwt, 4.0, 9.0, 0.01, "deny(bad_password)")]),
        &report(vec![other]),
        0.05,
    );
    assert_eq!(c.incomparable.len(), 1);
}
