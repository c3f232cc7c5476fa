//! `authbench bench --target FILE`: the steady open-loop load, the join storm and the capacity
//! search of `bench`, sent to a user's own round-trip auth service instead of the reference one.
//!
//! * Decisions are round-trip mode's own: its authenticator is built from the target's
//!   `roundtrip:` section, so requests and answers are exactly the mode's, in whichever protocol
//!   the section names.
//! * The workload is every account given (the target file's mapped identities that have a
//!   password, or a `--users-file` of thousands): each publishes and subscribes once per cycle,
//!   and every request is expected to be allowed. Nothing is sent that could lock an account out.
//! * The reference beside it is a raw POST of the same bodies to the same URL over the lean hyper
//!   client ([`crate::http`]); for an `https` URL or one with user info there is none, and the
//!   workload line says so.
//! * The rate guard ([`crate::guard`]) is checked by [`run`] before any connection, for every rate
//!   the run would send ([`TargetBench::requested_rates`]). The throughput sweep, closed-loop and
//!   so unpaced, is never run against a target.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use authbench_core::{
    Action, AuthRequest, Credentials, Secret, StreamPath, SystemClock, Transport,
};
use authbench_report::{LoadOptions, LoadSection, LoadedService};
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
use authbench_scenario::Mode;
use hyper::header::{HeaderName, HeaderValue};

use crate::LoadError;
use crate::bench::{BenchOptions, Env};
use crate::capacity;
use crate::guard::{self, RateGuardError};
use crate::http::{AnswerKind, RawPost};
use crate::targets::AuthTarget;
use crate::verdict::{Case, Verdict, Workload};
use crate::workload::{ModeSetup, Reference, wire_bodies};

/// Most accounts a users file may hold.
pub const MAX_ACCOUNTS: usize = 1_000_000;

/// An account at the target: a user name and its password (never shown by `Debug`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: Secret,
}

/// Why a users file cannot be read. Messages name the file and line, never a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsersFileError {
    /// The file cannot be read.
    #[error("{}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not `user,password`.
    #[error("{}:{line}: {problem}", .path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The file holds no account.
    #[error("{}: no account (expected lines of user,password)", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file holds more than [`MAX_ACCOUNTS`].
    #[error("{}: more than {MAX_ACCOUNTS} accounts", .path.display())]
    TooMany {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a users file: CSV, one `user,password` per line, an optional `user,password` header,
/// fields optionally in double quotes (`""` for a quote inside). Blank lines are skipped.
///
/// # Errors
///
/// [`UsersFileError`] naming `file:line`.
pub fn read_users_file(path: &Path) -> Result<Vec<Account>, UsersFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| UsersFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_users(&text, path)
}

/// Parses a users file's text; `path` names it in errors (see [`read_users_file`]).
///
/// # Errors
///
/// [`UsersFileError`] naming `file:line`.
pub fn parse_users(text: &str, path: &Path) -> Result<Vec<Account>, UsersFileError> {
    let mut accounts = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let bad = |problem| UsersFileError::Line {
            path: path.to_owned(),
            line,
            problem,
        };
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(raw).ok_or_else(|| bad("a quoted field is not closed properly"))?;
        let [user, password] = fields.as_slice() else {
            return Err(bad(
                "expected two fields, user,password (quote a password that holds a comma)",
            ));
        };
        let user = user.trim();
        if accounts.is_empty()
            && ["user", "username"].contains(&user.to_ascii_lowercase().as_str())
            && password.trim().eq_ignore_ascii_case("password")
        {
            continue;
        }
        if user.is_empty() {
            return Err(bad("the user name is empty"));
        }
        if password.is_empty() {
            return Err(bad("the password is empty"));
        }
        if user.chars().any(char::is_control) {
            return Err(bad("the user name has a control character"));
        }
        if accounts.len() == MAX_ACCOUNTS {
            return Err(UsersFileError::TooMany {
                path: path.to_owned(),
            });
        }
        accounts.push(Account {
            user: user.to_owned(),
            password: Secret::new(password.as_str()),
        });
    }
    if accounts.is_empty() {
        return Err(UsersFileError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(accounts)
}

/// The fields of one CSV line (RFC 4180 quoting; a quote inside an unquoted field is kept as
/// it is); `None` for a quoted field that is not closed or has text after its closing quote.
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some(',') => break,
                    Some(c) if c.is_whitespace() => {}
                    Some(_) => return None,
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
        }
        fields.push(field);
    }
}

/// A user's round-trip service to load.
pub struct TargetBench {
    /// The target's name (labels the report: `roundtrip @ NAME`).
    pub name: String,
    /// What the report may show of the service: `scheme://host:port`.
    pub service: String,
    /// Round-trip mode's config for it (its `url` may hold secrets: never shown).
    pub config: RoundTripConfig,
    /// The folder the config's relative paths are resolved against.
    pub base_dir: PathBuf,
    /// The accounts the workload sends.
    pub accounts: Vec<Account>,
    /// Where the accounts come from (`the target file's 3 mapped identities`, `users.csv`).
    pub accounts_from: String,
}

impl std::fmt::Debug for TargetBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetBench")
            .field("name", &self.name)
            .field("service", &self.service)
            .field("protocol", &self.config.protocol)
            .field("accounts", &self.accounts.len())
            .field("accounts_from", &self.accounts_from)
            .finish_non_exhaustive()
    }
}

impl TargetBench {
    /// The URL load goes to (only ever this one).
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// Every rate a run with `opts` would send to the target, named: the steady rate (its
    /// warm-up and reference too), the storm's arrival rate and the capacity search's ceiling
    /// (`--max-rate`, or unbounded without one).
    pub fn requested_rates(opts: &BenchOptions) -> Vec<(&'static str, f64)> {
        let mut rates = vec![("steady load (--rate)", opts.rate_for(Mode::Roundtrip))];
        if let Some(storm) = opts.storm {
            let window = storm.window.as_secs_f64().max(0.001);
            rates.push((
                "join storm (--storm)",
                storm.subscribers.max(1) as f64 / window,
            ));
        }
        if let Some(c) = &opts.capacity {
            rates.push((
                "capacity search (--capacity)",
                c.max_rate.unwrap_or(f64::INFINITY),
            ));
        }
        rates
    }

    /// Checks every rate of a run with `opts` and `max_rate` against the guard. Pure: nothing is
    /// resolved or sent.
    ///
    /// # Errors
    ///
    /// The first rate refused, with what asked for it.
    pub fn check_guard(
        &self,
        opts: &BenchOptions,
        max_rate: Option<f64>,
    ) -> Result<(), (&'static str, RateGuardError)> {
        check_guard_for(self.url(), opts, max_rate)
    }
}

/// [`TargetBench::check_guard`] for a URL alone.
///
/// # Errors
///
/// The first rate refused, with what asked for it.
pub fn check_guard_for(
    url: &str,
    opts: &BenchOptions,
    max_rate: Option<f64>,
) -> Result<(), (&'static str, RateGuardError)> {
    for (what, rate) in TargetBench::requested_rates(opts) {
        guard::check_rate(url, rate, max_rate).map_err(|e| (what, e))?;
    }
    Ok(())
}

/// The target workload: per account a publish and a subscribe, both expected to be allowed.
///
/// # Errors
///
/// [`LoadError::EmptyWorkload`] without accounts.
pub fn workload(accounts: &[Account]) -> Result<Workload, LoadError> {
    if accounts.is_empty() {
        return Err(LoadError::EmptyWorkload);
    }
    let mut requests = Vec::with_capacity(accounts.len() * 2);
    for (k, account) in accounts.iter().enumerate() {
        let path = StreamPath::new(&format!("live/room{}/cam{k}", k % 4))
            .map_err(|e| LoadError::setup("stream path", e))?;
        for (action, case) in [(Action::Publish, 0), (Action::Subscribe, 1)] {
            let credentials =
                Credentials::user_password(account.user.clone(), account.password.expose());
            requests.push((
                AuthRequest::new(action, Transport::Rtmp, path.clone(), credentials),
                case,
            ));
        }
    }
    Ok(Workload {
        cases: vec![
            Case {
                name: "valid publish".into(),
                expected: Verdict::Allow,
            },
            Case {
                name: "valid subscribe".into(),
                expected: Verdict::Allow,
            },
        ],
        requests,
    })
}

/// How the raw POST reads answers in `protocol`; `None` where it has no reader.
fn answer_kind(protocol: Protocol) -> Option<AnswerKind> {
    // Compared, not matched: the other protocols the mode speaks have no reader here.
    if protocol == Protocol::Red5pro {
        Some(AnswerKind::Red5pro)
    } else if protocol == Protocol::Mediamtx {
        Some(AnswerKind::Mediamtx)
    } else {
        None
    }
}

/// The configured extra headers, for the raw POST.
fn headers(config: &RoundTripConfig) -> Result<Vec<(HeaderName, HeaderValue)>, LoadError> {
    config
        .headers
        .iter()
        .map(|(name, value)| {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| LoadError::setup(format!("roundtrip.headers.{name}"), e))?;
            let mut v = HeaderValue::from_str(value.expose())
                .map_err(|e| LoadError::setup(format!("roundtrip.headers.{name}"), e))?;
            v.set_sensitive(true);
            Ok((n, v))
        })
        .collect()
}

/// The raw POST of `workload`'s bodies to the target's URL, or why there is none.
fn raw_post(target: &TargetBench, workload: &Workload) -> Result<RawPost, String> {
    if !target.url().trim_start().starts_with("http://") {
        return Err("no raw POST reference: the service is not plain http".into());
    }
    let protocol = target.config.protocol;
    let (Some(bodies), Some(answer)) = (wire_bodies(protocol, workload), answer_kind(protocol))
    else {
        return Err(format!(
            "no raw POST reference for the {} protocol",
            protocol.as_str()
        ));
    };
    let headers = headers(&target.config).map_err(|e| format!("no raw POST reference: {e}"))?;
    RawPost::to_url(target.url(), headers, bodies, workload.cases.len(), answer)
        .map_err(|e| format!("no raw POST reference: {e}"))
}

/// Round-trip mode at the target, its workload and the raw POST reference (or why there is
/// none).
///
/// # Errors
///
/// [`LoadError::Setup`] when the authenticator cannot be built, [`LoadError::EmptyWorkload`]
/// without accounts.
pub fn setup(env: &Env, target: &TargetBench) -> Result<(ModeSetup, Option<String>), LoadError> {
    let workload = workload(&target.accounts)?;
    // The client is created inside the client runtime so its connection tasks live there.
    let auth = {
        let _guard = env.client().enter();
        RoundTripAuthenticator::from_config(&target.config, &target.base_dir, Arc::new(SystemClock))
            .map_err(|e| LoadError::setup(format!("target {}", target.name), e))?
    };
    let (reference, missing) = match raw_post(target, &workload) {
        Ok(raw) => (
            Some(Reference::Http {
                name: format!("raw POST (hyper) to {}", target.service),
                target: Arc::new(raw),
            }),
            None,
        ),
        Err(why) => (None, Some(why)),
    };
    Ok((
        ModeSetup {
            mode: Mode::Roundtrip,
            auth: Arc::new(auth),
            workload: Arc::new(workload),
            reference,
            path: format!(
                "POST {} ({})",
                target.service,
                target.config.protocol.as_str()
            ),
            scenario: None,
            target: Some(target.name.clone()),
        },
        missing,
    ))
}

/// Runs steady load, the join storm and (when `opts.capacity` is set) the capacity search
/// against the target, after checking the rate guard.
///
/// # Errors
///
/// [`LoadError::RateGuard`] before anything is sent when a rate is refused; otherwise as
/// [`crate::bench::run`].
pub fn run(
    opts: &BenchOptions,
    target: &TargetBench,
    max_rate: Option<f64>,
) -> Result<LoadSection, LoadError> {
    target
        .check_guard(opts, max_rate)
        .map_err(|(what, source)| LoadError::RateGuard { what, source })?;
    let env = Env::new(8)?;
    let (setup, missing) = setup(&env, target)?;
    let mut workload = format!(
        "target {}: {} accounts ({}), each publishing and subscribing; every request expected \
         to be allowed",
        target.name,
        target.accounts.len(),
        target.accounts_from
    );
    if let Some(why) = missing {
        workload.push_str("; ");
        workload.push_str(&why);
    }
    let mut section = LoadSection {
        options: LoadOptions {
            duration_s: opts.duration.as_secs_f64(),
            warmup_s: opts.warmup.as_secs_f64(),
            batches: opts.batches,
            workload,
            injected: opts
                .slowdowns
                .get(&Mode::Roundtrip)
                .map(|f| format!("roundtrip: every decision slowed by {:.0}%", f * 100.0))
                .into_iter()
                .collect(),
            measured_by: None,
        },
        modes: Vec::new(),
        sweep: Vec::new(),
        join_storms: Vec::new(),
        capacity: None,
        self_checks: Vec::new(),
    };
    // The sweep is closed-loop (unpaced): never against a target.
    let target_opts = BenchOptions {
        sweep: Vec::new(),
        ..opts.clone()
    };
    let publishes = Arc::new(
        setup
            .workload
            .filter_requests(|req, _| req.action == Action::Publish),
    );
    let (auth, protocol) = (setup.auth.clone(), target.config.protocol);
    crate::bench::load_mode(&env, setup, &target_opts, &mut section)?;
    if let Some(c) = &opts.capacity {
        let what = format!(
            "target {}: POST {} ({} body",
            target.name,
            target.service,
            protocol.as_str()
        );
        let service = LoadedService::Target {
            name: target.name.clone(),
        };
        section.capacity = Some(match raw_post(target, &publishes) {
            Ok(raw) => capacity::search_target(
                &env,
                Arc::new(raw),
                service.clone(),
                format!("{what}, hyper client)"),
                c,
                opts.progress,
            )?,
            Err(_) => capacity::search_target(
                &env,
                Arc::new(AuthTarget::new(auth, publishes)),
                service,
                format!("{what}, round-trip mode's client)"),
                c,
                opts.progress,
            )?,
        });
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(text: &str) -> Result<Vec<(String, String)>, String> {
        parse_users(text, Path::new("users.csv"))
            .map(|a| {
                a.into_iter()
                    .map(|a| (a.user, a.password.expose().to_owned()))
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(u, p)| ((*u).to_owned(), (*p).to_owned()))
            .collect()
    }

    #[test]
    fn users_files_are_read_line_by_line() {
        assert_eq!(
            users("u1,p1\nu2,p2\n"),
            Ok(pairs(&[("u1", "p1"), ("u2", "p2")]))
        );
        // A header, CRLF line ends, a byte-order mark and blank lines.
        assert_eq!(
            users("\u{feff}user,password\r\n\r\nu1,p1\r\n  \nu2,p 2\r\n"),
            Ok(pairs(&[("u1", "p1"), ("u2", "p 2")]))
        );
        assert_eq!(
            users("Username, Password\nu1,p1"),
            Ok(pairs(&[("u1", "p1")]))
        );
        // Quoted fields: commas and quotes inside; a quote inside an unquoted field is kept.
        assert_eq!(
            users("\"u,1\",\"p,\"\"x\"\"\"\nu2,a\"b\n\"u3\" ,\"p3\"  "),
            Ok(pairs(&[("u,1", "p,\"x\""), ("u2", "a\"b"), ("u3", "p3")]))
        );
        // A header is only a header on the first line.
        assert_eq!(
            users("u1,p1\nuser,password"),
            Ok(pairs(&[("u1", "p1"), ("user", "password")]))
        );
    }

    #[test]
    fn a_bad_line_is_named_and_its_password_is_not() {
        let cases = [
            (
                "u1,p1\nu2\n",
                "users.csv:2: expected two fields, user,password (quote a password that holds a comma)",
            ),
            (
                "u1,p1,extra-secret\n",
                "users.csv:1: expected two fields, user,password (quote a password that holds a comma)",
            ),
            (
                "user,password\n\n,p-secret\n",
                "users.csv:3: the user name is empty",
            ),
            ("u1,\n", "users.csv:1: the password is empty"),
            (
                "u1,\"p-secret\n",
                "users.csv:1: a quoted field is not closed properly",
            ),
            (
                "u1,\"p-secret\"x\n",
                "users.csv:1: a quoted field is not closed properly",
            ),
            (
                "u\u{7}1,p\n",
                "users.csv:1: the user name has a control character",
            ),
            (
                "user,password\n\n",
                "users.csv: no account (expected lines of user,password)",
            ),
            (
                "",
                "users.csv: no account (expected lines of user,password)",
            ),
        ];
        for (text, want) in cases {
            let got = users(text).expect_err(text);
            assert_eq!(got, want, "{text:?}");
            assert!(!got.contains("secret"), "{got}");
        }
        let missing = read_users_file(Path::new("/nonexistent/users.csv")).expect_err("missing");
        assert!(
            missing.to_string().starts_with("/nonexistent/users.csv: "),
            "{missing}"
        );
    }

    #[test]
    fn the_workload_sends_each_account_publishing_and_subscribing() {
        let accounts = vec![
            Account {
                user: "a".into(),
                password: Secret::new("pw-of-a"),
            },
            Account {
                user: "b".into(),
                password: Secret::new("pw-of-b"),
            },
        ];
        let w = workload(&accounts).expect("workload");
        let seen: Vec<(String, Action, String, usize)> = w
            .requests
            .iter()
            .map(|(r, c)| {
                (
                    r.credentials.username.clone().unwrap_or_default(),
                    r.action,
                    r.path.as_str().to_owned(),
                    *c,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("a".into(), Action::Publish, "live/room0/cam0".into(), 0),
                ("a".into(), Action::Subscribe, "live/room0/cam0".into(), 1),
                ("b".into(), Action::Publish, "live/room1/cam1".into(), 0),
                ("b".into(), Action::Subscribe, "live/room1/cam1".into(), 1),
            ]
        );
        assert!(w.cases.iter().all(|c| c.expected == Verdict::Allow));
        assert!(matches!(workload(&[]), Err(LoadError::EmptyWorkload)));
        // Debug never shows a password.
        let shown = format!("{:?}", accounts);
        assert!(!shown.contains("pw-of-"), "{shown}");
    }
}
