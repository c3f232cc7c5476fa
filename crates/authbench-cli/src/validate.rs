//! `authbench validate PATH...`: check scenario files, target files and deployment configs without
//! running them. A file with a top-level `steps:` or `description:` is a scenario, one with a
//! top-level `name:` a target file, any other a deployment config.

use std::path::{Path, PathBuf};

use authbench_harness::deployment as config;
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
        let checked = match kind_of(file) {
            Kind::Target => check_target(file),
            Kind::Deployment => config::load(file).map(|c| {
                let modes: Vec<&str> = [
                    c.config.jwt.as_ref().map(|_| "jwt"),
                    c.config.roundtrip.as_ref().map(|_| "roundtrip"),
                    c.config.file.as_ref().map(|_| "file"),
                ]
                .into_iter()
                .flatten()
                .collect();
                format!(
                    "ok    {} (deployment config: {}; {} identities)",
                    file.display(),
                    if modes.is_empty() {
                        "no mode section".to_owned()
                    } else {
                        modes.join(", ")
                    },
                    c.config.identities.len()
                )
            }),
            Kind::Scenario => load::load_file(file).map(|s| {
                format!(
                    "ok    {} ({}, {} steps)",
                    file.display(),
                    s.name,
                    s.scenario.steps.len()
                )
            }),
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

/// The three kinds of YAML file authbench reads.
enum Kind {
    Scenario,
    Target,
    Deployment,
}

/// What `file` reads as, by its top-level keys: every scenario has `steps:` and `description:`,
/// every target file `name:`. Unreadable files are left to the scenario loader, whose error names
/// them.
fn kind_of(file: &Path) -> Kind {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Kind::Scenario;
    };
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    if top("steps:") || top("description:") {
        Kind::Scenario
    } else if top("name:") {
        Kind::Target
    } else {
        Kind::Deployment
    }
}

/// Loads a target file and builds its token source and control hooks (secrets are not read:
/// they may live only where the run happens).
fn check_target(file: &Path) -> Result<String, YamlError> {
    let target = authbench_target::load(file)?;
    let mut modes: Vec<String> = target.modes().iter().map(|m| m.to_string()).collect();
    if let Some(judged) = target.media_as() {
        modes.push(format!("media as {judged}"));
    }
    let name = target.name().to_owned();
    let mapped = target.identities().count();
    TargetWorlds::new(target).map_err(|e| YamlError::at(file, 1, 1, e.to_string()))?;
    Ok(format!(
        "ok    {} (target {name}: {}; {mapped} identities)",
        file.display(),
        modes.join(", ")
    ))
}
