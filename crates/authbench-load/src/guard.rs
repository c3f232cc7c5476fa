//! The rate guard of `authbench bench --target`: a pure function of the target's URL and the
//! rates asked for, checked before any connection is opened, so a typo in a rate or a target file
//! cannot flood a production service.
//!
//! * A target **on loopback** — its host is a loopback IP literal (`127.0.0.0/8`, `::1`),
//!   `localhost` or a name under `.localhost` — may be loaded at any rate.
//! * Any other host — another name, another IP — is **remote**. It is judged by its text alone,
//!   **never resolved**: a name that resolves to `127.0.0.1` today may not tomorrow, and a lookup
//!   would itself send a packet. Above [`UNGUARDED_RATE`] per second a remote target needs an
//!   explicit `--max-rate`.
//! * Whatever the target, no rate may exceed `--max-rate` when one is given.
//!
//! A URL whose host cannot be read counts as remote (fail closed).

use std::net::IpAddr;
use std::str::FromStr;

use hyper::Uri;

/// Highest rate (requests per second) a target off loopback may be loaded at without
/// `--max-rate`.
pub const UNGUARDED_RATE: f64 = 1_000.0;

/// Why a rate may not be sent to a target.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RateGuardError {
    /// The target is not on loopback and the rate is above [`UNGUARDED_RATE`] without
    /// `--max-rate`.
    #[error(
        "{host} is not on loopback: a rate of {rate}/s (above {UNGUARDED_RATE}/s) needs an \
         explicit --max-rate"
    )]
    RemoteNeedsMaxRate {
        /// The target's host as written (never a path, query or user info).
        host: String,
        /// The rate asked for (`inf` for an uncapped capacity search).
        rate: f64,
    },
    /// The rate is above `--max-rate`.
    #[error("a rate of {rate}/s is above --max-rate {max_rate}/s")]
    AboveMaxRate {
        /// The rate asked for.
        rate: f64,
        /// The cap.
        max_rate: f64,
    },
    /// `--max-rate` is not a positive number.
    #[error("--max-rate must be a number above 0, not {0}")]
    InvalidMaxRate(f64),
    /// The rate asked for is not a number.
    #[error("the rate asked for is not a number")]
    InvalidRate,
}

/// The host of `url` (without brackets, lower case), if it has one.
fn host(url: &str) -> Option<String> {
    let uri = Uri::from_str(url.trim()).ok()?;
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Whether `url`'s host is on loopback, judged from its text alone (nothing is resolved): a
/// loopback IP literal, `localhost` or a name under `.localhost` (RFC 6761 reserves both for
/// loopback). Anything else, and a URL without a readable host, is not.
pub fn is_loopback(url: &str) -> bool {
    let Some(host) = host(url) else {
        return false;
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        };
    }
    host == "localhost" || host.ends_with(".localhost")
}

/// Checks one rate asked of the target at `target_url` (a steady rate, a storm's arrival rate or
/// a capacity search's ceiling; `f64::INFINITY` for a search with no ceiling).
///
/// # Errors
///
/// [`RateGuardError`] when the rate may not be sent (see the module docs).
pub fn check_rate(
    target_url: &str,
    rate: f64,
    max_rate: Option<f64>,
) -> Result<(), RateGuardError> {
    if rate.is_nan() {
        return Err(RateGuardError::InvalidRate);
    }
    if let Some(max) = max_rate {
        if !(max.is_finite() && max > 0.0) {
            return Err(RateGuardError::InvalidMaxRate(max));
        }
        if rate > max {
            return Err(RateGuardError::AboveMaxRate {
                rate,
                max_rate: max,
            });
        }
        return Ok(());
    }
    if rate > UNGUARDED_RATE && !is_loopback(target_url) {
        return Err(RateGuardError::RemoteNeedsMaxRate {
            host: host(target_url).unwrap_or_else(|| "(a URL without a readable host)".into()),
            rate,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_judged_from_the_text() {
        let table = [
            ("http://127.0.0.1:8089/validateCredentials", true),
            ("http://127.1.2.3/validateCredentials", true),
            ("http://[::1]:8089/validateCredentials", true),
            ("http://[::ffff:127.0.0.1]/v", true),
            ("http://localhost:8089/v", true),
            ("https://LOCALHOST/v", true),
            ("http://auth.localhost:8089/v", true),
            ("http://user:pass@localhost/v?api_key=k", true),
            ("http://10.0.0.1/validateCredentials", false),
            ("http://192.168.1.10/v", false),
            ("http://0.0.0.0:8089/v", false),
            ("http://[::]/v", false),
            ("https://example.com/validateCredentials", false),
            ("http://localhost.evil.com/v", false),
            ("http://evil-localhost/v", false),
            ("http://127.0.0.1.nip.io/v", false),
            ("http://localhost@example.com/v", false),
            ("http://auth.invalid/v", false),
            ("not a url", false),
            ("", false),
        ];
        for (url, want) in table {
            assert_eq!(is_loopback(url), want, "{url}");
        }
    }

    #[test]
    fn rates_off_loopback_above_1000_need_max_rate() {
        let remote = "https://example.com/validateCredentials";
        let ten = "http://10.0.0.1/validateCredentials";
        let local = "http://127.0.0.1:8089/validateCredentials";
        let six = "http://[::1]:8089/validateCredentials";
        let named = "http://localhost:8089/validateCredentials";
        // At or below 1,000/s anything goes without a cap.
        for url in [
            remote,
            ten,
            local,
            six,
            named,
            "http://localhost.evil.com/v",
        ] {
            assert_eq!(check_rate(url, 1_000.0, None), Ok(()), "{url}");
            assert_eq!(check_rate(url, 1.0, None), Ok(()), "{url}");
        }
        // Loopback: any rate, even an uncapped capacity search.
        for url in [local, six, named, "http://127.1.2.3/v"] {
            assert_eq!(check_rate(url, 50_000.0, None), Ok(()), "{url}");
            assert_eq!(check_rate(url, f64::INFINITY, None), Ok(()), "{url}");
        }
        // Remote: above 1,000/s only with --max-rate.
        for (url, host) in [
            (remote, "example.com"),
            (ten, "10.0.0.1"),
            ("http://localhost.evil.com/v", "localhost.evil.com"),
        ] {
            assert_eq!(
                check_rate(url, 1_000.5, None),
                Err(RateGuardError::RemoteNeedsMaxRate {
                    host: host.into(),
                    rate: 1_000.5
                }),
                "{url}"
            );
            assert_eq!(
                check_rate(url, f64::INFINITY, None),
                Err(RateGuardError::RemoteNeedsMaxRate {
                    host: host.into(),
                    rate: f64::INFINITY
                }),
                "{url}"
            );
            assert_eq!(check_rate(url, 5_000.0, Some(5_000.0)), Ok(()), "{url}");
        }
        // --max-rate caps every target, loopback too.
        for url in [remote, local] {
            assert_eq!(
                check_rate(url, 5_001.0, Some(5_000.0)),
                Err(RateGuardError::AboveMaxRate {
                    rate: 5_001.0,
                    max_rate: 5_000.0
                }),
                "{url}"
            );
            assert_eq!(check_rate(url, 200.0, Some(300.0)), Ok(()), "{url}");
        }
        assert_eq!(
            check_rate(local, 10.0, Some(0.0)),
            Err(RateGuardError::InvalidMaxRate(0.0))
        );
        assert!(matches!(
            check_rate(local, 10.0, Some(f64::NAN)),
            Err(RateGuardError::InvalidMaxRate(m)) if m.is_nan()
        ));
        assert_eq!(
            check_rate(local, f64::NAN, None),
            Err(RateGuardError::InvalidRate)
        );
    }

    #[test]
    fn errors_name_the_host_only() {
        let e = check_rate(
            "https://admin:hunter2@example.com:8443/validateCredentials?api_key=s3cret",
            5_000.0,
            None,
        )
        .expect_err("remote");
        let text = e.to_string();
        assert_eq!(
            text,
            "example.com is not on loopback: a rate of 5000/s (above 1000/s) needs an explicit \
             --max-rate"
        );
        assert!(!text.contains("hunter2") && !text.contains("s3cret"));
    }
}
