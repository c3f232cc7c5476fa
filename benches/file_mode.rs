//! File mode: one decision per hash scheme, beside a raw bcrypt verify measured in the same run,
//! and the timing equalisation check (`file/bcrypt/unknown_user` vs `file/bcrypt/wrong_password`
//! should be within a few percent of each other).
//!
//! Fixtures are written at start into a temporary directory with `authbench_file::fixture`,
//! bcrypt at cost 5 and SHA-crypt at 5000 rounds (Apache htpasswd's defaults). Decisions are
//! driven on a current-thread tokio runtime, so the expensive schemes take the same
//! `spawn_blocking` path they take in a server.

use std::hint::black_box;
use std::path::Path;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Identities, Identity, StreamPath, Transport,
};
use authbench_file::{FileAuthenticator, Scheme, danger, fixture};
use criterion::{Criterion, criterion_group, criterion_main};

const USER: &str = "alice";
const PASSWORD: &str = "alice-password";
const BCRYPT_COST: u32 = 5;

fn identities() -> Identities {
    let mut ids = Identities::new();
    ids.insert(
        USER.into(),
        Identity {
            password: PASSWORD.into(),
            ..Identity::default()
        },
    );
    // A few more users so lookups are not in a one-entry map.
    for i in 0..15 {
        ids.insert(
            format!("user{i:02}"),
            Identity {
                password: format!("password-{i}").into(),
                ..Identity::default()
            },
        );
    }
    ids
}

fn cost_for(scheme: Scheme) -> u32 {
    if scheme == Scheme::Bcrypt {
        BCRYPT_COST
    } else {
        scheme.default_cost()
    }
}

fn authenticator(dir: &Path, ids: &Identities, scheme: Scheme) -> FileAuthenticator {
    let path = dir.join(format!("{scheme}.htpasswd"));
    let text = fixture::htpasswd_for(ids, scheme, cost_for(scheme)).expect("fixture hashes");
    std::fs::write(&path, text).expect("write fixture");
    let auth = if scheme == Scheme::Plaintext {
        danger::htpasswd_allowing_plaintext(&path, None)
    } else {
        FileAuthenticator::from_paths(&path, None)
    };
    auth.expect("fixture loads")
}

fn request(user: &str, password: &str) -> AuthRequest {
    AuthRequest::new(
        Action::Publish,
        Transport::Rtmp,
        StreamPath::new("live/room1/cam1").expect("valid path"),
        Credentials::user_password(user, password),
    )
}

fn file_mode(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let ids = identities();
    let allow = request(USER, PASSWORD);

    // Reference: bcrypt verify alone, same cost, no file mode around it.
    let raw_hash = fixture::hash_password(Scheme::Bcrypt, BCRYPT_COST, PASSWORD).expect("hash");
    c.bench_function("file/reference/bcrypt_verify", |b| {
        b.iter(|| bcrypt::verify(black_box(PASSWORD), black_box(&raw_hash)))
    });

    for scheme in Scheme::ALL {
        let auth = authenticator(dir.path(), &ids, scheme);
        assert!(
            runtime.block_on(auth.authenticate(&allow)).is_allow(),
            "{scheme}"
        );
        c.bench_function(&format!("file/decision/{scheme}"), |b| {
            b.iter(|| runtime.block_on(auth.authenticate(black_box(&allow))))
        });
    }

    let auth = authenticator(dir.path(), &ids, Scheme::Bcrypt);
    let unknown = request("mallory", PASSWORD);
    let wrong = request(USER, "not-the-password");
    let mut group = c.benchmark_group("file/bcrypt");
    group.bench_function("unknown_user", |b| {
        b.iter(|| runtime.block_on(auth.authenticate(black_box(&unknown))))
    });
    group.bench_function("wrong_password", |b| {
        b.iter(|| runtime.block_on(auth.authenticate(black_box(&wrong))))
    });
    group.finish();
}

criterion_group!(benches, file_mode);
criterion_main!(benches);
