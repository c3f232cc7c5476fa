//! The capacity search: the highest arrival rate the reference auth service sustains with its
//! p99 (from the intended start) under a budget, loaded through the lean hyper client.
//!
//! First an unpaced burst on every connection gives the most the client and service manage
//! together (`closed_loop_throughput`); then rates between 30 % and 105 % of it are bisected.
//! A rate holds when p99 ≤ budget, the service keeps up (throughput ≥ 97 % of the rate) and no
//! request fails. The highest rate tried that the service merely kept up with, whatever its p99,
//! is reported too (`sustained_rate`): that is the figure a closed-loop tool such as `wrk`
//! reports as its maximum.
//!
//! With a ceiling ([`CapacityOptions::max_rate`], `--max-rate` against a target) no run goes
//! faster: the burst is paced at the ceiling instead of unpaced, and no rate above it is tried.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authbench_report::{Capacity, CapacityStep, LoadedService};
use authbench_scenario::Mode;

use crate::LoadError;
use crate::bench::Env;
use crate::engine::tasks::AsyncTarget;
use crate::engine::{Pace, Plan};
use crate::http::{AnswerKind, RawPost};
use crate::progress::ProgressStyle;
use crate::workload::{password_workload, red5_bodies};

/// How the capacity search runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityOptions {
    /// The p99 a rate must stay under.
    pub budget_p99: Duration,
    /// Connections (requests in flight at most).
    pub connections: u32,
    /// Measured time per rate tried.
    pub step: Duration,
    /// Rates tried after the first (bisection steps).
    pub iterations: u32,
    /// The highest rate any run may go at (`None`: the burst is unpaced).
    pub max_rate: Option<f64>,
}

impl Default for CapacityOptions {
    fn default() -> Self {
        CapacityOptions {
            budget_p99: Duration::from_millis(10),
            connections: 64,
            step: Duration::from_millis(1500),
            iterations: 6,
            max_rate: None,
        }
    }
}

/// The share of the target rate a run must complete to count as keeping up.
const KEEP_UP: f64 = 0.97;

/// The Red5 Pro validation target of the search: every allowed publish of the workload, the body
/// round-trip mode sends.
///
/// # Errors
///
/// [`LoadError::Setup`] / [`LoadError::EmptyWorkload`] when the target cannot be built.
pub fn target(env: &Env, addr: SocketAddr) -> Result<RawPost, LoadError> {
    let workload =
        password_workload(env.users(), Mode::Roundtrip)?.filtered(|c| c.name == "valid publish");
    RawPost::new(
        addr,
        authbench_authsvc::PATH_VALIDATE,
        red5_bodies(&workload),
        workload.cases.len(),
        AnswerKind::Red5pro,
    )
}

/// Searches the highest rate the reference service at `addr` sustains within budget.
///
/// # Errors
///
/// [`LoadError`] when a run cannot be set up.
pub fn search(
    env: &Env,
    addr: SocketAddr,
    opts: &CapacityOptions,
    style: ProgressStyle,
) -> Result<Capacity, LoadError> {
    search_target(
        env,
        Arc::new(target(env, addr)?),
        LoadedService::Reference,
        format!(
            "reference auth service POST {} (Red5 Pro body, hyper client)",
            authbench_authsvc::PATH_VALIDATE
        ),
        opts,
        style,
    )
}

/// Searches the highest rate `target` sustains within budget. `service` says which service it
/// is, for programs; `what` names it in the report's words, for people.
///
/// # Errors
///
/// [`LoadError`] when a run cannot be set up.
pub fn search_target<T: AsyncTarget>(
    env: &Env,
    target: Arc<T>,
    service: LoadedService,
    what: String,
    opts: &CapacityOptions,
    style: ProgressStyle,
) -> Result<Capacity, LoadError> {
    let cap = opts.max_rate.filter(|r| r.is_finite() && *r > 0.0);
    let burst = Plan {
        pace: cap.map_or(Pace::Closed, |rate| Pace::Open { rate }),
        warmup: Duration::from_millis(300),
        duration: Duration::from_secs(1),
        concurrency: opts.connections,
        batches: 1,
        timeline: None,
    };
    let phase = match cap {
        Some(rate) => format!("capacity: burst at the {rate:.0}/s ceiling"),
        None => "capacity: unpaced burst".into(),
    };
    let closed = env.run_target(target.clone(), &burst, style, &phase)?;
    let ceiling = closed.throughput();
    let top = cap.unwrap_or(f64::INFINITY);
    let budget_us = opts.budget_p99.as_secs_f64() * 1e6;
    let mut steps: Vec<CapacityStep> = Vec::new();
    let mut best: Option<(f64, f64)> = None;
    let (mut lo, mut hi) = (0.3 * ceiling, (1.05 * ceiling).min(top));
    let mut rate = (0.9 * ceiling).min(top);
    for _ in 0..=opts.iterations {
        if rate < 1.0 {
            break;
        }
        let plan = Plan {
            pace: Pace::Open { rate },
            warmup: Duration::from_millis(300),
            duration: opts.step,
            concurrency: opts.connections,
            batches: 1,
            timeline: None,
        };
        let run = env.run_target(
            target.clone(),
            &plan,
            style,
            &format!("capacity: {rate:.0}/s"),
        )?;
        let p99 = run.latency().map_or(f64::INFINITY, |l| l.p99_us);
        let throughput = run.throughput();
        let ok = p99 <= budget_us && throughput >= KEEP_UP * rate && run.failures() == 0;
        steps.push(CapacityStep {
            target_rate: rate.round(),
            throughput: throughput.round(),
            p99_us: if p99.is_finite() { p99 } else { 0.0 },
            errors: run.failures(),
            within_budget: ok,
        });
        if ok {
            if best.is_none_or(|(r, _)| rate > r) {
                best = Some((rate, throughput));
            }
            lo = rate;
        } else {
            hi = rate;
        }
        rate = (lo + hi) / 2.0;
    }
    let (rate, throughput) = best.unwrap_or((0.0, 0.0));
    let sustained_rate = steps
        .iter()
        .filter(|s| s.errors == 0 && s.throughput >= KEEP_UP * s.target_rate)
        .map(|s| s.target_rate)
        .fold(0.0, f64::max);
    Ok(Capacity {
        target: match cap {
            Some(rate) => format!("{what}; capped at {rate:.0}/s, the burst paced there"),
            None => what,
        },
        service: Some(service),
        max_rate: cap,
        budget_p99_us: budget_us,
        connections: opts.connections,
        rate: rate.round(),
        throughput: throughput.round(),
        sustained_rate,
        closed_loop_throughput: ceiling.round(),
        steps,
    })
}
