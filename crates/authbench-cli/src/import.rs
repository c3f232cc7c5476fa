//! `authbench import locust DIR --out DIR`: a Locust run of an exported locustfile as
//! report.{json,md,html} with a `load` section, which `authbench compare` gates like a local
//! `bench` report.

use authbench_load::locust::import;
use authbench_report::{Report, RunOptions};

use crate::args::{ImportArgs, ImportEngine, ImportLocustArgs};
use crate::{CliError, print_out};

pub(crate) fn run(args: ImportArgs) -> Result<u8, CliError> {
    match args.engine {
        ImportEngine::Locust(a) => locust(&a),
    }
}

fn locust(args: &ImportLocustArgs) -> Result<u8, CliError> {
    // Files that are not a run of an exported locustfile are bad input.
    let load = import::import(&args.dir).map_err(|e| CliError::Usage(e.to_string()))?;
    let modes = load.modes.iter().map(|m| m.mode).collect();
    let mut report = Report::build(
        &[],
        &RunOptions {
            quick: false,
            modes,
        },
    );
    for m in &load.modes {
        print_out(&format!(
            "{}: {} requests, {:.1}/s of {:.1}/s asked, p50 {:.1} ms, p99 {:.1} ms (Locust, from the send)",
            m.label(),
            m.requests,
            m.throughput,
            m.target_rate,
            m.latency.p50_us / 1000.0,
            m.latency.p99_us / 1000.0
        ))?;
    }
    report.load = Some(load);
    report
        .write_all(&args.out)
        .map_err(|source| CliError::WriteReport {
            dir: args.out.clone(),
            source,
        })?;
    eprintln!(
        "report written to {}/report.{{json,md,html}}",
        args.out.display()
    );
    Ok(0)
}
