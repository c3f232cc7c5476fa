//! Distributed runs on [Locust](https://locust.io) (`authbench export locust`, `authbench import
//! locust`): beyond what one machine's `authbench bench` reaches, the same round-trip workload is
//! sent by a Locust master and its workers on as many machines as needed, and their results come
//! back as a report `load` section, which `authbench compare` gates like a local one.
//!
//! * [`export`]: the workload (built-in generated users, or a target's mapped accounts), its
//!   request bodies made by round-trip mode's own client, a locustfile that replays and judges
//!   them, paced to a rate.
//! * [`import`]: Locust's `--csv` files back into a [`LoadSection`](authbench_report::LoadSection),
//!   marked as Locust's figures (closed loop per user, latency from the send, percentiles from
//!   Locust's buckets).
//!
//! `docs/load-at-scale.md` says how to run it on several machines.

mod capture;
mod csv;
pub mod export;
pub mod import;

use std::path::{Path, PathBuf};

/// Why a Locust run cannot be imported. Messages name the file, and the line when there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A file or folder cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what Locust and the exported locustfile write.
    #[error("{}:{line}: {what}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The folder lacks a file of the run.
    #[error("{}: {what}", dir.display())]
    Missing {
        /// The folder.
        dir: PathBuf,
        /// What is missing.
        what: String,
    },
}

impl ImportError {
    pub(crate) fn malformed(path: &Path, line: usize, what: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            path: path.to_owned(),
            line,
            what: what.into(),
        }
    }
}
