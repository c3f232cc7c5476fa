//! Durations for people: as configuration writes them (`500ms`, `60s`, `10m`, `1h`, `1d`:
//! [`parse_duration`], [`format_duration`]), and measured times (`850 µs`, `1.5 ms`, `41 ms`:
//! [`format_micros`]). Every crate shows durations through these.

use std::time::Duration;

/// Parses `500ms`, `60s`, `10m`, `1h`, `1d` (a whole number and a unit; `0` alone is zero).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("duration `{text}` has no unit (write e.g. 500ms, 60s, 10m, 1h)"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("duration `{text}` does not start with a whole number"))?;
    let unit_secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "duration `{text}` has unknown unit `{unit}` (ms, s, m, h or d)"
            ));
        }
    };
    n.checked_mul(unit_secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("duration `{text}` is too long"))
}

/// Formats a duration the way [`parse_duration`] reads it, choosing the largest exact unit.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    match s {
        0 => "0s".to_owned(),
        _ if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

/// A measured time (a latency, a tick on a chart axis), given in microseconds, for people:
/// `0.8 µs`, `850 µs`, `1.5 ms`, `41 ms`, `2.5 s`. At most one decimal and never a trailing
/// `.0`. Unlike [`format_duration`] it rounds, so its text is not configuration.
pub fn format_micros(us: f64) -> String {
    let (value, unit, decimals) = if us >= 1e6 {
        (us / 1e6, "s", 1)
    } else if us >= 1e4 {
        (us / 1e3, "ms", 0)
    } else if us >= 1e3 {
        (us / 1e3, "ms", 1)
    } else if us >= 10.0 {
        (us, "µs", 0)
    } else {
        (us, "µs", 1)
    };
    let text = format!("{value:.decimals$}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {unit}")
}

/// `#[serde(with = "authbench_core::duration::serde_human")]` for `Duration` fields.
pub mod serde_human {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Reads `60s`-style text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text).map_err(serde::de::Error::custom)
    }

    /// Writes `60s`-style text.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*d))
    }
}

/// Like [`serde_human`], for `Option<Duration>` fields.
pub mod serde_human_opt {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Reads `60s`-style text, or nothing.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| parse_duration(&t).map_err(serde::de::Error::custom))
            .transpose()
    }

    /// Writes `60s`-style text, or nothing.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&format_duration(*d)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        for (text, secs) in [
            ("60s", 60),
            ("10m", 600),
            ("1h", 3600),
            ("2d", 172_800),
            ("0", 0),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("ten s").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn formats_measured_times() {
        for (us, text) in [
            (0.0, "0 µs"),
            (0.1, "0.1 µs"),
            (0.8, "0.8 µs"),
            (1.0, "1 µs"),
            (850.0, "850 µs"),
            (1_000.0, "1 ms"),
            (1_500.0, "1.5 ms"),
            (2_000.0, "2 ms"),
            (41_000.0, "41 ms"),
            (300.000_000_000_000_06, "300 µs"),
            (4_000_000.0, "4 s"),
            (1e7, "10 s"),
        ] {
            assert_eq!(format_micros(us), text, "{us}");
        }
    }
}
