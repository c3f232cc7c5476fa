//! `authbench bench`: open-loop load per mode beside its reference, written as
//! report.{json,md,html} with a `load` section; `--self-check` runs the measurement self-checks;
//! `--target FILE` loads a user's round-trip service instead, behind the rate guard.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use authbench_load::bench::{self, BenchOptions, StormOptions};
use authbench_load::capacity::CapacityOptions;
use authbench_load::progress::ProgressStyle;
use authbench_load::selfcheck::{self, Bounds};
use authbench_load::target::{self, TargetBench};
use authbench_report::{LoadOptions, LoadSection, Report, RunOptions, TargetReport};
use authbench_scenario::Mode;

use crate::args::BenchArgs;
use crate::{CliError, EXIT_DENY, print_out};

/// `N` for every mode, or `MODE=N,…`.
fn parse_rates(text: &str, modes: &[Mode]) -> Result<BTreeMap<Mode, f64>, CliError> {
    let bad = |what: &str| CliError::Usage(format!("--rate {text}: {what}"));
    let number = |s: &str| -> Result<f64, CliError> {
        let v: f64 = s
            .trim()
            .trim_end_matches("/s")
            .parse()
            .map_err(|_| bad("expected a number of requests per second"))?;
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(bad("the rate must be above 0"))
        }
    };
    if !text.contains('=') {
        let v = number(text)?;
        return Ok(modes.iter().map(|&m| (m, v)).collect());
    }
    let mut rates = BTreeMap::new();
    for part in text.split(',') {
        let (m, v) = part.split_once('=').ok_or_else(|| bad("expected MODE=N"))?;
        let mode: Mode = m.trim().parse().map_err(|e: String| bad(&e))?;
        rates.insert(mode, number(v)?);
    }
    Ok(rates)
}

/// `N/T` (`2000/1s`) or `off`.
fn parse_storm(text: &str) -> Result<Option<StormOptions>, CliError> {
    if text == "off" {
        return Ok(None);
    }
    let bad = || {
        CliError::Usage(format!(
            "--storm {text}: expected N/T such as 2000/1s, or off"
        ))
    };
    let (n, t) = text.split_once('/').ok_or_else(bad)?;
    let subscribers: u64 = n.trim().parse().map_err(|_| bad())?;
    let window = authbench_core::duration::parse_duration(t.trim()).map_err(|_| bad())?;
    if subscribers == 0 || window.is_zero() {
        return Err(bad());
    }
    Ok(Some(StormOptions {
        subscribers,
        window,
    }))
}

fn parse_sweep(text: &str) -> Result<Vec<u32>, CliError> {
    if text == "off" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|c| {
            c.trim()
                .parse::<u32>()
                .ok()
                .filter(|&n| (1..=1024).contains(&n))
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "--sweep {text}: expected concurrency levels 1 to 1024 such as 1,2,4,8, or off"
                    ))
                })
        })
        .collect()
}

fn parse_slowdowns(items: &[String]) -> Result<BTreeMap<Mode, f64>, CliError> {
    items
        .iter()
        .map(|item| {
            let bad = || {
                CliError::Usage(format!(
                    "--inject-slowdown {item}: expected MODE=PCT such as jwt=10"
                ))
            };
            let (m, p) = item.split_once('=').ok_or_else(bad)?;
            let mode: Mode = m.trim().parse().map_err(|_| bad())?;
            let pct: f64 = p.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
            if !(0.0..=1000.0).contains(&pct) {
                return Err(bad());
            }
            Ok((mode, pct / 100.0))
        })
        .collect()
}

/// The options a command line asks for.
pub(crate) fn options(args: &BenchArgs) -> Result<BenchOptions, CliError> {
    if !args.paths.is_empty() && args.capacity {
        return Err(CliError::Usage(
            "--capacity loads the generated reference service; run it without scenario paths"
                .into(),
        ));
    }
    let mut modes: Vec<Mode> = Vec::new();
    for &m in &args.modes {
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let mut opts = BenchOptions {
        modes: modes.clone(),
        duration: args.duration,
        warmup: args.warmup,
        concurrency: args.concurrency,
        batches: args.batches.clamp(1, 1000),
        users: args.users.clamp(8, 100_000),
        references: !args.no_references,
        slowdowns: parse_slowdowns(&args.inject_slowdown)?,
        progress: ProgressStyle::detect(),
        paths: args.paths.clone(),
        ..BenchOptions::default()
    };
    if args.quick {
        opts.duration = opts.duration.min(Duration::from_secs(2));
        opts.warmup = opts.warmup.min(Duration::from_millis(500));
        opts.sweep = vec![1, 4, 16, 64];
        opts.sweep_duration = Duration::from_millis(200);
        opts.storm = Some(StormOptions {
            subscribers: 500,
            window: Duration::from_millis(500),
        });
    }
    if let Some(r) = &args.rate {
        opts.rates = parse_rates(r, &modes)?;
    }
    if let Some(s) = &args.sweep {
        opts.sweep = parse_sweep(s)?;
    }
    if let Some(s) = &args.storm {
        opts.storm = parse_storm(s)?;
    }
    if args.duration.is_zero() {
        return Err(CliError::Usage("--duration must be longer than 0".into()));
    }
    if args.concurrency == Some(0) {
        return Err(CliError::Usage("--concurrency must be at least 1".into()));
    }
    if args.capacity {
        opts.capacity = Some(CapacityOptions {
            budget_p99: args.budget,
            connections: args.connections.clamp(1, 1024),
            step: if args.quick {
                Duration::from_millis(600)
            } else {
                CapacityOptions::default().step
            },
            iterations: if args.quick { 3 } else { 6 },
            max_rate: args.max_rate,
        });
    }
    Ok(opts)
}

/// The round-trip service and accounts of `--target FILE` (and `--users-file`). Reads files
/// only: nothing is resolved or sent.
fn target_bench(file: &Path, users_file: Option<&Path>) -> Result<TargetBench, CliError> {
    let shown = file.display();
    let loaded = authbench_target::load(file)?;
    let config = loaded
        .roundtrip_config()
        .map_err(|e| CliError::Usage(format!("{shown}: {e}")))?
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{shown}: no `roundtrip:` section; bench --target loads a round-trip auth service"
            ))
        })?;
    let (accounts, accounts_from) = match users_file {
        Some(path) => (
            target::read_users_file(path).map_err(|e| CliError::Usage(e.to_string()))?,
            format!("users file {}", path.display()),
        ),
        None => {
            let accounts = password_accounts(&loaded)?;
            if accounts.is_empty() {
                return Err(CliError::Usage(format!(
                    "{shown}: no identity under `identities:` has a password to send; map some, \
                     or give --users-file"
                )));
            }
            (
                accounts,
                "the target file's identities with a password".to_owned(),
            )
        }
    };
    let service = loaded
        .describe()
        .roundtrip_service
        .unwrap_or_else(|| "(not a URL)".into());
    Ok(TargetBench {
        name: loaded.name().to_owned(),
        service,
        config,
        base_dir: loaded.base_dir().to_owned(),
        accounts,
        accounts_from,
    })
}

pub(crate) async fn run(args: BenchArgs) -> Result<u8, CliError> {
    let opts = options(&args)?;
    let mut targets = Vec::new();
    let aimed = match &args.target {
        Some(file) => {
            let bench = target_bench(file, args.users_file.as_deref())?;
            // Before any connection: a refused rate sends nothing.
            bench
                .check_guard(&opts, args.max_rate)
                .map_err(|(what, e)| {
                    CliError::Usage(format!("{}: {what}: {e}; nothing was sent", file.display()))
                })?;
            targets.push(TargetReport {
                name: bench.name.clone(),
                mode: Mode::Roundtrip,
                tested: format!("{} ({})", bench.service, bench.config.protocol.as_str()),
            });
            Some(bench)
        }
        None => None,
    };
    if !args.paths.is_empty() {
        // Checked here so a bad scenario is bad input (exit 2), not a failure of the load run.
        crate::run::load_scenarios(&args.paths)?;
    }
    let out = args.out.clone();
    let (self_check, tolerant, quick) = (args.self_check, args.tolerant, args.quick);
    let max_rate = args.max_rate;
    let load = tokio::task::spawn_blocking(move || -> Result<LoadSection, CliError> {
        if let Some(bench) = &aimed {
            Ok(target::run(&opts, bench, max_rate)?)
        } else if self_check {
            let bounds = if tolerant {
                Bounds::Tolerant
            } else {
                Bounds::Strict
            };
            let checks = selfcheck::run(bounds, quick, opts.progress)?;
            Ok(LoadSection {
                options: LoadOptions {
                    duration_s: 0.0,
                    warmup_s: 0.0,
                    batches: 0,
                    workload: format!(
                        "self-checks ({} bounds{})",
                        if tolerant { "tolerant" } else { "strict" },
                        if quick { ", quick" } else { "" }
                    ),
                    injected: Vec::new(),
                    measured_by: None,
                },
                modes: Vec::new(),
                sweep: Vec::new(),
                join_storms: Vec::new(),
                capacity: None,
                self_checks: checks,
            })
        } else {
            Ok(bench::run(&opts)?)
        }
    })
    .await
    .map_err(CliError::Task)??;

    let modes: Vec<Mode> = load.modes.iter().map(|m| m.mode).collect();
    let mut report = Report::build(&[], &RunOptions { quick, modes });
    report.targets = targets;
    report.load = Some(load);
    report
        .write_all(&out)
        .map_err(|source| CliError::WriteReport {
            dir: out.clone(),
            source,
        })?;
    print_summary(&report)?;
    eprintln!(
        "report written to {}/report.{{json,md,html}}",
        out.display()
    );
    let passed = report.load.as_ref().is_none_or(|l| l.self_checks_passed());
    Ok(if passed { 0 } else { EXIT_DENY })
}

/// The summary `bench` prints on stdout: self-checks, then a line per mode, storm and capacity.
fn print_summary(report: &Report) -> Result<(), CliError> {
    let Some(load) = &report.load else {
        return Ok(());
    };
    for c in &load.self_checks {
        print_out(&format!(
            "{} {}: {} (expected {})",
            if c.passed { "ok  " } else { "FAIL" },
            c.name,
            c.measured,
            c.expected
        ))?;
    }
    if !load.modes.is_empty() {
        print_out(&format!(
            "{:<10} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10}  reference ×p50",
            "mode", "target/s", "done/s", "p50 µs", "p99 µs", "p99.9 µs", "max µs"
        ))?;
    }
    for m in &load.modes {
        let l = &m.latency;
        print_out(&format!(
            "{:<10} {:>9.0} {:>9.0} {:>10.2} {:>10.2} {:>10.2} {:>10.2}  {}",
            m.label(),
            m.target_rate,
            m.throughput,
            l.p50_us,
            l.p99_us,
            l.p99_9_us,
            l.max_us,
            m.reference.as_ref().map_or_else(
                || "-".to_owned(),
                |r| format!("{:.2}× ({})", r.ratio_p50, r.name)
            )
        ))?;
    }
    for s in &load.join_storms {
        print_out(&format!(
            "join storm {:<9} {} subscribers within {}s: drained in {:.2}s, p99 {:.0} µs, max {:.0} µs",
            s.label(),
            s.subscribers,
            s.window_s,
            s.drained_s,
            s.latency.p99_us,
            s.latency.max_us
        ))?;
    }
    if let Some(c) = &load.capacity {
        print_out(&format!(
            "capacity: {:.0}/s with p99 ≤ {:.0} µs; kept up with {:.0}/s whatever the p99 ({} connections; unpaced {:.0}/s)",
            c.rate, c.budget_p99_us, c.sustained_rate, c.connections, c.closed_loop_throughput
        ))?;
    }
    Ok(())
}

/// The accounts `target`'s identities map to that have a password, secrets read now
/// (token-only identities have nothing to send to a round-trip service).
pub(crate) fn password_accounts(
    target: &authbench_target::LoadedTarget,
) -> Result<Vec<target::Account>, CliError> {
    let mut accounts = Vec::new();
    for identity in target.identities() {
        match target.account(identity) {
            Some(Ok(account)) => {
                if let Some(password) = account.password {
                    accounts.push(target::Account {
                        user: account.user,
                        password,
                    });
                }
            }
            Some(Err(e)) => {
                return Err(CliError::Usage(format!("{}: {e}", target.file().display())));
            }
            None => {}
        }
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_storms_and_sweeps_parse() {
        let all = Mode::ALL.to_vec();
        assert_eq!(parse_rates("1000", &all).expect("rate").len(), 3);
        let r = parse_rates("jwt=50000,file=100/s", &all).expect("rates");
        assert_eq!(r.get(&Mode::Jwt), Some(&50_000.0));
        assert_eq!(r.get(&Mode::File), Some(&100.0));
        assert!(parse_rates("ldap=5", &all).is_err());
        assert!(parse_rates("0", &all).is_err());
        let s = parse_storm("2000/1s").expect("storm").expect("on");
        assert_eq!((s.subscribers, s.window), (2000, Duration::from_secs(1)));
        assert!(parse_storm("off").expect("off").is_none());
        assert!(parse_storm("2000").is_err());
        assert_eq!(parse_sweep("1,4,16").expect("sweep"), vec![1, 4, 16]);
        assert!(parse_sweep("0").is_err());
        let sd = parse_slowdowns(&["jwt=10".into()]).expect("slowdown");
        assert_eq!(sd.get(&Mode::Jwt), Some(&0.1));
    }
}
