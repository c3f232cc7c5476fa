//! The options `authbench recommend` ranks: each of the three modes on its own, and a
//! combination of two. The single modes are [`Mode`] itself, so the mode list is defined once
//! (in core); only the combination is this crate's own.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use authbench_core::Mode;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One way to authenticate a deployment. In JSON it is its [`id`](Choice::id): `file`, `jwt`,
/// `roundtrip` or `jwt+roundtrip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    /// One mode on its own.
    Mode(Mode),
    /// JWT for joins, plus a round-trip re-check of the actions revocation must cover.
    JwtRoundtrip,
}

impl Choice {
    /// Every option, simplest first (ties in score go to the simpler option).
    pub const ALL: [Choice; 4] = [
        Choice::Mode(Mode::File),
        Choice::Mode(Mode::Jwt),
        Choice::Mode(Mode::Roundtrip),
        Choice::JwtRoundtrip,
    ];

    /// The stable id (`file`, `jwt`, `roundtrip`, `jwt+roundtrip`): a single mode's is the
    /// mode's own name.
    pub fn id(self) -> &'static str {
        match self {
            Choice::Mode(mode) => mode.as_str(),
            Choice::JwtRoundtrip => "jwt+roundtrip",
        }
    }

    /// What the option means, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Choice::Mode(Mode::File) => {
                "usernames and passwords in an htpasswd file (+ group file for roles)"
            }
            Choice::Mode(Mode::Jwt) => {
                "signed tokens from an issuer, validated locally on every join"
            }
            Choice::Mode(Mode::Roundtrip) => {
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
            Choice::Mode(Mode::File) => &[Mode::File],
            Choice::Mode(Mode::Jwt) => &[Mode::Jwt],
            Choice::Mode(Mode::Roundtrip) => &[Mode::Roundtrip],
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

    /// The option's place in [`Choice::ALL`] (simplest first).
    fn position(self) -> usize {
        Choice::ALL
            .iter()
            .position(|&c| c == self)
            .unwrap_or(Choice::ALL.len())
    }
}

impl From<Mode> for Choice {
    fn from(mode: Mode) -> Choice {
        Choice::Mode(mode)
    }
}

/// Options order simplest first, as in [`Choice::ALL`] (not in [`Mode::ALL`]'s report order).
impl Ord for Choice {
    fn cmp(&self, other: &Choice) -> Ordering {
        self.position().cmp(&other.position())
    }
}

impl PartialOrd for Choice {
    fn partial_cmp(&self, other: &Choice) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Choice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Choice, D::Error> {
        let id = Cow::<'de, str>::deserialize(d)?;
        Choice::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = Choice::ALL.iter().map(|c| c.id()).collect();
                serde::de::Error::invalid_value(
                    serde::de::Unexpected::Str(&id),
                    &format!("one of {}", ids.join(", ")).as_str(),
                )
            })
    }
}

/// The ids as string constants, each with what it means (the schema the derive used to give).
impl JsonSchema for Choice {
    fn schema_name() -> Cow<'static, str> {
        "Choice".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let described = |c: Choice| match c {
            Choice::Mode(Mode::File) => "Username and password checked against an htpasswd file.",
            Choice::Mode(Mode::Jwt) => "Signed tokens validated locally.",
            Choice::Mode(Mode::Roundtrip) => "Every join asked of an external HTTP auth service.",
            Choice::JwtRoundtrip => {
                "JWT for joins, plus a round-trip re-check of the actions revocation must cover."
            }
        };
        let one_of: Vec<serde_json::Value> = Choice::ALL
            .into_iter()
            .map(|c| {
                serde_json::json!({
                    "description": described(c),
                    "type": "string",
                    "const": c.id(),
                })
            })
            .collect();
        json_schema!({
            "description": "One way to authenticate a deployment.",
            "oneOf": one_of,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_mode_names_and_read_back() {
        let ids: Vec<&str> = Choice::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(ids, ["file", "jwt", "roundtrip", "jwt+roundtrip"]);
        for mode in Mode::ALL {
            assert_eq!(Choice::from(mode).id(), mode.as_str());
        }
        assert_eq!(
            serde_json::to_string(&Choice::ALL).unwrap_or_default(),
            r#"["file","jwt","roundtrip","jwt+roundtrip"]"#
        );
        let back: Vec<Choice> =
            serde_json::from_str(r#"["jwt+roundtrip","roundtrip","file","jwt"]"#)
                .unwrap_or_default();
        assert_eq!(
            back,
            [
                Choice::JwtRoundtrip,
                Choice::Mode(Mode::Roundtrip),
                Choice::Mode(Mode::File),
                Choice::Mode(Mode::Jwt)
            ]
        );
        let err = serde_json::from_str::<Choice>(r#""ldap""#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "invalid value: string \"ldap\", expected one of file, jwt, roundtrip, jwt+roundtrip"
        );
    }

    #[test]
    fn options_order_simplest_first() {
        let mut shuffled = [
            Choice::JwtRoundtrip,
            Choice::Mode(Mode::Jwt),
            Choice::Mode(Mode::Roundtrip),
            Choice::Mode(Mode::File),
        ];
        shuffled.sort();
        assert_eq!(shuffled, Choice::ALL);
    }
}
