//! `authbench bench`: steady open-loop load per mode beside its reference, the throughput /
//! concurrency sweep, join storms and (on request) the capacity search, assembled into the
//! report's `load` section.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{AuthService, RunningService, ServiceHandle, ServiceOptions};
use authbench_report::{JoinStorm, LoadOptions, LoadSection, ModeLoad, ReferenceLoad, SweepPoint};
use authbench_scenario::Mode;
use tokio::runtime::Runtime;

use crate::LoadError;
use crate::capacity::{self, CapacityOptions};
use crate::engine::tasks::{self, AsyncTarget};
use crate::engine::{Live, Pace, Plan, RunResult, threads};
use crate::progress::{ProgressStyle, watch};
use crate::targets::{AuthTarget, Slowdown};
use crate::verdict::{Verdict, Workload};
use crate::workload::{self, ModeSetup, Reference, Users};

/// A join storm: `subscribers` subscribe requests arriving evenly within `window`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StormOptions {
    /// Subscribe requests.
    pub subscribers: u64,
    /// The window they arrive in.
    pub window: Duration,
}

/// What `authbench bench` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchOptions {
    /// Modes, in report order.
    pub modes: Vec<Mode>,
    /// Target rate per mode (requests per second); modes not listed use [`default_rate`].
    pub rates: BTreeMap<Mode, f64>,
    /// Measured time per steady run.
    pub duration: Duration,
    /// Warm-up before each run.
    pub warmup: Duration,
    /// Requests in flight at most; `None`: [`default_concurrency`] per mode.
    pub concurrency: Option<u32>,
    /// Batches per steady run (for the noise estimate).
    pub batches: u32,
    /// Generated identities.
    pub users: usize,
    /// Measure each mode's reference beside it.
    pub references: bool,
    /// Concurrency levels of the throughput sweep (empty: no sweep).
    pub sweep: Vec<u32>,
    /// Measured time per sweep point.
    pub sweep_duration: Duration,
    /// The join storm, if any.
    pub storm: Option<StormOptions>,
    /// The capacity search of the reference service, if any.
    pub capacity: Option<CapacityOptions>,
    /// Slowdowns injected on purpose into modes (fraction of each decision), to test the gate.
    pub slowdowns: BTreeMap<Mode, f64>,
    /// How progress is shown.
    pub progress: ProgressStyle,
    /// Scenario files (or folders) whose request steps are the workload; empty: the generated
    /// workload.
    pub paths: Vec<PathBuf>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            modes: Mode::ALL.to_vec(),
            rates: BTreeMap::new(),
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            concurrency: None,
            batches: 10,
            users: 64,
            references: true,
            sweep: vec![1, 2, 4, 8, 16, 32, 64],
            sweep_duration: Duration::from_millis(500),
            storm: Some(StormOptions {
                subscribers: 2000,
                window: Duration::from_secs(1),
            }),
            capacity: None,
            slowdowns: BTreeMap::new(),
            progress: ProgressStyle::Quiet,
            paths: Vec::new(),
        }
    }
}

/// The default target rate of a mode: well below what it sustains on a 2-core machine, so the
/// figures show the decision, not a queue (jwt 20,000/s, round trip 5,000/s, file with bcrypt
/// cost 5 300/s).
pub fn default_rate(mode: Mode) -> f64 {
    match mode {
        Mode::Jwt => 20_000.0,
        Mode::Roundtrip => 5_000.0,
        Mode::File => 300.0,
    }
}

/// The default concurrency of a mode: one thread per core in-process (a CPU-bound decision gains
/// nothing from more), 64 connections over HTTP.
pub fn default_concurrency(mode: Mode) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    match mode {
        Mode::Jwt | Mode::File => cores,
        Mode::Roundtrip => 64,
    }
}

/// The runtimes, the reference service and the fixtures a bench needs.
pub struct Env {
    client: Runtime,
    service_rt: Runtime,
    service: Option<RunningService>,
    dir: tempfile::TempDir,
    users: Users,
}

impl Env {
    /// Two runtimes (client and service, two workers each), `users` identities and a
    /// temporary folder for fixtures. The service starts when first needed.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] when a runtime or the folder cannot be made.
    pub fn new(users: usize) -> Result<Env, LoadError> {
        let rt = |name: &str| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name(name)
                .enable_all()
                .build()
                .map_err(|e| LoadError::setup("cannot start a runtime", e))
        };
        Ok(Env {
            client: rt("load-client")?,
            service_rt: rt("authsvc")?,
            service: None,
            dir: tempfile::tempdir().map_err(|e| LoadError::setup("temporary folder", e))?,
            users: Users::generate(users),
        })
    }

    /// The reference service's address, starting it on 127.0.0.1:0 the first time.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] when it cannot start.
    pub fn service(&mut self) -> Result<SocketAddr, LoadError> {
        if let Some(s) = &self.service {
            return Ok(s.local_addr());
        }
        let svc = AuthService::new(&self.users.identities, ServiceOptions::default())
            .map_err(|e| LoadError::setup("reference service", e))?;
        let running = self
            .service_rt
            .block_on(svc.spawn_loopback())
            .map_err(|e| LoadError::setup("reference service", e))?;
        let addr = running.local_addr();
        self.service = Some(running);
        Ok(addr)
    }

    /// The running service's controls (faults), if it was started.
    pub fn service_handle(&self) -> Option<&ServiceHandle> {
        self.service.as_ref().map(|s| s.handle())
    }

    /// The generated users.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The client runtime (for async targets).
    pub fn client(&self) -> &Runtime {
        &self.client
    }

    /// The runtime services run on.
    pub fn service_runtime(&self) -> &Runtime {
        &self.service_rt
    }

    /// Builds `mode`'s authenticator, workload and reference.
    ///
    /// # Errors
    ///
    /// [`LoadError::Setup`] when a fixture cannot be built.
    pub fn setup(&mut self, mode: Mode) -> Result<ModeSetup, LoadError> {
        match mode {
            Mode::Jwt => workload::jwt(&self.users, self.dir.path()),
            Mode::File => workload::file(&self.users, self.dir.path()),
            Mode::Roundtrip => {
                let addr = self.service()?;
                // The client is created inside the client runtime so its connection tasks live there.
                let _guard = self.client.enter();
                workload::roundtrip(&self.users, addr)
            }
        }
    }

    /// Runs `plan` with `auth` on `workload`: in-process modes on threads, round trip from tasks.
    ///
    /// # Errors
    ///
    /// See [`threads::run`] and [`tasks::run`].
    pub fn run_auth(
        &self,
        mode: Mode,
        auth: &Arc<dyn authbench_core::Authenticator>,
        workload: &Arc<Workload>,
        plan: &Plan,
        style: ProgressStyle,
        phase: &str,
    ) -> Result<RunResult, LoadError> {
        let live = Arc::new(Live::default());
        watch(
            style,
            phase,
            plan.warmup + plan.duration,
            &live,
            || match mode {
                Mode::Jwt | Mode::File => {
                    threads::run(plan, auth, workload, self.client.handle(), &live)
                }
                Mode::Roundtrip => self.client.block_on(tasks::run(
                    plan,
                    Arc::new(AuthTarget::new(auth.clone(), workload.clone())),
                    live.clone(),
                )),
            },
        )
    }

    /// Runs `plan` against an async target (raw HTTP).
    ///
    /// # Errors
    ///
    /// See [`tasks::run`].
    pub fn run_target<T: AsyncTarget>(
        &self,
        target: Arc<T>,
        plan: &Plan,
        style: ProgressStyle,
        phase: &str,
    ) -> Result<RunResult, LoadError> {
        let live = Arc::new(Live::default());
        watch(style, phase, plan.warmup + plan.duration, &live, || {
            self.client.block_on(tasks::run(plan, target, live.clone()))
        })
    }

    /// Runs `plan` against a reference with `workload`.
    ///
    /// # Errors
    ///
    /// See [`Env::run_auth`].
    pub fn run_reference(
        &self,
        reference: &Reference,
        workload: &Arc<Workload>,
        plan: &Plan,
        style: ProgressStyle,
        phase: &str,
    ) -> Result<RunResult, LoadError> {
        match reference {
            // In-process references run on threads, as jwt and file mode do.
            Reference::InProcess { auth, .. } => {
                self.run_auth(Mode::Jwt, auth, workload, plan, style, phase)
            }
            Reference::Http { target, .. } => self.run_target(target.clone(), plan, style, phase),
        }
    }
}

impl BenchOptions {
    /// The target rate of `mode`.
    pub fn rate_for(&self, mode: Mode) -> f64 {
        self.rates
            .get(&mode)
            .copied()
            .unwrap_or_else(|| default_rate(mode))
    }

    /// The concurrency of `mode`.
    pub fn concurrency_for(&self, mode: Mode) -> u32 {
        self.concurrency
            .unwrap_or_else(|| default_concurrency(mode))
    }
}

/// Runs everything `opts` asks for and returns the report's `load` section.
///
/// # Errors
///
/// [`LoadError`] when a fixture, the service or a run cannot be set up. Denies and failed
/// requests are results, not errors.
pub fn run(opts: &BenchOptions) -> Result<LoadSection, LoadError> {
    let mut env = Env::new(opts.users)?;
    let mut section = LoadSection {
        options: LoadOptions {
            duration_s: opts.duration.as_secs_f64(),
            warmup_s: opts.warmup.as_secs_f64(),
            batches: opts.batches,
            workload: format!(
                "generated: {} identities, 5 request cases per mode (8 of 11 requests allowed)",
                env.users().names.len()
            ),
            injected: opts
                .slowdowns
                .iter()
                .map(|(m, f)| format!("{m}: every decision slowed by {:.0}%", f * 100.0))
                .collect(),
            measured_by: None,
        },
        modes: Vec::new(),
        sweep: Vec::new(),
        join_storms: Vec::new(),
        capacity: None,
        self_checks: Vec::new(),
    };
    if !opts.paths.is_empty() {
        return run_scenarios(env, section, opts);
    }
    for &mode in &opts.modes {
        let setup = env.setup(mode)?;
        load_mode(&env, setup, opts, &mut section)?;
    }
    if let Some(c) = &opts.capacity {
        let addr = env.service()?;
        section.capacity = Some(capacity::search(&env, addr, c, opts.progress)?);
    }
    Ok(section)
}

/// Steady load, sweep and storm of one mode's setup, into `section`.
pub(crate) fn load_mode(
    env: &Env,
    mut setup: ModeSetup,
    opts: &BenchOptions,
    section: &mut LoadSection,
) -> Result<(), LoadError> {
    if let Some(&f) = opts.slowdowns.get(&setup.mode) {
        setup.auth = Arc::new(Slowdown::new(setup.auth.clone(), f));
    }
    section.modes.push(steady(env, &setup, opts)?);
    for &c in &opts.sweep {
        section.sweep.push(sweep_point(env, &setup, c, opts)?);
    }
    if let Some(storm) = opts.storm
        && let Some(s) = join_storm(env, &setup, storm, opts)?
    {
        section.join_storms.push(s);
    }
    Ok(())
}

/// Scenario files as workloads: every scenario against every mode. The capacity search does
/// not apply (it loads the generated service).
fn run_scenarios(
    env: Env,
    mut section: LoadSection,
    opts: &BenchOptions,
) -> Result<LoadSection, LoadError> {
    let scenarios = crate::scenario::load(&opts.paths)?;
    section.options.workload = format!(
        "scenario files: {} (request steps before the first event)",
        scenarios
            .iter()
            .map(|s| s.source.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut sessions = Vec::new();
    let mut skipped = Vec::new();
    let mut result = Ok(());
    'outer: for scenario in &scenarios {
        for &mode in &opts.modes {
            let step = crate::scenario::setup(&env, scenario, mode).and_then(|found| match found {
                Some((setup, session)) => {
                    sessions.push(session);
                    load_mode(&env, setup, opts, &mut section)
                }
                None => {
                    skipped.push(format!("{} ({mode})", scenario.name));
                    Ok(())
                }
            });
            if let Err(e) = step {
                result = Err(e);
                break 'outer;
            }
        }
    }
    for session in sessions {
        env.service_runtime().block_on(session.shutdown());
    }
    result?;
    if !skipped.is_empty() {
        section.options.workload.push_str(&format!(
            "; skipped, no repeatable request step: {}",
            skipped.join(", ")
        ));
    }
    Ok(section)
}

/// One steady run of a mode, and its reference at the same rate.
pub fn steady(env: &Env, setup: &ModeSetup, opts: &BenchOptions) -> Result<ModeLoad, LoadError> {
    let mode = setup.mode;
    let rate = opts.rate_for(mode);
    let plan = Plan {
        pace: Pace::Open { rate },
        warmup: opts.warmup,
        duration: opts.duration,
        concurrency: opts.concurrency_for(mode),
        batches: opts.batches,
        timeline: None,
    };
    let run = env.run_auth(
        mode,
        &setup.auth,
        &setup.workload,
        &plan,
        opts.progress,
        &format!("{mode} at {rate:.0}/s"),
    )?;
    let latency = run.latency().ok_or(LoadError::NothingMeasured)?;
    let reference = match (&setup.reference, opts.references) {
        (Some(reference), true) => {
            let ref_plan = Plan {
                duration: (opts.duration / 2)
                    .max(Duration::from_secs(1))
                    .min(opts.duration),
                ..plan.clone()
            };
            let r = env.run_reference(
                reference,
                &setup.workload,
                &ref_plan,
                opts.progress,
                &format!("{mode} reference"),
            )?;
            r.latency().map(|rl| ReferenceLoad {
                name: reference.name().to_owned(),
                ratio_p50: ratio(latency.p50_us, rl.p50_us),
                ratio_p99: ratio(latency.p99_us, rl.p99_us),
                latency: rl,
            })
        }
        _ => None,
    };
    Ok(ModeLoad {
        mode,
        target: setup.target.clone(),
        scenario: setup.scenario.clone(),
        path: setup.path.clone(),
        target_rate: rate,
        offered_rate: round2(run.offered_rate()),
        throughput: round2(run.throughput()),
        concurrency: run.concurrency,
        requests: run.requests(),
        service_time: run.service_time(),
        batches: run.batches(),
        noise: run.noise(),
        behaviour: run.behaviour(&setup.workload.cases),
        latency,
        reference,
        // Sent by this process, not by another tool's workers.
        workers: None,
    })
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        round2(a / b * 100.0) / 100.0
    } else {
        0.0
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Closed-loop throughput of a mode at one concurrency.
fn sweep_point(
    env: &Env,
    setup: &ModeSetup,
    concurrency: u32,
    opts: &BenchOptions,
) -> Result<SweepPoint, LoadError> {
    let plan = Plan {
        pace: Pace::Closed,
        warmup: (opts.sweep_duration / 5).min(Duration::from_millis(200)),
        duration: opts.sweep_duration,
        concurrency,
        batches: 1,
        timeline: None,
    };
    let run = env.run_auth(
        setup.mode,
        &setup.auth,
        &setup.workload,
        &plan,
        opts.progress,
        &format!("{} sweep ×{concurrency}", setup.mode),
    )?;
    let st = run.service_time().ok_or(LoadError::NothingMeasured)?;
    Ok(SweepPoint {
        mode: setup.mode,
        target: setup.target.clone(),
        scenario: setup.scenario.clone(),
        concurrency,
        throughput: round2(run.throughput()),
        p50_us: st.p50_us,
        p99_us: st.p99_us,
    })
}

/// Timeline buckets of a storm over its window.
const STORM_BUCKETS: u32 = 25;

/// A join storm against a mode: the subscribe requests it should allow. `None` when the
/// workload has none.
pub fn join_storm(
    env: &Env,
    setup: &ModeSetup,
    storm: StormOptions,
    opts: &BenchOptions,
) -> Result<Option<JoinStorm>, LoadError> {
    let subscribers = storm.subscribers.max(1);
    let window = storm.window.max(Duration::from_millis(1));
    let workload = Arc::new(setup.workload.filter_requests(|req, case| {
        req.action == authbench_core::Action::Subscribe && case.expected == Verdict::Allow
    }));
    if workload.requests.is_empty() {
        return Ok(None);
    }
    let plan = Plan {
        pace: Pace::Open {
            rate: subscribers as f64 / window.as_secs_f64(),
        },
        warmup: Duration::ZERO,
        duration: window,
        concurrency: opts.concurrency_for(setup.mode),
        batches: 1,
        timeline: Some(window / STORM_BUCKETS),
    };
    let run = env.run_auth(
        setup.mode,
        &setup.auth,
        &workload,
        &plan,
        opts.progress,
        &format!("{} join storm", setup.mode),
    )?;
    let allowed = run
        .rec
        .outcomes
        .iter()
        .flatten()
        .filter(|(v, _)| *v == Verdict::Allow)
        .map(|(_, n)| n)
        .sum();
    Ok(Some(JoinStorm {
        mode: setup.mode,
        target: setup.target.clone(),
        scenario: setup.scenario.clone(),
        subscribers: run.requests(),
        window_s: window.as_secs_f64(),
        concurrency: run.concurrency,
        drained_s: (run.drained_s() * 1000.0).round() / 1000.0,
        allowed,
        latency: run.latency().ok_or(LoadError::NothingMeasured)?,
        behaviour: run.behaviour(&workload.cases),
        timeline: run.timeline(),
    }))
}
