//! The command-line grammar (clap). DESIGN.md's "command line" section is the contract.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use authbench_core::{Action, Transport};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compare JWT, round-trip and file authentication for streaming servers.
#[derive(Debug, Parser)]
#[command(name = "authbench", version, about, propagate_version = true)]
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
    /// expectation held, 1 when any failed, 2 on bad input.
    Run(RunArgs),
    /// One decision, printed as one JSON object. Exit 0 allow, 1 deny, 2 usage / config error.
    Decide(DecideArgs),
    /// Run the reference auth service (round-trip endpoints, token issuer, admin API).
    Serve(ServeArgs),
    /// Mint a JWT for an identity of the config, for tests and for trying a config.
    Token(TokenArgs),
    /// Check scenario files without running them. Exit 0 valid, 2 invalid (file:line:col).
    Validate(ValidateArgs),
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
}

fn parse_mode(s: &str) -> Result<authbench_scenario::Mode, String> {
    s.parse()
}

/// Arguments of `authbench validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// The authentication modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Signed token validated locally.
    Jwt,
    /// Each request asked of an external HTTP auth service.
    Roundtrip,
    /// Username and password checked against an htpasswd file.
    File,
}

/// Arguments of `authbench decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The deployment config (YAML; paths in it are relative to it).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Which mode decides.
    #[arg(long, value_enum)]
    pub mode: ModeArg,
    /// publish or subscribe (play / read are accepted for subscribe).
    #[arg(long, value_parser = parse_action)]
    pub action: Action,
    /// rtmp, rtsp, whip, whep or srt.
    #[arg(long, value_parser = parse_transport)]
    pub transport: Transport,
    /// The URL the client connected to (credentials in its query or userinfo).
    #[arg(long, value_name = "URL", conflicts_with_all = ["streamid", "stream"])]
    pub url: Option<String>,
    /// A request header, `Name: value` (the `Authorization` header is read); with --url.
    #[arg(long, value_name = "'K: V'", requires = "url")]
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
    /// The stream path (`app/room/stream`) for --token / --user.
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

fn parse_action(s: &str) -> Result<Action, String> {
    s.parse()
}

fn parse_transport(s: &str) -> Result<Transport, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    authbench_core::duration::parse_duration(s)
}
