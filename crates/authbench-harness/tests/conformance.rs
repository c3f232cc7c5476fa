//! The conformance suite: every scenario in `scenarios/`, against every mode it runs, each step a
//! test named `scenario::step::mode`, so a failure names the exact step.
//!
//! All scenarios run first (concurrently, each mode in its own world with its own clock); the trials
//! then report the outcomes. `cargo test --test conformance -- revocation` filters as usual.

use std::process::ExitCode;

use authbench_harness::runner::{self, run_scenario};
use authbench_scenario::Mode;
use authbench_scenario::library;
use authbench_scenario::outcome::ScenarioRun;
use libtest_mimic::{Arguments, Failed, Trial};

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let scenarios = match library::load_library() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}\n{}", e.snippet);
            return ExitCode::FAILURE;
        }
    };
    let runs: Vec<ScenarioRun> = if args.list {
        Vec::new()
    } else {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for (i, loaded) in scenarios.into_iter().enumerate() {
                set.spawn(async move { (i, run_scenario(&loaded, &Mode::ALL).await) });
            }
            let mut runs: Vec<(usize, ScenarioRun)> = set.join_all().await;
            runs.sort_by_key(|(i, _)| *i);
            runs.into_iter().map(|(_, r)| r).collect()
        })
    };
    let mut trials = Vec::new();
    for run in runs {
        for mode in &run.modes {
            let label = format!("{}::setup::{}", run.name, mode.mode);
            let error = mode.error.clone();
            trials.push(Trial::test(label, move || match error {
                Some(e) => Err(Failed::from(e)),
                None => Ok(()),
            }));
            for step in &mode.steps {
                let label = format!(
                    "{}::{:02}-{}::{}",
                    run.name,
                    step.index + 1,
                    runner::slug(&step.name),
                    mode.mode
                );
                let step = step.clone();
                let source = run.source.clone();
                trials.push(Trial::test(label, move || {
                    if step.passed {
                        Ok(())
                    } else if step.actual.meets(step.expected) {
                        Err(Failed::from(format!(
                            "{source}:{}: `{}` expected {} auth-service requests, the service received {}",
                            step.line,
                            step.name,
                            step.expected_service_calls.unwrap_or_default(),
                            step.service_calls.unwrap_or_default(),
                        )))
                    } else {
                        Err(Failed::from(format!(
                            "{source}:{}: `{}` expected {}, got {} ({})",
                            step.line,
                            step.name,
                            step.expected.label(),
                            step.actual.label(),
                            detail(&step.actual),
                        )))
                    }
                }));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

fn detail(actual: &authbench_scenario::outcome::Actual) -> String {
    use authbench_scenario::outcome::Actual;
    match actual {
        Actual::Allow { principal } => format!("principal {principal}"),
        Actual::Deny { detail, .. } => detail.clone(),
        Actual::Unsupported { missing, would } => format!("missing {missing:?}, would {would}"),
        Actual::Skipped { reason } => reason.clone(),
    }
}
