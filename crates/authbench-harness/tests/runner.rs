//! What the runner records beside pass / fail.

#![allow(clippy::unwrap_used)]

use authbench_core::DenyReason;
use authbench_harness::runner;
use authbench_scenario::outcome::Actual;
use authbench_scenario::{Mode, library};

#[tokio::test]
async fn decisions_under_service_faults_are_judged_but_kept_out_of_the_latency_samples() {
    let loaded = library::load_library()
        .unwrap()
        .into_iter()
        .find(|s| s.name == "service-down")
        .unwrap();
    let run = runner::run_mode(&loaded, Mode::Roundtrip).await;
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(run.steps.len(), 5);
    assert!(run.steps.iter().all(|s| s.passed));
    assert!(matches!(
        run.steps[2].actual,
        Actual::Deny {
            reason: DenyReason::BackendTimeout,
            ..
        }
    ));
    // Only "all healthy" and "recovered" were decided with a healthy service.
    assert_eq!(run.samples.len(), 2);
    // Each step still has its own latency: the timed-out one waited for the 500 ms timeout.
    assert!(run.steps[2].latency.as_millis() >= 500);
}
