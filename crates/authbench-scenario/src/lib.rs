//! authbench's scenario files: the YAML format ([`spec`]), loading and validation with
//! `file:line:col` errors ([`load`], [`yaml`]), and the shipped library ([`library`]). Running
//! them is the harness's job (`authbench-harness`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod library;
pub mod load;
pub mod spec;
pub mod yaml;

pub use authbench_core::Mode;
pub use authbench_core::outcome;
