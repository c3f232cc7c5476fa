//! Scenario files as load workloads (`authbench bench PATH…`): per scenario and mode, the
//! scenario runner's own fixture (`authbench_scenario::fixture::ModeFixture`) provides the
//! authenticator, and the scenario's request steps the requests, each a case with the step's
//! expected outcome for the mode.
//!
//! A load run repeats requests many times, so only what can be repeated is used: the request
//! steps **before the first event** (a clock advance, a revocation, a password change, a key
//! rotation, a service fault changes what later steps mean), and of those the ones whose
//! expectation for the mode is a decision (`unsupported` steps are left out). A scenario with no
//! such step for a mode is skipped for that mode, and said so.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use authbench_scenario::Mode;
use authbench_scenario::fixture::ModeFixture;
use authbench_scenario::load::{self, LoadedScenario};
use authbench_scenario::outcome::Expected;

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

/// The workload of `scenario` for `mode`, and the fixture that must stay alive while it runs.
/// `Ok(None)` when the scenario has no repeatable request step for the mode.
///
/// # Errors
///
/// [`LoadError::Setup`] when the fixture cannot be built or a request cannot be made.
pub fn setup(
    env: &Env,
    scenario: &LoadedScenario,
    mode: Mode,
) -> Result<Option<(ModeSetup, ModeFixture)>, LoadError> {
    let what = format!("{} ({mode})", scenario.source);
    // The fixture's service runs on the service runtime, like the generated workload's.
    let fixture = env
        .service_runtime()
        .block_on(ModeFixture::build(scenario, mode))
        .map_err(|e| LoadError::setup(what.clone(), e))?;
    let mut tokens = HashMap::new();
    let mut workload = Workload::default();
    for (index, spanned) in scenario.scenario.steps.iter().enumerate() {
        let step = &spanned.value;
        let Some(spec) = &step.request else { break };
        let expected = match step
            .expect
            .as_ref()
            .and_then(|e| e.for_mode(mode))
            .unwrap_or(Expected::Allow)
        {
            Expected::Allow => Verdict::Allow,
            Expected::Deny(r) => Verdict::Deny(r),
            Expected::Unsupported => continue,
        };
        let req = match fixture
            .request(spec, &mut tokens)
            .map_err(|e| LoadError::setup(what.clone(), e))?
        {
            Ok(req) => req,
            // What a server cannot parse never reaches the authenticator: nothing to load.
            Err(_) => continue,
        };
        workload.requests.push((req, workload.cases.len()));
        workload.cases.push(Case {
            name: step_name(index, step.name.as_deref()),
            expected,
        });
    }
    if workload.requests.is_empty() {
        return Ok(None);
    }
    let setup = ModeSetup {
        mode,
        auth: fixture.authenticator().clone(),
        workload: Arc::new(workload),
        reference: None,
        path: if mode == Mode::Roundtrip {
            "HTTP to the scenario's auth service".into()
        } else {
            "in-process".into()
        },
        scenario: Some(scenario.name.clone()),
    };
    Ok(Some((setup, fixture)))
}
