//! Deserialization helpers for sections that hold exactly one of several kinds (`tokens:`, a
//! control hook) plus a `timeout`, with errors that keep the YAML position of the offending key.

use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, MapAccess};

/// A `60s`-style duration above zero.
pub(crate) struct Timeout(pub Duration);

impl<'de> Deserialize<'de> for Timeout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let d = authbench_core::duration::serde_human::deserialize(d)?;
        if d.is_zero() {
            return Err(de::Error::custom("a timeout must be above 0"));
        }
        Ok(Timeout(d))
    }
}

/// Reads a map with exactly one key out of `kinds` and an optional `timeout`. `fields` is
/// `kinds` followed by `timeout` (for the unknown-field message); `read` reads the value of the
/// kind's key.
pub(crate) fn one_of<'de, A, T>(
    mut map: A,
    section: &str,
    fields: &'static [&'static str],
    mut read: impl FnMut(&str, &mut A) -> Result<T, A::Error>,
) -> Result<(T, Option<Duration>), A::Error>
where
    A: MapAccess<'de>,
{
    let kinds = &fields[..fields.len().saturating_sub(1)];
    let mut found: Option<(String, T)> = None;
    let mut timeout = None;
    while let Some(key) = map.next_key::<String>()? {
        if key == "timeout" {
            if timeout.is_some() {
                return Err(de::Error::duplicate_field("timeout"));
            }
            timeout = Some(map.next_value::<Timeout>()?.0);
        } else if let Some(kind) = kinds.iter().find(|k| **k == key) {
            if let Some((first, _)) = &found {
                return Err(de::Error::custom(format!(
                    "{section}: give exactly one of {}, not both {first} and {kind}",
                    kinds.join(", ")
                )));
            }
            let value = read(kind, &mut map)?;
            found = Some((key, value));
        } else {
            return Err(de::Error::unknown_field(&key, fields));
        }
    }
    match found {
        Some((_, value)) => Ok((value, timeout)),
        None => Err(de::Error::custom(format!(
            "{section}: give one of {}",
            kinds.join(", ")
        ))),
    }
}
