//! authbench's harness: the world one mode runs in ([`world`]) — built-in ([`builtin`]) or the
//! user's deployment ([`target`], from a target file) —, walking a scenario in it ([`session`]),
//! running scenarios and recording outcomes ([`runner`]), and the deployment config that builds a
//! mode's authenticator from YAML ([`deployment`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod builtin;
pub mod deployment;
mod request;
pub mod runner;
pub mod session;
pub mod target;
pub mod world;

pub use authbench_core::Mode;
pub use world::{Account, TokenOptions, World, WorldError};
