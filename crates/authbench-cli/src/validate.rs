//! `authbench validate PATH...`: check scenario files without running them.

use std::path::PathBuf;

use authbench_scenario::load;

use crate::{CliError, print_out};

pub(crate) fn run(paths: Vec<PathBuf>) -> Result<u8, CliError> {
    if paths.is_empty() {
        return Err(CliError::Usage(
            "name at least one scenario file or folder".into(),
        ));
    }
    let files = load::collect_paths(&paths)?;
    if files.is_empty() {
        return Err(CliError::Usage(
            "no .yaml files found in the paths given".into(),
        ));
    }
    let mut bad = 0;
    for file in &files {
        match load::load_file(file) {
            Ok(s) => print_out(&format!(
                "ok    {} ({}, {} steps)",
                file.display(),
                s.name,
                s.scenario.steps.len()
            ))?,
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
                if !e.snippet.is_empty() {
                    eprintln!("{}", e.snippet);
                }
            }
        }
    }
    if bad > 0 {
        return Err(CliError::InvalidScenarios {
            bad,
            total: files.len(),
        });
    }
    Ok(0)
}
