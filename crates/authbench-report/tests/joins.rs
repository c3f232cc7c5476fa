//! A media server's time to verdict (schema 2.3): one entry per column and transport with joins,
//! admitted and refused joins beside the same joins at a reference with authentication off, in
//! report.json, Markdown and HTML; absent everywhere when no media server was asked.

#![allow(clippy::unwrap_used)]

mod common;

use authbench_core::Mode;
use authbench_core::outcome::{JoinTimes, ScenarioRun};
use authbench_report::{JoinLatency, Report, RunOptions};
use serde_json::{Value, json};

fn build(runs: &[ScenarioRun]) -> Report {
    Report::build(
        runs,
        &RunOptions {
            quick: false,
            modes: Mode::ALL.to_vec(),
        },
    )
}

fn media() -> Report {
    build(&common::runs_with_media(common::lab_joins()))
}

/// Within the histogram's 0.1 %.
fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= want * 0.001
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

const TITLE: &str = "Time to verdict at the media server";

#[test]
fn joins_are_pooled_per_column_and_transport() {
    let r = media();
    let entries: Vec<(String, &str)> = r
        .joins
        .iter()
        .map(|j| (j.column().label(), j.transport.as_str()))
        .collect();
    assert_eq!(
        entries,
        [
            ("roundtrip @ lab".to_owned(), "rtmp"),
            ("roundtrip @ lab".to_owned(), "whep"),
        ],
        "one entry per transport with joins, in transport order; built-in columns have none"
    );

    let rtmp: &JoinLatency = &r.joins[0];
    assert_eq!(
        (rtmp.admitted.count, rtmp.refused.count, rtmp.open.count),
        (10, 3, 10),
        "both scenarios' joins are merged"
    );
    let p50 = |set: &authbench_report::JoinSet| set.p50_us().unwrap();
    assert!(
        close(p50(&rtmp.admitted), 5000.0),
        "{}",
        p50(&rtmp.admitted)
    );
    assert!(close(p50(&rtmp.refused), 3000.0), "{}", p50(&rtmp.refused));
    assert!(close(p50(&rtmp.open), 2500.0), "{}", p50(&rtmp.open));
    let admitted = rtmp.admitted.summary.as_ref().unwrap();
    assert_eq!((admitted.min_us, admitted.max_us), (1000.0, 10_000.0));
    assert!(close(admitted.p90_us, 9000.0), "{}", admitted.p90_us);
    let open = rtmp.open.summary.as_ref().unwrap();
    assert_eq!((open.min_us, open.max_us), (500.0, 5000.0));

    let adds = rtmp.auth_adds_p50_us.unwrap();
    assert!(close(adds, 2500.0), "adds {adds}");
    let want = ((p50(&rtmp.admitted) - p50(&rtmp.open)) * 1e3).round() / 1e3;
    assert_eq!(adds, want, "the difference of the two medians");
    assert_eq!(rtmp.auth_ratio_p50, Some(2.0));
    assert_eq!(
        (rtmp.open_failed, rtmp.open_failure.as_deref()),
        (1, Some(common::OPEN_FAILURE))
    );

    let whep = &r.joins[1];
    assert_eq!(
        (whep.admitted.count, whep.refused.count, whep.open.count),
        (1, 0, 0)
    );
    assert_eq!(whep.admitted.p50_us(), Some(3000.0));
    assert!(whep.refused.summary.is_none() && whep.open.summary.is_none());
    assert_eq!((whep.auth_adds_p50_us, whep.auth_ratio_p50), (None, None));
    assert_eq!((whep.open_failed, whep.open_failure.as_deref()), (0, None));
}

#[test]
fn report_json_holds_the_joins_and_reads_back() {
    let r = media();
    let text = r.to_json();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], json!("2.4"));
    let rtmp = &v["joins"][0];
    assert_eq!(rtmp["mode"], json!("roundtrip"));
    assert_eq!(rtmp["target"], json!("lab"));
    assert_eq!(rtmp["transport"], json!("rtmp"));
    assert_eq!(rtmp["admitted"]["count"], json!(10));
    assert_eq!(rtmp["refused"]["count"], json!(3));
    assert_eq!(rtmp["open"]["count"], json!(10));
    let num = |v: &Value| v.as_f64().unwrap();
    assert!(close(num(&rtmp["admitted"]["summary"]["p50_us"]), 5000.0));
    assert!(close(num(&rtmp["refused"]["summary"]["p50_us"]), 3000.0));
    assert!(close(num(&rtmp["open"]["summary"]["p50_us"]), 2500.0));
    assert!(close(num(&rtmp["auth_adds_p50_us"]), 2500.0));
    assert_eq!(rtmp["auth_ratio_p50"], json!(2.0));
    assert_eq!(rtmp["open_failed"], json!(1));
    assert_eq!(rtmp["open_failure"], json!(common::OPEN_FAILURE));

    let whep = &v["joins"][1];
    assert_eq!(whep["transport"], json!("whep"));
    assert_eq!(whep["open"], json!({"count": 0, "summary": null}));
    assert_eq!(whep["auth_adds_p50_us"], Value::Null);
    assert_eq!(whep["auth_ratio_p50"], Value::Null);
    assert!(whep.get("open_failure").is_none());

    assert_eq!(Report::from_json(&text).unwrap(), r);
}

#[test]
fn markdown_shows_the_section_with_its_figures() {
    let md = media().to_markdown();
    let section = md_section(&md, TITLE);
    assert!(!section.is_empty(), "no section in\n{md}");
    assert!(
        section[0].starts_with("Time from opening the connection to the media server's verdict")
            && section[0].contains("closing the session not included")
            && section[0].contains("the same join without credentials")
            && section[0].contains("with authentication off"),
        "{}",
        section[0]
    );
    let rows: Vec<&str> = section
        .iter()
        .copied()
        .filter(|l| l.starts_with('|'))
        .collect();
    assert_eq!(
        rows,
        [
            "| column | transport | admitted | p50 | p90 | refused | p50 | p90 | open reference \
             | p50 | p90 | authentication adds |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
            "| roundtrip @ lab | rtmp | 10 | 5 ms | 9 ms | 3 | 3 ms | 4 ms | 10 | 2.5 ms | 4.5 ms \
             | +2.5 ms (×2.00) |",
            "| roundtrip @ lab | whep | 1 | 3 ms | 3 ms | 0 | – | – | 0 | – | – \
             | no reference given |",
        ]
    );
    let failures: Vec<&str> = section
        .iter()
        .copied()
        .filter(|l| l.starts_with("- "))
        .collect();
    assert_eq!(
        failures,
        [
            "- **roundtrip @ lab** rtmp: 1 reference join was not admitted (it measures no \
             join); the first: `deny(server_refused): the reference answered 404 \"no stream\"`"
        ]
    );
    // After the decision latency, before the machine.
    let at = |title: &str| md.find(&format!("## {title}")).unwrap();
    assert!(at("Decision latency (µs)") < at(TITLE) && at(TITLE) < at("Machine"));
}

#[test]
fn html_shows_the_section_with_its_figures() {
    let html = media().to_html();
    let start = html
        .find("<section id=\"joins\">")
        .expect("no joins section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("<h2>Time to verdict at the media server</h2>"));
    assert!(section.contains("with authentication off"), "{section}");
    for cell in [
        "<td class=\"lab\">rtmp</td><td class=\"num\">10</td><td class=\"num\">5 ms</td>\
         <td class=\"num\">9 ms</td><td class=\"num\">3</td><td class=\"num\">3 ms</td>\
         <td class=\"num\">4 ms</td><td class=\"num\">10</td><td class=\"num\">2.5 ms</td>\
         <td class=\"num\">4.5 ms</td><td>+2.5 ms (×2.00)</td>",
        "<td class=\"lab\">whep</td><td class=\"num\">1</td><td class=\"num\">3 ms</td>\
         <td class=\"num\">3 ms</td><td class=\"num\">0</td><td class=\"num\">–</td>\
         <td class=\"num\">–</td><td class=\"num\">0</td><td class=\"num\">–</td>\
         <td class=\"num\">–</td><td>no reference given</td>",
        "<b>roundtrip @ lab</b> rtmp: 1 reference join was not admitted (it measures no join); \
         the first: <code>deny(server_refused): the reference answered 404 &quot;no \
         stream&quot;</code>",
    ] {
        assert!(section.contains(cell), "missing {cell}\nin {section}");
    }
    assert!(html.contains("<a href=\"#joins\">Time to verdict</a>"));
}

#[test]
fn without_a_reference_the_section_says_so() {
    let only_whep = |joins: Vec<JoinTimes>| -> Vec<JoinTimes> {
        joins
            .into_iter()
            .filter(|j| j.transport == authbench_core::Transport::Whep)
            .collect()
    };
    let [first, second] = common::lab_joins();
    let r = build(&common::runs_with_media([
        only_whep(first),
        only_whep(second),
    ]));
    assert_eq!(r.joins.len(), 1);
    let md = r.to_markdown();
    let intro = md_section(&md, TITLE)[0];
    assert!(
        intro.contains("no reference given (`media.reference` in the target file"),
        "{intro}"
    );
    assert!(
        r.to_html()
            .contains("no reference given (<code>media.reference</code> in the target file")
    );
}

#[test]
fn a_run_without_joins_has_no_section() {
    for r in [
        build(&common::runs()),
        build(&common::runs_with_target()),
        build(&common::runs_with_media([Vec::new(), Vec::new()])),
    ] {
        assert!(r.joins.is_empty());
        let v: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert!(
            v.get("joins").is_none(),
            "an empty joins section is left out"
        );
        assert!(!r.to_markdown().contains(TITLE));
        let html = r.to_html();
        assert!(!html.contains(TITLE) && !html.contains("#joins"));
    }
}

#[test]
fn a_2_2_report_without_joins_still_reads() {
    let mut v: Value = serde_json::from_str(&media().to_json()).unwrap();
    v["schema_version"] = json!("2.2");
    v.as_object_mut().unwrap().remove("joins");
    let r = Report::from_json(&v.to_string()).unwrap();
    assert_eq!(r.schema_version, "2.2");
    assert!(r.joins.is_empty());
    assert!(!r.to_markdown().contains(TITLE));
}
