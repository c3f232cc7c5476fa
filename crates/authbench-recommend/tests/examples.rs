//! The shipped example deployments get the expected first choice, for the expected reasons,
//! whether the figures come from a report, from the quick measurement, or are missing.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_recommend::{
    Choice, Effect, Measurements, Recommendation, Verdict, measure, modes_to_measure, recommend,
};
use authbench_scenario::Mode;
use common::{example, figures, inline, typical};

/// Options an example must rule out, each with the criterion that does it.
type RuledOut = &'static [(Choice, &'static str)];

/// Each shipped example, its expected first choice, and what it must rule out.
const EXPECTED: &[(&str, Choice, RuledOut)] = &[
    (
        "small-studio.yaml",
        Choice::Mode(Mode::File),
        &[
            (Choice::Mode(Mode::Jwt), "jwt.no-issuer"),
            (Choice::Mode(Mode::Roundtrip), "roundtrip.needs-service"),
            (Choice::JwtRoundtrip, "roundtrip.needs-service"),
        ],
    ),
    (
        "large-live-event.yaml",
        Choice::Mode(Mode::Jwt),
        &[(Choice::Mode(Mode::File), "file.cannot-restrict")],
    ),
    (
        "multi-tenant-platform.yaml",
        Choice::JwtRoundtrip,
        &[
            (Choice::Mode(Mode::Jwt), "jwt.cannot-revoke"),
            (Choice::Mode(Mode::File), "file.cannot-revoke"),
            (Choice::Mode(Mode::File), "file.cannot-restrict"),
        ],
    ),
    (
        "legacy-rtmp-fleet.yaml",
        Choice::Mode(Mode::Roundtrip),
        &[
            (Choice::Mode(Mode::Jwt), "jwt.cannot-revoke"),
            (Choice::Mode(Mode::File), "file.cannot-revoke"),
        ],
    ),
];

fn cites(answer: &Recommendation, choice: Choice, criterion: &str) -> bool {
    answer
        .option(choice)
        .is_some_and(|o| o.reasons.iter().any(|r| r.criterion == criterion))
}

fn check(answer: &Recommendation, file: &str, first: Choice, ruled_out: &[(Choice, &str)]) {
    assert_eq!(
        answer.first_choice(),
        Some(first),
        "{file}: expected {first} first\n{}",
        answer.to_text()
    );
    assert_eq!(answer.ranking[0].verdict, Verdict::Recommended, "{file}");
    for (choice, criterion) in ruled_out {
        let option = answer.option(*choice).unwrap();
        assert!(option.ruled_out(), "{file}: {choice} should be ruled out");
        let reason = option
            .reasons
            .iter()
            .find(|r| r.criterion == *criterion)
            .unwrap_or_else(|| panic!("{file}: {choice} does not cite {criterion}"));
        assert_eq!(reason.effect, Effect::RulesOut, "{file}: {criterion}");
    }
    // Ranks are 1..=4 in order, every option appears once, ruled-out options come last.
    let ranks: Vec<usize> = answer.ranking.iter().map(|o| o.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4], "{file}");
    let out: Vec<bool> = answer.ranking.iter().map(|o| o.ruled_out()).collect();
    assert!(out.windows(2).all(|w| w[0] <= w[1]), "{file}: {out:?}");
    // Every reason names a criterion of the table and has the effect the table gives it.
    for o in &answer.ranking {
        let score: i32 = o
            .reasons
            .iter()
            .map(|r| match r.effect {
                Effect::Points(p) => p,
                _ => 0,
            })
            .sum();
        assert_eq!(o.score, score, "{file}: {} score", o.option);
        for r in &o.reasons {
            let c = r.criterion.criterion();
            assert_eq!(
                c.effect_on(o.option),
                Some(r.effect),
                "{file}: {}",
                r.criterion
            );
            assert!(!r.text.is_empty());
        }
    }
}

#[test]
fn every_example_gets_its_first_choice_with_typical_figures() {
    let figures = figures(&typical());
    for (file, first, ruled_out) in EXPECTED {
        let answer = recommend(&example(file), &figures);
        check(&answer, file, *first, ruled_out);
        // The first choice's latency was checked against the budget, and held.
        let top = &answer.ranking[0];
        let within = top
            .reasons
            .iter()
            .find(|r| r.criterion == "measured.p99-within-budget")
            .unwrap_or_else(|| panic!("{file}: no latency check\n{}", answer.to_text()));
        let figure = within.figure.as_ref().unwrap();
        assert!(figure.p99_us <= figure.budget_us, "{file}");
        assert_eq!(figure.modes, top.option.modes(), "{file}");
    }
}

#[test]
fn every_example_gets_its_first_choice_without_figures() {
    for (file, first, ruled_out) in EXPECTED {
        let answer = recommend(&example(file), &Measurements::none());
        check(&answer, file, *first, ruled_out);
        assert!(
            cites(&answer, *first, "measured.missing"),
            "{file}: missing figures are not said"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_gets_its_first_choice_with_the_quick_measurement() {
    for (file, first, ruled_out) in EXPECTED {
        let loaded = example(file);
        let modes = modes_to_measure(&loaded.deployment);
        let figures = measure::quick(&modes).await.unwrap();
        for mode in &modes {
            let f = figures
                .mode(*mode)
                .unwrap_or_else(|| panic!("{file}: {mode} not measured: {:?}", figures.notes));
            assert_eq!(
                f.decisions,
                u64::from(measure::DECISIONS_PER_MODE),
                "{file}"
            );
            assert!(f.p50_us > 0.0 && f.p99_us >= f.p50_us, "{file}: {f:?}");
        }
        let answer = recommend(&loaded, &figures);
        check(&answer, file, *first, ruled_out);
    }
}

#[test]
fn only_the_modes_of_options_left_standing_are_measured() {
    let modes = |file: &str| modes_to_measure(&example(file).deployment);
    assert_eq!(modes("small-studio.yaml"), [Mode::File]);
    assert_eq!(
        modes("legacy-rtmp-fleet.yaml"),
        [Mode::Jwt, Mode::Roundtrip]
    );
    assert_eq!(modes("large-live-event.yaml"), [Mode::Jwt, Mode::Roundtrip]);
}

#[test]
fn the_legacy_share_is_a_warning_with_network_controls() {
    let answer = recommend(&example("legacy-rtmp-fleet.yaml"), &figures(&typical()));
    let [warning] = answer.warnings.as_slice() else {
        panic!("expected one warning: {:?}", answer.warnings)
    };
    assert_eq!(warning.criterion, "clients.legacy-rtmp");
    assert!(
        warning.text.starts_with("30% of clients"),
        "{}",
        warning.text
    );
    assert!(
        warning.text.contains("network controls"),
        "{}",
        warning.text
    );
    assert!(warning.source.contains("Legacy RTMP-only Clients"));

    let answer = recommend(&example("small-studio.yaml"), &Measurements::none());
    assert!(answer.warnings.is_empty());
}

#[test]
fn a_fleet_of_only_legacy_clients_has_no_answer_but_says_why() {
    let d = inline(
        "users: 30\nidentity_provider: none\nrevocation: {need: none}\n\
         clients: {rtmp_legacy: 100}\npeak_joins_per_second: 1\nlatency_budget: 1s\n\
         auth_service: {available: true}\n",
    );
    assert!(modes_to_measure(&d.deployment).is_empty());
    let answer = recommend(&d, &Measurements::none());
    assert_eq!(answer.first_choice(), None);
    for o in &answer.ranking {
        assert!(
            cites(&answer, o.option, "clients.all-legacy"),
            "{}",
            o.option
        );
        assert_eq!(o.verdict, Verdict::RuledOut);
    }
    assert!(
        answer.answer.starts_with("No option can serve"),
        "{}",
        answer.answer
    );
}

#[test]
fn immediate_revocation_of_every_join_prefers_plain_roundtrip_to_the_combination() {
    // Own identity service, many users, rooms: JWT's strengths, but every join must be
    // re-checked at once, so the combination would ask the service for every join anyway.
    let d = inline(
        "users: 2000\nidentity_provider: own_service\nrevocation: {need: immediate}\n\
         clients: {rtmp: 50, whip_whep: 50}\npeak_joins_per_second: 50\nlatency_budget: 100ms\n\
         restrict: {roles: true, rooms: true}\nauth_service: {available: true, rtt: 1ms}\n",
    );
    let answer = recommend(&d, &figures(&typical()));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::Mode(Mode::Roundtrip)),
        "{}",
        answer.to_text()
    );
    assert!(cites(
        &answer,
        Choice::JwtRoundtrip,
        "combo.recheck-every-join"
    ));

    // The same platform needing immediate revocation of publishing only: JWT for joins, the
    // round trip for publishes.
    let d = inline(
        "users: 2000\nidentity_provider: own_service\n\
         revocation: {need: immediate, applies_to: publish}\n\
         clients: {rtmp: 50, whip_whep: 50}\npeak_joins_per_second: 50\n\
         peak_publishes_per_second: 2\nlatency_budget: 100ms\n\
         restrict: {roles: true, rooms: true}\nauth_service: {available: true, rtt: 1ms}\n",
    );
    let answer = recommend(&d, &figures(&typical()));
    assert_eq!(
        answer.first_choice(),
        Some(Choice::JwtRoundtrip),
        "{}",
        answer.to_text()
    );
    assert!(!cites(
        &answer,
        Choice::JwtRoundtrip,
        "combo.recheck-every-join"
    ));
}

#[test]
fn the_text_and_json_forms_carry_the_ranking_and_the_criterion_ids() {
    let answer = recommend(&example("multi-tenant-platform.yaml"), &figures(&typical()));
    let text = answer.to_text();
    let table_head = text
        .lines()
        .find(|l| l.starts_with("rank"))
        .expect("a table header");
    for column in ["option", "verdict", "score", "top reasons"] {
        assert!(table_head.contains(column), "{table_head}");
    }
    let first_row = text
        .lines()
        .skip_while(|l| !l.starts_with("rank"))
        .nth(1)
        .unwrap();
    assert!(
        first_row.starts_with("1     jwt+roundtrip  recommended"),
        "{first_row}"
    );
    assert!(text.contains("[roundtrip.current-state]"), "{text}");
    assert!(
        text.contains("seed: Effective › Multi-tenant Applications"),
        "{text}"
    );

    let json: serde_json::Value = serde_json::from_str(&answer.to_json()).unwrap();
    assert_eq!(json["ranking"][0]["option"], "jwt+roundtrip");
    assert_eq!(json["ranking"][0]["verdict"], "recommended");
    assert_eq!(json["ranking"][0]["rank"], 1);
    assert_eq!(json["figures"]["kind"], "report");
    let reasons = json["ranking"][0]["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r["criterion"] == "jwt.multi-tenant"
        && r["effect"]["points"] == 15
        && r["source"]
            == "seed: Effective › Multi-tenant Applications \
                (crates/authbench-recommend/tests/data/seed-page.txt)"
        && r["document"] == "crates/authbench-recommend/tests/data/seed-page.txt"
        && r["section"] == "Effective › Multi-tenant Applications"));
    let measured = reasons
        .iter()
        .find(|r| r["criterion"] == "measured.p99-within-budget")
        .unwrap();
    assert_eq!(measured["figure"]["budget_us"], 100_000.0);
    assert_eq!(
        measured["figure"]["modes"],
        serde_json::json!(["jwt", "roundtrip"])
    );
    // 20 µs JWT + 900 µs round trip + 2 ms network.
    assert_eq!(measured["figure"]["p99_us"], 2_920.0);
    let ruled = json["ranking"][3]["reasons"][0]["effect"].clone();
    assert_eq!(ruled, "rules_out");
}
