//! Runs scenarios: each against each of its modes, with a fresh fixture and the injected clock;
//! records expected vs actual per step and every decision's latency.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use authbench_core::{Capability, Decision};

use crate::Mode;
use crate::fixture::{CustomBuilder, ModeFixture};
use crate::load::LoadedScenario;
use crate::outcome::{Actual, Expected, ModeRun, ScenarioRun, StepOutcome};
use crate::spec::{RequestSpec, ServiceEvent, Step};

/// Runs one scenario against `modes` (those it does not run are skipped), one mode after another.
pub async fn run_scenario(loaded: &LoadedScenario, modes: &[Mode]) -> ScenarioRun {
    let mut runs = Vec::new();
    for mode in loaded.scenario.modes() {
        if modes.contains(&mode) {
            runs.push(run_mode(loaded, mode).await);
        }
    }
    ScenarioRun {
        name: loaded.name.clone(),
        description: loaded.scenario.description.trim().to_owned(),
        source: loaded.source.clone(),
        use_case: loaded.scenario.use_case.clone(),
        modes: runs,
    }
}

/// Runs one scenario against one mode.
pub async fn run_mode(loaded: &LoadedScenario, mode: Mode) -> ModeRun {
    run_mode_with(loaded, mode, None).await
}

/// Runs one scenario with a user's own authenticator in place of `mode`'s: clients present
/// credentials as they would to `mode`, and `mode`'s expectations apply. See
/// `examples/custom_authenticator.rs`.
pub async fn run_custom(loaded: &LoadedScenario, mode: Mode, build: CustomBuilder) -> ModeRun {
    run_mode_with(loaded, mode, Some(build)).await
}

async fn run_mode_with(
    loaded: &LoadedScenario,
    mode: Mode,
    custom: Option<CustomBuilder>,
) -> ModeRun {
    let mut run = ModeRun {
        mode,
        capabilities: Default::default(),
        steps: Vec::new(),
        samples: Vec::new(),
        error: None,
    };
    let mut fixture = match ModeFixture::build_with(loaded, mode, custom).await {
        Ok(f) => f,
        Err(e) => {
            run.error = Some(format!("could not build the {mode} fixture: {e}"));
            return run;
        }
    };
    run.capabilities = fixture.capabilities();
    let mut tokens = HashMap::new();
    // Decisions taken while the auth service is made faulty measure the fault, not the mode:
    // they are judged like any other step but kept out of the mode's latency samples.
    let mut health = ServiceHealth::default();
    for (index, spanned) in loaded.scenario.steps.iter().enumerate() {
        let step = &spanned.value;
        let line = spanned.referenced.line() as usize;
        let Some(spec) = &step.request else {
            if let Some(event) = &step.service {
                health.apply(event);
            }
            if let Err(e) = fixture.apply(step).await {
                run.error = Some(format!("step {} (line {line}): {e}", index + 1));
                break;
            }
            continue;
        };
        let expected = step
            .expect
            .as_ref()
            .and_then(|e| e.for_mode(mode))
            .unwrap_or(Expected::Allow);
        let calls_before = service_calls(&fixture);
        let mut scratch = Vec::new();
        let samples = if health.faulty() {
            &mut scratch
        } else {
            &mut run.samples
        };
        match decide(&fixture, mode, spec, step, &mut tokens, samples).await {
            Ok((actual, latency)) => {
                let calls = service_calls(&fixture).saturating_sub(calls_before);
                let expected_calls = step.service_calls.as_ref().and_then(|c| c.for_mode(mode));
                run.steps.push(StepOutcome {
                    index,
                    name: step_name(step, spec),
                    line,
                    expected,
                    passed: actual.meets(expected) && expected_calls.is_none_or(|n| n == calls),
                    actual,
                    latency,
                    service_calls: calls,
                    expected_service_calls: expected_calls,
                    why: step.why.clone(),
                })
            }
            Err(e) => {
                run.error = Some(format!("step {} (line {line}): {e}", index + 1));
                break;
            }
        }
    }
    fixture.shutdown().await;
    run
}

/// Decides a request step (`repeat` times); returns the outcome and the median latency. When a
/// repeated request's answers differ, the first one that does not meet the expectation is kept.
async fn decide(
    fixture: &ModeFixture,
    mode: Mode,
    spec: &RequestSpec,
    step: &Step,
    tokens: &mut HashMap<String, String>,
    samples: &mut Vec<Duration>,
) -> Result<(Actual, Duration), crate::fixture::FixtureError> {
    let missing: Vec<Capability> = step
        .needs
        .iter()
        .copied()
        .filter(|c| !fixture.capabilities().supports(*c))
        .collect();
    let expected = step.expect.as_ref().and_then(|e| e.for_mode(mode));
    let mut kept: Option<Actual> = None;
    let mut latencies = Vec::new();
    for _ in 0..spec.repeat.unwrap_or(1) {
        let decision = match fixture.request(spec, tokens)? {
            Ok(req) => {
                let started = Instant::now();
                let decision = fixture.authenticator().authenticate(&req).await;
                let took = started.elapsed();
                latencies.push(took);
                samples.push(took);
                decision
            }
            // What the client sent does not parse: the server refuses it before any mode runs.
            Err(deny) => Decision::Deny(deny),
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
    let actual =
        kept.ok_or_else(|| crate::fixture::FixtureError("a request step ran zero times".into()))?;
    Ok((actual, median))
}

/// Requests the reference service has received on the endpoints a streaming server would call.
fn service_calls(fixture: &ModeFixture) -> u64 {
    let stats = fixture.service().stats();
    [
        "validate_credentials",
        "invalidate_credentials",
        "mediamtx_auth",
        "token",
        "jwks",
        "openid_configuration",
    ]
    .iter()
    .map(|e| stats.requests_to(e))
    .sum()
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

fn step_name(step: &Step, spec: &RequestSpec) -> String {
    if let Some(name) = &step.name {
        return name.clone();
    }
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

/// Whether a scenario has made the reference service faulty: stopped, or answering with a fault.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceHealth {
    down: bool,
    faults: bool,
}

impl ServiceHealth {
    /// Follows a `service:` event.
    pub fn apply(&mut self, event: &ServiceEvent) {
        match event {
            ServiceEvent::Down => self.down = true,
            ServiceEvent::Up => self.down = false,
            ServiceEvent::Healthy => self.faults = false,
            ServiceEvent::Latency(_) | ServiceEvent::Hang | ServiceEvent::Malformed => {
                self.faults = true
            }
        }
    }

    /// Down, or answering with a fault.
    pub fn faulty(&self) -> bool {
        self.down || self.faults
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
