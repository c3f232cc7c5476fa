//! A user's own authenticator runs against the shipped scenarios through `runner::run_custom`.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use authbench_core::{
    AuthRequest, Authenticator, Capabilities, Capability, Decision, DenyReason, async_trait,
};
use authbench_harness::runner;
use authbench_scenario::outcome::{Actual, Expected};
use authbench_scenario::{Mode, library};

/// Lets in whoever presents a token, as whatever the token says nothing about.
struct AnyToken;

#[async_trait]
impl Authenticator for AnyToken {
    fn mode(&self) -> &str {
        "any-token"
    }
    fn capabilities(&self) -> Capabilities {
        [Capability::OfflineDecision].into_iter().collect()
    }
    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        match &req.credentials.token {
            Some(_) => Decision::allow("someone"),
            None => Decision::deny(DenyReason::MissingCredentials, "no token"),
        }
    }
}

#[tokio::test]
async fn a_custom_authenticator_is_judged_by_the_modes_expectations() {
    let roles = library::load_library()
        .unwrap()
        .into_iter()
        .find(|s| s.name == "roles")
        .unwrap();
    let run = runner::run_custom(
        &roles,
        Mode::Jwt,
        Box::new(|_| Ok(Arc::new(AnyToken) as Arc<dyn Authenticator>)),
    )
    .await;
    assert!(run.error.is_none(), "{:?}", run.error);
    // It lets everyone in, so the steps where jwt denies role_forbidden fail, and only those.
    let failed: Vec<_> = run.steps.iter().filter(|s| !s.passed).collect();
    assert_eq!(failed.len(), 2);
    for step in failed {
        assert_eq!(step.expected, Expected::Deny(DenyReason::RoleForbidden));
        assert!(matches!(step.actual, Actual::Allow { .. }));
    }
}

#[tokio::test]
async fn a_custom_builder_error_is_reported_not_panicked() {
    let loaded = library::load_library().unwrap().into_iter().next().unwrap();
    let run =
        runner::run_custom(&loaded, Mode::File, Box::new(|_| Err("no database".into()))).await;
    assert!(
        run.error
            .as_deref()
            .unwrap_or_default()
            .contains("no database")
    );
    assert!(run.steps.is_empty());
}
