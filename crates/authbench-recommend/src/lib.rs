//! `authbench recommend`: which authentication mode should this deployment use?
//!
//! A deployment description ([`Deployment`], YAML, schema in
//! `scenarios/deployments/deployment.schema.json`) says how many users there are, who issues
//! identities, how soon revocation must bite, which clients connect, the peak join rate, the
//! latency budget, tenants, the access rules and whether an auth service can be run. The engine
//! ranks four options — each mode on its own ([`Choice::Mode`]: `file`, `jwt`, `roundtrip`)
//! and the combination [`Choice::JwtRoundtrip`] (JWT for joins, a round-trip re-check of what
//! revocation must cover) — and gives every option its reasons.
//!
//! Every reason cites a [`Criterion`] by its stable id: a rule from the Red5 Pro page the project
//! grew from ("many users and an identity provider → JWT"), a fact of the design ("round trips
//! fail closed while the service is down"), or a measured figure ("round-trip p99 at 2 000
//! joins/s was 41 ms, over the 20 ms budget"). The criteria are data ([`criteria::CRITERIA`]);
//! the guide `docs/choosing-an-auth-mode.md` shows the same table.
//!
//! Hard constraints rule an option out (no issuer and no service → no JWT; immediate revocation
//! → no plain JWT, no file; rooms, transports or tenants → no file; no service → no round trip);
//! everything else adds or takes points, and options are ranked by their sum.
//!
//! Figures come from a report ([`Measurements::from_report`], with the `load` section's p99 at
//! given rates when present) or, without one, from [`measure::quick`], which runs a short
//! scenario through the scenario runner and reads the result the same way.
//!
//! The options that run an auth service also get a [`CapacityPlan`]: the instances their peak
//! needs and the load-generator workers it takes to test it, each worked out from the report's
//! measured capacity and generator rate ([`capacity`]), or the command that measures them.
//!
//! ```
//! use std::path::Path;
//! use authbench_core::Mode;
//! use authbench_recommend::{Choice, Measurements, deployment, recommend};
//!
//! let yaml = "users: 8\nidentity_provider: none\nrevocation: {need: none}\n\
//!             clients: {rtmp: 70, whip_whep: 30}\npeak_joins_per_second: 2\n\
//!             latency_budget: 500ms\nauth_service: {available: false}\n";
//! let studio = deployment::load_str(yaml, Path::new("studio.yaml")).unwrap();
//! let answer = recommend(&studio, &Measurements::none());
//! assert_eq!(answer.first_choice(), Some(Choice::Mode(Mode::File)));
//! assert!(answer.option(Choice::Mode(Mode::Jwt)).unwrap().ruled_out());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod capacity;
pub mod criteria;
pub mod deployment;
mod load;
pub mod measure;
mod measurements;
mod option;
mod recommendation;
mod render;
mod rules;

pub use capacity::{CapacityPlan, Sizing};
pub use criteria::{Criterion, CriterionId, Effect, Source};
pub use deployment::{Deployment, LoadedDeployment};
pub use measurements::{
    CostAtRate, FigureSource, GeneratorRate, KEEPS_UP, LoadPoint, Measurements, ModeFigures,
    ServiceCapacity, fmt_rate,
};
pub use option::Choice;
pub use recommendation::{Figure, RankedOption, Reason, Recommendation, Verdict};
pub use rules::{modes_to_measure, recommend};

/// The JSON Schema of the deployment description (draft 2020-12), as committed in
/// `scenarios/deployments/deployment.schema.json`.
pub fn deployment_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Deployment)).unwrap_or_default()
}
