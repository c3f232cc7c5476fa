//! The report's data model: what `report.json` holds. Every type here is part of the versioned
//! schema (`reports/report.schema.json`); see the crate docs for the versioning rules.
//!
//! Reason and capability codes are plain strings here, not the core enums: both sets grow
//! (new deny reasons, new capabilities), and a reader built before a code existed must still read
//! a report that contains it.

use authbench_core::Mode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole comparison report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "authbench report",
    description = "The result of one `authbench run`: per scenario, step and mode, the expected and \
                   actual decision, where the modes differ and why, what each mode can express, \
                   decision latency, a media server's time to verdict per transport, and the \
                   machine it ran on; or of one `authbench bench`: \
                   latency and throughput under open-loop load (the `load` section)."
)]
pub struct Report {
    /// The schema version, `MAJOR` or `MAJOR.MINOR` (see the crate docs for when each changes).
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub schema_version: String,
    /// When the report was made, RFC 3339 in UTC (`2025-01-31T12:00:00Z`).
    #[schemars(extend("format" = "date-time"))]
    pub generated_at: String,
    /// The authbench version that made the report.
    pub authbench_version: String,
    /// How the measuring binary was built.
    pub build: BuildInfo,
    /// The machine the run happened on.
    pub machine: Machine,
    /// The options the run was started with.
    pub options: RunOptions,
    /// What was tested at each target column (the user's deployment, named in their target
    /// file), in column order; empty when only the built-in world ran (since schema 2).
    #[serde(default)]
    pub targets: Vec<TargetReport>,
    /// Counts over the whole run.
    pub totals: Totals,
    /// What each column's mode can express, one row per capability.
    pub capabilities: Vec<CapabilityRow>,
    /// Decision latency per column, over every decision of the run.
    pub latency: Vec<ModeLatency>,
    /// Every scenario, in run order.
    pub scenarios: Vec<ScenarioReport>,
    /// Every step where the modes' actual outcomes differ, with an explanation in words.
    pub differences: Vec<Difference>,
    /// Time to verdict of the joins a media server decided, per column and transport, beside the
    /// same joins at a reference with authentication off (since schema 2.3). Only columns whose
    /// authenticator is a media server asked over the wire (`roundtrip @ lab`) have entries;
    /// absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<JoinLatency>,
    /// Load-test results of `authbench bench` (since schema 1.1); absent from scenario runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<crate::load::LoadSection>,
}

/// How the binary that measured was built (latency from a debug build means little).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BuildInfo {
    /// `release` or `debug` (whether debug assertions were on).
    pub profile: String,
    /// `rustc --version` of the compiler, when known at build time.
    pub rustc: Option<String>,
}

/// The machine the run happened on. Fields that could not be read are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Machine {
    /// Operating system family (`linux`, `macos`, …).
    pub os: String,
    /// The distribution's name and version (`PRETTY_NAME` of /etc/os-release).
    pub os_release: Option<String>,
    /// Kernel release.
    pub kernel: Option<String>,
    /// CPU architecture (`x86_64`, `aarch64`, …).
    pub arch: String,
    /// CPU model name from /proc/cpuinfo.
    pub cpu_model: Option<String>,
    /// Logical CPUs available.
    pub cpu_cores: Option<u32>,
    /// Total memory in bytes (MemTotal of /proc/meminfo).
    pub memory_bytes: Option<u64>,
    /// Host name; only filled in when asked for (reports are meant to be committed and shared).
    pub hostname: Option<String>,
}

/// The options a run was started with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunOptions {
    /// Whether `--quick` shortened the run (fewer repeats, so fewer latency samples).
    pub quick: bool,
    /// The modes that were compared, in report order. Left empty when building, it is filled
    /// with the modes found in the runs.
    pub modes: Vec<Mode>,
}

/// One target column of a report: which deployment a mode was run against and what it asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TargetReport {
    /// The target's name (`staging`), as the column label shows it (`roundtrip @ staging`).
    pub name: String,
    /// The mode run against it.
    pub mode: Mode,
    /// What the mode asked there, in a few words: the auth service's `scheme://host:port` and
    /// wire protocol, the token issuer, or the credentials file. Never a secret.
    pub tested: String,
}

/// A column of the report: a mode, in the built-in world or at a user's target. Every
/// per-column entry of the report (totals, capabilities, latency, step results) carries the
/// two fields `mode` and `target` that make it up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    /// The mode.
    pub mode: Mode,
    /// The target's name; `None` for the built-in world.
    pub target: Option<String>,
}

impl Column {
    /// The built-in column of `mode`.
    pub fn builtin(mode: Mode) -> Column {
        Column { mode, target: None }
    }

    /// The column of `mode` at the target named `target`.
    pub fn at(mode: Mode, target: &str) -> Column {
        Column {
            mode,
            target: Some(target.to_owned()),
        }
    }

    /// The column's label: `jwt` for the built-in world, `jwt @ staging` at a target.
    pub fn label(&self) -> String {
        match &self.target {
            None => self.mode.to_string(),
            Some(t) => format!("{} @ {t}", self.mode),
        }
    }

    /// Whether an entry with this mode and target belongs to the column.
    pub fn is(&self, mode: Mode, target: Option<&str>) -> bool {
        self.mode == mode && self.target.as_deref() == target
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// Counts over the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Totals {
    /// Whether every expectation that ran held and every column ran (skipped steps count
    /// neither way).
    pub passed: bool,
    /// Scenarios run.
    pub scenarios: usize,
    /// Request steps (each runs once per column).
    pub steps: usize,
    /// Expectations (steps × columns that had them): held, failed or skipped.
    pub expectations: usize,
    /// Expectations that held.
    pub expectations_passed: usize,
    /// Expectations that did not hold (a skipped step is not one of them).
    pub expectations_failed: usize,
    /// Expectations of steps that were not run in their world (since schema 2): neither held nor
    /// failed.
    #[serde(default)]
    pub expectations_skipped: usize,
    /// (scenario, column) pairs that could not run at all.
    pub mode_errors: usize,
    /// The same counts per column, in column order: built-in columns first, then target columns.
    pub modes: Vec<ModeTotals>,
}

/// Counts for one column (a mode, built-in or at a target) over the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModeTotals {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Scenarios this mode ran.
    pub scenarios: usize,
    /// Scenarios where every step met its expectation.
    pub scenarios_passed: usize,
    /// Scenarios this mode could not run at all.
    pub errors: usize,
    /// Steps of this column: decided or skipped.
    pub steps: usize,
    /// Steps whose outcome met the expectation.
    pub passed: usize,
    /// Steps that ran and whose outcome did not.
    pub failed: usize,
    /// Steps not run in this column's world (since schema 2).
    #[serde(default)]
    pub skipped: usize,
    /// Steps the mode allowed.
    pub allowed: usize,
    /// Steps the mode denied.
    pub denied: usize,
    /// Steps the mode could not express.
    pub unsupported: usize,
}

/// Whether a mode can express a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// In every scenario the mode ran.
    Yes,
    /// In some scenarios only: it depends on the mode's configuration.
    Partial,
    /// In none.
    No,
}

/// One row of the capability matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CapabilityRow {
    /// The capability's stable code (`rooms`, `revocation`, …).
    pub capability: String,
    /// What the capability means.
    pub description: String,
    /// Support per column, in column order.
    pub modes: Vec<ModeSupport>,
}

/// One cell of the capability matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ModeSupport {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether the configured mode can express the capability.
    pub support: Support,
}

/// Decision latency of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModeLatency {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Decisions measured.
    pub count: u64,
    /// Percentiles; `null` when nothing was measured.
    pub summary: Option<LatencyStats>,
}

/// How long a media server took to decide joins over one transport, for one column, all
/// scenarios pooled (since schema 2.3).
///
/// Every time here runs from opening the connection to the server's verdict, as the client saw
/// it: the publish or play admitted, or the refusal received. Closing the session afterwards is
/// not included. The `open` joins are the same joins, made without credentials at the
/// reference: the same server, or a twin of it, with authentication off. The difference between
/// the two is what authentication adds to a join.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JoinLatency {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The transport's code: `rtmp`, `rtsp`, `whip`, `whep` or `srt` (an open set, like the
    /// reason codes).
    pub transport: String,
    /// Joins the server admitted: time from opening the connection to the server's admission.
    pub admitted: JoinSet,
    /// Joins the server refused: time from opening the connection to the refusal, as the client
    /// received it (a rejected handshake, an error status, a closed connection).
    pub refused: JoinSet,
    /// The same joins without credentials at the reference (the server, or a twin of it, with
    /// authentication off), that the reference admitted: time from opening the connection to
    /// the admission. Count 0 when no reference was given for this transport.
    pub open: JoinSet,
    /// Reference joins that were not admitted; they measure no join and are not in `open`.
    pub open_failed: u64,
    /// The decision of the first reference join that was not admitted
    /// (`deny(server_refused): …`); absent when none failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_failure: Option<String>,
    /// What authentication adds to a join, in microseconds: the median of `admitted` minus the
    /// median of `open` (negative when the authenticated joins were faster). `null` unless both
    /// have samples and the open median is above zero.
    pub auth_adds_p50_us: Option<f64>,
    /// The median of `admitted` over the median of `open`, rounded to two decimals (`2.0`: an
    /// admitted join took twice as long as the same join with authentication off). `null`
    /// unless both have samples and the open median is above zero.
    pub auth_ratio_p50: Option<f64>,
}

/// One kind of join (admitted, refused, or at the reference) over one transport: how many, and
/// how long each took from opening the connection to the server's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JoinSet {
    /// Joins measured.
    pub count: u64,
    /// Time to verdict, from opening the connection to the server's verdict as the client saw
    /// it (closing the session not included); `null` when no join was measured.
    pub summary: Option<LatencyStats>,
}

impl JoinSet {
    /// The median time to verdict in microseconds, when any join was measured.
    pub fn p50_us(&self) -> Option<f64> {
        self.summary.as_ref().map(|s| s.p50_us)
    }
}

/// Latency figures in microseconds. Percentiles come from an HDR histogram with three significant
/// digits (within 0.1 %); min, max and mean are exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencyStats {
    /// Fastest decision.
    pub min_us: f64,
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p99_9_us: f64,
    /// Slowest decision.
    pub max_us: f64,
    /// Arithmetic mean.
    pub mean_us: f64,
    /// Points of the percentile curve, in increasing percentile order, ending with 100 (the max).
    /// Percentiles finer than the sample count resolves are left out.
    pub curve: Vec<PercentilePoint>,
}

/// One point of a percentile curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PercentilePoint {
    /// The percentile, 0 to 100.
    pub percentile: f64,
    /// The latency at that percentile, in microseconds.
    pub latency_us: f64,
}

/// One scenario, every mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub name: String,
    /// The real situation it stands for.
    pub description: String,
    /// The file it came from, or `builtin:NAME`.
    pub source: String,
    /// The use case of the source document it illustrates, if any.
    pub use_case: Option<String>,
    /// Whether every column ran and every step it ran met its expectation.
    pub passed: bool,
    /// Per column: whether it ran, passed, and what it could express.
    pub modes: Vec<ScenarioMode>,
    /// The request steps, in file order.
    pub steps: Vec<StepReport>,
}

/// One scenario as one mode ran it, without the steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioMode {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether the mode ran and every step it ran met its expectation (skipped steps count
    /// neither way).
    pub passed: bool,
    /// Why the mode could not run at all, if it could not.
    pub error: Option<String>,
    /// The capability codes the configured authenticator has in this scenario.
    pub capabilities: Vec<String>,
}

/// One request step, every mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    /// 0-based index in the scenario's `steps` list.
    pub index: usize,
    /// The step's name.
    pub name: String,
    /// The step's line in the scenario file.
    pub line: usize,
    /// Why the modes differ here, in the scenario's own words (absent when it does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// One result per column that had the step, in column order.
    pub results: Vec<StepResult>,
}

/// One step as one column ran it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepResult {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// What the scenario expected of this mode.
    pub expected: ExpectedOutcome,
    /// What the mode did.
    pub actual: ActualOutcome,
    /// How the expectation was judged, when there is something to know (`denied, no reason
    /// given by the target`); since schema 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether `actual` met `expected`; `false` for a skipped step, which is not failed either.
    pub passed: bool,
    /// Time the decision took, in microseconds (a repeated step records the median).
    pub latency_us: f64,
}

/// What a step expected of a mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ExpectedOutcome {
    /// The request is let in.
    Allow,
    /// The request is refused for this reason.
    Deny {
        /// The deny reason code (`expired`, `revoked`, …).
        reason: String,
    },
    /// The mode cannot express the rule the step tests.
    Unsupported,
}

/// What a mode did with a step's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActualOutcome {
    /// Let in.
    Allow {
        /// Who was let in.
        principal: String,
    },
    /// Refused.
    Deny {
        /// The deny reason code.
        reason: String,
        /// The mode's explanation (never a secret).
        detail: String,
    },
    /// The mode lacks a capability the step needs.
    Unsupported {
        /// The capability codes the step needs that the mode lacks.
        missing: Vec<String>,
        /// What the mode decided anyway: `allow` or a deny reason code.
        would: String,
    },
    /// Not run in this world (an identity with no account at the target, a step after an event
    /// the target cannot apply); neither held nor failed.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// A step where the columns' actual outcomes differ (skipped cells left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Difference {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's file.
    pub source: String,
    /// The step's index in the scenario.
    pub step_index: usize,
    /// The step's name.
    pub step: String,
    /// The step's line in the scenario file.
    pub line: usize,
    /// The outcome of each column that ran the step, in column order.
    pub outcomes: Vec<DifferenceOutcome>,
    /// Why the modes differ, in words.
    pub explanation: String,
}

/// One column's side of a [`Difference`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DifferenceOutcome {
    /// The mode.
    pub mode: Mode,
    /// The target this column ran against (see the report's `targets`); absent for the built-in
    /// world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The outcome label: `allow`, `deny(REASON)` or `unsupported`.
    pub outcome: String,
    /// Why this mode decided so, when there is something specific to say.
    pub why: Option<String>,
}

impl ExpectedOutcome {
    /// A short label: `allow`, `deny(expired)`, `unsupported`.
    pub fn label(&self) -> String {
        match self {
            ExpectedOutcome::Allow => "allow".to_owned(),
            ExpectedOutcome::Deny { reason } => format!("deny({reason})"),
            ExpectedOutcome::Unsupported => "unsupported".to_owned(),
        }
    }
}

impl ActualOutcome {
    /// A short label: `allow`, `deny(expired)`, `unsupported`, `skipped`.
    pub fn label(&self) -> String {
        match self {
            ActualOutcome::Allow { .. } => "allow".to_owned(),
            ActualOutcome::Deny { reason, .. } => format!("deny({reason})"),
            ActualOutcome::Unsupported { .. } => "unsupported".to_owned(),
            ActualOutcome::Skipped { .. } => "skipped".to_owned(),
        }
    }

    /// What to show beside the label: the principal, the deny detail, or what is missing.
    pub fn detail(&self) -> String {
        match self {
            ActualOutcome::Allow { principal } => format!("as {principal}"),
            ActualOutcome::Deny { detail, .. } => detail.clone(),
            ActualOutcome::Unsupported { missing, would } => {
                format!(
                    "cannot express {}; would decide {would}",
                    missing.join(", ")
                )
            }
            ActualOutcome::Skipped { reason } => reason.clone(),
        }
    }

    /// Whether the step was not run in its world.
    pub fn is_skipped(&self) -> bool {
        matches!(self, ActualOutcome::Skipped { .. })
    }
}

/// The column an entry belongs to, for every per-column entry of the report.
macro_rules! column_of {
    ($($t:ty),*) => {$(
        impl $t {
            /// The column this entry belongs to.
            pub fn column(&self) -> Column {
                Column {
                    mode: self.mode,
                    target: self.target.clone(),
                }
            }
        }
    )*};
}
column_of!(
    ModeTotals,
    ModeSupport,
    ModeLatency,
    JoinLatency,
    ScenarioMode,
    StepResult,
    DifferenceOutcome
);

impl Report {
    /// Whether every expectation that ran held and every column ran.
    pub fn passed(&self) -> bool {
        self.totals.passed
    }

    /// The report's columns in order (those of `totals`): built-in columns first in mode order,
    /// then target columns.
    pub fn columns(&self) -> Vec<Column> {
        self.totals.modes.iter().map(ModeTotals::column).collect()
    }
}
