//! authbench's YAML side: the deployment config (one section per mode, plus identities), and
//! scenarios that drive every mode from one description.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod fixture;
pub mod library;
pub mod load;
mod request;
pub mod runner;
pub mod spec;
pub mod yaml;

pub use authbench_core::Mode;
pub use authbench_core::outcome;
