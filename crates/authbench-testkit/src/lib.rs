//! Test support shared by authbench's tests, benches and fuzz targets: the one committed test key
//! set ([`keys`]) and the standard test identities ([`identities`]).
//!
//! Nothing here belongs in a deployment: the keys are public in the repository and the passwords
//! are written in this crate's source. The crate is `publish = false` and only ever a
//! dev-dependency (the fuzz crate, outside the workspace, is the one regular dependent).
//!
//! ```
//! use authbench_testkit::{identities, keys};
//!
//! let users = identities::standard();
//! assert!(users["carol"].revoked);
//! assert!(keys::path("rsa.pub.pem").is_file());
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod identities;
pub mod keys;
