//! The shipped scenario library, embedded at build time from `scenarios/` (see `build.rs`).

use std::path::Path;

use crate::load::{self, LoadedScenario};
use crate::yaml::YamlError;

include!(concat!(env!("OUT_DIR"), "/library.rs"));

/// Loads every shipped scenario; their source reads `builtin:FILE`.
pub fn load_library() -> Result<Vec<LoadedScenario>, YamlError> {
    LIBRARY
        .iter()
        .map(|(name, text)| {
            load::load_str(
                text,
                Path::new(&format!("scenarios/{name}")),
                format!("builtin:{name}"),
            )
        })
        .collect()
}
