//! Runs scenarios: each against each of its modes, in a fresh world per mode; records expected vs
//! actual per step and every decision's latency. The world is the built-in one
//! ([`run_scenario`]) or whatever a [`Worlds`] source builds (a user's target).

use std::time::{Duration, Instant};

use authbench_core::outcome::{Actual, Expected, ModeRun, ScenarioRun, StepOutcome, TargetInfo};
use authbench_core::{Capability, Decision, DenyReason, Mode};
use authbench_scenario::load::LoadedScenario;
use authbench_scenario::spec::{RequestStep, Step};

use crate::builtin::{BuiltinWorld, CustomBuilder};
use crate::session::{Prepared, Session};
use crate::world::{World, WorldError};

/// Where the worlds of a run come from.
#[async_trait::async_trait]
pub trait Worlds: Send + Sync {
    /// The world `mode` runs `loaded` in. `Ok(None)`: this source does not run the mode at all
    /// (a target without a section for it). [`WorldError::Unavailable`]: the mode cannot run this
    /// scenario here; every step is reported skipped with the reason.
    async fn world(
        &self,
        loaded: &LoadedScenario,
        mode: Mode,
    ) -> Result<Option<Box<dyn World>>, WorldError>;

    /// What `mode` is aimed at in these worlds, for reports (also when the mode cannot run a
    /// scenario); `None` for the built-in world.
    fn target(&self, mode: Mode) -> Option<TargetInfo> {
        let _ = mode;
        None
    }
}

/// The built-in worlds: everything as the scenario describes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

#[async_trait::async_trait]
impl Worlds for Builtin {
    async fn world(
        &self,
        loaded: &LoadedScenario,
        mode: Mode,
    ) -> Result<Option<Box<dyn World>>, WorldError> {
        Ok(Some(Box::new(BuiltinWorld::build(loaded, mode).await?)))
    }
}

/// Runs one scenario in the built-in world against `modes` (those it does not run are left out).
pub async fn run_scenario(loaded: &LoadedScenario, modes: &[Mode]) -> ScenarioRun {
    run_scenario_in(&Builtin, loaded, modes).await
}

/// Runs one scenario in the worlds of `worlds`, one mode after another.
pub async fn run_scenario_in(
    worlds: &dyn Worlds,
    loaded: &LoadedScenario,
    modes: &[Mode],
) -> ScenarioRun {
    let mut runs = Vec::new();
    for mode in loaded.scenario.modes() {
        if !modes.contains(&mode) {
            continue;
        }
        let run = match worlds.world(loaded, mode).await {
            Ok(Some(world)) => run_in(loaded, world).await,
            Ok(None) => continue,
            Err(WorldError::Unavailable(why)) => ModeRun {
                target: worlds.target(mode),
                ..skipped_run(loaded, mode, &why)
            },
            Err(e) => ModeRun {
                target: worlds.target(mode),
                ..failed_run(mode, format!("could not build the {mode} world: {e}"))
            },
        };
        runs.push(run);
    }
    ScenarioRun {
        name: loaded.name.clone(),
        description: loaded.scenario.description.trim().to_owned(),
        source: loaded.source.clone(),
        use_case: loaded.scenario.use_case.clone(),
        modes: runs,
    }
}

/// Runs one scenario against one mode in the built-in world.
pub async fn run_mode(loaded: &LoadedScenario, mode: Mode) -> ModeRun {
    match BuiltinWorld::build(loaded, mode).await {
        Ok(world) => run_in(loaded, Box::new(world)).await,
        Err(e) => failed_run(mode, format!("could not build the {mode} world: {e}")),
    }
}

/// Runs one scenario with a user's own authenticator in place of `mode`'s: clients present
/// credentials as they would to `mode`, and `mode`'s expectations apply. See
/// `examples/custom_authenticator.rs`.
pub async fn run_custom(loaded: &LoadedScenario, mode: Mode, build: CustomBuilder) -> ModeRun {
    match BuiltinWorld::build_with(loaded, mode, Some(build)).await {
        Ok(world) => run_in(loaded, Box::new(world)).await,
        Err(e) => failed_run(mode, format!("could not build the {mode} world: {e}")),
    }
}

fn failed_run(mode: Mode, error: String) -> ModeRun {
    ModeRun {
        mode,
        target: None,
        capabilities: Default::default(),
        steps: Vec::new(),
        samples: Vec::new(),
        joins: Vec::new(),
        error: Some(error),
    }
}

/// Every request step of the scenario, skipped for `why`.
fn skipped_run(loaded: &LoadedScenario, mode: Mode, why: &str) -> ModeRun {
    let mut run = failed_run(mode, String::new());
    run.error = None;
    for (index, spanned) in loaded.scenario.steps.iter().enumerate() {
        if let Step::Request(step) = &spanned.value {
            let line = spanned.referenced.line() as usize;
            run.steps
                .push(skipped_step(index, line, step, mode, why.to_owned()));
        }
    }
    run
}

fn skipped_step(
    index: usize,
    line: usize,
    step: &RequestStep,
    mode: Mode,
    reason: String,
) -> StepOutcome {
    StepOutcome {
        index,
        name: step_name(step),
        line,
        expected: expected_of(step, mode),
        actual: Actual::Skipped { reason },
        service_calls: None,
        expected_service_calls: None,
        why: step.why.clone(),
        note: None,
        passed: false,
        latency: Duration::ZERO,
    }
}

fn expected_of(step: &RequestStep, mode: Mode) -> Expected {
    // Loading checked that a per-mode `expect` names every mode the scenario runs.
    step.expect.for_mode(mode).unwrap_or(Expected::Allow)
}

/// Runs one scenario in `world`, then shuts the world down.
pub async fn run_in(loaded: &LoadedScenario, world: Box<dyn World>) -> ModeRun {
    let mode = world.mode();
    let mut run = failed_run(mode, String::new());
    run.error = None;
    run.target = world.target();
    run.capabilities = world.authenticator().capabilities();
    let mut session = Session::new(world);
    for (index, spanned) in loaded.scenario.steps.iter().enumerate() {
        let line = spanned.referenced.line() as usize;
        let step = match &spanned.value {
            Step::Event(event) => {
                if let Err(e) = session.event(event, line).await {
                    run.error = Some(format!("step {} (line {line}): {e}", index + 1));
                    break;
                }
                continue;
            }
            Step::Request(step) => step,
        };
        // Decisions taken while the auth service is made faulty measure the fault, not the mode:
        // they are judged like any other step but kept out of the mode's latency samples.
        let mut scratch = Vec::new();
        let samples = if session.service_faulty() {
            &mut scratch
        } else {
            &mut run.samples
        };
        let calls_before = session.world().service_calls();
        match decide(&mut session, step, samples).await {
            Ok(Decided::Ran(actual, latency)) => {
                let calls = session
                    .world()
                    .service_calls()
                    .zip(calls_before)
                    .map(|(after, before)| after.saturating_sub(before));
                let expected = expected_of(step, mode);
                let expected_calls = step
                    .service_calls
                    .as_ref()
                    .and_then(|c| c.for_mode(mode))
                    .filter(|_| calls.is_some());
                let (meets, note) = judge(&actual, expected, run.target.is_some());
                run.steps.push(StepOutcome {
                    index,
                    name: step_name(step),
                    line,
                    expected,
                    passed: meets && expected_calls.is_none_or(|n| Some(n) == calls),
                    actual,
                    latency,
                    service_calls: calls,
                    expected_service_calls: expected_calls,
                    why: step.why.clone(),
                    note,
                })
            }
            Ok(Decided::Skipped(reason)) => {
                run.steps
                    .push(skipped_step(index, line, step, mode, reason));
            }
            Err(e) => {
                run.error = Some(format!("step {} (line {line}): {e}", index + 1));
                break;
            }
        }
    }
    run.joins = session.world().joins();
    session.shutdown().await;
    run
}

/// Whether `actual` meets `expected`, and what to say about how. Most real services answer only
/// yes or no: against a target, a deny without a reason (`backend_rejected`) and a media server's
/// refusal (`server_refused`, whose words are the server's own) meet any expected deny — never an
/// expected allow.
fn judge(actual: &Actual, expected: Expected, target: bool) -> (bool, Option<String>) {
    if actual.meets(expected) {
        return (true, None);
    }
    match (actual, expected) {
        (
            Actual::Deny {
                reason: DenyReason::BackendRejected,
                ..
            },
            Expected::Deny(_),
        ) if target => (
            true,
            Some("denied, no reason given by the target".to_owned()),
        ),
        (
            Actual::Deny {
                reason: DenyReason::ServerRefused,
                ..
            },
            Expected::Deny(_),
        ) if target => (true, Some("refused by the media server".to_owned())),
        _ => (false, None),
    }
}

enum Decided {
    Ran(Actual, Duration),
    Skipped(String),
}

/// Decides a request step (`repeat` times); returns the outcome and the median latency. When a
/// repeated request's answers differ, the first one that does not meet the expectation is kept.
async fn decide(
    session: &mut Session,
    step: &RequestStep,
    samples: &mut Vec<Duration>,
) -> Result<Decided, WorldError> {
    let mode = session.world().mode();
    let capabilities = session.world().authenticator().capabilities();
    let missing: Vec<Capability> = step
        .needs
        .iter()
        .copied()
        .filter(|c| !capabilities.supports(*c))
        .collect();
    let expected = step.expect.for_mode(mode);
    let mut kept: Option<Actual> = None;
    let mut latencies = Vec::new();
    for _ in 0..step.request.repeat.unwrap_or(1) {
        let decision = match session.request(&step.request).await? {
            Prepared::Ready(req) => {
                let auth = session.world().authenticator().clone();
                let started = Instant::now();
                let decision = auth.authenticate(&req).await;
                let took = started.elapsed();
                // Untimed: what the decision left running (a media session closing) ends
                // before the next request.
                auth.settle().await;
                latencies.push(took);
                samples.push(took);
                decision
            }
            Prepared::Refused(deny) => Decision::Deny(deny),
            Prepared::Skipped(reason) => return Ok(Decided::Skipped(reason)),
        };
        let actual = actual_of(&decision, &missing);
        let meets = expected.is_some_and(|e| actual.meets(e));
        if kept.is_none()
            || (!meets
                && kept
                    .as_ref()
                    .is_some_and(|k| expected.is_some_and(|e| k.meets(e))))
        {
            kept = Some(actual);
        }
    }
    latencies.sort();
    let median = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or_default();
    let actual = kept.ok_or_else(|| WorldError::Failed("a request step ran zero times".into()))?;
    Ok(Decided::Ran(actual, median))
}

fn actual_of(decision: &Decision, missing: &[Capability]) -> Actual {
    if !missing.is_empty() {
        let would = match decision {
            Decision::Allow(_) => "allow".to_owned(),
            Decision::Deny(d) => format!("deny({})", d.reason),
        };
        return Actual::Unsupported {
            missing: missing.to_vec(),
            would,
        };
    }
    match decision {
        Decision::Allow(a) => Actual::Allow {
            principal: a.principal.clone(),
        },
        Decision::Deny(d) => Actual::Deny {
            reason: d.reason,
            detail: d.detail.clone(),
        },
    }
}

/// The step's name: given, or made from the request.
pub fn step_name(step: &RequestStep) -> String {
    if let Some(name) = &step.name {
        return name.clone();
    }
    let spec = &step.request;
    let who = spec.identity.as_deref().unwrap_or("anonymous");
    let what = spec
        .stream
        .as_deref()
        .or(spec.url.as_deref())
        .or(spec.streamid.as_deref())
        .unwrap_or_default();
    match spec.action {
        Some(action) => format!("{who} {action}s over {} to {what}", spec.transport),
        None => format!("{who} over {} to {what}", spec.transport),
    }
}

/// A step name as an identifier: lower-case ASCII letters and digits, runs of anything else as
/// one `-` (test names `scenario::03-name::mode`, benchmark ids `mode/scenario/03-name`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deny(reason: DenyReason) -> Actual {
        Actual::Deny {
            reason,
            detail: String::new(),
        }
    }

    #[test]
    fn a_reasonless_deny_meets_an_expected_deny_only_against_a_target() {
        let rejected = deny(DenyReason::BackendRejected);
        let revoked = Expected::Deny(DenyReason::Revoked);
        assert_eq!(
            judge(&rejected, revoked, true),
            (
                true,
                Some("denied, no reason given by the target".to_owned())
            )
        );
        assert_eq!(judge(&rejected, revoked, false), (false, None));
        assert_eq!(judge(&rejected, Expected::Allow, true), (false, None));
        let allowed = Actual::Allow {
            principal: "a".into(),
        };
        assert_eq!(judge(&allowed, revoked, true), (false, None));
        assert_eq!(
            judge(&deny(DenyReason::Expired), revoked, true),
            (false, None)
        );
    }

    #[test]
    fn a_media_servers_refusal_meets_an_expected_deny_only_against_a_target() {
        let refused = deny(DenyReason::ServerRefused);
        let forbidden = Expected::Deny(DenyReason::RoleForbidden);
        assert_eq!(
            judge(&refused, forbidden, true),
            (true, Some("refused by the media server".to_owned()))
        );
        assert_eq!(
            judge(&refused, Expected::Deny(DenyReason::BadPassword), true),
            (true, Some("refused by the media server".to_owned()))
        );
        assert_eq!(judge(&refused, forbidden, false), (false, None));
        assert_eq!(judge(&refused, Expected::Allow, true), (false, None));
    }
}
