//! Scenario files as load workloads (`authbench bench PATH…`): per scenario and mode, the
//! runner's own world (`authbench_harness::builtin::BuiltinWorld`, walked by a
//! `authbench_harness::session::Session`) provides the authenticator, and the scenario's request
//! steps the requests, each a case with the step's expected outcome for the mode.
//!
//! A load run repeats requests many times, so only what can be repeated is used: the request
//! steps **before the first event** (a clock advance, a revocation, a password change, a key
//! rotation, a service fault changes what later steps mean), and of those the ones whose
//! expectation for the mode is a decision (`unsupported` steps are left out). A scenario with no
//! such step for a mode is skipped for that mode, and said so.

use std::path::PathBuf;
use std::sync::Arc;

use authbench_harness::builtin::BuiltinWorld;
use authbench_harness::session::{Prepared, Session};
use authbench_scenario::Mode;
use authbench_scenario::load::{self, LoadedScenario};
use authbench_scenario::outcome::Expected;
use authbench_scenario::spec::Step;

use crate::LoadError;
use crate::bench::Env;
use crate::verdict::{Case, Verdict, Workload};
use crate::workload::ModeSetup;

/// Reads the scenario files (or folders of them) in `paths`.
///
/// # Errors
///
/// [`LoadError::Setup`] with the loader's `file:line:column` message.
pub fn load(paths: &[PathBuf]) -> Result<Vec<LoadedScenario>, LoadError> {
    let files = load::collect_paths(paths).map_err(|e| LoadError::setup("", e))?;
    if files.is_empty() {
        return Err(LoadError::Setup(
            "no .yaml files found in the paths given".into(),
        ));
    }
    files
        .iter()
        .map(|f| load::load_file(f).map_err(|e| LoadError::setup("", e)))
        .collect()
}

fn step_name(index: usize, name: Option<&str>) -> String {
    name.map_or_else(|| format!("step {}", index + 1), str::to_owned)
}

/// The workload of `scenario` for `mode`, and the session whose world must stay alive while it
/// runs. `Ok(None)` when the scenario has no repeatable request step for the mode.
///
/// # Errors
///
/// [`LoadError::Setup`] when the world cannot be built or a request cannot be made.
pub fn setup(
    env: &Env,
    scenario: &LoadedScenario,
    mode: Mode,
) -> Result<Option<(ModeSetup, Session)>, LoadError> {
    let what = format!("{} ({mode})", scenario.source);
    // The world's service runs on the service runtime, like the generated workload's.
    let runtime = env.service_runtime();
    let world = runtime
        .block_on(BuiltinWorld::build(scenario, mode))
        .map_err(|e| LoadError::setup(what.clone(), e))?;
    let mut session = Session::new(Box::new(world));
    let mut workload = Workload::default();
    for (index, spanned) in scenario.scenario.steps.iter().enumerate() {
        let Step::Request(step) = &spanned.value else {
            break;
        };
        let expected = match step.expect.for_mode(mode).unwrap_or(Expected::Allow) {
            Expected::Allow => Verdict::Allow,
            Expected::Deny(r) => Verdict::Deny(r),
            Expected::Unsupported => continue,
        };
        let req = match runtime
            .block_on(session.request(&step.request))
            .map_err(|e| LoadError::setup(what.clone(), e))?
        {
            Prepared::Ready(req) => req,
            // What a server cannot parse never reaches the authenticator: nothing to load.
            Prepared::Refused(_) | Prepared::Skipped(_) => continue,
        };
        workload.requests.push((req, workload.cases.len()));
        workload.cases.push(Case {
            name: step_name(index, step.name.as_deref()),
            expected,
        });
    }
    if workload.requests.is_empty() {
        runtime.block_on(session.shutdown());
        return Ok(None);
    }
    let setup = ModeSetup {
        mode,
        auth: session.world().authenticator().clone(),
        workload: Arc::new(workload),
        reference: None,
        path: if mode == Mode::Roundtrip {
            "HTTP to the scenario's auth service".into()
        } else {
            "in-process".into()
        },
        scenario: Some(scenario.name.clone()),
        target: None,
    };
    Ok(Some((setup, session)))
}
