//! Distributed runs on Locust, end to end: `authbench serve` in its own process stands in for a
//! user's auth service, a target file points at it, `authbench export locust` writes the
//! workload, a Locust master with two workers (all on 127.0.0.1) runs it, `authbench import
//! locust` reads the result, and `authbench compare` gates it: the import against itself passes,
//! a second run after 20 ms of latency is added to the service (`POST /admin/faults`) fails.
//!
//! Needs Locust: `scripts/install-locust.sh`, then
//! `cargo test -p authbench-cli --features locust --test locust`. Without it the test fails and
//! says so: with the feature on, a missing Locust is an error, never a silent skip.

#![cfg(feature = "locust")]
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::Killed;

/// The rate and length of each Locust run (two runs: well under 20 s of load in all).
const RATE: &str = "40";
const DURATION: &str = "6s";
/// How long a Locust run may take before the test gives up (generous: start-up of three Python
/// processes on a loaded 2-core machine).
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn authbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_authbench"))
}

/// The `locust` program: `AUTHBENCH_LOCUST`, the install script's virtual environment, or PATH.
fn locust() -> PathBuf {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("AUTHBENCH_LOCUST") {
        candidates.push(PathBuf::from(p));
    }
    let venv = std::env::var_os("AUTHBENCH_LOCUST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/authbench/locust-venv"))
        });
    if let Some(v) = venv {
        candidates.push(v.join("bin/locust"));
    }
    candidates.push(PathBuf::from("locust"));
    for c in candidates {
        let works = Command::new(&c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works {
            return c;
        }
    }
    panic!(
        "locust not found (AUTHBENCH_LOCUST, ~/.cache/authbench/locust-venv/bin/locust, PATH): \
         run scripts/install-locust.sh first"
    );
}

/// A free port on 127.0.0.1 (free when asked; Locust binds it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for `child` to exit, within [`RUN_LIMIT`]; its stderr goes to `log`.
fn wait(mut child: Killed, what: &str, log: &Path) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(
                status.success(),
                "{what} exited with {status}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            return;
        }
        assert!(
            start.elapsed() < RUN_LIMIT,
            "{what} still running after {RUN_LIMIT:?}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One headless Locust run of the locustfile in `export`, a master and two workers on loopback,
/// its `--csv` files written to `out/locust_*`.
fn run_locust(locust: &Path, export: &Path, out: &Path) {
    std::fs::create_dir_all(out).unwrap();
    let port = free_port().to_string();
    let locustfile = export.join("locustfile.py");
    let log = |name: &str| std::fs::File::create(out.join(name)).unwrap();
    let master = Command::new(locust)
        .arg("-f")
        .arg(&locustfile)
        .args(["--headless", "--master", "--expect-workers", "2"])
        .args([
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &port,
        ])
        .args([
            "--exit-code-on-error",
            "0",
            "--loglevel",
            "WARNING",
            "--csv",
        ])
        .arg(out.join("locust"))
        .stdout(Stdio::null())
        .stderr(log("master.log"))
        .spawn()
        .unwrap();
    let master = Killed(master);
    let workers: Vec<Killed> = (0..2)
        .map(|i| {
            Killed(
                Command::new(locust)
                    .arg("-f")
                    .arg(&locustfile)
                    .args([
                        "--worker",
                        "--master-host",
                        "127.0.0.1",
                        "--master-port",
                        &port,
                    ])
                    .args(["--loglevel", "WARNING"])
                    .stdout(Stdio::null())
                    .stderr(log(&format!("worker{i}.log")))
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    wait(master, "locust --master", &out.join("master.log"));
    drop(workers);
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    eprintln!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `POST {base}{path}` with a JSON body over a plain loopback connection; the status code.
fn post(base: &str, path: &str, body: &str) -> u16 {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap()
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// The outcomes of a case in an imported report: `[(outcome, count)]`.
fn outcomes(report: &Value, case: &str) -> Vec<String> {
    report["load"]["modes"][0]["behaviour"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == case)
        .unwrap_or_else(|| panic!("case {case} missing"))["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["outcome"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_locust_run_with_two_workers_is_imported_and_gated_by_compare() {
    let locust = locust();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The "user's" auth service: two accounts, reasons in answers, no lockout (the workload's
    // unknown-user requests would lock their made-up names out).
    std::fs::write(
        d.join("serve.yaml"),
        "service: {expose_reasons: true, lockout: {max_failures: 0}}\n\
         identities:\n  qa-alice: {password: alice-secret-pw}\n  qa-bob: {password: bob-secret-pw}\n",
    )
    .unwrap();
    let service = common::serve(&d.join("serve.yaml"));
    let base = service.base.clone();
    std::fs::create_dir(d.join("secrets")).unwrap();
    std::fs::write(d.join("secrets/alice"), "alice-secret-pw").unwrap();
    std::fs::write(d.join("secrets/bob"), "bob-secret-pw").unwrap();
    std::fs::write(
        d.join("target.yaml"),
        format!(
            "name: local\nroundtrip: {{url: {base}/validateCredentials, protocol: red5pro, timeout: 2s}}\n\
             identities:\n  alice: {{user: qa-alice, password: {{file: secrets/alice}}}}\n  \
             bob: {{user: qa-bob, password: {{file: secrets/bob}}}}\n"
        ),
    )
    .unwrap();

    let export = d.join("export");
    let out = run(authbench()
        .args(["export", "locust", "--target"])
        .arg(d.join("target.yaml"))
        .arg("--out")
        .arg(&export)
        .args(["--rate", RATE, "--duration", DURATION]));
    assert_eq!(out.status.code(), Some(0));
    // 2 accounts × 8 requests, 40/s over 8 users.
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("16 requests cycled by 8 users at 5.00/s each (40/s in all) for 6 s"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Passwords only in requests.json, readable by its owner alone.
    let plan = std::fs::read_to_string(export.join("plan.json")).unwrap();
    let locustfile = std::fs::read_to_string(export.join("locustfile.py")).unwrap();
    let requests = std::fs::read_to_string(export.join("requests.json")).unwrap();
    for text in [&plan, &locustfile] {
        assert!(!text.contains("alice-secret-pw") && !text.contains("bob-secret-pw"));
    }
    assert!(
        requests.contains(r#"\"password\":\"alice-secret-pw\""#),
        "{requests}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(export.join("requests.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The rate guard of bench --target: a remote service above 1,000/s needs --max-rate.
    let guarded = run(authbench()
        .args(["export", "locust", "--builtin", "http://auth.example:8089"])
        .arg("--out")
        .arg(d.join("guarded"))
        .args(["--rate", "5000"]));
    assert_eq!(guarded.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&guarded.stderr).contains("needs an explicit --max-rate"),
        "{}",
        String::from_utf8_lossy(&guarded.stderr)
    );
    assert!(!d.join("guarded").exists());
    // Not a Locust run: bad input, naming what is missing.
    let not_a_run = run(authbench()
        .args(["import", "locust"])
        .arg(&export)
        .arg("--out")
        .arg(d.join("nothing")));
    assert_eq!(not_a_run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_a_run.stderr).contains("no PREFIX_authbench.json"));

    // Baseline: a master and two workers, imported, compared with itself.
    run_locust(&locust, &export, &d.join("run1"));
    let rep1 = d.join("report1");
    let out = run(authbench()
        .args(["import", "locust"])
        .arg(d.join("run1"))
        .arg("--out")
        .arg(&rep1));
    assert_eq!(out.status.code(), Some(0));
    let r1 = report(&rep1);
    let mode = &r1["load"]["modes"][0];
    assert_eq!(mode["mode"], "roundtrip");
    assert_eq!(mode["target"], "local");
    assert_eq!(mode["target_rate"], 40.0);
    assert_eq!(mode["concurrency"], 8);
    assert_eq!(outcomes(&r1, "valid publish"), ["allow"]);
    assert_eq!(outcomes(&r1, "valid subscribe"), ["allow"]);
    // No wrong password for the target's real accounts (a lockout would lock them).
    assert!(
        r1["load"]["modes"][0]["behaviour"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["case"] != "wrong password"),
        "{r1}"
    );
    assert_eq!(outcomes(&r1, "unknown user"), ["deny(unknown_user)"]);
    assert!(
        r1["load"]["options"]["measured_by"]
            .as_str()
            .unwrap()
            .starts_with("Locust 2.47.0 (2 workers, 8 users): each user is a closed loop")
    );
    let rps = mode["throughput"].as_f64().unwrap();
    assert!((30.0..=50.0).contains(&rps), "throughput {rps}/s");
    let md = std::fs::read_to_string(rep1.join("report.md")).unwrap();
    assert!(
        md.contains("Measured by Locust 2.47.0 (2 workers, 8 users)")
            && !md.contains("Open-loop load"),
        "{md}"
    );
    let html = std::fs::read_to_string(rep1.join("report.html")).unwrap();
    assert!(
        html.contains("Measured by Locust 2.47.0") && html.contains("Latency in µs from the send."),
        "{html}"
    );
    let compare = |a: &Path, b: &Path| {
        run(authbench()
            .arg("compare")
            .arg(a.join("report.json"))
            .arg(b.join("report.json")))
    };
    let same = compare(&rep1, &rep1);
    assert_eq!(same.status.code(), Some(0));

    // 20 ms more per answer: the gate must flag the second run.
    assert_eq!(
        post(&base, "/admin/faults", r#"{"latency": {"fixed": "20ms"}}"#),
        200
    );
    run_locust(&locust, &export, &d.join("run2"));
    let rep2 = d.join("report2");
    let out = run(authbench()
        .args(["import", "locust"])
        .arg(d.join("run2"))
        .arg("--out")
        .arg(&rep2));
    assert_eq!(out.status.code(), Some(0));
    let r2 = report(&rep2);
    assert!(
        r2["load"]["modes"][0]["latency"]["p50_us"]
            .as_f64()
            .unwrap()
            >= 20_000.0
    );
    let slower = compare(&rep1, &rep2);
    assert_eq!(slower.status.code(), Some(1));
    let text = String::from_utf8_lossy(&slower.stdout);
    assert!(
        text.contains("| roundtrip @ local | p50 µs under load |") && text.contains("❌ worse"),
        "{text}"
    );
}
