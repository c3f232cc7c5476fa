//! The `authbench` command line. `main.rs` only calls [`run`]; every command lives in a module
//! here, so tests drive the CLI in-process as well as through the real binary.
//!
//! Exit codes (a contract: scripts rely on them; [`CliError::exit_code`] is the one mapping):
//! * `0` — allow / every expectation held / success;
//! * `1` — deny / some expectation failed / regression found;
//! * `2` — bad input: usage, config, scenario, target or deployment file (YAML errors name
//!   file:line:column);
//! * `3` — the environment or the run failed: a report that cannot be written, a port that
//!   cannot be bound, a service that would not start, output that cannot be written.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod args;
mod bench;
mod compare;
mod decide;
mod error;
mod export;
mod import;
mod recommend;
mod run;
mod serve;
mod token;
mod validate;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};
pub use error::CliError;

/// Exit code for a deny or a failed expectation.
pub const EXIT_DENY: u8 = 1;
/// Exit code for bad input (usage, config, scenario, target or deployment file).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a failure of the environment or of the run: a report that cannot be written, a
/// port that cannot be bound, a service that would not start, output that cannot be written.
pub const EXIT_ENVIRONMENT: u8 = 3;

/// The exit codes, as `--help` shows them.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  allow / every expectation held / success
  1  deny / an expectation failed / a regression found
  2  bad input: usage, config, scenario, target or deployment file (YAML errors name file:line:column)
  3  the environment or the run failed: a report that cannot be written, a port that cannot be
     bound, a service that would not start, output that cannot be written";

/// Parses `args` (the first being the program name) and runs the command.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    init_logging(cli.verbose);
    let outcome = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(async move {
            match cli.command {
                Command::Decide(a) => decide::run(a).await,
                Command::Validate(a) => validate::run(a.paths),
                Command::Run(a) => run::run(a).await,
                Command::Serve(a) => serve::run(a).await,
                Command::Token(a) => token::run(a).await,
                Command::Recommend(a) => recommend::run(a).await,
                Command::Bench(a) => bench::run(a).await,
                Command::Compare(a) => compare::run(a),
                Command::Export(a) => export::run(a).await,
                Command::Import(a) => import::run(a),
            }
        }),
        Err(e) => Err(CliError::Runtime(e)),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            e.report(&mut std::io::stderr().lock());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Writes `text` to standard output as it is and flushes it, so a closed pipe or a full disk is
/// an error ([`CliError::Output`]) rather than a panic or a lost answer.
pub(crate) fn write_out(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::Output)
}

/// [`write_out`] with a newline after `text`.
pub(crate) fn print_out(text: &str) -> Result<(), CliError> {
    write_out(&format!("{text}\n"))
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHBENCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
