//! The report built from realistic run results, rendered in every format.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use authbench_core::Mode;
use authbench_core::outcome::{ModeRun, ScenarioRun};
use authbench_report::{ActualOutcome, Report, RunOptions, Support};

fn sample() -> Report {
    Report::build(
        &common::runs(),
        &RunOptions {
            quick: false,
            modes: Mode::ALL.to_vec(),
        },
    )
}

/// The lines of one `## ` section of a Markdown document.
fn md_section<'a>(md: &'a str, title: &str) -> Vec<&'a str> {
    md.lines()
        .skip_while(|l| *l != format!("## {title}"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect()
}

#[test]
fn totals_count_every_expectation() {
    let r = sample();
    let t = &r.totals;
    assert!(!t.passed);
    assert_eq!((t.scenarios, t.steps, t.expectations), (3, 8, 24));
    assert_eq!((t.expectations_passed, t.expectations_failed), (23, 1));
    let rt = t.modes.iter().find(|m| m.mode == Mode::Roundtrip).unwrap();
    assert_eq!((rt.steps, rt.passed, rt.failed), (8, 7, 1));
    assert_eq!((rt.allowed, rt.denied, rt.unsupported), (2, 6, 0));
    let file = t.modes.iter().find(|m| m.mode == Mode::File).unwrap();
    assert_eq!((file.allowed, file.denied, file.unsupported), (6, 1, 1));
    assert_eq!(file.scenarios_passed, 3);
    assert!(!r.passed());
}

#[test]
fn steps_line_up_across_modes() {
    let r = sample();
    let s = &r.scenarios[1];
    assert_eq!(s.name, "room-restriction");
    let step = &s.steps[1];
    assert_eq!((step.index, step.line), (1, 18));
    let modes: Vec<Mode> = step.results.iter().map(|r| r.mode).collect();
    assert_eq!(modes, Mode::ALL);
    assert!(matches!(
        &step.results[2].actual,
        ActualOutcome::Unsupported { missing, would } if missing == &["rooms"] && would == "allow"
    ));
    assert_eq!(step.results[0].latency_us, 4.0);
}

#[test]
fn differences_are_found_and_explained() {
    let r = sample();
    let where_: Vec<(&str, usize)> = r
        .differences
        .iter()
        .map(|d| (d.scenario.as_str(), d.step_index))
        .collect();
    // Every step where some mode decided otherwise, and no other.
    assert_eq!(
        where_,
        [
            ("revocation-before-expiry", 1),
            ("revocation-before-expiry", 2),
            ("room-restriction", 1),
            ("auth-service-outage", 0),
            ("auth-service-outage", 1),
        ]
    );
    let revoked = &r.differences[0];
    assert!(
        revoked.explanation.contains(
            "The round-trip service is asked on every request, so it sees the revocation at once"
        ),
        "{}",
        revoked.explanation
    );
    assert!(
        revoked
            .explanation
            .contains("A JWT stays valid until its exp"),
        "{}",
        revoked.explanation
    );
    let labels: Vec<&str> = revoked
        .outcomes
        .iter()
        .map(|o| o.outcome.as_str())
        .collect();
    assert_eq!(labels, ["allow", "deny(revoked)", "allow"]);

    let expired = &r.differences[1];
    assert!(
        expired
            .explanation
            .contains("Htpasswd credentials do not expire"),
        "{}",
        expired.explanation
    );

    let rooms = &r.differences[2];
    assert!(
        rooms.explanation.contains("file mode cannot express rooms"),
        "{}",
        rooms.explanation
    );
    let outage = &r.differences[3];
    assert!(
        outage.explanation.contains("fail closed"),
        "{}",
        outage.explanation
    );
    assert!(
        outage
            .explanation
            .contains("jwt mode validates the token locally"),
        "{}",
        outage.explanation
    );
}

#[test]
fn capability_matrix_shows_what_each_mode_can_express() {
    let mut runs = common::runs();
    // One scenario configures jwt with a replay cache: one-time use "depends on config".
    let jwt = runs[0]
        .modes
        .iter_mut()
        .find(|m| m.mode == Mode::Jwt)
        .unwrap();
    jwt.capabilities = jwt
        .capabilities
        .with(authbench_core::Capability::OneTimeUse);
    let r = Report::build(&runs, &RunOptions::default());
    let support = |cap: &str, mode: Mode| {
        r.capabilities
            .iter()
            .find(|c| c.capability == cap)
            .and_then(|c| c.modes.iter().find(|m| m.mode == mode))
            .map(|m| m.support)
            .unwrap()
    };
    assert_eq!(support("rooms", Mode::Jwt), Support::Yes);
    assert_eq!(support("rooms", Mode::File), Support::No);
    assert_eq!(support("revocation", Mode::Roundtrip), Support::Yes);
    assert_eq!(support("revocation", Mode::Jwt), Support::No);
    assert_eq!(support("one_time_use", Mode::Jwt), Support::Partial);
    assert_eq!(r.capabilities.len(), authbench_core::Capability::ALL.len());
    // An empty mode list means "the modes found in the runs", in run order.
    assert_eq!(r.options.modes, Mode::ALL);
}

#[test]
fn latency_summary_comes_from_every_sample() {
    let r = sample();
    let by_mode = |m: Mode| r.latency.iter().find(|l| l.mode == m).unwrap();
    for m in Mode::ALL {
        assert_eq!(by_mode(m).count, 3 * 400, "{m}");
    }
    let p50 = |m: Mode| by_mode(m).summary.as_ref().unwrap().p50_us;
    assert!(p50(Mode::Jwt) < p50(Mode::Roundtrip) && p50(Mode::Roundtrip) < p50(Mode::File));
    let s = by_mode(Mode::Jwt).summary.as_ref().unwrap();
    assert!(s.min_us <= s.p50_us && s.p50_us <= s.p90_us && s.p90_us <= s.p99_us);
    assert!(s.p99_us <= s.p99_9_us && s.p99_9_us <= s.max_us);
}

#[test]
fn percentiles_are_right_on_a_known_sample_set() {
    // 100 decisions of 1..=100 µs: nearest-rank p50 = 50, p90 = 90, p99 = 99, p99.9 = 100.
    let run = ScenarioRun {
        name: "known".into(),
        description: String::new(),
        source: "known.yaml".into(),
        use_case: None,
        modes: vec![ModeRun {
            target: None,
            mode: Mode::Jwt,
            capabilities: common::caps(Mode::Jwt),
            steps: vec![],
            samples: (1..=100).map(Duration::from_micros).collect(),
            joins: Vec::new(),
            error: None,
        }],
    };
    let r = Report::build(&[run], &RunOptions::default());
    let s = r.latency[0].summary.as_ref().unwrap();
    let close = |got: f64, want: f64| (got - want).abs() <= want * 0.001;
    assert!(close(s.p50_us, 50.0), "p50 {}", s.p50_us);
    assert!(close(s.p90_us, 90.0), "p90 {}", s.p90_us);
    assert!(close(s.p99_us, 99.0), "p99 {}", s.p99_us);
    assert!(close(s.p99_9_us, 100.0), "p99.9 {}", s.p99_9_us);
    assert_eq!((s.min_us, s.max_us, s.mean_us), (1.0, 100.0, 50.5));
}

#[test]
fn markdown_fits_a_job_summary() {
    let md = sample().to_markdown();
    assert!(md.contains("**❌ 1 of 24 expectations failed**"), "{md}");

    // One row per scenario, after the header and separator.
    let table: Vec<&str> = md_section(&md, "Scenarios")
        .into_iter()
        .filter(|l| l.starts_with('|'))
        .collect();
    assert_eq!(table.len(), 2 + 3, "{table:#?}");
    assert_eq!(table[0], "| scenario | jwt | roundtrip | file |");
    assert_eq!(
        table[4],
        "| auth-service-outage | ✅ 2/2 | ❌ 1/2 | ✅ 2/2 |"
    );

    let failures = md_section(&md, "Failures").join("\n");
    assert!(
        failures.contains(
            "**auth-service-outage** › step 2 “alice publishes after the service is restored” \
             (scenarios/auth-service-outage.yaml:23) — **roundtrip**: expected `allow`, got \
             `deny(backend_timeout)` — no answer within 2s"
        ),
        "{failures}"
    );
    let items = md_section(&md, "Failures")
        .iter()
        .filter(|l| l.starts_with("- "))
        .count();
    assert_eq!(items, 1, "only the one failure: {failures}");

    let diffs = md_section(&md, "Where the modes differ").join("\n");
    assert!(diffs.contains("sees the revocation at once"), "{diffs}");
    assert!(
        diffs.contains("jwt `allow` · roundtrip `deny(revoked)` · file `allow`"),
        "{diffs}"
    );
    assert!(md_section(&md, "What each mode can express").contains(&"| rooms | ✔ | ✔ | ✘ |"));
    assert!(
        md_section(&md, "Decision latency (µs)")
            .iter()
            .any(|l| l.starts_with("| file | 1200 |"))
    );
    assert!(md.contains("## Machine"));
}

#[test]
fn a_passing_run_says_so() {
    let runs = vec![common::revocation(), common::rooms()];
    let r = Report::build(&runs, &RunOptions::default());
    assert!(r.passed());
    let md = r.to_markdown();
    assert!(md.contains("**✅ All 18 expectations held**"), "{md}");
    assert!(!md.contains("## Failures"));
    assert!(r.to_html().contains("✔ All 18 expectations held"));
}

#[test]
fn html_is_self_contained_and_colour_coded() {
    let html = sample().to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["<script", "<link", "src=", "@import", "url(", "https://"] {
        assert!(
            !html.contains(forbidden),
            "HTML must not load anything: found {forbidden}"
        );
    }
    // The failed cell is outlined and says what was expected.
    assert!(
        html.contains("<td class=\"o deny fail\""),
        "failed cell class"
    );
    assert!(html.contains("✘ expected allow"));
    // Outcomes are colour-classed.
    assert!(html.contains("<td class=\"o allow\""));
    assert!(html.contains("<td class=\"o unsupported\""));
    // Both charts are inline SVG.
    assert_eq!(html.matches("<svg ").count(), 2);
    assert!(html.contains("Decision latency percentiles per mode"));
    assert!(html.contains("sees the revocation at once"));
    assert!(html.contains("room-restriction"));
}

#[test]
fn scenario_strings_are_escaped_everywhere() {
    let mut runs = vec![common::revocation()];
    let evil = "<script>alert('x')</script>";
    runs[0].name = format!("{evil} | *bold*");
    runs[0].description = format!("desc {evil}");
    for m in &mut runs[0].modes {
        m.steps[1].name = format!("step {evil}");
        if let authbench_core::outcome::Actual::Deny { detail, .. } = &mut m.steps[1].actual {
            *detail = format!("detail \"{evil}\"");
        }
    }
    let r = Report::build(&runs, &RunOptions::default());

    let html = r.to_html();
    assert!(!html.contains("<script"), "raw <script> in HTML");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; | *bold*"));
    assert!(html.contains("step &lt;script&gt;"));
    assert!(html.contains("detail &quot;&lt;script&gt;"));

    let md = r.to_markdown();
    assert!(!md.contains("<script"), "raw <script> in Markdown");
    assert!(
        md.contains("| &lt;script&gt;alert('x')&lt;/script&gt; \\| \\*bold\\* |"),
        "{md}"
    );

    // JSON keeps the text as it was: escaping is the renderer's job.
    let back = Report::from_json(&r.to_json()).unwrap();
    assert_eq!(back.scenarios[0].name, format!("{evil} | *bold*"));
}

#[test]
fn a_mode_that_could_not_run_is_reported() {
    let mut runs = vec![common::rooms()];
    let file = runs[0]
        .modes
        .iter_mut()
        .find(|m| m.mode == Mode::File)
        .unwrap();
    file.steps.clear();
    file.samples.clear();
    file.error = Some("fixture: cannot write users.htpasswd: permission denied".into());
    let r = Report::build(&runs, &RunOptions::default());
    assert!(!r.passed());
    assert_eq!(r.totals.mode_errors, 1);
    let file_t = r
        .totals
        .modes
        .iter()
        .find(|m| m.mode == Mode::File)
        .unwrap();
    assert_eq!((file_t.errors, file_t.steps), (1, 0));
    let file_lat = r.latency.iter().find(|l| l.mode == Mode::File).unwrap();
    assert_eq!((file_lat.count, file_lat.summary.is_none()), (0, true));
    // The step with file mode's unsupported outcome no longer differs for file.
    assert!(
        r.differences
            .iter()
            .all(|d| d.outcomes.iter().all(|o| o.mode != Mode::File))
    );

    let md = r.to_markdown();
    assert!(
        md.contains("**file** could not run: fixture: cannot write users.htpasswd"),
        "{md}"
    );
    assert!(
        md.contains("| room-restriction | ✅ 3/3 | ✅ 3/3 | ❌ could not run |"),
        "{md}"
    );
    let html = r.to_html();
    assert!(html.contains("file could not run: fixture: cannot write users.htpasswd"));
    assert!(html.contains("<td class=\"o none\">not run</td>"));
    let table = r.summary_table();
    assert!(table.contains("ERROR"), "{table}");
}

#[test]
fn summary_table_for_the_terminal() {
    let table = sample().summary_table();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["scenario", "jwt", "roundtrip", "file"]
    );
    assert_eq!(lines.len(), 1 + 3 + 1 + 1 + 1, "{table}");
    assert_eq!(
        lines[3].split_whitespace().collect::<Vec<_>>(),
        ["auth-service-outage", "2/2", "1/2", "FAIL", "2/2"]
    );
    assert_eq!(
        lines[5].split_whitespace().collect::<Vec<_>>(),
        ["total", "8/8", "7/8", "FAIL", "8/8"]
    );
    assert_eq!(
        lines[6],
        "3 scenarios, 8 steps, 24 expectations: 23 held, 1 failed"
    );
    // Columns line up: every mode column starts at the same offset.
    let col = lines[0].find("roundtrip").unwrap();
    assert_eq!(lines[1].chars().nth(col - 1), Some(' '));
    assert!(lines[1][col..].starts_with("3/3"), "{table}");
}

#[test]
fn write_all_writes_three_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/out");
    let r = sample();
    r.write_all(&out).unwrap();
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert_eq!(Report::from_json(&json).unwrap(), r);
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        r.to_markdown()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        r.to_html()
    );
}

/// Leaves the sample report in the target dir for `scripts/screenshot-report.sh` to look at.
#[test]
fn sample_report_for_screenshots() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("authbench-report-sample");
    sample().write_all(&dir).unwrap();
    assert!(dir.join("report.html").is_file());
}

#[test]
fn a_load_report_renders_its_tables_and_charts() {
    let mut r = Report::build(
        &[],
        &RunOptions {
            quick: false,
            modes: vec![Mode::Jwt, Mode::Roundtrip],
        },
    );
    r.load = Some(common::load_section());
    let html = r.to_html();
    assert!(html.contains("<title>authbench load report</title>"));
    // Load percentiles, throughput against concurrency, one storm timeline.
    assert_eq!(html.matches("<svg ").count(), 3, "{html}");
    assert!(html.contains("references dashed"));
    assert!(html.contains("stroke-dasharray=\"6 4\""));
    assert!(html.contains("Throughput against concurrency per mode"));
    assert!(html.contains("roundtrip join storm: 2000 subscribers within 1 s"));
    assert!(
        html.contains("generated: 64 identities &lt;b&gt;"),
        "workload text is escaped"
    );
    assert!(
        !html.contains("Behaviour matrix"),
        "no scenario sections in a load-only report"
    );
    assert!(html.contains("✔ All 1 self-checks held"));
    let md = r.to_markdown();
    assert!(md.starts_with("# authbench load report"));
    let steady = md_section(&md, "Under load");
    assert!(
        steady.iter().any(|l| l.starts_with("| jwt | 20k | 20k | ")),
        "{md}"
    );
    assert!(md.contains("1.10×"));
    assert!(
        md.contains("roundtrip** › wrong password: expected `deny(bad_password)`"),
        "{md}"
    );
    assert!(md.contains("| roundtrip | 2000 | 1 s | 1.20 s |"));
    assert!(md.contains("**41k/s** within p99 ≤ 5000 µs"));
    // A scenario report with a load section shows both.
    let mut both = sample();
    both.load = Some(common::load_section());
    let html = both.to_html();
    assert!(html.contains("Behaviour matrix") && html.contains("id=\"load\""));
    assert_eq!(html.matches("<svg ").count(), 5);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("authbench-load-sample");
    r.write_all(&dir).unwrap();
}

#[test]
fn a_scenario_s_own_why_replaces_the_derived_explanation() {
    let mut run = common::revocation();
    for mode in &mut run.modes {
        for step in &mut mode.steps {
            step.why = Some("the scenario's own words".to_owned());
        }
    }
    let report = Report::build(&[run], &RunOptions::default());
    assert!(!report.differences.is_empty());
    for d in &report.differences {
        assert_eq!(d.explanation, "the scenario's own words");
    }
    assert!(report.to_markdown().contains("the scenario's own words"));
}
