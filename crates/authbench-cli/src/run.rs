//! `authbench run`: scenarios against every mode, the comparison report, a summary table.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use authbench_harness::runner;
use authbench_report::{Report, RunOptions};
use authbench_scenario::Mode;
use authbench_scenario::library;
use authbench_scenario::load::{self, LoadedScenario};
use authbench_scenario::outcome::ScenarioRun;

use crate::args::RunArgs;
use crate::{CliError, EXIT_DENY, print_out};

pub(crate) async fn run(args: RunArgs) -> Result<u8, CliError> {
    let scenarios = load_scenarios(&args.paths)?;
    let scenarios: Vec<LoadedScenario> = if args.quick {
        scenarios
            .into_iter()
            .filter(|s| !s.scenario.heavy)
            .collect()
    } else {
        scenarios
    };
    if scenarios.is_empty() {
        return Err(CliError::Usage("no scenarios to run".into()));
    }
    let modes = args.modes.clone().unwrap_or_else(|| Mode::ALL.to_vec());
    let runs = run_all(scenarios, &modes).await;
    let report = Report::build(
        &runs,
        &RunOptions {
            quick: args.quick,
            modes,
        },
    );
    report
        .write_all(&args.out)
        .map_err(|source| CliError::WriteReport {
            dir: args.out.clone(),
            source,
        })?;
    print_out(&report.summary_table())?;
    print_out(&format!(
        "report: {0}/report.md, {0}/report.html, {0}/report.json",
        args.out.display()
    ))?;
    Ok(if report.passed() { 0 } else { EXIT_DENY })
}

/// The shipped library when no path is given; otherwise the files and folders named.
pub(crate) fn load_scenarios(paths: &[PathBuf]) -> Result<Vec<LoadedScenario>, CliError> {
    if paths.is_empty() {
        return Ok(library::load_library()?);
    }
    let files = load::collect_paths(paths)?;
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        match load::load_file(file) {
            Ok(s) => loaded.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Scenarios(errors));
    }
    if loaded.is_empty() {
        return Err(CliError::Usage(
            "no .yaml scenario files in the paths given".into(),
        ));
    }
    Ok(loaded)
}

/// Runs the scenarios one after another, printing a line per scenario on stderr. One at a time,
/// so the latency each decision records is not another scenario's contention for the CPU.
async fn run_all(scenarios: Vec<LoadedScenario>, modes: &[Mode]) -> Vec<ScenarioRun> {
    let total = scenarios.len();
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut done = Vec::with_capacity(total);
    for (i, loaded) in scenarios.into_iter().enumerate() {
        let modes = modes.to_vec();
        let name = loaded.name.clone();
        // Its own task, so a bug that panics in one scenario leaves the others' results.
        let Ok(run) =
            tokio::spawn(async move { runner::run_scenario(&loaded, &modes).await }).await
        else {
            eprintln!("authbench: scenario {name} panicked; its results are missing");
            continue;
        };
        let marks: Vec<String> = run
            .modes
            .iter()
            .map(|m| {
                let failed = m.steps.iter().filter(|s| !s.passed).count();
                let mark = match (&m.error, failed) {
                    (Some(_), _) => "error".to_owned(),
                    (None, 0) => "ok".to_owned(),
                    (None, n) => format!("{n} failed"),
                };
                format!("{} {mark}", m.mode)
            })
            .collect();
        let line = format!(
            "[{:>2}/{total}] {:<32} {}  ({:.1}s)",
            i + 1,
            run.name,
            marks.join(", "),
            started.elapsed().as_secs_f64()
        );
        if tty {
            eprintln!("\x1b[2K{line}");
        } else {
            eprintln!("{line}");
        }
        done.push(run);
    }
    done
}
