//! `authbench export locust`: the workload written as a locustfile and its data.
//!
//! The folder holds:
//!
//! * `locustfile.py`: one user class (Locust's `FastHttpUser`) that replays the requests, each
//!   user paced by `constant_throughput(rate / users)`, and a `LoadTestShape` that starts every
//!   user at once and stops after the duration. Each answer is judged as round-trip mode judges
//!   it and recorded with the outcome as the request name (`allow`, `deny:<reason>`,
//!   `error:<kind>`) and the case as the request type, so Locust's statistics separate them.
//!   When the run writes `--csv PREFIX`, the master also writes `PREFIX_authbench.json` (the plan,
//!   no secret) for `authbench import locust`.
//! * `plan.json`: rate, duration, users, cases, the service's origin and protocol. No secret.
//! * `requests.json`: the request paths, headers and bodies, **with the accounts' passwords and
//!   the service's header values**, which the load needs. Written with permissions 0600; copy it
//!   to the load machines as a secret and delete it after the run.
//! * `serve.yaml` (built-in world only): the deployment config to start `authbench serve` with,
//!   holding the generated users and their passwords (0600 too).
//! * `ca.pem`: a copy of the service's `ca_file`, when it has one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use authbench_core::{Action, AuthRequest, Credentials, DenyReason, Role, StreamPath, Transport};
use authbench_roundtrip::RoundTripConfig;
use authbench_scenario::Mode;
use serde_json::json;

use super::capture::{self, split_url};
use crate::LoadError;
use crate::verdict::{Case, Verdict, Workload};
use crate::workload::{Users, password_workload};

/// The Locust version the locustfile is written for and tested with (`scripts/install-locust.sh`).
pub const LOCUST_VERSION: &str = "2.47.0";
/// Requests per second one Locust user is paced to by default: far below what one closed-loop
/// user manages against a service answering within 100 ms, so users are never the bottleneck.
pub const DEFAULT_RATE_PER_USER: f64 = 5.0;
/// The most users an export asks for.
pub const MAX_USERS: u32 = 100_000;

const LOCUSTFILE: &str = include_str!("locustfile.py");

/// How the exported run is paced.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// Requests per second, over all users and workers.
    pub rate: f64,
    /// How long the load runs.
    pub duration: Duration,
    /// Locust users (default: `rate / DEFAULT_RATE_PER_USER`, at least 1).
    pub users: Option<u32>,
}

/// What the export loads, for the plan and the imported report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// The target's name (`None`: the built-in world, `authbench serve` with generated users).
    pub target: Option<String>,
    /// The workload, in words.
    pub workload: String,
}

pub use crate::target::Account;

/// What [`write`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The files written, in the folder.
    pub files: Vec<PathBuf>,
    /// The files holding secrets (written 0600).
    pub secret_files: Vec<PathBuf>,
    /// Distinct requests replayed.
    pub requests: usize,
    /// Locust users.
    pub users: u32,
    /// Requests per second per user.
    pub per_user_rate: f64,
}

/// The built-in world's workload: `authbench bench`'s generated users and request cycle (valid
/// publishes and subscribes, wrong password, unknown user, a publisher-only user subscribing).
pub fn builtin_workload(users: &Users) -> Result<Workload, LoadError> {
    password_workload(users, Mode::Roundtrip)
}

/// Round-trip mode as `authbench bench` points it at its reference service (Red5 Pro protocol),
/// for `authbench serve` at `base_url` (`http://host:port`).
pub fn builtin_config(base_url: &str) -> RoundTripConfig {
    RoundTripConfig::new(
        format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            authbench_authsvc::PATH_VALIDATE
        ),
        authbench_roundtrip::Protocol::Red5pro,
    )
}

/// The deployment config `authbench serve --config` needs to answer the built-in workload as
/// `bench`'s own reference service does: the generated users, deny reasons in answers, no
/// lockout (the workload sends wrong passwords on purpose). Holds the passwords.
pub fn serve_config(users: &Users) -> String {
    let mut out = String::from(
        "# authbench serve --config serve.yaml --listen ADDR: the reference auth service with the\n\
         # users of `authbench export locust --builtin`. Holds their (generated) passwords.\n\
         service:\n  expose_reasons: true\n  lockout: {max_failures: 0}\nidentities:\n",
    );
    for name in &users.names {
        let Some(id) = users.identities.get(name) else {
            continue;
        };
        let roles: Vec<&str> = id
            .roles
            .iter()
            .map(|r| match r {
                Role::Publisher => "publisher",
                Role::Subscriber => "subscriber",
            })
            .collect();
        let _ = write!(
            out,
            "  {name}: {{password: {}",
            serde_json::Value::String(id.password.expose().to_owned())
        );
        if !roles.is_empty() {
            let _ = write!(out, ", roles: [{}]", roles.join(", "));
        }
        out.push_str("}\n");
    }
    out
}

/// A target's workload from its mapped accounts: per account a cycle of 8 requests, 7 with valid
/// credentials (publish and subscribe) and one unknown user. No wrong password is sent for a real
/// account: a service's lockout would lock it (and the valid requests after it would measure
/// refusals), as `bench --target` also avoids.
///
/// # Errors
///
/// [`LoadError::EmptyWorkload`] without an account.
pub fn target_workload(accounts: &[Account]) -> Result<Workload, LoadError> {
    if accounts.is_empty() {
        return Err(LoadError::EmptyWorkload);
    }
    let cases = vec![
        Case {
            name: "valid publish".into(),
            expected: Verdict::Allow,
        },
        Case {
            name: "valid subscribe".into(),
            expected: Verdict::Allow,
        },
        Case {
            name: "unknown user".into(),
            expected: Verdict::Deny(DenyReason::UnknownUser),
        },
    ];
    let mut requests = Vec::with_capacity(accounts.len() * 8);
    for (u, a) in accounts.iter().enumerate() {
        let path = StreamPath::new(&format!("live/room{}/cam{u}", u % 4))
            .map_err(|e| LoadError::setup("stream path", e))?;
        let valid = || Credentials::user_password(a.user.clone(), a.password.clone());
        for (case, credentials) in [
            (0, valid()),
            (1, valid()),
            (0, valid()),
            (1, valid()),
            (0, valid()),
            (1, valid()),
            (0, valid()),
            (
                2,
                Credentials::user_password(format!("nobody{u:03}"), "whatever"),
            ),
        ] {
            let action = if case == 1 {
                Action::Subscribe
            } else {
                Action::Publish
            };
            let req = AuthRequest::new(action, Transport::Rtmp, path.clone(), credentials);
            requests.push((req, case));
        }
    }
    Ok(Workload { cases, requests })
}

/// Users for `opts`, and each one's rate.
fn pacing(opts: &ExportOptions) -> Result<(u32, f64), LoadError> {
    if !(opts.rate.is_finite() && opts.rate > 0.0) {
        return Err(LoadError::Setup("the rate must be above 0".into()));
    }
    if opts.duration.is_zero() {
        return Err(LoadError::Setup(
            "the duration must be longer than 0".into(),
        ));
    }
    let users = match opts.users {
        Some(0) => return Err(LoadError::Setup("--users must be at least 1".into())),
        Some(u) => u,
        None => {
            let wanted = (opts.rate / DEFAULT_RATE_PER_USER).ceil();
            if wanted > f64::from(MAX_USERS) {
                MAX_USERS
            } else {
                // In 1..=MAX_USERS: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let w = wanted.max(1.0) as u32;
                w
            }
        }
    };
    if users > MAX_USERS {
        return Err(LoadError::Setup(
            format!("--users {users}: at most {MAX_USERS}").into(),
        ));
    }
    Ok((users, opts.rate / f64::from(users)))
}

/// Deny reasons a service's answer may name that round-trip mode passes through (every client
/// code; infrastructure codes are only ever decided by the client side).
fn passed_reasons() -> Vec<&'static str> {
    DenyReason::ALL
        .iter()
        .filter(|r| {
            !matches!(
                r,
                DenyReason::BackendRejected
                    | DenyReason::BackendUnavailable
                    | DenyReason::BackendTimeout
                    | DenyReason::BackendProtocolError
                    | DenyReason::ReplayCacheFull
            )
        })
        .map(|r| r.code())
        .collect()
}

/// Writes the locustfile and its data into `dir` (created if needed): the requests of
/// `workload`, with the bodies round-trip mode configured as `config` sends (see the module
/// docs), paced as `opts` asks.
///
/// # Errors
///
/// [`LoadError::Setup`] for bad options, a URL that is not http(s), a body that cannot be
/// captured, or a file that cannot be written; [`LoadError::EmptyWorkload`] without requests.
pub async fn write(
    dir: &Path,
    config: &RoundTripConfig,
    workload: &Workload,
    about: &About,
    opts: &ExportOptions,
) -> Result<Exported, LoadError> {
    if workload.requests.is_empty() {
        return Err(LoadError::EmptyWorkload);
    }
    let (users, per_user_rate) = pacing(opts)?;
    let split = split_url(&config.url).ok_or_else(|| {
        LoadError::Setup(
            format!(
                "roundtrip.url {}: not an http or https URL",
                authbench_core::redact::url(&config.url)
            )
            .into(),
        )
    })?;
    let captured = capture::capture(config, workload).await?;

    let write_err = |path: &Path, e: std::io::Error| {
        LoadError::Setup(format!("cannot write {}: {e}", path.display()).into())
    };
    std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    let mut files = Vec::new();
    let mut secret_files = Vec::new();

    let ca_file = match &config.ca_file {
        Some(ca) => {
            let to = dir.join("ca.pem");
            std::fs::copy(ca, &to).map_err(|e| {
                LoadError::Setup(format!("cannot copy ca_file {}: {e}", ca.display()).into())
            })?;
            files.push(to);
            Some("ca.pem")
        }
        None => None,
    };

    let mut requests = Vec::with_capacity(captured.len());
    for (i, (c, (_, case))) in captured.iter().zip(&workload.requests).enumerate() {
        let body = std::str::from_utf8(&c.body).map_err(|_| {
            LoadError::Setup(format!("request {i}: the body is not UTF-8 text").into())
        })?;
        let headers: BTreeMap<&str, &str> = c
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        requests.push(json!({"case": case, "path": c.target, "headers": headers, "body": body}));
    }
    let secret = json!({
        "about": "Request paths, headers and bodies for locustfile.py: holds passwords and the \
                  service's header values. Keep it secret; delete it after the run.",
        "requests": requests,
    });
    let path = dir.join("requests.json");
    write_private(&path, &pretty(&secret)).map_err(|e| write_err(&path, e))?;
    files.push(path.clone());
    secret_files.push(path);

    let cases: Vec<_> = workload
        .cases
        .iter()
        .map(|c| json!({"name": c.name, "expected": c.expected.to_string()}))
        .collect();
    let plan = json!({
        "authbench_version": env!("CARGO_PKG_VERSION"),
        "locust_version": LOCUST_VERSION,
        "target": about.target,
        "workload": about.workload,
        "host": split.origin,
        "service": authbench_core::redact::url(&config.url),
        "path": split.rest.split('?').next().unwrap_or("/"),
        "protocol": config.protocol.as_str(),
        "timeout_s": config.timeout.unwrap_or(authbench_roundtrip::DEFAULT_TIMEOUT).as_secs_f64(),
        "ca_file": ca_file,
        "rate": opts.rate,
        "duration_s": opts.duration.as_secs_f64(),
        "users": users,
        "per_user_rate": per_user_rate,
        "cases": cases,
        "passed_reasons": passed_reasons(),
    });
    let path = dir.join("plan.json");
    std::fs::write(&path, pretty(&plan)).map_err(|e| write_err(&path, e))?;
    files.push(path);
    let path = dir.join("locustfile.py");
    std::fs::write(&path, LOCUSTFILE).map_err(|e| write_err(&path, e))?;
    files.push(path);
    Ok(Exported {
        files,
        secret_files,
        requests: captured.len(),
        users,
        per_user_rate,
    })
}

/// Writes `serve.yaml` (the generated users' passwords) into `dir` with permissions 0600.
///
/// # Errors
///
/// [`LoadError::Setup`] when it cannot be written.
pub fn write_serve_config(dir: &Path, users: &Users) -> Result<PathBuf, LoadError> {
    let path = dir.join("serve.yaml");
    write_private(&path, &serve_config(users))
        .map_err(|e| LoadError::Setup(format!("cannot write {}: {e}", path.display()).into()))?;
    Ok(path)
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes a file only its owner may read (0600 on Unix), replacing one that was there.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // `mode` applies only to a new file: narrow an existing one too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.flush()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacing_spreads_the_rate_over_users() {
        let opts = |rate, users| ExportOptions {
            rate,
            duration: Duration::from_secs(10),
            users,
        };
        assert_eq!(pacing(&opts(100.0, None)).expect("ok"), (20, 5.0));
        assert_eq!(pacing(&opts(1.0, None)).expect("ok"), (1, 1.0));
        assert_eq!(pacing(&opts(90.0, Some(4))).expect("ok"), (4, 22.5));
        assert!(pacing(&opts(0.0, None)).is_err());
        assert!(pacing(&opts(f64::NAN, None)).is_err());
        assert!(pacing(&opts(10.0, Some(0))).is_err());
    }

    #[test]
    fn target_workload_cycles_the_cases() {
        let accounts = vec![
            Account {
                user: "a".into(),
                password: "pa".into(),
            },
            Account {
                user: "b".into(),
                password: "pb".into(),
            },
        ];
        let w = target_workload(&accounts).expect("workload");
        assert_eq!(w.requests.len(), 16);
        let count = |c| w.requests.iter().filter(|(_, k)| *k == c).count();
        assert_eq!((count(0), count(1), count(2)), (8, 6, 2));
        // A real account is only ever sent its own password: nothing to lock it out.
        for (req, _) in &w.requests {
            let c = &req.credentials;
            let own = accounts
                .iter()
                .find(|a| Some(a.user.as_str()) == c.username.as_deref());
            if let Some(account) = own {
                assert_eq!(
                    c.password.as_ref().map(|p| p.expose()),
                    Some(account.password.expose())
                );
            }
        }
        assert!(matches!(
            target_workload(&[]),
            Err(LoadError::EmptyWorkload)
        ));
    }

    fn opts() -> ExportOptions {
        ExportOptions {
            rate: 40.0,
            duration: Duration::from_secs(6),
            users: None,
        }
    }

    fn about() -> About {
        About {
            target: Some("t".into()),
            workload: "w".into(),
        }
    }

    fn read_json(path: &Path) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
    }

    #[tokio::test]
    async fn bodies_are_what_round_trip_mode_sends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let accounts = [Account {
            user: "qa-alice".into(),
            password: "s3cret".into(),
        }];
        let workload = target_workload(&accounts).expect("workload");
        // Port 9 is never contacted: the capture moves the URL to its own loopback server.
        let mut config = builtin_config("http://user:pw@127.0.0.1:9/");
        config.headers.insert("X-Api-Key".into(), "k3y".into());
        let written = write(dir.path(), &config, &workload, &about(), &opts())
            .await
            .expect("written");
        assert_eq!((written.requests, written.users), (8, 8));
        let secret = read_json(&dir.path().join("requests.json"));
        let first = &secret["requests"][0];
        assert_eq!(first["case"], 0);
        assert_eq!(first["path"], "/validateCredentials");
        let body: serde_json::Value =
            serde_json::from_str(first["body"].as_str().expect("body")).expect("json body");
        assert_eq!(
            body,
            json!({"type": "publisher", "username": "qa-alice", "password": "s3cret",
                   "token": "", "streamID": "cam0", "scope": "live/room0"})
        );
        let header = |name: &str| {
            first["headers"]
                .as_object()
                .expect("headers")
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("x-api-key"), Some(json!("k3y")));
        assert_eq!(header("authorization"), Some(json!("Basic dXNlcjpwdw==")));
        assert_eq!(header("content-type"), Some(json!("application/json")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("requests.json"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let plan = std::fs::read_to_string(dir.path().join("plan.json")).expect("plan");
        for secret in ["s3cret", "k3y", "user:pw"] {
            assert!(!plan.contains(secret), "{secret} in plan.json");
        }
        let plan = read_json(&dir.path().join("plan.json"));
        assert_eq!(plan["host"], "http://127.0.0.1:9");
        assert_eq!(
            plan["service"],
            "http://[redacted]@127.0.0.1:9/validateCredentials"
        );
        assert_eq!(plan["per_user_rate"], 5.0);
        assert_eq!(
            plan["cases"][2],
            json!({"name": "unknown user", "expected": "deny(unknown_user)"})
        );
    }

    #[tokio::test]
    async fn a_mediamtx_service_gets_mediamtx_bodies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let accounts = [Account {
            user: "bob".into(),
            password: "pw".into(),
        }];
        let workload = target_workload(&accounts).expect("workload");
        let config = RoundTripConfig::new(
            "https://auth.example/mediamtx/auth?key=1",
            authbench_roundtrip::Protocol::Mediamtx,
        );
        write(dir.path(), &config, &workload, &about(), &opts())
            .await
            .expect("written");
        let secret = read_json(&dir.path().join("requests.json"));
        let second = &secret["requests"][1];
        assert_eq!(second["path"], "/mediamtx/auth?key=1");
        let body: serde_json::Value =
            serde_json::from_str(second["body"].as_str().expect("body")).expect("json body");
        assert_eq!(body["user"], "bob");
        assert_eq!(body["action"], "read");
        assert_eq!(body["protocol"], "rtmp");
        assert_eq!(body["path"], "live/room0/cam0");
        let plan = read_json(&dir.path().join("plan.json"));
        assert_eq!(plan["host"], "https://auth.example:443");
        assert_eq!(
            plan["service"],
            "https://auth.example/mediamtx/auth?key=[redacted]"
        );
    }

    #[test]
    fn serve_config_lists_the_generated_users() {
        let users = Users::generate(8);
        let text = serve_config(&users);
        assert!(
            text.contains("  user000: {password: \"load-password-000\"}\n"),
            "{text}"
        );
        assert!(
            text.contains("  user007: {password: \"load-password-007\", roles: [publisher]}\n"),
            "{text}"
        );
        assert!(text.contains("lockout: {max_failures: 0}"));
    }
}
