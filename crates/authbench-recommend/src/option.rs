//! The options `authbench recommend` ranks: the three modes and a combination of two.

use std::fmt;

use authbench_scenario::Mode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One way to authenticate a deployment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Choice {
    /// Username and password checked against an htpasswd file.
    #[serde(rename = "file")]
    File,
    /// Signed tokens validated locally.
    #[serde(rename = "jwt")]
    Jwt,
    /// Every join asked of an external HTTP auth service.
    #[serde(rename = "roundtrip")]
    Roundtrip,
    /// JWT for joins, plus a round-trip re-check of the actions revocation must cover.
    #[serde(rename = "jwt+roundtrip")]
    JwtRoundtrip,
}

impl Choice {
    /// Every option, simplest first (ties in score go to the simpler option).
    pub const ALL: [Choice; 4] = [
        Choice::File,
        Choice::Jwt,
        Choice::Roundtrip,
        Choice::JwtRoundtrip,
    ];

    /// The stable id (`file`, `jwt`, `roundtrip`, `jwt+roundtrip`).
    pub fn id(self) -> &'static str {
        match self {
            Choice::File => "file",
            Choice::Jwt => "jwt",
            Choice::Roundtrip => "roundtrip",
            Choice::JwtRoundtrip => "jwt+roundtrip",
        }
    }

    /// What the option means, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Choice::File => "usernames and passwords in an htpasswd file (+ group file for roles)",
            Choice::Jwt => "signed tokens from an issuer, validated locally on every join",
            Choice::Roundtrip => {
                "every join asked of an HTTP auth service, against current user state"
            }
            Choice::JwtRoundtrip => {
                "JWT for joins; a round-trip re-check of the actions revocation must cover"
            }
        }
    }

    /// The modes the option runs.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Choice::File => &[Mode::File],
            Choice::Jwt => &[Mode::Jwt],
            Choice::Roundtrip => &[Mode::Roundtrip],
            Choice::JwtRoundtrip => &[Mode::Jwt, Mode::Roundtrip],
        }
    }

    /// Whether the option depends on an auth service answering round trips.
    pub fn uses_service(self) -> bool {
        self.modes().contains(&Mode::Roundtrip)
    }

    /// Whether the option needs tokens from an issuer.
    pub fn uses_tokens(self) -> bool {
        self.modes().contains(&Mode::Jwt)
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
