//! What a run produced: per scenario, per mode, per step — expected vs actual, and latency.
//! The runner produces these; the report crate turns them into report.json / .md / .html without
//! knowing how any mode works.

use std::time::Duration;

use crate::{Capabilities, Capability, DenyReason, Transport};
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
    /// The step was not run in this world (an identity with no account at the target, a step
    /// after an event the target cannot apply); neither held nor failed.
    Skipped {
        /// Why, in a sentence.
        reason: String,
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
            Actual::Skipped { .. } => "skipped".to_owned(),
        }
    }

    /// Whether the step was skipped.
    pub fn is_skipped(&self) -> bool {
        matches!(self, Actual::Skipped { .. })
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
    /// Requests the auth service received while this step ran (validation, token, keys); `None`
    /// when the world cannot count them (a target).
    pub service_calls: Option<u64>,
    /// The count the step expected, if it said.
    pub expected_service_calls: Option<u64>,
    /// Why the modes differ here, when the scenario says.
    pub why: Option<String>,
    /// What the reader should know about how the expectation was judged (e.g. "denied, no reason
    /// given by the target").
    pub note: Option<String>,
    /// Whether `actual` meets `expected` (and the service calls match, when expected); `false`
    /// for a skipped step, which [`StepOutcome::failed`] does not count either.
    pub passed: bool,
    /// Time the authenticator took to decide (one call; a `repeat`ed step records the median).
    #[serde(with = "duration_micros")]
    pub latency: Duration,
}

impl StepOutcome {
    /// Whether the step ran and did not meet its expectation.
    pub fn failed(&self) -> bool {
        !self.passed && !self.actual.is_skipped()
    }
}

/// What a run was aimed at when it was not the built-in world: the user's deployment, as named
/// in their target file. Never holds a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetInfo {
    /// The target's name (`staging`).
    pub name: String,
    /// What this mode asked, in a few words: the auth service's `scheme://host:port` and wire
    /// protocol, the token issuer, or the credentials file's name.
    pub tested: String,
}

/// One scenario as one mode ran it.
#[derive(Debug, Clone, Serialize)]
pub struct ModeRun {
    /// The mode.
    pub mode: Mode,
    /// The user's deployment this run was aimed at; `None` for the built-in world.
    pub target: Option<TargetInfo>,
    /// What the configured authenticator can express.
    pub capabilities: Capabilities,
    /// Each request step, in order.
    pub steps: Vec<StepOutcome>,
    /// Every decision latency recorded in this run (for percentiles), in microseconds.
    #[serde(skip)]
    pub samples: Vec<Duration>,
    /// Why the mode could not run at all (fixture or config failure), if it could not.
    pub error: Option<String>,
    /// Time to verdict of each transport's joins, when the authenticator was a media server
    /// asked over the wire; empty otherwise.
    #[serde(skip)]
    pub joins: Vec<JoinTimes>,
}

impl ModeRun {
    /// Whether the mode ran and every step it ran met its expectation (skipped steps count
    /// neither way).
    pub fn passed(&self) -> bool {
        self.error.is_none() && !self.steps.iter().any(StepOutcome::failed)
    }

    /// Steps skipped in this run.
    pub fn skipped(&self) -> usize {
        self.steps.iter().filter(|s| s.actual.is_skipped()).count()
    }
}

/// How long a media server took to answer joins over one transport, as the client saw it:
/// from opening the connection to the server's verdict (closing the session not included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinTimes {
    /// The transport.
    pub transport: Transport,
    /// Joins the server admitted.
    pub admitted: Vec<Duration>,
    /// Joins the server refused.
    pub refused: Vec<Duration>,
    /// The same joins, without credentials, at the reference: the server (or a twin of it) with
    /// authentication off. Empty when no reference was given for this transport.
    pub open: Vec<Duration>,
    /// Reference joins that were not admitted (and so measure no join), with the first one's
    /// decision (`deny(server_refused): …`).
    pub open_failed: u64,
    /// The first failed reference join's decision, if any failed.
    pub open_failure: Option<String>,
}

impl JoinTimes {
    /// No joins yet over `transport`.
    pub fn new(transport: Transport) -> Self {
        JoinTimes {
            transport,
            admitted: Vec::new(),
            refused: Vec::new(),
            open: Vec::new(),
            open_failed: 0,
            open_failure: None,
        }
    }

    /// Adds `other`'s joins (same transport) to these.
    pub fn merge(&mut self, other: &JoinTimes) {
        self.admitted.extend_from_slice(&other.admitted);
        self.refused.extend_from_slice(&other.refused);
        self.open.extend_from_slice(&other.open);
        self.open_failed += other.open_failed;
        if self.open_failure.is_none() {
            self.open_failure.clone_from(&other.open_failure);
        }
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
