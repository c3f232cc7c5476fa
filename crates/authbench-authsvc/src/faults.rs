//! Fault injection: make the service slow, broken or silent on purpose, to see how a client
//! copes (`POST /admin/faults` or [`ServiceHandle::set_faults`](crate::ServiceHandle::set_faults)).
//!
//! Faults apply to every endpoint except `/admin/*` (or only to `paths` when given). For each
//! request the latency is applied first, then `hang`, then the first rate that fires, in this
//! order: `drop_rate`, `error_rate`, `redirect_rate`, `malformed_rate`, `oversized_rate`.
//!
//! ```json
//! {"latency": {"uniform": {"min": "10ms", "max": "50ms"}}, "error_rate": 0.1}
//! {"latency": {"fixed": "3s"}}
//! {"latency": {"normal": {"mean": "20ms", "stddev": "5ms"}}}
//! {"hang": true}
//! {"drop_rate": 1.0}
//! {"malformed_rate": 1.0}
//! {"oversized_rate": 1.0, "oversized_bytes": 10485760}
//! {"redirect_rate": 1.0, "paths": ["/validateCredentials"]}
//! {"clear": true}
//! ```

use std::time::Duration;

use authbench_core::duration::{serde_human, serde_human_opt};
use serde::{Deserialize, Serialize};

/// Largest latency a distribution may produce (so a typo cannot park requests for days).
pub const MAX_LATENCY: Duration = Duration::from_secs(600);
/// Default size of an oversized answer: 10 MiB.
pub const DEFAULT_OVERSIZED_BYTES: u64 = 10 * 1024 * 1024;
/// Largest oversized answer allowed: 1 GiB (streamed, never held in memory).
pub const MAX_OVERSIZED_BYTES: u64 = 1024 * 1024 * 1024;

/// Added latency before a request is handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Always this long.
    Fixed(#[serde(with = "serde_human")] Duration),
    /// Uniformly between `min` and `max`.
    Uniform {
        /// Shortest delay.
        #[serde(with = "serde_human")]
        min: Duration,
        /// Longest delay.
        #[serde(with = "serde_human")]
        max: Duration,
    },
    /// Normally distributed, cut at zero and at `max` (default mean + 6 standard deviations).
    Normal {
        /// Mean delay.
        #[serde(with = "serde_human")]
        mean: Duration,
        /// Standard deviation.
        #[serde(with = "serde_human")]
        stddev: Duration,
        /// Upper cut.
        #[serde(
            default,
            with = "serde_human_opt",
            skip_serializing_if = "Option::is_none"
        )]
        max: Option<Duration>,
    },
}

impl Latency {
    /// Draws one delay using `rand`, a source of uniform numbers in `[0, 1)`.
    pub fn sample(&self, mut rand: impl FnMut() -> f64) -> Duration {
        let d = match *self {
            Latency::Fixed(d) => d,
            Latency::Uniform { min, max } => {
                let (lo, hi) = (min.min(max), min.max(max));
                lo + (hi - lo).mul_f64(rand())
            }
            Latency::Normal { mean, stddev, max } => {
                // Box-Muller; 1 - u keeps ln away from zero.
                let (u1, u2) = (1.0 - rand(), rand());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let secs = mean.as_secs_f64() + z * stddev.as_secs_f64();
                let six_sd = stddev.checked_mul(6).and_then(|s| mean.checked_add(s));
                let cap = max.or(six_sd).unwrap_or(MAX_LATENCY).min(MAX_LATENCY);
                Duration::try_from_secs_f64(secs.max(0.0))
                    .unwrap_or(cap)
                    .min(cap)
            }
        };
        d.min(MAX_LATENCY)
    }
}

/// The fault set. All rates are probabilities in `[0, 1]`; an empty set (`{}`) means no faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// When true, every other field is ignored and all faults are removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear: bool,
    /// Added latency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// Never answer (until the faults change or the service shuts down).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hang: bool,
    /// Share of requests whose connection is closed without an answer.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub drop_rate: f64,
    /// Share of requests answered `500 Internal Server Error`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub error_rate: f64,
    /// Share of requests answered `307 Temporary Redirect` to the same URL.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redirect_rate: f64,
    /// Share of requests answered `200` with a body that is not JSON.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub malformed_rate: f64,
    /// Share of requests answered `200` with a huge (streamed) JSON-looking body.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub oversized_rate: f64,
    /// Size of an oversized body (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversized_bytes: Option<u64>,
    /// Request paths the faults apply to; empty means every non-admin path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

fn is_zero(rate: &f64) -> bool {
    *rate == 0.0
}

/// Why a fault set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("faults.{field}: {problem}")]
pub struct FaultsError {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong.
    pub problem: &'static str,
}

/// What to do to one request, decided before it is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Drop,
    Error,
    Redirect,
    Malformed,
    Oversized(u64),
}

impl Faults {
    /// A fault set with nothing in it.
    pub fn none() -> Self {
        Faults::default()
    }

    /// Checks ranges; a set with `clear: true` becomes the empty set.
    pub fn validated(self) -> Result<Faults, FaultsError> {
        if self.clear {
            return Ok(Faults::none());
        }
        for (field, rate) in [
            ("drop_rate", self.drop_rate),
            ("error_rate", self.error_rate),
            ("redirect_rate", self.redirect_rate),
            ("malformed_rate", self.malformed_rate),
            ("oversized_rate", self.oversized_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(FaultsError {
                    field,
                    problem: "must be a number between 0 and 1",
                });
            }
        }
        if self
            .oversized_bytes
            .is_some_and(|b| b > MAX_OVERSIZED_BYTES)
        {
            return Err(FaultsError {
                field: "oversized_bytes",
                problem: "must be at most 1 GiB",
            });
        }
        if let Some(
            Latency::Fixed(d) | Latency::Uniform { max: d, .. } | Latency::Normal { mean: d, .. },
        ) = &self.latency
            && *d > MAX_LATENCY
        {
            return Err(FaultsError {
                field: "latency",
                problem: "must be at most 600s",
            });
        }
        Ok(self)
    }

    /// Whether nothing is configured.
    pub fn is_empty(&self) -> bool {
        self.latency.is_none()
            && !self.hang
            && [
                self.drop_rate,
                self.error_rate,
                self.redirect_rate,
                self.malformed_rate,
                self.oversized_rate,
            ]
            .iter()
            .all(|r| *r <= 0.0)
    }

    /// Whether the faults apply to a request for `path`.
    pub(crate) fn applies_to(&self, path: &str) -> bool {
        !path.starts_with("/admin/")
            && (self.paths.is_empty() || self.paths.iter().any(|p| p == path))
    }

    /// Draws the answer-replacing outcome for one request, if any.
    pub(crate) fn draw(&self, mut rand: impl FnMut() -> f64) -> Option<Outcome> {
        let bytes = self.oversized_bytes.unwrap_or(DEFAULT_OVERSIZED_BYTES);
        [
            (self.drop_rate, Outcome::Drop),
            (self.error_rate, Outcome::Error),
            (self.redirect_rate, Outcome::Redirect),
            (self.malformed_rate, Outcome::Malformed),
            (self.oversized_rate, Outcome::Oversized(bytes)),
        ]
        .into_iter()
        .find(|(rate, _)| *rate > 0.0 && rand() < *rate)
        .map(|(_, o)| o)
    }
}

/// A uniform number in `[0, 1)` from the system random number generator (0 if it fails, which
/// only makes faults less likely).
pub(crate) fn unit_random() -> f64 {
    let mut b = [0u8; 8];
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        return 0.0;
    }
    // 53 random bits, the precision of an f64 mantissa.
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shapes() {
        let f: Faults = serde_json::from_str(
            r#"{"latency": {"uniform": {"min": "10ms", "max": "50ms"}}, "error_rate": 0.1}"#,
        )
        .expect("parse");
        assert_eq!(
            f.latency,
            Some(Latency::Uniform {
                min: Duration::from_millis(10),
                max: Duration::from_millis(50)
            })
        );
        let f: Faults = serde_json::from_str(r#"{"latency": {"fixed": "3s"}}"#).expect("parse");
        assert_eq!(f.latency, Some(Latency::Fixed(Duration::from_secs(3))));
        let f: Faults =
            serde_json::from_str(r#"{"latency": {"normal": {"mean": "20ms", "stddev": "5ms"}}}"#)
                .expect("parse");
        assert!(matches!(f.latency, Some(Latency::Normal { .. })));
        assert!(serde_json::from_str::<Faults>(r#"{"hange": true}"#).is_err());
        let cleared: Faults =
            serde_json::from_str(r#"{"clear": true, "hang": true}"#).expect("parse");
        assert!(cleared.validated().expect("valid").is_empty());
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::none()
        };
        assert_eq!(bad.validated().expect_err("range").field, "error_rate");
    }

    #[test]
    fn latency_samples_stay_in_range() {
        let u = Latency::Uniform {
            min: Duration::from_millis(10),
            max: Duration::from_millis(20),
        };
        for _ in 0..1000 {
            let d = u.sample(unit_random);
            assert!((Duration::from_millis(10)..=Duration::from_millis(20)).contains(&d));
        }
        let n = Latency::Normal {
            mean: Duration::from_millis(20),
            stddev: Duration::from_millis(5),
            max: None,
        };
        for _ in 0..1000 {
            assert!(n.sample(unit_random) <= Duration::from_millis(50));
        }
        assert_eq!(u.sample(|| 0.5), Duration::from_millis(15));
    }

    #[test]
    fn draw_respects_order_and_scope() {
        let f = Faults {
            error_rate: 1.0,
            malformed_rate: 1.0,
            ..Faults::none()
        };
        assert_eq!(f.draw(|| 0.3), Some(Outcome::Error));
        assert!(f.applies_to("/validateCredentials"));
        assert!(!f.applies_to("/admin/stats"));
        let scoped = Faults {
            paths: vec!["/mediamtx/auth".into()],
            ..f
        };
        assert!(!scoped.applies_to("/validateCredentials"));
        assert_eq!(Faults::none().draw(|| 0.0), None);
    }
}
