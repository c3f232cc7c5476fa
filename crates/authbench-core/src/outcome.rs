//! What a run produced: per scenario, per mode, per step — expected vs actual, and latency.
//! The runner produces these; the report crate turns them into report.json / .md / .html without
//! knowing how any mode works.

use std::time::Duration;

use crate::{Capabilities, Capability, DenyReason};
use serde::Serialize;

use crate::Mode;

/// What a step expects of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
pub enum Expected {
    /// The request is let in.
    Allow,
    /// The request is refused for this reason.
    Deny(DenyReason),
    /// The mode cannot express the rule the step tests.
    Unsupported,
}

/// What one mode actually did with a step's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Actual {
    /// Allowed, as this principal.
    Allow {
        /// Who was let in.
        principal: String,
    },
    /// Denied.
    Deny {
        /// The reason code.
        reason: DenyReason,
        /// The mode's explanation (never a secret).
        detail: String,
    },
    /// The mode lacks a capability the step needs; what it would have decided is in `would`.
    Unsupported {
        /// The capabilities the step needs that the mode lacks.
        missing: Vec<Capability>,
        /// The decision the mode made anyway (`allow`, or a deny code), for the report.
        would: String,
    },
}

impl Actual {
    /// Whether this outcome meets `expected`.
    pub fn meets(&self, expected: Expected) -> bool {
        match (self, expected) {
            (Actual::Allow { .. }, Expected::Allow) => true,
            (Actual::Deny { reason, .. }, Expected::Deny(want)) => *reason == want,
            (Actual::Unsupported { .. }, Expected::Unsupported) => true,
            _ => false,
        }
    }

    /// A short label: `allow`, `deny(expired)`, `unsupported`.
    pub fn label(&self) -> String {
        match self {
            Actual::Allow { .. } => "allow".to_owned(),
            Actual::Deny { reason, .. } => format!("deny({reason})"),
            Actual::Unsupported { .. } => "unsupported".to_owned(),
        }
    }
}

impl Expected {
    /// A short label: `allow`, `deny(expired)`, `unsupported`.
    pub fn label(&self) -> String {
        match self {
            Expected::Allow => "allow".to_owned(),
            Expected::Deny(reason) => format!("deny({reason})"),
            Expected::Unsupported => "unsupported".to_owned(),
        }
    }
}

/// One request step, as one mode ran it.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    /// 0-based index of the step in the scenario's `steps` list.
    pub index: usize,
    /// The step's name (given, or made from the request).
    pub name: String,
    /// The line of the step in the scenario file.
    pub line: usize,
    /// What was expected.
    pub expected: Expected,
    /// What happened.
    pub actual: Actual,
    /// Requests the auth service received while this step ran (validation, token, keys).
    pub service_calls: u64,
    /// The count the step expected, if it said.
    pub expected_service_calls: Option<u64>,
    /// Why the modes differ here, when the scenario says.
    pub why: Option<String>,
    /// Whether `actual` meets `expected` (and the service calls match, when expected).
    pub passed: bool,
    /// Time the authenticator took to decide (one call; a `repeat`ed step records the median).
    #[serde(with = "duration_micros")]
    pub latency: Duration,
}

/// One scenario as one mode ran it.
#[derive(Debug, Clone, Serialize)]
pub struct ModeRun {
    /// The mode.
    pub mode: Mode,
    /// What the configured authenticator can express.
    pub capabilities: Capabilities,
    /// Each request step, in order.
    pub steps: Vec<StepOutcome>,
    /// Every decision latency recorded in this run (for percentiles), in microseconds.
    #[serde(skip)]
    pub samples: Vec<Duration>,
    /// Why the mode could not run at all (fixture or config failure), if it could not.
    pub error: Option<String>,
}

impl ModeRun {
    /// Whether every step met its expectation and the mode ran.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.steps.iter().all(|s| s.passed)
    }
}

/// One scenario, every mode.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// The real situation it stands for.
    pub description: String,
    /// The file it came from (as given, or `builtin:NAME` for the shipped library).
    pub source: String,
    /// The seed use case it illustrates, if any.
    pub use_case: Option<String>,
    /// One run per mode.
    pub modes: Vec<ModeRun>,
}

impl ScenarioRun {
    /// Whether every mode passed.
    pub fn passed(&self) -> bool {
        self.modes.iter().all(ModeRun::passed)
    }
}

mod duration_micros {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1e6)
    }
}
