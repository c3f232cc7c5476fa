//! The measured figures recommendations are checked against: decision latency per mode and,
//! when a load run is at hand, p99 and throughput at given rates. Both `--report` and the quick
//! in-process measurement end up here, through [`Measurements::from_report`].

use authbench_core::duration::format_micros;
use authbench_report::{ActualOutcome, Report};
use authbench_scenario::Mode;
use serde::Serialize;

/// Where the figures came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureSource {
    /// A `report.json` given with `--report`.
    Report {
        /// The file.
        path: String,
        /// When the report was made.
        generated_at: String,
        /// `release` or `debug`.
        build_profile: String,
    },
    /// Measured just now, in-process, with the scenario runner.
    Quick {
        /// The modes measured (those of the options the deployment does not rule out).
        modes: Vec<Mode>,
        /// Decisions timed per mode.
        decisions_per_mode: u32,
        /// `release` or `debug`.
        build_profile: String,
    },
    /// Nothing was measured (every option that needs a figure was ruled out beforehand).
    None,
}

/// Decision latency at one arrival rate, from a load run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadPoint {
    /// Requests per second asked for.
    pub rate_per_s: f64,
    /// Requests completed per second.
    pub throughput_per_s: f64,
    /// 99th percentile latency at that rate, queueing included, in microseconds.
    pub p99_us: f64,
    /// Requests that got no well-formed answer (a rate with errors is not kept up with).
    pub errors: u64,
    /// Which run it comes from (`steady load`, `capacity search`).
    pub run: String,
}

/// The figures for one mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeFigures {
    /// The mode.
    pub mode: Mode,
    /// Decisions timed.
    pub decisions: u64,
    /// What the single-decision figures are taken over, in words (`200 single decisions`).
    pub sample: String,
    /// Median decision latency, in microseconds.
    pub p50_us: f64,
    /// 99th percentile decision latency, in microseconds.
    pub p99_us: f64,
    /// Latency at given arrival rates, in increasing rate order (empty without a load run).
    pub load: Vec<LoadPoint>,
}

/// Every figure at hand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurements {
    /// Where they came from.
    pub source: FigureSource,
    /// Per mode; a mode that was not measured is absent.
    pub modes: Vec<ModeFigures>,
    /// What to keep in mind about the figures (a debug build, a mode that could not run).
    pub notes: Vec<String>,
    /// The round-trip auth service's capacity per instance, when a capacity search found one.
    pub capacity: Option<ServiceCapacity>,
    /// The round-trip rate one load generator reached, when a load run sent round trips.
    pub generator: Option<GeneratorRate>,
}

/// The capacity of one auth-service instance, from a capacity search (`authbench bench
/// --capacity`, or `--target FILE --capacity` against one instance of a real service).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCapacity {
    /// The highest rate found whose p99 stayed within the budget, per second (the report's
    /// `capacity.rate`; 0 when even the lowest rate tried missed it).
    pub rate_per_s: f64,
    /// The p99 budget of the search, in microseconds.
    pub budget_p99_us: f64,
    /// What was loaded, in words (the report's `capacity.target`).
    pub of: String,
    /// Whether the search loaded authbench's built-in reference service rather than a target's
    /// (the report's `capacity.service`).
    pub reference: bool,
    /// The `--max-rate` ceiling the search ran under, per second (the report's
    /// `capacity.max_rate`); `None` when it was not capped.
    pub max_rate_per_s: Option<f64>,
    /// Where the figure comes from, in words.
    pub source: String,
}

impl ServiceCapacity {
    /// Whether the search loaded the built-in reference service rather than a target.
    pub fn of_reference_service(&self) -> bool {
        self.reference
    }

    /// Whether `--max-rate` capped the search, so that the service may hold more than found.
    pub fn capped(&self) -> bool {
        self.max_rate_per_s.is_some()
    }
}

/// The round-trip rate one load generator (one `authbench bench` process, one Locust worker)
/// completed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratorRate {
    /// Requests completed per second by one generator.
    pub rate_per_s: f64,
    /// Whether it completed what it was asked for (then it may do more: the figure is a floor).
    pub kept_up: bool,
    /// Where the figure comes from, in words.
    pub source: String,
}

/// A throughput within this fraction of the asked-for rate counts as keeping up.
pub const KEEPS_UP: f64 = 0.95;

impl Measurements {
    /// No figures at all.
    pub fn none() -> Self {
        Measurements {
            source: FigureSource::None,
            modes: Vec::new(),
            notes: Vec::new(),
            capacity: None,
            generator: None,
        }
    }

    /// The figures in a report: per-mode decision latency, plus the `load` section's steady runs
    /// and capacity search when present.
    ///
    /// Single-decision latency is that of allowed requests, the normal path of a join. When every
    /// decision a mode made in the report was an allow (the quick measurement), the report's
    /// latency summary over all of them is used. Otherwise the scenarios also held denials,
    /// timeouts and injected service faults, whose latency is not what a join costs: the figures
    /// are then taken over the allowed steps only (one latency per step, the median of a
    /// repeated step).
    pub fn from_report(report: &Report, source: FigureSource) -> Self {
        let mut from_steps = false;
        let mut modes: Vec<ModeFigures> = report
            .latency
            .iter()
            // The figures of the built-in world: a target column measures the user's deployment.
            .filter(|ml| ml.target.is_none())
            .filter_map(|ml| {
                let s = ml.summary.as_ref()?;
                let only_allows = report
                    .totals
                    .modes
                    .iter()
                    .find(|t| t.mode == ml.mode && t.target.is_none())
                    .is_none_or(|t| t.denied == 0 && t.unsupported == 0);
                if only_allows {
                    return Some(ModeFigures {
                        mode: ml.mode,
                        decisions: ml.count,
                        sample: format!("{} single decisions", fmt_rate(ml.count as f64)),
                        p50_us: s.p50_us,
                        p99_us: s.p99_us,
                        load: Vec::new(),
                    });
                }
                from_steps = true;
                let mut allowed = allowed_step_latencies(report, ml.mode);
                allowed.sort_by(f64::total_cmp);
                Some(ModeFigures {
                    mode: ml.mode,
                    decisions: allowed.len() as u64,
                    sample: format!(
                        "{} allowed request{} of the report's scenarios",
                        fmt_rate(allowed.len() as f64),
                        if allowed.len() == 1 { "" } else { "s" }
                    ),
                    p50_us: nearest_rank(&allowed, 50.0)?,
                    p99_us: nearest_rank(&allowed, 99.0)?,
                    load: Vec::new(),
                })
            })
            .collect();
        for (mode, point) in crate::load::points(report) {
            match modes.iter_mut().find(|m| m.mode == mode) {
                Some(m) => m.load.push(point),
                // A load-only report (`authbench bench`) has no single-decision figures: the
                // lowest-rate run stands in for them.
                None => modes.push(ModeFigures {
                    mode,
                    decisions: 0,
                    sample: format!("the {} run at {} /s", point.run, fmt_rate(point.rate_per_s)),
                    p50_us: point.p99_us,
                    p99_us: point.p99_us,
                    load: vec![point],
                }),
            }
        }
        for m in &mut modes {
            m.load.sort_by(|a, b| a.rate_per_s.total_cmp(&b.rate_per_s));
        }
        let mut notes = Vec::new();
        if from_steps && report.load.is_none() {
            notes.push(
                "figures from a scenario run: one latency per allowed request, each scenario from a \
                 fresh fixture, so first requests (connections, key fetches) weigh in and the p99 \
                 of a few dozen requests is their slowest; `authbench bench` measures steady load"
                    .to_owned(),
            );
        }
        if report.build.profile == "debug" {
            notes.push(
                "figures measured by a debug build: expect them several times slower than a \
                 release build"
                    .to_owned(),
            );
        }
        let name = match &source {
            FigureSource::Report { path, .. } => path.clone(),
            FigureSource::Quick { .. } | FigureSource::None => "the measured figures".to_owned(),
        };
        let capacity = crate::load::capacity(report).map(|c| ServiceCapacity {
            rate_per_s: c.rate,
            budget_p99_us: c.budget_p99_us,
            of: c.target.clone(),
            reference: crate::load::of_reference_service(c),
            max_rate_per_s: crate::load::max_rate(c),
            source: format!(
                "`capacity.rate` in {name}: the highest rate whose p99 stayed within {} in the \
                 capacity search of {}",
                format_micros(c.budget_p99_us),
                c.target
            ),
        });
        let generator = crate::load::generator_rate(report, &name);
        Measurements {
            source,
            modes,
            notes,
            capacity,
            generator,
        }
    }

    /// The figures for `mode`, if it was measured.
    pub fn mode(&self, mode: Mode) -> Option<&ModeFigures> {
        self.modes.iter().find(|m| m.mode == mode)
    }
}

impl LoadPoint {
    /// Whether the mode kept up with the rate: throughput close to it and no failed requests.
    pub fn keeps_up(&self) -> bool {
        self.errors == 0 && self.throughput_per_s >= KEEPS_UP * self.rate_per_s
    }
}

/// The latency of every step `mode` allowed, in microseconds.
fn allowed_step_latencies(report: &Report, mode: Mode) -> Vec<f64> {
    report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|step| &step.results)
        .filter(|r| {
            r.mode == mode && r.target.is_none() && matches!(r.actual, ActualOutcome::Allow { .. })
        })
        .map(|r| r.latency_us)
        .filter(|l| l.is_finite() && *l >= 0.0)
        .collect()
}

/// The nearest-rank percentile of sorted `values`; `None` when there are none.
fn nearest_rank(sorted: &[f64], pct: f64) -> Option<f64> {
    let n = sorted.len();
    let rank = ((pct / 100.0 * n as f64).ceil() as usize).clamp(1, n.max(1));
    sorted.get(rank - 1).copied()
}

/// What one mode costs at the rate it must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct CostAtRate {
    /// p99 decision latency in microseconds.
    pub p99_us: f64,
    /// How the figure was chosen, in words: `at 2 000 joins/s (steady load)`,
    /// `over 200 single decisions`.
    pub basis: String,
    /// The arrival rate the p99 was measured at, when it comes from a load run.
    pub at_rate: Option<f64>,
    /// When a load run shows the mode falling behind the rate: the best throughput seen.
    pub short_of_rate: Option<f64>,
}

impl ModeFigures {
    /// The p99 to compare with a budget when the mode must carry `rate` joins per second: from
    /// the slowest load run at or above `rate` when there is one, else the single-decision p99;
    /// and whether load runs show the mode cannot keep up with `rate`.
    pub fn cost_at(&self, rate: f64) -> CostAtRate {
        let at_or_above = self.load.iter().find(|p| p.rate_per_s >= rate);
        let best = self
            .load
            .iter()
            .map(|p| p.throughput_per_s)
            .fold(None, |acc: Option<f64>, t| {
                Some(acc.map_or(t, |a| a.max(t)))
            });
        match at_or_above {
            Some(p) => CostAtRate {
                p99_us: p.p99_us,
                basis: format!("at {} joins/s ({})", fmt_rate(p.rate_per_s), p.run),
                at_rate: Some(p.rate_per_s),
                short_of_rate: (!p.keeps_up()).then_some(p.throughput_per_s),
            },
            None => CostAtRate {
                p99_us: self.p99_us,
                basis: if self.load.is_empty() {
                    format!("over {}", self.sample)
                } else {
                    format!(
                        "over {} (load runs reached only {} joins/s)",
                        self.sample,
                        fmt_rate(self.load.last().map_or(0.0, |p| p.rate_per_s))
                    )
                },
                at_rate: None,
                // Load runs below the rate that already fell behind, or never reached it.
                short_of_rate: best
                    .filter(|&b| b < KEEPS_UP * rate && self.load.iter().any(|p| !p.keeps_up())),
            },
        }
    }
}

/// `2 000`, `150`, `2.5`: a rate for people.
pub fn fmt_rate(rate: f64) -> String {
    if rate >= 1000.0 {
        let whole = rate.round() as u64;
        let mut digits = whole.to_string();
        let mut out = String::new();
        while digits.len() > 3 {
            let tail = digits.split_off(digits.len() - 3);
            out = format!(" {tail}{out}");
        }
        format!("{digits}{out}")
    } else if rate >= 10.0 || rate.fract() == 0.0 {
        format!("{}", rate.round() as u64)
    } else {
        format!("{rate:.1}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn figures(load: Vec<LoadPoint>) -> ModeFigures {
        ModeFigures {
            mode: Mode::Roundtrip,
            decisions: 300,
            sample: "300 single decisions".into(),
            p50_us: 400.0,
            p99_us: 900.0,
            load,
        }
    }

    fn point(rate: f64, throughput: f64, p99_us: f64) -> LoadPoint {
        LoadPoint {
            rate_per_s: rate,
            throughput_per_s: throughput,
            p99_us,
            errors: 0,
            run: "steady load".into(),
        }
    }

    #[test]
    fn cost_uses_the_first_load_run_at_or_above_the_rate() {
        let f = figures(vec![
            point(500.0, 500.0, 1_000.0),
            point(2_000.0, 1_990.0, 41_000.0),
            point(4_000.0, 2_500.0, 900_000.0),
        ]);
        let c = f.cost_at(1_500.0);
        assert_eq!(c.p99_us, 41_000.0);
        assert_eq!(c.at_rate, Some(2_000.0));
        assert_eq!(c.short_of_rate, None);
        assert_eq!(c.basis, "at 2 000 joins/s (steady load)");

        let c = f.cost_at(3_000.0);
        assert_eq!(c.p99_us, 900_000.0);
        assert_eq!(c.short_of_rate, Some(2_500.0));
    }

    #[test]
    fn without_a_run_at_the_rate_the_single_decision_p99_is_used() {
        let f = figures(vec![point(500.0, 500.0, 1_000.0)]);
        let c = f.cost_at(1_000.0);
        assert_eq!(c.p99_us, 900.0);
        assert!(c.basis.contains("reached only 500 joins/s"), "{}", c.basis);
        assert_eq!(
            c.short_of_rate, None,
            "a run that kept up says nothing about more"
        );

        let f = figures(vec![point(500.0, 300.0, 80_000.0)]);
        assert_eq!(f.cost_at(1_000.0).short_of_rate, Some(300.0));

        let c = figures(Vec::new()).cost_at(10.0);
        assert_eq!(c.basis, "over 300 single decisions");
    }

    #[test]
    fn nearest_rank_percentiles() {
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&hundred, 99.0), Some(99.0));
        assert_eq!(nearest_rank(&hundred, 50.0), Some(50.0));
        assert_eq!(nearest_rank(&[1.0, 2.0], 50.0), Some(1.0));
        assert_eq!(nearest_rank(&[1.0, 2.0], 99.0), Some(2.0));
        assert_eq!(nearest_rank(&[], 99.0), None);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_rate(2000.0), "2 000");
        assert_eq!(fmt_rate(1_234_567.0), "1 234 567");
        assert_eq!(fmt_rate(150.0), "150");
        assert_eq!(fmt_rate(2.5), "2.5");
        assert_eq!(fmt_rate(3.0), "3");
    }
}
