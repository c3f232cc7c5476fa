//! `authbench compare BASELINE.json CURRENT.json`: the CI regression gate. Prints a Markdown
//! table (fit for a CI job summary) and exits 1 on a behaviour change or a latency regression
//! beyond the threshold and the noise, 0 when clean, 2 on bad input.

use std::path::Path;

use authbench_load::compare::compare;
use authbench_report::Report;

use crate::args::CompareArgs;
use crate::{EXIT_DENY, UsageError};

fn read(path: &Path) -> Result<Report, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    Report::from_json(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))
}

pub(crate) fn run(args: CompareArgs) -> Result<u8, UsageError> {
    if !args.max_regression.is_finite() || args.max_regression < 0.0 {
        return Err(UsageError(
            "--max-regression takes a percentage of 0 or more".into(),
        ));
    }
    let baseline = read(&args.baseline)?;
    let current = read(&args.current)?;
    let result = compare(&baseline, &current, args.max_regression / 100.0);
    print!("{}", result.to_markdown());
    if !result.incomparable.is_empty() {
        return Err(UsageError(format!(
            "the reports cannot be compared: {}",
            result.incomparable.join("; ")
        )));
    }
    Ok(if result.failed() { EXIT_DENY } else { 0 })
}
