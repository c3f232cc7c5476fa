//! The command-line grammar (clap). DESIGN.md's "command line" section is the contract.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use authbench_core::{Action, Mode, Transport};
use clap::{Args, Parser, Subcommand};

/// Compare JWT, round-trip and file authentication for streaming servers.
#[derive(Debug, Parser)]
#[command(
    name = "authbench",
    version,
    about,
    propagate_version = true,
    after_help = crate::EXIT_CODES_HELP
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); AUTHBENCH_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against every mode and write the comparison report. Exit 0 when every
    /// expectation held, 1 when any failed, 2 on bad input, 3 when the report cannot be written.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Run(RunArgs),
    /// One decision, printed as one JSON object. Exit 0 allow, 1 deny, 2 usage / config error.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Decide(DecideArgs),
    /// Run the reference auth service (round-trip endpoints, token issuer, admin API). Exit 2 on
    /// a bad config, 3 when the address cannot be bound.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Serve(ServeArgs),
    /// Mint a JWT for an identity of the config, for tests and for trying a config.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Token(TokenArgs),
    /// Check scenario files without running them. Exit 0 valid, 2 invalid (file:line:col).
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Validate(ValidateArgs),
    /// Rank jwt, roundtrip, file and combinations for a deployment, each with its reasons.
    /// Exit 0 with an answer, 2 on bad input (file:line:col).
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Recommend(RecommendArgs),
    /// Open-loop load per mode beside its reference: latency percentiles, throughput, join
    /// storm, capacity search; writes report.{json,md,html}. Exit 0, or 1 when a self-check failed.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Bench(BenchArgs),
    /// CI regression gate: exit 1 on a behaviour change or a latency regression beyond the
    /// threshold and the measured noise, 0 when clean, 2 on bad input.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Compare(CompareArgs),
    /// Write the round-trip workload for another load engine (Locust), to load a service from
    /// many machines. Exit 0 when written, 2 on bad input, 3 when it cannot be written.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Export(ExportArgs),
    /// Read another load engine's results (Locust's --csv files) into report.{json,md,html}.
    /// Exit 0 when written, 2 when the files are not a run of an exported workload.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Import(ImportArgs),
}

/// Arguments of `authbench export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The load engine.
    #[command(subcommand)]
    pub engine: ExportEngine,
}

/// The engines `authbench export` writes for.
#[derive(Debug, Subcommand)]
pub enum ExportEngine {
    /// A locustfile, plan.json and requests.json (the requests, with passwords: written 0600).
    /// Run it with one master and N workers (docs/load-at-scale.md).
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Locust(ExportLocustArgs),
}

/// Arguments of `authbench export locust`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("world").required(true).args(["target", "builtin"])))]
pub struct ExportLocustArgs {
    /// Scenario files or folders as the workload (with --target): each scenario's round-trip
    /// request steps before its first event, with their expected outcomes, sent as the target's
    /// accounts (default: the generated cases below).
    #[arg(value_name = "PATH", requires = "target")]
    pub paths: Vec<PathBuf>,
    /// Load your round-trip service as this target file describes it, with its mapped accounts
    /// (valid publishes and subscribes and an unknown user per account; never a wrong password,
    /// which a lockout would count against the account).
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Load `authbench serve` at this base URL with `bench`'s generated users and request cases;
    /// serve.yaml, written beside, is the config to start it with (`authbench serve --config
    /// serve.yaml`).
    #[arg(
        long,
        value_name = "URL",
        num_args = 0..=1,
        default_missing_value = "http://127.0.0.1:8089"
    )]
    pub builtin: Option<String>,
    /// Where the locustfile and its data go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Requests per second over all Locust users and workers.
    #[arg(long, value_name = "N/s", default_value_t = 100.0)]
    pub rate: f64,
    /// How long the load runs.
    #[arg(long, value_name = "D", default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Locust users (default: one per 5 requests per second).
    #[arg(long, value_name = "N")]
    pub users: Option<u32>,
    /// With --builtin: generated identities.
    #[arg(long, value_name = "N", default_value_t = 64, requires = "builtin")]
    pub identities: usize,
    /// The highest rate the export may ask for. Required above 1,000/s for a service that is not
    /// on loopback, as for `bench --target`: a typo must not write a locustfile that floods a
    /// production service.
    #[arg(long, value_name = "N/s", value_parser = parse_max_rate)]
    pub max_rate: Option<f64>,
}

/// Arguments of `authbench import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The load engine.
    #[command(subcommand)]
    pub engine: ImportEngine,
}

/// The engines `authbench import` reads.
#[derive(Debug, Subcommand)]
pub enum ImportEngine {
    /// A run of an exported locustfile: the folder of its `--csv` files.
    #[command(after_help = crate::EXIT_CODES_HELP)]
    Locust(ImportLocustArgs),
}

/// Arguments of `authbench import locust`.
#[derive(Debug, Args)]
pub struct ImportLocustArgs {
    /// The folder of the run's --csv files (PREFIX_stats.csv, PREFIX_stats_history.csv,
    /// PREFIX_failures.csv and PREFIX_authbench.json).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where report.{json,md,html} go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Arguments of `authbench recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The deployment description (YAML; examples in scenarios/deployments/).
    #[arg(value_name = "DEPLOYMENT.yaml")]
    pub deployment: PathBuf,
    /// Take the measured figures from this report.json (`authbench run` / `authbench bench`)
    /// instead of measuring quickly in-process.
    #[arg(long, value_name = "report.json")]
    pub report: Option<PathBuf>,
    /// Print the answer as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `authbench run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or folders (default: the shipped library, embedded in the binary).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Modes to run, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_mode)]
    pub modes: Option<Vec<authbench_scenario::Mode>>,
    /// Where report.{md,json,html} go.
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    pub out: PathBuf,
    /// A smoke run for CI: skips scenarios marked `heavy`.
    #[arg(long)]
    pub quick: bool,
    /// Run against your own deployment, as described in this target file (YAML; see
    /// `targets/example.yaml`): its auth service, identity provider, credential files and accounts.
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// With --target: also run the built-in world, so each mode's reference behaviour sits beside
    /// the target's in the report.
    #[arg(long, requires = "target")]
    pub with_builtin: bool,
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    s.parse()
}

/// What decides in `authbench decide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecideMode {
    /// A mode's authenticator.
    Mode(Mode),
    /// A target's media server (`--mode media`, with --target).
    Media,
}

impl std::fmt::Display for DecideMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecideMode::Mode(mode) => mode.fmt(f),
            DecideMode::Media => f.write_str(authbench_media::MODE),
        }
    }
}

fn parse_decide_mode(s: &str) -> Result<DecideMode, String> {
    if s == authbench_media::MODE {
        return Ok(DecideMode::Media);
    }
    s.parse()
        .map(DecideMode::Mode)
        .map_err(|_| format!("unknown mode `{s}` (expected jwt, roundtrip, file or media)"))
}

/// Arguments of `authbench validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files, target files and deployment configs, or folders of them (a file with
    /// top-level `steps:` or `description:` is checked as a scenario, one with `name:` as a
    /// target file, any other as a deployment config).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Arguments of `authbench decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The deployment config (YAML; paths in it are relative to it).
    #[arg(long, value_name = "FILE", required_unless_present = "target")]
    pub config: Option<PathBuf>,
    /// Which mode decides: jwt, roundtrip or file; with --target also media (the target's media
    /// server, asked with the credentials of the mode its `media.as` names).
    #[arg(long, value_parser = parse_decide_mode)]
    pub mode: DecideMode,
    /// Decide at your own deployment (a target file) instead of with --config.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "config",
        requires = "identity"
    )]
    pub target: Option<PathBuf>,
    /// With --target: present this identity's credentials as the target file maps them (a token
    /// from its token source in jwt mode, user name and password otherwise). Placeholders
    /// `{user}`, `{password}`, `{token}`, `{query}`, `{authorization}` in --url, --header and
    /// --streamid are filled in as in scenarios.
    #[arg(long, value_name = "NAME", requires = "target", conflicts_with_all = ["token", "user", "password"])]
    pub identity: Option<String>,
    /// publish or subscribe (play / read are accepted for subscribe).
    #[arg(long, value_parser = parse_action)]
    pub action: Action,
    /// rtmp, rtsp, whip, whep or srt.
    #[arg(long, value_parser = parse_transport)]
    pub transport: Transport,
    /// The URL the client connected to (credentials in its query or userinfo).
    #[arg(long, value_name = "URL", conflicts_with_all = ["streamid", "stream"])]
    pub url: Option<String>,
    /// A request header, `Name: value` (the `Authorization` header is read); with --url, or
    /// with --stream.
    #[arg(long, value_name = "'K: V'", conflicts_with_all = ["streamid", "token", "user"])]
    pub header: Vec<String>,
    /// The SRT streamid (`#!::r=…,m=…,u=…` or `publish:path:user:pass`).
    #[arg(long, value_name = "S", conflicts_with_all = ["token", "user", "password", "stream"])]
    pub streamid: Option<String>,
    /// A bearer token; with --stream.
    #[arg(long, value_name = "T", conflicts_with_all = ["url"])]
    pub token: Option<String>,
    /// A user name; with --password and --stream.
    #[arg(long, value_name = "U", requires = "password", conflicts_with_all = ["url"])]
    pub user: Option<String>,
    /// A password; with --user and --stream.
    #[arg(long, value_name = "P", requires = "user", conflicts_with_all = ["url"])]
    pub password: Option<String>,
    /// The stream path (`app/room/stream`) for --header / --token / --user. Not with
    /// `--transport srt`, whose credentials and path are in --streamid.
    #[arg(long, value_name = "PATH")]
    pub stream: Option<String>,
    /// Decide as if the time were this many seconds since the Unix epoch.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
}

/// Arguments of `authbench serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: the config's `service.listen`, else 127.0.0.1:8089).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// A deployment config whose `identities:` (and optional `service:`) section the service serves.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `authbench token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The deployment config with a `jwt:` section and the identity.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The identity (a key under `identities:`).
    #[arg(long, value_name = "NAME")]
    pub identity: String,
    /// Issue the token at this time, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
    /// Lifetime of the token (`60s`, `10m`, `1h`).
    #[arg(long, value_name = "D", default_value = "5m", value_parser = parse_duration)]
    pub ttl: Duration,
}

/// Arguments of `authbench bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario files (or folders) as workloads: each scenario's request steps before its first
    /// event, per mode (default: a generated workload).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Modes to load, comma-separated.
    #[arg(
        long,
        value_parser = parse_mode,
        value_delimiter = ',',
        default_value = "jwt,roundtrip,file"
    )]
    pub modes: Vec<Mode>,
    /// Target rate: `N` for every mode or `MODE=N,…` (defaults: jwt 20000, roundtrip 5000, file 300).
    #[arg(long, value_name = "N/s")]
    pub rate: Option<String>,
    /// Measured time of each steady run.
    #[arg(long, value_name = "D", default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Warm-up before each run.
    #[arg(long, value_name = "D", default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Requests in flight at most (default: one thread per core in-process, 64 connections).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<u32>,
    /// Batches per steady run, for the noise estimate.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub batches: u32,
    /// Generated identities.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub users: usize,
    /// Where report.{json,md,html} go.
    #[arg(long, value_name = "DIR", default_value = "reports/bench")]
    pub out: PathBuf,
    /// A short run: 2s per mode, a smaller sweep and storm.
    #[arg(long)]
    pub quick: bool,
    /// Skip the references measured beside each mode.
    #[arg(long)]
    pub no_references: bool,
    /// Concurrency levels of the throughput sweep, comma-separated, or `off`.
    #[arg(long, value_name = "LIST")]
    pub sweep: Option<String>,
    /// Join storm: `N/T` (N subscribers within T, e.g. `2000/1s`) or `off`.
    #[arg(long, value_name = "N/T")]
    pub storm: Option<String>,
    /// Search the reference service's capacity (highest rate with p99 within --budget).
    #[arg(long)]
    pub capacity: bool,
    /// The p99 budget of the capacity search.
    #[arg(long, value_name = "D", default_value = "10ms", value_parser = parse_duration)]
    pub budget: Duration,
    /// Connections of the capacity search.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub connections: u32,
    /// Run the self-checks of the measurement instead (exit 1 if one fails).
    #[arg(long)]
    pub self_check: bool,
    /// Wider self-check bounds, for shared CI machines.
    #[arg(long, requires = "self_check")]
    pub tolerant: bool,
    /// Testing the gate: slow every decision of a mode by PCT percent (`jwt=10`).
    #[arg(long, value_name = "MODE=PCT", hide = true)]
    pub inject_slowdown: Vec<String>,
    /// Load your own round-trip auth service, as its target file's `roundtrip:` section names it
    /// (steady load, join storm and, with --capacity, the capacity search; no sweep). Load goes
    /// only to that URL.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "self_check", "sweep"])]
    pub target: Option<PathBuf>,
    /// With --target: the accounts to send, a CSV file of `user,password` lines (an optional
    /// header line), instead of the target file's mapped identities.
    #[arg(long, value_name = "users.csv", requires = "target")]
    pub users_file: Option<PathBuf>,
    /// With --target: the highest rate (requests per second) any run may send. Required above
    /// 1,000/s for a target that is not on loopback (127.0.0.0/8, ::1, localhost).
    #[arg(long, value_name = "N/s", requires = "target", value_parser = parse_max_rate)]
    pub max_rate: Option<f64>,
}

fn parse_max_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches("/s")
        .parse()
        .map_err(|_| format!("`{s}` is not a number of requests per second"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("`{s}`: the rate must be above 0"))
    }
}

/// Arguments of `authbench compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline report.json.
    #[arg(value_name = "BASELINE.json")]
    pub baseline: PathBuf,
    /// The report.json to check.
    #[arg(value_name = "CURRENT.json")]
    pub current: PathBuf,
    /// Largest latency growth tolerated, in percent (a growth must also exceed the noise).
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    pub max_regression: f64,
}

fn parse_action(s: &str) -> Result<Action, String> {
    s.parse()
}

fn parse_transport(s: &str) -> Result<Transport, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    authbench_core::duration::parse_duration(s)
}
