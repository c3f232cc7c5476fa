//! The `authbench` binary: parses nothing itself, hands the arguments to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    authbench_cli::run(std::env::args_os())
}
