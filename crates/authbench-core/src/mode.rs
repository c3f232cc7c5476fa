//! The three modes authbench compares, named once for every crate (scenarios, reports, the
//! command line, recommendations).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An authentication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Signed token validated locally.
    Jwt,
    /// Each request asked of an external HTTP auth service.
    Roundtrip,
    /// Username and password checked against an htpasswd file.
    File,
}

impl Mode {
    /// Every mode, in report order.
    pub const ALL: [Mode; 3] = [Mode::Jwt, Mode::Roundtrip, Mode::File];

    /// The stable name (`jwt`, `roundtrip`, `file`).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Jwt => "jwt",
            Mode::Roundtrip => "roundtrip",
            Mode::File => "file",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown mode `{s}` (expected jwt, roundtrip or file)"))
    }
}
