//! `authbench export locust`: the round-trip workload as a locustfile and its data, for runs
//! from many machines (docs/load-at-scale.md).
//!
//! * `--target FILE`: the target's round-trip service, with its mapped accounts; with scenario
//!   files (`PATH…`), their round-trip request steps before the first event, sent as the target
//!   world would send them in `authbench run --target` (mapped accounts, the same skips).
//! * `--builtin [URL]`: `authbench serve` at URL (default `http://127.0.0.1:8089`) with the
//!   users `authbench bench` generates and its request cases; `serve.yaml` is written beside,
//!   the config to start that service with so it knows those users.
//!
//! The rate guard of `bench --target` applies: above 1,000/s for a service off loopback only
//! with `--max-rate`.

use std::path::PathBuf;

use authbench_core::Mode;
use authbench_core::outcome::Expected;
use authbench_harness::WorldError;
use authbench_harness::runner::Worlds;
use authbench_harness::session::{Prepared, Session};
use authbench_harness::target::TargetWorlds;
use authbench_load::locust::export::{self, About, ExportOptions};
use authbench_load::verdict::{Case, Verdict, Workload};
use authbench_load::workload::Users;
use authbench_scenario::spec::Step;

use crate::args::{ExportArgs, ExportEngine, ExportLocustArgs};
use crate::{CliError, print_out};

pub(crate) async fn run(args: ExportArgs) -> Result<u8, CliError> {
    match args.engine {
        ExportEngine::Locust(a) => locust(a).await,
    }
}

async fn locust(args: ExportLocustArgs) -> Result<u8, CliError> {
    if !(args.rate.is_finite() && args.rate > 0.0) {
        return Err(CliError::Usage("--rate must be above 0".into()));
    }
    if args.duration.is_zero() {
        return Err(CliError::Usage("--duration must be longer than 0".into()));
    }
    if args.users.is_some_and(|u| u == 0 || u > export::MAX_USERS) {
        return Err(CliError::Usage(format!(
            "--users must be 1 to {}",
            export::MAX_USERS
        )));
    }
    let opts = ExportOptions {
        rate: args.rate,
        duration: args.duration,
        users: args.users,
    };
    let mut serve_users = None;
    let (config, workload, about) = match (&args.target, &args.builtin) {
        (Some(path), _) => {
            let target = authbench_target::load(path)?;
            let config = target
                .roundtrip_config()
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "{}: no `roundtrip:` section: a Locust export loads a round-trip service",
                        path.display()
                    ))
                })?;
            if !args.paths.is_empty() {
                let about_target = target.describe().to_string();
                let name = target.name().to_owned();
                let worlds = TargetWorlds::new(target)?;
                let (workload, used) = scenario_workload(&args.paths, &worlds).await?;
                let about = About {
                    target: Some(name),
                    workload: format!(
                        "target {about_target}: scenario files {} (round-trip request steps before \
                         the first event, as the target's accounts)",
                        used.join(", ")
                    ),
                };
                (config, workload, about)
            } else {
                let accounts = crate::bench::password_accounts(&target)?;
                if accounts.is_empty() {
                    return Err(CliError::Usage(format!(
                        "{}: no identity maps to an account with a password",
                        path.display()
                    )));
                }
                let n = accounts.len();
                let workload = export::target_workload(&accounts)?;
                let about = About {
                    target: Some(target.name().to_owned()),
                    workload: format!(
                        "target {}: {n} account{}, 3 request cases (7 of 8 requests with valid credentials)",
                        target.describe(),
                        if n == 1 { "" } else { "s" }
                    ),
                };
                (config, workload, about)
            }
        }
        (None, Some(base)) => {
            let base = base.trim_end_matches('/');
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(CliError::Usage(format!(
                    "--builtin {base}: expected the base URL of `authbench serve`, such as http://127.0.0.1:8089"
                )));
            }
            let users = Users::generate(args.identities.clamp(8, 100_000));
            let workload = export::builtin_workload(&users)?;
            let about = About {
                target: None,
                workload: format!(
                    "generated: {} identities, 5 request cases (8 of 11 requests allowed), at `authbench serve --config serve.yaml`",
                    users.names.len()
                ),
            };
            serve_users = Some(users);
            (export::builtin_config(base), workload, about)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --target FILE or --builtin [URL]".into(),
            ));
        }
    };
    // Judged from the URL's text, before anything is written.
    authbench_load::guard::check_rate(&config.url, args.rate, args.max_rate)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let written = export::write(&args.out, &config, &workload, &about, &opts).await?;
    let mut secrets = written.secret_files.clone();
    if let Some(users) = &serve_users {
        secrets.push(export::write_serve_config(&args.out, users)?);
    }
    print_out(&format!(
        "wrote {}/locustfile.py: {} requests cycled by {} users at {:.2}/s each ({}/s in all) for {} s",
        args.out.display(),
        written.requests,
        written.users,
        written.per_user_rate,
        args.rate,
        args.duration.as_secs_f64()
    ))?;
    let names: Vec<String> = secrets.iter().map(|p| p.display().to_string()).collect();
    print_out(&format!(
        "holding passwords (permissions 0600; copy as secrets, delete after the run): {}",
        names.join(", ")
    ))?;
    Ok(0)
}

/// The round-trip request steps of the scenarios in `paths` before each one's first event (what
/// can be repeated under load), built by the target world exactly as `authbench run --target`
/// builds them; a step the target cannot run (an unmapped identity, …) and `unsupported`
/// expectations are left out. Returns the workload and the scenarios that gave at least one
/// request.
async fn scenario_workload(
    paths: &[PathBuf],
    worlds: &TargetWorlds,
) -> Result<(Workload, Vec<String>), CliError> {
    let scenarios = crate::run::load_scenarios(paths)?;
    let mut workload = Workload::default();
    let mut used = Vec::new();
    for loaded in &scenarios {
        let world = match worlds.world(loaded, Mode::Roundtrip).await {
            Ok(Some(world)) => world,
            // Set up for another deployment, or not a round-trip scenario: nothing to send.
            Ok(None) | Err(WorldError::Unavailable(_)) => continue,
            Err(e) => return Err(CliError::Target(e)),
        };
        let mut session = Session::new(world);
        let before = workload.requests.len();
        for spanned in &loaded.scenario.steps {
            let Step::Request(step) = &spanned.value else {
                break;
            };
            let expected = match step.expect.for_mode(Mode::Roundtrip) {
                Some(Expected::Allow) | None => Verdict::Allow,
                Some(Expected::Deny(reason)) => Verdict::Deny(reason),
                Some(Expected::Unsupported) => continue,
            };
            let req = match session.request(&step.request).await {
                Ok(Prepared::Ready(req)) => req,
                Ok(Prepared::Refused(_) | Prepared::Skipped(_)) => continue,
                Err(e) => return Err(CliError::Target(e)),
            };
            workload.requests.push((req, workload.cases.len()));
            workload.cases.push(Case {
                name: format!(
                    "{}: {}",
                    loaded.name,
                    authbench_harness::runner::step_name(step)
                ),
                expected,
            });
        }
        session.shutdown().await;
        if workload.requests.len() > before {
            used.push(loaded.name.clone());
        }
    }
    if workload.requests.is_empty() {
        return Err(CliError::Usage(
            "none of the scenarios has a round-trip request step, before its first event, that \
             the target can run"
                .into(),
        ));
    }
    Ok((workload, used))
}
