//! Scenario YAML (`authbench-scenario`): the scenario loader with its validation, and the
//! deployment config (`authbench-harness`), from the same text.
//!
//! Property: any text is either loaded or refused with an error; nothing panics, and a refusal
//! names the file it was given.

#![no_main]

use std::path::Path;

use authbench_harness::deployment::DeploymentConfig;
use authbench_scenario::load::load_str;
use authbench_scenario::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("fuzz.yaml");
    if let Err(e) = load_str(text, file, "fuzz".to_owned()) {
        assert!(e.to_string().contains("fuzz.yaml"), "{e}");
    }
    if let Err(e) = yaml::parse::<DeploymentConfig>(text, file) {
        assert!(e.to_string().contains("fuzz.yaml"), "{e}");
    }
});
