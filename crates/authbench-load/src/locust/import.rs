//! `authbench import locust DIR`: a Locust run's `--csv` files as a report's `load` section.
//!
//! Read from `DIR`: `PREFIX_authbench.json` (the plan the exported locustfile wrote at the end of
//! the run: rate, users, cases, and per-batch figures from Locust's buckets), and Locust's
//! `PREFIX_stats.csv` (per case and outcome, and the aggregate), `PREFIX_stats_history.csv`
//! (checked: the run had its planned users) and `PREFIX_failures.csv` (checked against the error
//! outcomes).
//!
//! The figures are Locust's, and not measured the way `authbench bench` measures: each Locust
//! user is a closed loop (it sends when its previous answer came and its pacing allows), latency
//! runs from the send (queueing before it is not counted), and percentiles come from Locust's
//! buckets (whole milliseconds below 100 ms, 10 ms steps up to 1 s). The section says so in its
//! `workload` and each entry's `path`, so a reader never takes them for open-loop figures.

use std::path::{Path, PathBuf};

use authbench_core::Mode;
use authbench_report::{
    BatchStats, CaseBehaviour, LatencyStats, LoadOptions, LoadSection, ModeLoad, Noise,
    OutcomeCount, PercentilePoint,
};
use serde::Deserialize;

use super::ImportError;
use super::csv::{Row, Table};
use crate::engine::rel_sd;

/// Largest file read (Locust's CSVs of a long run with full history stay far below).
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// The plan the locustfile wrote beside the CSVs.
#[derive(Debug, Deserialize)]
struct Plan {
    locust_version: String,
    #[serde(default)]
    target: Option<String>,
    workload: String,
    path: String,
    protocol: String,
    rate: f64,
    duration_s: f64,
    users: u32,
    cases: Vec<PlanCase>,
    #[serde(default)]
    workers: u32,
    #[serde(default)]
    batches: Vec<PlanBatch>,
}

#[derive(Debug, Deserialize)]
struct PlanCase {
    name: String,
    expected: String,
}

#[derive(Debug, Deserialize)]
struct PlanBatch {
    requests: u64,
    p50_ms: f64,
    p99_ms: f64,
}

/// The percentile columns of Locust's stats, and the percentile each is.
const PERCENTILES: [(&str, f64); 11] = [
    ("50%", 50.0),
    ("66%", 66.0),
    ("75%", 75.0),
    ("80%", 80.0),
    ("90%", 90.0),
    ("95%", 95.0),
    ("98%", 98.0),
    ("99%", 99.0),
    ("99.9%", 99.9),
    ("99.99%", 99.99),
    ("100%", 100.0),
];

const STATS_COLUMNS: [&str; 8] = [
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Average Response Time",
    "Min Response Time",
    "Max Response Time",
    "Requests/s",
];
const HISTORY_COLUMNS: [&str; 5] = [
    "Timestamp",
    "User Count",
    "Name",
    "Total Request Count",
    "Type",
];
const FAILURE_COLUMNS: [&str; 4] = ["Method", "Name", "Error", "Occurrences"];

fn read(path: &Path) -> Result<String, ImportError> {
    let io = |source| ImportError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_FILE {
        return Err(ImportError::malformed(
            path,
            1,
            format!("{} bytes: larger than {MAX_FILE}", meta.len()),
        ));
    }
    std::fs::read_to_string(path).map_err(io)
}

/// The `PREFIX` of the run in `dir`: the one `PREFIX_authbench.json` there.
fn prefix(dir: &Path) -> Result<PathBuf, ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ImportError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(p) = name.strip_suffix("_authbench.json") {
            found.push(dir.join(p));
        }
    }
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ImportError::Missing {
            dir: dir.to_owned(),
            what: "no PREFIX_authbench.json: run the locustfile of `authbench export locust` with \
                   `--csv DIR/PREFIX` (the master writes it when the run ends)"
                .into(),
        }),
        n => Err(ImportError::Missing {
            dir: dir.to_owned(),
            what: format!("{n} runs (*_authbench.json): give a folder with one"),
        }),
    }
}

/// `allow`, `deny(REASON)` or `error(KIND)` from a Locust request name.
fn outcome(name: &str) -> Option<String> {
    let code_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if name == "allow" {
        return Some("allow".into());
    }
    if let Some(r) = name.strip_prefix("deny:").filter(|r| code_ok(r)) {
        return Some(format!("deny({r})"));
    }
    name.strip_prefix("error:")
        .filter(|k| code_ok(k))
        .map(|k| format!("error({k})"))
}

fn ms(v: f64) -> f64 {
    v * 1000.0
}

/// Latency from the aggregate row: Locust's percentiles in milliseconds, as microseconds.
fn latency(stats: &Table, row: &Row) -> Result<LatencyStats, ImportError> {
    let mut curve = Vec::with_capacity(PERCENTILES.len());
    for (col, p) in PERCENTILES {
        let v = stats.required(row, col)?;
        curve.push(PercentilePoint {
            percentile: p,
            latency_us: ms(v),
        });
    }
    // Locust's 100% is bucketed; its max is exact.
    let max = ms(stats.required(row, "Max Response Time")?);
    if let Some(last) = curve.last_mut() {
        last.latency_us = max;
    }
    let at = |p: f64| {
        curve
            .iter()
            .find(|c| (c.percentile - p).abs() < 1e-9)
            .map_or(0.0, |c| c.latency_us)
    };
    let (p50_us, p90_us, p99_us, p99_9_us) = (at(50.0), at(90.0), at(99.0), at(99.9));
    Ok(LatencyStats {
        min_us: ms(stats.required(row, "Min Response Time")?),
        p50_us,
        p90_us,
        p99_us,
        p99_9_us,
        max_us: max,
        mean_us: ms(stats.required(row, "Average Response Time")?),
        curve,
    })
}

/// The most users the run had at once, from the history's aggregate rows.
fn peak_users(history: &Table) -> Result<u64, ImportError> {
    let mut peak = 0;
    for row in &history.rows {
        if history.text(row, "Name")? == "Aggregated" {
            peak = peak.max(history.count(row, "User Count")?);
        }
    }
    Ok(peak)
}

/// Reads the Locust run in `dir` into a load section.
///
/// # Errors
///
/// [`ImportError`] naming the file (and line) that is missing, unreadable or not what the
/// exported locustfile and Locust write.
pub fn import(dir: &Path) -> Result<LoadSection, ImportError> {
    let prefix = prefix(dir)?;
    let file = |suffix: &str| {
        let mut p = prefix.clone().into_os_string();
        p.push(suffix);
        PathBuf::from(p)
    };
    let plan_path = file("_authbench.json");
    let plan: Plan = serde_json::from_str(&read(&plan_path)?)
        .map_err(|e| ImportError::malformed(&plan_path, e.line().max(1), e.to_string()))?;
    if !(plan.rate.is_finite() && plan.rate > 0.0 && plan.duration_s.is_finite() && plan.users > 0)
    {
        return Err(ImportError::malformed(
            &plan_path,
            1,
            "rate, duration_s and users must be above 0",
        ));
    }
    let stats_path = file("_stats.csv");
    let stats = Table::parse(&stats_path, &read(&stats_path)?, &STATS_COLUMNS)?;
    for (col, _) in PERCENTILES {
        if !stats.rows.is_empty() {
            // Checked on the first row: every row has the header's columns.
            stats.text(&stats.rows[0], col)?;
        }
    }
    let history_path = file("_stats_history.csv");
    let history = Table::parse(&history_path, &read(&history_path)?, &HISTORY_COLUMNS)?;
    let failures_path = file("_failures.csv");
    let failures = Table::parse(&failures_path, &read(&failures_path)?, &FAILURE_COLUMNS)?;

    let mut aggregate = None;
    let mut behaviour: Vec<CaseBehaviour> = plan
        .cases
        .iter()
        .map(|c| CaseBehaviour {
            case: c.name.clone(),
            expected: c.expected.clone(),
            outcomes: Vec::new(),
        })
        .collect();
    let mut error_count = 0;
    for row in &stats.rows {
        let (kind, name) = (stats.text(row, "Type")?, stats.text(row, "Name")?);
        if name == "Aggregated" && kind.is_empty() {
            aggregate = Some(row);
            continue;
        }
        let Some(case) = behaviour.iter_mut().find(|c| c.case == kind) else {
            return Err(ImportError::malformed(
                &stats_path,
                row.line,
                format!("request type `{kind}` is not a case of the plan"),
            ));
        };
        let Some(outcome) = outcome(name) else {
            return Err(ImportError::malformed(
                &stats_path,
                row.line,
                format!("request name `{name}` is not allow, deny:REASON or error:KIND"),
            ));
        };
        let count = stats.count(row, "Request Count")?;
        if outcome.starts_with("error(") {
            // Saturating: a crafted file's counts must not overflow (and then fail the check below).
            error_count = u64::saturating_add(error_count, stats.count(row, "Failure Count")?);
        }
        if count > 0 {
            case.outcomes.push(OutcomeCount { outcome, count });
        }
    }
    let Some(aggregate) = aggregate else {
        return Err(ImportError::malformed(
            &stats_path,
            stats.rows.last().map_or(2, |r| r.line + 1),
            "no Aggregated row",
        ));
    };
    let requests = stats.count(aggregate, "Request Count")?;
    if requests == 0 {
        return Err(ImportError::malformed(
            &stats_path,
            aggregate.line,
            "no request was made",
        ));
    }
    // Locust counts a failure once per (type, name, error): they must add up to the error
    // outcomes, or something other than the exported locustfile recorded requests.
    let mut failed = 0;
    for row in &failures.rows {
        let name = failures.text(row, "Name")?;
        if !name.starts_with("error:") {
            return Err(ImportError::malformed(
                &failures_path,
                row.line,
                format!("a failure named `{name}`: only error:KIND requests fail"),
            ));
        }
        failed = u64::saturating_add(failed, failures.count(row, "Occurrences")?);
    }
    if failed != error_count {
        return Err(ImportError::malformed(
            &failures_path,
            1,
            format!("{failed} failures listed, the stats count {error_count} errors"),
        ));
    }
    for case in &mut behaviour {
        case.outcomes
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.outcome.cmp(&b.outcome)));
    }
    behaviour.retain(|c| !c.outcomes.is_empty());

    // A run that never had its planned users measured another load than the plan says.
    let peak = peak_users(&history)?;
    if peak < u64::from(plan.users) {
        return Err(ImportError::malformed(
            &history_path,
            history.rows.last().map_or(1, |r| r.line),
            format!(
                "the run never had its {} users (at most {peak}): a worker missing or the run \
                 cut short",
                plan.users
            ),
        ));
    }
    let latency = latency(&stats, aggregate)?;
    // Locust's rate over the whole run: every request, from the first to the last (users all
    // start within a tenth of a second). The history's counts move only when workers report,
    // every 3 s, too coarse for a rate.
    let throughput = stats.required(aggregate, "Requests/s")?;
    let batches: Vec<BatchStats> = plan
        .batches
        .iter()
        .map(|b| BatchStats {
            requests: b.requests,
            p50_us: ms(b.p50_ms),
            p99_us: ms(b.p99_ms),
        })
        .collect();
    let noise = Noise {
        p50_rel: rel_sd(batches.iter().map(|b| b.p50_us)),
        p99_rel: rel_sd(batches.iter().map(|b| b.p99_us)),
    };
    let worker_words = match plan.workers {
        0 => "one process".to_owned(),
        1 => "1 worker".to_owned(),
        n => format!("{n} workers"),
    };
    let mode = ModeLoad {
        mode: Mode::Roundtrip,
        target: plan.target.clone(),
        scenario: None,
        path: format!("POST {} ({}), sent by Locust", plan.path, plan.protocol),
        target_rate: plan.rate,
        // A closed loop starts a request only when the previous one was answered: what it
        // offered is what it completed.
        offered_rate: throughput,
        throughput,
        concurrency: plan.users,
        requests,
        latency,
        service_time: None,
        batches: batches.clone(),
        noise,
        reference: None,
        behaviour,
        workers: Some(plan.workers),
    };
    Ok(LoadSection {
        options: LoadOptions {
            duration_s: plan.duration_s,
            warmup_s: 0.0,
            batches: u32::try_from(batches.len()).unwrap_or(u32::MAX),
            workload: plan.workload.clone(),
            injected: Vec::new(),
            measured_by: Some(format!(
                "Locust {} ({worker_words}, {} users): each user is a closed loop paced by \
                 constant_throughput, latency runs from the send (not from an intended start: \
                 queueing before the send is not counted), percentiles come from Locust's \
                 buckets (whole milliseconds below 100 ms); comparable with other Locust runs, \
                 not with open-loop `authbench bench` figures; the machine below is where the \
                 import ran, not the load machines",
                plan.locust_version, plan.users
            )),
        },
        modes: vec![mode],
        sweep: Vec::new(),
        join_storms: Vec::new(),
        capacity: None,
        self_checks: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"{"locust_version": "2.47.0", "target": "vm", "workload": "target vm",
        "path": "/validateCredentials", "protocol": "red5pro", "rate": 500.0, "duration_s": 10.0,
        "users": 100, "workers": 2,
        "cases": [{"name": "valid publish", "expected": "allow"},
                  {"name": "wrong password", "expected": "deny(bad_password)"},
                  {"name": "unknown user", "expected": "deny(unknown_user)"}],
        "batches": [{"requests": 500, "p50_ms": 16, "p99_ms": 40},
                    {"requests": 500, "p50_ms": 20, "p99_ms": 60}]}"#;
    const HEAD: &str = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n";
    const STATS: &str = "valid publish,allow,3000,0,17,22.8,1.34,134.4,35.0,300.0,0.0,17,23,28,31,45,61,77,92,130,130,130\n\
        wrong password,deny:bad_password,1000,0,18,23.1,0.85,135.8,40.0,100.0,0.0,18,23,29,31,46,61,78,99,140,140,140\n\
        unknown user,deny:unknown_user,990,0,17,22.7,1.19,127.3,40.0,99.0,0.0,17,23,28,31,44,63,83,99,130,130,130\n\
        unknown user,error:timeout,10,10,2000,2000.0,2000.0,2000.0,0.0,1.0,1.0,2000,2000,2000,2000,2000,2000,2000,2000,2000,2000,2000\n\
        ,Aggregated,5000,10,17,22.9,0.85,2000.5,36.2,500.0,1.0,17,23,28,31,45,62,78,95,120,140,2000\n";
    const HISTORY: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size\n\
        1000,0,,Aggregated,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0.0,0,0,0\n\
        1001,50,,Aggregated,0,0,29,41,54,58,90,110,110,130,140,140,140,200,0,29,39.2,2.6,135.8,36.25\n\
        1002,100,,Aggregated,400,0,29,41,54,58,90,110,110,130,140,140,140,600,0,29,39.2,2.6,135.8,36.25\n\
        1010,100,,Aggregated,490,0,17,23,28,31,45,62,78,95,120,140,140,4600,10,17,22.9,0.85,2000.5,36.2\n";
    const FAILURES: &str = "Method,Name,Error,Occurrences,First Seen,Last Seen\n\
        unknown user,error:timeout,CatchResponseError('error:timeout'),10,2026-11-30T07:26:47Z,2026-11-30T07:26:57Z\n";

    fn run_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    fn good() -> Vec<(&'static str, String)> {
        vec![
            ("run_authbench.json", PLAN.to_owned()),
            ("run_stats.csv", format!("{HEAD}{STATS}")),
            ("run_stats_history.csv", HISTORY.to_owned()),
            ("run_failures.csv", FAILURES.to_owned()),
        ]
    }

    fn with(replace: &str, text: &str) -> tempfile::TempDir {
        let files: Vec<(&str, String)> = good()
            .into_iter()
            .map(|(n, t)| (n, if n == replace { text.to_owned() } else { t }))
            .collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        run_dir(&refs)
    }

    #[test]
    fn a_run_becomes_a_load_section_marked_as_locusts() {
        let dir = with("", "");
        let load = import(dir.path()).expect("imports");
        assert_eq!(load.modes.len(), 1);
        let m = &load.modes[0];
        assert_eq!(m.label(), "roundtrip @ vm");
        assert_eq!(
            m.path,
            "POST /validateCredentials (red5pro), sent by Locust"
        );
        assert_eq!(
            (m.target_rate, m.concurrency, m.requests),
            (500.0, 100, 5000)
        );
        assert_eq!((m.throughput, m.offered_rate), (500.0, 500.0));
        assert_eq!(m.latency.p50_us, 17_000.0);
        assert_eq!(m.latency.p90_us, 45_000.0);
        assert_eq!(m.latency.p99_us, 95_000.0);
        assert_eq!(m.latency.p99_9_us, 120_000.0);
        assert_eq!(m.latency.max_us, 2_000_500.0);
        assert_eq!(m.latency.min_us, 850.0);
        assert_eq!(m.latency.mean_us, 22_900.0);
        assert_eq!(m.latency.curve.len(), 11);
        assert_eq!(m.latency.curve[10].latency_us, 2_000_500.0);
        assert_eq!(m.service_time, None);
        assert_eq!(m.batches.len(), 2);
        assert_eq!(m.batches[1].p99_us, 60_000.0);
        // Sample standard deviation of 16 and 20 over their mean 18.
        assert!((m.noise.p50_rel - 8.0_f64.sqrt() / 18.0).abs() < 1e-12);
        let cases: Vec<(String, String)> = m
            .behaviour
            .iter()
            .map(|c| (c.case.clone(), c.label()))
            .collect();
        assert_eq!(
            cases,
            [
                ("valid publish".to_owned(), "allow".to_owned()),
                ("wrong password".to_owned(), "deny(bad_password)".to_owned()),
                (
                    "unknown user".to_owned(),
                    "deny(unknown_user) ×990, error(timeout) ×10".to_owned()
                ),
            ]
        );
        assert_eq!(load.options.batches, 2);
        assert_eq!(load.options.workload, "target vm");
        let by = load.options.measured_by.as_deref().unwrap_or_default();
        assert!(
            by.starts_with("Locust 2.47.0 (2 workers, 100 users): each user is a closed loop"),
            "{by}"
        );
        // The count, typed, for programs (the words above are for people).
        assert_eq!(m.workers, Some(2));
    }

    #[test]
    fn malformed_runs_are_refused_naming_file_and_line() {
        let err = |file: &str, text: &str| {
            let dir = with(file, text);
            let e = import(dir.path()).expect_err("refused").to_string();
            e.strip_prefix(&format!("{}/", dir.path().display()))
                .map_or(e.clone(), str::to_owned)
        };
        let bad_count = STATS.replace("3000,0,17", "3k,0,17");
        assert_eq!(
            err("run_stats.csv", &format!("{HEAD}{bad_count}")),
            "run_stats.csv:2: `Request Count` is `3k`, not a count"
        );
        let unknown_case = STATS.replace("valid publish", "valid play");
        assert_eq!(
            err("run_stats.csv", &format!("{HEAD}{unknown_case}")),
            "run_stats.csv:2: request type `valid play` is not a case of the plan"
        );
        let bad_name = STATS.replace(",allow,", ",/validateCredentials,");
        assert_eq!(
            err("run_stats.csv", &format!("{HEAD}{bad_name}")),
            "run_stats.csv:2: request name `/validateCredentials` is not allow, deny:REASON or error:KIND"
        );
        let no_total: String = STATS.lines().take(4).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            err("run_stats.csv", &format!("{HEAD}{no_total}")),
            "run_stats.csv:6: no Aggregated row"
        );
        let na = STATS.replace("2000.5,36.2,500.0,1.0,17", "2000.5,36.2,500.0,1.0,N/A");
        assert_eq!(
            err("run_stats.csv", &format!("{HEAD}{na}")),
            "run_stats.csv:6: `50%` is N/A"
        );
        assert_eq!(
            err(
                "run_failures.csv",
                "Method,Name,Error,Occurrences\nvalid publish,allow,x,3\n"
            ),
            "run_failures.csv:2: a failure named `allow`: only error:KIND requests fail"
        );
        assert_eq!(
            err("run_failures.csv", "Method,Name,Error,Occurrences\n"),
            "run_failures.csv:1: 0 failures listed, the stats count 10 errors"
        );
        assert_eq!(
            err("run_stats_history.csv", "Timestamp,User Count\n"),
            "run_stats_history.csv:1: the header has no `Name` column"
        );
        let short: String = HISTORY.lines().take(3).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            err("run_stats_history.csv", &short),
            "run_stats_history.csv:3: the run never had its 100 users (at most 50): a worker \
             missing or the run cut short"
        );
        assert_eq!(
            err("run_authbench.json", "{\"rate\": 1}"),
            "run_authbench.json:1: missing field `locust_version` at line 1 column 11"
        );
        let dir = run_dir(&[("run_stats.csv", "")]);
        let e = import(dir.path()).expect_err("no plan").to_string();
        assert!(e.contains("no PREFIX_authbench.json"), "{e}");
        let dir = with("", "");
        std::fs::remove_file(dir.path().join("run_failures.csv")).expect("rm");
        let e = import(dir.path())
            .expect_err("no failures file")
            .to_string();
        assert!(e.contains("run_failures.csv: "), "{e}");
    }

    #[test]
    fn request_names_become_outcomes() {
        assert_eq!(outcome("allow").as_deref(), Some("allow"));
        assert_eq!(
            outcome("deny:bad_password").as_deref(),
            Some("deny(bad_password)")
        );
        assert_eq!(
            outcome("error:http_503").as_deref(),
            Some("error(http_503)")
        );
        assert_eq!(outcome("deny:"), None);
        assert_eq!(outcome("deny:Bad Password"), None);
        assert_eq!(outcome("pending"), None);
        assert_eq!(outcome("/validateCredentials"), None);
    }
}
