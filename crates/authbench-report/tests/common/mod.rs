//! Realistic run results, shaped like what the scenario runner produces for the shipped library:
//! three modes, a revocation where the modes differ, a rule file mode cannot express, an auth
//! service outage, and one failed expectation.

#![allow(dead_code)] // each test binary uses a different part

use std::time::Duration;

use authbench_core::Mode;
use authbench_core::outcome::{
    Actual, Expected, JoinTimes, ModeRun, ScenarioRun, StepOutcome, TargetInfo,
};
use authbench_core::{Capabilities, Capability, DenyReason, Transport};

/// What each mode can express in the sample configuration.
pub fn caps(mode: Mode) -> Capabilities {
    use Capability::*;
    let list: &[Capability] = match mode {
        Mode::Jwt => &[Roles, Rooms, Transports, Tenants, Expiry, OfflineDecision],
        Mode::Roundtrip => &[
            Roles,
            Rooms,
            Transports,
            Tenants,
            Revocation,
            PasswordChange,
        ],
        Mode::File => &[Roles, PasswordChange, OfflineDecision],
    };
    list.iter().copied().collect()
}

pub fn allow(principal: &str) -> Actual {
    Actual::Allow {
        principal: principal.to_owned(),
    }
}

pub fn deny(reason: DenyReason, detail: &str) -> Actual {
    Actual::Deny {
        reason,
        detail: detail.to_owned(),
    }
}

pub fn unsupported(missing: &[Capability], would: &str) -> Actual {
    Actual::Unsupported {
        missing: missing.to_vec(),
        would: would.to_owned(),
    }
}

/// A step of one mode; `passed` is computed the way the runner does.
pub fn step(
    index: usize,
    name: &str,
    line: usize,
    expected: Expected,
    actual: Actual,
    us: u64,
) -> StepOutcome {
    StepOutcome {
        index,
        name: name.to_owned(),
        line,
        passed: actual.meets(expected),
        expected,
        actual,
        latency: Duration::from_micros(us),
        service_calls: Some(0),
        expected_service_calls: None,
        why: None,
        note: None,
    }
}

/// A small deterministic generator, so sample latencies look measured but never change.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    /// Uniform in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` latencies around `base_us` with a long tail (1 % up to `tail`× slower).
pub fn samples(seed: u64, n: usize, base_us: f64, tail: f64) -> Vec<Duration> {
    let mut g = Lcg::new(seed);
    (0..n)
        .map(|_| {
            let jitter = 0.8 + 0.5 * g.next();
            let slow = if g.next() < 0.01 {
                1.0 + tail * g.next()
            } else {
                1.0
            };
            Duration::from_nanos((base_us * jitter * slow * 1000.0) as u64)
        })
        .collect()
}

fn mode_run(mode: Mode, steps: Vec<StepOutcome>, seed: u64) -> ModeRun {
    let (base, tail) = match mode {
        Mode::Jwt => (4.0, 8.0),
        Mode::Roundtrip => (220.0, 6.0),
        Mode::File => (1150.0, 0.6),
    };
    ModeRun {
        mode,
        target: None,
        capabilities: caps(mode),
        samples: samples(seed, 400, base, tail),
        joins: Vec::new(),
        steps,
        error: None,
    }
}

fn scenario(
    name: &str,
    description: &str,
    use_case: Option<&str>,
    modes: Vec<ModeRun>,
) -> ScenarioRun {
    ScenarioRun {
        name: name.to_owned(),
        description: description.to_owned(),
        source: format!("scenarios/{name}.yaml"),
        use_case: use_case.map(str::to_owned),
        modes,
    }
}

/// The revocation scenario: after the admin revokes alice, only round-trip mode refuses her.
pub fn revocation() -> ScenarioRun {
    use DenyReason::*;
    let before = |m| {
        step(
            0,
            "alice publishes before revocation",
            14,
            Expected::Allow,
            allow("alice"),
            lat(m),
        )
    };
    let after = |m: Mode| {
        let (expected, actual) = match m {
            Mode::Roundtrip => (
                Expected::Deny(Revoked),
                deny(Revoked, "auth service answered 403: user alice is revoked"),
            ),
            _ => (Expected::Allow, allow("alice")),
        };
        step(
            1,
            "alice publishes after revocation",
            21,
            expected,
            actual,
            lat(m),
        )
    };
    let expired = |m: Mode| {
        let (expected, actual) = match m {
            Mode::Jwt => (
                Expected::Deny(Expired),
                deny(
                    Expired,
                    "token expired at 1700000060, now 1700000061 (leeway 0s)",
                ),
            ),
            Mode::Roundtrip => (
                Expected::Deny(Revoked),
                deny(Revoked, "auth service answered 403: user alice is revoked"),
            ),
            Mode::File => (Expected::Allow, allow("alice")),
        };
        step(
            2,
            "alice subscribes after the token's exp",
            28,
            expected,
            actual,
            lat(m),
        )
    };
    scenario(
        "revocation-before-expiry",
        "An operator bans a publisher mid-session; the token they hold is still within its lifetime.",
        Some("Revoking access before a token expires"),
        Mode::ALL
            .iter()
            .map(|&m| mode_run(m, vec![before(m), after(m), expired(m)], 1 + m as u64))
            .collect(),
    )
}

/// Rooms: file mode cannot express per-room rights.
pub fn rooms() -> ScenarioRun {
    use DenyReason::*;
    let own = |m| {
        step(
            0,
            "alice publishes to room1",
            12,
            Expected::Allow,
            allow("alice"),
            lat(m),
        )
    };
    let other = |m: Mode| {
        let (expected, actual) = match m {
            Mode::File => (
                Expected::Unsupported,
                unsupported(&[Capability::Rooms], "allow"),
            ),
            Mode::Jwt => (
                Expected::Deny(RoomForbidden),
                deny(
                    RoomForbidden,
                    "room `room2` is not in the token's rooms claim",
                ),
            ),
            Mode::Roundtrip => (
                Expected::Deny(RoomForbidden),
                deny(
                    RoomForbidden,
                    "auth service answered 403: room2 not allowed for alice",
                ),
            ),
        };
        step(1, "alice publishes to room2", 18, expected, actual, lat(m))
    };
    let sub = |m| {
        step(
            2,
            "bob subscribes with a publisher-only account",
            24,
            Expected::Deny(RoleForbidden),
            deny(RoleForbidden, "bob may not subscribe"),
            lat(m),
        )
    };
    scenario(
        "room-restriction",
        "A publisher is allowed into one room only; a viewer-only account tries to publish.",
        Some("Multi-room events with per-room rights"),
        Mode::ALL
            .iter()
            .map(|&m| mode_run(m, vec![own(m), other(m), sub(m)], 10 + m as u64))
            .collect(),
    )
}

/// The auth service goes down: round-trip fails closed; then one failed expectation.
pub fn outage() -> ScenarioRun {
    use DenyReason::*;
    let down = |m: Mode| {
        let (expected, actual) = match m {
            Mode::Roundtrip => (
                Expected::Deny(BackendUnavailable),
                deny(BackendUnavailable, "connect to 127.0.0.1:41234 refused"),
            ),
            _ => (Expected::Allow, allow("alice")),
        };
        step(
            0,
            "alice publishes while the auth service is down",
            16,
            expected,
            actual,
            lat(m),
        )
    };
    let restored = |m: Mode| {
        let actual = match m {
            // The failed expectation: the service is back but slow, and the client timed out.
            Mode::Roundtrip => deny(BackendTimeout, "no answer within 2s"),
            _ => allow("alice"),
        };
        step(
            1,
            "alice publishes after the service is restored",
            23,
            Expected::Allow,
            actual,
            lat(m),
        )
    };
    scenario(
        "auth-service-outage",
        "The external auth service is unreachable for a while, then comes back.",
        None,
        Mode::ALL
            .iter()
            .map(|&m| mode_run(m, vec![down(m), restored(m)], 20 + m as u64))
            .collect(),
    )
}

fn lat(mode: Mode) -> u64 {
    match mode {
        Mode::Jwt => 4,
        Mode::Roundtrip => 230,
        Mode::File => 1180,
    }
}

/// The whole sample run.
pub fn runs() -> Vec<ScenarioRun> {
    vec![revocation(), rooms(), outage()]
}

/// A step the target world could not run, with the reason.
pub fn skipped(
    index: usize,
    name: &str,
    line: usize,
    expected: Expected,
    reason: &str,
) -> StepOutcome {
    StepOutcome {
        passed: false,
        service_calls: None,
        ..step(
            index,
            name,
            line,
            expected,
            Actual::Skipped {
                reason: reason.to_owned(),
            },
            0,
        )
    }
}

/// What the sample target's round-trip column tested.
pub const STAGING_TESTED: &str = "http://127.0.0.1:8089 (red5pro)";

/// The note a target's deny without a reason carries when it meets an expected deny.
pub const NO_REASON: &str = "denied, no reason given by the target";

/// A round-trip run against the user's target `staging`.
pub fn staging_run(steps: Vec<StepOutcome>, seed: u64) -> ModeRun {
    ModeRun {
        target: Some(TargetInfo {
            name: "staging".to_owned(),
            tested: STAGING_TESTED.to_owned(),
        }),
        samples: samples(seed, 100, 900.0, 3.0),
        ..mode_run(Mode::Roundtrip, steps, seed)
    }
}

/// The sample run with `--target staging --with-builtin`: every scenario also ran round trip
/// against the user's staging service, which has no `control` (so steps after a revocation or
/// an outage are skipped), no account for bob, and answers only yes or no.
pub fn runs_with_target() -> Vec<ScenarioRun> {
    use DenyReason::*;
    let uncontrolled =
        |event: &str| format!("follows an event the target has no control for: {event}");
    let mut runs = runs();
    // revocation-before-expiry: alice is let in, then the revocation cannot reach the target.
    runs[0].modes.push(staging_run(
        vec![
            step(
                0,
                "alice publishes before revocation",
                14,
                Expected::Allow,
                allow("qa-alice"),
                910,
            ),
            skipped(
                1,
                "alice publishes after revocation",
                21,
                Expected::Deny(Revoked),
                &uncontrolled("revoke"),
            ),
            skipped(
                2,
                "alice subscribes after the token's exp",
                28,
                Expected::Deny(Revoked),
                &uncontrolled("revoke"),
            ),
        ],
        31,
    ));
    // room-restriction: the service says no without a reason; bob has no account there.
    let mut no_reason = step(
        1,
        "alice publishes to room2",
        18,
        Expected::Deny(RoomForbidden),
        deny(BackendRejected, "the service answered {\"result\":false}"),
        880,
    );
    no_reason.passed = true;
    no_reason.note = Some(NO_REASON.to_owned());
    runs[1].modes.push(staging_run(
        vec![
            step(
                0,
                "alice publishes to room1",
                12,
                Expected::Allow,
                allow("qa-alice"),
                905,
            ),
            no_reason,
            skipped(
                2,
                "bob subscribes with a publisher-only account",
                24,
                Expected::Deny(RoleForbidden),
                "identity `bob` has no account at the target",
            ),
        ],
        32,
    ));
    // auth-service-outage: the target's service cannot be stopped from here.
    runs[2].modes.push(staging_run(
        vec![
            skipped(
                0,
                "alice publishes while the auth service is down",
                16,
                Expected::Deny(BackendUnavailable),
                &uncontrolled("service_down"),
            ),
            skipped(
                1,
                "alice publishes after the service is restored",
                23,
                Expected::Allow,
                &uncontrolled("service_down"),
            ),
        ],
        33,
    ));
    runs
}

/// What the sample media target's round-trip column tested.
pub const LAB_TESTED: &str = "rtmp://127.0.0.1:1935, whep http://127.0.0.1:8889 (media server)";

/// The decision of the sample's one reference join that was not admitted.
pub const OPEN_FAILURE: &str = "deny(server_refused): the reference answered 404 \"no stream\"";

fn ms(tenths: u64) -> Duration {
    Duration::from_micros(tenths * 100)
}

/// A round-trip run against the media server of the user's target `lab`, asked over the wire,
/// with the joins it timed.
pub fn lab_run(steps: Vec<StepOutcome>, seed: u64, joins: Vec<JoinTimes>) -> ModeRun {
    ModeRun {
        target: Some(TargetInfo {
            name: "lab".to_owned(),
            tested: LAB_TESTED.to_owned(),
        }),
        samples: samples(seed, 20, 4000.0, 1.0),
        joins,
        ..mode_run(Mode::Roundtrip, steps, seed)
    }
}

/// The joins of the sample media run, over two scenarios. RTMP, pooled: 10 admitted joins of 1 to
/// 10 ms, 3 refused of 2, 3 and 4 ms, 10 reference joins of 0.5 to 5 ms and one reference join
/// refused. WHEP: one admitted join of 3 ms and no reference. The first scenario lists WHEP
/// before RTMP.
pub fn lab_joins() -> [Vec<JoinTimes>; 2] {
    let first = vec![
        JoinTimes {
            admitted: vec![ms(30)],
            ..JoinTimes::new(Transport::Whep)
        },
        JoinTimes {
            admitted: (1..=5).map(|n| ms(10 * n)).collect(),
            refused: vec![ms(20), ms(40)],
            open: (1..=5).map(|n| ms(5 * n)).collect(),
            ..JoinTimes::new(Transport::Rtmp)
        },
    ];
    let second = vec![JoinTimes {
        admitted: (6..=10).map(|n| ms(10 * n)).collect(),
        refused: vec![ms(30)],
        open: (6..=10).map(|n| ms(5 * n)).collect(),
        open_failed: 1,
        open_failure: Some(OPEN_FAILURE.to_owned()),
        ..JoinTimes::new(Transport::Rtmp)
    }];
    [first, second]
}

/// The first two scenarios of the sample with a `roundtrip @ lab` column beside the built-in
/// ones: a media server asked over the wire, carrying `joins` (one list per scenario).
pub fn runs_with_media(joins: [Vec<JoinTimes>; 2]) -> Vec<ScenarioRun> {
    let mut runs = runs();
    runs.truncate(2);
    for ((run, joins), seed) in runs.iter_mut().zip(joins).zip(41..) {
        let steps = vec![step(
            0,
            &run.modes[0].steps[0].name,
            run.modes[0].steps[0].line,
            Expected::Allow,
            allow("lab-alice"),
            4100,
        )];
        run.modes.push(lab_run(steps, seed, joins));
    }
    runs
}

/// A load section shaped like what `authbench bench` writes: two modes with references, a sweep,
/// a join storm, a capacity search and self-checks.
pub fn load_section() -> authbench_report::LoadSection {
    use authbench_report::*;
    let stats = |seed: u64, base: f64| {
        let s = samples(seed, 2000, base, 20.0);
        authbench_report::LatencyStats { ..latency_of(&s) }
    };
    let behaviour = |case: &str, expected: &str, outcomes: &[(&str, u64)]| CaseBehaviour {
        case: case.into(),
        expected: expected.into(),
        outcomes: outcomes
            .iter()
            .map(|(o, n)| OutcomeCount {
                outcome: (*o).into(),
                count: *n,
            })
            .collect(),
    };
    let mode = |mode: Mode, base: f64, rate: f64, reference: &str| ModeLoad {
        mode,
        target: None,
        scenario: None,
        path: if mode == Mode::Roundtrip {
            "POST /validateCredentials".into()
        } else {
            "in-process".into()
        },
        target_rate: rate,
        offered_rate: rate,
        throughput: rate * 0.999,
        concurrency: 2,
        requests: (rate * 10.0) as u64,
        latency: stats(mode as u64 + 40, base),
        service_time: Some(stats(mode as u64 + 50, base * 0.9)),
        batches: (0..10)
            .map(|i| BatchStats {
                requests: rate as u64,
                p50_us: base * (1.0 + 0.01 * f64::from(i % 3)),
                p99_us: base * 3.0,
            })
            .collect(),
        noise: Noise {
            p50_rel: 0.012,
            p99_rel: 0.08,
        },
        reference: Some(ReferenceLoad {
            name: reference.into(),
            latency: stats(mode as u64 + 60, base / 1.1),
            ratio_p50: 1.1,
            ratio_p99: 1.2,
        }),
        behaviour: vec![
            behaviour("valid publish", "allow", &[("allow", 800)]),
            behaviour(
                "wrong password",
                "deny(bad_password)",
                &[("deny(bad_password)", 99), ("deny(backend_timeout)", 1)],
            ),
        ],
        workers: None,
    };
    LoadSection {
        options: LoadOptions {
            duration_s: 10.0,
            warmup_s: 1.0,
            batches: 10,
            workload: "generated: 64 identities <b>".into(),
            injected: Vec::new(),
            measured_by: None,
        },
        modes: vec![
            mode(Mode::Jwt, 4.0, 20_000.0, "raw jsonwebtoken::decode HS256"),
            mode(Mode::Roundtrip, 150.0, 5_000.0, "raw loopback POST"),
        ],
        sweep: [1u32, 2, 4, 8]
            .iter()
            .flat_map(|&c| {
                [
                    SweepPoint {
                        mode: Mode::Jwt,
                        target: None,
                        scenario: None,
                        concurrency: c,
                        throughput: 200_000.0 * f64::from(c.min(2)),
                        p50_us: 4.0,
                        p99_us: 9.0,
                    },
                    SweepPoint {
                        mode: Mode::Roundtrip,
                        target: None,
                        scenario: None,
                        concurrency: c,
                        throughput: 8_000.0 * f64::from(c),
                        p50_us: 120.0,
                        p99_us: 400.0,
                    },
                ]
            })
            .collect(),
        join_storms: vec![JoinStorm {
            mode: Mode::Roundtrip,
            target: None,
            scenario: None,
            subscribers: 2000,
            window_s: 1.0,
            concurrency: 64,
            drained_s: 1.2,
            allowed: 2000,
            latency: stats(70, 300.0),
            behaviour: vec![behaviour("valid subscribe", "allow", &[("allow", 2000)])],
            timeline: (0..30)
                .map(|k| StormBucket {
                    t_ms: f64::from(k) * 40.0,
                    arrived: if k < 25 { 80 } else { 0 },
                    completed: if k < 25 { 76 } else { 20 },
                    p99_us: Some(300.0 + f64::from(k) * 50.0),
                })
                .collect(),
        }],
        capacity: Some(Capacity {
            target: "reference auth service POST /validateCredentials".into(),
            service: Some(LoadedService::Reference),
            max_rate: None,
            budget_p99_us: 5000.0,
            connections: 64,
            rate: 41_000.0,
            throughput: 40_900.0,
            sustained_rate: 46_800.0,
            closed_loop_throughput: 52_000.0,
            steps: vec![
                CapacityStep {
                    target_rate: 46_800.0,
                    throughput: 44_000.0,
                    p99_us: 9000.0,
                    errors: 0,
                    within_budget: false,
                },
                CapacityStep {
                    target_rate: 41_000.0,
                    throughput: 40_900.0,
                    p99_us: 3100.0,
                    errors: 0,
                    within_budget: true,
                },
            ],
        }),
        self_checks: vec![SelfCheck {
            name: "a 100 ms stall shows in p99 and max".into(),
            passed: true,
            measured: "p99 83 ms, max 101 ms".into(),
            expected: "max ≥ 100 ms and p99 ≥ 50 ms".into(),
        }],
    }
}

fn latency_of(samples: &[Duration]) -> authbench_report::LatencyStats {
    let mut h = hdrhistogram::Histogram::<u64>::new(3).expect("histogram");
    for s in samples {
        h.record(s.as_nanos() as u64).expect("record");
    }
    authbench_report::summarise_histogram(&h).expect("samples")
}
