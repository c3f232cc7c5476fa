//! authbench's load tooling: the open-loop load generator behind `authbench bench`, the capacity
//! search of the reference auth service, self-checks of the measurement, and the regression gate
//! behind `authbench compare`. Kept out of the mode crates, as benchmark code should be.
//!
//! * [`engine`]: a constant arrival rate, latency from each request's *intended* start (no
//!   coordinated omission), HDR histograms, per-batch figures for a noise estimate. In-process
//!   decisions run on spinning OS threads ([`engine::threads`]); HTTP from async tasks with a
//!   pacer thread ([`engine::tasks`]).
//! * [`http`]: a lean hyper HTTP/1.1 client (no pool, pre-serialised bodies), for the raw loopback
//!   reference and the capacity search.
//! * [`workload`]: generated identities and, per mode, the authenticator (built with the mode
//!   crates' own fixture and minting functions), the request mix and the reference.
//! * [`bench`]: what `authbench bench` runs; [`capacity`]: the capacity search;
//!   [`selfcheck`]: `authbench bench --self-check`; [`compare`]: the gate.
//! * [`locust`]: the same round-trip workload exported to Locust for distributed runs, and
//!   Locust's results imported as a report's load section.
//! * [`target`]: `authbench bench --target`, the same load against a user's round-trip
//!   service, behind the rate guard of [`guard`].
//!
//! # Example
//!
//! A short run of jwt mode beside its reference, no sweep, storm or capacity search:
//!
//! ```no_run
//! use std::time::Duration;
//! use authbench_load::bench::{self, BenchOptions};
//! use authbench_scenario::Mode;
//!
//! let opts = BenchOptions {
//!     modes: vec![Mode::Jwt],
//!     duration: Duration::from_secs(2),
//!     sweep: Vec::new(),
//!     storm: None,
//!     ..BenchOptions::default()
//! };
//! let load = bench::run(&opts).expect("bench");
//! println!("jwt p99 {} µs", load.modes[0].latency.p99_us);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bench;
pub mod capacity;
pub mod compare;
pub mod engine;
pub mod guard;
pub mod http;
pub mod locust;
pub mod progress;
mod recorder;
pub mod scenario;
pub mod selfcheck;
pub mod target;
pub mod targets;
pub mod verdict;
pub mod workload;

pub use recorder::MAX_RECORDED;

/// The error underneath a [`LoadError`], boxed.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a [`LoadError`] was doing when it failed (`jwt fixture`, `127.0.0.1:8080`), and the
/// error underneath, kept as its [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct Context {
    what: String,
    source: Option<BoxError>,
}

impl Context {
    /// `what` failed because of `source`.
    pub fn new(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Context {
            what: what.into(),
            source: Some(source.into()),
        }
    }

    /// What was being done.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl From<String> for Context {
    fn from(what: String) -> Self {
        Context { what, source: None }
    }
}

impl From<&str> for Context {
    fn from(what: &str) -> Self {
        Context::from(what.to_owned())
    }
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.source, self.what.is_empty()) {
            (Some(source), true) => write!(f, "{source}"),
            (Some(source), false) => write!(f, "{}: {source}", self.what),
            (None, _) => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for Context {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl LoadError {
    /// A [`LoadError::Setup`]: `what` failed because of `source`.
    pub(crate) fn setup(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        LoadError::Setup(Context::new(what, source))
    }

    /// A [`LoadError::Connect`] to `what` that failed because of `source`.
    pub(crate) fn connect(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        LoadError::Connect(Context::new(what, source))
    }

    /// A [`LoadError::Thread`]: `what` failed because of `source`.
    pub(crate) fn thread(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        LoadError::Thread(Context::new(what, source))
    }
}

/// Why a load run could not be made (denies and failed requests are results, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A fixture, runtime or the reference service could not be set up.
    #[error("setup: {0}")]
    Setup(#[source] Context),
    /// A connection could not be opened before the run.
    #[error("cannot connect to {0}")]
    Connect(#[source] Context),
    /// A worker thread or task could not start or failed.
    #[error("load worker: {0}")]
    Thread(#[source] Context),
    /// The workload has no requests.
    #[error("the workload has no requests")]
    EmptyWorkload,
    /// The run recorded no request (too short a duration for the rate).
    #[error("nothing was measured: the duration is too short for the rate")]
    NothingMeasured,
    /// A rate asked of a target was refused by the guard; nothing was sent.
    #[error("{what}: {source}")]
    RateGuard {
        /// What asked for the rate (`steady load (--rate)`).
        what: &'static str,
        /// Why it was refused.
        #[source]
        source: guard::RateGuardError,
    },
}
