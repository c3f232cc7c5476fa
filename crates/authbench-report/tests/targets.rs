//! A run aimed at the user's deployment beside the built-in world: the target's runs are columns
//! of their own (`roundtrip @ staging`), skipped steps count neither as held nor as failed, and
//! notes on how an expectation was judged are shown.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_core::outcome::{Expected, ScenarioRun};
use authbench_core::{DenyReason, Mode};
use authbench_report::{ActualOutcome, Column, Report, RunOptions, TargetReport};

fn build(runs: &[ScenarioRun]) -> Report {
    Report::build(
        runs,
        &RunOptions {
            quick: false,
            modes: Mode::ALL.to_vec(),
        },
    )
}

fn with_target() -> Report {
    build(&common::runs_with_target())
}

/// The two scenarios of the sample whose built-in expectations all hold, with the target.
fn passing_with_target() -> Report {
    build(&common::runs_with_target()[..2])
}

fn labels(r: &Report) -> Vec<String> {
    r.columns().iter().map(Column::label).collect()
}

/// The lines of one `## ` section of a Markdown document.
fn md_section<'a>(md: &'a str, title: &str) -> Vec<&'a str> {
    md.lines()
        .skip_while(|l| *l != format!("## {title}"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_target_run_is_a_second_column_of_its_mode() {
    let r = with_target();
    assert_eq!(
        labels(&r),
        ["jwt", "roundtrip", "file", "roundtrip @ staging"]
    );
    assert_eq!(r.options.modes, Mode::ALL);
    assert_eq!(
        r.targets,
        [TargetReport {
            name: "staging".into(),
            mode: Mode::Roundtrip,
            tested: common::STAGING_TESTED.into(),
        }]
    );

    let builtin = &r.totals.modes[1];
    assert_eq!(
        (builtin.mode, builtin.target.as_deref()),
        (Mode::Roundtrip, None)
    );
    assert_eq!(
        (
            builtin.steps,
            builtin.passed,
            builtin.failed,
            builtin.skipped
        ),
        (8, 7, 1, 0)
    );
    let staging = &r.totals.modes[3];
    assert_eq!(
        (staging.mode, staging.target.as_deref()),
        (Mode::Roundtrip, Some("staging"))
    );
    assert_eq!(
        (staging.scenarios, staging.scenarios_passed, staging.errors),
        (3, 3, 0)
    );
    assert_eq!(
        (
            staging.steps,
            staging.passed,
            staging.failed,
            staging.skipped
        ),
        (8, 3, 0, 5)
    );
    assert_eq!(
        (staging.allowed, staging.denied, staging.unsupported),
        (2, 1, 0)
    );

    // Every per-column part of the report has the fourth column, in the same order.
    let latency: Vec<String> = r.latency.iter().map(|l| l.column().label()).collect();
    assert_eq!(latency, labels(&r));
    assert_eq!(r.latency[3].count, 300);
    assert_eq!(r.latency[1].count, 1200, "the built-in samples stay apart");
    for row in &r.capabilities {
        let cells: Vec<String> = row.modes.iter().map(|m| m.column().label()).collect();
        assert_eq!(cells, labels(&r), "{}", row.capability);
    }
    let step = &r.scenarios[1].steps[1];
    let cells: Vec<(String, String)> = step
        .results
        .iter()
        .map(|res| (res.column().label(), res.actual.label()))
        .collect();
    assert_eq!(
        cells,
        [
            ("jwt".to_owned(), "deny(room_forbidden)".to_owned()),
            ("roundtrip".to_owned(), "deny(room_forbidden)".to_owned()),
            ("file".to_owned(), "unsupported".to_owned()),
            (
                "roundtrip @ staging".to_owned(),
                "deny(backend_rejected)".to_owned()
            ),
        ]
    );
    let modes: Vec<String> = r.scenarios[0]
        .modes
        .iter()
        .map(|m| m.column().label())
        .collect();
    assert_eq!(modes, labels(&r));

    let table = r.summary_table();
    let header: Vec<&str> = table.lines().next().unwrap().split("  ").collect();
    let header: Vec<&str> = header
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "scenario",
            "jwt",
            "roundtrip",
            "file",
            "roundtrip @ staging"
        ]
    );
}

#[test]
fn a_target_only_run_has_no_empty_built_in_column() {
    let runs: Vec<ScenarioRun> = common::runs_with_target()
        .into_iter()
        .map(|mut s| {
            s.modes.retain(|m| m.target.is_some());
            s
        })
        .collect();
    let r = Report::build(
        &runs,
        &RunOptions {
            quick: false,
            modes: vec![Mode::Roundtrip],
        },
    );
    assert_eq!(labels(&r), ["roundtrip @ staging"]);
    assert_eq!(r.options.modes, [Mode::Roundtrip]);
    assert_eq!(
        (
            r.totals.expectations,
            r.totals.expectations_passed,
            r.totals.expectations_skipped
        ),
        (8, 3, 5)
    );
    assert!(r.passed());
    assert_eq!(r.latency.len(), 1);
    assert!(
        r.to_markdown()
            .contains("| scenario | roundtrip @ staging |\n|---|:-:|\n"),
        "{}",
        r.to_markdown()
    );
}

#[test]
fn skipped_steps_count_neither_way_and_the_summary_says_so() {
    let r = with_target();
    let t = &r.totals;
    assert_eq!((t.scenarios, t.steps, t.expectations), (3, 8, 32));
    assert_eq!(
        (
            t.expectations_passed,
            t.expectations_failed,
            t.expectations_skipped
        ),
        (26, 1, 5)
    );
    assert!(!t.passed, "the built-in round trip's timeout still fails");

    // A scenario whose ran steps all held passes, skipped steps and all.
    let revocation = &r.scenarios[0];
    assert!(revocation.passed);
    let staging = revocation
        .modes
        .iter()
        .find(|m| m.target.is_some())
        .unwrap();
    assert!(staging.passed);
    let skipped = &revocation.steps[1].results[3];
    assert_eq!(
        skipped.actual,
        ActualOutcome::Skipped {
            reason: "follows an event the target has no control for: revoke".into()
        }
    );
    assert!(!skipped.passed);

    let table = r.summary_table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("3 scenarios, 8 steps, 32 expectations: 26 held, 1 failed, 5 skipped")
    );
    assert_eq!(
        lines[1..],
        [
            "revocation-before-expiry  3/3  3/3        3/3   1/1 (2 skipped)",
            "room-restriction          3/3  3/3        3/3   2/2 (1 skipped)",
            "auth-service-outage       2/2  1/2 FAIL   2/2   0/0 (2 skipped)",
            "-------------------------------------------------------------------",
            "total                     8/8  7/8 FAIL   8/8   3/3 (5 skipped)",
            "3 scenarios, 8 steps, 32 expectations: 26 held, 1 failed, 5 skipped",
        ]
    );

    let md = r.to_markdown();
    assert!(
        md.contains(
            "**❌ 1 of 27 expectations that ran failed** (26 held, 1 failed, 5 skipped; \
             3 scenarios, 8 steps, modes: jwt, roundtrip, file, roundtrip @ staging)."
        ),
        "{md}"
    );
    // Only the built-in round trip's timeout is a failure; skipped steps are listed apart.
    assert_eq!(md_section(&md, "Failures").len(), 1, "{md}");
    let skipped = md_section(&md, "Skipped steps");
    assert_eq!(skipped.len(), 6, "{md}");
    assert_eq!(
        skipped[0],
        "5 expectations were not checked: the step could not run in that world. They count \
         neither as held nor as failed."
    );
    assert_eq!(
        skipped[3],
        "- **room-restriction** › step 3 “bob subscribes with a publisher-only account” \
         (scenarios/room-restriction.yaml:24) — **roundtrip @ staging**: skipped — identity \
         \\`bob\\` has no account at the target"
    );
    assert!(
        md.contains("| revocation-before-expiry | ✅ 3/3 | ✅ 3/3 | ✅ 3/3 | ✅ 1/1 · 2 skipped |"),
        "{md}"
    );

    let html = r.to_html();
    assert!(
        html.contains(
            "<td class=\"o skipped\" title=\"roundtrip @ staging: skipped: identity `bob` has \
             no account at the target — expected deny(role_forbidden)\"><span class=\"lab\">\
             skipped</span><span class=\"det\">identity `bob` has no account at the target\
             </span></td>"
        ),
        "{html}"
    );
    assert!(html.contains("1 of 27 expectations that ran failed (26 held, 1 failed, 5 skipped)"));
    assert!(html.contains("<b>3</b> of 3 expectations held · 5 skipped"));
    assert!(html.contains("<title>roundtrip @ staging: 5 expectations skipped</title>"));
}

#[test]
fn a_run_whose_ran_steps_all_held_passes() {
    let r = passing_with_target();
    let t = &r.totals;
    assert_eq!(
        (
            t.expectations,
            t.expectations_passed,
            t.expectations_failed,
            t.expectations_skipped
        ),
        (24, 21, 0, 3)
    );
    assert!(r.passed());
    assert!(r.scenarios.iter().all(|s| s.passed));
    assert_eq!(
        r.summary_table().lines().last(),
        Some("2 scenarios, 6 steps, 24 expectations: 21 held, 0 failed, 3 skipped")
    );
    assert!(
        r.to_markdown().contains(
            "**✅ All 21 expectations that ran held** (21 held, 0 failed, 3 skipped; \
             2 scenarios, 6 steps, modes: jwt, roundtrip, file, roundtrip @ staging)."
        ),
        "{}",
        r.to_markdown()
    );
    assert!(
        r.to_html()
            .contains("✔ All 21 expectations that ran held (21 held, 0 failed, 3 skipped)")
    );
}

#[test]
fn a_note_is_shown_beside_the_outcome() {
    let r = with_target();
    let res = &r.scenarios[1].steps[1].results[3];
    assert_eq!(res.note.as_deref(), Some(common::NO_REASON));
    assert!(res.passed);

    let md = r.to_markdown();
    assert_eq!(
        md_section(&md, "How outcomes were judged"),
        [
            "- **room-restriction** › step 2 “alice publishes to room2” \
          (scenarios/room-restriction.yaml:18) — **roundtrip @ staging**: \
          `deny(backend_rejected)` — denied, no reason given by the target \
          (expected `deny(room_forbidden)`)"
        ]
    );

    let html = r.to_html();
    assert!(
        html.contains(
            "<td class=\"o deny\" title=\"roundtrip @ staging: deny(backend_rejected) — denied, \
             no reason given by the target (the service answered {&quot;result&quot;:false}) — \
             expected deny(room_forbidden) — 880 µs\"><span class=\"lab\">deny(backend_rejected)\
             </span><span class=\"nt\">— denied, no reason given by the target</span>"
        ),
        "{html}"
    );
    // Without a note nothing is added.
    assert!(
        !build(&common::runs())
            .to_markdown()
            .contains("How outcomes were judged")
    );
}

#[test]
fn what_was_tested_is_listed_only_with_a_target() {
    let md = with_target().to_markdown();
    assert_eq!(
        md_section(&md, "What was tested"),
        [
            "| column | tested |",
            "|---|---|",
            "| roundtrip @ staging | http://127.0.0.1:8089 (red5pro) |",
            "Columns without `@` ran in the built-in world (the reference service, generated \
             files, tokens minted locally): the reference behaviour.",
        ]
    );
    let html = with_target().to_html();
    assert!(html.contains("<a href=\"#tested\">What was tested</a>"));
    assert!(html.contains(
        "<td class=\"lab\" style=\"border-left:4px dashed #9333ea\">roundtrip @ staging</td>\
         <td>http://127.0.0.1:8089 (red5pro)</td>"
    ));

    let builtin = build(&common::runs());
    assert!(builtin.targets.is_empty());
    assert!(!builtin.to_markdown().contains("What was tested"));
    assert!(!builtin.to_html().contains("What was tested"));
}

#[test]
fn differences_ignore_skipped_cells() {
    let plain = build(&common::runs());
    let r = with_target();
    let places = |r: &Report| -> Vec<(String, usize)> {
        r.differences
            .iter()
            .map(|d| (d.scenario.clone(), d.step_index))
            .collect()
    };
    assert_eq!(places(&r), places(&plain));

    // The revocation: staging skipped the step, so it has no side in the difference.
    let revoked = r
        .differences
        .iter()
        .find(|d| d.scenario == "revocation-before-expiry" && d.step_index == 1)
        .unwrap();
    let sides: Vec<String> = revoked
        .outcomes
        .iter()
        .map(|o| o.column().label())
        .collect();
    assert_eq!(sides, ["jwt", "roundtrip", "file"]);

    // A step where the only other cell is skipped is no difference.
    let mut lone = common::revocation();
    lone.modes.retain(|m| m.mode == Mode::Roundtrip);
    lone.modes.push(common::staging_run(
        vec![
            common::step(
                0,
                "alice publishes before revocation",
                14,
                Expected::Allow,
                common::allow("qa-alice"),
                900,
            ),
            common::skipped(
                1,
                "alice publishes after revocation",
                21,
                Expected::Deny(DenyReason::Revoked),
                "follows an event the target has no control for: revoke",
            ),
        ],
        7,
    ));
    lone.modes[0].steps.truncate(2);
    let r = Report::build(&[lone], &RunOptions::default());
    assert_eq!(labels(&r), ["roundtrip", "roundtrip @ staging"]);
    assert!(r.differences.is_empty(), "{:?}", r.differences);
    assert!(
        r.to_markdown()
            .contains("The modes decided every step alike.")
    );
}

#[test]
fn a_target_deciding_otherwise_than_the_reference_is_explained() {
    let mut run = common::revocation();
    run.modes.retain(|m| m.mode == Mode::Roundtrip);
    run.modes.push(common::staging_run(
        vec![
            common::step(
                0,
                "alice publishes before revocation",
                14,
                Expected::Allow,
                common::allow("qa-alice"),
                900,
            ),
            // The staging service still lets a revoked user in: a failed expectation.
            common::step(
                1,
                "alice publishes after revocation",
                21,
                Expected::Deny(DenyReason::Revoked),
                common::allow("qa-alice"),
                900,
            ),
            // A yes/no deny is the same decision as the reference's reasoned deny.
            authbench_core::outcome::StepOutcome {
                passed: true,
                note: Some(common::NO_REASON.to_owned()),
                ..common::step(
                    2,
                    "alice subscribes after the token's exp",
                    28,
                    Expected::Deny(DenyReason::Revoked),
                    common::deny(DenyReason::BackendRejected, "no"),
                    900,
                )
            },
        ],
        8,
    ));
    let r = Report::build(&[run], &RunOptions::default());
    assert_eq!(r.differences.len(), 1, "{:#?}", r.differences);
    let d = &r.differences[0];
    assert_eq!(d.step_index, 1);
    let sides: Vec<(String, String)> = d
        .outcomes
        .iter()
        .map(|o| (o.column().label(), o.outcome.clone()))
        .collect();
    assert_eq!(
        sides,
        [
            ("roundtrip".to_owned(), "deny(revoked)".to_owned()),
            ("roundtrip @ staging".to_owned(), "allow".to_owned()),
        ]
    );
    assert_eq!(
        d.outcomes[1].why.as_deref(),
        Some(
            "roundtrip @ staging decided allow where the built-in roundtrip (the reference \
             behaviour) decided deny(revoked)"
        )
    );
    assert_eq!(
        d.explanation,
        "The round-trip service is asked on every request, so it sees the revocation at once. \
         roundtrip @ staging decided allow where the built-in roundtrip (the reference \
         behaviour) decided deny(revoked)."
    );
    assert_eq!(r.totals.expectations_failed, 1);
    let md = r.to_markdown();
    assert!(
        md.contains("roundtrip `deny(revoked)` · roundtrip @ staging `allow`"),
        "{md}"
    );
}

#[test]
fn a_target_report_reads_back_and_a_built_in_one_names_no_target() {
    let r = with_target();
    let json = r.to_json();
    assert_eq!(Report::from_json(&json).unwrap(), r);
    assert!(json.contains("\"target\": \"staging\""));
    assert!(json.contains("\"expectations_skipped\": 5"));
    assert!(json.contains("\"note\": \"denied, no reason given by the target\""));

    let builtin = build(&common::runs()).to_json();
    assert!(!builtin.contains("\"target\""), "{builtin}");
    assert!(!builtin.contains("\"note\""));
    assert!(builtin.contains("\"targets\": []"));
}
