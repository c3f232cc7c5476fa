//! A changed figure in a report changes the recommendation where it should, and only there.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_recommend::{Choice, Recommendation, Verdict, recommend};
use authbench_scenario::Mode;
use common::{example, figures, inline, report, steady, typical};

fn reason<'a>(a: &'a Recommendation, choice: Choice, criterion: &str) -> Option<&'a str> {
    a.option(choice)?
        .reasons
        .iter()
        .find(|r| r.criterion == criterion)
        .map(|r| r.text.as_str())
}

/// A studio that could run an auth service, with a tight budget: a file is the natural choice
/// until its hash costs more than the budget.
const TIGHT_STUDIO: &str = "\
users: 12
identity_provider: none
revocation: {need: none}
clients: {rtmp: 100}
peak_joins_per_second: 2
latency_budget: 20ms
auth_service: {available: true, rtt: 1ms}
";

#[test]
fn a_slower_file_mode_hands_first_place_to_roundtrip() {
    let d = inline(TIGHT_STUDIO);
    let fast = report(
        &[
            (Mode::Jwt, 8.0, 20.0),
            (Mode::Roundtrip, 300.0, 900.0),
            (Mode::File, 1_500.0, 2_000.0),
        ],
        &[],
    );
    let answer = recommend(&d, &figures(&fast));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::File)),
        "{}",
        answer.to_text()
    );
    let within = reason(
        &answer,
        Choice::Mode(Mode::File),
        "measured.p99-within-budget",
    )
    .unwrap();
    assert_eq!(
        within,
        "file p99 2 ms over 1 000 single decisions, within the 20ms budget"
    );

    // The same report with file mode's p99 at 41 ms (a bcrypt cost of 12, say).
    let slow = report(
        &[
            (Mode::Jwt, 8.0, 20.0),
            (Mode::Roundtrip, 300.0, 900.0),
            (Mode::File, 30_000.0, 41_000.0),
        ],
        &[],
    );
    let answer = recommend(&d, &figures(&slow));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::Roundtrip)),
        "{}",
        answer.to_text()
    );
    let over = reason(
        &answer,
        Choice::Mode(Mode::File),
        "measured.p99-over-budget",
    )
    .unwrap();
    assert_eq!(
        over,
        "file p99 41 ms over 1 000 single decisions, over the 20ms budget"
    );
    let file = answer.option(Choice::Mode(Mode::File)).unwrap();
    assert_eq!(file.verdict, Verdict::PoorFit);
    let figure = file.reasons.iter().find_map(|r| r.figure.as_ref()).unwrap();
    assert_eq!((figure.p99_us, figure.budget_us), (41_000.0, 20_000.0));
    // Round trip's own figure: 900 µs on loopback plus the 1 ms network round trip.
    let rt = reason(
        &answer,
        Choice::Mode(Mode::Roundtrip),
        "measured.p99-within-budget",
    )
    .unwrap();
    assert!(rt.contains("+ network rtt 1ms = 1.9 ms"), "{rt}");
}

/// A classroom: forty students with passwords join at once. Fine for a file, as long as the
/// hash keeps up with the join rate.
const CLASSROOM: &str = "\
users: 40
identity_provider: none
revocation: {need: none}
clients: {whip_whep: 100}
peak_joins_per_second: 200
latency_budget: 100ms
auth_service: {available: true, rtt: 1ms}
";

#[test]
fn a_load_run_that_falls_behind_the_peak_rate_rules_against_the_mode() {
    let d = inline(CLASSROOM);
    let single = [
        (Mode::Jwt, 8.0, 20.0),
        (Mode::Roundtrip, 300.0, 900.0),
        (Mode::File, 1_500.0, 2_000.0),
    ];
    let keeps_up = report(
        &single,
        &[
            steady("file", 250.0, 249.0, 8_000.0),
            steady("roundtrip", 250.0, 250.0, 3_000.0),
        ],
    );
    let answer = recommend(&d, &figures(&keeps_up));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::File)),
        "{}",
        answer.to_text()
    );
    let within = reason(
        &answer,
        Choice::Mode(Mode::File),
        "measured.p99-within-budget",
    )
    .unwrap();
    assert_eq!(
        within,
        "file p99 8 ms at 250 joins/s (steady load), within the 100ms budget"
    );

    // The same run with a costlier hash: 40 decisions per second on two cores.
    let falls_behind = report(
        &single,
        &[
            steady("file", 250.0, 40.0, 4_000_000.0),
            steady("roundtrip", 250.0, 250.0, 3_000.0),
        ],
    );
    let answer = recommend(&d, &figures(&falls_behind));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::Roundtrip)),
        "{}",
        answer.to_text()
    );
    let short = reason(
        &answer,
        Choice::Mode(Mode::File),
        "measured.capacity-below-peak",
    )
    .unwrap();
    assert_eq!(
        short,
        "file completed at most 40 decisions/s under load, short of the 200 joins/s it must carry"
    );
    let over = reason(
        &answer,
        Choice::Mode(Mode::File),
        "measured.p99-over-budget",
    )
    .unwrap();
    assert!(over.starts_with("file p99 4 s at 250 joins/s"), "{over}");
}

#[test]
fn p99_at_the_peak_rate_outweighs_the_single_decision_figure() {
    // The fleet needs round trips (immediate revocation); at 2 000 joins/s with a 20 ms budget
    // the round trip's p99 under load decides whether that is a good fit or a poor one.
    let text = std::fs::read_to_string(common::deployments_dir().join("legacy-rtmp-fleet.yaml"))
        .unwrap()
        .replace("peak_joins_per_second: 5", "peak_joins_per_second: 2000")
        .replace("latency_budget: 1s", "latency_budget: 20ms");
    let d = inline(&text);
    let single = [(Mode::Jwt, 8.0, 20.0), (Mode::Roundtrip, 300.0, 900.0)];

    let good = report(&single, &[steady("roundtrip", 2_000.0, 2_000.0, 6_000.0)]);
    let answer = recommend(&d, &figures(&good));
    assert_eq!(answer.first_choice(), Some(Choice::Mode(Mode::Roundtrip)));
    assert_eq!(answer.ranking[0].verdict, Verdict::Recommended);

    let slow = report(&single, &[steady("roundtrip", 2_000.0, 1_990.0, 41_000.0)]);
    let answer = recommend(&d, &figures(&slow));
    assert_eq!(answer.ranking[0].option, Choice::Mode(Mode::Roundtrip));
    assert_eq!(
        answer.ranking[0].verdict,
        Verdict::PoorFit,
        "{}",
        answer.to_text()
    );
    let over = reason(
        &answer,
        Choice::Mode(Mode::Roundtrip),
        "measured.p99-over-budget",
    )
    .unwrap();
    assert_eq!(
        over,
        "roundtrip p99 41 ms at 2 000 joins/s (steady load) + network rtt 1ms = 42 ms, over the 20ms budget"
    );
    assert!(
        answer.answer.starts_with("No option fits well"),
        "{}",
        answer.answer
    );
}

#[test]
fn figures_of_options_already_ruled_out_change_nothing() {
    let d = example("small-studio.yaml");
    let base = recommend(&d, &figures(&typical()));
    let slow_others = report(
        &[
            (Mode::Jwt, 80_000.0, 900_000.0),
            (Mode::Roundtrip, 80_000.0, 900_000.0),
            (Mode::File, 1_800.0, 2_500.0),
        ],
        &[],
    );
    let changed = recommend(&d, &figures(&slow_others));
    let order = |a: &Recommendation| {
        a.ranking
            .iter()
            .map(|o| (o.option, o.score))
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&base), order(&changed));
}

#[test]
fn a_load_report_with_injected_faults_is_not_taken_as_figures() {
    let d = inline(CLASSROOM);
    let r = report(
        &[(Mode::File, 1_500.0, 2_000.0)],
        &[steady("file", 250.0, 40.0, 4_000_000.0)],
    );
    let mut v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    v["load"]["options"]["injected"] = serde_json::json!(["file: +50ms per decision"]);
    let r = authbench_report::Report::from_json(&v.to_string()).unwrap();
    let answer = recommend(&d, &figures(&r));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::File)),
        "{}",
        answer.to_text()
    );
    assert!(
        reason(
            &answer,
            Choice::Mode(Mode::File),
            "measured.capacity-below-peak"
        )
        .is_none()
    );
}

/// A scenario run whose round trips include timeouts from an injected slowdown: the timeouts
/// are not what a join costs, so they are kept out of the figures (by the runner, which leaves
/// decisions under a fault out of its samples, and here from the allowed requests only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_and_injected_faults_in_a_run_report_are_not_taken_as_join_cost() {
    use authbench_harness::runner;
    use authbench_report::RunOptions;
    use authbench_scenario::load;

    let text = "\
description: healthy joins, then a service slower than the timeout
setup:
  roundtrip: {timeout: 100ms}
identities:
  alice: {password: alice-pw}
steps:
  - request: {as: alice, action: subscribe, transport: whep, stream: live/room1/cam1, repeat: 20}
    expect: allow
  - service: {latency: 400ms}
  - request: {as: alice, action: subscribe, transport: whep, stream: live/room1/cam1, repeat: 3}
    expect: {jwt: allow, roundtrip: deny(backend_timeout), file: allow}
";
    let scenario = load::load_str(text, std::path::Path::new("slow.yaml"), "slow".into()).unwrap();
    let run = runner::run_scenario(&scenario, &[Mode::Roundtrip]).await;
    assert!(run.passed(), "{run:?}");
    let r = authbench_report::Report::build(&[run], &RunOptions::default());
    let all = r.latency[0].summary.as_ref().unwrap();
    // The runner keeps decisions made under an injected fault out of the samples.
    assert!(
        all.p99_us < 100_000.0,
        "a timeout under the injected fault is in the summary: {all:?}"
    );

    let f = figures(&r);
    let rt = f.mode(Mode::Roundtrip).unwrap();
    assert_eq!(rt.decisions, 1, "one allowed step");
    assert_eq!(rt.sample, "1 allowed request of the report's scenarios");
    assert!(
        rt.p99_us < 100_000.0,
        "a timeout counted as join cost: {rt:?}"
    );
}
