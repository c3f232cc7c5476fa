//! `authbench validate PATH...`: check scenario files and target files without running them. A
//! file with a top-level `steps:` or `description:` is a scenario; any other is a target file.

use std::path::{Path, PathBuf};

use authbench_harness::target::TargetWorlds;
use authbench_scenario::load;
use authbench_scenario::yaml::YamlError;

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
        let checked = if is_target_file(file) {
            check_target(file)
        } else {
            load::load_file(file).map(|s| {
                format!(
                    "ok    {} ({}, {} steps)",
                    file.display(),
                    s.name,
                    s.scenario.steps.len()
                )
            })
        };
        match checked {
            Ok(line) => print_out(&line)?,
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

/// Whether `file` reads as a target file: no top-level `steps:` or `description:`, which every
/// scenario has. Unreadable files are left to the scenario loader, whose error names them.
fn is_target_file(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|text| {
        !text
            .lines()
            .any(|l| l.starts_with("steps:") || l.starts_with("description:"))
    })
}

/// Loads a target file and builds its token source and control hooks (secrets are not read:
/// they may live only where the run happens).
fn check_target(file: &Path) -> Result<String, YamlError> {
    let target = authbench_target::load(file)?;
    let modes: Vec<&str> = target.modes().iter().map(|m| m.as_str()).collect();
    let name = target.name().to_owned();
    let mapped = target.identities().count();
    TargetWorlds::new(target).map_err(|e| YamlError::at(file, 1, 1, e.to_string()))?;
    Ok(format!(
        "ok    {} (target {name}: {}; {mapped} identities)",
        file.display(),
        modes.join(", ")
    ))
}
