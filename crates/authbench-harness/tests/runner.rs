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

#[tokio::test]
async fn a_media_server_hook_protocol_counts_its_calls_to_the_service() {
    for protocol in ["nginx-rtmp", "srs"] {
        let text = format!(
            "description: the service counts a {protocol} hook call\n\
             use_case: test\n\
             setup:\n  roundtrip: {{protocol: {protocol}}}\n\
             modes: [roundtrip]\n\
             identities:\n  alice: {{password: alice-pw, roles: [publisher]}}\n\
             steps:\n\
             \x20 - name: publishes\n\
             \x20   request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n\
             \x20   expect: allow\n\
             \x20   service_calls: {{roundtrip: 1}}\n\
             \x20 - name: publishes three times\n\
             \x20   request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1, repeat: 3}}\n\
             \x20   expect: allow\n\
             \x20   service_calls: {{roundtrip: 3}}\n"
        );
        let loaded = authbench_scenario::load::load_str(
            &text,
            std::path::Path::new("hooks.yaml"),
            "hooks.yaml".into(),
        )
        .unwrap();
        let run = runner::run_mode(&loaded, Mode::Roundtrip).await;
        assert!(run.error.is_none(), "{protocol}: {:?}", run.error);
        assert_eq!(run.steps.len(), 2, "{protocol}");
        assert_eq!(run.steps[0].service_calls, Some(1), "{protocol}");
        assert_eq!(run.steps[1].service_calls, Some(3), "{protocol}");
        assert!(
            run.steps.iter().all(|s| s.passed),
            "{protocol}: {:?}",
            run.steps
        );
    }
}
