//! `authbench recommend DEPLOYMENT.yaml [--report report.json] [--json]`: which mode a
//! deployment should use, ranked, with reasons.

use crate::args::RecommendArgs;
use crate::{CliError, write_out};
use authbench_recommend::{FigureSource, Measurements, deployment, measure, modes_to_measure};

pub(crate) async fn run(args: RecommendArgs) -> Result<u8, CliError> {
    write_out(&answer(&args).await?)?;
    Ok(0)
}

/// The text `recommend` prints: the table and reasons, or JSON with `--json`.
async fn answer(args: &RecommendArgs) -> Result<String, CliError> {
    let loaded = deployment::load_file(&args.deployment)?;
    let figures = match &args.report {
        Some(path) => {
            let report = crate::compare::read(path)?;
            Measurements::from_report(
                &report,
                FigureSource::Report {
                    path: path.display().to_string(),
                    generated_at: report.generated_at.clone(),
                    build_profile: report.build.profile.clone(),
                },
            )
        }
        None => measure::quick(&modes_to_measure(&loaded.deployment)).await?,
    };
    let answer = authbench_recommend::recommend(&loaded, &figures);
    Ok(if args.json {
        answer.to_json()
    } else {
        answer.to_text()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use authbench_report::Report;

    use super::*;

    fn deployments() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/deployments")
    }

    fn args(file: &str) -> RecommendArgs {
        RecommendArgs {
            deployment: deployments().join(file),
            report: None,
            json: false,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_shipped_example_prints_a_ranked_answer_with_reasons() {
        for (file, first) in [
            ("small-studio.yaml", "file"),
            ("large-live-event.yaml", "jwt"),
            ("multi-tenant-platform.yaml", "jwt+roundtrip"),
            ("legacy-rtmp-fleet.yaml", "roundtrip"),
        ] {
            let text = answer(&args(file)).await.unwrap();
            let row = text
                .lines()
                .skip_while(|l| !l.starts_with("rank"))
                .nth(1)
                .unwrap_or_default();
            let cells: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(
                cells.get(..3),
                Some(&["1", first, "recommended"][..]),
                "{file}:\n{text}"
            );
            assert!(
                text.contains(&format!("1. {first} — recommended")),
                "{file}:\n{text}"
            );
            assert!(
                text.contains("Figures: measured just now in-process"),
                "{file}"
            );
            assert!(
                text.contains("[measured.p99-within-budget]"),
                "{file}:\n{text}"
            );

            let mut json_args = args(file);
            json_args.json = true;
            let json: serde_json::Value =
                serde_json::from_str(&answer(&json_args).await.unwrap()).unwrap();
            assert_eq!(json["ranking"][0]["option"], first, "{file}");
            assert_eq!(json["ranking"].as_array().map(Vec::len), Some(4), "{file}");
            assert!(
                json["ranking"][0]["reasons"][0]["criterion"].is_string(),
                "{file}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_report_supplies_the_figures() {
        let dir = tempfile::tempdir().unwrap();
        let mut report = Report::build(&[], &authbench_report::RunOptions::default());
        report.latency = vec![authbench_report::ModeLatency {
            mode: authbench_scenario::Mode::File,
            target: None,
            count: 500,
            summary: Some(authbench_report::LatencyStats {
                min_us: 30_000.0,
                p50_us: 35_000.0,
                p90_us: 40_000.0,
                p99_us: 900_000.0,
                p99_9_us: 900_000.0,
                max_us: 900_000.0,
                mean_us: 36_000.0,
                curve: Vec::new(),
            }),
        }];
        let path = dir.path().join("report.json");
        std::fs::write(&path, report.to_json()).unwrap();
        let mut a = args("small-studio.yaml");
        a.report = Some(path.clone());
        let text = answer(&a).await.unwrap();
        assert!(
            text.contains(&format!("Figures: from {}", path.display())),
            "{text}"
        );
        // 900 ms p99 against the studio's 500 ms budget.
        assert!(
            text.contains("file p99 900 ms over 500 single decisions, over the 500ms budget"),
            "{text}"
        );
        assert!(
            text.contains("No option fits well; the least bad is file"),
            "{text}"
        );
    }

    #[test]
    fn bad_input_is_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(
            &bad,
            "users: 8\nidentity_provider: none\nrevocaton: {need: none}\n",
        )
        .unwrap();
        let code = crate::run(["authbench", "recommend", bad.to_str().unwrap()]);
        assert_eq!(code, ExitCode::from(crate::EXIT_USAGE));

        let missing = dir.path().join("missing.yaml");
        let code = crate::run(["authbench", "recommend", missing.to_str().unwrap()]);
        assert_eq!(code, ExitCode::from(crate::EXIT_USAGE));

        let not_a_report = dir.path().join("r.json");
        std::fs::write(&not_a_report, "{}").unwrap();
        let studio = deployments().join("small-studio.yaml");
        let code = crate::run([
            "authbench",
            "recommend",
            studio.to_str().unwrap(),
            "--report",
            not_a_report.to_str().unwrap(),
        ]);
        assert_eq!(code, ExitCode::from(crate::EXIT_USAGE));

        let code = crate::run(["authbench", "recommend", studio.to_str().unwrap(), "--json"]);
        assert_eq!(code, ExitCode::from(0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn yaml_errors_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yaml");
        std::fs::write(
            &bad,
            "users: 8\nidentity_provider: none\nrevocation: {need: none}\n\
             clients: {rtmp: 60, whip_whep: 30}\npeak_joins_per_second: 2\n\
             latency_budget: 500ms\nauth_service: {available: false}\n",
        )
        .unwrap();
        let mut a = args("x");
        a.deployment = bad.clone();
        let e = answer(&a).await.unwrap_err();
        assert_eq!(e.exit_code(), crate::EXIT_USAGE);
        assert!(
            e.to_string().starts_with(&format!(
                "{}:4:10: `clients` shares add up to 90",
                bad.display()
            )),
            "{e}"
        );
    }
}
