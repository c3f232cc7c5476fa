//! `authbench run`: scenarios against every mode, the comparison report, a summary table.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use authbench_harness::runner;
use authbench_harness::target::{MediaWorlds, TargetWorlds};
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
    // Scenarios about a deployment the built-in world does not have run only against a target.
    let (scenarios, target_only): (Vec<LoadedScenario>, Vec<LoadedScenario>) = scenarios
        .into_iter()
        .partition(|s| args.target.is_some() || !s.scenario.target_only);
    let not_run = target_only
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if scenarios.is_empty() && !target_only.is_empty() {
        return Err(CliError::Usage(format!(
            "{not_run}: runs only against your deployment: give --target FILE"
        )));
    }
    if scenarios.is_empty() {
        return Err(CliError::Usage("no scenarios to run".into()));
    }
    if !target_only.is_empty() {
        eprintln!(
            "authbench: not run without --target FILE (they need your deployment): {not_run}"
        );
    }
    let target = match &args.target {
        Some(file) => Some(Arc::new(TargetWorlds::new(authbench_target::load(file)?)?)),
        None => None,
    };
    let media = target.as_ref().and_then(|t| t.media()).map(Arc::new);
    // The modes the target runs: those it has a section for, and the one its media server is
    // judged as.
    let target_modes = |target: &TargetWorlds| -> Vec<Mode> {
        let media = media.as_ref().map(|m| m.mode());
        Mode::ALL
            .into_iter()
            .filter(|m| target.modes().contains(m) || media == Some(*m))
            .collect()
    };
    let modes = match (&args.modes, &target) {
        (Some(modes), _) => modes.clone(),
        (None, Some(target)) => target_modes(target),
        (None, None) => Mode::ALL.to_vec(),
    };
    if let Some(target) = &target
        && !modes.iter().any(|m| target_modes(target).contains(m))
    {
        return Err(CliError::Usage(format!(
            "{} has no section for the modes asked for ({})",
            target.target().file().display(),
            modes
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let plan = Plan {
        modes,
        target,
        media,
        builtin: args.target.is_none() || args.with_builtin,
    };
    let runs = run_all(scenarios, &plan).await;
    let report = Report::build(
        &runs,
        &RunOptions {
            quick: args.quick,
            modes: plan.modes.clone(),
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

/// What a run is aimed at: the built-in world, a target (and its media server), or both side by
/// side.
struct Plan {
    modes: Vec<Mode>,
    target: Option<Arc<TargetWorlds>>,
    media: Option<Arc<MediaWorlds>>,
    builtin: bool,
}

impl Plan {
    /// One scenario in every world of the plan: the built-in modes first, then the target's,
    /// then its media server's.
    async fn run(&self, loaded: &LoadedScenario) -> ScenarioRun {
        let Some(target) = &self.target else {
            return runner::run_scenario(loaded, &self.modes).await;
        };
        let mut run = runner::run_scenario_in(target.as_ref(), loaded, &self.modes).await;
        if let Some(media) = &self.media {
            let mut media = runner::run_scenario_in(media.as_ref(), loaded, &self.modes).await;
            run.modes.append(&mut media.modes);
        }
        if self.builtin {
            let mut modes = runner::run_scenario(loaded, &self.modes).await.modes;
            modes.append(&mut run.modes);
            run.modes = modes;
        }
        run
    }
}

/// Runs the scenarios one after another, printing a line per scenario on stderr. One at a time,
/// so the latency each decision records is not another scenario's contention for the CPU.
async fn run_all(scenarios: Vec<LoadedScenario>, plan: &Plan) -> Vec<ScenarioRun> {
    let total = scenarios.len();
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut done = Vec::with_capacity(total);
    let plan = Arc::new(Plan {
        modes: plan.modes.clone(),
        target: plan.target.clone(),
        media: plan.media.clone(),
        builtin: plan.builtin,
    });
    for (i, loaded) in scenarios.into_iter().enumerate() {
        let plan = plan.clone();
        let name = loaded.name.clone();
        // Its own task, so a bug that panics in one scenario leaves the others' results.
        let Ok(run) = tokio::spawn(async move { plan.run(&loaded).await }).await else {
            eprintln!("authbench: scenario {name} panicked; its results are missing");
            continue;
        };
        let marks: Vec<String> = run
            .modes
            .iter()
            .map(|m| {
                let failed = m.steps.iter().filter(|s| s.failed()).count();
                let mut mark = match (&m.error, failed) {
                    (Some(_), _) => "error".to_owned(),
                    (None, 0) => "ok".to_owned(),
                    (None, n) => format!("{n} failed"),
                };
                let skipped = m.skipped();
                if skipped > 0 {
                    mark.push_str(&format!(" ({skipped} skipped)"));
                }
                match &m.target {
                    Some(t) => format!("{} @ {} {mark}", m.mode, t.name),
                    None => format!("{} {mark}", m.mode),
                }
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
