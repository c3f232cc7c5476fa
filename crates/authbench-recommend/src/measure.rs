//! The quick in-process measurement used when no report is given: a short scenario
//! (`measure.yaml`, one allowed join repeated) run through the scenario runner against the modes
//! that matter, turned into a report and read back like `--report` would be.

use std::path::Path;

use authbench_harness::runner;
use authbench_report::{Report, RunOptions};
use authbench_scenario::Mode;
use authbench_scenario::load;
use authbench_scenario::yaml::YamlError;

use crate::measurements::{FigureSource, Measurements};

/// The measurement scenario.
const SCENARIO: &str = include_str!("measure.yaml");

/// Decisions timed per mode (the `repeat` of `measure.yaml`).
pub const DECISIONS_PER_MODE: u32 = 200;

/// Why the quick measurement could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    /// The embedded scenario did not load (a build defect, reported rather than panicking).
    #[error("the quick-measurement scenario is invalid: {0}")]
    Scenario(#[from] YamlError),
}

/// `release` or `debug`: whether this binary measures with debug assertions on.
pub fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// Measures `modes` now, in-process: [`DECISIONS_PER_MODE`] allowed decisions each (round-trip
/// against the reference auth service on 127.0.0.1, port 0). A mode that could not run, or
/// whose answers were not all allows, is left out of the figures and said why in the notes.
pub async fn quick(modes: &[Mode]) -> Result<Measurements, MeasureError> {
    let source = FigureSource::Quick {
        modes: modes.to_vec(),
        decisions_per_mode: DECISIONS_PER_MODE,
        build_profile: build_profile().to_owned(),
    };
    if modes.is_empty() {
        return Ok(Measurements::none());
    }
    let scenario = load::load_str(
        SCENARIO,
        Path::new("builtin:recommend-quick.yaml"),
        "builtin:recommend-quick".to_owned(),
    )?;
    let mut run = runner::run_scenario(&scenario, modes).await;
    let mut notes = Vec::new();
    if modes.contains(&Mode::File) {
        notes.push(format!(
            "file mode measured with bcrypt at cost {} (htpasswd -B's default); each step of cost \
             doubles it, so pass a report made with your own hash settings when it matters",
            scenario.scenario.setup.file.cost
        ));
    }
    run.modes.retain(|m| {
        if let Some(error) = &m.error {
            notes.push(format!("{} could not be measured: {error}", m.mode));
            return false;
        }
        if let Some(bad) = m.steps.iter().find(|s| !s.passed) {
            notes.push(format!(
                "{} could not be measured: the test join was answered {}, not allow",
                m.mode,
                bad.actual.label()
            ));
            return false;
        }
        true
    });
    let report = Report::build(
        &[run],
        &RunOptions {
            quick: true,
            modes: modes.to_vec(),
        },
    );
    // The report records the build profile, so a debug build is noted by `from_report`.
    let mut figures = Measurements::from_report(&report, source);
    notes.append(&mut figures.notes);
    figures.notes = notes;
    Ok(figures)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_scenario_loads_and_repeats_as_documented() {
        let s = load::load_str(SCENARIO, Path::new("m.yaml"), "m".into()).unwrap();
        let repeat = match &s.scenario.steps[0].value {
            authbench_scenario::spec::Step::Request(step) => step.request.repeat,
            authbench_scenario::spec::Step::Event(e) => panic!("the first step is an event: {e}"),
        };
        assert_eq!(repeat, Some(DECISIONS_PER_MODE));
        // The note on file figures names bcrypt.
        assert_eq!(
            s.scenario.setup.file.scheme,
            authbench_scenario::spec::HashScheme::Bcrypt
        );
    }
}
