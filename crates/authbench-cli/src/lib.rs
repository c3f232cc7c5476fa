//! The `authbench` command line. `main.rs` only calls [`run`]; every command lives in a module
//! here, so tests drive the CLI in-process as well as through the real binary.
//!
//! Exit codes (a contract: scripts rely on them):
//! * `0` — allow / every expectation held / success;
//! * `1` — deny / some expectation failed / regression found;
//! * `2` — bad input: usage, config or scenario errors (the message names file:line:column).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod args;
mod bench;
mod compare;
mod decide;
mod recommend;
mod run;
mod serve;
mod token;
mod validate;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Exit code for a deny or a failed expectation.
pub const EXIT_DENY: u8 = 1;
/// Exit code for bad input (usage, config, scenario).
pub const EXIT_USAGE: u8 = 2;

/// An error that ends a command with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("authbench: error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            Command::Decide(a) => decide::run(a).await,
            Command::Validate(a) => validate::run(a.paths),
            Command::Run(a) => run::run(a).await,
            Command::Serve(a) => serve::run(a).await,
            Command::Token(a) => token::run(a).await,
            Command::Recommend(a) => recommend::run(a).await,
            Command::Bench(a) => bench::run(a).await,
            Command::Compare(a) => compare::run(a),
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(UsageError(message)) => {
            eprintln!("authbench: error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
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
