//! The capacity plan: auth-service instances and load-generator workers for the peak, worked out
//! from the capacity and generator rate a report measured, or what to run when it has none.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_recommend::{CapacityPlan, Choice, Measurements, Recommendation, Sizing, recommend};
use authbench_report::Report;
use authbench_scenario::Mode;
use common::{figures, inline, report, steady};
use serde_json::{Value, json};

/// A platform whose publishers must be cut off at once: round trips for every join, or JWT
/// with a round-trip re-check of publishing.
const PLATFORM: &str = "\
users: 50000
identity_provider: own_service
revocation: {need: immediate, applies_to: publish}
clients: {rtmp: 50, whip_whep: 50}
peak_joins_per_second: 12000
peak_publishes_per_second: 1200
latency_budget: 50ms
auth_service: {available: true, rtt: 1ms}
";

const SINGLE: &[(Mode, f64, f64)] = &[(Mode::Jwt, 8.0, 20.0), (Mode::Roundtrip, 300.0, 900.0)];

/// A capacity search with one step per `(asked, completed, errors)`.
fn capacity(target: &str, budget_us: f64, rate: f64, steps: &[(f64, f64, u64)]) -> Value {
    json!({
        "target": target,
        "budget_p99_us": budget_us,
        "connections": 64,
        "rate": rate,
        "throughput": rate,
        "sustained_rate": rate,
        "closed_loop_throughput": rate,
        "steps": steps.iter().map(|&(asked, done, errors)| json!({
            "target_rate": asked,
            "throughput": done,
            "p99_us": 4_000.0,
            "errors": errors,
            "within_budget": asked <= rate,
        })).collect::<Vec<_>>(),
    })
}

/// `report(SINGLE, steady_runs)` with its load section's `key` set to `value`.
fn with_load(steady_runs: &[Value], key: &str, value: Value) -> Report {
    let r = report(SINGLE, steady_runs);
    let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
    if key == "measured_by" {
        v["load"]["options"][key] = value;
    } else {
        v["load"][key] = value;
    }
    Report::from_json(&v.to_string()).unwrap()
}

fn plan(a: &Recommendation, choice: Choice) -> &CapacityPlan {
    a.option(choice)
        .unwrap()
        .capacity_plan
        .as_ref()
        .unwrap_or_else(|| panic!("{choice} has no capacity plan\n{}", a.to_text()))
}

fn calculation(s: &Sizing) -> (&str, &str) {
    match s {
        Sizing::Sized {
            calculation,
            source,
            ..
        } => (calculation, source),
        Sizing::NotMeasured { run } => panic!("not sized: {run}"),
    }
}

fn advice(s: &Sizing) -> &str {
    match s {
        Sizing::NotMeasured { run } => run,
        Sizing::Sized { calculation, .. } => panic!("sized: {calculation}"),
    }
}

/// A `bench --target … --capacity` report: 3 400/s within 10 ms; the generator's best is the
/// 3 500/s it completed at the 4 000/s step (the 4 500/s step had errors and does not count).
fn measured() -> Report {
    with_load(
        &[steady("roundtrip", 2_000.0, 2_000.0, 3_000.0)],
        "capacity",
        capacity(
            "http://10.0.0.5:8080",
            10_000.0,
            3_400.0,
            &[
                (3_000.0, 3_000.0, 0),
                (3_400.0, 3_390.0, 0),
                (4_000.0, 3_500.0, 0),
                (4_500.0, 3_600.0, 12),
            ],
        ),
    )
}

#[test]
fn a_measured_capacity_gives_instances_and_workers_with_the_calculation() {
    let answer = recommend(&inline(PLATFORM), &figures(&measured()));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!((rt.peak_per_s, rt.peak_of), (12_000.0, "joins"));
    assert_eq!((rt.headroom, rt.headroom_from), (0.7, "default"));
    assert_eq!(rt.instances.count(), Some(6));
    assert_eq!(
        calculation(&rt.instances),
        (
            "12 000 joins/s ÷ (3 400/s measured × 0.7) = 5.04 → 6 instances",
            "`capacity.rate` in report.json: the highest rate whose p99 stayed within 10 ms in \
             the capacity search of http://10.0.0.5:8080"
        )
    );
    assert_eq!(rt.workers.count(), Some(5));
    assert_eq!(
        calculation(&rt.workers),
        (
            "12 000 joins/s ÷ (3 500/s measured × 0.8) = 4.29 → 5 workers",
            "the capacity search run in report.json: one `authbench bench` process completed \
             3 500/s of round trips (4 000/s asked)"
        )
    );
    assert_eq!(rt.notes, Vec::<String>::new());
    assert_eq!(rt.method, "docs/load-at-scale.md › Capacity model");

    // The combination re-checks publishing only: its service answers the publishes.
    let combo = plan(&answer, Choice::JwtRoundtrip);
    assert_eq!((combo.peak_per_s, combo.peak_of), (1_200.0, "publishes"));
    assert_eq!(
        calculation(&combo.instances).0,
        "1 200 publishes/s ÷ (3 400/s measured × 0.7) = 0.50 → 1 instance"
    );
    assert_eq!(
        calculation(&combo.workers).0,
        "1 200 publishes/s ÷ (3 500/s measured × 0.8) = 0.43 → 1 worker"
    );

    // Options without an auth service, and ruled-out ones, have no plan.
    for choice in [Choice::Mode(Mode::Jwt), Choice::Mode(Mode::File)] {
        assert_eq!(
            answer.option(choice).unwrap().capacity_plan,
            None,
            "{choice}"
        );
    }

    let text = answer.to_text();
    let block = "   capacity plan for 12 000 joins/s at the peak, headroom 0.7 (default; \
                 docs/load-at-scale.md › Capacity model):\n     auth-service instances: \
                 12 000 joins/s ÷ (3 400/s measured × 0.7) = 5.04 → 6 instances\n       \
                 measured: `capacity.rate` in report.json: the highest rate whose p99 stayed \
                 within 10 ms in the capacity search of http://10.0.0.5:8080\n     \
                 load-generator workers: 12 000 joins/s ÷ (3 500/s measured × 0.8) = 4.29 → 5 \
                 workers\n";
    assert!(text.contains(block), "{text}");

    let json: Value = serde_json::from_str(&answer.to_json()).unwrap();
    let rt_json = json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["option"] == "roundtrip")
        .unwrap();
    let p = &rt_json["capacity_plan"];
    assert_eq!(p["instances"]["status"], "sized");
    assert_eq!(p["instances"]["count"], 6);
    assert_eq!(p["instances"]["measured_per_s"], 3_400.0);
    assert_eq!(p["instances"]["factor"], 0.7);
    assert_eq!(p["workers"]["count"], 5);
    assert_eq!(p["workers"]["factor"], 0.8);
    assert_eq!(p["headroom_from"], "default");
    let jwt_json = json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["option"] == "jwt")
        .unwrap();
    assert!(jwt_json.get("capacity_plan").is_none(), "{jwt_json}");
}

#[test]
fn an_exact_multiple_is_not_rounded_up_to_one_more() {
    // 4 900 / (700 × 0.7) is 10 exactly; in floating point it is 10.000000000000002.
    let text = PLATFORM.replace(
        "peak_joins_per_second: 12000",
        "peak_joins_per_second: 4900",
    );
    let r = with_load(
        &[steady("roundtrip", 1_400.0, 1_400.0, 3_000.0)],
        "capacity",
        capacity(
            "http://10.0.0.5:8080",
            10_000.0,
            700.0,
            &[(700.0, 700.0, 0)],
        ),
    );
    let answer = recommend(&inline(&text), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(
        calculation(&rt.instances).0,
        "4 900 joins/s ÷ (700/s measured × 0.7) = 10 → 10 instances"
    );
    // 4 900 / (1 400 × 0.8) = 4.375.
    assert_eq!(
        calculation(&rt.workers).0,
        "4 900 joins/s ÷ (1 400/s measured × 0.8) = 4.38 → 5 workers"
    );

    // The headroom given in the description: 4 900 / (700 × 0.5) = 14 exactly.
    let text = text.replace("rtt: 1ms}", "rtt: 1ms, headroom: 0.5}");
    let answer = recommend(&inline(&text), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(
        (rt.headroom, rt.headroom_from),
        (0.5, "auth_service.headroom")
    );
    assert_eq!(
        calculation(&rt.instances).0,
        "4 900 joins/s ÷ (700/s measured × 0.5) = 14 → 14 instances"
    );
}

#[test]
fn without_a_measured_capacity_the_plan_says_what_to_run() {
    let d = inline(PLATFORM);
    let expected = "no measured capacity of the auth service: run `authbench bench --target \
                    FILE --capacity --budget 50ms` against one instance of it (`authbench bench \
                    --capacity` for the reference service) and pass its report.json with --report";

    // A load run without a capacity search: workers, but no instances.
    let r = report(SINGLE, &[steady("roundtrip", 2_000.0, 2_000.0, 3_000.0)]);
    let answer = recommend(&d, &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(advice(&rt.instances), expected);
    assert_eq!(
        calculation(&rt.workers).0,
        "12 000 joins/s ÷ (2 000/s measured × 0.8) = 7.50 → 8 workers"
    );
    assert_eq!(
        rt.notes,
        [
            "the generator completed all it was asked for, so it may do more: the worker count is \
          an upper bound"
        ]
    );
    assert!(
        answer.to_text().contains(&format!(
            "     auth-service instances: not measured; {expected}\n"
        )),
        "{}",
        answer.to_text()
    );

    // No figures at all (no load run): neither count is guessed.
    let answer = recommend(&d, &Measurements::none());
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(advice(&rt.instances), expected);
    assert_eq!(
        advice(&rt.workers),
        "no load run sent round trips: run `authbench bench --target FILE` (one generator) or \
         an exported Locust test imported with `authbench import locust`, and pass its \
         report.json with --report"
    );
    let json: Value = serde_json::from_str(&answer.to_json()).unwrap();
    let p = &json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["option"] == "roundtrip")
        .unwrap()["capacity_plan"];
    assert_eq!(p["instances"]["status"], "not_measured");
    assert_eq!(p["instances"]["run"], expected);
    assert!(p["instances"].get("count").is_none(), "{p}");

    // A search that found no rate within its budget is not a capacity of 0.
    let r = with_load(
        &[steady("roundtrip", 2_000.0, 2_000.0, 3_000.0)],
        "capacity",
        capacity("http://10.0.0.5:8080", 10_000.0, 0.0, &[(500.0, 500.0, 0)]),
    );
    let answer = recommend(&d, &figures(&r));
    assert!(
        advice(&plan(&answer, Choice::Mode(Mode::Roundtrip)).instances)
            .starts_with("the capacity search found no rate whose p99 stayed within 10 ms"),
        "{}",
        answer.to_text()
    );
}

#[test]
fn a_locust_run_gives_the_rate_per_worker() {
    let r = with_load(
        &[steady("roundtrip", 2_000.0, 1_800.0, 30_000.0)],
        "measured_by",
        json!(
            "Locust 2.47.0 (2 workers, 100 users): each user is a closed loop paced by \
             constant_throughput, latency runs from the send"
        ),
    );
    let answer = recommend(&inline(PLATFORM), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    // 12 000 / (900 × 0.8) = 16.67.
    assert_eq!(
        calculation(&rt.workers),
        (
            "12 000 joins/s ÷ (900/s measured × 0.8) = 16.67 → 17 workers",
            "the Locust run in report.json: 1 800/s over 2 workers = 900/s per worker \
             (2 000/s asked)"
        )
    );
    assert!(rt.instances.count().is_none());
}

#[test]
fn the_reference_service_and_a_looser_budget_are_said() {
    let text = PLATFORM.replace("latency_budget: 50ms", "latency_budget: 5ms");
    let r = with_load(
        &[steady("roundtrip", 5_000.0, 5_000.0, 3_000.0)],
        "capacity",
        capacity(
            "reference auth service POST /validateCredentials (Red5 Pro body, hyper client)",
            10_000.0,
            6_000.0,
            &[(6_000.0, 6_000.0, 0)],
        ),
    );
    let answer = recommend(&inline(&text), &figures(&r));
    let Some(option) = answer.option(Choice::Mode(Mode::Roundtrip)) else {
        panic!("no roundtrip option");
    };
    let rt = option.capacity_plan.as_ref().unwrap();
    assert_eq!(rt.instances.count(), Some(3));
    assert_eq!(
        rt.notes,
        [
            "the capacity is that of authbench's reference auth service on the measuring \
             machine, not of yours: run `authbench bench --target FILE --capacity` against one \
             instance of your service",
            "the capacity was searched with a p99 budget of 10 ms, looser than this \
             deployment's 5ms: an instance holds less within 5ms; rerun with `--budget 5ms`",
            "the generator completed all it was asked for, so it may do more: the worker count \
             is an upper bound",
        ]
    );
}

#[test]
fn a_load_run_with_injected_faults_sizes_nothing() {
    let r = measured();
    let mut v: Value = serde_json::from_str(&r.to_json()).unwrap();
    v["load"]["options"]["injected"] = json!(["roundtrip: +50ms per decision"]);
    let r = Report::from_json(&v.to_string()).unwrap();
    let answer = recommend(&inline(PLATFORM), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!((rt.instances.count(), rt.workers.count()), (None, None));
}

#[test]
fn the_docs_show_what_the_engine_writes() {
    let docs = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let method = std::fs::read_to_string(docs.join("load-at-scale.md")).unwrap();
    let section = authbench_recommend::capacity::METHOD
        .split_once(" › ")
        .unwrap()
        .1;
    assert!(
        method.contains(&format!("\n## {section}")),
        "docs/load-at-scale.md has no `{section}` section"
    );
    assert!(method.contains("`authbench recommend DEPLOYMENT.yaml --report report.json`"));

    let guide = std::fs::read_to_string(docs.join("choosing-an-auth-mode.md")).unwrap();
    let answer = recommend(&inline(PLATFORM), &figures(&measured()));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    for (what, sizing) in [
        ("auth-service instances", &rt.instances),
        ("load-generator workers", &rt.workers),
    ] {
        let line = format!("{what}: {}\n", calculation(sizing).0);
        assert!(
            guide.contains(&line),
            "docs/choosing-an-auth-mode.md does not show `{line}`"
        );
    }
}

#[test]
fn a_search_capped_by_max_rate_is_said_to_be_a_floor() {
    let r = with_load(
        &[steady("roundtrip", 1_000.0, 700.0, 3_000.0)],
        "capacity",
        capacity(
            "http://10.0.0.5:8080; capped at 1000/s, the burst paced there",
            10_000.0,
            1_000.0,
            &[(1_000.0, 990.0, 0)],
        ),
    );
    let answer = recommend(&inline(PLATFORM), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    // 12 000 / (1 000 × 0.7) = 17.14.
    assert_eq!(rt.instances.count(), Some(18));
    // The generator's best is the capped step's 990/s, all it was asked for.
    assert_eq!(
        calculation(&rt.workers).0,
        "12 000 joins/s ÷ (990/s measured × 0.8) = 15.15 → 16 workers"
    );
    assert_eq!(
        rt.notes,
        [
            "the capacity search was capped by `--max-rate`: one instance may hold more than \
             measured, so the instance count is an upper bound",
            "the generator completed all it was asked for, so it may do more: the worker count \
             is an upper bound",
        ]
    );
}

/// `capacity(…)` with the typed fields a report of schema 2.4 or later carries.
fn typed_capacity(
    target: &str,
    service: Value,
    max_rate: Option<f64>,
    budget_us: f64,
    rate: f64,
    steps: &[(f64, f64, u64)],
) -> Value {
    let mut c = capacity(target, budget_us, rate, steps);
    c["service"] = service;
    if let Some(m) = max_rate {
        c["max_rate"] = json!(m);
    }
    c
}

#[test]
fn a_capped_search_is_read_from_the_typed_fields_whatever_the_words() {
    // The search of `a_search_capped_by_max_rate_is_said_to_be_a_floor`, its words reworded:
    // `service` and `max_rate` say what the words used to.
    let r = with_load(
        &[steady("roundtrip", 1_000.0, 700.0, 3_000.0)],
        "capacity",
        typed_capacity(
            "the service at http://10.0.0.5:8080, never above 1 000 requests a second",
            json!({"kind": "target", "name": "vm"}),
            Some(1_000.0),
            10_000.0,
            1_000.0,
            &[(1_000.0, 990.0, 0)],
        ),
    );
    let m = figures(&r);
    let c = m.capacity.as_ref().unwrap();
    assert_eq!((c.reference, c.max_rate_per_s), (false, Some(1_000.0)));
    let answer = recommend(&inline(PLATFORM), &m);
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(rt.instances.count(), Some(18));
    assert_eq!(
        calculation(&rt.workers).0,
        "12 000 joins/s ÷ (990/s measured × 0.8) = 15.15 → 16 workers"
    );
    assert_eq!(
        rt.notes,
        [
            "the capacity search was capped by `--max-rate`: one instance may hold more than \
             measured, so the instance count is an upper bound",
            "the generator completed all it was asked for, so it may do more: the worker count \
             is an upper bound",
        ]
    );
}

#[test]
fn the_typed_fields_win_over_words_that_say_otherwise() {
    // Words that once meant "the reference service, capped": the typed fields say a target's
    // service, not capped, and that is what counts.
    let r = with_load(
        &[steady("roundtrip", 2_000.0, 2_000.0, 3_000.0)],
        "capacity",
        typed_capacity(
            "reference auth service lookalike; capped at 1000/s, the burst paced there",
            json!({"kind": "target", "name": "vm"}),
            None,
            10_000.0,
            3_400.0,
            &[(3_400.0, 3_390.0, 0)],
        ),
    );
    let m = figures(&r);
    let c = m.capacity.as_ref().unwrap();
    assert!(!c.of_reference_service() && !c.capped());
    let answer = recommend(&inline(PLATFORM), &m);
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(rt.instances.count(), Some(6));
    assert!(
        !rt.notes
            .iter()
            .any(|n| n.contains("reference auth service") || n.contains("--max-rate")),
        "{:?}",
        rt.notes
    );

    // And the reference service, named in other words.
    let r = with_load(
        &[steady("roundtrip", 5_000.0, 5_000.0, 3_000.0)],
        "capacity",
        typed_capacity(
            "authbench's own auth service, POST /validateCredentials",
            json!({"kind": "reference"}),
            None,
            10_000.0,
            6_000.0,
            &[(6_000.0, 6_000.0, 0)],
        ),
    );
    let answer = recommend(&inline(PLATFORM), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(
        rt.notes[0],
        "the capacity is that of authbench's reference auth service on the measuring machine, \
         not of yours: run `authbench bench --target FILE --capacity` against one instance of \
         your service"
    );
}

#[test]
fn a_locust_run_s_workers_are_read_from_the_typed_count_whatever_the_words() {
    // The run of `a_locust_run_gives_the_rate_per_worker`, its words reworded: the entry's
    // `workers` says 2.
    let mut run = steady("roundtrip", 2_000.0, 1_800.0, 30_000.0);
    run["workers"] = json!(2);
    let r = with_load(
        &[run],
        "measured_by",
        json!("Locust 2.47.0, two worker processes and 100 users, each a closed loop"),
    );
    let answer = recommend(&inline(PLATFORM), &figures(&r));
    let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
    assert_eq!(
        calculation(&rt.workers),
        (
            "12 000 joins/s ÷ (900/s measured × 0.8) = 16.67 → 17 workers",
            "the Locust run in report.json: 1 800/s over 2 workers = 900/s per worker \
             (2 000/s asked)"
        )
    );

    // The typed count wins over words that give another; 0 (no workers) is one process.
    for (typed, per_worker, count) in [(4, "450/s", "4 workers"), (0, "1 800/s", "1 worker")] {
        let mut run = steady("roundtrip", 2_000.0, 1_800.0, 30_000.0);
        run["workers"] = json!(typed);
        let r = with_load(
            &[run],
            "measured_by",
            json!("Locust 2.47.0 (2 workers, 100 users): each user is a closed loop"),
        );
        let answer = recommend(&inline(PLATFORM), &figures(&r));
        let rt = plan(&answer, Choice::Mode(Mode::Roundtrip));
        let source = calculation(&rt.workers).1;
        assert!(
            source.contains(&format!("over {count} = {per_worker} per worker")),
            "{source}"
        );
    }
}
