//! `authbench compare BASELINE.json CURRENT.json`: the CI regression gate. Prints a Markdown
//! table (fit for a CI job summary) and exits 1 on a behaviour change or a latency regression
//! beyond the threshold and the noise, 0 when clean, 2 on bad input.

use std::path::Path;

use authbench_load::compare::compare;
use authbench_report::Report;

use crate::args::CompareArgs;
use crate::{CliError, EXIT_DENY, write_out};

/// Reads a report named on the command line (shared with `recommend --report`).
pub(crate) fn read(path: &Path) -> Result<Report, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadInput {
        path: path.to_owned(),
        source,
    })?;
    Report::from_json(&text).map_err(|source| CliError::ReadReport {
        path: path.to_owned(),
        source,
    })
}

pub(crate) fn run(args: CompareArgs) -> Result<u8, CliError> {
    if !args.max_regression.is_finite() || args.max_regression < 0.0 {
        return Err(CliError::Usage(
            "--max-regression takes a percentage of 0 or more".into(),
        ));
    }
    let baseline = read(&args.baseline)?;
    let current = read(&args.current)?;
    let result = compare(&baseline, &current, args.max_regression / 100.0);
    write_out(&result.to_markdown())?;
    if !result.incomparable.is_empty() {
        return Err(CliError::Incomparable(result.incomparable));
    }
    Ok(if result.failed() { EXIT_DENY } else { 0 })
}
