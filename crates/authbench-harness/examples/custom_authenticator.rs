//! A fourth mode: your own `Authenticator`, run against the shipped scenarios.
//!
//! Here it is an in-memory user table — stand-in for an adapter to your own server's auth. It is
//! run where file mode runs: clients present user name and password, and file mode's expected
//! outcomes apply, so every step it passes is a step it decides exactly as an htpasswd file would.
//! It differs where it should: the table is a snapshot taken when the scenario starts, so it
//! misses password changes and removed users — the kind of difference the comparison is for.
//!
//! ```sh
//! cargo run -p authbench-harness --example custom_authenticator
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use authbench_core::{
    AuthRequest, Authenticator, Capabilities, Capability, Decision, DenyReason, Role, async_trait,
};
use authbench_harness::runner;
use authbench_scenario::{Mode, library};

/// Users and passwords held in memory, with roles.
struct MemoryUsers {
    users: BTreeMap<String, (String, Vec<Role>)>,
}

#[async_trait]
impl Authenticator for MemoryUsers {
    fn mode(&self) -> &str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        [Capability::Roles, Capability::OfflineDecision]
            .into_iter()
            .collect()
    }

    async fn authenticate(&self, req: &AuthRequest) -> Decision {
        let (Some(user), Some(password)) = (&req.credentials.username, &req.credentials.password)
        else {
            return Decision::deny(
                DenyReason::MissingCredentials,
                "user name and password needed",
            );
        };
        let Some((expected, roles)) = self.users.get(user) else {
            return Decision::deny(DenyReason::UnknownUser, "no such user");
        };
        // An example only: real code compares secrets in constant time.
        if expected != password.expose() {
            return Decision::deny(DenyReason::BadPassword, "wrong password");
        }
        if !roles.is_empty() && !roles.contains(&Role::for_action(req.action)) {
            return Decision::deny(DenyReason::RoleForbidden, "role not held");
        }
        Decision::allow(user.clone())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut failures = 0;
    for loaded in library::load_library()? {
        if !loaded.scenario.modes().contains(&Mode::File) {
            continue;
        }
        let run = runner::run_custom(
            &loaded,
            Mode::File,
            Box::new(|ctx| {
                let users = ctx
                    .identities
                    .iter()
                    .map(|(name, id)| {
                        (
                            name.clone(),
                            (id.password.expose().to_owned(), id.roles.clone()),
                        )
                    })
                    .collect();
                Ok(Arc::new(MemoryUsers { users }) as Arc<dyn Authenticator>)
            }),
        )
        .await;
        if let Some(e) = &run.error {
            println!("{:<32} could not run: {e}", loaded.name);
            failures += 1;
            continue;
        }
        let passed = run.steps.iter().filter(|s| s.passed).count();
        println!(
            "{:<32} {passed}/{} steps as file mode decides them",
            loaded.name,
            run.steps.len()
        );
        for step in run.steps.iter().filter(|s| !s.passed) {
            failures += 1;
            println!(
                "    line {}: {} — expected {}, got {}",
                step.line,
                step.name,
                step.expected.label(),
                step.actual.label()
            );
        }
    }
    println!("{failures} differences from file mode");
    Ok(())
}
