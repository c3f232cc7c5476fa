//! Instruction counts (gungraun, Valgrind's callgrind) of the in-process decisions and their
//! references: deterministic figures for gating on shared CI machines, where wall-clock time of
//! a µs-scale decision moves with the neighbours.
//!
//! Needs Valgrind and gungraun-runner (`scripts/install-gungraun.sh`); behind the `instructions`
//! feature so a plain `cargo bench` does not need them:
//!
//! ```sh
//! cargo bench -p authbench-benches --features instructions --bench instructions
//! ```
//!
//! gungraun keeps the previous run's counts and prints the change of each; a regression is
//! a change in instructions, not in time. Setup (fixtures, minting) is outside the counted region.

// The gungraun macros generate public items without docs.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use authbench_core::{AuthRequest, Authenticator, Decision};
use authbench_load::targets::{NullAuthenticator, RawJwtDecode};
use authbench_load::workload::{self, Users};
use aws_lc_rs::hmac;
use gungraun::prelude::*;
use jsonwebtoken::Algorithm;

/// Polls a decision that completes at once (local keys): no runtime in the counted region.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// The jwt fixture of `authbench bench` and one allowed request of it.
fn jwt_case(users: usize) -> (Arc<dyn Authenticator>, AuthRequest) {
    let dir = tempfile::tempdir().expect("temp dir");
    let setup = workload::jwt(&Users::generate(users), dir.path()).expect("jwt fixture");
    let allowed = setup.workload.filtered(|c| c.name == "valid publish");
    let req = allowed.requests.first().expect("a request").0.clone();
    (setup.auth.clone(), req)
}

fn raw_decode_case(users: usize) -> (RawJwtDecode, AuthRequest) {
    let (_, req) = jwt_case(users);
    let raw = RawJwtDecode::hmac(
        b"authbench-load-hs256-secret-0123456789abcdefghij",
        Algorithm::HS256,
    )
    .expect("key");
    (raw, req)
}

fn hmac_case(users: usize) -> (hmac::Key, String) {
    let (_, req) = jwt_case(users);
    let token = req.credentials.token.expect("token").expose().to_owned();
    let signing_input = token.rsplit_once('.').expect("three parts").0.to_owned();
    (
        hmac::Key::new(
            hmac::HMAC_SHA256,
            b"authbench-load-hs256-secret-0123456789abcdefghij",
        ),
        signing_input,
    )
}

#[library_benchmark]
#[bench::users64(args = (64), setup = jwt_case)]
fn jwt_hs256_decision(case: (Arc<dyn Authenticator>, AuthRequest)) -> Decision {
    let (auth, req) = case;
    black_box(ready(auth.authenticate(black_box(&req))))
}

#[library_benchmark]
#[bench::users64(args = (64), setup = raw_decode_case)]
fn reference_jsonwebtoken_decode(case: (RawJwtDecode, AuthRequest)) -> Decision {
    let (raw, req) = case;
    black_box(ready(raw.authenticate(black_box(&req))))
}

#[library_benchmark]
#[bench::users64(args = (64), setup = hmac_case)]
fn reference_hmac_sha256(case: (hmac::Key, String)) -> hmac::Tag {
    let (key, input) = case;
    black_box(hmac::sign(&key, black_box(input.as_bytes())))
}

#[library_benchmark]
#[bench::users64(args = (64), setup = jwt_case)]
fn null_authenticator(case: (Arc<dyn Authenticator>, AuthRequest)) -> Decision {
    let (_, req) = case;
    black_box(ready(NullAuthenticator.authenticate(black_box(&req))))
}

library_benchmark_group!(
    name = decisions,
    benchmarks = [
        reference_hmac_sha256,
        reference_jsonwebtoken_decode,
        jwt_hs256_decision,
        null_authenticator
    ]
);

main!(library_benchmark_groups = decisions);
