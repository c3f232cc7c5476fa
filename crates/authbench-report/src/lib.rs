//! The authbench comparison report: what a run of the scenarios showed, per scenario, step and
//! mode, in three forms.
//!
//! * `report.json`: the [`Report`] model, with a committed JSON Schema
//!   (`reports/report.schema.json`, see [`Report::json_schema`]). Tools read it back with
//!   [`Report::from_json`].
//! * `report.md`: fits a CI job summary or a PR comment ([`Report::to_markdown`]).
//! * `report.html`: one self-contained file with a colour-coded behaviour matrix and SVG charts
//!   ([`Report::to_html`]).
//!
//! [`Report::summary_table`] is the plain-text table printed on the terminal.
//!
//! The report's columns are [`Column`]s: a mode in the built-in world (`roundtrip`) or at the
//! user's target (`roundtrip @ staging`), so "our service vs the reference behaviour" is one
//! table. Steps a target could not run are `skipped` with the reason: shown everywhere, never
//! counted as held or failed.
//!
//! ```
//! use authbench_report::{Report, RunOptions};
//!
//! let report = Report::build(&[], &RunOptions::default());
//! assert!(report.passed());
//! assert!(report.to_markdown().contains("No scenarios were run"));
//! ```
//!
//! # Schema versions
//!
//! [`SCHEMA_VERSION`] is `MAJOR` or `MAJOR.MINOR`, and the rules are:
//!
//! * **Minor** (`1` → `1.1`): something optional is added — a new field that may be `null` or
//!   absent, a new section, a new deny reason or capability code. `1.1` added the optional
//!   `load` section ([`LoadSection`], the results of `authbench bench`); `1.2` the optional
//!   `why` of a step (the scenario's own explanation of a difference). A reader of `1` still
//!   reads a `1.2` report: unknown fields are ignored, the schema does not forbid extra
//!   properties, and codes are open strings.
//! * **Major** (`1` → `2`): anything a reader of the old version would misread — a field removed,
//!   renamed, made required, or given a new type, unit or meaning, or a new outcome variant.
//!   `2` added the `skipped` outcome (a step not run in a target's world, neither held nor
//!   failed, counted in `expectations_skipped`), and made the report's columns a mode *in a
//!   world*: every per-mode entry may carry a `target` (absent for the built-in world), so one
//!   mode can have two columns (`roundtrip` and `roundtrip @ staging`); `targets` lists what was
//!   tested at each target, and a step result may carry a `note` on how it was judged.
//!   `2.1` added the optional `target` of the `load` section's entries ([`ModeLoad`],
//!   [`SweepPoint`], [`JoinStorm`]): `authbench bench --target` loads a user's service.
//!   `2.2` added the optional `measured_by` of the load options ([`LoadOptions`]): a load run
//!   by another tool (`authbench import locust`), whose latency runs from the send.
//!   `2.3` added the optional `joins` section ([`JoinLatency`]): for a column whose
//!   authenticator is a media server asked over the wire, the time from opening the connection
//!   to the server's verdict per transport, for admitted and refused joins and for the same
//!   joins at a reference with authentication off. A report without it reads as before.
//!   `2.4` added typed twins of facts the load section gave only in words: the capacity
//!   search's `service` ([`LoadedService`]: the reference service or a target's) and `max_rate`
//!   (the `--max-rate` ceiling it ran under), and a steady entry's `workers` ([`ModeLoad`]: the
//!   worker processes of the tool in `measured_by`). The words stay, for people; a report
//!   without the new fields reads as before.
//!
//! [`Report::from_json`] accepts any report whose major version is this crate's.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod assemble;
mod explain;
mod latency;
mod load;
mod machine;
mod model;
mod render;

use std::io;
use std::path::Path;

pub use latency::summarise_histogram;
pub use load::{
    BatchStats, Capacity, CapacityStep, CaseBehaviour, JoinStorm, LoadOptions, LoadSection,
    LoadedService, ModeLoad, Noise, OutcomeCount, ReferenceLoad, SelfCheck, StormBucket,
    SweepPoint,
};
pub use machine::rfc3339;
pub use model::{
    ActualOutcome, BuildInfo, CapabilityRow, Column, Difference, DifferenceOutcome,
    ExpectedOutcome, JoinLatency, JoinSet, LatencyStats, Machine, ModeLatency, ModeSupport,
    ModeTotals, PercentilePoint, Report, RunOptions, ScenarioMode, ScenarioReport, StepReport,
    StepResult, Support, TargetReport, Totals,
};

/// The schema version this crate writes (see the crate docs for the rules).
pub const SCHEMA_VERSION: &str = "2.4";

/// Why a report could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The text is not a report of this shape.
    #[error("not an authbench report: {0}")]
    Json(#[from] serde_json::Error),
    /// The report was written with another major schema version.
    #[error(
        "report schema version {found} is not supported (this authbench reads {}.x)",
        SCHEMA_VERSION
    )]
    UnsupportedVersion {
        /// The version found in the file.
        found: String,
    },
}

impl Report {
    /// The report as pretty-printed JSON (what `report.json` holds), ending in a newline.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and finite numbers cannot fail; should a NaN ever
        // slip in, serde_json writes it as null rather than failing.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Reads a report back (for `authbench compare`), refusing another major schema version.
    pub fn from_json(text: &str) -> Result<Report, ReadError> {
        #[derive(serde::Deserialize)]
        struct Version {
            schema_version: String,
        }
        let Version { schema_version } = serde_json::from_str(text)?;
        let major = |v: &str| v.split('.').next().unwrap_or_default().to_owned();
        if major(&schema_version) != major(SCHEMA_VERSION) {
            return Err(ReadError::UnsupportedVersion {
                found: schema_version,
            });
        }
        Ok(serde_json::from_str(text)?)
    }

    /// The report as Markdown (what `report.md` holds).
    pub fn to_markdown(&self) -> String {
        render::markdown::render(self)
    }

    /// The report as one self-contained HTML page (what `report.html` holds).
    pub fn to_html(&self) -> String {
        render::html::render(self)
    }

    /// A plain-text table for the terminal: per scenario × column, steps passed out of steps run
    /// (`FAIL` when any failed, `ERROR` when the column could not run, `(N skipped)` when steps
    /// were not run in that world), a totals line and a verdict.
    pub fn summary_table(&self) -> String {
        render::text::summary_table(self)
    }

    /// Writes `report.json`, `report.md` and `report.html` into `dir`, creating it if needed.
    pub fn write_all(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, body) in [
            ("report.json", self.to_json()),
            ("report.md", self.to_markdown()),
            ("report.html", self.to_html()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, body)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// The JSON Schema of `report.json` (draft 2020-12), as committed in
    /// `reports/report.schema.json`.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
    }
}
