//! Helpers shared by the fuzz targets in `fuzz_targets/`: running an authenticator's future
//! without a runtime, and splitting an input into its fields.

#![forbid(unsafe_code)]

use std::future::Future;
use std::path::PathBuf;
use std::task::{Context, Poll, Waker};

/// Most polls a decision may need. The authenticators under fuzzing use local keys and files
/// only, so a decision is ready on the first poll; a future still pending after this many is
/// a hang, reported as a crash.
const MAX_POLLS: usize = 1_000;

/// Runs a future that never waits on I/O (a decision with local keys or files) to completion.
///
/// # Panics
///
/// When the future is still pending after [`MAX_POLLS`] polls.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..MAX_POLLS {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("a decision with local keys was still pending after {MAX_POLLS} polls");
}

/// The repository root (the fuzz crate's parent folder).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Splits `data` into its first byte (a selector) and the rest.
pub fn selector(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(s, rest)| (*s, rest))
}

/// Up to `n` fields of `text` separated by `sep`; the last one keeps any further separators.
pub fn fields(text: &str, sep: char, n: usize) -> Vec<&str> {
    text.splitn(n, sep).collect()
}
